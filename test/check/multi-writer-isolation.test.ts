/**
 * The multi-writer isolation check (src/check/multi-writer-isolation.ts) on hand-written
 * histories: a clean one keeps the promise; a lost update, a missed own write and a dirty read each
 * break it; a stale read (a real-time anomaly) breaks only strict serializability, which is not
 * promised.
 */
import { describe, expect, it } from 'vitest';
import { checkMultiWriterIsolation } from '../../src/check/multi-writer-isolation.js';
import type { IsolationEntry } from '../../src/check/multi-writer-isolation.js';

type Op = ['r' | 'w', string, string | null];

/** A transaction as an invoke and an outcome, at times `from` and `to` (ms). */
function txn(txnId: number, node: string, ops: Op[], outcome: { type: 'ok' | 'fail'; stamp?: number }, from: number, to: number): IsolationEntry[] {
  const base = { process: Number(node.slice(1)), f: 'txn', node, txnId };
  return [
    { ...base, type: 'invoke', value: ops.map(([f, key, value]) => [f, key, f === 'r' ? null : value]), time: from * 1e6 },
    { ...base, type: outcome.type, value: ops, time: to * 1e6, ...(outcome.stamp === undefined ? {} : { commitLsn: outcome.stamp }) },
  ] as IsolationEntry[];
}
const byTime = (entries: IsolationEntry[]): IsolationEntry[] => [...entries].sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
const onWriter = (writers: Record<number, string>) => (txnId: number) => writers[txnId];

describe('Multi-writer isolation: the promise and what is only reported', () => {
  it('a clean history keeps the promise and is strict serializable', () => {
    const history = byTime([
      ...txn(1, 'c1', [['w', 'x', 'a']], { type: 'ok', stamp: 1 }, 0, 1),
      ...txn(2, 'c1', [['r', 'x', 'a'], ['w', 'x', 'b']], { type: 'ok', stamp: 2 }, 2, 3),
    ]);
    const verdict = checkMultiWriterIsolation(history, onWriter({ 1: 'w1', 2: 'w1' }));
    expect(verdict).toMatchObject({ promiseKept: true, lostUpdates: 0, readYourWrites: { checked: 1, violations: 0 }, serializable: true, strictSerializable: true });
  });

  it('two commits that read a key at one value and both wrote it: a lost update', () => {
    const history = byTime([
      ...txn(1, 'c1', [['w', 'x', 'a']], { type: 'ok', stamp: 1 }, 0, 1),
      ...txn(2, 'c2', [['r', 'x', 'a'], ['w', 'x', 'b']], { type: 'ok', stamp: 2 }, 2, 4),
      ...txn(3, 'c3', [['r', 'x', 'a'], ['w', 'x', 'c']], { type: 'ok', stamp: 3 }, 2, 5),
    ]);
    const verdict = checkMultiWriterIsolation(history, onWriter({ 1: 'w1', 2: 'w1', 3: 'w2' }));
    expect(verdict.promiseKept).toBe(false);
    expect(verdict.lostUpdates).toBe(1);
    expect(verdict.firstViolations[0]).toMatch(/lost update: transactions 2, 3 all read x=a/);
  });

  it('a client that misses its own write on the same writer breaks read your writes; on another writer it is not promised', () => {
    const history = byTime([
      ...txn(1, 'c1', [['w', 'x', 'a']], { type: 'ok', stamp: 5 }, 0, 1),
      ...txn(2, 'c2', [['w', 'x', 'old']], { type: 'ok', stamp: 2 }, 0, 1),
      ...txn(3, 'c1', [['r', 'x', 'old'], ['w', 'y', 'b']], { type: 'ok', stamp: 6 }, 2, 3),
    ]);
    expect(checkMultiWriterIsolation(history, onWriter({ 1: 'w1', 2: 'w2', 3: 'w1' })).readYourWrites).toEqual({ checked: 1, violations: 1 });
    expect(checkMultiWriterIsolation(history, onWriter({ 1: 'w1', 2: 'w2', 3: 'w2' })).readYourWrites).toEqual({ checked: 0, violations: 0 });
  });

  it('a read of a rolled-back write breaks read committed (G1a)', () => {
    const history = byTime([
      ...txn(1, 'c1', [['w', 'x', 'dirty']], { type: 'fail' }, 0, 1),
      ...txn(2, 'c2', [['r', 'x', 'dirty'], ['w', 'y', 'b']], { type: 'ok', stamp: 1 }, 2, 3),
    ]);
    const verdict = checkMultiWriterIsolation(history, onWriter({ 2: 'w1' }));
    expect(verdict.readCommitted).toEqual({ ok: false, violations: ['G1a'] });
    expect(verdict.promiseKept).toBe(false);
  });

  it('a stale read after another writer committed keeps the promise but is not strict serializable', () => {
    const history = byTime([
      ...txn(1, 'c1', [['w', 'x', 'a']], { type: 'ok', stamp: 1 }, 0, 1),
      // Committed on writer 2 and acknowledged at 3 ms ...
      ...txn(2, 'c2', [['w', 'x', 'b']], { type: 'ok', stamp: 2 }, 2, 3),
      // ... but writer 1 has not applied it when client 3 reads there at 4 ms.
      ...txn(3, 'c3', [['r', 'x', 'a'], ['w', 'y', 'c']], { type: 'ok', stamp: 3 }, 4, 5),
    ]);
    const verdict = checkMultiWriterIsolation(history, onWriter({ 1: 'w1', 2: 'w2', 3: 'w1' }));
    expect(verdict.promiseKept).toBe(true);
    expect(verdict.serializable).toBe(true);
    expect(verdict.strictSerializable).toBe(false);
    expect(Object.keys(verdict.anomalies)).toContain('G-single-realtime');
  });
});
