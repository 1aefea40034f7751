/**
 * The `effects` action (models/effects.ts): a segment transition emits its sends and observations
 * as one named action whose params list them in the order the interpreters perform them. Group
 * commit is the case with the most effects in one step: each batch's `persisted` observation in
 * queue order, then one `writeAck` per writer carrying the SCL after the whole group.
 */
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ModelEffect } from '../../models/effects.js';
import type { RedoRecord, WireMessage } from '../../models/messages.js';
import type { SegmentEvent, SegmentInput } from '../../models/segment.machine.js';
import { segmentMachine } from '../../models/segment.machine.js';
import type { MembershipEpoch, PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import { putChain } from '../support/put-chain.js';

const input: SegmentInput = { self: 'seg:pg0:a:1', pg: 0, kind: 'full', peers: ['seg:pg0:b:1'], diskLatencySamplesMs: [2], gcPeriodMs: 0 };

/** PG 0's chain from `from` to `to`, every record on block 0. */
const records = (from: number, to: number): RedoRecord[] => putChain(from, to, 1);

const writeBatch = (from: string, first: number, last: number): SegmentEvent => ({
  type: 'writeBatch',
  from,
  pg: 0 as PgId,
  volumeEpoch: 1 as VolumeEpoch,
  membershipEpoch: 1 as MembershipEpoch,
  records: records(first, last),
});

/** The custom (effect) actions of a step: everything but xstate's own raise and cancel. */
const customActions = (actions: readonly { type: string; params?: unknown }[]) => actions.filter((action) => !action.type.startsWith('xstate.'));

describe('Segment: one effects action per step (models/effects.ts)', () => {
  it('group commit reports every batch, then acks each writer, in one effects action', () => {
    let [snapshot] = initialTransition(segmentMachine, input);
    // The first batch starts an IO; the next two queue behind it and persist together in the next.
    [snapshot] = transition(segmentMachine, snapshot, writeBatch('inst:w1', 1, 2));
    [snapshot] = transition(segmentMachine, snapshot, writeBatch('inst:w1', 3, 4));
    [snapshot] = transition(segmentMachine, snapshot, writeBatch('inst:w2', 5, 6));
    [snapshot] = transition(segmentMachine, snapshot, { type: 'diskDone' });
    expect(snapshot.context.diskInFlight).toBe(2);
    const [, actions] = transition(segmentMachine, snapshot, { type: 'diskDone' });

    const custom = customActions(actions);
    expect(custom.map((action) => action.type)).toEqual(['effects']);
    const { effects } = custom[0]!.params as { effects: ModelEffect[] };
    expect(effects.map((effect) => effect.kind)).toEqual(['observe', 'observe', 'send', 'send']);
    expect(effects.slice(0, 2)).toMatchObject([
      { observation: { kind: 'persisted', source: 'inst:w1', lsns: [3, 4] } },
      { observation: { kind: 'persisted', source: 'inst:w2', lsns: [5, 6], scl: 6 } },
    ]);
    const acks = effects.slice(2).map((effect) => (effect.kind === 'send' ? { to: effect.to, message: effect.message as WireMessage } : undefined));
    expect(acks).toMatchObject([
      { to: 'inst:w1', message: { type: 'writeAck', scl: 6, lsnLast: 4 } },
      { to: 'inst:w2', message: { type: 'writeAck', scl: 6, lsnLast: 6 } },
    ]);
  });

  it('a step with nothing to report runs no effects action', () => {
    const [snapshot] = initialTransition(segmentMachine, input);
    const [, actions] = transition(segmentMachine, snapshot, writeBatch('inst:w1', 1, 2));
    expect(customActions(actions)).toEqual([]);
  });
});
