/**
 * The fault injector's partitions: a side may name AZs and regions, which stand for every endpoint
 * placed there when the partition applies (storage nodes, segments, instances, the metadata
 * service, both control planes, clients, the failure-domain actors); an endpoint both sides cover
 * stays on the side that named it more specifically.
 */
import { describe, expect, it } from 'vitest';
import { partitionSides } from '../../src/cluster/faults.js';
import type { FaultSpec } from '../../src/cluster/scenario.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { ScenarioError } from '../../src/scenarios/schema.js';
import { Simulation } from '../../src/simulation/simulation.js';

type Partition = Extract<FaultSpec, { kind: 'partition' }>;

const small = (faults: FaultSpec[] = [], durationMs = 600) =>
  withOverrides(findScenario('steady-state')!, { topology: { pgCount: 2, replicas: [{ az: 'us-east-1b', tier: 1, sizeAcu: 16 }] }, workload: { commitsPerS: 200, clients: 4 }, faults, durationMs });

/** Every network endpoint of a built simulation, with the AZ and region it is placed in. */
function placements(sim: Simulation): { id: string; azId: string; regionId: string }[] {
  const ids = [...sim.host.ids(), ...sim.topology.clients.map((client) => client.id)];
  return ids.map((id) => ({ id, ...sim.kernel.network.localityOf(id)! }));
}

describe('Faults: partition sides', () => {
  const sim = new Simulation({ seed: 1, scenario: small() });
  const sides = (fault: Omit<Partition, 'atMs' | 'kind'>) => partitionSides(sim.kernel, sim.topology, { atMs: 0, kind: 'partition', ...fault });

  it('expands an AZ to every actor placed in it, the storage control plane included', () => {
    const { sideA } = sides({ sideA: ['us-east-1a'] });
    const inAz = placements(sim).filter((place) => place.azId === 'us-east-1a').map((place) => place.id);
    expect(new Set(sideA)).toEqual(new Set(inAz));
    // The writer's AZ holds the writer, the standby and the regional services (topology.ts).
    expect(sideA).toEqual(expect.arrayContaining(['inst:us-east-1:writer', 'inst:us-east-1:standby', 'metadata', 'control-plane', 'storage-control-plane', 'az:us-east-1a']));
    expect(sideA).toEqual(expect.arrayContaining(sim.topology.segments.filter((s) => s.azId === 'us-east-1a').map((s) => s.id)));
    expect(sideA).toEqual(expect.arrayContaining(sim.topology.nodes.filter((n) => n.azId === 'us-east-1a').map((n) => n.id)));
    expect(sideA).toEqual(expect.arrayContaining(sim.topology.clients.filter((c) => c.azId === 'us-east-1a').map((c) => c.id)));
    expect(sideA).not.toContain('inst:us-east-1:replica1');
  });

  it('expands a region to every endpoint placed in it', () => {
    const { sideA, sideB } = sides({ sideA: ['us-east-1'], sideB: ['us-east-1c'] });
    const all = placements(sim);
    expect(new Set(sideB)).toEqual(new Set(all.filter((place) => place.azId === 'us-east-1c').map((place) => place.id)));
    // The AZ named on the other side is the more specific name: its endpoints leave the region's side.
    expect(new Set(sideA)).toEqual(new Set(all.filter((place) => place.azId !== 'us-east-1c').map((place) => place.id)));
  });

  it('keeps an actor named by id on its own side when the other side names its AZ', () => {
    const { sideA, sideB } = sides({ sideA: ['us-east-1a'], sideB: ['storage-control-plane'] });
    expect(sideB).toEqual(['storage-control-plane']);
    expect(sideA).not.toContain('storage-control-plane');
    expect(sideA).toContain('control-plane');
  });
});

describe('Faults: a region partition cuts links', () => {
  it('drops the messages between the region and a client cut off from it, and only those', () => {
    const sim = new Simulation({ seed: 3, scenario: small([{ atMs: 200, kind: 'partition', sideA: ['us-east-1'], sideB: ['client:1'] }]) });
    sim.run();
    const drops = sim.kernel.trace.events.filter((event) => event.kind === 'drop' && event.reason === 'partition');
    expect(drops.length).toBeGreaterThan(0);
    for (const drop of drops) {
      if (drop.kind !== 'drop') continue;
      expect([drop.from, drop.to]).toContain('client:1');
      expect(drop.atMs).toBeGreaterThanOrEqual(200);
    }
    expect(sim.report().network.dropped).toBeGreaterThanOrEqual(drops.length);
  });

  it('refuses a region side without the other side, and regions or AZs that hold no actors', () => {
    expect(() => small([{ atMs: 200, kind: 'partition', sideA: ['us-east-1'] }])).toThrow(ScenarioError);
    expect(() => small([{ atMs: 200, kind: 'partition', sideA: ['us-east-1'] }])).toThrow(
      /faults\[0\]\.sideB must name the other side when sideA names the region us-east-1, which holds every actor/,
    );
    const twoRegions = { regions: [{ id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }, { id: 'us-west-2', azs: ['us-west-2a'] }] };
    const build = (name: string) =>
      withOverrides(findScenario('steady-state')!, { topology: twoRegions, faults: [{ atMs: 1, kind: 'partition', sideA: ['us-east-1a'], sideB: [name] }] });
    expect(() => build('us-west-2')).toThrow(/faults\[0\]\.sideB\[0\] must name an AZ with actors \(us-east-1a, us-east-1b, us-east-1c\), a region with actors \(us-east-1\) or an actor; no actor is placed in "us-west-2"/);
    expect(() => build('us-west-2a')).toThrow(/no actor is placed in "us-west-2a"/);
  });
});

describe('Faults: a partition covers endpoints that join while it holds', () => {
  /** Attaches a probe endpoint in `azId` and sends it one message from `from`; returns what arrived. */
  function probe(sim: Simulation, id: string, azId: string, from: string): unknown[] {
    const received: unknown[] = [];
    sim.kernel.network.attach(id, { regionId: sim.topology.regionId, azId }, (envelope) => received.push(envelope.message));
    sim.kernel.network.send(from, id, { type: 'probe' });
    sim.runFor(200);
    return received;
  }

  it('cuts a newcomer in a partitioned AZ off from the other side, and only while the partition holds', () => {
    const partition: FaultSpec = { atMs: 100, kind: 'partition', sideA: ['us-east-1a'], sideB: ['us-east-1b'] };
    const sim = new Simulation({ seed: 3, scenario: small([partition, { atMs: 1_000, kind: 'heal' }], 2_000) });
    sim.runFor(200);
    // A replacement segment placed in us-east-1a after the cut is on side A: us-east-1b cannot reach it.
    expect(probe(sim, 'probe:a', 'us-east-1a', 'az:us-east-1b')).toEqual([]);
    // The same AZ still talks to itself, and the AZ named on neither side is untouched.
    expect(probe(sim, 'probe:a2', 'us-east-1a', 'az:us-east-1a')).toHaveLength(1);
    expect(probe(sim, 'probe:c', 'us-east-1c', 'az:us-east-1b')).toHaveLength(1);
    sim.runFor(1_000);
    // After the heal a newcomer in us-east-1a is reachable again.
    expect(probe(sim, 'probe:a3', 'us-east-1a', 'az:us-east-1b')).toHaveLength(1);
  });
});
