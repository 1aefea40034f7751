/**
 * The writer's `isolation` option at the pure write path (models/writer-state.ts): with
 * `serializable`, a transaction whose get read a value that is no longer the key's newest (a put
 * allocated above the VDL it read) is refused with `serializationFailure` and takes no LSNs; a
 * read-only one reads the VDL and passes. With the default, the same transaction commits
 * (docs/semantics.md, "Isolation"). States are frozen, so a write into them throws.
 */
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import { resolveInstanceOptions } from '../../models/instance-options.js';
import type { WriterIsolation } from '../../models/instance-options.js';
import type { TxnOp, TxnRequestMessage } from '../../models/messages.js';
import type { WriterEffect, WriterState } from '../../models/writer-state.js';
import { createWriterState, startTransaction } from '../../models/writer-state.js';
import type { SegmentId, VolumeEpoch } from '../../src/protocol/ids.js';
import { kOfN } from '../../src/protocol/quorum.js';

const MEMBERS = ['seg:a1', 'seg:a2', 'seg:b1', 'seg:b2', 'seg:c1', 'seg:c2'] as SegmentId[];
const WHO = { self: 'inst:writer', volumeEpoch: 1 as VolumeEpoch };

function writer(isolation: WriterIsolation): WriterState {
  const options = resolveInstanceOptions({
    self: WHO.self,
    lal: 1_000,
    pgs: [{ pg: 0, members: MEMBERS, write: kOfN(4, MEMBERS) }],
    blocksPerPg: 8,
    retransmitAfterMs: 10,
    linkBusyMsPerBatch: 0.1,
    isolation,
  });
  return freeze(createWriterState(options), true);
}

const request = (txnId: number, ops: TxnOp[]): TxnRequestMessage => ({ type: 'txnRequest', from: `client:${txnId}`, txnId, ops });

/** T1 puts k (allocated, not durable: VDL stays 0); then `ops` arrive as T2. */
function afterPendingPut(isolation: WriterIsolation, ops: TxnOp[]): { started: WriterState | undefined; before: WriterState; effects: WriterEffect[] } {
  const first = startTransaction(writer(isolation), WHO, request(1, [{ f: 'put', key: 'k', value: 'a' }]), []);
  const before = freeze(first as WriterState, true);
  const effects: WriterEffect[] = [];
  return { started: startTransaction(before, WHO, request(2, ops), effects), before, effects };
}

const replies = (effects: WriterEffect[]) => effects.flatMap((effect) => (effect.type === 'send' ? [effect.params.message] : []));

describe('Writer isolation', () => {
  const lostUpdate: TxnOp[] = [{ f: 'get', key: 'k' }, { f: 'put', key: 'k', value: 'b' }];

  it('serializable: a get that missed a put allocated above the VDL aborts the transaction, which takes no LSNs', () => {
    const { started, before, effects } = afterPendingPut('serializable', lostUpdate);
    expect(started).toBe(before);
    expect(replies(effects)).toEqual([{ type: 'txnFail', from: WHO.self, txnId: 2, reason: 'serializationFailure' }]);
  });

  it('read committed: the same transaction takes LSNs above the first one and overwrites it unseen', () => {
    const { started, before } = afterPendingPut('read-committed', lostUpdate);
    expect(started?.allocator.nextLsn).toBeGreaterThan(before.allocator.nextLsn);
  });

  it('serializable: a read-only transaction reads the VDL and answers at once; a get of its own earlier put always holds', () => {
    const readOnly = afterPendingPut('serializable', [{ f: 'get', key: 'k' }]);
    expect(replies(readOnly.effects)).toEqual([{ type: 'txnOk', from: WHO.self, txnId: 2, commitLsn: 0, reads: [null] }]);
    const own = afterPendingPut('serializable', [{ f: 'put', key: 'k', value: 'c' }, { f: 'get', key: 'k' }]);
    expect(own.started?.allocator.nextLsn).toBeGreaterThan(own.before.allocator.nextLsn);
  });
});
