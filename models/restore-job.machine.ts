/**
 * RestoreJob: the backup service's job that builds a **new** volume and cluster from the object
 * store at one restore point (docs/protocol.md §10, point-in-time restore; §13, B1).
 *
 * States: `idle` (the new cluster's actors exist and wait), `restoring` (every segment of the new
 * volume fetches its PG as of the point, all PGs in parallel), `opening` (every PG is restored on a
 * write quorum: the new writer is promoted and opens the volume by crash recovery, so its VDL is
 * the point), `available` (the writer opened), `failed` (the store refused a PG, or the restore
 * did not finish within `restoreTimeoutMs`).
 *
 * The job is told the point (`restoreRequest`) by the service, which maps the requested time to a
 * VDL the writer reached (src/simulation/backup-service.ts): the machine knows no time. Lost
 * messages are covered by a retry tick that asks again the segments not yet restored, and the
 * writer until it opens. A segment down when the restore runs (its AZ is out) takes no part at
 * first: its PG opens on a write quorum, and once the segment is back it is asked again and
 * restores from the object store like the others (then takes the new writer's writes by gossip).
 *
 * Every transition is pure: the context is replaced, never written into.
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { Lsn } from '../src/protocol/ids.js';
import type { RestoreObservation } from '../src/protocol/observations.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import { satisfies } from '../src/protocol/quorum.js';
import type { PromoteMessage, RestoreFromMessage, SegmentRestoredMessage, SegmentRestoreFailedMessage, SendParams, WriterOpenMessage } from './messages.js';

/** Timer id of the job's retry tick. */
export const RESTORE_RETRY_TIMER = 'restoreJob.retry';
/** Timer id of the job's deadline. */
export const RESTORE_DEADLINE_TIMER = 'restoreJob.deadline';

/** One PG of the new volume: its segments and the write quorum that must hold it before opening. */
export interface RestorePg {
  pg: number;
  members: readonly string[];
  write: QuorumPredicate;
}

/** Input of {@link restoreJobMachine}. */
export interface RestoreJobInput {
  self: string;
  pgs: readonly RestorePg[];
  /** The new cluster's writer, a standby until the job promotes it. */
  writer: string;
  /** How often segments not yet restored, and the writer until it opens, are asked again. @defaultValue 1000 */
  retryMs?: number;
  /** The restore fails if its cluster is not available by then. @defaultValue 600000 */
  restoreTimeoutMs?: number;
}

/** Context of {@link restoreJobMachine}. */
export interface RestoreJobContext {
  self: string;
  pgs: readonly RestorePg[];
  writer: string;
  retryMs: number;
  restoreTimeoutMs: number;
  /** The restore point (0 until asked). */
  throughLsn: Lsn;
  /** The manual snapshot restored from, if it is one (docs/protocol.md §10, snapshots). */
  snapshot?: string;
  /** A clone's: each PG's last LSN at or below the point, as the source's storage gave it. */
  pgPoints?: Readonly<Record<number, Lsn>>;
  /** The segments that restored, by PG (once open, also those repairing from their peers instead: see `countRepairing`). */
  restoredByPg: Readonly<Record<number, readonly string[]>>;
  /** Bytes the segments fetched. */
  bytesRestored: number;
  /** The writer's VDL when it opened. */
  openedVdl?: Lsn;
  /** Why the restore failed. */
  reason?: string;
}

/** Events of {@link restoreJobMachine}. */
export type RestoreJobEvent =
  | { type: 'restoreRequest'; throughLsn: Lsn; snapshot?: string; pgPoints?: Readonly<Record<number, Lsn>> }
  | SegmentRestoredMessage
  | SegmentRestoreFailedMessage
  | WriterOpenMessage
  | { type: 'retryTick' }
  | { type: 'deadline' };

/** The first problem of an input, or undefined: checked when the actor starts. */
export function restoreJobInputProblem(input: RestoreJobInput): string | undefined {
  if (input.pgs.length === 0) return `restoreJob ${input.self}: pgs must list at least one PG, got none`;
  for (const [name, value] of [['retryMs', input.retryMs], ['restoreTimeoutMs', input.restoreTimeoutMs]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `restoreJob ${input.self}: ${name} must be a positive number, got ${value}`;
  }
  return undefined;
}

/**
 * The restored segments by PG once `event` counts: undefined when it is not a restore of this
 * point; the same table when the segment was counted already.
 */
function restoredAfter(context: RestoreJobContext, event: RestoreJobEvent): RestoreJobContext['restoredByPg'] | undefined {
  if (event.type !== 'segmentRestored' || event.throughLsn !== context.throughLsn) return undefined;
  const held = context.restoredByPg[event.pg] ?? [];
  return held.includes(event.from) ? context.restoredByPg : { ...context.restoredByPg, [event.pg]: [...held, event.from] };
}

/** Every PG restored on a write quorum. */
function everyPgRestored(context: RestoreJobContext): boolean {
  return context.pgs.every((pg) => satisfies(pg.write, (context.restoredByPg[pg.pg] ?? []) as never));
}

const restoreJobBase = setup({
  types: { context: {} as RestoreJobContext, events: {} as RestoreJobEvent, input: {} as RestoreJobInput },
  actions: {
    send: unprovidedEffect<SendParams>('restoreJob', 'send'),
    observe: unprovidedEffect<RestoreObservation>('restoreJob', 'observe'),
  },
  guards: {
    allRestored: ({ context, event }) => {
      const restoredByPg = restoredAfter(context, event);
      return restoredByPg !== undefined && everyPgRestored({ ...context, restoredByPg });
    },
    fromWriter: ({ context, event }) => event.type === 'writerOpen' && event.from === context.writer,
    forThisPoint: ({ context, event }) => (event.type === 'segmentRestoreFailed' ? event.throughLsn === context.throughLsn : false),
  },
});

type EnqueueArgs = Parameters<Parameters<typeof restoreJobBase.enqueueActions>[0]>[0];

/** Asks every segment not yet restored to restore (all of them at first). */
function askSegments(context: RestoreJobContext, enqueue: EnqueueArgs['enqueue']): void {
  for (const pg of context.pgs) {
    const restored = context.restoredByPg[pg.pg] ?? [];
    for (const member of pg.members) {
      if (restored.includes(member)) continue;
      const pgThroughLsn = context.pgPoints?.[pg.pg];
      const message: RestoreFromMessage = {
        type: 'restoreFrom',
        from: context.self,
        throughLsn: context.throughLsn,
        ...(context.snapshot === undefined ? {} : { snapshot: context.snapshot }),
        ...(pgThroughLsn === undefined ? {} : { pgThroughLsn }),
      };
      enqueue({ type: 'send', params: { to: member, message } });
    }
  }
}

/**
 * The promotion of the new writer: its recovery opens at most at the restore point (a volume that
 * held more would be wrong, and S20 would see it open elsewhere), and says where it opened.
 */
function promotion(context: RestoreJobContext): PromoteMessage {
  return { type: 'promote', from: context.self, recoverTo: { durableLsn: context.throughLsn, highestWrittenLsn: context.throughLsn, reportTo: context.self } };
}

/** The job; see the file header. */
export const restoreJobMachine = restoreJobBase
  .extend({
    actions: {
      start: restoreJobBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'restoreRequest') return;
        const snapshot = event.snapshot === undefined ? {} : { snapshot: event.snapshot };
        const pgPoints = event.pgPoints === undefined ? {} : { pgPoints: event.pgPoints };
        const next = { ...context, throughLsn: event.throughLsn, ...snapshot, ...pgPoints };
        enqueue.assign({ throughLsn: event.throughLsn, ...snapshot, ...pgPoints });
        enqueue({ type: 'observe', params: { kind: 'restore', job: context.self, phase: 'requested', throughLsn: event.throughLsn } });
        askSegments(next, enqueue);
        enqueue.raise({ type: 'retryTick' }, { delay: context.retryMs, id: RESTORE_RETRY_TIMER });
        enqueue.raise({ type: 'deadline' }, { delay: context.restoreTimeoutMs, id: RESTORE_DEADLINE_TIMER });
      }),
      /** A segment restored: counted once; a PG that reaches its write quorum is reported. */
      countRestored: restoreJobBase.enqueueActions(({ context, event, enqueue }) => {
        const restoredByPg = restoredAfter(context, event);
        if (event.type !== 'segmentRestored' || restoredByPg === undefined || restoredByPg === context.restoredByPg) return;
        const held = context.restoredByPg[event.pg] ?? [];
        const restored = restoredByPg[event.pg] ?? [];
        enqueue.assign({ restoredByPg, bytesRestored: context.bytesRestored + event.bytes });
        const pg = context.pgs.find((candidate) => candidate.pg === event.pg);
        if (pg !== undefined && !satisfies(pg.write, held as never) && satisfies(pg.write, restored as never)) {
          enqueue({ type: 'observe', params: { kind: 'restore', job: context.self, phase: 'pgRestored', throughLsn: context.throughLsn, pg: event.pg } });
        }
      }),
      /**
       * Open (or opening) on write quorums, a segment its source cannot serve any more repairs from
       * its own volume's peers (a clone's, past the source's GC): it is asked no more.
       */
      countRepairing: restoreJobBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'segmentRestoreFailed' || event.throughLsn !== context.throughLsn) return;
        const held = context.restoredByPg[event.pg] ?? [];
        if (held.includes(event.from)) return;
        enqueue.assign({ restoredByPg: { ...context.restoredByPg, [event.pg]: [...held, event.from] } });
      }),
      promote: restoreJobBase.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'send', params: { to: context.writer, message: promotion(context) } });
      }),
      observeOpening: restoreJobBase.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'observe', params: { kind: 'restore', job: context.self, phase: 'opening', throughLsn: context.throughLsn } });
      }),
      retry: restoreJobBase.enqueueActions(({ context, enqueue }) => {
        askSegments(context, enqueue);
        enqueue.raise({ type: 'retryTick' }, { delay: context.retryMs, id: RESTORE_RETRY_TIMER });
      }),
      /** Open: the segments that missed the restore (down then) are asked until every one has restored. */
      retryMissed: restoreJobBase.enqueueActions(({ context, enqueue }) => {
        const missing = context.pgs.some((pg) => pg.members.some((member) => !(context.restoredByPg[pg.pg] ?? []).includes(member)));
        if (!missing) return;
        askSegments(context, enqueue);
        enqueue.raise({ type: 'retryTick' }, { delay: context.retryMs, id: RESTORE_RETRY_TIMER });
      }),
      retryPromote: restoreJobBase.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'send', params: { to: context.writer, message: promotion(context) } });
        enqueue.raise({ type: 'retryTick' }, { delay: context.retryMs, id: RESTORE_RETRY_TIMER });
      }),
      opened: restoreJobBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'writerOpen') return;
        const vdl = event.recoveredVdl ?? (0 as Lsn);
        enqueue.cancel(RESTORE_DEADLINE_TIMER);
        enqueue.assign({ openedVdl: vdl });
        enqueue({ type: 'observe', params: { kind: 'restore', job: context.self, phase: 'available', throughLsn: context.throughLsn, vdl } });
      }),
      fail: restoreJobBase.enqueueActions(({ context, event, enqueue }) => {
        const pgsDone = context.pgs.filter((pg) => satisfies(pg.write, (context.restoredByPg[pg.pg] ?? []) as never)).length;
        const reason =
          event.type === 'segmentRestoreFailed'
            ? `${event.reason}: ${event.reason === 'pointCollected' ? 'the source volume' : 'the object store'} cannot give PG ${event.pg} as of LSN ${context.throughLsn}${context.snapshot === undefined ? '' : ` from snapshot ${context.snapshot}`}`
            : `timedOut: ${pgsDone} of ${context.pgs.length} PGs restored on a write quorum within ${context.restoreTimeoutMs} ms`;
        enqueue.cancel(RESTORE_RETRY_TIMER);
        enqueue.cancel(RESTORE_DEADLINE_TIMER);
        enqueue.assign({ reason });
        enqueue({ type: 'observe', params: { kind: 'restore', job: context.self, phase: 'failed', throughLsn: context.throughLsn, reason } });
      }),
    },
  })
  .createMachine({
    id: 'restoreJob',
    context: ({ input }) => {
      const problem = restoreJobInputProblem(input);
      if (problem !== undefined) throw new RangeError(problem);
      return {
        self: input.self,
        pgs: input.pgs,
        writer: input.writer,
        retryMs: input.retryMs ?? 1_000,
        restoreTimeoutMs: input.restoreTimeoutMs ?? 600_000,
        throughLsn: 0 as Lsn,
        restoredByPg: {},
        bytesRestored: 0,
      };
    },
    initial: 'idle',
    states: {
      idle: {
        on: { restoreRequest: { target: 'restoring', actions: 'start' } },
      },
      restoring: {
        on: {
          segmentRestored: [
            { guard: 'allRestored', target: 'opening', actions: ['countRestored', 'observeOpening', 'promote'] },
            { actions: 'countRestored' },
          ],
          segmentRestoreFailed: { guard: 'forThisPoint', target: 'failed', actions: 'fail' },
          retryTick: { actions: 'retry' },
          deadline: { target: 'failed', actions: 'fail' },
        },
      },
      opening: {
        on: {
          segmentRestored: { actions: 'countRestored' },
          segmentRestoreFailed: { actions: 'countRepairing' },
          writerOpen: { guard: 'fromWriter', target: 'available', actions: 'opened' },
          retryTick: { actions: 'retryPromote' },
          deadline: { target: 'failed', actions: 'fail' },
        },
      },
      available: {
        on: { segmentRestored: { actions: 'countRestored' }, segmentRestoreFailed: { actions: 'countRepairing' }, retryTick: { actions: 'retryMissed' } },
      },
      failed: {},
    },
  });

