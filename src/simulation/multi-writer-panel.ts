/**
 * A multi-writer cluster's figures (docs/protocol.md §11.2; docs/semantics.md, the report's
 * `multiWriter` block): per writer its commits, deadlocks, rollbacks and compensating changes; the
 * conflict rate (deadlock errors per 100 attempted write transactions); the replication lag
 * between writers (an entry's commit or rollback on its writer to its apply on another); the
 * REGIONAL_RAW wait (the read's question to its start); and the acknowledged commits that storage
 * does not hold, read back from the segments' votes, independent of the writers.
 *
 * Everything is read from what the run emits (observations, client history, which it keeps for
 * the isolation check of `src/check/multi-writer-isolation.ts`) and, for the read back, from the
 * segments' vote tables when the report is made; nothing here schedules, sends or
 * draws, so runs hash the same with it.
 */
import type { WorldEvent } from '../cluster/host.js';
import type { MultiWriterInstance } from '../cluster/multi-writer.js';
import type { MultiWriterSpec } from '../cluster/scenario.js';
import { writeQuorumSize } from '../check/quorum-rule.js';
import type { BlockVotes } from '../protocol/multi-writer.js';
import { DEADLOCK_ERROR, conflictRatePer100 } from '../protocol/multi-writer.js';
import { pageVersionKey } from '../protocol/page-conflicts.js';
import { quantile } from './quantile.js';
import { checkMultiWriterIsolation } from '../check/multi-writer-isolation.js';
import type { IsolationEntry, MultiWriterIsolation } from '../check/multi-writer-isolation.js';
import type { HistoryEntry } from '../cluster/history.js';

/** One writer's figures. */
export interface MultiWriterInstanceReport {
  instance: string;
  /** Its statechart's systemId, `mm-writer:<instance>`. */
  actor: string;
  azId: string;
  /** `serving` or `crashed` when the report is made. */
  state: string;
  commits: number;
  /** Transactions it rolled back for a lost page (the client got `deadlock`). */
  deadlocks: number;
  /** Rollbacks completed (every approved change undone) and the compensating changes they took. */
  rollbacks: number;
  compensations: number;
  /** Transactions it gave up after a crash (rolled back at its restart). */
  crashAborts: number;
}

/** The report's `multiWriter` block. */
export interface MultiWriterReport {
  writers: number;
  maxWriters: number;
  consistency: MultiWriterSpec['consistency'];
  replicationDelayMs: number;
  instances: MultiWriterInstanceReport[];
  /** Write transactions the clients issued (at least one put). */
  attemptedWrites: number;
  /** Deadlock errors the clients got (MySQL 1213). */
  deadlocks: number;
  /** Deadlock errors per 100 attempted write transactions. */
  conflictRatePer100: number;
  /** Page versions lost to a split vote (no change could win them; skipped). */
  splitVotes: number;
  compensations: number;
  /** Transactions given up and not yet rolled back when the report was made. */
  rollbacksPending: number;
  /**
   * Writer-to-writer replication: commit (or rollback) on its writer → applied on another, ms, over
   * the entries neither writer was down for in between (the steady lag).
   */
  replicationLagMsP50: number;
  replicationLagMsP99: number;
  replicationLagMsMax: number;
  replicationSamples: number;
  /**
   * Entries whose sender or receiver was down at some time between the commit and the apply: they
   * waited for a restart (and the resends after it), so their lag is the outage's, not replication's.
   */
  replicationCatchUp: { entries: number; lagMsMax: number };
  /** REGIONAL_RAW only: how long reads waited for the cluster-wide point, ms. */
  regionalRawWaitMsP50?: number;
  regionalRawWaitMsP99?: number;
  regionalRawReads?: number;
  /** Acknowledged commits with a page change that no write quorum of segments holds now (must be 0). */
  lostAcknowledged: number;
  /**
   * What the cluster promises, checked on the client history, and what it does not (serializable,
   * strict serializable), reported (`src/check/multi-writer-isolation.ts`).
   */
  isolation: MultiWriterIsolation;
}

/** Options of {@link MultiWriterPanel}. */
export interface MultiWriterPanelOptions {
  spec: MultiWriterSpec;
  writers: readonly MultiWriterInstance[];
  listen: (handler: (event: WorldEvent) => void) => unknown;
  /** Each PG's members (every segment that ever was one). */
  membersByPg: () => Readonly<Record<number, readonly string[]>>;
  /** A segment's vote tables now (undefined: it has none). */
  votesOf: (segment: string) => Readonly<Record<number, BlockVotes>> | undefined;
  /** A writer's state now. */
  stateOf: (actor: string) => string;
}

/** The figures of one multi-writer run; see the file header. */
export class MultiWriterPanel {
  private readonly byActor = new Map<string, MultiWriterInstanceReport>();
  /** When each writer's entry (`actor#seq`) happened there. */
  private readonly entryAtMs = new Map<string, number>();
  private readonly lagsMs: number[] = [];
  private readonly catchUpLagsMs: number[] = [];
  /** Per writer: when it went down, while it is down, and its down periods that ended. */
  private readonly downSinceMs = new Map<string, number>();
  private readonly downPeriods = new Map<string, { fromMs: number; toMs: number }[]>();
  /** Per sender and receiver: when the receiver applied the last entry that waited for a down writer. */
  private readonly catchUpAppliedAtMs = new Map<string, number>();
  private readonly rawAskedAtMs = new Map<number, number>();
  private readonly rawWaitsMs: number[] = [];
  /** Acknowledged commits: the writer's commit, by txnId. */
  private readonly committed = new Map<number, { writer: string; pages: readonly { pg: number; blockId: number; baseVersion: number }[] }>();
  private readonly acknowledged = new Set<number>();
  private readonly given = new Set<string>();
  /** The client history, for the isolation check. */
  private readonly entries: HistoryEntry[] = [];
  private attemptedWrites = 0;
  private deadlocks = 0;
  private splitVotes = 0;

  constructor(private readonly options: MultiWriterPanelOptions) {
    for (const writer of options.writers) {
      this.byActor.set(writer.actor, { instance: writer.instance, actor: writer.actor, azId: writer.azId, state: 'serving', commits: 0, deadlocks: 0, rollbacks: 0, compensations: 0, crashAborts: 0 });
    }
    options.listen((event) => this.onEvent(event));
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'history') {
      const { entry } = event;
      // Kept here whether or not the history recorder keeps its entries (the CLI's does not).
      this.entries.push(entry);
      if (entry.type === 'invoke' && entry.value.some(([f]) => f === 'w')) this.attemptedWrites++;
      if (entry.type === 'fail' && entry.error === DEADLOCK_ERROR) this.deadlocks++;
      if (entry.type === 'ok') this.acknowledged.add(entry.txnId);
      return;
    }
    if (event.source !== 'observe') return;
    const observation = event.observation;
    const writer = (observation as { writer?: string }).writer;
    const figures = writer === undefined ? undefined : this.byActor.get(writer);
    switch (observation.kind) {
      case 'mwCommitted':
        if (figures !== undefined) figures.commits++;
        this.entryAtMs.set(`${observation.writer}#${observation.seq}`, event.atMs);
        this.committed.set(observation.txnId, { writer: observation.writer, pages: observation.pages });
        return;
      case 'mwRolledBack':
        if (figures !== undefined) {
          figures.rollbacks++;
          figures.compensations += observation.compensations;
        }
        this.given.delete(`${observation.writer}#${observation.txnId}`);
        this.entryAtMs.set(`${observation.writer}#${observation.seq}`, event.atMs);
        return;
      case 'mwAborted':
        if (figures !== undefined && observation.reason === 'conflict') figures.deadlocks++;
        if (figures !== undefined && observation.reason === 'crash') figures.crashAborts++;
        if (observation.lost?.winner === 'void') this.splitVotes++;
        this.given.add(`${observation.writer}#${observation.txnId}`);
        return;
      case 'mwWriterState':
        if (observation.state === 'crashed') {
          if (!this.downSinceMs.has(observation.writer)) this.downSinceMs.set(observation.writer, event.atMs);
        } else {
          const fromMs = this.downSinceMs.get(observation.writer);
          this.downSinceMs.delete(observation.writer);
          if (fromMs !== undefined) this.downPeriods.set(observation.writer, [...(this.downPeriods.get(observation.writer) ?? []), { fromMs, toMs: event.atMs }]);
        }
        return;
      case 'mwApplied': {
        const at = this.entryAtMs.get(`${observation.from}#${observation.seq}`);
        if (at === undefined) return;
        // An entry waited for a down writer if either was down in between, or if it was committed
        // before such an entry was applied: entries apply in order, so it queued behind the backlog.
        const pair = `${observation.from}>${observation.writer}`;
        const waited = this.wasDownBetween(observation.writer, at, event.atMs) || this.wasDownBetween(observation.from, at, event.atMs) || at < (this.catchUpAppliedAtMs.get(pair) ?? -Infinity);
        if (waited) this.catchUpAppliedAtMs.set(pair, event.atMs);
        (waited ? this.catchUpLagsMs : this.lagsMs).push(event.atMs - at);
        return;
      }
      case 'mwRegionalRead':
        if (observation.phase === 'asked') this.rawAskedAtMs.set(observation.txnId, event.atMs);
        else {
          const asked = this.rawAskedAtMs.get(observation.txnId);
          this.rawAskedAtMs.delete(observation.txnId);
          if (asked !== undefined) this.rawWaitsMs.push(event.atMs - asked);
        }
        return;
      default:
        return;
    }
  }

  /**
   * Acknowledged commits that storage does not hold: a page change of theirs that fewer than a
   * majority of the PG's members (the judges' own rule) hold in their vote tables now. A version
   * a segment collected (below its kept floor) was built on by a later version, which only a writer
   * that knew this one could propose, so it counts as held.
   */
  lostAcknowledged(): number {
    const members = this.options.membersByPg();
    let lost = 0;
    for (const txnId of this.acknowledged) {
      const commit = this.committed.get(txnId);
      if (commit === undefined) continue;
      const held = commit.pages.every((page) => {
        const segments = members[page.pg] ?? [];
        const holding = segments.filter((segment) => {
          const block = this.options.votesOf(segment)?.[page.blockId];
          if (block === undefined) return false;
          if (page.baseVersion < block.floor) return true;
          const holder = block.votes[pageVersionKey(page.blockId, page.baseVersion)];
          return holder?.writer === commit.writer && holder.txnId === txnId;
        });
        return holding.length >= writeQuorumSize(segments.length);
      });
      if (!held) lost++;
    }
    return lost;
  }

  /** Whether `writer` was down at any time in [fromMs, toMs]. */
  private wasDownBetween(writer: string, fromMs: number, toMs: number): boolean {
    const since = this.downSinceMs.get(writer);
    if (since !== undefined && since <= toMs) return true;
    return (this.downPeriods.get(writer) ?? []).some((period) => period.fromMs <= toMs && period.toMs >= fromMs);
  }

  report(): MultiWriterReport {
    const { spec } = this.options;
    const lags = [...this.lagsMs].sort((a, b) => a - b);
    const waits = [...this.rawWaitsMs].sort((a, b) => a - b);
    const instances = [...this.byActor.values()].map((figures) => ({ ...figures, state: this.options.stateOf(figures.actor) }));
    return {
      writers: spec.writers,
      maxWriters: spec.maxWriters,
      consistency: spec.consistency,
      replicationDelayMs: spec.replicationDelayMs,
      instances,
      attemptedWrites: this.attemptedWrites,
      deadlocks: this.deadlocks,
      conflictRatePer100: conflictRatePer100(this.deadlocks, this.attemptedWrites),
      splitVotes: this.splitVotes,
      compensations: instances.reduce((sum, figures) => sum + figures.compensations, 0),
      rollbacksPending: this.given.size,
      replicationLagMsP50: quantile(lags, 0.5),
      replicationLagMsP99: quantile(lags, 0.99),
      replicationLagMsMax: lags[lags.length - 1] ?? 0,
      replicationSamples: lags.length,
      replicationCatchUp: { entries: this.catchUpLagsMs.length, lagMsMax: this.catchUpLagsMs.reduce((max, lag) => Math.max(max, lag), 0) },
      ...(spec.consistency === 'regional-raw' ? { regionalRawWaitMsP50: quantile(waits, 0.5), regionalRawWaitMsP99: quantile(waits, 0.99), regionalRawReads: waits.length } : {}),
      lostAcknowledged: this.lostAcknowledged(),
      ...this.isolation(),
    };
  }

  /** The isolation check on the history so far. */
  private isolation(): { isolation: MultiWriterIsolation } {
    return { isolation: checkMultiWriterIsolation(this.entries as unknown as IsolationEntry[], (txnId) => this.committed.get(txnId)?.writer) };
  }
}
