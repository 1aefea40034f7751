/**
 * The ABD register (Attiya, Bar-Noy and Dolev, "Sharing Memory Robustly in Message-Passing
 * Systems", JACM 1995) as xstate machines for the explorer's reference model: servers that
 * replicate one register by majority quorums, and clients that put, then get.
 *
 * It follows Stateright's `examples/linearizable-register.rs` and `src/actor/register.rs` step for
 * step, so that the explorer's count can be held to Stateright's (docs/explorer.md): a server
 * serves one client request at a time (phase 1 queries a majority for the newest sequence number,
 * phase 2 records the chosen value at a majority) and ignores a request while busy; a client
 * sends `putCount` puts, then one get, each to the next server in turn.
 */
import { assign, setup } from 'xstate';

/** A write's version: a logical clock, ties broken by the writing server's id. */
export interface Seq {
  clock: number;
  server: string;
}

/** The register's value before any write (Stateright's `char::default()`). */
export const NO_VALUE = '';

/** Client -> server. */
export type ClientRequest = { type: 'put'; from: string; requestId: number; value: string } | { type: 'get'; from: string; requestId: number };

/** Server -> client. */
export type ClientReply = { type: 'putOk'; from: string; requestId: number } | { type: 'getOk'; from: string; requestId: number; value: string };

/** Server -> server. */
export type AbdInternal =
  | { type: 'abd.query'; from: string; requestId: number }
  | { type: 'abd.ackQuery'; from: string; requestId: number; seq: Seq; value: string }
  | { type: 'abd.record'; from: string; requestId: number; seq: Seq; value: string }
  | { type: 'abd.ackRecord'; from: string; requestId: number };

/** Every message of the register. */
export type AbdMessage = ClientRequest | ClientReply | AbdInternal;

/** Params of the named `send` action; the interpreter supplies the transport. */
export interface AbdSendParams {
  to: string;
  message: AbdMessage;
}

/** Phase 1: collecting the newest (seq, value) from a majority. */
export interface QueryPhase {
  kind: 'query';
  requestId: number;
  requester: string;
  /** The value to write, or null for a read. */
  write: string | null;
  responses: Readonly<Record<string, { seq: Seq; value: string }>>;
}

/** Phase 2: recording the chosen (seq, value) at a majority. */
export interface RecordPhase {
  kind: 'record';
  requestId: number;
  requester: string;
  /** The value read, or null for a write. */
  read: string | null;
  acks: Readonly<Record<string, true>>;
}

/** Context of {@link abdServerMachine}. */
export interface AbdServerContext {
  self: string;
  peers: readonly string[];
  seq: Seq;
  value: string;
  phase: QueryPhase | RecordPhase | null;
}

/** Input of {@link abdServerMachine}. */
export interface AbdServerInput {
  self: string;
  /** The other servers. */
  peers: readonly string[];
}

/** `a` is newer than `b`. */
export function seqAfter(a: Seq, b: Seq): boolean {
  return a.clock > b.clock || (a.clock === b.clock && a.server > b.server);
}

/** A majority of `count`. */
export function majority(count: number): number {
  return Math.floor(count / 2) + 1;
}

type Effects = { type: 'send'; params: AbdSendParams }[];

function broadcast(context: AbdServerContext, message: AbdMessage): Effects {
  return context.peers.map((to) => ({ type: 'send' as const, params: { to, message } }));
}

/** A client request while idle: query every peer (the server answers itself). */
function startQuery(context: AbdServerContext, event: ClientRequest): QueryPhase {
  return {
    kind: 'query',
    requestId: event.requestId,
    requester: event.from,
    write: event.type === 'put' ? event.value : null,
    responses: { [context.self]: { seq: context.seq, value: context.value } },
  };
}

/** The newest response; on ties the last one, as Rust's `max_by_key`. */
function newest(responses: QueryPhase['responses']): { seq: Seq; value: string } {
  let best: { seq: Seq; value: string } | undefined;
  for (const response of Object.values(responses)) if (best === undefined || !seqAfter(best.seq, response.seq)) best = response;
  return best as { seq: Seq; value: string };
}

/** The server's whole step on a query answer that completes phase 1: the new context and its sends. */
function completeQuery(context: AbdServerContext, phase: QueryPhase): { context: AbdServerContext; sends: Effects } {
  const chosen = newest(phase.responses);
  const seq = phase.write === null ? chosen.seq : { clock: chosen.seq.clock + 1, server: context.self };
  const value = phase.write ?? chosen.value;
  const sends = broadcast(context, { type: 'abd.record', from: context.self, requestId: phase.requestId, seq, value });
  const adopt = seqAfter(seq, context.seq);
  const next: RecordPhase = { kind: 'record', requestId: phase.requestId, requester: phase.requester, read: phase.write === null ? value : null, acks: { [context.self]: true } };
  return { context: { ...context, seq: adopt ? seq : context.seq, value: adopt ? value : context.value, phase: next }, sends };
}

function isAckQuery(context: AbdServerContext, event: { requestId: number }): boolean {
  return context.phase?.kind === 'query' && context.phase.requestId === event.requestId;
}

function isAckRecord(context: AbdServerContext, event: { requestId: number; from: string }): boolean {
  return context.phase?.kind === 'record' && context.phase.requestId === event.requestId && context.phase.acks[event.from] !== true;
}

const serverBase = setup({
  types: {
    context: {} as AbdServerContext,
    input: {} as AbdServerInput,
    events: {} as ClientRequest | AbdInternal,
  },
  actions: {
    // Performed by the interpreter (docs/architecture.md, "One machine, two interpreters").
    send: (_, _params: AbdSendParams) => {},
  },
});

/** A client request while idle: query the peers, remember the request (phase 1). */
const beginRequest = serverBase.enqueueActions(({ context, event, enqueue }) => {
  const request = event as ClientRequest;
  for (const send of broadcast(context, { type: 'abd.query', from: context.self, requestId: request.requestId })) enqueue(send);
  enqueue.assign({ phase: startQuery(context, request) });
});

/** An ABD server (linearizable-register.rs `AbdActor`). */
export const abdServerMachine = serverBase.createMachine({
  id: 'abdServer',
  context: ({ input }) => ({ self: input.self, peers: input.peers, seq: { clock: 0, server: input.self }, value: NO_VALUE, phase: null }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        put: { guard: ({ context }) => context.phase === null, actions: beginRequest },
        get: { guard: ({ context }) => context.phase === null, actions: beginRequest },
        'abd.query': {
          actions: serverBase.enqueueActions(({ context, event, enqueue }) => {
            enqueue({ type: 'send', params: { to: event.from, message: { type: 'abd.ackQuery', from: context.self, requestId: event.requestId, seq: context.seq, value: context.value } } });
          }),
        },
        'abd.ackQuery': {
          guard: ({ context, event }) => isAckQuery(context, event),
          actions: serverBase.enqueueActions(({ context, event, enqueue }) => {
            const phase = context.phase as QueryPhase;
            const ack = event as Extract<AbdInternal, { type: 'abd.ackQuery' }>;
            const responses = { ...phase.responses, [ack.from]: { seq: ack.seq, value: ack.value } };
            const grown = { ...phase, responses };
            if (Object.keys(responses).length !== majority(context.peers.length + 1)) {
              enqueue.assign({ phase: grown });
              return;
            }
            const { context: next, sends } = completeQuery(context, grown);
            enqueue.assign(next);
            for (const send of sends) enqueue(send);
          }),
        },
        'abd.record': {
          actions: serverBase.enqueueActions(({ context, event, enqueue }) => {
            const record = event as Extract<AbdInternal, { type: 'abd.record' }>;
            enqueue({ type: 'send', params: { to: record.from, message: { type: 'abd.ackRecord', from: context.self, requestId: record.requestId } } });
            if (seqAfter(record.seq, context.seq)) enqueue.assign({ seq: record.seq, value: record.value });
          }),
        },
        'abd.ackRecord': {
          guard: ({ context, event }) => isAckRecord(context, event),
          actions: serverBase.enqueueActions(({ context, event, enqueue }) => {
            const phase = context.phase as RecordPhase;
            const acks = { ...phase.acks, [event.from]: true as const };
            if (Object.keys(acks).length !== majority(context.peers.length + 1)) {
              enqueue.assign({ phase: { ...phase, acks } });
              return;
            }
            const reply: ClientReply =
              phase.read === null
                ? { type: 'putOk', from: context.self, requestId: phase.requestId }
                : { type: 'getOk', from: context.self, requestId: phase.requestId, value: phase.read };
            enqueue({ type: 'send', params: { to: phase.requester, message: reply } });
            enqueue.assign({ phase: null });
          }),
        },
      },
    },
  },
});

/** Input of {@link abdClientMachine}. */
export interface AbdClientInput {
  self: string;
  /** The client's index among all actors, servers first (Stateright's `Id`): it sets request ids and values. */
  index: number;
  /** The servers, in index order. */
  servers: readonly string[];
  /** Puts before the one get. @defaultValue 1 */
  putCount?: number;
}

/** Context of {@link abdClientMachine}. */
export interface AbdClientContext {
  self: string;
  index: number;
  servers: readonly string[];
  putCount: number;
  /** The request awaiting its reply, or null when done. */
  awaiting: number | null;
  opCount: number;
}

/** The request a client sends after `opCount` operations (register.rs `RegisterActor::Client`). */
function nextRequest(context: AbdClientContext, opCount: number): { to: string; message: ClientRequest } {
  const requestId = (opCount + 1) * context.index;
  const to = context.servers[(context.index + opCount) % context.servers.length] as string;
  const offset = context.index - context.servers.length;
  if (opCount === 0) return { to, message: { type: 'put', from: context.self, requestId, value: String.fromCharCode(65 + offset) } };
  if (opCount < context.putCount) return { to, message: { type: 'put', from: context.self, requestId, value: String.fromCharCode(90 - offset) } };
  return { to, message: { type: 'get', from: context.self, requestId } };
}

const clientBase = setup({
  types: {
    context: {} as AbdClientContext,
    input: {} as AbdClientInput,
    events: {} as ClientReply,
  },
  actions: {
    send: (_, _params: AbdSendParams) => {},
  },
});

/** A client: `putCount` puts, then a get, one at a time. */
export const abdClientMachine = clientBase.createMachine({
  id: 'abdClient',
  context: ({ input }) => {
    const putCount = input.putCount ?? 1;
    return { self: input.self, index: input.index, servers: input.servers, putCount, awaiting: putCount === 0 ? null : input.index, opCount: putCount === 0 ? 0 : 1 };
  },
  initial: 'running',
  states: {
    running: {
      entry: clientBase.enqueueActions(({ context, enqueue }) => {
        if (context.putCount > 0) enqueue({ type: 'send', params: nextRequest(context, 0) });
      }),
      on: {
        putOk: {
          guard: ({ context, event }) => context.awaiting === event.requestId,
          actions: clientBase.enqueueActions(({ context, enqueue }) => {
            const request = nextRequest(context, context.opCount);
            enqueue({ type: 'send', params: request });
            enqueue.assign({ awaiting: request.message.requestId, opCount: context.opCount + 1 });
          }),
        },
        getOk: {
          guard: ({ context, event }) => context.awaiting === event.requestId,
          actions: assign({ awaiting: null, opCount: ({ context }) => context.opCount + 1 }),
        },
      },
    },
  },
});
