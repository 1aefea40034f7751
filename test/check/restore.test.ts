/**
 * The S20 judge (src/check/restore.ts) fed by hand: each of its checks fails when its rule is
 * broken — a point other than the highest staged VDL reached by the time asked, a writer opened
 * elsewhere, a block that differs from the oracle, too few copies holding the point, a refusal of
 * what was staged, a snapshot at no VDL — and holds, not vacuously, on a right restore.
 */
import { describe, expect, it } from 'vitest';
import { createRestoreJudge } from '../../src/check/restore.js';
import type { JudgedRestore } from '../../src/check/restore.js';
import type { Observation } from '../../src/protocol/observations.js';
import type { PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import { createSegmentStore, persistRecords } from '../../src/protocol/segment-store.js';
import type { SegmentStore } from '../../src/protocol/segment-store.js';
import { putChain } from '../support/put-chain.js';

const MEMBERS = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
const RESTORE: JudgedRestore = { job: 'restore-1:job', toTimeMs: 50, membersByPg: { 0: MEMBERS } };
const staged = (stagedLsn: number): Observation => ({ kind: 'staged', objectStore: 's3', pg: 0, stagedLsn, records: 1, bytes: 1, stagedAtMs: 0 });
const phase = (p: 'requested' | 'available' | 'failed', throughLsn: number, extra: Record<string, unknown> = {}): Observation => ({ kind: 'restore', job: RESTORE.job, phase: p, throughLsn, ...extra });
/** A PG 0 store holding records 1..to (record i puts k<i%4> = v<i>). */
const storeTo = (to: number): SegmentStore => persistRecords(createSegmentStore(0 as PgId), putChain(1, to, 4), 1 as VolumeEpoch).store;
/** The oracle: replay of records 1..readPoint. */
const oracle = (_pg: number, blockId: number, readPoint: number): Record<string, string> => {
  const page: Record<string, string> = {};
  for (let lsn = 1; lsn <= readPoint; lsn++) if (lsn % 4 === blockId) page[`k${blockId}`] = `v${lsn}`;
  return page;
};
const blocks = () => [0, 1, 2, 3];

function judge(observations: readonly [number, Observation | { reachedVdl: number }][], stores: Record<string, SegmentStore>, restores: JudgedRestore[] = [RESTORE], extraPgs: number[] = []) {
  const s20 = createRestoreJudge(restores, [0, ...extraPgs]);
  for (const [atMs, o] of observations) {
    if ('reachedVdl' in o) s20.vdlReached(atMs, o.reachedVdl);
    else s20.observe(atMs, o);
  }
  return s20.result(100, (id: string) => stores[id], oracle, blocks);
}

/** VDL 10 at 10 ms, 20 at 40 ms, 30 at 60 ms; PG 0 staged to 25. */
const HISTORY: [number, Observation | { reachedVdl: number }][] = [
  [10, { reachedVdl: 10 }],
  [40, { reachedVdl: 20 }],
  [60, { reachedVdl: 30 }],
  [70, staged(25)],
];
const everyone = (to: number) => Object.fromEntries(MEMBERS.map((id) => [id, storeTo(to)]));

describe('S20 restore consistency judge', () => {
  it('holds on a right restore: the point, the opening and every block', () => {
    const { result, verifications } = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('available', 20, { vdl: 20 })]], everyone(20));
    expect(result).toMatchObject({ ok: true, vacuous: false });
    expect(verifications).toEqual([{ job: RESTORE.job, expectedLsn: 20, blocksChecked: 24, mismatches: 0, verified: true }]);
  });

  it('fails a point other than the highest VDL reached by the time asked and staged', () => {
    // 30 was reached after 50 ms; 10 is too low.
    for (const wrong of [30, 10]) {
      const { result } = judge([...HISTORY, [80, phase('requested', wrong)], [90, phase('available', wrong, { vdl: wrong })]], everyone(wrong));
      expect(result.ok).toBe(false);
      expect(result.firstViolations[0]?.message).toBe(`restore-1:job restores to LSN ${wrong}, but the highest VDL reached by 50 ms and staged on every PG is 20`);
    }
  });

  it('fails a writer that opened elsewhere, a block that differs, and too few copies', () => {
    const opened = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('available', 20, { vdl: 19 })]], everyone(20));
    expect(opened.result.firstViolations[0]?.message).toMatch(/opened the restored volume at VDL 19, not at the restore point 20/);
    // One copy still catching up (records 19 and 20 missing) is left out, not judged wrong; three are too many.
    const stores = { ...everyone(20), n1: storeTo(18) };
    const content = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('available', 20, { vdl: 20 })]], stores);
    expect(content.result.ok).toBe(true);
    expect(content.verifications[0]?.blocksChecked).toBe(20);
    const three = { ...everyone(20), n1: storeTo(18), n2: storeTo(18), n3: storeTo(18) };
    const few = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('available', 20, { vdl: 20 })]], three);
    expect(few.result.ok).toBe(false);
    expect(few.result.firstViolations.some((v) => /held as of the restore point 20 by 3 of its 6 segments/.test(v.message))).toBe(true);
    const wrongPage = { ...everyone(20), n4: persistRecords(createSegmentStore(0 as PgId), putChain(1, 20, 4).map((record) => (record.lsn === 17 ? { ...record, payload: { kind: 'put', key: 'k1', value: 'forged' } } : record)), 1 as VolumeEpoch).store };
    const differs = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('available', 20, { vdl: 20 })]], wrongPage);
    expect(differs.result.ok).toBe(false);
    expect(differs.result.firstViolations[0]?.message).toBe('n4: block 1 at the restore point 20 has k1 = forged, but the source\'s records give v17');
    expect(differs.verifications[0]?.verified).toBe(false);
  });

  it('fails a notStaged refusal of what was staged; a timeout is no violation', () => {
    const refused = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('failed', 20, { reason: 'notStaged: the object store cannot give PG 0 as of LSN 20' })]], everyone(0));
    expect(refused.result.ok).toBe(false);
    const timedOut = judge([...HISTORY, [80, phase('requested', 20)], [90, phase('failed', 20, { reason: 'timedOut: 0 of 1 PGs restored' })]], everyone(0));
    expect(timedOut.result.ok).toBe(true);
    expect(timedOut.verifications[0]?.verified).toBe(false);
  });

  it('checks a snapshot: at a VDL the source reached, staged, and a restore of it at its point', () => {
    const fromSnapshot: JudgedRestore = { job: RESTORE.job, snapshot: 'nightly', membersByPg: { 0: MEMBERS } };
    const created = (lsn: number): Observation => ({ kind: 'snapshotCreated', objectStore: 's3', name: 'nightly', throughLsn: lsn, bytes: 1 });
    const right = judge([...HISTORY, [75, created(20)], [80, phase('requested', 20)], [90, phase('available', 20, { vdl: 20 })]], everyone(20), [fromSnapshot]);
    expect(right.result).toMatchObject({ ok: true });
    expect(right.verifications[0]?.verified).toBe(true);
    expect(judge([...HISTORY, [75, created(21)]], {}, [fromSnapshot]).result.firstViolations[0]?.message).toBe('snapshot nightly holds the volume at LSN 21, which is no VDL the source\'s writer reached');
    expect(judge([...HISTORY, [75, created(30)]], {}, [fromSnapshot]).result.firstViolations[0]?.message).toBe('snapshot nightly was completed at LSN 30, above 25, what the object store had staged of some PG');
    // A PG of which nothing was staged holds the volume's staged point at 0.
    expect(judge([...HISTORY, [75, created(20)]], {}, [fromSnapshot], [1]).result.firstViolations[0]?.message).toBe('snapshot nightly was completed at LSN 20, above 0, what the object store had staged of some PG');
    const elsewhere = judge([...HISTORY, [75, created(20)], [80, phase('requested', 10)]], {}, [fromSnapshot]);
    expect(elsewhere.result.firstViolations[0]?.message).toBe('restore-1:job restores snapshot nightly to LSN 10, but the snapshot holds LSN 20');
  });

  it('is vacuous without restores', () => {
    expect(judge(HISTORY, {}, []).result).toMatchObject({ ok: true, vacuous: true });
  });

  it('fails when the history checker finds an anomaly in the source or a clone history', () => {
    const clean = createRestoreJudge([], [0]);
    const histories = [
      { of: 'source', model: 'strict-serializable', ok: true, violations: [] },
      { of: 'clone-1:job', model: 'strict-serializable', ok: false, violations: ['G1c'] },
    ];
    expect(clean.result(0, () => undefined, () => undefined, () => [], histories.slice(0, 1)).result.ok).toBe(true);
    const { result } = clean.result(0, () => undefined, () => undefined, () => [], histories);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(result.firstViolations[0]?.message).toContain("G1c in clone-1:job's history");
  });

  it("judges a clone's point as the source VDL in force when it is asked", () => {
    const clone: JudgedRestore = { job: 'clone-1:job', clone: true, membersByPg: { 0: [] } };
    const at = (lsn: number): Observation => ({ kind: 'restore', job: 'clone-1:job', phase: 'requested', throughLsn: lsn }) as Observation;
    const right = createRestoreJudge([clone], [0]);
    right.vdlReached(10, 5);
    right.vdlReached(20, 9);
    right.observe(25, at(9));
    expect(right.streamed().ok).toBe(true);
    const wrong = createRestoreJudge([clone], [0]);
    wrong.vdlReached(10, 5);
    wrong.vdlReached(20, 9);
    wrong.observe(25, at(5));
    expect(wrong.streamed()).toMatchObject({ ok: false });
  });
});
