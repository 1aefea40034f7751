/**
 * S10 read correctness and S16 full/tail reads (docs/protocol.md §12, S10, S16), judged when a
 * segment serves a page: the page must equal the block materialised at the read point from every
 * non-annulled record of the block any segment ever persisted (an oracle replay from
 * `RecordArchive`, independent of the serving segment, of its garbage collection and of the
 * reader), and it must come from a full segment. Because the read point is a VDL, every record at
 * or below it is durable, so the archive holds all of them (or, below its floor, the newest put of
 * each key: all a page there needs).
 */
import type { Observation } from '../protocol/observations.js';
import type { PageOracle } from '../check/gc-safety.js';
import type { PropertyResult } from '../check/property.js';
import { createTally } from '../check/property.js';

/** Judges page reads; see the file header. */
export class ReadJudge {
  private readonly s10 = createTally('S10 read correctness', 'always');
  private readonly s16 = createTally('S16 data blocks read from full segments', 'always');

  constructor(private readonly oracle: PageOracle) {}

  /** Takes one observation at virtual time `atMs`. */
  observe(atMs: number, observation: Observation): void {
    if (observation.kind !== 'pageServed') return;
    this.s16.judged();
    if (observation.segmentKind !== 'full') {
      this.s16.violated(atMs, `${observation.segment} (a tail segment) served block ${observation.blockId} (expected only full segments to serve data blocks)`);
    }
    this.s10.judged();
    const expected = this.oracle(observation.pg, observation.blockId, observation.readPoint);
    if (expected === undefined) {
      // Only a read below a member's GC point, or a truncation below one, lands here.
      this.s10.violated(atMs, `${observation.segment} served block ${observation.blockId} at read point ${observation.readPoint}, which the record archive cannot replay: it is below the lowest GC point of the PG's members, or a truncation range reaches below that (expected reads and truncations above every GC point)`);
      return;
    }
    const got = observation.values;
    const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
    for (const key of keys) {
      if (expected[key] === got[key]) continue;
      this.s10.violated(atMs, `${observation.segment} served ${key} = ${got[key] ?? 'nothing'} in block ${observation.blockId} at read point ${observation.readPoint}, but the block's records up to it give ${expected[key] ?? 'nothing'}`);
      return;
    }
  }

  /** S10 and S16 as property results (vacuous when no page was read from storage). */
  results(): PropertyResult[] {
    return [this.s10.result(), this.s16.result()];
  }
}
