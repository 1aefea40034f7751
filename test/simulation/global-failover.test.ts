/**
 * Global Database promotions in a run (docs/protocol.md §11.1; §12, S17 and S18; §13, G2 and
 * G5): `global-failover` and `global-detach-promote`, shortened. The failover's loss is checked
 * against the commits the old primary's writer acknowledged, collected here from its own
 * observations, not from the report's arithmetic.
 */
import { describe, expect, it } from 'vitest';
import type { WriterContext } from '../../models/instance.machine.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import type { ScenarioPatch } from '../../src/scenarios/builtin.js';
import type { Scenario } from '../../src/cluster/scenario.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { checkTxnHistory } from '../../src/check/txn/check.js';
import type { GlobalRegionContext } from '../../models/global-region.machine.js';
import { readBack } from '../../src/simulation/read-back.js';
import { acknowledgedBy } from './helpers.js';

/** global-failover, shortened: us-east-1 lost at 1.5 s, the failover to eu-west-1 at 2 s, a 1 s endpoint switch and fence timeout. */
function shortFailover(patch: ScenarioPatch): Scenario {
  return withOverrides(findScenario('global-failover')!, {
    topology: { global: { fenceTimeoutMs: 1_000 } },
    failover: { endpointSwitchMs: 1_000 },
    faults: [
      { atMs: 1_500, kind: 'regionOutage', region: 'us-east-1' },
      { atMs: 2_000, kind: 'globalFailover', region: 'eu-west-1' },
    ],
    ...patch,
  });
}

describe('Global Database: managed failover after the primary region is lost', () => {
  const scenario = shortFailover({ durationMs: 5_000 });
  const sim = new Simulation({ seed: 5, scenario, trace: { keepEvents: false } });
  const acknowledged = acknowledgedBy(sim, 'inst:us-east-1:writer');
  sim.runFor(scenario.durationMs);
  const report = sim.report();
  const global = report.global!;
  const promotion = global.promotions[0]!;

  it('promotes eu-west-1 at the durable LSN it held, and its writer takes commits after the endpoint moves', () => {
    expect(global.promotions).toHaveLength(1);
    expect(promotion).toMatchObject({ region: 'eu-west-1', how: 'failover', oldPrimary: 'us-east-1', requestedAtMs: 2_000, primaryLostAtMs: 1_500 });
    expect(global.primaryRegion).toBe('eu-west-1');
    // Recovery opened exactly where the region's statechart held the primary durably (the cap).
    expect(promotion.vdl).toBe(global.secondaries.find((secondary) => secondary.region === 'eu-west-1')!.durableLsn);
    expect(promotion.openedAtMs).toBeGreaterThan(2_000);
    expect(promotion.firstCommitAtMs).toBeGreaterThan(promotion.openedAtMs! + 1_000);
    expect(report.writer.instance).toBe('inst:eu-west-1:replica1');
    expect((sim.host.snapshotOf('inst:eu-west-1:replica1').context as WriterContext).role).toBe('writer');
  });

  it('loses exactly the commits the old primary acknowledged above that point, within the RPO lag at the loss', () => {
    expect(acknowledged.every(({ atMs }) => atMs <= 1_500)).toBe(true);
    const lost = acknowledged.filter(({ lsn }) => lsn > promotion.vdl!);
    expect(promotion.lostCommits).toBe(lost.length);
    // About one cross-region trip of commits was on its way when the region went.
    expect(lost.length).toBeGreaterThan(0);
    expect(promotion.lostSpanMs!).toBeLessThanOrEqual(promotion.rpoLagMsAtFailure!);
    expect(promotion.rpoLagMsAtFailure!).toBeLessThan(1_000);
  });

  it('reports the fence of the lost region as timed out, and every judge holds', () => {
    expect(promotion.fence).toBe('timedOut');
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.invariants.find((result) => result.name.startsWith('S17'))).toMatchObject({ ok: true, vacuous: false });
  });
});

describe('Global Database: after a managed failover, the other secondary follows the new primary and the old primary rejoins when its region returns', () => {
  const scenario = shortFailover({
    faults: [
      { atMs: 1_500, kind: 'regionOutage', region: 'us-east-1' },
      { atMs: 2_000, kind: 'globalFailover', region: 'eu-west-1' },
      { atMs: 3_500, kind: 'regionRecover', region: 'us-east-1' },
    ],
    durationMs: 4_500,
  });
  const sim = new Simulation({ seed: 5, scenario, trace: { keepEvents: false } });
  const acknowledged = acknowledgedBy(sim, 'inst:us-east-1:writer');
  const newAcks = acknowledgedBy(sim, 'inst:eu-west-1:replica1');
  const copied: number[] = [];
  sim.streams.observations$.subscribe(({ actorId, observation }) => {
    const seen = observation as unknown as { kind: string; primaryVdl?: number };
    if (actorId === 'replication:ap-southeast-2' && seen.kind === 'shipped') copied.push(seen.primaryVdl ?? 0);
  });
  sim.runFor(scenario.durationMs);
  const report = sim.report();
  const promotion = report.global!.promotions[0]!;
  const region = (name: string) => sim.host.snapshotOf(`global:${name}`);

  it('ap-southeast-2, behind the new start, copies the rest from eu-west-1 and then follows it', () => {
    expect(copied.length).toBeGreaterThan(0);
    expect(Math.max(...copied)).toBe(promotion.vdl);
    expect(region('ap-southeast-2').value).toEqual({ secondary: 'replicating' });
    const context = region('ap-southeast-2').context as GlobalRegionContext;
    expect(context.primaryRegion).toBe('eu-west-1');
    expect(newAcks.filter(({ lsn }) => lsn <= context.durableLsn).length).toBeGreaterThan(newAcks.length / 2);
  });

  it('fences us-east-1 through its storage once the region returns, and it follows eu-west-1, its writer a reader and its control plane stood down', () => {
    expect(promotion.fence).toBe('fenced');
    expect(promotion.fencedAtMs).toBeGreaterThan(3_500);
    expect(region('us-east-1').value).toEqual({ secondary: 'replicating' });
    expect((region('us-east-1').context as GlobalRegionContext).durableLsn).toBeGreaterThan(Math.max(...newAcks.map(({ lsn }) => lsn)) - 100);
    expect((sim.host.snapshotOf('inst:us-east-1:writer').context as WriterContext).role).toBe('reader');
    expect(sim.host.snapshotOf('control-plane').value).toBe('standingDown');
  });

  it('annuls in the old volume exactly the lost suffix, keeps everything else, and every judge holds', () => {
    const lost = new Set(acknowledged.filter(({ lsn }) => lsn > promotion.vdl!).map(({ lsn }) => lsn));
    expect(lost.size).toBe(promotion.lostCommits);
    expect(lost.size).toBeGreaterThan(0);
    // Read back with nothing exempt: what is missing is exactly the lost suffix.
    const missing = new Set(readBack(sim, 'persisted').lost.map((entry) => sim.acknowledged.get(entry.txnId)));
    expect(missing).toEqual(lost);
    expect(report.commits.lostAcknowledged).toBe(0);
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    for (const name of ['S17', 'S18']) expect(report.invariants.find((result) => result.name.startsWith(name))).toMatchObject({ ok: true, vacuous: false });
  });
});

describe('Global Database: detach and promote', () => {
  const scenario = withOverrides(findScenario('global-detach-promote')!, { faults: [{ atMs: 1_000, kind: 'globalDetach', region: 'ap-southeast-2' }], durationMs: 3_000 });
  const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } });
  sim.runFor(scenario.durationMs);
  const report = sim.report();
  const [eu, ap] = report.global!.secondaries;

  it('makes the detached region a standalone writer at once, and the other stays attached and current', () => {
    expect(report.global!.promotions).toEqual([expect.objectContaining({ region: 'ap-southeast-2', how: 'detach', requestedAtMs: 1_000 })]);
    expect(ap!.state).toBe('detached');
    expect((sim.host.snapshotOf('inst:ap-southeast-2:replica1').context as WriterContext).role).toBe('writer');
    expect(report.global!.promotions[0]!.openedAtMs! - 1_000).toBeLessThan(1_000);
    expect(eu!.state).toBe('secondary.replicating');
    expect(eu!.durableLsn).toBeGreaterThan(ap!.durableLsn);
    expect(eu!.rpoLagMs.atEnd).toBeLessThan(500);
    expect(report.global!.primaryRegion).toBe('us-east-1');
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
  });
});

describe('Global Database: the history across a managed failover', () => {
  // The writer validates serializability, so without a failover the clients' history is strictly
  // serializable; the failover may break that only by the commits it reports lost.
  const scenario = shortFailover({ writer: { isolation: 'serializable' }, durationMs: 4_000 });
  const sim = new Simulation({ seed: 5, scenario, trace: { keepEvents: false } });
  sim.runFor(scenario.durationMs);
  const promotion = sim.report().global!.promotions[0]!;
  const entries = sim.history.entries;
  const failedAtNs = 1_500 * 1e6;
  // Acknowledged by the old primary before it was lost, above the point the new primary opened at.
  const lost = new Set(entries.filter((entry) => entry.type === 'ok' && (entry.commitLsn ?? 0) > promotion.vdl! && (entry.time ?? 0) < failedAtNs).map((entry) => entry.txnId));

  it('is strictly serializable once the reported lost commits are taken as of unknown outcome, and not before', () => {
    expect(lost.size).toBe(promotion.lostCommits);
    expect(lost.size).toBeGreaterThan(0);
    const asRecorded = checkTxnHistory(entries, { model: 'strict-serializable' });
    expect(asRecorded.ok).toBe(false);
    expect(asRecorded.violations).toContain('G-single-realtime');
    const lostAsUnknown = entries.map((entry) => (entry.type === 'ok' && lost.has(entry.txnId) ? { ...entry, type: 'info' as const } : entry));
    const verdict = checkTxnHistory(lostAsUnknown, { model: 'strict-serializable' });
    expect(verdict.anomalies.filter((anomaly) => anomaly.forbidden)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.truncated).toBe(false);
  });
});
