/**
 * The library surface (docs/simulation-guide.md, "In code"): createSimulation by name or object,
 * the xstate inspect hook reaching every actor, the deterministic inspection recorder, and the rxjs
 * streams.
 */
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { ScenarioError, createSimulation, findScenario, withOverrides } from '../../src/index.js';

const small = withOverrides(findScenario('steady-state')!, { topology: { pgCount: 1 }, workload: { commitsPerS: 100 }, durationMs: 300 });

describe('Library: createSimulation', () => {
  it('runs a built-in scenario by name and reports it', () => {
    const sim = createSimulation({ seed: 42, scenario: 'steady-state' });
    sim.runFor(200);
    const report = sim.report();
    expect(report.scenario).toBe('steady-state');
    expect(report.seed).toBe(42);
    expect(report.simulatedMs).toBe(200);
    expect(report.commits.acknowledged).toBeGreaterThan(50);
  });

  it('rejects an unknown scenario name with a ScenarioError naming the allowed ones', () => {
    expect(() => createSimulation({ seed: 1, scenario: 'nope' })).toThrow(ScenarioError);
    expect(() => createSimulation({ seed: 1, scenario: 'nope' })).toThrow(/built-in scenarios: steady-state, az-outage/);
  });

  it('hands the standard inspect hook to every actor', () => {
    const seen = new Set<string>();
    const sim = createSimulation({ seed: 1, scenario: small, inspect: (event: InspectionEvent) => void seen.add((event.actorRef as unknown as { id: string }).id) });
    sim.run();
    for (const id of sim.host.ids()) expect(seen.has(id), id).toBe(true);
  });

  it('records inspection events as the same JSON lines for one seed, with systemIds and virtual time', () => {
    const lines = () => {
      const sim = createSimulation({ seed: 5, scenario: small, recordInspection: {} });
      sim.run();
      return sim.inspection!.lines;
    };
    const first = lines();
    expect(first.length).toBeGreaterThan(1_000);
    expect(lines()).toEqual(first);
    const parsed = first.map((line) => JSON.parse(line));
    expect(new Set(parsed.map((entry) => entry.kind))).toEqual(new Set(['event', 'snapshot']));
    expect(parsed.some((entry) => entry.actor === 'seg:pg0:us-east-1a:1')).toBe(true);
    expect(first.join('\n')).not.toMatch(/"x:\d+"/);
  });

  it('streams the redo records, VDL advances and client history on the virtual clock', () => {
    const sim = createSimulation({ seed: 2, scenario: small });
    const vdls: number[] = [];
    let redoRecords = 0;
    let oks = 0;
    sim.streams.vdl$.subscribe((vdl) => vdls.push(vdl));
    sim.streams.redo$.subscribe((records) => (redoRecords += records.length));
    sim.streams.history$.subscribe((entry) => (oks += entry.type === 'ok' ? 1 : 0));
    sim.run();
    expect(vdls.length).toBeGreaterThan(10);
    expect(vdls).toEqual([...vdls].sort((a, b) => a - b));
    expect(redoRecords).toBe(sim.writer().state.tracker.maxAllocatedLsn);
    expect(oks).toBe(sim.report().commits.acknowledged);
  });
});
