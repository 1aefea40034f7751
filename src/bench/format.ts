/**
 * Readable form of a bench report: one aligned line per figure.
 */
import type { BenchReport } from './figure.js';

/** Formats a number with thousands separators, or 2 significant decimals when small. */
function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

/** The table `aurora-actors bench` prints. */
export function formatBenchReport(report: BenchReport): string {
  const width = Math.max(...report.figures.map((figure) => figure.name.length));
  const lines = report.figures.map((figure) => {
    const value = `${formatValue(figure.value)} ${figure.unit}`;
    return `${figure.name.padEnd(width)}  ${value.padStart(22)}${figure.note === undefined ? '' : `  (${figure.note})`}`;
  });
  return [`aurora-actors bench on Node ${report.node}`, '', ...lines, ''].join('\n');
}
