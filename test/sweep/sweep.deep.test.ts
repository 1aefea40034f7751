/**
 * The flagship scenario over 200 seeds on two worker threads, as CI's deep run does it: no seed
 * loses an acknowledged commit or violates an invariant, and the determinism self-check passes.
 * About eight minutes of CPU, so it runs with `npm run test:deep`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('Sweep: az-plus-one over seeds 1..200', () => {
  it('sweep az-plus-one --seeds 1..200 --workers 2 --json: zero violations, self-check passed', () => {
    const result = spawnSync(process.execPath, ['bin/aurora-actors.js', 'sweep', 'az-plus-one', '--seeds', '1..200', '--workers', '2', '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.stderr.split('\n')[0]).toBe('SEEDS=1..200 WORKERS=2');
    const summary = JSON.parse(result.stdout);
    expect(summary.runs).toHaveLength(200);
    expect(new Set(summary.runs.map((run: { traceHash: string }) => run.traceHash)).size).toBe(200);
    expect(summary.failingSeeds).toEqual([]);
    expect(summary.violations).toBe(0);
    expect(summary.totals.lostAcknowledged).toBe(0);
    expect(summary.determinism.sampled.length).toBeGreaterThanOrEqual(8);
    expect(summary.determinism).toMatchObject({ ok: true, mismatches: [] });
    expect(result.status).toBe(0);
  });
});

describe('Sweep: a planted mistake is found', () => {
  it('sweep segment-crash-gossip --seeds 1..2 --plant no-gossip: both seeds fail the convergence judge, exit 1', () => {
    const result = spawnSync(process.execPath, ['bin/aurora-actors.js', 'sweep', 'segment-crash-gossip', '--seeds', '1..2', '--plant', 'no-gossip', '--workers', '1', '--json'], {
      encoding: 'utf8',
    });
    const summary = JSON.parse(result.stdout);
    expect(summary.plant).toBe('no-gossip');
    expect(summary.failingSeeds).toEqual([1, 2]);
    for (const run of summary.runs) expect(run.violated).toContain('segments converge after the last fault');
    expect(result.status).toBe(1);
  });
});
