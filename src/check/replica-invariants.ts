/**
 * S12 replica visibility (docs/protocol.md §12, S12): a replica never applies or exposes a
 * record above the VDL it knows, the VDL it knows is never above the writer's, and its read point
 * never goes back (within one writer's stream; a restart starts a new, cold read view).
 *
 * Judged from observations: `replicaApplied` (applied LSN, known VDL) against the writers'
 * `watermarks` (their VDL at that volume epoch).
 */
import type { Observation } from '../protocol/observations.js';
import type { PropertyResult } from './property.js';
import { createTally } from './property.js';

/** The property's name. */
export const S12_REPLICA_VISIBILITY = 'S12 replica visibility';

/** The S12 checker: `observe` every observation in time order, read `result()`. */
export interface ReplicaVisibilityChecker {
  observe(atMs: number, observation: Observation): void;
  result(): PropertyResult;
}

/** Creates the S12 checker; see the file header. */
export function createReplicaVisibility(): ReplicaVisibilityChecker {
  const writerVdlByEpoch = new Map<number, number>();
  const lastApplied = new Map<string, number>();
  const tally = createTally(S12_REPLICA_VISIBILITY, 'always');
  const violate = tally.violated;
  return {
    observe(atMs, observation) {
      if (observation.kind === 'watermarks') {
        writerVdlByEpoch.set(observation.volumeEpoch, Math.max(writerVdlByEpoch.get(observation.volumeEpoch) ?? 0, observation.vdl));
      } else if (observation.kind === 'writerOpened') {
        writerVdlByEpoch.set(observation.volumeEpoch, Math.max(writerVdlByEpoch.get(observation.volumeEpoch) ?? 0, observation.vdl));
      } else if (observation.kind === 'replicaRestarted') {
        lastApplied.delete(observation.instance);
      } else if (observation.kind === 'replicaApplied') {
        tally.judged();
        const { instance, appliedLsn, knownVdl, volumeEpoch } = observation;
        const writerVdl = writerVdlByEpoch.get(volumeEpoch) ?? 0;
        if (appliedLsn > knownVdl) violate(atMs, `${instance} applied up to LSN ${appliedLsn} above the VDL it knew, ${knownVdl} (expected applied ≤ known VDL)`);
        if (knownVdl > writerVdl) violate(atMs, `${instance} knew VDL ${knownVdl} above the writer's ${writerVdl} at volumeEpoch ${volumeEpoch} (expected ≤)`);
        const before = lastApplied.get(instance);
        if (before !== undefined && appliedLsn < before) violate(atMs, `${instance}'s read point went back from ${before} to ${appliedLsn} (expected monotone)`);
        lastApplied.set(instance, appliedLsn);
      }
    },
    result: () => tally.result(),
  };
}
