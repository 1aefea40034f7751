// docs/tutorial-point-in-time-restore.md, its ```ts block (a 6-second run, about 2 s): the region
// below is that block, with 'aurora-actors' imported from the sources (test/docs/tutorials.test.ts
// compares the two); the test after it checks what the tutorial says it prints.
import { describe, expect, it } from 'vitest';
// #region tutorial-point-in-time-restore
import { createSimulation, parseScenario } from '../../src/index.js';

const scenario = parseScenario(
  {
    name: 'restore-before-the-outage',
    topology: { pgCount: 2 },
    backup: { stagePeriodMs: 1_000 },
    workload: { commitsPerS: 100 },
    faults: [
      { atMs: 3_000, kind: 'azOutage', az: 'us-east-1b' },
      { atMs: 5_000, kind: 'pointInTimeRestore', toTimeMs: 2_500 },
    ],
    durationMs: 6_000,
  },
  'tutorial',
);
const sim = createSimulation({ seed: 1, scenario });
sim.run();
const report = sim.report();
const restore = report.backup!.restores[0]!;
console.log(restore.restorePoint.lsn, restore.lagMs, restore.state, restore.verification?.verified);
console.log(report.invariants.find((judge) => judge.name === 'S20 restore consistency')?.ok);
// #endregion tutorial-point-in-time-restore

describe('docs/tutorial-point-in-time-restore.md, the code block', () => {
  it('restores the state at 2.5 s into a new cluster, during the outage, and S20 verifies it', () => {
    expect(restore).toMatchObject({ toTimeMs: 2_500, state: 'available', verification: { verified: true, mismatches: 0 } });
    expect(restore.restorePoint.reachedAtMs!).toBeLessThanOrEqual(2_500);
    expect(restore.lagMs!).toBeLessThan(50);
    expect(report.invariants.filter((judge) => !judge.ok)).toEqual([]);
  });
});
