/**
 * Property tests of the consistency points (docs/protocol.md §3, log and consistency points; §12,
 * S3) against a brute-force reference written straight from the definitions:
 * - SCL: the end of the longest chain of held records from the start, whatever the arrival order;
 * - PGCL: max x in {0} ∪ SCLs such that the write predicate holds for {s : SCL_s ≥ x};
 * - a record is durable iff the write predicate holds for {s : SCL_s ≥ lsn};
 * - VCL: the last allocated record of the durable prefix; VDL: the highest CPL ≤ VCL.
 * Invariants: VDL ≤ VCL ≤ maxAllocated, VDL is a CPL or the start, all points monotone, and the
 * result does not depend on the order acks arrive.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lsn, PgId, SegmentId } from '../../src/protocol/ids.js';
import { LSN_ZERO, lsn, membershipEpoch, pgId, segmentId } from '../../src/protocol/ids.js';
import type { QuorumConfig } from '../../src/protocol/quorum-config.js';
import { fullTailConfig, replacementConfig, standardConfig } from '../../src/protocol/quorum-config.js';
import type { QuorumPredicate } from '../../src/protocol/quorum.js';
import type { DurabilityTracker, SegmentAck, Watermarks } from '../../src/protocol/watermarks.js';
import {
  createDurabilityTracker,
  createSclState,
  receiveRecord,
  recordAck,
  registerRecord,
  watermarksOf,
} from '../../src/protocol/watermarks.js';

type QuorumKind = 'standard' | 'fullTail' | 'joint';
interface Rec { lsn: Lsn; pg: PgId; isCpl: boolean }
interface Scenario {
  baseLsn: Lsn;
  records: Rec[];
  writeByPg: Record<number, QuorumPredicate>;
  acks: SegmentAck[];
}

/** A PG's configuration of the given kind; `joint` is the F→G replacement (7 segments). */
function configOf(pg: number, kind: QuorumKind): QuorumConfig {
  const six = [0, 1, 2, 3, 4, 5].map((i) => segmentId(`p${pg}s${i}`));
  const e0 = membershipEpoch(0);
  if (kind === 'fullTail') return fullTailConfig([six[0], six[2], six[4]] as SegmentId[], [six[1], six[3], six[5]] as SegmentId[], e0);
  if (kind === 'joint') return replacementConfig(standardConfig(six, e0), { from: six[5] as SegmentId, to: segmentId(`p${pg}s6`) });
  return standardConfig(six, e0);
}

/** Segments per PG in the generator: the six of a standard PG plus G of a replacement. */
const SEGMENTS_PER_PG = 7;

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    baseLsn: fc.integer({ min: 0, max: 1000 }),
    kinds: fc.array(fc.constantFrom<QuorumKind>('standard', 'fullTail', 'joint'), { minLength: 1, maxLength: 3 }),
    records: fc.array(fc.record({ pgPick: fc.nat(), isCpl: fc.boolean() }), { minLength: 1, maxLength: 40 }),
    // Up to three acks per segment; -1 acks the PG's last record, so quorums are often reached.
    sclPicks: fc.array(fc.array(fc.oneof(fc.constant(-1), fc.nat()), { maxLength: 3 }), {
      minLength: 3 * SEGMENTS_PER_PG,
      maxLength: 3 * SEGMENTS_PER_PG,
    }),
  })
  .map(({ baseLsn, kinds, records, sclPicks }) => {
    const writeByPg: Record<number, QuorumPredicate> = {};
    kinds.forEach((kind, i) => {
      writeByPg[i] = configOf(i, kind).write;
    });
    const recs: Rec[] = records.map((r, i) => ({
      lsn: lsn(baseLsn + i + 1),
      pg: pgId(r.pgPick % kinds.length),
      isCpl: r.isCpl,
    }));
    const acks = sclPicks.flatMap((picks, slot): SegmentAck[] => {
      const pg = pgId(Math.floor(slot / SEGMENTS_PER_PG));
      if (pg >= kinds.length) return [];
      const scls = [LSN_ZERO, ...recs.filter((r) => r.pg === pg).map((r) => r.lsn)];
      const segment = segmentId(`p${pg}s${slot % SEGMENTS_PER_PG}`);
      return picks.map((pick) => ({
        pg,
        segmentId: segment,
        scl: (pick < 0 ? scls[scls.length - 1] : scls[pick % scls.length]) as Lsn,
      }));
    });
    return { baseLsn: lsn(baseLsn), records: recs, writeByPg, acks };
  })
  .chain((scenario) =>
    fc
      .shuffledSubarray(scenario.acks, { minLength: scenario.acks.length, maxLength: scenario.acks.length })
      .map((acks) => ({ ...scenario, acks })),
  );

/** Evaluates a predicate straight from its definition, with a Set. */
function evaluate(predicate: QuorumPredicate, acked: Set<SegmentId>): boolean {
  if (predicate.kind === 'kOfN') return predicate.members.filter((m) => acked.has(m)).length >= predicate.k;
  const results = predicate.terms.map((term) => evaluate(term, acked));
  return predicate.kind === 'and' ? results.every(Boolean) : results.some(Boolean);
}

/** The brute-force watermarks for the records registered so far and the acks delivered so far. */
function reference(scenario: Scenario, registered: number, delivered: readonly SegmentAck[]): Watermarks {
  const scl: Record<number, Record<string, number>> = {};
  for (const ack of delivered) {
    const table = (scl[ack.pg] ??= {});
    table[ack.segmentId] = Math.max(table[ack.segmentId] ?? 0, ack.scl);
  }
  const atLeast = (pg: PgId, x: number): Set<SegmentId> =>
    new Set(Object.entries(scl[pg] ?? {}).filter(([, s]) => s >= x).map(([segment]) => segment as SegmentId));
  const pgclByPg: Record<number, Lsn> = {};
  for (const [pg, write] of Object.entries(scenario.writeByPg)) {
    const candidates = [0, ...Object.values(scl[Number(pg)] ?? {})];
    const ok = candidates.filter((x) => evaluate(write, atLeast(pgId(Number(pg)), x)));
    pgclByPg[Number(pg)] = lsn(Math.max(0, ...ok));
  }
  const allocated = scenario.records.slice(0, registered);
  let vcl: number = scenario.baseLsn;
  for (const r of allocated) {
    if (!evaluate(scenario.writeByPg[r.pg] as QuorumPredicate, atLeast(r.pg, r.lsn))) break;
    vcl = r.lsn;
  }
  const cpls = allocated.filter((r) => r.isCpl && r.lsn <= vcl).map((r) => r.lsn);
  const vdl = Math.max(scenario.baseLsn, ...cpls);
  const maxAllocatedLsn = allocated[allocated.length - 1]?.lsn ?? scenario.baseLsn;
  return { vcl: lsn(vcl), vdl: lsn(vdl), maxAllocatedLsn, pgclByPg };
}

/** Registers records up to (and including) index `upTo` − 1; returns the tracker and the count. */
function registerUpTo(tracker: DurabilityTracker, scenario: Scenario, from: number, upTo: number): { tracker: DurabilityTracker; registered: number } {
  let next = tracker;
  for (let i = from; i < upTo; i += 1) next = registerRecord(next, scenario.records[i] as Rec);
  return { tracker: next, registered: Math.max(from, upTo) };
}

const newTracker = (scenario: Scenario): DurabilityTracker =>
  createDurabilityTracker({ writeQuorumByPg: scenario.writeByPg, durableLsn: scenario.baseLsn });

describe('watermarks: properties', () => {
  it('the incremental tracker equals the brute-force reference after every step', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat({ max: 3 }), { maxLength: 80 }), (scenario, extras) => {
        // Arrange: records are registered lazily — before any ack whose SCL covers them, plus a
        // few extra at random — so registration and acks interleave.
        let tracker = newTracker(scenario);
        let registered = 0;
        const delivered: SegmentAck[] = [];
        scenario.acks.forEach((ack, i) => {
          const needed = scenario.records.findIndex((r) => r.lsn > ack.scl);
          const upTo = Math.min(scenario.records.length, (needed < 0 ? scenario.records.length : needed) + (extras[i] ?? 0));
          ({ tracker, registered } = registerUpTo(tracker, scenario, registered, upTo));
          // Act: a pure step; the tracker it was given must not change.
          const before = watermarksOf(tracker);
          const next = recordAck(tracker, ack);
          expect(watermarksOf(tracker)).toEqual(before);
          tracker = next;
          delivered.push(ack);
          // Assert
          expect(watermarksOf(tracker)).toEqual(reference(scenario, registered, delivered));
        });
        ({ tracker, registered } = registerUpTo(tracker, scenario, registered, scenario.records.length));
        expect(watermarksOf(tracker)).toEqual(reference(scenario, registered, delivered));
      }),
    );
  });

  it('keeps VDL ≤ VCL ≤ maxAllocated, VDL a CPL or the start, and every point monotone', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        let tracker = scenario.records.reduce(registerRecord, newTracker(scenario));
        const cpls = new Set<number>([scenario.baseLsn, ...scenario.records.filter((r) => r.isCpl).map((r) => r.lsn)]);
        let before = watermarksOf(tracker);
        for (const ack of scenario.acks) {
          tracker = recordAck(tracker, ack);
          const after = watermarksOf(tracker);
          expect(after.vdl).toBeLessThanOrEqual(after.vcl);
          expect(after.vcl).toBeLessThanOrEqual(after.maxAllocatedLsn);
          expect(cpls.has(after.vdl)).toBe(true);
          expect(after.vcl).toBeGreaterThanOrEqual(before.vcl);
          expect(after.vdl).toBeGreaterThanOrEqual(before.vdl);
          for (const [pg, value] of Object.entries(after.pgclByPg)) {
            expect(value).toBeGreaterThanOrEqual(before.pgclByPg[Number(pg)] ?? 0);
          }
          before = after;
        }
      }),
    );
  });

  it('final PGCL/VCL/VDL do not depend on the order acks arrive', () => {
    const withTwoOrders = scenarioArb.chain((scenario) =>
      fc.tuple(
        fc.constant(scenario),
        fc.shuffledSubarray(scenario.acks, { minLength: scenario.acks.length, maxLength: scenario.acks.length }),
      ),
    );
    fc.assert(
      fc.property(withTwoOrders, ([scenario, shuffled]) => {
        const run = (acks: readonly SegmentAck[]): Watermarks => {
          const registered = scenario.records.reduce(registerRecord, newTracker(scenario));
          return watermarksOf(acks.reduce(recordAck, registered));
        };
        expect(run(shuffled)).toEqual(run(scenario.acks));
      }),
    );
  });

  it('SCL is the end of the held chain whatever the arrival order and duplicates', () => {
    const chainArb = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 30 })
      .chain((gaps) => {
        // A PG chain with LSN gaps (other PGs' records in between).
        let at = 0;
        const chain = gaps.map((gap) => {
          const record = { lsn: lsn(at + gap), prevPgLsn: lsn(at) };
          at += gap;
          return record;
        });
        const indexes = chain.map((_, i) => i);
        return fc.tuple(fc.constant(chain), fc.array(fc.constantFrom(...indexes), { maxLength: 60 }));
      });
    fc.assert(
      fc.property(chainArb, ([chain, arrivals]) => {
        const state = arrivals.reduce((held, i) => receiveRecord(held, chain[i] as (typeof chain)[number]), createSclState());
        const held = new Set(arrivals);
        const prefix = chain.findIndex((_, i) => !held.has(i));
        const expected = prefix === 0 ? 0 : (chain[(prefix < 0 ? chain.length : prefix) - 1]?.lsn ?? 0);
        expect(state.scl).toBe(expected);
      }),
    );
  });
});
