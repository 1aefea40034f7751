/**
 * A switchover and back (docs/protocol.md §11.1, switchover): us-east-1 hands over to eu-west-1
 * and, four seconds later, takes the primary role back. The region that followed claims its volume
 * again from the new start each time, its agent promotes the instance that was its writer, and
 * the judges of a single region judge the first primary's instances again once it is primary.
 */
import { describe, expect, it } from 'vitest';
import type { WriterContext } from '../../models/instance.machine.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { checkTxnHistory } from '../../src/check/txn/check.js';
import { acknowledgedBy } from './helpers.js';

describe('Global Database: a switchover to eu-west-1 and back to us-east-1', () => {
  const scenario = withOverrides(findScenario('global-switchover')!, {
    writer: { isolation: 'serializable' },
    failover: { endpointSwitchMs: 1_000 },
    faults: [
      { atMs: 2_000, kind: 'globalSwitchover', region: 'eu-west-1' },
      { atMs: 6_000, kind: 'globalSwitchover', region: 'us-east-1' },
    ],
    durationMs: 10_000,
  });
  const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } });
  const eastAcks = acknowledgedBy(sim, 'inst:us-east-1:writer');
  const euAcks = acknowledgedBy(sim, 'inst:eu-west-1:replica1');
  sim.runFor(scenario.durationMs);
  const report = sim.report();
  const [there, back] = report.global!.promotions;

  it('promotes eu-west-1 at the first final VDL and us-east-1 at the second, losing nothing either time', () => {
    expect(there).toMatchObject({ region: 'eu-west-1', how: 'switchover', oldPrimary: 'us-east-1', lostCommits: 0 });
    expect(back).toMatchObject({ region: 'us-east-1', how: 'switchover', oldPrimary: 'eu-west-1', lostCommits: 0 });
    expect(there!.vdl).toBe(Math.max(...eastAcks.filter(({ atMs }) => atMs < there!.openedAtMs!).map(({ lsn }) => lsn)));
    expect(back!.vdl).toBe(Math.max(...euAcks.map(({ lsn }) => lsn)));
    expect(eastAcks.filter(({ atMs }) => atMs > back!.openedAtMs!).every(({ lsn }) => lsn > back!.vdl!)).toBe(true);
    expect(eastAcks.filter(({ atMs }) => atMs > back!.openedAtMs!).length).toBeGreaterThan(50);
  });

  it('ends with us-east-1 primary, its writer the first writer again, and both other regions following it', () => {
    expect(report.global!.primaryRegion).toBe('us-east-1');
    expect((sim.host.snapshotOf('inst:us-east-1:writer').context as WriterContext).role).toBe('writer');
    expect((sim.host.snapshotOf('inst:eu-west-1:replica1').context as WriterContext).role).toBe('reader');
    for (const region of ['eu-west-1', 'ap-southeast-2']) expect(sim.host.snapshotOf(`global:${region}`).value).toEqual({ secondary: 'replicating' });
  });

  it('keeps every judge and a strictly serializable history across the writers of both regions', () => {
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    expect(report.commits.lostAcknowledged).toBe(0);
    const verdict = checkTxnHistory(sim.history.entries, { model: 'strict-serializable' });
    expect(verdict.anomalies.filter((anomaly) => anomaly.forbidden)).toEqual([]);
    expect(verdict.ok).toBe(true);
  });
});
