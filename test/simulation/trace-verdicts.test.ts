/**
 * `verdict` events in a simulation's trace (docs/trace-format.md, `verdict`): with `traceVerdicts`
 * a judge's first violation is written right after the step that caused it, once, with its
 * message; `recordFinalVerdicts` writes every judge of the report, in its order. Verdicts only
 * observe: the same run with and without them has the same traceHash, event count and report.
 * A 300 ms run of lal-under-load with the planted ack-before-vdl (docs/plants.md) breaks S5 within
 * milliseconds, so the file stays cheap.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';

const lal = findScenario('lal-under-load');
if (lal === undefined) throw new Error('no lal-under-load scenario');
const failing = { ...lal, durationMs: 300, workload: { ...lal.workload, stopMs: 300 } };

function traced(traceVerdicts: boolean): { sim: Simulation; lines: string[] } {
  const lines: string[] = [];
  const sim = new Simulation({ seed: 1, scenario: failing, plant: 'ack-before-vdl', trace: { keepEvents: false, sink: (line) => lines.push(line) }, history: { keepEntries: false }, traceVerdicts });
  sim.run();
  return { sim, lines };
}

describe('Simulation: verdicts in the trace', () => {
  const plain = traced(false);
  const judged = traced(true);
  const plainReport = plain.sim.report();
  const report = judged.sim.report();
  judged.sim.recordFinalVerdicts(report);
  const parsed = judged.lines.map((line) => JSON.parse(line) as { kind: string; atMs: number; invariant?: string; ok?: boolean; final?: boolean; violations?: number; message?: string });

  it('the run is the same with verdicts: same traceHash, event count and report; the other lines are the same bytes', () => {
    expect(plainReport.invariants.some((result) => !result.ok)).toBe(true);
    expect(report.traceHash).toBe(plainReport.traceHash);
    expect(report.traceEvents).toBe(plainReport.traceEvents);
    expect(report).toEqual(plainReport);
    expect(judged.lines.filter((_, index) => parsed[index]?.kind !== 'verdict')).toEqual(plain.lines);
  });

  it('writes each failed judge once, ok: false, right after the event of the step that failed it, with its first violation', () => {
    const online = parsed.flatMap((event, index) => (event.kind === 'verdict' && event.final !== true ? [{ event, index }] : []));
    const failed = report.invariants.filter((result) => !result.ok);
    // Judges that fail only when results are read (the eventually bounds) have no online verdict.
    const streamed = failed.filter((result) => result.kind === 'always');
    expect(streamed.length).toBeGreaterThan(0);
    expect(online.map(({ event }) => event.invariant).sort()).toEqual(streamed.map((result) => result.name).sort());
    for (const { event, index } of online) {
      const result = report.invariants.find((candidate) => candidate.name === event.invariant);
      expect(event.ok).toBe(false);
      expect(event.message).toBe(result?.firstViolations[0]?.message);
      expect(event.atMs).toBe(result?.firstViolations[0]?.atMs);
      // Before it: the step's events, or the verdicts of other judges failed by the same step.
      let before = index - 1;
      while (parsed[before]?.kind === 'verdict') before--;
      expect(before).toBeGreaterThanOrEqual(0);
      expect(parsed[before]?.atMs).toBe(event.atMs);
    }
    const s5 = online.find(({ event }) => event.invariant === 'S5 commit rule');
    expect(s5).toBeDefined();
  });

  it('ends with one final verdict per judge of the report, in its order, with its count', () => {
    const finals = parsed.filter((event) => event.kind === 'verdict' && event.final === true);
    expect(finals).toHaveLength(report.invariants.length);
    expect(parsed.slice(-finals.length)).toEqual(finals);
    expect(finals.map((event) => [event.invariant, event.ok, event.violations, event.atMs])).toEqual(report.invariants.map((result) => [result.name, result.ok, result.violations, report.simulatedMs]));
    for (const [index, event] of finals.entries()) {
      const result = report.invariants[index];
      expect(event.message).toBe(result?.ok === false ? result.firstViolations[0]?.message : undefined);
    }
    expect(finals.some((event) => event.ok === false)).toBe(true);
  });
});
