/**
 * What a run's continuous backup did (docs/protocol.md §10; docs/semantics.md, "Report fields",
 * `backup`): how far the object store holds each PG, the bandwidth staging used, the backup
 * storage kept, and the latest restorable time, from the restore-point index
 * (`restore-points.ts`). Reads only the world's stream and the object store's snapshot; schedules
 * nothing, so runs hash the same with it.
 */
import type { ObjectStoreContext } from '../../models/object-store.machine.js';
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
}

/** The world as the panel reads it. */
export interface BackupPanelSource {
  scenario: Scenario;
  topology: ResolvedTopology;
  listen(handler: (event: WorldEvent) => void): Subscription;
  snapshotOf(id: string): { value: unknown; context: unknown };
  nowMs(): number;
}

/** Flattens a state value (`{ available: 'normal' }` → `available.normal`). */
function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', undefined];
  return inner === undefined ? key : `${key}.${stateName(inner)}`;
}

/** See the file header. */
export class BackupPanel {
  /** The restore-point index the backup service keeps. */
  readonly restorePoints = new RestorePointIndex();
  private readonly stagedByPg = new Map<number, { stagedLsn: number; stagedAtMs: number }>();
  private readonly objectStore: string;
  private readonly instances: ReadonlySet<string>;

  constructor(private readonly source: BackupPanelSource) {
    const { topology } = source;
    this.objectStore = objectStoreId(topology.regionId);
    this.instances = new Set([topology.writer.id, ...topology.replicas.map((replica) => replica.id), ...(topology.standby === undefined ? [] : [topology.standby.id])]);
    for (const pg of Object.keys(topology.membersByPg)) this.stagedByPg.set(Number(pg), { stagedLsn: 0, stagedAtMs: 0 });
    source.listen((event) => this.onEvent(event));
  }

  /** The lowest staged point over the PGs. */
  stagedLsnMin(): number {
    let lowest = Infinity;
    for (const { stagedLsn } of this.stagedByPg.values()) lowest = Math.min(lowest, stagedLsn);
    return Number.isFinite(lowest) ? lowest : 0;
  }

  report(): BackupReport {
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
    };
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'publish') {
      if (event.publication.stream === 'vdl' && this.instances.has(event.actorId)) this.restorePoints.add(event.atMs, event.publication.item.vdl);
      return;
    }
    if (event.source !== 'observe' || event.observation.kind !== 'staged' || event.observation.objectStore !== this.objectStore) return;
    const held = this.stagedByPg.get(event.observation.pg);
    if (held === undefined || event.observation.stagedLsn > held.stagedLsn) this.stagedByPg.set(event.observation.pg, { stagedLsn: event.observation.stagedLsn, stagedAtMs: event.atMs });
  }
}
