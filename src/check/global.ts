/**
 * S17 and S18, the Global Database properties (docs/protocol.md §12, S17 and S18; §11.1, the rules
 * we take; §13, G1–G5), judged over {@link GlobalObservation}s.
 *
 * S17, the prefix rule, in the judge's own words:
 * - a secondary's durable LSN is at most the highest primary VDL shipped to it by the current
 *   primary, and the records it reports up to it are, LSN for LSN and digest for digest, exactly
 *   the records the primary reported up to its VDL;
 * - a switchover's new primary starts at the old primary's final VDL (the last it reported);
 * - a failover's new primary starts at 0 or at a CPL the old primary reported at or below its VDL,
 *   and it loses only commits the promoted secondary did not hold durably at the failure instant:
 *   those newer than the commit its RPO lag is counted from, so the loss is within that lag;
 * - with an RPO limit R, no commit of the primary is acknowledged at t while every secondary's RPO
 *   lag at t is above R. The judge computes the lag itself (§13, G5): t minus the commit time of
 *   the newest acknowledged commit at or below the secondary's durable LSN, when the primary has a
 *   newer one, else 0. With no secondary at all, every secondary lags: such a commit is judged.
 *
 * S18, fencing: once a fence of a region reports success at t, that region acknowledges no commit
 * later in the stream. A fence that timed out is no violation (§13, G2: fencing is best-effort):
 * the judge opens a split-brain window at the timeout, counts the commits the region acknowledges
 * in it, and closes it when a later fence succeeds. The windows are reported in the result's
 * `splitBrain` field, each with a message; `ok` does not depend on them.
 *
 * Neither judge calls `src/protocol/global.ts` for the rules it checks; they take its types only.
 * Only the current primary's reports build the reference log and commit history: a region that
 * lost its primacy and still writes is S18's to report, and its shipments count for nobody.
 */
import type { RegionId } from '../protocol/ids.js';
import type { GlobalObservation, RecordDigest } from '../protocol/global.js';
import { lastIndexAtOrBelow } from '../protocol/sorted-search.js';
import type { PropertyChecker, PropertyResult } from './property.js';
import { FIRST_VIOLATIONS_KEPT, always, createTally } from './property.js';

/** The property names, as results report them. */
export const S17_GLOBAL_PREFIX = 'S17 secondaries hold a prefix of the primary';
export const S18_GLOBAL_FENCING = 'S18 no commit after a successful global fence';

/** Options of {@link createGlobalPrefix}. */
export interface GlobalPrefixOptions {
  /** The primary region when the run starts. */
  readonly primaryRegion: RegionId;
  /** Secondary regions when the run starts (durable at 0); others join when shipped to. */
  readonly secondaryRegions?: readonly RegionId[];
  /** `rds.global_db_rpo` in ms; absent, the parameter's default: no limit. */
  readonly rpoLimitMs?: number;
}

/** A commit acknowledged by the primary. */
interface Commit {
  readonly lsn: number;
  readonly atMs: number;
}

/** What the judge knows of one secondary region. */
interface Secondary {
  /** Highest primary VDL the current primary shipped to it. */
  shippedVdl: number;
  durableLsn: number;
  /** Each durable LSN with the time it was reported, in time order. */
  readonly history: Commit[];
  /** Counted by the RPO rule: it is a secondary now (a failed old primary is not until it rejoins). */
  active: boolean;
}

/** Inserts `entry` into `sorted` by key, after equal keys; O(1) when it belongs at the end. */
function insertSorted<T>(sorted: T[], entry: T, key: (entry: T) => number): void {
  const last = sorted[sorted.length - 1];
  if (last === undefined || key(last) <= key(entry)) sorted.push(entry);
  else sorted.splice(lastIndexAtOrBelow(sorted, key(entry), key) + 1, 0, entry);
}

/** Creates the S17 checker; see the file header. */
export function createGlobalPrefix(options: GlobalPrefixOptions): PropertyChecker<GlobalObservation> {
  let primary: string = options.primaryRegion;
  let primaryVdl = 0;
  /** The primary's records at or below its VDL, by LSN, and their LSNs ascending. */
  const log = new Map<number, RecordDigest>();
  const logLsns: number[] = [];
  const commits: Commit[] = [];
  const secondaries = new Map<string, Secondary>();
  const secondaryOf = (region: string): Secondary => {
    let secondary = secondaries.get(region);
    if (secondary === undefined) {
      secondary = { shippedVdl: 0, durableLsn: 0, history: [], active: true };
      secondaries.set(region, secondary);
    }
    return secondary;
  };
  for (const region of options.secondaryRegions ?? []) secondaryOf(region);

  /** G5, the judge's own statement: t minus the newest commit ≤ durable, if a newer one exists. */
  const rpoLag = (durableLsn: number, atMs: number): number => {
    const newest = commits[commits.length - 1];
    if (newest === undefined || newest.lsn <= durableLsn) return 0;
    const held = lastIndexAtOrBelow(commits, durableLsn, (commit) => commit.lsn);
    return atMs - (held < 0 ? 0 : (commits[held] as Commit).atMs);
  };
  /** The secondary's durable LSN as last reported at or before `atMs`. */
  const durableAt = (secondary: Secondary, atMs: number): number => {
    const index = lastIndexAtOrBelow(secondary.history, atMs, (entry) => entry.atMs);
    return index < 0 ? 0 : (secondary.history[index] as Commit).lsn;
  };
  /** Drops the primary's history above `vdl`: after a failover it is no longer history. */
  const truncateAbove = (vdl: number): void => {
    while ((logLsns[logLsns.length - 1] ?? 0) > vdl) log.delete(logLsns.pop() as number);
    while ((commits[commits.length - 1]?.lsn ?? 0) > vdl) commits.pop();
  };

  return always<GlobalObservation>(S17_GLOBAL_PREFIX, (o, judgement) => {
    const { atMs } = judgement;
    switch (o.kind) {
      case 'primaryVdl': {
        if (o.region !== primary) return;
        for (const record of o.records) {
          if (log.has(record.lsn)) continue;
          log.set(record.lsn, record);
          insertSorted(logLsns, record.lsn, (lsn) => lsn);
        }
        primaryVdl = Math.max(primaryVdl, o.vdl);
        return;
      }
      case 'shipped': {
        if (o.from !== primary) return;
        const secondary = secondaryOf(o.to);
        secondary.active = true;
        secondary.shippedVdl = Math.max(secondary.shippedVdl, o.primaryVdl);
        return;
      }
      case 'secondaryDurable': {
        const secondary = secondaryOf(o.region);
        secondary.active = true;
        const within = judgement.check(
          o.durableLsn <= secondary.shippedVdl,
          () => `${o.region} reports durable LSN ${o.durableLsn} above the primary VDL ${secondary.shippedVdl} ${primary} shipped to it (expected durable ≤ shipped primary VDL)`,
        );
        if (within) {
          // The records in (previous durable, durable] must be the primary's, one for one.
          const from = lastIndexAtOrBelow(logLsns, secondary.durableLsn, (lsn) => lsn) + 1;
          const to = lastIndexAtOrBelow(logLsns, o.durableLsn, (lsn) => lsn) + 1;
          const expected = logLsns.slice(from, Math.max(from, to));
          const range = `(${secondary.durableLsn}, ${o.durableLsn}]`;
          let mismatch: string | undefined;
          for (let i = 0; i < Math.max(expected.length, o.records.length) && mismatch === undefined; i += 1) {
            const held = o.records[i];
            const wanted = expected[i] === undefined ? undefined : log.get(expected[i] as number);
            if (held === undefined) mismatch = `lacks the primary's record LSN ${wanted?.lsn}`;
            else if (wanted === undefined || held.lsn !== wanted.lsn) mismatch = `holds LSN ${held.lsn} where the primary's log has ${wanted === undefined ? 'nothing more' : `LSN ${wanted.lsn}`}`;
            else if (held.digest !== wanted.digest) mismatch = `holds LSN ${held.lsn} with digest ${held.digest}, the primary's is ${wanted.digest}`;
          }
          judgement.check(mismatch === undefined, () => `${o.region} in ${range} ${mismatch ?? ''} (expected the primary's log prefix)`);
        }
        secondary.durableLsn = o.durableLsn;
        secondary.history.push({ lsn: o.durableLsn, atMs });
        return;
      }
      case 'commitAcknowledged': {
        if (o.region !== primary) return;
        const limitMs = options.rpoLimitMs;
        if (limitMs !== undefined) {
          const lags = [...secondaries].filter(([, s]) => s.active).map(([region, s]) => ({ region, lagMs: rpoLag(s.durableLsn, atMs) }));
          judgement.check(
            lags.some((lag) => lag.lagMs <= limitMs),
            () =>
              `${primary} acknowledged commit LSN ${o.commitLsn} while ` +
              (lags.length === 0 ? 'it had no secondary' : `every secondary's RPO lag was above ${limitMs} ms: ${lags.map((lag) => `${lag.region} ${lag.lagMs} ms`).join(', ')}`) +
              ' (expected commits to wait)',
          );
        }
        insertSorted(commits, { lsn: o.commitLsn, atMs }, (commit) => commit.lsn);
        return;
      }
      case 'promoted': {
        judgement.check(o.oldPrimary === primary, () => `${o.region} was promoted in place of ${o.oldPrimary}, but the primary was ${primary}`);
        const promoted = secondaryOf(o.region);
        if (o.how === 'switchover') {
          judgement.check(
            o.vdl === primaryVdl,
            () => `switchover to ${o.region} started at VDL ${o.vdl}, the old primary ${primary}'s final VDL was ${primaryVdl} (expected equal)`,
          );
        } else {
          const cpl = log.get(o.vdl);
          judgement.check(
            o.vdl === 0 || (cpl?.isCpl === true && o.vdl <= primaryVdl),
            () => `failover to ${o.region} started at VDL ${o.vdl}, not a CPL ${primary} reached (its VDL was ${primaryVdl}; expected a CPL at or below it)`,
          );
          const failureAtMs = o.failureAtMs ?? atMs;
          const heldLsn = durableAt(promoted, failureAtMs);
          const lagMs = rpoLag(heldLsn, failureAtMs);
          for (const commit of commits) {
            if (commit.lsn <= o.vdl || commit.atMs > failureAtMs) continue;
            judgement.check(
              commit.lsn > heldLsn,
              () =>
                `failover to ${o.region} at VDL ${o.vdl} lost commit LSN ${commit.lsn} (acknowledged at t=${commit.atMs} ms), ` +
                `which ${o.region} held durably (durable LSN ${heldLsn}) at the failure instant t=${failureAtMs} ms; ` +
                `expected a loss within its RPO lag of ${lagMs} ms`,
            );
          }
        }
        truncateAbove(o.vdl);
        secondaries.delete(o.region);
        // The old primary holds the log up to the new start; it rejoins at once after a switchover,
        // after a failover only once it is rebuilt and shipped to (§13, G4).
        secondaries.set(o.oldPrimary, { shippedVdl: o.vdl, durableLsn: o.vdl, history: [{ lsn: o.vdl, atMs }], active: o.how === 'switchover' });
        for (const secondary of secondaries.values()) {
          if (secondary.durableLsn > o.vdl) {
            secondary.durableLsn = o.vdl;
            secondary.history.push({ lsn: o.vdl, atMs });
          }
          secondary.shippedVdl = Math.min(secondary.shippedVdl, o.vdl);
        }
        primary = o.region;
        primaryVdl = o.vdl;
        return;
      }
      default:
        return;
    }
  });
}

/** A stretch of time in which a region that could not be fenced went on acknowledging commits. */
export interface SplitBrainWindow {
  /** The old primary the fence could not reach. */
  readonly region: RegionId;
  /** When the fence timed out. */
  readonly fromMs: number;
  /** When a later fence of the region succeeded; absent while the window is open. */
  readonly toMs?: number;
  /** Commits the region acknowledged in the window. */
  readonly commits: number;
  /** The first of their LSNs, at most `FIRST_VIOLATIONS_KEPT`. */
  readonly firstCommitLsns: readonly number[];
  /** The window in words, with the numbers. */
  readonly message: string;
}

/** S18's verdict: a {@link PropertyResult} plus the split-brain windows, which are no violation. */
export interface GlobalFencingResult extends PropertyResult {
  readonly splitBrain: readonly SplitBrainWindow[];
}

/** The S18 checker. */
export interface GlobalFencingChecker extends PropertyChecker<GlobalObservation> {
  result(): GlobalFencingResult;
}

/** A split-brain window while it is being filled. */
interface OpenWindow {
  readonly region: RegionId;
  readonly fromMs: number;
  toMs?: number;
  commits: number;
  readonly firstCommitLsns: number[];
}

/** The window's report, with its message. */
function windowReport(window: OpenWindow): SplitBrainWindow {
  const lsns = window.firstCommitLsns.length === 0 ? '' : ` (LSNs ${window.firstCommitLsns.join(', ')}${window.commits > window.firstCommitLsns.length ? ', …' : ''})`;
  const end = window.toMs === undefined ? 'still open' : `closed by a successful fence at t=${window.toMs} ms`;
  const message = `split brain possible in ${window.region}: its fence timed out at t=${window.fromMs} ms, ${end}; ${window.commits} commit(s) acknowledged by it since${lsns}`;
  const base = { region: window.region, fromMs: window.fromMs, commits: window.commits, firstCommitLsns: [...window.firstCommitLsns], message };
  return window.toMs === undefined ? base : { ...base, toMs: window.toMs };
}

/** Creates the S18 checker; see the file header. */
export function createGlobalFencing(): GlobalFencingChecker {
  const tally = createTally(S18_GLOBAL_FENCING, 'always');
  const fencedAtMs = new Map<string, number>();
  const open = new Map<string, OpenWindow>();
  const windows: OpenWindow[] = [];
  const close = (region: string, atMs: number): void => {
    const window = open.get(region);
    if (window === undefined) return;
    window.toMs = atMs;
    open.delete(region);
  };
  return {
    name: S18_GLOBAL_FENCING,
    kind: 'always',
    observe(atMs, _actorId, o) {
      switch (o.kind) {
        case 'fenced':
          if (!fencedAtMs.has(o.region)) fencedAtMs.set(o.region, atMs);
          close(o.region, atMs);
          return;
        case 'fenceTimedOut': {
          if (fencedAtMs.has(o.region) || open.has(o.region)) return;
          const window: OpenWindow = { region: o.region, fromMs: atMs, commits: 0, firstCommitLsns: [] };
          open.set(o.region, window);
          windows.push(window);
          return;
        }
        case 'promoted':
          // Primary again (a later switchover back): its own earlier fence no longer binds it.
          fencedAtMs.delete(o.region);
          close(o.region, atMs);
          return;
        case 'commitAcknowledged': {
          tally.judged();
          const fencedAt = fencedAtMs.get(o.region);
          if (fencedAt !== undefined) {
            tally.violated(atMs, `${o.region} acknowledged commit LSN ${o.commitLsn} after its fence reported success at t=${fencedAt} ms (expected no acknowledgement after a successful fence)`);
            return;
          }
          const window = open.get(o.region);
          if (window === undefined) return;
          window.commits += 1;
          if (window.firstCommitLsns.length < FIRST_VIOLATIONS_KEPT) window.firstCommitLsns.push(o.commitLsn);
          return;
        }
        default:
          return;
      }
    },
    result() {
      return { ...tally.result(), splitBrain: windows.map(windowReport) };
    },
  };
}
