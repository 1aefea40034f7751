/**
 * The backup service of a run (docs/protocol.md §10; docs/semantics.md, "Report fields",
 * `backup`): it keeps the restore-point index (`restore-points.ts`) and each PG's staged point from
 * the world's stream, starts each point-in-time restore the fault plan asks for — mapping the
 * time asked to a restore point and telling the restore job — and reports how far the object store
 * holds each PG, the bandwidth staging used, the backup storage kept, the latest restorable time
 * and every restore. It reads the world's stream and snapshots and acts only at a restore's time,
 * so runs without restores hash the same with it.
 */
import { clusterInstanceIds } from '../cluster/topology.js';
import type { ObjectStoreContext } from '../../models/object-store.machine.js';
import type { RestoreJobContext } from '../../models/restore-job.machine.js';
import type { RestoredCluster } from '../cluster/restores.js';
import { objectStoreId } from '../cluster/assemble.js';
import type { WorldEvent } from '../cluster/host.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import type { Subscription } from 'rxjs';
import { RestorePointIndex } from './restore-points.js';
import { retainedBytes } from '../protocol/backup-archive.js';

/** The `backup` block of the report. */
export interface BackupReport {
  objectStore: string;
  /** The object store's state at the end: `available.normal`, `available.throttling` or `unavailable`. */
  objectStoreState: string;
  stagePeriodMs: number;
  retentionDays: number;
  /** Puts that moved a PG's staged point, and what they carried. */
  puts: number;
  recordsStaged: number;
  bytesStaged: number;
  /** Staging bandwidth over the run: bytes staged per simulated second. */
  stagingBytesPerS: number;
  /** Requests the object store answered with `slowDown` (throttling). */
  throttledRequests: number;
  /** The lowest staged point over the PGs: nothing above it can be restored yet. */
  stagedLsnMin: number;
  /**
   * The latest time (virtual ms, whole) a point-in-time restore can reach: the last millisecond at
   * which the volume's VDL was still at or below every PG's staged point. `null` before any point.
   */
  latestRestorableTimeMs: number | null;
  /** The restore point that time gives: the VDL then. */
  latestRestorableLsn: number;
  /** How far the latest restorable time trails the end of the run. */
  restorableLagMs: number | null;
  /** Each PG's staged point, and when (run time) it last moved. */
  stagedByPg: { pg: number; stagedLsn: number; stagedAtMs: number }[];
  /** Backup storage held for the retention window: staged log and page snapshots, in bytes. */
  retainedBytes: { log: number; snapshots: number };
  /** Backup storage of the manual snapshots, each a full copy (they never expire). */
  snapshotBytes: number;
  /** Every manual snapshot asked for: its point, and when the object store completed it. */
  snapshots: { name: string; requestedAtMs: number; lsn: number; createdAtMs?: number; bytes?: number }[];
  /** Every point-in-time restore asked so far. */
  restores: RestoreReport[];
}

/** One point-in-time restore. */
export interface RestoreReport {
  /** The new cluster, `restore-<n>`. */
  cluster: string;
  requestedAtMs: number;
  /** The time asked for (null for a restore from a snapshot). */
  toTimeMs: number | null;
  /** The manual snapshot restored from, if it is one. */
  snapshot?: string;
  /** The latest restorable time when it was asked (null: no point yet). */
  latestRestorableTimeMs: number | null;
  /** The point restored to: a VDL the source reached, and when it reached it. */
  restorePoint: { lsn: number; reachedAtMs: number | null };
  /** How far the restored state is behind the time asked: `toTimeMs` minus the point's time. */
  lagMs: number | null;
  /** The job's state: `restoring`, `opening`, `available` or `failed`; `refused` when it was refused when asked (`reason` says why). */
  state: string;
  /** When every PG was restored on a write quorum, and when the new writer opened. */
  pgsRestoredAtMs?: number;
  availableAtMs?: number;
  /** From the request to the writer's opening. */
  restoreMs?: number;
  /** Bytes the new volume's segments fetched from the object store. */
  bytesRestored: number;
  /** Why it failed. */
  reason?: string;
  /** S20's check of it (`src/check/restore.ts`), when the caller judged it. */
  verification?: RestoreCheck;
}

/**
 * A restore's verification by S20: the point its rule gives, the blocks compared with the oracle
 * (each on every new segment that holds its PG that far) and how many differed; `verified` once it
 * completed (false if it failed or any check did not hold).
 */
export interface RestoreCheck {
  expectedLsn?: number;
  blocksChecked: number;
  mismatches: number;
  verified?: boolean;
}

/** The world as the panel reads it. */
export interface BackupServiceSource {
  scenario: Scenario;
  topology: ResolvedTopology;
  listen(handler: (event: WorldEvent) => void): Subscription;
  snapshotOf(id: string): { value: unknown; context: unknown };
  /** Delivers a restore job its request, or the object store a snapshot request. */
  inject(id: string, event: { type: 'restoreRequest'; throughLsn: number; snapshot?: string } | { type: 'createSnapshot'; name: string; throughLsn: number; pgs: number[] }): void;
  nowMs(): number;
}

interface RestoreRecord {
  cluster: RestoredCluster;
  requestedAtMs: number;
  latestRestorableTimeMs: number | null;
  point: { lsn: number; reachedAtMs: number | null };
  pgsRestoredAtMs?: number;
  availableAtMs?: number;
  reason?: string;
  /** Refused when asked (docs/protocol.md §15, encryption): never built. */
  refused?: boolean;
}

/** Flattens a state value (`{ available: 'normal' }` → `available.normal`). */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', undefined];
  return inner === undefined ? key : `${key}.${stateName(inner)}`;
}

/** See the file header. */
export class BackupService {
  /** The restore-point index the backup service keeps. */
  readonly restorePoints = new RestorePointIndex();
  private readonly stagedByPg = new Map<number, { stagedLsn: number; stagedAtMs: number }>();
  private readonly objectStore: string;
  private readonly instances: ReadonlySet<string>;
  private readonly restores = new Map<string, RestoreRecord>();
  /** Manual snapshots asked for, by name. */
  private readonly snapshots = new Map<string, { requestedAtMs: number; throughLsn: number; reachedAtMs: number | null; createdAtMs?: number; bytes?: number }>();

  constructor(private readonly source: BackupServiceSource) {
    const { topology } = source;
    this.objectStore = objectStoreId(topology.regionId);
    this.instances = clusterInstanceIds(topology);
    for (const pg of Object.keys(topology.membersByPg)) this.stagedByPg.set(Number(pg), { stagedLsn: 0, stagedAtMs: 0 });
    source.listen((event) => this.onEvent(event));
  }

  /** The lowest staged point over the PGs. */
  stagedLsnMin(): number {
    let lowest = Infinity;
    for (const { stagedLsn } of this.stagedByPg.values()) lowest = Math.min(lowest, stagedLsn);
    return Number.isFinite(lowest) ? lowest : 0;
  }

  /** The latest restorable time now (whole ms), with its point; null before any point. */
  latestRestorable(): { timeMs: number; lsn: number } | null {
    const stagedMin = this.stagedLsnMin();
    const point = this.restorePoints.atOrBelowLsn(stagedMin);
    if (point === undefined) return null;
    return { timeMs: this.restorePoints.latestTimeAtOrBelow(stagedMin, this.source.nowMs()), lsn: point.lsn };
  }

  /**
   * Starts the restore that builds `cluster` (docs/protocol.md §10): the point is the VDL in force
   * at the time asked, or the latest restorable point if that is lower (the state no later than
   * asked that the object store holds on every PG), and its job is told now.
   */
  requestRestore(cluster: RestoredCluster): void {
    const latest = this.latestRestorable();
    const requestedAtMs = this.source.nowMs();
    if (cluster.snapshot !== undefined) {
      // A restore from a manual snapshot goes to the snapshot's point (docs/protocol.md §10, snapshots).
      const taken = this.snapshots.get(cluster.snapshot);
      const point = { lsn: taken?.throughLsn ?? 0, reachedAtMs: taken?.reachedAtMs ?? null };
      this.restores.set(cluster.job, { cluster, requestedAtMs, latestRestorableTimeMs: latest?.timeMs ?? null, point });
      this.source.inject(cluster.job, { type: 'restoreRequest', throughLsn: point.lsn, snapshot: cluster.snapshot });
      return;
    }
    // The state at the time asked, unless the object store does not hold it on every PG yet: then
    // the latest state it holds (by LSN, not by a rounded time: VDL advances closer than 1 ms apart).
    const toTimeMs = cluster.toTimeMs ?? requestedAtMs;
    const asked = this.restorePoints.atTime(toTimeMs);
    const point = asked === undefined || latest === null ? undefined : asked.lsn <= latest.lsn ? asked : this.restorePoints.atOrBelowLsn(latest.lsn);
    this.restores.set(cluster.job, {
      cluster,
      requestedAtMs,
      latestRestorableTimeMs: latest?.timeMs ?? null,
      point: { lsn: point?.lsn ?? 0, reachedAtMs: point?.reachedAtMs ?? null },
    });
    this.source.inject(cluster.job, { type: 'restoreRequest', throughLsn: point?.lsn ?? 0 });
  }

  /**
   * A restore refused when asked (docs/protocol.md §15, encryption: it would drop the encryption
   * of an encrypted cluster, or encrypt a point-in-time restore of an unencrypted one): reported
   * with state `refused` and the reason; its job is never told.
   */
  refuseRestore(cluster: RestoredCluster, reason: string): void {
    this.restores.set(cluster.job, { cluster, requestedAtMs: this.source.nowMs(), latestRestorableTimeMs: this.latestRestorable()?.timeMs ?? null, point: { lsn: 0, reachedAtMs: null }, reason, refused: true });
  }

  /**
   * Takes a manual cluster snapshot (docs/protocol.md §10, snapshots): the state now, the VDL in
   * force; the object store copies every PG's pages there once that point is staged on each.
   */
  createSnapshot(name: string): void {
    const point = this.restorePoints.atTime(this.source.nowMs());
    const throughLsn = point?.lsn ?? 0;
    this.snapshots.set(name, { requestedAtMs: this.source.nowMs(), throughLsn, reachedAtMs: point?.reachedAtMs ?? null });
    this.source.inject(this.objectStore, { type: 'createSnapshot', name, throughLsn, pgs: Object.keys(this.source.topology.membersByPg).map(Number) });
  }

  report(checks: ReadonlyMap<string, RestoreCheck> = new Map()): BackupReport {
    const { scenario } = this.source;
    const backup = scenario.backup;
    if (backup === undefined) throw new Error('backup panel: the scenario has no backup section');
    const snapshot = this.source.snapshotOf(this.objectStore);
    const store = snapshot.context as ObjectStoreContext;
    const nowMs = this.source.nowMs();
    const stagedMin = this.stagedLsnMin();
    const point = this.restorePoints.atOrBelowLsn(stagedMin);
    const latest = point === undefined ? null : this.restorePoints.latestTimeAtOrBelow(stagedMin, nowMs);
    let log = 0;
    let snapshots = 0;
    for (const pg of Object.values(store.pgs)) {
      const held = retainedBytes(pg);
      log += held.log;
      snapshots += held.snapshots;
    }
    return {
      objectStore: this.objectStore,
      objectStoreState: stateName(snapshot.value),
      stagePeriodMs: backup.stagePeriodMs,
      retentionDays: backup.retentionDays,
      puts: store.stats.puts,
      recordsStaged: store.stats.recordsStaged,
      bytesStaged: store.stats.bytesStaged,
      stagingBytesPerS: nowMs > 0 ? Math.round((store.stats.bytesStaged / nowMs) * 1000) : 0,
      throttledRequests: store.stats.throttled,
      stagedLsnMin: stagedMin,
      latestRestorableTimeMs: latest,
      latestRestorableLsn: point?.lsn ?? 0,
      restorableLagMs: latest === null ? null : Math.max(0, Math.floor(nowMs) - latest),
      stagedByPg: [...this.stagedByPg].map(([pg, staged]) => ({ pg, stagedLsn: staged.stagedLsn, stagedAtMs: Math.round(staged.stagedAtMs) })),
      retainedBytes: { log, snapshots },
      snapshotBytes: [...this.snapshots.values()].reduce((sum, snapshot) => sum + (snapshot.bytes ?? 0), 0),
      snapshots: [...this.snapshots].map(([name, snapshot]) => ({
        name,
        requestedAtMs: snapshot.requestedAtMs,
        lsn: snapshot.throughLsn,
        ...(snapshot.createdAtMs === undefined ? {} : { createdAtMs: Math.round(snapshot.createdAtMs), bytes: snapshot.bytes ?? 0 }),
      })),
      restores: [...this.restores.values()].map((record) => this.restoreReport(record, checks.get(record.cluster.job))),
    };
  }

  private restoreReport(record: RestoreRecord, check: RestoreCheck | undefined): RestoreReport {
    const snapshot = this.source.snapshotOf(record.cluster.job);
    const job = snapshot.context as RestoreJobContext;
    const reachedAtMs = record.point.reachedAtMs;
    return {
      cluster: record.cluster.name,
      requestedAtMs: record.requestedAtMs,
      toTimeMs: record.cluster.toTimeMs ?? null,
      ...(record.cluster.snapshot === undefined ? {} : { snapshot: record.cluster.snapshot }),
      latestRestorableTimeMs: record.latestRestorableTimeMs,
      restorePoint: { lsn: record.point.lsn, reachedAtMs: reachedAtMs === null ? null : Math.round(reachedAtMs) },
      lagMs: reachedAtMs === null || record.cluster.toTimeMs === undefined ? null : Math.max(0, Math.round(record.cluster.toTimeMs - reachedAtMs)),
      state: record.refused === true ? 'refused' : stateName(snapshot.value),
      ...(record.pgsRestoredAtMs === undefined ? {} : { pgsRestoredAtMs: Math.round(record.pgsRestoredAtMs) }),
      ...(record.availableAtMs === undefined ? {} : { availableAtMs: Math.round(record.availableAtMs), restoreMs: Math.round(record.availableAtMs - record.requestedAtMs) }),
      bytesRestored: job.bytesRestored,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      ...(check === undefined
        ? {}
        : {
            verification: {
              ...(check.expectedLsn === undefined ? {} : { expectedLsn: check.expectedLsn }),
              blocksChecked: check.blocksChecked,
              mismatches: check.mismatches,
              ...(check.verified === undefined ? {} : { verified: check.verified }),
            },
          }),
    };
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'publish') {
      if (event.publication.stream === 'vdl' && this.instances.has(event.actorId)) this.restorePoints.add(event.atMs, event.publication.item.vdl);
      return;
    }
    if (event.source !== 'observe') return;
    const { observation } = event;
    if (observation.kind === 'snapshotCreated') {
      const snapshot = this.snapshots.get(observation.name);
      if (snapshot !== undefined) Object.assign(snapshot, { createdAtMs: event.atMs, bytes: observation.bytes });
      return;
    }
    if (observation.kind === 'restore') {
      const record = this.restores.get(observation.job);
      if (record === undefined) return;
      if (observation.phase === 'opening') record.pgsRestoredAtMs = event.atMs;
      else if (observation.phase === 'available') record.availableAtMs = event.atMs;
      else if (observation.phase === 'failed' && observation.reason !== undefined) record.reason = observation.reason;
      return;
    }
    if (observation.kind !== 'staged' || observation.objectStore !== this.objectStore) return;
    const held = this.stagedByPg.get(observation.pg);
    if (held === undefined || observation.stagedLsn > held.stagedLsn) this.stagedByPg.set(observation.pg, { stagedLsn: observation.stagedLsn, stagedAtMs: event.atMs });
  }
}
