/**
 * A set of LSNs at one bit each, for checkers that must remember millions of them.
 *
 * LSNs are dense within an epoch and jump by up to LAL across a recovery (docs/protocol.md §7,
 * crash recovery), so the set is paged: 32,768 LSNs per lazily allocated 4 KiB page, and the pages
 * an LSN range never touched cost nothing. A run of ten million records costs about 1.2 MiB.
 *
 * Invariant: only non-negative safe integers are members; {@link LsnSet.add} refuses anything else
 * (callers report such LSNs as violations instead).
 */

const PAGE_BITS_LOG2 = 15;
const PAGE_BITS = 1 << PAGE_BITS_LOG2;
const WORDS_PER_PAGE = PAGE_BITS / 32;

/** A set of LSNs. */
export interface LsnSet {
  /** Adds `value`; true iff it was not already a member. False (and no change) for a non-LSN. */
  add(value: number): boolean;
  has(value: number): boolean;
}

/** True iff `value` can be an LSN (a non-negative safe integer). */
export function isLsnValue(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Creates an empty set. */
export function createLsnSet(): LsnSet {
  const pages = new Map<number, Uint32Array>();
  const locate = (value: number): { page: number; word: number; bit: number } => {
    const page = Math.floor(value / PAGE_BITS);
    const offset = value - page * PAGE_BITS;
    return { page, word: offset >>> 5, bit: 1 << (offset & 31) };
  };
  return {
    add(value) {
      if (!isLsnValue(value)) return false;
      const { page, word, bit } = locate(value);
      let words = pages.get(page);
      if (words === undefined) {
        words = new Uint32Array(WORDS_PER_PAGE);
        pages.set(page, words);
      }
      const before = words[word] as number;
      if ((before & bit) !== 0) return false;
      words[word] = before | bit;
      return true;
    },
    has(value) {
      if (!isLsnValue(value)) return false;
      const { page, word, bit } = locate(value);
      const words = pages.get(page);
      return words !== undefined && ((words[word] as number) & bit) !== 0;
    },
  };
}
