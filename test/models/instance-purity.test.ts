/**
 * The compute instance's transitions are pure (docs/determinism.md, "Pure transitions"): stepping a
 * snapshot by an event leaves the snapshot exactly as it was, so the explorer can keep old
 * snapshots and step them again, and the viewer can scrub back to them.
 *
 * Each step goes through `stepFrozen`, which deep-freezes the snapshot's context first: any write
 * into the context, the event or a state given to a helper throws where it happens. The instance
 * is driven through every event type its chart handles, in the roles where each does real work:
 * a writer taking transactions (LAL back-pressure, write acks that advance VDL, boxcar flushes,
 * retransmission, page reads with hedges and refusals, membership changes, a newer writer fencing
 * it), a replica applying shipped redo and serving reads (from its cache and from storage, lag
 * restarts, holes in the stream), a standby promoted into crash recovery through to an open
 * writer, and crashes, outages and restarts. The covered set must equal the chart's handled
 * events, so a new event kind cannot go untested.
 */
import { describe, expect, it } from 'vitest';
import type { WriterContext, WriterInput } from '../../models/instance.machine.js';
import { writerMachine } from '../../models/instance.machine.js';
import type { RedoPayload, RedoRecord, WireMessage } from '../../models/messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { Lsn, MembershipEpoch, PgId, SegmentId, VolumeEpoch } from '../../src/protocol/ids.js';
import type { BacklinkState } from '../../src/protocol/lsn.js';
import { buildMtr, createBacklinkState } from '../../src/protocol/lsn.js';
import { blockOfKey, commitBlockOf } from '../../src/protocol/pages.js';
import { kOfN } from '../../src/protocol/quorum.js';
import { handledEventTypes, startStepped, stepFrozen } from './purity.js';
import { queueSize } from '../../src/protocol/chunked.js';

const MEMBERS = ['seg:a1', 'seg:a2', 'seg:b1', 'seg:b2', 'seg:c1', 'seg:c2'] as SegmentId[];
const [A1, A2, B1, B2, C1, C2] = MEMBERS as [SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId];
const REPLACEMENT = 'seg:c3';
const LAYOUT = { pgCount: 1, blocksPerPg: 8 };
const PG0 = 0 as PgId;

/** One PG of six, 4/6 writes and 3/6 reads; a 2-block cache; a tiny LAL so back-pressure shows. */
function input(role: 'writer' | 'reader' | 'standby'): WriterInput {
  return {
    self: `inst:${role}`,
    role,
    lal: 4,
    pgs: [{ pg: 0, members: MEMBERS, write: kOfN(4, MEMBERS), read: kOfN(3, MEMBERS) }],
    blocksPerPg: LAYOUT.blocksPerPg,
    retransmitAfterMs: 10,
    linkBusyMsPerBatch: 0.1,
    cacheBlocks: 2,
    maxReplicaLagMs: 100,
  };
}

/** Every message an effect list sends, with its target. */
const sendsOf = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as WireMessage }] : []));

/** Every event type stepped, across all the instances below. */
const covered = new Set<string>();

/** An instance stepped by hand; every step deep-freezes the snapshot it starts from. */
class Probe {
  snapshot: ReturnType<typeof startStepped<typeof writerMachine>>['snapshot'];

  constructor(role: 'writer' | 'reader' | 'standby') {
    this.snapshot = startStepped(writerMachine, input(role)).snapshot;
  }

  get context(): WriterContext {
    return this.snapshot.context;
  }

  /** The state as a dotted path, e.g. `writer.open`. */
  get at(): string {
    const path = (value: unknown): string => (typeof value === 'string' ? value : Object.entries(value as Record<string, unknown>).map(([key, child]) => `${key}.${path(child)}`).join(','));
    return path(this.snapshot.value);
  }

  step(event: { type: string } & Record<string, unknown>): Effect[] {
    const { next, effects } = stepFrozen(writerMachine, this.snapshot, event);
    if (!event.type.startsWith('xstate.')) covered.add(event.type);
    this.snapshot = next;
    return effects;
  }

  /** Fires the pending delayed transition of the current state (an `after`), as the clock would. */
  fireAfter(effects: readonly Effect[]): Effect[] {
    const timer = effects.find((effect) => effect.kind === 'schedule' && effect.event.type.startsWith('xstate.after'));
    if (timer?.kind !== 'schedule') throw new Error('no delayed transition was scheduled');
    return this.step(timer.event as { type: string });
  }
}

/** Messages of `type` among the sends of a step. */
function sent<T extends WireMessage['type']>(effects: readonly Effect[], type: T): (Extract<WireMessage, { type: T }> & { to: string })[] {
  return effects.flatMap((effect) => (effect.kind === 'send' && (effect.message as WireMessage).type === type ? [{ ...(effect.message as Extract<WireMessage, { type: T }>), to: effect.to }] : []));
}

/** Observations of `kind` among a step's effects. */
function observed(effects: readonly Effect[], kind: string): Record<string, unknown>[] {
  return effects.flatMap((effect) => (effect.kind === 'observe' && (effect.observation as { kind: string }).kind === kind ? [effect.observation as Record<string, unknown>] : []));
}

/** The first key `k{i}` on a block for which `wanted` holds. */
function keyOn(wanted: (block: number) => boolean): string {
  for (let i = 0; i < 1_000; i++) if (wanted(blockOfKey(LAYOUT, `k${i}`))) return `k${i}`;
  throw new Error('no such key');
}

const put = (txnId: number, key: string) => ({ type: 'txnRequest', from: `client:${txnId}`, txnId, ops: [{ f: 'put', key, value: `v${txnId}` }] });
const get = (txnId: number, key: string) => ({ type: 'txnRequest', from: `client:${txnId}`, txnId, ops: [{ f: 'get', key }] });
const writeAck = (from: string, scl: number, volumeEpoch = 1) => ({ type: 'writeAck', from, pg: PG0, volumeEpoch, scl, lsnLast: scl });
const metadataState = (request: 'read' | 'cas' | 'recordTruncation', volumeEpoch: number) => ({
  type: 'metadataState',
  from: 'metadata',
  ok: true,
  request,
  volumeEpoch,
  anchorLsn: 0,
  truncations: [],
  pgConfigs: { 0: { pg: PG0, membershipEpoch: 1 as MembershipEpoch, members: MEMBERS, write: kOfN(4, MEMBERS), read: kOfN(3, MEMBERS) } },
});

/** One transaction's MTR (a put and its commit record), linked after `backlinks`. */
function mtr(backlinks: BacklinkState, firstLsn: number, txnId: number, key: string): { records: RedoRecord[]; backlinks: BacklinkState } {
  const inputs = [
    { pg: PG0, blockId: blockOfKey(LAYOUT, key), payload: { kind: 'put', key, value: `v${txnId}` } as RedoPayload },
    { pg: PG0, blockId: commitBlockOf(LAYOUT, txnId), payload: { kind: 'commit', txnId } as RedoPayload, isCommit: true },
  ];
  return buildMtr(backlinks, { lsnFirst: firstLsn as Lsn, lsnLast: (firstLsn + 1) as Lsn }, inputs, { mtrId: txnId, txnId });
}

describe('Instance: every transition is a pure function of (snapshot, event)', () => {
  it("a Global Database primary's writer under RPO control: commits VDL covers wait for the region's answer", () => {
    const writer = new Probe('writer');
    writer.snapshot = startStepped(writerMachine, { ...input('writer'), commitGateId: 'global:us-east-1' }).snapshot;
    writer.step(put(1, 'k1'));
    for (const member of [A1, A2, B1]) writer.step(writeAck(member, 2));
    // VDL 2 covers txn 1: the writer asks instead of acknowledging.
    const covered = writer.step(writeAck(B2, 2));
    expect(observed(covered, 'commitAck')).toEqual([]);
    expect(sent(covered, 'txnOk')).toEqual([]);
    expect(sent(covered, 'commitGate')).toEqual([{ type: 'commitGate', from: 'inst:writer', commitLsn: 2, to: 'global:us-east-1' }]);
    expect(writer.context.state.tracker.vdl).toBe(2);
    // Asked once: another ack at the same VDL asks nothing more.
    expect(sent(writer.step(writeAck(C1, 2)), 'commitGate')).toEqual([]);
    const allowed = writer.step({ type: 'commitGateAnswer', from: 'global:us-east-1', commitLsn: 2, allowed: true });
    expect(sent(allowed, 'txnOk')).toMatchObject([{ txnId: 1, commitLsn: 2, to: 'client:1' }]);
    expect(observed(allowed, 'commitAck')).toMatchObject([{ txnId: 1, commitLsn: 2 }]);
    // A refusal drops the commit without an answer: it is durable, so its outcome is unknown to the client.
    writer.step(put(2, 'k2'));
    for (const member of [A1, A2, B1, B2]) writer.step(writeAck(member, 4));
    const refused = writer.step({ type: 'commitGateAnswer', from: 'global:us-east-1', commitLsn: 4, allowed: false, reason: 'readOnly' });
    expect(sent(refused, 'txnOk')).toEqual([]);
    expect(sent(refused, 'txnFail')).toEqual([]);
    expect(queueSize(writer.context.state.commitQueue)).toBe(0);
  });

  it('a writer draining for a switchover: writes refused, reads served, drained once VDL covers every LSN, then stepped down', () => {
    const writer = new Probe('writer');
    writer.step(put(1, 'k1'));
    const asked = writer.step({ type: 'readOnlyRequest', from: 'global:us-east-1', readOnly: true });
    expect(writer.at).toBe('writer.readOnly');
    expect(sent(asked, 'writerReadOnly')).toEqual([{ type: 'writerReadOnly', from: writer.context.self, readOnly: true, vdl: 0, drained: false, to: 'global:us-east-1' }]);
    expect(sent(writer.step(put(2, 'k2')), 'txnFail')).toMatchObject([{ txnId: 2, reason: 'readOnly' }]);
    expect(sent(writer.step({ type: 'healthPing', from: 'control-plane', round: 1 }), 'healthPong')).toMatchObject([{ state: 'writer.readOnly' }]);
    // The commit under way completes: VDL covers LSN 2, the last allocated, and the writer is drained.
    const acked = MEMBERS.flatMap((member) => writer.step(writeAck(member, 2)));
    expect(sent(acked, 'txnOk').map((ok) => ok.txnId)).toEqual([1]);
    expect(sent(writer.step(get(3, 'k1')), 'txnOk')).toMatchObject([{ txnId: 3 }]);
    expect(sent(writer.step({ type: 'readOnlyRequest', from: 'global:us-east-1', readOnly: true }), 'writerReadOnly')).toMatchObject([{ vdl: 2, drained: true }]);
    // Called off: writable again; then read-only, and stepped down: fenced, then a reader.
    writer.step({ type: 'readOnlyRequest', from: 'global:us-east-1', readOnly: false });
    expect(writer.at).toBe('writer.open');
    writer.step({ type: 'readOnlyRequest', from: 'global:us-east-1', readOnly: true });
    const fenced = writer.step({ type: 'stepDown', from: 'replication:us-east-1' });
    expect(writer.at).toBe('writer.fenced');
    writer.fireAfter(fenced);
    expect(writer.at).toBe('reader.following');
    const open = new Probe('writer');
    open.step({ type: 'stepDown', from: 'replication:us-east-1' });
    expect(open.at).toBe('writer.fenced');
  });

  it('a writer: transactions under the LAL, acks that advance VDL, flushes, retransmission', () => {
    const writer = new Probe('writer');
    expect(writer.at).toBe('writer.open');
    writer.step({ type: 'mrplTick' });
    expect(sent(writer.step({ type: 'healthPing', from: 'control-plane', round: 1 }), 'healthPong')).toMatchObject([{ state: 'writer.open' }]);
    // Txn 1 takes LSNs 1–2 and goes out at once; txn 2 (3–4) waits for the link; txn 3 would pass
    // VDL + LAL = 4: back-pressure holds it.
    expect(sent(writer.step(put(1, 'k1')), 'writeBatch')).toHaveLength(6);
    expect(observed(writer.step(put(2, 'k2')), 'allocated')).toHaveLength(1);
    expect(observed(writer.step(put(3, 'k3')), 'allocated')).toHaveLength(0);
    expect(writer.context.state.blocked).toHaveLength(1);
    expect(writer.context.stats.lalStalls).toBe(1);
    expect(sent(writer.step({ type: 'linkFree', pg: 0 }), 'writeBatch')[0]?.records.map((record) => record.lsn)).toEqual([3, 4]);
    // A write quorum acks SCL 4: VDL = 4 acknowledges txns 1 and 2 and starts txn 3 (LSNs 5–6).
    for (const member of [A1, A2, B1]) writer.step(writeAck(member, 4));
    const quorum = writer.step(writeAck(B2, 4));
    expect(sent(quorum, 'txnOk').map((ok) => ok.txnId)).toEqual([1, 2]);
    expect(observed(quorum, 'allocated')).toMatchObject([{ txnId: 3 }]);
    expect(writer.context.state.tracker.vdl).toBe(4);
    expect(writer.context.state.blocked).toHaveLength(0);
    // A write forwarder's GLOBAL read asks for the VDL (§11.1, write forwarding).
    expect(sent(writer.step({ type: 'vdlQuery', from: 'forwarder:eu-west-1', queryId: 7 }), 'vdlAnswer')).toEqual([{ type: 'vdlAnswer', from: 'inst:writer', queryId: 7, vdl: 4, to: 'forwarder:eu-west-1' }]);
    // Nothing durable for a whole period: the second tick resends txn 3's records.
    writer.step({ type: 'retransmitTick' });
    expect(writer.step({ type: 'retransmitTick' }).some((effect) => effect.kind === 'send')).toBe(true);
    writer.step({ type: 'linkFree', pg: 0 });
    for (const member of MEMBERS) writer.step(writeAck(member, 6));
    expect(writer.context.state.tracker.vdl).toBe(6);
  });

  it('a writer: page reads with hedges and refusals, membership changes, then fenced by a newer writer', () => {
    const writer = new Probe('writer');
    writer.step(put(1, 'k1'));
    for (const member of MEMBERS) writer.step(writeAck(member, 2));
    // A get on a block the 2-block cache does not hold is read from a segment at VDL 2.
    const cached = writer.context.state.reads.cached;
    const cold = keyOn((block) => cached[block] !== true);
    const [read] = sent(writer.step(get(2, cold)), 'readPage');
    expect(read).toMatchObject({ readPoint: 2, blockId: blockOfKey(LAYOUT, cold) });
    const requestId = read!.requestId;
    const [hedged] = sent(writer.step({ type: 'readHedge', requestId }), 'readPage');
    expect(hedged?.to).not.toBe(read?.to);
    // A tail segment refuses: never asked again; then one not complete to the read point.
    const [afterTail] = sent(writer.step({ type: 'readReject', from: read!.to, requestId, reason: 'tailSegment' }), 'readPage');
    expect(writer.context.state.reads.tails[read!.to]).toBe(true);
    writer.step({ type: 'readReject', from: afterTail!.to, requestId, reason: 'notComplete' });
    const answered = writer.step({ type: 'pageData', from: hedged!.to, requestId, pg: PG0, blockId: read!.blockId, readPoint: 2, values: {} });
    expect(sent(answered, 'txnOk')).toMatchObject([{ txnId: 2, reads: [null] }]);
    // A member at the epoch the writer holds rejected a batch: it is resent at once.
    writer.step(put(3, 'k3'));
    expect(sent(writer.step({ type: 'writeReject', from: C1, pg: PG0, reason: 'staleMembershipEpoch', volumeEpoch: 1, membershipEpoch: 1 }), 'writeBatch')).toHaveLength(1);
    for (const member of MEMBERS) writer.step(writeAck(member, 4));
    // Replace C2 by C3: enter the joint configuration, then finish forward.
    expect(sent(writer.step({ type: 'replaceSegment', from: 'scp', pg: PG0, failed: C2, replacement: REPLACEMENT }), 'membershipChange')).toHaveLength(7);
    let installed: Effect[] = [];
    for (const member of [A1, A2, B1, B2]) installed = writer.step({ type: 'membershipAck', from: member, pg: PG0, membershipEpoch: 2 });
    expect(sent(installed, 'recordMembership')).toMatchObject([{ config: { membershipEpoch: 2 } }]);
    expect(writer.context.state.members[0]).toContain(REPLACEMENT);
    expect(sent(writer.step({ type: 'finishMembershipChange', from: 'scp', pg: PG0, change: REPLACEMENT, outcome: 'forward' }), 'membershipChange')).toHaveLength(7);
    for (const member of [A1, A2, B1, B2]) writer.step({ type: 'membershipAck', from: member, pg: PG0, membershipEpoch: 3 });
    expect(writer.context.state.membershipEpochs[0]).toBe(3);
    expect(writer.context.state.members[0]).not.toContain(C2);
    // AZ c out for long: degrade to 3/4 of the other four.
    expect(sent(writer.step({ type: 'changeQuorumModel', from: 'scp', pg: PG0, model: 'degraded', azMembers: [C1, REPLACEMENT] }), 'membershipChange')).toHaveLength(6);
    // A segment holds a newer volume epoch: another writer recovered the volume.
    const fenced = writer.step({ type: 'writeReject', from: A1, pg: PG0, reason: 'staleVolumeEpoch', volumeEpoch: 2, membershipEpoch: 3 });
    expect(writer.at).toBe('writer.fenced');
    expect(sent(writer.step(put(4, 'k4')), 'txnFail')).toMatchObject([{ reason: 'fenced' }]);
    writer.step({ type: 'healthPing', from: 'control-plane', round: 2 });
    writer.fireAfter(fenced);
    expect(writer.at).toBe('reader.following');
    expect(writer.context.role).toBe('reader');
  });

  it('a replica: shipped redo applied, reads from cache and storage, lag restarts, holes, promotion', () => {
    const replica = new Probe('reader');
    expect(replica.at).toBe('reader.following');
    const first = mtr(createBacklinkState(), 1, 1, 'k1');
    replica.step({ type: 'redoShip', from: 'inst:writer', volumeEpoch: 1, records: first.records, vdl: 2 });
    expect(observed(replica.step({ type: 'applyDone' }), 'replicaApplied')).toMatchObject([{ appliedLsn: 2 }]);
    // The cold 2-block cache reads k1's block from a full segment at the read point, 2.
    const [read] = sent(replica.step(get(11, 'k1')), 'readPage');
    expect(read).toMatchObject({ readPoint: 2 });
    const requestId = read!.requestId;
    const [hedged] = sent(replica.step({ type: 'replicaReadHedge', requestId }), 'readPage');
    const [next] = sent(replica.step({ type: 'readReject', from: hedged!.to, requestId, reason: 'notComplete' }), 'readPage');
    const answered = replica.step({ type: 'pageData', from: next!.to, requestId, pg: PG0, blockId: read!.blockId, readPoint: 2, values: { k1: 'v1' } });
    expect(sent(answered, 'txnOk')).toMatchObject([{ txnId: 11, reads: ['v1'], readPoint: 2 }]);
    // Now cached: served at once.
    expect(sent(replica.step(get(12, 'k1')), 'txnOk')).toMatchObject([{ txnId: 12, reads: ['v1'] }]);
    // A forwarded read may not be served below its readAtLeastLsn (§11.1, write forwarding): refused, retryable.
    expect(sent(replica.step({ ...get(14, 'k1'), readAtLeastLsn: 3 }), 'txnFail')).toMatchObject([{ txnId: 14, reason: 'belowReadAtLeast' }]);
    expect(sent(replica.step({ ...get(15, 'k1'), readAtLeastLsn: 2 }), 'txnOk')).toMatchObject([{ txnId: 15, reads: ['v1'], readPoint: 2 }]);
    expect(sent(replica.step({ type: 'mrplTick' }), 'setMrpl')).toHaveLength(6);
    replica.step({ type: 'healthPing', from: 'control-plane', round: 1 });
    // Redo arrives but is not applied for two lag checks (100 ms each): the replica restarts.
    const second = mtr(first.backlinks, 3, 2, 'k2');
    replica.step({ type: 'redoShip', from: 'inst:writer', volumeEpoch: 1, records: second.records, vdl: 4 });
    replica.step({ type: 'lagCheck' });
    expect(observed(replica.step({ type: 'lagCheck' }), 'replicaRestarted')).toMatchObject([{ reason: 'lag' }]);
    expect(replica.at).toBe('reader.restarting');
    expect(sent(replica.step(get(13, 'k1')), 'txnFail')).toMatchObject([{ reason: 'restarting' }]);
    replica.step({ type: 'restartDone' });
    expect(replica.at).toBe('reader.following');
    // The stream resumes anywhere; a hole after that, and a newer writer, each restart the cache.
    const third = mtr(second.backlinks, 5, 3, 'k3');
    replica.step({ type: 'redoShip', from: 'inst:writer', volumeEpoch: 1, records: third.records, vdl: 6 });
    const afterHole = mtr(mtr(third.backlinks, 7, 4, 'k4').backlinks, 9, 5, 'k5');
    expect(observed(replica.step({ type: 'redoShip', from: 'inst:writer', volumeEpoch: 1, records: afterHole.records, vdl: 10 }), 'replicaRestarted')).toMatchObject([{ reason: 'gap' }]);
    const newWriter = mtr(afterHole.backlinks, 30, 6, 'k6');
    expect(observed(replica.step({ type: 'redoShip', from: 'inst:writer2', volumeEpoch: 2, records: newWriter.records, vdl: 31 }), 'replicaRestarted')).toMatchObject([{ reason: 'newWriter' }]);
    expect(replica.context.replica.volumeEpoch).toBe(2);
    replica.step({ type: 'promote', from: 'control-plane' });
    expect(replica.at).toBe('recovering.readingMetadata');
  });

  it('a standby promoted into crash recovery: fence, read, plan, truncate, repair, open', () => {
    const standby = new Probe('standby');
    expect(standby.at).toBe('standby');
    standby.step({ type: 'healthPing', from: 'control-plane', round: 1 });
    expect(sent(standby.step({ type: 'promote', from: 'control-plane' }), 'metadataRead')).toHaveLength(1);
    expect(sent(standby.step({ type: 'recoveryRetry' }), 'metadataRead')).toHaveLength(1);
    expect(sent(standby.step(metadataState('read', 1)), 'epochCas')).toMatchObject([{ expected: 1, next: 2 }]);
    expect(sent(standby.step({ type: 'recoveryRetry' }), 'epochCas')).toHaveLength(1);
    expect(sent(standby.step(put(1, 'k1')), 'txnFail')).toMatchObject([{ reason: 'recovering' }]);
    expect(sent(standby.step(metadataState('cas', 2)), 'recoveryOpen')).toHaveLength(6);
    expect(standby.at).toBe('recovering.reading');
    // Three segments answer (a read quorum), each holding txn 1's MTR; none of the others does.
    const held = mtr(createBacklinkState(), 1, 1, 'k1').records.map((record) => ({ ...record, volumeEpoch: 1 as VolumeEpoch }));
    for (const member of [A1, A2, B1]) {
      standby.step({ type: 'recoveryState', from: member, pg: PG0, volumeEpoch: 2, scl: 2, records: held, truncations: [], gcPoint: 0, lastPgLsnAtGc: 0 });
    }
    expect(standby.at).toBe('recovering.graceForStragglers');
    expect(sent(standby.step({ type: 'recoveryRetry' }), 'recoveryOpen').map((open) => open.to)).toEqual([B2, C1, C2]);
    const planned = standby.step({ type: 'recoveryGraceOver' });
    expect(observed(planned, 'recovered')).toMatchObject([{ vdl: 2, truncationFromLsn: 3, truncationToLsn: 6 }]);
    expect(sent(planned, 'recordTruncation')).toHaveLength(1);
    expect(sent(standby.step(metadataState('recordTruncation', 2)), 'truncate')).toHaveLength(6);
    // A write quorum holds the range; txn 1's records, on three segments only, are re-replicated.
    for (const member of [A1, A2, B1]) standby.step({ type: 'truncateAck', from: member, pg: PG0, volumeEpoch: 2, scl: 2 });
    const repairing = standby.step({ type: 'truncateAck', from: B2, pg: PG0, volumeEpoch: 2, scl: 0 });
    expect(standby.at).toBe('recovering.repairing');
    expect(sent(repairing, 'writeBatch').map((batch) => batch.to)).toEqual([B2, C1, C2]);
    expect(sent(standby.step({ type: 'recoveryRetry' }), 'writeBatch')).toHaveLength(3);
    const opened = standby.step(writeAck(B2, 2, 2));
    expect(standby.at).toBe('writer.open');
    expect(observed(opened, 'writerOpened')).toMatchObject([{ volumeEpoch: 2, nextLsn: 7, vdl: 6 }]);
    expect(sent(opened, 'writerOpen')).toHaveLength(1);
    // The new writer's LSNs continue above the truncation range, and it reads what survived.
    expect(observed(standby.step(put(2, 'k2')), 'allocated')).toMatchObject([{ records: [{ lsn: 7 }, { lsn: 8 }] }]);
    expect(standby.context.state.durableValues).not.toEqual({});
  });

  it('a replica promoted as a Global Database secondary: opens at its durable LSN, annuls through the highest LSN written (§11.1)', () => {
    const replica = new Probe('reader');
    const promoted = replica.step({ type: 'promote', from: 'global:eu-west-1', recoverTo: { durableLsn: 4, highestWrittenLsn: 20 } });
    expect(sent(promoted, 'metadataRead')).toHaveLength(1);
    expect(replica.context.recoverTo).toEqual({ durableLsn: 4, highestWrittenLsn: 20 });
    replica.step(metadataState('read', 1));
    expect(sent(replica.step(metadataState('cas', 2)), 'recoveryOpen')).toHaveLength(6);
    expect(replica.context.recovery).toMatchObject({ capLsn: 4, truncateThroughLsn: 20 });
    // Every segment holds three MTRs (CPLs 2, 4 and 6): uncapped, VDL' would be 6.
    const first = mtr(createBacklinkState(), 1, 1, 'k1');
    const second = mtr(first.backlinks, 3, 2, 'k2');
    const third = mtr(second.backlinks, 5, 3, 'k3');
    const held = [...first.records, ...second.records, ...third.records].map((record) => ({ ...record, volumeEpoch: 1 as VolumeEpoch }));
    let planned: Effect[] = [];
    for (const member of MEMBERS) {
      planned = replica.step({ type: 'recoveryState', from: member, pg: PG0, volumeEpoch: 2, scl: 6, records: held, truncations: [], gcPoint: 0, lastPgLsnAtGc: 0 });
    }
    // VDL' is capped at 4; the range runs through 20, above VDL' + LAL = 8.
    expect(observed(planned, 'recovered')).toMatchObject([{ vcl: 6, vdl: 4, truncationFromLsn: 5, truncationToLsn: 20 }]);
    expect(sent(planned, 'recordTruncation')).toMatchObject([{ range: { volumeEpoch: 2, fromLsn: 5, toLsn: 20 } }]);
    replica.step(metadataState('recordTruncation', 2));
    // Every segment already holds every survivor: the writer opens once a write quorum holds the range.
    let opened: Effect[] = [];
    for (const member of [A1, A2, B1, B2]) opened = replica.step({ type: 'truncateAck', from: member, pg: PG0, volumeEpoch: 2, scl: 4 });
    expect(replica.at).toBe('writer.open');
    expect(observed(opened, 'writerOpened')).toMatchObject([{ volumeEpoch: 2, nextLsn: 21, vdl: 20 }]);
    // The cap served that recovery only: it is gone once the writer is open.
    expect(replica.context.recoverTo).toBeUndefined();
    // Txns 1 and 2 survive; txn 3, above the cap, does not.
    const values = JSON.stringify(replica.context.state.durableValues);
    expect([values.includes('"k1":"v1"'), values.includes('"k2":"v2"'), values.includes('k3')]).toEqual([true, true, false]);
  });

  it('a crash mid-recovery forgets the cap; a plain promotion after it recovers uncapped', () => {
    const standby = new Probe('standby');
    standby.step({ type: 'promote', from: 'global:eu-west-1', recoverTo: { durableLsn: 2, highestWrittenLsn: 9 } });
    standby.step(metadataState('read', 1));
    standby.step({ type: 'crash' });
    expect(standby.context.recoverTo).toBeUndefined();
    standby.step({ type: 'restart' });
    // A promotion with a cap is replaced by the next one taken, here one without.
    standby.step({ type: 'promote', from: 'control-plane', recoverTo: { durableLsn: 2, highestWrittenLsn: 9 } });
    expect(standby.context.recoverTo).toEqual({ durableLsn: 2, highestWrittenLsn: 9 });
    standby.step({ type: 'crash' });
    standby.step({ type: 'restart' });
    standby.step({ type: 'promote', from: 'control-plane' });
    expect(standby.context.recoverTo).toBeUndefined();
    standby.step(metadataState('read', 1));
    standby.step(metadataState('cas', 2));
    expect(standby.context.recovery).not.toHaveProperty('capLsn');
    expect(standby.context.recovery).not.toHaveProperty('truncateThroughLsn');
  });

  it('a backtrack: the open writer recovers capped at the point, every read carrying the hidden set, and its range hides (§10)', () => {
    const writer = new Probe('writer');
    writer.step(put(1, 'k1'));
    expect(writer.context.state.tracker.maxAllocatedLsn).toBe(2);
    const asked = writer.step({ type: 'backtrack', from: 'backtrack', toLsn: 0 as Lsn, hidden: [] });
    expect(writer.at).toBe('recovering.readingMetadata');
    expect(sent(asked, 'metadataRead')).toHaveLength(1);
    expect(writer.context.recoverTo).toEqual({ durableLsn: 0, highestWrittenLsn: 2, backtrack: { hidden: [] } });
    writer.step(metadataState('read', 1));
    const opens = sent(writer.step(metadataState('cas', 2)), 'recoveryOpen') as { backtrack?: unknown }[];
    // Hidden: everything above the point through LAL past the highest LSN allocated (2 + 4).
    expect(opens).toHaveLength(6);
    for (const open of opens) expect(open.backtrack).toEqual({ volumeEpoch: 2, hidden: [{ fromLsn: 1, toLsn: 6 }] });
    let planned: Effect[] = [];
    for (const member of MEMBERS) planned = writer.step({ type: 'recoveryState', from: member, pg: PG0, volumeEpoch: 2, scl: 0, records: [], truncations: [], gcPoint: 0, lastPgLsnAtGc: 0 });
    expect(sent(planned, 'recordTruncation')).toMatchObject([{ range: { volumeEpoch: 2, fromLsn: 1, toLsn: 6, hides: true } }]);
    writer.step(metadataState('recordTruncation', 2));
    let opened: Effect[] = [];
    for (const member of [A1, A2, B1, B2]) opened = writer.step({ type: 'truncateAck', from: member, pg: PG0, volumeEpoch: 2, scl: 0 });
    expect(writer.at).toBe('writer.open');
    expect(observed(opened, 'writerOpened')).toMatchObject([{ volumeEpoch: 2, nextLsn: 7 }]);
  });

  it('crashes, outages and restarts: memory lost, back as a replica', () => {
    const writer = new Probe('writer');
    writer.step(put(1, 'k1'));
    writer.step({ type: 'crash' });
    expect(writer.at).toBe('down');
    expect(writer.context.state.commitQueue.chunks).toEqual([]);
    writer.step({ type: 'restart' });
    expect(writer.at).toBe('reader.following');
    writer.step({ type: 'outage', cause: 'az' });
    expect(writer.at).toBe('down');
    writer.step({ type: 'recover', cause: 'az' });
    expect(writer.at).toBe('reader.following');
    const standby = new Probe('standby');
    standby.step({ type: 'outage', cause: 'az' });
    expect(standby.at).toBe('down');
  });

  it('storage growth: a put past the last PG waits for the geometry change, then goes in; past the maximum it is refused with volumeFull', () => {
    // Arrange: keys in order, 4 per block, 8 blocks per PG (32 keys a PG), at most 2 PGs.
    const writer = new Probe('writer');
    writer.snapshot = startStepped(writerMachine, { ...input('writer'), cacheBlocks: 0, growth: { keysPerBlock: 4, pgCountMax: 2 } }).snapshot;
    // Act: k40 lands in PG 1, which the volume does not have yet.
    const waiting = writer.step(put(1, 'k40'));
    // Assert: no LSNs taken; the storage control plane is asked for 2 PGs.
    expect(sendsOf(waiting)).toContainEqual({ to: 'storage-control-plane', message: { type: 'growVolume', from: 'inst:writer', pgCount: 2, pgCountKnown: 1 } });
    expect(writer.context.state.blocked.map((request) => request.txnId)).toEqual([1]);
    expect(writer.context.state.tracker.maxAllocatedLsn).toBe(0);
    // The geometry change arrives: PG 1 joins and the waiting put is sent to its members.
    const pg1 = ['seg:p1a', 'seg:p1b', 'seg:p1c', 'seg:p1d', 'seg:p1e', 'seg:p1f'] as SegmentId[];
    const config = { pg: 1 as PgId, membershipEpoch: 1 as MembershipEpoch, members: pg1, write: kOfN(4, pg1), read: kOfN(3, pg1) };
    const grown = writer.step({ type: 'geometryChanged', from: 'storage-control-plane', geometryEpoch: 2, configs: [config] });
    expect(writer.context.state.layout.pgCount).toBe(2);
    expect(writer.context.options.pgs.map((pg) => pg.pg)).toEqual([0, 1]);
    expect(writer.context.state.blocked).toEqual([]);
    expect(sendsOf(grown).filter((send) => send.message.type === 'writeBatch').map((send) => send.to)).toEqual(expect.arrayContaining(pg1));
    // k64 would need PG 2, past the maximum of 2 PGs: refused at once, nothing allocated.
    const allocated = writer.context.state.tracker.maxAllocatedLsn;
    const refused = writer.step(put(2, 'k64'));
    expect(sendsOf(refused)).toContainEqual({ to: 'client:2', message: { type: 'txnFail', from: 'inst:writer', txnId: 2, reason: 'volumeFull' } });
    expect(writer.context.state.tracker.maxAllocatedLsn).toBe(allocated);
  });

  it('Serverless v2 (§11.3): load counted and reported, the cache follows capacity, a pause holds transactions and the resume takes them in order; a crash loses them', () => {
    // Arrange: a writer at 1 ACU whose cache holds 4 blocks.
    const writer = new Probe('writer');
    writer.snapshot = startStepped(writerMachine, { ...input('writer'), lal: 1_000, cacheBlocks: 4, serverless: { scaler: 'scaler:w', capacityAcu: 1 } }).snapshot;
    const keys = [keyOn((block) => block === 1), keyOn((block) => block === 2), keyOn((block) => block === 3)];
    keys.forEach((key, i) => writer.step(put(i + 1, key)));
    writer.step({ type: 'linkFree', pg: 0 });
    for (const member of MEMBERS) writer.step(writeAck(member, 6));
    expect(writer.context.state.tracker.vdl).toBe(6);
    const cachedBefore = writer.context.state.reads.order.length;
    expect(cachedBefore).toBeGreaterThan(2);
    // Act and assert: a get on a cached block counts as a hit; the scaler hears the counts.
    writer.step(get(4, keys[2]!));
    const report = writer.step({ type: 'loadQuery', from: 'scaler:w' });
    expect(report).toContainEqual({ kind: 'signal', to: 'scaler:w', event: { type: 'loadReport', instance: 'inst:writer', transactions: 4, writes: 3, gets: 1, getsFromCache: 1, busy: false } });
    // Down to 0.5 ACU (2 blocks): the oldest clean blocks leave, each reported for S11.
    const shrunk = writer.step({ type: 'capacitySet', capacityAcu: 0.5, cacheBlocks: 2 });
    expect(writer.context.state.reads.order).toHaveLength(2);
    expect(writer.context.state.reads.capacity).toBe(2);
    expect(observed(shrunk, 'cacheEvicted')).toHaveLength(cachedBefore - 2);
    for (const eviction of observed(shrunk, 'cacheEvicted')) expect(eviction.pageLsn as number).toBeLessThanOrEqual(6);
    // Paused: the cache is emptied; transactions are held (the first asks the scaler to resume), not refused.
    writer.step({ type: 'capacitySet', capacityAcu: 0, cacheBlocks: 2 });
    expect(writer.context.state.reads.order).toEqual([]);
    const firstHeld = writer.step(put(5, keys[0]!));
    expect(firstHeld).toContainEqual({ kind: 'signal', to: 'scaler:w', event: { type: 'wake' } });
    expect(observed(firstHeld, 'txnHeld')).toEqual([{ kind: 'txnHeld', instance: 'inst:writer', txnId: 5 }]);
    expect(sent(firstHeld, 'writeBatch')).toEqual([]);
    const secondHeld = writer.step(get(6, keys[1]!));
    expect(secondHeld.filter((effect) => effect.kind === 'signal')).toEqual([]);
    // Work is in flight while a transaction is held: the instance is not idle.
    expect(writer.step({ type: 'loadQuery', from: 'scaler:w' })).toMatchObject([{ kind: 'signal', event: { type: 'loadReport', busy: true } }]);
    expect(writer.context.serverless?.held.map((request) => request.txnId)).toEqual([5, 6]);
    // Resumed: both are taken, in order, within the step: the put allocates and goes out.
    const resumed = writer.step({ type: 'capacitySet', capacityAcu: 0.5, cacheBlocks: 2 });
    expect(observed(resumed, 'txnReleased').map((o) => o.txnId)).toEqual([5, 6]);
    expect(observed(resumed, 'allocated')).toMatchObject([{ txnId: 5 }]);
    expect(writer.context.serverless).toMatchObject({ paused: false, held: [], capacityAcu: 0.5 });
    expect(writer.context.load.transactions).toBe(6);
    // Paused again, one held, then a crash: it is lost with every other connection.
    writer.step({ type: 'capacitySet', capacityAcu: 0, cacheBlocks: 2 });
    writer.step(put(7, keys[2]!));
    const crashed = writer.step({ type: 'crash' });
    expect(observed(crashed, 'txnReleased')).toEqual([{ kind: 'txnReleased', instance: 'inst:writer', txnId: 7, crashed: true }]);
    expect(writer.context.serverless?.held).toEqual([]);
    // A replica: its cache and pages follow capacity; a read-only transaction waits out a pause.
    const replica = new Probe('reader');
    replica.snapshot = startStepped(writerMachine, { ...input('reader'), cacheBlocks: 2, serverless: { scaler: 'scaler:r', capacityAcu: 0.5 } }).snapshot;
    replica.step({ type: 'capacitySet', capacityAcu: 0, cacheBlocks: 2 });
    expect(observed(replica.step(get(8, keys[0]!)), 'txnHeld')).toHaveLength(1);
    const served = replica.step({ type: 'capacitySet', capacityAcu: 1, cacheBlocks: 4 });
    expect(observed(served, 'txnReleased')).toHaveLength(1);
    expect(replica.context.replica.cacheBlocks).toBe(4);
    expect(replica.context.options.cacheBlocks).toBe(4);
    expect(replica.context.load).toMatchObject({ transactions: 1, gets: 1 });
  });

  it('covers every event type the chart handles', () => {
    expect([...covered].sort()).toEqual(handledEventTypes(writerMachine));
  });
});
