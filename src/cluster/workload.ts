/**
 * The client workload: open-loop Poisson arrivals at a target commit rate, each a transaction of
 * gets then puts on uniformly chosen keys, handed to an idle client. Arrivals that find every
 * client busy are counted as skipped (the clients are blocked, e.g. while writes stall), never
 * queued without bound. Every choice comes from the workload's own RNG fork.
 *
 * Read-only transactions for the reader endpoint (`readerTxnsPerS`) arrive the same way, from
 * their own fork, so turning them on leaves the write arrivals of a seed unchanged.
 *
 * A rate schedule (`phases`) changes either rate at given times: the arrival pending at a change
 * is dropped and the next is drawn at the new rate from the change on (Poisson arrivals have no
 * memory, so this is exactly a process whose rate steps there). A workload without phases makes
 * the same draws, at the same times, as before phases existed.
 *
 * Skewed keys (`hotKeys`, for the multi-writer conflict rates of docs/protocol.md §11.2) send a
 * share of the key choices to a few hot keys; a workload without them draws as before.
 */
import type { TxnOp } from '../../models/messages.js';
import type { TimerId, VirtualClock } from '../kernel/clock.js';
import type { Rng } from '../kernel/rng.js';
import type { DatabaseClient } from './client.js';

/** What the workload does. */
export interface WorkloadOptions {
  /** Target commits per second over all clients. */
  commitsPerS: number;
  putsPerTxn: number;
  getsPerTxn: number;
  /** Distinct keys, named `k0` … `k{keys-1}`. */
  keys: number;
  /**
   * `append`: each put writes the next new key, `k0`, `k1`, … (a growing volume's inserts), and
   * gets read keys written so far. @defaultValue 'uniform': keys `k0` … `k{keys-1}`, uniformly
   */
  putKeys?: 'uniform' | 'append';
  /** Read-only transactions (of `getsPerTxn` gets) per second for the reader endpoint. @defaultValue 0 */
  readerTxnsPerS?: number;
  /** Put values are `{valuePrefix}w{n}.{i}`: a clone's clients write values no source client writes. @defaultValue '' */
  valuePrefix?: string;
  /** Virtual time to start and stop issuing. */
  startMs: number;
  stopMs: number;
  /**
   * The rate schedule: from each phase's `atMs` on, `commitsPerS` and (when given) `readerTxnsPerS`
   * are its own. @defaultValue none: the rates above throughout
   */
  phases?: readonly { atMs: number; commitsPerS: number; readerTxnsPerS?: number }[];
  /**
   * Skewed keys: a `share` of the keys chosen (gets and uniform puts) come uniformly from the
   * first `keys` keys, the rest uniformly from all. @defaultValue none: every key uniformly
   */
  hotKeys?: { share: number; keys: number };
}

/** Counters of a workload. */
export interface WorkloadStats {
  issued: number;
  /** Arrivals that found every client busy. */
  skipped: number;
}

/** Drives clients; see the file header. */
export class Workload {
  readonly stats: WorkloadStats = { issued: 0, skipped: 0 };
  private cursor = 0;
  private sequence = 0;
  /** Under `append`: the index of the next new key. */
  private appended = 0;

  constructor(
    private readonly options: WorkloadOptions,
    private readonly clients: readonly DatabaseClient[],
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
  ) {
    this.commitsPerS = options.commitsPerS;
    this.readerTxnsPerS = options.readerTxnsPerS ?? 0;
  }

  /** Write transactions per second now (the rate schedule's phase in force, or the options'). */
  private commitsPerS: number;
  /** Read-only transactions per second now. */
  private readerTxnsPerS: number;
  /** The pending arrivals, dropped when a phase changes the rate. */
  private writeArrival: TimerId | undefined;
  private readerArrival: TimerId | undefined;
  /** The reader arrivals' own fork, made at their first use. */
  private readerRngOrUndefined: Rng | undefined;

  /** Schedules the first arrivals, and each phase of the rate schedule. */
  start(): void {
    if (this.clients.length === 0) return;
    const { startMs, stopMs } = this.options;
    const phases = this.options.phases ?? [];
    // Phases that start before the workload does set its first rates.
    for (const phase of phases) if (phase.atMs <= startMs) this.takeRates(phase);
    if (this.commitsPerS > 0) this.writeArrival = this.clock.scheduleAt(startMs + this.interarrivalMs(), () => this.arrive());
    if (this.readerTxnsPerS > 0) this.readerArrival = this.clock.scheduleAt(startMs + this.readerInterarrivalMs(), () => this.arriveReader());
    for (const phase of phases) {
      if (phase.atMs > startMs && phase.atMs < stopMs) this.clock.scheduleAt(phase.atMs, () => this.enterPhase(phase));
    }
  }

  private takeRates(phase: { commitsPerS: number; readerTxnsPerS?: number }): void {
    this.commitsPerS = phase.commitsPerS;
    this.readerTxnsPerS = phase.readerTxnsPerS ?? this.readerTxnsPerS;
  }

  /** A phase starts: each rate it changes starts over from now (memoryless, see the file header). */
  private enterPhase(phase: { commitsPerS: number; readerTxnsPerS?: number }): void {
    const before = { commitsPerS: this.commitsPerS, readerTxnsPerS: this.readerTxnsPerS };
    this.takeRates(phase);
    const now = this.clock.now();
    if (this.commitsPerS !== before.commitsPerS) {
      if (this.writeArrival !== undefined) this.clock.clearTimeout(this.writeArrival);
      this.writeArrival = this.commitsPerS > 0 ? this.clock.scheduleAt(now + this.interarrivalMs(), () => this.arrive()) : undefined;
    }
    if (this.readerTxnsPerS !== before.readerTxnsPerS) {
      if (this.readerArrival !== undefined) this.clock.clearTimeout(this.readerArrival);
      this.readerArrival = this.readerTxnsPerS > 0 ? this.clock.scheduleAt(now + this.readerInterarrivalMs(), () => this.arriveReader()) : undefined;
    }
  }

  private get readerRng(): Rng {
    this.readerRngOrUndefined ??= this.rng.fork('reader');
    return this.readerRngOrUndefined;
  }

  private interarrivalMs(): number {
    return this.rng.exponential(1000 / this.commitsPerS);
  }

  private readerInterarrivalMs(): number {
    return this.readerRng.exponential(1000 / this.readerTxnsPerS);
  }

  private arrive(): void {
    this.writeArrival = undefined;
    if (this.clock.now() >= this.options.stopMs) return;
    this.issue(() => this.nextOps(), 'cluster');
    this.writeArrival = this.clock.scheduleAt(this.clock.now() + this.interarrivalMs(), () => this.arrive());
  }

  private arriveReader(): void {
    this.readerArrival = undefined;
    if (this.clock.now() >= this.options.stopMs) return;
    this.issue(() => this.readOnlyOps(this.readerRng), 'reader');
    this.readerArrival = this.clock.scheduleAt(this.clock.now() + this.readerInterarrivalMs(), () => this.arriveReader());
  }

  /** Hands a transaction to an idle client, or counts the arrival as skipped. */
  private issue(ops: () => TxnOp[], endpoint: 'cluster' | 'reader'): void {
    const client = this.idleClient();
    if (client === undefined) this.stats.skipped++;
    else {
      this.stats.issued++;
      // The handle is not kept: the history records every outcome, and a long run would hold one per transaction.
      client.transact(ops(), { endpoint });
    }
  }

  /** A read-only transaction: `getsPerTxn` gets on uniformly chosen keys. */
  private readOnlyOps(rng: Rng): TxnOp[] {
    const ops: TxnOp[] = [];
    for (let i = 0; i < this.options.getsPerTxn; i++) ops.push({ f: 'get', key: `k${rng.int(0, Math.max(0, this.options.keys - 1))}` });
    return ops;
  }

  private idleClient(): DatabaseClient | undefined {
    for (let i = 0; i < this.clients.length; i++) {
      const client = this.clients[(this.cursor + i) % this.clients.length] as DatabaseClient;
      if (!client.busy) {
        this.cursor = (this.cursor + i + 1) % this.clients.length;
        return client;
      }
    }
    return undefined;
  }

  private nextOps(): TxnOp[] {
    const sequence = this.sequence++;
    const ops: TxnOp[] = [];
    const append = this.options.putKeys === 'append';
    for (let i = 0; i < this.options.getsPerTxn; i++) ops.push({ f: 'get', key: append ? this.writtenKey() : this.key() });
    for (let i = 0; i < this.options.putsPerTxn; i++) ops.push({ f: 'put', key: append ? `k${this.appended++}` : this.key(), value: `${this.options.valuePrefix ?? ''}w${sequence}.${i}` });
    return ops;
  }

  /** A key written so far (or `k0` before any), uniformly: the gets of an `append` workload. */
  private writtenKey(): string {
    return `k${this.rng.int(0, Math.max(0, this.appended - 1))}`;
  }

  private key(): string {
    const hot = this.options.hotKeys;
    // Only a skewed workload draws the extra choice, so a uniform one makes the draws it always made.
    if (hot !== undefined && this.rng.next() < hot.share) return `k${this.rng.int(0, Math.max(0, hot.keys - 1))}`;
    return `k${this.rng.int(0, Math.max(0, this.options.keys - 1))}`;
  }
}
