/**
 * The fault injector: applies a scenario's fault plan at its virtual times.
 *
 * Power faults (a segment or storage node crash, an AZ or region outage) are events delivered to
 * the actor that fails; the failure domains pass them down to their members (see
 * `models/failure-domain.ts`). Network faults (partitions) are applied to the kernel network: a
 * side may name AZs and regions, which stand for every endpoint placed there when the partition
 * applies, and an endpoint that joins while the partition holds (a replacement segment placed in a
 * partitioned AZ) is added to the side its AZ or region is on; an AZ named in a partition also
 * records the `partitioned` state. Every fault is written to the trace before it takes effect.
 */
import type { EventObject } from 'xstate';
import type { Kernel } from '../kernel/kernel.js';
import type { FaultSpec, ResolvedTopology } from './scenario.js';
import { azActorId, objectStoreId, regionActorId } from './assemble.js';
import type { ActorHost } from './host.js';
import type { LinkRuleId } from '../kernel/network.js';
import { everyAz, everyRegion } from './topology.js';
import { globalRegionActorId } from '../../models/global-region.machine.js';

/** A fault as it was applied: when, what, and to whom. */
export interface AppliedFault {
  atMs: number;
  fault: string;
  target: string;
}

/** Schedules every fault of the plan on the kernel clock; each is appended to `log` as it applies. */
export function scheduleFaults(
  kernel: Kernel,
  host: ActorHost,
  topology: ResolvedTopology,
  faults: readonly FaultSpec[],
  log: AppliedFault[] = [],
): AppliedFault[] {
  const partitions: ActivePartition[] = [];
  // A partition names places, not a list frozen when it applied: an endpoint that attaches while it
  // holds is placed on its side by cutting again with the sides expanded anew.
  kernel.network.onAttach(() => {
    for (const active of partitions) {
      kernel.network.heal(active.rule);
      active.rule = cut(kernel, topology, active.fault);
    }
  });
  for (const fault of faults) {
    kernel.clock.scheduleAt(fault.atMs, () => log.push(applyFault(kernel, host, topology, fault, partitions)));
  }
  return log;
}

type PartitionFault = Extract<FaultSpec, { kind: 'partition' }>;

/** A partition in force and the network rule that applies it now. */
interface ActivePartition {
  fault: PartitionFault;
  rule: LinkRuleId;
}

function cut(kernel: Kernel, topology: ResolvedTopology, fault: PartitionFault): LinkRuleId {
  const { sideA, sideB } = partitionSides(kernel, topology, fault);
  return kernel.network.partition(sideA, sideB, { oneWay: fault.oneWay ?? false });
}

/** The actor a fault is delivered to, and the event; undefined for network faults. */
function powerFault(fault: FaultSpec, topology: ResolvedTopology): { target: string; event: EventObject } | undefined {
  switch (fault.kind) {
    case 'azOutage':
    case 'azRecover':
      return { target: azActorId(fault.az), event: { type: fault.kind === 'azOutage' ? 'outage' : 'recover', cause: 'az' } as EventObject };
    case 'regionOutage':
    case 'regionRecover':
      return { target: regionActorId(fault.region), event: { type: fault.kind === 'regionOutage' ? 'outage' : 'recover', cause: 'region' } as EventObject };
    case 'segmentCrash':
    case 'segmentRestart':
      return { target: fault.segment, event: { type: fault.kind === 'segmentCrash' ? 'crash' : 'restart' } };
    case 'nodeCrash':
    case 'nodeRestart':
      return { target: fault.node, event: { type: fault.kind === 'nodeCrash' ? 'crash' : 'restart' } };
    case 'slowSegment':
      return { target: fault.segment, event: { type: 'slowDisk', factor: fault.factor } as EventObject };
    case 'instanceCrash':
    case 'instanceRestart':
      return { target: fault.instance, event: { type: fault.kind === 'instanceCrash' ? 'crash' : 'restart' } };
    // Operator actions reach the region's statechart as its own events (models/global-region.machine.ts).
    case 'globalFailover':
      return { target: globalRegionActorId(fault.region), event: { type: 'failover', from: 'operator' } as EventObject };
    case 'globalDetach':
      return { target: globalRegionActorId(fault.region), event: { type: 'detach', from: 'operator' } as EventObject };
    // A switchover names its target; the target asks the primary it knows to run it (§11.1).
    case 'globalSwitchover':
      return { target: globalRegionActorId(fault.region), event: { type: 'switchoverTo', from: 'operator' } as EventObject };
    // The primary region's object store (docs/protocol.md §10), as its own signals (models/object-store.machine.ts).
    case 'objectStoreOutage':
    case 'objectStoreRecover':
      return { target: objectStoreId(topology.regionId), event: { type: fault.kind === 'objectStoreOutage' ? 'outage' : 'recover', cause: 'objectStore' } as EventObject };
    case 'objectStoreThrottle':
      return { target: objectStoreId(topology.regionId), event: { type: 'throttle', requestsPerS: fault.requestsPerS } as EventObject };
    case 'objectStoreUnthrottle':
      return { target: objectStoreId(topology.regionId), event: { type: 'unthrottle' } };
    case 'objectStoreSlow':
      return { target: objectStoreId(topology.regionId), event: { type: 'slowObjectStore', factor: fault.factor } as EventObject };
    default:
      return undefined;
  }
}

/** How specific a name on a partition side is: an actor id, an AZ, or a region. */
const ACTOR = 0;
const AZ = 1;
const REGION = 2;

/**
 * The endpoints a partition side names. An AZ or a region stands for every endpoint the network
 * places there (`Network.localityOf`): its storage nodes, segments (replacements too), instances,
 * services (metadata, control plane, storage control plane), clients, and the failure-domain
 * actors themselves. Other names are endpoint ids. Each endpoint maps to how specifically the
 * side named it.
 */
function sideMembers(kernel: Kernel, endpoints: readonly string[], topology: ResolvedTopology, side: readonly string[]): Map<string, number> {
  const members = new Map<string, number>();
  const add = (id: string, level: number): void => {
    members.set(id, Math.min(level, members.get(id) ?? level));
  };
  const azs = everyAz(topology);
  const regions = everyRegion(topology);
  for (const name of side) {
    const level = azs.includes(name) ? AZ : regions.includes(name) ? REGION : ACTOR;
    if (level === ACTOR) {
      add(name, ACTOR);
      continue;
    }
    for (const id of endpoints) {
      const locality = kernel.network.localityOf(id);
      if ((level === AZ ? locality?.azId : locality?.regionId) === name) add(id, level);
    }
  }
  return members;
}

/**
 * Both sides of a partition as endpoint ids. An endpoint both sides cover stays only on the side
 * that named it more specifically: `sideA: [region], sideB: ['client:1']` cuts client 1 off from
 * the rest of the region. @internal Exported for tests; the injector applies it when a
 * partition fires.
 */
export function partitionSides(
  kernel: Kernel,
  topology: ResolvedTopology,
  fault: PartitionFault,
): { sideA: string[]; sideB: string[] | undefined } {
  // Every endpoint attached now: the hosted actors (replacement segments included) and the clients.
  const endpoints = kernel.network.endpointIds();
  const a = sideMembers(kernel, endpoints, topology, fault.sideA);
  const b = fault.sideB === undefined ? undefined : sideMembers(kernel, endpoints, topology, fault.sideB);
  const keep = (own: Map<string, number>, other: Map<string, number> | undefined): string[] =>
    [...own].filter(([id, level]) => kernel.network.has(id) && !(level > (other?.get(id) ?? Infinity))).map(([id]) => id);
  return { sideA: keep(a, b), sideB: b === undefined ? undefined : keep(b, a) };
}

/**
 * A Global Database's replicators (`replicator:<region>`, src/cluster/global-shipping.ts) are
 * endpoints, not actors, placed with the primary's writer: an outage of their AZ or region takes
 * them down with it, so what they had sent and was still on its way is lost on arrival, as the
 * network loses what a down endpoint sent (docs/protocol.md §11.1, managed failover: the loss is
 * what had not reached a secondary). No other endpoint is placed this way, so runs without a
 * Global Database are untouched.
 */
function replicatorsFollow(kernel: Kernel, fault: FaultSpec): void {
  if (fault.kind !== 'azOutage' && fault.kind !== 'azRecover' && fault.kind !== 'regionOutage' && fault.kind !== 'regionRecover') return;
  const down = fault.kind === 'azOutage' || fault.kind === 'regionOutage';
  for (const id of kernel.network.endpointIds()) {
    if (!id.startsWith('replicator:')) continue;
    const locality = kernel.network.localityOf(id);
    const placed = 'az' in fault ? locality?.azId === fault.az : locality?.regionId === fault.region;
    if (placed) kernel.network.setDown(id, down);
  }
}

function applyFault(kernel: Kernel, host: ActorHost, topology: ResolvedTopology, fault: FaultSpec, partitions: ActivePartition[]): AppliedFault {
  const atMs = kernel.clock.now();
  const power = powerFault(fault, topology);
  if (power !== undefined) {
    kernel.trace.record({ kind: 'fault', atMs, fault: fault.kind, target: power.target, detail: fault });
    host.inject(power.target, power.event);
    replicatorsFollow(kernel, fault);
    return { atMs, fault: fault.kind, target: power.target };
  }
  if (fault.kind === 'partition') {
    const target = fault.sideA.join(',');
    kernel.trace.record({ kind: 'fault', atMs, fault: 'partition', target, detail: fault });
    partitions.push({ fault, rule: cut(kernel, topology, fault) });
    const azs = everyAz(topology);
    for (const az of [...fault.sideA, ...(fault.sideB ?? [])]) {
      if (azs.includes(az)) host.inject(azActorId(az), { type: 'partition' });
    }
    return { atMs, fault: 'partition', target };
  }
  kernel.trace.record({ kind: 'fault', atMs, fault: 'heal', target: '*' });
  kernel.network.healAll();
  partitions.length = 0;
  for (const az of everyAz(topology)) host.inject(azActorId(az), { type: 'heal' });
  return { atMs, fault: 'heal', target: '*' };
}
