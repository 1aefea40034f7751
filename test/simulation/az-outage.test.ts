/**
 * Volume: losing a whole AZ costs no write availability (SIGMOD'17 §2.1): with 4 of 6 segments of
 * every PG left, writes continue and commit latency stays close to steady state.
 */
import { describe, expect, it } from 'vitest';
import { commitLatenciesMs, quantile } from '../../src/simulation/report.js';
import { withOverrides } from '../../src/scenarios/builtin.js';
import { entryTimeMs } from '../../src/cluster/history.js';
import { WRITE_STALL_MS } from '../../src/simulation/metrics.js';
import { expectSafe, runScenario, scenario } from './helpers.js';

describe('Volume: AZ loss', () => {
  const seed = 11;
  const steady = runScenario(scenario('steady-state'), seed);
  const outage = runScenario(scenario('az-outage'), seed);

  it('steady-state: every judge passes and nearly every transaction commits', () => {
    expectSafe(steady.report);
    expect(steady.report.commits.acknowledged).toBeGreaterThan(0.95 * steady.report.commits.attempted);
    expect(steady.report.writeStalls).toEqual([]);
  });

  it('az-outage: us-east-1b out from 3 s to 7 s: writes never stall and nothing acknowledged is lost', () => {
    expectSafe(outage.report);
    expect(outage.report.writeStalls).toEqual([]);
    expect(outage.report.commits.unknown).toBe(0);
    // Commits keep being acknowledged throughout the outage window.
    expect(commitLatenciesMs(outage.sim, 3_000, 7_000).length).toBeGreaterThan(1_000);
  });

  it('az-outage: commit p99 during the outage stays within twice the steady-state p99', () => {
    const steadyP99 = quantile(commitLatenciesMs(steady.sim, 3_000, 7_000), 0.99);
    const outageP99 = quantile(commitLatenciesMs(outage.sim, 3_000, 7_000), 0.99);
    expect(outageP99).toBeLessThan(2 * steadyP99);
  });

  it('az-outage: segments of the recovered AZ catch up by gossip', () => {
    expect(outage.report.storage.recordsViaGossip).toBeGreaterThan(steady.report.storage.recordsViaGossip);
    for (const id of outage.sim.topology.membersByPg[0]!.filter((member) => member.includes('us-east-1b'))) {
      expect(outage.sim.segment(id).stats.recordsFromGossip).toBeGreaterThan(0);
    }
  });
});

describe('Write stalls under a light load', () => {
  it('a quiet spell between commits is not a stall, an AZ+1 that leaves writes waiting still is', () => {
    const light = runScenario(withOverrides(scenario('steady-state'), { workload: { commitsPerS: 3 }, durationMs: 6_000 }), 2);
    expectSafe(light.report);
    // Not vacuous: commits came far more than WRITE_STALL_MS apart, with no write waiting between.
    const ackTimes = light.sim.history.entries.filter((entry) => entry.type === 'ok').map(entryTimeMs);
    const gapsMs = ackTimes.slice(1).map((t, i) => t - ackTimes[i]!);
    expect(gapsMs.filter((gap) => gap >= WRITE_STALL_MS).length).toBeGreaterThan(5);
    expect(light.report.writeStalls).toEqual([]);

    const stalled = runScenario(withOverrides(scenario('az-plus-one'), { workload: { commitsPerS: 3 } }), 7);
    expect(stalled.report.writeStalls.some((stall) => stall.toMs - stall.fromMs > 1_000)).toBe(true);
  });
});
