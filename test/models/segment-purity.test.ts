/**
 * Segment: every transition is a pure function of (snapshot, event) (models/segment.machine.ts;
 * docs/determinism.md, "Pure transitions"). One segment is driven through every event type its
 * chart handles, each in a state where it does real work — batches queued and persisted, holes
 * filled by gossip, a baseline installed, reads served, garbage collected, a range truncated, a
 * crash losing queued work — and each step runs on a deep-frozen snapshot (and a deep-frozen
 * event), so any write into either throws. The covered set must equal what the chart handles, so a
 * new event kind cannot go untested.
 */
import { freeze } from 'immer';
import type { EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { GossipPullMessage, RedoPayload, RedoRecord, WireMessage } from '../../models/messages.js';
import type { SegmentContext, SegmentEvent, SegmentInput } from '../../models/segment.machine.js';
import { segmentMachine } from '../../models/segment.machine.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { Lsn, MembershipEpoch, PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import { kOfN } from '../../src/protocol/quorum.js';
import type { StoredRecord } from '../../src/protocol/recovery.js';
import { highestLsn, recordAt, recordCount, sclOf } from '../../src/protocol/segment-store.js';
import { handledEventTypes, startStepped, stepFrozen } from './purity.js';
import { putChain } from '../support/put-chain.js';

const SELF = 'seg:pg0:a:1';
const PEER = 'seg:pg0:b:1';
const WRITER = 'inst:writer';
const BLOCKS = 4;

const input: SegmentInput = {
  self: SELF,
  pg: 0,
  kind: 'full',
  peers: [PEER, 'seg:pg0:c:1'],
  diskLatencySamplesMs: [2, 3, 5],
  gcPeriodMs: 500,
  mrplLeaseTicks: 2,
};

/** PG 0's chain from `from` to `to`: record i on block i % 4, one put each. */
const records = (from: number, to: number): RedoRecord[] => putChain(from, to, BLOCKS);

const stored = (list: readonly RedoRecord[], volumeEpoch = 1): StoredRecord<RedoPayload>[] => list.map((record) => ({ ...record, volumeEpoch: volumeEpoch as VolumeEpoch }));

/** The base page of `block` at `lsn`, as a peer that collected there sends it. */
const base = (lsn: number): StoredRecord<RedoPayload> => ({
  ...stored(records(lsn, lsn))[0]!,
  prevBlockLsn: 0 as Lsn,
  payload: { kind: 'page', values: { [`k${lsn % BLOCKS}`]: `v${lsn}` } },
});

const writeBatch = (from: number, to: number, volumeEpoch = 1, membershipEpoch = 1): SegmentEvent => ({
  type: 'writeBatch',
  from: WRITER,
  pg: 0 as PgId,
  volumeEpoch: volumeEpoch as VolumeEpoch,
  membershipEpoch: membershipEpoch as MembershipEpoch,
  records: records(from, to),
});

const sent = (effects: readonly Effect[], type: string): WireMessage[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && (effect.message as WireMessage).type === type ? [effect.message as WireMessage] : []));

const observed = (effects: readonly Effect[], kind: string): Record<string, unknown>[] =>
  effects.flatMap((effect) => (effect.kind === 'observe' && (effect.observation as { kind: string }).kind === kind ? [effect.observation as Record<string, unknown>] : []));

const scheduled = (effects: readonly Effect[], type: string): EventObject | undefined =>
  effects.flatMap((effect) => (effect.kind === 'schedule' && effect.event.type === type ? [effect.event] : []))[0];

/** Steps a segment through frozen snapshots and remembers which event types it has seen. */
class Driver {
  readonly covered = new Set<string>();
  snapshot: ReturnType<typeof startStepped<typeof segmentMachine>>['snapshot'];

  constructor(segmentInput: SegmentInput = input) {
    this.snapshot = startStepped(segmentMachine, segmentInput).snapshot;
  }

  get context(): SegmentContext {
    return this.snapshot.context;
  }

  step(event: SegmentEvent | EventObject): Effect[] {
    this.covered.add(event.type);
    const previous = this.snapshot;
    const { next, effects } = stepFrozen(segmentMachine, previous, freeze(event as EventObject, true));
    expect(Object.isFrozen(previous.context.store.log)).toBe(true);
    this.snapshot = next;
    return effects;
  }
}

describe('Segment: transitions are pure (models/segment.machine.ts)', () => {
  it('every event the chart handles leaves the snapshot it was given untouched', () => {
    const segment = new Driver();
    expect(segment.snapshot.value).toEqual({ online: 'up' });

    // Writes: the first batch starts an IO, the second waits for the next one (group commit).
    const s0 = segment.snapshot;
    const first = segment.step(writeBatch(1, 8));
    expect(scheduled(first, 'diskDone')).toBeDefined();
    expect(s0.context.diskQueue).toHaveLength(0);
    segment.step(writeBatch(9, 12));
    expect(segment.context.diskQueue).toHaveLength(2);
    expect(sent(segment.step({ type: 'diskDone' }), 'writeAck')).toMatchObject([{ scl: 8, lsnLast: 8 }]);
    const persisted = segment.step({ type: 'diskDone' });
    expect(observed(persisted, 'persisted')).toMatchObject([{ lsns: [9, 10, 11, 12], scl: 12 }]);
    expect(sclOf(segment.context.store)).toBe(12);
    expect(segment.context.diskQueue).toHaveLength(0);
    expect(sclOf(s0.context.store)).toBe(0);

    // Gossip: answer a lagging peer, pull from the next one, take records above a hole.
    const pull: GossipPullMessage = { type: 'gossipPull', from: PEER, pg: 0 as PgId, scl: 4 as Lsn, membershipEpoch: 1 as MembershipEpoch, truncations: [] };
    expect(sent(segment.step(pull), 'gossipPush')).toMatchObject([{ records: records(5, 12).map((record) => ({ lsn: record.lsn })) }]);
    expect(sent(segment.step({ type: 'gossipTick' }), 'gossipPull')).toHaveLength(1);
    const mrplByInstance = { [WRITER]: { mrplLsn: 1 as Lsn, idleTicks: 0 } };
    const push = (list: StoredRecord<RedoPayload>[], scl: number, extra: object = {}): SegmentEvent => ({
      type: 'gossipPush', from: PEER, pg: 0 as PgId, scl: scl as Lsn, membershipEpoch: 1 as MembershipEpoch, records: list, truncations: [], mrplByInstance, ...extra,
    });
    segment.step(push(stored(records(14, 16)), 16));
    segment.step({ type: 'diskDone' });
    expect(sclOf(segment.context.store)).toBe(12);
    expect(highestLsn(segment.context.store)).toBe(16);
    // A peer that collected up to 20 sends its base pages and baseline (full-segment repair).
    segment.step(push([base(17), base(18), base(19), base(20), ...stored(records(21, 24))], 24, { baseline: { gcPoint: 20, lastPgLsnAtGc: 20 } }));
    const repaired = segment.step({ type: 'diskDone' });
    expect(observed(repaired, 'persisted')).toMatchObject([{ via: 'gossip', lsns: [21, 22, 23, 24], scl: 24 }]);
    expect(segment.context.store.gcPoint).toBe(20);
    expect(recordCount(segment.context.store)).toBe(8);

    // A page read waits one disk latency, then is served from the block chain.
    const read = segment.step({ type: 'readPage', from: WRITER, requestId: 1, pg: 0 as PgId, blockId: 1, readPoint: 24 as Lsn, volumeEpoch: 1 as VolumeEpoch });
    const serve = scheduled(read, 'serveRead');
    expect(serve).toBeDefined();
    expect(sent(segment.step(serve!), 'pageData')).toMatchObject([{ values: { k1: 'v21' } }]);
    expect(segment.context.pendingReads).toEqual([]);

    // Garbage collection: the instance's read point must be reported for a whole lease first.
    const setMrpl = { type: 'setMrpl', from: WRITER, pg: 0, mrplLsn: 22 } as const;
    segment.step(setMrpl);
    segment.step({ type: 'gcTick' });
    segment.step(setMrpl);
    segment.step({ type: 'gcTick' });
    segment.step(setMrpl);
    const collected = segment.step({ type: 'gcTick' });
    expect(observed(collected, 'gcAdvanced')).toMatchObject([{ gcPoint: 22, droppedRecords: 2 }]);
    expect(segment.context.stats.recordsCollected).toBe(2);

    // A recovery at epoch 2 annuls what lies above its VDL.
    const range = { volumeEpoch: 2 as VolumeEpoch, fromLsn: 24 as Lsn, toLsn: 100 as Lsn };
    const truncated = segment.step({ type: 'truncate', from: WRITER, pg: 0 as PgId, volumeEpoch: 2 as VolumeEpoch, range });
    expect(observed(truncated, 'truncationApplied')).toMatchObject([{ droppedLsns: [24], scl: 23 }]);
    expect(sent(truncated, 'truncateAck')).toMatchObject([{ scl: 23 }]);
    const opened = segment.step({ type: 'recoveryOpen', from: WRITER, pg: 0 as PgId, volumeEpoch: 3 as VolumeEpoch, anchorLsn: 0 as Lsn });
    expect(sent(opened, 'recoveryState')).toMatchObject([{ scl: 23, gcPoint: 22, truncations: [range] }]);
    // A peer carries the range of a recovery this segment missed: learnt first, then answered from.
    const missed = { volumeEpoch: 3 as VolumeEpoch, fromLsn: 23 as Lsn, toLsn: 100 as Lsn };
    const learnt = segment.step({ ...pull, scl: 30 as Lsn, truncations: [range, missed] });
    expect(observed(learnt, 'truncationApplied')).toMatchObject([{ volumeEpoch: 3, droppedLsns: [23], scl: 22 }]);
    expect(sent(learnt, 'gossipPush')).toMatchObject([{ scl: 22, records: [], truncations: [range, missed] }]);

    // Membership, health, a slow disk.
    const config = { pg: 0 as PgId, membershipEpoch: 2 as MembershipEpoch, members: [SELF, PEER], write: kOfN(1, [SELF, PEER] as never), read: kOfN(1, [SELF, PEER] as never) };
    expect(sent(segment.step({ type: 'membershipChange', from: WRITER, config }), 'membershipAck')).toMatchObject([{ membershipEpoch: 2 }]);
    expect(segment.context.peers).toEqual([PEER]);
    // A peer's refusal carries a newer configuration this segment missed: adopted as the writer's would be.
    const OTHER = 'seg:pg0:us-east-1c:1';
    segment.step({ type: 'gossipReject', from: PEER, pg: 0 as PgId, membershipEpoch: 3 as MembershipEpoch, members: [PEER, SELF, OTHER] });
    expect(segment.context.membershipEpoch).toBe(3);
    expect(segment.context.peers).toEqual([PEER, OTHER]);
    // An older or equal epoch changes nothing.
    segment.step({ type: 'gossipReject', from: PEER, pg: 0 as PgId, membershipEpoch: 2 as MembershipEpoch, members: [PEER] });
    expect(segment.context.peers).toEqual([PEER, OTHER]);
    expect(sent(segment.step({ type: 'healthPing', from: 'scp', round: 7 }), 'segmentPong')).toMatchObject([{ round: 7, scl: 22 }]);
    segment.step({ type: 'slowDisk', factor: 5 });
    expect(segment.context.diskSlowFactor).toBe(5);

    // A crash loses the queued batch and the read in flight, and keeps the hot log.
    segment.step(writeBatch(25, 26, 3, 3));
    segment.step({ type: 'readPage', from: WRITER, requestId: 2, pg: 0 as PgId, blockId: 2, readPoint: 22 as Lsn, volumeEpoch: 3 as VolumeEpoch });
    const beforeCrash = segment.snapshot;
    segment.step({ type: 'crash' });
    expect(segment.snapshot.value).toBe('down');
    expect(segment.context.diskQueue).toEqual([]);
    expect(segment.context.pendingReads).toEqual([]);
    expect(beforeCrash.context.diskQueue).toHaveLength(1);
    expect(beforeCrash.context.pendingReads).toHaveLength(1);
    expect(segment.context.store).toBe(beforeCrash.context.store);
    segment.step({ type: 'outage', cause: 'az' });
    segment.step({ type: 'restart' });
    expect(segment.snapshot.value).toBe('down');
    segment.step({ type: 'recover', cause: 'az' });
    expect(segment.snapshot.value).toEqual({ online: 'up' });
    // Without an object store, staging is a point only: its timer and answers do nothing
    // (test/models/object-store.test.ts stages for real).
    expect(segment.step({ type: 'stageTick' })).toEqual([]);
    segment.step({ type: 'stagedPoint', from: 's3', pg: 0 as PgId, request: 'query', stagedLsn: 1 as Lsn, stagedAgeMs: 10_000 });
    expect(segment.context.gc.stagedLsn).toBe(beforeCrash.context.gc.stagedLsn);
    segment.step({ type: 'retire' });
    expect(segment.snapshot.value).toBe('retired');

    // A restored volume's segment (docs/protocol.md §10): waiting, fetching, refused, fetched.
    const restoring = new Driver({ ...input, restore: { job: 'restore-1:job', fetchFrom: 's3', retryMs: 700 } });
    expect(restoring.snapshot.value).toEqual({ restoring: 'waiting' });
    const fetch = restoring.step({ type: 'restoreFrom', from: 'restore-1:job', throughLsn: 6 as Lsn });
    expect(sent(fetch, 'restoreFetch')).toEqual([{ type: 'restoreFetch', from: SELF, pg: 0, throughLsn: 6 }]);
    expect(scheduled(fetch, 'restoreRetry')).toEqual({ type: 'restoreRetry', throughLsn: 6 });
    expect(sent(restoring.step({ type: 'restoreRetry', throughLsn: 6 as Lsn }), 'restoreFetch')).toHaveLength(1);
    const data = { type: 'restoreData' as const, from: 's3', pg: 0 as PgId, throughLsn: 6 as Lsn, bases: [] as StoredRecord<RedoPayload>[], baseline: { gcPoint: 0 as Lsn, lastPgLsnAtGc: 0 as Lsn }, records: stored(records(1, 6)), bytes: 400 };
    expect(sent(restoring.step({ ...data, records: [], refused: 'notStaged' }), 'segmentRestoreFailed')).toEqual([
      { type: 'segmentRestoreFailed', from: SELF, pg: 0, throughLsn: 6, reason: 'notStaged' },
    ]);
    expect(restoring.snapshot.value).toEqual({ restoring: 'waiting' });
    // Down and back before it ever restored: it waits for its job again.
    restoring.step({ type: 'outage', cause: 'az' });
    restoring.step({ type: 'recover', cause: 'az' });
    expect(restoring.snapshot.value).toEqual({ restoring: 'waiting' });
    restoring.step({ type: 'restoreFrom', from: 'restore-1:job', throughLsn: 6 as Lsn });
    const installed = restoring.step(data);
    expect(sent(installed, 'segmentRestored')).toEqual([{ type: 'segmentRestored', from: SELF, pg: 0, throughLsn: 6, bytes: 400 }]);
    expect(restoring.snapshot.value).toEqual({ online: 'up' });
    expect(sclOf(restoring.context.store)).toBe(6);

    // A source segment serves a clone's segment (docs/protocol.md §10, fast clones): its PG up to
    // the point, the same page versions; not before its SCL reaches the point; a full copy later.
    const shared = sent(restoring.step({ type: 'restoreFetch', from: 'clone-1:seg', pg: 0 as PgId, throughLsn: 4 as Lsn }), 'restoreData') as unknown as { records: StoredRecord<RedoPayload>[] }[];
    expect(shared[0]!.records.map((record) => record.lsn)).toEqual([1, 2, 3, 4]);
    // Copy-on-write: the very record the source holds, not a copy of it.
    expect(shared[0]!.records[0]).toBe(recordAt(restoring.context.store, 1 as Lsn));
    expect(sent(restoring.step({ type: 'restoreFetch', from: 'clone-1:seg', pg: 0 as PgId, throughLsn: 9 as Lsn }), 'restoreData')).toMatchObject([{ refused: 'sourceBehind', records: [] }]);
    const copying = restoring.step({ type: 'restoreFetch', from: 'clone-1:seg', pg: 0 as PgId, throughLsn: 6 as Lsn, fullCopyMBps: 1 });
    expect(sent(copying, 'restoreData')).toEqual([]);
    const copied = scheduled(copying, 'cloneCopied') as { type: 'cloneCopied'; to: string; message: { bytes: number } };
    expect(copied.message.bytes).toBeGreaterThan(0);
    // Asked again while the copy runs (the clone segment's retry): the running copy answers.
    const again = restoring.step({ type: 'restoreFetch', from: 'clone-1:seg', pg: 0 as PgId, throughLsn: 6 as Lsn, fullCopyMBps: 1 });
    expect(scheduled(again, 'cloneCopied')).toBeUndefined();
    expect(sent(restoring.step(copied as never), 'restoreData')).toHaveLength(1);

    // A backtrack's recovery (docs/protocol.md §10, backtrack): the hidden set first, then the answer
    // from what stays visible; a peer's newer set, learnt by gossip, shows the records again.
    const rewound = restoring.step({ type: 'recoveryOpen', from: WRITER, pg: 0 as PgId, volumeEpoch: 5 as VolumeEpoch, anchorLsn: 0 as Lsn, backtrack: { volumeEpoch: 5 as VolumeEpoch, hidden: [{ fromLsn: 5 as Lsn, toLsn: 9 as Lsn }] } });
    expect(observed(rewound, 'backtrackApplied')).toMatchObject([{ volumeEpoch: 5, hidden: 2, shown: 0, scl: 4 }]);
    expect(sent(rewound, 'recoveryState')).toMatchObject([{ scl: 4 }]);
    expect(sclOf(restoring.context.store)).toBe(4);
    const forward = restoring.step({ type: 'gossipPull', from: PEER, pg: 0 as PgId, scl: 0 as Lsn, membershipEpoch: restoring.context.membershipEpoch, truncations: [], backtrack: { volumeEpoch: 6 as VolumeEpoch, hidden: [] } });
    expect(observed(forward, 'backtrackApplied')).toMatchObject([{ volumeEpoch: 6, hidden: 0, shown: 2, scl: 6 }]);
    expect(sent(forward, 'gossipPush')).toMatchObject([{ backtrack: { volumeEpoch: 6, hidden: [] } }]);

    // With a backtrack window, GC stays at or below the floor the backtrack service gives (0 at first).
    const windowed = new Driver({ ...input, backtrackWindow: true });
    expect(windowed.context.gc.floorLsn).toBe(0);
    windowed.step({ type: 'backtrackFloor', floorLsn: 5 as Lsn });
    windowed.step({ type: 'backtrackFloor', floorLsn: 3 as Lsn });
    expect(windowed.context.gc.floorLsn).toBe(5);
    for (const type of windowed.covered) segment.covered.add(type);

    // A clone's segment: a source behind the point is asked again; one past it by GC sends it to repair.
    const cloning = new Driver({ ...input, restore: { job: 'clone-1:job', fetchFrom: SELF, retryMs: 100 } });
    cloning.step({ type: 'restoreFrom', from: 'clone-1:job', throughLsn: 6 as Lsn });
    expect(sent(cloning.step({ ...data, records: [], refused: 'sourceBehind' }), 'segmentRestoreFailed')).toEqual([]);
    expect(cloning.snapshot.value).toEqual({ restoring: 'fetching' });
    expect(sent(cloning.step({ ...data, records: [], refused: 'pointCollected' }), 'segmentRestoreFailed')).toEqual([
      { type: 'segmentRestoreFailed', from: SELF, pg: 0, throughLsn: 6, reason: 'pointCollected' },
    ]);
    expect(cloning.snapshot.value).toEqual({ online: 'hydrating' });
    // A multi-writer's page change (docs/protocol.md §11.2): the first change of a page version is
    // accepted and kept, another writer's is a conflict naming the holder, a resend the same vote.
    const voter = new Driver();
    const change = { writer: 'mm-writer:a', txnId: 1, pg: 0, blockId: 2, baseVersion: 0 };
    const votesBefore = voter.snapshot;
    expect(sent(voter.step({ type: 'pageChange', from: 'mm-writer:a', change }), 'pageVote')).toMatchObject([{ vote: 'accepted', holder: { writer: 'mm-writer:a', txnId: 1 } }]);
    const rival = voter.step({ type: 'pageChange', from: 'mm-writer:b', change: { ...change, writer: 'mm-writer:b', txnId: 2 } });
    expect(sent(rival, 'pageVote')).toMatchObject([{ vote: 'conflict', holder: { writer: 'mm-writer:a', txnId: 1 } }]);
    expect(observed(rival, 'pageVote')).toMatchObject([{ segment: SELF, vote: 'conflict' }]);
    expect(sent(voter.step({ type: 'pageChange', from: 'mm-writer:a', change }), 'pageVote')).toMatchObject([{ vote: 'accepted' }]);
    expect(votesBefore.context.pageVotes).toBeUndefined();
    for (const driver of [restoring, cloning, voter]) for (const type of driver.covered) segment.covered.add(type);
    expect([...segment.covered].sort()).toEqual(handledEventTypes(segmentMachine));
  });
});
