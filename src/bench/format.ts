/**
 * Readable form of a bench report: one aligned line per figure, then the stable figures beside
 * their goals.
 */
import type { BenchReport } from './figure.js';

/** Formats a number with thousands separators, or 2 significant decimals when small. */
function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

/** The table `aurora-actors bench` prints. */
export function formatBenchReport(report: BenchReport): string {
  const width = Math.max(...report.details.map((figure) => figure.name.length));
  const lines = report.details.map((figure) => {
    const value = `${formatValue(figure.value)} ${figure.unit}`;
    return `${figure.name.padEnd(width)}  ${value.padStart(22)}${figure.note === undefined ? '' : `  (${figure.note})`}`;
  });
  const goals = Object.entries(report.goals).map(
    ([name, goal]) => `  ${name.padEnd(width - 2)}  ${formatValue(goal.value).padStart(22)}  goal ${goal.comparison} ${formatValue(goal.goal)}: ${goal.met ? 'met' : 'not met'}`,
  );
  const scenarioGoals = Object.entries(report.scenarios).map(
    ([name, figures]) =>
      `  ${`${name}: fraction of limit`.padEnd(width - 2)}  ${formatValue(figures.fractionOfLimit).padStart(22)}  goal >= ${formatValue(figures.goals.fractionOfLimit.goal)}: ${figures.goals.fractionOfLimit.met ? 'met' : 'not met'}`,
  );
  return [
    `aurora-actors bench on Node ${report.node}, seed ${report.seed}${report.quick ? ' (quick)' : ''}`,
    '',
    ...lines,
    '',
    'Goals',
    ...goals,
    ...scenarioGoals,
    '',
  ].join('\n');
}
