/**
 * The clusters a scenario's restores and clones build (docs/protocol.md §10): one per
 * `pointInTimeRestore` or `restoreFromSnapshot` in the fault plan, named `restore-<n>`, and one per
 * `clone`, named `clone-<n>`, each in fault-plan order. Each is a new volume placed as the source's
 * is — the same PGs, each segment on the storage node of the source's segment in its slot, so AZ
 * and node faults reach it — with its own metadata service, a writer that waits as a standby until
 * its job promotes it, and the job. A restored segment fetches its PG from the object store; a
 * clone's fetches it from the source segment in its slot (copy-on-write: the same page versions;
 * past {@link COPY_ON_WRITE_CLONES_MAX}, a full copy). Its actors exist from the start and wait
 * idle, so a run's set of actors is fixed by its scenario.
 */
import type { ResolvedTopology, Scenario, SegmentPlacement } from './scenario.js';

/**
 * Copy-on-write clones one source volume may have; later clones are full copies. "You can create
 * up to 15 copy-on-write clones based on a source copy-on-write clone" (Aurora User Guide, cloning).
 */
export const COPY_ON_WRITE_CLONES_MAX = 15;

/** One restored or cloned cluster, placed. */
export interface RestoredCluster {
  /** `restore-<n>` or `clone-<n>`. */
  name: string;
  /** What builds it: a restore from the object store, or a clone of the source volume. */
  kind: 'pointInTimeRestore' | 'restoreFromSnapshot' | 'clone';
  /** A clone past the copy-on-write limit: its segments copy the source's data. */
  fullCopy?: boolean;
  /** A clone's segments: the source segment each fetches from, by clone segment id. */
  sourceOf?: Readonly<Record<string, string>>;
  /** When the restore is asked, and the time it restores to (a point-in-time restore). */
  atMs: number;
  toTimeMs?: number;
  /** The manual snapshot it restores (a restore from a snapshot). */
  snapshot?: string;
  /** What the request asks of encryption at rest, when it says (docs/protocol.md §15, encryption). */
  encryption?: { encrypted?: boolean; kmsKeyId?: string };
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

/** The id prefix of every actor of clone `n` (1-based). */
export const clonePrefix = (n: number): string => `clone-${n}:`;

/** True iff `id` names an actor of a restored or cloned cluster. */
export function isRestoredActor(id: string): boolean {
  // Asked for every observation of a run: the cheap prefix tests first.
  return (id.startsWith('restore-') && /^restore-\d+:/.test(id)) || (id.startsWith('clone-') && /^clone-\d+:/.test(id));
}

/** The restored and cloned clusters of a scenario, restores then clones, each in fault-plan order (empty without). */
export function restoredClusters(scenario: Scenario, topology: ResolvedTopology): RestoredCluster[] {
  const restores = scenario.faults.flatMap((fault) => (fault.kind === 'pointInTimeRestore' || fault.kind === 'restoreFromSnapshot' ? [fault] : []));
  const clones = scenario.faults.flatMap((fault) => (fault.kind === 'clone' ? [fault] : []));
  return [
    ...restores.map((fault, index) => ({
      ...placed(topology, `restore-${index + 1}`, restorePrefix(index + 1)),
      kind: fault.kind === 'pointInTimeRestore' ? ('pointInTimeRestore' as const) : ('restoreFromSnapshot' as const),
      atMs: fault.atMs,
      ...(fault.kind === 'pointInTimeRestore' ? { toTimeMs: fault.toTimeMs } : { snapshot: fault.snapshot }),
      ...encryptionAsked(fault),
    })),
    ...clones.map((fault, index) => {
      const prefix = clonePrefix(index + 1);
      const sourceOf: Record<string, string> = {};
      for (const segment of topology.segments) sourceOf[`${prefix}${segment.id}`] = segment.id;
      return { ...placed(topology, `clone-${index + 1}`, prefix), kind: 'clone' as const, atMs: fault.atMs, sourceOf, ...(index >= COPY_ON_WRITE_CLONES_MAX ? { fullCopy: true } : {}), ...encryptionAsked(fault) };
    }),
  ];
}

/** The encryption fields a restore or clone names, if any. */
function encryptionAsked(fault: { encrypted?: boolean; kmsKeyId?: string }): Pick<RestoredCluster, 'encryption'> {
  if (fault.encrypted === undefined && fault.kmsKeyId === undefined) return {};
  return { encryption: { ...(fault.encrypted === undefined ? {} : { encrypted: fault.encrypted }), ...(fault.kmsKeyId === undefined ? {} : { kmsKeyId: fault.kmsKeyId }) } };
}

/** A new volume named `name` placed as the source's, its actors' ids prefixed by `prefix`. */
function placed(topology: ResolvedTopology, name: string, prefix: string): Omit<RestoredCluster, 'kind' | 'atMs'> {
  const segments = topology.segments.map((segment) => ({ ...segment, id: `${prefix}${segment.id}` }));
  const membersByPg: Record<number, string[]> = {};
  for (const [pg, members] of Object.entries(topology.membersByPg)) membersByPg[Number(pg)] = members.map((member) => `${prefix}${member}`);
  return {
    name,
    job: `${prefix}job`,
    metadata: { id: `${prefix}${topology.metadata.id}`, azId: topology.metadata.azId },
    writer: { id: `${prefix}${topology.writer.id}`, azId: topology.writer.azId },
    segments,
    membersByPg,
  };
}
