/**
 * A sweep worker thread: it receives the job once (`workerData`), says it is ready, then runs each
 * seed it is sent and posts back its summary. Loaded by `worker-pool.ts`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SweepJob } from './job.js';
import { runSeed } from './run-seed.js';

const job = workerData as SweepJob;
const port = parentPort;
if (port === null) throw new Error('src/sweep/worker is a worker thread entry; start it through SweepWorkerPool');
port.on('message', (seed: number) => port.postMessage(runSeed(job, seed)));
port.postMessage('ready');
