/**
 * `aurora-actors bench --json`: one JSON document on stdout with every stable figure name, the
 * seed, goals beside figures and per-scenario figures. Benchmarks are not timed tests: nothing
 * here compares a figure with a wall-clock threshold, only that each is a finite positive number
 * and that the figures agree with one another.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bench = (...args: string[]) => spawnSync(process.execPath, ['--expose-gc', 'bin/aurora-actors.js', 'bench', ...args], { encoding: 'utf8' });

/** The names scripts read; renaming one breaks them, so they are spelled out here, not imported. */
const STABLE_NAMES = [
  'rawCeilingEventsPerS',
  'steadyStateSimPerWall',
  'steadyStateKernelEventsPerS',
  'steadyStateEventsPerCommit',
  'steadyStateRecordsPerS',
  'bareQuorumCeilingRecordsPerS',
  'saturatedRecordsPerS',
  'pg1000SimPerWall',
  'pg1000KernelEventsPerS',
  'pg1000FractionOfLimit',
  'heapGrowth600sOver60s',
  'explorerStatesPerS',
  'historyOpsPerSRegister',
  'historyOpsPerSTxn',
  'sweepSeedsPerS1Worker',
  'sweepSeedsPerS2Workers',
  'sweepSpeedUp',
];

const SCENARIO_FIGURES = ['simPerWall', 'kernelEventsPerS', 'eventsPerSimS', 'fractionOfLimit', 'limitSimPerWall', 'recordsPerS', 'eventsPerCommit'];

const isPositiveNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('aurora-actors bench --quick --json', () => {
  it(
    'prints one JSON document with every stable figure, finite and positive, the seed, goals and per-scenario figures',
    () => {
      // Act: the whole command, as `npm run bench -- --quick --json` runs it (with --expose-gc).
      const result = bench('--quick', '--json', '--seed', '4');
      expect(result.status, result.stderr).toBe(0);
      // The seed comes first on stderr, with the progress lines; stdout is the report alone.
      expect(result.stderr.split('\n')[0]).toBe('SEED=4');
      expect(result.stderr).toContain('measured xstate raw ceiling');
      const report = JSON.parse(result.stdout);

      expect(report.seed).toBe(4);
      expect(report.quick).toBe(true);
      expect(report.gcExposed).toBe(true);
      expect(report.heapWindowS).toEqual({ from: 2, to: 6 });
      expect(Object.keys(report.figures)).toEqual(STABLE_NAMES);
      for (const name of STABLE_NAMES) expect(isPositiveNumber(report.figures[name]), `${name} = ${report.figures[name]}`).toBe(true);

      // Each goal sits beside its figure's value and says whether the value meets it.
      expect(Object.keys(report.goals).sort()).toEqual(['explorerStatesPerS', 'heapGrowth600sOver60s', 'pg1000FractionOfLimit', 'saturatedRecordsPerS', 'steadyStateRecordsPerS', 'steadyStateSimPerWall']);
      for (const [name, goal] of Object.entries<{ value: number; goal: number; comparison: string; met: boolean }>(report.goals)) {
        expect(goal.value).toBe(report.figures[name]);
        expect(isPositiveNumber(goal.goal)).toBe(true);
        expect(goal.met).toBe(goal.comparison === '<=' ? goal.value <= goal.goal : goal.value >= goal.goal);
      }
      expect(report.goals.steadyStateRecordsPerS.goal).toBeCloseTo(report.figures.bareQuorumCeilingRecordsPerS / 2, 6);

      // Per scenario: the steady state's figures are the stable steady-state ones, and a run's
      // fraction of its limit is its kernel events/s over the raw ceiling.
      expect(Object.keys(report.scenarios)).toContain('steady-state');
      for (const [name, figures] of Object.entries<Record<string, number> & { goals: { fractionOfLimit: { goal: number } } }>(report.scenarios)) {
        for (const field of SCENARIO_FIGURES) expect(isPositiveNumber(figures[field]), `${name}.${field}`).toBe(true);
        expect(figures.fractionOfLimit).toBeCloseTo(figures.kernelEventsPerS! / report.figures.rawCeilingEventsPerS, 9);
        expect(figures.fractionOfLimit).toBeCloseTo(figures.simPerWall! / figures.limitSimPerWall!, 9);
        expect(figures.goals.fractionOfLimit.goal).toBe(0.5);
      }
      const steady = report.scenarios['steady-state'];
      expect(report.figures.steadyStateKernelEventsPerS).toBe(steady.kernelEventsPerS);
      expect(report.figures.steadyStateEventsPerCommit).toBe(steady.kernelEvents / steady.commitsAcknowledged);
      expect(report.details.length).toBeGreaterThan(10);
    },
    900_000,
  );

  it.each([
    [['--fast'], /^aurora-actors: Unknown option '--fast'.*; bench takes --seed N, --json and --quick$/m],
    [['--json=yes'], /^aurora-actors: .*--json.*; bench takes --seed N, --json and --quick$/m],
    [['--seed', 'x'], /^aurora-actors: --seed must be an integer from .*, got "x"$/m],
    [['extra'], /^aurora-actors: Unexpected argument 'extra'.*; bench takes --seed N, --json and --quick$/m],
  ])('refuses bench %j with one line naming the problem, exit 2', (args, message) => {
    const result = bench(...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
