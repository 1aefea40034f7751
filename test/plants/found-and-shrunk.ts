/**
 * The "Found and shrunk" figures of docs/plants.md: for every planted mistake, in how many of
 * seeds 1–5 a seeded simulation run of its finder scenario finds it (one of the judges
 * `PLANT_FINDERS` names fails), and how far `shrinkFailure` shrinks the finder's run with a stated
 * budget of runs (faults and workload before → after). test/plants/shrink-cases.ts asserts
 * the shrinking; this script prints the table:
 *
 *   npx tsx test/plants/found-and-shrunk.ts [--runs N]   (default 6 runs per mistake)
 */
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../../src/cluster/scenario.js';
import { PLANT_FINDERS } from '../../src/cli/plants.js';
import { PLANT_NAMES } from '../../src/protocol/plants.js';
import type { PlantName } from '../../src/protocol/plants.js';
import { findScenario } from '../../src/scenarios/builtin.js';
import { runScenarioCheck, shrinkFailure } from '../../src/testing/index.js';
import type { ShrinkResult } from '../../src/testing/index.js';

/** Shrinker runs per mistake, counting the first: the budget test/plants/shrink-cases.ts states. */
export const SHRINK_RUNS = 6;

/** Seeds the table counts finds over. */
export const FIND_SEEDS = [1, 2, 3, 4, 5] as const;

/** The finder scenario of `plant` (a built-in, `PLANT_FINDERS`). */
export function finderScenario(plant: PlantName): Scenario {
  const { scenario } = PLANT_FINDERS[plant];
  const found = findScenario(scenario);
  if (found === undefined) throw new Error(`PLANT_FINDERS.${plant}.scenario: no built-in scenario named "${scenario}"`);
  return found;
}

/**
 * Whether `seed` of `plant`'s finder scenario finds it: some judge `PLANT_FINDERS` names fails.
 * The run stops once the first named judge has failed (the rest of the run cannot undo that).
 */
export function foundAt(plant: PlantName, seed: number): boolean {
  const { judges } = PLANT_FINDERS[plant];
  const result = runScenarioCheck(finderScenario(plant), seed, { plant, stopAt: { invariant: judges[0]! } });
  return result.violations.some((violation) => judges.includes(violation.invariant));
}

/** Shrinks the finder run of `plant`, keeping its first named judge failing, in at most `maxRuns` runs. */
export function shrinkFinder(plant: PlantName, maxRuns: number = SHRINK_RUNS): ShrinkResult {
  const { seed, judges } = PLANT_FINDERS[plant];
  return shrinkFailure({ scenario: finderScenario(plant), seed, plant }, undefined, { maxRuns, invariant: judges[0]! });
}

/** A scenario's size as the table gives it: faults, then commits/s × clients over the workload's window. */
export function sizeOf(scenario: Scenario): { faults: number; commitsPerS: number; clients: number; workloadMs: number; durationMs: number } {
  const { workload } = scenario;
  return { faults: scenario.faults.length, commitsPerS: workload.commitsPerS, clients: workload.clients, workloadMs: workload.stopMs - workload.startMs, durationMs: scenario.durationMs };
}

function workloadText(size: ReturnType<typeof sizeOf>): string {
  return `${size.commitsPerS}/s × ${size.clients} for ${size.workloadMs} ms`;
}

/** The table, one row per mistake, in the order of src/protocol/plants.ts. */
function table(maxRuns: number): string {
  const rows = PLANT_NAMES.map((plant) => {
    const finder = PLANT_FINDERS[plant];
    const found = FIND_SEEDS.filter((seed) => foundAt(plant, seed)).length;
    const shrunk = shrinkFinder(plant, maxRuns);
    const before = sizeOf(finderScenario(plant));
    const after = sizeOf(shrunk.scenario);
    return `| \`${plant}\` | \`${finder.scenario}\`, seed ${finder.seed} | ${found} of ${FIND_SEEDS.length} | ${finder.judges[0]} | ${before.faults} → ${after.faults} | ${workloadText(before)} → ${workloadText(after)} | ${before.durationMs} → ${after.durationMs} ms | ${shrunk.runs} |`;
  });
  return [
    '| Mistake | Engine: seeded run of | Seeds 1–5 that find it | Judge kept failing | Faults | Workload | Run | Shrinker runs |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = process.argv.indexOf('--runs');
  const text = flag < 0 ? undefined : process.argv[flag + 1];
  const maxRuns = text === undefined ? SHRINK_RUNS : Number(text);
  if (!Number.isSafeInteger(maxRuns) || maxRuns < 1) throw new Error(`--runs must be an integer >= 1, got "${text ?? ''}"`);
  process.stdout.write(table(maxRuns) + '\n');
}
