/**
 * Storage availability as the Aurora User Guide states it [D]: a protection group keeps six
 * copies of its data, reads need 3 of them and writes 4 (SIGMOD'17 §2.1; docs/protocol.md §2,
 * quorums). This observer records, per PG, the intervals in which fewer than all of its copies
 * were reachable from the writer, with whether a read and a write quorum remained.
 *
 * A copy is reachable when its segment is up (not crashed, its node, AZ or region not out: the
 * network marks it down) and no partition cuts the link between it and the writer in either
 * direction. "The writer" is the cluster endpoint's instance, or, from a failover's promotion on,
 * the instance being promoted, since that is the one reading and writing storage (docs/protocol.md
 * §9, failover). The writer's own state is left aside: a crashed writer makes no copy unreachable.
 *
 * The quorums are those in force for the PG (membership changes and the degraded 3/4 model change
 * them, docs/protocol.md §8), the write quorum raised to the judges' own rule (src/check/
 * quorum-rule.ts), never the writer's thresholds. It reads only what the run already holds: the
 * network's down marks and partitions, re-read whenever they change (`Network.onLinksChange`),
 * when a PG's configuration changes and when the writer moves. It sends and schedules nothing,
 * so every run's trace is the same with it.
 *
 * Memory: one record per change of a PG's reachability, never per sample.
 */
import { judgedWriteQuorum } from '../check/quorum-rule.js';
import type { WorldEvent } from '../cluster/host.js';
import type { VirtualClock } from '../kernel/clock.js';
import type { Network } from '../kernel/network.js';
import { membersOf, or, satisfies } from '../protocol/quorum.js';
import type { QuorumPredicate } from '../protocol/quorum.js';

/** One interval in which a PG had fewer than all of its copies reachable from the writer. */
export interface AvailabilityInterval {
  fromMs: number;
  /** The end of the interval; the run's time now when it is still `ongoing`. */
  toMs: number;
  /** The copies (segments) of the PG's configuration in force. */
  copies: number;
  /** How many of them the writer could reach. */
  copiesReachable: number;
  /** Whether the reachable copies form a read quorum. */
  readQuorum: boolean;
  /** Whether they form a write quorum by the judges' rule. */
  writeQuorum: boolean;
  /** The read quorum in words, e.g. `3 of 6`. */
  readQuorumRule: string;
  /** The write quorum in words, e.g. `4 of 6` (the judges' rule). */
  writeQuorumRule: string;
  /** Present when the interval had not ended when the report was made. */
  ongoing?: true;
}

/** Every PG that had an interval with a copy out of reach, in PG order. */
export interface AvailabilityReport {
  pgs: { pg: number; intervals: AvailabilityInterval[] }[];
}

/**
 * A quorum predicate in words: `4 of 6`, `4 of 6 and 3 of 4`, `4 of 6 or 3 of 3 full` (a clause
 * over full segments only, in a PG that also has tail ones: SIGMOD'18 §4.2).
 */
export function quorumInWords(predicate: QuorumPredicate, isFull: (segment: string) => boolean = () => false): string {
  const all = membersOf(predicate);
  const words = (node: QuorumPredicate): string => {
    if (node.kind === 'kOfN') {
      const full = node.members.length < all.length && node.members.every((member) => isFull(member));
      return `${node.k} of ${node.members.length}${full ? ' full' : ''}`;
    }
    const joined = node.terms.map((term) => (term.kind === 'kOfN' ? words(term) : `(${words(term)})`));
    return joined.join(node.kind === 'and' ? ' and ' : ' or ');
  };
  return words(predicate);
}

/** Options of {@link Availability}. */
export interface AvailabilityOptions {
  listen: (handler: (event: WorldEvent) => void) => unknown;
  clock: VirtualClock;
  network: Network;
  /** Each PG's read and write quorum predicates in force now (`World.quorums`). */
  quorums: () => Readonly<Record<number, { read: QuorumPredicate; write: QuorumPredicate }>>;
  /** The cluster endpoint's instance now. */
  endpoint: () => string;
  /** Whether a segment is a full segment (SIGMOD'18 §4.2), to name full-only quorum clauses. */
  isFull: (segment: string) => boolean;
}

type PgState = Omit<AvailabilityInterval, 'fromMs' | 'toMs' | 'ongoing'>;

const sameState = (a: PgState, b: PgState): boolean =>
  a.copies === b.copies &&
  a.copiesReachable === b.copiesReachable &&
  a.readQuorum === b.readQuorum &&
  a.writeQuorum === b.writeQuorum &&
  a.readQuorumRule === b.readQuorumRule &&
  a.writeQuorumRule === b.writeQuorumRule;

/** Records each PG's reachability intervals; see the file header. */
export class Availability {
  private readonly intervalsByPg = new Map<number, AvailabilityInterval[]>();
  /** The interval each PG is in now, if it is missing a copy. */
  private readonly openByPg = new Map<number, AvailabilityInterval>();
  private writer: string | undefined;
  private started = false;

  constructor(private readonly options: AvailabilityOptions) {
    options.network.onLinksChange(() => this.update());
    options.listen((event) => {
      if (event.source === 'publish' && event.publication.stream === 'endpoint') {
        this.writer = event.publication.item;
        this.update();
      } else if (event.source === 'observe') {
        const { observation } = event;
        if (observation.kind === 'membershipInstalled') this.update();
        else if (observation.kind === 'failover' && observation.phase === 'promoting' && observation.candidate !== undefined) {
          this.writer = observation.candidate;
          this.update();
        }
      }
    });
  }

  /** Starts judging, once every actor is attached to the network. */
  start(): void {
    this.started = true;
    this.update();
  }

  /** The intervals so far; one still going on ends now. */
  report(): AvailabilityReport {
    const nowMs = this.options.clock.now();
    const pgs = [...this.intervalsByPg.keys()].sort((a, b) => a - b);
    return {
      pgs: pgs.map((pg) => ({
        pg,
        intervals: (this.intervalsByPg.get(pg) ?? []).map((interval) =>
          interval === this.openByPg.get(pg) ? { ...interval, toMs: nowMs, ongoing: true as const } : { ...interval },
        ),
      })),
    };
  }

  /** Intervals held, for memory checks. */
  retainedIntervals(): number {
    let count = 0;
    for (const intervals of this.intervalsByPg.values()) count += intervals.length;
    return count;
  }

  private update(): void {
    if (!this.started) return;
    const { network, clock } = this.options;
    const nowMs = clock.now();
    const writer = this.writer ?? this.options.endpoint();
    for (const [key, quorum] of Object.entries(this.options.quorums())) {
      const pg = Number(key);
      const members = membersOf(or(quorum.write, quorum.read));
      const reachable = members.filter((id) => network.has(id) && !network.isDown(id) && !network.isCut(writer, id) && !network.isCut(id, writer));
      const write = judgedWriteQuorum(quorum.write);
      const state: PgState = {
        copies: members.length,
        copiesReachable: reachable.length,
        readQuorum: satisfies(quorum.read, reachable),
        writeQuorum: satisfies(write, reachable),
        readQuorumRule: quorumInWords(quorum.read, this.options.isFull),
        writeQuorumRule: quorumInWords(write, this.options.isFull),
      };
      this.record(pg, state, nowMs);
    }
  }

  private record(pg: number, state: PgState, nowMs: number): void {
    const degraded = state.copiesReachable < state.copies || !state.readQuorum || !state.writeQuorum;
    const open = this.openByPg.get(pg);
    if (open !== undefined && degraded && sameState(open, state)) return;
    if (open === undefined && !degraded) return;
    const intervals = this.intervalsByPg.get(pg) ?? [];
    if (open !== undefined) {
      this.openByPg.delete(pg);
      open.toMs = nowMs;
      // Several changes at one instant (an AZ's segments going down one by one) leave no interval.
      if (open.fromMs === nowMs) intervals.pop();
    }
    if (degraded) {
      const last = intervals[intervals.length - 1];
      if (last !== undefined && last.toMs === nowMs && sameState(last, state)) {
        // Back to the state just left at this same instant: it goes on.
        this.openByPg.set(pg, last);
      } else {
        const interval: AvailabilityInterval = { fromMs: nowMs, toMs: nowMs, ...state };
        intervals.push(interval);
        this.openByPg.set(pg, interval);
      }
    }
    if (intervals.length > 0) this.intervalsByPg.set(pg, intervals);
    else this.intervalsByPg.delete(pg);
  }
}
