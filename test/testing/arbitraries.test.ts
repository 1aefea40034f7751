/**
 * The scenario arbitraries: every generated scenario is a valid scenario file (it survives a JSON
 * round trip through the schema unchanged), and under the AZ+1 budget no moment has more than one
 * AZ out plus one more segment of any PG, with every fault healed by `healByMs`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FaultSpec, Scenario } from '../../src/cluster/scenario.js';
import { resolveTopology } from '../../src/cluster/topology.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { FAULT_FAMILIES, faultPlan, scenario, smallScenario, workload } from '../../src/testing/index.js';

/** Segments of each PG out at `atMs` beyond a failed AZ's, and the AZs out, replaying the plan. */
function outAt(s: Scenario, atMs: number): { azs: Set<string>; extraByPg: Map<number, number> } {
  const topology = resolveTopology(s.topology, s.workload.clients);
  const azs = new Set<string>();
  const segments = new Set<string>();
  const nodes = new Set<string>();
  const isolated = new Set<string>();
  for (const f of s.faults.filter((fault) => fault.atMs <= atMs)) apply(f, azs, segments, nodes, isolated);
  const extraByPg = new Map<number, number>();
  for (const seg of topology.segments) {
    if (azs.has(seg.azId)) continue;
    if (segments.has(seg.id) || nodes.has(seg.node) || isolated.has(seg.id)) extraByPg.set(seg.pg, (extraByPg.get(seg.pg) ?? 0) + 1);
  }
  return { azs, extraByPg };
}

function apply(f: FaultSpec, azs: Set<string>, segments: Set<string>, nodes: Set<string>, isolated: Set<string>): void {
  if (f.kind === 'azOutage') azs.add(f.az);
  if (f.kind === 'azRecover') azs.delete(f.az);
  if (f.kind === 'segmentCrash') segments.add(f.segment);
  if (f.kind === 'segmentRestart') segments.delete(f.segment);
  if (f.kind === 'nodeCrash') nodes.add(f.node);
  if (f.kind === 'nodeRestart') nodes.delete(f.node);
  if (f.kind === 'partition') for (const name of f.sideA) isolated.add(name);
  if (f.kind === 'heal') isolated.clear();
}

describe('Testing: arbitraries', () => {
  it('generate scenarios that pass the scenario schema unchanged after a JSON round trip (property)', () => {
    fc.assert(
      fc.property(scenario({ families: FAULT_FAMILIES, budget: 'beyond', maxFaults: 4 }), (s) => {
        expect(parseScenario(JSON.parse(JSON.stringify(s)), 'generated')).toEqual(s);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('stay within AZ+1 at every fault time and heal by healByMs (property)', () => {
    const base = { ...smallScenario(), topology: { ...smallScenario().topology, pgCount: 2 } };
    fc.assert(
      fc.property(scenario({ base, families: FAULT_FAMILIES, maxFaults: 4, healByMs: 600 }), (s) => {
        for (const { atMs } of s.faults) {
          const { azs, extraByPg } = outAt(s, atMs);
          expect(azs.size).toBeLessThanOrEqual(1);
          expect(azs.has(s.topology.writerAz)).toBe(false);
          for (const count of extraByPg.values()) expect(count).toBeLessThanOrEqual(1);
        }
        const end = outAt(s, 600);
        expect(end.azs.size + end.extraByPg.size).toBe(0);
        expect(s.faults.every((f) => f.atMs <= 600)).toBe(true);
      }),
      { numRuns: 100, seed: 12 },
    );
  });

  it('can go beyond the budget when asked (an AZ out plus two segments of one PG at once)', () => {
    const beyond = fc.sample(scenario({ budget: 'beyond', families: ['az-outage', 'segment-crash'], maxFaults: 3 }), { numRuns: 300, seed: 13 });
    const over = beyond.some((s) => s.faults.some(({ atMs }) => [...outAt(s, atMs).extraByPg.values()].some((n) => n >= 2) && outAt(s, atMs).azs.size === 1));
    expect(over).toBe(true);
  });

  it('shrink towards no faults, no loss and the lowest rate', () => {
    // A property every value fails: fast-check's shrinking must reach the smallest value.
    const plan = shrunk(faultPlan({ families: FAULT_FAMILIES }), () => false);
    expect(plan).toEqual({ faults: [], lossRatio: 0 });
    const load = shrunk(workload({ commitsPerSMin: 5, commitsPerSMax: 50 }), () => false);
    expect(load).toMatchObject({ commitsPerS: 5, clients: 1, putsPerTxn: 1, getsPerTxn: 0, keys: 1 });
  });

  it('refuse impossible constraints with a message naming the field', () => {
    expect(() => faultPlan({ healByMs: 5_000 })).toThrow(/healByMs must be in \(0, durationMs = 1000\]/);
    expect(() => faultPlan({ windowMsMin: 500, windowMsMax: 100 })).toThrow(/windowMsMin must be >= 1 and <= windowMsMax/);
    expect(() => faultPlan({ families: ['meteor' as never] })).toThrow(/families must list only az-outage/);
  });
});

/** The counterexample fast-check shrinks to when `holds` is false for every value but the minimal ones. */
function shrunk<T>(arb: fc.Arbitrary<T>, holds: (value: T) => boolean): T {
  const details = fc.check(fc.property(arb, holds), { numRuns: 200, seed: 5 });
  if (!details.failed || details.counterexample === null) throw new Error('expected a counterexample');
  return details.counterexample[0];
}
