/**
 * Progress of a long `run` on stderr (docs/simulation-guide.md, "Running a scenario"): simulated
 * time, the share of the scenario done and kernel events per wall second, about once a wall
 * second. Stdout stays the report alone. The run goes through `Simulation.runUntil`, which fires
 * the same steps in the same order as `run()`, so the trace, and its hash, are the same with
 * progress shown or not; wall time is read here, in the CLI, never in the simulated code.
 */
import { performance } from 'node:perf_hooks';
import type { Simulation } from '../simulation/simulation.js';

/** How progress is shown; tests shorten the interval and give their own wall clock. */
export interface ProgressOptions {
  /** Where each line goes (stderr). */
  err: (text: string) => void;
  /** Wall milliseconds between lines; a run shorter than this shows none. @defaultValue 1000 */
  everyMs?: number;
  /** The wall clock, in ms. @defaultValue `performance.now` */
  nowMs?: () => number;
}

/** Kernel steps between looks at the wall clock: reading it every step would slow the run. */
const STEPS_PER_LOOK = 256;

/** A function that prints a progress line when one is due (call it often; it reads the wall clock). */
function progressReporter(sim: Simulation, options: ProgressOptions): () => void {
  const everyMs = options.everyMs ?? 1000;
  const nowMs = options.nowMs ?? (() => performance.now());
  const endMs = sim.scenario.durationMs;
  let lastAtMs = nowMs();
  let lastEvents = sim.kernel.trace.length;
  return () => {
    const wallMs = nowMs();
    if (wallMs - lastAtMs < everyMs) return;
    const simulatedMs = sim.kernel.clock.now();
    const events = sim.kernel.trace.length;
    const rate = Math.round(((events - lastEvents) * 1000) / Math.max(wallMs - lastAtMs, 1e-3));
    const percent = endMs > 0 ? Math.floor((simulatedMs / endMs) * 100) : 100;
    options.err(`progress: ${Math.round(simulatedMs).toLocaleString('en-US')} of ${endMs.toLocaleString('en-US')} ms simulated (${percent}%), ${rate.toLocaleString('en-US')} events/s\n`);
    lastAtMs = wallMs;
    lastEvents = events;
  };
}

/** Runs `sim` to the scenario's end, writing a progress line to `err` every `everyMs` wall ms. */
export function runWithProgress(sim: Simulation, options: ProgressOptions): void {
  const tick = progressReporter(sim, options);
  let steps = 0;
  sim.runUntil(() => {
    if (++steps % STEPS_PER_LOOK === 0) tick();
    return false;
  });
}

/**
 * The same, for a run the HTML report samples (`RunSampler`): the sampler runs to the end in
 * stretches of whole sampling intervals (so it takes exactly the samples one run to the end
 * takes), with a look at the wall clock between stretches.
 */
export function runSampledWithProgress(sim: Simulation, sampler: { readonly intervalMs: number; run(untilMs: number): unknown }, options: ProgressOptions): void {
  const tick = progressReporter(sim, options);
  const endMs = sim.scenario.durationMs;
  const stretchMs = sampler.intervalMs * Math.max(1, Math.floor(endMs / sampler.intervalMs / 200));
  for (let untilMs = stretchMs; ; untilMs += stretchMs) {
    sampler.run(Math.min(untilMs, endMs));
    if (untilMs >= endMs) return;
    tick();
  }
}

/** Kernel steps between pauses of a run under `--inspect`: each pause lets the inspection events leave. */
const STEPS_PER_PAUSE = 4096;

/**
 * The same as {@link runWithProgress}, pausing every few thousand steps for `pause` (a run under
 * `--inspect` lets its events leave for the inspector, src/cli/inspect.ts). `runUntil` resumes
 * where it stopped, so the steps and their order, and the traceHash, are those of one run.
 */
export async function runWithProgressPausing(sim: Simulation, options: ProgressOptions, pause: () => Promise<void>): Promise<void> {
  const tick = progressReporter(sim, options);
  let steps = 0;
  while (sim.runUntil(() => ++steps % STEPS_PER_PAUSE === 0)) {
    tick();
    await pause();
  }
  await pause();
}
