/**
 * Purity of the small machines (docs/determinism.md, "Pure transitions"): the heartbeat monitor and
 * responder, the failover control plane, the storage control plane, the metadata service and the
 * failure domains. Each test drives one machine through every event type its chart handles, in
 * states where the event does real work, and takes every step with `stepFrozen`, which deep-freezes
 * the previous snapshot's context and fails on any write into it. The covered event types must
 * equal `handledEventTypes(machine)`, so an event added to a chart cannot go untested here.
 */
import { describe, expect, it } from 'vitest';
import { createFailureDomainMachine } from '../../models/failure-domain.js';
import { controlPlaneMachine } from '../../models/control-plane.machine.js';
import type { ManagedInstance } from '../../models/control-plane.machine.js';
import { monitorMachine, responderMachine } from '../../models/heartbeat.machine.js';
import { metadataMachine } from '../../models/metadata.machine.js';
import type { HealthPongMessage, MembershipStatusMessage, PgConfigRecord, SegmentPongMessage } from '../../models/messages.js';
import { pongOf, storageControlPlaneMachine } from '../../models/storage-control-plane.machine.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { Lsn, MembershipEpoch, PgId, SegmentId, VolumeEpoch } from '../../src/protocol/ids.js';
import { kOfN } from '../../src/protocol/quorum.js';
import { FrozenDriver } from './purity.js';

/** A timer a step scheduled. */
type Scheduled = Extract<Effect, { kind: 'schedule' }>;

const sendsOf = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message }] : []));
const messageTypes = (effects: readonly Effect[]) => sendsOf(effects).map(({ message }) => (message as { type: string }).type);
const timersOf = (effects: readonly Effect[]): Scheduled[] => effects.flatMap((effect) => (effect.kind === 'schedule' ? [effect] : []));

describe('Purity: heartbeat monitor and responder', () => {
  it('monitor: a pong, a round that makes a suspect, a round that clears it, stop', () => {
    const monitor = new FrozenDriver(monitorMachine, { self: 'mon', targets: ['r1', 'r2'], periodMs: 100, suspectAfterMisses: 1 });
    expect(messageTypes(monitor.startEffects)).toEqual(['ping', 'ping']);
    // r1 answers round 1, r2 does not: the round closes with r2 suspect.
    monitor.step({ type: 'pong', from: 'r1', round: 1 });
    expect(monitor.context.lastAnsweredRound).toEqual({ r1: 1 });
    expect(sendsOf(monitor.step({ type: 'tick' })).map(({ to }) => to)).toEqual(['r1', 'r2']);
    expect(monitor.context).toMatchObject({ round: 2, misses: { r1: 0, r2: 1 }, suspects: ['r2'] });
    expect(monitor.state).toBe('monitoring.degraded');
    // Both answer round 2: healthy again.
    monitor.step({ type: 'pong', from: 'r1', round: 2 });
    monitor.step({ type: 'pong', from: 'r2', round: 2 });
    monitor.step({ type: 'tick' });
    expect(monitor.state).toBe('monitoring.healthy');
    expect(monitor.step({ type: 'stop' })).toContainEqual({ kind: 'cancel', timerId: 'monitor.tick' });
    expect(monitor.state).toBe('stopped');
    expect(monitor.uncovered).toEqual([]);
  });

  it('responder: answers a ping while up, not after a crash, again after a restart', () => {
    const responder = new FrozenDriver(responderMachine, { self: 'r1' });
    expect(sendsOf(responder.step({ type: 'ping', from: 'mon', round: 1 }))).toEqual([{ to: 'mon', message: { type: 'pong', from: 'r1', round: 1 } }]);
    responder.step({ type: 'crash' });
    expect(responder.step({ type: 'ping', from: 'mon', round: 2 })).toEqual([]);
    responder.step({ type: 'restart' });
    responder.step({ type: 'ping', from: 'mon', round: 3 });
    expect(responder.context.answered).toBe(2);
    expect(responder.uncovered).toEqual([]);
  });
});

describe('Purity: the failover control plane', () => {
  const instances: ManagedInstance[] = [
    { id: 'w', role: 'writer', tier: 0, sizeAcu: 16 },
    { id: 'r1', role: 'reader', tier: 0, sizeAcu: 16 },
    { id: 'r2', role: 'reader', tier: 1, sizeAcu: 32 },
    { id: 's', role: 'standby', tier: 15, sizeAcu: 16 },
  ];
  const input = { self: 'cp', instances, healthCheckPeriodMs: 100, missesToFail: 2, endpointSwitchMs: 10, replacementDelayMs: 50, promotionTimeoutMs: 30 };
  const pong = (from: string, round: number, state: string, role: HealthPongMessage['role'] = 'reader'): HealthPongMessage => ({
    type: 'healthPong',
    from,
    round,
    role,
    state,
    volumeEpoch: 1 as VolumeEpoch,
  });

  it('detects a failed writer, abandons a candidate that does not open, promotes the next, switches the endpoint', () => {
    const cp = new FrozenDriver(controlPlaneMachine, input);
    // Round 1: everyone answers; the tick starts round 2 with the writer counted healthy.
    for (const id of ['r1', 'r2']) cp.step(pong(id, 1, 'reader'));
    cp.step(pong('w', 1, 'writer.open', 'writer'));
    expect(cp.context.lastPong['w']?.round).toBe(1);
    expect(messageTypes(cp.step({ type: 'healthTick' }))).toEqual(['healthPing', 'healthPing', 'healthPing', 'healthPing']);
    expect(cp.context).toMatchObject({ round: 2, writerMisses: 0 });
    // The writer falls silent for two rounds while the readers keep answering: failover to r1.
    for (const id of ['r1', 'r2']) cp.step(pong(id, 2, 'reader'));
    cp.step({ type: 'healthTick' });
    expect(cp.context.writerMisses).toBe(1);
    for (const id of ['r1', 'r2']) cp.step(pong(id, 3, 'reader'));
    const detected = cp.step({ type: 'healthTick' });
    expect(cp.state).toBe('failingOver.promoting');
    expect(sendsOf(detected)).toContainEqual({ to: 'r1', message: { type: 'promote', from: 'cp' } });
    expect(cp.context).toMatchObject({ candidate: 'r1', failovers: 1 });
    // r1 still answers as a reader during the promotion: a tick sends the promotion again.
    cp.step(pong('r1', 4, 'reader'));
    cp.step(pong('r2', 4, 'reader'));
    expect(sendsOf(cp.step({ type: 'healthTick' }))).toContainEqual({ to: 'r1', message: { type: 'promote', from: 'cp' } });
    // It never opens: abandoned, and r2 is promoted instead.
    cp.step(pong('r2', 5, 'reader'));
    expect(sendsOf(cp.step({ type: 'promotionTimeout' }))).toContainEqual({ to: 'r2', message: { type: 'promote', from: 'cp' } });
    expect(cp.context).toMatchObject({ candidate: 'r2', abandoned: { r1: 5 } });
    // r2 opens; the endpoint follows it after the switch delay.
    const opened = cp.step({ type: 'writerOpen', from: 'r2', volumeEpoch: 2 as VolumeEpoch });
    expect(cp.state).toBe('failingOver.switching');
    expect(timersOf(opened).map((timer) => timer.timerId)).toEqual(['controlPlane.endpoint']);
    expect(cp.step({ type: 'endpointSwitched' })).toContainEqual({ kind: 'publish', stream: 'endpoint', item: 'r2' });
    expect(cp.state).toBe('monitoring');
    expect(cp.context).toMatchObject({ writer: 'r2', candidate: undefined, abandoned: {} });
    // The region follows another after a Global Database switchover: no more failovers.
    cp.step({ type: 'standDown', from: 'global:us-east-1' });
    expect(cp.state).toBe('standingDown');
    expect(messageTypes(cp.step({ type: 'healthTick' }))).toEqual([]);
    expect(cp.uncovered).toEqual([]);
  });

  it('takes an open candidate from its health check, and falls back to the standby after the replacement delay', () => {
    const cp = new FrozenDriver(controlPlaneMachine, { ...input, missesToFail: 1 });
    cp.step(pong('r1', 1, 'reader'));
    cp.step({ type: 'healthTick' });
    expect(cp.state).toBe('failingOver.promoting');
    // Its writerOpen was lost; the health check says it is open.
    cp.step(pong('r1', 2, 'writer.open', 'writer'));
    expect(cp.state).toBe('failingOver.switching');
    cp.step({ type: 'endpointSwitched' });
    expect(cp.context.writer).toBe('r1');
    // Now r1 fails with no healthy replica: wait for RDS to recreate the writer, promote the standby.
    const replacing = cp.step({ type: 'healthTick' });
    expect(cp.state).toBe('failingOver.replacing');
    const delayed = timersOf(replacing).find((timer) => timer.event.type.startsWith('xstate.after'));
    expect(delayed).toBeDefined();
    expect(sendsOf(cp.fire(delayed!))).toContainEqual({ to: 's', message: { type: 'promote', from: 'cp' } });
    expect(cp.context.candidate).toBe('s');
  });
});

describe('Purity: the storage control plane', () => {
  const AZ_OF: Record<string, string> = { A: 'a', B: 'a', C: 'b', D: 'b', E: 'c', F: 'c' };
  const six = Object.keys(AZ_OF);
  const input = {
    self: 'scp',
    pgs: [{ pg: 0, members: six, membershipEpoch: 1 }],
    places: Object.fromEntries(six.map((id) => [id, { azId: AZ_OF[id]!, node: `node:${AZ_OF[id]!}:${id}`, kind: 'full' as const }])),
    nodesByAz: { a: ['node:a:A', 'node:a:B'], b: ['node:b:C', 'node:b:D'], c: ['node:c:E', 'node:c:F', 'node:c:spare'] },
    instances: ['w'],
    checkPeriodMs: 100,
    replaceAfterMisses: 2,
  };
  const pong = (from: string, round: number, scl = 100, state = 'online.up'): SegmentPongMessage => ({
    type: 'segmentPong',
    from,
    round,
    pg: 0 as PgId,
    state,
    scl: scl as Lsn,
    membershipEpoch: 1 as MembershipEpoch,
  });
  const status = (members: string[], active: string[], membershipEpoch: number): MembershipStatusMessage => {
    const config: PgConfigRecord = {
      pg: 0 as PgId,
      membershipEpoch: membershipEpoch as MembershipEpoch,
      members,
      write: kOfN(1, members as SegmentId[]),
      read: kOfN(1, members as SegmentId[]),
    };
    return { type: 'membershipStatus', from: 'w', pg: 0 as PgId, config, active };
  };

  it('replaces a lone failed segment: misses, provision, joint configuration, forward, done', () => {
    const scp = new FrozenDriver(storageControlPlaneMachine, input);
    expect(messageTypes(scp.startEffects)).toEqual(six.map(() => 'healthPing'));
    // F never answers; the others answer rounds 1 and 2.
    for (const round of [1, 2]) {
      for (const member of six.filter((member) => member !== 'F')) scp.step(pong(member, round));
      scp.step({ type: 'storageCheck' });
    }
    expect(pongOf(scp.context, 0, 'A')?.round).toBe(2);
    expect(scp.context.misses[0]).toMatchObject({ A: 0, F: 2 });
    expect(scp.context.changes[0]).toMatchObject([{ kind: 'replace', failed: 'F', replacement: 'seg:pg0:c:r1', phase: 'entering' }]);
    // The writer reports the joint configuration in force: the change records what G must reach.
    const joint = [...six, 'seg:pg0:c:r1'];
    scp.step(status(joint, ['seg:pg0:c:r1'], 2));
    expect(scp.context.changes[0]).toMatchObject([{ phase: 'joint', hydratedAtLsn: 100 }]);
    // G answers hydrated: the next round asks the writer to settle forward.
    scp.step(pong('seg:pg0:c:r1', 3, 100));
    const settled = scp.step({ type: 'storageCheck' });
    expect(sendsOf(settled)).toContainEqual({
      to: 'w',
      message: { type: 'finishMembershipChange', from: 'scp', pg: 0, change: 'seg:pg0:c:r1', outcome: 'forward' },
    });
    // The writer reports the final configuration: the replacement is done.
    scp.step(status(['A', 'B', 'C', 'D', 'E', 'seg:pg0:c:r1'], [], 3));
    expect(scp.context).toMatchObject({ changes: { 0: [] }, members: { 0: ['A', 'B', 'C', 'D', 'E', 'seg:pg0:c:r1'] }, membershipEpochs: { 0: 3 } });
    // Storage growth's events are the next test's.
    expect(scp.uncovered).toEqual(['growVolume', 'metadataState']);
  });

  it('grows the volume one PG at a time: record at the next geometry epoch, then provision, observe and tell the instances', () => {
    const scp = new FrozenDriver(storageControlPlaneMachine, { ...input, growth: { pgCountMax: 3, segmentKinds: 'full' as const, azs: ['a', 'b', 'c'] } });
    // The writer needs 5 PGs: capped at the maximum of 3; PG 1 is asked for first, nothing provisioned yet.
    const asked = scp.step({ type: 'growVolume', from: 'w', pgCount: 5, pgCountKnown: 1 });
    const record = sendsOf(asked);
    expect(record).toMatchObject([{ to: 'metadata', message: { type: 'recordGeometry', geometryEpoch: 2, config: { pg: 1, membershipEpoch: 1 } } }]);
    expect(asked.filter((effect) => effect.kind === 'publish')).toEqual([]);
    expect(scp.context.growth).toMatchObject({ pgCountWanted: 3, pgCount: 1 });
    // Unanswered, the next check asks again.
    expect(messageTypes(scp.step({ type: 'storageCheck' })).filter((type) => type === 'recordGeometry')).toHaveLength(1);
    // The metadata service records it at volume epoch 4: six segments at that epoch, the judges
    // first, then the instances; and PG 2 is asked for.
    const config = (record[0]!.message as { config: PgConfigRecord }).config;
    const answer = { type: 'metadataState', from: 'metadata', ok: true, request: 'recordGeometry', volumeEpoch: 4 as VolumeEpoch, geometryEpoch: 2, anchorLsn: 0 as Lsn, truncations: [], pgConfigs: {} } as const;
    const recorded = scp.step(answer);
    const provisions = recorded.flatMap((effect) => (effect.kind === 'publish' ? [effect.item as { id: string; volumeEpoch: number; fresh: boolean }] : []));
    expect(provisions.map((item) => item.id)).toEqual(config.members);
    expect(provisions.every((item) => item.volumeEpoch === 4 && item.fresh)).toBe(true);
    expect(recorded.find((effect) => effect.kind === 'observe')).toMatchObject({ observation: { kind: 'geometryChanged', geometryEpoch: 2, pg: 1 } });
    expect(sendsOf(recorded)).toContainEqual({ to: 'w', message: { type: 'geometryChanged', from: 'scp', geometryEpoch: 2, configs: [config] } });
    expect(sendsOf(recorded).find((send) => send.to === 'metadata')).toMatchObject({ message: { type: 'recordGeometry', geometryEpoch: 3, config: { pg: 2 } } });
    expect(scp.context.members[1]).toEqual(config.members);
    // A stale or repeated answer changes nothing; a writer that lacks PG 1 is sent it.
    scp.step(answer);
    expect(scp.context.growth).toMatchObject({ geometryEpoch: 2, pgCount: 2 });
    expect(sendsOf(scp.step({ type: 'growVolume', from: 'w', pgCount: 2, pgCountKnown: 1 }))).toEqual([{ to: 'w', message: { type: 'geometryChanged', from: 'scp', geometryEpoch: 2, configs: [config] } }]);
    expect(scp.uncovered).toEqual(['membershipStatus', 'segmentPong']);
  });

  it('publishes the provision request for the replacement', () => {
    const scp = new FrozenDriver(storageControlPlaneMachine, input);
    let effects: Effect[] = [];
    for (const round of [1, 2]) {
      for (const member of six.filter((member) => member !== 'F')) scp.step(pong(member, round));
      effects = scp.step({ type: 'storageCheck' });
    }
    expect(effects).toContainEqual(
      expect.objectContaining({ kind: 'publish', stream: 'provision', item: expect.objectContaining({ id: 'seg:pg0:c:r1', node: 'node:c:spare' }) }),
    );
    expect(scp.context.places[0]?.['seg:pg0:c:r1']).toEqual({ azId: 'c', node: 'node:c:spare', kind: 'full' });
  });
});

describe('Purity: the metadata service', () => {
  const members = ['A', 'B', 'C', 'D', 'E', 'F'] as SegmentId[];
  const config = (membershipEpoch: number): PgConfigRecord => ({
    pg: 0 as PgId,
    membershipEpoch: membershipEpoch as MembershipEpoch,
    members,
    write: kOfN(4, members),
    read: kOfN(3, members),
  });

  it('answers a read, takes a CAS, records a truncation and a membership change', () => {
    const metadata = new FrozenDriver(metadataMachine, { self: 'meta', pgConfigs: [config(1)] });
    expect(sendsOf(metadata.step({ type: 'metadataRead', from: 'w' }))).toMatchObject([{ to: 'w', message: { type: 'metadataState', request: 'read', volumeEpoch: 1 } }]);
    const cas = sendsOf(metadata.step({ type: 'epochCas', from: 'r1', expected: 1 as VolumeEpoch, next: 2 as VolumeEpoch }));
    expect(cas).toMatchObject([{ to: 'r1', message: { request: 'cas', ok: true, volumeEpoch: 2 } }]);
    expect(metadata.context.holders).toEqual({ 2: 'r1' });
    const range = { volumeEpoch: 2 as VolumeEpoch, fromLsn: 101 as Lsn, toLsn: 200 as Lsn };
    const recorded = sendsOf(metadata.step({ type: 'recordTruncation', from: 'r1', volumeEpoch: 2 as VolumeEpoch, range }));
    expect(recorded).toMatchObject([{ to: 'r1', message: { request: 'recordTruncation', ok: true, truncations: [range] } }]);
    metadata.step({ type: 'recordMembership', from: 'r1', config: config(2) });
    expect(metadata.context.pgConfigs[0]?.membershipEpoch).toBe(2);
    // Storage growth: a PG at the next geometry epoch is taken, a repeat is answered ok, a skip is refused.
    const pg1: PgConfigRecord = { ...config(1), pg: 1 as PgId };
    expect(sendsOf(metadata.step({ type: 'recordGeometry', from: 'scp', geometryEpoch: 2, config: pg1 }))).toMatchObject([{ to: 'scp', message: { request: 'recordGeometry', ok: true, geometryEpoch: 2, volumeEpoch: 2 } }]);
    expect(sendsOf(metadata.step({ type: 'recordGeometry', from: 'scp', geometryEpoch: 2, config: pg1 }))).toMatchObject([{ message: { ok: true, geometryEpoch: 2 } }]);
    expect(sendsOf(metadata.step({ type: 'recordGeometry', from: 'scp', geometryEpoch: 4, config: { ...pg1, pg: 3 as PgId } }))).toMatchObject([{ message: { ok: false, geometryEpoch: 2 } }]);
    expect(Object.keys(metadata.context.pgConfigs)).toEqual(['0', '1']);
    expect(metadata.uncovered).toEqual([]);
  });
});

describe('Purity: failure domains', () => {
  const signalled = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'signal' ? [effect.to] : []));

  it.each([
    { kind: 'node' as const, parent: 'az' as const },
    { kind: 'az' as const, parent: 'region' as const },
  ])('$kind: partition and heal, its own crash and its parent outage, up once both clear', ({ kind, parent }) => {
    const domain = new FrozenDriver(createFailureDomainMachine(kind), { self: kind, members: ['m1', 'm2'] });
    domain.step({ type: 'partition' });
    expect(domain.state).toBe('partitioned');
    domain.step({ type: 'heal' });
    expect(domain.state).toBe('up');
    // Its own crash signals an outage to every member.
    expect(signalled(domain.step({ type: 'crash' }))).toEqual(['m1', 'm2']);
    // The parent goes down too; its own restart leaves it down, the parent's recovery brings it up.
    domain.step({ type: 'outage', cause: parent });
    expect(domain.context.causes).toEqual({ own: true, parent: true });
    domain.step({ type: 'restart' });
    expect(domain.state).toBe('down');
    const up = domain.step({ type: 'recover', cause: parent });
    expect(domain.state).toBe('up');
    expect(up).toContainEqual({ kind: 'signal', to: 'm1', event: { type: 'recover', cause: kind } });
    expect(domain.context.outages).toBe(1);
    expect(domain.uncovered).toEqual([]);
  });

  it('region: its own outage and a crash, recovery, then partition, heal, crash and restart', () => {
    const region = new FrozenDriver(createFailureDomainMachine('region'), { self: 'region', members: ['az1', 'az2'] });
    expect(signalled(region.step({ type: 'outage', cause: 'region' }))).toEqual(['az1', 'az2']);
    region.step({ type: 'crash' });
    expect(region.context).toMatchObject({ causes: { own: true, parent: false }, outages: 2 });
    expect(signalled(region.step({ type: 'recover', cause: 'region' }))).toEqual(['az1', 'az2']);
    region.step({ type: 'partition' });
    region.step({ type: 'heal' });
    region.step({ type: 'crash' });
    region.step({ type: 'restart' });
    expect(region.state).toBe('up');
    expect(region.uncovered).toEqual([]);
  });
});
