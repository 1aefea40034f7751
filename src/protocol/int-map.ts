/**
 * A persistent map from non-negative integer keys to positive numbers, as plain nested data: a
 * radix trie of three levels. An update copies one leaf (64 values), one span (64 leaf
 * references) and the top record (one reference per span in use), and shares everything else.
 *
 * A segment keeps two per-record tables in it: the head LSN of each block's chain (SIGMOD'17 §3.2:
 * a page is materialised from its block chain) and the links of records held above its SCL
 * (SIGMOD'18 §2.3). A flat record would have to be copied whole on every record to keep old
 * snapshots intact, O(keys) per write; here a write copies two 64-slot nodes and a top record of
 * one slot per 4,096 keys in use (a PG's blocks, or the links above a hole, fill a few spans).
 *
 * Layout: the top level is a record keyed by `floor(key / 4096)` (sparse: a PG's blocks and LSNs
 * fill few spans); each holds 64 leaves (`null` where every key is absent), each leaf 64 values
 * (`0` where the key is absent, so 0 is not a storable value — no LSN or block head is 0). Empty
 * leaves and spans are dropped, so two maps with the same entries have the same shape. Nodes are
 * plain records and arrays (docs/architecture.md, "Code conventions" 1): they serialise as JSON and
 * deep-freeze.
 */

const LEAF_SIZE = 64;
const SPAN_SIZE = LEAF_SIZE * LEAF_SIZE;

/** 64 values; 0 where a key is absent. */
type Leaf = readonly number[];
/** 64 leaves of one span; null where a leaf holds nothing. */
type Span = readonly (Leaf | null)[];

/** See the file header. `V` is the (branded) number type of the values. */
export interface IntMap<V extends number = number> {
  readonly [span: number]: Span;
  /** Phantom: ties a map to its value type. Never present. */
  readonly __values?: V;
}

/** An empty map. */
export function emptyIntMap<V extends number>(): IntMap<V> {
  return {};
}

function spanOf(key: number): number {
  return Math.floor(key / SPAN_SIZE);
}

function leafOf(key: number): number {
  return Math.floor(key / LEAF_SIZE) % LEAF_SIZE;
}

/** The value at `key`, or undefined. */
export function intMapGet<V extends number>(map: IntMap<V>, key: number): V | undefined {
  const leaf = map[spanOf(key)]?.[leafOf(key)];
  if (leaf === undefined || leaf === null) return undefined;
  const value = leaf[key % LEAF_SIZE] as number;
  return value === 0 ? undefined : (value as V);
}

/** True iff the map holds no key. O(1). */
export function intMapIsEmpty(map: IntMap): boolean {
  for (const _span in map) return false;
  return true;
}

/**
 * A map with `key` set to `value`; copies one span and one leaf, shares the rest.
 * @throws RangeError on a value that is not positive (0 marks an absent key).
 */
export function intMapSet<V extends number>(map: IntMap<V>, key: number, value: V): IntMap<V> {
  if (!(value > 0)) throw new RangeError(`int map values must be positive, got ${value} for key ${key}`);
  const spanKey = spanOf(key);
  const leafKey = leafOf(key);
  const span = map[spanKey];
  const leaf = span?.[leafKey] ?? null;
  if (leaf !== null && leaf[key % LEAF_SIZE] === value) return map;
  const nextLeaf = leaf === null ? new Array<number>(LEAF_SIZE).fill(0) : leaf.slice();
  nextLeaf[key % LEAF_SIZE] = value;
  const nextSpan = span === undefined ? new Array<Leaf | null>(LEAF_SIZE).fill(null) : span.slice();
  nextSpan[leafKey] = nextLeaf;
  return { ...map, [spanKey]: nextSpan };
}

/** A map without `key`; empty leaves and spans are dropped. */
export function intMapDelete<V extends number>(map: IntMap<V>, key: number): IntMap<V> {
  if (intMapGet(map, key) === undefined) return map;
  const spanKey = spanOf(key);
  const span = map[spanKey] as Span;
  const nextLeaf = (span[leafOf(key)] as Leaf).slice();
  nextLeaf[key % LEAF_SIZE] = 0;
  const nextSpan = span.slice();
  nextSpan[leafOf(key)] = nextLeaf.some((value) => value !== 0) ? nextLeaf : null;
  return withSpan(map, spanKey, nextSpan);
}

/**
 * A map without any key below `bound`: spans below it are dropped unread, and only the span and
 * leaf holding `bound` are copied, so the cost does not depend on how many keys go.
 */
export function intMapDeleteBelow<V extends number>(map: IntMap<V>, bound: number): IntMap<V> {
  const boundSpan = spanOf(bound);
  let kept: Record<number, Span> | undefined;
  for (const key in map) {
    if (Number(key) >= boundSpan) continue;
    kept ??= { ...map };
    delete kept[Number(key)];
  }
  const next = (kept ?? map) as IntMap<V>;
  const span = next[boundSpan];
  if (span === undefined) return next;
  const cut = spanFrom(span, bound);
  return cut === span ? next : withSpan(next, boundSpan, cut);
}

/** `span` without the keys below `bound` (which lies in it); the same span if none was held. */
function spanFrom(span: Span, bound: number): Span {
  const boundLeaf = leafOf(bound);
  const leaf = span[boundLeaf] ?? null;
  const cutLeaf = leaf === null ? null : leafFrom(leaf, bound % LEAF_SIZE);
  let changed = cutLeaf !== leaf;
  for (let i = 0; i < boundLeaf && !changed; i++) changed = span[i] !== null;
  if (!changed) return span;
  const next = span.slice();
  next.fill(null, 0, boundLeaf);
  next[boundLeaf] = cutLeaf;
  return next;
}

/** `leaf` without the values below `index`: the same leaf if there were none, null if none is left. */
function leafFrom(leaf: Leaf, index: number): Leaf | null {
  let held = false;
  for (let i = 0; i < index && !held; i++) held = leaf[i] !== 0;
  if (!held) return leaf;
  const next = leaf.slice();
  next.fill(0, 0, index);
  return next.some((value) => value !== 0) ? next : null;
}

/** `map` with one span replaced, or removed if it holds nothing. */
function withSpan<V extends number>(map: IntMap<V>, spanKey: number, span: Span): IntMap<V> {
  if (span.some((leaf) => leaf !== null)) return { ...map, [spanKey]: span };
  const next: Record<number, Span> = { ...map };
  delete next[spanKey];
  return next as IntMap<V>;
}
