/**
 * Backtrack on a segment's store (src/protocol/segment-store.ts `applyBacktrack`; docs/protocol.md
 * §10, backtrack), against a model of timelines: writes extend the timeline in force; a backtrack
 * to an earlier moment makes visible exactly what was visible then, hiding the rest (kept), and
 * later writes start above everything ever written. After any sequence, persisted in any order,
 * the store's log holds exactly the visible records, its hidden log the others, its SCL the last
 * visible one, and every block reads as the model's page.
 */
import { freeze } from 'immer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PutPayload } from '../../models/messages.js';
import type { BlockId, Lsn, PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import type { LogRecord } from '../../src/protocol/lsn.js';
import { materializePage } from '../../src/protocol/pages.js';
import type { BacktrackVisibility, SegmentStore } from '../../src/protocol/segment-store.js';
import { applyBacktrack, blockChainAt, createSegmentStore, heldRecords, persistRecords, sclOf } from '../../src/protocol/segment-store.js';
import { propertySeed } from '../simulation/helpers.js';

const BLOCKS = 4;

type Op = { kind: 'write'; count: number } | { kind: 'backtrack'; back: number };

interface Model {
  /** Every record ever written, by LSN. */
  all: Map<number, LogRecord<PutPayload>>;
  /** The visible LSNs after each operation (index 0: before any), ascending. */
  moments: number[][];
  top: number;
  volumeEpoch: number;
}

/** Records of the timeline in force, continuing from its last visible record. */
function write(model: Model, visible: number[], count: number): LogRecord<PutPayload>[] {
  const made: LogRecord<PutPayload>[] = [];
  // After a backtrack the next writer starts above everything written (a gap, as LAL leaves one).
  let lsn = model.top + ((visible[visible.length - 1] ?? 0) === model.top ? 1 : 3);
  for (let i = 0; i < count; i++, lsn++) {
    const prevPg = visible[visible.length - 1] ?? 0;
    const block = lsn % BLOCKS;
    const prevBlock = [...visible].reverse().find((held) => held % BLOCKS === block) ?? 0;
    const record: LogRecord<PutPayload> = {
      lsn: lsn as Lsn,
      pg: 0 as PgId,
      blockId: block as BlockId,
      prevVolumeLsn: prevPg as Lsn,
      prevPgLsn: prevPg as Lsn,
      prevBlockLsn: prevBlock as Lsn,
      isCpl: true,
      mtrId: lsn,
      isCommit: false,
      payload: { kind: 'put', key: `k${block}`, value: `v${lsn}` },
    };
    made.push(record);
    model.all.set(lsn, record);
    visible.push(lsn);
    model.top = lsn;
  }
  return made;
}

/** The hidden ranges that leave exactly `visible` of [1, top] in sight. */
function hiddenRanges(visible: readonly number[], top: number): BacktrackVisibility['hidden'] {
  const seen = new Set(visible);
  const ranges: { fromLsn: Lsn; toLsn: Lsn }[] = [];
  for (let lsn = 1; lsn <= top; lsn++) {
    if (seen.has(lsn)) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.toLsn === lsn - 1) last.toLsn = lsn as Lsn;
    else ranges.push({ fromLsn: lsn as Lsn, toLsn: lsn as Lsn });
  }
  return ranges;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('backtrack' as const), back: fc.integer({ min: 1, max: 8 }) }),
);

describe('applyBacktrack', () => {
  it('keeps the log to what was visible at the moment gone back to, and brings hidden records back going forward', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 14 }), fc.integer({ min: 0, max: 1_000 }), (ops, shuffleSeed) => {
        const model: Model = { all: new Map(), moments: [[]], top: 0, volumeEpoch: 1 };
        let store: SegmentStore<PutPayload> = createSegmentStore<PutPayload>(0 as PgId);
        let turn = shuffleSeed;
        for (const op of ops) {
          const visible = [...(model.moments[model.moments.length - 1] as number[])];
          if (op.kind === 'write') {
            const made = write(model, visible, op.count);
            // Delivered in another order, and twice: persisting is idempotent and fills holes.
            const order = [...made, ...made].sort((a, b) => ((a.lsn * 7919 + turn) % 13) - ((b.lsn * 7919 + turn) % 13));
            turn++;
            store = persistRecords(store, order, model.volumeEpoch as VolumeEpoch).store;
          } else {
            const moment = model.moments[Math.max(0, model.moments.length - 1 - op.back)] as number[];
            visible.splice(0, visible.length, ...moment);
            model.volumeEpoch++;
            const visibility: BacktrackVisibility = { volumeEpoch: model.volumeEpoch as VolumeEpoch, hidden: hiddenRanges(moment, model.top) };
            const frozen = freeze(store, true);
            const result = applyBacktrack(frozen, visibility);
            // Retried: the same set changes nothing.
            expect(applyBacktrack(result.store, visibility).store).toBe(result.store);
            store = result.store;
          }
          model.moments.push(visible);
          const held = heldRecords(store).map((record) => record.lsn);
          expect(held).toEqual(visible);
          const hiddenHeld = store.hiddenLog === undefined ? [] : heldRecords({ ...store, log: store.hiddenLog }).map((record) => record.lsn);
          expect(hiddenHeld).toEqual([...model.all.keys()].filter((lsn) => !visible.includes(lsn)).sort((a, b) => a - b));
          expect(sclOf(store)).toBe(visible[visible.length - 1] ?? 0);
          for (let block = 0; block < BLOCKS; block++) {
            const expected: Record<string, string> = {};
            for (const lsn of visible) if (lsn % BLOCKS === block) expected[`k${block}`] = `v${lsn}`;
            expect(materializePage(blockChainAt(store, block, Infinity as Lsn))).toEqual(expected);
          }
        }
      }),
      { numRuns: 200, seed: propertySeed() },
    );
  });

  it('keeps a late copy of a hidden record hidden, and refuses ranges at or below the GC point', () => {
    let store = createSegmentStore<PutPayload>(0 as PgId);
    const model: Model = { all: new Map(), moments: [[]], top: 0, volumeEpoch: 1 };
    const visible: number[] = [];
    const made = write(model, visible, 6);
    store = persistRecords(store, made.slice(0, 4), 1 as VolumeEpoch).store;
    store = applyBacktrack(store, { volumeEpoch: 2 as VolumeEpoch, hidden: [{ fromLsn: 3 as Lsn, toLsn: 10 as Lsn }] }).store;
    const late = persistRecords(store, made.slice(4), 1 as VolumeEpoch);
    expect(late.stored).toEqual([]);
    expect(heldRecords(late.store).map((record) => record.lsn)).toEqual([1, 2]);
    expect(heldRecords({ ...late.store, log: late.store.hiddenLog! }).map((record) => record.lsn)).toEqual([3, 4, 5, 6]);
    // Forward again: all six back.
    expect(heldRecords(applyBacktrack(late.store, { volumeEpoch: 3 as VolumeEpoch, hidden: [] }).store).map((record) => record.lsn)).toEqual([1, 2, 3, 4, 5, 6]);
    const collected = { ...store, gcPoint: 2 as Lsn };
    expect(() => applyBacktrack(collected, { volumeEpoch: 3 as VolumeEpoch, hidden: [{ fromLsn: 2 as Lsn, toLsn: 4 as Lsn }] })).toThrow(/at or below the GC point 2/);
  });
});
