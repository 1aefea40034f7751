/**
 * The front door (models/front-door.machine.ts; docs/protocol.md §15), every step on a deep-frozen
 * snapshot: it judges a connect by the network, TLS and the token at its own clock (answering
 * refusals by TLS and authentication, dropping those by the network), binds an accepted
 * connection to the instance asked for, passes statements only on an open connection of their
 * client, keeps a connection past its token's expiry, and closes connections on a forced
 * reconnect.
 */
import { describe, expect, it } from 'vitest';
import { FRONT_DOOR_CLOCK_TIMER, frontDoorInputProblem, frontDoorMachine } from '../../models/front-door.machine.js';
import type { FrontDoorEvent, FrontDoorInput } from '../../models/front-door.machine.js';
import type { ConnectRequestMessage, TxnRequestMessage } from '../../models/messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { AuthToken } from '../../src/protocol/security.js';
import { FrozenDriver, handledEventTypes } from './purity.js';

const SELF = 'front-door:us-east-1';
const WRITER = 'inst:us-east-1:writer';
const REPLICA = 'inst:us-east-1:replica1';
const INPUT: FrontDoorInput = {
  self: SELF,
  policy: { cluster: 'orders', vpcCidr: '10.0.0.0/16', allowedCidrs: ['10.0.1.0/24'], requireTls: true, iamAuth: true },
  clockTickMs: 100,
};
const token = (expiresAtMs = 1_000, over: Partial<AuthToken> = {}): AuthToken => ({ cluster: 'orders', user: 'app', issuedAtMs: 0, expiresAtMs, ...over });
const connect = (from: string, requestId: number, over: Partial<ConnectRequestMessage> = {}): FrontDoorEvent => ({ type: 'connectRequest', from, requestId, instance: WRITER, user: 'app', address: '10.0.1.9', tls: true, token: token(), ...over });
const txn = (from: string, txnId: number, connectionId?: string): TxnRequestMessage => ({ type: 'txnRequest', from, txnId, ops: [{ f: 'get', key: 'k1' }, { f: 'put', key: 'k2', value: 'v' }], ...(connectionId === undefined ? {} : { connectionId }) });

const sends = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as Record<string, unknown> }] : []));
const observed = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'observe' ? [effect.observation as Record<string, unknown>] : []));

/** Every driver this file steps: the last test checks the chart handles no event type none of them got. */
const doors: FrozenDriver<typeof frontDoorMachine>[] = [];
const newDoor = (input: FrontDoorInput = INPUT): FrozenDriver<typeof frontDoorMachine> => {
  const door = new FrozenDriver(frontDoorMachine, input);
  doors.push(door);
  return door;
};
/** Advances the door's clock by `ticks` ticks. */
const tick = (door: FrozenDriver<typeof frontDoorMachine>, ticks: number): void => {
  for (let i = 0; i < ticks; i++) door.step({ type: 'clockTick' });
};

describe('front door', () => {
  it('starts its clock, and keeps it ticking', () => {
    const door = newDoor();
    expect(door.startEffects).toEqual([{ kind: 'schedule', timerId: FRONT_DOOR_CLOCK_TIMER, delayMs: 100, event: { type: 'clockTick' } }]);
    expect(door.step({ type: 'clockTick' })).toEqual([{ kind: 'schedule', timerId: FRONT_DOOR_CLOCK_TIMER, delayMs: 100, event: { type: 'clockTick' } }]);
    expect(door.context.nowMs).toBe(100);
  });

  it('accepts a connection that meets the policy, answers it, and binds it to the instance asked for', () => {
    const door = newDoor();
    const effects = door.step(connect('client:1', 7));
    expect(sends(effects)).toEqual([{ to: 'client:1', message: { type: 'connectAccepted', from: SELF, requestId: 7, connectionId: 'conn-1', instance: WRITER } }]);
    expect(observed(effects)).toEqual([
      { kind: 'connectionAttempt', frontDoor: SELF, cluster: 'orders', client: 'client:1', instance: WRITER, requestId: 7, user: 'app', address: '10.0.1.9', tls: true, token: token(), clockMs: 0, outcome: 'accepted', answered: true, connectionId: 'conn-1' },
    ]);
    expect(door.context.connections).toEqual({ 'conn-1': { client: 'client:1', instance: WRITER, user: 'app', openedAtMs: 0 } });
  });

  it('answers a refusal by TLS or authentication with its reason; drops a refusal by the network unanswered', () => {
    const door = newDoor();
    const noTls = door.step(connect('client:2', 1, { tls: false }));
    expect(sends(noTls)).toEqual([{ to: 'client:2', message: { type: 'connectRefused', from: SELF, requestId: 1, reason: 'tlsRequired' } }]);
    expect(observed(noTls)[0]).toMatchObject({ outcome: 'refused', reason: 'tlsRequired', answered: true });
    const blocked = door.step(connect('client:3', 1, { address: '10.0.2.9' }));
    expect(sends(blocked)).toEqual([]);
    expect(observed(blocked)[0]).toMatchObject({ outcome: 'refused', reason: 'securityGroup', answered: false });
    expect(observed(door.step(connect('client:4', 1, { token: token(1_000, { user: 'admin' }) })))[0]).toMatchObject({ reason: 'tokenForOtherUser' });
    expect(door.context.connections).toEqual({});
  });

  it('judges expiry by its own clock: a token valid at 900 ms is refused once the clock reaches its expiry', () => {
    const door = newDoor();
    tick(door, 9);
    expect(observed(door.step(connect('client:1', 1)))[0]).toMatchObject({ outcome: 'accepted', clockMs: 900 });
    tick(door, 1);
    expect(observed(door.step(connect('client:2', 1)))[0]).toMatchObject({ outcome: 'refused', reason: 'tokenExpired', clockMs: 1_000 });
  });

  it('passes a statement on an open connection of its client to that connection\'s instance, unchanged; a connection outlives its token', () => {
    const door = newDoor();
    door.step(connect('client:1', 1));
    tick(door, 50); // the token expired at 1,000 ms; the connection stays open
    const passed = door.step(txn('client:1', 11, 'conn-1'));
    expect(sends(passed)).toEqual([{ to: WRITER, message: txn('client:1', 11, 'conn-1') }]);
    expect(observed(passed)).toEqual([
      { kind: 'statement', frontDoor: SELF, cluster: 'orders', client: 'client:1', txnId: 11, ops: [{ op: 'get', key: 'k1' }, { op: 'put', key: 'k2' }], connectionId: 'conn-1', instance: WRITER, outcome: 'passed' },
    ]);
  });

  it("refuses a statement on no connection, on an unknown one, or on another client's, and passes none of it", () => {
    const door = newDoor();
    door.step(connect('client:1', 1));
    for (const [from, connectionId] of [['client:2', undefined], ['client:2', 'conn-9'], ['client:2', 'conn-1']] as const) {
      const refused = door.step(txn(from, 12, connectionId));
      expect(sends(refused)).toEqual([{ to: from, message: { type: 'txnFail', from: SELF, txnId: 12, reason: 'notConnected' } }]);
      expect(observed(refused)).toMatchObject([{ kind: 'statement', outcome: 'refused', reason: 'notConnected' }]);
    }
  });

  it("replaces a client's connection to the same instance, keeps its connection to another", () => {
    const door = newDoor();
    door.step(connect('client:1', 1));
    door.step(connect('client:1', 2, { instance: REPLICA }));
    const again = door.step(connect('client:1', 3));
    expect(observed(again)[0]).toEqual({ kind: 'connectionClosed', frontDoor: SELF, cluster: 'orders', connectionId: 'conn-1', client: 'client:1', instance: WRITER, reason: 'replaced' });
    expect(Object.keys(door.context.connections).sort()).toEqual(['conn-2', 'conn-3']);
    expect(sends(door.step(txn('client:1', 5, 'conn-1')))[0]?.message).toMatchObject({ type: 'txnFail', reason: 'notConnected' });
  });

  it('closes every connection on a forced reconnect, or only those to one instance', () => {
    const door = newDoor();
    door.step(connect('client:1', 1));
    door.step(connect('client:2', 1, { instance: REPLICA }));
    const one = door.step({ type: 'closeConnections', instance: REPLICA });
    expect(observed(one)).toEqual([{ kind: 'connectionClosed', frontDoor: SELF, cluster: 'orders', connectionId: 'conn-2', client: 'client:2', instance: REPLICA, reason: 'forced' }]);
    expect(Object.keys(door.context.connections)).toEqual(['conn-1']);
    expect(observed(door.step({ type: 'closeConnections' })).map((o) => o.connectionId)).toEqual(['conn-1']);
    expect(door.step({ type: 'closeConnections' })).toEqual([]);
    expect(sends(door.step(txn('client:1', 6, 'conn-1')))[0]?.message).toMatchObject({ type: 'txnFail', reason: 'notConnected' });
  });

  it('covers every event type it handles, and refuses a bad clock period naming the field', () => {
    const covered = new Set(doors.flatMap((door) => [...door.covered]));
    expect([...covered].sort()).toEqual(handledEventTypes(frontDoorMachine));
    expect(frontDoorInputProblem({ ...INPUT, clockTickMs: 0 })).toBe(`frontDoor ${SELF}: clockTickMs must be a finite number of ms above 0, got 0`);
    expect(frontDoorInputProblem(INPUT)).toBeUndefined();
  });
});
