/**
 * Heartbeat: a health monitor and the responders it watches.
 *
 * The smallest statechart that exercises the whole actor contract (docs/architecture.md,
 * "One machine, two interpreters"): it emits every effect as data (a named `send` action with
 * `{ to, message }` params, delayed `raise`s with explicit ids), so the same definition runs live
 * under `createActor` with the kernel network, and stepped under `machine.transition()` in the
 * explorer. It is also the seed of the control plane's health checks (docs/protocol.md §9,
 * failover: failure detection by missed health checks).
 *
 * Monitor: every `periodMs` it pings each target; a target that misses `suspectAfterMisses`
 * consecutive rounds becomes a suspect, and the monitor moves between `healthy` and `degraded`.
 * Responder: answers pings while `up`; a `crash` takes it `down` until `restart`.
 */
import { assign, cancel, setup } from 'xstate';
import { unprovidedEffect } from './effects.js';

/** Monitor -> responder: "are you there?" for one round. */
export interface PingMessage {
  type: 'ping';
  from: string;
  round: number;
}

/** Responder -> monitor: the answer to one round's ping. */
export interface PongMessage {
  type: 'pong';
  from: string;
  round: number;
}

/** Every message of the heartbeat model. */
export type HeartbeatMessage = PingMessage | PongMessage;

/** Params of the named `send` action; the interpreter supplies the transport. */
export interface SendParams {
  to: string;
  message: HeartbeatMessage;
}

/** Input of {@link monitorMachine}. */
export interface MonitorInput {
  /** The monitor's own systemId (messages carry it as `from`). */
  self: string;
  /** systemIds of the responders to watch. */
  targets: readonly string[];
  /** Time between rounds. @defaultValue 1000 */
  periodMs?: number;
  /** Consecutive missed rounds before a target is suspect. @defaultValue 3 */
  suspectAfterMisses?: number;
}

/** Context of {@link monitorMachine}: plain data (docs/architecture.md, "Code conventions" 1). */
export interface MonitorContext {
  self: string;
  targets: readonly string[];
  periodMs: number;
  suspectAfterMisses: number;
  /** The round whose pings are in flight. */
  round: number;
  /** Last round each target answered (0 = never). */
  lastAnsweredRound: Readonly<Record<string, number>>;
  /** Consecutive missed rounds per target. */
  misses: Readonly<Record<string, number>>;
  /** Targets at or past the miss threshold, in target order. */
  suspects: readonly string[];
}

/** Events the monitor handles. */
export type MonitorEvent = PongMessage | { type: 'tick' } | { type: 'stop' };

/**
 * Timer id of the monitor's round timer (explicit ids: docs/determinism.md, "Where time and chance
 * come from").
 */
export const MONITOR_TICK_TIMER = 'monitor.tick';

/** Judges one finished round: who missed it, and who is now suspect. */
export function closeRound(context: MonitorContext): Pick<MonitorContext, 'misses' | 'suspects' | 'round'> {
  const misses: Record<string, number> = {};
  for (const target of context.targets) {
    const answered = (context.lastAnsweredRound[target] ?? 0) >= context.round;
    misses[target] = answered ? 0 : (context.misses[target] ?? 0) + 1;
  }
  const suspects = context.targets.filter((target) => (misses[target] ?? 0) >= context.suspectAfterMisses);
  return { misses, suspects, round: context.round + 1 };
}

const monitorBase = setup({
  types: {
    context: {} as MonitorContext,
    events: {} as MonitorEvent,
    input: {} as MonitorInput,
  },
  actions: {
    // Provided by the interpreter (live: the network; stepped: collected from the params).
    send: unprovidedEffect<SendParams>('monitor', 'send'),
  },
});

/** The health monitor; see the file header. */
export const monitorMachine = monitorBase.extend({
  actions: {
    // Starts a round: one ping per target, then the round timer (explicit id: docs/determinism.md,
    // "Where time and chance come from").
    pingAll: monitorBase.enqueueActions(({ context, enqueue }) => {
      for (const target of context.targets) {
        enqueue({ type: 'send', params: { to: target, message: { type: 'ping', from: context.self, round: context.round } } });
      }
      enqueue.raise({ type: 'tick' }, { delay: context.periodMs, id: MONITOR_TICK_TIMER });
    }),
    recordPong: assign({
      lastAnsweredRound: ({ context, event }) =>
        event.type === 'pong' && context.targets.includes(event.from)
          ? { ...context.lastAnsweredRound, [event.from]: Math.max(event.round, context.lastAnsweredRound[event.from] ?? 0) }
          : context.lastAnsweredRound,
    }),
    closeRound: assign(({ context }) => closeRound(context)),
    stopTicking: cancel(MONITOR_TICK_TIMER),
  },
  // Named, never inline, so the exported statechart names every guard (docs/statecharts.md).
  guards: {
    anySuspect: ({ context }) => context.suspects.length > 0,
    noSuspect: ({ context }) => context.suspects.length === 0,
  },
}).createMachine({
  id: 'monitor',
  context: ({ input }) => ({
    self: input.self,
    targets: input.targets,
    periodMs: input.periodMs ?? 1000,
    suspectAfterMisses: input.suspectAfterMisses ?? 3,
    round: 1,
    lastAnsweredRound: {},
    misses: {},
    suspects: [],
  }),
  initial: 'monitoring',
  states: {
    monitoring: {
      entry: 'pingAll',
      initial: 'healthy',
      on: {
        pong: { actions: 'recordPong' },
        // A targetless transition: the round closes without leaving healthy/degraded, and the
        // eventless transitions below then move between them.
        tick: { actions: ['closeRound', 'pingAll'] },
        stop: { target: 'stopped', actions: 'stopTicking' },
      },
      states: {
        healthy: { always: { guard: 'anySuspect', target: 'degraded' } },
        degraded: { always: { guard: 'noSuspect', target: 'healthy' } },
      },
    },
    stopped: { type: 'final' },
  },
});

/** Input of {@link responderMachine}. */
export interface ResponderInput {
  /** The responder's own systemId. */
  self: string;
}

/** Events the responder handles: pings from the network, faults from the kernel. */
export type ResponderEvent = PingMessage | { type: 'crash' } | { type: 'restart' };

const responderBase = setup({
  types: {
    context: {} as { self: string; answered: number },
    events: {} as ResponderEvent,
    input: {} as ResponderInput,
  },
  actions: {
    send: unprovidedEffect<SendParams>('responder', 'send'),
  },
});

/** A watched node: answers pings while up. */
export const responderMachine = responderBase.extend({
  actions: {
    answerPing: responderBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ping') return;
      enqueue({ type: 'send', params: { to: event.from, message: { type: 'pong', from: context.self, round: event.round } } });
      enqueue.assign({ answered: context.answered + 1 });
    }),
  },
}).createMachine({
  id: 'responder',
  context: ({ input }) => ({ self: input.self, answered: 0 }),
  initial: 'up',
  states: {
    up: {
      on: {
        ping: { actions: 'answerPing' },
        crash: { target: 'down' },
      },
    },
    down: {
      on: { restart: { target: 'up' } },
    },
  },
});
