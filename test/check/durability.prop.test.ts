/**
 * The O(1) durability test against brute force (docs/protocol.md §12, S6). For random quorum
 * configurations (standard, full/tail, degraded, membership changes) and random holder sets:
 * "the non-holders are no read quorum" must agree with enumerating every read quorum and asking
 * whether it contains a holder — directly, and through `checkAcknowledgedCommits` with some
 * members left unlisted. The same holder sets pin S4 against the write predicate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommitPayload } from '../../src/check/durability.js';
import { checkAcknowledgedCommits, heldByEveryReadQuorum } from '../../src/check/durability.js';
import { INVARIANT_NAMES, createInvariantChecker } from '../../src/check/invariants.js';
import type { SegmentId } from '../../src/protocol/ids.js';
import { LSN_ZERO, blockId, lsn, membershipEpoch, pgId, segmentId, volumeEpoch } from '../../src/protocol/ids.js';
import type { QuorumConfig } from '../../src/protocol/quorum-config.js';
import {
  degradedConfig,
  fullTailConfig,
  jointConfig,
  replacementConfig,
  standardConfig,
} from '../../src/protocol/quorum-config.js';
import { membersOf, or, satisfies, satisfyingSets } from '../../src/protocol/quorum.js';
import type { StoredRecord } from '../../src/protocol/recovery.js';

const [A, B, C, D, E, F, G, H] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map(segmentId) as [
  SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId,
];
const e0 = membershipEpoch(0);
const standard = standardConfig([A, B, C, D, E, F], e0);
const replacing = replacementConfig(standard, { from: F, to: G });

/** Every configuration shape the protocol builds. */
const CONFIGS: Record<string, QuorumConfig> = {
  standard,
  fullTail: fullTailConfig([A, C, E], [B, D, F], e0),
  degraded: degradedConfig([A, B, C, D], e0),
  replacing,
  doubleReplacing: replacementConfig(replacing, { from: E, to: H }),
  toDegraded: jointConfig(standard, degradedConfig([A, B, C, D], e0)),
};

const caseArb = fc
  .constantFrom(...Object.keys(CONFIGS))
  .chain((name) => {
    const config = CONFIGS[name] as QuorumConfig;
    const members = membersOf(or(config.write, config.read));
    return fc.record({
      name: fc.constant(name),
      holders: fc.subarray(members),
      unlisted: fc.subarray(members, { maxLength: 2 }),
    });
  });

/** Brute force: every read quorum (of listed segments) contains a holder. */
function bruteForce(config: QuorumConfig, holders: readonly SegmentId[], listed: (s: SegmentId) => boolean): boolean {
  return satisfyingSets(config.read)
    .filter((quorum) => quorum.every(listed))
    .every((quorum) => quorum.some((segment) => holders.includes(segment)));
}

const commitRecord: StoredRecord<CommitPayload> = {
  lsn: lsn(5),
  pg: pgId(0),
  blockId: blockId(0),
  prevVolumeLsn: LSN_ZERO,
  prevPgLsn: LSN_ZERO,
  prevBlockLsn: LSN_ZERO,
  isCpl: true,
  mtrId: 1,
  txnId: 9,
  isCommit: true,
  payload: { kind: 'commit', txnId: 9 },
  volumeEpoch: volumeEpoch(1),
};

describe('Durability (property): one predicate evaluation = brute-force read-quorum enumeration', () => {
  it('agrees on every holder set, every configuration', () => {
    fc.assert(
      fc.property(caseArb, ({ name, holders }) => {
        // Arrange.
        const config = CONFIGS[name] as QuorumConfig;
        // Act.
        const fast = heldByEveryReadQuorum(config.read, (segment) => holders.includes(segment));
        // Assert.
        expect(fast).toBe(bruteForce(config, holders, () => true));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees through checkAcknowledgedCommits, with unlisted members joining no quorum', () => {
    fc.assert(
      fc.property(caseArb, ({ name, holders, unlisted }) => {
        // Arrange: list every member but `unlisted`; holders carry the commit record.
        const config = CONFIGS[name] as QuorumConfig;
        const listedIds = membersOf(or(config.write, config.read)).filter((s) => !unlisted.includes(s));
        const segments = listedIds.map((id) => ({
          id,
          available: true,
          records: holders.includes(id) ? [commitRecord] : [],
          truncations: [],
        }));
        // Act.
        const report = checkAcknowledgedCommits({
          pgs: [{ pg: 0, read: config.read, segments }],
          commits: [{ txnId: 9, commitLsn: 5, puts: [] }],
          pgOfKey: () => 0,
          commitPgOf: () => 0,
        });
        // Assert.
        const listedHolders = holders.filter((s) => listedIds.includes(s));
        const expected = bruteForce(config, listedHolders, (s) => listedIds.includes(s));
        expect(report.lost.length === 0).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('S4 passes a VDL over a record iff its holders at the writer’s epoch meet the write quorum', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), ({ name, holders }, sameEpoch) => {
        // Arrange: one CPL on PG 0, persisted by `holders` at the writer's epoch or the next one.
        const config = CONFIGS[name] as QuorumConfig;
        const checker = createInvariantChecker({ lal: 10, writeQuorumByPg: { 0: config.write } });
        checker.observe(1, { kind: 'allocated', instance: 'w', volumeEpoch: 1, vdl: 0, lal: 10, records: [{ lsn: 1, pg: 0, isCpl: true }] });
        for (const segment of holders) {
          const persistedAt = sameEpoch ? 1 : 2;
          checker.observe(2, { kind: 'persisted', segment, pg: 0, source: 'w', via: 'write', volumeEpoch: persistedAt, segmentVolumeEpoch: persistedAt, lsns: [1], scl: 1 });
        }
        // Act.
        checker.observe(3, { kind: 'watermarks', instance: 'w', volumeEpoch: 1, vdl: 1, vcl: 1, maxAllocated: 1 });
        // Assert.
        const s4 = checker.results().find((r) => r.name === INVARIANT_NAMES.s4);
        expect(s4?.ok).toBe(sameEpoch && satisfies(config.write, holders));
        expect(checker.pendingRecordCount()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
