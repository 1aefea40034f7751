/**
 * What assembly needs of an interpreter. The live host (`live-host.ts`) and the stepped host
 * (`src/explore/stepped-host.ts`) both have this shape, so one world definition runs under either.
 */
import type { AnyStateMachine, EventObject, InputFrom } from 'xstate';
import type { Locality } from '../kernel/network.js';

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
