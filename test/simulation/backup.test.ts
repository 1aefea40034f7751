/**
 * Continuous backup in a run (docs/protocol.md §10): segments stage their PG's log to the
 * region's object store once a period, garbage collection never passes what the store holds,
 * the latest restorable time trails the present by about a period, and an object store outage
 * stops staging (and so collection) until it ends, with every judge holding throughout.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenarios/schema.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { Observation } from '../../src/protocol/observations.js';

const STAGE_PERIOD_MS = 1_000;

function run(faults: unknown[] = [], seed = 1, durationMs = 6_000) {
  const scenario = parseScenario(
    { name: 'backup', topology: { pgCount: 2 }, backup: { stagePeriodMs: STAGE_PERIOD_MS, snapshotPeriodMs: 2_000 }, workload: { commitsPerS: 100 }, faults, durationMs },
    'test',
  );
  const sim = new Simulation({ seed, scenario });
  const staged: { atMs: number; pg: number; stagedLsn: number }[] = [];
  const gcPoints: { atMs: number; pg: number; gcPoint: number }[] = [];
  sim.streams.observations$.subscribe(({ atMs, observation }: { atMs: number; observation: Observation }) => {
    if (observation.kind === 'staged') staged.push({ atMs, pg: observation.pg, stagedLsn: observation.stagedLsn });
    if (observation.kind === 'gcAdvanced') gcPoints.push({ atMs, pg: observation.pg, gcPoint: observation.gcPoint });
  });
  sim.run();
  return { sim, report: sim.report(), staged, gcPoints };
}

/** The highest staged point of `pg` at or before `atMs`. */
const stagedAt = (staged: readonly { atMs: number; pg: number; stagedLsn: number }[], pg: number, atMs: number): number =>
  staged.filter((entry) => entry.pg === pg && entry.atMs <= atMs).reduce((high, entry) => Math.max(high, entry.stagedLsn), 0);

describe('continuous backup', () => {
  it('stages each PG about once a period and collects only what the object store holds', () => {
    const { report, staged, gcPoints } = run();
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.invariants.find((result) => result.name === 'S14 GC safety')).toMatchObject({ ok: true, vacuous: false });
    const backup = report.backup!;
    // About one put per PG per period after the first: 2 PGs over 6 s.
    expect(backup.puts).toBeGreaterThanOrEqual(2 * 4);
    expect(backup.puts).toBeLessThanOrEqual(2 * 6);
    expect(backup.stagingBytesPerS).toBe(Math.round((backup.bytesStaged / 6_000) * 1_000));
    expect(backup.bytesStaged).toBeGreaterThan(0);
    // Every GC point lies at or below what the store held of its PG when it moved.
    expect(gcPoints.length).toBeGreaterThan(0);
    for (const { atMs, pg, gcPoint } of gcPoints) expect(gcPoint).toBeLessThanOrEqual(stagedAt(staged, pg, atMs));
    // The latest restorable time trails the end by less than a period plus the staging jitter.
    expect(backup.restorableLagMs).not.toBeNull();
    expect(backup.restorableLagMs!).toBeLessThan(2 * STAGE_PERIOD_MS);
    expect(backup.latestRestorableLsn).toBeLessThanOrEqual(backup.stagedLsnMin);
    expect(backup.latestRestorableLsn).toBeLessThan(report.volume.vdl);
    expect(backup.retainedBytes.log).toBe(backup.bytesStaged);
  });

  it('an object store outage stops staging and holds collection back; both resume after it', () => {
    const { report, staged, gcPoints } = run([
      { atMs: 2_000, kind: 'objectStoreOutage' },
      { atMs: 4_000, kind: 'objectStoreRecover' },
    ]);
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.commits.lostAcknowledged).toBe(0);
    // Nothing is staged while the store is out.
    expect(staged.filter((entry) => entry.atMs > 2_000 && entry.atMs < 4_000)).toEqual([]);
    expect(staged.some((entry) => entry.atMs > 4_000)).toBe(true);
    // GC stops below what was staged before the outage.
    for (const pg of [0, 1]) {
      const before = stagedAt(staged, pg, 2_000);
      for (const entry of gcPoints.filter((point) => point.pg === pg && point.atMs < 4_000)) expect(entry.gcPoint).toBeLessThanOrEqual(before);
    }
    expect(report.backup?.objectStoreState).toBe('available.normal');
  });

  it('throttling answers some requests with SlowDown and the run still stages', () => {
    const { report } = run([{ atMs: 1_000, kind: 'objectStoreThrottle', requestsPerS: 3 }]);
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.backup?.throttledRequests).toBeGreaterThan(0);
    expect(report.backup?.objectStoreState).toBe('available.throttling');
    expect(report.backup?.stagedLsnMin).toBeGreaterThan(0);
  });

  it('replays byte for byte', () => {
    expect(run([], 7, 3_000).report.traceHash).toBe(run([], 7, 3_000).report.traceHash);
  });
});
