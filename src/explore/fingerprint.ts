/**
 * A fast structural fingerprint of plain data: a 53-bit hash (it fits a JavaScript number, so a
 * visited set is a `Set<number>`) over a canonical walk of the value.
 *
 * Canonical means two structurally equal values hash alike whatever their key order or identity:
 * an object's entries are combined by a commutative sum of per-entry hashes (so no key sort and
 * no allocation per object), arrays in order. Strings' hashes are memoised (ids, event types and
 * state names repeat in every state). A {@link Rename} maps strings (actor ids) to other strings
 * during the walk, in values and in object keys alike; the explorer's symmetry reduction uses it
 * to hash a state as if its interchangeable actors had been renamed (docs/explorer.md).
 *
 * Two different states collide with probability about n²/2^54 for n states (about 5·10⁻⁵ at a
 * million states), the same trade Stateright makes with its 64-bit fingerprints (`src/lib.rs`).
 */

/** Strings to replace while hashing (actor ids, under symmetry reduction). */
export type Rename = ReadonlyMap<string, string>;

const TWO_POW_32 = 4294967296;
const SEED_STRING = 0x9e3779b9;
const SEED_ARRAY = 0x85ebca6b;
const SEED_OBJECT = 0xc2b2ae35;
const HASH_NULL = 0x1b873593;
const HASH_UNDEFINED = 0x2c1b3c6d;
const HASH_TRUE = 0x297a2d39;
const HASH_FALSE = 0x7f4a7c15;

const stringHashes = new Map<string, number>();
const STRING_MEMO_MAX = 200_000;
const float = new Float64Array(1);
const floatWords = new Int32Array(float.buffer);

/** Finalises two 32-bit lanes into one 53-bit number (cyrb53's avalanche). */
function finish(a: number, b: number): number {
  let h1 = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  let h2 = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  h1 >>>= 0;
  h2 &= 0x1fffff;
  return h2 * TWO_POW_32 + h1;
}

/** The low and high words of a 53-bit hash, for feeding it into another (or into lane sums). */
export function low(hash: number): number {
  return hash % TWO_POW_32 | 0;
}
export function high(hash: number): number {
  return (hash / TWO_POW_32) | 0;
}

/** Hashes a string (memoised). */
export function hashString(text: string): number {
  const known = stringHashes.get(text);
  if (known !== undefined) return known;
  let a = SEED_STRING ^ text.length;
  let b = 0x41c64e6d ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 2654435761);
    b = Math.imul(b ^ code, 1597334677);
  }
  const hash = finish(a, b);
  if (stringHashes.size < STRING_MEMO_MAX) stringHashes.set(text, hash);
  return hash;
}

/** Hashes a number: small integers by value, anything else by its IEEE 754 bits. */
function hashNumber(value: number): number {
  if ((value | 0) === value) return finish(Math.imul(value ^ 0x5bd1e995, 2654435761), value ^ 0x27d4eb2f);
  float[0] = value;
  return finish(Math.imul((floatWords[0] as number) ^ 0x3c6ef372, 2654435761), Math.imul((floatWords[1] as number) ^ 0x1b873593, 1597334677));
}

/** Combines an ordered sequence of hashes into one; `seed` tells sequences of different kinds apart. */
export function combineOrdered(hashes: readonly number[], seed: number): number {
  let a = seed ^ hashes.length;
  let b = Math.imul(seed, 31) ^ hashes.length;
  for (const hash of hashes) {
    a = Math.imul(a ^ low(hash), 2654435761);
    b = Math.imul(b ^ high(hash), 1597334677);
    a = Math.imul(a ^ (a >>> 15), 0x85ebca6b) ^ b;
  }
  return finish(a, b);
}

/** Mixes two hashes in order (a pair). */
export function mixPair(first: number, second: number): number {
  let a = Math.imul(low(first) ^ 0x6a09e667, 2654435761);
  let b = Math.imul(high(first) ^ 0xbb67ae85, 1597334677);
  a = Math.imul(a ^ low(second), 0xcc9e2d51) ^ (b >>> 7);
  b = Math.imul(b ^ high(second), 0x1b873593) ^ (a >>> 11);
  return finish(a, b);
}

/**
 * An order-independent accumulator for multisets of hashes: the sum of each lane, modulo 2^32.
 * Duplicates count (a multiset, not a set).
 */
export class MultisetHash {
  private a = 0;
  private b = 0;
  private count = 0;
  /** Empties the accumulator, so one instance serves many sets without allocating. */
  reset(): this {
    this.a = 0;
    this.b = 0;
    this.count = 0;
    return this;
  }
  /** Adds one element: a finished hash (its lanes are already avalanched, so sums do not cancel). */
  add(hash: number): void {
    this.a = (this.a + low(hash)) | 0;
    this.b = (this.b + high(hash)) | 0;
    this.count++;
  }
  value(seed: number): number {
    return multisetValue(this.a, this.b, this.count, seed);
  }
}

/**
 * The hash of a multiset given by its lane sums and size (what {@link MultisetHash} accumulates),
 * for callers that keep the sums and move them by one element at a time.
 */
export function multisetValue(sumLow: number, sumHigh: number, count: number, seed: number): number {
  return finish(sumLow ^ seed, Math.imul(sumHigh ^ count, 2654435761));
}

/**
 * Hashes, under renamings of one set of ids (a model's symmetric actors), of the subtrees that
 * hold none of those ids: such a hash is the same under every renaming, and snapshots share their
 * unchanged subtrees (a segment's log, a writer's options), so a representative hashes only what
 * names an actor (docs/explorer.md, "Symmetry").
 */
export class RenameCache {
  readonly hashes = new WeakMap<object, number>();
  constructor(readonly domain: ReadonlySet<string>) {}
}

/** Set while a walk under a {@link RenameCache} meets an id of its domain. */
let sawId = false;

/**
 * The structural hash of a plain value (see the file header); `rename` maps strings first.
 * `cache` (for renamings whose ids are its domain) skips subtrees already hashed.
 */
export function fingerprintOf(value: unknown, rename?: Rename, cache?: RenameCache): number {
  switch (typeof value) {
    case 'string':
      if (cache?.domain.has(value) === true) sawId = true;
      return hashString(rename === undefined ? value : (rename.get(value) ?? value));
    case 'number':
      return hashNumber(value);
    case 'boolean':
      return value ? HASH_TRUE : HASH_FALSE;
    case 'undefined':
      return HASH_UNDEFINED;
    case 'object':
      if (value === null) return HASH_NULL;
      if (cache === undefined) return Array.isArray(value) ? hashArray(value, rename) : hashObject(value as Record<string, unknown>, rename);
      return cachedHash(value, rename, cache);
    default:
      throw new TypeError(`fingerprint: ${typeof value} is not plain data (docs/architecture.md, "Code conventions" 1)`);
  }
}

function cachedHash(value: object, rename: Rename | undefined, cache: RenameCache): number {
  const known = cache.hashes.get(value);
  if (known !== undefined) return known;
  const outer = sawId;
  sawId = false;
  const hash = Array.isArray(value) ? hashArray(value, rename, cache) : hashObject(value as Record<string, unknown>, rename, cache);
  if (!sawId) cache.hashes.set(value, hash);
  sawId = outer || sawId;
  return hash;
}

function hashArray(items: readonly unknown[], rename: Rename | undefined, cache?: RenameCache): number {
  if (rename !== undefined && items.length > 1 && items.every((item) => typeof item === 'string' && rename.has(item))) {
    sawId = true;
    return hashIdSet(items as readonly string[], rename);
  }
  let a = SEED_ARRAY ^ items.length;
  let b = 0x68e31da4 ^ items.length;
  for (const item of items) {
    const hash = fingerprintOf(item, rename, cache);
    a = Math.imul(a ^ low(hash), 2654435761);
    b = Math.imul(b ^ high(hash), 1597334677);
    a = Math.imul(a ^ (a >>> 15), 0x85ebca6b) ^ b;
  }
  return finish(a, b);
}

/**
 * Under a renaming, a list made only of interchangeable ids (a PG's members, a segment's peers)
 * hashes as a multiset: the machines read such a list as a set (a renaming permutes it, so a
 * machine that read it in order would not treat those ids as interchangeable in the first place),
 * and a renamed list would otherwise keep its input order and never meet its image
 * (docs/explorer.md, "Symmetry").
 */
function hashIdSet(items: readonly string[], rename: Rename): number {
  let a = 0;
  let b = 0;
  for (const item of items) {
    const hash = hashString(rename.get(item) ?? item);
    a = (a + low(hash)) | 0;
    b = (b + high(hash)) | 0;
  }
  return finish(a ^ SEED_ARRAY, Math.imul(b ^ items.length, 0x68e31da4));
}

function hashObject(record: Record<string, unknown>, rename: Rename | undefined, cache?: RenameCache): number {
  // A commutative sum of (key, value) pair hashes: key order never matters and nothing is sorted.
  // An entry whose value is undefined counts as absent, as in JSON.
  let a = 0;
  let b = 0;
  let count = 0;
  for (const key in record) {
    const item = record[key];
    if (item === undefined) continue;
    if (cache?.domain.has(key) === true) sawId = true;
    const pair = mixPair(hashString(rename === undefined ? key : (rename.get(key) ?? key)), fingerprintOf(item, rename, cache));
    a = (a + low(pair)) | 0;
    b = (b + high(pair)) | 0;
    count++;
  }
  return finish(a ^ SEED_OBJECT, Math.imul(b ^ count, 2654435761));
}
