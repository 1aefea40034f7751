/**
 * The recovery-side invariants S6, S8a, S8b, S9 and cross-epoch S1 (docs/protocol.md §12;
 * §7, crash recovery; §13, R2) and the two recovery witnesses, on small synthetic
 * observation streams over one PG of six segments (4/6 write, 3/6 read quorum). For each property:
 * streams that pass and streams that break it, with the numbers in the message. The 10-step run of
 * docs/protocol.md §12, S8 (a record on the 3 fenced segments gains its 4th ack after the fence and
 * is acknowledged) must pass: the naive "no ack after the fence" is not an invariant.
 */
import { describe, expect, it } from 'vitest';
import type { PropertyResult } from '../../src/check/property.js';
import type { RecoveryChecker } from '../../src/check/recovery-invariants.js';
import { RECOVERY_NAMES, createRecoveryChecker } from '../../src/check/recovery-invariants.js';
import { segmentId } from '../../src/protocol/ids.js';
import type { Observation } from '../../src/protocol/observations.js';
import { persisted } from './observation-builders.js';
import { kOfN } from '../../src/protocol/quorum.js';

const SEGMENTS = ['s1', 's2', 's3', 's4', 's5', 's6'];
const LAL = 10;

const allocated = (
  instance: string,
  volumeEpoch: number,
  records: [lsn: number, isCpl: boolean][],
  options: { vdl?: number; pg?: number } = {},
): Observation => ({
  kind: 'allocated',
  instance,
  volumeEpoch,
  vdl: options.vdl ?? 0,
  lal: LAL,
  records: records.map(([lsn, isCpl]) => ({ lsn, pg: options.pg ?? 0, isCpl })),
});

const adopted = (
  segments: readonly string[],
  volumeEpochBefore: number,
  volumeEpoch: number,
  via: 'recoveryOpen' | 'write' | 'truncate' = 'recoveryOpen',
  pg = 0,
): Observation[] =>
  segments.map((segment) => ({ kind: 'epochAdopted', segment, pg, volumeEpochBefore, volumeEpoch, via }));

const commitAck = (instance: string, volumeEpoch: number, txnId: number, commitLsn: number): Observation => ({
  kind: 'commitAck',
  instance,
  volumeEpoch,
  txnId,
  commitLsn,
  vdl: commitLsn,
});

/** A recovery plan; the range defaults to (VDL', VDL' + LAL] (docs/protocol.md §7.1, recovery step 3). */
const recovered = (
  instance: string,
  volumeEpoch: number,
  vdl: number,
  range: { fromLsn?: number; toLsn?: number } = {},
): Observation => ({
  kind: 'recovered',
  instance,
  volumeEpoch,
  anchorLsn: 0,
  vcl: vdl,
  vdl,
  truncationFromLsn: range.fromLsn ?? vdl + 1,
  truncationToLsn: range.toLsn ?? vdl + LAL,
});

const truncationApplied = (
  segments: readonly string[],
  volumeEpoch: number,
  fromLsn: number,
  toLsn: number,
  droppedLsns: number[] = [],
): Observation[] =>
  segments.map((segment) => ({ kind: 'truncationApplied', segment, pg: 0, volumeEpoch, fromLsn, toLsn, droppedLsns, scl: fromLsn - 1 }));

const writerOpened = (instance: string, volumeEpoch: number, nextLsn: number): Observation => ({
  kind: 'writerOpened',
  instance,
  volumeEpoch,
  nextLsn,
  vdl: nextLsn - 1,
});

function checker(pgs: readonly number[] = [0]): RecoveryChecker {
  const members = SEGMENTS.map(segmentId);
  return createRecoveryChecker({
    readQuorumByPg: Object.fromEntries(pgs.map((pg) => [pg, kOfN(3, members)])),
    writeQuorumByPg: Object.fromEntries(pgs.map((pg) => [pg, kOfN(4, members)])),
  });
}

/** Feeds the stream at t = 10, 20, … and returns every result by name. */
function judge(stream: readonly Observation[], into: RecoveryChecker = checker()): Record<string, PropertyResult> {
  stream.forEach((observation, i) => into.observe((i + 1) * 10, observation));
  return Object.fromEntries(into.results().map((result) => [result.name, result]));
}

/** The named result of a stream. */
function judgeOne(stream: readonly Observation[], name: string, into?: RecoveryChecker): PropertyResult {
  const result = judge(stream, into)[name];
  if (result === undefined) throw new Error(`no result named ${name}`);
  return result;
}

const messages = (result: PropertyResult | undefined): string => result?.firstViolations.map((v) => v.message).join('\n') ?? '';

/** Writer w1 at epoch 1 makes LSN 1 (a commit record) durable on s1–s4 and acknowledges txn 7. */
const committedAtEpoch1: Observation[] = [
  allocated('w1', 1, [[1, true]]),
  ...persisted(['s1', 's2', 's3', 's4'], 1, [1]),
  commitAck('w1', 1, 7, 1),
];

/** Recovery w2 fences s1–s3 (a read quorum) at epoch 2. */
const fenceEpoch2 = adopted(['s1', 's2', 's3'], 1, 2);

describe('Recovery invariants: results', () => {
  it('lists every property in order, always ones vacuous and witnesses unwitnessed before any observation', () => {
    const results = checker().results();

    expect(results.map((r) => r.name)).toEqual(Object.values(RECOVERY_NAMES));
    expect(results.map((r) => r.kind)).toEqual(['always', 'always', 'always', 'always', 'always', 'sometimes', 'sometimes']);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.slice(0, 5).every((r) => r.vacuous === true)).toBe(true);
    expect(results.slice(5).map((r) => r.witnessed)).toEqual([false, false]);
  });
});

describe('Recovery invariants: docs/protocol.md §12, S8 10-step run (ack after the fence) passes', () => {
  // Why each step: LSN 1 reaches 3 segments, which then adopt epoch 2 for recovery (the fence);
  // recovery reads them, so VDL' = 1 covers LSN 1. The unfenced s4 still accepts LSN 1 at epoch
  // 1 — its 4th copy — and the zombie acknowledges txn 7 after the fence: allowed. The zombie's
  // next record, LSN 2, is first sent after the fence, lands only on the unfenced s5, s6 and is
  // annulled by the truncation [2, 11]. The new writer opens at 12.
  const stream: Observation[] = [
    allocated('w1', 1, [[1, true]]),
    ...persisted(['s1', 's2', 's3'], 1, [1]),
    ...fenceEpoch2,
    recovered('w2', 2, 1),
    ...persisted(['s4'], 1, [1]),
    commitAck('w1', 1, 7, 1),
    allocated('w1', 1, [[2, true]], { vdl: 1 }),
    ...persisted(['s5', 's6'], 1, [2]),
    ...adopted(['s4', 's5', 's6'], 1, 2, 'truncate'),
    ...truncationApplied(['s1', 's2', 's3', 's4'], 2, 2, 11),
    ...truncationApplied(['s5', 's6'], 2, 2, 11, [2]),
    writerOpened('w2', 2, 12),
    allocated('w2', 2, [[12, true]], { vdl: 11 }),
    ...persisted(['s1', 's2', 's3', 's4'], 2, [12], { source: 'w2' }),
    commitAck('w2', 2, 8, 12),
  ];

  it('every property holds, none vacuously, and both witnesses are seen', () => {
    const results = judge(stream);

    for (const result of Object.values(results)) {
      expect(result.ok, `${result.name}: ${messages(result)}`).toBe(true);
      expect(result.vacuous, result.name).toBe(false);
    }
    expect(results[RECOVERY_NAMES.recoveryWitnessed]?.witnessed).toBe(true);
    expect(results[RECOVERY_NAMES.fenceWitnessed]?.witnessed).toBe(true);
  });

  it('is still a violation of S6 if VDL\' misses the commit acknowledged after the fence', () => {
    const missed = stream.map((o) => (o.kind === 'recovered' ? recovered('w2', 2, 0) : o));

    const result = judgeOne(missed, RECOVERY_NAMES.s6);

    expect(result.ok).toBe(false);
    expect(messages(result)).toContain("txn 7 acknowledged by w1 at volumeEpoch 1");
    expect(messages(result)).toContain("commit LSN 1 > VDL' 0");
  });
});

describe('Recovery invariants: S6 acknowledged commits survive recovery', () => {
  it('passes when VDL\' covers every commit acknowledged at lower epochs', () => {
    const result = judgeOne([...committedAtEpoch1, ...fenceEpoch2, recovered('w2', 2, 1)], RECOVERY_NAMES.s6);

    expect(result).toMatchObject({ ok: true, vacuous: false });
  });

  it("fails when VDL' < an acknowledged commit LSN", () => {
    const result = judgeOne(
      [...committedAtEpoch1, allocated('w1', 1, [[5, true]]), commitAck('w1', 1, 9, 5), recovered('w2', 2, 3)],
      RECOVERY_NAMES.s6,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain("w2 recovered volumeEpoch 2 at t=");
    expect(messages(result)).toContain("txn 9 acknowledged by w1 at volumeEpoch 1");
    expect(messages(result)).toContain("commit LSN 5 (the highest at that epoch) > VDL' 3");
  });

  it('fails when a zombie acknowledges a commit above VDL\' after the recovery (S8c)', () => {
    const result = judgeOne(
      [allocated('w1', 1, [[4, true]]), ...fenceEpoch2, recovered('w2', 2, 2), commitAck('w1', 1, 3, 4)],
      RECOVERY_NAMES.s6,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain("commit LSN 4 > VDL' 2");
    expect(messages(result)).toContain('S8c');
  });

  it('checks a later recovery against commits of every lower epoch, not the recovered epoch itself', () => {
    const result = judgeOne(
      [
        ...committedAtEpoch1,
        recovered('w2', 2, 1),
        commitAck('w2', 2, 8, 12),
        // Epoch 3 covers txn 7 (LSN 1) but not txn 8 (LSN 12, acknowledged at epoch 2).
        recovered('w3', 3, 11),
      ],
      RECOVERY_NAMES.s6,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain("txn 8 acknowledged by w2 at volumeEpoch 2");
    expect(messages(result)).toContain("commit LSN 12 (the highest at that epoch) > VDL' 11");
  });

  it("fails when a truncation drops an acknowledged commit's record", () => {
    const result = judgeOne([...committedAtEpoch1, ...truncationApplied(['s2'], 2, 1, 10, [1])], RECOVERY_NAMES.s6);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('s2 (PG 0) applied truncation [1, 10] at volumeEpoch 2 and dropped acknowledged commit LSN(s) 1');
  });
});

describe('Recovery invariants: S8a fenced segments persist no old-epoch writes', () => {
  it('passes for new-epoch writes on fenced segments and old-epoch writes on unfenced ones', () => {
    const result = judgeOne(
      [...fenceEpoch2, ...persisted(['s4'], 1, [3]), ...persisted(['s1', 's2'], 2, [12], { source: 'w2' })],
      RECOVERY_NAMES.s8a,
    );

    expect(result).toMatchObject({ ok: true, vacuous: false });
  });

  it('fails when a segment persists a write below the epoch it reports', () => {
    const result = judgeOne(persisted(['s1'], 1, [3], { segmentVolumeEpoch: 2 }), RECOVERY_NAMES.s8a);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('s1 (PG 0) persisted a write from w1 at volumeEpoch 1 while reporting its own volumeEpoch 2');
  });

  it('fails when a segment persists an old-epoch write after its epochAdopted, whatever it reports', () => {
    const result = judgeOne([...fenceEpoch2, ...persisted(['s3'], 1, [3], { segmentVolumeEpoch: 1 })], RECOVERY_NAMES.s8a);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('s3 (PG 0) persisted a write from w1 at volumeEpoch 1 after it had volumeEpoch 2 (epochAdopted via recoveryOpen at t=30 ms');
  });

  it('remembers the epoch a segment reported, and ignores gossip', () => {
    const result = judgeOne(
      [
        ...persisted(['s5'], 3, [20], { source: 'w3' }),
        ...persisted(['s5'], 1, [2], { via: 'gossip', source: 's6', segmentVolumeEpoch: 3 }),
        ...persisted(['s5'], 2, [12], { source: 'w2', segmentVolumeEpoch: 2 }),
      ],
      RECOVERY_NAMES.s8a,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('s5 (PG 0) persisted a write from w2 at volumeEpoch 2 after it had volumeEpoch 3 (a persisted report at t=10 ms');
  });
});

describe('Recovery invariants: S8b no write quorum for records first sent after the fence', () => {
  it('fails when a zombie record allocated after the fence reaches 4 copies', () => {
    const result = judgeOne(
      [
        ...fenceEpoch2,
        allocated('w1', 1, [[2, true]], { vdl: 1 }),
        ...persisted(['s4', 's5', 's6'], 1, [2]),
        // A fenced segment wrongly accepts it (S8a's violation too): the 4th copy.
        ...persisted(['s1'], 1, [2], { segmentVolumeEpoch: 1 }),
      ],
      RECOVERY_NAMES.s8b,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain(
      "record LSN 2 (PG 0) allocated by w1 at volumeEpoch 1 at t=40 ms, after PG 0's read quorum adopted volumeEpoch 2 at t=30 ms",
    );
    expect(messages(result)).toContain('4 segment(s) [s4, s5, s6, s1]');
  });

  it('passes when the zombie record stays below a write quorum', () => {
    const result = judgeOne(
      [...fenceEpoch2, allocated('w1', 1, [[2, true]], { vdl: 1 }), ...persisted(['s4', 's5', 's6'], 1, [2])],
      RECOVERY_NAMES.s8b,
    );

    expect(result).toMatchObject({ ok: true, vacuous: false });
  });

  it('does not fence before a read quorum adopted the epoch', () => {
    // Two adoptions are not a 3/6 read quorum: LSN 2 is not "first sent after the fence".
    const result = judgeOne(
      [...adopted(['s1', 's2'], 1, 2), allocated('w1', 1, [[2, true]]), ...persisted(['s3', 's4', 's5', 's6'], 1, [2])],
      RECOVERY_NAMES.s8b,
    );

    expect(result).toMatchObject({ ok: true, vacuous: true });
  });

  it('fences each PG separately', () => {
    const result = judgeOne(
      [...fenceEpoch2, allocated('w1', 1, [[2, true]], { pg: 1 }), ...persisted(['s1', 's2', 's3', 's4'], 1, [2], { pg: 1 })],
      RECOVERY_NAMES.s8b,
      checker([0, 1]),
    );

    expect(result).toMatchObject({ ok: true, vacuous: true });
  });

  it('counts a fence at a higher epoch as a fence for every lower one', () => {
    const result = judgeOne(
      [
        ...adopted(['s1', 's2', 's3'], 1, 3),
        allocated('w2', 2, [[15, true]], { vdl: 11 }),
        ...persisted(['s3', 's4', 's5', 's6'], 2, [15], { source: 'w2', segmentVolumeEpoch: 2 }),
      ],
      RECOVERY_NAMES.s8b,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain("record LSN 15 (PG 0) allocated by w2 at volumeEpoch 2");
    expect(messages(result)).toContain('adopted volumeEpoch 3');
  });
});

describe('Recovery invariants: S9 truncation covers every old allocation', () => {
  it("passes when the range starts at VDL' + 1 and ends above every old allocation", () => {
    const result = judgeOne(
      [allocated('w1', 1, [[1, false], [2, false], [3, true]]), recovered('w2', 2, 0), ...truncationApplied(['s1'], 2, 1, 10, [1, 2])],
      RECOVERY_NAMES.s9,
    );

    expect(result).toMatchObject({ ok: true, vacuous: false });
  });

  it('fails when the range ends below an LSN an old writer allocated', () => {
    const result = judgeOne(
      [allocated('w1', 1, [[1, false], [5, true]]), recovered('w2', 2, 0, { toLsn: 3 })],
      RECOVERY_NAMES.s9,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('w1 allocated LSN 5 at volumeEpoch 1 (expected truncation end 3 ≥ 5)');
  });

  it("fails when the range does not start at VDL' + 1", () => {
    const result = judgeOne([recovered('w2', 2, 1, { fromLsn: 3 })], RECOVERY_NAMES.s9);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain("truncation starts at 3 (expected VDL' + 1 = 2)");
  });

  it('fails when a zombie allocates above the range after the recovery', () => {
    const result = judgeOne([recovered('w2', 2, 1), allocated('w1', 1, [[12, true]], { vdl: 2 })], RECOVERY_NAMES.s9);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('w1 at volumeEpoch 1 allocated LSN 12 after w2 recovered volumeEpoch 2');
    expect(messages(result)).toContain('expected every old-epoch LSN ≤ 11');
  });

  it('fails when a segment applies a range the recovery did not plan', () => {
    const result = judgeOne([recovered('w2', 2, 1), ...truncationApplied(['s4'], 2, 2, 8)], RECOVERY_NAMES.s9);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('s4 (PG 0) applied truncation [2, 8] at volumeEpoch 2, but the recovery at that epoch planned [2, 11]');
  });

  it('fails when an annulled record re-enters a segment by gossip', () => {
    const result = judgeOne(
      [
        recovered('w2', 2, 1),
        ...truncationApplied(['s5'], 2, 2, 11, [2]),
        ...persisted(['s5'], 1, [1, 2], { via: 'gossip', source: 's6', segmentVolumeEpoch: 2 }),
      ],
      RECOVERY_NAMES.s9,
    );

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('s5 (PG 0) persisted LSN(s) 2 (1 in all) via gossip from s6 at volumeEpoch 1, inside the range [2, 11] it annulled at volumeEpoch 2');
  });

  it('lets a higher-epoch range supersede a lower one (docs/protocol.md §13, R2)', () => {
    const result = judgeOne(
      [
        recovered('w2', 2, 1),
        ...truncationApplied(['s5'], 2, 2, 11),
        // Recovery at epoch 3 found LSN 4 (epoch 1) durable after all: it may be repaired.
        recovered('w3', 3, 4),
        ...truncationApplied(['s5'], 3, 5, 14),
        ...persisted(['s5'], 1, [4], { via: 'gossip', source: 's6', segmentVolumeEpoch: 3 }),
      ],
      RECOVERY_NAMES.s9,
    );

    expect(result.ok, messages(result)).toBe(true);
  });
});

describe('Recovery invariants: S1b LSNs above the truncation range after recovery', () => {
  it('passes when the writer opens and allocates above the range', () => {
    const result = judgeOne(
      [allocated('w1', 1, [[1, true]]), recovered('w2', 2, 1), writerOpened('w2', 2, 12), allocated('w2', 2, [[12, true]])],
      RECOVERY_NAMES.s1,
    );

    expect(result).toMatchObject({ ok: true, vacuous: false });
  });

  it('fails when the writer opens inside the range', () => {
    const result = judgeOne([recovered('w2', 2, 1), writerOpened('w2', 2, 11)], RECOVERY_NAMES.s1);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('w2 opened at volumeEpoch 2 with nextLsn 11 after w2 recovered volumeEpoch 2');
    expect(messages(result)).toContain('expected nextLsn > 11');
  });

  it('fails when the new writer allocates an LSN inside the range', () => {
    const result = judgeOne([recovered('w2', 2, 1), allocated('w2', 2, [[6, false], [13, true]])], RECOVERY_NAMES.s1);

    expect(result.violations).toBe(1);
    expect(messages(result)).toContain('w2 at volumeEpoch 2 allocated LSN 6');
    expect(messages(result)).toContain('expected every LSN > 11');
  });

  it('fails when a writer opens a new epoch with no recovery after older allocations, but not at bootstrap', () => {
    const bootstrap = judgeOne([writerOpened('w1', 1, 1), allocated('w1', 1, [[1, true]])], RECOVERY_NAMES.s1);
    const unrecovered = judgeOne([allocated('w1', 1, [[1, true]]), writerOpened('w2', 2, 2)], RECOVERY_NAMES.s1);

    expect(bootstrap.ok).toBe(true);
    expect(unrecovered.violations).toBe(1);
    expect(messages(unrecovered)).toContain('w2 opened at volumeEpoch 2 with nextLsn 2 without a recovery at that epoch, after w1 allocated LSN 1 at volumeEpoch 1');
  });
});

describe('Recovery invariants: witnesses', () => {
  it('sees a recovery without a fence, and no fence from a new writer\'s write', () => {
    const results = judge([recovered('w2', 2, 0), ...adopted(['s1', 's2', 's3', 's4'], 1, 2, 'write')]);

    expect(results[RECOVERY_NAMES.recoveryWitnessed]).toMatchObject({ ok: true, witnessed: true, violations: 0 });
    expect(results[RECOVERY_NAMES.fenceWitnessed]).toMatchObject({ ok: true, witnessed: false, violations: 0 });
  });

  it('sees a fence from a recovery read', () => {
    const results = judge(fenceEpoch2);

    expect(results[RECOVERY_NAMES.fenceWitnessed]?.witnessed).toBe(true);
    expect(results[RECOVERY_NAMES.recoveryWitnessed]?.witnessed).toBe(false);
  });
});
