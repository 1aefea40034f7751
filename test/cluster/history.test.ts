/**
 * The client history keeps its entries only when asked; its counts and commit latencies (what the
 * report reads) are the same either way, and a sink sees every entry in order.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryMicroOp } from '../../src/cluster/history.js';
import { HistoryRecorder } from '../../src/cluster/history.js';
import { Trace } from '../../src/kernel/trace.js';

type Outcome = 'ok' | 'fail' | 'info';

/** Transaction `txnId` invoked at `invokedAtMs`, settled `latencyMs` later; `commitLsn` 0 = read-only. */
function play(recorder: HistoryRecorder, txnId: number, invokedAtMs: number, latencyMs: number, outcome: Outcome, commitLsn = txnId * 10): void {
  const base = { process: txnId % 3, f: 'txn' as const, node: 'client:1', txnId, value: [['w', 'k1', `v${txnId}`]] as HistoryMicroOp[] };
  recorder.record({ ...base, type: 'invoke' }, invokedAtMs);
  recorder.record({ ...base, type: outcome, ...(outcome === 'ok' ? { commitLsn } : { error: 'timeout' }) }, invokedAtMs + latencyMs);
}

function script(recorder: HistoryRecorder): void {
  play(recorder, 1, 0, 5, 'ok');
  play(recorder, 2, 10, 7, 'fail');
  play(recorder, 3, 20, 3, 'ok', 0);
  play(recorder, 4, 30, 1_000, 'info');
  for (let txnId = 5; txnId < 1_005; txnId++) play(recorder, txnId, 100 + txnId, txnId % 17, 'ok');
}

describe('HistoryRecorder', () => {
  it('counts and times the same with or without keeping entries, and keeps none when told not to', () => {
    const kept = new HistoryRecorder(undefined);
    const streamed: HistoryEntry[] = [];
    const bounded = new HistoryRecorder(undefined, undefined, { keepEntries: false, sink: (entry) => streamed.push(entry) });
    script(kept);
    script(bounded);
    expect(bounded.entries).toHaveLength(0);
    expect(bounded.length).toBe(kept.entries.length);
    expect(streamed).toEqual(kept.entries);
    expect(bounded.counts).toEqual({ invoke: 1_004, ok: 1_002, fail: 1, info: 1 });
    expect(bounded.counts).toEqual(kept.counts);
    // Read-only, failed and unknown transactions have no commit latency.
    const fromEntries = kept.entries.filter((e) => e.type === 'ok' && (e.commitLsn ?? 0) > 0).length;
    expect(bounded.commitLatenciesMs()).toHaveLength(fromEntries);
    expect(bounded.commitLatenciesMs()).toEqual(kept.commitLatenciesMs());
    expect(bounded.commitLatenciesMs()[0]).toBe(0);
    expect(bounded.commitLatenciesMs(100, 200)).toEqual([...Array.from({ length: 95 }, (_, i) => (i + 5) % 17)].sort((a, b) => a - b));
  });

  it('writes the same trace events whether or not it keeps entries', () => {
    const traces = [new Trace(), new Trace()];
    script(new HistoryRecorder(traces[0]));
    script(new HistoryRecorder(traces[1], undefined, { keepEntries: false }));
    expect(traces[1]!.traceHash()).toBe(traces[0]!.traceHash());
    expect(traces[0]!.length).toBe(2_008);
  });
});
