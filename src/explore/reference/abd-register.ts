/**
 * The ABD register as an explore model: the machines of models/reference/abd-register.machine.ts
 * with Stateright's `examples/linearizable-register.rs` configuration (servers first, then clients
 * that put once and get once, an unordered non-duplicating network) and its two properties:
 * "linearizable" (always: the history of client operations has a linearization, checked by the
 * tester kept in the state, src/explore/linearizability.ts) and "value chosen" (sometimes: a get
 * returns a written value). Its unique-state count is pinned against Stateright's in
 * test/explore/abd-register.test.ts (docs/explorer.md).
 */
import { abdClientMachine, abdServerMachine, NO_VALUE } from '../../../models/reference/abd-register.machine.js';
import type { AbdMessage } from '../../../models/reference/abd-register.machine.js';
import type { Envelope, ExploreModel } from '../explore-model.js';
import type { ExploreState } from '../explore-state.js';
import { emptyHistory, onInvoke, onReturn, registerSpec, serializedHistory } from '../linearizability.js';
import type { LinearizabilityHistory, RegisterOp, RegisterRet } from '../linearizability.js';

/** Options of {@link abdRegisterModel}. */
export interface AbdRegisterOptions {
  /** @defaultValue 2 */
  clients?: number;
  /** @defaultValue 2 */
  servers?: number;
  /** Puts per client before its get. @defaultValue 1 */
  putCount?: number;
}

type RegisterHistory = LinearizabilityHistory<RegisterOp<string>, RegisterRet<string>>;

const REGISTER = registerSpec(NO_VALUE);

/** A client request sent is an invocation (register.rs `record_invocations`). */
function recordSend(history: unknown, envelope: Envelope): RegisterHistory | undefined {
  const message = envelope.message as AbdMessage;
  if (message.type === 'put') return onInvoke(history as RegisterHistory, envelope.from, { kind: 'write', value: message.value });
  if (message.type === 'get') return onInvoke(history as RegisterHistory, envelope.from, { kind: 'read' });
  return undefined;
}

/** A reply delivered is a return (register.rs `record_returns`). */
function recordDeliver(history: unknown, envelope: Envelope): RegisterHistory | undefined {
  const message = envelope.message as AbdMessage;
  if (message.type === 'putOk') return onReturn(history as RegisterHistory, envelope.to, { kind: 'writeOk' });
  if (message.type === 'getOk') return onReturn(history as RegisterHistory, envelope.to, { kind: 'readOk', value: message.value });
  return undefined;
}

/** True iff some reply in flight reads a written value (linearizable-register.rs "value chosen"). */
function valueChosen(state: ExploreState): boolean {
  return state.network.some((envelope) => envelope.message.type === 'getOk' && (envelope.message as unknown as { value: string }).value !== NO_VALUE);
}

/** The ABD register model (see the file header). */
export function abdRegisterModel(options: AbdRegisterOptions = {}): ExploreModel {
  const serverCount = options.servers ?? 2;
  const clientCount = options.clients ?? 2;
  if (!Number.isSafeInteger(serverCount) || serverCount < 1) throw new RangeError(`the ABD register needs at least one server, got ${serverCount}`);
  if (!Number.isSafeInteger(clientCount) || clientCount < 0) throw new RangeError(`the ABD register needs zero or more clients, got ${clientCount}`);
  const servers = Array.from({ length: serverCount }, (_, index) => `server:${index}`);
  return {
    name: `abd-register (${clientCount} clients, ${serverCount} servers)`,
    network: 'unordered-nonduplicating',
    actors: [
      ...servers.map((self) => ({ id: self, machine: abdServerMachine, input: { self, peers: servers.filter((peer) => peer !== self) } })),
      ...Array.from({ length: clientCount }, (_, offset) => {
        const index = serverCount + offset;
        const self = `client:${index}`;
        return { id: self, machine: abdClientMachine, input: { self, index, servers, putCount: options.putCount ?? 1 } };
      }),
    ],
    history: { initial: emptyHistory(), recordSend, recordDeliver },
    properties: [
      { name: 'linearizable', kind: 'always', holds: (state) => serializedHistory(state.history as RegisterHistory, REGISTER) !== undefined },
      { name: 'value chosen', kind: 'sometimes', holds: valueChosen },
    ],
  };
}
