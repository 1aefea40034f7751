import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlockId, Lsn, PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import { allocate, buildMtr, createBacklinkState, createLsnAllocator } from '../../src/protocol/lsn.js';
import type { LogRecord } from '../../src/protocol/lsn.js';
import { materializePage } from '../../src/protocol/pages.js';
import type { SegmentStore } from '../../src/protocol/segment-store.js';
import {
  basesAbove,
  baselineOf,
  blockChainAt,
  collectGarbage,
  createSegmentStore,
  installBaseline,
  persistRecords,
  recordCount,
  recordsAbove,
  sclOf,
  truncate,
} from '../../src/protocol/segment-store.js';
import { propertySeed } from '../simulation/helpers.js';

type Put = { kind: 'put'; key: string; value: string };
const PG = 0 as PgId;
const EPOCH = 1 as VolumeEpoch;

/** MTRs of puts over two PGs; blocks 0–3 on PG 0, 4–7 on PG 1. Returns PG 0's records and the CPLs. */
function workload(mtrs: readonly (readonly [number, number][])[]): { records: LogRecord<Put>[]; cpls: Lsn[] } {
  let allocator = createLsnAllocator();
  let links = createBacklinkState();
  const records: LogRecord<Put>[] = [];
  const cpls: Lsn[] = [];
  let value = 0;
  mtrs.forEach((changes, index) => {
    const allocation = allocate(allocator, allocator.nextLsn as Lsn, changes.length);
    if (allocation.kind !== 'allocated') throw new Error('allocation refused');
    allocator = allocation.state;
    const mtr = buildMtr<Put>(
      links,
      allocation.allocation,
      changes.map(([block, key]) => ({ pg: (block < 4 ? 0 : 1) as PgId, blockId: block as BlockId, payload: { kind: 'put', key: `k${block}.${key}`, value: `v${value++}` } })),
      { mtrId: index + 1 },
    );
    links = mtr.backlinks;
    const built = mtr.records;
    cpls.push(built[built.length - 1]!.lsn);
    records.push(...built.filter((record) => record.pg === PG));
  });
  return { records, cpls };
}

const pageAt = (store: SegmentStore, block: number, readPoint: number): Record<string, string> =>
  materializePage(blockChainAt(store, block, readPoint as Lsn));

/** Every block of PG 0 reads the same in both stores at every read point from `from` to `to`. */
function expectSamePages(collected: SegmentStore, reference: SegmentStore, from: number, to: number): void {
  for (let readPoint = from; readPoint <= to; readPoint++) {
    for (let block = 0; block < 4; block++) expect(pageAt(collected, block, readPoint), `block ${block} at ${readPoint}`).toEqual(pageAt(reference, block, readPoint));
  }
}

const mtrArbitrary = fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 25 });

describe('garbage collection in the segment store (docs/protocol.md §6, gossip, repair and GC; §12, S14)', () => {
  it('coalesces records at or below the GC point into base pages and keeps every read at or above it', () => {
    const { records, cpls } = workload([[[0, 0], [1, 0]], [[0, 1]], [[4, 0], [0, 0]], [[1, 1], [2, 0]], [[0, 2]], [[3, 0], [5, 1]]]);
    const reference = persistRecords(createSegmentStore<Put>(PG), records, EPOCH).store;
    const gcPoint = cpls[3]!;
    const { store, dropped } = collectGarbage(reference, gcPoint);
    expect(dropped).toBeGreaterThan(0);
    expect(recordCount(store)).toBe(recordCount(reference) - dropped);
    expect(store.gcPoint).toBe(gcPoint);
    expect(sclOf(store)).toBe(sclOf(reference));
    expect(store.lastPgLsnAtGc).toBe(Math.max(...records.filter((r) => r.lsn <= gcPoint).map((r) => r.lsn)));
    expectSamePages(store, reference, gcPoint, sclOf(reference));
    // Nothing below the point can come back, and a point past the SCL is refused.
    expect(persistRecords(store, records, EPOCH)).toEqual({ store, stored: [] });
    expect(collectGarbage(store, (sclOf(store) + 1) as Lsn)).toEqual({ store, dropped: 0 });
  });

  it('a truncation above the GC point rolls SCL back without touching the base pages', () => {
    const { records, cpls } = workload([[[0, 0]], [[1, 0]], [[0, 1]], [[2, 2]]]);
    const collected = collectGarbage(persistRecords(createSegmentStore<Put>(PG), records, EPOCH).store, cpls[2]!).store;
    const { store, dropped } = truncate(collected, { volumeEpoch: 2 as VolumeEpoch, fromLsn: (cpls[2]! + 1) as Lsn, toLsn: 1000 as Lsn });
    expect(dropped).toEqual(records.filter((r) => r.lsn > cpls[2]!).map((r) => r.lsn));
    expect(sclOf(store)).toBe(store.lastPgLsnAtGc);
    expect(pageAt(store, 0, cpls[2]!)).toEqual({ 'k0.0': 'v0', 'k0.1': 'v2' });
  });

  it('property: GC, then a lagging peer repaired from the baseline, both read like the full log', () => {
    fc.assert(
      fc.property(mtrArbitrary, fc.nat(), fc.nat(), (mtrs, gcPick, lagPick) => {
        const { records, cpls } = workload(mtrs);
        const reference = persistRecords(createSegmentStore<Put>(PG), records, EPOCH).store;
        const gcPoint = cpls[gcPick % cpls.length]!;
        const source = collectGarbage(reference, gcPoint).store;
        expectSamePages(source, reference, gcPoint, sclOf(reference));
        // The peer missed everything above some earlier point.
        const lagPoint = lagPick % (gcPoint + 1);
        const lagging = persistRecords(createSegmentStore<Put>(PG), records.filter((r) => r.lsn <= lagPoint), EPOCH).store;
        const peerSclBefore = sclOf(lagging);
        const repaired = installBaseline(lagging, baselineOf(source), basesAbove(source, peerSclBefore)).store;
        const peer = persistRecords(repaired, recordsAbove(source, Math.max(peerSclBefore, source.gcPoint) as Lsn, 10_000), EPOCH).store;
        expect(sclOf(peer)).toBe(sclOf(reference));
        // A point past the source's SCL (a PG with nothing there yet) is not collected.
        expect(source.gcPoint).toBe(gcPoint <= sclOf(reference) ? gcPoint : 0);
        expect(peer.gcPoint).toBe(peerSclBefore >= source.gcPoint ? 0 : source.gcPoint);
        expectSamePages(peer, reference, gcPoint, sclOf(reference));
      }),
      { numRuns: 150, seed: propertySeed() },
    );
  });
});
