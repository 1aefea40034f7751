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
