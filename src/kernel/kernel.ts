/**
 * The kernel bundle: one clock, one root RNG, one network and one trace per run.
 *
 * Everything a simulation knows of time and chance comes from here (docs/determinism.md,
 * "Where time and chance come from"). Consumers take their own RNG fork by label
 * (`kernel.rng.fork('faults')`), so adding one never moves the numbers another sees.
 */
import { VirtualClock } from './clock.js';
import { Network } from './network.js';
import type { NetworkOptions } from './network.js';
import { createRng } from './rng.js';
import type { Rng } from './rng.js';
import { Trace } from './trace.js';
import type { TraceOptions } from './trace.js';

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** The run's seed: an integer, printed first by every run. */
  seed: number;
  network?: NetworkOptions;
  trace?: TraceOptions;
}

/** The deterministic world of one run. */
export interface Kernel {
  readonly seed: number;
  readonly clock: VirtualClock;
  readonly rng: Rng;
  readonly network: Network;
  readonly trace: Trace;
}

/** Builds the clock, RNG, network and trace of one run from its seed. */
export function createKernel(options: KernelOptions): Kernel {
  const rng = createRng(options.seed);
  const clock = new VirtualClock();
  const trace = new Trace(options.trace);
  const network = new Network(clock, rng.fork('network'), trace, options.network);
  return { seed: options.seed, clock, rng, network, trace };
}
