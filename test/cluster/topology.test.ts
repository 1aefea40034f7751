/**
 * Topology resolution (docs/protocol.md §1, volumes and segments): every PG has 6 segments, 2 in
 * each of 3 AZs on 2 distinct nodes; fullTail puts one full and one tail segment in each AZ
 * (docs/protocol.md §13, M2); PGs spread evenly over nodes; ids follow the systemId scheme;
 * impossible topologies fail with a ScenarioError.
 */
import { describe, expect, it } from 'vitest';
import { resolveTopology } from '../../src/cluster/topology.js';
import type { ResolvedTopology, TopologySpec } from '../../src/cluster/scenario.js';
import { ScenarioError } from '../../src/scenarios/schema.js';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function spec(patch: Partial<TopologySpec> = {}): TopologySpec {
  return {
    regions: [{ id: 'us-east-1', azs: [...AZS] }],
    pgCount: 4,
    storageNodesPerAz: 4,
    segmentKinds: 'full',
    writerAz: 'us-east-1a',
    replicas: [],
    standby: true,
    blocksPerPg: 64,
    lal: 10_000_000,
    ...patch,
  };
}

/**
 * The per-PG placement rules broken anywhere in `topology`, as readable lines (empty when all
 * hold). Collected rather than asserted one by one so 6,400 PGs cost one assertion.
 */
function placementViolations(topology: ResolvedTopology, pgCount: number): string[] {
  const violations: string[] = [];
  const byId = Object.fromEntries(topology.segments.map((segment) => [segment.id, segment]));
  if (Object.keys(byId).length !== 6 * pgCount) violations.push(`${Object.keys(byId).length} distinct segments`);
  for (let pg = 0; pg < pgCount; pg++) {
    const members = (topology.membersByPg[pg] ?? []).map((id) => byId[id]);
    if (members.length !== 6) violations.push(`pg${pg}: ${members.length} members`);
    for (const az of topology.azs) {
      const inAz = members.filter((segment) => segment?.azId === az);
      if (inAz.length !== 2) violations.push(`pg${pg}/${az}: ${inAz.length} segments`);
      if (inAz[0]?.node === inAz[1]?.node) violations.push(`pg${pg}/${az}: both segments on ${inAz[0]?.node}`);
      for (const segment of inAz) {
        if (segment?.pg !== pg) violations.push(`${segment?.id}: pg ${segment?.pg}`);
        if (segment?.node.startsWith(`node:${az}:`) !== true) violations.push(`${segment?.id}: on ${segment?.node}`);
      }
    }
  }
  return violations;
}

describe('Topology: placement', () => {
  it('names segments, nodes, the writer and clients by the systemId scheme', () => {
    const topology = resolveTopology(spec({ pgCount: 2 }), 5);
    expect(topology.regionId).toBe('us-east-1');
    expect(topology.azs).toEqual(AZS);
    expect(topology.membersByPg[0]).toEqual([
      'seg:pg0:us-east-1a:1',
      'seg:pg0:us-east-1a:2',
      'seg:pg0:us-east-1b:1',
      'seg:pg0:us-east-1b:2',
      'seg:pg0:us-east-1c:1',
      'seg:pg0:us-east-1c:2',
    ]);
    expect(topology.segments[0]).toEqual({
      id: 'seg:pg0:us-east-1a:1',
      pg: 0,
      regionId: 'us-east-1',
      azId: 'us-east-1a',
      node: 'node:us-east-1a:1',
      kind: 'full',
    });
    expect(topology.nodes.map((node) => node.id)).toEqual(AZS.flatMap((az) => [1, 2, 3, 4].map((n) => `node:${az}:${n}`)));
    expect(topology.writer).toEqual({ id: 'inst:us-east-1:writer', azId: 'us-east-1a' });
    expect(topology.clients).toEqual([
      { id: 'client:1', azId: 'us-east-1a' },
      { id: 'client:2', azId: 'us-east-1b' },
      { id: 'client:3', azId: 'us-east-1c' },
      { id: 'client:4', azId: 'us-east-1a' },
      { id: 'client:5', azId: 'us-east-1b' },
    ]);
  });

  it.each([2, 3, 4, 5, 7])('puts 6 segments per PG, 2 per AZ on 2 distinct nodes, with %i nodes per AZ', (storageNodesPerAz) => {
    const topology = resolveTopology(spec({ pgCount: 13, storageNodesPerAz }), 1);
    expect(placementViolations(topology, 13)).toEqual([]);
  });

  it('keeps node segment lists and segment placements consistent', () => {
    const topology = resolveTopology(spec({ pgCount: 9, storageNodesPerAz: 3 }), 1);
    const fromNodes = topology.nodes.flatMap((node) => node.segments.map((id) => `${id}@${node.id}`)).sort();
    const fromSegments = topology.segments.map((segment) => `${segment.id}@${segment.node}`).sort();
    expect(fromNodes).toEqual(fromSegments);
  });

  it('fullTail gives exactly one full (:1) and one tail (:2) segment per AZ per PG', () => {
    const topology = resolveTopology(spec({ pgCount: 8, segmentKinds: 'fullTail' }), 1);
    for (let pg = 0; pg < 8; pg++) {
      for (const az of AZS) {
        const kinds = topology.segments.filter((s) => s.pg === pg && s.azId === az).map((s) => [s.id.slice(-1), s.kind]);
        expect(kinds).toEqual([
          ['1', 'full'],
          ['2', 'tail'],
        ]);
      }
    }
    // With an even node count the pair flips on alternate rounds, so no node holds tails only.
    for (const node of topology.nodes) {
      const kinds = new Set(topology.segments.filter((s) => s.node === node.id).map((s) => s.kind));
      expect(kinds).toEqual(new Set(['full', 'tail']));
    }
  });

  it('full gives only full segments', () => {
    const topology = resolveTopology(spec({ pgCount: 3 }), 1);
    expect(topology.segments.every((segment) => segment.kind === 'full')).toBe(true);
  });

  it('spans the first three AZs of a larger region, with clients in all of them', () => {
    const regions = [
      { id: 'us-east-1', azs: [...AZS, 'us-east-1d'] },
      { id: 'us-west-2', azs: ['us-west-2a'] },
    ];
    const topology = resolveTopology(spec({ regions, writerAz: 'us-east-1d' }), 4);
    expect(topology.azs).toEqual(AZS);
    expect(topology.allAzs).toEqual([...AZS, 'us-east-1d']);
    expect(new Set(topology.segments.map((segment) => segment.azId))).toEqual(new Set(AZS));
    expect(new Set(topology.nodes.map((node) => node.azId))).toEqual(new Set(AZS));
    expect(topology.clients[3]).toEqual({ id: 'client:4', azId: 'us-east-1d' });
    expect(topology.writer).toEqual({ id: 'inst:us-east-1:writer', azId: 'us-east-1d' });
  });

  it('is a pure function of its input', () => {
    expect(resolveTopology(spec({ pgCount: 50, storageNodesPerAz: 7 }), 3)).toEqual(resolveTopology(spec({ pgCount: 50, storageNodesPerAz: 7 }), 3));
  });
});

describe('Topology: a 64 TB volume (6,400 PGs)', () => {
  it.each([4, 7, 50])('places 38,400 segments and balances every AZ within one segment per node (%i nodes per AZ)', (storageNodesPerAz) => {
    const topology = resolveTopology(spec({ pgCount: 6_400, storageNodesPerAz, segmentKinds: 'fullTail' }), 4);
    expect(topology.segments).toHaveLength(38_400);
    expect(new Set(topology.segments.map((segment) => segment.id)).size).toBe(38_400);
    expect(Object.keys(topology.membersByPg)).toHaveLength(6_400);
    expect(placementViolations(topology, 6_400)).toEqual([]);
    for (const az of AZS) {
      const counts = topology.nodes.filter((node) => node.azId === az).map((node) => node.segments.length);
      expect(counts).toHaveLength(storageNodesPerAz);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(2 * 6_400);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });
});

describe('Topology: impossible input', () => {
  const cases: [title: string, patch: Partial<TopologySpec>, clientCount: number, message: string][] = [
    ['2 AZs', { regions: [{ id: 'r', azs: ['a', 'b'] }], writerAz: 'a' }, 1, 'topology.regions[0].azs must list at least 3 AZs (a PG spans 3 AZs), got 2'],
    ['no regions', { regions: [] }, 1, 'topology.regions must list at least one region, got an empty array'],
    ['1 node per AZ', { storageNodesPerAz: 1 }, 1, 'topology.storageNodesPerAz must be an integer from 2 to 100000, got 1'],
    ['0 PGs', { pgCount: 0 }, 1, 'topology.pgCount must be an integer from 1 to 100000, got 0'],
    [
      'a writer outside the region',
      { writerAz: 'eu-west-1a' },
      1,
      "topology.writerAz must be one of the primary region's AZs (us-east-1a, us-east-1b, us-east-1c), got \"eu-west-1a\"",
    ],
    ['a negative client count', {}, -1, 'workload.clients must be an integer from 0 to 100000, got -1'],
  ];

  it.each(cases)('%s', (_title, patch, clientCount, message) => {
    expect(() => resolveTopology(spec(patch), clientCount)).toThrow(ScenarioError);
    expect(() => resolveTopology(spec(patch), clientCount)).toThrow(message);
  });
});

describe('Topology: a Global Database secondary with write forwarding (docs/protocol.md §11.1)', () => {
  const EU = { id: 'eu-west-1', azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] };
  const global = (secondary: Record<string, unknown>): Partial<TopologySpec> => ({
    regions: [{ id: 'us-east-1', azs: [...AZS] }, EU],
    global: {
      secondaries: [{ region: 'eu-west-1', replicas: 2, shipIntervalMs: 0, maxBatchRecords: 1000, ...secondary }],
      secondariesMax: 5,
      lagTickMs: 100,
      laggingAfterMs: 5_000,
      cutOffAfterMs: 10_000,
      resendAfterMs: 1_000,
      fenceTimeoutMs: 30_000,
    } as TopologySpec['global'],
  });

  it('places the forwarder with the first instance and deals the sessions over the region\'s AZs', () => {
    const topology = resolveTopology(spec(global({ writeForwarding: { readConsistency: 'session', clients: 4, thinkTimeMs: 100 } })), 0);
    const secondary = topology.global!.secondaries[0]!;
    expect(secondary.writeForwarding).toEqual({
      readConsistency: 'session',
      forwarder: { id: 'forwarder:eu-west-1', azId: 'eu-west-1a' },
      instance: 'inst:eu-west-1:replica1',
      clients: [
        { id: 'client:eu-west-1:1', azId: 'eu-west-1a' },
        { id: 'client:eu-west-1:2', azId: 'eu-west-1b' },
        { id: 'client:eu-west-1:3', azId: 'eu-west-1c' },
        { id: 'client:eu-west-1:4', azId: 'eu-west-1a' },
      ],
      thinkTimeMs: 100,
    });
    expect(secondary.instances[0]).toEqual({ id: 'inst:eu-west-1:replica1', azId: 'eu-west-1a' });
    expect(resolveTopology(spec(global({})), 0).global!.secondaries[0]!.writeForwarding).toBeUndefined();
  });

  it('refuses an unknown read consistency and a headless secondary, naming the field', () => {
    expect(() => resolveTopology(spec(global({ writeForwarding: { readConsistency: 'strong', clients: 1, thinkTimeMs: 0 } })), 0)).toThrow(
      'topology.global.secondaries[0].writeForwarding.readConsistency must be one of eventual, session, global (aurora_replica_read_consistency), got "strong"',
    );
    expect(() => resolveTopology(spec(global({ replicas: 0, writeForwarding: { readConsistency: 'eventual', clients: 1, thinkTimeMs: 0 } })), 0)).toThrow(ScenarioError);
  });
});
