/**
 * A multi-writer cluster in a scenario (docs/protocol.md §11.2): its writers, where they stand,
 * the actors that run them, which writer each client uses, and the scenario rules the section
 * must keep.
 *
 * With `topology.multiWriter`, the cluster has `writers` writer instances, `inst:<region>:writer<n>`,
 * dealt over the volume's three AZs from `writerAz` on ("spread across AZs"), each run by the
 * multi-writer statechart `mm-writer:<instance>`. The single-writer instance of the topology stays
 * in the world, idle: no client sends it anything, so the single-writer judges judge nothing of the
 * multi-writer traffic. Client n uses writer n (round robin); when its writer is down, the next
 * live one (there is no failover: every writer already writes).
 */
import { mmWriterId, mmWriterMachine } from '../../models/mm-writer.machine.js';
import type { MwInput } from '../../models/mm-writer.machine.js';
import { pageLayoutOf } from '../protocol/geometry.js';
import type { PlantName } from '../protocol/plants.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import type { ActorSpec } from './host.js';
import type { ResolvedTopology, Scenario } from './scenario.js';
import { describeValue } from './errors.js';

/** One writer of a multi-writer cluster, placed. */
export interface MultiWriterInstance {
  instance: string;
  /** Its statechart's systemId, `mm-writer:<instance>`. */
  actor: string;
  azId: string;
}

/** The writer instances, in order; none without `topology.multiWriter`. */
export function multiWriterInstances(scenario: Pick<Scenario, 'topology'>, topology: Pick<ResolvedTopology, 'regionId' | 'azs' | 'writer'>): MultiWriterInstance[] {
  const spec = scenario.topology.multiWriter;
  if (spec === undefined) return [];
  const first = Math.max(0, topology.azs.indexOf(topology.writer.azId));
  return Array.from({ length: spec.writers }, (_, index) => {
    const instance = `inst:${topology.regionId}:writer${index + 1}`;
    return { instance, actor: mmWriterId(instance), azId: topology.azs[(first + index) % topology.azs.length] as string };
  });
}

/** The writers' statechart ids (what `instanceCrash` and partitions name); none without the section. */
export function multiWriterActorIds(scenario: Pick<Scenario, 'topology'>, topology: Pick<ResolvedTopology, 'regionId' | 'azs' | 'writer'>): string[] {
  return multiWriterInstances(scenario, topology).map((writer) => writer.actor);
}

/** The writers' actors, each in its AZ, voting under each PG's write quorum (4 of 6, as the world's `quorums` hold it). */
export function multiWriterSpecs(scenario: Scenario, topology: ResolvedTopology, quorums: Readonly<Record<number, { write: QuorumPredicate }>>, plant?: PlantName): ActorSpec[] {
  const spec = scenario.topology.multiWriter;
  if (spec === undefined) return [];
  const writers = multiWriterInstances(scenario, topology);
  const pgs = Object.keys(topology.membersByPg).map((key) => {
    const pg = Number(key);
    const write = quorums[pg]?.write;
    if (write === undefined) throw new Error(`multi-writer: PG ${pg} has no write quorum`);
    return { pg, members: topology.membersByPg[pg] ?? [], write };
  });
  const layout = pageLayoutOf(scenario.topology);
  return writers.map((writer) => {
    const input: MwInput = {
      self: writer.actor,
      peers: writers.filter((other) => other !== writer).map((other) => other.actor),
      pgs,
      layout,
      consistency: spec.consistency,
      replicationDelayMs: spec.replicationDelayMs,
      ...(plant === undefined ? {} : { plant }),
    };
    return { id: writer.actor, machine: mmWriterMachine, input, locality: { regionId: topology.regionId, azId: writer.azId } };
  });
}

/**
 * The writer a client's transaction goes to: its own (client n uses writer n mod the count) while
 * that one is up, else the next one up; its own when every writer is down (the connection is then
 * refused).
 */
export function multiWriterEndpoint(writers: readonly string[], clientIndex: number, isDown: (id: string) => boolean): string {
  for (let step = 0; step < writers.length; step++) {
    const writer = writers[(clientIndex + step) % writers.length] as string;
    if (!isDown(writer)) return writer;
  }
  return writers[clientIndex % writers.length] as string;
}

/** A scenario problem: the field and what it allows. */
interface Problem {
  field: string;
  message: string;
}

/**
 * The multi-writer section's rules: 2 to `maxWriters` writers, and nothing the model does not run
 * with several writers (docs/protocol.md §11.2, "Not modelled"): the User Guide's multi-master
 * clusters had no replicas, Global Database, Serverless, backtrack or clones, and the model keeps
 * one fixed volume with keys hashed over it.
 */
export function multiWriterProblem(scenario: Scenario): Problem | undefined {
  const spec = scenario.topology.multiWriter;
  if (spec === undefined) return undefined;
  if (!Number.isInteger(spec.writers) || spec.writers < 2 || spec.writers > spec.maxWriters) {
    return { field: 'topology.multiWriter.writers', message: `must be an integer from 2 to topology.multiWriter.maxWriters (${spec.maxWriters}), got ${describeValue(spec.writers)}` };
  }
  const refuse = (field: string, what: string): Problem => ({ field, message: `is not supported with topology.multiWriter (${what}); remove one of them` });
  const { topology, workload } = scenario;
  if (topology.regions.length > 1 || topology.global !== undefined) return refuse(topology.global !== undefined ? 'topology.global' : 'topology.regions', 'a multi-writer cluster lives in one region');
  if (topology.serverless !== undefined) return refuse('topology.serverless', 'multi-writer writers are provisioned instances');
  if (topology.replicas.length > 0) return refuse('topology.replicas', 'every instance of a multi-writer cluster is a writer');
  if (topology.growth !== undefined) return refuse('topology.growth', 'the multi-writer volume keeps its PGs');
  if (scenario.backup !== undefined) return refuse('backup', 'restores rebuild a single-writer volume');
  if (scenario.backtrack !== undefined) return refuse('backtrack', 'backtrack was never available with multi-master');
  if (scenario.security !== undefined) return refuse('security', 'the front door connects to the single writer');
  if (workload.readerTxnsPerS > 0) return refuse('workload.readerTxnsPerS', 'there is no reader endpoint: every instance is a writer');
  if ((workload.phases ?? []).some((phase) => (phase.readerTxnsPerS ?? 0) > 0)) return refuse('workload.phases', 'there is no reader endpoint: every instance is a writer');
  if (workload.putKeys === 'append') return refuse('workload.putKeys', 'append placement goes with a growing volume');
  if (scenario.writer.durability === 'all') return refuse('writer.durability', 'page votes use the 4/6 write quorum');
  for (const [i, fault] of scenario.faults.entries()) {
    if (['clone', 'pointInTimeRestore', 'restoreFromSnapshot', 'createSnapshot', 'backtrack', 'closeConnections'].includes(fault.kind)) {
      return refuse(`faults[${i}].kind`, `${fault.kind} is modelled for a single-writer cluster`);
    }
  }
  return undefined;
}

/** Hot keys name at most the workload's keys. */
export function hotKeysProblem({ workload }: Scenario): Problem | undefined {
  const hot = workload.hotKeys;
  if (hot === undefined || hot.keys <= workload.keys) return undefined;
  return { field: 'workload.hotKeys.keys', message: `must be an integer from 1 to workload.keys (${workload.keys}), got ${hot.keys}` };
}
