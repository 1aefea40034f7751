/**
 * Truncation after recovery (docs/protocol.md §7.1, recovery steps 3–4; §12, S1 and S9; §13, R2):
 * the range a recovery annuls must cover every LSN an older writer allocated or could still
 * allocate, segments apply the planned range and never take an annulled record back, and the new
 * writer allocates only above the range.
 *
 * Bookkeeping: per volume epoch the highest LSN allocated, per recovery its plan, per segment the
 * highest-epoch range it applied — nothing per record.
 */
import type { Observation } from '../protocol/observations.js';
import type { PropertyChecker } from './property.js';
import { always } from './property.js';
import type { Plan } from './recovery-plan.js';
import { keepLowest, lowestAbove, lsnBounds, planOf, recoveryAt } from './recovery-plan.js';

/** The property names, as results report them. */
export const S9_TRUNCATION_COVERAGE = 'S9 truncation covers every old allocation';
export const S1_LSNS_ABOVE_TRUNCATION = 'S1b LSNs above the truncation range after recovery';

/** The highest-epoch truncation a segment applied (docs/protocol.md §13, R2: it supersedes lower ones). */
interface AppliedRange {
  readonly volumeEpoch: number;
  readonly fromLsn: number;
  readonly toLsn: number;
  readonly atMs: number;
}

/**
 * S9: every recovery at e' plans `from = VDL' + 1` and `to ≥` the highest LSN allocated so far at
 * any epoch below e', and every LSN an old-epoch writer allocates later (a zombie) is ≤ `to` of
 * every recovery above its epoch (allocation never exceeds VDL + LAL, SIGMOD'17 §4.3); segments
 * apply a range that a recovery at that epoch planned; and once a segment applied a range at e',
 * it never persists (by write or gossip) an LSN in it at an epoch below e'.
 */
export function createTruncationCoverage(): PropertyChecker<Observation> {
  const highestByEpoch = new Map<number, { lsn: number; instance: string }>();
  const plansByEpoch = new Map<number, Plan[]>();
  /** Per recovered epoch, the plan with the lowest truncation end. */
  const lowestEnds = new Map<number, Plan>();
  const rangeBySegment = new Map<string, AppliedRange>();
  return always<Observation>(S9_TRUNCATION_COVERAGE, (o, judgement) => {
    switch (o.kind) {
      case 'allocated': {
        if (o.records.length === 0) return;
        const { lsnMax } = lsnBounds(o);
        const plan = lowestAbove(lowestEnds, o.volumeEpoch, 'toLsn');
        if (plan !== undefined) {
          judgement.check(
            lsnMax <= plan.toLsn,
            () => `${o.instance} at volumeEpoch ${o.volumeEpoch} allocated LSN ${lsnMax} after ${recoveryAt(plan)} (expected every old-epoch LSN ≤ ${plan.toLsn})`,
          );
        }
        const highest = highestByEpoch.get(o.volumeEpoch);
        if (highest === undefined || lsnMax > highest.lsn) highestByEpoch.set(o.volumeEpoch, { lsn: lsnMax, instance: o.instance });
        return;
      }
      case 'recovered': {
        const plan = planOf(o, judgement.atMs);
        judgement.check(
          o.truncationFromLsn === o.vdl + 1,
          () => `${recoveryAt(plan)}: truncation starts at ${o.truncationFromLsn} (expected VDL' + 1 = ${o.vdl + 1})`,
        );
        for (const [epoch, highest] of highestByEpoch) {
          if (epoch >= o.volumeEpoch) continue;
          judgement.check(
            o.truncationToLsn >= highest.lsn,
            () => `${recoveryAt(plan)}, but ${highest.instance} allocated LSN ${highest.lsn} at volumeEpoch ${epoch} (expected truncation end ${o.truncationToLsn} ≥ ${highest.lsn})`,
          );
        }
        plansByEpoch.set(o.volumeEpoch, [...(plansByEpoch.get(o.volumeEpoch) ?? []), plan]);
        keepLowest(lowestEnds, plan, 'toLsn');
        return;
      }
      case 'truncationApplied': {
        const plans = plansByEpoch.get(o.volumeEpoch);
        const where = `${o.segment} (PG ${o.pg}) applied truncation [${o.fromLsn}, ${o.toLsn}] at volumeEpoch ${o.volumeEpoch}`;
        if (plans !== undefined) {
          judgement.check(
            plans.some((p) => p.fromLsn === o.fromLsn && p.toLsn === o.toLsn),
            () => `${where}, but the recovery at that epoch planned ${plans.map((p) => `[${p.fromLsn}, ${p.toLsn}]`).join(' or ')} (expected the planned range)`,
          );
        }
        const key = `${o.pg}|${o.segment}`;
        const before = rangeBySegment.get(key);
        if (before === undefined || o.volumeEpoch >= before.volumeEpoch) {
          rangeBySegment.set(key, { volumeEpoch: o.volumeEpoch, fromLsn: o.fromLsn, toLsn: o.toLsn, atMs: judgement.atMs });
        }
        return;
      }
      case 'persisted': {
        const range = rangeBySegment.get(`${o.pg}|${o.segment}`);
        if (range === undefined || o.volumeEpoch >= range.volumeEpoch) return;
        const annulled = o.lsns.filter((l) => l >= range.fromLsn && l <= range.toLsn);
        judgement.check(
          annulled.length === 0,
          () => `${o.segment} (PG ${o.pg}) persisted LSN(s) ${annulled.slice(0, 5).join(', ')} (${annulled.length} in all) via ${o.via} from ${o.source} at volumeEpoch ${o.volumeEpoch}, inside the range [${range.fromLsn}, ${range.toLsn}] it annulled at volumeEpoch ${range.volumeEpoch} (t=${range.atMs} ms; expected annulled records never to re-enter)`,
        );
        return;
      }
      default:
        return;
    }
  });
}

/**
 * S1 across epochs: a writer that opens at e' starts above the truncation range of the recovery at
 * e' (`nextLsn > to`), and every LSN it allocates at e' is > `to` (SIGMOD'18 §2.4: new records get
 * LSNs above the truncation range). A writer that opens at an epoch with no recovery observed,
 * after allocations at lower epochs, had no range to start above: that fails too.
 */
export function createLsnsAboveTruncation(): PropertyChecker<Observation> {
  /** Per recovered epoch, the highest truncation end planned. */
  const endByEpoch = new Map<number, Plan>();
  let firstAllocation: { volumeEpoch: number; instance: string; lsn: number } | undefined;
  return always<Observation>(S1_LSNS_ABOVE_TRUNCATION, (o, judgement) => {
    switch (o.kind) {
      case 'recovered': {
        const before = endByEpoch.get(o.volumeEpoch);
        if (before === undefined || o.truncationToLsn > before.toLsn) endByEpoch.set(o.volumeEpoch, planOf(o, judgement.atMs));
        return;
      }
      case 'writerOpened': {
        const plan = endByEpoch.get(o.volumeEpoch);
        const opened = `${o.instance} opened at volumeEpoch ${o.volumeEpoch} with nextLsn ${o.nextLsn}`;
        if (plan !== undefined) {
          judgement.check(o.nextLsn > plan.toLsn, () => `${opened} after ${recoveryAt(plan)} (expected nextLsn > ${plan.toLsn})`);
        } else if (firstAllocation !== undefined && firstAllocation.volumeEpoch < o.volumeEpoch) {
          const first = firstAllocation;
          judgement.check(
            false,
            () => `${opened} without a recovery at that epoch, after ${first.instance} allocated LSN ${first.lsn} at volumeEpoch ${first.volumeEpoch} (expected a recovery, and its truncation range, before a new epoch opens)`,
          );
        }
        return;
      }
      case 'allocated': {
        if (o.records.length === 0) return;
        const { lsnMin } = lsnBounds(o);
        if (firstAllocation === undefined || o.volumeEpoch < firstAllocation.volumeEpoch) {
          firstAllocation = { volumeEpoch: o.volumeEpoch, instance: o.instance, lsn: lsnMin };
        }
        const plan = endByEpoch.get(o.volumeEpoch);
        if (plan === undefined) return;
        judgement.check(
          lsnMin > plan.toLsn,
          () => `${o.instance} at volumeEpoch ${o.volumeEpoch} allocated LSN ${lsnMin} after ${recoveryAt(plan)} (expected every LSN > ${plan.toLsn})`,
        );
        return;
      }
      default:
        return;
    }
  });
}
