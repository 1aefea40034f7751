/**
 * S14 GC safety (docs/protocol.md §12, S14; §5, reads; §13, V11), judged from what instances
 * and segments report, not from the segments' own tables:
 *
 * - a segment's GC point never passes its staged point or its SCL; with an object store, never
 *   what the store itself reports it holds of the PG (its `staged` observations), whatever the
 *   segment believes (docs/protocol.md §10, continuous backup);
 * - it never passes the minimum read point that an instance it counts (`live` in the observation)
 *   last reported for the PG — the judge keeps the reports as the instances sent them;
 * - an instance's reports are lower bounds: it never issues a page read below a minimum read point
 *   it reported earlier for that PG (PGMRPL at segments is only as good as these reports);
 * - no segment serves a page below its GC point, and none refuses a read as below its GC point to
 *   an instance it was counting;
 * - every base page a segment holds at the end equals the oracle replay of its block at the
 *   segment's GC point (`checkBasePages`): coalescing kept exactly what reads at or above it need.
 *
 * Vacuous when no segment ever moved its GC point.
 */
import { LSN_ZERO } from '../protocol/ids.js';
import type { Observation } from '../protocol/observations.js';
import { materializePage } from '../protocol/pages.js';
import type { PagePayload } from '../protocol/pages.js';
import type { SegmentStore } from '../protocol/segment-store.js';
import { basesAbove } from '../protocol/segment-store.js';
import type { PropertyResult } from './property.js';
import { FIRST_VIOLATIONS_KEPT, createTally } from './property.js';

/** The property name, as results report it. */
export const S14_GC_SAFETY = 'S14 GC safety';

/**
 * The page of a block at a read point, from an independent record archive; undefined when the
 * archive no longer holds what that answer needs (it keeps only what reads at or above its
 * members' GC points read), which a judge reports as a violation rather than guess.
 */
export type PageOracle = (pg: number, blockId: number, readPoint: number) => Record<string, string> | undefined;

/** The judge of one run. */
export interface GcSafetyJudge {
  observe(atMs: number, observation: Observation): void;
  /**
   * The result, with every base page of the listed segments checked against the oracle at the
   * segment's GC point now (at virtual time `atMs`). Calling it again checks again; nothing is
   * counted twice.
   */
  result(atMs: number, segments: readonly { id: string; store: SegmentStore }[], oracle: PageOracle): PropertyResult;
}

/**
 * Creates the S14 judge. With `objectStore`, the run stages to an object store, and a GC point is
 * judged against the store's own staged points.
 */
export function createGcSafetyJudge(options: { objectStore?: boolean } = {}): GcSafetyJudge {
  const tally = createTally(S14_GC_SAFETY, 'always');
  /** What the object store reported holding of each PG. */
  const stagedByPg = new Map<number, number>();
  /** Latest minimum read point reported, by instance, then PG. */
  const reported = new Map<string, Map<number, number>>();
  const gcBySegment = new Map<string, number>();
  const liveBySegment = new Map<string, ReadonlySet<string>>();
  const reportOf = (instance: string, pg: number): number | undefined => reported.get(instance)?.get(pg);

  return {
    observe(atMs, o) {
      switch (o.kind) {
        case 'mrplReported': {
          let byPg = reported.get(o.instance);
          if (byPg === undefined) reported.set(o.instance, (byPg = new Map()));
          byPg.set(o.pg, o.mrplLsn);
          return;
        }
        case 'readIssued': {
          const floor = reportOf(o.instance, o.pg);
          if (floor !== undefined && o.readPoint < floor) {
            tally.violated(atMs, `${o.instance} read PG ${o.pg} at ${o.readPoint}, below the minimum read point ${floor} it had reported (expected reports to bound every later read)`);
          }
          return;
        }
        case 'staged':
          if (o.stagedLsn > (stagedByPg.get(o.pg) ?? 0)) stagedByPg.set(o.pg, o.stagedLsn);
          return;
        case 'gcAdvanced': {
          tally.judged();
          const held = stagedByPg.get(o.pg) ?? 0;
          if (options.objectStore === true && o.gcPoint > held) {
            tally.violated(atMs, `${o.segment} moved its GC point to ${o.gcPoint}, past ${held}, what the object store holds of PG ${o.pg}`);
          }
          if (o.gcPoint > o.stagedLsn) tally.violated(atMs, `${o.segment} moved its GC point to ${o.gcPoint}, past its staged point ${o.stagedLsn}`);
          if (o.gcPoint > o.scl) tally.violated(atMs, `${o.segment} moved its GC point to ${o.gcPoint}, past its SCL ${o.scl}`);
          for (const instance of o.live) {
            const floor = reportOf(instance, o.pg);
            if (floor !== undefined && o.gcPoint > floor) {
              tally.violated(atMs, `${o.segment} moved its GC point to ${o.gcPoint}, past the minimum read point ${floor} that ${instance} (counted) reported for PG ${o.pg}`);
            }
          }
          gcBySegment.set(o.segment, o.gcPoint);
          liveBySegment.set(o.segment, new Set(o.live));
          return;
        }
        case 'pageServed': {
          const gcPoint = gcBySegment.get(o.segment) ?? 0;
          if (o.readPoint < gcPoint) tally.violated(atMs, `${o.segment} served block ${o.blockId} at ${o.readPoint}, below its GC point ${gcPoint}`);
          return;
        }
        case 'readBelowGc': {
          if (liveBySegment.get(o.segment)?.has(o.instance) === true) {
            tally.violated(atMs, `${o.segment} refused ${o.instance}'s read at ${o.readPoint} as below its GC point ${o.gcPoint}, while counting ${o.instance}'s reports`);
          }
          return;
        }
        default:
          return;
      }
    },
    result(atMs, segments, oracle) {
      const baseViolations: string[] = [];
      for (const { id, store } of segments) {
        if (store.gcPoint === 0) continue;
        for (const record of basesAbove(store, LSN_ZERO)) {
          const payload = record.payload as PagePayload | undefined;
          if (payload?.kind !== 'page') continue;
          const expected = oracle(store.pg, record.blockId, store.gcPoint);
          if (expected === undefined) {
            baseViolations.push(`${id}'s base page of block ${record.blockId} (GC point ${store.gcPoint}) cannot be replayed: the record archive no longer holds that block below its floor`);
            continue;
          }
          const got = materializePage([record]);
          const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
          for (const key of keys) {
            if (expected[key] === got[key]) continue;
            baseViolations.push(`${id}'s base page of block ${record.blockId} (GC point ${store.gcPoint}) has ${key} = ${got[key] ?? 'nothing'}, but the block's records give ${expected[key] ?? 'nothing'}`);
            break;
          }
        }
      }
      const result = tally.result();
      if (baseViolations.length === 0) return result;
      const firstViolations = [...result.firstViolations, ...baseViolations.map((message) => ({ atMs, message }))].slice(0, FIRST_VIOLATIONS_KEPT);
      return { ...result, ok: false, violations: result.violations + baseViolations.length, firstViolations };
    },
  };
}
