/**
 * The fault injector: applies a scenario's fault plan at its virtual times.
 *
 * Power faults (a segment or storage node crash, an AZ or region outage) are events delivered to
 * the actor that fails; the failure domains pass them down to their members (see
 * `models/failure-domain.ts`). Network faults (partitions) are applied to the kernel network; an
 * AZ named in a partition also records the `partitioned` state. Every fault is written to the
 * trace before it takes effect.
 */
import type { EventObject } from 'xstate';
import type { Kernel } from '../kernel/kernel.js';
import type { FaultSpec, ResolvedTopology } from './scenario.js';
import { azActorId, regionActorId } from './assemble.js';
import type { ActorHost } from './host.js';

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
  for (const fault of faults) {
    kernel.clock.scheduleAt(fault.atMs, () => log.push(applyFault(kernel, host, topology, fault)));
  }
  return log;
}

/** The actor a fault is delivered to, and the event; undefined for network faults. */
function powerFault(fault: FaultSpec): { target: string; event: EventObject } | undefined {
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
    default:
      return undefined;
  }
}

/** Expands AZ names in a partition side to every endpoint placed in that AZ. */
function expandSide(kernel: Kernel, topology: ResolvedTopology, side: readonly string[]): string[] {
  const azs = new Set(side.filter((name) => topology.allAzs.includes(name)));
  const ids = side.filter((name) => !azs.has(name));
  if (azs.size === 0) return ids;
  for (const segment of topology.segments) if (azs.has(segment.azId)) ids.push(segment.id);
  for (const node of topology.nodes) if (azs.has(node.azId)) ids.push(node.id);
  for (const client of topology.clients) if (azs.has(client.azId)) ids.push(client.id);
  const instances = [topology.writer, ...topology.replicas, ...(topology.standby === undefined ? [] : [topology.standby])];
  for (const instance of instances) if (azs.has(instance.azId)) ids.push(instance.id);
  for (const service of [topology.metadata, topology.controlPlane]) if (azs.has(service.azId)) ids.push(service.id);
  return ids.filter((id) => kernel.network.has(id));
}

function applyFault(kernel: Kernel, host: ActorHost, topology: ResolvedTopology, fault: FaultSpec): AppliedFault {
  const atMs = kernel.clock.now();
  const power = powerFault(fault);
  if (power !== undefined) {
    kernel.trace.record({ kind: 'fault', atMs, fault: fault.kind, target: power.target, detail: fault });
    host.inject(power.target, power.event);
    return { atMs, fault: fault.kind, target: power.target };
  }
  if (fault.kind === 'partition') {
    const target = fault.sideA.join(',');
    kernel.trace.record({ kind: 'fault', atMs, fault: 'partition', target, detail: fault });
    const sideA = expandSide(kernel, topology, fault.sideA);
    const sideB = fault.sideB === undefined ? undefined : expandSide(kernel, topology, fault.sideB);
    kernel.network.partition(sideA, sideB, { oneWay: fault.oneWay ?? false });
    for (const az of [...fault.sideA, ...(fault.sideB ?? [])]) {
      if (topology.allAzs.includes(az)) host.inject(azActorId(az), { type: 'partition' });
    }
    return { atMs, fault: 'partition', target };
  }
  kernel.trace.record({ kind: 'fault', atMs, fault: 'heal', target: '*' });
  kernel.network.healAll();
  for (const az of topology.allAzs) host.inject(azActorId(az), { type: 'heal' });
  return { atMs, fault: 'heal', target: '*' };
}
