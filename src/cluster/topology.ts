/**
 * Topology resolution: regions, AZs and a PG count in; every segment, storage node, writer and
 * client named and placed out (docs/protocol.md §1, volumes and segments).
 *
 * Placement rules:
 * - PG p has 6 segments, 2 in each of the primary region's first three AZs (Aurora, SIGMOD'17
 *   §2.1: "two copies of each item in three AZs"), named `seg:pg{p}:{az}:{1|2}`.
 * - The two segments of a PG in one AZ sit on two different storage nodes `node:{az}:{n}`, so one
 *   node crash costs a PG at most one vote per AZ.
 * - PGs are dealt round robin over each AZ's nodes, two slots per PG, so node loads differ by at
 *   most one segment. The slots of PG p are 2p and 2p+1 modulo the node count; consecutive
 *   residues always differ, which keeps a PG's pair on distinct nodes. With an even node count
 *   the pair's order flips every other round, so every node holds both `:1` and `:2` segments
 *   (with `fullTail`, both full and tail segments) rather than one kind only.
 * - `fullTail`: `:1` is full and `:2` is tail in every AZ, the only placement that keeps a full
 *   segment readable under AZ+1 (docs/protocol.md §2, quorums; §13, M2).
 * - Storage nodes exist only in the three AZs PGs span; the writer sits in `writerAz`; clients
 *   are dealt round robin over all the primary region's AZs.
 *
 * Everything is a pure function of its input (no randomness), linear in the number of segments.
 */
import { nodeSlots, VOLUME_BYTES_MAX_DEFAULT, volumeBytesOf } from '../protocol/geometry.js';
import type { GlobalSecondarySpec, GlobalSpec, ResolvedGlobal, ResolvedSecondary, ResolvedTopology, ResolvedWriteForwarding, SegmentPlacement, TopologySpec, WriteForwardingSpec } from './scenario.js';
import { ScenarioError, describeValue } from './errors.js';
import { GLOBAL_DB_RPO_MAX_SECONDS, GLOBAL_DB_RPO_MIN_SECONDS, GLOBAL_SECONDARIES_MAX, globalDbRpoProblem, globalTopologyProblem } from '../protocol/global.js';
import { regionId } from '../protocol/ids.js';
import { globalRegionActorId, globalReplicatorEndpoint } from '../../models/global-region.machine.js';
import { READ_CONSISTENCIES, writeForwarderId } from '../../models/write-forwarder.machine.js';

/** AZs a PG spans (docs/protocol.md §1, volumes and segments). */
export const PG_AZ_COUNT = 3;
/** Segments per PG in each of its AZs. */
export const SEGMENTS_PER_AZ = 2;
/** Segments per PG: the quorum's V = 6 (docs/protocol.md §2, quorums). */
export const SEGMENTS_PER_PG = PG_AZ_COUNT * SEGMENTS_PER_AZ;
/** Most PGs a topology may have (a 64 TB volume is 6,400). */
export const PG_COUNT_MAX = 100_000;
/** Most storage nodes per AZ. */
export const STORAGE_NODES_PER_AZ_MAX = 100_000;
/** Most clients a workload may have. */
export const CLIENT_COUNT_MAX = 100_000;

/** Region and AZ names become parts of systemIds, so they may not contain `:` or spaces. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_RULE = "must be a name of letters, digits, '.', '_' or '-'";

/** The systemId of a segment, e.g. `seg:pg0:us-east-1a:1`. */
export function segmentId(pg: number, azId: string, copy: 1 | 2): string {
  return `seg:pg${pg}:${azId}:${copy}`;
}

/** The systemId of a storage node, e.g. `node:us-east-1a:3` (n counts from 1). */
export function storageNodeId(azId: string, n: number): string {
  return `node:${azId}:${n}`;
}

/** The systemId of the writer instance, e.g. `inst:us-east-1:writer`. */
/** The first primary cluster's instances: its writer, replicas and standby (the VDLs a restore, a clone or a backtrack reads). */
export function clusterInstanceIds(topology: Pick<ResolvedTopology, 'writer' | 'replicas' | 'standby'>): Set<string> {
  return new Set([topology.writer.id, ...topology.replicas.map((replica) => replica.id), ...(topology.standby === undefined ? [] : [topology.standby.id])]);
}

export function writerId(regionId: string): string {
  return `inst:${regionId}:writer`;
}

/** The systemId of a client process, e.g. `client:1` (i counts from 1). */
export function clientId(i: number): string {
  return `client:${i}`;
}

/** A read replica's systemId. */
export function replicaId(regionId: string, n: number): string {
  return `inst:${regionId}:replica${n}`;
}

/** The spare instance's systemId. */
export function standbyId(regionId: string): string {
  return `inst:${regionId}:standby`;
}

/** Most read replicas of a cluster (docs/protocol.md §5, read replicas). */
export const REPLICAS_MAX = 15;

/** What is wrong with a topology: the field path and what it allows (one line together). */
export interface TopologyProblem {
  /** e.g. `topology.regions[0].azs`. */
  field: string;
  /** e.g. `must list at least 3 AZs (a PG spans 3 AZs), got 2`. */
  message: string;
}

/**
 * The first reason `spec` (and `clientCount`, reported as `workload.clients`) cannot be placed, or
 * undefined. Shared by the scenario schema and {@link resolveTopology} so both say the same thing.
 */
export function findTopologyProblem(spec: TopologySpec, clientCount = 0): TopologyProblem | undefined {
  return (
    regionsProblem(spec) ??
    integerProblem('topology.pgCount', spec.pgCount, 1, PG_COUNT_MAX) ??
    integerProblem('topology.storageNodesPerAz', spec.storageNodesPerAz, SEGMENTS_PER_AZ, STORAGE_NODES_PER_AZ_MAX) ??
    segmentKindsProblem(spec.segmentKinds) ??
    writerAzProblem(spec) ??
    integerProblem('topology.blocksPerPg', spec.blocksPerPg, 1, Number.MAX_SAFE_INTEGER) ??
    integerProblem('topology.lal', spec.lal, 1, Number.MAX_SAFE_INTEGER) ??
    replicasProblem(spec) ??
    globalProblem(spec) ??
    growthProblem(spec) ??
    integerProblem('workload.clients', clientCount, 0, CLIENT_COUNT_MAX)
  );
}

/**
 * A Global Database's placement (docs/protocol.md §11.1): the rules of `globalTopologyProblem`
 * (distinct regions, the secondary limit), and each secondary a listed region other than the
 * primary with the three AZs its volume spans.
 */
function globalProblem(spec: TopologySpec): TopologyProblem | undefined {
  const global = spec.global;
  if (global === undefined) return undefined;
  const limit = integerProblem('topology.global.secondariesMax', global.secondariesMax, 0, GLOBAL_SECONDARIES_MAX);
  if (limit !== undefined) return limit;
  const primary = spec.regions[0]!;
  if (global.secondaries.length > global.secondariesMax) {
    return { field: 'topology.global.secondaries', message: `must list at most ${global.secondariesMax} secondary regions (topology.global.secondariesMax), got ${global.secondaries.length}` };
  }
  for (const [i, secondary] of global.secondaries.entries()) {
    const field = `topology.global.secondaries[${i}].region`;
    const region = spec.regions.find((candidate) => candidate.id === secondary.region);
    if (secondary.region === primary.id) return { field, message: `must be a secondary region, not the primary (${primary.id}), got ${describeValue(secondary.region)}` };
    if (region === undefined) {
      const others = spec.regions.slice(1).map((candidate) => candidate.id);
      return { field, message: `must be one of topology.regions after the primary (${others.join(', ') || 'none listed'}), got ${describeValue(secondary.region)}` };
    }
    if (region.azs.length < PG_AZ_COUNT) {
      return { field, message: `must name a region with at least ${PG_AZ_COUNT} AZs (its volume spans ${PG_AZ_COUNT}), got ${describeValue(secondary.region)} with ${region.azs.length}` };
    }
    const interval = global.secondaries[i]!.shipIntervalMs;
    if (!(Number.isFinite(interval) && interval >= 0)) return { field: `topology.global.secondaries[${i}].shipIntervalMs`, message: `must be a number of ms >= 0, got ${describeValue(interval)}` };
    const batch = integerProblem(`topology.global.secondaries[${i}].maxBatchRecords`, secondary.maxBatchRecords, 1, Number.MAX_SAFE_INTEGER);
    if (batch !== undefined) return batch;
    const forwarding = writeForwardingProblem(secondary, `topology.global.secondaries[${i}]`);
    if (forwarding !== undefined) return forwarding;
  }
  if (global.rpoLimitS !== undefined) {
    const rpo = globalDbRpoProblem(global.rpoLimitS, 'topology.global.rpoLimitS');
    if (rpo !== undefined) return { field: 'topology.global.rpoLimitS', message: `must be a whole number of seconds from ${GLOBAL_DB_RPO_MIN_SECONDS} to ${GLOBAL_DB_RPO_MAX_SECONDS} (rds.global_db_rpo), got ${describeValue(global.rpoLimitS)}` };
  }
  const problem = globalTopologyProblem(
    { primary: regionId(primary.id), secondaries: global.secondaries.map((secondary) => ({ region: regionId(secondary.region), replicas: secondary.replicas })), links: [] },
    { secondariesMax: global.secondariesMax },
  );
  if (problem === undefined) return undefined;
  const colon = problem.indexOf(': ');
  return { field: problem.slice(0, colon), message: problem.slice(colon + 2) };
}

/**
 * A secondary's write forwarding (docs/protocol.md §11.1): a known read consistency level, at
 * least one session, and an instance in the region to forward from and read on.
 */
function writeForwardingProblem(secondary: GlobalSecondarySpec, field: string): TopologyProblem | undefined {
  const forwarding = secondary.writeForwarding;
  if (forwarding === undefined) return undefined;
  if (!(READ_CONSISTENCIES as readonly unknown[]).includes(forwarding.readConsistency)) {
    return { field: `${field}.writeForwarding.readConsistency`, message: `must be one of ${READ_CONSISTENCIES.join(', ')} (aurora_replica_read_consistency), got ${describeValue(forwarding.readConsistency)}` };
  }
  if (secondary.replicas < 1) {
    return { field: `${field}.writeForwarding`, message: `needs at least one instance in the region to forward from (${field}.replicas >= 1), got ${describeValue(secondary.replicas)} replicas` };
  }
  const clients = integerProblem(`${field}.writeForwarding.clients`, forwarding.clients, 1, CLIENT_COUNT_MAX);
  if (clients !== undefined) return clients;
  if (!(Number.isFinite(forwarding.thinkTimeMs) && forwarding.thinkTimeMs >= 0)) {
    return { field: `${field}.writeForwarding.thinkTimeMs`, message: `must be a number of ms >= 0, got ${describeValue(forwarding.thinkTimeMs)}` };
  }
  return undefined;
}

function regionsProblem(spec: TopologySpec): TopologyProblem | undefined {
  const regions: unknown = spec.regions;
  if (!Array.isArray(regions) || regions.length === 0) {
    return { field: 'topology.regions', message: `must list at least one region, got ${describeValue(regions)}` };
  }
  const regionSeen: Record<string, string> = {};
  const azSeen: Record<string, string> = {};
  for (const [i, region] of spec.regions.entries()) {
    const field = `topology.regions[${i}]`;
    const problem = nameProblem(`${field}.id`, region.id, regionSeen, 'region ids must be unique');
    if (problem !== undefined) return problem;
    const azs: unknown = region.azs;
    const azsMin = i === 0 ? PG_AZ_COUNT : 1;
    if (!Array.isArray(azs)) return { field: `${field}.azs`, message: `must be a list of AZ names, got ${describeValue(azs)}` };
    for (const [j, az] of region.azs.entries()) {
      const azProblem = nameProblem(`${field}.azs[${j}]`, az, azSeen, 'AZ names must be unique, across regions too');
      if (azProblem !== undefined) return azProblem;
    }
    if (azs.length < azsMin) {
      const why = i === 0 ? `at least ${PG_AZ_COUNT} AZs (a PG spans ${PG_AZ_COUNT} AZs)` : 'at least one AZ';
      return { field: `${field}.azs`, message: `must list ${why}, got ${azs.length}` };
    }
  }
  return undefined;
}

/** Checks a region or AZ name and records it in `seen` (name → field that first used it). */
function nameProblem(field: string, name: unknown, seen: Record<string, string>, uniqueRule: string): TopologyProblem | undefined {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) return { field, message: `${NAME_RULE}, got ${describeValue(name)}` };
  const first = seen[name];
  if (first !== undefined) return { field, message: `repeats ${first} (${uniqueRule}), got ${describeValue(name)}` };
  seen[name] = field;
  return undefined;
}

function integerProblem(field: string, value: unknown, min: number, max: number): TopologyProblem | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return undefined;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return { field, message: `must be an integer ${range}, got ${describeValue(value)}` };
}

/**
 * Storage growth (docs/protocol.md §1.1): the maximum is a whole number of bytes, at least the
 * volume as created (pgCount PGs of 10 GiB) and at most 128 TiB; a Global Database's secondary
 * volumes do not grow, so the two do not go together.
 */
function growthProblem(spec: TopologySpec): TopologyProblem | undefined {
  const growth = spec.growth;
  if (growth === undefined) return undefined;
  if (spec.global !== undefined) return { field: 'topology.growth', message: 'is not supported with topology.global (secondary volumes do not grow); remove one of them' };
  const least = volumeBytesOf(spec.pgCount);
  const bytes = growth.maxVolumeBytes;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < least || bytes > VOLUME_BYTES_MAX_DEFAULT) {
    return {
      field: 'topology.growth.maxVolumeBytes',
      message: `must be a whole number of bytes from ${least} (pgCount ${spec.pgCount} × 10 GiB) to ${VOLUME_BYTES_MAX_DEFAULT} (128 TiB), got ${describeValue(bytes)}`,
    };
  }
  return integerProblem('topology.growth.keysPerBlock', growth.keysPerBlock, 1, Number.MAX_SAFE_INTEGER);
}

function segmentKindsProblem(kinds: unknown): TopologyProblem | undefined {
  if (kinds === 'full' || kinds === 'fullTail') return undefined;
  return { field: 'topology.segmentKinds', message: `must be one of full, fullTail, got ${describeValue(kinds)}` };
}

function replicasProblem(spec: TopologySpec): TopologyProblem | undefined {
  const replicas = spec.replicas ?? [];
  if (replicas.length > REPLICAS_MAX) {
    return { field: 'topology.replicas', message: `must list at most ${REPLICAS_MAX} replicas, got ${replicas.length}` };
  }
  const azs = spec.regions[0]?.azs ?? [];
  for (const [i, replica] of replicas.entries()) {
    if (!azs.includes(replica.az)) {
      return { field: `topology.replicas[${i}].az`, message: `must be one of the primary region's AZs (${azs.join(', ')}), got ${describeValue(replica.az)}` };
    }
    const tier = integerProblem(`topology.replicas[${i}].tier`, replica.tier, 0, 15);
    if (tier !== undefined) return tier;
    if (!(typeof replica.sizeAcu === 'number' && replica.sizeAcu > 0)) {
      return { field: `topology.replicas[${i}].sizeAcu`, message: `must be a number > 0, got ${describeValue(replica.sizeAcu)}` };
    }
    const cacheBlocks = integerProblem(`topology.replicas[${i}].cacheBlocks`, replica.cacheBlocks ?? 0, 0, Number.MAX_SAFE_INTEGER);
    if (cacheBlocks !== undefined) return cacheBlocks;
  }
  return undefined;
}

function writerAzProblem(spec: TopologySpec): TopologyProblem | undefined {
  const azs = spec.regions[0]?.azs ?? [];
  if (azs.includes(spec.writerAz)) return undefined;
  return {
    field: 'topology.writerAz',
    message: `must be one of the primary region's AZs (${azs.join(', ')}), got ${describeValue(spec.writerAz)}`,
  };
}

/**
 * Names and places every actor of `spec` (see the file header for the rules). Throws a
 * {@link ScenarioError} naming the field when the topology is impossible, e.g. fewer than 3 AZs.
 */
export function resolveTopology(spec: TopologySpec, clientCount: number): ResolvedTopology {
  const problem = findTopologyProblem(spec, clientCount);
  if (problem !== undefined) throw new ScenarioError(`${problem.field} ${problem.message}`, problem.field);
  const primary = spec.regions[0]!;
  const { azs, nodes, segments, membersByPg } = placeVolume(primary.id, primary.azs, spec);
  const clients = Array.from({ length: clientCount }, (_, i) => ({ id: clientId(i + 1), azId: primary.azs[i % primary.azs.length]! }));
  const replicas = (spec.replicas ?? []).map((replica, i) => ({
    id: replicaId(primary.id, i + 1),
    azId: replica.az,
    tier: replica.tier,
    sizeAcu: replica.sizeAcu,
    cacheBlocks: replica.cacheBlocks ?? 0,
  }));
  return {
    regionId: primary.id,
    azs,
    allAzs: [...primary.azs],
    segments,
    membersByPg,
    nodes,
    writer: { id: writerId(primary.id), azId: spec.writerAz },
    replicas,
    standby: spec.standby === false ? undefined : { id: standbyId(primary.id), azId: spec.writerAz },
    metadata: { id: 'metadata', azId: spec.writerAz },
    controlPlane: { id: 'control-plane', azId: spec.writerAz },
    storageControlPlane: { id: 'storage-control-plane', azId: spec.writerAz },
    clients,
    ...(spec.global === undefined ? {} : { global: resolveGlobal(spec, spec.global) }),
  };
}

/** The storage of one volume in `regionId`: PGs over its first three AZs (see the file header). */
function placeVolume(
  regionId: string,
  regionAzs: readonly string[],
  spec: TopologySpec,
): Pick<ResolvedTopology, 'azs' | 'nodes' | 'segments' | 'membersByPg'> {
  const azs = regionAzs.slice(0, PG_AZ_COUNT);
  const nodesPerAz = spec.storageNodesPerAz;
  const nodes = azs.flatMap((azId) =>
    Array.from({ length: nodesPerAz }, (_, k) => ({ id: storageNodeId(azId, k + 1), azId, segments: [] as string[] })),
  );
  const segments: SegmentPlacement[] = [];
  const membersByPg: Record<number, string[]> = {};
  for (let pg = 0; pg < spec.pgCount; pg++) {
    const slots = nodeSlots(pg, nodesPerAz);
    const members: string[] = [];
    for (const [a, azId] of azs.entries()) {
      for (const copy of [1, 2] as const) {
        const node = nodes[a * nodesPerAz + slots[copy - 1]!]!;
        const id = segmentId(pg, azId, copy);
        const kind = spec.segmentKinds === 'fullTail' && copy === 2 ? 'tail' : 'full';
        segments.push({ id, pg, regionId, azId, node: node.id, kind });
        node.segments.push(id);
        members.push(id);
      }
    }
    membersByPg[pg] = members;
  }
  return { azs, nodes, segments, membersByPg };
}

/**
 * A Global Database's secondaries (docs/protocol.md §11.1): each secondary region gets a volume
 * of its own, placed as the primary's is (the same PGs, six copies over its first three AZs; AZ
 * names are unique across regions, so segment ids are too), a replication agent in its first AZ
 * that writes what the primary ships with its own quorum writes, a metadata service there for its
 * volume's epoch, and its read-only instances dealt round robin over its AZs.
 */
function resolveGlobal(spec: TopologySpec, global: GlobalSpec): ResolvedGlobal {
  const primary = spec.regions[0]!;
  const secondaries = global.secondaries.map((secondary): ResolvedSecondary => {
    const region = spec.regions.find((candidate) => candidate.id === secondary.region)!;
    const volume = placeVolume(region.id, region.azs, spec);
    return {
      region: region.id,
      allAzs: [...region.azs],
      ...volume,
      applier: { id: globalApplierId(region.id), azId: region.azs[0]! },
      instances: Array.from({ length: secondary.replicas }, (_, i) => ({ id: replicaId(region.id, i + 1), azId: region.azs[i % region.azs.length]! })),
      metadata: { id: `metadata:${region.id}`, azId: region.azs[0]! },
      replicator: globalReplicatorId(region.id),
      shipIntervalMs: secondary.shipIntervalMs,
      maxBatchRecords: secondary.maxBatchRecords,
      ...(secondary.writeForwarding === undefined ? {} : { writeForwarding: resolveWriteForwarding(region, secondary.writeForwarding) }),
    };
  });
  return { primaryRegion: primary.id, secondaries, regions: [primary.id, ...secondaries.map((secondary) => secondary.region)] };
}

/**
 * A secondary's write forwarding placed (docs/protocol.md §11.1): the forwarder with the region's
 * first instance (its forwarding layer; `resolveGlobal` deals instance 1 to the first AZ) and the
 * sessions dealt round robin over the region's AZs.
 */
function resolveWriteForwarding(region: { id: string; azs: readonly string[] }, spec: WriteForwardingSpec): ResolvedWriteForwarding {
  return {
    readConsistency: spec.readConsistency,
    forwarder: { id: writeForwarderId(region.id), azId: region.azs[0]! },
    instance: replicaId(region.id, 1),
    clients: Array.from({ length: spec.clients }, (_, i) => ({ id: `client:${region.id}:${i + 1}`, azId: region.azs[i % region.azs.length]! })),
    thinkTimeMs: spec.thinkTimeMs,
  };
}

/** The write forwarders and their sessions of a Global Database (empty when it has none). */
export function writeForwardingEndpoints(topology: Pick<ResolvedTopology, 'global'>): string[] {
  return (topology.global?.secondaries ?? []).flatMap((secondary) => {
    const forwarding = secondary.writeForwarding;
    return forwarding === undefined ? [] : [forwarding.forwarder.id, ...forwarding.clients.map((client) => client.id)];
  });
}

/** Every AZ with actors in it: the primary region's, then each secondary's (a Global Database). */
export function everyAz(topology: Pick<ResolvedTopology, 'allAzs' | 'global'>): string[] {
  return [...topology.allAzs, ...(topology.global?.secondaries.flatMap((secondary) => secondary.allAzs) ?? [])];
}

/** Every region with actors in it: the primary, then a Global Database's secondaries. */
export function everyRegion(topology: Pick<ResolvedTopology, 'regionId' | 'global'>): string[] {
  return topology.global?.regions ?? [topology.regionId];
}

/**
 * The network endpoints of a Global Database besides its volumes: each region's statechart, each
 * secondary's replication agent, replicator, metadata service and instances, then the write
 * forwarders and their sessions (empty when there is none).
 */
export function globalEndpoints(topology: Pick<ResolvedTopology, 'global'>): string[] {
  const global = topology.global;
  if (global === undefined) return [];
  return [
    ...global.regions.map(globalRegionActorId),
    // The primary region's agent: it writes to the primary's volume only once a switchover makes the region follow another.
    globalApplierId(global.primaryRegion),
    ...global.secondaries.flatMap((secondary) => [secondary.applier.id, secondary.replicator, secondary.metadata.id, ...secondary.instances.map((instance) => instance.id)]),
    ...writeForwardingEndpoints(topology),
  ];
}

/** The systemId of a secondary region's replication agent, e.g. `replication:eu-west-1`. */
export function globalApplierId(regionId: string): string {
  return `replication:${regionId}`;
}

/**
 * The network endpoint the primary ships to a secondary region from, e.g. `replicator:eu-west-1`;
 * after the `primaryTerm`-th promotion, `replicator:eu-west-1@<primaryTerm>` (the region
 * statechart's `globalReplicatorEndpoint`, which names it for the agents).
 */
export function globalReplicatorId(regionId: string, primaryTerm = 0): string {
  return globalReplicatorEndpoint(regionId, primaryTerm);
}

