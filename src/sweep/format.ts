/** The readable form of a sweep summary: a few header lines, one row per seed, and the verdict. */
import { sweepPassed } from './summary.js';
import type { SweepSummary } from './summary.js';

/** One line of progress for people (stderr): seeds done, violations, rate and time left. */
export function formatProgress(progress: { done: number; total: number; violations: number; rechecksDone: number; rechecks: number; elapsedMs: number }): string {
  const rate = progress.elapsedMs > 0 ? (progress.done * 1000) / progress.elapsedMs : 0;
  const left = progress.total - progress.done;
  const eta = rate > 0 ? `${Math.ceil(left / rate)}s` : '?';
  return `seeds ${progress.done}/${progress.total}  violations ${progress.violations}  rechecks ${progress.rechecksDone}/${progress.rechecks}  ${rate.toFixed(2)} seeds/s  ETA ${eta}`;
}

/** The summary as a table; `replay` gives the command that replays one seed. */
export function formatSweepSummary(summary: SweepSummary, replay: (seed: number) => string): string {
  const lines: string[] = [];
  const shard = summary.shard === null ? 'all' : `${summary.shard.index}/${summary.shard.count}`;
  lines.push(`scenario     ${summary.scenario.name} (${summary.scenario.hash.slice(0, 12)})  plant ${summary.plant ?? 'none'}  swarm ${summary.swarm}`);
  lines.push(`seeds        ${summary.seeds.from}..${summary.seeds.to}  shard ${shard}  runs ${summary.totals.runs}`);
  lines.push('');
  lines.push(`${'seed'.padStart(8)}  ok   ${'acked'.padStart(7)}  ${'lost'.padStart(4)}  ${'simMs'.padStart(7)}  ${'runMs'.padStart(6)}  traceHash     violated`);
  for (const run of summary.runs) {
    const violated = run.error ?? run.violated.join(', ');
    lines.push(
      `${String(run.seed).padStart(8)}  ${run.ok ? 'ok ' : 'BAD'}  ${String(run.acknowledged).padStart(7)}  ${String(run.lostAcknowledged).padStart(4)}  ${String(run.simulatedMs).padStart(7)}  ${String(run.runMs).padStart(6)}  ${run.traceHash.slice(0, 12).padEnd(12)}  ${violated}`,
    );
  }
  lines.push('');
  const seconds = summary.totals.wallMs / 1000;
  const rate = seconds > 0 ? (summary.totals.runs / seconds).toFixed(2) : '-';
  lines.push(`totals       ${summary.totals.acknowledged} commits acknowledged, ${summary.totals.lostAcknowledged} lost; ${seconds.toFixed(1)} s wall, ${rate} seeds/s`);
  lines.push(`violations   ${summary.violations}${summary.failingSeeds.length > 0 ? ` (seeds ${summary.failingSeeds.join(', ')})` : ''}`);
  const recheck = summary.determinism.ok ? 'passed' : 'FAILED';
  lines.push(`determinism  ${recheck}: seeds ${summary.determinism.sampled.join(', ') || '(none)'} ran twice`);
  for (const mismatch of summary.determinism.mismatches) {
    lines.push(`             seed ${mismatch.seed}: first ${mismatch.firstHash || '(threw)'}, rerun ${mismatch.rerunHash || '(threw)'}`);
  }
  if (summary.missingSeeds !== undefined && summary.missingSeeds.length > 0) {
    const shown = summary.missingSeeds.slice(0, 20).join(', ');
    lines.push(`missing      ${summary.missingSeeds.length} seeds of the range: ${shown}${summary.missingSeeds.length > 20 ? ', …' : ''}`);
  }
  lines.push(`verdict      ${sweepPassed(summary) ? 'passed' : 'FAILED'}`);
  for (const seed of summary.failingSeeds.slice(0, 3)) lines.push(`replay       ${replay(seed)}`);
  return lines.join('\n') + '\n';
}
