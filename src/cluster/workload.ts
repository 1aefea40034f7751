/**
 * The client workload: open-loop Poisson arrivals at a target commit rate, each a transaction of
 * gets then puts on uniformly chosen keys, handed to an idle client. Arrivals that find every
 * client busy are counted as skipped (the clients are blocked, e.g. while writes stall), never
 * queued without bound. Every choice comes from the workload's own RNG fork.
 */
import type { TxnOp } from '../../models/messages.js';
import type { VirtualClock } from '../kernel/clock.js';
import type { Rng } from '../kernel/rng.js';
import type { DatabaseClient, TxnHandle } from './client.js';

/** What the workload does. */
export interface WorkloadOptions {
  /** Target commits per second over all clients. */
  commitsPerS: number;
  putsPerTxn: number;
  getsPerTxn: number;
  /** Distinct keys, named `k0` … `k{keys-1}`. */
  keys: number;
  /** Virtual time to start and stop issuing. */
  startMs: number;
  stopMs: number;
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
  readonly handles: TxnHandle[] = [];
  private cursor = 0;
  private sequence = 0;

  constructor(
    private readonly options: WorkloadOptions,
    private readonly clients: readonly DatabaseClient[],
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
  ) {}

  /** Schedules the first arrival. */
  start(): void {
    if (this.options.commitsPerS <= 0 || this.clients.length === 0) return;
    this.clock.scheduleAt(this.options.startMs + this.interarrivalMs(), () => this.arrive());
  }

  private interarrivalMs(): number {
    return this.rng.exponential(1000 / this.options.commitsPerS);
  }

  private arrive(): void {
    if (this.clock.now() >= this.options.stopMs) return;
    const client = this.idleClient();
    if (client === undefined) this.stats.skipped++;
    else {
      this.stats.issued++;
      this.handles.push(client.transact(this.nextOps()));
    }
    this.clock.scheduleAt(this.clock.now() + this.interarrivalMs(), () => this.arrive());
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
    for (let i = 0; i < this.options.getsPerTxn; i++) ops.push({ f: 'get', key: this.key() });
    for (let i = 0; i < this.options.putsPerTxn; i++) ops.push({ f: 'put', key: this.key(), value: `w${sequence}.${i}` });
    return ops;
  }

  private key(): string {
    return `k${this.rng.int(0, Math.max(0, this.options.keys - 1))}`;
  }
}
