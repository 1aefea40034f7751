/**
 * The replication agent of a secondary region (models/global-applier.machine.ts; docs/protocol.md
 * §11.1; §13, G1), stepped through deep-frozen snapshots and events (`stepFrozen`), so every test
 * here is also a purity test: a transition that wrote into what it was given would throw. A PG
 * of two members, `a` and `b`, with a write quorum of both, and a second PG of one member, `c`.
 */
import { freeze } from 'immer';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { GlobalApplierContext, GlobalApplierEvent, GlobalApplierInput } from '../../models/global-applier.machine.js';
import { GlobalApplierInputError, globalApplierInputProblem, globalApplierMachine } from '../../models/global-applier.machine.js';
import type { GlobalApplyMessage, GlobalFollowMessage, RedoRecord, WriteAckMessage } from '../../models/messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import { recordDigest } from '../../src/protocol/global.js';
import { blockId, lsn, pgId, regionId, volumeEpoch } from '../../src/protocol/ids.js';
import { kOfN } from '../../src/protocol/quorum.js';
import { handledEventTypes, startStepped, stepFrozen } from './purity.js';

const EU = regionId('eu-west-1');

const INPUT: GlobalApplierInput = {
  self: 'replication:eu-west-1',
  region: EU,
  regionActor: 'global:eu-west-1',
  replicator: 'replicator:eu-west-1',
  pgs: [
    { pg: 0, members: ['a', 'b'], write: kOfN(2, ['a', 'b'] as never[]) },
    { pg: 1, members: ['c'], write: kOfN(1, ['c'] as never[]) },
  ],
  retransmitAfterMs: 100,
};

/** Record `at` of PG `at % 2`, the CPL of its MTR when `cpl`. */
function record(at: number, cpl = true): RedoRecord {
  return {
    lsn: lsn(at),
    pg: pgId(at % 2),
    blockId: blockId(0),
    prevVolumeLsn: lsn(at - 1),
    prevPgLsn: lsn(Math.max(0, at - 2)),
    prevBlockLsn: lsn(0),
    isCpl: cpl,
    mtrId: at,
    isCommit: false,
    payload: { kind: 'put', key: `k${at}`, value: `v${at}` },
  };
}

const ship = (seq: number, records: RedoRecord[], primaryVdl = 0): GlobalApplyMessage => ({
  type: 'globalApply',
  from: 'replicator:eu-west-1',
  seq,
  records,
  primaryVdl: lsn(primaryVdl),
  commits: [],
});

class Agent {
  readonly covered = new Set<string>();
  snapshot: AnyMachineSnapshot;

  constructor(input: GlobalApplierInput = INPUT) {
    this.snapshot = startStepped(globalApplierMachine, input).snapshot as AnyMachineSnapshot;
  }

  get context(): GlobalApplierContext {
    return this.snapshot.context as GlobalApplierContext;
  }

  step(event: GlobalApplierEvent): Effect[] {
    const { next, effects } = stepFrozen(globalApplierMachine, this.snapshot, freeze(event, true));
    this.snapshot = next as AnyMachineSnapshot;
    this.covered.add(event.type);
    return freeze(effects, true);
  }
}

const sends = (effects: Effect[], to?: string): { to: string; message: { type: string } & Record<string, unknown> }[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && (to === undefined || effect.to === to) ? [{ to: effect.to, message: effect.message as { type: string } }] : []));

const ack = (from: string, pg: number, scl: number): WriteAckMessage => ({ type: 'writeAck', from, pg: pgId(pg), volumeEpoch: volumeEpoch(1), scl: lsn(scl), lsnLast: lsn(scl) });

describe('GlobalApplier: shipments in order, once', () => {
  it('writes each record to every member of its PG, forwards digests to the region statechart, and acknowledges', () => {
    const agent = new Agent();
    const effects = agent.step(ship(1, [record(1), record(2)], 2));
    expect(sends(effects, 'a').map(({ message }) => message)).toEqual([{ type: 'writeBatch', from: INPUT.self, pg: 0, volumeEpoch: 1, membershipEpoch: 1, records: [record(2)] }]);
    expect(sends(effects, 'b').map(({ message }) => message.records)).toEqual([[record(2)]]);
    expect(sends(effects, 'c').map(({ message }) => message.records)).toEqual([[record(1)]]);
    expect(sends(effects, 'global:eu-west-1').map(({ message }) => message)).toEqual([
      { type: 'globalShip', from: INPUT.self, afterLsn: 0, records: [record(1), record(2)].map(recordDigest), primaryVdl: 2, commits: [] },
    ]);
    expect(sends(effects, INPUT.replicator).map(({ message }) => message)).toEqual([{ type: 'globalApplyAck', from: INPUT.self, region: EU, seq: 1 }]);
  });

  it('keeps a shipment that arrives after a gap, lists the gap, and takes both once the gap is filled; a duplicate is only acknowledged', () => {
    const agent = new Agent();
    agent.step(ship(1, [record(1)]));
    const early = agent.step(ship(3, [record(4), record(5)]));
    expect(sends(early, 'a')).toEqual([]);
    expect(sends(early, INPUT.replicator).map(({ message }) => message)).toEqual([{ type: 'globalApplyAck', from: INPUT.self, region: EU, seq: 1, missing: [2] }]);
    expect(agent.context.outOfOrder.map((message) => message.seq)).toEqual([3]);
    const filled = agent.step(ship(2, [record(2), record(3)]));
    // Both shipments' records go out, in order, and one acknowledgement covers both.
    expect(sends(filled, 'c').flatMap(({ message }) => (message.records as RedoRecord[]).map((r) => r.lsn as number))).toEqual([3, 5]);
    expect(sends(filled, INPUT.replicator).map(({ message }) => message)).toEqual([{ type: 'globalApplyAck', from: INPUT.self, region: EU, seq: 3 }]);
    expect(agent.context).toMatchObject({ seq: 3, highestLsn: 5, outOfOrder: [] });
    const again = agent.step(ship(2, [record(2), record(3)]));
    expect(sends(again).map(({ message }) => message)).toEqual([{ type: 'globalApplyAck', from: INPUT.self, region: EU, seq: 3 }]);
  });
});

describe('GlobalApplier: quorum writes and the volume VCL', () => {
  it('reports VCL to the region statechart when every record up to it has met its write quorum, no sooner', () => {
    const agent = new Agent();
    agent.step(ship(1, [record(1), record(2), record(3)]));
    expect(sends(agent.step(ack('c', 1, 1)), 'global:eu-west-1')).toEqual([{ to: 'global:eu-west-1', message: { type: 'volumeVcl', from: INPUT.self, vcl: 1 } }]);
    // Record 2 (PG 0) needs both a and b.
    expect(sends(agent.step(ack('a', 0, 2)), 'global:eu-west-1')).toEqual([]);
    expect(sends(agent.step(ack('b', 0, 2)), 'global:eu-west-1')).toEqual([{ to: 'global:eu-west-1', message: { type: 'volumeVcl', from: INPUT.self, vcl: 2 } }]);
    expect(sends(agent.step(ack('c', 1, 3)), 'global:eu-west-1')).toEqual([{ to: 'global:eu-west-1', message: { type: 'volumeVcl', from: INPUT.self, vcl: 3 } }]);
    // An ack at another volume epoch is not ours.
    expect(sends(agent.step({ ...ack('c', 1, 9), volumeEpoch: volumeEpoch(2) }))).toEqual([]);
  });

  it('sends records short of a write quorum for a whole period again, to each member below them only', () => {
    const agent = new Agent();
    agent.step(ship(1, [record(2), record(4)]));
    agent.step(ack('a', 0, 4));
    // The first tick marks them; the second finds them aged and resends to b only.
    expect(sends(agent.step({ type: 'retransmitTick' }))).toEqual([]);
    const resent = sends(agent.step({ type: 'retransmitTick' }));
    expect(resent.map(({ to, message }) => [to, (message.records as RedoRecord[]).map((r) => r.lsn as number)])).toEqual([['b', [2, 4]]]);
    agent.step(ack('b', 0, 4));
    expect(agent.context.unacked[0]).toEqual([]);
    expect(sends(agent.step({ type: 'retransmitTick' }))).toEqual([]);
  });

  it('covers every event type the agent handles', () => {
    const agent = new Agent({ ...INPUT, instances: ['inst:eu-west-1:replica1'], metadata: 'metadata:eu-west-1' });
    agent.step(ship(1, [record(1)]));
    agent.step(ack('c', 1, 1));
    agent.step({ type: 'retransmitTick' });
    agent.step(recover(1));
    agent.step({ type: 'writerOpen', from: 'inst:eu-west-1:replica1', volumeEpoch: volumeEpoch(2), recoveredVdl: lsn(1) });
    // The promoted region follows another after a switchover away from it.
    followThrough(agent, 'inst:eu-west-1:replica1');
    // It answers a rebuild's copy from what it took; and copies itself when behind a new start.
    agent.step({ type: 'globalCopyRequest', from: 'replication:ap-south-1', afterLsn: lsn(0), throughLsn: lsn(1), maxRecords: 10 });
    agent.step({ ...follow, holdsThroughLsn: lsn(2), copyFrom: 'replication:us-east-1' });
    agent.step(metadataState('read', true, 3));
    agent.step(metadataState('cas', true, 4));
    agent.step(metadataState('recordTruncation', true, 4));
    for (const member of ['a', 'd']) agent.step({ type: 'truncateAck', from: member, pg: pgId(0), volumeEpoch: volumeEpoch(4), scl: lsn(2) });
    agent.step({ type: 'truncateAck', from: 'c', pg: pgId(1), volumeEpoch: volumeEpoch(4), scl: lsn(1) });
    expect(agent.snapshot.value).toBe('copying');
    agent.step({ type: 'globalCopyBatch', from: 'replication:us-east-1', region: regionId('us-east-1'), afterLsn: lsn(2), records: [record(3)], done: false });
    agent.step({ type: 'globalCopyBatch', from: 'replication:us-east-1', region: regionId('us-east-1'), afterLsn: lsn(3), records: [record(4), record(5), record(6)], done: true });
    expect(agent.snapshot.value).toBe('applying');
    expect([...agent.covered].sort()).toEqual(handledEventTypes(globalApplierMachine));
  });
});

const metadataState = (request: 'read' | 'cas' | 'recordTruncation', ok: boolean, epoch: number): GlobalApplierEvent => ({
  type: 'metadataState',
  from: 'metadata:eu-west-1',
  ok,
  request,
  volumeEpoch: volumeEpoch(epoch),
  anchorLsn: lsn(0),
  truncations: [],
  // The metadata service's PGs: PG 0 gained a member `d` while the region was primary.
  pgConfigs: {
    0: { pg: pgId(0), membershipEpoch: 2 as never, members: ['a', 'b', 'd'], write: kOfN(2, ['a', 'b', 'd'] as never[]), read: kOfN(2, ['a', 'b', 'd'] as never[]) },
    1: { pg: pgId(1), membershipEpoch: 1 as never, members: ['c'], write: kOfN(1, ['c'] as never[]), read: kOfN(1, ['c'] as never[]) },
  },
});

const follow: GlobalFollowMessage = {
  type: 'globalFollow',
  from: 'global:eu-west-1',
  primaryRegion: regionId('us-east-1'),
  replicator: 'replicator:eu-west-1@2',
  startLsn: lsn(6),
  truncateThroughLsn: lsn(20),
};

/** Takes `agent` through a whole claim from volume epoch 2 to 3, and back to applying. */
function followThrough(agent: Agent, instance: string): Effect[] {
  agent.step(follow);
  agent.step({ type: 'claimRetry' });
  agent.step(metadataState('read', true, 2));
  agent.step(metadataState('cas', true, 3));
  agent.step(metadataState('recordTruncation', true, 3));
  for (const member of ['a', 'd']) agent.step({ type: 'truncateAck', from: member, pg: pgId(0), volumeEpoch: volumeEpoch(3), scl: lsn(6) });
  const done = agent.step({ type: 'truncateAck', from: 'c', pg: pgId(1), volumeEpoch: volumeEpoch(3), scl: lsn(5) });
  expect(sends(done, instance).map(({ message }) => message)).toEqual([{ type: 'stepDown', from: INPUT.self }]);
  return done;
}

const recover = (durableLsn: number): GlobalApplierEvent => ({ type: 'globalRecover', from: 'global:eu-west-1', region: EU, how: 'failover', durableLsn: lsn(durableLsn) });

describe('GlobalApplier: promotion', () => {
  it('feeds its instances the records and the durable LSN, the lower of the shipped primary VDL and the CPL under VCL', () => {
    const agent = new Agent({ ...INPUT, instances: ['i1', 'i2'] });
    const shipped = agent.step(ship(1, [record(1), record(2)], 1));
    expect(sends(shipped, 'i1').map(({ message }) => message)).toEqual([{ type: 'redoShip', from: INPUT.self, volumeEpoch: 1, records: [record(1), record(2)], vdl: 0 }]);
    // VCL 1 (record 1, a CPL, on its PG's quorum): the instances may apply to 1.
    expect(sends(agent.step(ack('c', 1, 1)), 'i2').map(({ message }) => message)).toEqual([{ type: 'redoShip', from: INPUT.self, volumeEpoch: 1, records: [], vdl: 1 }]);
    agent.step(ack('a', 0, 2));
    // VCL 2 now, but the primary's VDL shipped is 1: nothing new for the instances.
    expect(sends(agent.step(ack('b', 0, 2)), 'i2')).toEqual([]);
    expect(agent.context.tracker.vcl).toBe(2);
  });

  it('stops taking shipments, promotes its first instance capped at the durable LSN, and reports the VDL it opened at', () => {
    const agent = new Agent({ ...INPUT, instances: ['i1', 'i2'] });
    agent.step(ship(1, [record(1), record(2), record(3)], 3));
    const asked = agent.step(recover(1));
    expect(sends(asked, 'i1').map(({ message }) => message)).toEqual([{ type: 'promote', from: INPUT.self, recoverTo: { durableLsn: 1, highestWrittenLsn: 3, reportTo: INPUT.self } }]);
    expect(sends(asked, 'i2')).toEqual([]);
    expect(agent.snapshot.value).toBe('promoting');
    expect(sends(agent.step(ship(2, [record(4)], 4)))).toEqual([]);
    // Another instance opening is not the promotion.
    expect(sends(agent.step({ type: 'writerOpen', from: 'i2', volumeEpoch: volumeEpoch(2), recoveredVdl: lsn(1) }))).toEqual([]);
    const opened = agent.step({ type: 'writerOpen', from: 'i1', volumeEpoch: volumeEpoch(2), recoveredVdl: lsn(1) });
    expect(sends(opened).map(({ to, message }) => [to, message])).toEqual([['global:eu-west-1', { type: 'recovered', from: INPUT.self, vdl: 1, writer: 'i1' }]]);
    expect(agent.snapshot.value).toBe('promoted');
  });

  it('refuses a promotion in a headless region, saying why, and goes on replicating', () => {
    const agent = new Agent();
    const refused = agent.step(recover(0));
    expect(refused.filter((effect) => effect.kind === 'observe').map((effect) => effect.kind === 'observe' && effect.observation)).toEqual([
      { kind: 'globalPromotionRefused', region: EU, reason: 'the region is headless: no instance to promote' },
    ]);
    expect(agent.snapshot.value).toBe('applying');
  });
});

describe('GlobalApplier: input', () => {
  it('names the field it cannot run with', () => {
    expect(globalApplierInputProblem({ ...INPUT, pgs: [] })).toMatch(/^pgs: empty/);
    expect(globalApplierInputProblem({ ...INPUT, retransmitAfterMs: 0 })).toMatch(/^retransmitAfterMs: 0/);
    expect(globalApplierInputProblem({ ...INPUT, pgs: [{ pg: 3, members: [], write: kOfN(1, ['x'] as never[]) }] })).toBe('pgs: PG 3 has no members');
    expect(globalApplierInputProblem(INPUT)).toBeUndefined();
    expect(new GlobalApplierInputError('x')).toBeInstanceOf(Error);
  });
});

describe('GlobalApplier: following a new primary', () => {
  it('claims the volume at a newer epoch, annuls the new primary truncation range on write quorums, then takes shipments from the new replicator only', () => {
    const agent = new Agent({ ...INPUT, instances: ['w'], metadata: 'metadata:eu-west-1', standby: true });
    expect(agent.snapshot.value).toBe('standby');
    expect(agent.step(ship(1, [record(1)], 1))).toEqual([]);
    const asked = agent.step(follow);
    expect(sends(asked, 'metadata:eu-west-1').map(({ message }) => message)).toEqual([{ type: 'metadataRead', from: INPUT.self }]);
    const cas = agent.step(metadataState('read', true, 2));
    expect(sends(cas).map(({ message }) => message)).toEqual([{ type: 'epochCas', from: INPUT.self, expected: 2, next: 3 }]);
    // Someone else claimed first: read again, and claim above it.
    expect(sends(agent.step(metadataState('cas', false, 3))).map(({ message }) => message.type)).toEqual(['metadataRead']);
    agent.step(metadataState('read', true, 3));
    const recorded = agent.step(metadataState('cas', true, 4));
    const range = { volumeEpoch: 4, fromLsn: 7, toLsn: 20 };
    expect(sends(recorded).map(({ message }) => message)).toEqual([{ type: 'recordTruncation', from: INPUT.self, volumeEpoch: 4, range }]);
    const truncating = agent.step(metadataState('recordTruncation', true, 4));
    // Every member the metadata service lists, the one added while primary included.
    expect(sends(truncating).map(({ to, message }) => [to, message])).toEqual([
      ['a', { type: 'truncate', from: INPUT.self, pg: 0, volumeEpoch: 4, range }],
      ['b', { type: 'truncate', from: INPUT.self, pg: 0, volumeEpoch: 4, range }],
      ['d', { type: 'truncate', from: INPUT.self, pg: 0, volumeEpoch: 4, range }],
      ['c', { type: 'truncate', from: INPUT.self, pg: 1, volumeEpoch: 4, range }],
    ]);
    // An ack at another epoch does not count; PG 0 needs two of three.
    agent.step({ type: 'truncateAck', from: 'b', pg: pgId(0), volumeEpoch: volumeEpoch(3), scl: lsn(6) });
    agent.step({ type: 'truncateAck', from: 'c', pg: pgId(1), volumeEpoch: volumeEpoch(4), scl: lsn(5) });
    agent.step({ type: 'truncateAck', from: 'a', pg: pgId(0), volumeEpoch: volumeEpoch(4), scl: lsn(6) });
    expect(agent.snapshot.value).toBe('claiming');
    const retried = agent.step({ type: 'claimRetry' });
    expect(sends(retried).map(({ to }) => to)).toEqual(['b', 'd']);
    const open = agent.step({ type: 'truncateAck', from: 'd', pg: pgId(0), volumeEpoch: volumeEpoch(4), scl: lsn(6) });
    expect(agent.snapshot.value).toBe('applying');
    expect(sends(open, 'w').map(({ message }) => message)).toEqual([{ type: 'stepDown', from: INPUT.self }]);
    expect(agent.context).toMatchObject({ volumeEpoch: 4, replicator: 'replicator:eu-west-1@2', seq: 0, highestLsn: 6, shippedPrimaryVdl: 6 });
    expect(agent.context.tracker.vdl).toBe(6);
    // A shipment from the old replicator is dropped; the new one's, numbered from 1, is written at epoch 4.
    expect(agent.step(ship(5, [record(21)], 21))).toEqual([]);
    const fresh = agent.step({ ...ship(1, [record(21)], 21), from: 'replicator:eu-west-1@2' });
    expect(sends(fresh, 'c').map(({ message }) => message)).toMatchObject([{ type: 'writeBatch', volumeEpoch: 4, records: [{ lsn: 21 }] }]);
    expect(sends(fresh, 'replicator:eu-west-1@2').map(({ message }) => message)).toEqual([{ type: 'globalApplyAck', from: INPUT.self, region: EU, seq: 1 }]);
  });

  it('cannot follow without a metadata service to claim the volume at', () => {
    const agent = new Agent({ ...INPUT, standby: true });
    expect(agent.step(follow)).toEqual([]);
    expect(agent.snapshot.value).toBe('standby');
  });
});

describe('GlobalApplier: a rebuild copies what the region lacks below the new start', () => {
  it('the new primary answers from the records it took, in batches that end on a CPL; the follower writes them, reports them, then takes shipments', () => {
    // The source took records 1–6; 2, 4 and 6 end MTRs (1–2, 3–4, 5–6).
    const source = new Agent({ ...INPUT, self: 'replication:us-east-1' });
    source.step(ship(1, [record(1, false), record(2), record(3, false), record(4), record(5, false), record(6)], 6));
    const answer = (afterLsn: number, maxRecords: number) =>
      sends(source.step({ type: 'globalCopyRequest', from: INPUT.self, afterLsn: lsn(afterLsn), throughLsn: lsn(6), maxRecords }), INPUT.self).map(({ message }) => message);
    // Three records asked for: the batch goes on to the CPL at 4.
    expect(answer(1, 3)).toMatchObject([{ type: 'globalCopyBatch', afterLsn: 1, records: [{ lsn: 2 }, { lsn: 3 }, { lsn: 4 }], done: false }]);
    expect(answer(4, 10)).toMatchObject([{ type: 'globalCopyBatch', afterLsn: 4, records: [{ lsn: 5 }, { lsn: 6 }], done: true }]);

    const follower = new Agent({ ...INPUT, instances: ['i1'], metadata: 'metadata:eu-west-1', standby: true });
    follower.step({ ...follow, startLsn: lsn(6), holdsThroughLsn: lsn(2), copyFrom: 'replication:us-east-1' });
    follower.step(metadataState('read', true, 1));
    follower.step(metadataState('cas', true, 2));
    follower.step(metadataState('recordTruncation', true, 2));
    for (const member of ['a', 'd']) follower.step({ type: 'truncateAck', from: member, pg: pgId(0), volumeEpoch: volumeEpoch(2), scl: lsn(2) });
    const asked = follower.step({ type: 'truncateAck', from: 'c', pg: pgId(1), volumeEpoch: volumeEpoch(2), scl: lsn(1) });
    expect(sends(asked, 'replication:us-east-1').map(({ message }) => message)).toEqual([{ type: 'globalCopyRequest', from: INPUT.self, afterLsn: 2, throughLsn: 6, maxRecords: 512 }]);
    // Shipments wait, unacknowledged, while it copies.
    expect(follower.step({ ...ship(1, [record(31)], 31), from: 'replicator:eu-west-1@2' })).toEqual([]);
    const first = follower.step({ type: 'globalCopyBatch', from: 'replication:us-east-1', region: regionId('us-east-1'), afterLsn: lsn(2), records: [record(3, false), record(4)], done: false });
    expect(sends(first, 'global:eu-west-1').map(({ message }) => message)).toMatchObject([{ type: 'globalShip', afterLsn: 2, records: [{ lsn: 3 }, { lsn: 4 }], primaryVdl: 4 }]);
    expect(first).toContainEqual({ kind: 'observe', observation: { kind: 'shipped', from: 'us-east-1', to: EU, primaryVdl: 4 } });
    expect(sends(first, 'replication:us-east-1').map(({ message }) => message)).toMatchObject([{ type: 'globalCopyRequest', afterLsn: 4 }]);
    // A batch out of order (a late duplicate) is not taken.
    expect(follower.step({ type: 'globalCopyBatch', from: 'replication:us-east-1', region: regionId('us-east-1'), afterLsn: lsn(2), records: [record(3, false), record(4)], done: false })).toEqual([]);
    follower.step({ type: 'globalCopyBatch', from: 'replication:us-east-1', region: regionId('us-east-1'), afterLsn: lsn(4), records: [record(5, false), record(6)], done: true });
    expect(follower.snapshot.value).toBe('applying');
    expect(follower.context).toMatchObject({ highestLsn: 6, shippedPrimaryVdl: 6 });
    const shipped = follower.step({ ...ship(1, [record(31)], 31), from: 'replicator:eu-west-1@2' });
    expect(sends(shipped, 'replicator:eu-west-1@2').map(({ message }) => message)).toEqual([{ type: 'globalApplyAck', from: INPUT.self, region: EU, seq: 1 }]);
  });
});
