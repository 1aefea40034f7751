/**
 * `aurora-actors bench`: kernel throughput, measured in this run on this machine.
 *
 * Figures are reported side by side with the ceilings they should be read against
 * (docs/performance.md, "Kernel"): the raw event rate of a trivial xstate actor bounds everything
 * built from actors. Benchmarks report numbers; tests never assert wall-clock times. Wall time is
 * read here, outside the simulated path, and nowhere else.
 */
import { performance } from 'node:perf_hooks';
import { SimulatedClock, createActor, createMachine, transition } from 'xstate';
import { monitorMachine } from '../../models/heartbeat.machine.js';
import { runHeartbeatWorld } from '../cluster/heartbeat-world.js';
import { SteppedActor } from '../explore/stepped-actor.js';
import { SteppedHost } from '../explore/stepped-host.js';
import { VirtualClock } from '../kernel/clock.js';
import { Network } from '../kernel/network.js';
import { createRng } from '../kernel/rng.js';
import { Trace } from '../kernel/trace.js';
import { buildBenchReport } from './bench-report.js';
import { runStorageBenchmarks } from './storage-bench.js';
import { exploreBenchFigures } from './explore-bench.js';
import { historyBenchFigures } from './history-bench.js';
import { sweepBenchFigures } from './sweep-bench.js';
import type { BenchFigure, BenchReport } from './figure.js';

export type { BenchFigure, BenchReport } from './figure.js';

/** Runs `work` repeatedly for at least `minMs` of wall time; returns operations per second. */
function rate(work: () => number, minMs: number): number {
  work(); // warm-up: let the JIT settle before timing
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    operations += work();
    elapsed = performance.now() - start;
  }
  return (operations / elapsed) * 1000;
}

const toggle = createMachine({
  initial: 'off',
  states: { off: { on: { flip: 'on' } }, on: { on: { flip: 'off' } } },
});

function rawXstateCeiling(minMs: number): number {
  const actor = createActor(toggle).start();
  const flip = { type: 'flip' } as const;
  return rate(() => {
    for (let i = 0; i < 10_000; i++) actor.send(flip);
    return 10_000;
  }, minMs);
}

function clockOps(pending: number, seed: number, minMs: number): number {
  const clock = new VirtualClock();
  const rng = createRng(seed).fork('bench');
  const noop = (): void => {};
  for (let i = 0; i < pending; i++) clock.setTimeout(noop, rng.int(1, 1_000_000));
  // One operation = schedule one timer and fire the earliest, so the queue stays at `pending`.
  return rate(() => {
    for (let i = 0; i < 10_000; i++) {
      clock.setTimeout(noop, rng.int(1, 1_000_000));
      clock.step();
    }
    return 10_000;
  }, minMs);
}

/** Wall ms to fire `count` pending timers one by one, on our clock and on xstate's SimulatedClock. */
function advanceThroughTimers(count: number): { virtualMs: number; simulatedMs: number } {
  const ours = new VirtualClock();
  const theirs = new SimulatedClock();
  const noop = (): void => {};
  for (let i = 1; i <= count; i++) {
    ours.setTimeout(noop, i);
    theirs.setTimeout(noop, i);
  }
  let start = performance.now();
  ours.runUntil(count);
  const virtualMs = performance.now() - start;
  start = performance.now();
  for (let i = 1; i <= count; i++) theirs.increment(1);
  const simulatedMs = performance.now() - start;
  return { virtualMs, simulatedMs };
}

function networkEnvelopes(withTrace: boolean, seed: number, minMs: number): number {
  const clock = new VirtualClock();
  const trace = withTrace ? new Trace({ keepEvents: false }) : undefined;
  const network = new Network(clock, createRng(seed).fork('network'), trace);
  let received = 0;
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  ids.forEach((id, i) => network.attach(id, { regionId: 'r', azId: `az-${i % 3}` }, () => received++));
  const message = { type: 'batch', pg: 0, lsnFirst: 1, lsnLast: 8 };
  return rate(() => {
    for (let i = 0; i < 10_000; i++) network.send('a', ids[i % 6] as string, message);
    clock.runUntilIdle();
    return 10_000;
  }, minMs);
}

function steppedRates(minMs: number): { reusedScope: number; exportedTransition: number; live: number } {
  const input = { self: 'm', targets: ['x', 'y', 'z'], periodMs: 100 };
  const pong = { type: 'pong', from: 'x', round: 1 } as const;
  const stepped = new SteppedActor('m', monitorMachine);
  stepped.start(input);
  const reusedScope = rate(() => {
    for (let i = 0; i < 10_000; i++) stepped.step(pong);
    return 10_000;
  }, minMs);
  const snapshot = stepped.snapshot;
  const exportedTransition = rate(() => {
    for (let i = 0; i < 2_000; i++) transition(monitorMachine, snapshot, pong);
    return 2_000;
  }, minMs);
  const clock = new VirtualClock();
  const actor = createActor(monitorMachine.provide({ actions: { send: () => {} } }), { clock, input }).start();
  const live = rate(() => {
    for (let i = 0; i < 10_000; i++) actor.send(pong);
    return 10_000;
  }, minMs);
  return { reusedScope, exportedTransition, live };
}

function worldSpeed(stepped: boolean, seed: number, durationMs: number): { simulatedOverWall: number; eventsPerS: number } {
  const start = performance.now();
  const result = runHeartbeatWorld({
    seed,
    responders: 30,
    periodMs: 10,
    durationMs,
    trace: { keepEvents: false },
    host: stepped ? (k) => new SteppedHost({ clock: k.clock, network: k.network, trace: k.trace }) : undefined,
  });
  const wallMs = performance.now() - start;
  return { simulatedOverWall: result.simulatedMs / wallMs, eventsPerS: (result.kernel.clock.fired / wallMs) * 1000 };
}

/** Options of {@link runBenchmarks}. */
export interface BenchOptions {
  /**
   * Seed of every simulation and random draw.
   * @defaultValue 1
   */
  seed?: number;
  /**
   * Shorter runs and fewer scenarios, so a test can run the whole command: rates over 100 ms, the
   * steady-state and replica-reads scenarios for at most 2 simulated seconds, 1,000 PGs for 0.5 s, the heap
   * at 60 s over 6 s; no assembly of large volumes or hot-log appends.
   * @defaultValue false
   */
  quick?: boolean;
  /** Gets a line as each figure is measured. */
  progress?: (line: string) => void;
}

/** Runs every benchmark, kernel then storage, in this process; returns the report. */
export function runBenchmarks(options: BenchOptions = {}): BenchReport {
  const seed = options.seed ?? 1;
  const quick = options.quick ?? false;
  const progress = options.progress ?? (() => {});
  // Wall ms each rate is measured over: long enough to settle, shorter in quick runs.
  const rateMs = quick ? 100 : 400;
  const details: BenchFigure[] = [];
  const add = (figure: BenchFigure): void => {
    details.push(figure);
    progress(`  measured ${figure.name}: ${figure.value.toPrecision(4)} ${figure.unit}`);
  };
  const ceiling = rawXstateCeiling(rateMs);
  add({ name: 'xstate raw ceiling', value: ceiling, unit: 'events/s', note: 'a trivial toggle actor, actor.send in a loop' });
  add({ name: 'VirtualClock, 100,000 pending', value: clockOps(100_000, seed, rateMs), unit: 'ops/s', note: 'one op = schedule + fire' });
  const advance = advanceThroughTimers(10_000);
  add({ name: 'advance through 10,000 timers: VirtualClock', value: advance.virtualMs, unit: 'ms' });
  add({
    name: 'advance through 10,000 timers: xstate SimulatedClock',
    value: advance.simulatedMs,
    unit: 'ms',
    note: `${(advance.simulatedMs / advance.virtualMs).toFixed(0)}x slower than VirtualClock`,
  });
  add({ name: 'network envelopes, no trace', value: networkEnvelopes(false, seed, rateMs), unit: 'envelopes/s', note: 'send + deliver via the clock' });
  add({ name: 'network envelopes, traced', value: networkEnvelopes(true, seed, rateMs), unit: 'envelopes/s', note: 'with the compact hash text + SHA-256 per event' });
  const stepped = steppedRates(rateMs);
  add({ name: 'stepped transition, reused scope', value: stepped.reusedScope, unit: 'steps/s', note: 'heartbeat monitor' });
  add({
    name: "stepped transition, xstate's transition()",
    value: stepped.exportedTransition,
    unit: 'steps/s',
    note: `reused scope is ${(stepped.reusedScope / stepped.exportedTransition).toFixed(1)}x faster`,
  });
  add({ name: 'live actor.send, same machine', value: stepped.live, unit: 'events/s', note: `${((stepped.live / ceiling) * 100).toFixed(0)}% of the raw ceiling` });
  const worldMs = quick ? 2_000 : 20_000;
  const live = worldSpeed(false, seed, worldMs);
  const steppedWorld = worldSpeed(true, seed, worldMs);
  add({ name: 'heartbeat world (31 actors), live', value: live.simulatedOverWall, unit: 'x real time', note: `${Math.round(live.eventsPerS)} kernel events/s, traced` });
  add({ name: 'heartbeat world (31 actors), stepped', value: steppedWorld.simulatedOverWall, unit: 'x real time', note: `${Math.round(steppedWorld.eventsPerS)} kernel events/s, traced` });
  const storage = runStorageBenchmarks(ceiling, add, { seed, quick });
  const explore = exploreBenchFigures({ quick });
  add({ name: 'explorer, two-phase commit (5 RMs), BFS', value: explore.explorerStatesPerS, unit: 'states/s', note: `unique states per CPU second; ${Math.round(explore.explorerTransitionsPerS)} transitions/s` });
  add({ name: 'explorer, two-phase commit (5 RMs), symmetry', value: explore.explorerSymmetryStatesPerS, unit: 'states/s', note: '665 representatives, DFS' });
  add({ name: 'explorer, ABD register', value: explore.explorerAbdStatesPerS, unit: 'states/s', note: '544 states, linearizability checked in each' });
  const history = historyBenchFigures({ seed, quick });
  add({ name: 'linearizability, 10,000 ops on 100 keys', value: history.historyOpsPerSRegister, unit: 'ops/s', note: `verdict ${history.historyVerdict}; etcd corpus (${history.etcdCorpusFiles} files) ${history.etcdCorpusMs === null ? 'not present' : `${history.etcdCorpusMs.toFixed(0)} ms`}` });
  add({ name: 'strict serializability, 5,000 transactions', value: history.historyOpsPerSTxn, unit: 'txns/s', note: `verdict ${history.historyTxnVerdict}` });
  const sweep = sweepBenchFigures({ seed, quick });
  add({ name: 'sweep az-plus-one, 1 worker', value: sweep.sweepSeedsPerS1Worker, unit: 'seeds/s', note: quick ? '2 seeds cut at 4.5 s' : '16 seeds, with the self-check reruns' });
  add({ name: 'sweep az-plus-one, 2 workers', value: sweep.sweepSeedsPerS2Workers, unit: 'seeds/s', note: `${sweep.speedUp.toFixed(2)}x the 1-worker rate` });
  return buildBenchReport({ seed, quick, rawCeilingEventsPerS: ceiling, storage, explore, history, sweep, details });
}
