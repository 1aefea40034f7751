/**
 * What assembly needs of an interpreter. The live host (`live-host.ts`) and the stepped host
 * (`src/explore/stepped-host.ts`) both have this shape, so one world definition runs under either.
 *
 * Both hand what machines report (`observe`) and publish (`publish`) to one hook, {@link EmitFn},
 * in the order the machines ran those actions. The simulation turns each emission into a typed
 * {@link WorldEvent} on one stream, which the judges, the metrics and the redo shipping read.
 */
import type { AnyStateMachine, EventObject, InputFrom } from 'xstate';
import type { RedoPublication, VdlPublication } from '../../models/writer-state.js';
import type { ProvisionRequest } from '../../models/storage-control-plane.machine.js';
import type { Locality } from '../kernel/network.js';
import type { Observation } from '../protocol/observations.js';
import type { HistoryEntry } from './history.js';

/**
 * One `observe` or `publish` action of a machine, as the interpreter saw it: params are not typed
 * by xstate at the host, so `worldEventOf` names them once.
 */
export type Emission = { kind: 'observe'; observation: unknown } | { kind: 'publish'; stream: string; item: unknown };

/** Where an interpreter hands each {@link Emission} of the actor `actorId`, synchronously. */
export type EmitFn = (actorId: string, emission: Emission) => void;

/**
 * What machines publish, by stream: the cluster endpoint's new writer (control plane), a segment
 * to provision (storage control plane), the writer's redo and VDL advances (docs/protocol.md §5,
 * read replicas).
 */
export type Publication =
  | { stream: 'endpoint'; item: string }
  | { stream: 'provision'; item: ProvisionRequest }
  | { stream: 'redo'; item: RedoPublication }
  | { stream: 'vdl'; item: VdlPublication };

/** The stream names machines publish on. */
export const PUBLICATION_STREAMS: readonly Publication['stream'][] = ['endpoint', 'provision', 'redo', 'vdl'];

/**
 * Everything a world's actors observe and publish, and every client history entry, at virtual
 * time `atMs`, in the order it happened.
 */
export type WorldEvent =
  | { source: 'observe'; atMs: number; actorId: string; observation: Observation }
  | { source: 'publish'; atMs: number; actorId: string; publication: Publication }
  | { source: 'history'; atMs: number; entry: HistoryEntry };

/**
 * The typed event of one emission. Machines publish only on {@link PUBLICATION_STREAMS}, with
 * the item type of each (`models/`); any other stream name is a model bug and fails the run here.
 */
export function worldEventOf(atMs: number, actorId: string, emission: Emission): WorldEvent {
  if (emission.kind === 'observe') return { source: 'observe', atMs, actorId, observation: emission.observation as Observation };
  if (!(PUBLICATION_STREAMS as readonly string[]).includes(emission.stream)) {
    throw new Error(`${actorId}: publish stream "${emission.stream}" is unknown; allowed: ${PUBLICATION_STREAMS.join(', ')}`);
  }
  return { source: 'publish', atMs, actorId, publication: { stream: emission.stream, item: emission.item } as Publication };
}

/** One actor of a world: its systemId (also its network endpoint), machine, input and place. */
export interface ActorSpec<TMachine extends AnyStateMachine = AnyStateMachine> {
  id: string;
  machine: TMachine;
  input?: InputFrom<TMachine>;
  locality: Locality;
}

/** An interpreter hosting a world's actors. */
export interface ActorHost {
  /** Creates every actor, then starts them in order. */
  spawnAll(specs: readonly ActorSpec[]): void;
  /** Creates and starts one actor while the world runs (a provisioned replacement segment). */
  spawn(spec: ActorSpec): void;
  /** Delivers an external event (a fault, a client request) to an actor now. */
  inject(id: string, event: EventObject): void;
  /** An actor's current snapshot (value, status, context). */
  snapshotOf(id: string): { value: unknown; status: string; context: unknown };
  /** Ids of the hosted actors, in spawn order. */
  ids(): string[];
}
