/**
 * The storage control plane's decisions, one check round at a time (models/storage-control-plane
 * .machine.ts; docs/protocol.md §8, membership changes; §13, M1, M3): a second lone failure during
 * a replacement starts its own replacement at once (two at most); an AZ out for `degradeAfterMs`
 * degrades the PG, and goes back if the AZ answers before the writer switches; a degraded PG is
 * restored when the AZ returns.
 */
import { CHUNK_SIZE, tableGet } from '../../src/protocol/chunked.js';
import { describe, expect, it } from 'vitest';
import type { MembershipStatusMessage, PgConfigRecord, SegmentPongMessage, WireMessage } from '../../models/messages.js';
import type { Change, StorageControlPlaneContext } from '../../models/storage-control-plane.machine.js';
import { checkRound, pongOf, recordStatus, withPong } from '../../models/storage-control-plane.machine.js';
import type { Lsn, MembershipEpoch, PgId } from '../../src/protocol/ids.js';
import { kOfN } from '../../src/protocol/quorum.js';

const AZ_OF: Record<string, string> = { A: 'a', B: 'a', C: 'b', D: 'b', E: 'c', F: 'c', G: 'c', H: 'c' };
const ROUND = 10;

/** PG 0's answer to round 10's ping from `segment`. */
function pong(segment: string, patch: Partial<SegmentPongMessage> = {}): SegmentPongMessage {
  return { type: 'segmentPong', from: segment, round: ROUND, pg: 0 as PgId, state: 'online.up', scl: 100 as Lsn, membershipEpoch: 1 as MembershipEpoch, ...patch };
}

/** The chunk of the chunked table that holds `pg`. */
const chunkOf = (pg: number): number => Math.floor(pg / CHUNK_SIZE);

/** Consecutive misses of PG 0's segments (the tables are nested per PG). */
const missed = (table: Record<string, number>): StorageControlPlaneContext['misses'] => ({ 0: table });

/** A control plane at round 10 whose `answering` segments of PG 0 answered the last ping. */
function context(members: string[], answering: string[], patch: Partial<StorageControlPlaneContext> = {}): StorageControlPlaneContext {
  const lastPong = answering.reduce<StorageControlPlaneContext['lastPong']>((table, segment) => withPong(table, pong(segment)), {});
  return {
    self: 'scp',
    members: { 0: members },
    membershipEpochs: { 0: 1 },
    places: { 0: Object.fromEntries(Object.entries(AZ_OF).map(([id, azId]) => [id, { azId, node: `node:${azId}:${id}`, kind: 'full' as const }])) },
    nodesByAz: { a: ['node:a:1', 'node:a:2', 'node:a:3'], b: ['node:b:1', 'node:b:2', 'node:b:3'], c: ['node:c:1', 'node:c:2', 'node:c:3'] },
    instances: ['writer'],
    checkPeriodMs: 500,
    replaceAfterMisses: 4,
    degradeAfterMisses: 4,
    round: ROUND,
    lastPong,
    misses: {},
    changes: {},
    degraded: {},
    replacementsMade: 0,
    growth: undefined,
    ...patch,
  };
}

const requests = (sends: readonly { message: WireMessage }[]) => sends.map(({ message }) => message).filter((message) => message.type !== 'healthPing');

function status(members: string[], active: string[], membershipEpoch: number): MembershipStatusMessage {
  const config: PgConfigRecord = { pg: 0 as PgId, membershipEpoch: membershipEpoch as MembershipEpoch, members, write: kOfN(1, members as never), read: kOfN(1, members as never) };
  return { type: 'membershipStatus', from: 'writer', pg: 0 as PgId, config, active };
}

describe('Storage control plane: a second failure during a replacement', () => {
  const replacing: Change = { kind: 'replace', id: 'G', failed: 'F', replacement: 'G', phase: 'joint', hydratedAtLsn: 100 };

  it('starts a second replacement (D, in another AZ) while F→G is in force', () => {
    const before = context(['A', 'B', 'C', 'D', 'E', 'F', 'G'], ['A', 'B', 'C', 'E'], { misses: missed({ D: 3, F: 9 }), changes: { 0: [replacing] } });
    const round = checkRound(before);
    expect(round.provisions).toMatchObject([{ pg: 0, azId: 'b', peers: ['A', 'B', 'C', 'E', 'F', 'G'] }]);
    expect(requests(round.sends)).toEqual([{ type: 'replaceSegment', from: 'scp', pg: 0, failed: 'D', replacement: 'seg:pg0:b:r1' }]);
    expect(round.context.changes[0]!.map((change) => change.id)).toEqual(['G', 'seg:pg0:b:r1']);
    // E, F's sibling, going too is an AZ loss, not a lone failure: no replacement for it.
    const azLoss = context(['A', 'B', 'C', 'D', 'E', 'F', 'G'], ['A', 'B', 'C', 'D'], { misses: missed({ E: 3, F: 9 }), changes: { 0: [replacing] } });
    expect(checkRound(azLoss).provisions).toEqual([]);
  });

  it('keeps at most two replacements active in a PG', () => {
    const second: Change = { kind: 'replace', id: 'H', failed: 'E', replacement: 'H', phase: 'joint' };
    const before = context(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'], ['A', 'B', 'D'], { misses: missed({ C: 9, E: 9, F: 9 }), changes: { 0: [replacing, second] } });
    expect(checkRound(before).provisions).toEqual([]);
  });

  it('settles each on its own: forward once G holds what the members held, back if F answers first', () => {
    const hydrated = context(['A', 'B', 'C', 'D', 'E', 'F', 'G'], ['A', 'B', 'C', 'D', 'E', 'G'], { changes: { 0: [replacing] } });
    expect(requests(checkRound(hydrated).sends)).toContainEqual({ type: 'finishMembershipChange', from: 'scp', pg: 0, change: 'G', outcome: 'forward' });
    const lagging: StorageControlPlaneContext = { ...hydrated, lastPong: withPong(hydrated.lastPong, pong('G', { scl: 90 as Lsn })) };
    expect(requests(checkRound(lagging).sends)).toEqual([]);
    const returned = { ...lagging, lastPong: withPong(lagging.lastPong, pong('F')) };
    expect(requests(checkRound(returned).sends)).toContainEqual({ type: 'finishMembershipChange', from: 'scp', pg: 0, change: 'G', outcome: 'back' });
  });
});

describe('Storage control plane: the degraded 3/4 model (docs/protocol.md §13, M3)', () => {
  const six = ['A', 'B', 'C', 'D', 'E', 'F'];

  it('degrades once both members of one AZ missed degradeAfterMs, not before, and not for a lone failure', () => {
    expect(requests(checkRound(context(six, ['A', 'B', 'C', 'D'], { misses: missed({ E: 3, F: 3 }) })).sends)).toEqual([
      { type: 'changeQuorumModel', from: 'scp', pg: 0, model: 'degraded', azMembers: ['E', 'F'] },
    ]);
    expect(requests(checkRound(context(six, ['A', 'B', 'C', 'D'], { misses: missed({ E: 2, F: 3 }) })).sends)).toEqual([]);
    // The AZ is out and C as well: the writer could not install the joint configuration; wait.
    expect(requests(checkRound(context(six, ['A', 'B', 'D'], { misses: missed({ C: 1, E: 3, F: 3 }) })).sends)).toEqual([]);
  });

  it('goes back if the AZ answers before the switch, forward otherwise; the status then marks the PG degraded', () => {
    const degrading: Change = { kind: 'degrade', id: 'model:degraded', azMembers: ['E', 'F'], phase: 'joint' };
    const finish = (answering: string[]) => requests(checkRound(context(six, answering, { misses: missed({ E: 9, F: 9 }), changes: { 0: [degrading] } })).sends);
    expect(finish(six)).toEqual([{ type: 'finishMembershipChange', from: 'scp', pg: 0, change: 'model:degraded', outcome: 'back' }]);
    expect(finish(['A', 'B', 'C', 'D'])).toEqual([{ type: 'finishMembershipChange', from: 'scp', pg: 0, change: 'model:degraded', outcome: 'forward' }]);
    const asked = context(six, [], { changes: { 0: [{ ...degrading, phase: 'finishing', outcome: 'forward' }] } });
    // A status of the joint configuration (epoch 2) changes nothing; the 3/4 one (epoch 3) ends it.
    expect(recordStatus(asked, status(six, ['model:degraded'], 2)).changes![0]).toHaveLength(1);
    const done = recordStatus(asked, status(['A', 'B', 'C', 'D'], [], 3));
    expect(done).toMatchObject({ changes: { 0: [] }, degraded: { 0: ['E', 'F'] }, members: { 0: ['A', 'B', 'C', 'D'] } });
  });

  it('restores 4/6 once both members of the lost AZ answer again; meanwhile replaces lone failures', () => {
    const four = ['A', 'B', 'C', 'D'];
    expect(requests(checkRound(context(four, ['A', 'B', 'C', 'D', 'E', 'F'], { degraded: { 0: ['E', 'F'] } })).sends)).toEqual([
      { type: 'changeQuorumModel', from: 'scp', pg: 0, model: 'restored', azMembers: ['E', 'F'] },
    ]);
    const lone = checkRound(context(four, ['A', 'B', 'D'], { degraded: { 0: ['E', 'F'] }, misses: missed({ C: 3, E: 9, F: 9 }) }));
    expect(requests(lone.sends)).toEqual([{ type: 'replaceSegment', from: 'scp', pg: 0, failed: 'C', replacement: 'seg:pg0:b:r1' }]);
  });
});

describe('Storage control plane: per-PG tables', () => {
  it('records a pong under its PG, copying only that PG table and its chunk, leaving the others shared', () => {
    // PGs 0 and 1 share a chunk; PG 40 is in another.
    const before = withPong(withPong(withPong({}, pong('A')), pong('K', { pg: 1 as PgId })), pong('X', { pg: 40 as PgId }));
    const after = withPong(before, pong('B'));
    expect(tableGet(after, 1)).toBe(tableGet(before, 1));
    expect(after[chunkOf(40)]).toBe(before[chunkOf(40)]);
    expect(Object.keys(tableGet(after, 0)!)).toEqual(['A', 'B']);
    expect(Object.keys(tableGet(before, 0)!)).toEqual(['A']);
    expect(pongOf({ lastPong: after }, 0, 'B')?.from).toBe('B');
  });

  it('counts misses per PG and pings every PG, in PG order, for the next round', () => {
    const six = ['A', 'B', 'C', 'D', 'E', 'F'];
    const other = ['K', 'L', 'M', 'N', 'O', 'P'];
    const two = context(six, six, {
      members: { 0: six, 1: other },
      membershipEpochs: { 0: 1, 1: 1 },
      misses: { 0: {}, 1: { K: 2 } },
    });
    const answered = other.filter((segment) => segment !== 'K').reduce((table, segment) => withPong(table, pong(segment, { pg: 1 as PgId })), two.lastPong);
    const round = checkRound({ ...two, lastPong: answered });
    expect(round.context.misses).toEqual({ 0: { A: 0, B: 0, C: 0, D: 0, E: 0, F: 0 }, 1: { K: 3, L: 0, M: 0, N: 0, O: 0, P: 0 } });
    expect(round.sends.filter(({ message }) => message.type === 'healthPing').map(({ to }) => to)).toEqual([...six, ...other]);
  });
});
