/**
 * Membership changes (docs/protocol.md §8): a lost segment F is replaced by G through the joint
 * configuration, one membership-epoch bump per step, G hydrated by gossip; the change goes back to
 * F if F returns first; stale membership epochs are rejected; writes never stop.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/protocol/observations.js';
import { sclOf } from '../../src/protocol/segment-store.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe, scenario } from './helpers.js';

type Installed = Extract<Observation, { kind: 'membershipInstalled' }>;

function run(name: string) {
  const sim = new Simulation({ seed: 3, scenario: scenario(name), trace: { keepEvents: false } });
  const installed: { atMs: number; observation: Installed }[] = [];
  sim.streams.observations$.subscribe(({ atMs, observation }) => {
    if (observation.kind === 'membershipInstalled') installed.push({ atMs, observation });
  });
  sim.run();
  return { sim, report: sim.report(), installed };
}

const F = 'seg:pg0:us-east-1c:1';

describe('Membership: segment-replacement', () => {
  const { sim, report, installed } = run('segment-replacement');
  const G = installed[0]!.observation.members.find((member) => member.includes(':r'))!;

  it('replaces F by G in two epoch bumps, through W(ABCDEF) ∧ W(ABCDEG)', () => {
    expect(installed.map(({ observation }) => [observation.phase, observation.membershipEpoch])).toEqual([
      ['entering', 2],
      ['finishing', 3],
    ]);
    const joint = installed[0]!.observation;
    expect(joint.write.kind).toBe('and');
    expect(joint.members).toContain(F);
    expect(joint.members).toContain(G);
    expect(installed[1]!.observation.members).not.toContain(F);
    expect(installed[1]!.observation.members).toContain(G);
  });

  it('never loses write availability, and ends with G a full, caught-up member', () => {
    expectSafe(report);
    expect(report.writeStalls).toEqual([]);
    expect(report.invariants.find((r) => r.name === 'S15 membership')).toMatchObject({ ok: true });
    const peers = sim.membersByPg[0]!.filter((id) => id !== F && id !== G);
    expect(sim.host.snapshotOf(G).value).toEqual({ online: 'up' });
    expect(sclOf(sim.segment(G).store)).toBe(Math.max(...peers.map((id) => sclOf(sim.segment(id).store))));
    expect(sim.segment(G).membershipEpoch).toBe(3);
    // G hydrated by gossip: its peers had collected garbage, so it took their base pages and
    // baseline first (full-segment repair), then the records above.
    expect(sim.segment(G).stats.recordsFromGossip).toBeGreaterThan(100);
    expect(sim.segment(G).store.gcPoint).toBeGreaterThan(0);
  });
});

describe('Membership: segment-replacement-reverted', () => {
  const { sim, report, installed } = run('segment-replacement-reverted');

  it('goes back to F when F returns before G has hydrated, and retires G', () => {
    expectSafe(report);
    expect(installed.map(({ observation }) => observation.phase)).toEqual(['entering', 'finishing']);
    const final = installed[1]!.observation;
    expect(final.members).toContain(F);
    expect(final.members.some((member) => member.includes(':r'))).toBe(false);
    const G = installed[0]!.observation.members.find((member) => member.includes(':r'))!;
    expect(sim.host.snapshotOf(G).value).toBe('retired');
    // Writes go on through both changes (at most a hiccup around the switch back).
    for (const stall of report.writeStalls) expect(stall.toMs - stall.fromMs).toBeLessThan(500);
  });

  it('rejects the stale membership epoch F comes back with, until F adopts the current one', () => {
    // F restarts at epoch 1 while its peers hold epoch 2: its gossip pulls are refused (SIGMOD'18
    // §4.1: the sender must refresh its membership) until the writer's change reaches it.
    const rejected = sim.membersByPg[0]!.filter((id) => id !== F).reduce((total, id) => total + sim.segment(id).stats.rejected, 0);
    expect(rejected).toBeGreaterThan(0);
    expect(sim.segment(F).membershipEpoch).toBe(3);
  });
});

describe('Membership: az-plus-one-repair', () => {
  const { sim, report, installed } = run('az-plus-one-repair');

  it('resumes writes when the AZ returns and replaces the segment lost for good', () => {
    expectSafe(report);
    const firstStall = report.writeStalls[0]!;
    expect(firstStall.fromMs).toBeGreaterThanOrEqual(4_000);
    expect(firstStall.toMs).toBeLessThan(10_000);
    const final = installed.at(-1)!.observation;
    expect(final.phase).toBe('finishing');
    expect(final.members).not.toContain(F);
    const G = final.members.find((member) => member.includes(':r'))!;
    expect(sim.host.snapshotOf(G).value).toEqual({ online: 'up' });
    expect(report.commits.acknowledged).toBeGreaterThan(2_000);
  });
});

describe('Membership: a new member counts the replicas\' minimum read points (S14)', () => {
  const replicas = [{ az: 'us-east-1b', tier: 0, sizeAcu: 16 }];
  const sim = new Simulation({ seed: 3, scenario: scenario('segment-replacement', { topology: { replicas } } as never), trace: { keepEvents: false } });
  sim.run();
  const report = sim.report();

  it('learns them from its peers\' gossip, though replicas report only to the members they started with', () => {
    expectSafe(report);
    const G = sim.membersByPg[0]!.find((id) => id.includes(':r'))!;
    const replica = sim.topology.replicas[0]!.id;
    expect(Object.keys(sim.segment(G).mrplByInstance)).toContain(replica);
    expect(report.invariants.find((r) => r.name === 'S14 GC safety')).toMatchObject({ ok: true, vacuous: false });
  });
});

describe('Membership: the writer fails over in the middle of a replacement', () => {
  // Slow hydration (small gossip answers, no GC baselines) keeps F→G open for seconds; the writer
  // crashes after entering the joint configuration and the tier-0 replica takes over.
  const patch = {
    topology: { replicas: [{ az: 'us-east-1b', tier: 0, sizeAcu: 16 }] },
    storage: { gossipMaxRecords: 64, gcPeriodMs: 0 },
    failover: { healthCheckPeriodMs: 500, missesToFail: 2, endpointSwitchMs: 500 },
    faults: [
      { atMs: 3_000, kind: 'segmentCrash', segment: F },
      { atMs: 8_500, kind: 'instanceCrash', instance: 'inst:us-east-1:writer' },
    ],
    durationMs: 15_000,
  };
  const sim = new Simulation({ seed: 3, scenario: scenario('segment-replacement', patch as never), trace: { keepEvents: false } });
  const installed: Installed[] = [];
  sim.streams.observations$.subscribe(({ observation }) => {
    if (observation.kind === 'membershipInstalled' && observation.pg === 0) installed.push(observation);
  });
  sim.run();
  const report = sim.report();

  it('lets the new writer finish the change it found in the metadata service', () => {
    expectSafe(report);
    expect(report.failover).toMatchObject({ from: 'inst:us-east-1:writer', to: 'inst:us-east-1:replica1' });
    expect(installed.map((o) => [o.instance, o.phase, o.membershipEpoch])).toEqual([
      ['inst:us-east-1:writer', 'entering', 2],
      ['inst:us-east-1:replica1', 'finishing', 3],
    ]);
    // The same change, settled on G: no second replacement of F was needed.
    expect(installed[1]!.change).toBe(installed[0]!.change);
    expect(installed[1]!.members).toContain(installed[0]!.change);
    expect(installed[1]!.members).not.toContain(F);
  });
});
