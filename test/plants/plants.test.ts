/**
 * Planted mistakes (docs/plants.md), the cheap part: one short scenario (lal-under-load, 1.2
 * virtual seconds) finds two of them, and its plain run is clean; `plants` lists every mistake
 * with its command; `run --plant` refuses an unknown name and never passes off an undetected
 * plant as a clean run. Every listed command, and seeds beyond the listed one: plants.deep.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { PLANT_EXPLORER_FINDERS, PLANT_FINDERS, plantCommandArgv, plantExplorerArgv, plantListings } from '../../src/cli/plants.js';
import { PLANT_NAMES } from '../../src/protocol/plants.js';
import type { PlantName } from '../../src/protocol/plants.js';
import { findScenario } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';

/** Runs the CLI in-process; returns the exit code and what it wrote. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

/** The judges a run of lal-under-load at seed 1 fails, with `plant` on or off. */
function failingJudges(plant?: PlantName): string[] {
  const sim = new Simulation({ seed: 1, scenario: findScenario('lal-under-load')!, trace: { keepEvents: false }, history: { keepEntries: false }, ...(plant === undefined ? {} : { plant }) });
  sim.run();
  const report = sim.report();
  expect(report.plant).toBe(plant);
  return report.invariants.filter((result) => !result.ok).map((result) => result.name);
}

describe('Planted mistakes: the cheap ones', () => {
  it('lal-under-load is clean without a plant, and the writer does reach its LAL', async () => {
    const { code, out } = await cli('run', 'lal-under-load', '--seed', '1', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.plant).toBeUndefined();
    expect(report.writer.lalStalls).toBeGreaterThan(0);
  });

  it('write-quorum-3of6: a writer counting 3 of 6 acks is caught by S4, whose quorum is the judges\' own 4 of 6', () => {
    expect(failingJudges('write-quorum-3of6')).toContain('S4 VDL durability');
  });

  it.each(['no-lal'] as const)('%s: its listed command exits 1, naming the plant in the report', async (plant) => {
    expect(PLANT_FINDERS[plant].scenario).toBe('lal-under-load');
    const { code, out } = await cli(...plantCommandArgv(plant), '--json');
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.plant).toBe(plant);
    const failing = report.invariants.filter((result: { ok: boolean }) => !result.ok).map((result: { name: string }) => result.name);
    expect(failing).toContain(PLANT_FINDERS[plant].judges[0]);
  });

  it('an undetected plant says so on stderr and exits 4, not 0', async () => {
    // 200 virtual ms without faults: no recovery happens, so recover-from-two has nothing to break.
    const file = join(mkdtempSync(join(tmpdir(), 'plants-')), 'short.json');
    writeFileSync(file, JSON.stringify({ name: 'short', durationMs: 200, topology: { pgCount: 1 }, workload: { commitsPerS: 100 } }));
    const { code, out, err } = await cli('run', file, '--seed', '1', '--plant', 'recover-from-two');
    expect(code).toBe(4);
    expect(err).toMatch(/plant recover-from-two not detected in this run \(1 seed, 200 ms simulated\)/);
    expect(out).toMatch(/^PLANT {7}recover-from-two is on/);
    expect(out).toContain(`--plant recover-from-two`);
  });

  it.each(Object.keys(PLANT_EXPLORER_FINDERS) as PlantName[])('%s: the explorer finds it in tiny-volume, with the listed judges, states and path length', async (plant) => {
    const finder = PLANT_EXPLORER_FINDERS[plant]!;
    const { code, out } = await cli(...plantExplorerArgv(plant)!, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(out) as { uniqueStates: number; properties: { name: string; status: string; path?: unknown[] }[]; liveReplay: { matches: boolean } };
    const violated = report.properties.filter((property) => property.status === 'violated');
    expect(violated.map((property) => property.name)).toEqual(expect.arrayContaining([finder.judges[0]]));
    expect(report.uniqueStates).toBe(finder.states);
    expect(violated[0]?.path).toHaveLength(finder.choices);
    expect(report.liveReplay.matches).toBe(true);
  });

  it('refuses an unknown plant with exit 2 and the allowed names', async () => {
    const { code, err } = await cli('run', 'steady-state', '--plant', 'no-such-mistake');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    for (const name of PLANT_NAMES) expect(err).toContain(name);
  });

  it('plants --json lists every mistake once, with what it breaks, its judge and its command', async () => {
    const { code, out } = await cli('plants', '--json');
    expect(code).toBe(0);
    const listed = JSON.parse(out) as ReturnType<typeof plantListings>;
    expect(listed.map((entry) => entry.name)).toEqual(PLANT_NAMES);
    for (const entry of listed) {
      expect(entry.breaks.length).toBeGreaterThan(10);
      expect(entry.judges.length).toBeGreaterThan(0);
      expect(entry.command).toBe(`aurora-actors run ${entry.scenario} --plant ${entry.name} --seed ${entry.seed}`);
      expect(findScenario(entry.scenario)).toBeDefined();
      if (entry.explorerCommand !== undefined) expect(entry.explorerCommand).toMatch(new RegExp(`^aurora-actors explore tiny-volume --plant ${entry.name}`));
    }
    expect(listed.filter((entry) => entry.explorerCommand !== undefined).length).toBe(Object.keys(PLANT_EXPLORER_FINDERS).length);
  });
});
