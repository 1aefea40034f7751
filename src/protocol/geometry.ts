/**
 * Volume geometry: how many protection groups a volume has, how it grows, and how far
 * (docs/protocol.md §1.1, storage growth). A volume starts with the PGs it was created with and
 * adds one PG at a time as data reaches blocks past its last PG; every added PG moves the volume's
 * `geometryEpoch` on by one, and the volume never shrinks (SIGMOD'17 §2.2: "segments … replicated
 * into protection groups"; a volume grows by adding PGs, up to its configured maximum size).
 *
 * Every function is pure: the writer, the storage control plane and the judges compute the same
 * answers from the same numbers.
 */
import type { PageLayout } from './pages.js';
import { blockOfKey, pgOfBlock } from './pages.js';

/** Bytes of one gibibyte. */
export const GIB_BYTES = 2 ** 30;
/** Bytes of one tebibyte. */
export const TIB_BYTES = 2 ** 40;
/** The nominal size of a segment, hence of a PG's data: 10 GiB (SIGMOD'17 §2.2). */
export const PG_BYTES_NOMINAL = 10 * GIB_BYTES;
/** The largest volume by default: 128 TiB (the limit of current Aurora MySQL and PostgreSQL engines). */
export const VOLUME_BYTES_MAX_DEFAULT = 128 * TIB_BYTES;

/** The most PGs a volume of at most `maxVolumeBytes` holds: whole PGs of {@link PG_BYTES_NOMINAL}. */
export function pgCountMaxOf(maxVolumeBytes: number): number {
  return Math.floor(maxVolumeBytes / PG_BYTES_NOMINAL);
}

/** The nominal size of a volume of `pgCount` PGs, in bytes. */
export function volumeBytesOf(pgCount: number): number {
  return pgCount * PG_BYTES_NOMINAL;
}

/**
 * The page layout of a volume as a scenario states it: keys hash over the `pgCount` PGs, or, when
 * the volume may grow, are placed in order (`append`), so the PGs added later move no key.
 */
export function pageLayoutOf(topology: { pgCount: number; blocksPerPg: number; growth?: { keysPerBlock: number } }): PageLayout {
  const { pgCount, blocksPerPg, growth } = topology;
  return growth === undefined ? { pgCount, blocksPerPg } : { pgCount, blocksPerPg, placement: { kind: 'append', keysPerBlock: growth.keysPerBlock } };
}

/** What a growing volume's writer needs to decide whether a write fits. */
export interface GrowthLimits {
  /** The PGs the volume has now (ids 0 … pgCount - 1). */
  pgCount: number;
  /** The most PGs it may ever have. */
  pgCountMax: number;
}

/** Where a transaction's puts land with respect to the volume's geometry. */
export type GrowthNeed =
  /** Every put lands in a PG the volume has. */
  | { kind: 'fits' }
  /** A put lands past the last PG but within the maximum: the volume must grow to `pgCount` PGs first. */
  | { kind: 'grow'; pgCount: number }
  /** A put lands past the maximum: the write is refused (`volumeFull`). */
  | { kind: 'full'; pg: number };

/** Whether the puts on `keys` fit the volume, need it to grow, or go past its maximum. */
export function growthNeedOf(layout: PageLayout, limits: GrowthLimits, keys: readonly string[]): GrowthNeed {
  let highest = -1;
  for (const key of keys) highest = Math.max(highest, pgOfBlock(layout, blockOfKey(layout, key)));
  if (highest >= limits.pgCountMax) return { kind: 'full', pg: highest };
  if (highest >= limits.pgCount) return { kind: 'grow', pgCount: highest + 1 };
  return { kind: 'fits' };
}

/**
 * The geometry epoch a volume of `pgCount` PGs has when it was created with `initialPgCount` at
 * geometry epoch 1: one more per added PG.
 */
export function geometryEpochOf(initialPgCount: number, pgCount: number): number {
  return 1 + Math.max(0, pgCount - initialPgCount);
}

/**
 * Zero-based node indexes of PG `pg`'s `:1` and `:2` segments within one AZ: slots 2pg and 2pg+1
 * dealt round robin, the pair flipped on odd rounds when the node count is even.
 */
export function nodeSlots(pg: number, nodesPerAz: number): readonly [number, number] {
  const first = (2 * pg) % nodesPerAz;
  const second = (2 * pg + 1) % nodesPerAz;
  const round = Math.floor((2 * pg) / nodesPerAz);
  return nodesPerAz % 2 === 0 && round % 2 === 1 ? [second, first] : [first, second];
}
