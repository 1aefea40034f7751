/**
 * Quantiles of measured samples (nearest rank).
 */

/** The value at quantile `q` (nearest rank) of ascending `sorted`, or 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}
