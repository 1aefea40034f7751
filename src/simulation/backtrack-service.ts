/**
 * The backtrack service of a run (docs/protocol.md §10, backtrack; docs/semantics.md, "Backup and
 * restore"): the control plane's part of Aurora's backtrack. It keeps its own account of the
 * cluster's timeline from the world's stream — every VDL the writer reached, with the time, and
 * the LSN ranges hidden at each moment (a recovery's range; a backtrack's hidden set) — and:
 *
 * - at each `backtrack` of the fault plan, takes the time asked, finds the VDL in force then (the
 *   point) and the ranges hidden then, and tells the writer, which drops its connections and
 *   uncommitted work and recovers the volume as it was (models/recovery-actions.ts); the replicas
 *   restart, as a backtracked cluster's readers do;
 * - every second, gives each segment the GC floor of the window: no GC above the VDL in force at
 *   the start of the window, nor above the point of a backtrack within it (a later one may move
 *   forward from there), so every point a backtrack may reach is still made of records;
 * - reports each backtrack: the point, how far before the time asked it lies, how long it took.
 *
 * It reads the world's stream and acts only at a backtrack and on its floor ticks: a scenario
 * without a `backtrack` section does not create it.
 */
import { clusterInstanceIds } from '../cluster/topology.js';
import type { Subscription } from 'rxjs';
import type { WorldEvent } from '../cluster/host.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import type { Lsn } from '../protocol/ids.js';
import { isHiddenLsn } from '../protocol/segment-store.js';
import type { HistoryEntry } from '../cluster/history.js';
import { HISTORY_NS_PER_MS } from '../cluster/history.js';
import { checkTxnHistory } from '../check/txn/check.js';
import type { TxnModel } from '../check/txn/check.js';
import { forkedPast } from './clone-service.js';
import { RestorePointIndex } from './restore-points.js';

/** An LSN range, both ends inclusive. */
export interface LsnRange {
  readonly fromLsn: Lsn;
  readonly toLsn: Lsn;
}

/** One backtrack in the report. */
export interface BacktrackRecord {
  /** `backtrack-<n>`, in fault-plan order. */
  name: string;
  requestedAtMs: number;
  toTimeMs: number;
  /** The VDL in force at `toTimeMs`: the state the cluster goes back to. */
  pointLsn: number;
  /** When the writer reached that VDL (null: before any). */
  reachedAtMs: number | null;
  /** The writer it was asked of. */
  writer: string;
  /** `done` once the writer reopened; `asked` until then. */
  state: 'asked' | 'done';
  /** The volume epoch of its recovery, and when the writer reopened. */
  volumeEpoch?: number;
  openedAtMs?: number;
  backtrackMs?: number;
}

/** The history checker's verdict on one timeline. */
export interface TimelineVerdict {
  timeline: string;
  model: TxnModel;
  ok: boolean;
  violations: string[];
  transactions: number;
}

/** The report's `backtrack` block. */
export interface BacktrackReport {
  windowMs: number;
  /** The GC floor last given to the segments. */
  floorLsn: number;
  /** The ranges hidden at the end (the records there are kept, for a backtrack forward). */
  hidden: LsnRange[];
  backtracks: BacktrackRecord[];
}

/** The world as the service reads it. */
export interface BacktrackServiceSource {
  scenario: Scenario;
  topology: ResolvedTopology;
  listen(handler: (event: WorldEvent) => void): Subscription;
  /** The cluster endpoint's instance now: the writer a backtrack is asked of. */
  endpoint(): string;
  inject(id: string, event: { type: 'backtrack'; from: string; toLsn: Lsn; hidden: readonly LsnRange[] } | { type: 'backtrackFloor'; floorLsn: Lsn } | { type: 'crash' } | { type: 'restart' }): void;
  /** Every segment that is or was a member of a PG of the volume. */
  segments(): readonly string[];
  scheduleAt(atMs: number, action: () => void): void;
  nowMs(): number;
}

/** How often the GC floor is given to the segments. */
export const BACKTRACK_FLOOR_PERIOD_MS = 1_000;
/** How long a replica is down while a backtrack restarts it. */
const REPLICA_RESTART_MS = 100;

/** The union of two range lists, ascending and merged. */
export function unionRanges(a: readonly LsnRange[], b: readonly LsnRange[]): LsnRange[] {
  const all = [...a, ...b].sort((x, y) => x.fromLsn - y.fromLsn);
  const merged: LsnRange[] = [];
  for (const range of all) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.fromLsn <= last.toLsn + 1) merged[merged.length - 1] = { fromLsn: last.fromLsn, toLsn: Math.max(last.toLsn, range.toLsn) as Lsn };
    else merged.push(range);
  }
  return merged;
}

/** See the file header. */
export class BacktrackService {
  /** Every VDL the writer reached, with the time (the same index restores and clones read). */
  private readonly vdls = new RestorePointIndex();
  /** The ranges hidden from each moment on (the first from 0: none). */
  private readonly visibility: { atMs: number; hidden: LsnRange[] }[] = [{ atMs: 0, hidden: [] }];
  private readonly instances: ReadonlySet<string>;
  private readonly records: BacktrackRecord[] = [];
  private pending: BacktrackRecord | undefined;
  private floor = 0;
  private readonly requestListeners: ((record: BacktrackRecord) => void)[] = [];
  /** Every client's entry: the history checker judges each timeline (see {@link histories}). */
  private readonly entries: HistoryEntry[] = [];
  /** The last verdicts, and the history they judged. */
  private checked: { key: string; verdicts: TimelineVerdict[] } | undefined;
  readonly windowMs: number;

  constructor(private readonly source: BacktrackServiceSource) {
    const { topology, scenario } = source;
    this.windowMs = scenario.backtrack?.windowMs ?? 0;
    this.instances = clusterInstanceIds(topology);
    source.listen((event) => this.onEvent(event));
  }

  /** Starts the floor ticks (with the world's start). */
  start(): void {
    const tick = (): void => {
      this.giveFloor();
      this.source.scheduleAt(this.source.nowMs() + BACKTRACK_FLOOR_PERIOD_MS, tick);
    };
    this.source.scheduleAt(BACKTRACK_FLOOR_PERIOD_MS, tick);
  }

  /** Called with each backtrack as it is asked (the judges' S20 takes it from here). */
  onRequest(listener: (record: BacktrackRecord) => void): void {
    this.requestListeners.push(listener);
  }

  /** The VDL in force at `atMs` (0 before any), and when it was reached. */
  vdlAt(atMs: number): { lsn: number; reachedAtMs: number | null } {
    const point = this.vdls.atTime(atMs);
    return point === undefined ? { lsn: 0, reachedAtMs: null } : { lsn: point.lsn, reachedAtMs: point.reachedAtMs };
  }

  /** The ranges hidden at `atMs`. */
  hiddenAt(atMs: number): LsnRange[] {
    let hidden: LsnRange[] = [];
    for (const entry of this.visibility) if (entry.atMs <= atMs) hidden = entry.hidden;
    return hidden;
  }

  /** The ranges hidden now. */
  hiddenNow(): LsnRange[] {
    return (this.visibility[this.visibility.length - 1] as { hidden: LsnRange[] }).hidden;
  }

  /** True iff the timeline in force now hides `lsn`. */
  hidesNow(lsn: number): boolean {
    return isHiddenLsn({ volumeEpoch: 0 as never, hidden: this.hiddenNow() }, lsn as Lsn);
  }

  /** Asks the writer to backtrack to `toTimeMs` (docs/protocol.md §10, backtrack). */
  requestBacktrack(toTimeMs: number): void {
    const nowMs = this.source.nowMs();
    const point = this.vdlAt(toTimeMs);
    const hidden = this.hiddenAt(toTimeMs);
    const writer = this.source.endpoint();
    const record: BacktrackRecord = { name: `backtrack-${this.records.length + 1}`, requestedAtMs: nowMs, toTimeMs, pointLsn: point.lsn, reachedAtMs: point.reachedAtMs, writer, state: 'asked' };
    this.records.push(record);
    this.pending = record;
    for (const listener of this.requestListeners) listener(record);
    this.source.inject(writer, { type: 'backtrack', from: 'backtrack', toLsn: point.lsn as Lsn, hidden });
    // The readers restart with the cluster: what they applied above the point is gone.
    for (const replica of this.source.topology.replicas) {
      if (replica.id === writer) continue;
      this.source.inject(replica.id, { type: 'crash' });
      this.source.scheduleAt(nowMs + REPLICA_RESTART_MS, () => this.source.inject(replica.id, { type: 'restart' }));
    }
  }

  /**
   * The history checker on each timeline (docs/protocol.md §10, backtrack; §12, S20): the
   * transactions issued before the first backtrack; then, after each backtrack, the past it holds
   * — the transactions of the timeline in force at the time gone back to, committed at or below
   * the point, and those of unknown outcome — followed by those issued after it. A backtrack that
   * left a later transaction visible, or lost an earlier one, makes a read no commit explains.
   */
  histories(model: TxnModel): TimelineVerdict[] {
    // Asked by S20 and by the report, several times at the end: checked once per history.
    const key = `${model}:${this.entries.length}:${this.records.filter((record) => record.state === 'done').length}`;
    if (this.checked?.key !== key) this.checked = { key, verdicts: this.checkTimelines(model) };
    return this.checked.verdicts;
  }

  private checkTimelines(model: TxnModel): TimelineVerdict[] {
    const invokedAtMs = new Map<number, number>();
    for (const entry of this.entries) if (entry.type === 'invoke') invokedAtMs.set(entry.txnId, entry.time / HISTORY_NS_PER_MS);
    const done = this.records.filter((record) => record.state === 'done');
    const starts = [0, ...done.map((record) => record.requestedAtMs)];
    const era = (entry: HistoryEntry): number => {
      const at = invokedAtMs.get(entry.txnId) ?? 0;
      let index = 0;
      for (let i = 0; i < starts.length; i++) if ((starts[i] as number) <= at) index = i;
      return index;
    };
    const own = starts.map((_, index) => this.entries.filter((entry) => era(entry) === index));
    const timelines: HistoryEntry[][] = [];
    for (let k = 0; k < starts.length; k++) {
      if (k === 0) {
        timelines.push(own[0] as HistoryEntry[]);
        continue;
      }
      const record = done[k - 1] as BacktrackRecord;
      // The timeline in force at the time gone back to: the last one started by then.
      let base = 0;
      for (let j = 0; j < k; j++) if ((starts[j] as number) <= record.toTimeMs) base = j;
      timelines.push([...forkedPast(timelines[base] as HistoryEntry[], record.pointLsn, record.toTimeMs * HISTORY_NS_PER_MS), ...(own[k] as HistoryEntry[])]);
    }
    return timelines.map((entries, index) => {
      const verdict = checkTxnHistory(entries, { model });
      return { timeline: index === 0 ? 'before any backtrack' : `after ${(done[index - 1] as BacktrackRecord).name}`, model, ok: verdict.ok, violations: [...verdict.violations], transactions: verdict.transactions.ok };
    });
  }

  /** The GC floor now: see the file header. */
  floorNow(): number {
    const nowMs = this.source.nowMs();
    const windowStart = nowMs - this.windowMs;
    let floor = windowStart <= 0 ? 0 : this.vdlAt(windowStart).lsn;
    for (const record of this.records) if (record.requestedAtMs >= windowStart) floor = Math.min(floor, record.pointLsn);
    // A floor never comes down (a segment ignores a lower one); nothing below it is hidden or shown again.
    return Math.max(this.floor, floor);
  }

  private giveFloor(): void {
    const floor = this.floorNow();
    if (floor <= this.floor) return;
    this.floor = floor;
    for (const segment of this.source.segments()) this.source.inject(segment, { type: 'backtrackFloor', floorLsn: floor as Lsn });
  }

  report(): BacktrackReport {
    return { windowMs: this.windowMs, floorLsn: this.floor, hidden: this.hiddenNow().map((range) => ({ ...range })), backtracks: this.records.map((record) => ({ ...record })) };
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'history') {
      this.entries.push(event.entry);
      return;
    }
    if (event.source === 'publish') {
      if (event.publication.stream === 'vdl' && this.instances.has(event.actorId)) this.vdls.add(event.atMs, event.publication.item.vdl);
      return;
    }
    if (event.source !== 'observe' || !this.instances.has(event.actorId)) return;
    const observation = event.observation;
    if (observation.kind === 'recovered') {
      // A recovery hides its range from now on: a backtrack's, on top of the ranges hidden at the
      // time gone back to; a crash recovery's, on top of those hidden now (what it annuls is gone).
      const range = { fromLsn: observation.truncationFromLsn as Lsn, toLsn: observation.truncationToLsn as Lsn };
      const pending = this.pending !== undefined && event.actorId === this.pending.writer ? this.pending : undefined;
      const base = pending === undefined ? this.hiddenNow() : this.hiddenAt(pending.toTimeMs);
      this.visibility.push({ atMs: event.atMs, hidden: unionRanges(base, [range]) });
      if (pending !== undefined) pending.volumeEpoch = observation.volumeEpoch;
      return;
    }
    // The reopened writer's VDL is in force from now, before its first commit publishes one.
    if (observation.kind === 'writerOpened') this.vdls.add(event.atMs, observation.vdl);
    if (observation.kind === 'writerOpened' && this.pending !== undefined && event.actorId === this.pending.writer && this.pending.volumeEpoch === observation.volumeEpoch) {
      const pending = this.pending;
      pending.state = 'done';
      pending.openedAtMs = event.atMs;
      pending.backtrackMs = event.atMs - pending.requestedAtMs;
      this.pending = undefined;
    }
  }
}
