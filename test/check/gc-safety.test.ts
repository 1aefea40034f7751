import { describe, expect, it } from 'vitest';
import { createGcSafetyJudge } from '../../src/check/gc-safety.js';
import type { Observation } from '../../src/protocol/observations.js';
import type { PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import { collectGarbage, createSegmentStore, persistRecords } from '../../src/protocol/segment-store.js';

const report = (instance: string, mrplLsn: number): Observation => ({ kind: 'mrplReported', instance, pg: 0, mrplLsn });
const gc = (gcPoint: number, live: string[], stagedLsn = 100): Observation => ({
  kind: 'gcAdvanced', segment: 's1', pg: 0, gcPoint, mrplLsn: gcPoint, stagedLsn, scl: 100, live, droppedRecords: 3,
});
const noPages = () => ({});

function judge(observations: readonly Observation[], options: { objectStore?: boolean } = {}) {
  const checker = createGcSafetyJudge(options);
  observations.forEach((o, i) => checker.observe(i, o));
  return checker.result(observations.length, [], noPages);
}

describe('S14 GC safety judge', () => {
  it('passes GC below every counted report, and is vacuous without GC', () => {
    expect(judge([report('w', 10), report('r', 8), gc(8, ['w', 'r'])])).toMatchObject({ ok: true, vacuous: false });
    expect(judge([report('w', 10)])).toMatchObject({ ok: true, vacuous: true });
  });

  it('fails GC past a counted instance\'s report, past the staged point, or a page served below it', () => {
    expect(judge([report('w', 10), report('r', 8), gc(9, ['w', 'r'])]).ok).toBe(false);
    // An instance the segment no longer counts (its lease ran out) does not hold GC back.
    expect(judge([report('w', 10), report('r', 8), gc(9, ['w'])]).ok).toBe(true);
    expect(judge([report('w', 10), gc(9, ['w'], 5)]).ok).toBe(false);
    const served: Observation = { kind: 'pageServed', segment: 's1', pg: 0, blockId: 1, readPoint: 7, segmentKind: 'full', values: {} };
    expect(judge([report('w', 10), gc(9, ['w']), served]).ok).toBe(false);
  });

  it('with an object store, fails GC past what the store reported holding, whatever the segment claims', () => {
    const staged = (stagedLsn: number): Observation => ({ kind: 'staged', objectStore: 's3', pg: 0, stagedLsn, records: 1, bytes: 65, stagedAtMs: 0 });
    expect(judge([report('w', 10), staged(9), gc(9, ['w'])], { objectStore: true }).ok).toBe(true);
    // The segment claims 100 staged; the store holds 8 of PG 0.
    const result = judge([report('w', 10), staged(8), gc(9, ['w'])], { objectStore: true });
    expect(result.ok).toBe(false);
    expect(result.firstViolations[0]?.message).toBe('s1 moved its GC point to 9, past 8, what the object store holds of PG 0');
    // Nothing staged at all: any GC is too far.
    expect(judge([report('w', 10), gc(9, ['w'])], { objectStore: true }).ok).toBe(false);
    // Without an object store the segment's own staged point is the rule.
    expect(judge([report('w', 10), gc(9, ['w'])]).ok).toBe(true);
  });

  it('fails a read below the instance\'s own earlier report, and a refusal to a counted instance', () => {
    expect(judge([report('w', 10), { kind: 'readIssued', instance: 'w', requestId: 1, pg: 0, readPoint: 9 }]).ok).toBe(false);
    expect(judge([report('w', 10), { kind: 'readIssued', instance: 'w', requestId: 1, pg: 0, readPoint: 10 }]).ok).toBe(true);
    const refused: Observation = { kind: 'readBelowGc', segment: 's1', pg: 0, instance: 'w', readPoint: 5, gcPoint: 9 };
    expect(judge([report('w', 10), gc(9, ['w']), refused]).ok).toBe(false);
    expect(judge([report('w', 10), gc(9, []), refused]).ok).toBe(true);
  });

  it('fails a base page that differs from the oracle at the GC point', () => {
    const empty = createSegmentStore<{ kind: 'put'; key: string; value: string }>(0 as PgId);
    const record = (lsn: number, prev: number, value: string) => ({
      lsn, pg: 0, blockId: 1, prevVolumeLsn: prev, prevPgLsn: prev, prevBlockLsn: prev, isCpl: true, mtrId: lsn, isCommit: false, payload: { kind: 'put' as const, key: 'k', value },
    });
    const persisted = persistRecords(empty, [record(1, 0, 'a'), record(2, 1, 'b')] as never, 1 as VolumeEpoch).store;
    const { store } = collectGarbage(persisted, 2 as never);
    const checker = createGcSafetyJudge();
    expect(checker.result(0, [{ id: 's1', store }], () => ({ k: 'b' })).ok).toBe(true);
    expect(checker.result(0, [{ id: 's1', store }], () => ({ k: 'a' })).ok).toBe(false);
    // An archive that can no longer replay the block (it kept too little) is a violation, not a pass.
    const unreplayable = checker.result(0, [{ id: 's1', store }], () => undefined);
    expect(unreplayable).toMatchObject({ ok: false, violations: 1 });
    expect(unreplayable.firstViolations[0]!.message).toContain('cannot be replayed');
  });
});
