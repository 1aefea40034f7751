/**
 * A failure domain: a storage node, an availability zone or a region (docs/protocol.md §1, volumes
 * and segments; §2, quorums).
 *
 * A domain is up or down. It goes down when it fails itself (a node crash, an AZ or region
 * outage) or when its parent domain goes down, and comes back when neither holds. Going down or
 * coming back is signalled to every member at once, down the hierarchy
 * region → AZs → storage nodes and instances → segments, with the network-free `signal` effect: a
 * power cut does not travel over a link. An AZ can also be `partitioned`: its members run but the
 * network isolates them (the fault injector cuts the links; the AZ records the state).
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { OutageSignal, ProcessSignal, SignalParams } from './messages.js';

/** What kind of domain; it is also the `cause` members see. */
export type DomainKind = 'node' | 'az' | 'region';

/** Input of a failure-domain machine. */
export interface FailureDomainInput {
  self: string;
  /** systemIds of the members to signal (segments of a node; nodes and instances of an AZ; AZs of a region). */
  members: readonly string[];
}

/** Context of a failure-domain machine. */
export interface FailureDomainContext {
  self: string;
  members: readonly string[];
  /** Down because it failed itself, and because its parent is down. */
  causes: Readonly<{ own: boolean; parent: boolean }>;
  outages: number;
}

/** Events: own failure and repair, the parent's, and AZ network isolation. */
export type FailureDomainEvent = OutageSignal | ProcessSignal | { type: 'partition' } | { type: 'heal' };

/** Builds the statechart for one kind of domain. */
export function createFailureDomainMachine(kind: DomainKind) {
  const isOwn = (event: FailureDomainEvent): boolean =>
    event.type === 'crash' || event.type === 'restart' || ((event.type === 'outage' || event.type === 'recover') && event.cause === kind);
  const base = setup({
    types: { context: {} as FailureDomainContext, events: {} as FailureDomainEvent, input: {} as FailureDomainInput },
    actions: {
      signal: unprovidedEffect<SignalParams>(kind, 'signal'),
    },
    guards: {
      goesDown: ({ event }) => event.type === 'crash' || event.type === 'outage',
      bothClear: ({ context, event }) => {
        const causes = { ...context.causes, [isOwn(event) ? 'own' : 'parent']: false };
        return !causes.own && !causes.parent;
      },
    },
  });
  return base
    .extend({
      actions: {
        setCause: base.assign(({ context, event }) => {
          const down = event.type === 'crash' || event.type === 'outage';
          return {
            causes: { ...context.causes, [isOwn(event) ? 'own' : 'parent']: down },
            outages: context.outages + (down && isOwn(event) ? 1 : 0),
          };
        }),
        signalOutage: base.enqueueActions(({ context, enqueue }) => {
          for (const to of context.members) enqueue({ type: 'signal', params: { to, event: { type: 'outage', cause: kind } } });
        }),
        signalRecovery: base.enqueueActions(({ context, enqueue }) => {
          for (const to of context.members) enqueue({ type: 'signal', params: { to, event: { type: 'recover', cause: kind } } });
        }),
      },
    })
    .createMachine({
      id: kind,
      context: ({ input }) => ({ self: input.self, members: input.members, causes: { own: false, parent: false }, outages: 0 }),
      initial: 'up',
      states: {
        up: {
          on: {
            crash: { target: 'down', actions: 'setCause' },
            outage: { target: 'down', actions: 'setCause' },
            partition: { target: 'partitioned' },
          },
        },
        partitioned: {
          on: {
            heal: { target: 'up' },
            crash: { target: 'down', actions: 'setCause' },
            outage: { target: 'down', actions: 'setCause' },
          },
        },
        down: {
          tags: ['offline'],
          entry: 'signalOutage',
          exit: 'signalRecovery',
          on: {
            crash: { actions: 'setCause' },
            outage: { actions: 'setCause' },
            restart: [{ guard: 'bothClear', target: 'up', actions: 'setCause' }, { actions: 'setCause' }],
            recover: [{ guard: 'bothClear', target: 'up', actions: 'setCause' }, { actions: 'setCause' }],
          },
        },
      },
    });
}

/** A storage node: its crash takes down every segment it holds (docs/protocol.md §1, volumes and segments). */
export const storageNodeMachine = createFailureDomainMachine('node');
/** An availability zone. */
export const azMachine = createFailureDomainMachine('az');
/** A region. */
export const regionMachine = createFailureDomainMachine('region');
