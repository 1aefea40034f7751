/**
 * Replica lag (docs/protocol.md §5, read replicas; SIGMOD'17 §6 Table 4): the time from a commit
 * being acknowledged on the writer to it being visible on a replica, i.e. the replica has applied
 * redo up to its commit LSN. Computed from observations (`commitAck`, `replicaApplied`,
 * `replicaRestarted`), never from the machines' memory. Commits a replica skips by restarting are
 * not counted (they become visible there through storage reads, not through its redo stream).
 *
 * Memory: a commit is kept only until every replica heard of has passed it (a replica first heard
 * of later starts after it), so the pending commits are bounded by the slowest replica's lag, and
 * by nothing at all without replicas. Lag samples are numbers in packed arrays (8 bytes each):
 * the quantiles need them all.
 */
import type { Observation } from '../protocol/observations.js';
import { quantile } from './quantile.js';

/** Lag figures, overall and per replica. */
export interface ReplicaLagReport {
  lagMsP50: number;
  lagMsP99: number;
  lagMsMax: number;
  samples: number;
  restarts: number;
  byReplica: Record<string, { lagMsP50: number; lagMsP99: number; lagMsMax: number; samples: number; restarts: number }>;
}

interface Follower {
  /** Next commit (a sequence number: `commits[next - dropped]`) this replica has not seen applied. */
  next: number;
  lags: number[];
  restarts: number;
}

/** Options of {@link ReplicaLag}. */
export interface ReplicaLagOptions {
  /** Called with each lag sample as it is taken (a commit became visible on `instance` at `atMs`). */
  onLag?: (instance: string, atMs: number, lagMs: number) => void;
  /**
   * Keep every sample for {@link ReplicaLag.report}'s quantiles; a caller that only listens
   * (`onLag`) turns it off, so its memory stays bounded. @defaultValue true
   */
  keepSamples?: boolean;
}

/** Accumulates lag samples; see the file header. */
export class ReplicaLag {
  private commits: { lsn: number; atMs: number }[] = [];
  /** Commits dropped from the front of `commits`: every replica had passed them. */
  private dropped = 0;
  private readonly followers = new Map<string, Follower>();
  private readonly onLag: ReplicaLagOptions['onLag'];
  private readonly keepSamples: boolean;

  constructor(options: ReplicaLagOptions = {}) {
    this.onLag = options.onLag;
    this.keepSamples = options.keepSamples ?? true;
  }

  /** Commits held, waiting for some replica to apply them (for memory tests). */
  pendingCommitCount(): number {
    return this.commits.length;
  }

  /** Takes one observation at virtual time `atMs`. */
  observe(atMs: number, observation: Observation): void {
    if (observation.kind === 'commitAck') {
      this.commits.push({ lsn: observation.commitLsn, atMs });
      this.dropPassed();
    } else if (observation.kind === 'replicaApplied') {
      const follower = this.follower(observation.instance);
      const end = this.dropped + this.commits.length;
      while (follower.next < end) {
        const commit = this.commits[follower.next - this.dropped] as { lsn: number; atMs: number };
        if (commit.lsn > observation.appliedLsn) break;
        if (this.keepSamples) follower.lags.push(atMs - commit.atMs);
        this.onLag?.(observation.instance, atMs, atMs - commit.atMs);
        follower.next++;
      }
    } else if (observation.kind === 'replicaRestarted') {
      const follower = this.follower(observation.instance);
      follower.restarts++;
      follower.next = this.dropped + this.commits.length;
    }
  }

  /** Drops the commits every replica has passed, once they are at least half the array. */
  private dropPassed(): void {
    let passed = this.dropped + this.commits.length;
    for (const follower of this.followers.values()) passed = Math.min(passed, follower.next);
    const count = passed - this.dropped;
    if (count < 1024 || count * 2 < this.commits.length) return;
    this.commits = this.commits.slice(count);
    this.dropped = passed;
  }

  private follower(instance: string): Follower {
    let follower = this.followers.get(instance);
    if (follower === undefined) {
      // A replica first heard of now has seen nothing committed before.
      follower = { next: this.dropped + this.commits.length, lags: [], restarts: 0 };
      this.followers.set(instance, follower);
    }
    return follower;
  }

  /** The figures so far. */
  report(): ReplicaLagReport {
    const all: number[] = [];
    const byReplica: ReplicaLagReport['byReplica'] = {};
    let restarts = 0;
    for (const [instance, follower] of [...this.followers].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sorted = [...follower.lags].sort((a, b) => a - b);
      all.push(...sorted);
      restarts += follower.restarts;
      byReplica[instance] = { lagMsP50: quantile(sorted, 0.5), lagMsP99: quantile(sorted, 0.99), lagMsMax: sorted[sorted.length - 1] ?? 0, samples: sorted.length, restarts: follower.restarts };
    }
    all.sort((a, b) => a - b);
    return { lagMsP50: quantile(all, 0.5), lagMsP99: quantile(all, 0.99), lagMsMax: all[all.length - 1] ?? 0, samples: all.length, restarts, byReplica };
  }
}
