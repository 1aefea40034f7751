/**
 * ControlPlane: the RDS host manager's view of the cluster (docs/protocol.md §9, failover; §13,
 * F1).
 *
 * Every `healthCheckPeriodMs` it pings each instance. When the writer has missed
 * `missesToFail` checks in a row, failover starts: it promotes the healthiest replica by promotion
 * tier (0 best), then larger instance, then id; with no healthy replica it waits
 * `replacementDelayMs` (RDS recreating the instance) and promotes the standby. The promoted
 * instance runs crash recovery and reports `writerOpen`; after `endpointSwitchMs` (DNS TTL and
 * client reconnection) the cluster endpoint points at it (a `publish` on the `endpoint` stream).
 * A promotion that does not open within `promotionTimeoutMs` is abandoned for the next candidate.
 *
 * Detection, recovery and endpoint-switch times are parameters whose defaults put a failover in
 * the documented 30–60 s (docs/protocol.md §9, failover).
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { HealthPongMessage, PromoteMessage, SendParams, StandDownMessage, WriterOpenMessage } from './messages.js';

/** An instance the control plane manages. */
export interface ManagedInstance {
  id: string;
  role: 'writer' | 'reader' | 'standby';
  /** Promotion tier 0 (first) … 15. */
  tier: number;
  /** Instance size in ACUs: larger wins a tie (docs/protocol.md §9, failover). */
  sizeAcu: number;
}

/** Input of {@link controlPlaneMachine}. */
export interface ControlPlaneInput {
  self: string;
  instances: readonly ManagedInstance[];
  /** @defaultValue 3000 */
  healthCheckPeriodMs?: number;
  /** @defaultValue 5 */
  missesToFail?: number;
  /** @defaultValue 15000 */
  endpointSwitchMs?: number;
  /** @defaultValue 120000 */
  replacementDelayMs?: number;
  /** @defaultValue 60000 */
  promotionTimeoutMs?: number;
}

/** Context of {@link controlPlaneMachine}. */
export interface ControlPlaneContext {
  self: string;
  instances: readonly ManagedInstance[];
  healthCheckPeriodMs: number;
  missesToFail: number;
  endpointSwitchMs: number;
  replacementDelayMs: number;
  promotionTimeoutMs: number;
  round: number;
  /** The last round each instance answered, and what it said. */
  lastPong: Readonly<Record<string, HealthPongMessage>>;
  writer: string;
  writerMisses: number;
  /** The instance being promoted, and the ones that failed to open (with the round they were given up). */
  candidate: string | undefined;
  abandoned: Readonly<Record<string, number>>;
  failovers: number;
}

/** Events of {@link controlPlaneMachine}. */
export type ControlPlaneEvent =
  | HealthPongMessage
  | WriterOpenMessage
  | { type: 'healthTick' }
  | { type: 'replacementReady' }
  | { type: 'promotionTimeout' }
  | { type: 'endpointSwitched' }
  | StandDownMessage;

export const HEALTH_TIMER = 'controlPlane.health';
export const REPLACEMENT_TIMER = 'controlPlane.replacement';
export const PROMOTION_TIMER = 'controlPlane.promotion';
export const ENDPOINT_TIMER = 'controlPlane.endpoint';

/** Given up on, and not heard from as a healthy reader since. */
function abandoned(context: ControlPlaneContext, id: string): boolean {
  const round = context.abandoned[id];
  return round !== undefined && (context.lastPong[id]?.round ?? -1) <= round + 1;
}

/**
 * Answered the last round as a reader, so it can be promoted. That includes a failed writer that
 * came back: it restarts as a replica (docs/protocol.md §9, failover).
 */
function healthyReplica(context: ControlPlaneContext, instance: ManagedInstance): boolean {
  const pong = context.lastPong[instance.id];
  return pong !== undefined && pong.round >= context.round - 1 && pong.state === 'reader' && !abandoned(context, instance.id);
}

/** The replica to promote: tier, then size, then id (docs/protocol.md §9, failover). */
export function promotionCandidate(context: ControlPlaneContext): string | undefined {
  const candidates = context.instances
    .filter((instance) => healthyReplica(context, instance))
    .sort((a, b) => a.tier - b.tier || b.sizeAcu - a.sizeAcu || (a.id < b.id ? -1 : 1));
  return candidates[0]?.id;
}

/** The writer answered the current round's check as an open writer. */
function writerAnswered(context: ControlPlaneContext): boolean {
  const pong = context.lastPong[context.writer];
  // A writer draining for a Global Database switchover is read-only, and healthy (§11.1).
  return pong !== undefined && pong.round >= context.round && (pong.state === 'writer.open' || pong.state === 'writer.readOnly');
}

/** The standby a replacement writer comes from, if any. */
function standbyOf(context: ControlPlaneContext): string | undefined {
  return context.instances.find((instance) => instance.role === 'standby' && !abandoned(context, instance.id))?.id;
}

const controlPlaneBase = setup({
  types: { context: {} as ControlPlaneContext, events: {} as ControlPlaneEvent, input: {} as ControlPlaneInput },
  actions: {
    send: unprovidedEffect<SendParams>('controlPlane', 'send'),
    observe: unprovidedEffect<{ kind: 'failover'; phase: 'detected' | 'promoting' | 'writerOpen' | 'endpointSwitched'; writer: string; candidate?: string }>('controlPlane', 'observe'),
    publish: unprovidedEffect<{ stream: string; item: unknown }>('controlPlane', 'publish'),
  },
  delays: {
    replacementDelay: ({ context }) => context.replacementDelayMs,
  },
  guards: {
    writerFailed: ({ context }) => context.round > 0 && !writerAnswered(context) && context.writerMisses + 1 >= context.missesToFail,
    hasCandidate: ({ context }) => promotionCandidate(context) !== undefined,
    isCandidate: ({ context, event }) => event.type === 'writerOpen' && event.from === context.candidate,
    /** The candidate answers health checks as an open writer (its writerOpen may have been lost). */
    candidateOpen: ({ context, event }) => event.type === 'healthPong' && event.from === context.candidate && event.state === 'writer.open',
    hasStandby: ({ context }) => standbyOf(context) !== undefined,
  },
});

/** The control plane; see the file header. */
export const controlPlaneMachine = controlPlaneBase
  .extend({
    actions: {
      /** Starts a round: ping every instance, count the writer's miss of the previous round. */
      checkHealth: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        const answered = writerAnswered(context);
        const round = context.round + 1;
        for (const instance of context.instances) {
          enqueue({ type: 'send', params: { to: instance.id, message: { type: 'healthPing', from: context.self, round } } });
        }
        enqueue.assign({ round, writerMisses: context.round === 0 || answered ? 0 : context.writerMisses + 1 });
        // Re-armed from several states: cancel first, the previous timer may still be pending.
        enqueue.cancel(HEALTH_TIMER);
        enqueue.raise({ type: 'healthTick' }, { delay: context.healthCheckPeriodMs, id: HEALTH_TIMER });
      }),
      recordPong: controlPlaneBase.assign({
        lastPong: ({ context, event }) => (event.type === 'healthPong' ? { ...context.lastPong, [event.from]: event } : context.lastPong),
      }),
      noteDetected: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'observe', params: { kind: 'failover', phase: 'detected', writer: context.writer } });
        enqueue.assign({ failovers: context.failovers + 1 });
      }),
      promoteBest: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        const candidate = promotionCandidate(context);
        if (candidate === undefined) return;
        const message: PromoteMessage = { type: 'promote', from: context.self };
        enqueue({ type: 'send', params: { to: candidate, message } });
        enqueue({ type: 'observe', params: { kind: 'failover', phase: 'promoting', writer: context.writer, candidate } });
        enqueue.assign({ candidate });
        enqueue.raise({ type: 'promotionTimeout' }, { delay: context.promotionTimeoutMs, id: PROMOTION_TIMER });
      }),
      promoteStandby: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        const candidate = standbyOf(context);
        if (candidate === undefined) return;
        enqueue({ type: 'send', params: { to: candidate, message: { type: 'promote', from: context.self } } });
        enqueue({ type: 'observe', params: { kind: 'failover', phase: 'promoting', writer: context.writer, candidate } });
        enqueue.assign({ candidate });
        enqueue.raise({ type: 'promotionTimeout' }, { delay: context.promotionTimeoutMs, id: PROMOTION_TIMER });
      }),
      abandonCandidate: controlPlaneBase.assign(({ context }) => ({
        abandoned: context.candidate === undefined ? context.abandoned : { ...context.abandoned, [context.candidate]: context.round },
        candidate: undefined,
      })),
      /** A candidate still answering as a reader never got the promotion: send it again. */
      nudgeCandidate: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        const candidate = context.candidate;
        if (candidate === undefined || context.lastPong[candidate]?.state !== 'reader') return;
        enqueue({ type: 'send', params: { to: candidate, message: { type: 'promote', from: context.self } } });
      }),
      noteWriterOpen: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        enqueue.cancel(PROMOTION_TIMER);
        enqueue({ type: 'observe', params: { kind: 'failover', phase: 'writerOpen', writer: context.writer, candidate: context.candidate } });
        enqueue.raise({ type: 'endpointSwitched' }, { delay: context.endpointSwitchMs, id: ENDPOINT_TIMER });
      }),
      /** The cluster endpoint now resolves to the new writer; health checks follow it. */
      switchEndpoint: controlPlaneBase.enqueueActions(({ context, enqueue }) => {
        const writer = context.candidate ?? context.writer;
        enqueue({ type: 'publish', params: { stream: 'endpoint', item: writer } });
        enqueue({ type: 'observe', params: { kind: 'failover', phase: 'endpointSwitched', writer } });
        enqueue.assign({ writer, candidate: undefined, abandoned: {}, writerMisses: 0 });
      }),
    },
  })
  .createMachine({
    id: 'controlPlane',
    context: ({ input }) => ({
      self: input.self,
      instances: input.instances,
      healthCheckPeriodMs: input.healthCheckPeriodMs ?? 3000,
      missesToFail: input.missesToFail ?? 5,
      endpointSwitchMs: input.endpointSwitchMs ?? 15_000,
      replacementDelayMs: input.replacementDelayMs ?? 120_000,
      promotionTimeoutMs: input.promotionTimeoutMs ?? 60_000,
      round: 0,
      lastPong: {},
      writer: input.instances.find((instance) => instance.role === 'writer')?.id ?? '',
      writerMisses: 0,
      candidate: undefined,
      abandoned: {},
      failovers: 0,
    }),
    initial: 'monitoring',
    on: {
      healthPong: { actions: 'recordPong' },
      // The region became a Global Database secondary (docs/protocol.md §11.1, switchover): its
      // replication agent writes to the volume now, so no writer of this cluster is failed over.
      standDown: { target: '.standingDown' },
    },
    states: {
      standingDown: {},
      monitoring: {
        entry: 'checkHealth',
        on: {
          healthTick: [
            { guard: 'writerFailed', target: 'failingOver', actions: ['noteDetected', 'checkHealth'] },
            { actions: 'checkHealth' },
          ],
        },
      },
      failingOver: {
        initial: 'choosing',
        // Health checks go on during a failover: who is healthy changes (docs/protocol.md §9,
        // failover).
        on: { healthTick: { actions: ['checkHealth', 'nudgeCandidate'] } },
        states: {
          choosing: {
            always: [
              { guard: 'hasCandidate', target: 'promoting', actions: 'promoteBest' },
              { target: 'replacing' },
            ],
          },
          replacing: {
            // No healthy replica: RDS recreates the writer (typically < 10 min, docs/protocol.md
            // §9, failover). Without a standby to turn into one, look again for a replica that came
            // back.
            after: { replacementDelay: [{ guard: 'hasStandby', target: 'promoting', actions: 'promoteStandby' }, { target: 'choosing' }] },
          },
          promoting: {
            on: {
              writerOpen: { guard: 'isCandidate', target: 'switching', actions: 'noteWriterOpen' },
              healthPong: [{ guard: 'candidateOpen', target: 'switching', actions: ['recordPong', 'noteWriterOpen'] }, { actions: 'recordPong' }],
              promotionTimeout: { target: 'choosing', actions: 'abandonCandidate' },
            },
          },
          switching: {
            on: { endpointSwitched: { target: '#controlPlane.monitoring', actions: 'switchEndpoint' } },
          },
        },
      },
    },
  });
