/**
 * Longer runs of the mirrored-MySQL baseline (docs/protocol.md §16), outside `npm test`:
 * `npx vitest run --config vitest.deep.config.ts test/baseline/mirrored-baseline.deep.test.ts`.
 *
 * Both interpreters agree on a run with a replica, a crash and a failover at three seeds; and a
 * single-threaded applier past its capacity C falls behind as arithmetic says it must: under a
 * steady W > C commits a second, the transaction committed at t is applied at t·W/C, so after T
 * seconds the oldest unapplied commit is T·(1 − C/W) old.
 */
import { describe, expect, it } from 'vitest';
import { runMirroredBaseline } from '../../src/baseline/mirrored-baseline.js';
import { SteppedHost } from '../../src/explore/stepped-host.js';

describe('Baseline (deep): interpreters', () => {
  it.each([1, 2, 3])('seed %i: live and stepped on frozen snapshots give one run', (seed) => {
    const options = { seed, durationMs: 3000, commitsPerS: 600, clients: 16, binlogReplica: true, primaryCrashAtMs: 1500, failoverMs: 700 } as const;
    const live = runMirroredBaseline(options);
    const stepped = runMirroredBaseline(options, { host: (kernel, emit) => new SteppedHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace, freeze: true, emit }) });
    expect(stepped).toEqual(live);
    expect(live.failover?.downtimeMs).toBe(700);
    expect(live.lostCommits.ok).toBe(true);
  });
});

describe('Baseline (deep): replica lag past capacity', () => {
  it('after T seconds at W commits/s the replica is T·(1 − C/W) behind, C = 1000 / replicaApplyMsPerTxn', () => {
    const durationMs = 20_000;
    const report = runMirroredBaseline({ seed: 4, durationMs, commitsPerS: 1250, clients: 64, binlogReplica: true, replicaApplyMsPerTxn: 1 });
    const offered = report.commitsPerS;
    const expectedMs = durationMs * (1 - 1000 / offered);
    expect(report.transactions.skipped).toBe(0);
    expect(report.replica!.lagMsAtEnd).toBeGreaterThan(0.9 * expectedMs);
    expect(report.replica!.lagMsAtEnd).toBeLessThan(1.1 * expectedMs);
  });
});
