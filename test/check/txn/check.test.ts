/**
 * The transactional checker on small hand-built histories: each phenomenon of Adya's, written the
 * way a client would record it, must be found, classed, and judged by each model as the model
 * says (src/check/txn/check.ts, docs/semantics.md "Isolation").
 */
import { describe, expect, it } from 'vitest';
import type { TxnHistoryEntry, TxnModel } from '../../../src/check/txn/index.js';
import { FORBIDDEN_BY_MODEL, TXN_MODELS, TxnHistoryError, checkTxnHistory, parseTxnHistoryLines } from '../../../src/check/txn/index.js';

type Op = ['r' | 'w', string, string | null];

/** A history in time order: each call appends one entry one nanosecond after the last. */
function historyOf(steps: [type: TxnHistoryEntry['type'], process: number, ops: Op[], extra?: Partial<TxnHistoryEntry>][]): TxnHistoryEntry[] {
  return steps.map(([type, process, ops, extra], index) => ({ index, process, type, f: 'txn', value: ops, time: index, ...extra }));
}

const models = (entries: TxnHistoryEntry[]): Record<TxnModel, boolean> =>
  Object.fromEntries(TXN_MODELS.map((model) => [model, checkTxnHistory(entries, { model }).ok])) as Record<TxnModel, boolean>;

describe('Txn checker: cycles', () => {
  it('a serial history satisfies every model and reports nothing', () => {
    const entries = historyOf([
      ['invoke', 0, [['w', 'x', '1']]],
      ['ok', 0, [['w', 'x', '1']], { commitLsn: 2 }],
      ['invoke', 1, [['r', 'x', null], ['w', 'y', '2']]],
      ['ok', 1, [['r', 'x', '1'], ['w', 'y', '2']], { commitLsn: 4 }],
    ]);
    const verdict = checkTxnHistory(entries, { model: 'strict-serializable' });
    expect(verdict).toMatchObject({ ok: true, counts: {}, anomalies: [] });
    expect(verdict.transactions).toMatchObject({ ok: 2, fail: 0, info: 0 });
  });

  it('write skew (two concurrent transactions each read what the other writes) is one G2: allowed by SI, not by serializable', () => {
    const entries = historyOf([
      ['invoke', 0, [['r', 'x', null], ['w', 'y', 'a']]],
      ['invoke', 1, [['r', 'y', null], ['w', 'x', 'b']]],
      ['ok', 0, [['r', 'x', null], ['w', 'y', 'a']], { commitLsn: 2, txnId: 10 }],
      ['ok', 1, [['r', 'y', null], ['w', 'x', 'b']], { commitLsn: 4, txnId: 11 }],
    ]);
    const verdict = checkTxnHistory(entries, { model: 'serializable' });
    expect(verdict.counts).toEqual({ G2: 1 });
    expect(verdict.violations).toEqual(['G2']);
    const cycle = verdict.anomalies[0]?.cycle ?? [];
    expect(cycle.map((step) => [step.txnId, step.edge.kind, step.edge.key, step.edge.toTxnId]).sort()).toEqual([
      [10, 'rw', 'x', 11],
      [11, 'rw', 'y', 10],
    ]);
    expect(models(entries)).toEqual({ 'strict-serializable': false, serializable: false, 'snapshot-isolation': true, 'read-committed': true });
  });

  it('a lost update (both read x, both write it) is G-single: SI forbids it, read committed does not', () => {
    const entries = historyOf([
      ['invoke', 0, [['r', 'x', null], ['w', 'x', 'a']]],
      ['invoke', 1, [['r', 'x', null], ['w', 'x', 'b']]],
      ['ok', 0, [['r', 'x', null], ['w', 'x', 'a']], { commitLsn: 2 }],
      ['ok', 1, [['r', 'x', null], ['w', 'x', 'b']], { commitLsn: 4 }],
    ]);
    const verdict = checkTxnHistory(entries, { model: 'snapshot-isolation' });
    expect(verdict.counts).toEqual({ 'G-single': 1 });
    expect(verdict.anomalies[0]?.cycle.map((step) => step.edge.kind).sort()).toEqual(['rw', 'ww']);
    expect(models(entries)).toEqual({ 'strict-serializable': false, serializable: false, 'snapshot-isolation': false, 'read-committed': true });
  });

  it('reading a value committed later in commit order than the reader is G1c', () => {
    // T0 (LSN 2) writes y then T1 (LSN 4) writes x and y; T0 read T1's x: wr T1 → T0, ww T0 → T1.
    const entries = historyOf([
      ['invoke', 1, [['w', 'x', '1'], ['w', 'y', 'b']]],
      ['invoke', 0, [['r', 'x', null], ['w', 'y', 'a']]],
      ['ok', 1, [['w', 'x', '1'], ['w', 'y', 'b']], { commitLsn: 4 }],
      ['ok', 0, [['r', 'x', '1'], ['w', 'y', 'a']], { commitLsn: 2 }],
    ]);
    expect(checkTxnHistory(entries, { model: 'read-committed' }).counts).toEqual({ G1c: 1 });
    expect(models(entries)['read-committed']).toBe(false);
  });

  it('a stale read of a write completed before the reader was invoked is a real-time cycle only', () => {
    const entries = historyOf([
      ['invoke', 0, [['w', 'x', '1']]],
      ['ok', 0, [['w', 'x', '1']], { commitLsn: 2 }],
      ['invoke', 1, [['r', 'x', null], ['w', 'y', '2']]],
      ['ok', 1, [['r', 'x', null], ['w', 'y', '2']], { commitLsn: 4 }],
    ]);
    expect(checkTxnHistory(entries, { model: 'strict-serializable' }).counts).toEqual({ 'G-single-realtime': 1 });
    expect(models(entries)).toEqual({ 'strict-serializable': false, serializable: true, 'snapshot-isolation': true, 'read-committed': true });
  });
});

describe('Txn checker: reads no committed write explains', () => {
  it('finds an aborted read (G1a), an intermediate read (G1b), a garbage read and an internal one', () => {
    const entries = historyOf([
      ['invoke', 0, [['w', 'x', 'failed']]],
      ['fail', 0, [['w', 'x', 'failed']], { error: 'overloaded' }],
      ['invoke', 1, [['w', 'y', 'mid'], ['w', 'y', 'last']]],
      ['ok', 1, [['w', 'y', 'mid'], ['w', 'y', 'last']], { commitLsn: 3 }],
      ['invoke', 2, [['r', 'x', null], ['r', 'y', null], ['r', 'z', null], ['w', 'q', 'mine'], ['r', 'q', null]]],
      ['ok', 2, [['r', 'x', 'failed'], ['r', 'y', 'mid'], ['r', 'z', 'nobody'], ['w', 'q', 'mine'], ['r', 'q', 'other']], { commitLsn: 6 }],
    ]);
    const verdict = checkTxnHistory(entries, { model: 'read-committed' });
    expect(verdict.counts).toEqual({ G1a: 1, G1b: 1, 'garbage-read': 1, internal: 1 });
    expect(verdict.violations).toEqual(['internal', 'garbage-read', 'G1a', 'G1b']);
  });

  it('an info transaction whose write was read joins the graph by its wr edge', () => {
    const entries = historyOf([
      ['invoke', 0, [['w', 'x', '1']]],
      ['info', 0, [['w', 'x', '1']], { error: 'timeout' }],
      ['invoke', 1, [['r', 'x', null]]],
      ['ok', 1, [['r', 'x', '1']], { commitLsn: 0 }],
      ['invoke', 2, [['w', 'z', '9']]],
    ]);
    const verdict = checkTxnHistory(entries, { model: 'strict-serializable' });
    expect(verdict.ok).toBe(true);
    // The open invoke at the end counts as info too, but nobody read its write.
    expect(verdict.transactions).toMatchObject({ ok: 1, info: 2, infoObserved: 1 });
  });
});

describe('Txn checker: replica snapshots', () => {
  const commits: Parameters<typeof historyOf>[0] = [
    ['invoke', 0, [['w', 'x', '1'], ['w', 'y', '1']]],
    ['ok', 0, [['w', 'x', '1'], ['w', 'y', '1']], { commitLsn: 3 }],
    ['invoke', 0, [['w', 'x', '2'], ['w', 'y', '2']]],
    ['ok', 0, [['w', 'x', '2'], ['w', 'y', '2']], { commitLsn: 6 }],
  ];
  const replicaRead = (process: number, x: string | null, y: string | null): Parameters<typeof historyOf>[0] => [
    ['invoke', process, [['r', 'x', null], ['r', 'y', null]]],
    ['ok', process, [['r', 'x', x], ['r', 'y', y]], { commitLsn: 0, readPoint: 0, replica: 'replica:1' }],
  ];

  it('stale but consistent snapshots pass every model, fractured ones and a session going back fail', () => {
    // Stale reads (x=1 after x=2 completed) are fine on a replica: it lags, and real time does not bind it.
    const stale = historyOf([...commits, ...replicaRead(5, '1', '1'), ...replicaRead(5, '2', '2'), ...replicaRead(6, null, null)]);
    expect(checkTxnHistory(stale, { model: 'strict-serializable' })).toMatchObject({ ok: true, counts: {}, transactions: { replica: 3 } });
    const fractured = historyOf([...commits, ...replicaRead(5, '1', '2')]);
    expect(checkTxnHistory(fractured, { model: 'read-committed' }).counts).toEqual({ 'replica-snapshot': 1 });
    const backwards = historyOf([...commits, ...replicaRead(5, '2', '2'), ...replicaRead(5, '1', '1')]);
    const verdict = checkTxnHistory(backwards, { model: 'read-committed' });
    expect(verdict.counts).toEqual({ 'replica-monotonic': 1 });
    expect(verdict.anomalies[0]).toMatchObject({ allowed: [1, 1], sessionPrefix: 2 });
  });
});

describe('Txn checker: models and files', () => {
  it('each model forbids every class a weaker one does', () => {
    for (let i = 1; i < TXN_MODELS.length; i++) {
      const stronger = FORBIDDEN_BY_MODEL[TXN_MODELS[i - 1] as TxnModel];
      for (const anomalyClass of FORBIDDEN_BY_MODEL[TXN_MODELS[i] as TxnModel]) expect(stronger).toContain(anomalyClass);
    }
  });

  it('reads JSON lines in the older format (get/put, timeMs) to the same verdict', () => {
    const lines = [
      { index: 0, process: 0, type: 'invoke', f: 'txn', value: [['get', 'x', null], ['put', 'y', 'a']], timeMs: 1 },
      { index: 1, process: 1, type: 'invoke', f: 'txn', value: [['get', 'y', null], ['put', 'x', 'b']], timeMs: 1.5 },
      { index: 2, process: 0, type: 'ok', f: 'txn', value: [['get', 'x', null], ['put', 'y', 'a']], timeMs: 2, commitLsn: 2 },
      { index: 3, process: 1, type: 'ok', f: 'txn', value: [['get', 'y', null], ['put', 'x', 'b']], timeMs: 3, commitLsn: 4 },
    ];
    const entries = parseTxnHistoryLines(`${lines.map((line) => JSON.stringify(line)).join('\n')}\n`, 'old.jsonl');
    expect(checkTxnHistory(entries, { model: 'serializable' }).counts).toEqual({ G2: 1 });
  });

  it('names the file and line of a bad entry', () => {
    const good = JSON.stringify({ process: 0, type: 'invoke', value: [], time: 0 });
    expect(() => parseTxnHistoryLines(`${good}\n{"process": 0, "type": "ok", "value": [["cas", "x", "1"]], "time": 1}\n`, 'h.jsonl')).toThrow(
      new TxnHistoryError('h.jsonl', 2, '"value"[0] must be a read ["r", k, v] or a write ["w", k, v], got ["cas","x","1"]'),
    );
    expect(() => parseTxnHistoryLines(`${good}\n\n{oops`, 'h.jsonl')).toThrow(/^h\.jsonl:3: not valid JSON/);
    expect(() => parseTxnHistoryLines('{"process": 0, "type": "done", "value": [], "time": 0}', 'h.jsonl')).toThrow('h.jsonl:1: "type" must be one of invoke, ok, fail, info');
  });
});
