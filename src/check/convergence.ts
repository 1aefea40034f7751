/**
 * An `eventually` judge with a stated bound: once the last fault of the plan has applied, every
 * online member of a PG holds what any member held `boundMs` before the end, and none still holds
 * a record a recovery annulled (docs/semantics.md, Judges). Gossip is what makes this true
 * (SIGMOD'17 §3.3: segments fill holes from their peers); truncation ranges are what remove the
 * annulled records (SIGMOD'17 §4.3).
 *
 * The reference point is a PG's highest SCL that any member reported (`persisted`,
 * `truncationApplied`) at least `boundMs` before the end: an SCL names a record of the PG that
 * the member held with everything below it, so every member can hold it too. A truncation range
 * resets the reference to the SCLs reported as members apply it, and reports of records older
 * than the range stop counting. At the end the simulation hands over each current member's state
 * (online or not, its SCL and volume epoch, and its records on request): the judge never reads a
 * machine's memory while it runs, only the persisted state at the end, as the read-back does.
 *
 * Memory: per PG, the SCL reports of the last `boundMs` plus one (pruned as time passes), and every
 * recovery's range.
 */
import type { Observation } from '../protocol/observations.js';
import type { PropertyResult, Violation } from './property.js';
import { FIRST_VIOLATIONS_KEPT } from './property.js';

/** The judge's name, as reports list it. */
export const CONVERGENCE_NAME = 'segments converge after the last fault';

/** How long after the last fault every online member must have caught up, in ms, at the default gossip answer size. */
export const CONVERGE_WITHIN_MS = 3_000;

/** The gossip answer size {@link CONVERGE_WITHIN_MS} is stated for, in records (the default). */
const GOSSIP_RECORDS_STATED = 512;

/**
 * The bound for a scenario whose gossip answers carry `gossipMaxRecords`: 3 s at 512 records,
 * proportionally longer for smaller answers (a segment catches up one answer per gossip period).
 */
export function convergenceBoundMs(gossipMaxRecords: number): number {
  return Math.ceil(CONVERGE_WITHIN_MS * Math.max(1, GOSSIP_RECORDS_STATED / gossipMaxRecords));
}

/** What the judge reads of one current member at the end. */
export interface MemberAtEnd {
  readonly id: string;
  readonly pg: number;
  /** Up and reachable: a member that is down or retired is not asked to converge. */
  readonly online: boolean;
  readonly scl: number;
  readonly volumeEpoch: number;
  /** The records it holds (LSN and the epoch that wrote them); read only when a range could apply. */
  records(): readonly { lsn: number; volumeEpoch: number }[];
}

/** Options of {@link createConvergenceJudge}. */
export interface ConvergenceOptions {
  /** When the last fault of the plan applies, in ms (0 without faults). */
  readonly lastFaultAtMs: number;
  /** @defaultValue {@link CONVERGE_WITHIN_MS} */
  readonly boundMs?: number;
  /**
   * With backtrack (docs/protocol.md §10, backtrack): whether `instance` is recovering for a
   * backtrack now (its range hides, it annuls nothing), and the ranges the timeline in force hides:
   * a member must show none of those records. @defaultValue no backtrack
   */
  readonly backtracking?: (instance: string) => boolean;
  readonly hidden?: () => readonly { fromLsn: number; toLsn: number }[];
}

/** The convergence judge: fed observations, judged once at the end. */
export interface ConvergenceJudge {
  observe(atMs: number, observation: Observation): void;
  /** The verdict at `nowMs`, from the current members' state then. */
  result(nowMs: number, members: readonly MemberAtEnd[]): PropertyResult & { boundMs: number };
  /** Entries held now (for memory checks). */
  retained(): number;
}

interface Range {
  readonly atMs: number;
  readonly volumeEpoch: number;
  readonly fromLsn: number;
  readonly toLsn: number;
}

/** Creates the judge; see the file header. */
export function createConvergenceJudge(options: ConvergenceOptions): ConvergenceJudge {
  const boundMs = options.boundMs ?? CONVERGE_WITHIN_MS;
  /** Per PG: SCL reports in time order, each the running highest since the last range. */
  const reports = new Map<number, { atMs: number; scl: number }[]>();
  const rangeEpochByPg = new Map<number, number>();
  const ranges: Range[] = [];

  const push = (pg: number, atMs: number, scl: number, reset: boolean): void => {
    let list = reports.get(pg);
    if (list === undefined) reports.set(pg, (list = []));
    const last = list[list.length - 1];
    const next = reset || last === undefined ? scl : Math.max(last.scl, scl);
    if (last !== undefined && last.scl === next) return;
    list.push({ atMs, scl: next });
    // Only the last report before `now − boundMs` can still be the reference.
    while (list.length > 1 && (list[1] as { atMs: number }).atMs <= atMs - boundMs) list.shift();
  };

  return {
    observe(atMs, observation) {
      if (observation.kind === 'persisted') {
        // Records older than the PG's last range may be annulled ones a member has not dropped yet.
        if (observation.volumeEpoch < (rangeEpochByPg.get(observation.pg) ?? 0)) return;
        push(observation.pg, atMs, observation.scl, false);
      } else if (observation.kind === 'truncationApplied') {
        const fresh = observation.volumeEpoch > (rangeEpochByPg.get(observation.pg) ?? 0);
        if (fresh) rangeEpochByPg.set(observation.pg, observation.volumeEpoch);
        push(observation.pg, atMs, observation.scl, fresh);
      } else if (observation.kind === 'recovered' && options.backtracking?.(observation.instance) !== true) {
        ranges.push({ atMs, volumeEpoch: observation.volumeEpoch, fromLsn: observation.truncationFromLsn, toLsn: observation.truncationToLsn });
      }
    },
    result(nowMs, members) {
      const cutoffMs = nowMs - boundMs;
      const base = { name: CONVERGENCE_NAME, kind: 'eventually' as const, boundMs };
      // Faults still applying within the bound: nothing can be asked yet.
      if (cutoffMs < options.lastFaultAtMs) return { ...base, ok: true, violations: 0, firstViolations: [], vacuous: true, witnessed: false };
      const firstViolations: Violation[] = [];
      let violations = 0;
      let judged = 0;
      const fail = (message: string): void => {
        violations++;
        if (firstViolations.length < FIRST_VIOLATIONS_KEPT) firstViolations.push({ atMs: nowMs, message });
      };
      const settledRanges = ranges.filter((range) => range.atMs <= cutoffMs);
      for (const member of members) {
        if (!member.online) continue;
        const list = reports.get(member.pg) ?? [];
        let reference: number | undefined;
        for (const report of list) if (report.atMs <= cutoffMs) reference = report.scl;
        if (reference !== undefined) {
          judged++;
          if (member.scl < reference) fail(`${member.id}: SCL ${member.scl} ${boundMs} ms after the last fault, below ${reference}, which a member of PG ${member.pg} held ${nowMs - cutoffMs} ms before the end`);
        }
        const applicable = settledRanges.filter((range) => range.volumeEpoch <= member.volumeEpoch);
        if (applicable.length === 0) continue;
        judged++;
        const annulled = member.records().find((record) => applicable.some((range) => range.volumeEpoch > record.volumeEpoch && range.fromLsn <= record.lsn && record.lsn <= range.toLsn));
        if (annulled !== undefined) fail(`${member.id}: still holds LSN ${annulled.lsn} (volume epoch ${annulled.volumeEpoch}), annulled by a recovery's truncation range`);
      }
      const hidden = options.hidden?.() ?? [];
      for (const member of hidden.length === 0 ? [] : members) {
        if (!member.online) continue;
        judged++;
        const shown = member.records().find((record) => hidden.some((range) => range.fromLsn <= record.lsn && record.lsn <= range.toLsn));
        if (shown !== undefined) fail(`${member.id}: still shows LSN ${shown.lsn}, which the timeline in force hides (a backtrack's range)`);
      }
      return { ...base, ok: violations === 0, violations, firstViolations, vacuous: judged === 0, witnessed: judged > 0 && violations === 0 };
    },
    retained() {
      let count = ranges.length;
      for (const list of reports.values()) count += list.length;
      return count;
    },
  };
}
