/**
 * S13 snapshot consistency on replicas (docs/protocol.md §12, S13; §5, read replicas;
 * SIGMOD'18 §3.3 invariant 3): every replica read view equals a writer read view at some VDL point.
 * A replica reads at its read point rp (its applied VDL), so each value it returns must be the
 * committed state made of exactly the commits with commit LSN ≤ rp: for each key, the value of the
 * newest such commit that put it, or nothing.
 *
 * The oracle is built from what the observation stream carries, never from a replica's memory:
 * - every MTR the writers allocate (`allocated`: its commit LSN is its CPL, its puts in op order).
 *   This includes commits whose acknowledgement no client ever saw — a timed-out client, a writer
 *   that crashed before acknowledging a record recovery kept (docs/protocol.md §7.2, outcome A):
 *   below a read point every record is durable, so acknowledged or not, the commit is in the state
 *   there;
 * - the truncation ranges recoveries plan (`recovered`): a commit of an older volume epoch inside
 *   one was annulled (docs/protocol.md §13, R2) and is in no state.
 * Judged on each `replicaRead`. Memory: one entry per put allocated.
 *
 * The witness: a replica read that needed a page from storage (the path with the read race).
 */
import type { Lsn, VolumeEpoch } from '../protocol/ids.js';
import type { Observation } from '../protocol/observations.js';
import type { TruncationRange } from '../protocol/recovery.js';
import { isAnnulled } from '../protocol/recovery.js';
import type { PropertyChecker } from './property.js';
import { always, sometimes } from './property.js';

/** The property's name. */
export const S13_SNAPSHOT_CONSISTENCY = 'S13 snapshot consistency on replicas';

/** The witness's name. */
export const REPLICA_STORAGE_READ_WITNESS = 'replica read from storage witnessed';

/** One committed value of a key: the commit's LSN and volume epoch. */
interface Version {
  readonly lsn: Lsn;
  readonly volumeEpoch: VolumeEpoch;
  readonly value: string;
}

/** Every value each key was given, by commit LSN, ascending. */
function createVersionTable(): {
  add(volumeEpoch: number, commitLsn: number, puts: readonly { key: string; value: string }[]): void;
  valueAt(key: string, readPoint: number, ranges: readonly TruncationRange[]): string | null;
} {
  const byKey = new Map<string, Version[]>();
  return {
    add(volumeEpoch, commitLsn, puts) {
      for (const [i, { key, value }] of puts.entries()) {
        // A transaction that puts a key twice leaves the later value.
        if (puts.some((later, j) => j > i && later.key === key)) continue;
        let versions = byKey.get(key);
        if (versions === undefined) {
          versions = [];
          byKey.set(key, versions);
        }
        let index = versions.length;
        while (index > 0 && (versions[index - 1] as Version).lsn > commitLsn) index--;
        versions.splice(index, 0, { lsn: commitLsn as Lsn, volumeEpoch: volumeEpoch as VolumeEpoch, value });
      }
    },
    valueAt(key, readPoint, ranges) {
      const versions = byKey.get(key) ?? [];
      for (let i = versions.length - 1; i >= 0; i--) {
        const version = versions[i] as Version;
        if (version.lsn > readPoint) continue;
        if (!isAnnulled(version, ranges)) return version.value;
      }
      return null;
    },
  };
}

/** S13; see the file header. */
export function createSnapshotConsistency(): PropertyChecker<Observation> {
  const versions = createVersionTable();
  const ranges: TruncationRange[] = [];
  return always<Observation>(S13_SNAPSHOT_CONSISTENCY, (o, judgement) => {
    if (o.kind === 'allocated') {
      const cpl = o.records.findLast((record) => record.isCpl);
      if (cpl !== undefined && o.puts !== undefined) versions.add(o.volumeEpoch, cpl.lsn, o.puts);
    } else if (o.kind === 'recovered') {
      ranges.push({ volumeEpoch: o.volumeEpoch as VolumeEpoch, fromLsn: o.truncationFromLsn as Lsn, toLsn: o.truncationToLsn as Lsn });
    } else if (o.kind === 'replicaRead') {
      const wrong = o.reads.find((read) => read.value !== versions.valueAt(read.key, o.readPoint, ranges));
      judgement.check(
        wrong === undefined,
        () =>
          `${o.instance} answered txn ${o.txnId} at read point ${o.readPoint} with ${wrong?.key} = ${wrong?.value ?? 'nothing'}, ` +
          `but the commits at or below it give ${versions.valueAt(wrong?.key ?? '', o.readPoint, ranges) ?? 'nothing'} (expected a writer read view at that VDL)`,
      );
    }
  });
}

/** The witness: some replica read was served partly from storage (never fails). */
export function createReplicaStorageReadWitness(): PropertyChecker<Observation> {
  return sometimes<Observation>(REPLICA_STORAGE_READ_WITNESS, (o) => o.kind === 'replicaRead' && o.fromStorage);
}
