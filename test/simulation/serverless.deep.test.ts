/**
 * `serverless-burst` whole (docs/protocol.md §11.3; docs/simulation-guide.md), at three seeds, live
 * and stepped on deep-frozen snapshots (one traceHash, so the scaler's and the instance's
 * transitions are pure on every path the run takes): the burst takes the writer and its tier-1
 * reader to the 16 ACU maximum, every instance pauses after the idle minutes and resumes in 15 s,
 * every transaction commits, and every judge, S21 included, passes. `npm run test:deep` runs it
 * (about 10 s a seed for both interpreters on two busy cores).
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { expectInterpretersAgree, expectSafe } from './helpers.js';

describe('serverless-burst, whole, under both interpreters', () => {
  it.each([1, 2, 3])('seed %i', (seed) => {
    const report = expectInterpretersAgree(findScenario('serverless-burst')!, seed);
    expectSafe(report);
    expect(report.invariants.find((result) => result.name === 'S21 serverless capacity')).toMatchObject({ ok: true, vacuous: false });
    const [writer, follower, solo] = report.serverless!.instances;
    expect([writer!.scaling, follower!.scaling, solo!.scaling]).toEqual(['lead', 'follow', 'solo']);
    expect(writer!.acuMax).toBe(16);
    expect(follower!.acuMax).toBe(16);
    for (const instance of report.serverless!.instances) {
      expect(instance.pauses).toHaveLength(1);
      expect(instance.pauses[0]).toMatchObject({ resumeMs: 15_000 });
      expect(instance.phase).toBe('running');
    }
    expect(writer!.heldTransactions).toBeGreaterThan(0);
    expect(report.commits).toMatchObject({ failed: 0, unknown: 0, inFlight: 0 });
  }, 600_000);
});
