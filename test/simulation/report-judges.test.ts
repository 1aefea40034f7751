/**
 * Report: every judge appears in every report, once. A judge with nothing to judge in a scenario
 * (no replicas, no membership change, no page read from storage) says `vacuous: true` rather than
 * dropping out, so reports of different scenarios list the same judges, and S1–S23 are all there.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';

/** The judge's id: `S8a` of `S8a fenced segments persist no old-epoch writes`, else its name. */
const idOf = (name: string): string => /^(S\d+[a-z]?) /.exec(name)?.[1] ?? name;

describe('Report: the judges', () => {
  // A short stretch of each built-in is enough: the list of judges does not depend on what ran.
  const reports = BUILTIN_SCENARIOS.map((scenario) => {
    const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } });
    sim.runFor(50);
    return { name: scenario.name, report: sim.report() };
  });
  const names = reports[0]!.report.invariants.map((result) => result.name);

  it('lists every numbered judge S1 to S23 once, under unique names and ids', () => {
    expect(new Set(names).size).toBe(names.length);
    const ids = names.map(idOf);
    expect(new Set(ids).size).toBe(ids.length);
    const numbers = new Set(ids.flatMap((id) => /^S(\d+)/.exec(id)?.slice(1) ?? []).map(Number));
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(names).toContain('no lost acknowledged commit');
  });

  it.each(reports.map(({ name }) => [name]))('%s: the same judges as every other scenario, each with a vacuous flag', (name) => {
    const { report } = reports.find((entry) => entry.name === name)!;
    expect(report.invariants.map((result) => result.name)).toEqual(names);
    for (const result of report.invariants) expect(typeof result.vacuous).toBe('boolean');
  });

  it('marks a judge that had nothing to judge as vacuous: S12 without replicas, S15 without a membership change, S17 and S18 without a Global Database, S19 without a multi-writer cluster, S21 without Serverless v2, S23 without a security section', () => {
    const { report } = reports.find((entry) => entry.name === 'steady-state')!;
    for (const name of ['S17 secondaries hold a prefix of the primary', 'S18 no commit after a successful global fence', 'S19 at most one approved change per page version', 'S21 serverless capacity', 'S23 statements only on accepted connections']) {
      expect(report.invariants.find((result) => result.name === name)).toMatchObject({ ok: true, vacuous: true });
    }
    expect(report.invariants.find((result) => result.name === 'S12 replica visibility')).toMatchObject({ ok: true, vacuous: true });
    expect(report.invariants.find((result) => result.name === 'S15 membership')).toMatchObject({ ok: true, vacuous: true });
  });
});
