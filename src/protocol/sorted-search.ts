/**
 * Binary search over arrays sorted by a numeric key (LSNs, times). A search, not a rule: the
 * Global Database rules (global.ts) and their judges (src/check/global.ts) both use it.
 */

/** Index of the last element of `sorted` whose key is at or below `bound`, or -1. O(log n). */
export function lastIndexAtOrBelow<T>(sorted: readonly T[], bound: number, key: (entry: T) => number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (key(sorted[middle] as T) <= bound) low = middle + 1;
    else high = middle - 1;
  }
  return high;
}
