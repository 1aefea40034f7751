/**
 * The write forwarder of a Global Database secondary (models/write-forwarder.machine.ts;
 * docs/protocol.md §11.1, write forwarding), stepped through deep-frozen snapshots and events
 * (`stepFrozen`), so every test here is also a purity test.
 */
import { freeze } from 'immer';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { WriteForwarderContext, WriteForwarderEvent, WriteForwarderInput } from '../../models/write-forwarder.machine.js';
import { WriteForwarderInputError, forwardedReadTimerId, writeForwarderInputProblem, writeForwarderMachine } from '../../models/write-forwarder.machine.js';
import type { TxnRequestMessage } from '../../models/messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import { lsn, regionId } from '../../src/protocol/ids.js';
import { handledEventTypes, startStepped, stepFrozen } from './purity.js';

const WRITER = 'inst:us-east-1:writer';
const INSTANCE = 'inst:eu-west-1:replica1';
const input = (readConsistency: WriteForwarderInput['readConsistency']): WriteForwarderInput => ({
  self: 'forwarder:eu-west-1',
  region: regionId('eu-west-1'),
  readConsistency,
  writer: WRITER,
  instance: INSTANCE,
});

class Forwarder {
  readonly covered = new Set<string>();
  snapshot: AnyMachineSnapshot;

  constructor(forwarderInput: WriteForwarderInput) {
    this.snapshot = startStepped(writeForwarderMachine, forwarderInput).snapshot as AnyMachineSnapshot;
  }

  get context(): WriteForwarderContext {
    return this.snapshot.context as WriteForwarderContext;
  }

  step(event: WriteForwarderEvent): Effect[] {
    const { next, effects } = stepFrozen(writeForwarderMachine, this.snapshot, freeze(event, true));
    this.snapshot = next as AnyMachineSnapshot;
    this.covered.add(event.type);
    return freeze(effects, true);
  }
}

const sends = (effects: Effect[]): { to: string; message: Record<string, unknown> }[] =>
  effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as Record<string, unknown> }] : []));
const write = (txnId: number, from = 'client:eu-west-1:1'): TxnRequestMessage => ({ type: 'txnRequest', from, txnId, ops: [{ f: 'put', key: 'k', value: `v${txnId}` }] });
const read = (txnId: number, from = 'client:eu-west-1:1'): TxnRequestMessage => ({ type: 'txnRequest', from, txnId, ops: [{ f: 'get', key: 'k' }] });

describe('WriteForwarder: writes go to the primary, answers come back', () => {
  it('forwards a transaction with a put to the writer as its own, relays the commit and remembers its LSN for the session', () => {
    const forwarder = new Forwarder(input('session'));
    expect(sends(forwarder.step(write(1)))).toEqual([{ to: WRITER, message: { ...write(1), from: 'forwarder:eu-west-1' } }]);
    const ok = { type: 'txnOk' as const, from: WRITER, txnId: 1, commitLsn: lsn(42), reads: [] };
    expect(sends(forwarder.step(ok))).toEqual([{ to: 'client:eu-west-1:1', message: ok }]);
    expect(forwarder.context.lastCommitLsn).toEqual({ 'client:eu-west-1:1': 42 });
    expect(forwarder.context.writes).toEqual({});
  });

  it('keeps a write until the writer answers, so a commit its session gave up waiting for still counts for SESSION', () => {
    const forwarder = new Forwarder(input('session'));
    forwarder.step(write(1));
    // The session timed out and reads meanwhile: no floor yet.
    expect(sends(forwarder.step(read(2))).map(({ message }) => message.readAtLeastLsn)).toEqual([undefined]);
    const late = { type: 'txnOk' as const, from: WRITER, txnId: 1, commitLsn: lsn(50), reads: [] };
    expect(sends(forwarder.step(late))).toEqual([{ to: 'client:eu-west-1:1', message: late }]);
    expect(sends(forwarder.step(read(3))).map(({ message }) => message.readAtLeastLsn)).toEqual([50]);
  });

  it('sends later writes to the writer the world names when the endpoint moves', () => {
    const forwarder = new Forwarder(input('eventual'));
    forwarder.step({ type: 'writerEndpoint', writer: 'inst:eu-west-1:replica1' });
    expect(sends(forwarder.step(write(2))).map(({ to }) => to)).toEqual(['inst:eu-west-1:replica1']);
  });
});

describe('WriteForwarder: reads at the session\'s consistency level', () => {
  it('EVENTUAL: a read goes to the instance at once, with no floor', () => {
    const forwarder = new Forwarder(input('eventual'));
    forwarder.step(write(1));
    forwarder.step({ type: 'txnOk', from: WRITER, txnId: 1, commitLsn: lsn(42), reads: [] });
    expect(sends(forwarder.step(read(2)))).toEqual([{ to: INSTANCE, message: { ...read(2), from: 'forwarder:eu-west-1' } }]);
  });

  it('SESSION: a read asks for the session\'s last commit LSN, and goes again after a refusal as not caught up', () => {
    const forwarder = new Forwarder(input('session'));
    forwarder.step(write(1));
    forwarder.step({ type: 'txnOk', from: WRITER, txnId: 1, commitLsn: lsn(42), reads: [] });
    expect(sends(forwarder.step(read(2))).map(({ message }) => message.readAtLeastLsn)).toEqual([42]);
    // Another session has committed nothing: no floor for it.
    expect(sends(forwarder.step(read(3, 'client:eu-west-1:2'))).map(({ message }) => message.readAtLeastLsn)).toEqual([undefined]);
    const refused = forwarder.step({ type: 'txnFail', from: INSTANCE, txnId: 2, reason: 'belowReadAtLeast' });
    expect(sends(refused)).toEqual([]);
    expect(refused).toContainEqual(expect.objectContaining({ kind: 'schedule', timerId: forwardedReadTimerId(2), delayMs: 10 }));
    expect(sends(forwarder.step({ type: 'readRetry', txnId: 2 })).map(({ to, message }) => [to, message.readAtLeastLsn])).toEqual([[INSTANCE, 42]]);
    const ok = { type: 'txnOk' as const, from: INSTANCE, txnId: 2, commitLsn: lsn(0), reads: ['v1'], readPoint: lsn(44) };
    expect(sends(forwarder.step(ok))).toEqual([{ to: 'client:eu-west-1:1', message: ok }]);
    expect(Object.keys(forwarder.context.reads)).toEqual(['3']);
  });

  it('GLOBAL: a read first asks the writer for its VDL, then reads at least there; no answer, it asks again', () => {
    const forwarder = new Forwarder(input('global'));
    const asked = forwarder.step(read(5));
    expect(sends(asked)).toEqual([{ to: WRITER, message: { type: 'vdlQuery', from: 'forwarder:eu-west-1', queryId: 5 } }]);
    expect(sends(forwarder.step({ type: 'readRetry', txnId: 5 })).map(({ to, message }) => [to, message.type])).toEqual([[WRITER, 'vdlQuery']]);
    const answered = forwarder.step({ type: 'vdlAnswer', from: WRITER, queryId: 5, vdl: lsn(99) });
    expect(sends(answered)).toEqual([{ to: INSTANCE, message: { ...read(5), from: 'forwarder:eu-west-1', readAtLeastLsn: 99 } }]);
    expect(answered).toContainEqual({ kind: 'cancel', timerId: forwardedReadTimerId(5) });
    // A second answer (to the repeated question) changes nothing.
    expect(sends(forwarder.step({ type: 'vdlAnswer', from: WRITER, queryId: 5, vdl: lsn(120) }))).toEqual([]);
  });

  it('drops what it held for a session\'s previous transaction when the session starts another', () => {
    const forwarder = new Forwarder(input('global'));
    forwarder.step(read(5));
    const next = forwarder.step(write(6));
    expect(next).toContainEqual({ kind: 'cancel', timerId: forwardedReadTimerId(5) });
    expect(forwarder.context.reads).toEqual({});
    expect(sends(forwarder.step({ type: 'vdlAnswer', from: WRITER, queryId: 5, vdl: lsn(99) }))).toEqual([]);
  });

  it('covers every event type it handles, and refuses an unknown consistency level naming the field', () => {
    const forwarder = new Forwarder(input('session'));
    forwarder.step(write(1));
    forwarder.step({ type: 'txnFail', from: WRITER, txnId: 1, reason: 'fenced' });
    forwarder.step(read(2));
    forwarder.step({ type: 'txnOk', from: INSTANCE, txnId: 2, commitLsn: lsn(0), reads: [null], readPoint: lsn(1) });
    forwarder.step({ type: 'readRetry', txnId: 9 });
    forwarder.step({ type: 'vdlAnswer', from: WRITER, queryId: 9, vdl: lsn(1) });
    forwarder.step({ type: 'writerEndpoint', writer: WRITER });
    expect([...forwarder.covered].sort()).toEqual(handledEventTypes(writeForwarderMachine).sort());
    expect(writeForwarderInputProblem({ ...input('session'), readConsistency: 'strong' as never })).toBe('readConsistency: strong; allowed eventual, session, global');
    expect(writeForwarderInputProblem({ ...input('session'), readRetryMs: 0 })).toBe('readRetryMs: 0; allowed a finite number of ms above 0');
    expect(writeForwarderInputProblem(input('global'))).toBeUndefined();
    expect(new WriteForwarderInputError('x')).toBeInstanceOf(Error);
  });
});
