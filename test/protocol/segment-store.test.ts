/**
 * The segment store is a persistent value (src/protocol/segment-store.ts): every update returns a
 * new store and leaves the one it was given exactly as it was, whether that store is plain or
 * deep-frozen (then any write throws), and the new store shares all but a few small nodes with the
 * old one, so an append stays cheap at any log size. Sharing is asserted on references, never on
 * wall-clock time.
 */
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import type { Lsn, PgId, VolumeEpoch } from '../../src/protocol/ids.js';
import type { LogRecord } from '../../src/protocol/lsn.js';
import { materializePage } from '../../src/protocol/pages.js';
import type { StoredRecord } from '../../src/protocol/recovery.js';
import type { SegmentStore } from '../../src/protocol/segment-store.js';
import {
  basesAbove,
  baselineOf,
  blockChainAt,
  collectGarbage,
  createSegmentStore,
  heldRecords,
  installBaseline,
  persistRecords,
  persistStoredRecords,
  recordAt,
  recordCount,
  recordsAbove,
  sclOf,
  truncate,
} from '../../src/protocol/segment-store.js';
import { putChain } from '../support/put-chain.js';

type Put = { kind: 'put'; key: string; value: string };
const PG = 0 as PgId;
const EPOCH = 1 as VolumeEpoch;

/** One PG's chain over `blocks` blocks: record i is on block i % blocks, every one a CPL. */
const chain = (from: number, to: number, blocks = 4): LogRecord<Put>[] => putChain(from, to, blocks, PG);

const persisted = (records: readonly LogRecord<Put>[], store = createSegmentStore<Put>(PG)): SegmentStore<Put> => persistRecords(store, records, EPOCH).store;

/** A lagging peer (records 1..50) and a source that collected up to 200 of its 1..300. */
function repairPair(): { peer: SegmentStore<Put>; source: SegmentStore<Put> } {
  return { peer: persisted(chain(1, 50)), source: collectGarbage(persisted(chain(1, 300)), 200 as Lsn).store };
}

interface UpdateCase {
  name: string;
  before: () => SegmentStore<Put>;
  /** Runs the update; checks that it did real work on the store it returns. */
  update: (store: SegmentStore<Put>) => SegmentStore<Put>;
}

const cases: UpdateCase[] = [
  {
    name: 'persist in order (append)',
    before: () => persisted(chain(1, 300)),
    update: (store) => {
      const result = persistRecords(store, chain(301, 310), EPOCH);
      expect(result.stored).toHaveLength(10);
      expect(sclOf(result.store)).toBe(310);
      return result.store;
    },
  },
  {
    name: 'persist out of order (a hole filled)',
    before: () => persisted([...chain(1, 99), ...chain(111, 300)]),
    update: (store) => {
      expect(sclOf(store)).toBe(99);
      const result = persistRecords(store, chain(100, 110).reverse(), EPOCH);
      expect(result.stored).toHaveLength(11);
      expect(sclOf(result.store)).toBe(300);
      return result.store;
    },
  },
  {
    name: 'persist stored records (gossip)',
    before: () => persisted(chain(1, 99)),
    update: (store) => {
      const records: StoredRecord<Put>[] = chain(100, 140).map((record) => ({ ...record, volumeEpoch: 2 as VolumeEpoch }));
      const result = persistStoredRecords(store, records);
      expect(result.storedByEpoch[2]).toHaveLength(41);
      return result.store;
    },
  },
  {
    name: 'truncate',
    before: () => persisted(chain(1, 300)),
    update: (store) => {
      const result = truncate(store, { volumeEpoch: 2 as VolumeEpoch, fromLsn: 250 as Lsn, toLsn: 1000 as Lsn });
      expect(result.dropped).toEqual(chain(250, 300).map((record) => record.lsn));
      expect(sclOf(result.store)).toBe(249);
      return result.store;
    },
  },
  {
    name: 'collectGarbage',
    before: () => persisted(chain(1, 300)),
    update: (store) => {
      const result = collectGarbage(store, 200 as Lsn);
      expect(result.dropped).toBe(196);
      expect(recordAt(result.store, 200 as Lsn)?.payload).toMatchObject({ kind: 'page' });
      return result.store;
    },
  },
  {
    name: 'installBaseline',
    before: () => repairPair().peer,
    update: (store) => {
      const { source } = repairPair();
      const result = installBaseline(store, baselineOf(source), basesAbove(source, sclOf(store)));
      expect(result.dropped).toBeGreaterThan(0);
      expect(sclOf(result.store)).toBe(200);
      return result.store;
    },
  },
];

describe('segment store: every update leaves the store it was given unchanged', () => {
  for (const frozen of [false, true]) {
    for (const { name, before, update } of cases) {
      it(`${name}${frozen ? ', on a deep-frozen store' : ''}`, () => {
        const store = before();
        const copy = structuredClone(store);
        if (frozen) freeze(store, true);
        const after = update(store);
        expect(after).not.toBe(store);
        expect(store).toEqual(copy);
        // Both versions stay readable: the old one still answers as it did.
        expect(heldRecords(store)).toEqual(heldRecords(copy));
        expect(sclOf(store)).toBe(sclOf(copy));
      });
    }
  }
});

describe('segment store: structural sharing', () => {
  // 100,000 records over 5,000 blocks: 1,562 sealed chunks and a half-full tail of 32.
  const big = persisted(chain(1, 100_000, 5_000));

  it('an append shares every sealed chunk, every other block span and the SCL links', () => {
    const next = persisted(chain(100_001, 100_001, 5_000), big);
    expect(recordCount(next)).toBe(recordCount(big) + 1);
    expect(next.log.groups).toBe(big.log.groups);
    expect(next.chain.bySuccessor).toBe(big.chain.bySuccessor);
    const spans = Object.keys(big.latestByBlock);
    expect(spans.length).toBeGreaterThan(1);
    expect(spans.filter((span) => next.latestByBlock[Number(span)] !== big.latestByBlock[Number(span)])).toHaveLength(1);
    expect(big.log.tail).toHaveLength(32);
  });

  it('a full tail is sealed by copying the last group only', () => {
    let store = big;
    for (let lsn = 100_001; lsn <= 100_032; lsn++) store = persisted(chain(lsn, lsn, 5_000), store);
    expect(store.log.groups).toBe(big.log.groups);
    const sealed = persisted(chain(100_033, 100_033, 5_000), store);
    expect(sealed.log.groups.slice(0, -1).every((group, g) => group === store.log.groups[g])).toBe(true);
    expect(sealed.log.tail).toHaveLength(1);
  });

  it('truncation and GC rebuild only the chunks they change', () => {
    const truncated = truncate(big, { volumeEpoch: 2 as VolumeEpoch, fromLsn: 99_990 as Lsn, toLsn: 200_000 as Lsn }).store;
    expect(truncated.log.groups.slice(0, -1).every((group, g) => group === big.log.groups[g])).toBe(true);
    expect(sclOf(truncated)).toBe(99_989);
    const collected = collectGarbage(big, 64 as Lsn).store;
    expect(collected.log.tail).toBe(big.log.tail);
    expect(collected.log.groups.slice(1).every((group, g) => group === big.log.groups[g + 1])).toBe(true);
    expect(collected.log.groups[0]!.slice(1).every((chunk, c) => chunk === big.log.groups[0]![c + 1])).toBe(true);
  });

  it('reads the same through the chunks as the records say', () => {
    expect(recordsAbove(big, 99_990 as Lsn, 5).map((record) => record.lsn)).toEqual([99_991, 99_992, 99_993, 99_994, 99_995]);
    expect(materializePage(blockChainAt(big, 7, 50_000 as Lsn))).toEqual({ k7: 'v45007' });
  });
});
