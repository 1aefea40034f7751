/**
 * What a run measures, from the world stream alone (never from the machines' memory): commits the
 * writer acknowledged and what each transaction wrote, page-read latencies and hedges, write
 * stalls, failovers and replica lag. The report and the read-backs read these figures.
 */
import type { WorldEvent } from '../cluster/host.js';
import { entryTimeMs } from '../cluster/history.js';
import type { HistoryEntry } from '../cluster/history.js';
import type { VirtualClock } from '../kernel/clock.js';
import type { Observation } from '../protocol/observations.js';
import { ReplicaLag } from './replica-lag.js';
import type { ReplicaLagReport } from './replica-lag.js';

/**
 * A gap between VDL advances this long, while a write transaction waits for its answer, counts as a
 * write stall (docs/semantics.md, the report's `writeStalls`). The gap is measured from the later of
 * the last advance and the first write waiting since, so a quiet spell between commits of a light
 * load is not a stall.
 */
export const WRITE_STALL_MS = 100;

/** Refusals the writer decided on its own: the write was answered, not stalled. */
const WRITER_DECIDED = new Set(['serializationFailure', 'volumeFull', 'deadlock']);

/** One failover: when the control plane detected it, and when the new writer was reachable. */
export interface FailoverTimes {
  detectedAtMs: number;
  writerOpenAtMs?: number;
  writerAvailableAtMs?: number;
  from: string;
  to?: string;
}

/**
 * Reads the clients got answers to (docs/protocol.md §5, reads): gets of acknowledged
 * transactions, by who served them, and the latency of read-only transactions (invoke to answer;
 * a get inside a write transaction is answered with its commit, so it has no latency of its own).
 */
export interface ReadFigures {
  /** Gets answered by the writer (in write transactions, and read-only ones without replicas). */
  getsOnWriter: number;
  /** Gets answered by replicas (read-only transactions on the reader endpoint). */
  getsOnReplicas: number;
  /** Read-only transactions answered. */
  readOnlyTxns: number;
  /** Their latencies (ms), ascending. */
  readOnlyLatenciesMs: number[];
}

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Subscribes a handler to the world's events (`World.listen`; see `src/cluster/host.ts`). */
  listen: (handler: (event: WorldEvent) => void) => unknown;
  clock: VirtualClock;
  /** When the workload stops issuing (ms): a write still waiting after it starts no stall. */
  workloadStopMs: number;
  /** The cluster endpoint now: only the writer's page reads are timed. */
  endpoint: () => string;
  /** Actors outside the primary's cluster (a Global Database's secondaries): their observations are not these figures'. @defaultValue none */
  excluded?: { has(actorId: string, kind?: string): boolean };
}

/** Run figures, kept up to date from the world stream; see the file header. */
export class Metrics {
  /** Commits the writer acknowledged: txnId → commit LSN (from its observations). */
  readonly acknowledged = new Map<number, number>();
  /**
   * Periods of at least {@link WRITE_STALL_MS} in which VDL did not advance while a write waited:
   * writes were stalled (e.g. a PG without a write quorum holds VCL back).
   */
  readonly writeStalls: { fromMs: number; toMs: number }[] = [];
  /** Failovers so far: when the control plane detected each, and when the new writer was reachable. */
  readonly failovers: FailoverTimes[] = [];
  /**
   * Since when a write has waited without VDL advancing (ms), or undefined when no write waits. A
   * refused or timed-out write leaves it set (its work was not done); an acknowledgement, or an
   * answer the writer decided (`serializationFailure`, `volumeFull`), with no other write open,
   * clears it.
   */
  private writeWaitingSinceMs: number | undefined;
  /** Write transactions invoked and not yet answered. */
  private openWrites = 0;
  private readonly putsByTxn = new Map<number, { key: string; value: string }[]>();
  private readonly readIssuedAtMs = new Map<number, number>();
  private readonly readLatencies: number[] = [];
  private readsHedged = 0;
  private readonly lag = new ReplicaLag();
  /** Invoke time of each read-only transaction still open. */
  private readonly readOnlyInvokedAtMs = new Map<number, number>();
  private readonly readOnlyLatencies: number[] = [];
  private getsOnWriter = 0;
  /** Failed transactions by the error the client got (`connectionRefused`, `fenced`, …). */
  private readonly failedByError: Record<string, number> = {};
  private getsOnReplicas = 0;

  constructor(private readonly options: MetricsOptions) {
    options.listen((event) => {
      if (event.source === 'observe') {
        if (options.excluded?.has(event.actorId, event.observation.kind) !== true) this.onObservation(event.atMs, event.observation);
      }
      else if (event.source === 'history') this.onHistoryEntry(event.entry);
      else if (event.publication.stream === 'vdl') this.onVdlAdvance(event.atMs);
    });
  }

  /** Page reads from storage so far: how many, how many hedged, latency (ms, sorted). */
  pageReads(): { reads: number; hedged: number; latenciesMs: number[] } {
    return { reads: this.readLatencies.length, hedged: this.readsHedged, latenciesMs: [...this.readLatencies].sort((a, b) => a - b) };
  }

  /** Reads answered so far; see {@link ReadFigures}. */
  reads(): ReadFigures {
    return {
      getsOnWriter: this.getsOnWriter,
      getsOnReplicas: this.getsOnReplicas,
      readOnlyTxns: this.readOnlyLatencies.length,
      readOnlyLatenciesMs: [...this.readOnlyLatencies].sort((a, b) => a - b),
    };
  }

  /** Failed transactions so far by the error the client got, in the order first seen. */
  failures(): Record<string, number> {
    return { ...this.failedByError };
  }

  /** What the metrics hold now, in entries. */
  retained(): { acknowledgedCommits: number; txnPuts: number; pageReadLatencies: number; replicaLagPendingCommits: number; readOnlyLatencies: number } {
    return {
      readOnlyLatencies: this.readOnlyLatencies.length,
      acknowledgedCommits: this.acknowledged.size,
      txnPuts: this.putsByTxn.size,
      pageReadLatencies: this.readLatencies.length,
      replicaLagPendingCommits: this.lag.pendingCommitCount(),
    };
  }

  /** Replica lag so far: commit acknowledged on the writer → visible on the replica. */
  replicaLag(): ReplicaLagReport {
    return this.lag.report();
  }

  /** Write stalls so far, including one still going on now. */
  stallsSoFar(): { fromMs: number; toMs: number }[] {
    const nowMs = this.options.clock.now();
    const since = this.writeWaitingSinceMs;
    const ongoing = since !== undefined && Math.min(nowMs, this.options.workloadStopMs) - since >= WRITE_STALL_MS;
    return ongoing ? [...this.writeStalls, { fromMs: since, toMs: nowMs }] : [...this.writeStalls];
  }

  /** The puts of every transaction invoked so far, by txnId. */
  txnPuts(): ReadonlyMap<number, readonly { key: string; value: string }[]> {
    return this.putsByTxn;
  }

  private onObservation(atMs: number, observation: Observation): void {
    if (observation.kind === 'failover') {
      this.onFailover(atMs, observation);
      return;
    }
    // A write refused past the volume's maximum is answered at once: a full volume refuses writes,
    // it does not stall them, so the refusal counts as progress for the stall figures.
    // A multi-writer cluster's commits advance no VDL (docs/protocol.md §11.2): each is its progress.
    if (observation.kind === 'volumeFull' || observation.kind === 'mwCommitted') {
      this.onVdlAdvance(atMs);
      return;
    }
    this.lag.observe(atMs, observation);
    // The writer's page reads only: request ids are per instance, and replicas report no `readDone`.
    if (observation.kind === 'readIssued' && observation.instance === this.options.endpoint()) this.readIssuedAtMs.set(observation.requestId, atMs);
    if (observation.kind === 'readDone') {
      const issued = this.readIssuedAtMs.get(observation.requestId);
      if (issued !== undefined) this.readLatencies.push(atMs - issued);
      this.readIssuedAtMs.delete(observation.requestId);
      if (observation.hedged) this.readsHedged++;
    }
    if (observation.kind === 'commitAck') this.acknowledged.set(observation.txnId, observation.commitLsn);
  }

  private onFailover(atMs: number, observation: Extract<Observation, { kind: 'failover' }>): void {
    const current = this.failovers[this.failovers.length - 1];
    if (observation.phase === 'detected') this.failovers.push({ detectedAtMs: atMs, from: observation.writer });
    else if (observation.phase === 'promoting' && current !== undefined) current.to = observation.candidate;
    else if (observation.phase === 'writerOpen' && current !== undefined) current.writerOpenAtMs = atMs;
    else if (observation.phase === 'endpointSwitched' && current !== undefined) current.writerAvailableAtMs = atMs;
  }

  private onVdlAdvance(nowMs: number): void {
    const since = this.writeWaitingSinceMs;
    if (since !== undefined && nowMs - since >= WRITE_STALL_MS && since < this.options.workloadStopMs) this.writeStalls.push({ fromMs: since, toMs: nowMs });
    // Writes still open may be waiting for a later LSN; the one this advance acknowledges closes
    // with its answer just after, and clears this if it was the last.
    this.writeWaitingSinceMs = this.openWrites > 0 ? nowMs : undefined;
  }

  /** A write's answer: see {@link writeWaitingSinceMs}. */
  private onWriteAnswered(entry: HistoryEntry): void {
    this.openWrites--;
    const decided = entry.type === 'ok' || WRITER_DECIDED.has(entry.error ?? '');
    if (decided && this.openWrites === 0) this.writeWaitingSinceMs = undefined;
  }

  private onHistoryEntry(entry: HistoryEntry): void {
    if (entry.type !== 'invoke') {
      this.onOutcome(entry);
      return;
    }
    if (entry.value.every(([f]) => f === 'r')) this.readOnlyInvokedAtMs.set(entry.txnId, entryTimeMs(entry));
    const puts = entry.value.flatMap(([f, key, value]) => (f === 'w' ? [{ key, value: value ?? '' }] : []));
    this.putsByTxn.set(entry.txnId, puts);
    if (puts.length > 0) {
      this.openWrites++;
      this.writeWaitingSinceMs ??= entryTimeMs(entry);
    }
  }

  private onOutcome(entry: HistoryEntry): void {
    if ((this.putsByTxn.get(entry.txnId)?.length ?? 0) > 0) this.onWriteAnswered(entry);
    const invokedAtMs = this.readOnlyInvokedAtMs.get(entry.txnId);
    this.readOnlyInvokedAtMs.delete(entry.txnId);
    if (entry.type === 'fail') {
      const error = entry.error ?? 'unknown';
      this.failedByError[error] = (this.failedByError[error] ?? 0) + 1;
    }
    if (entry.type !== 'ok') return;
    const gets = entry.value.filter(([f]) => f === 'r').length;
    if (entry.replica === undefined) this.getsOnWriter += gets;
    else this.getsOnReplicas += gets;
    if (invokedAtMs !== undefined) this.readOnlyLatencies.push(entryTimeMs(entry) - invokedAtMs);
  }
}
