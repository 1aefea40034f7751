/**
 * S22 volume geometry (docs/protocol.md §12, S22; §1.1, storage growth): the volume grows one PG at
 * a time and never shrinks. Each `geometryChanged` the storage control plane reports must move the
 * geometry epoch on by exactly one from the one before (1 for the volume as created), add the PG
 * after the last one (so every PG has exactly one geometry epoch and none is added twice), and give
 * it quorums whose write sets meet its read sets. And no writer allocates a record in a PG the
 * geometry does not hold yet: the judges must know every PG a record can go to.
 *
 * The rule comes from here, not from the code it judges: the PGs the volume was created with are
 * the topology's, and everything else is counted from the observations.
 */
import type { Observation } from '../protocol/observations.js';
import { quorumsIntersect } from '../protocol/quorum.js';
import type { PropertyResult } from './property.js';
import { createTally } from './property.js';

/** The property's name. */
export const S22_GEOMETRY = 'S22 volume geometry';

/** The S22 checker. */
export interface GeometryChecker {
  observe(atMs: number, observation: Observation): void;
  result(): PropertyResult;
  /** The PGs the geometry holds now. */
  readonly pgCount: number;
}

/** Creates the S22 checker for a volume created with `initialPgCount` PGs at geometry epoch 1. */
export function createGeometryChecker(initialPgCount: number): GeometryChecker {
  const tally = createTally(S22_GEOMETRY, 'always');
  let geometryEpoch = 1;
  let pgCount = initialPgCount;
  const changed = (atMs: number, o: Extract<Observation, { kind: 'geometryChanged' }>): void => {
    tally.judged();
    if (o.geometryEpoch !== geometryEpoch + 1) tally.violated(atMs, `PG ${o.pg} added at geometry epoch ${o.geometryEpoch} after ${geometryEpoch} (expected exactly one more)`);
    if (o.pg !== pgCount) tally.violated(atMs, `PG ${o.pg} added at geometry epoch ${o.geometryEpoch} to a volume of ${pgCount} PGs (expected PG ${pgCount}: one new PG, after the last)`);
    if (!quorumsIntersect(o.write, o.read)) tally.violated(atMs, `PG ${o.pg}: a write set misses a read set of its first configuration`);
    geometryEpoch = Math.max(geometryEpoch, o.geometryEpoch);
    pgCount = Math.max(pgCount, o.pg + 1);
  };
  return {
    observe(atMs, observation) {
      if (observation.kind === 'geometryChanged') changed(atMs, observation);
      else if (observation.kind === 'allocated') {
        for (const record of observation.records) {
          if (record.pg < pgCount) continue;
          tally.judged();
          tally.violated(atMs, `${observation.instance} allocated LSN ${record.lsn} in PG ${record.pg} of a volume of ${pgCount} PGs (expected no record before its PG's geometry change)`);
        }
      }
    },
    result() {
      return tally.result();
    },
    get pgCount() {
      return pgCount;
    },
  };
}
