/**
 * The Global Database's cross-region replicator (docs/protocol.md §11.1, the rules we take; §13,
 * G1): an rxjs pipeline on the virtual clock that ships the primary writer's redo, in whole MTRs,
 * with the primary VDL as it advances and the commits the primary acknowledged, to the replication
 * agent of each secondary region (`replication:<region>`, models/global-applier.machine.ts) as
 * `globalApply`.
 *
 * One replicator per secondary: each keeps its own queue of whole MTRs not yet shipped, its
 * highest shipped LSN and shipped VDL, and ships on its own boxcar interval, so a slow or cut-off
 * region never holds another back.
 *
 * - **Whole MTRs.** Records are queued only once their MTR's CPL has been published; a message
 *   ends on an MTR boundary, so the secondary never holds half an MTR (§3: a consistency point is
 *   a CPL). A batch limit splits a large backlog into several messages, each ending on an MTR
 *   boundary; an MTR larger than the limit still goes whole, alone.
 * - **VDL never ahead of the records (§12, S17).** A message carries the newest VDL the primary
 *   published that is at or below the highest LSN shipped to that secondary, this message
 *   included: telling a secondary of a VDL above the records it has would let its durable LSN
 *   (`secondaryDurableLsn`) rest on records that are not there.
 * - **Pause and catch-up.** While a region's link is paused nothing is sent to it and its backlog
 *   is kept; on resume the backlog goes out in order. This is how a region cut off from the
 *   primary catches up.
 * - **Numbered, acknowledged, sent again.** Each region's messages are numbered from 1; the agent
 *   acknowledges the highest it took in order (`globalApplyAck`, cumulative), keeps what arrives
 *   after a gap and lists the numbers it lacks below what it keeps. A listed message was lost (it
 *   was overtaken, and links are FIFO unless they reorder) and goes again at once; one already
 *   sent again goes once more only after a round trip without it (smoothed over messages
 *   acknowledged after one send, as TCP measures it). Every message not acknowledged goes again
 *   once `resendAfterMs` has passed since it was last sent. A cross-region link that loses
 *   messages delays the secondary; it never leaves a hole in it.
 *
 * Each region's messages leave from an endpoint of its own, `replicator:<region>`, placed where
 * the primary's writer is, so the network's cross-region latency, loss and partitions apply to
 * them. The replicator lives with the writer whose redo it carries: while that writer is down
 * (its instance crashed, its AZ or region out) nothing of its redo is sent or sent again, so
 * what had not left the primary region when it failed never reaches a secondary, which is what
 * a lost suffix is (§13, G5). A message never mixes two writers' records. Every time operator
 * takes the kernel clock's scheduler.
 */
import { Observable, Subject } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { GlobalApplyAckMessage, GlobalApplyMessage, RedoRecord } from '../../models/messages.js';
import type { Locality, Network } from '../kernel/network.js';
import type { GlobalObservation, LsnTime } from '../protocol/global.js';
import { durabilityLagMs } from '../protocol/global.js';
import type { Lsn, RegionId } from '../protocol/ids.js';
import { LSN_ZERO } from '../protocol/ids.js';
import { globalApplierId, globalReplicatorId } from './topology.js';
import type { WorldEvent } from './host.js';
import { boxcar, writerPublications } from './streams.js';
import type { WriterPublication } from './streams.js';

/** How one secondary's replicator ships. */
export interface GlobalLinkOptions {
  /** Boxcar delay after the first new item, in ms; 0 ships at the end of each step, as replicas get it. @defaultValue 0 */
  shipIntervalMs?: number;
  /** The most records in one message; a backlog above it goes in several. @defaultValue Infinity */
  maxBatchRecords?: number;
}

/** Options of {@link shipRedoToRegions}. */
export interface GlobalShippingOptions {
  /** The world's events: the writers' `redo` and `vdl` publications and `commitAck` observations. */
  events$: Observable<WorldEvent>;
  network: Network;
  scheduler: SchedulerLike;
  /** The primary region: the `from` of the `shipped` observations. */
  primaryRegion: RegionId;
  /** Where the replicators' endpoints are placed: the primary writer's region and AZ. */
  locality: Locality;
  /** A message not acknowledged this long after it was sent goes again. @defaultValue 1000 */
  resendAfterMs?: number;
  /** Where a region's messages go. @defaultValue its replication agent, `replication:<region>` */
  to?: (region: RegionId) => string;
  /**
   * Whose redo, VDL and commits are shipped: the primary's instances. A detached or promoted
   * region's writer publishes too, and none of it is the primary's. @defaultValue every instance's
   */
  from?: (actorId: string) => boolean;
  /** The secondary regions, read at each publication and each shipment: a region left out stops receiving and its backlog is dropped. */
  secondaries: () => readonly RegionId[];
  /** Per secondary region; absent, the defaults of {@link GlobalLinkOptions}. */
  links?: Readonly<Record<string, GlobalLinkOptions>>;
}

/** One secondary's shipping figures, after each message shipped to it, and after each shipment its paused link held back. */
export interface GlobalShippingLag {
  atMs: number;
  region: RegionId;
  /** The highest LSN shipped to the region: always an MTR's CPL, or 0. */
  highestShippedLsn: Lsn;
  /** The highest primary VDL shipped to the region; never above `highestShippedLsn`. */
  shippedVdl: Lsn;
  /** Records published in whole MTRs and not yet shipped to the region. */
  backlogRecords: number;
  /** `durabilityLagMs` between the newest queued MTR and the newest shipped one (0 when caught up). */
  durabilityLagMs: number;
  paused: boolean;
}

/** A `shipped` observation (S17 reads it) and when it was sent. */
export interface GlobalShipment {
  atMs: number;
  observation: Extract<GlobalObservation, { kind: 'shipped' }>;
}

/** The running replicators of {@link shipRedoToRegions}. */
export interface GlobalShipping {
  /** The region's figures after each shipment; subscribe before the run to see them all. */
  lag$(region: RegionId): Observable<GlobalShippingLag>;
  /** Every message shipped, as the `shipped` observation the S17 judge reads. */
  readonly shipped$: Observable<GlobalShipment>;
  /** Holds the region's shipments; its backlog keeps growing. */
  pause(region: RegionId): void;
  /** Resumes the region's shipments: its backlog goes, in order, after its shipping interval. */
  resume(region: RegionId): void;
  /**
   * A switchover made `primaryRegion` the primary (docs/protocol.md §11.1): every replicator of
   * the old primary stops, with its queue and messages in flight, and from now on the new
   * primary's instances' redo is shipped, from endpoints of the `primaryTerm`-th generation
   * placed at `locality`, to the regions `secondaries` lists (numbered from 1 again).
   */
  switchPrimary(change: PrimaryChange): void;
  /** Stops every replicator. */
  unsubscribe(): void;
}

/** What {@link GlobalShipping.switchPrimary} is told. */
export interface PrimaryChange {
  primaryRegion: RegionId;
  locality: Locality;
  from: (actorId: string) => boolean;
  primaryTerm: number;
}

/** Thrown when a link's options cannot be shipped with; the message names the field. */
export class GlobalShippingOptionsError extends Error {}

/** One whole MTR, as published by `from` at `atMs`. */
interface QueuedMtr {
  readonly from: string;
  readonly atMs: number;
  readonly records: readonly RedoRecord[];
}

/** A VDL the primary published. */
interface PublishedVdl {
  readonly from: string;
  readonly vdl: Lsn;
}

/** A commit the primary acknowledged, and the instance that acknowledged it. */
interface AcknowledgedCommit extends LsnTime {
  readonly from: string;
}

/**
 * What the replicators read of a world's events, in one pass so commits, redo and VDL keep the
 * order they happened in: the writers' publications as `writerPublications` gives them, and the
 * primary's commit acknowledgements (`commitAck`) with their times.
 */
function replicationItems(from?: (actorId: string) => boolean): OperatorFunction<WorldEvent, WriterPublication | AcknowledgedCommit> {
  return (events$) =>
    new Observable<WriterPublication | AcknowledgedCommit>((subscriber) => {
      const publications = new Subject<WorldEvent>();
      const forwarded = publications.pipe(writerPublications(from)).subscribe((publication) => subscriber.next(publication));
      const subscription = events$.subscribe({
        next: (event) => {
          if (event.source === 'publish') publications.next(event);
          else if (event.source === 'observe' && event.observation.kind === 'commitAck' && (from === undefined || from(event.actorId))) {
            const { instance, commitLsn } = event.observation;
            subscriber.next({ from: instance, lsn: commitLsn as Lsn, atMs: event.atMs });
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        forwarded.unsubscribe();
      };
    });
}

/** A message sent and not acknowledged yet. */
interface InFlight {
  readonly message: GlobalApplyMessage;
  /** The writer whose redo it carries: nothing goes while it is down. */
  readonly writer: string;
  /** When it was last sent. */
  sentAtMs: number;
  sends: number;
}

/** One secondary's replicator. */
interface Replicator {
  readonly region: RegionId;
  /** The endpoint its messages leave from and its acknowledgements come to. */
  readonly endpoint: string;
  readonly maxBatchRecords: number;
  readonly queue: QueuedMtr[];
  /** Index of the first unshipped MTR of `queue` (shipped ones are dropped in chunks). */
  head: number;
  backlogRecords: number;
  /** VDLs above `shippedVdl`, ascending. */
  vdls: PublishedVdl[];
  /** Commits acknowledged and not yet shipped, by LSN. */
  commits: AcknowledgedCommit[];
  lastCommitLsn: Lsn;
  highestShippedLsn: Lsn;
  /** When the MTR ending at `highestShippedLsn` was published. */
  highestShippedAtMs: number;
  shippedVdl: Lsn;
  /** The number of the last message sent. */
  seq: number;
  /** Messages sent and not acknowledged yet, in order, with the writer they came from and when they were last sent. */
  inFlight: InFlight[];
  /** Whether `roundTripMs` has been measured yet. */
  measured: boolean;
  /** The smoothed round trip of messages acknowledged after one send; `resendAfterMs` until measured. */
  roundTripMs: number;
  /** The resend check, while one is scheduled. */
  resendCheck: Subscription | undefined;
  readonly trigger: Subject<void>;
  readonly subscription: Subscription;
}

/** The options of a link, checked; the message names the field and what is allowed. */
function linkOptions(region: string, options: GlobalLinkOptions | undefined): { shipIntervalMs: number; maxBatchRecords: number } {
  const shipIntervalMs = options?.shipIntervalMs ?? 0;
  const maxBatchRecords = options?.maxBatchRecords ?? Infinity;
  if (!(Number.isFinite(shipIntervalMs) && shipIntervalMs >= 0)) {
    throw new GlobalShippingOptionsError(`links.${region}.shipIntervalMs: ${shipIntervalMs}; allowed a finite number of ms from 0`);
  }
  if (!(maxBatchRecords === Infinity || (Number.isInteger(maxBatchRecords) && maxBatchRecords >= 1))) {
    throw new GlobalShippingOptionsError(`links.${region}.maxBatchRecords: ${maxBatchRecords}; allowed a whole number from 1, or Infinity`);
  }
  return { shipIntervalMs, maxBatchRecords };
}

/**
 * Starts one replicator per secondary region (see the file header). Each listed region gets what
 * is published from the moment it is first listed; a region listed again after being left out
 * starts afresh (its rebuild, §13 G4, is not this pipeline's).
 * @throws GlobalShippingOptionsError when a link's options are out of range.
 */
export function shipRedoToRegions(options: GlobalShippingOptions): GlobalShipping {
  const { network, scheduler } = options;
  for (const [region, link] of Object.entries(options.links ?? {})) linkOptions(region, link);
  const resendAfterMs = options.resendAfterMs ?? 1000;
  if (!(Number.isFinite(resendAfterMs) && resendAfterMs > 0)) throw new GlobalShippingOptionsError(`resendAfterMs: ${resendAfterMs}; allowed a finite number of ms above 0`);
  const destination = options.to ?? globalApplierId;
  /** Whose redo is shipped, from where: the first primary's, until a switchover ({@link GlobalShipping.switchPrimary}). */
  let shippingFrom: PrimaryChange = { primaryRegion: options.primaryRegion, locality: options.locality, from: options.from ?? (() => true), primaryTerm: 0 };
  const replicators = new Map<string, Replicator>();
  const lagSubjects = new Map<string, Subject<GlobalShippingLag>>();
  const shipped = new Subject<GlobalShipment>();
  /** Paused regions: kept apart from the replicators, so a pause holds across changes of the list. */
  const paused = new Set<string>();
  /** Records of an MTR whose CPL has not been published yet, per writer. */
  const partial = new Map<string, RedoRecord[]>();

  const lagSubject = (region: string): Subject<GlobalShippingLag> => {
    let subject = lagSubjects.get(region);
    if (subject === undefined) {
      subject = new Subject<GlobalShippingLag>();
      lagSubjects.set(region, subject);
    }
    return subject;
  };

  const listed = (region: string): boolean => options.secondaries().includes(region as RegionId);

  const drop = (region: string): void => {
    const replicator = replicators.get(region);
    if (replicator === undefined) return;
    replicators.delete(region);
    replicator.subscription.unsubscribe();
    replicator.resendCheck?.unsubscribe();
  };

  const replicatorOf = (region: RegionId): Replicator => {
    const existing = replicators.get(region);
    if (existing !== undefined) return existing;
    const { shipIntervalMs, maxBatchRecords } = linkOptions(region, options.links?.[region]);
    const trigger = new Subject<void>();
    const endpoint = globalReplicatorId(region, shippingFrom.primaryTerm);
    const replicator: Replicator = {
      region,
      endpoint,
      maxBatchRecords,
      queue: [],
      head: 0,
      backlogRecords: 0,
      vdls: [],
      commits: [],
      lastCommitLsn: LSN_ZERO,
      highestShippedLsn: LSN_ZERO,
      highestShippedAtMs: 0,
      shippedVdl: LSN_ZERO,
      seq: 0,
      inFlight: [],
      measured: false,
      roundTripMs: resendAfterMs,
      resendCheck: undefined,
      trigger,
      subscription: trigger.pipe(boxcar(shipIntervalMs, scheduler)).subscribe(() => flush(region)),
    };
    replicators.set(region, replicator);
    if (!network.has(endpoint)) network.attach(endpoint, shippingFrom.locality, (envelope) => acknowledged(endpoint, envelope.message as GlobalApplyAckMessage));
    return replicator;
  };

  /** The agent took every message up to `ack.seq`: they need not go again. */
  const acknowledged = (endpoint: string, ack: GlobalApplyAckMessage): void => {
    if (ack.type !== 'globalApplyAck') return;
    const replicator = replicators.get(ack.region);
    // An acknowledgement of an older generation's messages (before a switchover) is not this one's.
    if (replicator === undefined || replicator.endpoint !== endpoint) return;
    const now = scheduler.now();
    let count = 0;
    for (; count < replicator.inFlight.length; count += 1) {
      const entry = replicator.inFlight[count] as InFlight;
      if (entry.message.seq > ack.seq) break;
      // Karn's rule: only a message sent once tells the round trip.
      if (entry.sends === 1 && entry.message.seq === ack.seq) {
        const sampleMs = now - entry.sentAtMs;
        replicator.roundTripMs = replicator.measured ? replicator.roundTripMs * 0.875 + sampleMs * 0.125 : sampleMs;
        replicator.measured = true;
      }
    }
    if (count > 0) replicator.inFlight.splice(0, count);
    const missing = ack.missing ?? [];
    if (missing.length === 0 || paused.has(replicator.region)) return;
    const firstSeq = replicator.inFlight[0]?.message.seq ?? 0;
    for (const seq of missing) {
      // In flight holds consecutive numbers from its first.
      const entry = replicator.inFlight[seq - firstSeq];
      // Listed while a later one arrived: lost (links are FIFO unless they reorder), so it goes at
      // once; a message already sent again goes once more only after a round trip without it.
      if (entry === undefined || entry.message.seq !== seq || (entry.sends > 1 && now - entry.sentAtMs < replicator.roundTripMs)) continue;
      if (network.isDown(entry.writer)) break;
      sendAgain(replicator, entry);
    }
  };

  const sendAgain = (replicator: Replicator, entry: InFlight): void => {
    network.send(replicator.endpoint, destination(replicator.region), entry.message);
    entry.sentAtMs = scheduler.now();
    entry.sends += 1;
  };

  /**
   * Sends again, in order, every message not acknowledged `resendAfterMs` after it was last sent,
   * unless the link is paused or its writer is down; checks again while any is in flight. The
   * agent keeps what it got after a gap and drops duplicates, so what it already holds costs only
   * the bandwidth.
   */
  const resend = (replicator: Replicator): void => {
    replicator.resendCheck = undefined;
    if (!replicators.has(replicator.region) || replicator.inFlight.length === 0) return;
    const now = scheduler.now();
    if (!paused.has(replicator.region)) {
      for (const entry of replicator.inFlight) {
        if (now - entry.sentAtMs < resendAfterMs) continue;
        if (network.isDown(entry.writer)) break;
        sendAgain(replicator, entry);
      }
    }
    armResend(replicator);
  };

  const armResend = (replicator: Replicator): void => {
    if (replicator.resendCheck !== undefined || replicator.inFlight.length === 0) return;
    const first = replicator.inFlight[0] as { sentAtMs: number };
    const waitMs = Math.max(first.sentAtMs + resendAfterMs - scheduler.now(), resendAfterMs / 4);
    replicator.resendCheck = scheduler.schedule(() => resend(replicator), waitMs);
  };

  /** The newest published VDL at or below `bound`, removed from the list with every older one. */
  const takeVdl = (replicator: Replicator, bound: Lsn): PublishedVdl | undefined => {
    let count = 0;
    while (count < replicator.vdls.length && (replicator.vdls[count] as PublishedVdl).vdl <= bound) count += 1;
    return count === 0 ? undefined : replicator.vdls.splice(0, count)[count - 1];
  };

  const send = (replicator: Replicator, writer: string, records: readonly RedoRecord[], vdl: PublishedVdl | undefined): void => {
    if (vdl !== undefined && vdl.vdl > replicator.shippedVdl) replicator.shippedVdl = vdl.vdl;
    const commits = replicator.commits.map(({ lsn, atMs }): LsnTime => ({ lsn, atMs }));
    const from = replicator.endpoint;
    replicator.seq += 1;
    const message: GlobalApplyMessage = { type: 'globalApply', from, seq: replicator.seq, records, primaryVdl: replicator.shippedVdl, commits };
    replicator.commits = [];
    network.send(from, destination(replicator.region), message);
    replicator.inFlight.push({ message, writer, sentAtMs: scheduler.now(), sends: 1 });
    armResend(replicator);
    shipped.next({
      atMs: scheduler.now(),
      observation: { kind: 'shipped', from: shippingFrom.primaryRegion, to: replicator.region, primaryVdl: replicator.shippedVdl },
    });
    report(replicator);
  };

  /** The region's figures now; the durability lag by `durabilityLagMs`, from the newest shipped and newest queued MTR. */
  const report = (replicator: Replicator): void => {
    const newest = replicator.queue[replicator.queue.length - 1];
    const times: LsnTime[] = [{ lsn: replicator.highestShippedLsn, atMs: replicator.highestShippedAtMs }];
    if (newest !== undefined && replicator.backlogRecords > 0) {
      times.push({ lsn: (newest.records[newest.records.length - 1] as RedoRecord).lsn, atMs: newest.atMs });
    }
    lagSubject(replicator.region).next({
      atMs: scheduler.now(),
      region: replicator.region,
      highestShippedLsn: replicator.highestShippedLsn,
      shippedVdl: replicator.shippedVdl,
      backlogRecords: replicator.backlogRecords,
      durabilityLagMs: durabilityLagMs(times, replicator.highestShippedLsn, (times[times.length - 1] as LsnTime).lsn),
      paused: paused.has(replicator.region),
    });
  };

  /** Ships everything queued for `region`, in messages of whole MTRs, unless its link is paused. */
  const flush = (region: string): void => {
    const replicator = replicators.get(region);
    if (replicator === undefined) return;
    if (!listed(region)) {
      drop(region);
      return;
    }
    if (paused.has(region)) {
      report(replicator);
      return;
    }
    const { queue } = replicator;
    while (replicator.head < queue.length) {
      const first = queue[replicator.head] as QueuedMtr;
      // The replicator is down with the writer whose redo it carries (see the file header).
      if (network.isDown(first.from)) break;
      const records: RedoRecord[] = [...first.records];
      let last = first;
      replicator.head += 1;
      for (;;) {
        const next = queue[replicator.head];
        if (next === undefined || next.from !== first.from || records.length + next.records.length > replicator.maxBatchRecords) break;
        records.push(...next.records);
        last = next;
        replicator.head += 1;
      }
      replicator.backlogRecords -= records.length;
      replicator.highestShippedLsn = (records[records.length - 1] as RedoRecord).lsn;
      replicator.highestShippedAtMs = last.atMs;
      send(replicator, first.from, records, takeVdl(replicator, replicator.highestShippedLsn));
    }
    queue.splice(0, replicator.head);
    replicator.head = 0;
    // A VDL advance (or commits) with no new record: shipped on its own, still never above the records.
    const vdl = takeVdl(replicator, replicator.highestShippedLsn);
    if (vdl !== undefined && !network.isDown(vdl.from)) send(replicator, vdl.from, [], vdl);
    else if (vdl !== undefined) replicator.vdls.unshift(vdl);
    // Commits acknowledged with no VDL advance left to ship: the secondary's RPO lag must know of them.
    const commit = replicator.commits[0];
    if (commit !== undefined && !network.isDown(commit.from)) send(replicator, commit.from, [], undefined);
  };

  /** Each listed region's replicator, creating those first listed now and dropping those left out. */
  const current = (): Replicator[] => {
    const regions = options.secondaries();
    for (const region of [...replicators.keys()]) if (!regions.includes(region as RegionId)) drop(region);
    return regions.map(replicatorOf);
  };

  const subscription = options.events$
    .pipe(replicationItems((actorId) => shippingFrom.from(actorId)))
    .subscribe((publication) => {
      if (!('stream' in publication)) {
        for (const replicator of current()) {
          if (publication.lsn <= replicator.lastCommitLsn) continue;
          replicator.commits.push(publication);
          replicator.lastCommitLsn = publication.lsn;
          replicator.trigger.next();
        }
        return;
      }
      if (publication.stream === 'vdl') {
        const published: PublishedVdl = { from: publication.from, vdl: publication.item.vdl };
        for (const replicator of current()) {
          const newest = replicator.vdls[replicator.vdls.length - 1]?.vdl ?? replicator.shippedVdl;
          if (published.vdl <= newest) continue;
          replicator.vdls.push(published);
          replicator.trigger.next();
        }
        return;
      }
      const mtrs: QueuedMtr[] = [];
      let pending = partial.get(publication.from) ?? [];
      for (const record of publication.item.records) {
        pending.push(record);
        if (!record.isCpl) continue;
        mtrs.push({ from: publication.from, atMs: scheduler.now(), records: pending });
        pending = [];
      }
      partial.set(publication.from, pending);
      if (mtrs.length === 0) return;
      for (const replicator of current()) {
        for (const mtr of mtrs) {
          replicator.queue.push(mtr);
          replicator.backlogRecords += mtr.records.length;
        }
        replicator.trigger.next();
      }
    });

  return {
    lag$: (region) => lagSubject(region).asObservable(),
    shipped$: shipped.asObservable(),
    pause: (region) => {
      paused.add(region);
    },
    resume: (region) => {
      if (!paused.delete(region)) return;
      replicators.get(region)?.trigger.next();
    },
    switchPrimary: (change) => {
      for (const region of [...replicators.keys()]) drop(region);
      partial.clear();
      shippingFrom = { ...change };
    },
    unsubscribe: () => {
      subscription.unsubscribe();
      for (const region of [...replicators.keys()]) drop(region);
      shipped.complete();
      for (const subject of lagSubjects.values()) subject.complete();
    },
  };
}
