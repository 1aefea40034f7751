/**
 * The recovery-side safety properties of docs/protocol.md §12, judged over the observation stream:
 * S6 (acknowledged commits survive recovery, including S8c's zombie commits), S8a and S8b
 * (fencing, see `fencing.ts`), S9 (the truncation range covers every old allocation and annulled
 * records never come back) and S1's cross-epoch half (LSNs above the truncation range; both in
 * `truncation.ts`), plus two `sometimes` witnesses so a scenario that claims to test recovery can
 * show it was not vacuous.
 *
 * The recovering instance's plan (`recovered`: VDL' and the range (VDL', VDL' + LAL],
 * docs/protocol.md §7.1) is judged against what writers were seen to allocate and acknowledge, and
 * what segments then did with it — never against any machine's memory.
 *
 * Invariants of the checkers themselves: each property keeps its own bookkeeping; memory grows
 * with the number of volume epochs, segments and recoveries (S6 also keeps one bit per commit
 * LSN) — never with the number of records or commits verified.
 */
import type { Observation } from '../protocol/observations.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import { S8A_FENCED_SEGMENTS, S8B_NO_QUORUM_AFTER_FENCE, createFenceQuorum, createFencedSegments } from './fencing.js';
import { createLsnSet } from './lsn-set.js';
import type { PropertyChecker, PropertyResult } from './property.js';
import { always, sometimes } from './property.js';
import type { Plan } from './recovery-plan.js';
import { keepLowest, lowestAbove, planOf, recoveryAt } from './recovery-plan.js';
import {
  S1_LSNS_ABOVE_TRUNCATION,
  S9_TRUNCATION_COVERAGE,
  createLsnsAboveTruncation,
  createTruncationCoverage,
} from './truncation.js';

/** Property names, as results report them, in the order `results()` lists them. */
export const RECOVERY_NAMES = {
  s6: 'S6 acknowledged commits survive recovery',
  s8a: S8A_FENCED_SEGMENTS,
  s8b: S8B_NO_QUORUM_AFTER_FENCE,
  s9: S9_TRUNCATION_COVERAGE,
  s1: S1_LSNS_ABOVE_TRUNCATION,
  recoveryWitnessed: 'recovery witnessed',
  fenceWitnessed: 'fence witnessed',
} as const;

/** Options of {@link createRecoveryChecker}. */
export interface RecoveryCheckerOptions {
  /** Each PG's read quorum predicate, keyed by PG id: defines the fence instant (S8b). */
  readonly readQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
  /** Each PG's write quorum predicate, keyed by PG id (S8b). */
  readonly writeQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
  /**
   * The start of the region a managed failover of a Global Database promoted in this volume's
   * place, once one did (docs/protocol.md §11.1, managed failover): the commits above it are the
   * failover's lost suffix, which S17 bounds, and the volume's rejoin annuls them (S6 exempts
   * them). @defaultValue never
   */
  readonly failoverStartLsn?: () => number | undefined;
  /**
   * Whether `instance` is recovering for a backtrack now, as the backtrack service asked it
   * (docs/protocol.md §10, backtrack): such a recovery goes back to a point and undoes the commits
   * after it on purpose — S20 judges it — so S6 does not hold it to every acknowledged commit.
   * @defaultValue never
   */
  readonly backtracking?: (instance: string) => boolean;
}

/** The recovery checker of one run: same shape as the invariant checker. */
export interface RecoveryChecker {
  /** Judges one observation at virtual time `atMs`. */
  observe(atMs: number, observation: Observation): void;
  /** One result per property, in the order of {@link RECOVERY_NAMES}. */
  results(): PropertyResult[];
}

/** A commit acknowledged to a client. */
interface AckedCommit {
  readonly instance: string;
  readonly volumeEpoch: number;
  readonly txnId: number;
  readonly commitLsn: number;
  readonly atMs: number;
}

const ackedBy = (c: AckedCommit): string =>
  `txn ${c.txnId} acknowledged by ${c.instance} at volumeEpoch ${c.volumeEpoch} (t=${c.atMs} ms) at commit LSN ${c.commitLsn}`;

/**
 * S6 (and S8c): every recovery at e' computes VDL' ≥ every commit acknowledged so far at an epoch
 * below e'; a commit an old-epoch writer acknowledges after such a recovery is ≤ that VDL' too; and
 * no segment ever drops an acknowledged commit's record in a truncation, except the commits above
 * the start of a region a Global Database's managed failover promoted in the volume's place: data
 * loss is what that failover allows, and S17 judges that it is within the RPO lag. Only the highest commit
 * per epoch is kept (it is the one that can fail), so a violation names the highest one lost.
 */
export function createCommitSurvival(failoverStartLsn: () => number | undefined = () => undefined, backtracking: (instance: string) => boolean = () => false): PropertyChecker<Observation> {
  const highestByEpoch = new Map<number, AckedCommit>();
  const commitLsns = createLsnSet();
  /** Per recovered epoch, the plan with the lowest VDL'. */
  const plans = new Map<number, Plan>();
  return always<Observation>(RECOVERY_NAMES.s6, (o, judgement) => {
    switch (o.kind) {
      case 'commitAck': {
        const { instance, volumeEpoch, txnId, commitLsn } = o;
        const commit: AckedCommit = { instance, volumeEpoch, txnId, commitLsn, atMs: judgement.atMs };
        const plan = lowestAbove(plans, o.volumeEpoch, 'vdl');
        if (plan !== undefined) {
          judgement.check(
            o.commitLsn <= plan.vdl,
            () => `${ackedBy(commit)} after ${recoveryAt(plan)}: commit LSN ${o.commitLsn} > VDL' ${plan.vdl} (expected a zombie's commits ≤ VDL', S8c)`,
          );
        }
        const highest = highestByEpoch.get(o.volumeEpoch);
        if (highest === undefined || o.commitLsn > highest.commitLsn) highestByEpoch.set(o.volumeEpoch, commit);
        commitLsns.add(o.commitLsn);
        return;
      }
      case 'recovered': {
        const plan = planOf(o, judgement.atMs);
        if (backtracking(o.instance)) return;
        for (const [epoch, commit] of highestByEpoch) {
          if (epoch >= o.volumeEpoch) continue;
          judgement.check(
            commit.commitLsn <= o.vdl,
            () => `${recoveryAt(plan)}, but ${ackedBy(commit)} (the highest at that epoch) > VDL' ${o.vdl} (expected every acknowledged commit ≤ VDL')`,
          );
        }
        keepLowest(plans, plan, 'vdl');
        return;
      }
      case 'truncationApplied': {
        // A managed failover gave up what lay above its start (its lost suffix, judged by S17).
        const givenUp = failoverStartLsn() ?? Infinity;
        const lost = o.droppedLsns.filter((dropped) => commitLsns.has(dropped) && dropped <= givenUp);
        judgement.check(
          lost.length === 0,
          () => `${o.segment} (PG ${o.pg}) applied truncation [${o.fromLsn}, ${o.toLsn}] at volumeEpoch ${o.volumeEpoch} and dropped acknowledged commit LSN(s) ${lost.slice(0, 5).join(', ')} (${lost.length} in all; expected an acknowledged commit never annulled)`,
        );
        return;
      }
      default:
        return;
    }
  });
}

/** `recovery witnessed`: some recovery computed its plan. */
export function createRecoveryWitness(): PropertyChecker<Observation> {
  return sometimes<Observation>(RECOVERY_NAMES.recoveryWitnessed, (o) => o.kind === 'recovered');
}

/** `fence witnessed`: some segment adopted a new epoch answering a recovery read (fence first). */
export function createFenceWitness(): PropertyChecker<Observation> {
  return sometimes<Observation>(RECOVERY_NAMES.fenceWitnessed, (o) => o.kind === 'epochAdopted' && o.via === 'recoveryOpen');
}

/**
 * The actor an observation speaks for: the segment, the instance, or the writer; else its kind.
 * Read by field, so observation kinds added later need no change here.
 */
function actorOf(observation: Observation): string {
  const fields = observation as { segment?: unknown; instance?: unknown; writer?: unknown };
  for (const actor of [fields.segment, fields.instance, fields.writer]) if (typeof actor === 'string') return actor;
  return observation.kind;
}

/**
 * Creates the checker of S6, S8a, S8b, S9, cross-epoch S1 and the two witnesses for one run.
 * Feed it every observation in virtual-time order; read `results()` at any time.
 */
export function createRecoveryChecker(options: RecoveryCheckerOptions): RecoveryChecker {
  const properties: PropertyChecker<Observation>[] = [
    createCommitSurvival(options.failoverStartLsn, options.backtracking),
    createFencedSegments(),
    createFenceQuorum(options),
    createTruncationCoverage(),
    createLsnsAboveTruncation(),
    createRecoveryWitness(),
    createFenceWitness(),
  ];
  return {
    observe(atMs, observation) {
      const actorId = actorOf(observation);
      for (const property of properties) property.observe(atMs, actorId, observation);
    },
    results: () => properties.map((property) => property.result()),
  };
}
