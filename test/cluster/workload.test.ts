/**
 * The workload's rate schedule (`src/cluster/workload.ts`, `workload.phases`): each phase's rates
 * are in force from its start to the next one's; a workload without phases draws what it drew
 * before phases existed. Arrivals are counted by always-idle clients that record them.
 */
import { describe, expect, it } from 'vitest';
import type { TxnOp } from '../../models/messages.js';
import type { DatabaseClient } from '../../src/cluster/client.js';
import { Workload } from '../../src/cluster/workload.js';
import type { WorkloadOptions } from '../../src/cluster/workload.js';
import { VirtualClock } from '../../src/kernel/clock.js';
import { createRng } from '../../src/kernel/rng.js';

interface Arrival {
  atMs: number;
  endpoint: 'cluster' | 'reader';
  ops: readonly TxnOp[];
}

/** Runs a workload for `untilMs` with two clients that are never busy; returns every arrival. */
function arrivals(options: Partial<WorkloadOptions>, untilMs = 30_000): Arrival[] {
  const clock = new VirtualClock();
  const seen: Arrival[] = [];
  const client = { busy: false, transact: (ops: readonly TxnOp[], { endpoint = 'cluster' }: { endpoint?: 'cluster' | 'reader' } = {}) => void seen.push({ atMs: clock.now(), endpoint, ops }) };
  const full: WorkloadOptions = { commitsPerS: 20, putsPerTxn: 1, getsPerTxn: 1, keys: 100, readerTxnsPerS: 10, startMs: 0, stopMs: untilMs, ...options };
  new Workload(full, [client, client] as unknown as DatabaseClient[], clock, createRng(42).fork('workload')).start();
  clock.runUntil(untilMs);
  return seen;
}

const count = (seen: readonly Arrival[], endpoint: 'cluster' | 'reader', fromMs: number, toMs: number) => seen.filter((a) => a.endpoint === endpoint && a.atMs >= fromMs && a.atMs < toMs).length;

describe('Workload: a rate schedule', () => {
  it('without phases (or with none) draws the same arrivals at the same times', () => {
    expect(arrivals({ phases: [] })).toEqual(arrivals({}));
    expect(arrivals({}).length).toBeGreaterThan(700);
  });

  it('puts each phase in force until the next: 20/s, then nothing, then 100/s with 50 reads/s', () => {
    const seen = arrivals({ phases: [{ atMs: 10_000, commitsPerS: 0, readerTxnsPerS: 0 }, { atMs: 20_000, commitsPerS: 100, readerTxnsPerS: 50 }] });
    // Poisson counts: 200 ± 25 %, none, 1,000 ± 10 %, 500 ± 15 %.
    expect(count(seen, 'cluster', 0, 10_000)).toBeGreaterThan(150);
    expect(count(seen, 'cluster', 0, 10_000)).toBeLessThan(250);
    expect(count(seen, 'cluster', 10_000, 20_000) + count(seen, 'reader', 10_000, 20_000)).toBe(0);
    expect(count(seen, 'cluster', 20_000, 30_000)).toBeGreaterThan(900);
    expect(count(seen, 'cluster', 20_000, 30_000)).toBeLessThan(1_100);
    expect(count(seen, 'reader', 20_000, 30_000)).toBeGreaterThan(425);
    expect(count(seen, 'reader', 20_000, 30_000)).toBeLessThan(575);
    // Read-only transactions are gets only.
    for (const arrival of seen.filter((a) => a.endpoint === 'reader')) expect(arrival.ops.every((op) => op.f === 'get')).toBe(true);
  });

  it('keeps the read rate of the phase before when a phase does not give one', () => {
    const seen = arrivals({ readerTxnsPerS: 0, phases: [{ atMs: 5_000, commitsPerS: 10, readerTxnsPerS: 40 }, { atMs: 15_000, commitsPerS: 0 }] });
    expect(count(seen, 'reader', 0, 5_000)).toBe(0);
    expect(count(seen, 'reader', 15_000, 30_000)).toBeGreaterThan(500);
    expect(count(seen, 'cluster', 15_000, 30_000)).toBe(0);
  });

  it('starts with the rates of a phase that begins before it does, and stops at stopMs', () => {
    const seen = arrivals({ startMs: 10_000, stopMs: 20_000, phases: [{ atMs: 5_000, commitsPerS: 0, readerTxnsPerS: 0 }, { atMs: 15_000, commitsPerS: 50 }] });
    expect(count(seen, 'cluster', 0, 15_000) + count(seen, 'reader', 0, 30_000)).toBe(0);
    expect(count(seen, 'cluster', 15_000, 20_000)).toBeGreaterThan(175);
    expect(count(seen, 'cluster', 20_000, 30_000)).toBe(0);
  });
});
