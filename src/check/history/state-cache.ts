/**
 * Lowe's memo for the Wing–Gong search (linearizability.ts): the set of configurations already
 * explored, each a (linearized-operation bitset, register value) pair. A configuration reached a
 * second time has the same future, so the search skips it.
 *
 * A search explores up to millions of configurations, so they live in flat typed arrays (one
 * pool of bitset words, chained hash buckets) instead of an object and a typed array apiece:
 * that keeps the garbage collector out of the search's inner loop.
 */
/** The most bitset words the memo holds: 2^28 words, 1 GiB. */
export const STATE_CACHE_WORDS_MAX = 2 ** 28;

export class StateCache {
  /** Configurations stored. */
  size = 0;
  /**
   * True once the memo would outgrow {@link STATE_CACHE_WORDS_MAX}: the search must stop (its
   * verdict is unknown), rather than exhaust the machine's memory.
   */
  full = false;
  private readonly words: number;
  private bits: Uint32Array;
  private values: Int32Array;
  private hashes: Int32Array;
  private chain: Int32Array;
  private heads: Int32Array;
  private mask: number;

  constructor(
    /** Operations in the search: bits per bitset. */
    operations: number,
  ) {
    this.words = Math.max(1, (operations + 31) >>> 5);
    const capacity = 1024;
    this.bits = new Uint32Array(capacity * this.words);
    this.values = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.chain = new Int32Array(capacity);
    this.heads = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /**
   * Adds the configuration (`bits`, `value`) whose set hash is `setHash`; true iff it was new.
   * `setHash` must be a function of the set alone (the search keeps it incrementally).
   */
  add(bits: Uint32Array, setHash: number, value: number): boolean {
    const hash = (setHash ^ Math.imul(value + 1, 0x9e3779b1)) | 0;
    for (let at = this.heads[hash & this.mask] as number; at >= 0; at = this.chain[at] as number) {
      if (this.hashes[at] === hash && this.values[at] === value && this.sameBits(at, bits)) return false;
    }
    if (this.size === this.values.length && !this.grow()) {
      this.full = true;
      return true;
    }
    const at = this.size++;
    this.bits.set(bits, at * this.words);
    this.values[at] = value;
    this.hashes[at] = hash;
    this.chain[at] = this.heads[hash & this.mask] as number;
    this.heads[hash & this.mask] = at;
    return true;
  }

  private sameBits(at: number, bits: Uint32Array): boolean {
    const base = at * this.words;
    for (let w = 0; w < this.words; w++) if (this.bits[base + w] !== bits[w]) return false;
    return true;
  }

  /** Doubles every array and rebuilds the buckets (load factor at most one); false if too big. */
  private grow(): boolean {
    const capacity = this.values.length * 2;
    if (capacity * this.words > STATE_CACHE_WORDS_MAX) return false;
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    this.bits = bits;
    this.values = copy(this.values, capacity);
    this.hashes = copy(this.hashes, capacity);
    this.chain = new Int32Array(capacity);
    this.heads = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let at = 0; at < this.size; at++) {
      const slot = (this.hashes[at] as number) & this.mask;
      this.chain[at] = this.heads[slot] as number;
      this.heads[slot] = at;
    }
    return true;
  }
}

function copy(array: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown;
}
