/**
 * A replica's reads, step by step over its pure state (docs/protocol.md §5, reads and read
 * replicas): a miss is read from a full segment at the replica's read point; redo applied while the
 * page is in flight is kept and replayed, so each waiting transaction sees its own read point and
 * the cache ends exactly at the applied point; a refusal moves on to the next full segment; a
 * restart refuses reads until the stream is unbroken at the applied point. Also the buffer cache's
 * WAL rule (S11): a dirty block is never evicted.
 */
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import type { PageDataMessage, RedoRecord, TxnRequestMessage } from '../../models/messages.js';
import { cacheBlock, createReadState } from '../../models/read-state.js';
import type { ReplicaReadEffect } from '../../models/replica-reads.js';
import { replicaPageArrived, retryReplicaRead, serveReplicaTxn } from '../../models/replica-reads.js';
import type { ReplicaState } from '../../models/replica-state.js';
import { applicableCount, applyRecords, createReplicaState, receiveShipment, resetReplica } from '../../models/replica-state.js';
import { tableRecord } from '../../src/protocol/chunked.js';
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

/**
 * A replica with a 2-block cache following the stream from the volume's start, driven through
 * the pure steps: each step gets the state deep-frozen (a write into it would throw) and the
 * driver keeps the state it returns.
 */
class ReplicaDriver {
  state: ReplicaState = createReplicaState(1 as VolumeEpoch, { cacheBlocks: 2, blockCount: 8, fullMembers: { 0: FULL } });

  get appliedLsn(): Lsn {
    return this.state.appliedLsn;
  }

  get replayed(): number {
    return this.state.replayed;
  }

  /** The cached pages, keyed by block. */
  get pages(): Record<number, Readonly<Record<string, string>>> {
    return tableRecord(this.state.pages);
  }

  serve(request: TxnRequestMessage): ReplicaReadEffect[] {
    return this.take(serveReplicaTxn(freeze(this.state, true), request, options));
  }

  pageArrived(message: PageDataMessage): ReplicaReadEffect[] {
    return this.take(replicaPageArrived(freeze(this.state, true), message, options));
  }

  retry(requestId: number, cause: 'hedge' | 'reject' | 'collected'): ReplicaReadEffect[] {
    return this.take(retryReplicaRead(freeze(this.state, true), requestId, cause, options));
  }

  /** Takes a shipment; false on a hole in the stream (the state is then unchanged). */
  receive(records: RedoRecord[], vdl: Lsn): boolean {
    const next = receiveShipment(freeze(this.state, true), records, vdl);
    if (next !== undefined) this.state = next;
    return next !== undefined;
  }

  /** Applies everything applicable (one apply step). */
  applyAll(): void {
    this.state = applyRecords(freeze(this.state, true), applicableCount(this.state, 1_000));
  }

  reset(volumeEpoch: VolumeEpoch, vdl: Lsn): void {
    this.state = resetReplica(freeze(this.state, true), volumeEpoch, vdl);
  }

  /** Ships records with the VDL at the last of them, and applies all of it (an apply step). */
  ship(records: RedoRecord[]): void {
    expect(this.receive(records, (records[records.length - 1]?.lsn ?? this.state.knownVdl) as Lsn)).toBe(true);
    this.applyAll();
  }

  private take(step: { replica: ReplicaState; effects: ReplicaReadEffect[] }): ReplicaReadEffect[] {
    this.state = step.replica;
    return step.effects;
  }
}

const replica = (): ReplicaDriver => new ReplicaDriver();

let nextLsn = 1;
/** One transaction's MTR: its puts, then the commit record (the CPL). */
const mtr = (txnId: number, puts: [key: string, value: string][]): RedoRecord[] => {
  const records = [...puts.map(([key, value]) => ({ blockId: blockOfKey(layout, key), payload: { kind: 'put' as const, key, value } })), { blockId: COMMIT_BLOCK, payload: { kind: 'commit' as const, txnId } }];
  return records.map((record, i) => {
    const lsn = nextLsn++ as Lsn;
    return { lsn, pg: 0, blockId: record.blockId, prevVolumeLsn: (lsn - 1) as Lsn, prevPgLsn: (lsn - 1) as Lsn, prevBlockLsn: 0 as Lsn, isCpl: i === records.length - 1, mtrId: txnId, txnId, isCommit: i === records.length - 1, payload: record.payload } as RedoRecord;
  });
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
    state.ship(mtr(1, [[A, 'a1'], [B, 'b1']])); // LSNs 1–3: block 1 is not cached, so discarded.
    // Arrange: T1 misses block 1 at read point 3.
    const first = state.serve(get(11, A));
    const [read1] = readPageOf(first);
    expect(read1).toMatchObject({ blockId: 1, readPoint: 3, sclMin: 3 });
    // Act: redo for block 1 arrives while its page is read (LSNs 4–5, then 6–7).
    state.ship(mtr(2, [[A, 'a2']]));
    const second = state.serve(get(12, A, C)); // read point 5: joins block 1's read, misses block 2
    const [read2] = readPageOf(second);
    expect(read2).toMatchObject({ blockId: 2, readPoint: 5 });
    state.ship(mtr(3, [[A, 'a3'], [C, 'c3']]));
    const afterPage1 = state.pageArrived(page(read1!.requestId, 1, 3, { [A]: 'a1', [B]: 'b1' }));
    const afterPage2 = state.pageArrived(page(read2!.requestId, 2, 5, {}));
    // Assert: T1 sees read point 3, T2 read point 5 (a2, and no C yet), nothing later.
    expect(answers(afterPage1)).toEqual([{ type: 'txnOk', from: 'replica', txnId: 11, commitLsn: 0, reads: ['a1'], readPoint: 3 }]);
    expect(answers(afterPage2)).toEqual([{ type: 'txnOk', from: 'replica', txnId: 12, commitLsn: 0, reads: ['a2', null], readPoint: 5 }]);
    // The cache holds both blocks as of the applied point, 8: the puts at 4, 6 and 7 were not lost.
    expect(state.appliedLsn).toBe(8);
    expect(state.pages).toEqual({ 1: { [A]: 'a3', [B]: 'b1' }, 2: { [C]: 'c3' } });
    expect(state.replayed).toBe(3);
    // From now on the cached blocks follow the stream and reads are served at once.
    state.ship(mtr(4, [[B, 'b4']]));
    expect(answers(state.serve(get(13, A, B, C)))).toEqual([{ type: 'txnOk', from: 'replica', txnId: 13, commitLsn: 0, reads: ['a3', 'b4', 'c3'], readPoint: 10 }]);
  });

  it('asks the next full segment on a refusal, each once, then starts over slower', () => {
    nextLsn = 1;
    const state = replica();
    state.ship(mtr(1, [[A, 'a1']]));
    const targets = (effects: ReplicaReadEffect[]) => sends(effects).filter((send) => send.message.type === 'readPage').map((send) => send.to);
    const first = state.serve(get(21, A));
    const [read] = readPageOf(first);
    const asked = targets(first);
    // Two segments refuse (`notComplete`): the replica asks each remaining full segment in turn.
    for (let i = 0; i < 2; i++) asked.push(...targets(state.retry(read!.requestId, 'reject')));
    expect([...asked].sort()).toEqual(FULL);
    // The third refuses too (none complete to the read point yet): wait 10 × hedgeAfterMs, then again.
    const last = state.retry(read!.requestId, 'reject');
    expect(targets(last)).toEqual([]);
    expect(last).toContainEqual({ type: 'armHedge', requestId: read!.requestId, delayMs: 40 });
    expect(targets(state.retry(read!.requestId, 'hedge'))).toHaveLength(1);
  });

  it('refuses writes, and after a restart refuses reads until the stream is unbroken at its read point', () => {
    nextLsn = 1;
    const state = replica();
    state.ship(mtr(1, [[A, 'a1']]));
    const write: TxnRequestMessage = { type: 'txnRequest', from: 'client:9', txnId: 31, ops: [{ f: 'put', key: A, value: 'x' }] };
    expect(answers(state.serve(write))).toEqual([{ type: 'txnFail', from: 'replica', txnId: 31, reason: 'readOnly' }]);
    // A lag restart at VDL 2; the records of txn 2 (LSNs 3–4) never arrive.
    state.reset(1 as VolumeEpoch, 2 as Lsn);
    mtr(2, [[A, 'a2']]);
    expect(answers(state.serve(get(32, A)))).toEqual([{ type: 'txnFail', from: 'replica', txnId: 32, reason: 'restarting' }]);
    // The stream resumes at LSN 5, after the hole: a page read at 2 would miss a2 for good.
    expect(state.receive(mtr(3, [[C, 'c3']]), 6 as Lsn)).toBe(true);
    expect(answers(state.serve(get(33, A)))[0]).toMatchObject({ type: 'txnFail', reason: 'restarting' });
    state.applyAll();
    // Applied past the hole (read point 6): the cold cache reads block 1 from storage there.
    expect(readPageOf(state.serve(get(34, A)))).toEqual([expect.objectContaining({ blockId: 1, readPoint: 6, sclMin: 6 })]);
  });
});

describe('Buffer cache: the WAL rule (S11)', () => {
  it('evicts the oldest clean block, never a dirty one, and runs over capacity while all are dirty', () => {
    let cache = createReadState(2, {});
    const put = (block: number, pageLsn: number, vdl: number) => {
      const step = cacheBlock(freeze(cache, true), block, pageLsn as Lsn, vdl as Lsn);
      cache = step.reads;
      return step.evictions;
    };
    expect(put(1, 5, 0)).toEqual([]); // dirty: page LSN 5 > VDL 0
    expect(put(2, 0, 0)).toEqual([]); // clean: a page read at read point 0
    // Over capacity: block 1 is older but dirty, so block 2 goes.
    expect(put(3, 6, 0)).toEqual([{ blockId: 2, pageLsn: 0, dirtySkipped: 1 }]);
    expect(put(4, 7, 0)).toEqual([]);
    expect(cache.order).toEqual([1, 3, 4]);
    // VDL reaches 6: blocks 1 and 3 are clean now and leave, oldest first.
    expect(put(5, 8, 6)).toEqual([
      { blockId: 1, pageLsn: 5, dirtySkipped: 0 },
      { blockId: 3, pageLsn: 6, dirtySkipped: 0 },
    ]);
    expect(cache.order).toEqual([4, 5]);
  });
});
