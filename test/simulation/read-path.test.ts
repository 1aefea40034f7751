/**
 * The read path (docs/protocol.md §5, reads): cache misses read one segment complete to the read
 * point (the VDL when issued), never a quorum; data blocks come from full segments; a slow segment
 * is hedged around; every page equals the oracle replay of its block at the read point (S10, S16).
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/protocol/observations.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe, scenario } from './helpers.js';

describe('Reads: read-path', () => {
  const sim = new Simulation({ seed: 3, scenario: scenario('read-path'), trace: { keepEvents: false } });
  const served: Extract<Observation, { kind: 'pageServed' }>[] = [];
  const done: { atMs: number; observation: Extract<Observation, { kind: 'readDone' }> }[] = [];
  sim.streams.observations$.subscribe(({ atMs, observation }) => {
    if (observation.kind === 'pageServed') served.push(observation);
    if (observation.kind === 'readDone') done.push({ atMs, observation });
  });
  sim.run();
  const report = sim.report();

  it('reads every missing page from one full segment at the VDL, and every page is right (S10, S16)', () => {
    expectSafe(report);
    expect(report.pageReads!.reads).toBeGreaterThan(1_000);
    expect(served.every((page) => page.segmentKind === 'full')).toBe(true);
    for (const name of ['S10 read correctness', 'S16 data blocks read from full segments']) {
      expect(report.invariants.find((r) => r.name === name)).toMatchObject({ ok: true, vacuous: false });
    }
    // No quorum reads: at most two segments (one hedge) serve a read, far fewer than a quorum of 3.
    expect(served.length).toBeLessThan(2 * report.pageReads!.reads);
  });

  it('hedges around the 50x slow segment: it wins no read once slow, and read p99 stays low', () => {
    const slow = 'seg:pg0:us-east-1a:1';
    const hedgedAfterSlow = done.filter(({ atMs, observation }) => atMs > 2_100 && observation.hedged);
    expect(hedgedAfterSlow.length).toBeGreaterThan(0);
    expect(done.filter(({ atMs, observation }) => atMs > 2_100 && observation.segment === slow && observation.hedged)).toEqual([]);
    // The slow disk takes ~25 ms; hedging after 4 ms keeps reads well under that.
    expect(report.pageReads!.latencyMsP99).toBeLessThan(12);
  });
});

describe('Reads: garbage collection below the minimum read point (docs/protocol.md §5, reads; §13, V11; §12, S14)', () => {
  const sim = new Simulation({ seed: 3, scenario: scenario('read-path'), trace: { keepEvents: false } });
  const gc: Extract<Observation, { kind: 'gcAdvanced' }>[] = [];
  const servedAfterGc: Extract<Observation, { kind: 'pageServed' }>[] = [];
  const gcPointOf = new Map<string, number>();
  sim.streams.observations$.subscribe(({ observation }) => {
    if (observation.kind === 'gcAdvanced') {
      gc.push(observation);
      gcPointOf.set(observation.segment, observation.gcPoint);
    }
    if (observation.kind === 'pageServed' && (gcPointOf.get(observation.segment) ?? 0) > 0) servedAfterGc.push(observation);
  });
  sim.run();
  const report = sim.report();

  it('collects garbage while the writer reads, and every page served from base pages is right (S10, S14)', () => {
    expectSafe(report);
    expect(report.invariants.find((r) => r.name === 'S14 GC safety')).toMatchObject({ ok: true, vacuous: false });
    expect(gc.reduce((total, o) => total + o.droppedRecords, 0)).toBeGreaterThan(1_000);
    // The writer's reports kept every GC point at or below its reads, and pages kept coming.
    expect(servedAfterGc.length).toBeGreaterThan(100);
    // Every segment that stayed up collected: PGMRPL kept moving with the writer's VDL.
    for (const id of sim.membersByPg[0]!) expect(sim.segment(id).store.gcPoint, id).toBeGreaterThan(0);
  });
});

describe('Reads: a recovered writer reads from full segments only (full/tail, SIGMOD\'18 §4.2)', () => {
  const patch = {
    // A promoted replica's cache size is its cache size as the writer.
    topology: {
      segmentKinds: 'fullTail',
      replicas: [
        { az: 'us-east-1b', tier: 0, sizeAcu: 16, cacheBlocks: 16 },
        { az: 'us-east-1c', tier: 1, sizeAcu: 32, cacheBlocks: 16 },
      ],
    },
    writer: { cacheBlocks: 16 },
    failover: { healthCheckPeriodMs: 500, missesToFail: 2, endpointSwitchMs: 500 },
    faults: [{ atMs: 2_000, kind: 'instanceCrash', instance: 'inst:us-east-1:writer' }],
    durationMs: 6_000,
  };
  const readsTo: { from: string; to: string }[] = [];
  const sink = (line: string): void => {
    if (!line.includes('"type":"readPage"')) return;
    const event = JSON.parse(line) as { kind: string; from: string; to: string };
    if (event.kind === 'send') readsTo.push({ from: event.from, to: event.to });
  };
  const sim = new Simulation({ seed: 3, scenario: scenario('writer-crash', patch as never), trace: { keepEvents: false, sink } });
  sim.run();
  const report = sim.report();

  it('knows the tails from its topology, though the configurations recovery reads carry no kinds', () => {
    expectSafe(report);
    const newWriter = report.failover!.to!;
    const tails = Object.values(sim.membersByPg).flat().filter((id) => sim.segment(id).kind === 'tail');
    const byNewWriter = readsTo.filter(({ from }) => from === newWriter);
    expect(byNewWriter.length).toBeGreaterThan(100);
    expect(byNewWriter.filter(({ to }) => tails.includes(to))).toEqual([]);
  });
});
