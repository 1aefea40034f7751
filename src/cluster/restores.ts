/**
 * The clusters a scenario's restores build (docs/protocol.md §10): one per `pointInTimeRestore`
 * or `restoreFromSnapshot` in the fault plan, named `restore-<n>` in fault-plan order. Each is a new
 * volume placed as the source's is — the same PGs, each segment on the storage node of the
 * source's segment in its slot, so AZ and node faults reach it — with its own metadata service, a
 * writer that waits as a standby until its restore job promotes it, and the job. Its actors exist
 * from the start and wait idle, so a run's set of actors is fixed by its scenario.
 */
import type { ResolvedTopology, Scenario, SegmentPlacement } from './scenario.js';

/** One restored cluster, placed. */
export interface RestoredCluster {
  /** `restore-<n>`. */
  name: string;
  /** When the restore is asked, and the time it restores to (a point-in-time restore). */
  atMs: number;
  toTimeMs?: number;
  /** The manual snapshot it restores (a restore from a snapshot). */
  snapshot?: string;
  /** The job that builds it, `restore-<n>:job`. */
  job: string;
  metadata: { id: string; azId: string };
  /** Its writer, `restore-<n>:` and the source writer's id, in the source writer's AZ. */
  writer: { id: string; azId: string };
  segments: SegmentPlacement[];
  membersByPg: Record<number, string[]>;
}

/** The id prefix of every actor of restore `n` (1-based). */
export const restorePrefix = (n: number): string => `restore-${n}:`;

/** True iff `id` names an actor of a restored cluster. */
export function isRestoredActor(id: string): boolean {
  // Asked for every observation of a run: the cheap prefix test first.
  return id.startsWith('restore-') && /^restore-\d+:/.test(id);
}

/** The restored clusters of a scenario, in fault-plan order (empty without restores). */
export function restoredClusters(scenario: Scenario, topology: ResolvedTopology): RestoredCluster[] {
  const restores = scenario.faults.flatMap((fault) => (fault.kind === 'pointInTimeRestore' || fault.kind === 'restoreFromSnapshot' ? [fault] : []));
  return restores.map((fault, index) => {
    const name = `restore-${index + 1}`;
    const prefix = restorePrefix(index + 1);
    const segments = topology.segments.map((segment) => ({ ...segment, id: `${prefix}${segment.id}` }));
    const membersByPg: Record<number, string[]> = {};
    for (const [pg, members] of Object.entries(topology.membersByPg)) membersByPg[Number(pg)] = members.map((member) => `${prefix}${member}`);
    return {
      name,
      atMs: fault.atMs,
      ...(fault.kind === 'pointInTimeRestore' ? { toTimeMs: fault.toTimeMs } : { snapshot: fault.snapshot }),
      job: `${prefix}job`,
      metadata: { id: `${prefix}${topology.metadata.id}`, azId: topology.metadata.azId },
      writer: { id: `${prefix}${topology.writer.id}`, azId: topology.writer.azId },
      segments,
      membersByPg,
    };
  });
}
