/**
 * The persistent structures under a segment's store (src/protocol/record-log.ts, int-map.ts),
 * against plain reference models: after any sequence of updates the structure reads like the
 * model, keeps its shape invariants, and every earlier version — deep-frozen, so a write throws —
 * still reads as it did.
 */
import fc from 'fast-check';
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import type { Lsn } from '../../src/protocol/ids.js';
import type { IntMap } from '../../src/protocol/int-map.js';
import { emptyIntMap, intMapDelete, intMapDeleteBelow, intMapGet, intMapIsEmpty, intMapSet } from '../../src/protocol/int-map.js';
import type { RecordLog } from '../../src/protocol/record-log.js';
import { CHUNK_RECORDS, GROUP_CHUNKS, emptyLog, lastAtOrBelow, lastRecord, putRecord, recordAtLsn, recordsAfter, rewriteRange } from '../../src/protocol/record-log.js';
import { propertySeed } from '../simulation/helpers.js';

interface Item {
  readonly lsn: Lsn;
  readonly tag: number;
}

type LogOp = { kind: 'put'; lsn: number; tag: number } | { kind: 'run'; from: number; length: number } | { kind: 'rewrite'; from: number; to: number; modulo: number };

/** Mostly ascending runs (the append path), with holes filled and ranges rewritten in between. */
const logOp: fc.Arbitrary<LogOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('run' as const), from: fc.integer({ min: 1, max: 3000 }), length: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('put' as const), lsn: fc.integer({ min: 1, max: 3000 }), tag: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rewrite' as const), from: fc.integer({ min: 0, max: 3000 }), to: fc.integer({ min: 0, max: 3000 }), modulo: fc.integer({ min: 1, max: 5 }) }) },
);

function apply(log: RecordLog<Item>, model: Map<number, Item>, op: LogOp): RecordLog<Item> {
  if (op.kind === 'put') {
    const item = { lsn: op.lsn as Lsn, tag: op.tag };
    model.set(op.lsn, item);
    return putRecord(log, item);
  }
  if (op.kind === 'run') {
    let next = log;
    const start = (lastRecord(log)?.lsn ?? 0) + op.from % 7;
    for (let lsn = start + 1; lsn <= start + op.length; lsn++) {
      const item = { lsn: lsn as Lsn, tag: 0 };
      model.set(lsn, item);
      next = putRecord(next, item);
    }
    return next;
  }
  // Drop every record whose LSN is a multiple of `modulo` in the range, retag the rest.
  for (const [lsn, item] of model) {
    if (lsn < op.from || lsn > op.to) continue;
    if (lsn % op.modulo === 0) model.delete(lsn);
    else if (lsn % 3 === 0) model.set(lsn, { ...item, tag: item.tag + 1 });
  }
  return rewriteRange(log, op.from, op.to, (item) => (item.lsn % op.modulo === 0 ? undefined : item.lsn % 3 === 0 ? { ...item, tag: item.tag + 1 } : item));
}

/** The shape invariants of the file header. */
function expectWellFormed(log: RecordLog<Item>): void {
  let count = log.tail.length;
  expect(log.tail.length).toBeLessThanOrEqual(CHUNK_RECORDS);
  for (const group of log.groups) {
    expect(group.length).toBeGreaterThan(0);
    expect(group.length).toBeLessThanOrEqual(2 * GROUP_CHUNKS);
    for (const chunk of group) {
      expect(chunk.length).toBeGreaterThan(0);
      expect(chunk.length).toBeLessThanOrEqual(2 * CHUNK_RECORDS);
      count += chunk.length;
    }
  }
  expect(log.count).toBe(count);
}

describe('record log (persistent, chunked)', () => {
  it('property: reads like a sorted map after any updates, and every old version is unchanged', () => {
    fc.assert(
      fc.property(fc.array(logOp, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 3100 }), { minLength: 5, maxLength: 5 }), (ops, probes) => {
        const model = new Map<number, Item>();
        let log = emptyLog<Item>();
        const versions: { log: RecordLog<Item>; items: Item[] }[] = [];
        for (const op of ops) {
          freeze(log, true);
          log = apply(log, model, op);
          const items = [...model.values()].sort((a, b) => a.lsn - b.lsn);
          versions.push({ log, items });
          expect(recordsAfter(log, 0, Number.MAX_SAFE_INTEGER)).toEqual(items);
          expectWellFormed(log);
          for (const probe of probes) {
            expect(recordAtLsn(log, probe)).toEqual(model.get(probe));
            expect(lastAtOrBelow(log, probe)).toEqual(items.filter((item) => item.lsn <= probe).pop());
            expect(recordsAfter(log, probe, 10)).toEqual(items.filter((item) => item.lsn > probe).slice(0, 10));
          }
        }
        for (const version of versions) expect(recordsAfter(version.log, 0, Number.MAX_SAFE_INTEGER)).toEqual(version.items);
      }),
      { numRuns: 150, seed: propertySeed() },
    );
  });

  it('an append copies only the tail; sealing it copies only the last group', () => {
    let log = emptyLog<Item>();
    for (let lsn = 1; lsn <= 10 * CHUNK_RECORDS * GROUP_CHUNKS; lsn++) {
      const next = putRecord(log, { lsn: lsn as Lsn, tag: 0 });
      const sealed = next.groups !== log.groups;
      expect(sealed).toBe(log.tail.length === CHUNK_RECORDS);
      if (sealed) {
        // Every group but the last is shared; in the last, every chunk but the new one is.
        next.groups.slice(0, log.groups.length - 1).forEach((group, g) => expect(group).toBe(log.groups[g]));
        const last = next.groups[next.groups.length - 1]!;
        last.slice(0, -1).forEach((chunk, c) => expect(chunk).toBe(log.groups[log.groups.length - 1]![c]));
        expect(last[last.length - 1]).toBe(log.tail);
      }
      log = next;
    }
  });

  it('a record filling a hole copies the one chunk it joins', () => {
    let log = emptyLog<Item>();
    for (let lsn = 2; lsn <= 40 * CHUNK_RECORDS; lsn += 2) log = putRecord(log, { lsn: lsn as Lsn, tag: 0 });
    const next = putRecord(log, { lsn: 1001 as Lsn, tag: 1 });
    const before = log.groups.flat();
    const after = next.groups.flat();
    expect(after.length).toBe(before.length);
    expect(after.filter((chunk, c) => chunk !== before[c]).length).toBe(1);
    expect(next.tail).toBe(log.tail);
    expect(recordAtLsn(next, 1001)).toEqual({ lsn: 1001, tag: 1 });
    expect(recordAtLsn(log, 1001)).toBeUndefined();
  });
});

type MapOp = { kind: 'set'; key: number; value: number } | { kind: 'delete'; key: number } | { kind: 'deleteBelow'; bound: number };

const mapOp: fc.Arbitrary<MapOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 20_000 }), value: fc.integer({ min: 1, max: 1e9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteBelow' as const), bound: fc.integer({ min: 0, max: 20_000 }) }) },
);

describe('int map (persistent radix trie)', () => {
  it('property: reads like a Map after any updates, stays canonical, and old versions are unchanged', () => {
    fc.assert(
      fc.property(fc.array(mapOp, { maxLength: 60 }), (ops) => {
        const model = new Map<number, number>();
        let map: IntMap = emptyIntMap();
        const versions: { map: IntMap; text: string }[] = [];
        for (const op of ops) {
          freeze(map, true);
          if (op.kind === 'set') {
            model.set(op.key, op.value);
            map = intMapSet(map, op.key, op.value);
          } else if (op.kind === 'delete') {
            model.delete(op.key);
            map = intMapDelete(map, op.key);
          } else {
            for (const key of [...model.keys()]) if (key < op.bound) model.delete(key);
            map = intMapDeleteBelow(map, op.bound);
          }
          for (const key of [...model.keys(), 0, 63, 64, 4095, 4096, 19_999]) expect(intMapGet(map, key)).toBe(model.get(key));
          expect(intMapIsEmpty(map)).toBe(model.size === 0);
          // Canonical: the same entries built from scratch give the same shape.
          let rebuilt: IntMap = emptyIntMap();
          for (const [key, value] of model) rebuilt = intMapSet(rebuilt, key, value);
          expect(map).toEqual(rebuilt);
          versions.push({ map, text: JSON.stringify(map) });
        }
        for (const version of versions) expect(JSON.stringify(version.map)).toBe(version.text);
      }),
      { numRuns: 200, seed: propertySeed() },
    );
  });
});
