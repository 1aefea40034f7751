/**
 * Aurora Serverless v2 end to end (docs/protocol.md §11.3; S21): `serverless-burst` shortened to a
 * second of light load, two of burst, the five idle minutes auto-pause needs, and the load coming
 * back. Storage background work, health checks and repair checks are slowed so the idle minutes
 * cost little (they change nothing the test asserts). Checked from the run's own reports and
 * observations: the writer scales up and back down in 0.5 ACU steps and its tier-1 reader follows
 * it; the buffer cache follows capacity; every instance pauses, and the transactions that find one
 * paused wait out the 15 s resume and commit; ACU-hours are the integral of the capacity trace;
 * S21 and every other judge pass. A run whose tier-1 reader is given a capacity off the 0.5 ACU
 * grid fails S21.
 */
import { describe, expect, it } from 'vitest';
import type { WriterContext } from '../../models/instance.machine.js';
import type { GroupStateMessage } from '../../models/serverless-messages.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import type { Scenario } from '../../src/cluster/scenario.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { ServerlessCapacityNow } from '../../src/simulation/serverless-panel.js';
import { expectSafe } from './helpers.js';

const WRITER = 'inst:us-east-1:writer';
const FOLLOWER = 'inst:us-east-1:replica1';
const SOLO = 'inst:us-east-1:replica2';

/** serverless-burst, shortened (see the file header). */
function shortBurst(): Scenario {
  return withOverrides(findScenario('serverless-burst')!, {
    topology: { standby: false },
    storage: { gcPeriodMs: 0, mrplReportMs: 0, gossipPeriodMs: 1_000 },
    repair: { checkPeriodMs: 10_000 },
    failover: { healthCheckPeriodMs: 10_000 },
    workload: {
      phases: [
        { atMs: 1_000, commitsPerS: 120, readerTxnsPerS: 80 },
        { atMs: 3_000, commitsPerS: 0, readerTxnsPerS: 0 },
        { atMs: 307_000, commitsPerS: 20, readerTxnsPerS: 10 },
      ],
      stopMs: 325_000,
    },
    durationMs: 327_000,
  });
}

describe('Serverless v2: serverless-burst, shortened', () => {
  const sim = new Simulation({ seed: 5, scenario: shortBurst(), trace: { keepEvents: false } });
  const held: number[] = [];
  sim.streams.observations$.subscribe(({ observation }) => {
    if (observation.kind === 'txnHeld') held.push(observation.txnId);
  });
  const byInstance = (now: readonly ServerlessCapacityNow[]) => Object.fromEntries(now.map((entry) => [entry.instance, entry]));
  sim.runFor(3_000);
  const afterBurst = byInstance(sim.serverlessCapacity());
  sim.runFor(303_500);
  const paused = byInstance(sim.serverlessCapacity());
  sim.run();
  const report = sim.report();
  const serverless = report.serverless!;
  const instance = (id: string) => serverless.instances.find((entry) => entry.instance === id)!;

  it('scales the writer up in 0.5 ACU steps under the burst, and back down when it ends', () => {
    const trace = instance(WRITER).capacity;
    expect(trace[0]).toEqual([0, 0.5]);
    for (const [, acu] of trace) expect(Number.isInteger(acu * 2)).toBe(true);
    // Two seconds of burst: three increments, 0.5 → 1 → 1.5 → 2.
    expect(instance(WRITER).acuMax).toBeGreaterThanOrEqual(2);
    // Down to the least running capacity before the pause.
    const beforePause = trace.filter(([atMs]) => atMs < instance(WRITER).pauses[0]!.pausedAtMs);
    expect(beforePause[beforePause.length - 1]![1]).toBe(0.5);
    expect(afterBurst[WRITER]).toMatchObject({ phase: 'running', acuUtilizationPercent: (afterBurst[WRITER]!.capacityAcu * 100) / 16 });
    expect(afterBurst[WRITER]!.capacityAcu).toBeGreaterThan(0.5);
  });

  it('keeps the tier-1 reader at the writer’s capacity, a message behind', () => {
    // The writer's changes up to a second before the end (the follower hears of a change a message later).
    const writer = instance(WRITER).capacity.filter(([atMs]) => atMs < report.simulatedMs - 1_000);
    const follower = instance(FOLLOWER).capacity.slice(0, writer.length);
    expect(follower.map(([, acu]) => acu)).toEqual(writer.map(([, acu]) => acu));
    for (const [i, [atMs]] of follower.entries()) expect(atMs - writer[i]![0]).toBeLessThan(50);
    expect(writer.length).toBeGreaterThan(8);
    expect(instance(FOLLOWER).scaling).toBe('follow');
    expect(instance(SOLO).scaling).toBe('solo');
  });

  it('sizes the buffer cache by capacity: 4 blocks per ACU', () => {
    for (const id of [WRITER, FOLLOWER, SOLO]) {
      const context = sim.host.snapshotOf(id).context as WriterContext;
      expect(context.serverless!.capacityAcu).toBe(instance(id).capacityAcu);
      expect(context.options.cacheBlocks).toBe(Math.floor(instance(id).capacityAcu * 4));
    }
    // Small caches of a 64-block volume: gets miss, and some hit.
    expect(instance(WRITER).cache.hitRatio).toBeGreaterThan(0);
    expect(instance(WRITER).cache.hitRatio).toBeLessThan(1);
  });

  it('pauses every instance after five idle minutes; the writer last, after the independent reader', () => {
    for (const id of [WRITER, FOLLOWER, SOLO]) expect(paused[id]).toMatchObject({ phase: 'paused', capacityAcu: 0, acuUtilizationPercent: 0 });
    const pausedAt = (id: string) => instance(id).pauses[0]!.pausedAtMs;
    expect(pausedAt(SOLO)).toBeGreaterThanOrEqual(303_000);
    expect(pausedAt(WRITER)).toBeGreaterThanOrEqual(pausedAt(SOLO));
    expect(pausedAt(FOLLOWER) - pausedAt(WRITER)).toBeLessThan(50);
  });

  it('holds the transactions that find an instance paused, resumes in 15 s, and commits them', () => {
    expect(held.length).toBeGreaterThan(0);
    for (const id of [WRITER, FOLLOWER]) expect(instance(id).pauses[0]).toMatchObject({ resumeMs: 15_000 });
    const outcomes = new Map(sim.history.entries.filter((entry) => entry.type !== 'invoke').map((entry) => [entry.txnId, entry.type]));
    for (const txnId of held) expect(outcomes.get(txnId), `txn ${txnId}`).toBe('ok');
    expect(report.commits.unknown).toBe(0);
    expect(instance(WRITER).heldTransactions + instance(FOLLOWER).heldTransactions + instance(SOLO).heldTransactions).toBe(held.length);
  });

  it('counts ACU-hours as the integral of the capacity trace', () => {
    for (const id of [WRITER, FOLLOWER, SOLO]) {
      const trace = instance(id).capacity;
      let acuMs = 0;
      for (const [i, [atMs, acu]] of trace.entries()) acuMs += acu * ((trace[i + 1]?.[0] ?? report.simulatedMs) - atMs);
      expect(instance(id).acuHours).toBeCloseTo(acuMs / 3_600_000, 9);
      expect(instance(id).acuMean).toBeCloseTo(acuMs / report.simulatedMs, 9);
    }
    expect(serverless.acuHours).toBeCloseTo(serverless.instances.reduce((sum, entry) => sum + entry.acuHours, 0), 12);
  });

  it('reports ServerlessDatabaseCapacity per period whose integral is the ACU-hours, ACUUtilization as capacity over the maximum, and bills ACU-hours', () => {
    // The run is a whole number of 1 s periods, so the periods' averages add up to the whole trace.
    expect(report.simulatedMs % report.metrics!.periodMs).toBe(0);
    const series = (metric: string, id: string) => report.metrics!.series.find((entry) => entry.metric === metric && entry.dimensions['DBInstanceIdentifier'] === id)!;
    for (const id of [WRITER, FOLLOWER, SOLO]) {
      const capacity = series('ServerlessDatabaseCapacity', id);
      expect(capacity.datapoints).toBe(report.metrics!.periods);
      expect((capacity.sum * report.metrics!.periodMs) / 3_600_000).toBeCloseTo(instance(id).acuHours, 9);
      // A period's average: never above the most the instance reached, 0 for a period spent paused.
      expect(capacity.maximum).toBeLessThanOrEqual(instance(id).acuMax);
      expect(capacity.minimum).toBe(0);
      const utilization = series('ACUUtilization', id);
      expect(utilization.average).toBeCloseTo((capacity.average * 100) / serverless.maxAcu, 9);
      expect(utilization.maximum).toBeCloseTo((capacity.maximum * 100) / serverless.maxAcu, 9);
    }
    const items = report.cost!.run.items;
    expect(items.find((item) => item.item === 'Serverless v2 capacity')).toMatchObject({ quantity: serverless.acuHours, unit: 'ACU-hours', unitPrice: 0.12 });
    expect(items.some((item) => item.item.startsWith('instances'))).toBe(false);
  });

  it('passes S21 and every other judge', () => {
    expect(report.invariants.find((result) => result.name === 'S21 serverless capacity')).toMatchObject({ ok: true, vacuous: false });
    expectSafe(report);
  });
});

describe('Serverless v2: a broken rule', () => {
  it('fails S21 when a tier-1 reader is given a capacity off the 0.5 ACU grid', () => {
    const sim = new Simulation({ seed: 5, scenario: withOverrides(shortBurst(), { durationMs: 2_000, workload: { phases: [], stopMs: 2_000 } }), trace: { keepEvents: false } });
    sim.runFor(1_000);
    const offGrid: GroupStateMessage = { type: 'groupState', from: 'scaler:inst:us-east-1:writer', phase: 'running', capacityAcu: 2.25 };
    sim.inject('scaler:inst:us-east-1:replica1', offGrid);
    sim.run();
    const s21 = sim.report().invariants.find((result) => result.name === 'S21 serverless capacity')!;
    expect(s21.ok).toBe(false);
    expect(s21.firstViolations[0]?.message).toMatch(/inst:us-east-1:replica1 at 2.25 ACU: not a multiple of 0.5 ACU/);
  });
});
