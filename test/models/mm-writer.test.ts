/**
 * MultiWriter (models/mm-writer.machine.ts; docs/protocol.md §11.2): one writer driven through every
 * event its chart handles, each step on a deep-frozen snapshot (so a write into the context
 * throws), and the covered set must equal what the chart handles. Along the way: a REGIONAL_RAW
 * read waits for a peer's position, a commit on four accepting votes ships to the peer, a lost page
 * answers `deadlock` and a split vote skips its version, an approved page of a lost transaction is
 * compensated, a transaction on a locked page waits its turn, and a crash keeps what must be rolled
 * back after the restart.
 */
import { describe, expect, it } from 'vitest';
import type { MwEvent, MwInput } from '../../models/mm-writer.machine.js';
import { mmWriterInputProblem, mmWriterMachine } from '../../models/mm-writer.machine.js';
import type { PageVoteMessage } from '../../models/mw-messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { SegmentId } from '../../src/protocol/ids.js';
import { blockOfKey } from '../../src/protocol/pages.js';
import { kOfN } from '../../src/protocol/quorum.js';
import { FrozenDriver, handledEventTypes } from './purity.js';

const SELF = 'mm-writer:a';
const PEER = 'mm-writer:b';
const MEMBERS = ['s1', 's2', 's3', 's4', 's5', 's6'];
const LAYOUT = { pgCount: 1, blocksPerPg: 8 };
const input = (consistency: MwInput['consistency']): MwInput => ({
  self: SELF,
  peers: [PEER],
  pgs: [{ pg: 0, members: MEMBERS, write: kOfN(4, MEMBERS as SegmentId[]) }],
  layout: LAYOUT,
  consistency,
});

/** Two keys on different blocks, and a third on the first one's block. */
const keys = (() => {
  const found: string[] = [];
  for (let i = 0; found.length < 1; i++) found.push(`k${i}`);
  const first = found[0]!;
  let other = '';
  let same = '';
  for (let i = 1; other === '' || same === ''; i++) {
    const key = `k${i}`;
    if (blockOfKey(LAYOUT, key) === blockOfKey(LAYOUT, first)) same ||= key;
    else other ||= key;
  }
  return { first, other, same };
})();

const sent = (effects: readonly Effect[], type: string): Record<string, unknown>[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && (effect.message as { type: string }).type === type ? [{ to: effect.to, ...(effect.message as object) }] : []));
const observed = (effects: readonly Effect[], kind: string): Record<string, unknown>[] =>
  effects.flatMap((effect) => (effect.kind === 'observe' && (effect.observation as { kind: string }).kind === kind ? [effect.observation as Record<string, unknown>] : []));
const timer = (effects: readonly Effect[], type: string) => effects.find((effect): effect is Extract<Effect, { kind: 'schedule' }> => effect.kind === 'schedule' && effect.event.type === type);

/** Segment `member`'s vote on the change in `proposal`, held by `holder` there. */
const vote = (proposal: Record<string, unknown>, member: string, holder: { writer: string; txnId: number }): PageVoteMessage => {
  const change = proposal.change as PageVoteMessage['change'];
  const mine = holder.writer === change.writer && holder.txnId === change.txnId;
  return { type: 'pageVote', from: member, change, vote: mine ? 'accepted' : 'conflict', holder };
};

describe('MultiWriter: transitions are pure and do what docs/protocol.md §11.2 says', () => {
  it('every event the chart handles leaves the snapshot it was given untouched', () => {
    const writer = new FrozenDriver(mmWriterMachine, input('regional-raw'));
    const step = (event: MwEvent): Effect[] => writer.step(event);

    // REGIONAL_RAW: the read waits for the peer's position, then for its entry to arrive.
    const asked = step({ type: 'txnRequest', from: 'client:1', txnId: 1, ops: [{ f: 'get', key: keys.other }, { f: 'put', key: keys.first, value: 'v1' }] });
    expect(sent(asked, 'mwPositionQuery')).toMatchObject([{ to: PEER, queryId: 1 }]);
    expect(sent(asked, 'pageChange')).toEqual([]);
    expect(sent(step({ type: 'mwPosition', from: PEER, queryId: 1, seq: 1 }), 'pageChange')).toEqual([]);
    const shipped = step({ type: 'mwShip', from: PEER, entries: [{ seq: 1, txnId: 90, pages: [{ blockId: blockOfKey(LAYOUT, keys.other), version: 1, values: { [keys.other]: 'peer' }, stamp: 7 }] }] });
    expect(observed(shipped, 'mwApplied')).toMatchObject([{ from: PEER, seq: 1 }]);
    expect(sent(shipped, 'mwShipAck')).toMatchObject([{ to: PEER, upTo: 1 }]);
    const proposals = sent(shipped, 'pageChange');
    expect(proposals.map((proposal) => proposal.to)).toEqual(MEMBERS);
    expect(proposals[0]).toMatchObject({ change: { writer: SELF, txnId: 1, baseVersion: 0 } });

    // A second transaction on the same page waits for the first's lock.
    expect(sent(step({ type: 'txnRequest', from: 'client:2', txnId: 2, ops: [{ f: 'put', key: keys.same, value: 'v2' }] }), 'pageChange')).toEqual([]);
    expect(writer.context.waiting).toHaveLength(1);

    // Four accepting votes approve the change: committed, answered with the read and the commit stamp.
    const mine = { writer: SELF, txnId: 1 };
    for (const member of MEMBERS.slice(0, 3)) expect(sent(step(vote(proposals[0]!, member, mine)), 'txnOk')).toEqual([]);
    const committed = step(vote(proposals[0]!, 's4', mine));
    expect(sent(committed, 'txnOk')).toMatchObject([{ to: 'client:1', txnId: 1, reads: ['peer'], commitLsn: 8 }]);
    expect(observed(committed, 'mwCommitted')).toMatchObject([{ writer: SELF, txnId: 1, seq: 1, pages: [{ baseVersion: 0 }] }]);
    // The waiting transaction starts on the page's new version.
    expect(sent(committed, 'pageChange')[0]).toMatchObject({ change: { txnId: 2, baseVersion: 1 } });
    const ship = timer(committed, 'mwShipTick');
    expect(ship).toBeDefined();
    expect(sent(writer.fire(ship!), 'mwShip')).toMatchObject([{ to: PEER, entries: [{ seq: 1, txnId: 1 }] }]);
    expect(sent(step({ type: 'mwResendTick' }), 'mwShip')).toHaveLength(1);
    step({ type: 'mwShipAck', from: PEER, upTo: 1 });
    expect(writer.context.outbox).toEqual([]);
    expect(sent(step({ type: 'mwPositionQuery', from: PEER, queryId: 5 }), 'mwPosition')).toMatchObject([{ to: PEER, queryId: 5, seq: 1 }]);

    // A split vote on transaction 2: three for it, three for the peer's. It lost (deadlock), and
    // nobody can win version 1, so the writer skips it.
    const second = { change: writer.context.txns[2]!.pages[0]!.change && { writer: SELF, txnId: 2, pg: 0, blockId: blockOfKey(LAYOUT, keys.same), baseVersion: 1 } };
    const rival = { writer: PEER, txnId: 70 };
    step(vote(second, 's1', { writer: SELF, txnId: 2 }));
    step(vote(second, 's2', rival));
    step(vote(second, 's3', rival));
    const lost = step(vote(second, 's4', rival));
    expect(sent(lost, 'txnFail')).toMatchObject([{ to: 'client:2', txnId: 2, reason: 'deadlock' }]);
    expect(observed(lost, 'mwAborted')).toMatchObject([{ reason: 'conflict', lost: { baseVersion: 1, winner: 'open' } }]);
    // Nothing of it was approved, so the rollback ends at once; the last votes show the split.
    expect(observed(lost, 'mwRolledBack')).toMatchObject([{ txnId: 2, compensations: 0 }]);
    step(vote(second, 's5', { writer: SELF, txnId: 2 }));
    expect(writer.context.pages[blockOfKey(LAYOUT, keys.same)]).toMatchObject({ version: 1 });
    step(vote(second, 's6', { writer: SELF, txnId: 2 }));
    expect(writer.context.pages[blockOfKey(LAYOUT, keys.same)]).toMatchObject({ version: 2, values: { [keys.first]: 'v1' } });
    expect(writer.context.unsettled).toEqual({});

    // A two-page transaction: one page approved, the other lost to the peer; the approved one is
    // compensated (its next version, with the values from before), then the rollback ships.
    const pair = step({ type: 'txnRequest', from: 'client:3', txnId: 3, ops: [{ f: 'put', key: keys.first, value: 'v3' }, { f: 'put', key: keys.other, value: 'v3' }] });
    expect(sent(pair, 'mwPositionQuery')).toEqual([]);
    const onBlock = (key: string) => sent(pair, 'pageChange').find((proposal) => (proposal.change as { blockId: number }).blockId === blockOfKey(LAYOUT, key))!;
    const [onFirst, onOther] = [onBlock(keys.first), onBlock(keys.other)];
    expect(onFirst).toMatchObject({ change: { baseVersion: 2 } });
    expect(onOther).toMatchObject({ change: { baseVersion: 1 } });
    for (const member of MEMBERS.slice(0, 4)) step(vote(onFirst, member, { writer: SELF, txnId: 3 }));
    const peerWon = { writer: PEER, txnId: 71 };
    for (const member of MEMBERS.slice(0, 2)) step(vote(onOther, member, peerWon));
    const deadlock = step(vote(onOther, 's3', peerWon));
    expect(sent(deadlock, 'txnFail')).toMatchObject([{ reason: 'deadlock' }]);
    // Every change is decided (three conflicts of six leave no write quorum): compensate at once.
    const compensation = sent(deadlock, 'pageChange');
    expect(observed(step(vote(onOther, 's4', peerWon)), 'mwAborted')).toEqual([]);
    expect(compensation).toHaveLength(6);
    expect(compensation[0]).toMatchObject({ change: { txnId: 3, baseVersion: 3 } });
    for (const member of MEMBERS.slice(0, 3)) step(vote(compensation[0]!, member, { writer: SELF, txnId: 3 }));
    const undone = step(vote(compensation[0]!, 's4', { writer: SELF, txnId: 3 }));
    expect(observed(undone, 'mwRolledBack')).toMatchObject([{ txnId: 3, compensations: 1, seq: 3 }]);
    expect(writer.context.pages[blockOfKey(LAYOUT, keys.first)]).toMatchObject({ version: 4, values: { [keys.first]: 'v1' } });

    // Votes that do not come: the vote timer asks the silent segments again.
    const slow = step({ type: 'txnRequest', from: 'client:4', txnId: 4, ops: [{ f: 'put', key: keys.first, value: 'v4' }] });
    const retry = writer.fire(timer(slow, 'mwVoteTick')!);
    expect(sent(retry, 'pageChange')).toHaveLength(6);

    // A REGIONAL_RAW read whose peer never answers: taken as down at the timeout.
    const waiting = step({ type: 'txnRequest', from: 'client:5', txnId: 5, ops: [{ f: 'get', key: keys.other }] });
    const timedOut = writer.fire(timer(waiting, 'mwPositionTimeout')!);
    expect(sent(timedOut, 'txnOk')).toMatchObject([{ to: 'client:5', reads: ['peer'], commitLsn: 0 }]);
    expect(observed(timedOut, 'mwRegionalRead')).toMatchObject([{ phase: 'ready' }]);

    // A crash keeps transaction 4 (it proposed a change); the restart asks its votes again and rolls it back.
    step({ type: 'crash' });
    expect(writer.state).toBe('crashed');
    const restarted = step({ type: 'restart' });
    expect(observed(restarted, 'mwAborted')).toMatchObject([{ txnId: 4, reason: 'crash' }]);
    expect(sent(restarted, 'pageChange')).toHaveLength(6);
    step({ type: 'outage', cause: 'az' });
    step({ type: 'recover', cause: 'az' });
    expect(writer.state).toBe('serving');

    expect(writer.uncovered).toEqual([]);
    expect(handledEventTypes(mmWriterMachine)).toContain('pageVote');
  });

  it('gives up votes that never decide after voteRoundsMax rounds (writerUnavailable) and refuses bad settings', () => {
    const writer = new FrozenDriver(mmWriterMachine, { ...input('instance-raw'), voteRoundsMax: 2 });
    const started = writer.step({ type: 'txnRequest', from: 'client:1', txnId: 1, ops: [{ f: 'put', key: keys.first, value: 'x' }] });
    const first = writer.fire(timer(started, 'mwVoteTick')!);
    const second = writer.fire(timer(first, 'mwVoteTick')!);
    expect(sent(second, 'txnFail')).toMatchObject([{ reason: 'writerUnavailable' }]);
    expect(observed(second, 'mwAborted')).toMatchObject([{ reason: 'timeout' }]);
    expect(mmWriterInputProblem({ ...input('instance-raw'), replicationDelayMs: -1 })).toBe('mmWriter mm-writer:a: replicationDelayMs must be a finite number >= 0, got -1');
    expect(mmWriterInputProblem(input('instance-raw'))).toBeUndefined();
  });
});
