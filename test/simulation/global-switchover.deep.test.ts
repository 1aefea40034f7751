/**
 * A Global Database switchover in a run (docs/protocol.md §11.1, switchover; §12, S17; §13, G3):
 * `global-switchover`, shortened. What it must show is checked against what the instances
 * themselves observed and the clients' history, not against the report's arithmetic: nothing the
 * old primary acknowledged is lost (RPO 0), the new primary starts at the old one's final VDL,
 * and replication reverses, so the old primary and the other secondary follow the new primary.
 */
import { describe, expect, it } from 'vitest';
import type { WriterContext } from '../../models/instance.machine.js';
import type { GlobalRegionContext } from '../../models/global-region.machine.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { checkTxnHistory } from '../../src/check/txn/check.js';
import { acknowledgedBy } from './helpers.js';

describe('Global Database: switchover from us-east-1 to eu-west-1 under load', () => {
  const scenario = withOverrides(findScenario('global-switchover')!, {
    writer: { isolation: 'serializable' },
    failover: { endpointSwitchMs: 1_000 },
    faults: [{ atMs: 1_500, kind: 'globalSwitchover', region: 'eu-west-1' }],
    durationMs: 4_000,
  });
  const sim = new Simulation({ seed: 3, scenario, trace: { keepEvents: false } });
  const oldAcks = acknowledgedBy(sim, 'inst:us-east-1:writer');
  const newAcks = acknowledgedBy(sim, 'inst:eu-west-1:replica1');
  sim.runFor(scenario.durationMs);
  const report = sim.report();
  const global = report.global!;
  const promotion = global.promotions[0]!;
  const regionContext = (region: string): GlobalRegionContext => sim.host.snapshotOf(`global:${region}`).context as GlobalRegionContext;

  it('promotes eu-west-1 at the old primary final VDL, with every commit the old primary acknowledged at or below it (RPO 0)', () => {
    expect(promotion).toMatchObject({ region: 'eu-west-1', how: 'switchover', oldPrimary: 'us-east-1', requestedAtMs: 1_500, lostCommits: 0 });
    expect(oldAcks.length).toBeGreaterThan(100);
    const lastOld = Math.max(...oldAcks.map(({ lsn }) => lsn));
    expect(promotion.vdl).toBe(lastOld);
    // The old writer acknowledged nothing once the switchover began draining it.
    expect(oldAcks.every(({ atMs }) => atMs <= promotion.openedAtMs!)).toBe(true);
    expect(global.primaryRegion).toBe('eu-west-1');
  });

  it('opens the new primary for clients, which commit there above its start', () => {
    expect(newAcks.length).toBeGreaterThan(40);
    expect(newAcks.every(({ lsn }) => lsn > promotion.vdl!)).toBe(true);
    expect(report.writer.instance).toBe('inst:eu-west-1:replica1');
  });

  it('reverses replication: the old primary and ap-southeast-2 follow eu-west-1, its writer a reader of what they replicate', () => {
    const east = sim.host.snapshotOf('global:us-east-1');
    expect(east.value).toEqual({ secondary: 'replicating' });
    expect(sim.host.snapshotOf('global:ap-southeast-2').value).toEqual({ secondary: 'replicating' });
    const newest = Math.max(...newAcks.map(({ lsn }) => lsn));
    for (const region of ['us-east-1', 'ap-southeast-2']) {
      const context = regionContext(region);
      expect(context.primaryRegion).toBe('eu-west-1');
      // Durable well past the start: it holds the new primary's commits (within a second of the end).
      expect(context.durableLsn).toBeGreaterThan(promotion.vdl!);
      expect(newAcks.filter(({ lsn }) => lsn <= context.durableLsn).length).toBeGreaterThan(newAcks.length / 2);
      expect(context.durableLsn).toBeLessThanOrEqual(newest + 2);
    }
    const oldWriter = sim.host.snapshotOf('inst:us-east-1:writer').context as WriterContext;
    expect(oldWriter.role).toBe('reader');
    expect(oldWriter.replica.appliedLsn).toBeGreaterThan(promotion.vdl!);
    expect(sim.host.snapshotOf('replication:us-east-1').value).toBe('applying');
  });

  it('keeps every judge, S17 judged, and a strictly serializable history across both writers', () => {
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.invariants.find((result) => result.name.startsWith('S17'))).toMatchObject({ ok: true, vacuous: false });
    const verdict = checkTxnHistory(sim.history.entries, { model: 'strict-serializable' });
    expect(verdict.anomalies.filter((anomaly) => anomaly.forbidden)).toEqual([]);
    expect(verdict.ok).toBe(true);
  });
});
