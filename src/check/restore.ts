/**
 * S20 restore consistency (docs/protocol.md §10, §12): a restored volume equals the state an
 * independent oracle gives at a single CPL-consistent point whose time is at or before the time
 * asked for.
 *
 * The judge keeps its own account, from the world's stream, of what it needs:
 * - every VDL the source cluster's writer reached, with the time (the database's state at time t
 *   is the volume at the last VDL reached by t; a VDL is a CPL, S3);
 * - every PG's staged point, as the object store itself reported it (`staged`).
 *
 * Its rule, from the statement of S20 and the documented behaviour (a restore goes to the latest
 * restorable point at or before the time asked; docs/protocol.md §10): a restore asked at time a
 * for time t must go to the highest VDL reached by t that every PG had staged by a. Checks:
 * - the job's point is that VDL;
 * - the new cluster's writer opens with exactly that VDL;
 * - every PG is held as of the point by at least 4 of its 6 new segments (the volume opened on
 *   write quorums), and every block, read from each of them, equals the oracle's replay of the archive of every record ever persisted (as S10 and S14
 *   use) at that point: no partial transaction, nothing from after it, nothing missing;
 * - a restore the object store refused as `notStaged` had asked for more than was staged.
 *
 * Vacuous when no restore completed or failed.
 */
import type { SegmentStore } from '../protocol/segment-store.js';
import { blockChainAt, sclOf } from '../protocol/segment-store.js';
import { materializePage } from '../protocol/pages.js';
import type { Lsn } from '../protocol/ids.js';
import type { Observation } from '../protocol/observations.js';
import type { PropertyResult } from './property.js';
import { FIRST_VIOLATIONS_KEPT, createTally } from './property.js';
import type { PageOracle } from './gc-safety.js';

/** The property name, as results report it. */
export const S20_RESTORE = 'S20 restore consistency';

/** A restore as the scenario asks for it: to a time, or from a manual snapshot; or a clone. */
export interface JudgedRestore {
  job: string;
  toTimeMs?: number;
  snapshot?: string;
  /** A clone: its point is the VDL in force when it is asked, staged or not (docs/protocol.md §13, B3). */
  clone?: boolean;
  /**
   * A backtrack of the volume itself (docs/protocol.md §10, backtrack): its point is the VDL in
   * force at `toTimeMs`, and the volume, as the backtrack's recovery opened it, is compared with
   * the archive of the timeline then (the archive applies the ranges hidden now).
   */
  backtrack?: boolean;
  /** The new volume's segments, by PG. */
  membersByPg: Readonly<Record<number, readonly string[]>>;
}

/** How one restore was verified (the report's `verification`). */
export interface RestoreVerification {
  job: string;
  /** The point the rule gives, once the restore was asked. */
  expectedLsn?: number;
  /** Blocks compared with the oracle (each on every segment that holds its PG that far). */
  blocksChecked: number;
  /** Blocks that differed, or that the oracle could not replay. */
  mismatches: number;
  /** Whether the restore completed and every check held; undefined while it has not completed. */
  verified?: boolean;
}

/** The judge of one run. */
export interface RestoreJudge {
  /** A VDL the source writer reached at `atMs`. */
  vdlReached(atMs: number, vdl: number): void;
  observe(atMs: number, observation: Observation): void;
  /** What the judge found on observations alone (no volume compared): cheap, for a check after every step. */
  streamed(): PropertyResult;
  /**
   * The result, with every completed restore's volume compared with the oracle now, and each
   * restore's verification. `blocksOf(pg)` lists a PG's block ids.
   */
  result(
    atMs: number,
    storeOf: (segment: string) => SegmentStore | undefined,
    oracle: PageOracle,
    blocksOf: (pg: number) => readonly number[],
    histories?: readonly JudgedHistory[],
  ): { result: PropertyResult; verifications: RestoreVerification[] };
  /** A clone opened: its volume compared with the oracle now, before its own writes and GC move it on. */
  verifyClone(atMs: number, job: string, storeOf: (segment: string) => SegmentStore | undefined, oracle: PageOracle, blocksOf: (pg: number) => readonly number[]): void;
}

/**
 * The history checker's verdict on the clients of the source, or of a clone with the source's past
 * it holds: S20 holds only if each is ok (the source never sees a clone's writes, nor a clone the
 * source's later ones).
 */
export interface JudgedHistory {
  /** Whose: `source` or the clone's job. */
  of: string;
  model: string;
  ok: boolean;
  violations: readonly string[];
}

interface RestoreState {
  expectedLsn?: number;
  throughLsn?: number;
  openedVdl?: number;
  failed?: string;
}

/** What one verification found: the counts (first entry), then each problem. */
type Found = { blocksChecked: number; mismatches: number; message?: string }[];

/**
 * Compares a completed restore's volume with the oracle at its point: every PG held on a write
 * quorum as of the point, every block of each holding segment equal to the oracle's replay.
 */
function verify(restore: JudgedRestore, state: RestoreState, storeOf: (segment: string) => SegmentStore | undefined, oracle: PageOracle, blocksOf: (pg: number) => readonly number[]): Found | undefined {
  if (state.openedVdl === undefined || state.throughLsn === undefined) return undefined;
  const counts = { blocksChecked: 0, mismatches: 0 };
  const problems: string[] = [];
  const point = state.throughLsn;
  for (const [pg, members] of Object.entries(restore.membersByPg)) {
    // A segment holds the PG as of the point once its SCL reaches the highest any member
    // holds at or below the point (the PG's last record there); one still catching up is
    // left out, but the new volume opened on write quorums: at least 4 of 6 must hold it.
    const reach = members.reduce((high, member) => {
      const store = storeOf(member);
      return store === undefined ? high : Math.max(high, Math.min(sclOf(store), point));
    }, 0);
    const holding = members.filter((member) => {
      const store = storeOf(member);
      return store !== undefined && sclOf(store) >= reach;
    });
    if (holding.length < Math.ceil((2 * members.length) / 3)) {
      counts.mismatches++;
      problems.push(`${restore.job}: PG ${pg} is held as of the restore point ${point} by ${holding.length} of its ${members.length} segments (${holding.join(', ')}), fewer than a write quorum`);
    }
    for (const blockId of blocksOf(Number(pg))) {
      const expected = oracle(Number(pg), blockId, point);
      for (const member of holding) {
        const store = storeOf(member) as SegmentStore;
        counts.blocksChecked++;
        if (expected === undefined) {
          counts.mismatches++;
          problems.push(`${member}: block ${blockId} at the restore point ${point} cannot be replayed by the oracle: the record archive no longer holds it`);
          continue;
        }
        const got = materializePage(blockChainAt(store, blockId, point as Lsn));
        const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
        for (const key of keys) {
          if (expected[key] === got[key]) continue;
          counts.mismatches++;
          problems.push(`${member}: block ${blockId} at the restore point ${point} has ${key} = ${got[key] ?? 'nothing'}, but the source's records give ${expected[key] ?? 'nothing'}`);
          break;
        }
      }
    }
  }
  return [counts, ...problems.map((message) => ({ blocksChecked: 0, mismatches: 0, message }))];
}

/** Creates the S20 judge for the scenario's restores, over the source volume's `pgs`. */
export function createRestoreJudge(restores: readonly JudgedRestore[], pgs: readonly number[]): RestoreJudge {
  const tally = createTally(S20_RESTORE, 'always');
  const vdlTimes: number[] = [];
  const vdls: number[] = [];
  const stagedByPg = new Map<number, number>();
  /** Each manual snapshot the object store completed, and its point. */
  const snapshots = new Map<string, number>();
  const states = new Map<string, RestoreState>(restores.map((restore) => [restore.job, {}]));
  const byJob = new Map(restores.map((restore) => [restore.job, restore]));
  /** Each clone's verification, taken as it opened. */
  const frozen = new Map<string, (Found[number] & { atMs: number })[]>();

  /** The highest VDL reached by `toTimeMs` and at or below `stagedMin` (0 when none is). */
  const expectedPoint = (toTimeMs: number, stagedMin: number): number => {
    let best = 0;
    for (let i = 0; i < vdls.length; i++) if ((vdlTimes[i] as number) <= toTimeMs && (vdls[i] as number) <= stagedMin) best = Math.max(best, vdls[i] as number);
    return best;
  };
  /** The lowest staged point over the volume's PGs (0 for one nothing was staged of). */
  const stagedMin = (): number => {
    let lowest = Infinity;
    for (const pg of pgs) lowest = Math.min(lowest, stagedByPg.get(pg) ?? 0);
    return Number.isFinite(lowest) ? lowest : 0;
  };

  return {
    vdlReached(atMs, vdl) {
      if (vdls.length > 0 && vdl <= (vdls[vdls.length - 1] as number)) return;
      vdlTimes.push(atMs);
      vdls.push(vdl);
    },
    observe(atMs, o) {
      if (o.kind === 'staged') {
        if (o.stagedLsn > (stagedByPg.get(o.pg) ?? 0)) stagedByPg.set(o.pg, o.stagedLsn);
        return;
      }
      if (o.kind === 'snapshotCreated') {
        // A manual snapshot holds the state at one point: a VDL the source reached, staged on every PG.
        tally.judged();
        snapshots.set(o.name, o.throughLsn);
        if (o.throughLsn > 0 && !vdls.includes(o.throughLsn)) tally.violated(atMs, `snapshot ${o.name} holds the volume at LSN ${o.throughLsn}, which is no VDL the source's writer reached`);
        const lowest = stagedMin();
        if (o.throughLsn > lowest) tally.violated(atMs, `snapshot ${o.name} was completed at LSN ${o.throughLsn}, above ${lowest}, what the object store had staged of some PG`);
        return;
      }
      if (o.kind !== 'restore') return;
      const restore = byJob.get(o.job);
      const state = states.get(o.job);
      if (restore === undefined || state === undefined) return;
      switch (o.phase) {
        case 'requested': {
          tally.judged();
          state.throughLsn = o.throughLsn;
          if (restore.snapshot !== undefined) {
            // From a snapshot: its point, once the store completed it (else the store refuses).
            const point = snapshots.get(restore.snapshot);
            if (point !== undefined) state.expectedLsn = point;
            if (point !== undefined && o.throughLsn !== point) tally.violated(atMs, `${o.job} restores snapshot ${restore.snapshot} to LSN ${o.throughLsn}, but the snapshot holds LSN ${point}`);
            return;
          }
          if (restore.clone === true) {
            state.expectedLsn = expectedPoint(atMs, Infinity);
            if (o.throughLsn !== state.expectedLsn) tally.violated(atMs, `${o.job} clones at LSN ${o.throughLsn}, but the source's VDL in force at ${atMs} ms is ${state.expectedLsn}`);
            return;
          }
          if (restore.backtrack === true) {
            const toTimeMs = restore.toTimeMs ?? atMs;
            state.expectedLsn = expectedPoint(toTimeMs, Infinity);
            if (o.throughLsn !== state.expectedLsn) tally.violated(atMs, `${o.job} goes back to LSN ${o.throughLsn}, but the VDL in force at ${toTimeMs} ms is ${state.expectedLsn}`);
            return;
          }
          const toTimeMs = restore.toTimeMs ?? 0;
          state.expectedLsn = expectedPoint(toTimeMs, stagedMin());
          if (o.throughLsn !== state.expectedLsn) {
            tally.violated(atMs, `${o.job} restores to LSN ${o.throughLsn}, but the highest VDL reached by ${toTimeMs} ms and staged on every PG is ${state.expectedLsn}`);
          }
          return;
        }
        case 'available':
          tally.judged();
          state.openedVdl = o.vdl;
          if (o.vdl !== o.throughLsn) tally.violated(atMs, `${o.job}'s writer opened the restored volume at VDL ${o.vdl ?? 'none'}, not at the restore point ${o.throughLsn}`);
          return;
        case 'failed':
          state.failed = o.reason ?? 'failed';
          if (o.reason?.startsWith('noSuchSnapshot') === true && restore.snapshot !== undefined && snapshots.has(restore.snapshot)) {
            tally.violated(atMs, `${o.job} was refused snapshot ${restore.snapshot}, which the object store had completed`);
          }
          if (o.reason?.startsWith('notStaged') === true && (state.expectedLsn ?? Infinity) <= stagedMin()) {
            tally.violated(atMs, `${o.job} was refused LSN ${o.throughLsn} as not staged, though the object store had reported every PG staged to ${stagedMin()}`);
          }
          return;
        default:
          return;
      }
    },
    streamed() {
      return tally.result();
    },
    verifyClone(atMs, job, storeOf, oracle, blocksOf) {
      const restore = byJob.get(job);
      const state = states.get(job);
      if ((restore?.clone !== true && restore?.backtrack !== true) || state === undefined || frozen.has(job)) return;
      const found = verify(restore, state, storeOf, oracle, blocksOf);
      if (found !== undefined) frozen.set(job, found.map((each) => ({ ...each, atMs })));
    },
    result(atMs, storeOf, oracle, blocksOf, histories = []) {
      const contentViolations: { atMs: number; message: string }[] = [];
      const verifications: RestoreVerification[] = [];
      for (const restore of restores) {
        const state = states.get(restore.job) as RestoreState;
        // A clone is judged as it opened (`verifyClone`): its own writes and GC move on from there.
        const found = restore.clone === true || restore.backtrack === true ? frozen.get(restore.job) : verify(restore, state, storeOf, oracle, blocksOf)?.map((each) => ({ ...each, atMs }));
        const verification: RestoreVerification = { job: restore.job, blocksChecked: 0, mismatches: 0, ...(state.expectedLsn === undefined ? {} : { expectedLsn: state.expectedLsn }) };
        verifications.push(verification);
        if (found === undefined || state.openedVdl === undefined || state.throughLsn === undefined) {
          if (state.failed !== undefined) verification.verified = false;
          continue;
        }
        const [counts] = found;
        verification.blocksChecked = counts?.blocksChecked ?? 0;
        verification.mismatches = counts?.mismatches ?? 0;
        for (const each of found) if (each.message !== undefined) contentViolations.push({ atMs: each.atMs, message: each.message });
        const point = state.throughLsn;
        verification.verified = verification.mismatches === 0 && verification.blocksChecked > 0 && state.openedVdl === point && state.expectedLsn === point;
      }
      // The history checker on the clients of the source and of each clone (see `JudgedHistory`).
      for (const history of histories) {
        if (!history.ok) contentViolations.push({ atMs, message: `the history checker finds ${history.violations.join(', ')} in ${history.of}'s history (${history.model})` });
      }
      const base = tally.result();
      const judged =
        contentViolations.length === 0 ? base : { ...base, ok: false, vacuous: false, violations: base.violations + contentViolations.length, firstViolations: [...base.firstViolations, ...contentViolations].slice(0, FIRST_VIOLATIONS_KEPT) };
      return { result: judged, verifications };
    },
  };
}
