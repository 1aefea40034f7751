/**
 * Planted mistakes (docs/plants.md), the deep part (`npm run test:deep`): every command
 * `aurora-actors plants` lists exits 1 with the listed judge failing, and each of their scenarios
 * runs clean without a plant at the same seed. Then a budget per mistake: within seeds 1–3 of its
 * scenario, every seed finds it (the budget is 1 seed; the others show it is no accident of seed 1).
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { PLANT_FINDERS, plantCommandArgv } from '../../src/cli/plants.js';
import { PLANT_NAMES } from '../../src/protocol/plants.js';
import type { PlantName } from '../../src/protocol/plants.js';
import { findScenario } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';

const quiet = { out: () => {}, err: () => {} };

/** The report's failing judges for one run. */
async function failingJudges(argv: string[]): Promise<{ code: number; failing: string[] }> {
  let out = '';
  const code = await main([...argv, '--json'], { out: (text) => void (out += text), err: () => {} });
  const report = JSON.parse(out) as { invariants: { name: string; ok: boolean }[] };
  return { code, failing: report.invariants.filter((result) => !result.ok).map((result) => result.name) };
}

/** Whether `plant` is found at `seed` of its scenario. */
function found(plant: PlantName, seed: number): boolean {
  const sim = new Simulation({ seed, scenario: findScenario(PLANT_FINDERS[plant].scenario)!, plant, trace: { keepEvents: false }, history: { keepEntries: false } });
  sim.run();
  const report = sim.report();
  return report.commits.lostAcknowledged > 0 || report.invariants.some((result) => !result.ok);
}

describe('Planted mistakes: every listed command finds its mistake', () => {
  it.each(PLANT_NAMES.map((name) => [name]))('%s', async (plant) => {
    const { code, failing } = await failingJudges(plantCommandArgv(plant));
    expect(code).toBe(1);
    expect(failing).toContain(PLANT_FINDERS[plant].judges[0]);
  });

  const scenarios = [...new Set(PLANT_NAMES.map((name) => `${PLANT_FINDERS[name].scenario} ${PLANT_FINDERS[name].seed}`))];
  it.each(scenarios.map((entry) => entry.split(' ')))('%s at seed %s is clean without a plant', async (scenario, seed) => {
    expect(await main(['run', scenario!, '--seed', seed!], quiet)).toBe(0);
  });

  it.each(PLANT_NAMES.map((name) => [name]))('%s is found at seeds 2 and 3 too', (plant) => {
    expect([found(plant, 2), found(plant, 3)]).toEqual([true, true]);
  });
});
