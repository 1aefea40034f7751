/**
 * The mirrored-MySQL baseline's report (docs/semantics.md, "Baseline report"), counted from what
 * the actors observed and the clients recorded, never from the machines' contexts.
 *
 * I/Os are counted as SIGMOD'17 Table 1 counts them: each block write a database instance issues,
 * once (its `ioIssued` observations), not the copies EBS and the standby make of it. Copies per
 * write are counted from the volumes' `ebsBlocksDurable` reports: how many copies of each of the
 * first primary's writes were durable when the primary saw it complete.
 */
import type { IoKind } from '../../models/mirrored-mysql-messages.js';
import { IO_KINDS } from '../../models/mirrored-mysql-messages.js';
import type { EbsBlocksDurableObservation } from '../../models/ebs-volume.machine.js';
import type { MirroredInstanceObservation } from '../../models/mirrored-instance.machine.js';
import type { BinlogAppliedObservation } from '../../models/binlog-replica.machine.js';
import { quantile } from '../simulation/quantile.js';
import type { LostCommitVerdict } from './lost-commits.js';
import type { ResolvedBaselineOptions } from './options.js';

/** What `runMirroredBaseline` returns (also the JSON an experiment prints). */
export interface BaselineReport {
  seed: number;
  traceHash: string;
  /** Virtual time the run covered, ms. */
  simulatedMs: number;
  /** The options the run used, defaults filled in; `failoverMs` as drawn, when there was a crash. */
  parameters: ResolvedBaselineOptions;
  transactions: {
    /** Transactions the clients started. */
    attempted: number;
    /** Acknowledged as committed. */
    committed: number;
    /** Refused: took no effect (e.g. the endpoint's instance was down). */
    failed: number;
    /** Timed out: outcome unknown to the client. */
    unknown: number;
    /** Workload arrivals that found every client busy and were not issued. */
    skipped: number;
  };
  /** Committed transactions per simulated second. */
  commitsPerS: number;
  /** Invoke to acknowledgement of committed transactions, ms (nearest rank). */
  commitLatencyMs: { p50: number; p99: number; p999: number };
  /** Block writes the database instances issued per committed transaction (Table 1's "I/Os per transaction"). */
  iosPerTxn: number;
  /** Block writes the database instances issued, by kind (totals). */
  iosByKind: Record<IoKind, number>;
  /** Durable copies of each of the first primary's block writes when it completed, mean (4 when mirrored synchronously). */
  copiesPerWrite: number;
  /** With a binlog replica. */
  replica?: {
    /** Primary's acknowledgement to the replica's apply, of transactions applied, ms. */
    lagMs: { p50: number; p99: number; max: number };
    appliedTxns: number;
    /** Committed transactions not applied when the run ended. */
    backlogTxns: number;
    /** Age of the oldest committed, unapplied transaction when the run ended, ms (0 when none). */
    lagMsAtEnd: number;
  };
  /** With a primary crash. */
  failover?: {
    crashAtMs: number;
    /** When the promoted standby opened for writes (null: not within the run). */
    writableAtMs: number | null;
    /** writableAtMs − crashAtMs (null: not within the run). */
    downtimeMs: number | null;
  };
  /** The lost-commit check (src/baseline/lost-commits.ts). */
  lostCommits: LostCommitVerdict;
}

/** Counts a run's observations as they happen; see the file header. */
export class BaselineTally {
  readonly iosByKind: Record<IoKind, number> = Object.fromEntries(IO_KINDS.map((kind) => [kind, 0])) as Record<IoKind, number>;
  /** Durable copies so far, by `origin#writeId` of the primary's write. */
  private readonly copies = new Map<string, number>();
  private copiesAtCompleteSum = 0;
  private completedWrites = 0;
  /** The primary's acknowledgement time of each committed transaction not yet applied (replica runs). */
  private readonly committedAtMs = new Map<number, number>();
  private readonly lagsMs: number[] = [];
  writableAtMs: number | null = null;
  readonly durableOnStandby: { txnId: number; log: 'redo' | 'binlog'; atMs: number }[] = [];

  constructor(
    private readonly firstPrimary: string,
    private readonly standbyVolume: string,
    private readonly trackLag: boolean,
  ) {}

  /** One observation of an actor at virtual time `atMs`. */
  observe(atMs: number, observation: MirroredInstanceObservation | EbsBlocksDurableObservation | BinlogAppliedObservation): void {
    switch (observation.kind) {
      case 'ioIssued':
        this.iosByKind[observation.write.kind] += observation.write.blocks;
        return;
      case 'ebsBlocksDurable': {
        const write = observation.write;
        const of = write.mirrorOf ?? write;
        const key = `${of.origin}#${of.writeId}`;
        if (of.origin === this.firstPrimary) this.copies.set(key, (this.copies.get(key) ?? 0) + 1);
        if (observation.volume === this.standbyVolume && (write.kind === 'redo' || write.kind === 'binlog')) {
          for (const txnId of write.txnIds) this.durableOnStandby.push({ txnId, log: write.kind, atMs });
        }
        return;
      }
      case 'writeComplete': {
        if (observation.instance !== this.firstPrimary) return;
        const key = `${observation.instance}#${observation.writeId}`;
        this.copiesAtCompleteSum += this.copies.get(key) ?? 0;
        this.completedWrites += 1;
        this.copies.delete(key);
        return;
      }
      case 'commitAcknowledged':
        if (this.trackLag) for (const txnId of observation.txnIds) this.committedAtMs.set(txnId, atMs);
        return;
      case 'binlogApplied': {
        const committedAtMs = this.committedAtMs.get(observation.txnId);
        if (committedAtMs === undefined) return;
        this.committedAtMs.delete(observation.txnId);
        this.lagsMs.push(atMs - committedAtMs);
        return;
      }
      case 'writable':
        this.writableAtMs ??= atMs;
        return;
    }
  }

  /** Mean durable copies per completed write of the first primary (0 when none completed). */
  copiesPerWrite(): number {
    return this.completedWrites === 0 ? 0 : this.copiesAtCompleteSum / this.completedWrites;
  }

  /** The replica block at virtual time `nowMs`. */
  replicaAt(nowMs: number): NonNullable<BaselineReport['replica']> {
    const sorted = [...this.lagsMs].sort((a, b) => a - b);
    let oldestMs = nowMs;
    for (const atMs of this.committedAtMs.values()) oldestMs = Math.min(oldestMs, atMs);
    return {
      lagMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number) },
      appliedTxns: this.lagsMs.length,
      backlogTxns: this.committedAtMs.size,
      lagMsAtEnd: nowMs - oldestMs,
    };
  }
}
