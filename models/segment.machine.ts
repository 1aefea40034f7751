/**
 * StorageSegment: one of a protection group's six copies (docs/protocol.md §2, quorums; §4, writes
 * and commits; §6, gossip, repair and GC).
 *
 * States: `online.up` (serving), `online.hydrating` (a new, empty member catching up by gossip
 * before it counts as caught up), `down` (crashed, or its storage node, AZ or region is out; tagged
 * `offline`, so the kernel network drops its traffic), `retired` (removed from the PG).
 *
 * Foreground path (SIGMOD'17 §3.3 steps 1–2, the only ones on the latency path): a write batch is
 * queued in memory, persisted to the hot log after a disk latency, and acknowledged with the
 * segment's SCL (SIGMOD'18 §2.3). Requests from a stale volume or membership epoch are rejected
 * (SIGMOD'18 §2.4, §4.1). Background: a periodic gossip pull from the next peer fills holes
 * (docs/protocol.md §6, gossip, repair and GC; §13, V9). A crash loses the in-memory queue and
 * keeps the hot log; a restart resumes gossip.
 *
 * Garbage collection (docs/protocol.md §6, gossip, repair and GC, steps 6–7; §5, reads; §13, V11;
 * §12, S14): instances report their minimum read point per PG (`setMrpl`); every `gcPeriodMs` the
 * segment takes the minimum over the instances that reported within `mrplLeaseTicks` ticks (PGMRPL)
 * and coalesces everything at or below the highest PGMRPL of recent ticks that is at most both the
 * current PGMRPL and the point staged on the previous tick. The GC point is thus always a read
 * point, a VDL some writer reached: a CPL, or a recovered writer's first VDL, the end of its
 * truncation range, where no record lies. Either way it never splits an MTR, and every record below
 * it is durable. The lease stands in for "every instance that opened the volume" [SIGMOD'18 §3.4]:
 * a crashed instance never deregisters, and waiting for it forever would stop GC; an instance cut
 * off longer than the lease finds its old read points refused (`belowGcPoint`), never answered
 * wrongly. After a (re)start the segment waits a whole lease before collecting, so every live
 * instance has reported again. With an object store (docs/protocol.md §10), a segment stages its PG's
 * log there every `stagePeriodMs` and its staged point is what the store says it holds; without
 * one, staging is a point only (the log up to the SCL at each tick counts as staged).
 *
 * Every transition is a pure function of (snapshot, event): no action or guard writes into the
 * context, event or params it is given. The disk queue, pending reads and read-point tables are
 * replaced by copies (spreads), and the hot log is a persistent `SegmentStore`
 * (src/protocol/segment-store.ts) whose updates return a new store sharing all but a few small
 * nodes with the old one, so an append still costs the same at any log size. An old snapshot
 * therefore stays valid forever: the explorer steps it again, the viewer scrubs back to it, and
 * nothing needs cloning (docs/determinism.md; test/models/segment-purity.test.ts steps every
 * event on a deep-frozen snapshot). Disk latency jitter comes from a table of samples the kernel
 * drew for the segment's storage node: the machine itself never draws chance.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Lsn, MembershipEpoch, PgId, VolumeEpoch } from '../src/protocol/ids.js';
import type {
  BacktrackAppliedObservation,
  EpochAdoptedObservation,
  GcAdvancedObservation,
  PageServedObservation,
  PersistedObservation,
  PageVoteObservation,
  ReadBelowGcObservation,
  TruncationAppliedObservation,
} from '../src/protocol/observations.js';
import { voteKept } from '../src/protocol/multi-writer.js';
import type { BlockVotes } from '../src/protocol/multi-writer.js';
import { materializePage } from '../src/protocol/pages.js';
import type { PlantName } from '../src/protocol/plants.js';
import type { StoredRecord, TruncationRange } from '../src/protocol/recovery.js';
import type { SegmentStore } from '../src/protocol/segment-store.js';
import {
  basesAbove,
  baselineOf,
  blockChainAt,
  collectGarbage,
  createSegmentStore,
  highestLsn,
  holdsTruncation,
  installBaseline,
  persistRecords,
  persistStoredRecords,
  recordAt,
  recordsAbove,
  sclOf,
  truncate,
  heldRecords,
  applyBacktrack,
} from '../src/protocol/segment-store.js';
import { recordBytes } from '../src/protocol/backup-archive.js';
import type { BacktrackVisibility, Baseline } from '../src/protocol/segment-store.js';
import type {
  ReadPageMessage,
  RestoreDataMessage,
  RestoreFetchMessage,
  GossipPullMessage,
  GossipPushMessage,
  OutageSignal,
  ProcessSignal,
  RedoPayload,
  SendParams,
  SlowDiskSignal,
  WireMessage,
  WriteBatchMessage,
} from './messages.js';
import { effectsAction, unprovidedEffect } from './effects.js';
import type { EffectsParams, ModelEffect } from './effects.js';

/** Input of {@link segmentMachine}. */
export interface SegmentInput {
  /** The segment's systemId, e.g. `seg:pg0:us-east-1a:1`. */
  self: string;
  pg: number;
  kind: 'full' | 'tail';
  /** The other members of the PG: gossip partners. */
  peers: readonly string[];
  /** @defaultValue 1 */
  volumeEpoch?: number;
  /** @defaultValue 1 */
  membershipEpoch?: number;
  /** Disk persist latencies to cycle through (drawn by the kernel; shared by a node's segments). */
  diskLatencySamplesMs: readonly number[];
  /** Where in the sample table this segment starts. @defaultValue 0 */
  diskSampleOffset?: number;
  /** Period of the gossip pull. @defaultValue 100 */
  gossipPeriodMs?: number;
  /** Gossip period while the segment is not behind (anti-entropy). @defaultValue 10 × gossipPeriodMs */
  gossipIdlePeriodMs?: number;
  /** Delay of the first gossip pull, so peers do not pull in lockstep. @defaultValue 0 */
  gossipOffsetMs?: number;
  /** Most records one gossip answer carries. @defaultValue 512 */
  gossipMaxRecords?: number;
  /** Start as a new, empty member that must catch up by gossip (membership change). */
  hydrating?: boolean;
  /** Period of staging and garbage collection; 0 turns both off. @defaultValue 500 */
  gcPeriodMs?: number;
  /** GC ticks an instance's minimum read point counts without a new report. @defaultValue 4 */
  mrplLeaseTicks?: number;
  /** A planted mistake to run with (docs/plants.md); absent in every ordinary run. */
  plant?: PlantName;
  /**
   * The object store the segment stages its PG's log to (docs/protocol.md §10, continuous backup).
   * Absent, staging is a point only: the log up to the SCL at each GC tick counts as staged.
   */
  objectStore?: string;
  /** Period of staging to the object store. @defaultValue 5000 */
  stagePeriodMs?: number;
  /** Delay of the first staging, so a PG's segments do not stage in lockstep. @defaultValue 0 */
  stageOffsetMs?: number;
  /** Most records one put carries. @defaultValue 4096 */
  stageMaxRecords?: number;
  /**
   * A segment of a restored or cloned volume (docs/protocol.md §10): it starts empty and waits for
   * its job's `restoreFrom`, then fetches its PG from `fetchFrom`: the object store (a restore), or
   * the source volume's segment in its slot (a clone; with `fullCopyMBps`, a full copy at that rate
   * rather than copy-on-write).
   */
  restore?: { job: string; fetchFrom: string; retryMs?: number; fullCopyMBps?: number };
  /**
   * A volume with a backtrack window (docs/protocol.md §10, backtrack): GC stays at or below the
   * floor its `backtrackFloor` signals give (none yet: no GC), so every point a backtrack in the
   * window may reach, and every record it may show again, is still a record of its own.
   */
  backtrackWindow?: boolean;
}

/** Where and how often a segment stages to the object store (set only when it has one). */
export interface SegmentStaging {
  objectStore: string;
  stagePeriodMs: number;
  stageOffsetMs: number;
  stageMaxRecords: number;
}

/** A batch waiting in the in-memory incoming queue (lost on crash). */
interface PendingWrite {
  via: 'write' | 'gossip';
  /** The writer (write) or gossip peer (gossip) it came from. */
  source: string;
  volumeEpoch: VolumeEpoch;
  records: readonly StoredRecord<RedoPayload>[] | WriteBatchMessage['records'];
  /** A gossip answer from a peer past our SCL's GC point: install its baseline first. */
  baseline?: Baseline;
}

/** A segment's fixed settings, from its input with the defaults filled in. */
export interface SegmentSettings {
  diskLatencySamplesMs: readonly number[];
  gossipPeriodMs: number;
  gossipOffsetMs: number;
  gossipMaxRecords: number;
  /** Gossip period while nothing suggests the segment is behind. */
  gossipIdlePeriodMs: number;
  /** Started as an empty replacement member (see {@link SegmentInput.hydrating}). */
  startsHydrating: boolean;
  gcPeriodMs: number;
  mrplLeaseTicks: number;
  /** The planted mistake, if any (set only when the input names one, so ordinary contexts are unchanged). */
  plant?: PlantName;
  /** Staging to an object store (set only when the input names one, so other contexts are unchanged). */
  staging?: SegmentStaging;
  /** The restore this segment starts waiting for (set only for a restored or cloned volume's segments). */
  restore?: { job: string; fetchFrom: string; retryMs: number; fullCopyMBps?: number };
}

/** A segment's garbage-collection bookkeeping. Kept with the log: it survives a crash. */
export interface SegmentGc {
  /**
   * The log up to here is staged to S3: the object store's staged point as it last answered, or,
   * without an object store, the SCL at the previous GC tick.
   */
  stagedLsn: Lsn;
  /** PGMRPL at recent GC ticks, oldest first: the candidate GC points. */
  mrplHistory: Lsn[];
  /** GC ticks since the segment last came online (no GC before a whole lease has passed). */
  ticksOnline: number;
  /** With a backtrack window: GC goes no higher (see `backtrackWindow`). */
  floorLsn?: Lsn;
}

/**
 * Context of {@link segmentMachine}. xstate's `assign` copies it with `Object.assign({}, …)`, and
 * V8 turns a copy of 20 or more fields into a slow dictionary object (~5 µs a copy on the
 * reference machine against ~0.25 µs at 19 fields): fixed settings and GC bookkeeping therefore
 * live in two nested objects, keeping the top level below that (test/models/segment-context.test.ts).
 */
export interface SegmentContext {
  self: string;
  pg: PgId;
  kind: 'full' | 'tail';
  peers: readonly string[];
  volumeEpoch: VolumeEpoch;
  membershipEpoch: MembershipEpoch;
  /** The hot log: survives crashes. A persistent value, replaced (never written into) by each update. */
  store: SegmentStore<RedoPayload>;
  /** Page reads and full copies for clones being served (their timer ids). Lost on crash. */
  pendingReads: string[];
  /** The in-memory incoming queue; the first `diskInFlight` batches are in the current IO. Lost on crash. */
  diskQueue: PendingWrite[];
  diskInFlight: number;
  diskSampleIndex: number;
  /** Disk latency multiplier (1 = normal; a latency outlier is e.g. 50). */
  diskSlowFactor: number;
  /** What the input fixed: never changes. */
  settings: SegmentSettings;
  /** Index of the next peer to pull from (round robin). */
  gossipCursor: number;
  /** Restarted or new: it may have missed writes and gossips at full rate until a peer has nothing newer. */
  catchingUp: boolean;
  /** Why the segment is down; it comes back when no cause remains. */
  downCauses: { process: boolean; node: boolean; az: boolean; region: boolean };
  /**
   * Each reporting instance's minimum read point for this PG and the GC ticks since its last
   * report. Kept with the log (it survives a crash), like the segment's epochs.
   */
  mrplByInstance: Record<string, { mrplLsn: Lsn; idleTicks: number }>;
  /** Garbage collection's own bookkeeping (see the file header). */
  gc: SegmentGc;
  stats: { batchesPersisted: number; recordsFromGossip: number; rejected: number; crashes: number; recordsCollected: number };
  /**
   * In a multi-writer cluster (docs/protocol.md §11.2): per block, the first change accepted per
   * page version (`page-conflicts.ts`; the newest versions only, `voteKept`). Kept with the log (it
   * survives a crash). Absent until the first page change arrives, so a single-writer segment's
   * context keeps its 19 fields.
   */
  pageVotes?: Readonly<Record<number, BlockVotes>>;
}

/** Events the segment handles: wire messages, its own timers, and signals. */
export type SegmentEvent =
  | WireMessage
  | { type: 'diskDone' }
  | { type: 'gossipTick' }
  | { type: 'gcTick' }
  | { type: 'stageTick' }
  | { type: 'restoreRetry'; throughLsn: Lsn; snapshot?: string; pgThroughLsn?: Lsn }
  | { type: 'cloneCopied'; to: string; message: RestoreDataMessage }
  | { type: 'backtrackFloor'; floorLsn: Lsn }
  | OutageSignal
  | ProcessSignal
  | SlowDiskSignal
  | { type: 'serveRead'; request: ReadPageMessage }
  | { type: 'retire' };

/** Timer ids (explicit: docs/determinism.md, "Where time and chance come from"). */
export const SEGMENT_DISK_TIMER = 'segment.disk';
export const SEGMENT_GOSSIP_TIMER = 'segment.gossip';
export const SEGMENT_GC_TIMER = 'segment.gc';
export const SEGMENT_STAGE_TIMER = 'segment.stage';
export const SEGMENT_RESTORE_TIMER = 'segment.restore';
/** Timer id of a full copy of this segment's PG for the clone segment `to`. */
export const cloneCopyTimerId = (to: string): string => `segment.cloneCopy.${to}`;
/** Timer id of one page read being served. */
export const readTimerId = (reader: string, requestId: number): string => `segment.read.${reader}.${requestId}`;

type DownCause = keyof SegmentContext['downCauses'];

function causeOf(event: OutageSignal | ProcessSignal): DownCause {
  return 'cause' in event ? event.cause : 'process';
}

/** Whether a restart or recovery leaves the segment with no cause to stay down. */
function noCauseLeftAfter(context: SegmentContext, event: SegmentEvent): boolean {
  if (event.type !== 'restart' && event.type !== 'recover') return false;
  const causes = { ...context.downCauses, [causeOf(event)]: false };
  return !causes.process && !causes.node && !causes.az && !causes.region;
}

/** The next disk latency, from the kernel's sample table. */
export function nextDiskDelayMs(context: SegmentContext): number {
  const samples = context.settings.diskLatencySamplesMs;
  const sample = samples.length === 0 ? 0 : (samples[context.diskSampleIndex % samples.length] as number);
  return sample * context.diskSlowFactor;
}

function epochAdopted(context: SegmentContext, volumeEpoch: number, via: EpochAdoptedObservation['via']): EpochAdoptedObservation {
  return { kind: 'epochAdopted', segment: context.self, pg: context.pg, volumeEpochBefore: context.volumeEpoch, volumeEpoch, via };
}

/** The observation of a truncation, with the SCL of `store`, the store after it. */
function truncationApplied(context: SegmentContext, store: SegmentStore, range: TruncationRange, dropped: readonly Lsn[]): TruncationAppliedObservation {
  return {
    kind: 'truncationApplied',
    segment: context.self,
    pg: context.pg,
    volumeEpoch: range.volumeEpoch,
    fromLsn: range.fromLsn,
    toLsn: range.toLsn,
    droppedLsns: dropped,
    scl: sclOf(store),
  };
}

/** The records `store` holds at `lsns` (just persisted there), for a `persisted` observation. */
function recordsAt(store: SegmentStore<RedoPayload>, lsns: readonly Lsn[]): StoredRecord<RedoPayload>[] {
  return lsns.map((lsn) => recordAt(store, lsn) as StoredRecord<RedoPayload>);
}

/** The answer to a storage health check from a segment in `state`. */
function segmentPong(context: SegmentContext, event: SegmentEvent, state: string): SendParams {
  const round = event.type === 'healthPing' ? event.round : -1;
  const to = event.type === 'healthPing' ? event.from : context.self;
  return { to, message: { type: 'segmentPong', from: context.self, round, pg: context.pg, state, scl: sclOf(context.store), membershipEpoch: context.membershipEpoch } };
}

/** Health-check handling for a state: the answer names the state and the SCL. */
const answersHealthAs = (state: string) => ({
  healthPing: {
    actions: {
      type: 'effects' as const,
      params: ({ context, event }: { context: SegmentContext; event: SegmentEvent }): EffectsParams => ({ effects: [{ kind: 'send', ...segmentPong(context, event, state) }] }),
    },
  },
});

const segmentBase = setup({
  types: {
    context: {} as SegmentContext,
    events: {} as SegmentEvent,
    input: {} as SegmentInput,
  },
  actions: {
    // Effects as data (docs/architecture.md, "One machine, two interpreters"): the interpreter
    // supplies the implementation. One list per action (models/effects.ts): the segment's events
    // are the hottest, and xstate resolves each named action separately.
    effects: unprovidedEffect<EffectsParams>('segment', 'effects'),
  },
  guards: {
    staleVolumeEpoch: ({ context, event }) =>
      (event.type === 'writeBatch' || event.type === 'recoveryOpen' || event.type === 'truncate') && event.volumeEpoch < context.volumeEpoch &&
      // Planted mistake: the fence no longer holds against an old writer (docs/plants.md).
      !(event.type === 'writeBatch' && context.settings.plant === 'ignore-volume-epoch'),
    staleMembershipEpoch: ({ context, event }) =>
      (event.type === 'writeBatch' || event.type === 'gossipPull' || event.type === 'gossipPush') &&
      event.membershipEpoch < context.membershipEpoch,
    noCauseLeft: ({ context, event }) => noCauseLeftAfter(context, event),
    caughtUp: ({ context, event }) => event.type === 'gossipPush' && event.scl <= sclOf(context.store),
    /** Started as an empty replacement member (named, so the exported statechart names it: docs/statecharts.md). */
    startsHydrating: ({ context }) => context.settings.startsHydrating,
    /** A restored volume's segment, waiting for its restore job (named for docs/statecharts.md). */
    startsRestoring: ({ context }) => context.settings.restore !== undefined,
    restoreRefused: ({ context, event }) => event.type === 'restoreData' && event.pg === context.pg && event.refused !== undefined,
    /** A clone's source segment has not got the clone point yet: the retry asks again. */
    sourceBehind: ({ context, event }) => event.type === 'restoreData' && event.pg === context.pg && event.refused === 'sourceBehind',
    pointCollected: ({ context, event }) => event.type === 'restoreData' && event.pg === context.pg && event.refused === 'pointCollected',
    restoreForMe: ({ context, event }) => event.type === 'restoreData' && event.pg === context.pg,
    /** A restored volume's segment that never got its data, back up: it waits for its job again. */
    backNeverRestored: ({ context, event }) => context.settings.restore !== undefined && context.store.log.count === 0 && noCauseLeftAfter(context, event),
    /** A newer configuration without this segment: it is retired (its data stays, unread). */
    retiredBy: ({ context, event }) =>
      event.type === 'membershipChange' && event.config.membershipEpoch > context.membershipEpoch && !event.config.members.includes(context.self),
  },
});

/** What the segment reports to the judges (the `observe` effects). */
type SegmentObservation =
  | PersistedObservation
  | EpochAdoptedObservation
  | TruncationAppliedObservation
  | BacktrackAppliedObservation
  | PageServedObservation
  | GcAdvancedObservation
  | ReadBelowGcObservation
  | PageVoteObservation;

/** Collects one action's sends and observations, in order, for its single `effects` action. */
class SegmentEffects {
  readonly list: ModelEffect[] = [];
  send(params: SendParams): void {
    this.list.push({ kind: 'send', to: params.to, message: params.message });
  }
  observe(observation: SegmentObservation): void {
    this.list.push({ kind: 'observe', observation });
  }
}

type SegmentEnqueueArgs = Parameters<Parameters<typeof segmentBase.enqueueActions>[0]>[0];

/**
 * An `enqueueActions` whose sends and observations go to one `effects` action enqueued at its end.
 * Only sends and observations are custom actions, so their order among themselves is all that
 * orders the trace; assigns change no effect, and both interpreters run delayed raises last.
 */
function segmentStep(collect: (args: SegmentEnqueueArgs, out: SegmentEffects) => void) {
  return segmentBase.enqueueActions((args) => {
    const out = new SegmentEffects();
    collect(args, out);
    if (out.list.length > 0) args.enqueue(effectsAction(out.list));
  });
}

/**
 * A batch (a writer's, or a peer's gossip answer) joins the in-memory queue. Returns the context
 * fields that change and, when the disk was idle, the delay of the IO this batch starts.
 */
function queuedWrite(
  context: SegmentContext,
  event: WriteBatchMessage | GossipPushMessage,
  out: SegmentEffects,
): { patch: Partial<SegmentContext>; diskDelayMs: number | undefined } {
  if (event.records.length === 0) return { patch: {}, diskDelayMs: undefined };
  const pending: PendingWrite =
    event.type === 'writeBatch'
      ? { via: 'write', source: event.from, volumeEpoch: event.volumeEpoch, records: event.records }
      : {
          via: 'gossip',
          source: event.from,
          volumeEpoch: context.volumeEpoch,
          records: event.records as readonly StoredRecord<RedoPayload>[],
          ...(event.baseline === undefined ? {} : { baseline: event.baseline }),
        };
  // A newer volume epoch means a new writer recovered the volume: adopt it (fence older ones).
  const adopted = event.type === 'writeBatch' && event.volumeEpoch > context.volumeEpoch ? event.volumeEpoch : undefined;
  // An idle disk starts an IO for this batch on its own.
  const idle = context.diskQueue.length === 0;
  if (adopted !== undefined) out.observe(epochAdopted(context, adopted, 'write'));
  return {
    patch: {
      diskQueue: [...context.diskQueue, pending],
      ...(adopted === undefined ? {} : { volumeEpoch: adopted }),
      ...(idle ? { diskInFlight: 1 } : {}),
    },
    diskDelayMs: idle ? nextDiskDelayMs(context) : undefined,
  };
}

/**
 * This segment's PG as of a clone point, for a clone's segment (see `serveClone`): its base pages
 * and baseline, and its records above the baseline up to the point. The bytes are what a full copy
 * moves: a page per base, a record's header and payload per record.
 */
function cloneImage(context: SegmentContext, event: RestoreFetchMessage): RestoreDataMessage {
  const { store } = context;
  const base = { type: 'restoreData' as const, from: context.self, pg: context.pg, throughLsn: event.throughLsn };
  const refused = (reason: 'sourceBehind' | 'pointCollected'): RestoreDataMessage => ({ ...base, bases: [], baseline: { gcPoint: 0 as Lsn, lastPgLsnAtGc: 0 as Lsn }, records: [], bytes: 0, refused: reason });
  // Below the SCL the segment holds every record of the PG; above its GC point it still holds each
  // one. Past the PG's last record at or below the point (when the clone knows it), it holds the
  // PG as of the point even if no later record has linked back yet.
  if (sclOf(store) < Math.min(event.throughLsn, event.pgThroughLsn ?? event.throughLsn)) return refused('sourceBehind');
  if (store.gcPoint > event.throughLsn) return refused('pointCollected');
  const bases = basesAbove(store, 0 as Lsn);
  const records = heldRecords(store).filter((record) => record.lsn > store.gcPoint && record.lsn <= event.throughLsn);
  let bytes = 0;
  for (const record of bases) bytes += recordBytes(record);
  for (const record of records) bytes += recordBytes(record);
  return { ...base, bases, baseline: baselineOf(store), records, bytes };
}

/**
 * The store after the truncation ranges a peer holds and this segment missed (it was down during a
 * recovery), and the peer's backtrack if it is newer than the one in force here.
 */
function learnedTruncations(context: SegmentContext, truncations: readonly TruncationRange[], out: SegmentEffects, backtrack?: BacktrackVisibility): SegmentStore<RedoPayload> {
  let store = backtrack === undefined ? context.store : backtracked(context, context.store, backtrack, out);
  for (const range of truncations) {
    if (holdsTruncation(store, range)) continue;
    const truncated = truncate(store, range);
    store = truncated.store;
    out.observe(truncationApplied(context, store, range, truncated.dropped));
  }
  return store;
}

/**
 * The store with a backtrack's hidden set installed (docs/protocol.md §10, backtrack), observed
 * when it moved records; the same store for a set no newer than the one in force.
 */
function backtracked(context: SegmentContext, store: SegmentStore<RedoPayload>, visibility: BacktrackVisibility, out: SegmentEffects): SegmentStore<RedoPayload> {
  if (store.backtrack !== undefined && store.backtrack.volumeEpoch >= visibility.volumeEpoch) return store;
  const result = applyBacktrack(store, visibility);
  out.observe({ kind: 'backtrackApplied', segment: context.self, pg: context.pg, volumeEpoch: visibility.volumeEpoch, hidden: result.hidden, shown: result.shown, scl: sclOf(result.store) });
  return result.store;
}

/**
 * Takes the fresher of each instance's report from a peer's table: an instance reports to the
 * members it knows, so a segment that joined later hears of it only through its peers. A
 * fresher report is a later one, and reports only move forward.
 */
function learnedMrpl(held: SegmentContext['mrplByInstance'], heard: GossipPushMessage['mrplByInstance']): SegmentContext['mrplByInstance'] {
  let table = held;
  for (const [instance, entry] of Object.entries(heard)) {
    const mine = table[instance];
    if (mine !== undefined && mine.idleTicks <= entry.idleTicks) continue;
    if (table === held) table = { ...table };
    table[instance] = { mrplLsn: entry.mrplLsn, idleTicks: entry.idleTicks };
  }
  return table;
}

/** The storage segment; see the file header. */
export const segmentMachine = segmentBase.extend({
  actions: {
    /** Queues a writer's batch for the disk; starts the disk if it was idle. */
    enqueueWrite: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'writeBatch') return;
      const { patch, diskDelayMs } = queuedWrite(context, event, out);
      // One assign for all fields (each assign copies the context and the snapshot).
      enqueue.assign(patch);
      if (diskDelayMs !== undefined) enqueue.raise({ type: 'diskDone' }, { delay: diskDelayMs, id: SEGMENT_DISK_TIMER });
    }),
    /**
     * A peer's gossip answer, in one assign: learn the truncation ranges and read-point reports it
     * carries, note whether it had anything beyond our SCL (then we are caught up with it), and
     * queue its records for the disk.
     */
    takeGossipPush: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'gossipPush') return;
      const store = learnedTruncations(context, event.truncations, out, event.backtrack);
      const mrplByInstance = learnedMrpl(context.mrplByInstance, event.mrplByInstance);
      const catchingUp = context.catchingUp && !(event.records.length === 0 && event.scl <= sclOf(store));
      const { patch, diskDelayMs } = queuedWrite({ ...context, store }, event, out);
      enqueue.assign({ store, mrplByInstance, catchingUp, ...patch });
      if (diskDelayMs !== undefined) enqueue.raise({ type: 'diskDone' }, { delay: diskDelayMs, id: SEGMENT_DISK_TIMER });
    }),
    /**
     * The disk finished an IO: every batch that was queued when it started is now durable in the
     * hot log (group commit). Each writer gets one ack carrying the SCL after the whole group; the
     * next IO takes whatever queued meanwhile.
     */
    persistGroup: segmentStep(({ context, enqueue }, out) => {
      const inFlight = Math.max(1, context.diskInFlight);
      const group = context.diskQueue.slice(0, inFlight);
      const waiting = context.diskQueue.slice(inFlight);
      let { store } = context;
      const acks: Record<string, { volumeEpoch: VolumeEpoch; lsnLast: Lsn }> = {};
      let batches = 0;
      let gossiped = 0;
      for (const pending of group) {
        if (pending.via === 'write' && pending.volumeEpoch < context.volumeEpoch && context.settings.plant !== 'ignore-volume-epoch') {
          // Fenced while queued: a recovery at a newer epoch has read this segment, so persisting an
          // older writer's records now could make durable what recovery did not see (S8a).
          const message: WireMessage = { type: 'writeReject', from: context.self, pg: context.pg, reason: 'staleVolumeEpoch', volumeEpoch: context.volumeEpoch, membershipEpoch: context.membershipEpoch };
          out.send({ to: pending.source, message });
        } else if (pending.via === 'write') {
          batches++;
          const persisted = persistRecords(store, pending.records, pending.volumeEpoch);
          store = persisted.store;
          const lsns = persisted.stored;
          out.observe({ kind: 'persisted', segment: context.self, pg: context.pg, source: pending.source, via: 'write', volumeEpoch: pending.volumeEpoch, segmentVolumeEpoch: context.volumeEpoch, lsns, scl: sclOf(store), records: recordsAt(store, lsns) });
          const last = pending.records[pending.records.length - 1]?.lsn ?? (0 as Lsn);
          const ack = acks[pending.source];
          acks[pending.source] = { volumeEpoch: pending.volumeEpoch, lsnLast: ack === undefined || ack.lsnLast < last ? last : ack.lsnLast };
        } else {
          gossiped += pending.records.length;
          let records = pending.records as readonly StoredRecord<RedoPayload>[];
          if (pending.baseline !== undefined) {
            const { gcPoint } = pending.baseline;
            store = installBaseline(store, pending.baseline, records.filter((record) => record.lsn <= gcPoint)).store;
            records = records.filter((record) => record.lsn > gcPoint);
          }
          const persisted = persistStoredRecords(store, records);
          store = persisted.store;
          const { storedByEpoch } = persisted;
          for (const [epoch, lsns] of Object.entries(storedByEpoch)) {
            out.observe({ kind: 'persisted', segment: context.self, pg: context.pg, source: pending.source, via: 'gossip', volumeEpoch: Number(epoch), segmentVolumeEpoch: context.volumeEpoch, lsns, scl: sclOf(store), records: recordsAt(store, lsns) });
          }
        }
      }
      for (const [to, ack] of Object.entries(acks)) {
        // Planted mistake: the SCL reported past a hole, at the highest record held (docs/plants.md).
        const scl = context.settings.plant === 'vcl-ignores-holes' ? highestLsn(store) : sclOf(store);
        const message: WireMessage = { type: 'writeAck', from: context.self, pg: context.pg, volumeEpoch: ack.volumeEpoch, scl, lsnLast: ack.lsnLast };
        out.send({ to, message });
      }
      const next = { ...context, diskSampleIndex: context.diskSampleIndex + 1 };
      enqueue.assign({
        store,
        diskQueue: waiting,
        diskSampleIndex: next.diskSampleIndex,
        diskInFlight: waiting.length,
        stats: {
          ...context.stats,
          batchesPersisted: context.stats.batchesPersisted + batches,
          recordsFromGossip: context.stats.recordsFromGossip + gossiped,
        },
      });
      if (waiting.length > 0) {
        enqueue.raise({ type: 'diskDone' }, { delay: nextDiskDelayMs(next), id: SEGMENT_DISK_TIMER });
      }
    }),
    reject: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type === 'writeBatch') {
        const reason = event.volumeEpoch < context.volumeEpoch ? 'staleVolumeEpoch' : 'staleMembershipEpoch';
        out.send({
            to: event.from,
            message: { type: 'writeReject', from: context.self, pg: context.pg, reason, volumeEpoch: context.volumeEpoch, membershipEpoch: context.membershipEpoch },
          });
      } else if (event.type === 'gossipPull') {
        const members = [context.self, ...context.peers];
        out.send({ to: event.from, message: { type: 'gossipReject', from: context.self, pg: context.pg, membershipEpoch: context.membershipEpoch, members } });
      }
      enqueue.assign({ stats: { ...context.stats, rejected: context.stats.rejected + 1 } });
    }),
    /**
     * Pull from the next peer in turn, then re-arm the gossip timer: at the gossip period while the
     * segment may be behind (just restarted, hydrating, or holding records above a hole in its
     * chain), at the slower anti-entropy period otherwise, so an idle 64 TB volume does not spend
     * its time gossiping.
     */
    gossipPull: segmentStep(({ context, enqueue }, out) => {
      const peer = context.peers[context.gossipCursor % Math.max(1, context.peers.length)];
      // Planted mistake: never pull from a peer, so holes stay open (docs/plants.md).
      if (peer !== undefined && context.settings.plant !== 'no-gossip') {
        const { backtrack } = context.store;
        const message: GossipPullMessage = {
          type: 'gossipPull',
          from: context.self,
          pg: context.pg,
          scl: sclOf(context.store),
          membershipEpoch: context.membershipEpoch,
          truncations: context.store.truncations,
          ...(backtrack === undefined ? {} : { backtrack }),
        };
        out.send({ to: peer, message });
      }
      enqueue.assign({ gossipCursor: context.gossipCursor + 1 });
      const behind = context.catchingUp || highestLsn(context.store) > sclOf(context.store);
      enqueue.raise({ type: 'gossipTick' }, { delay: behind ? context.settings.gossipPeriodMs : context.settings.gossipIdlePeriodMs, id: SEGMENT_GOSSIP_TIMER });
    }),
    /** After a (re)start the segment may have missed writes: gossip at full rate until caught up. */
    startCatchingUp: segmentBase.assign({ catchingUp: true }),
    /** Answer a pull with what the peer is missing (possibly nothing: it then knows it is caught up). */
    gossipAnswer: segmentBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'gossipPull') return;
      const { store } = context;
      // A peer behind our GC point cannot be sent the records we coalesced: send the base pages
      // above its SCL and our baseline instead (full-segment repair, docs/protocol.md §6, gossip,
      // repair and GC).
      const behindGc = event.scl < store.gcPoint;
      const records = behindGc
        ? [...basesAbove(store, event.scl), ...recordsAbove(store, store.gcPoint, context.settings.gossipMaxRecords)]
        : recordsAbove(store, event.scl, context.settings.gossipMaxRecords);
      const message: GossipPushMessage = {
        type: 'gossipPush',
        from: context.self,
        pg: context.pg,
        scl: sclOf(store),
        membershipEpoch: context.membershipEpoch,
        records,
        truncations: store.truncations,
        ...(store.backtrack === undefined ? {} : { backtrack: store.backtrack }),
        mrplByInstance: context.mrplByInstance,
        ...(behindGc ? { baseline: baselineOf(store) } : {}),
      };
      enqueue(effectsAction([{ kind: 'send', to: event.from, message }]));
    }),
    /** Learns truncation ranges a peer holds and this segment missed (it was down during a recovery). */
    learnTruncations: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'gossipPull') return;
      const store = learnedTruncations(context, event.truncations, out, event.backtrack);
      if (store !== context.store) enqueue.assign({ store });
    }),
    /**
     * A recovery read (docs/protocol.md §7.1, recovery step 2): adopt the new volume epoch first —
     * from now on older writers are rejected — then report the SCL and every record held above the
     * anchor. Below the GC point those are base pages; the GC point tells recovery where they end.
     */
    answerRecovery: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'recoveryOpen') return;
      if (event.volumeEpoch > context.volumeEpoch) {
        enqueue.assign({ volumeEpoch: event.volumeEpoch });
        out.observe(epochAdopted(context, event.volumeEpoch, 'recoveryOpen'));
      }
      // A backtrack's recovery reads the volume as it was at the time gone back to: hide first.
      const store = event.backtrack === undefined ? context.store : backtracked(context, context.store, event.backtrack, out);
      if (store !== context.store) enqueue.assign({ store });
      const records = recordsAbove(store, event.anchorLsn, Number.MAX_SAFE_INTEGER);
      const message: WireMessage = {
        type: 'recoveryState',
        from: context.self,
        pg: context.pg,
        volumeEpoch: event.volumeEpoch,
        scl: sclOf(store),
        records,
        truncations: store.truncations,
        gcPoint: store.gcPoint,
        lastPgLsnAtGc: store.lastPgLsnAtGc,
      };
      out.send({ to: event.from, message });
    }),
    /**
     * A multi-writer's page change (docs/protocol.md §11.2): the first change per page version is
     * accepted and kept, any other is a conflict; the vote goes back to the writer with the change
     * that holds the version here, and to the judges (S19).
     */
    votePage: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'pageChange') return;
      const { blocks, vote, holder } = voteKept(context.pageVotes ?? {}, event.change);
      if (blocks !== context.pageVotes) enqueue.assign({ pageVotes: blocks });
      out.observe({ kind: 'pageVote', segment: context.self, change: event.change, vote });
      out.send({ to: event.from, message: { type: 'pageVote', from: context.self, change: event.change, vote, holder } });
    }),
    /** Applies (and keeps) an epoch-versioned truncation range, then acknowledges (SIGMOD'17 §4.3). */
    applyTruncation: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'truncate') return;
      if (event.volumeEpoch > context.volumeEpoch) {
        enqueue.assign({ volumeEpoch: event.volumeEpoch });
        out.observe(epochAdopted(context, event.volumeEpoch, 'truncate'));
      }
      let { store } = context;
      // Planted mistake: acknowledge the range but keep the records it annuls (docs/plants.md).
      if (!holdsTruncation(store, event.range) && context.settings.plant !== 'no-truncation-range') {
        const truncated = truncate(store, event.range);
        store = truncated.store;
        enqueue.assign({ store });
        out.observe(truncationApplied(context, store, event.range, truncated.dropped));
      }
      const message: WireMessage = { type: 'truncateAck', from: context.self, pg: context.pg, volumeEpoch: event.volumeEpoch, scl: sclOf(store) };
      out.send({ to: event.from, message });
    }),
    /**
     * A page read (docs/protocol.md §5, reads): materialise the block at the read point from its
     * chain. The reader chose this segment because its SCL covers the read point (no quorum read).
     * Only full segments hold blocks (SIGMOD'18 §4.2).
     */
    /** A page read costs a disk read: answer after the disk latency (a slow disk is slow here too). */
    queueRead: segmentBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'readPage') return;
      const id = readTimerId(event.from, event.requestId);
      enqueue.assign({ pendingReads: [...context.pendingReads, id], diskSampleIndex: context.diskSampleIndex + 1 });
      enqueue.raise({ type: 'serveRead', request: event }, { delay: nextDiskDelayMs(context), id });
    }),
    servePage: segmentStep(({ context, event: served, enqueue }, out) => {
      if (served.type !== 'serveRead') return;
      const event = served.request;
      enqueue.assign({ pendingReads: context.pendingReads.filter((id) => id !== readTimerId(event.from, event.requestId)) });
      // Storage accepts a read only when complete to its read point (docs/protocol.md §5, reads;
      // §13, V1): SCL at or above the PG's last record at or below it. A replica cannot know SCLs;
      // it asks the next.
      const complete = sclOf(context.store) >= Math.min(event.sclMin ?? event.readPoint, event.readPoint);
      if (context.kind === 'tail' || event.volumeEpoch < context.volumeEpoch || !complete) {
        const reason = context.kind === 'tail' ? 'tailSegment' : event.volumeEpoch < context.volumeEpoch ? 'staleVolumeEpoch' : 'notComplete';
        out.send({ to: event.from, message: { type: 'readReject', from: context.self, requestId: event.requestId, reason } });
        return;
      }
      if (event.readPoint < context.store.gcPoint) {
        // The versions this read needs were coalesced (S14): refuse rather than answer wrongly.
        const { gcPoint } = context.store;
        out.observe({ kind: 'readBelowGc', segment: context.self, pg: context.pg, instance: event.from, readPoint: event.readPoint, gcPoint });
        out.send({ to: event.from, message: { type: 'readReject', from: context.self, requestId: event.requestId, reason: 'belowGcPoint' } });
        return;
      }
      const values = materializePage(blockChainAt(context.store, event.blockId, event.readPoint));
      out.observe({ kind: 'pageServed', segment: context.self, pg: context.pg, blockId: event.blockId, readPoint: event.readPoint, segmentKind: context.kind, values });
      const message: WireMessage = { type: 'pageData', from: context.self, requestId: event.requestId, pg: context.pg, blockId: event.blockId, readPoint: event.readPoint, values };
      out.send({ to: event.from, message });
    }),
    /** A membership change (docs/protocol.md §8, membership changes): adopt the newer epoch and member set, and ack. */
    adoptMembership: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'membershipChange') return;
      const { config } = event;
      const newer = config.membershipEpoch > context.membershipEpoch;
      if (newer) {
        enqueue.assign({ membershipEpoch: config.membershipEpoch, peers: config.members.filter((member) => member !== context.self) });
      }
      const membershipEpoch = newer ? config.membershipEpoch : context.membershipEpoch;
      out.send({ to: event.from, message: { type: 'membershipAck', from: context.self, pg: context.pg, membershipEpoch } });
    }),
    /**
     * A peer refused our pull because our membership epoch is stale: the writer's
     * `membershipChange` never reached us. If the peer's newer configuration still has us, adopt
     * its epoch and member set, exactly as the writer's message would have set them
     * (docs/semantics.md, "Membership changes"). If it does not, we stay as we are: whether we
     * are retired or brought back (an AZ that returns after the PG degraded to 3/4) is the storage
     * control plane's decision, told by the writer, not a peer's.
     */
    adoptPeerMembership: segmentBase.assign(({ context, event }) => {
      if (event.type !== 'gossipReject' || event.membershipEpoch <= context.membershipEpoch || !event.members.includes(context.self)) return {};
      return { membershipEpoch: event.membershipEpoch, peers: event.members.filter((member) => member !== context.self) };
    }),
    rejectStaleEpoch: segmentBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'recoveryOpen' && event.type !== 'truncate') return;
      const message: WireMessage = { type: 'writeReject', from: context.self, pg: context.pg, reason: 'staleVolumeEpoch', volumeEpoch: context.volumeEpoch, membershipEpoch: context.membershipEpoch };
      enqueue(effectsAction([{ kind: 'send', to: event.from, message }]));
    }),
    /** An instance's minimum read point (docs/protocol.md §13, V11): reports only move forward. */
    recordMrpl: segmentBase.assign({
      mrplByInstance: ({ context, event }) => {
        if (event.type !== 'setMrpl') return context.mrplByInstance;
        const held = context.mrplByInstance[event.from];
        const mrplLsn = held === undefined || held.mrplLsn < event.mrplLsn ? event.mrplLsn : held.mrplLsn;
        return { ...context.mrplByInstance, [event.from]: { mrplLsn, idleTicks: 0 } };
      },
    }),
    /**
     * Staging and GC (see the file header): expire silent instances, collect below
     * min(PGMRPL, staged point), then stage up to the SCL for the next tick.
     */
    collectAndStage: segmentStep(({ context, enqueue }, out) => {
      let { store } = context;
      const { gc, settings } = context;
      const table: SegmentContext['mrplByInstance'] = {};
      let pgMrpl = Number.POSITIVE_INFINITY;
      for (const [instance, entry] of Object.entries(context.mrplByInstance)) {
        if (entry.idleTicks + 1 > settings.mrplLeaseTicks) continue;
        table[instance] = { mrplLsn: entry.mrplLsn, idleTicks: entry.idleTicks + 1 };
        pgMrpl = Math.min(pgMrpl, entry.mrplLsn);
      }
      const ticks = gc.ticksOnline + 1;
      const limit = Math.min(pgMrpl, gc.stagedLsn, gc.floorLsn ?? Number.POSITIVE_INFINITY);
      let target = store.gcPoint;
      // A backtrack window's floor caps each candidate: collecting lower than a past PGMRPL is as safe.
      const floor = gc.floorLsn ?? Number.POSITIVE_INFINITY;
      for (const past of gc.mrplHistory) {
        const candidate = Math.min(past, floor) as Lsn;
        if (candidate <= limit && candidate > target) target = candidate;
      }
      let dropped = 0;
      if (ticks > settings.mrplLeaseTicks && Number.isFinite(pgMrpl) && target > store.gcPoint) {
        const before = store.gcPoint;
        ({ store, dropped } = collectGarbage(store, target));
        if (store.gcPoint !== before) {
          out.observe({ kind: 'gcAdvanced', segment: context.self, pg: context.pg, gcPoint: store.gcPoint, mrplLsn: pgMrpl, stagedLsn: gc.stagedLsn, scl: sclOf(store), live: Object.keys(table), droppedRecords: dropped });
        }
      }
      const history = Number.isFinite(pgMrpl) ? [...gc.mrplHistory, pgMrpl as Lsn].slice(-settings.mrplLeaseTicks) : gc.mrplHistory;
      enqueue.assign({
        store,
        mrplByInstance: table,
        // With an object store, only its answers move the staged point (see `learnStagedPoint`).
        gc: { ...gc, mrplHistory: history, stagedLsn: settings.staging === undefined ? sclOf(store) : gc.stagedLsn, ticksOnline: ticks },
        stats: dropped > 0 ? { ...context.stats, recordsCollected: context.stats.recordsCollected + dropped } : context.stats,
      });
      enqueue.raise({ type: 'gcTick' }, { delay: settings.gcPeriodMs, id: SEGMENT_GC_TIMER });
    }),
    /** Asks the object store for the PG as of the restore point, and again after `retryMs` (lost, throttled). */
    fetchRestore: segmentStep(({ context, event, enqueue }, out) => {
      const { restore } = context.settings;
      if (restore === undefined || (event.type !== 'restoreFrom' && event.type !== 'restoreRetry')) return;
      const snapshot = event.snapshot === undefined ? {} : { snapshot: event.snapshot };
      const pgPoint = event.pgThroughLsn === undefined ? {} : { pgThroughLsn: event.pgThroughLsn };
      const copy = restore.fullCopyMBps === undefined ? {} : { fullCopyMBps: restore.fullCopyMBps };
      out.send({ to: restore.fetchFrom, message: { type: 'restoreFetch', from: context.self, pg: context.pg, throughLsn: event.throughLsn, ...snapshot, ...pgPoint, ...copy } });
      enqueue.raise({ type: 'restoreRetry', throughLsn: event.throughLsn, ...snapshot, ...pgPoint }, { delay: restore.retryMs, id: SEGMENT_RESTORE_TIMER });
    }),
    /**
     * A clone's segment asks for this PG as of the clone point (docs/protocol.md §10, fast
     * clones): the base pages, the baseline and the records up to the point, the very page
     * versions this segment holds (copy-on-write shares them; neither side ever writes into one).
     * A full copy moves the bytes first, at the rate asked. Refused while the SCL is below the
     * point (the clone asks again), and for good once GC has coalesced past it.
     */
    serveClone: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'restoreFetch' || event.pg !== context.pg) return;
      const message = cloneImage(context, event);
      if (event.fullCopyMBps === undefined || message.refused !== undefined) {
        out.send({ to: event.from, message });
        return;
      }
      // One copy at a time per clone segment: its retries while a long copy runs wait for that one.
      const id = cloneCopyTimerId(event.from);
      if (context.pendingReads.includes(id)) return;
      enqueue.assign({ pendingReads: [...context.pendingReads, id] });
      enqueue.raise({ type: 'cloneCopied', to: event.from, message }, { delay: message.bytes / (event.fullCopyMBps * 1000), id });
    }),
    /** The backtrack window moved on: GC may go up to the new floor (it never comes down). */
    raiseGcFloor: segmentBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'backtrackFloor' || context.gc.floorLsn === undefined || event.floorLsn <= context.gc.floorLsn) return;
      enqueue.assign({ gc: { ...context.gc, floorLsn: event.floorLsn } });
    }),
    /** A full copy is through: it goes to the clone's segment. */
    sendCloneCopy: segmentStep(({ context, event, enqueue }, out) => {
      if (event.type !== 'cloneCopied') return;
      const id = cloneCopyTimerId(event.to);
      enqueue.assign({ pendingReads: context.pendingReads.filter((pending) => pending !== id) });
      out.send({ to: event.to, message: event.message });
    }),
    /**
     * The PG as of the restore point: the snapshot's base pages and baseline (as a full-segment
     * repair installs a peer's, docs/protocol.md §6), then the staged records above it.
     */
    installRestore: segmentStep(({ context, event, enqueue }, out) => {
      const { restore } = context.settings;
      if (restore === undefined || event.type !== 'restoreData') return;
      let store = context.store;
      if (event.baseline.gcPoint > store.gcPoint) store = installBaseline(store, event.baseline, event.bases).store;
      store = persistStoredRecords(store, event.records).store;
      enqueue.cancel(SEGMENT_RESTORE_TIMER);
      enqueue.assign({ store });
      out.send({ to: restore.job, message: { type: 'segmentRestored', from: context.self, pg: context.pg, throughLsn: event.throughLsn, bytes: event.bytes } });
    }),
    reportRestoreRefused: segmentStep(({ context, event, enqueue }, out) => {
      const { restore } = context.settings;
      // A source behind the point is no refusal: the retry asks again (the `sourceBehind` guard).
      if (restore === undefined || event.type !== 'restoreData' || event.refused === undefined || event.refused === 'sourceBehind') return;
      enqueue.cancel(SEGMENT_RESTORE_TIMER);
      out.send({ to: restore.job, message: { type: 'segmentRestoreFailed', from: context.self, pg: context.pg, throughLsn: event.throughLsn, reason: event.refused } });
    }),
    startGc: segmentBase.enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ gc: { ...context.gc, ticksOnline: 0 } });
      if (context.settings.gcPeriodMs > 0) enqueue.raise({ type: 'gcTick' }, { delay: context.settings.gcPeriodMs, id: SEGMENT_GC_TIMER });
      const { staging } = context.settings;
      if (staging !== undefined) enqueue.raise({ type: 'stageTick' }, { delay: staging.stageOffsetMs, id: SEGMENT_STAGE_TIMER });
    }),
    /** Staging (docs/protocol.md §10): ask the object store how far the PG is staged, then again a period later. */
    askStagedPoint: segmentStep(({ context, enqueue }, out) => {
      const { staging } = context.settings;
      if (staging === undefined) return;
      out.send({ to: staging.objectStore, message: { type: 'stageQuery', from: context.self, pg: context.pg } });
      enqueue.raise({ type: 'stageTick' }, { delay: staging.stagePeriodMs, id: SEGMENT_STAGE_TIMER });
    }),
    /**
     * The object store's staged point: everything of the PG at or below it is in the store, so GC
     * may collect up to it (S14). Answering a query, once a staging period has passed since the
     * point last moved, the segment puts what it holds above that point, up to its SCL and to the
     * highest VDL it knows was reached: the PG's records there are all in its log, never
     * coalesced, since its GC point never passes a staged point the store gave it.
     */
    learnStagedPoint: segmentStep(({ context, event, enqueue }, out) => {
      const { staging } = context.settings;
      if (event.type !== 'stagedPoint' || staging === undefined) return;
      const { store, gc } = context;
      if (event.stagedLsn > gc.stagedLsn) enqueue.assign({ gc: { ...gc, stagedLsn: event.stagedLsn } });
      // Only records at or below a VDL some writer reached are staged: no truncation range ever
      // annuls one (recovery's VDL' is at least every VDL reached, SIGMOD'17 §4.3), so what the
      // store coalesces into page snapshots stays true. The highest minimum read point any
      // instance reported is such a VDL (a writer reports at most its VDL, a replica less).
      let reached = 0;
      for (const entry of Object.values(context.mrplByInstance)) if (entry.mrplLsn > reached) reached = entry.mrplLsn;
      const scl = Math.min(sclOf(store), reached) as Lsn;
      // The PG is staged once a period, by whichever member asks first once it is due; a put that
      // took all a put may carry leaves a backlog, which the same member puts at once.
      const due = event.request === 'query' ? event.stagedAgeMs >= staging.stagePeriodMs : event.more === true;
      if (!due || scl <= event.stagedLsn || event.stagedLsn < store.gcPoint) return;
      const records = recordsAbove(store, event.stagedLsn, staging.stageMaxRecords).filter((record) => record.lsn <= scl);
      if (records.length === 0) return;
      const full = records.length === staging.stageMaxRecords;
      const throughLsn = full ? (records[records.length - 1] as StoredRecord<RedoPayload>).lsn : scl;
      out.send({
        to: staging.objectStore,
        message: { type: 'stagePut', from: context.self, pg: context.pg, afterLsn: event.stagedLsn, throughLsn, records, truncations: store.truncations, ...(full && throughLsn < scl ? { more: true as const } : {}) },
      });
    }),
    startGossip: segmentBase.raise({ type: 'gossipTick' }, {
      delay: ({ context }) => context.settings.gossipOffsetMs,
      id: SEGMENT_GOSSIP_TIMER,
    }),
    /** A crash or power cut: the in-memory queue and timers are gone; the hot log stays. */
    loseVolatileState: enqueueActions(({ context, enqueue }) => {
      enqueue.cancel(SEGMENT_DISK_TIMER);
      enqueue.cancel(SEGMENT_GOSSIP_TIMER);
      enqueue.cancel(SEGMENT_GC_TIMER);
      enqueue.cancel(SEGMENT_STAGE_TIMER);
      enqueue.cancel(SEGMENT_RESTORE_TIMER);
      for (const id of (context as SegmentContext).pendingReads) enqueue.cancel(id);
      enqueue.assign({ diskQueue: [], diskInFlight: 0, pendingReads: [] });
    }),
    setCause: assign(({ context, event }) => {
      if (event.type !== 'crash' && event.type !== 'outage' && event.type !== 'restart' && event.type !== 'recover') return {};
      const down = event.type === 'crash' || event.type === 'outage';
      return {
        downCauses: { ...context.downCauses, [causeOf(event)]: down },
        stats: event.type === 'crash' ? { ...context.stats, crashes: context.stats.crashes + 1 } : context.stats,
      };
    }),
    setSlowFactor: assign({ diskSlowFactor: ({ context, event }) => (event.type === 'slowDisk' ? event.factor : context.diskSlowFactor) }),
  },
}).createMachine({
  id: 'segment',
  context: ({ input }) => ({
    self: input.self,
    pg: input.pg as PgId,
    kind: input.kind,
    peers: input.peers,
    volumeEpoch: (input.volumeEpoch ?? 1) as VolumeEpoch,
    membershipEpoch: (input.membershipEpoch ?? 1) as MembershipEpoch,
    store: createSegmentStore<RedoPayload>(input.pg as PgId),
    pendingReads: [],
    diskQueue: [],
    diskInFlight: 0,
    diskSampleIndex: input.diskSampleOffset ?? 0,
    diskSlowFactor: 1,
    settings: {
      diskLatencySamplesMs: input.diskLatencySamplesMs,
      gossipPeriodMs: input.gossipPeriodMs ?? 100,
      gossipOffsetMs: input.gossipOffsetMs ?? 0,
      gossipMaxRecords: input.gossipMaxRecords ?? 512,
      gossipIdlePeriodMs: input.gossipIdlePeriodMs ?? 10 * (input.gossipPeriodMs ?? 100),
      startsHydrating: input.hydrating ?? false,
      gcPeriodMs: input.gcPeriodMs ?? 500,
      mrplLeaseTicks: input.mrplLeaseTicks ?? 4,
      ...(input.plant === undefined ? {} : { plant: input.plant }),
      ...(input.restore === undefined ? {} : { restore: { ...input.restore, retryMs: input.restore.retryMs ?? 1_000 } }),
      ...(input.objectStore === undefined
        ? {}
        : {
            staging: {
              objectStore: input.objectStore,
              stagePeriodMs: input.stagePeriodMs ?? 5000,
              stageOffsetMs: input.stageOffsetMs ?? 0,
              stageMaxRecords: input.stageMaxRecords ?? 4096,
            },
          }),
    },
    gossipCursor: 0,
    catchingUp: true,
    downCauses: { process: false, node: false, az: false, region: false },
    mrplByInstance: {},
    gc: { stagedLsn: 0 as Lsn, mrplHistory: [], ticksOnline: 0, ...(input.backtrackWindow === true ? { floorLsn: 0 as Lsn } : {}) },
    stats: { batchesPersisted: 0, recordsFromGossip: 0, rejected: 0, crashes: 0, recordsCollected: 0 },
  }),
  initial: 'booting',
  states: {
    booting: {
      always: [{ guard: 'startsRestoring', target: 'restoring' }, { guard: 'startsHydrating', target: 'online.hydrating' }, { target: 'online' }],
    },
    /**
     * A restored volume's segment (docs/protocol.md §10): empty and idle until its job asks, then
     * fetching its PG from the object store; online once it holds it. Down meanwhile (its AZ out),
     * it misses the restore; back up and still empty, it waits here again, and the job, which asks
     * every segment not yet restored once a second, asks it.
     */
    restoring: {
      initial: 'waiting',
      on: {
        crash: { target: 'down', actions: 'setCause' },
        outage: { target: 'down', actions: 'setCause' },
        retire: { target: 'retired' },
      },
      states: {
        waiting: {
          on: { restoreFrom: { target: 'fetching', actions: 'fetchRestore' } },
        },
        fetching: {
          on: {
            restoreRetry: { actions: 'fetchRestore' },
            restoreData: [
              { guard: 'sourceBehind' },
              // The source coalesced past the clone point: the PG comes from this volume's peers instead, by repair (docs/protocol.md §6).
              { guard: 'pointCollected', target: '#segment.online.hydrating', actions: 'reportRestoreRefused' },
              { guard: 'restoreRefused', target: 'waiting', actions: 'reportRestoreRefused' },
              { guard: 'restoreForMe', target: '#segment.online', actions: 'installRestore' },
            ],
          },
        },
      },
    },
    online: {
      initial: 'up',
      entry: ['startCatchingUp', 'startGossip', 'startGc'],
      on: {
        writeBatch: [{ guard: 'staleVolumeEpoch', actions: 'reject' }, { guard: 'staleMembershipEpoch', actions: 'reject' }, { actions: 'enqueueWrite' }],
        gossipPull: [{ guard: 'staleMembershipEpoch', actions: 'reject' }, { actions: ['learnTruncations', 'gossipAnswer'] }],
        recoveryOpen: [{ guard: 'staleVolumeEpoch', actions: 'rejectStaleEpoch' }, { actions: 'answerRecovery' }],
        membershipChange: [{ guard: 'retiredBy', target: 'retired', actions: 'adoptMembership' }, { actions: 'adoptMembership' }],
        gossipReject: { actions: 'adoptPeerMembership' },
        restoreFetch: { actions: 'serveClone' },
        cloneCopied: { actions: 'sendCloneCopy' },
        backtrackFloor: { actions: 'raiseGcFloor' },
        readPage: { actions: 'queueRead' },
        pageChange: { actions: 'votePage' },
        setMrpl: { actions: 'recordMrpl' },
        gcTick: { actions: 'collectAndStage' },
        stageTick: { actions: 'askStagedPoint' },
        stagedPoint: { actions: 'learnStagedPoint' },
        serveRead: { actions: 'servePage' },
        truncate: [{ guard: 'staleVolumeEpoch', actions: 'rejectStaleEpoch' }, { actions: 'applyTruncation' }],
        diskDone: { actions: 'persistGroup' },
        gossipTick: { actions: 'gossipPull' },
        slowDisk: { actions: 'setSlowFactor' },
        crash: { target: 'down', actions: 'setCause' },
        outage: { target: 'down', actions: 'setCause' },
        retire: { target: 'retired' },
      },
      states: {
        up: {
          on: {
            ...answersHealthAs('online.up'),
            gossipPush: [{ guard: 'staleMembershipEpoch' }, { actions: 'takeGossipPush' }],
          },
        },
        hydrating: {
          on: {
            ...answersHealthAs('online.hydrating'),
            gossipPush: [
              { guard: 'staleMembershipEpoch' },
              // A peer with nothing beyond our SCL: caught up with at least one member.
              { guard: 'caughtUp', target: 'up', actions: 'takeGossipPush' },
              { actions: 'takeGossipPush' },
            ],
          },
        },
      },
    },
    down: {
      tags: ['offline'],
      entry: 'loseVolatileState',
      on: {
        crash: { actions: 'setCause' },
        outage: { actions: 'setCause' },
        restart: [
          { guard: 'backNeverRestored', target: 'restoring', actions: 'setCause' },
          { guard: 'noCauseLeft', target: 'online', actions: 'setCause' },
          { actions: 'setCause' },
        ],
        recover: [
          { guard: 'backNeverRestored', target: 'restoring', actions: 'setCause' },
          { guard: 'noCauseLeft', target: 'online', actions: 'setCause' },
          { actions: 'setCause' },
        ],
        slowDisk: { actions: 'setSlowFactor' },
        retire: { target: 'retired' },
      },
    },
    retired: {
      tags: ['offline'],
      entry: 'loseVolatileState',
    },
  },
});
