/**
 * Point-in-time restore in a run (docs/protocol.md §10): each restore builds a new cluster at the
 * VDL in force at the time asked (or at the latest restorable time, if that is earlier), S20
 * checks it against every committed transaction, a restore asked during an AZ outage opens on the
 * four copies left and the other two restore when their AZ returns, a restore the object store
 * cannot serve says why, and both interpreters give the same run. The built-in `pitr` runs whole
 * in the deep suite (interpreters.deep, plants.deep).
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenarios/schema.js';
import type { Scenario } from '../../src/cluster/scenario.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { SimulationReport } from '../../src/simulation/report.js';
import { expectInterpretersAgree } from './helpers.js';

function scenarioWith(faults: unknown[], durationMs: number, backup: Record<string, unknown> = {}): Scenario {
  return parseScenario(
    { name: 'pitr-test', topology: { pgCount: 2 }, backup: { stagePeriodMs: 1_000, snapshotPeriodMs: 2_000, ...backup }, workload: { commitsPerS: 100 }, faults, durationMs },
    'test',
  );
}

function run(scenario: Scenario, seed = 1): SimulationReport {
  const sim = new Simulation({ seed, scenario });
  sim.run();
  return sim.report();
}

describe('point-in-time restore', () => {
  it('restores to a past time, to a time inside an AZ outage, and to the present, each verified by S20', () => {
    const report = run(
      scenarioWith(
        [
          { atMs: 3_000, kind: 'pointInTimeRestore', toTimeMs: 1_500 },
          { atMs: 4_000, kind: 'azOutage', az: 'us-east-1c' },
          { atMs: 5_000, kind: 'pointInTimeRestore', toTimeMs: 4_500 },
          { atMs: 6_000, kind: 'azRecover', az: 'us-east-1c' },
          { atMs: 7_000, kind: 'pointInTimeRestore', toTimeMs: 7_000 },
        ],
        9_000,
      ),
    );
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.invariants.find((result) => result.name === 'S20 restore consistency')).toMatchObject({ ok: true, vacuous: false });
    const restores = report.backup!.restores;
    expect(restores.map((restore) => restore.cluster)).toEqual(['restore-1', 'restore-2', 'restore-3']);
    for (const restore of restores) {
      expect(restore.state).toBe('available');
      expect(restore).toMatchObject({ verification: { verified: true, mismatches: 0 } });
      // Every block of both PGs on all six new segments (the outage's two restored once back).
      expect(restore.verification?.blocksChecked).toBe(2 * 64 * 6);
      expect(restore.restoreMs).toBeGreaterThan(0);
      expect(restore.bytesRestored).toBeGreaterThan(0);
      // The point is the state at the time restored to: reached at or before it.
      expect(restore.restorePoint.reachedAtMs!).toBeLessThanOrEqual(Math.min(restore.toTimeMs!, restore.latestRestorableTimeMs!));
      expect(restore.lagMs).toBe(Math.round(restore.toTimeMs! - restore.restorePoint.reachedAtMs!));
    }
    // Past times lie inside what is staged: the lag is only the time since the last commit before them.
    expect(restores[0]!.lagMs!).toBeLessThan(100);
    // The present is not staged yet: the restore goes to the latest restorable time, a staging period or so back.
    const present = restores[2]!;
    expect(present.latestRestorableTimeMs!).toBeLessThan(7_000);
    expect(present.lagMs!).toBeGreaterThan(100);
    expect(present.lagMs!).toBeLessThan(2_500);
    expect(report.faults.filter((fault) => fault.fault === 'pointInTimeRestore').map((fault) => fault.target)).toEqual(['restore-1:job', 'restore-2:job', 'restore-3:job']);
  });

  it('says why when the object store is out for the whole restore, and judges nothing wrongly', () => {
    const report = run(
      scenarioWith(
        [
          { atMs: 2_500, kind: 'objectStoreOutage' },
          { atMs: 3_000, kind: 'pointInTimeRestore', toTimeMs: 2_000 },
        ],
        6_000,
        { restoreTimeoutMs: 2_000 },
      ),
    );
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    const [restore] = report.backup!.restores;
    expect(restore).toMatchObject({ state: 'failed', reason: 'timedOut: 0 of 2 PGs restored on a write quorum within 2000 ms', verification: { verified: false } });
  });

  it('a slow object store makes the restore slower by its factor, and still right', () => {
    const restoreMs = (faults: unknown[]): number => {
      const report = run(scenarioWith([...faults, { atMs: 3_000, kind: 'pointInTimeRestore', toTimeMs: 2_000 }], 4_000));
      expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
      return report.backup!.restores[0]!.restoreMs!;
    };
    const normal = restoreMs([]);
    const slow = restoreMs([{ atMs: 2_900, kind: 'objectStoreSlow', factor: 20 }]);
    expect(slow).toBeGreaterThan(10 * normal - 20);
  });

  it('restores a manual snapshot at its own point, after the time it was taken; the snapshot is a full copy', () => {
    const report = run(
      scenarioWith(
        [
          { atMs: 1_500, kind: 'createSnapshot', snapshot: 'before' },
          { atMs: 4_000, kind: 'restoreFromSnapshot', snapshot: 'before' },
        ],
        5_000,
      ),
    );
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    const backup = report.backup!;
    const [snapshot] = backup.snapshots;
    expect(snapshot).toMatchObject({ name: 'before', requestedAtMs: 1_500 });
    // Every page written by then, in full: a whole number of 16 KiB pages, at most the volume's 128.
    expect(snapshot!.bytes! % (16 * 1024)).toBe(0);
    expect(snapshot!.bytes! / (16 * 1024)).toBeGreaterThan(64);
    expect(snapshot!.bytes! / (16 * 1024)).toBeLessThanOrEqual(2 * 64);
    expect(snapshot!.createdAtMs).toBeGreaterThan(1_500);
    expect(backup.snapshotBytes).toBe(snapshot!.bytes);
    const [restore] = backup.restores;
    expect(restore).toMatchObject({ snapshot: 'before', toTimeMs: null, lagMs: null, state: 'available', restorePoint: { lsn: snapshot!.lsn }, verification: { verified: true } });
    expect(restore!.restorePoint.reachedAtMs!).toBeLessThanOrEqual(1_500);
  });

  it('runs the same under both interpreters', () => {
    expectInterpretersAgree(scenarioWith([{ atMs: 2_000, kind: 'pointInTimeRestore', toTimeMs: 1_000 }], 2_500), 2);
    expectInterpretersAgree(
      scenarioWith(
        [
          { atMs: 500, kind: 'createSnapshot', snapshot: 'early' },
          { atMs: 2_000, kind: 'restoreFromSnapshot', snapshot: 'early' },
        ],
        2_500,
      ),
      2,
    );
  });
});
