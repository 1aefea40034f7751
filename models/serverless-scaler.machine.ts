/**
 * ServerlessScaler: the capacity of one Aurora Serverless v2 instance (docs/protocol.md §11.3),
 * `scaler:<instance>`, placed on the instance's host. It holds the instance's capacity in ACUs and
 * is the per-instance "decider" of Brooker's "Resource Management in Aurora Serverless": once a
 * second it asks the instance what it served, turns that into a demand with the load model and
 * moves the capacity one increment towards the target (`src/protocol/serverless.ts`). Every change
 * goes to the instance (its buffer cache follows capacity) and to the judges (S21).
 *
 * States: `running` (scaling), `paused` (0 ACU: the instance holds new transactions) and
 * `resuming` (still 0 ACU for `resumeMs`, then running at the least running capacity).
 *
 * Roles (User Guide, "How Aurora Serverless v2 works"; auto-pause page):
 * - `lead`, the writer's scaler: decides for the writer group (the writer and its tier-0/1
 *   readers, which "scale at the same time as the writer") on the group's largest demand, and tells
 *   the followers the group's phase and capacity. With a minimum of 0 it pauses the group once
 *   every member has been idle for `autoPauseAfterMs` and every tier-2–15 reader is paused: "the
 *   writer resumes whenever any reader runs", so it never pauses under a running reader, and
 *   resumes when one resumes or when a member's transaction waits.
 * - `follow`, a tier-0/1 reader's scaler: takes the lead's phase and capacity (one message behind)
 *   and reports its own demand, idleness and waiting transactions to the lead.
 * - `solo`, a tier-2–15 reader's scaler: decides on its own load, pauses after its own idle time,
 *   resumes by itself, and reports its phase to the lead.
 *
 * Scaling never touches a connection or a transaction: the instance keeps serving while its
 * capacity changes, and a paused one holds what arrives until it runs again (S21). The context is
 * plain data; every action returns new values and writes into nothing it was given.
 */
import { setup } from 'xstate';
import type { Observation } from '../src/protocol/observations.js';
import type { CapacityRange, LoadModel } from '../src/protocol/serverless.js';
import { DECIDER_PERIOD_MS, cacheBlocksAt, demandAcuOf, nextCapacityAcu, runningFloorAcu, targetCapacityAcu } from '../src/protocol/serverless.js';
import { effectsAction, unprovidedEffect } from './effects.js';
import type { EffectsParams, ModelEffect } from './effects.js';
import type { CapacitySetSignal, GroupStateMessage, LoadQuerySignal, LoadReportSignal, ScalerPhase, ScalerReportMessage, ServedCounts, WakeSignal } from './serverless-messages.js';

export type { ScalerPhase } from './serverless-messages.js';

/** How a scaler decides: for the writer group, after the writer's, or on its own load. */
export type ScalerRole = 'lead' | 'follow' | 'solo';

/** The systemId of an instance's scaler, e.g. `scaler:inst:us-east-1:writer`. */
export const scalerIdOf = (instance: string): string => `scaler:${instance}`;

/** Timer ids (explicit: docs/determinism.md). */
export const SCALER_TICK_TIMER = 'scaler.tick';
export const SCALER_RESUME_TIMER = 'scaler.resume';

/** Input of {@link serverlessScalerMachine}. */
export interface ScalerInput {
  /** `scaler:<instance>`. */
  self: string;
  /** The instance whose capacity it holds. */
  instance: string;
  role: ScalerRole;
  /** The writer group's lead scaler (itself for the lead). */
  lead: string;
  /** Lead only: the scalers of the tier-0/1 readers. @defaultValue none */
  followers?: readonly string[];
  /** Lead only: the scalers of the tier-2–15 readers. @defaultValue none */
  solos?: readonly string[];
  range: CapacityRange;
  /** With a minimum of 0: idle time before a pause, in ms; absent, the instance never pauses. */
  autoPauseAfterMs?: number;
  /** How long a resume takes. */
  resumeMs: number;
  /** Buffer-cache blocks per ACU. */
  cacheBlocksPerAcu: number;
  load: LoadModel;
  /** The decider's period. @defaultValue DECIDER_PERIOD_MS (1 s) */
  periodMs?: number;
}

/** The input with its defaults filled in. */
export interface ScalerOptions {
  readonly self: string;
  readonly instance: string;
  readonly role: ScalerRole;
  readonly lead: string;
  readonly followers: readonly string[];
  readonly solos: readonly string[];
  readonly range: CapacityRange;
  readonly autoPauseAfterMs: number | undefined;
  readonly resumeMs: number;
  readonly cacheBlocksPerAcu: number;
  readonly load: LoadModel;
  readonly periodMs: number;
}

/** What the lead last heard from a reader's scaler. */
export interface MemberReport {
  readonly phase: ScalerPhase;
  readonly demandAcu: number;
  readonly idleMs: number;
  readonly wanted: boolean;
}

/** Context of {@link serverlessScalerMachine}. */
export interface ScalerContext {
  readonly options: ScalerOptions;
  /** The instance's capacity now: 0 while paused or resuming. */
  readonly capacityAcu: number;
  /** The instance's counts at the last answer (the next answer minus these is the last period's load). */
  readonly served: ServedCounts;
  /** The ACUs the instance's own load needed over the last period. */
  readonly demandAcu: number;
  /** How long the instance has had no transaction and no work in flight, in whole periods. */
  readonly idleMs: number;
  /** A transaction waits at the paused instance. */
  readonly wanted: boolean;
  /** Lead only: the last report of each reader's scaler, by scaler. */
  readonly members: Readonly<Record<string, MemberReport>>;
}

/** Events the scaler handles. */
export type ScalerEvent = { type: 'scalerTick' } | { type: 'resumeDone' } | LoadReportSignal | WakeSignal | ScalerReportMessage | GroupStateMessage;

/** The input with its defaults filled in. */
export function resolveScalerOptions(input: ScalerInput): ScalerOptions {
  return {
    self: input.self,
    instance: input.instance,
    role: input.role,
    lead: input.lead,
    followers: input.followers ?? [],
    solos: input.solos ?? [],
    range: input.range,
    autoPauseAfterMs: input.range.minAcu === 0 ? input.autoPauseAfterMs : undefined,
    resumeMs: input.resumeMs,
    cacheBlocksPerAcu: input.cacheBlocksPerAcu,
    load: input.load,
    periodMs: input.periodMs ?? DECIDER_PERIOD_MS,
  };
}

const NOTHING_SERVED: ServedCounts = { transactions: 0, writes: 0, gets: 0, getsFromCache: 0 };

/** The scaler's first context: running at the least running capacity, nothing served yet. */
export function createScalerContext(input: ScalerInput): ScalerContext {
  const options = resolveScalerOptions(input);
  return { options, capacityAcu: runningFloorAcu(options.range), served: NOTHING_SERVED, demandAcu: 0, idleMs: 0, wanted: false, members: {} };
}

/** What one load answer says: the period's demand and the idle time with it. */
export function measured(context: ScalerContext, report: LoadReportSignal): { demandAcu: number; idleMs: number; served: ServedCounts } {
  const { served, options } = context;
  const seconds = options.periodMs / 1000;
  const taken = report.transactions - served.transactions;
  const demandAcu = demandAcuOf({ commitsPerS: (report.writes - served.writes) / seconds, getsPerS: (report.gets - served.gets) / seconds }, options.load);
  const idleMs = taken === 0 && !report.busy ? context.idleMs + options.periodMs : 0;
  return { demandAcu, idleMs, served: { transactions: report.transactions, writes: report.writes, gets: report.gets, getsFromCache: report.getsFromCache } };
}

/** The lead's view of the group's demand: its own and every running follower's last report. */
export function groupDemandAcu(context: ScalerContext, ownDemandAcu: number): number {
  let demand = ownDemandAcu;
  for (const follower of context.options.followers) {
    const report = context.members[follower];
    if (report !== undefined && report.phase === 'running') demand = Math.max(demand, report.demandAcu);
  }
  return demand;
}

/**
 * Whether a pause is due after this load answer: never without auto-pause or for a follower (the
 * lead pauses it); a solo reader once it has been idle long enough; the lead once it and every
 * follower have been idle long enough and every tier-2–15 reader is paused (a running reader keeps
 * the writer up: auto-pause page).
 */
export function pauseDue(context: ScalerContext, report: LoadReportSignal): boolean {
  const { options } = context;
  const limit = options.autoPauseAfterMs;
  if (limit === undefined || options.role === 'follow') return false;
  if (measured(context, report).idleMs < limit) return false;
  if (options.role === 'solo') return true;
  const followersIdle = options.followers.every((id) => (context.members[id]?.idleMs ?? 0) >= limit);
  const solosPaused = options.solos.every((id) => context.members[id]?.phase === 'paused');
  return followersIdle && solosPaused;
}

/** The capacity observation of a phase and capacity. */
function capacityObservation(context: ScalerContext, phase: ScalerPhase, capacityAcu: number): ModelEffect {
  const cacheBlocks = phase === 'running' ? cacheBlocksAt(capacityAcu, context.options.cacheBlocksPerAcu) : 0;
  const observation: Observation = { kind: 'serverlessCapacity', instance: context.options.instance, phase, capacityAcu, cacheBlocks };
  return { kind: 'observe', observation };
}

/** The signal that sets the instance's capacity and cache (capacity 0: paused). */
function capacitySignal(context: ScalerContext, capacityAcu: number): ModelEffect {
  const { options } = context;
  const cacheBlocks = cacheBlocksAt(capacityAcu > 0 ? capacityAcu : runningFloorAcu(options.range), options.cacheBlocksPerAcu);
  const event: CapacitySetSignal = { type: 'capacitySet', capacityAcu, cacheBlocks };
  return { kind: 'signal', to: options.instance, event };
}

/**
 * What the scaler tells the rest of its group in `phase`: the lead, the group's phase and
 * capacity to every follower; a reader's scaler, its report to the lead.
 */
function groupEffects(context: ScalerContext, phase: ScalerPhase, capacityAcu: number, demandAcu: number, idleMs: number, wanted: boolean): ModelEffect[] {
  const { options } = context;
  if (options.role === 'lead') {
    return options.followers.map((to): ModelEffect => {
      const message: GroupStateMessage = { type: 'groupState', from: options.self, phase, capacityAcu };
      return { kind: 'send', to, message };
    });
  }
  const message: ScalerReportMessage = { type: 'scalerReport', from: options.self, phase, demandAcu, idleMs, wanted };
  return [{ kind: 'send', to: options.lead, message }];
}

/** The load observation of a running instance's period. */
function loadObservation(context: ScalerContext, capacityAcu: number, demandAcu: number, idleMs: number): ModelEffect {
  const observation: Observation = { kind: 'serverlessLoad', instance: context.options.instance, capacityAcu, demandAcu, idleMs };
  return { kind: 'observe', observation };
}

const scalerSetup = setup({
  types: {
    context: {} as ScalerContext,
    events: {} as ScalerEvent,
    input: {} as ScalerInput,
  },
  actions: {
    send: unprovidedEffect<{ to: string; message: unknown }>('serverlessScaler', 'send'),
    signal: unprovidedEffect<{ to: string; event: LoadQuerySignal | CapacitySetSignal }>('serverlessScaler', 'signal'),
    observe: unprovidedEffect<Observation>('serverlessScaler', 'observe'),
    /** Several of the above as one list, in order (models/effects.ts). */
    effects: unprovidedEffect<EffectsParams>('serverlessScaler', 'effects'),
  },
});

/** The scaler; see the file header. */
export const serverlessScalerMachine = scalerSetup.extend({
  guards: {
    pauseDue: ({ context, event }) => event.type === 'loadReport' && pauseDue(context, event),
    groupPaused: ({ context, event }) => event.type === 'groupState' && context.options.role === 'follow' && event.phase === 'paused',
    groupAwake: ({ context, event }) => event.type === 'groupState' && context.options.role === 'follow' && event.phase !== 'paused',
    resumesItself: ({ context }) => context.options.role !== 'follow',
    // A waiting transaction anywhere in the group, or a tier-2–15 reader running or resuming.
    memberNeedsGroup: ({ context, event }) =>
      event.type === 'scalerReport' && context.options.role === 'lead' && (event.wanted || (context.options.solos.includes(event.from) && event.phase !== 'paused')),
  },
  actions: {
    armTick: scalerSetup.enqueueActions(({ context, enqueue }) => {
      enqueue.raise({ type: 'scalerTick' }, { delay: context.options.periodMs, id: SCALER_TICK_TIMER });
    }),
    /** The capacity at the start, for the judges and the report. */
    announce: scalerSetup.enqueueActions(({ context, enqueue }) => {
      enqueue(effectsAction([capacityObservation(context, 'running', context.capacityAcu)]));
    }),
    queryLoad: scalerSetup.enqueueActions(({ context, enqueue }) => {
      const event: LoadQuerySignal = { type: 'loadQuery', from: context.options.self };
      enqueue(effectsAction([{ kind: 'signal', to: context.options.instance, event }]));
    }),
    /** Takes in a load answer without deciding (the pause that follows sets the capacity). */
    measure: scalerSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'loadReport') return;
      enqueue.assign(measured(context, event));
    }),
    /**
     * The decider (once a period): a solo reader on its own demand, the lead on the group's; the
     * capacity moves one increment towards the target. A follower only reports.
     */
    decide: scalerSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'loadReport') return;
      const { options } = context;
      const { demandAcu, idleMs, served } = measured(context, event);
      const effects: ModelEffect[] = [];
      let capacityAcu = context.capacityAcu;
      if (options.role !== 'follow') {
        const demand = options.role === 'lead' ? groupDemandAcu(context, demandAcu) : demandAcu;
        capacityAcu = nextCapacityAcu(context.capacityAcu, targetCapacityAcu(demand, options.range, options.load), options.range);
        if (capacityAcu !== context.capacityAcu) effects.push(capacitySignal(context, capacityAcu), capacityObservation(context, 'running', capacityAcu));
      }
      effects.push(loadObservation(context, capacityAcu, demandAcu, idleMs), ...groupEffects(context, 'running', capacityAcu, demandAcu, idleMs, false));
      enqueue(effectsAction(effects));
      enqueue.assign({ demandAcu, idleMs, served, capacityAcu });
    }),
    /** A follower takes the lead's capacity. */
    followGroup: scalerSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'groupState' || context.options.role !== 'follow' || event.phase !== 'running') return;
      if (event.capacityAcu === context.capacityAcu) return;
      enqueue(effectsAction([capacitySignal(context, event.capacityAcu), capacityObservation(context, 'running', event.capacityAcu)]));
      enqueue.assign({ capacityAcu: event.capacityAcu });
    }),
    recordMember: scalerSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'scalerReport' || context.options.role !== 'lead') return;
      const report: MemberReport = { phase: event.phase, demandAcu: event.demandAcu, idleMs: event.idleMs, wanted: event.wanted };
      enqueue.assign({ members: { ...context.members, [event.from]: report } });
    }),
    /** Capacity 0: the instance empties its cache and holds new transactions; the group hears it. */
    enterPause: scalerSetup.enqueueActions(({ context, enqueue }) => {
      const effects = [capacitySignal(context, 0), capacityObservation(context, 'paused', 0), ...groupEffects(context, 'paused', 0, 0, context.idleMs, false)];
      enqueue(effectsAction(effects));
      enqueue.assign({ capacityAcu: 0, demandAcu: 0, wanted: false });
    }),
    want: scalerSetup.assign({ wanted: true }),
    /** Paused: the lead tells its followers so, a reader's scaler tells the lead (once a period, and on a wake). */
    tellGroupPaused: scalerSetup.enqueueActions(({ context, enqueue }) => {
      enqueue(effectsAction(groupEffects(context, 'paused', 0, 0, context.idleMs, context.wanted)));
    }),
    /** Resuming: as paused, once a period. */
    tellGroupResuming: scalerSetup.enqueueActions(({ context, enqueue }) => {
      enqueue(effectsAction(groupEffects(context, 'resuming', 0, 0, context.idleMs, context.wanted)));
    }),
    /** A resume takes `resumeMs`; the lead resumes its followers with it, a solo reader its writer. */
    enterResume: scalerSetup.enqueueActions(({ context, enqueue }) => {
      enqueue(effectsAction([capacityObservation(context, 'resuming', 0), ...groupEffects(context, 'resuming', 0, 0, context.idleMs, context.wanted)]));
      enqueue.raise({ type: 'resumeDone' }, { delay: context.options.resumeMs, id: SCALER_RESUME_TIMER });
    }),
    /** Running again at the least running capacity; the instance takes what it held. */
    finishResume: scalerSetup.enqueueActions(({ context, enqueue }) => {
      const capacityAcu = runningFloorAcu(context.options.range);
      enqueue(effectsAction([capacitySignal(context, capacityAcu), capacityObservation(context, 'running', capacityAcu), ...groupEffects(context, 'running', capacityAcu, 0, 0, false)]));
      enqueue.assign({ capacityAcu, idleMs: 0, wanted: false });
    }),
  },
}).createMachine({
  id: 'serverlessScaler',
  context: ({ input }) => createScalerContext(input),
  initial: 'running',
  entry: ['armTick', 'announce'],
  states: {
    running: {
      on: {
        scalerTick: { actions: ['armTick', 'queryLoad'] },
        loadReport: [{ guard: 'pauseDue', target: 'paused', actions: 'measure' }, { actions: 'decide' }],
        groupState: [{ guard: 'groupPaused', target: 'paused' }, { actions: 'followGroup' }],
        scalerReport: { actions: 'recordMember' },
      },
    },
    paused: {
      entry: 'enterPause',
      on: {
        scalerTick: { actions: ['armTick', 'tellGroupPaused'] },
        wake: [{ guard: 'resumesItself', target: 'resuming', actions: 'want' }, { actions: ['want', 'tellGroupPaused'] }],
        scalerReport: [{ guard: 'memberNeedsGroup', target: 'resuming', actions: 'recordMember' }, { actions: 'recordMember' }],
        groupState: { guard: 'groupAwake', target: 'resuming' },
      },
    },
    resuming: {
      entry: 'enterResume',
      on: {
        scalerTick: { actions: ['armTick', 'tellGroupResuming'] },
        resumeDone: { target: 'running', actions: 'finishResume' },
        scalerReport: { actions: 'recordMember' },
        wake: { actions: 'want' },
      },
    },
  },
});
