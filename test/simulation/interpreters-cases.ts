/**
 * The cases of the deep interpreter check (every built-in scenario at three seeds), split in two
 * halves so the two deep files run side by side on two workers: a file's tests run one after
 * another, and one file holding every case made the deep suite as long as it alone.
 */
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtin.js';
import type { Scenario } from '../../src/cluster/scenario.js';

const SEEDS = [1, 2, 3];

/** Every (scenario, seed) case, alternating between the halves so long scenarios spread over both. */
export function interpreterCases(half: 0 | 1): (readonly [string, number, Scenario])[] {
  const cases = BUILTIN_SCENARIOS.flatMap((scenario) => SEEDS.map((seed) => [scenario.name, seed, scenario] as const));
  return cases.filter((_, index) => index % 2 === half);
}
