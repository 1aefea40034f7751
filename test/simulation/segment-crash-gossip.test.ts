/**
 * Storage: gossip repair (docs/protocol.md §6, gossip, repair and GC). A segment that crashed
 * misses records; after restart, new writes reach it but its SCL cannot pass the hole until peers'
 * gossip fills it. It ends complete to the same point as its peers.
 */
import { describe, expect, it } from 'vitest';
import { sclOf } from '../../src/protocol/segment-store.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe, scenario } from './helpers.js';

describe('Storage: segment crash and gossip repair', () => {
  const crashed = 'seg:pg1:us-east-1b:1';
  const sim = new Simulation({ seed: 3, scenario: scenario('segment-crash-gossip'), trace: { keepEvents: false } });

  it('has a hole while down: its SCL lags the PG while peers advance', () => {
    sim.runFor(4_000);
    const peers = sim.topology.membersByPg[1]!.filter((id) => id !== crashed);
    const lagging = sclOf(sim.segment(crashed).store);
    expect(Math.min(...peers.map((id) => sclOf(sim.segment(id).store)))).toBeGreaterThan(lagging);
  });

  it('catches up by gossip to the PG after restart', () => {
    sim.run();
    // Let in-flight writes land after the workload stops.
    sim.runFor(500);
    const peers = sim.topology.membersByPg[1]!.filter((id) => id !== crashed);
    const peerScl = Math.max(...peers.map((id) => sclOf(sim.segment(id).store)));
    expect(sclOf(sim.segment(crashed).store)).toBe(peerScl);
    expect(sim.segment(crashed).stats.recordsFromGossip).toBeGreaterThan(100);
    expectSafe(sim.report());
  });
});
