/**
 * The object store statechart and a segment staging to it (docs/protocol.md §10, continuous
 * backup), every step taken on a deep-frozen snapshot (`stepFrozen`): answers leave after the
 * service latency plus the transfer time, a throttled second answers `slowDown`, an outage loses
 * the answers owed, snapshots and retention follow the store's clock; a segment puts exactly its
 * records above the staged point once a period has passed, and collects only up to what the store
 * said it holds.
 */
import { describe, expect, it } from 'vitest';
import { objectStoreInputProblem, objectStoreMachine, OBJECT_STORE_CLOCK_TIMER } from '../../models/object-store.machine.js';
import { segmentMachine, SEGMENT_STAGE_TIMER } from '../../models/segment.machine.js';
import type { SegmentContext } from '../../models/segment.machine.js';
import type { RedoPayload, StagePutMessage, WireMessage, WriteBatchMessage } from '../../models/messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { Lsn, MembershipEpoch, PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import type { StoredRecord } from '../../src/protocol/recovery.js';
import { PAGE_BYTES, RECORD_HEADER_BYTES } from '../../src/protocol/backup-archive.js';
import { FrozenDriver, handledEventTypes } from './purity.js';
import { putChain } from '../support/put-chain.js';

const S3 = 's3:test';
const SEG = 'seg:pg0:a:1';
const pg = 0 as PgId;
const stored = (from: number, to: number): StoredRecord<RedoPayload>[] => putChain(from, to, 4).map((record) => ({ ...record, volumeEpoch: 1 as VolumeEpoch }));

const scheduled = (effects: readonly Effect[], type: string) => effects.flatMap((effect) => (effect.kind === 'schedule' && effect.event.type === type ? [effect] : []));
const sends = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as WireMessage }] : []));

/** Delivers every reply the effects scheduled (as its timer would), returning what was sent. */
function deliverReplies(store: FrozenDriver<typeof objectStoreMachine>, effects: readonly Effect[]): { to: string; message: WireMessage; delayMs: number }[] {
  return scheduled(effects, 'reply').flatMap((timer) => sends(store.fire(timer)).map((sent) => ({ ...sent, delayMs: timer.delayMs })));
}

describe('object store', () => {
  it('answers after latency plus transfer, stages puts, snapshots on its clock, restores, and covers every event', () => {
    const store = new FrozenDriver(objectStoreMachine, { self: S3, serviceLatencyMs: 10, transferMBps: 1, snapshotPeriodMs: 300, clockTickMs: 100, retentionMs: 1_000 });
    expect(scheduled(store.startEffects, 'clockTick')[0]).toMatchObject({ timerId: OBJECT_STORE_CLOCK_TIMER, delayMs: 100 });
    const [point] = deliverReplies(store, store.step({ type: 'stageQuery', from: SEG, pg }));
    expect(point).toMatchObject({ to: SEG, delayMs: 10, message: { type: 'stagedPoint', request: 'query', stagedLsn: 0 } });

    const put: StagePutMessage = { type: 'stagePut', from: SEG, pg, afterLsn: 0 as Lsn, throughLsn: 10 as Lsn, records: stored(1, 10), truncations: [] };
    const putEffects = store.step(put);
    const bytes = 9 * (RECORD_HEADER_BYTES + 2 + 2) + (RECORD_HEADER_BYTES + 2 + 3);
    expect(putEffects).toContainEqual({ kind: 'observe', observation: { kind: 'staged', objectStore: S3, pg: 0, stagedLsn: 10, records: 10, bytes, stagedAtMs: 0 } });
    // 1 MB/s is 1,000 bytes per ms.
    expect(deliverReplies(store, putEffects)).toEqual([{ to: SEG, delayMs: 10 + bytes / 1_000, message: { type: 'stagedPoint', from: S3, pg, request: 'put', stagedLsn: 10, stagedAgeMs: 0 } }]);

    // Three ticks of the clock: a snapshot of PG 0 at LSN 10.
    for (let tick = 0; tick < 3; tick++) store.step({ type: 'clockTick' });
    const context = store.context;
    expect(context.nowMs).toBe(300);
    expect(context.pgs[0]?.snapshots.map((snapshot) => snapshot.lsn)).toEqual([0, 10]);

    const [data] = deliverReplies(store, store.step({ type: 'restoreFetch', from: 'seg:new', pg, throughLsn: 10 as Lsn }));
    expect(data?.message).toMatchObject({ type: 'restoreData', throughLsn: 10, baseline: { gcPoint: 10, lastPgLsnAtGc: 10 }, records: [], bytes: 4 * PAGE_BYTES });
    expect(data?.delayMs).toBe(10 + (4 * PAGE_BYTES) / 1_000);
    const [refused] = deliverReplies(store, store.step({ type: 'restoreFetch', from: 'seg:new', pg, throughLsn: 11 as Lsn }));
    expect(refused?.message).toMatchObject({ type: 'restoreData', refused: 'notStaged' });

    // Slowness multiplies the answer's time.
    store.step({ type: 'slowObjectStore', factor: 4 });
    expect(deliverReplies(store, store.step({ type: 'stageQuery', from: SEG, pg }))[0]?.delayMs).toBe(40);

    // Throttled to one request a second per PG: the second in the same second gets `slowDown` at once;
    // another PG's prefix has its own quota.
    store.step({ type: 'throttle', requestsPerS: 1 });
    expect(store.state).toBe('available.throttling');
    for (let tick = 0; tick < 7; tick++) store.step({ type: 'clockTick' }); // now 1000 ms: a new second
    expect(scheduled(store.step({ type: 'stageQuery', from: SEG, pg }), 'reply')).toHaveLength(1);
    expect(sends(store.step({ type: 'stageQuery', from: SEG, pg }))).toEqual([{ to: SEG, message: { type: 'slowDown', from: S3, pg } }]);
    expect(sends(store.step(put))).toEqual([{ to: SEG, message: { type: 'slowDown', from: S3, pg } }]);
    expect(sends(store.step({ type: 'restoreFetch', from: 'seg:new', pg, throughLsn: 10 as Lsn }))[0]?.message.type).toBe('slowDown');
    expect(scheduled(store.step({ type: 'stageQuery', from: 'seg:pg1:a:1', pg: 1 as PgId }), 'reply')).toHaveLength(1);
    expect(store.context.stats.throttled).toBe(3);
    store.step({ type: 'unthrottle' });
    expect(store.state).toBe('available.normal');

    // An outage loses the answers owed; a throttle set meanwhile holds after it ends.
    const owed = scheduled(store.step({ type: 'stageQuery', from: SEG, pg }), 'reply')[0];
    const outage = store.step({ type: 'outage', cause: 'objectStore' });
    expect(store.state).toBe('unavailable');
    expect(outage).toContainEqual({ kind: 'cancel', timerId: owed?.timerId });
    expect(store.step({ type: 'stageQuery', from: SEG, pg })).toEqual([]);
    store.step({ type: 'throttle', requestsPerS: 5 });
    store.step({ type: 'recover', cause: 'objectStore' });
    expect(store.state).toBe('available.throttling');
    // A manual snapshot of what is staged completes at once (the next test waits for staging).
    expect(store.step({ type: 'createSnapshot', name: 'now', throughLsn: 10 as Lsn, pgs: [0] })).toContainEqual(expect.objectContaining({ kind: 'observe' }));

    expect([...store.covered].sort()).toEqual(handledEventTypes(objectStoreMachine));
  });

  it('a manual snapshot completes once its point is staged on every PG, and restores from its own copy', () => {
    const store = new FrozenDriver(objectStoreMachine, { self: S3, serviceLatencyMs: 10, transferMBps: 1 });
    store.step({ type: 'stagePut', from: SEG, pg, afterLsn: 0 as Lsn, throughLsn: 8 as Lsn, records: stored(1, 8), truncations: [] });
    // PG 1 has nothing staged: the snapshot waits.
    expect(store.step({ type: 'createSnapshot', name: 'nightly', throughLsn: 6 as Lsn, pgs: [0, 1] })).toEqual([]);
    expect(store.context.pendingSnapshots).toHaveLength(1);
    const [noSnapshot] = deliverReplies(store, store.step({ type: 'restoreFetch', from: 'seg:new', pg, throughLsn: 6 as Lsn, snapshot: 'nightly' }));
    expect(noSnapshot?.message).toMatchObject({ type: 'restoreData', refused: 'noSuchSnapshot' });
    const pg1 = 1 as PgId;
    const pg1Records = putChain(1, 8, 4, 1).map((record) => ({ ...record, volumeEpoch: 1 as VolumeEpoch }));
    const completed = store.step({ type: 'stagePut', from: 'seg:pg1:a:1', pg: pg1, afterLsn: 0 as Lsn, throughLsn: 8 as Lsn, records: pg1Records, truncations: [] });
    const kinds = completed.flatMap((effect) => (effect.kind === 'observe' ? [(effect.observation as { kind: string }).kind] : []));
    expect(kinds).toEqual(['staged', 'snapshotCreated']);
    expect(completed).toContainEqual({ kind: 'observe', observation: { kind: 'snapshotCreated', objectStore: S3, name: 'nightly', throughLsn: 6, bytes: 8 * PAGE_BYTES } });
    const [data] = deliverReplies(store, store.step({ type: 'restoreFetch', from: 'seg:new', pg, throughLsn: 6 as Lsn, snapshot: 'nightly' }));
    expect(data?.message).toMatchObject({ type: 'restoreData', throughLsn: 6, baseline: { gcPoint: 6, lastPgLsnAtGc: 6 }, records: [], bytes: 4 * PAGE_BYTES });
    // The same name again is ignored; a request while the store is out is still taken.
    expect(store.step({ type: 'createSnapshot', name: 'nightly', throughLsn: 8 as Lsn, pgs: [0, 1] })).toEqual([]);
    store.step({ type: 'outage', cause: 'objectStore' });
    expect(store.step({ type: 'createSnapshot', name: 'later', throughLsn: 8 as Lsn, pgs: [0, 1] })).toContainEqual(expect.objectContaining({ kind: 'observe' }));
  });

  it('retention drops snapshots and log older than the window', () => {
    const store = new FrozenDriver(objectStoreMachine, { self: S3, snapshotPeriodMs: 100, clockTickMs: 100, retentionMs: 250 });
    for (let round = 0; round < 5; round++) {
      const after = round * 5;
      store.step({ type: 'stagePut', from: SEG, pg, afterLsn: after as Lsn, throughLsn: (after + 5) as Lsn, records: stored(after + 1, after + 5), truncations: [] });
      store.step({ type: 'clockTick' });
    }
    // Snapshots every 100 ms at LSN 5, 10, ... 25; at 500 ms the cutoff is 250: the one at 200 ms (LSN 10) is the oldest start.
    const backup = store.context.pgs[0];
    expect(backup?.snapshots.map((snapshot) => [snapshot.atMs, snapshot.lsn])).toEqual([[200, 10], [300, 15], [400, 20], [500, 25]]);
    expect(backup?.log.every((object) => object.throughLsn > 10)).toBe(true);
  });

  it('names the first impossible input field', () => {
    expect(objectStoreInputProblem({ self: S3, transferMBps: 0 })).toBe('objectStore s3:test: transferMBps must be a positive number, got 0');
    expect(objectStoreInputProblem({ self: S3, serviceLatencyMs: -1 })).toMatch(/serviceLatencyMs must be a number >= 0, got -1/);
    expect(objectStoreInputProblem({ self: S3 })).toBeUndefined();
  });
});

describe('a segment staging to the object store', () => {
  const input = { self: SEG, pg: 0, kind: 'full' as const, peers: ['seg:pg0:b:1'], diskLatencySamplesMs: [1], gcPeriodMs: 500, mrplLeaseTicks: 1, objectStore: S3, stagePeriodMs: 1_000, stageOffsetMs: 250, stageMaxRecords: 4 };

  it('asks each period, puts its records above the staged point once due, and collects only below what the store holds', () => {
    const segment = new FrozenDriver(segmentMachine, input);
    expect(scheduled(segment.startEffects, 'stageTick')[0]).toMatchObject({ timerId: SEGMENT_STAGE_TIMER, delayMs: 250 });
    // Records 1..6 persisted.
    const write: WriteBatchMessage = { type: 'writeBatch', from: 'w', pg, volumeEpoch: 1 as VolumeEpoch, membershipEpoch: 1 as MembershipEpoch, records: putChain(1, 6, 4) };
    segment.step(write);
    segment.step({ type: 'diskDone' });
    const context = (): SegmentContext => segment.context;
    expect(context().store.chain.scl).toBe(6);

    // A writer reported 6 as its minimum read point: records up to it lie at or below a VDL reached.
    segment.step({ type: 'setMrpl', from: 'w', pg, mrplLsn: 6 as Lsn });
    const tick = segment.step({ type: 'stageTick' });
    expect(sends(tick)).toEqual([{ to: S3, message: { type: 'stageQuery', from: SEG, pg } }]);
    expect(scheduled(tick, 'stageTick')[0]?.delayMs).toBe(1_000);
    // Staged 2 ms ago: not due, nothing put.
    expect(sends(segment.step({ type: 'stagedPoint', from: S3, pg, request: 'query', stagedLsn: 2 as Lsn, stagedAgeMs: 2 }))).toEqual([]);
    // Due: records 3..6 go, at most 4 of them, through the last one put.
    const [putSent] = sends(segment.step({ type: 'stagedPoint', from: S3, pg, request: 'query', stagedLsn: 1 as Lsn, stagedAgeMs: 1_000 }));
    const message = putSent?.message as StagePutMessage;
    expect(message).toMatchObject({ type: 'stagePut', afterLsn: 1, throughLsn: 5, truncations: [] });
    expect(message.records.map((record) => record.lsn)).toEqual([2, 3, 4, 5]);
    // The staged point is the store's answer, never the segment's own SCL.
    expect(context().gc.stagedLsn).toBe(2);
    // Nothing above the highest VDL it knows was reached: with reports only up to 3, the put stops at 3.
    const capped = new FrozenDriver(segmentMachine, input);
    capped.step(write);
    capped.step({ type: 'diskDone' });
    capped.step({ type: 'setMrpl', from: 'w', pg, mrplLsn: 3 as Lsn });
    const [cappedPut] = sends(capped.step({ type: 'stagedPoint', from: S3, pg, request: 'query', stagedLsn: 1 as Lsn, stagedAgeMs: 1_000 }));
    expect(cappedPut?.message).toMatchObject({ type: 'stagePut', afterLsn: 1, throughLsn: 3 });

    // An instance reported 6 as its minimum read point; GC stops at the staged point 2 (the MRPL history holds 6 only).
    segment.step({ type: 'setMrpl', from: 'w', pg, mrplLsn: 6 as Lsn });
    segment.step({ type: 'gcTick' });
    segment.step({ type: 'gcTick' });
    expect(context().store.gcPoint).toBe(0);
    segment.step({ type: 'stagedPoint', from: S3, pg, request: 'put', stagedLsn: 6 as Lsn, stagedAgeMs: 0 });
    segment.step({ type: 'setMrpl', from: 'w', pg, mrplLsn: 6 as Lsn });
    segment.step({ type: 'gcTick' });
    expect(context().store.gcPoint).toBe(6);
    // A crash cancels the staging timer with the others.
    expect(segment.step({ type: 'crash' })).toContainEqual({ kind: 'cancel', timerId: SEGMENT_STAGE_TIMER });
  });
});
