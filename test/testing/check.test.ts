/**
 * checkScenario and runScenarioCheck on tiny runs (200 virtual ms): a passing property passes; a
 * failing one throws a message with the shrunk plan and a replay line that is a valid scenario
 * file, which replays to the same verdict.
 */
import { findScenario } from '../../src/scenarios/builtin.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/cluster/scenario.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { checkScenario, replayLine, runScenarioCheck, scenario, shellQuote, smallScenario } from '../../src/testing/index.js';

const tiny: Scenario = { ...smallScenario(), durationMs: 200, workload: { ...smallScenario().workload, commitsPerS: 10, stopMs: 200 } };

/** The JSON a replay line carries, read back as a shell would (the quotes undone). */
function scenarioOfLine(line: string): unknown {
  const match = /--scenario '(.*)'$/.exec(line);
  if (match === null) throw new Error(`no quoted scenario in ${line}`);
  return JSON.parse(match[1]!.replaceAll(`'\\''`, `'`));
}

describe('Testing: checkScenario', () => {
  it('passes when every run passes every judge (a clean run is ok, with no violations)', () => {
    const result = runScenarioCheck(tiny, 1);
    expect(result).toMatchObject({ ok: true, violations: [] });
    expect(result.report.seed).toBe(1);
    expect(() => checkScenario(scenario({ base: tiny, healByMs: 150 }), { numRuns: 2, seed: 1 })).not.toThrow();
  });

  it('fails with the shrunk plan and a replay line that replays the same run', () => {
    // A failure predicate on the plan, so the property fails honestly and shrinks cheaply: any AZ outage.
    let message = '';
    try {
      checkScenario(scenario({ base: tiny, families: ['az-outage', 'segment-crash'], healByMs: 150 }), {
        numRuns: 20,
        seed: 2,
        runSeeds: fc.integer({ min: 0, max: 1000 }),
        isFailure: (_result, s) => s.faults.some((f) => f.kind === 'azOutage'),
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^scenario check failed: seed \d+ \(fast-check seed 2, \d+ shrinks\)/);
    // Shrunk: the AZ outage and its recovery only, the seed shrunk to 0, the shortest window.
    expect(message).toContain('faults (2)');
    expect(message).toMatch(/"kind":"azOutage"/);
    const line = message.split('\n').find((l) => l.startsWith('replay: '))!.slice('replay: '.length);
    expect(line).toMatch(/^npx aurora-actors replay --seed 0 --scenario '/);
    const replayed = parseScenario(scenarioOfLine(line), 'replay line');
    expect(replayed.faults.map((f) => f.kind)).toEqual(['azOutage', 'azRecover']);
    expect(replayed.faults[1]!.atMs - replayed.faults[0]!.atMs).toBe(50);
  });

  it('quotes for the shell so a scenario name with a quote survives', () => {
    const named = { ...tiny, name: "it's tiny" };
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(scenarioOfLine(replayLine(named, 9))).toEqual(named);
    expect(replayLine(named, 9, { scenarioPath: 'tiny.json' })).toBe('npx aurora-actors replay --seed 9 --scenario tiny.json');
  });

  it('names a built-in scenario left as it is, and spells out one that was changed', () => {
    const builtin = findScenario('az-plus-one')!;
    expect(replayLine(builtin, 3, { plant: 'no-gossip' })).toBe('npx aurora-actors replay --seed 3 --scenario az-plus-one --plant no-gossip');
    const changed = { ...builtin, durationMs: builtin.durationMs - 1 };
    expect(scenarioOfLine(replayLine(changed, 3))).toEqual(changed);
  });
});
