/**
 * Sweeps: every seed's summary is what an in-process `Simulation` of that seed reports, in this
 * thread and on two worker threads; shards partition the range and merge back to the unsharded
 * summary; the self-check reruns on another worker and names a mismatch; merges refuse what does
 * not belong together. The scenario is a 0.4 s, 1-PG run, so the file stays cheap.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenarios/schema.js';
import { Simulation } from '../../src/simulation/simulation.js';
import {
  determinismSample,
  jobSimulationOptions,
  mergeSummaries,
  runSweep,
  shardSeeds,
  SweepMergeError,
} from '../../src/sweep/index.js';
import type { SeedSummary, SweepJob, SweepSummary } from '../../src/sweep/index.js';
import { swarmScenario } from '../../src/testing/swarm.js';
import { sweepSummary } from './summary-fixture.js';

const job: SweepJob = { scenario: loadScenarioFile('test/sweep/tiny.json'), swarm: false, plant: null };
const seeds = { from: 1, to: 4 };

/** What a seed's run gives, independent of timing: the summary without its wall-clock field. */
const deterministic = (runs: readonly SeedSummary[]) => runs.map(({ runMs: _runMs, ...rest }) => rest);

function directHashes(): string[] {
  return [1, 2, 3, 4].map((seed) => {
    const sim = new Simulation({ seed, scenario: job.scenario, trace: { keepEvents: false }, history: { keepEntries: false } });
    sim.run();
    return sim.report().traceHash;
  });
}

describe('Sweep: runs', () => {
  let inProcess: SweepSummary;

  it('in-process: each seed gives the trace hash of its own Simulation; the self-check passes', async () => {
    inProcess = await runSweep({ job, seeds, workers: 'in-process' });
    expect(inProcess.runs.map((run) => run.seed)).toEqual([1, 2, 3, 4]);
    expect(inProcess.runs.map((run) => run.traceHash)).toEqual(directHashes());
    expect(new Set(inProcess.runs.map((run) => run.traceHash)).size).toBe(4);
    expect(inProcess.runs.every((run) => run.ok && run.acknowledged > 0 && run.simulatedMs === 400)).toBe(true);
    expect(inProcess.violations).toBe(0);
    expect(inProcess.determinism).toEqual({ sampled: [1, 2, 3, 4], ok: true, mismatches: [] });
    expect(inProcess.totals.acknowledged).toBe(inProcess.runs.reduce((sum, run) => sum + run.acknowledged, 0));
  });

  it('two worker threads give the same runs as one thread', async () => {
    const progress: number[] = [];
    const onWorkers = await runSweep({ job, seeds, workers: 2, progress: (p) => progress.push(p.done) });
    expect(deterministic(onWorkers.runs)).toEqual(deterministic(inProcess.runs));
    expect(onWorkers.determinism.ok).toBe(true);
    expect(progress.at(-1)).toBe(4);
    expect(progress.length).toBe(8); // four first runs, four reruns
  });

  it('shards partition the range, and their summaries merge back to the unsharded one', async () => {
    const shards = await Promise.all([0, 1, 2].map((index) => runSweep({ job, seeds, shard: { index, count: 3 } })));
    expect(shards.map((summary) => summary.runs.map((run) => run.seed))).toEqual([[1, 4], [2], [3]]);
    const merged = mergeSummaries(shards.map((summary, index) => ({ source: `shard-${index}.json`, summary })));
    expect(deterministic(merged.runs)).toEqual(deterministic(inProcess.runs));
    expect({ ...merged, runs: [], totals: { ...merged.totals, runMs: 0, wallMs: 0 }, missingSeeds: undefined }).toEqual({
      ...inProcess,
      runs: [],
      totals: { ...inProcess.totals, runMs: 0, wallMs: 0 },
      missingSeeds: undefined,
    });
    expect(merged.missingSeeds).toEqual([]);
    expect(mergeSummaries([{ source: 'a.json', summary: shards[0] as SweepSummary }]).missingSeeds).toEqual([2, 3]);
  });
});

describe('Sweep: seeds and shards', () => {
  it('shards i/n take the seeds at positions ≡ i (mod n), together each seed once', () => {
    for (const [from, to, count] of [[1, 10, 3], [-5, 5, 4], [7, 7, 2], [0, 99, 7]] as const) {
      const all = shardSeeds({ from, to }, null);
      expect(all).toEqual(Array.from({ length: to - from + 1 }, (_, k) => from + k));
      const parts = Array.from({ length: count }, (_, index) => shardSeeds({ from, to }, { index, count }));
      parts.forEach((part, index) => expect(part.every((seed) => (seed - from) % count === index)).toBe(true));
      expect(parts.flat().sort((a, b) => a - b)).toEqual(all);
    }
    expect(shardSeeds({ from: 9007199254740990, to: 9007199254740991 }, { index: 1, count: 2 })).toEqual([9007199254740991]);
    expect(() => shardSeeds({ from: -9007199254740991, to: 9007199254740991 }, null)).toThrow(/split it with --shard/);
  });

  it('the self-check samples the first, the last and evenly spaced seeds, eight at most', () => {
    const many = Array.from({ length: 200 }, (_, k) => k + 1);
    const sample = determinismSample(many);
    expect(sample.length).toBe(8);
    expect(sample[0]).toBe(1);
    expect(sample.at(-1)).toBe(200);
    expect(determinismSample([5, 6, 7])).toEqual([5, 6, 7]);
    expect(determinismSample([])).toEqual([]);
  });

  it('--swarm draws each seed its own fault plan and --plant reaches the run, where runs are built', () => {
    expect(jobSimulationOptions(job, 3)).toMatchObject({ seed: 3, scenario: job.scenario });
    expect(jobSimulationOptions(job, 3)).not.toHaveProperty('plant');
    const swarm = { ...job, swarm: true };
    expect(jobSimulationOptions(swarm, 3).scenario).toEqual(swarmScenario(job.scenario, 3));
    expect(jobSimulationOptions(swarm, 3).scenario).not.toEqual(jobSimulationOptions(swarm, 4).scenario);
    expect(jobSimulationOptions({ ...job, plant: 'no-gossip' }, 1)).toMatchObject({ seed: 1, plant: 'no-gossip', scenario: job.scenario });
  });
});

describe('Sweep: determinism self-check', () => {
  it('reruns on another executor than the first run and fails naming the seed and both hashes', async () => {
    const calls: { index: number; seed: number }[] = [];
    let runsOfSeed2 = 0;
    const summary = await runSweep({
      job,
      seeds: { from: 1, to: 3 },
      workers: 2,
      executor: () =>
        Promise.resolve({
          size: 2,
          run: (index: number, seed: number) => {
            calls.push({ index, seed });
            // Seed 2 answers differently the second time: a nondeterministic run.
            const hash = seed === 2 && runsOfSeed2++ > 0 ? 'b'.repeat(64) : `${seed}`.padEnd(64, 'a');
            return Promise.resolve({ seed, traceHash: hash, ok: true, violated: [], lostAcknowledged: 0, acknowledged: 1, simulatedMs: 1, runMs: 0 });
          },
          close: () => Promise.resolve(),
        }),
    });
    for (const seed of [1, 2, 3]) {
      const [first, rerun] = calls.filter((call) => call.seed === seed);
      expect(rerun?.index).not.toBe(first?.index);
    }
    expect(summary.determinism.ok).toBe(false);
    expect(summary.determinism.mismatches).toEqual([{ seed: 2, firstHash: '2'.padEnd(64, 'a'), rerunHash: 'b'.repeat(64) }]);
  });
});

describe('Sweep: merge refuses what does not belong together', () => {
  const base = (): SweepSummary => sweepSummary({ seeds: { from: 1, to: 2 } });
  const other = (patch: Partial<SweepSummary>) => ({ ...base(), runs: [{ ...base().runs[0]!, seed: 2 }], ...patch });

  it.each([
    ['scenario', { scenario: { name: 'tiny', hash: 'e'.repeat(64) } }, /a\.json and b\.json differ in scenario/],
    ['plant', { plant: 'no-gossip' }, /differ in plant: none vs no-gossip/],
    ['swarm', { swarm: true }, /differ in swarm/],
  ])('different %s', (_field, patch, message) => {
    expect(() => mergeSummaries([{ source: 'a.json', summary: base() }, { source: 'b.json', summary: other(patch as Partial<SweepSummary>) }])).toThrow(message);
  });

  it('a seed in two files', () => {
    expect(() => mergeSummaries([{ source: 'a.json', summary: base() }, { source: 'b.json', summary: base() }])).toThrow(/seed 1 is in both a\.json and b\.json/);
  });

  it('merges the rest, keeping a failed self-check and a failed run', () => {
    const failing = other({ determinism: { sampled: [2], ok: false, mismatches: [{ seed: 2, firstHash: 'a', rerunHash: 'b' }] } });
    failing.runs[0]!.ok = false;
    const merged = mergeSummaries([{ source: 'a.json', summary: base() }, { source: 'b.json', summary: failing }]);
    expect(merged.failingSeeds).toEqual([2]);
    expect(merged.determinism).toEqual({ sampled: [1, 2], ok: false, mismatches: [{ seed: 2, firstHash: 'a', rerunHash: 'b' }] });
    expect(() => mergeSummaries([])).toThrow(SweepMergeError);
  });
});
