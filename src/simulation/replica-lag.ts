/**
 * Replica lag (PROTOCOL §2.8, §3.4 Table 4): the time from a commit being acknowledged on the
 * writer to it being visible on a replica, i.e. the replica has applied redo up to its commit
 * LSN. Computed from observations (`commitAck`, `replicaApplied`, `replicaRestarted`), never from
 * the machines' memory. Commits a replica skips by restarting are not counted (they become
 * visible there through storage reads, not through its redo stream).
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
  byReplica: Record<string, { lagMsP50: number; lagMsP99: number; samples: number; restarts: number }>;
}

interface Follower {
  /** Next commit (index into `commits`) this replica has not seen applied. */
  next: number;
  lags: number[];
  restarts: number;
}

/** Accumulates lag samples; see the file header. */
export class ReplicaLag {
  private readonly commits: { lsn: number; atMs: number }[] = [];
  private readonly followers = new Map<string, Follower>();

  /** Takes one observation at virtual time `atMs`. */
  observe(atMs: number, observation: Observation): void {
    if (observation.kind === 'commitAck') {
      this.commits.push({ lsn: observation.commitLsn, atMs });
    } else if (observation.kind === 'replicaApplied') {
      const follower = this.follower(observation.instance);
      while (follower.next < this.commits.length) {
        const commit = this.commits[follower.next] as { lsn: number; atMs: number };
        if (commit.lsn > observation.appliedLsn) break;
        follower.lags.push(atMs - commit.atMs);
        follower.next++;
      }
    } else if (observation.kind === 'replicaRestarted') {
      const follower = this.follower(observation.instance);
      follower.restarts++;
      follower.next = this.commits.length;
    }
  }

  private follower(instance: string): Follower {
    let follower = this.followers.get(instance);
    if (follower === undefined) {
      // A replica first heard of now has seen nothing committed before.
      follower = { next: this.commits.length, lags: [], restarts: 0 };
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
      byReplica[instance] = { lagMsP50: quantile(sorted, 0.5), lagMsP99: quantile(sorted, 0.99), samples: sorted.length, restarts: follower.restarts };
    }
    all.sort((a, b) => a - b);
    return { lagMsP50: quantile(all, 0.5), lagMsP99: quantile(all, 0.99), lagMsMax: all[all.length - 1] ?? 0, samples: all.length, restarts, byReplica };
  }
}
