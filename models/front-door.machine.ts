/**
 * FrontDoor: a cluster's connection handling (docs/protocol.md §15), one per cluster with a
 * `security` section, `front-door:<region>`. It stands for what a client meets before a statement
 * runs on an instance: the VPC and the security group in front of the instances' network
 * interfaces, and each instance's TLS and authentication at connect time.
 *
 * - **Connect.** A `connectRequest` is judged by the pure rules of `src/protocol/security.ts`, in
 *   order: the network (a client outside the VPC or outside the security group's ranges gets no
 *   answer: the packet is dropped), TLS (`require_secure_transport`, `rds.force_ssl`), then IAM
 *   authentication (a token for this cluster and user, not expired by the front door's clock).
 *   An accepted connection is bound to the instance the client asked for (what its endpoint
 *   resolved to) and gets an id; a client's new connection to the same instance replaces its old
 *   one.
 * - **Statements.** A `txnRequest` on an open connection of its client is passed to the
 *   connection's instance unchanged (the instance answers the client); one on no open connection is
 *   refused with `txnFail notConnected` and never reaches an instance. The token is not looked at
 *   again: a connection outlives its token (User Guide, "IAM database authentication").
 * - **Forced reconnect.** `closeConnections` (a fault: a reboot, or sessions killed) closes every
 *   connection, or those to one instance; clients learn it from their next statement.
 *
 * Every attempt, closed connection and statement is reported (`observe`): the audit log and S23
 * read them (docs/semantics.md, "Security").
 *
 * Time: the machine keeps its own clock, `nowMs`, advanced by a periodic `clockTick`, as the object
 * store does; a token's expiry is judged by it, so to within one tick. The machine never reads a
 * clock or draws chance, and every transition replaces the context, never writes into it.
 *
 * Not modelled: the connection's instance failing (the client sees that as an error and connects
 * again), connection limits, idle timeouts, and passwords (without IAM authentication every
 * connection that passes the network and TLS authenticates).
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import { connectionVerdict } from '../src/protocol/security.js';
import type { AuditedOp, SecurityObservation, SecurityPolicy } from '../src/protocol/security.js';
import type { ConnectRequestMessage, SendParams, TxnRequestMessage, WireMessage } from './messages.js';

/** Timer id of the front door's clock. */
export const FRONT_DOOR_CLOCK_TIMER = 'frontDoor.clock';

/** The systemId of a cluster's front door in `region`, e.g. `front-door:us-east-1`. */
export const frontDoorId = (region: string): string => `front-door:${region}`;

/** Input of {@link frontDoorMachine}. */
export interface FrontDoorInput {
  /** `front-door:<region>`. */
  self: string;
  policy: SecurityPolicy;
  /** Period of the front door's clock: token expiry is judged to within it. @defaultValue 100 */
  clockTickMs?: number;
}

/** An open connection. */
export interface FrontDoorConnection {
  readonly client: string;
  readonly instance: string;
  readonly user: string;
  /** The front door's clock when it opened. */
  readonly openedAtMs: number;
}

/** Context of {@link frontDoorMachine}. */
export interface FrontDoorContext {
  self: string;
  policy: SecurityPolicy;
  clockTickMs: number;
  /** The front door's clock (see the file header). */
  nowMs: number;
  /** Connections opened so far: the next id's number. */
  connectionsOpened: number;
  /** Open connections, by id. */
  connections: Readonly<Record<string, FrontDoorConnection>>;
}

/** Events of {@link frontDoorMachine}. */
export type FrontDoorEvent =
  | ConnectRequestMessage
  | TxnRequestMessage
  /** Close every open connection, or only those to `instance` (a forced reconnect). */
  | { type: 'closeConnections'; instance?: string }
  | { type: 'clockTick' };

/** The first problem of `input`, or undefined: checked when the actor starts. */
export function frontDoorInputProblem(input: FrontDoorInput): string | undefined {
  if (input.clockTickMs !== undefined && !(Number.isFinite(input.clockTickMs) && input.clockTickMs > 0)) {
    return `frontDoor ${input.self}: clockTickMs must be a finite number of ms above 0, got ${input.clockTickMs}`;
  }
  return undefined;
}

const base = setup({
  types: { context: {} as FrontDoorContext, events: {} as FrontDoorEvent, input: {} as FrontDoorInput },
  actions: {
    send: unprovidedEffect<SendParams<WireMessage>>('frontDoor', 'send'),
    observe: unprovidedEffect<SecurityObservation>('frontDoor', 'observe'),
  },
});

/** A transaction's operations as the audit log names them. */
function auditedOps(request: TxnRequestMessage): AuditedOp[] {
  return request.ops.map((op) => ({ op: op.f, key: op.key }));
}

/** The open connections without `ids`. */
function without(connections: FrontDoorContext['connections'], ids: readonly string[]): FrontDoorContext['connections'] {
  const next = { ...connections };
  for (const id of ids) delete next[id];
  return next;
}

/** The front door; see the file header. */
export const frontDoorMachine = base
  .extend({
    actions: {
      armClock: base.raise({ type: 'clockTick' }, { delay: ({ context }) => context.clockTickMs, id: FRONT_DOOR_CLOCK_TIMER }),
      tick: base.enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ nowMs: context.nowMs + context.clockTickMs });
        enqueue.raise({ type: 'clockTick' }, { delay: context.clockTickMs, id: FRONT_DOOR_CLOCK_TIMER });
      }),
      /** Judges a connection attempt: accepted and answered, refused and answered, or dropped unanswered. */
      connect: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'connectRequest') return;
        const { policy, self, nowMs } = context;
        const verdict = connectionVerdict(policy, { user: event.user, address: event.address, tls: event.tls, ...(event.token === undefined ? {} : { token: event.token }) }, nowMs);
        const attempt = {
          kind: 'connectionAttempt' as const,
          frontDoor: self,
          cluster: policy.cluster,
          client: event.from,
          instance: event.instance,
          requestId: event.requestId,
          user: event.user,
          address: event.address,
          tls: event.tls,
          ...(event.token === undefined ? {} : { token: event.token }),
          clockMs: nowMs,
        };
        if (!verdict.ok) {
          enqueue({ type: 'observe', params: { ...attempt, outcome: 'refused', reason: verdict.reason, answered: !verdict.silent } });
          if (!verdict.silent) enqueue({ type: 'send', params: { to: event.from, message: { type: 'connectRefused', from: self, requestId: event.requestId, reason: verdict.reason } } });
          return;
        }
        const connectionId = `conn-${context.connectionsOpened + 1}`;
        // One connection per client and instance: the client gave up on the old one.
        const replaced = Object.keys(context.connections).filter((id) => context.connections[id]?.client === event.from && context.connections[id]?.instance === event.instance);
        for (const id of replaced) {
          enqueue({ type: 'observe', params: { kind: 'connectionClosed', frontDoor: self, cluster: policy.cluster, connectionId: id, client: event.from, instance: event.instance, reason: 'replaced' } });
        }
        const opened: FrontDoorConnection = { client: event.from, instance: event.instance, user: event.user, openedAtMs: nowMs };
        enqueue.assign({ connectionsOpened: context.connectionsOpened + 1, connections: { ...without(context.connections, replaced), [connectionId]: opened } });
        enqueue({ type: 'observe', params: { ...attempt, outcome: 'accepted', answered: true, connectionId } });
        enqueue({ type: 'send', params: { to: event.from, message: { type: 'connectAccepted', from: self, requestId: event.requestId, connectionId, instance: event.instance } } });
      }),
      /** A statement: passed to the connection's instance while the connection is open, refused otherwise. */
      pass: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'txnRequest') return;
        const { self, policy } = context;
        const connectionId = event.connectionId;
        const connection = connectionId === undefined ? undefined : context.connections[connectionId];
        const common = { kind: 'statement' as const, frontDoor: self, cluster: policy.cluster, client: event.from, txnId: event.txnId, ops: auditedOps(event), ...(connectionId === undefined ? {} : { connectionId }) };
        if (connection === undefined || connection.client !== event.from) {
          enqueue({ type: 'observe', params: { ...common, outcome: 'refused', reason: 'notConnected' } });
          enqueue({ type: 'send', params: { to: event.from, message: { type: 'txnFail', from: self, txnId: event.txnId, reason: 'notConnected' } } });
          return;
        }
        enqueue({ type: 'observe', params: { ...common, instance: connection.instance, outcome: 'passed' } });
        enqueue({ type: 'send', params: { to: connection.instance, message: event } });
      }),
      /** A forced reconnect: the connections (to one instance, or all) are closed. */
      closeAll: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'closeConnections') return;
        const closed = Object.keys(context.connections).filter((id) => event.instance === undefined || context.connections[id]?.instance === event.instance);
        if (closed.length === 0) return;
        for (const id of closed) {
          const connection = context.connections[id] as FrontDoorConnection;
          enqueue({ type: 'observe', params: { kind: 'connectionClosed', frontDoor: context.self, cluster: context.policy.cluster, connectionId: id, client: connection.client, instance: connection.instance, reason: 'forced' } });
        }
        enqueue.assign({ connections: without(context.connections, closed) });
      }),
    },
  })
  .createMachine({
    id: 'frontDoor',
    context: ({ input }) => {
      const problem = frontDoorInputProblem(input);
      if (problem !== undefined) throw new RangeError(problem);
      return { self: input.self, policy: input.policy, clockTickMs: input.clockTickMs ?? 100, nowMs: 0, connectionsOpened: 0, connections: {} };
    },
    initial: 'listening',
    states: {
      listening: {
        entry: 'armClock',
        on: {
          connectRequest: { actions: 'connect' },
          txnRequest: { actions: 'pass' },
          closeConnections: { actions: 'closeAll' },
          clockTick: { actions: 'tick' },
        },
      },
    },
  });
