/**
 * Planted mistakes (docs/plants.md, "Found and shrunk"), found and shrunk (`npm run test:deep`):
 * for every plant in PLANT_NAMES, its finder (a seeded simulation run of a built-in scenario,
 * `PLANT_FINDERS`) fails the judge it names; `shrinkFailure` then shrinks that run, keeping that
 * judge failing, within a budget of {@link SHRINK_RUNS} runs (6, counting the first), and the
 * shrunk scenario, read back from its JSON as a replay line carries it, fails the same judge with
 * the same plant when run again. It is never larger than the finder's (faults, commit rate,
 * clients, workload window, run length), and strictly smaller for every plant but those in
 * {@link NOTHING_REMOVED_WITHIN_BUDGET}, each with the reason.
 *
 * Budget: each run stops once the judge has failed (`stopAt`), so a candidate that still fails is
 * cheap and one that no longer fails runs to its end; 6 runs per plant (measured: see
 * docs/plants.md). The plants are split over two test files (shrink-even and shrink-odd
 * .deep.test.ts, by position in PLANT_NAMES) so that two cores run them side by side.
 */
import { describe, expect, it } from 'vitest';
import { PLANT_FINDERS } from '../../src/cli/plants.js';
import { PLANT_NAMES } from '../../src/protocol/plants.js';
import type { PlantName } from '../../src/protocol/plants.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { runScenarioCheck } from '../../src/testing/index.js';
import { finderScenario, SHRINK_RUNS, shrinkFinder, sizeOf } from './found-and-shrunk.js';

/**
 * Finders whose run the shrinker cannot make smaller within the budget, and why. Each entry is
 * asserted: the shrunk scenario equals the finder's.
 */
const NOTHING_REMOVED_WITHIN_BUDGET: Partial<Record<PlantName, string>> = {
  // Every fault of az-plus-one-failover is part of the mechanism (docs/plants.md): the writer
  // crash, AZ c's outage and b:1's crash leave PG 0 with a:1, a:2, b:2; the cut from b:2 until 23 s
  // and the slow disks of a:1 and a:2 make the planted recovery plan from the two laggards. With
  // any half or quarter of the plan removed, recovery waits for a third answer and nothing is lost;
  // each such run goes to its end (80 s), and the budget ends in delta debugging (12 runs too).
  'recover-from-two': 'each removal tried stops the plant from showing; the budget ends in delta debugging',
  // The AZ b outage makes a PG 0 write need all four of a:1, a:2, c:1, c:2, and the 200 ms cut of
  // c:1 opens the hole (docs/plants.md): removing either pair stops the plant from showing. The
  // rest of the budget goes to halving the fault windows; with 12 runs the commit rate halves.
  'vcl-ignores-holes': 'both fault pairs are needed; the budget ends while halving windows',
  // The cut from PG 1 and the writer crash make recovery's cut land inside an MTR (docs/plants.md);
  // with 12 runs the commit rate falls from 500/s to 62/s.
  'truncate-at-vcl': 'each removal tried stops the plant from showing; the budget ends while halving windows',
  // The convergence judge is judged at the end, so no run stops early; the one crash-and-restart
  // pair is what leaves the hole that gossip would fill, and the budget goes to halving its window.
  'no-gossip': 'the one fault pair is needed; the budget ends while halving its window',
  // Convergence again, judged at the end of a 45 s run; the faults stage the recovery whose
  // truncation range the segments must apply (docs/plants.md).
  'no-truncation-range': 'the faults stage the recovery; the budget ends before the workload',
};

/** The plants at even (0) or odd (1) positions of PLANT_NAMES. */
export function plantsAt(parity: 0 | 1): PlantName[] {
  return PLANT_NAMES.filter((_, index) => index % 2 === parity);
}

/** Declares the found-and-shrunk test of each of `plants`. */
export function describeFoundAndShrunk(plants: readonly PlantName[]): void {
  describe('Planted mistakes: found and shrunk', () => {
  it.each(plants.map((name) => [name]))('%s', (plant) => {
    const finder = PLANT_FINDERS[plant];
    const judge = finder.judges[0]!;
    const original = finderScenario(plant);
    const found = runScenarioCheck(original, finder.seed, { plant, stopAt: { invariant: judge } });
    expect(found.report.plant).toBe(plant);
    expect(found.violations.map((violation) => violation.invariant)).toContain(judge);

    const shrunk = shrinkFinder(plant);
    expect(shrunk.runs).toBeLessThanOrEqual(SHRINK_RUNS);
    expect(shrunk.invariant).toBe(judge);
    // (a) The shrunk scenario, as its replay line carries it, fails the same judge with the plant.
    const replayed = parseScenario(JSON.parse(JSON.stringify(shrunk.scenario)), 'shrunk scenario');
    const again = runScenarioCheck(replayed, finder.seed, { plant, stopAt: { invariant: judge } });
    expect(again.report.plant).toBe(plant);
    expect(again.violations.map((violation) => violation.invariant)).toContain(judge);

    // (b) Never larger.
    const before = sizeOf(original);
    const after = sizeOf(shrunk.scenario);
    expect(after.faults).toBeLessThanOrEqual(before.faults);
    expect(after.commitsPerS).toBeLessThanOrEqual(before.commitsPerS);
    expect(after.clients).toBeLessThanOrEqual(before.clients);
    expect(after.workloadMs).toBeLessThanOrEqual(before.workloadMs);
    expect(after.durationMs).toBeLessThanOrEqual(before.durationMs);
    const smaller = after.faults < before.faults || after.commitsPerS < before.commitsPerS || after.clients < before.clients || after.workloadMs < before.workloadMs;
    if (NOTHING_REMOVED_WITHIN_BUDGET[plant] === undefined) {
      expect(smaller).toBe(true);
    } else {
      expect(smaller).toBe(false);
      expect(shrunk.removedFaults).toEqual([]);
    }
  });
});
}
