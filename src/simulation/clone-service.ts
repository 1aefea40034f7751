/**
 * The clone service of a run (docs/protocol.md §10, fast clones; docs/semantics.md, "Report
 * fields", `clones`): at each `clone` of the fault plan it takes the source's VDL in force as the
 * clone point and tells the clone's job; once the clone is available it starts the clone's own
 * clients; at the end it reports each clone's point, time, storage shared with the source and
 * private to it, and the history checker's verdicts.
 *
 * The history checker judges two histories (docs/protocol.md §12, S20):
 * - the source's: every source client's transaction. A source read of a value only a clone wrote
 *   is a read no committed write explains;
 * - the clone's fork: the source transactions the clone holds (acknowledged with a commit record
 *   at or below the clone point; of unknown outcome, may or may not), then the clone clients'
 *   transactions. A clone read of a value the source wrote after the point is such a read too.
 * The model is strict serializability with `writer.isolation: 'serializable'`, read committed
 * otherwise (docs/semantics.md, isolation).
 *
 * It reads the world's stream and snapshots, and acts only at a clone's time: runs without clones
 * do not create it.
 */
import { clusterInstanceIds } from '../cluster/topology.js';
import type { Subscription } from 'rxjs';
import type { RestoreJobContext } from '../../models/restore-job.machine.js';
import type { RestoredCluster } from '../cluster/restores.js';
import type { WorldEvent } from '../cluster/host.js';
import type { HistoryEntry } from '../cluster/history.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { CLONE_DEFAULTS } from '../cluster/scenario.js';
import { checkTxnHistory } from '../check/txn/check.js';
import type { TxnModel } from '../check/txn/check.js';
import type { RestoreVerification } from '../check/restore.js';
import { recordBytes } from '../protocol/backup-archive.js';
import type { SegmentStore } from '../protocol/segment-store.js';
import { heldRecords, lastHeldAtOrBelow } from '../protocol/segment-store.js';
import type { Lsn } from '../protocol/ids.js';
import { RestorePointIndex } from './restore-points.js';
import { stateName } from './backup-service.js';

/** The history checker's verdict on one history, as the report gives it. */
export interface CloneHistoryVerdict {
  model: TxnModel;
  ok: boolean;
  /** Forbidden anomaly classes found. */
  violations: string[];
  transactions: { ok: number; fail: number; info: number };
}

/** One clone in the report's `clones` block. */
export interface CloneReport {
  /** The new cluster, `clone-<n>`. */
  cluster: string;
  /** `copyOnWrite` (the first 15 of a source) or `fullCopy`. */
  copy: 'copyOnWrite' | 'fullCopy';
  requestedAtMs: number;
  /** The clone point: the source's VDL in force when the clone was asked. */
  cloneLsn: number;
  /** The clone job's state: `available`, `failed`, …; `refused` when it was refused when asked (`reason` says why). */
  state: string;
  availableAtMs?: number;
  /** From the request to the clone's writer open. */
  cloneMs?: number;
  /** Bytes the clone's segments took from the source's: a full copy's data; metadata only for copy-on-write. */
  bytesCopied: number;
  /**
   * Logical storage at the end (one full segment per PG, not its six copies): the page versions
   * at or below the clone point the source still holds too (shared, billed once), and the rest
   * of the clone's (private: its own writes, and what the source no longer holds).
   */
  storage: { sharedBytes: number; privateBytes: number; sourceBytes: number };
  /** The clone's clients' transactions. */
  commits: { attempted: number; acknowledged: number; failed: number; unknown: number };
  /** The history checker on the clone's fork (see the file header); absent before it is open. */
  history?: CloneHistoryVerdict;
  /** S20: the clone's volume as it opened against the oracle at the clone point. */
  verification?: { blocksChecked: number; mismatches: number; verified?: boolean };
  reason?: string;
}

/** The report's `clones` block. */
export interface ClonesReport {
  /** The history checker on the source's clients. */
  sourceHistory: CloneHistoryVerdict;
  clones: CloneReport[];
}

/** The world as the service reads it. */
export interface CloneServiceSource {
  scenario: Scenario;
  topology: ResolvedTopology;
  clones: readonly RestoredCluster[];
  listen(handler: (event: WorldEvent) => void): Subscription;
  snapshotOf(id: string): { value: unknown; context: unknown };
  inject(id: string, event: { type: 'restoreRequest'; throughLsn: number; pgPoints: Readonly<Record<number, number>> }): void;
  /** Starts the clone's clients (the world owns clients): their history comes back. */
  startClients(cluster: RestoredCluster): { history: { entries: readonly HistoryEntry[] } };
  nowMs(): number;
}

interface CloneRecord {
  cluster: RestoredCluster;
  requestedAtMs: number;
  cloneLsn: number;
  availableAtMs?: number;
  reason?: string;
  history?: { entries: readonly HistoryEntry[] };
  /** Refused when asked (docs/protocol.md §15, encryption): never built. */
  refused?: boolean;
}

/**
 * The source transactions a clone at `cloneLsn` holds, in history order: acknowledged with a
 * commit record at or below the point (read-only ones before the clone was asked), and those of
 * unknown outcome as unknown (the point may hold them or not). Failed ones, and those committed
 * above the point, are not part of the clone's past.
 */
export function forkedPast(source: readonly HistoryEntry[], cloneLsn: number, requestedAtNs: number): HistoryEntry[] {
  const outcome = new Map<number, HistoryEntry>();
  for (const entry of source) if (entry.type !== 'invoke') outcome.set(entry.txnId, entry);
  const kept = (entry: HistoryEntry): HistoryEntry | undefined => {
    const settled = outcome.get(entry.txnId);
    if (settled === undefined || settled.type === 'info') return entry.type === 'invoke' ? entry : { ...entry, type: 'info' };
    if (settled.type === 'fail') return undefined;
    const commitLsn = settled.commitLsn ?? 0;
    if (commitLsn > cloneLsn) return undefined;
    if (commitLsn === 0 && settled.time > requestedAtNs) return undefined;
    return entry;
  };
  // A transaction still open at the end stays open (of unknown outcome), as in any history.
  return source.flatMap((entry) => kept(entry) ?? []);
}

/** A verdict the report may hand out: the service keeps its own. */
const copyVerdict = (verdict: CloneHistoryVerdict): CloneHistoryVerdict => ({ ...verdict, violations: [...verdict.violations], transactions: { ...verdict.transactions } });

function verdict(entries: readonly HistoryEntry[], model: TxnModel): CloneHistoryVerdict {
  const checked = checkTxnHistory(entries, { model });
  return { model, ok: checked.ok, violations: [...checked.violations], transactions: { ok: checked.transactions.ok, fail: checked.transactions.fail, info: checked.transactions.info } };
}

/** Logical bytes of a store: every record and base page it holds. */
function bytesOf(store: SegmentStore): number {
  let bytes = 0;
  for (const record of heldRecords(store)) bytes += recordBytes(record);
  return bytes;
}

/** See the file header. */
export class CloneService {
  private readonly restorePoints = new RestorePointIndex();
  private readonly instances: ReadonlySet<string>;
  private readonly records = new Map<string, CloneRecord>();
  /** Every source client's entry (the service keeps them: a run may not keep its history). */
  private readonly sourceEntries: HistoryEntry[] = [];
  /** The last verdicts, and the histories they judged. */
  private checked: { key: string; verdicts: { source: CloneHistoryVerdict; forks: Map<string, CloneHistoryVerdict> } } | undefined;
  readonly model: TxnModel;

  constructor(private readonly source: CloneServiceSource) {
    const { topology, scenario } = source;
    this.instances = clusterInstanceIds(topology);
    this.model = scenario.writer.isolation === 'serializable' ? 'strict-serializable' : 'read-committed';
    source.listen((event) => this.onEvent(event));
  }

  /**
   * Asks for `cluster` now, at the source's VDL in force (docs/protocol.md §13, B3), with each
   * PG's last LSN at or below it: what the storage control plane learns from the source's
   * segments (the highest any of them holds; every record at or below a VDL is on a write
   * quorum). A source segment serves the clone once its SCL reaches that, without waiting for a
   * later write to the PG.
   */
  requestClone(cluster: RestoredCluster): void {
    const nowMs = this.source.nowMs();
    const cloneLsn = this.restorePoints.atTime(nowMs)?.lsn ?? 0;
    const pgPoints: Record<number, number> = {};
    for (const [pg, members] of Object.entries(this.source.topology.membersByPg)) {
      pgPoints[Number(pg)] = members.reduce((high, member) => Math.max(high, lastHeldAtOrBelow(this.storeOf(member), cloneLsn as Lsn)), 0);
    }
    this.records.set(cluster.job, { cluster, requestedAtMs: nowMs, cloneLsn });
    this.source.inject(cluster.job, { type: 'restoreRequest', throughLsn: cloneLsn, pgPoints });
  }

  /**
   * A clone refused when asked (docs/protocol.md §15, encryption: it would drop the encryption of
   * an encrypted source, or encrypt a clone of an unencrypted one): reported with state `refused`
   * and the reason; its job is never told, and it has no clients.
   */
  refuseClone(cluster: RestoredCluster, reason: string): void {
    this.records.set(cluster.job, { cluster, requestedAtMs: this.source.nowMs(), cloneLsn: 0, reason, refused: true });
  }

  private storeOf(segment: string): SegmentStore {
    return (this.source.snapshotOf(segment).context as { store: SegmentStore }).store;
  }

  /** The history checker's verdicts: the source's, then each open clone's fork, by job. */
  histories(): { source: CloneHistoryVerdict; forks: Map<string, CloneHistoryVerdict> } {
    // Asked by S20 and by the report, several times at the end: checked once per history.
    let key = `${this.sourceEntries.length}`;
    for (const record of this.records.values()) key += `:${record.history?.entries.length ?? -1}`;
    if (this.checked?.key !== key) this.checked = { key, verdicts: this.checkHistories() };
    return this.checked.verdicts;
  }

  private checkHistories(): { source: CloneHistoryVerdict; forks: Map<string, CloneHistoryVerdict> } {
    const forks = new Map<string, CloneHistoryVerdict>();
    for (const record of this.records.values()) {
      if (record.history === undefined) continue;
      const past = forkedPast(this.sourceEntries, record.cloneLsn, record.requestedAtMs * 1_000_000);
      forks.set(record.cluster.job, verdict([...past, ...record.history.entries], this.model));
    }
    return { source: verdict(this.sourceEntries, this.model), forks };
  }

  /** The report's `clones` block, with S20's verification of each clone (`checks`, by job). */
  report(checks: ReadonlyMap<string, RestoreVerification> = new Map()): ClonesReport {
    const histories = this.histories();
    const clones = this.source.clones.flatMap((cluster) => {
      const record = this.records.get(cluster.job);
      return record === undefined ? [] : [this.cloneReport(record, histories.forks.get(cluster.job), checks.get(cluster.job))];
    });
    return { sourceHistory: copyVerdict(histories.source), clones };
  }

  private cloneReport(record: CloneRecord, history: CloneHistoryVerdict | undefined, check: RestoreVerification | undefined): CloneReport {
    const { cluster } = record;
    const snapshot = this.source.snapshotOf(cluster.job);
    const job = snapshot.context as RestoreJobContext;
    const entries = record.history?.entries ?? [];
    const count = (type: HistoryEntry['type']): number => entries.reduce((sum, entry) => sum + (entry.type === type ? 1 : 0), 0);
    return {
      cluster: cluster.name,
      copy: cluster.fullCopy === true ? 'fullCopy' : 'copyOnWrite',
      requestedAtMs: record.requestedAtMs,
      cloneLsn: record.cloneLsn,
      state: record.refused === true ? 'refused' : stateName(snapshot.value),
      ...(record.availableAtMs === undefined ? {} : { availableAtMs: Math.round(record.availableAtMs), cloneMs: Math.round(record.availableAtMs - record.requestedAtMs) }),
      bytesCopied: cluster.fullCopy === true ? job.bytesRestored : 0,
      storage: this.storage(record),
      commits: { attempted: count('invoke'), acknowledged: count('ok'), failed: count('fail'), unknown: count('info') },
      ...(history === undefined ? {} : { history: copyVerdict(history) }),
      ...(check === undefined ? {} : { verification: { blocksChecked: check.blocksChecked, mismatches: check.mismatches, ...(check.verified === undefined ? {} : { verified: check.verified }) } }),
      ...(record.reason === undefined ? {} : { reason: record.reason }),
    };
  }

  /**
   * Shared and private storage, per PG on the first full segment of the clone and its source: a
   * page version (block, LSN) at or below the clone point is shared while the source still holds
   * it, and only for copy-on-write (a full copy holds its own).
   */
  private storage(record: CloneRecord): CloneReport['storage'] {
    const { cluster, cloneLsn } = record;
    let sharedBytes = 0;
    let privateBytes = 0;
    let sourceBytes = 0;
    for (const segment of cluster.segments) {
      if (segment.kind !== 'full') continue;
      const firstFull = cluster.segments.find((other) => other.pg === segment.pg && other.kind === 'full');
      if (firstFull !== segment) continue;
      const sourceId = cluster.sourceOf?.[segment.id];
      if (sourceId === undefined) continue;
      const cloneStore = this.storeOf(segment.id);
      const sourceStore = this.storeOf(sourceId);
      sourceBytes += bytesOf(sourceStore);
      const held = new Set<string>();
      if (cluster.fullCopy !== true) for (const version of heldRecords(sourceStore)) if (version.lsn <= cloneLsn) held.add(`${version.blockId}:${version.lsn}`);
      for (const version of heldRecords(cloneStore)) {
        const bytes = recordBytes(version);
        if (version.lsn <= cloneLsn && held.has(`${version.blockId}:${version.lsn}`)) sharedBytes += bytes;
        else privateBytes += bytes;
      }
    }
    return { sharedBytes, privateBytes, sourceBytes };
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'publish') {
      if (event.publication.stream === 'vdl' && this.instances.has(event.actorId)) this.restorePoints.add(event.atMs, event.publication.item.vdl);
      return;
    }
    if (event.source === 'history') {
      this.sourceEntries.push(event.entry);
      return;
    }
    if (event.source !== 'observe' || event.observation.kind !== 'restore') return;
    const { observation } = event;
    const record = this.records.get(observation.job);
    if (record === undefined) return;
    if (observation.phase === 'available' && record.availableAtMs === undefined) {
      record.availableAtMs = event.atMs;
      record.history = this.source.startClients(record.cluster).history;
    } else if (observation.phase === 'failed' && observation.reason !== undefined) record.reason = observation.reason;
  }
}

/** A scenario's clone settings (the defaults without a `clones` section). */
export const cloneSettingsOf = (scenario: Scenario) => scenario.clones ?? CLONE_DEFAULTS;
