/**
 * `run --metrics FILE`: every CloudWatch-style datapoint of the run (docs/semantics.md, "Metrics"),
 * as CSV rows (`.csv`, with a header row) or JSON lines (`.jsonl`), the format named by the file's
 * extension, in the order the periods close.
 */
import type { MetricDatum } from '../simulation/cloudwatch.js';
import { UsageError } from './args.js';

/** The formats `--metrics` writes, by file extension. */
export type MetricsFormat = 'csv' | 'jsonl';

/** The CSV header row. `dimensions` is `Name=value` pairs joined by `;`, empty for the cluster. */
export const METRICS_CSV_HEADER = 'atMs,metric,dimensions,statistic,unit,value';

/** The format a `--metrics` path asks for, or a usage error naming the flag and what is allowed. */
export function metricsFormatOf(path: string): MetricsFormat {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl')) return 'jsonl';
  throw new UsageError(`--metrics ${path}: must end in .csv (CSV rows) or .jsonl (JSON lines)`);
}

/** One datapoint as a line of `format`. */
export function metricsLine(datum: MetricDatum, format: MetricsFormat): string {
  if (format === 'jsonl') return JSON.stringify(datum);
  const dimensions = Object.entries(datum.dimensions)
    .map(([name, value]) => `${name}=${value}`)
    .join(';');
  return [String(datum.atMs), datum.metric, dimensions, datum.statistic, datum.unit, String(datum.value)].map(csvField).join(',');
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
