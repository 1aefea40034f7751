/**
 * The explorer's visited set: 53-bit fingerprints (src/explore/fingerprint.ts) to entry numbers,
 * in an open-addressing table of typed arrays. A `Map<number, number>` keyed by fingerprints
 * above 2^31 boxes every key as a heap number; this table allocates nothing per state, which
 * matters when the search spends much of its time collecting garbage (docs/explorer.md, "Speed").
 */

const TWO_POW_32 = 4294967296;
const EMPTY = -1;

/** A set of fingerprints, each with the entry number it was added with. */
export class FingerprintSet {
  private lows: Int32Array;
  private highs: Int32Array;
  private entries: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacityLog2 = 14) {
    const capacity = 1 << capacityLog2;
    this.lows = new Int32Array(capacity);
    this.highs = new Int32Array(capacity);
    this.entries = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
  }

  /** How many fingerprints the set holds. */
  get size(): number {
    return this.count;
  }

  /** The entry `fingerprint` was added with, or -1 if it was not. */
  get(fingerprint: number): number {
    const low = fingerprint % TWO_POW_32 | 0;
    const high = (fingerprint / TWO_POW_32) | 0;
    for (let slot = (low ^ (high * 0x9e3779b1)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.entries[slot] as number;
      if (entry === EMPTY) return EMPTY;
      if (this.lows[slot] === low && this.highs[slot] === high) return entry;
    }
  }

  /** Adds `fingerprint` with `entry` (a non-negative integer) unless present; true iff added. */
  add(fingerprint: number, entry: number): boolean {
    if ((this.count + 1) * 2 > this.entries.length) this.grow();
    const low = fingerprint % TWO_POW_32 | 0;
    const high = (fingerprint / TWO_POW_32) | 0;
    for (let slot = (low ^ (high * 0x9e3779b1)) & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.entries[slot] === EMPTY) {
        this.lows[slot] = low;
        this.highs[slot] = high;
        this.entries[slot] = entry;
        this.count++;
        return true;
      }
      if (this.lows[slot] === low && this.highs[slot] === high) return false;
    }
  }

  private grow(): void {
    const { lows, highs, entries } = this;
    const capacity = entries.length * 2;
    this.lows = new Int32Array(capacity);
    this.highs = new Int32Array(capacity);
    this.entries = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < entries.length; slot++) {
      const entry = entries[slot] as number;
      if (entry !== EMPTY) this.add((highs[slot] as number) * TWO_POW_32 + ((lows[slot] as number) >>> 0), entry);
    }
  }
}

/**
 * A memo keyed by a pair of 53-bit hashes (an actor's slot or snapshot, and an event), in an
 * open-addressing table: both hashes are kept and compared whole, and a lookup allocates nothing
 * (a `Map` keyed by a mixed hash above 2^31 boxes the key on every lookup). Full at `entriesMax`,
 * it empties itself, which bounds its memory.
 */
export class PairMemo<T> {
  private firsts: Float64Array;
  private seconds: Float64Array;
  private values: (T | undefined)[];
  private mask: number;
  private count = 0;

  constructor(
    private readonly entriesMax: number,
    private readonly capacityLog2 = 10,
  ) {
    const capacity = 1 << capacityLog2;
    this.firsts = new Float64Array(capacity);
    this.seconds = new Float64Array(capacity);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  /** How many pairs the memo holds. */
  get size(): number {
    return this.count;
  }

  /** The value memoised for (`first`, `second`), if any. */
  get(first: number, second: number): T | undefined {
    for (let slot = slotOf(first, second) & this.mask; ; slot = (slot + 1) & this.mask) {
      const value = this.values[slot];
      if (value === undefined || (this.firsts[slot] === first && this.seconds[slot] === second)) return value;
    }
  }

  /** Memoises `value` for (`first`, `second`), which must not be memoised yet. */
  set(first: number, second: number, value: T): void {
    if (this.count >= this.entriesMax) this.clear();
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    this.place(first, second, value);
  }

  private place(first: number, second: number, value: T): void {
    let slot = slotOf(first, second) & this.mask;
    while (this.values[slot] !== undefined) slot = (slot + 1) & this.mask;
    this.firsts[slot] = first;
    this.seconds[slot] = second;
    this.values[slot] = value;
    this.count++;
  }

  private clear(): void {
    const capacity = 1 << this.capacityLog2;
    this.firsts = new Float64Array(capacity);
    this.seconds = new Float64Array(capacity);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
  }

  private grow(): void {
    const { firsts, seconds, values } = this;
    const capacity = values.length * 2;
    this.firsts = new Float64Array(capacity);
    this.seconds = new Float64Array(capacity);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot];
      if (value !== undefined) this.place(firsts[slot] as number, seconds[slot] as number, value);
    }
  }
}

/** A table slot for a pair of hashes: their low words (ToInt32 keeps them), mixed. */
function slotOf(first: number, second: number): number {
  return (first | 0) ^ Math.imul(second | 0, 0x9e3779b1);
}
