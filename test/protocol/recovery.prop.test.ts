/**
 * Recovery against the writer's own durability view (docs/protocol.md §12, S6, S9; §7, crash
 * recovery). Random records across PGs and MTRs; each segment holds a random chain prefix plus
 * scattered records above it; the writer has seen every segment's SCL; recovery then reads any read
 * quorum of each PG. Invariants:
 * - nothing the writer could have acknowledged is lost: VDL' ≥ VDL and VCL' ≥ VCL;
 * - VDL' ≤ VCL', VDL' is a CPL (or the anchor), and every record ≤ VCL' is held by a responder;
 * - the truncation range is (VDL', VDL' + LAL], new LSNs start above it, and it annuls every
 *   record above VDL' (all allocations stayed below VDL + LAL);
 * - every record ≤ VDL' that the responders do not hold on a write quorum is re-replicated;
 * - capped at an LSN with a range through the highest record written (a promoted Global Database
 *   secondary, §11.1), VDL' is the highest CPL at or below both, every record above it is annulled,
 *   and a cap at or above the walked VDL' plans exactly as none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lsn, PgId, SegmentId } from '../../src/protocol/ids.js';
import { LSN_ZERO, blockId, lsn, membershipEpoch, pgId, segmentId, volumeEpoch } from '../../src/protocol/ids.js';
import type { LogRecord } from '../../src/protocol/lsn.js';
import { buildMtr, createBacklinkState } from '../../src/protocol/lsn.js';
import type { QuorumConfig } from '../../src/protocol/quorum-config.js';
import { fullTailConfig, standardConfig } from '../../src/protocol/quorum-config.js';
import { satisfies } from '../../src/protocol/quorum.js';
import type { PgRecoveryInput, StoredRecord } from '../../src/protocol/recovery.js';
import { hasReadQuorum, isAnnulled, planRecovery } from '../../src/protocol/recovery.js';
import { createDurabilityTracker, createSclState, receiveRecord, recordAck, registerRecords } from '../../src/protocol/watermarks.js';

const LAL = 100;
const segmentsOf = (pg: number): SegmentId[] => [0, 1, 2, 3, 4, 5].map((i) => segmentId(`p${pg}s${i}`));

/** True one time in three, so that read quorums often miss a record (holes in U). */
const sometimes = fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const worldArb = fc.record({
  fullTail: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
  records: fc.array(fc.record({ pgPick: fc.nat(), isCpl: fc.boolean() }), { minLength: 1, maxLength: 30 }),
  // Per (PG, segment): how much of the PG chain it holds, and which records above that.
  holdings: fc.array(fc.record({ prefix: fc.nat({ max: 30 }), extras: fc.array(sometimes, { minLength: 30, maxLength: 30 }) }), {
    minLength: 18,
    maxLength: 18,
  }),
  responders: fc.array(fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 3 }), { minLength: 3, maxLength: 3 }),
});

/** Cuts the records into MTRs at each CPL and builds them with real backlinks. */
function buildRecords(picks: { pgPick: number; isCpl: boolean }[], pgCount: number): StoredRecord[] {
  let backlinks = createBacklinkState();
  const out: LogRecord[] = [];
  let group: { pg: PgId; blockId: ReturnType<typeof blockId> }[] = [];
  picks.forEach((pick, i) => {
    group.push({ pg: pgId(pick.pgPick % pgCount), blockId: blockId(pick.pgPick % 7) });
    if (!pick.isCpl && i < picks.length - 1) return;
    const lsnFirst = lsn(out.length + 1);
    const built = buildMtr(backlinks, { lsnFirst, lsnLast: lsn(lsnFirst + group.length - 1) }, group, { mtrId: i });
    backlinks = built.backlinks;
    out.push(...built.records);
    group = [];
  });
  return out.map((record) => ({ ...record, volumeEpoch: volumeEpoch(1) }));
}

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

/** What each segment holds (a chain prefix plus scattered records) and its resulting SCL. */
function segmentHoldings(world: World, configs: readonly QuorumConfig[], records: readonly StoredRecord[]) {
  const held: Record<string, StoredRecord[]> = {};
  const sclOf: Record<string, Lsn> = {};
  configs.forEach((_, pg) => {
    const chain = records.filter((r) => r.pg === pg);
    segmentsOf(pg).forEach((segment, s) => {
      const holding = world.holdings[pg * 6 + s] as { prefix: number; extras: boolean[] };
      const prefix = holding.prefix % (chain.length + 1);
      const mine = chain.filter((_, i) => i < prefix || holding.extras[i] === true);
      const scl = mine.reduce((state, r) => receiveRecord(state, r), createSclState());
      held[segment] = mine;
      sclOf[segment] = scl.scl;
    });
  });
  return { held, sclOf };
}

/** Builds the world: configurations, records, holdings, the writer's view and the responses. */
function arrange(world: World) {
  const configs: QuorumConfig[] = world.fullTail.map((fullTail, pg) => {
    const six = segmentsOf(pg);
    const [a, b, c, d, e, f] = six as [SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId];
    return fullTail ? fullTailConfig([a, c, e], [b, d, f], membershipEpoch(0)) : standardConfig(six, membershipEpoch(0));
  });
  const records = buildRecords(world.records, configs.length);
  const { held, sclOf } = segmentHoldings(world, configs, records);
  // The writer saw every segment's SCL.
  let tracker = registerRecords(createDurabilityTracker({ writeQuorumByPg: Object.fromEntries(configs.map((c, pg) => [pg, c.write])) }), records);
  configs.forEach((_, pg) => {
    for (const segment of segmentsOf(pg)) tracker = recordAck(tracker, { pg: pgId(pg), segmentId: segment, scl: sclOf[segment] as Lsn });
  });
  const pgs: PgRecoveryInput[] = configs.map((config, pg) => {
    const six = segmentsOf(pg);
    const indexes = [...(world.responders[pg] ?? [])];
    // A full/tail read quorum needs a full segment (index 0 is full).
    if (!hasReadQuorum(config.read, indexes.map((i) => ({ segmentId: six[i] as SegmentId })))) indexes.push(0);
    const responses = indexes.map((i) => {
      const segment = six[i] as SegmentId;
      return { segmentId: segment, scl: sclOf[segment] as Lsn, records: held[segment] ?? [] };
    });
    return { pg: pgId(pg), config, responses };
  });
  return { configs, records, tracker, pgs };
}

/** The responders of `record`'s PG that hold it. */
const holdersOf = (pgs: readonly PgRecoveryInput[], record: StoredRecord): SegmentId[] =>
  (pgs[record.pg]?.responses ?? []).filter((r) => r.records.some((x) => x.lsn === record.lsn)).map((r) => r.segmentId);

describe('recovery: properties', () => {
  it('never loses what the writer could acknowledge, and plans a consistent truncation', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        // Arrange
        const { configs, records, tracker, pgs } = arrange(world);

        // Act
        const outcome = planRecovery({ volumeEpoch: volumeEpoch(2), anchorLsn: LSN_ZERO, lal: LAL, pgs });

        // Assert
        if (outcome.kind !== 'planned') throw new Error('every PG was given a read quorum');
        const { plan } = outcome;
        expect(plan.vdl).toBeGreaterThanOrEqual(tracker.vdl);
        expect(plan.vcl).toBeGreaterThanOrEqual(tracker.vcl);
        expect(plan.vdl).toBeLessThanOrEqual(plan.vcl);
        expect(plan.vdl === 0 || records.some((r) => r.lsn === plan.vdl && r.isCpl)).toBe(true);
        // VCL' is honest: every record at or below it is held by a responder.
        for (const record of records.filter((r) => r.lsn <= plan.vcl)) expect(holdersOf(pgs, record)).not.toEqual([]);
        expect(plan.truncation).toEqual({ volumeEpoch: 2, fromLsn: plan.vdl + 1, toLsn: plan.vdl + LAL });
        expect(plan.nextLsn).toBe(plan.truncation.toLsn + 1);
        for (const record of records) expect(isAnnulled(record, [plan.truncation])).toBe(record.lsn > plan.vdl);
        const resent = new Set(plan.reReplication.flatMap((r) => r.records.map((record) => record.lsn)));
        for (const record of records.filter((r) => r.lsn <= plan.vdl)) {
          const onWriteQuorum = satisfies((configs[record.pg] as QuorumConfig).write, holdersOf(pgs, record));
          expect(resent.has(record.lsn)).toBe(!onWriteQuorum);
        }
      }),
      // Holes in U are the interesting case and show up in about one run in eight.
      { numRuns: 300 },
    );
  });

  it('capped (a promoted Global Database secondary, §11.1): opens at the highest CPL ≤ the cap and annuls every record above it', () => {
    fc.assert(
      fc.property(worldArb, fc.nat({ max: 35 }), (world, cap) => {
        // Arrange
        const { records, pgs } = arrange(world);
        const highestWritten = lsn(Math.max(...records.map((r) => r.lsn)));
        const input = { volumeEpoch: volumeEpoch(2), anchorLsn: LSN_ZERO, lal: LAL, pgs };

        // Act
        const uncapped = planRecovery(input);
        const capped = planRecovery({ ...input, capLsn: lsn(cap), truncateThroughLsn: highestWritten });

        // Assert
        if (uncapped.kind !== 'planned' || capped.kind !== 'planned') throw new Error('every PG was given a read quorum');
        const { plan } = capped;
        const bound = Math.min(uncapped.plan.vdl, cap);
        const cpls = records.filter((r) => r.isCpl && r.lsn <= bound).map((r) => r.lsn);
        expect(plan.vdl).toBe(Math.max(0, ...cpls));
        expect(plan.vcl).toBe(uncapped.plan.vcl);
        expect(plan.truncation).toEqual({ volumeEpoch: 2, fromLsn: plan.vdl + 1, toLsn: Math.max(plan.vdl + LAL, highestWritten) });
        // Every record above VDL' is annulled, whether or not the read quorum showed it.
        for (const record of records) expect(isAnnulled(record, [plan.truncation])).toBe(record.lsn > plan.vdl);
        for (const pgRepair of plan.reReplication) for (const record of pgRepair.records) expect(record.lsn).toBeLessThanOrEqual(plan.vdl);
        // A cap at or above the walked VDL', with nothing written past VDL' + LAL, changes nothing.
        if (cap >= uncapped.plan.vdl) expect(planRecovery({ ...input, capLsn: lsn(cap) })).toEqual(uncapped);
      }),
      { numRuns: 300 },
    );
  });
});
