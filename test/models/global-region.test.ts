/**
 * The Global Database region statechart (models/global-region.machine.ts; docs/protocol.md §11.1;
 * §13, G1–G5), driven with xstate's own `createActor` on the kernel's VirtualClock, advanced by the test, with `send` and
 * `observe` provided as collectors that deep-freeze what they are given. Three regions: us-east-1
 * (primary), eu-west-1 and ap-south-1. Records are one per LSN with digest `d<lsn>`; an MTR's last
 * record is its CPL. Where the S17/S18 judges can read what the chart reports, they do.
 */
import { freeze } from 'immer';
import { createActor } from 'xstate';
import { VirtualClock } from '../../src/kernel/clock.js';
import { describe, expect, it } from 'vitest';
import type { GlobalRegionContext, GlobalRegionEvent, GlobalRegionInput, GlobalRegionObservation } from '../../models/global-region.machine.js';
import { GlobalRegionInputError, globalRegionMachine } from '../../models/global-region.machine.js';
import type { SendParams, WireMessage } from '../../models/messages.js';
import { createGlobalFencing, createGlobalPrefix } from '../../src/check/global.js';
import type { GlobalObservation, LsnTime, RecordDigest } from '../../src/protocol/global.js';
import { secondaryDurableLsn } from '../../src/protocol/global.js';
import type { Lsn, RegionId } from '../../src/protocol/ids.js';
import { lsn, regionId } from '../../src/protocol/ids.js';

const EAST = regionId('us-east-1');
const EU = regionId('eu-west-1');
const AP = regionId('ap-south-1');
const ENDPOINTS = { [EAST]: 'metadata:us-east-1', [EU]: 'metadata:eu-west-1', [AP]: 'metadata:ap-south-1' };


/** One MTR: records `from`..`to`, the last its CPL. */
const mtr = (from: number, to: number): RecordDigest[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ lsn: lsn(from + i), digest: `d${from + i}`, isCpl: from + i === to }));
const ship = (records: RecordDigest[], primaryVdl: number, commits: LsnTime[] = []): GlobalRegionEvent => ({
  type: 'globalShip',
  from: 'replicator:eu-west-1',
  records,
  primaryVdl: lsn(primaryVdl),
  commits,
});
const vcl = (value: number): GlobalRegionEvent => ({ type: 'volumeVcl', vcl: lsn(value) });
const at = (commitLsn: number, atMs: number): LsnTime => ({ lsn: lsn(commitLsn), atMs });

/** A region's actor with collecting effects. */
function start(region: RegionId, patch: Partial<GlobalRegionInput> = {}) {
  const clock = new VirtualClock();
  const sent: SendParams<WireMessage>[] = [];
  const observed: { atMs: number; observation: GlobalRegionObservation }[] = [];
  const machine = globalRegionMachine.provide({
    actions: {
      send: (_, params) => void sent.push(freeze(params, true)),
      observe: (_, params) => void observed.push({ atMs: clock.now(), observation: freeze(params, true) }),
    },
  });
  const input: GlobalRegionInput = {
    self: `global:${region}`,
    region,
    primaryRegion: EAST,
    regions: [EAST, EU, AP],
    volumeEndpoints: ENDPOINTS,
    lagTickMs: 100,
    laggingAfterMs: 300,
    cutOffAfterMs: 1_000,
    fenceTimeoutMs: 2_000,
    ...patch,
  };
  const actor = createActor(machine, { input, clock }).start();
  const state = (): string => {
    const path = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => [key, ...path(child)]);
    return path(actor.getSnapshot().value).join('.');
  };
  return {
    clock,
    sent,
    observed,
    state,
    context: (): GlobalRegionContext => actor.getSnapshot().context,
    send: (event: GlobalRegionEvent) => actor.send(freeze(event, true)),
    kinds: () => observed.map(({ observation }) => observation.kind),
    messages: (type: string) => sent.filter(({ message }) => message.type === type),
  };
}

describe('Global region: a secondary replicating', () => {
  it('replicating → lagging → replicating as the RPO lag crosses laggingAfterMs', () => {
    const eu = start(EU);
    expect(eu.state()).toBe('secondary.replicating');
    eu.send(ship(mtr(1, 2), 2, [at(2, 0)]));
    eu.send(vcl(2));
    expect(eu.context().durableLsn).toBe(2);
    // Commit 4 is shipped at once, but the volume's VCL stays at 2: the lag counts from commit 2's time.
    eu.send(ship(mtr(3, 4), 4, [at(4, 50)]));
    eu.clock.runFor(300);
    expect([eu.context().rpoLagMs, eu.state()]).toEqual([300, 'secondary.replicating']);
    eu.send(ship([], 4)); // a shipment with nothing new keeps the link alive
    eu.clock.runFor(100);
    expect([eu.context().rpoLagMs, eu.state()]).toEqual([400, 'secondary.lagging']);
    eu.send(vcl(4));
    expect([eu.context().durableLsn, eu.context().rpoLagMs, eu.state()]).toEqual([4, 0, 'secondary.replicating']);
  });

  it('cutOff on link down and back on link up; cutOff after cutOffAfterMs with nothing shipped, back on a shipment', () => {
    const eu = start(EU);
    eu.send({ type: 'linkDown' });
    expect(eu.state()).toBe('secondary.cutOff');
    // A shipment already on its way is taken, but the link is still down.
    eu.send(ship(mtr(1, 2), 2));
    expect([eu.context().highestShippedLsn, eu.state()]).toEqual([2, 'secondary.cutOff']);
    eu.send({ type: 'linkUp' });
    expect(eu.state()).toBe('secondary.replicating');
    eu.clock.runFor(900);
    expect(eu.state()).toBe('secondary.replicating');
    eu.clock.runFor(100);
    expect(eu.state()).toBe('secondary.cutOff');
    eu.send(ship(mtr(3, 4), 4));
    expect(eu.state()).toBe('secondary.replicating');
  });

  it('keeps the durable LSN at the protocol rule, never above the shipped VDL, and reports what the S17 judge accepts', () => {
    const eu = start(EU);
    const judge = createGlobalPrefix({ primaryRegion: EAST, secondaryRegions: [EU, AP] });
    const steps: ({ records: RecordDigest[]; vdl: number } | { vcl: number })[] = [
      { records: mtr(1, 3), vdl: 0 },
      { vcl: 3 }, // the primary has not made 3 durable yet: durable stays 0
      { records: mtr(4, 5), vdl: 3 },
      { vcl: 4 }, // 4 is inside the MTR 4..5: durable stays 3
      { records: mtr(6, 9), vdl: 9 },
      { vcl: 9 },
      { records: mtr(10, 10), vdl: 10 },
      { vcl: 12 },
    ];
    const all: RecordDigest[] = [];
    let shippedVdl = 0;
    let volumeVcl = 0;
    let primaryVdl = 0;
    for (const step of steps) {
      if ('records' in step) {
        all.push(...step.records);
        // The primary reports its VDL before a shipment carries it (the order GlobalObservation states).
        if (step.vdl > primaryVdl) {
          judge.observe(eu.clock.now(), 'global:us-east-1', { kind: 'primaryVdl', region: EAST, vdl: lsn(step.vdl), records: all.filter((record) => record.lsn > primaryVdl && record.lsn <= step.vdl) });
          primaryVdl = step.vdl;
        }
        judge.observe(eu.clock.now(), 'replicator:eu-west-1', { kind: 'shipped', from: EAST, to: EU, primaryVdl: lsn(step.vdl) });
        shippedVdl = Math.max(shippedVdl, step.vdl);
        eu.send(ship(step.records, step.vdl));
      } else {
        volumeVcl = step.vcl;
        eu.send(vcl(step.vcl));
      }
      const rule = secondaryDurableLsn({ shippedPrimaryVdl: lsn(shippedVdl), secondaryVcl: lsn(volumeVcl), shippedCpls: all.filter((record) => record.isCpl).map((record) => record.lsn) });
      expect(eu.context().durableLsn).toBe(rule);
      expect(eu.context().durableLsn).toBeLessThanOrEqual(shippedVdl);
    }
    const durables = eu.observed.flatMap(({ observation }) => (observation.kind === 'secondaryDurable' ? [observation] : []));
    expect(durables.map((o) => o.durableLsn)).toEqual([3, 9, 10]);
    // Each report carries exactly the records in (previous durable, durable].
    expect(durables.map((o) => o.records.map((record) => record.lsn))).toEqual([[1, 2, 3], [4, 5, 6, 7, 8, 9], [10]]);
    for (const { atMs, observation } of eu.observed) judge.observe(atMs, 'global:eu-west-1', observation as GlobalObservation);
    expect(judge.result()).toMatchObject({ ok: true, violations: 0 });
    // The primary hears each move, for its RPO control.
    expect(eu.messages('regionDurable')).toEqual(
      [3, 9, 10].map((durableLsn) => ({ to: 'global:us-east-1', message: { type: 'regionDurable', from: 'global:eu-west-1', region: EU, durableLsn } })),
    );
  });
});

describe('Global region: the primary’s RPO control', () => {
  it('holds a commit while every secondary lags more than rds.global_db_rpo, lets it go when one catches up, and reports the time held', () => {
    const east = start(EAST, { rpoLimitMs: 20_000, lagTickMs: 1_000 });
    expect(east.state()).toBe('primary.writable');
    east.send({ type: 'commitGate', from: 'inst:us-east-1:writer', commitLsn: lsn(10) });
    expect(east.messages('commitGateAnswer').map(({ message }) => message)).toEqual([{ type: 'commitGateAnswer', from: 'global:us-east-1', commitLsn: 10, allowed: true }]);
    // 25 s on, no secondary has commit 10: both lag 25 s, above the 20 s limit.
    east.clock.runFor(25_000);
    east.send({ type: 'commitGate', from: 'inst:us-east-1:writer', commitLsn: lsn(20) });
    expect(east.messages('commitGateAnswer')).toHaveLength(1);
    expect(east.observed.at(-1)?.observation).toEqual({ kind: 'commitHeld', region: EAST, commitLsn: 20, rpoLagsMs: [25_000, 25_000] });
    // A later commit waits behind it (commits are acknowledged in LSN order).
    east.send({ type: 'commitGate', from: 'inst:us-east-1:writer', commitLsn: lsn(30) });
    east.clock.runFor(5_000);
    east.send({ type: 'regionDurable', from: 'global:ap-south-1', region: AP, durableLsn: lsn(10) });
    const answered = () => east.messages('commitGateAnswer').map(({ message }) => (message as { commitLsn: Lsn }).commitLsn);
    expect(answered()).toEqual([10, 20]);
    // Letting 20 through makes ap-south-1 lag again (it holds 10 only, §13, G5): 30 waits on.
    expect(east.context().heldCommits.map((held) => held.commitLsn)).toEqual([30]);
    east.clock.runFor(1_000);
    east.send({ type: 'regionDurable', from: 'global:ap-south-1', region: AP, durableLsn: lsn(20) });
    expect(answered()).toEqual([10, 20, 30]);
    expect(east.observed.filter(({ observation }) => observation.kind === 'commitReleased').map(({ observation }) => observation)).toEqual([
      { kind: 'commitReleased', region: EAST, commitLsn: 20, blockedMs: 5_000 },
      { kind: 'commitReleased', region: EAST, commitLsn: 30, blockedMs: 6_000 },
    ]);
    expect(east.context().heldCommits).toEqual([]);
  });
  it('after a failover in a two-region global database with a limit set, the new primary has no secondary and its commits stall (§11.1)', () => {
    const eu = start(EU, { regions: [EAST, EU], rpoLimitMs: 20_000 });
    eu.send({ type: 'failover', from: 'console' });
    eu.send({ type: 'recovered', from: 'metadata:eu-west-1', vdl: lsn(0) });
    expect([eu.state(), eu.context().durableByRegion]).toEqual(['primary.writable', {}]);
    eu.send({ type: 'commitGate', from: 'inst:eu-west-1:writer', commitLsn: lsn(1) });
    expect(eu.messages('commitGateAnswer')).toEqual([]);
    expect(eu.observed.at(-1)?.observation).toEqual({ kind: 'commitHeld', region: EU, commitLsn: 1, rpoLagsMs: [] });
    // Without the limit, the same commit goes through at once.
    const unlimited = start(EU, { regions: [EAST, EU] });
    unlimited.send({ type: 'failover', from: 'console' });
    unlimited.send({ type: 'recovered', from: 'metadata:eu-west-1', vdl: lsn(0) });
    unlimited.send({ type: 'commitGate', from: 'inst:eu-west-1:writer', commitLsn: lsn(1) });
    expect(unlimited.messages('commitGateAnswer').map(({ message }) => message)).toMatchObject([{ commitLsn: 1, allowed: true }]);
  });
});

describe('Global region: switchover', () => {
  it('is refused while the primary takes commits, while the target is behind, and to a headless target; allowed once caught up and read-only', () => {
    const eu = start(EU);
    eu.send(ship(mtr(1, 4), 6));
    eu.send(vcl(4));
    eu.send({ type: 'switchover', from: 'console', primaryVdl: lsn(6), primaryReadOnly: false });
    eu.send({ type: 'switchover', from: 'console', primaryVdl: lsn(6), primaryReadOnly: true });
    expect(eu.state()).toBe('secondary.replicating');
    const reasons = eu.observed.flatMap(({ observation }) => (observation.kind === 'switchoverRefused' ? [observation.reason] : []));
    expect(reasons).toEqual([expect.stringMatching(/still takes commits/), expect.stringMatching(/durable LSN 4 is below the primary's final VDL 6/)]);
    expect(eu.messages('switchoverRefused').map(({ to }) => to)).toEqual(['console', 'console']);
    // Caught up: promote; recovery is asked of its own volume at the durable LSN.
    eu.send(ship(mtr(5, 6), 6));
    eu.send(vcl(6));
    eu.send({ type: 'switchover', from: 'console', primaryVdl: lsn(6), primaryReadOnly: true });
    expect(eu.state()).toBe('promoting');
    expect(eu.messages('globalRecover')).toEqual([
      { to: 'metadata:eu-west-1', message: { type: 'globalRecover', from: 'global:eu-west-1', region: EU, how: 'switchover', durableLsn: 6 } },
    ]);
    eu.send({ type: 'recovered', from: 'metadata:eu-west-1', vdl: lsn(6) });
    expect(eu.state()).toBe('primary.writable');
    expect(eu.observed.at(-1)?.observation).toEqual({ kind: 'promoted', region: EU, oldPrimary: EAST, vdl: 6, how: 'switchover', primaryTerm: 1 });
    expect(eu.context().durableByRegion).toEqual({ [EAST]: 6, [AP]: 6 });

    const headless = start(AP, { instances: 0 });
    headless.send({ type: 'switchover', from: 'console', primaryVdl: lsn(0), primaryReadOnly: true });
    expect([headless.state(), headless.kinds()]).toEqual(['secondary.replicating', ['switchoverRefused']]);
  });

  it('on the old primary: read-only refuses commits, then it replicates from the new primary at its start', () => {
    const east = start(EAST);
    east.send({ type: 'beginSwitchover' });
    expect(east.state()).toBe('primary.readOnly');
    east.send({ type: 'commitGate', from: 'inst:us-east-1:writer', commitLsn: lsn(7) });
    expect(east.messages('commitGateAnswer').map(({ message }) => message)).toEqual([
      { type: 'commitGateAnswer', from: 'global:us-east-1', commitLsn: 7, allowed: false, reason: 'readOnly' },
    ]);
    east.send({ type: 'demote', newPrimary: EU, vdl: lsn(6) });
    expect(east.state()).toBe('secondary.replicating');
    expect(east.context()).toMatchObject({ primaryRegion: EU, durableLsn: 6, shippedPrimaryVdl: 6 });
    east.send(ship(mtr(7, 8), 8));
    east.send(vcl(8));
    expect(east.messages('regionDurable')).toEqual([{ to: 'global:eu-west-1', message: { type: 'regionDurable', from: 'global:us-east-1', region: EAST, durableLsn: 8 } }]);
  });
});

describe('Global region: managed failover, detach, rejoin', () => {
  it('fails over without waiting; a fence that times out is reported, and S18 shows the split-brain window', () => {
    const eu = start(EU);
    eu.send(ship(mtr(1, 4), 6, [at(4, 0), at(6, 0)]));
    eu.send(vcl(6)); // durable 4: the MTR 5..6 never arrived
    eu.send({ type: 'failover', from: 'console', failureAtMs: 150 });
    expect(eu.state()).toBe('promoting');
    expect(eu.messages('globalRecover').map(({ message }) => message)).toMatchObject([{ how: 'failover', durableLsn: 4 }]);
    eu.send({ type: 'recovered', from: 'metadata:eu-west-1', vdl: lsn(4), truncatedThroughLsn: lsn(30) });
    expect(eu.state()).toBe('primary.writable');
    // The fence is the old primary's claim of its own volume: it is told to rejoin from the start;
    // the other secondary follows from there too.
    expect(eu.messages('rejoin')).toEqual([
      { to: 'global:us-east-1', message: { type: 'rejoin', from: 'global:eu-west-1', newPrimary: EU, primaryTerm: 1, vdl: 4, truncateThroughLsn: 30 } },
    ]);
    expect(eu.messages('primaryChanged')).toEqual([
      { to: 'global:ap-south-1', message: { type: 'primaryChanged', from: 'global:eu-west-1', primary: EU, primaryTerm: 1, vdl: 4, truncateThroughLsn: 30 } },
    ]);
    // The old primary is not counted by RPO control until it rejoins.
    expect(eu.context().durableByRegion).toEqual({ [AP]: 4 });
    eu.clock.runFor(1_999);
    expect(eu.kinds()).not.toContain('fenceTimedOut');
    eu.clock.runFor(1);
    expect(eu.kinds()).toEqual(['secondaryDurable', 'promoted', 'fenceTimedOut']);
    expect(eu.observed[1]?.observation).toEqual({ kind: 'promoted', region: EU, oldPrimary: EAST, vdl: 4, how: 'failover', failureAtMs: 150, primaryTerm: 1 });
    expect(eu.context().fence).toEqual({ region: EAST, outcome: 'timedOut' });
    // The old primary, unfenced, acknowledges a commit after the timeout: S18 reports the window.
    const s18 = createGlobalFencing();
    for (const { atMs, observation } of eu.observed) s18.observe(atMs, 'global:eu-west-1', observation as GlobalObservation);
    s18.observe(eu.clock.now() + 10, 'inst:us-east-1:writer', { kind: 'commitAcknowledged', region: EAST, commitLsn: lsn(8) });
    const verdict = s18.result();
    expect(verdict.ok).toBe(true);
    expect(verdict.splitBrain).toMatchObject([{ region: EAST, fromMs: 2_000, commits: 1, firstCommitLsns: [8] }]);
  });

  it('a fence that succeeds in time is reported and its timer cancelled', () => {
    const eu = start(EU);
    eu.send({ type: 'failover', from: 'console' });
    eu.send({ type: 'fenced', from: 'metadata:us-east-1', region: EAST });
    eu.clock.runFor(5_000);
    expect(eu.kinds()).toEqual(['fenced']);
    expect(eu.context().fence).toEqual({ region: EAST, outcome: 'fenced' });
  });

  it('detach: promoting, then detached, a standalone cluster with no RPO control that takes no shipments', () => {
    const ap = start(AP, { rpoLimitMs: 20_000 });
    ap.send(ship(mtr(1, 2), 2));
    ap.send(vcl(2));
    ap.send({ type: 'detach', from: 'console' });
    expect(ap.messages('globalRecover').map(({ message }) => message)).toMatchObject([{ how: 'detach', durableLsn: 2 }]);
    ap.send({ type: 'recovered', from: 'metadata:ap-south-1', vdl: lsn(2) });
    expect(ap.state()).toBe('detached');
    expect(ap.observed.at(-1)?.observation).toEqual({ kind: 'detached', region: AP, vdl: 2 });
    expect(ap.kinds()).not.toContain('promoted');
    ap.clock.runFor(60_000);
    ap.send({ type: 'commitGate', from: 'inst:ap-south-1:writer', commitLsn: lsn(3) });
    expect(ap.messages('commitGateAnswer').map(({ message }) => message)).toEqual([{ type: 'commitGateAnswer', from: 'global:ap-south-1', commitLsn: 3, allowed: true }]);
    ap.send(ship(mtr(3, 4), 4));
    expect(ap.context().highestShippedLsn).toBe(2);
  });

  it('an old primary back after a failover has its agent claim the volume from the new primary’s start, answers fenced, and replicates from it', () => {
    const east = start(EAST, { agent: 'replication:us-east-1', controlPlane: 'control-plane' });
    east.send({ type: 'rejoin', newPrimary: EU, vdl: lsn(4), truncateThroughLsn: lsn(30), primaryTerm: 1 });
    expect(east.state()).toBe('rejoining');
    expect(east.messages('globalFollow')).toEqual([
      {
        to: 'replication:us-east-1',
        message: { type: 'globalFollow', from: 'global:us-east-1', primaryRegion: EU, replicator: 'replicator:us-east-1@1', startLsn: 4, truncateThroughLsn: 30, rebuild: true },
      },
    ]);
    expect(east.messages('standDown').map(({ to }) => to)).toEqual(['control-plane']);
    east.send({ type: 'rebuilt', from: 'replication:us-east-1', vdl: lsn(4) });
    expect(east.state()).toBe('secondary.replicating');
    expect(east.messages('fenced')).toEqual([{ to: 'global:eu-west-1', message: { type: 'fenced', from: 'global:us-east-1', region: EAST } }]);
    expect(east.context()).toMatchObject({ primaryRegion: EU, durableLsn: 4 });
    east.send(ship(mtr(5, 6), 6));
    east.send(vcl(6));
    expect(east.messages('regionDurable').map(({ to, message }) => [to, (message as { durableLsn: Lsn }).durableLsn])).toEqual([['global:eu-west-1', 6]]);
  });

  it('refuses input it cannot run on, naming the field', () => {
    const base: GlobalRegionInput = { self: 'global:us-east-1', region: EAST, primaryRegion: EAST, regions: [EAST, EU], volumeEndpoints: ENDPOINTS };
    const cases: [Partial<GlobalRegionInput>, RegExp][] = [
      [{ lagTickMs: 0 }, /^globalRegion input: lagTickMs: 0; allowed a finite number of ms above 0$/],
      [{ fenceTimeoutMs: Number.NaN }, /fenceTimeoutMs: NaN/],
      [{ instances: 17 }, /instances: 17; allowed a whole number from 0 \(headless\) to 16/],
      [{ primaryRegion: AP }, /primaryRegion: "ap-south-1" is not one of regions \(us-east-1, eu-west-1\)/],
      [{ volumeEndpoints: { [EAST]: 'metadata:us-east-1' } }, /volumeEndpoints: no endpoint for region "eu-west-1"/],
      [{ rpoLimitMs: 5_000 }, /rpoLimitMs \(rds.global_db_rpo, in ms\): 5 s; allowed a whole number of seconds from 20/],
    ];
    // xstate hands an error thrown while the actor starts to its error observer and ends the actor in `error`.
    for (const [patch, message] of cases) {
      const errors: unknown[] = [];
      const actor = createActor(globalRegionMachine, { input: { ...base, ...patch } });
      actor.subscribe({ error: (error) => void errors.push(error) });
      actor.start();
      expect(actor.getSnapshot().status).toBe('error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(GlobalRegionInputError);
      expect((errors[0] as Error).message).toMatch(message);
    }
    // The same input without the fault starts.
    expect(createActor(globalRegionMachine, { input: base }).getSnapshot().status).toBe('active');
  });
});
