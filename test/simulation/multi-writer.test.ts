/**
 * Multi-writer clusters end to end (docs/protocol.md §11.2): a short stretch of
 * `multi-writer-conflicts` has page conflicts (deadlock errors) under its skewed keys and passes
 * S19 with something to judge; REGIONAL_RAW reads wait and the wait is measured; a writer crashed
 * with a transaction in flight leaves its client without an answer while the others serve, and
 * rolls the transaction back at its restart; the same stretch with the writers taking 3 votes of 6
 * as approval (the `write-quorum-3of6` plant) is caught by S19, which counts with its own majority.
 */
import { describe, expect, it } from 'vitest';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { PlantName } from '../../src/protocol/plants.js';
import { expectInterpretersAgree, expectSafe } from './helpers.js';
import type { MwContext } from '../../models/mm-writer-state.js';

const S19 = 'S19 at most one approved change per page version';

/** 1.2 s of the built-in, without its crash, at a heavier skew (every key choice hot). */
function run(seed: number, plant?: PlantName, consistency: 'instance-raw' | 'regional-raw' = 'instance-raw') {
  const scenario = withOverrides(findScenario('multi-writer-conflicts')!, {
    durationMs: 1_200,
    topology: { multiWriter: { consistency } },
    workload: { stopMs: 1_200, hotKeys: { share: 1, keys: 16 } },
    faults: [],
  });
  const sim = new Simulation({ seed, scenario, trace: { keepEvents: false }, ...(plant === undefined ? {} : { plant }) });
  sim.run();
  return sim.report();
}

describe('Multi-writer: replication while a writer is down', () => {
  it('counts the entries that waited for a down writer apart (catch-up), so the steady lag stays within a few replication delays', () => {
    const writer3 = 'mm-writer:inst:us-east-1:writer3';
    const scenario = withOverrides(findScenario('multi-writer-conflicts')!, {
      durationMs: 1_500,
      workload: { stopMs: 1_400 },
      faults: [
        { atMs: 300, kind: 'instanceCrash', instance: writer3 },
        { atMs: 900, kind: 'instanceRestart', instance: writer3 },
      ],
    });
    const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } });
    sim.run();
    const report = sim.report();
    expectSafe(report);
    const mw = report.multiWriter!;
    // Down for 600 ms: what was committed meanwhile reached writer 3 only after its restart.
    expect(mw.replicationCatchUp.entries).toBeGreaterThan(0);
    expect(mw.replicationCatchUp.lagMsMax).toBeGreaterThan(300);
    expect(mw.replicationLagMsP99).toBeLessThan(4 * mw.replicationDelayMs);
  });
});

describe('Multi-writer: page conflicts under skew, judged by S19', () => {
  it('conflicts occur and roll back as deadlock errors; S19 judges and holds; no acknowledged commit lost', () => {
    const report = run(1);
    expectSafe(report);
    expect(report.commits.failedBy.deadlock ?? 0).toBeGreaterThan(0);
    expect(report.commits.acknowledged).toBeGreaterThan(0);
    expect(report.invariants.find((result) => result.name === S19)).toMatchObject({ ok: true, vacuous: false });
    // The report's block counts what the clients saw, and replication is at least its stated delay.
    const mw = report.multiWriter!;
    expect(mw.deadlocks).toBe(report.commits.failedBy.deadlock);
    expect(mw.instances.reduce((sum, writer) => sum + writer.commits, 0)).toBe(report.commits.acknowledged);
    expect(mw.conflictRatePer100).toBeCloseTo((100 * mw.deadlocks) / mw.attemptedWrites, 1);
    expect(mw.compensations).toBeGreaterThan(0);
    expect(mw.replicationSamples).toBeGreaterThan(0);
    expect(mw.replicationLagMsP50).toBeGreaterThanOrEqual(mw.replicationDelayMs);
    expect(mw.replicationCatchUp.entries).toBe(0);
    expect(mw.regionalRawReads).toBeUndefined();
    // The isolation promise holds on the history (src/check/multi-writer-isolation.ts).
    expect(mw.isolation).toMatchObject({ promiseKept: true, lostUpdates: 0, readCommitted: { ok: true } });
    expect(mw.isolation.readYourWrites.checked).toBeGreaterThan(0);
    // CloudWatch's `Deadlocks`, per second over whole periods: the first second's share of them.
    const deadlocksMetric = report.metrics?.series.find((series) => series.metric === 'Deadlocks')?.sum ?? 0;
    expect(deadlocksMetric).toBeGreaterThan(0);
    expect(deadlocksMetric).toBeLessThanOrEqual(mw.deadlocks);
  });

  it('REGIONAL_RAW reads wait for every other writer: a round trip at least, measured', () => {
    const report = run(2, undefined, 'regional-raw');
    expectSafe(report);
    const mw = report.multiWriter!;
    expect(mw.regionalRawReads).toBeGreaterThan(0);
    expect(mw.regionalRawWaitMsP50).toBeGreaterThan(0);
    expect(mw.regionalRawWaitMsP99).toBeGreaterThanOrEqual(mw.regionalRawWaitMsP50!);
  });

  it('the built-in gives one traceHash under both interpreters over its first 400 ms (whole at three seeds: the deep test)', () => {
    const report = expectInterpretersAgree(findScenario('multi-writer-conflicts')!, 3, 400);
    expect(report.multiWriter!.attemptedWrites).toBeGreaterThan(0);
  });

  it('a writer crashing with a transaction in flight: its client hears nothing, the others serve on, its restart rolls the transaction back', () => {
    const scenario = withOverrides(findScenario('multi-writer-conflicts')!, { durationMs: 2_500, workload: { stopMs: 2_000, txnTimeoutMs: 400 }, faults: [] });
    const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } });
    const writer3 = 'mm-writer:inst:us-east-1:writer3';
    const voting = (): boolean => Object.values((sim.host.snapshotOf(writer3).context as MwContext).txns).some((txn) => txn.phase === 'voting');
    expect(sim.runUntil(() => sim.kernel.clock.now() >= 300 && voting())).toBe(true);
    const crashedAtMs = sim.kernel.clock.now();
    sim.inject(writer3, { type: 'crash' });
    sim.runFor(700);
    sim.inject(writer3, { type: 'restart' });
    sim.run();
    const report = sim.report();
    expectSafe(report);
    const mw = report.multiWriter!;
    expect(mw.instances[2]).toMatchObject({ state: 'serving', crashAborts: 1 });
    expect(mw.rollbacksPending).toBe(0);
    expect(report.commits.unknown).toBeGreaterThanOrEqual(1);
    // The other writers committed while writer 3 was down.
    const whileDown = sim.history.entries.filter((entry) => entry.type === 'ok' && entry.time > crashedAtMs * 1e6 && entry.time < (crashedAtMs + 700) * 1e6);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(mw.isolation.promiseKept).toBe(true);
  });

  it('a writer that takes 3 votes of 6 as approval is caught by S19 (write-quorum-3of6)', () => {
    const report = run(1, 'write-quorum-3of6');
    const s19 = report.invariants.find((result) => result.name === S19)!;
    expect(s19.ok).toBe(false);
    expect(s19.firstViolations[0]?.message).toMatch(/approved by no write quorum|after .* was/);
  });
});
