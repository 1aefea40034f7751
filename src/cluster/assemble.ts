/**
 * Assembly: a scenario's resolved topology in, the actor specs of a whole cluster out.
 *
 * Every actor gets an explicit systemId (docs/determinism.md, "Where time and chance come from")
 * and a place (region, AZ). Specs are built in one pass and spawned in bulk by the host
 * (`spawnAll`), never one child at a time: incremental spawning of large child sets is O(n²) in
 * xstate (10,000 children took 18 s one by one, 0.3 s in bulk). Chance enters here only through the
 * kernel RNG: per storage node, a table of disk latencies; per segment, the phase of its gossip
 * timer.
 */
import { azMachine, regionMachine, storageNodeMachine } from '../../models/failure-domain.js';
import { controlPlaneMachine } from '../../models/control-plane.machine.js';
import { writerMachine } from '../../models/instance.machine.js';
import { metadataMachine } from '../../models/metadata.machine.js';
import { storageControlPlaneMachine } from '../../models/storage-control-plane.machine.js';
import type { ProvisionRequest } from '../../models/storage-control-plane.machine.js';
import { segmentMachine } from '../../models/segment.machine.js';
import { DAY_MS, objectStoreMachine } from '../../models/object-store.machine.js';
import { restoreJobMachine } from '../../models/restore-job.machine.js';
import { restoredClusters } from './restores.js';
import type { RestoredCluster } from './restores.js';
import { globalApplierMachine } from '../../models/global-applier.machine.js';
import { globalRegionActorId, globalRegionMachine } from '../../models/global-region.machine.js';
import { writeForwarderMachine } from '../../models/write-forwarder.machine.js';
import { regionId } from '../protocol/ids.js';
import { pgCountMaxOf } from '../protocol/geometry.js';
import type { MembershipEpoch, PgId, SegmentId } from '../protocol/ids.js';
import type { QuorumConfig } from '../protocol/quorum-config.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import { fullTailConfig, standardConfig } from '../protocol/quorum-config.js';
import { kOfN } from '../protocol/quorum.js';
import type { Kernel } from '../kernel/kernel.js';
import type { PlantName } from '../protocol/plants.js';
import { sample } from '../kernel/network.js';
import { serverlessInstanceInput } from './serverless.js';
import { multiWriterInstances } from './multi-writer.js';
import type { ActorSpec } from './host.js';
import type { ResolvedTopology, Scenario } from './scenario.js';
import { CLONE_DEFAULTS } from './scenario.js';
import { globalApplierId, globalReplicatorId } from './topology.js';

/** Disk latency samples per storage node: enough to vary, small enough for 38,400 segments. */
const DISK_SAMPLES_PER_NODE = 64;

/** The systemId of a region's object store (docs/protocol.md §10, continuous backup). */
export const objectStoreId = (regionId: string): string => `s3:${regionId}`;

/**
 * Where a region's object store is placed: a regional service outside every AZ, so an AZ outage
 * leaves it up and every segment reaches it across AZs.
 */
export const objectStoreLocality = (regionId: string): { regionId: string; azId: string } => ({ regionId, azId: `${regionId}:s3` });

/** The systemId of an AZ's actor. */
export const azActorId = (azId: string): string => `az:${azId}`;
/** The systemId of a region's actor. */
export const regionActorId = (regionId: string): string => `region:${regionId}`;

/** Segment kinds by id, for {@link quorumConfigOf}. */
export function segmentKinds(topology: Pick<ResolvedTopology, 'segments'>): Map<string, 'full' | 'tail'> {
  return new Map(topology.segments.map((segment) => [segment.id, segment.kind]));
}

/** A PG's quorum configuration as the scenario asks for it (docs/protocol.md §2, quorums). */
export function quorumConfigOf(
  topology: Pick<ResolvedTopology, 'membersByPg' | 'segments'>,
  scenario: Scenario,
  pg: number,
  kinds: Map<string, 'full' | 'tail'> = segmentKinds(topology),
): QuorumConfig {
  const members = (topology.membersByPg[pg] ?? []) as SegmentId[];
  const epoch = 1 as MembershipEpoch;
  const config =
    scenario.topology.segmentKinds === 'fullTail'
      ? fullTailConfig(
          members.filter((m) => kinds.get(m) === 'full'),
          members.filter((m) => kinds.get(m) === 'tail'),
          epoch,
        )
      : standardConfig(members, epoch);
  // The control arm of the slow-segment experiment waits for every copy (SIGMOD'17 §2.1).
  return scenario.writer.durability === 'all' ? { ...config, write: kOfN(members.length, members) } : config;
}

/** The `plant` input field of every segment and instance: present only when a mistake is planted (docs/plants.md). */
const plantInput = (plant: PlantName | undefined): { plant?: PlantName } => (plant === undefined ? {} : { plant });

/**
 * Builds every actor spec of the cluster, in spawn order: region, AZs, nodes, segments, writer.
 * `plant` names a planted mistake the segments and instances run with (docs/plants.md).
 */
export function clusterSpecs(kernel: Kernel, scenario: Scenario, topology: ResolvedTopology, plant?: PlantName): ActorSpec[] {
  const regionId = topology.regionId;
  const place = (azId: string) => ({ regionId, azId });
  const specs: ActorSpec[] = [];
  specs.push({
    id: regionActorId(regionId),
    machine: regionMachine,
    input: { self: regionActorId(regionId), members: topology.allAzs.map(azActorId) },
    locality: place(topology.allAzs[0] as string),
  });
  const restored = restoredClusters(scenario, topology);
  for (const azId of topology.allAzs) {
    const nodes = topology.nodes.filter((node) => node.azId === azId).map((node) => node.id);
    // An AZ outage reaches its storage nodes and every instance placed there (restored clusters' too).
    const instances = [topology.writer, ...topology.replicas, ...(topology.standby === undefined ? [] : [topology.standby]), ...restored.map((cluster) => cluster.writer)];
    // A multi-writer cluster's writers are reached by their statecharts (docs/protocol.md §11.2).
    const writers = multiWriterInstances(scenario, topology).filter((writer) => writer.azId === azId).map((writer) => writer.actor);
    const members = [...nodes, ...instances.filter((instance) => instance.azId === azId).map((instance) => instance.id), ...writers];
    specs.push({ id: azActorId(azId), machine: azMachine, input: { self: azActorId(azId), members }, locality: place(azId) });
  }
  const backup = scenario.backup;
  if (backup !== undefined) {
    specs.push({
      id: objectStoreId(regionId),
      machine: objectStoreMachine,
      input: {
        self: objectStoreId(regionId),
        serviceLatencyMs: backup.objectStore.serviceLatencyMs,
        transferMBps: backup.objectStore.transferMBps,
        retentionMs: backup.retentionDays * DAY_MS,
        snapshotPeriodMs: backup.snapshotPeriodMs,
        ...plantInput(plant),
      },
      locality: objectStoreLocality(regionId),
    });
  }
  // A restored volume's segments sit on the source's storage nodes, so node faults reach them.
  const nodeMembers: Record<string, string[]> = {};
  for (const cluster of restored) for (const segment of cluster.segments) (nodeMembers[segment.node] ??= []).push(segment.id);
  specs.push(...storageSpecs(kernel, scenario, regionId, topology, 'gossip-phase', plant, backup === undefined ? undefined : objectStoreId(regionId), nodeMembers));
  specs.push(...instanceSpecs(scenario, topology, plant));
  for (const cluster of restored) specs.push(...restoredClusterSpecs(kernel, scenario, topology, cluster, plant));
  return specs;
}

/** How soon a clone's segment asks its source segment again. */
const CLONE_FETCH_RETRY_MS = 100;

/**
 * A restored cluster's actors (src/cluster/restores.ts): its segments, waiting for the restore;
 * its metadata service; its writer, a standby until the job promotes it; and the job, placed with
 * the object store, outside every AZ.
 */
function restoredClusterSpecs(kernel: Kernel, scenario: Scenario, topology: ResolvedTopology, cluster: RestoredCluster, plant: PlantName | undefined): ActorSpec[] {
  const regionId = topology.regionId;
  const place = (azId: string) => ({ regionId, azId });
  const clones = scenario.clones ?? CLONE_DEFAULTS;
  let timeoutMs = clones.cloneTimeoutMs;
  if (cluster.kind !== 'clone') {
    if (scenario.backup === undefined) throw new Error(`${cluster.name}: a point-in-time restore needs a backup section`);
    timeoutMs = scenario.backup.restoreTimeoutMs;
  }
  // A restored segment fetches from the object store; a clone's from the source segment in its slot.
  const fetchFrom = (id: string): string => cluster.sourceOf?.[id] ?? objectStoreId(regionId);
  const copy = cluster.fullCopy === true ? { fullCopyMBps: clones.fullCopyMBps } : {};
  // A clone's source segment holds the point once a later record of its PG links back to it (its
  // SCL passes the point), which steady writes give within milliseconds: ask again soon.
  const retry = cluster.kind === 'clone' ? { retryMs: CLONE_FETCH_RETRY_MS } : {};
  const specs: ActorSpec[] = storageSpecs(kernel, scenario, regionId, { nodes: [], segments: cluster.segments, membersByPg: cluster.membersByPg }, `${cluster.name}:gossip-phase`, plant).map((spec) => ({
    ...spec,
    input: { ...(spec.input as object), restore: { job: cluster.job, fetchFrom: fetchFrom(spec.id), ...copy, ...retry } },
  }));
  const pgs = instancePgs(scenario, cluster);
  specs.push(metadataSpec(cluster.metadata.id, pgs, place(cluster.metadata.azId)));
  const input = instanceInputOf(scenario, { self: cluster.writer.id, role: 'standby', cacheBlocks: scenario.writer.cacheBlocks, pgs, metadataId: cluster.metadata.id, controlPlaneId: cluster.job }, plant);
  specs.push({ id: cluster.writer.id, machine: writerMachine, input, locality: place(cluster.writer.azId) });
  specs.push({
    id: cluster.job,
    machine: restoreJobMachine,
    input: { self: cluster.job, pgs: pgs.map((pg) => ({ pg: pg.pg, members: pg.members, write: pg.write })), writer: cluster.writer.id, restoreTimeoutMs: timeoutMs },
    locality: objectStoreLocality(regionId),
  });
  return specs;
}

/**
 * The storage nodes and segments of one volume in `regionId`. `gossipFork` names the RNG stream
 * of the segments' gossip phases, one per volume, so a volume added never moves another's draws.
 */
function storageSpecs(
  kernel: Kernel,
  scenario: Scenario,
  regionId: string,
  volume: Pick<ResolvedTopology, 'nodes' | 'segments' | 'membersByPg'>,
  gossipFork: string,
  plant: PlantName | undefined,
  objectStore?: string,
  extraNodeMembers: Readonly<Record<string, readonly string[]>> = {},
): ActorSpec[] {
  const specs: ActorSpec[] = [];
  const place = (azId: string) => ({ regionId, azId });
  const diskSamples: Record<string, number[]> = {};
  // A node's table comes from its own stream: a restored volume's segments on it draw the same one.
  const samplesOf = (nodeId: string): number[] => {
    const rng = kernel.rng.fork(`disk:${nodeId}`);
    return Array.from({ length: DISK_SAMPLES_PER_NODE }, () => sample(rng, scenario.storage.diskLatencyMs));
  };
  for (const node of volume.nodes) {
    diskSamples[node.id] = samplesOf(node.id);
    specs.push({ id: node.id, machine: storageNodeMachine, input: { self: node.id, members: [...node.segments, ...(extraNodeMembers[node.id] ?? [])] }, locality: place(node.azId) });
  }
  const gossipRng = kernel.rng.fork(gossipFork);
  // Staging phases come from a stream of their own, so a volume that stages moves no other draw.
  const stageRng = objectStore === undefined ? undefined : kernel.rng.fork(`${gossipFork}:stage`);
  for (const [index, segment] of volume.segments.entries()) {
    const members = volume.membersByPg[segment.pg] ?? [];
    specs.push({
      id: segment.id,
      machine: segmentMachine,
      input: {
        self: segment.id,
        pg: segment.pg,
        kind: segment.kind,
        peers: members.filter((member) => member !== segment.id),
        diskLatencySamplesMs: (diskSamples[segment.node] ??= samplesOf(segment.node)),
        diskSampleOffset: index % DISK_SAMPLES_PER_NODE,
        gossipPeriodMs: scenario.storage.gossipPeriodMs,
        gossipOffsetMs: gossipRng.next() * scenario.storage.gossipPeriodMs,
        gossipMaxRecords: scenario.storage.gossipMaxRecords,
        gcPeriodMs: scenario.storage.gcPeriodMs,
        mrplLeaseTicks: scenario.storage.mrplLeaseTicks,
        ...plantInput(plant),
        // GC holds at the backtrack window's floor (docs/protocol.md §10, backtrack).
        ...(scenario.backtrack === undefined ? {} : { backtrackWindow: true }),
        ...(objectStore === undefined || stageRng === undefined || scenario.backup === undefined
          ? {}
          : {
              objectStore,
              stagePeriodMs: scenario.backup.stagePeriodMs,
              stageOffsetMs: stageRng.next() * scenario.backup.stagePeriodMs,
              stageMaxRecords: scenario.backup.stageMaxRecords,
            }),
      },
      locality: place(segment.azId),
    });
  }
  return specs;
}

/**
 * A Global Database's actors (docs/protocol.md §11.1), in spawn order: per secondary region its
 * failure domains, storage nodes and segments (a volume placed as the primary's is) and its
 * replication agent; then one region statechart per region, the primary's first. The secondary
 * volumes use the primary's quorum rule (4/6 writes, or 6/6 when the scenario waits for all).
 * Empty when the topology has no Global Database.
 */
export function globalSpecs(kernel: Kernel, scenario: Scenario, topology: ResolvedTopology, plant?: PlantName): ActorSpec[] {
  const global = topology.global;
  const spec = scenario.topology.global;
  if (global === undefined || spec === undefined) return [];
  const specs: ActorSpec[] = [];
  for (const secondary of global.secondaries) {
    const place = (azId: string) => ({ regionId: secondary.region, azId });
    specs.push({
      id: regionActorId(secondary.region),
      machine: regionMachine,
      input: { self: regionActorId(secondary.region), members: secondary.allAzs.map(azActorId) },
      locality: place(secondary.allAzs[0] as string),
    });
    for (const azId of secondary.allAzs) {
      // An AZ outage reaches its storage nodes and the instances placed there.
      const members = [...secondary.nodes.filter((node) => node.azId === azId), ...secondary.instances.filter((instance) => instance.azId === azId)].map((member) => member.id);
      specs.push({ id: azActorId(azId), machine: azMachine, input: { self: azActorId(azId), members }, locality: place(azId) });
    }
    specs.push(...storageSpecs(kernel, scenario, secondary.region, secondary, `gossip-phase:${secondary.region}`, plant));
    const pgs = instancePgs(scenario, secondary);
    specs.push(metadataSpec(secondary.metadata.id, pgs, place(secondary.metadata.azId)));
    // Read-only instances: readers of the secondary's volume; the agent feeds them and, as the
    // region's control plane, hears the promoted one open.
    for (const instance of secondary.instances) {
      const input = instanceInputOf(scenario, { self: instance.id, role: 'reader', cacheBlocks: 0, pgs, metadataId: secondary.metadata.id, controlPlaneId: secondary.applier.id }, plant);
      specs.push({ id: instance.id, machine: writerMachine, input, locality: place(instance.azId) });
    }
    specs.push({
      id: secondary.applier.id,
      machine: globalApplierMachine,
      input: {
        self: secondary.applier.id,
        region: regionId(secondary.region),
        regionActor: globalRegionActorId(secondary.region),
        replicator: secondary.replicator,
        pgs: pgs.map((pg) => ({ pg: pg.pg, members: pg.members, write: pg.write })),
        instances: secondary.instances.map((instance) => instance.id),
        retransmitAfterMs: scenario.writer.retransmitAfterMs,
        metadata: secondary.metadata.id,
      },
      locality: place(secondary.applier.azId),
    });
  }
  // The primary region's agent waits in standby: a switchover makes the region follow another
  // (docs/protocol.md §11.1, switchover), and then it claims the volume and feeds the instances.
  const primaryInstances = [topology.writer, ...topology.replicas].map((instance) => instance.id);
  specs.push({
    id: globalApplierId(global.primaryRegion),
    machine: globalApplierMachine,
    input: {
      self: globalApplierId(global.primaryRegion),
      region: regionId(global.primaryRegion),
      regionActor: globalRegionActorId(global.primaryRegion),
      replicator: globalReplicatorId(global.primaryRegion),
      pgs: instancePgs(scenario, topology).map((pg) => ({ pg: pg.pg, members: pg.members, write: pg.write })),
      instances: primaryInstances,
      retransmitAfterMs: scenario.writer.retransmitAfterMs,
      metadata: topology.metadata.id,
      standby: true,
    },
    locality: { regionId: global.primaryRegion, azId: topology.writer.azId },
  });
  const regions = global.regions.map(regionId);
  // Each region's recovery endpoint is its agent: it promotes an instance, claims the volume, copies.
  const volumeEndpoints: Record<string, string> = { [global.primaryRegion]: globalApplierId(global.primaryRegion) };
  for (const secondary of global.secondaries) volumeEndpoints[secondary.region] = secondary.applier.id;
  const regionInput = (region: string) => ({
    self: globalRegionActorId(region),
    region: regionId(region),
    primaryRegion: regionId(global.primaryRegion),
    regions,
    volumeEndpoints,
    instances: global.secondaries.find((secondary) => secondary.region === region)?.instances.length ?? 1,
    lagTickMs: spec.lagTickMs,
    laggingAfterMs: spec.laggingAfterMs,
    cutOffAfterMs: spec.cutOffAfterMs,
    fenceTimeoutMs: spec.fenceTimeoutMs,
    agent: globalApplierId(region),
    ...(region === global.primaryRegion ? { writer: topology.writer.id, controlPlane: topology.controlPlane.id } : {}),
    ...(spec.rpoLimitS === undefined ? {} : { rpoLimitMs: spec.rpoLimitS * 1000 }),
  });
  specs.push({
    id: globalRegionActorId(global.primaryRegion),
    machine: globalRegionMachine,
    input: regionInput(global.primaryRegion),
    locality: { regionId: global.primaryRegion, azId: topology.writer.azId },
  });
  for (const secondary of global.secondaries) {
    specs.push({
      id: globalRegionActorId(secondary.region),
      machine: globalRegionMachine,
      input: regionInput(secondary.region),
      locality: { regionId: secondary.region, azId: secondary.applier.azId },
    });
  }
  return specs;
}

/** One PG as an instance and the metadata service are given it. */
interface InstancePg {
  pg: number;
  members: string[];
  write: QuorumPredicate;
  read: QuorumPredicate;
  fullMembers: string[];
}

/** A volume's PGs as its instances are given them, under the scenario's quorum rule. */
function instancePgs(scenario: Scenario, volume: Pick<ResolvedTopology, 'membersByPg' | 'segments'>): InstancePg[] {
  const kinds = segmentKinds(volume);
  return Object.keys(volume.membersByPg).map((key) => {
    const pg = Number(key);
    const config = quorumConfigOf(volume, scenario, pg, kinds);
    const members = volume.membersByPg[pg] ?? [];
    return { pg, members, write: config.write, read: config.read, fullMembers: members.filter((member) => kinds.get(member) === 'full') };
  });
}

/** An instance's input: the scenario's writer settings, its volume's PGs and the services it reports to. */
function instanceInputOf(
  scenario: Scenario,
  who: { self: string; role: 'writer' | 'reader' | 'standby'; cacheBlocks: number; pgs: InstancePg[]; metadataId: string; controlPlaneId: string },
  plant: PlantName | undefined,
) {
  return {
    cacheBlocks: who.cacheBlocks,
    hedgeAfterMs: scenario.writer.hedgeAfterMs,
    isolation: scenario.writer.isolation,
    mrplReportMs: scenario.storage.mrplReportMs,
    self: who.self,
    role: who.role,
    lal: scenario.topology.lal,
    pgs: who.pgs,
    blocksPerPg: scenario.topology.blocksPerPg,
    retransmitAfterMs: scenario.writer.retransmitAfterMs,
    linkBusyMsPerBatch: scenario.writer.linkBusyMsPerBatch,
    metadataId: who.metadataId,
    controlPlaneId: who.controlPlaneId,
    ...growthInput(scenario),
    ...plantInput(plant),
  };
}

/** The `growth` input field of an instance: present only when the volume may grow (docs/protocol.md §1.1). */
function growthInput(scenario: Scenario): { growth?: { keysPerBlock: number; pgCountMax: number } } {
  const growth = scenario.topology.growth;
  return growth === undefined ? {} : { growth: { keysPerBlock: growth.keysPerBlock, pgCountMax: pgCountMaxOf(growth.maxVolumeBytes) } };
}

/** The metadata service of a volume: its PGs at membership epoch 1. */
function metadataSpec(id: string, pgs: readonly InstancePg[], locality: { regionId: string; azId: string }): ActorSpec {
  return {
    id,
    machine: metadataMachine,
    input: { self: id, pgConfigs: pgs.map((pg) => ({ pg: pg.pg as PgId, membershipEpoch: 1 as MembershipEpoch, members: pg.members, write: pg.write, read: pg.read })) },
    locality,
  };
}

/** The writer, the replicas, the standby, the metadata service and the control plane. */
function instanceSpecs(scenario: Scenario, topology: ResolvedTopology, plant: PlantName | undefined): ActorSpec[] {
  const place = (azId: string) => ({ regionId: topology.regionId, azId });
  const pgs = instancePgs(scenario, topology);
  // RPO control (docs/protocol.md §11.1): every instance that may write in the primary region asks its statechart.
  const commitGate = topology.global !== undefined && scenario.topology.global?.rpoLimitS !== undefined ? { commitGateId: globalRegionActorId(topology.regionId) } : {};
  const instanceInput = (id: string, role: 'writer' | 'reader' | 'standby', cacheBlocks = scenario.writer.cacheBlocks) => ({
    ...instanceInputOf(scenario, { self: id, role, cacheBlocks, pgs, metadataId: topology.metadata.id, controlPlaneId: topology.controlPlane.id }, plant),
    ...commitGate,
  });
  // Aurora Serverless v2 (docs/protocol.md §11.3): the writer and the replicas start at their least running capacity, with its cache.
  const serverlessInput = (id: string, input: ReturnType<typeof instanceInput>) => {
    const serverless = serverlessInstanceInput(scenario, id);
    return serverless === undefined ? input : { ...input, ...serverless };
  };
  const specs: ActorSpec[] = [
    metadataSpec(topology.metadata.id, pgs, place(topology.metadata.azId)),
    { id: topology.writer.id, machine: writerMachine, input: serverlessInput(topology.writer.id, instanceInput(topology.writer.id, 'writer')), locality: place(topology.writer.azId) },
  ];
  for (const replica of topology.replicas) {
    specs.push({ id: replica.id, machine: writerMachine, input: serverlessInput(replica.id, instanceInput(replica.id, 'reader', replica.cacheBlocks)), locality: place(replica.azId) });
  }
  if (topology.standby !== undefined) {
    specs.push({ id: topology.standby.id, machine: writerMachine, input: instanceInput(topology.standby.id, 'standby'), locality: place(topology.standby.azId) });
  }
  const failover = scenario.failover;
  const instances = [
    { id: topology.writer.id, role: 'writer' as const, tier: 0, sizeAcu: 16 },
    ...topology.replicas.map((replica) => ({ id: replica.id, role: 'reader' as const, tier: replica.tier, sizeAcu: replica.sizeAcu })),
    ...(topology.standby === undefined ? [] : [{ id: topology.standby.id, role: 'standby' as const, tier: 15, sizeAcu: 16 }]),
  ];
  specs.push({
    id: topology.controlPlane.id,
    machine: controlPlaneMachine,
    input: { self: topology.controlPlane.id, instances, ...failover },
    locality: place(topology.controlPlane.azId),
  });
  const places: Record<string, { azId: string; node: string; kind: 'full' | 'tail' }> = {};
  for (const segment of topology.segments) places[segment.id] = { azId: segment.azId, node: segment.node, kind: segment.kind };
  const nodesByAz: Record<string, string[]> = {};
  for (const node of topology.nodes) (nodesByAz[node.azId] ??= []).push(node.id);
  specs.push({
    id: topology.storageControlPlane.id,
    machine: storageControlPlaneMachine,
    input: {
      self: topology.storageControlPlane.id,
      pgs: pgs.map((pg) => ({ pg: pg.pg, members: pg.members, membershipEpoch: 1 })),
      places,
      nodesByAz,
      instances: instances.map((instance) => instance.id),
      ...scenario.repair,
      ...(scenario.topology.growth === undefined
        ? {}
        : {
            growth: {
              pgCountMax: pgCountMaxOf(scenario.topology.growth.maxVolumeBytes),
              segmentKinds: scenario.topology.segmentKinds,
              azs: topology.azs,
              metadataId: topology.metadata.id,
            },
          }),
    },
    locality: place(topology.storageControlPlane.azId),
  });
  return specs;
}

/**
 * A segment the storage control plane asked for, as an actor spec: a replacement starts hydrating
 * from its peers; a new PG's segment (`fresh`, storage growth) starts empty and up.
 */
export function replacementSegmentSpec(kernel: Kernel, scenario: Scenario, topology: ResolvedTopology, request: ProvisionRequest, plant?: PlantName): ActorSpec {
  const rng = kernel.rng.fork(`disk:${request.id}`);
  return {
    id: request.id,
    machine: segmentMachine,
    input: {
      self: request.id,
      pg: request.pg,
      kind: request.kind,
      peers: request.peers,
      membershipEpoch: request.membershipEpoch,
      hydrating: request.fresh !== true,
      ...(request.volumeEpoch === undefined ? {} : { volumeEpoch: request.volumeEpoch }),
      diskLatencySamplesMs: Array.from({ length: DISK_SAMPLES_PER_NODE }, () => sample(rng, scenario.storage.diskLatencyMs)),
      gossipPeriodMs: scenario.storage.gossipPeriodMs,
      gossipMaxRecords: scenario.storage.gossipMaxRecords,
      gcPeriodMs: scenario.storage.gcPeriodMs,
      mrplLeaseTicks: scenario.storage.mrplLeaseTicks,
      ...plantInput(plant),
      ...(scenario.backtrack === undefined ? {} : { backtrackWindow: true }),
      ...(scenario.backup === undefined
        ? {}
        : { objectStore: objectStoreId(topology.regionId), stagePeriodMs: scenario.backup.stagePeriodMs, stageMaxRecords: scenario.backup.stageMaxRecords }),
    },
    locality: { regionId: topology.regionId, azId: request.azId },
  };
}

/**
 * A Global Database's write forwarders (docs/protocol.md §11.1, write forwarding), one per
 * secondary that has it, placed with the region's first instance, whose forwarding layer it is.
 * They start pointing at the primary's writer; the world tells them when the writer endpoint
 * moves. Empty when no secondary forwards writes.
 */
export function writeForwardingSpecs(topology: ResolvedTopology): ActorSpec[] {
  return (topology.global?.secondaries ?? []).flatMap((secondary): ActorSpec[] => {
    const forwarding = secondary.writeForwarding;
    if (forwarding === undefined) return [];
    return [
      {
        id: forwarding.forwarder.id,
        machine: writeForwarderMachine,
        input: {
          self: forwarding.forwarder.id,
          region: regionId(secondary.region),
          readConsistency: forwarding.readConsistency,
          writer: topology.writer.id,
          instance: forwarding.instance,
        },
        locality: { regionId: secondary.region, azId: forwarding.forwarder.azId },
      },
    ];
  });
}
