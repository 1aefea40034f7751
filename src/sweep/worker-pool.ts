/**
 * Where a sweep's runs execute: in this thread, or on worker threads (`--workers N`). Each worker
 * is addressed by its index, so the determinism self-check can rerun a seed on another worker
 * than the one that ran it first: a pool library hands tasks to whichever worker is free, and
 * cannot promise that.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SweepJob } from './job.js';
import { runSeed } from './run-seed.js';
import type { SeedSummary } from './run-seed.js';

/** Runs seeds on `size` executors, addressed 0..size − 1. */
export interface SeedExecutor {
  readonly size: number;
  /** Runs one seed on executor `index`, which runs one seed at a time. */
  run(index: number, seed: number): Promise<SeedSummary>;
  /** Stops the executors. */
  close(): Promise<void>;
}

/** Runs every seed in this thread, one after the other (`--workers 1`). */
export function inProcessExecutor(job: SweepJob): SeedExecutor {
  return {
    size: 1,
    run: (_index, seed) => Promise.resolve(runSeed(job, seed)),
    close: () => Promise.resolve(),
  };
}

/**
 * Starts a worker on `worker.ts`. Run from the TypeScript sources (the CLI through tsx, or the
 * tests), the worker first registers tsx in its own thread, since loader hooks do not reach
 * workers on Node 20, then imports the entry; run from `dist/`, it loads the compiled entry.
 */
function startWorker(job: SweepJob): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: job });
  const tsxApi = tsxRegisterUrl(here);
  const entry = new URL('./worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: job });
}

/**
 * The URL of tsx's ES module API (`tsx/esm/api` under the `import` condition), found from its
 * package.json: `require.resolve` would give the CommonJS build, whose `register` cannot load
 * its hooks from a worker.
 */
function tsxRegisterUrl(from: string): string {
  const packageJsonPath = createRequire(from).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const target = manifest.exports['./esm/api']?.import.default;
  if (target === undefined) throw new Error('tsx/package.json has no ./esm/api export to register TypeScript in sweep workers');
  return new URL(target, pathToFileURL(packageJsonPath)).href;
}

/** One worker thread and the run it is busy with. */
interface PoolWorker {
  worker: Worker;
  pending: { resolve: (summary: SeedSummary) => void; reject: (error: Error) => void } | undefined;
}

/** Starts `size` worker threads on `job`; resolves once every one has loaded and said it is ready. */
export async function workerExecutor(job: SweepJob, size: number): Promise<SeedExecutor> {
  const workers: PoolWorker[] = [];
  const ready: Promise<void>[] = [];
  for (let index = 0; index < size; index++) {
    const entry: PoolWorker = { worker: startWorker(job), pending: undefined };
    workers.push(entry);
    ready.push(
      new Promise<void>((resolve, reject) => {
        entry.worker.once('error', reject);
        entry.worker.once('message', (message: unknown) => (message === 'ready' ? resolve() : reject(new Error(`sweep worker ${index} sent ${String(message)} before it was ready`))));
      }).then(() => listen(entry, index)),
    );
  }
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
    throw error;
  }
  return {
    size,
    run(index, seed) {
      const entry = workers[index];
      if (entry === undefined || entry.pending !== undefined) throw new Error(`sweep worker ${index} is not idle`);
      return new Promise<SeedSummary>((resolve, reject) => {
        entry.pending = { resolve, reject };
        entry.worker.postMessage(seed);
      });
    },
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}

/** Routes a worker's summaries, errors and exit to the run it is busy with. */
function listen(entry: PoolWorker, index: number): void {
  const settle = (outcome: { summary: SeedSummary } | { error: Error }) => {
    const pending = entry.pending;
    entry.pending = undefined;
    if (pending === undefined) return;
    if ('summary' in outcome) pending.resolve(outcome.summary);
    else pending.reject(outcome.error);
  };
  entry.worker.on('message', (summary: SeedSummary) => settle({ summary }));
  entry.worker.on('error', (error: Error) => settle({ error }));
  entry.worker.on('exit', (code) => settle({ error: new Error(`sweep worker ${index} exited with code ${code}`) }));
}
