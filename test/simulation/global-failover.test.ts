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
