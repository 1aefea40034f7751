/**
 * ObjectStore: the region's object store (Amazon S3 in the AWS words) holding a volume's
 * continuous backup (docs/protocol.md §10, continuous backup; SIGMOD'17 §3.3 step 6).
 *
 * States: `available.normal` (serving), `available.throttling` (a request over the per-second limit
 * of its PG's prefix — each PG's objects are one prefix, and S3 limits request rates per prefix —
 * is answered with `slowDown`, S3's 503) and `unavailable` (an outage: tagged `offline`, so the kernel
 * network drops its traffic, and the answers it owed are lost).
 *
 * Segments stage their PG's log in the background: each asks for the PG's staged point
 * (`stageQuery`) and puts the records above it, up to its SCL (`stagePut`). The store keeps, per
 * PG, the staged log and page snapshots it coalesces every `snapshotPeriodMs`, and drops what the
 * retention window no longer needs (src/protocol/backup-archive.ts). A restored segment fetches
 * its PG as of a point (`restoreFetch`).
 *
 * Every answer leaves after the store's service latency plus the transfer time of its bytes (in
 * and out) at `transferMBps`, times a slowness factor a fault may set. Time: the store keeps its
 * own clock, `nowMs`, advanced by a periodic `clockTick` (as the Global Database's region
 * statechart does): objects and snapshots are stamped with it, and the throttling window is one
 * second of it. The machine never reads a clock or draws chance.
 *
 * Every transition is pure: the per-PG backups are persistent values (each update returns a new
 * one), and the context is replaced, never written into.
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { Lsn } from '../src/protocol/ids.js';
import type { PgBackup } from '../src/protocol/backup-archive.js';
import { emptyPgBackup, imageOfSnapshot, pruneBefore, recordBytes, restoreImage, snapshotAt, stageRecords, takeSnapshot } from '../src/protocol/backup-archive.js';
import type { PageSnapshot, RestoreImage, RestoreRefusal } from '../src/protocol/backup-archive.js';
import type { PlantName } from '../src/protocol/plants.js';
import type { RedoPayload, RestoreDataMessage, RestoreFetchMessage, SendParams, StagePutMessage, StageQueryMessage, WireMessage } from './messages.js';
import type { StoredRecord } from '../src/protocol/recovery.js';
import type { RestoreServedObservation, SnapshotCreatedObservation, StagedObservation } from '../src/protocol/observations.js';

/** One day, in ms: the default retention period (docs/protocol.md §10). */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Timer id of the store's clock. */
export const OBJECT_STORE_CLOCK_TIMER = 'objectStore.clock';
/** Timer id of one delayed answer. */
export const objectStoreReplyTimerId = (replyId: number): string => `objectStore.reply.${replyId}`;

/** Input of {@link objectStoreMachine}. */
export interface ObjectStoreInput {
  self: string;
  /** Time to answer a request, before its transfer time. @defaultValue 20 */
  serviceLatencyMs?: number;
  /** Transfer rate of one request's bytes, in MB/s (10^6 bytes). @defaultValue 100 */
  transferMBps?: number;
  /** How long a restore point stays restorable (the backup retention period). @defaultValue one day */
  retentionMs?: number;
  /** How often each PG's staged log is coalesced into a page snapshot. @defaultValue 60000 */
  snapshotPeriodMs?: number;
  /** Period of the store's clock: stamps are known to within it. @defaultValue 100 */
  clockTickMs?: number;
  /** A planted mistake to run with (docs/plants.md); absent in every ordinary run. */
  plant?: PlantName;
}

/** What the store has done, for the report. */
export interface ObjectStoreStats {
  /** Puts that added records. */
  puts: number;
  recordsStaged: number;
  bytesStaged: number;
  /** Requests answered with `slowDown`. */
  throttled: number;
  restoreFetches: number;
  bytesRestored: number;
}

/** A manual cluster snapshot: every PG's pages at one point, a copy of its own. */
export interface ManualSnapshot {
  throughLsn: Lsn;
  /** The store's clock when it was complete. */
  createdAtMs: number;
  pgs: Readonly<Record<number, PageSnapshot>>;
  /** The whole copy: what it adds to backup storage (a manual snapshot is billed in full). */
  bytes: number;
}

/** The backup service asks for a manual snapshot of the volume's `pgs` at `throughLsn`. */
export interface SnapshotRequest {
  type: 'createSnapshot';
  name: string;
  throughLsn: Lsn;
  pgs: readonly number[];
}

/** Context of {@link objectStoreMachine}. */
export interface ObjectStoreContext {
  self: string;
  settings: { serviceLatencyMs: number; transferMBps: number; retentionMs: number; snapshotPeriodMs: number; clockTickMs: number; plant?: PlantName };
  /** The store's clock (see the file header). */
  nowMs: number;
  /** When the last snapshots were taken. */
  lastSnapshotMs: number;
  /** Service latency multiplier (1: normal; a slowness fault sets more). */
  slowFactor: number;
  /** Requests served per second and PG prefix while throttling; absent: no limit. */
  requestsPerS?: number;
  /** Requests served in the current second of the clock, by PG (each PG's objects are one prefix). */
  requestsThisSecond: Readonly<Record<number, number>>;
  /** The backup of each PG, by PG id. */
  pgs: Readonly<Record<number, PgBackup>>;
  /** Manual snapshots, by name: kept until the run ends (they never expire; docs/protocol.md §10). */
  manualSnapshots: Readonly<Record<string, ManualSnapshot>>;
  /** Manual snapshots asked for whose point is not yet staged on every PG. */
  pendingSnapshots: readonly SnapshotRequest[];
  /** Answers owed (their timer ids): lost in an outage. */
  pendingReplies: readonly string[];
  nextReplyId: number;
  stats: ObjectStoreStats;
}

/** A throttling or slowness fault's signal, or an outage's. */
export type ObjectStoreSignal =
  | { type: 'throttle'; requestsPerS: number }
  | { type: 'unthrottle' }
  | { type: 'slowObjectStore'; factor: number }
  | { type: 'outage' | 'recover'; cause: 'objectStore' };

/** Events of {@link objectStoreMachine}. */
export type ObjectStoreEvent =
  | StageQueryMessage
  | StagePutMessage
  | RestoreFetchMessage
  | SnapshotRequest
  | ObjectStoreSignal
  | { type: 'clockTick' }
  | { type: 'reply'; replyId: string; to: string; message: WireMessage };

/** What the store reports to the judges and the report. */
export type ObjectStoreObservation = StagedObservation | RestoreServedObservation | SnapshotCreatedObservation;

/** The first problem of an input, or undefined: checked when the actor starts. */
export function objectStoreInputProblem(input: ObjectStoreInput): string | undefined {
  const positive: [string, number | undefined][] = [
    ['transferMBps', input.transferMBps],
    ['retentionMs', input.retentionMs],
    ['snapshotPeriodMs', input.snapshotPeriodMs],
    ['clockTickMs', input.clockTickMs],
  ];
  for (const [name, value] of positive) if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `objectStore ${input.self}: ${name} must be a positive number, got ${value}`;
  if (input.serviceLatencyMs !== undefined && !(Number.isFinite(input.serviceLatencyMs) && input.serviceLatencyMs >= 0)) {
    return `objectStore ${input.self}: serviceLatencyMs must be a number >= 0, got ${input.serviceLatencyMs}`;
  }
  return undefined;
}

/** What a restore fetch gets: the PG from the continuous backup, or from a manual snapshot. */
function fetchImage(context: ObjectStoreContext, event: RestoreFetchMessage): RestoreImage | { refused: RestoreRefusal } {
  if (event.snapshot === undefined) return restoreImage(context.pgs[event.pg] ?? emptyPgBackup(), event.throughLsn);
  const copy = context.manualSnapshots[event.snapshot]?.pgs[event.pg];
  return copy === undefined || copy.lsn !== event.throughLsn ? { refused: 'noSuchSnapshot' } : imageOfSnapshot(copy);
}

/** The answer's delay: service latency plus the transfer of `bytes`, times the slowness factor. */
function answerDelayMs(context: ObjectStoreContext, bytes: number): number {
  const transferMs = bytes / (context.settings.transferMBps * 1000);
  return (context.settings.serviceLatencyMs + transferMs) * context.slowFactor;
}

const objectStoreBase = setup({
  types: { context: {} as ObjectStoreContext, events: {} as ObjectStoreEvent, input: {} as ObjectStoreInput },
  actions: {
    send: unprovidedEffect<SendParams>('objectStore', 'send'),
    observe: unprovidedEffect<ObjectStoreObservation>('objectStore', 'observe'),
  },
  guards: {
    /** Throttling and this second's quota is spent (S3's `SlowDown`). */
    overQuota: ({ context, event }) =>
      context.requestsPerS !== undefined && 'pg' in event && (context.requestsThisSecond[event.pg] ?? 0) >= context.requestsPerS,
    /** A throttling fault is in force (it may have begun during an outage). */
    throttled: ({ context }) => context.requestsPerS !== undefined,
  },
});

type EnqueueArgs = Parameters<Parameters<typeof objectStoreBase.enqueueActions>[0]>[0];

/**
 * Completes every pending manual snapshot whose point is staged on each of its PGs (after a put or
 * a request): copies each PG's pages at the point and reports it. Returns the fields that change.
 */
function completeSnapshots(context: ObjectStoreContext, pgs: ObjectStoreContext['pgs'], enqueue: EnqueueArgs['enqueue']): Partial<ObjectStoreContext> {
  if (context.pendingSnapshots.length === 0) return {};
  const pending: SnapshotRequest[] = [];
  let manualSnapshots = context.manualSnapshots;
  for (const request of context.pendingSnapshots) {
    const copies: Record<number, PageSnapshot> = {};
    let bytes = 0;
    for (const pg of request.pgs) {
      const copy = snapshotAt(pgs[pg] ?? emptyPgBackup(), request.throughLsn, context.nowMs);
      if ('refused' in copy) break;
      copies[pg] = copy;
      bytes += copy.bytes;
    }
    if (Object.keys(copies).length < request.pgs.length) {
      pending.push(request);
      continue;
    }
    manualSnapshots = { ...manualSnapshots, [request.name]: { throughLsn: request.throughLsn, createdAtMs: context.nowMs, pgs: copies, bytes } };
    enqueue({ type: 'observe', params: { kind: 'snapshotCreated', objectStore: context.self, name: request.name, throughLsn: request.throughLsn, bytes } });
  }
  return pending.length === context.pendingSnapshots.length ? {} : { manualSnapshots, pendingSnapshots: pending };
}

/** Owes `message` to `to` after `delayMs`: a delayed `reply` to itself, lost in an outage. */
function answerLater(
  context: ObjectStoreContext,
  enqueue: EnqueueArgs['enqueue'],
  request: { from: string; pg: number },
  message: WireMessage,
  delayMs: number,
  counted: Partial<ObjectStoreContext>,
): void {
  const replyId = objectStoreReplyTimerId(context.nextReplyId);
  const to = request.from;
  const requestsThisSecond = { ...context.requestsThisSecond, [request.pg]: (context.requestsThisSecond[request.pg] ?? 0) + 1 };
  enqueue.assign({ ...counted, nextReplyId: context.nextReplyId + 1, pendingReplies: [...context.pendingReplies, replyId], requestsThisSecond });
  enqueue.raise({ type: 'reply', replyId, to, message }, { delay: delayMs, id: replyId });
}

/** The store; see the file header. */
export const objectStoreMachine = objectStoreBase
  .extend({
    actions: {
      armClock: objectStoreBase.raise({ type: 'clockTick' }, { delay: ({ context }) => context.settings.clockTickMs, id: OBJECT_STORE_CLOCK_TIMER }),
      /**
       * One tick of the store's clock: a new throttling second when one has passed, snapshots when
       * the period is up, and retention applied to what they replace.
       */
      tick: objectStoreBase.enqueueActions(({ context, enqueue }) => {
        const nowMs = context.nowMs + context.settings.clockTickMs;
        const newSecond = Math.floor(nowMs / 1000) !== Math.floor(context.nowMs / 1000);
        const snapshotDue = nowMs - context.lastSnapshotMs >= context.settings.snapshotPeriodMs;
        let { pgs } = context;
        if (snapshotDue) {
          const next: Record<number, PgBackup> = {};
          for (const [pg, backup] of Object.entries(pgs)) next[Number(pg)] = pruneBefore(takeSnapshot(backup, nowMs), nowMs - context.settings.retentionMs);
          pgs = next;
        }
        enqueue.assign({
          nowMs,
          ...(newSecond ? { requestsThisSecond: {} } : {}),
          ...(snapshotDue ? { pgs, lastSnapshotMs: nowMs } : {}),
        });
        enqueue.raise({ type: 'clockTick' }, { delay: context.settings.clockTickMs, id: OBJECT_STORE_CLOCK_TIMER });
      }),
      answerQuery: objectStoreBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'stageQuery') return;
        const backup = context.pgs[event.pg];
        const stagedLsn = backup?.stagedLsn ?? (0 as Lsn);
        const stagedAgeMs = context.nowMs - (backup?.stagedAtMs ?? 0);
        answerLater(context, enqueue, event, { type: 'stagedPoint', from: context.self, pg: event.pg, request: 'query', stagedLsn, stagedAgeMs }, answerDelayMs(context, 0), {});
      }),
      /** Takes a put (the part above the staged point) and answers with the staged point. */
      takePut: objectStoreBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'stagePut') return;
        const before = context.pgs[event.pg] ?? emptyPgBackup();
        const result = stageRecords(before, event, context.nowMs);
        const moved = result.backup.stagedLsn > before.stagedLsn;
        const counted: Partial<ObjectStoreContext> = {
          pgs: result.backup === before ? context.pgs : { ...context.pgs, [event.pg]: result.backup },
          ...(moved
            ? { stats: { ...context.stats, puts: context.stats.puts + 1, recordsStaged: context.stats.recordsStaged + result.records, bytesStaged: context.stats.bytesStaged + result.bytes } }
            : {}),
        };
        if (moved) {
          enqueue({ type: 'observe', params: { kind: 'staged', objectStore: context.self, pg: event.pg, stagedLsn: result.backup.stagedLsn, records: result.records, bytes: result.bytes, stagedAtMs: context.nowMs } });
        }
        // After the staged point is reported: a snapshot completes on what the store holds.
        const withSnapshots = { ...counted, ...completeSnapshots(context, counted.pgs ?? context.pgs, enqueue) };
        const message: WireMessage = {
          type: 'stagedPoint',
          from: context.self,
          pg: event.pg,
          request: 'put',
          stagedLsn: result.backup.stagedLsn,
          stagedAgeMs: context.nowMs - result.backup.stagedAtMs,
          ...(event.more === true ? { more: true as const } : {}),
        };
        answerLater(context, enqueue, event, message, answerDelayMs(context, result.bytes), withSnapshots);
      }),
      /** A restored segment's fetch: its PG as of the point, or why not. */
      answerFetch: objectStoreBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'restoreFetch') return;
        const found = fetchImage(context, event);
        // Planted mistake: the snapshot alone, without the log above it (docs/plants.md).
        const image = context.settings.plant === 'restore-without-log' && !('refused' in found) ? { ...found, records: [], bytes: found.bytes - found.records.reduce((sum, record) => sum + recordBytes(record), 0) } : found;
        const base = { type: 'restoreData' as const, from: context.self, pg: event.pg, throughLsn: event.throughLsn };
        const message: RestoreDataMessage =
          'refused' in image
            ? { ...base, bases: [], baseline: { gcPoint: 0 as Lsn, lastPgLsnAtGc: 0 as Lsn }, records: [], bytes: 0, refused: image.refused }
            : { ...base, bases: image.bases as StoredRecord<RedoPayload>[], baseline: image.baseline, records: image.records as StoredRecord<RedoPayload>[], bytes: image.bytes };
        enqueue({
          type: 'observe',
          params: { kind: 'restoreServed', objectStore: context.self, pg: event.pg, to: event.from, throughLsn: event.throughLsn, bytes: message.bytes, ...(message.refused === undefined ? {} : { refused: message.refused }) },
        });
        const stats = { ...context.stats, restoreFetches: context.stats.restoreFetches + 1, bytesRestored: context.stats.bytesRestored + message.bytes };
        answerLater(context, enqueue, event, message, answerDelayMs(context, message.bytes), { stats });
      }),
      /** A manual snapshot asked for: taken now if its point is staged on every PG, else once it is. */
      askSnapshot: objectStoreBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'createSnapshot' || event.name in context.manualSnapshots || context.pendingSnapshots.some((request) => request.name === event.name)) return;
        const next = { ...context, pendingSnapshots: [...context.pendingSnapshots, event] };
        enqueue.assign({ pendingSnapshots: next.pendingSnapshots, ...completeSnapshots(next, context.pgs, enqueue) });
      }),
      slowDown: objectStoreBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'stageQuery' && event.type !== 'stagePut' && event.type !== 'restoreFetch') return;
        enqueue.assign({ stats: { ...context.stats, throttled: context.stats.throttled + 1 } });
        enqueue({ type: 'send', params: { to: event.from, message: { type: 'slowDown', from: context.self, pg: event.pg } } });
      }),
      deliver: objectStoreBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'reply') return;
        enqueue.assign({ pendingReplies: context.pendingReplies.filter((id) => id !== event.replyId) });
        enqueue({ type: 'send', params: { to: event.to, message: event.message } });
      }),
      /** An outage: the answers owed are lost. */
      loseReplies: objectStoreBase.enqueueActions(({ context, enqueue }) => {
        for (const id of context.pendingReplies) enqueue.cancel(id);
        enqueue.assign({ pendingReplies: [] });
      }),
      setThrottle: objectStoreBase.assign(({ event }) => (event.type === 'throttle' ? { requestsPerS: event.requestsPerS } : { requestsPerS: undefined })),
      setSlowFactor: objectStoreBase.assign(({ context, event }) => ({ slowFactor: event.type === 'slowObjectStore' ? event.factor : context.slowFactor })),
    },
  })
  .createMachine({
    id: 'objectStore',
    context: ({ input }) => {
      const problem = objectStoreInputProblem(input);
      if (problem !== undefined) throw new RangeError(problem);
      return {
        self: input.self,
        settings: {
          serviceLatencyMs: input.serviceLatencyMs ?? 20,
          transferMBps: input.transferMBps ?? 100,
          retentionMs: input.retentionMs ?? DAY_MS,
          snapshotPeriodMs: input.snapshotPeriodMs ?? 60_000,
          clockTickMs: input.clockTickMs ?? 100,
          ...(input.plant === undefined ? {} : { plant: input.plant }),
        },
        nowMs: 0,
        lastSnapshotMs: 0,
        slowFactor: 1,
        requestsThisSecond: {},
        pgs: {},
        manualSnapshots: {},
        pendingSnapshots: [],
        pendingReplies: [],
        nextReplyId: 0,
        stats: { puts: 0, recordsStaged: 0, bytesStaged: 0, throttled: 0, restoreFetches: 0, bytesRestored: 0 },
      };
    },
    entry: 'armClock',
    on: {
      clockTick: { actions: 'tick' },
      throttle: { actions: 'setThrottle' },
      unthrottle: { actions: 'setThrottle' },
      slowObjectStore: { actions: 'setSlowFactor' },
      // The service's request is durable: taken even while the store is out, completed once staged.
      createSnapshot: { actions: 'askSnapshot' },
    },
    initial: 'available',
    states: {
      available: {
        initial: 'normal',
        on: {
          outage: { target: 'unavailable', actions: 'loseReplies' },
          reply: { actions: 'deliver' },
          stageQuery: { actions: 'answerQuery' },
          stagePut: { actions: 'takePut' },
          restoreFetch: { actions: 'answerFetch' },
        },
        states: {
          normal: {
            always: { guard: 'throttled', target: 'throttling' },
            on: { throttle: { target: 'throttling', actions: 'setThrottle' } },
          },
          throttling: {
            on: {
              unthrottle: { target: 'normal', actions: 'setThrottle' },
              stageQuery: [{ guard: 'overQuota', actions: 'slowDown' }, { actions: 'answerQuery' }],
              stagePut: [{ guard: 'overQuota', actions: 'slowDown' }, { actions: 'takePut' }],
              restoreFetch: [{ guard: 'overQuota', actions: 'slowDown' }, { actions: 'answerFetch' }],
            },
          },
        },
      },
      unavailable: {
        tags: ['offline'],
        on: { recover: { target: 'available' } },
      },
    },
  });
