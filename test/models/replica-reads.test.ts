/**
 * A replica's reads, step by step over its pure state (PROTOCOL §2.7, §2.8): a miss is read from a
 * full segment at the replica's read point; redo applied while the page is in flight is kept and
 * replayed, so each waiting transaction sees its own read point and the cache ends exactly at the
 * applied point; a refusal moves on to the next full segment; a restart refuses reads until the
 * stream is unbroken at the applied point. Also the buffer cache's WAL rule (S11): a dirty block
 * is never evicted.
 */
import { describe, expect, it } from 'vitest';
import type { PageDataMessage, RedoRecord, TxnRequestMessage } from '../../models/messages.js';
import { cacheBlock, createReadState } from '../../models/read-state.js';
import type { ReplicaReadEffect } from '../../models/replica-reads.js';
import { replicaPageArrived, retryReplicaRead, serveReplicaTxn } from '../../models/replica-reads.js';
import type { ReplicaState } from '../../models/replica-state.js';
import { applicableCount, applyRecords, createReplicaState, receiveShipment, resetReplica } from '../../models/replica-state.js';
import type { Lsn, VolumeEpoch } from '../../src/protocol/ids.js';
import { blockOfKey } from '../../src/protocol/pages.js';

const layout = { pgCount: 1, blocksPerPg: 8 };
const FULL = ['seg:a', 'seg:b', 'seg:c'];
const options = { self: 'replica', layout, hedgeAfterMs: 4 };

/** The first key `k{i}` that lands on `block`. */
const keyOn = (block: number, skip = 0): string => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`).filter((key) => blockOfKey(layout, key) === block);
  return keys[skip] as string;
};
const A = keyOn(1);
const B = keyOn(1, 1);
const C = keyOn(2);
const COMMIT_BLOCK = 7;

/** A replica with a 2-block cache following the stream from the volume's start. */
const replica = (): ReplicaState => createReplicaState(1 as VolumeEpoch, { cacheBlocks: 2, blockCount: 8, fullMembers: { 0: FULL } });

let nextLsn = 1;
/** One transaction's MTR: its puts, then the commit record (the CPL). */
const mtr = (txnId: number, puts: [key: string, value: string][]): RedoRecord[] => {
  const records = [...puts.map(([key, value]) => ({ blockId: blockOfKey(layout, key), payload: { kind: 'put' as const, key, value } })), { blockId: COMMIT_BLOCK, payload: { kind: 'commit' as const, txnId } }];
  return records.map((record, i) => {
    const lsn = nextLsn++ as Lsn;
    return { lsn, pg: 0, blockId: record.blockId, prevVolumeLsn: (lsn - 1) as Lsn, prevPgLsn: (lsn - 1) as Lsn, prevBlockLsn: 0 as Lsn, isCpl: i === records.length - 1, mtrId: txnId, txnId, isCommit: i === records.length - 1, payload: record.payload } as RedoRecord;
  });
};

/** Ships records with the VDL at the last of them, and applies all of it (an apply step). */
const ship = (state: ReplicaState, records: RedoRecord[]): void => {
  expect(receiveShipment(state, records, (records[records.length - 1]?.lsn ?? state.knownVdl) as Lsn)).toBe(true);
  applyRecords(state, applicableCount(state, 1_000));
};

const get = (txnId: number, ...keys: string[]): TxnRequestMessage => ({ type: 'txnRequest', from: `client:${txnId}`, txnId, ops: keys.map((key) => ({ f: 'get', key })) });
const sends = (effects: ReplicaReadEffect[]) => effects.flatMap((effect) => (effect.type === 'send' ? [effect.params] : []));
const readPageOf = (effects: ReplicaReadEffect[]) => sends(effects).map((send) => send.message).filter((message) => message.type === 'readPage');
const answers = (effects: ReplicaReadEffect[]) => sends(effects).map((send) => send.message).filter((message) => message.type === 'txnOk' || message.type === 'txnFail');
const page = (requestId: number, blockId: number, readPoint: number, values: Record<string, string>): PageDataMessage => ({
  type: 'pageData',
  from: 'seg:a',
  requestId,
  pg: 0 as never,
  blockId,
  readPoint: readPoint as Lsn,
  values,
});

describe('Replica reads: a miss is read from storage at the read point', () => {
  it('replays the records applied while the page was in flight: each transaction at its read point, the cache at the applied point', () => {
    nextLsn = 1;
    const state = replica();
    ship(state, mtr(1, [[A, 'a1'], [B, 'b1']])); // LSNs 1–3: block 1 is not cached, so discarded.
    // Arrange: T1 misses block 1 at read point 3.
    const first = serveReplicaTxn(state, get(11, A), options);
    const [read1] = readPageOf(first);
    expect(read1).toMatchObject({ blockId: 1, readPoint: 3, sclMin: 3 });
    // Act: redo for block 1 arrives while its page is read (LSNs 4–5, then 6–7).
    ship(state, mtr(2, [[A, 'a2']]));
    const second = serveReplicaTxn(state, get(12, A, C), options); // read point 5: joins block 1's read, misses block 2
    const [read2] = readPageOf(second);
    expect(read2).toMatchObject({ blockId: 2, readPoint: 5 });
    ship(state, mtr(3, [[A, 'a3'], [C, 'c3']]));
    const afterPage1 = replicaPageArrived(state, page(read1!.requestId, 1, 3, { [A]: 'a1', [B]: 'b1' }), options);
    const afterPage2 = replicaPageArrived(state, page(read2!.requestId, 2, 5, {}), options);
    // Assert: T1 sees read point 3, T2 read point 5 (a2, and no C yet), nothing later.
    expect(answers(afterPage1)).toEqual([{ type: 'txnOk', from: 'replica', txnId: 11, commitLsn: 0, reads: ['a1'], readPoint: 3 }]);
    expect(answers(afterPage2)).toEqual([{ type: 'txnOk', from: 'replica', txnId: 12, commitLsn: 0, reads: ['a2', null], readPoint: 5 }]);
    // The cache holds both blocks as of the applied point, 8: the puts at 4, 6 and 7 were not lost.
    expect(state.appliedLsn).toBe(8);
    expect(state.pages).toEqual({ 1: { [A]: 'a3', [B]: 'b1' }, 2: { [C]: 'c3' } });
    expect(state.replayed).toBe(3);
    // From now on the cached blocks follow the stream and reads are served at once.
    ship(state, mtr(4, [[B, 'b4']]));
    expect(answers(serveReplicaTxn(state, get(13, A, B, C), options))).toEqual([{ type: 'txnOk', from: 'replica', txnId: 13, commitLsn: 0, reads: ['a3', 'b4', 'c3'], readPoint: 10 }]);
  });

  it('asks the next full segment on a refusal, each once, then starts over slower', () => {
    nextLsn = 1;
    const state = replica();
    ship(state, mtr(1, [[A, 'a1']]));
    const targets = (effects: ReplicaReadEffect[]) => sends(effects).filter((send) => send.message.type === 'readPage').map((send) => send.to);
    const first = serveReplicaTxn(state, get(21, A), options);
    const [read] = readPageOf(first);
    const asked = targets(first);
    // Two segments refuse (`notComplete`): the replica asks each remaining full segment in turn.
    for (let i = 0; i < 2; i++) asked.push(...targets(retryReplicaRead(state, read!.requestId, 'reject', options)));
    expect([...asked].sort()).toEqual(FULL);
    // The third refuses too (none complete to the read point yet): wait 10 × hedgeAfterMs, then again.
    const last = retryReplicaRead(state, read!.requestId, 'reject', options);
    expect(targets(last)).toEqual([]);
    expect(last).toContainEqual({ type: 'armHedge', requestId: read!.requestId, delayMs: 40 });
    expect(targets(retryReplicaRead(state, read!.requestId, 'hedge', options))).toHaveLength(1);
  });

  it('refuses writes, and after a restart refuses reads until the stream is unbroken at its read point', () => {
    nextLsn = 1;
    const state = replica();
    ship(state, mtr(1, [[A, 'a1']]));
    const write: TxnRequestMessage = { type: 'txnRequest', from: 'client:9', txnId: 31, ops: [{ f: 'put', key: A, value: 'x' }] };
    expect(answers(serveReplicaTxn(state, write, options))).toEqual([{ type: 'txnFail', from: 'replica', txnId: 31, reason: 'readOnly' }]);
    // A lag restart at VDL 2; the records of txn 2 (LSNs 3–4) never arrive.
    resetReplica(state, 1 as VolumeEpoch, 2 as Lsn);
    mtr(2, [[A, 'a2']]);
    expect(answers(serveReplicaTxn(state, get(32, A), options))).toEqual([{ type: 'txnFail', from: 'replica', txnId: 32, reason: 'restarting' }]);
    // The stream resumes at LSN 5, after the hole: a page read at 2 would miss a2 for good.
    expect(receiveShipment(state, mtr(3, [[C, 'c3']]), 6 as Lsn)).toBe(true);
    expect(answers(serveReplicaTxn(state, get(33, A), options))[0]).toMatchObject({ type: 'txnFail', reason: 'restarting' });
    applyRecords(state, applicableCount(state, 1_000));
    // Applied past the hole (read point 6): the cold cache reads block 1 from storage there.
    expect(readPageOf(serveReplicaTxn(state, get(34, A), options))).toEqual([expect.objectContaining({ blockId: 1, readPoint: 6, sclMin: 6 })]);
  });
});

describe('Buffer cache: the WAL rule (S11)', () => {
  it('evicts the oldest clean block, never a dirty one, and runs over capacity while all are dirty', () => {
    const cache = createReadState(2, {});
    expect(cacheBlock(cache, 1, 5 as Lsn, 0 as Lsn)).toEqual([]); // dirty: page LSN 5 > VDL 0
    expect(cacheBlock(cache, 2, 0 as Lsn, 0 as Lsn)).toEqual([]); // clean: a page read at read point 0
    // Over capacity: block 1 is older but dirty, so block 2 goes.
    expect(cacheBlock(cache, 3, 6 as Lsn, 0 as Lsn)).toEqual([{ blockId: 2, pageLsn: 0, dirtySkipped: 1 }]);
    expect(cacheBlock(cache, 4, 7 as Lsn, 0 as Lsn)).toEqual([]);
    expect(cache.order).toEqual([1, 3, 4]);
    // VDL reaches 6: blocks 1 and 3 are clean now and leave, oldest first.
    expect(cacheBlock(cache, 5, 8 as Lsn, 6 as Lsn)).toEqual([
      { blockId: 1, pageLsn: 5, dirtySkipped: 0 },
      { blockId: 3, pageLsn: 6, dirtySkipped: 0 },
    ]);
    expect(cache.order).toEqual([4, 5]);
  });
});
