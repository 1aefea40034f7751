/**
 * Aurora Serverless v2 in a cluster (docs/protocol.md §11.3): which instances scale, in which role,
 * and the scaler actors that hold their capacity; and the scenario rules the section must keep.
 *
 * With `topology.serverless`, the writer and every replica are Serverless v2 instances, each with a
 * scaler `scaler:<instance>` on its host. The writer's scaler leads the writer group: the writer
 * and the readers in promotion tiers 0 and 1, which "scale at the same time as the writer" (User
 * Guide, "How Aurora Serverless v2 works"); readers in tiers 2–15 scale on their own. The standby
 * (the spare RDS turns into a writer when no replica is left) is not a Serverless v2 instance. The
 * roles are the topology's: after a failover the group keeps its lead, and scales on the largest
 * demand of its members, whichever of them is the writer then.
 */
import { scalerIdOf, serverlessScalerMachine } from '../../models/serverless-scaler.machine.js';
import type { ScalerInput, ScalerRole } from '../../models/serverless-scaler.machine.js';
import { ACU_MAX, ACU_STEP, cacheBlocksAt, isAcuStep, runningFloorAcu } from '../protocol/serverless.js';
import type { ActorSpec } from './host.js';
import type { ResolvedTopology, Scenario, ServerlessSpec } from './scenario.js';
import { describeValue } from './errors.js';

/** A Serverless v2 instance placed: its scaler, role and place. */
export interface ServerlessInstance {
  instance: string;
  scaler: string;
  role: ScalerRole;
  /** Promotion tier (the writer's counts as 0). */
  tier: number;
  azId: string;
}

/** Readers in these promotion tiers scale with the writer (User Guide). */
export const FOLLOWING_TIERS_MAX = 1;

/** The cluster's Serverless v2 instances, writer first, or none without `topology.serverless`. */
export function serverlessInstances(scenario: Pick<Scenario, 'topology'>, topology: Pick<ResolvedTopology, 'writer' | 'replicas'>): ServerlessInstance[] {
  if (scenario.topology.serverless === undefined) return [];
  const writer = { instance: topology.writer.id, scaler: scalerIdOf(topology.writer.id), role: 'lead' as const, tier: 0, azId: topology.writer.azId };
  const readers = topology.replicas.map((replica) => ({
    instance: replica.id,
    scaler: scalerIdOf(replica.id),
    role: replica.tier <= FOLLOWING_TIERS_MAX ? ('follow' as const) : ('solo' as const),
    tier: replica.tier,
    azId: replica.azId,
  }));
  return [writer, ...readers];
}

/** The capacity an instance starts at: the least running capacity of the range. */
export function startingCapacityAcu(spec: ServerlessSpec): number {
  return runningFloorAcu(spec);
}

/** What an instance is told of its scaler and cache, or nothing for a provisioned instance. */
export function serverlessInstanceInput(scenario: Pick<Scenario, 'topology'>, instance: string): { cacheBlocks: number; serverless: { scaler: string; capacityAcu: number } } | undefined {
  const spec = scenario.topology.serverless;
  if (spec === undefined) return undefined;
  const capacityAcu = startingCapacityAcu(spec);
  return { cacheBlocks: cacheBlocksAt(capacityAcu, spec.cacheBlocksPerAcu), serverless: { scaler: scalerIdOf(instance), capacityAcu } };
}

/** The scalers of a cluster's Serverless v2 instances, each on its instance's host; none without the section. */
export function serverlessSpecs(scenario: Scenario, topology: ResolvedTopology): ActorSpec[] {
  const spec = scenario.topology.serverless;
  if (spec === undefined) return [];
  const instances = serverlessInstances(scenario, topology);
  const lead = instances[0]!.scaler;
  const followers = instances.filter((instance) => instance.role === 'follow').map((instance) => instance.scaler);
  const solos = instances.filter((instance) => instance.role === 'solo').map((instance) => instance.scaler);
  return instances.map((instance): ActorSpec => {
    const input: ScalerInput = {
      self: instance.scaler,
      instance: instance.instance,
      role: instance.role,
      lead,
      ...(instance.role === 'lead' ? { followers, solos } : {}),
      range: { minAcu: spec.minAcu, maxAcu: spec.maxAcu },
      ...(spec.minAcu === 0 ? { autoPauseAfterMs: spec.autoPauseAfterS * 1000 } : {}),
      resumeMs: spec.resumeMs,
      cacheBlocksPerAcu: spec.cacheBlocksPerAcu,
      load: { commitsPerSPerAcu: spec.commitsPerSPerAcu, getsPerSPerAcu: spec.getsPerSPerAcu, targetLoadPercent: spec.targetLoadPercent },
    };
    return { id: instance.scaler, machine: serverlessScalerMachine, input, locality: { regionId: topology.regionId, azId: instance.azId } };
  });
}

/** A field and what it allows (one line together). */
export interface ServerlessProblem {
  field: string;
  message: string;
}

/**
 * The first reason a scenario's `topology.serverless` cannot run, or undefined: the range (User
 * Guide; RDS API, ServerlessV2ScalingConfiguration: steps of 0.5, the maximum at least 1 and at
 * most 256, the minimum 0 only for auto-pause), the buffer caches (they follow capacity, so a fixed
 * size is refused), a client timeout that outlasts a resume (a transaction waits for a paused
 * instance), and no Global Database (auto-pause does not apply to one, and its secondaries'
 * instances are not modelled as Serverless v2).
 */
export function serverlessProblem(scenario: Scenario): ServerlessProblem | undefined {
  const spec = scenario.topology.serverless;
  if (spec === undefined) return undefined;
  const field = 'topology.serverless';
  const { minAcu, maxAcu } = spec;
  if (!(minAcu === 0 || (isAcuStep(minAcu) && minAcu >= ACU_STEP && minAcu <= ACU_MAX))) {
    return { field: `${field}.minAcu`, message: `must be 0 (to allow auto-pause) or a multiple of ${ACU_STEP} from ${ACU_STEP} to ${ACU_MAX}, got ${describeValue(minAcu)}` };
  }
  if (!(isAcuStep(maxAcu) && maxAcu >= 1 && maxAcu <= ACU_MAX)) {
    return { field: `${field}.maxAcu`, message: `must be a multiple of ${ACU_STEP} from 1 to ${ACU_MAX}, got ${describeValue(maxAcu)}` };
  }
  if (minAcu > maxAcu) return { field: `${field}.minAcu`, message: `must be at most topology.serverless.maxAcu (${maxAcu}), got ${minAcu}` };
  if (scenario.topology.global !== undefined) return { field, message: 'is not modelled with a Global Database: remove topology.global or topology.serverless, got both' };
  if (scenario.writer.cacheBlocks !== 0) {
    return { field: 'writer.cacheBlocks', message: `must be 0 with topology.serverless (the buffer cache follows capacity: topology.serverless.cacheBlocksPerAcu), got ${scenario.writer.cacheBlocks}` };
  }
  const sized = scenario.topology.replicas.findIndex((replica) => (replica.cacheBlocks ?? 0) !== 0);
  if (sized >= 0) {
    return { field: `topology.replicas[${sized}].cacheBlocks`, message: `must be 0 with topology.serverless (the buffer cache follows capacity: topology.serverless.cacheBlocksPerAcu), got ${scenario.topology.replicas[sized]!.cacheBlocks}` };
  }
  if (minAcu === 0 && scenario.workload.txnTimeoutMs <= spec.resumeMs) {
    return { field: 'workload.txnTimeoutMs', message: `must be > topology.serverless.resumeMs (${spec.resumeMs}) when minAcu is 0: a transaction waits for a paused instance to resume, got ${scenario.workload.txnTimeoutMs}` };
  }
  return undefined;
}
