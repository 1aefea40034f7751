/**
 * Storage benchmarks (`aurora-actors bench`): write-path throughput against the ceilings it should
 * be read against, simulated time per wall second for each built-in scenario, assembly time and
 * memory of large volumes, the per-record append cost of a segment's hot log, and the heap growth of
 * a long steady state. All figures are measured in the same run; none is asserted anywhere.
 */
import { performance } from 'node:perf_hooks';
import { createActor, createMachine, assign, sendTo, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { LogRecord } from '../protocol/lsn.js';
import type { Lsn, PgId, VolumeEpoch } from '../protocol/ids.js';
import { createSegmentStore, persistRecords } from '../protocol/segment-store.js';
import { BUILTIN_SCENARIOS, findScenario, withOverrides } from '../scenarios/builtin.js';
import type { GrowVolumeMessage } from '../../models/messages.js';
import { pgCountMaxOf, VOLUME_BYTES_MAX_DEFAULT } from '../protocol/geometry.js';
import { Simulation } from '../simulation/simulation.js';
import type { Scenario } from '../cluster/scenario.js';
import type { BenchFigure } from './figure.js';
import { heapGrowth, scenarioFigures, timeScenario } from './scenario-bench.js';
import type { HeapGrowth, ScenarioRun } from './scenario-bench.js';

/**
 * The bare xstate quorum ceiling: one writer actor and six segment actors exchanging records and
 * acks by direct `sendTo` (no network, no clock, no trace); a record is done at 4 acks.
 */
function bareXstateQuorumRecordsPerS(records: number): number {
  const segment = setup({
    types: { events: {} as { type: 'write'; lsn: number; writer: AnyActorRef } },
  }).createMachine({
    on: { write: { actions: sendTo(({ event }) => event.writer, ({ event }) => ({ type: 'ack', lsn: event.lsn })) } },
  });
  const writer = createMachine({
    types: {} as { context: { acks: number; done: number; segments: AnyActorRef[] }; events: { type: 'ack'; lsn: number } | { type: 'start'; segments: AnyActorRef[] } },
    context: { acks: 0, done: 0, segments: [] },
    on: {
      start: { actions: assign({ segments: ({ event }) => (event.type === 'start' ? event.segments : []) }) },
      ack: {
        actions: assign(({ context }) => {
          const acks = context.acks + 1;
          return acks === 4 ? { acks: -2, done: context.done + 1 } : { acks };
        }),
      },
    },
  });
  const writerActor = createActor(writer).start();
  const segments = Array.from({ length: 6 }, () => createActor(segment).start());
  writerActor.send({ type: 'start', segments });
  const start = performance.now();
  for (let lsn = 1; lsn <= records; lsn++) {
    for (const target of segments) target.send({ type: 'write', lsn, writer: writerActor });
  }
  const elapsed = performance.now() - start;
  return (writerActor.getSnapshot().context.done / elapsed) * 1000;
}

/** The same quorum logic in plain JavaScript: the cost of the protocol without actors. */
function plainJsQuorumRecordsPerS(records: number): number {
  let acks = 0;
  let done = 0;
  const ack = (): void => {
    acks++;
    if (acks === 4) done++;
    if (acks === 6) acks = 0;
  };
  const segments = Array.from({ length: 6 }, () => ({ write: (lsn: number) => (lsn > 0 ? ack() : undefined) }));
  const start = performance.now();
  for (let lsn = 1; lsn <= records; lsn++) for (const segment of segments) segment.write(lsn);
  return (done / (performance.now() - start)) * 1000;
}

/**
 * Builds `scenario`'s simulation with `pgCount` PGs and measures it: wall time of the assembly and
 * the heap it added (after a `gc()` when node runs with --expose-gc).
 */
function measuredAssembly(scenario: Scenario, pgCount: number): { sim: Simulation; wallMs: number; heapMb: number; heapAfter: number } {
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false }, readableCheckEveryMs: 0 });
  const wallMs = performance.now() - start;
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  if (sim.topology.segments.length !== pgCount * 6) throw new Error(`${scenario.name} bench built the wrong volume`);
  return { sim, wallMs, heapMb: (heapAfter - heapBefore) / 1024 / 1024, heapAfter };
}

/** Assembly time and heap growth of a volume with `pgCount` PGs (6 segments each). */
function assembly(pgCount: number): { wallMs: number; heapMb: number } {
  const scenario = withOverrides(findScenario('steady-state')!, {
    topology: { pgCount, storageNodesPerAz: Math.max(4, Math.ceil(pgCount / 50)) },
    workload: { commitsPerS: 0 },
    durationMs: 1,
  });
  const { wallMs, heapMb } = measuredAssembly(scenario, pgCount);
  return { wallMs, heapMb };
}

/** What {@link growthAssembly} measured. */
export interface GrowthFigures {
  assembly: { wallMs: number; heapMb: number };
  /** Growing by the PGs asked: wall time, heap added, the virtual time it took, the PGs at the end. */
  growth: { wallMs: number; heapMb: number; simulatedMs: number; pgCount: number };
  /** The same virtual time again without growth: what the volume costs to run anyway. */
  baselineWallMs: number;
}

/**
 * Assembly and growth of the largest volume (docs/protocol.md §1.1): `pgCount` PGs assembled with
 * storage growth on (128 TiB at most), run 50 ms so the first health round of every segment is
 * answered, then the storage control plane asked for `growBy` more PGs and the clock run until the
 * writer knows them all (each recorded, provisioned and announced in turn). The same stretch of
 * virtual time is then run again without growth, for the cost of the volume running at all.
 */
export function growthAssembly(pgCount: number, growBy: number): GrowthFigures {
  const scenario = withOverrides(findScenario('storage-growth')!, {
    topology: { pgCount, storageNodesPerAz: Math.max(4, Math.ceil(pgCount / 50)), replicas: [], growth: { maxVolumeBytes: VOLUME_BYTES_MAX_DEFAULT } },
    workload: { commitsPerS: 0 },
    durationMs: 600_000,
  });
  const built = measuredAssembly(scenario, pgCount);
  const { sim } = built;
  const heapAssembled = built.heapAfter;
  sim.runFor(50);
  let start = performance.now();
  const begunAtMs = sim.kernel.clock.now();
  const ask: GrowVolumeMessage = { type: 'growVolume', from: sim.topology.writer.id, pgCount: pgCount + growBy, pgCountKnown: pgCount };
  sim.inject(sim.topology.storageControlPlane.id, ask);
  while (sim.writer().state.layout.pgCount < pgCount + growBy && sim.kernel.clock.now() < scenario.durationMs) sim.runFor(5);
  const growthMs = performance.now() - start;
  const simulatedMs = sim.kernel.clock.now() - begunAtMs;
  globalThis.gc?.();
  const heapGrown = process.memoryUsage().heapUsed;
  start = performance.now();
  sim.runFor(simulatedMs);
  const baselineWallMs = performance.now() - start;
  return {
    assembly: { wallMs: built.wallMs, heapMb: built.heapMb },
    growth: { wallMs: growthMs, heapMb: (heapGrown - heapAssembled) / 1024 / 1024, simulatedMs, pgCount: sim.writer().state.layout.pgCount },
    baselineWallMs,
  };
}

/**
 * Wall µs per appended record in a segment store that already holds `preload` records. Each append
 * returns a new store (the old one stays valid), as a segment's transition does.
 */
function appendCostUs(preload: number): number {
  let store = createSegmentStore(0 as PgId);
  const record = (lsn: number): LogRecord => ({
    lsn: lsn as Lsn,
    pg: 0 as PgId,
    blockId: (lsn % 64) as never,
    prevVolumeLsn: (lsn - 1) as Lsn,
    prevPgLsn: (lsn - 1) as Lsn,
    prevBlockLsn: (lsn > 64 ? lsn - 64 : 0) as Lsn,
    isCpl: true,
    mtrId: lsn,
    isCommit: false,
  });
  for (let lsn = 1; lsn <= preload; lsn++) store = persistRecords(store, [record(lsn)], 1 as VolumeEpoch).store;
  const measured = 100_000;
  const start = performance.now();
  for (let lsn = preload + 1; lsn <= preload + measured; lsn++) store = persistRecords(store, [record(lsn)], 1 as VolumeEpoch).store;
  return ((performance.now() - start) * 1000) / measured;
}

/** How long the storage benchmarks run: the full set, or `quick` (shorter runs, fewer scenarios). */
export interface StorageBenchOptions {
  seed: number;
  quick: boolean;
}

/** What the storage benchmarks measured, for the report's stable figures. */
export interface StorageMeasurements {
  bareQuorumCeilingRecordsPerS: number;
  saturated: ScenarioRun;
  pg1000: ScenarioRun;
  /** Per built-in scenario (in quick runs, a few of them, each cut short). */
  scenarios: Record<string, ScenarioRun>;
  heap: HeapGrowth;
  heapWindowS: { from: number; to: number };
}

/** The scenarios a quick run times, each for its first {@link QUICK_SCENARIO_MS}. */
const QUICK_SCENARIOS = ['steady-state', 'replica-reads'];
const QUICK_SCENARIO_MS = 2_000;

/**
 * Runs the storage benchmarks; `ceiling` is the raw xstate events/s measured by the kernel bench.
 * Readable figures go to `add`; the measurements behind the stable figures are returned.
 */
export function runStorageBenchmarks(ceiling: number, add: (figure: BenchFigure) => void, options: StorageBenchOptions): StorageMeasurements {
  const { seed, quick } = options;
  const bare = bareXstateQuorumRecordsPerS(quick ? 10_000 : 50_000);
  add({ name: 'bare xstate quorum ceiling', value: bare, unit: 'records/s', note: '1 writer -> 6 segments, 4 acks, direct sendTo' });
  if (!quick) add({ name: 'plain JS quorum ceiling', value: plainJsQuorumRecordsPerS(1_000_000), unit: 'records/s' });
  // 1,000 PGs (6,000 segments) watches how the health checks scale: a round must stay linear in segments.
  const pgCounts = quick ? [1_000] : [1, 100, 1_000];
  let pg1000: ScenarioRun | undefined;
  for (const pgCount of pgCounts) {
    const run = timeScenario('steady-state', seed, {
      topology: { pgCount, storageNodesPerAz: Math.max(4, Math.ceil(pgCount / 10)) },
      durationMs: quick ? 500 : 5_000,
    });
    if (pgCount === 1_000) pg1000 = run;
    const figures = scenarioFigures(run, ceiling);
    add({
      name: `steady-state, ${pgCount} PG(s), 500 commits/s`,
      value: figures.recordsPerS,
      unit: 'records/s',
      note: `${((figures.recordsPerS / bare) * 100).toFixed(0)}% of the bare ceiling; ${figures.simPerWall.toFixed(2)}x real time, ${percent(figures.fractionOfLimit)} of its limit`,
    });
  }
  const saturated = timeScenario('steady-state', seed, { topology: { pgCount: 4 }, workload: { commitsPerS: 20_000, clients: 256 }, durationMs: quick ? 250 : 1_000 });
  const saturatedRate = scenarioFigures(saturated, ceiling).recordsPerS;
  add({ name: 'saturated: 4 PGs, 20,000 commits/s offered', value: saturatedRate, unit: 'records/s', note: `${(saturatedRate / bare).toFixed(2)}x the bare ceiling, thanks to boxcars` });
  const scenarios: Record<string, ScenarioRun> = {};
  for (const scenario of BUILTIN_SCENARIOS) {
    if (quick && !QUICK_SCENARIOS.includes(scenario.name)) continue;
    // Quick runs stop early rather than shorten the scenario, whose faults must fall within it.
    const run = timeScenario(scenario.name, seed, {}, quick ? QUICK_SCENARIO_MS : Infinity);
    scenarios[scenario.name] = run;
    const figures = scenarioFigures(run, ceiling);
    add({
      name: `${scenario.name}: simulated / wall time`,
      value: figures.simPerWall,
      unit: 'x real time',
      note: `${Math.round(figures.kernelEventsPerS).toLocaleString('en-US')} kernel events/s, ${percent(figures.fractionOfLimit)} of its limit; ${(run.kernelEvents / Math.max(1, run.records)).toFixed(1)} events/record`,
    });
  }
  if (!quick) {
    for (const pgCount of [1_000 / 6, 6_400].map(Math.round)) {
      const built = assembly(pgCount);
      add({ name: `assembly, ${pgCount * 6} segments`, value: built.wallMs, unit: 'ms', note: `${built.heapMb.toFixed(0)} MB heap (${((built.heapMb * 1024) / (pgCount * 6)).toFixed(1)} KB per segment)` });
    }
    // The largest volume: 12,800 PGs (76,800 segments, about 128 TiB), then grown to the default
    // maximum of 13,107 PGs (128 TiB at 10 GiB each) through the growth protocol.
    const grown = growthAssembly(12_800, pgCountMaxOf(VOLUME_BYTES_MAX_DEFAULT) - 12_800);
    add({ name: 'assembly, 76,800 segments (12,800 PGs, growth on)', value: grown.assembly.wallMs, unit: 'ms', note: `${grown.assembly.heapMb.toFixed(0)} MB heap (${((grown.assembly.heapMb * 1024) / 76_800).toFixed(1)} KB per segment)` });
    add({
      name: `growth, 12,800 -> ${grown.growth.pgCount.toLocaleString('en-US')} PGs`,
      value: grown.growth.wallMs,
      unit: 'ms',
      note: `${grown.growth.heapMb.toFixed(0)} MB more heap (with the first health round); ${grown.growth.simulatedMs.toFixed(0)} ms simulated, one geometry change at a time; the same ${grown.growth.simulatedMs.toFixed(0)} ms without growth: ${grown.baselineWallMs.toFixed(0)} ms wall`,
    });
    const small = appendCostUs(1_000);
    const large = appendCostUs(1_000_000);
    add({ name: 'hot-log append, 1,000 records held', value: small, unit: 'µs/record' });
    add({ name: 'hot-log append, 1,000,000 records held', value: large, unit: 'µs/record', note: `${(large / small).toFixed(2)}x the cost at 1,000` });
  }
  // Last: the longest run, and nothing else is allocated while it holds its heap.
  const heapWindowS = quick ? { from: 2, to: 6 } : { from: 60, to: 600 };
  const heap = heapGrowth(seed, heapWindowS.from, heapWindowS.to);
  add({
    name: `steady-state heap, ${heapWindowS.to} s over ${heapWindowS.from} s`,
    value: heap.ratio,
    unit: 'x',
    note: `${heap.heapMbFrom.toFixed(0)} MB -> ${heap.heapMbTo.toFixed(0)} MB${globalThis.gc === undefined ? ', without gc() (run node --expose-gc)' : ', after gc()'}`,
  });
  return { bareQuorumCeilingRecordsPerS: bare, saturated, pg1000: pg1000 as ScenarioRun, scenarios, heap, heapWindowS };
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(0)}%`;
}
