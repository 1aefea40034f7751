/**
 * docs/embedding.md, run: every ```ts block of the tutorial is a region of this file (the check at
 * the end compares them), so the tutorial's code is the code these tests run. The machines run on
 * xstate's own scheduler: plain `createActor` with the `clock` option, no LiveHost.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// #region imports
import { createActor } from 'xstate';
import {
  EffectNotProvidedError,
  LSN_ZERO,
  blockId,
  kOfN,
  lsn,
  membershipEpoch,
  pgId,
  sclOf,
  segmentId,
  segmentMachine,
  volumeEpoch,
  writerMachine,
} from '../../src/index.js';
import type { Clock, EffectsParams, ModelEffect, SegmentInput, WireMessage, WriterInput } from '../../src/index.js';
// #endregion imports

// #region clock
/** A clock the embedder advances by hand: what xstate's `clock` option needs, and no more. */
class ManualClock implements Clock<number> {
  now = 0;
  private timers: { id: number; dueMs: number; callback: () => void }[] = [];
  private nextId = 1;

  setTimeout(callback: () => void, delayMs: number): number {
    const id = this.nextId++;
    this.timers.push({ id, dueMs: this.now + delayMs, callback });
    return id;
  }

  clearTimeout(id: number): void {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  /** Moves time on by `ms`, firing every timer due on the way, earliest first (ties in the order they were set). */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = this.timers.filter((timer) => timer.dueMs <= until).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (next === undefined) break;
      this.clearTimeout(next.id);
      this.now = next.dueMs;
      next.callback();
    }
    this.now = until;
  }
}
// #endregion clock

// #region cluster
/** A writer and three segments of one PG, wired by a hand-written network on one ManualClock. */
function startCluster({ down }: { down: readonly string[] }) {
  const clock = new ManualClock();
  const SEGMENTS = [segmentId('seg:a'), segmentId('seg:b'), segmentId('seg:c')];
  const actors = new Map<string, { send(event: never): void }>();
  const toClient: WireMessage[] = [];

  // The network: a message arrives 1 ms later, on the clock the machines' timers run on; a
  // segment that is down drops what reaches it.
  const deliver = (to: string, message: unknown): void => {
    clock.setTimeout(() => {
      if (to === 'client') toClient.push(message as WireMessage);
      else if (!down.includes(to)) actors.get(to)?.send(message as never);
    }, 1);
  };
  const perform = (effect: ModelEffect): void => {
    if (effect.kind === 'send') deliver(effect.to, effect.message);
    if (effect.kind === 'signal') deliver(effect.to, effect.event);
    // Observations and publications feed judges and replicas: none here.
  };
  const actions = {
    send: (_: unknown, params: { to: string; message: unknown }) => deliver(params.to, params.message),
    signal: (_: unknown, params: { to: string; event: unknown }) => deliver(params.to, params.event),
    observe: () => {},
    publish: () => {},
    effects: (_: unknown, params: EffectsParams) => params.effects.forEach(perform),
  };

  const segments = SEGMENTS.map((self) => {
    const input: SegmentInput = { self, pg: 0, kind: 'full', peers: SEGMENTS.filter((peer) => peer !== self), diskLatencySamplesMs: [2], gcPeriodMs: 0 };
    const segment = createActor(segmentMachine.provide({ actions }), { input, clock });
    actors.set(self, segment);
    return segment;
  });
  const input: WriterInput = {
    self: 'writer',
    role: 'writer',
    lal: 100,
    pgs: [{ pg: 0, members: SEGMENTS, write: kOfN(2, SEGMENTS), read: kOfN(2, SEGMENTS) }],
    blocksPerPg: 8,
    retransmitAfterMs: 10,
    linkBusyMsPerBatch: 0.1,
    mrplReportMs: 0,
  };
  const writer = createActor(writerMachine.provide({ actions }), { input, clock });
  actors.set('writer', writer);
  for (const actor of [...segments, writer]) actor.start();
  return { clock, writer, segments, toClient };
}
// #endregion cluster

describe('docs/embedding.md, run', () => {
  it('one segment: a write batch is persisted when the disk timer fires, then acknowledged with the SCL', () => {
    // #region segment
    const clock = new ManualClock();
    const outbox: { to: string; message: WireMessage }[] = [];
    const input: SegmentInput = { self: 'seg:a', pg: 0, kind: 'full', peers: [], diskLatencySamplesMs: [3], gcPeriodMs: 0 };
    const segment = createActor(
      segmentMachine.provide({
        actions: {
          // The segment's one effect action: a list of sends and observations, in order.
          effects: (_, params: EffectsParams) => {
            for (const effect of params.effects) if (effect.kind === 'send') outbox.push({ to: effect.to, message: effect.message as WireMessage });
          },
        },
      }),
      { input, clock },
    );
    segment.start();

    segment.send({
      type: 'writeBatch',
      from: 'writer',
      pg: pgId(0),
      volumeEpoch: volumeEpoch(1),
      membershipEpoch: membershipEpoch(1),
      records: [
        {
          lsn: lsn(1),
          pg: pgId(0),
          blockId: blockId(0),
          prevVolumeLsn: LSN_ZERO,
          prevPgLsn: LSN_ZERO,
          prevBlockLsn: LSN_ZERO,
          isCpl: true,
          isCommit: true,
          mtrId: 1,
          payload: { kind: 'put', key: 'k', value: 'v1' },
        },
      ],
    });
    clock.advance(2); // the disk takes 3 ms: nothing persisted yet
    const before = { scl: sclOf(segment.getSnapshot().context.store), acks: outbox.length };
    clock.advance(1); // the disk timer fires
    const after = { scl: sclOf(segment.getSnapshot().context.store), acks: outbox.filter((sent) => sent.message.type === 'writeAck') };
    // #endregion segment

    expect(before).toEqual({ scl: 0, acks: 0 });
    expect(after.scl).toBe(1);
    expect(after.acks).toEqual([{ to: 'writer', message: { type: 'writeAck', from: 'seg:a', pg: 0, volumeEpoch: 1, scl: 1, lsnLast: 1 } }]);
  });

  it('a segment without its effect action fails on first use, naming the action and how to give it', () => {
    // #region missing
    const bare = createActor(segmentMachine, { input: { self: 'seg:a', pg: 0, kind: 'full', peers: [], diskLatencySamplesMs: [3], gcPeriodMs: 0 } });
    const errors: unknown[] = [];
    bare.subscribe({ error: (error) => errors.push(error) });
    bare.start();
    bare.send({ type: 'healthPing', from: 'control-plane', round: 1 }); // answering needs `effects`
    // errors[0]: segment: the `effects` action is not provided: give it with machine.provide({ actions: { effects } }) (docs/embedding.md)
    // #endregion missing

    expect(bare.getSnapshot().status).toBe('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(EffectNotProvidedError);
    expect((errors[0] as Error).message).toBe('segment: the `effects` action is not provided: give it with machine.provide({ actions: { effects } }) (docs/embedding.md)');
  });

  it('a writer and three segments (write quorum 2 of 3) on a hand-written network: a commit is acknowledged', () => {
    // #region commit
    const { clock, writer, segments, toClient } = startCluster({ down: ['seg:c'] }); // 2 of 3 still form a write quorum
    writer.send({ type: 'txnRequest', from: 'client', txnId: 1, ops: [{ f: 'put', key: 'k', value: 'v1' }] });
    clock.advance(50);
    // toClient: [{ type: 'txnOk', from: 'writer', txnId: 1, commitLsn: 2, reads: [] }]
    // #endregion commit

    expect(toClient).toHaveLength(1);
    const ok = toClient[0] as Extract<WireMessage, { type: 'txnOk' }>;
    expect(ok).toMatchObject({ type: 'txnOk', txnId: 1 });
    // The writer's VDL covers the commit, and exactly the two reachable segments hold it.
    expect(writer.getSnapshot().context.state.tracker.vdl).toBeGreaterThanOrEqual(ok.commitLsn);
    const scls = segments.map((segment) => sclOf(segment.getSnapshot().context.store));
    expect(scls[0]).toBeGreaterThanOrEqual(ok.commitLsn);
    expect(scls[1]).toBeGreaterThanOrEqual(ok.commitLsn);
    expect(scls[2]).toBe(0);
  });

  it('with two of the three segments out, no write quorum forms and nothing is acknowledged', () => {
    const { clock, writer, segments, toClient } = startCluster({ down: ['seg:b', 'seg:c'] });
    writer.send({ type: 'txnRequest', from: 'client', txnId: 1, ops: [{ f: 'put', key: 'k', value: 'v1' }] });
    clock.advance(50);
    expect(toClient).toEqual([]);
    expect(writer.getSnapshot().context.state.tracker.vdl).toBe(0);
    // The one reachable segment did persist the batch: one copy is not a quorum.
    expect(sclOf(segments[0]!.getSnapshot().context.store)).toBeGreaterThan(0);
  });

  it('docs/embedding.md holds exactly these regions, in its ```ts blocks', () => {
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const regions = [...source.matchAll(/^[ \t]*\/\/ #region (\S+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \1\n/gm)].map((match) => {
      const lines = (match[2] ?? '').split('\n');
      const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
      return lines.map((line) => line.slice(indent)).join('\n').trimEnd().replaceAll("'../../src/index.js'", "'aurora-actors'");
    });
    const doc = readFileSync(fileURLToPath(new URL('../../docs/embedding.md', import.meta.url)), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => (match[1] ?? '').trimEnd());
    expect(regions.length).toBeGreaterThan(0);
    expect(blocks).toEqual(regions.sort((a, b) => doc.indexOf(a) - doc.indexOf(b)));
  });
});
