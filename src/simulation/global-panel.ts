/**
 * A Global Database's judges and figures (docs/protocol.md §11.1; §12, S17 and S18; §13, G1 and
 * G5), fed from the world stream and the replicators' `shipped$`.
 *
 * The judges read the primary's side from what its writer publishes and acknowledges, never from
 * a region statechart: each redo record the writer publishes is kept, as its digest
 * (`recordDigest`), until a VDL publication covers it, and then reported as `primaryVdl`; each
 * `commitAck` is a `commitAcknowledged`. A writer of a newer volume epoch (recovery in the primary
 * region) drops what an older one published above the VDL it opened at: recovery truncated it
 * (docs/protocol.md §7). The secondaries' side is what their region statecharts observe.
 *
 * Figures per secondary, on virtual time:
 * - `durabilityLagMs`: for every advance of the primary's VDL, the time until the secondary's
 *   durable LSN covered it (p50, p99, max over the advances covered), and how many were not
 *   covered when the report was made;
 * - `rpoLagMs` (§13, G5): sampled every `lagTickMs` from the start until a failover replaces the
 *   first primary, and for a detached secondary until it is detached: the time since the commit
 *   of the newest acknowledged primary commit the secondary holds durably, when the primary has a
 *   newer one, else 0;
 * - `visibilityLagMs` per read-only instance: for every commit the primary acknowledged, the time
 *   until the instance had applied it (§11.1: what a reader there sees), over the commits applied.
 */
import { isRestoredActor } from '../cluster/restores.js';
import type { WorldEvent } from '../cluster/host.js';
import type { GlobalShipment } from '../cluster/global-shipping.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { azActorId, regionActorId } from '../cluster/assemble.js';
import { globalEndpoints } from '../cluster/topology.js';
import type { Kernel } from '../kernel/kernel.js';
import type { GlobalObservation, LsnTime, RecordDigest } from '../protocol/global.js';
import { lostSuffix, recordDigest, rpoLagMs } from '../protocol/global.js';
import type { Lsn, RegionId } from '../protocol/ids.js';
import { regionId } from '../protocol/ids.js';
import { createGlobalFencing, createGlobalPrefix } from '../check/global.js';
import type { GlobalFencingChecker } from '../check/global.js';
import type { PropertyChecker, PropertyResult } from '../check/property.js';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { quantile } from './quantile.js';
import type { WriteForwardingReport } from './forwarding-panel.js';

/**
 * The observation kinds of the region statecharts (models/global-region.machine.ts) that reach the
 * judges; `commitHeld` and `commitReleased` are RPO control's figures, read before.
 */
const GLOBAL_KINDS: ReadonlySet<string> = new Set(['secondaryDurable', 'promoted', 'fenced', 'fenceTimedOut', 'switchoverRefused', 'detached', 'shipped']);

/**
 * Every actor of a Global Database outside the primary's cluster: the region statecharts and,
 * per secondary, its failure domains, storage nodes, segments, agent, metadata service and
 * instances. Their observations are this panel's; the judges and figures of a single region
 * (S1–S16, the report's commits, replicas and stalls) are the primary's (docs/protocol.md §11.1).
 */
export function globalActorIds(topology: ResolvedTopology): ReadonlySet<string> {
  const ids = new Set<string>();
  const global = topology.global;
  if (global === undefined) return ids;
  for (const id of globalEndpoints(topology)) ids.add(id);
  for (const secondary of global.secondaries) {
    ids.add(regionActorId(secondary.region));
    for (const azId of secondary.allAzs) ids.add(azActorId(azId));
    for (const node of secondary.nodes) ids.add(node.id);
    for (const segment of secondary.segments) ids.add(segment.id);
  }
  return ids;
}

/** Actors whose observations the regional judges and figures leave out, as the run goes. */
export interface ActorExclusions {
  /** Whether an observation of `kind` by `actorId` is left out now. */
  has(actorId: string, kind?: string): boolean;
}

/**
 * {@link globalActorIds}, and the first primary's instances while its region follows another
 * primary (from its `following` observation until it is `promoted` again): the regional judges (S1–S16) and
 * figures judge that cluster's instances while it is the primary's; then they read what another
 * region's writer wrote, which the global panel judges (docs/protocol.md §11.1, switchover). Their
 * minimum read points still count (S14): the volume's segments go on honouring them. The volume
 * stays judged: the region's replication agent writes it at a newer volume epoch, with a
 * truncation range recorded first, as a recovering writer would. Subscribe it before whoever
 * reads it.
 */
export function regionalExclusions(topology: ResolvedTopology, listen: (handler: (event: WorldEvent) => void) => unknown): ActorExclusions {
  const globalIds = globalActorIds(topology);
  const firstPrimary = topology.global?.primaryRegion;
  const instances = new Set([topology.writer, ...topology.replicas, ...(topology.standby === undefined ? [] : [topology.standby])].map((instance) => instance.id));
  let followed = false;
  if (firstPrimary !== undefined) {
    listen((event) => {
      if (event.source !== 'observe') return;
      const { kind, region } = event.observation as unknown as { kind: string; region?: string };
      // Following another region, then primary again after a switchover or failover back to it.
      if (region === firstPrimary && kind === 'following') followed = true;
      else if (region === firstPrimary && kind === 'promoted') followed = false;
    });
  }
  // A restored cluster is a volume of its own: S20 judges it (docs/protocol.md §10).
  return { has: (actorId, kind) => globalIds.has(actorId) || isRestoredActor(actorId) || (followed && instances.has(actorId) && kind !== 'mrplReported') };
}

/** One lag figure as it is measured (see the file header), on `GlobalPanel.lag$`. */
export type GlobalLagSample =
  /** A primary VDL advance became durable in `region`, `lagMs` after the primary made it durable. */
  | { readonly kind: 'durability'; readonly atMs: number; readonly region: string; readonly lagMs: number }
  /** The RPO lag of `region`, sampled every lag tick while it follows the first primary. */
  | { readonly kind: 'rpo'; readonly atMs: number; readonly region: string; readonly lagMs: number }
  /** A primary commit became visible on `instance` of `region`, `lagMs` after it was acknowledged. */
  | { readonly kind: 'visibility'; readonly atMs: number; readonly region: string; readonly instance: string; readonly lagMs: number };

/** Percentiles of a lag, in ms. */
export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
  /** How many values they are over. */
  samples: number;
}

/** One secondary region's figures at the end of a run. */
export interface GlobalSecondaryReport {
  region: string;
  /** Its region statechart's state, e.g. `secondary.replicating`. */
  state: string;
  /** The highest LSN it holds durably (§13, G1). */
  durableLsn: number;
  /** Per primary VDL advance, the time until this secondary held it durably. */
  durabilityLagMs: LagFigures;
  /** Primary VDL advances it did not hold durably when the report was made. */
  vdlAdvancesNotDurable: number;
  /** RPO lag (§13, G5), sampled every `lagTickMs`; `atEnd` is its value when the report was made. */
  rpoLagMs: LagFigures & { atEnd: number };
  /** Per read-only instance, the time from a primary commit to its being applied there. */
  visibilityLagMs: Record<string, LagFigures>;
  /** The first primary, once another region was promoted in its place: it has no lag figures of its own (they are measured against the first primary). */
  formerPrimary?: boolean;
}

/** The Global Database's part of a report. */
export interface GlobalReport {
  primaryRegion: string;
  /** The primary's VDL when the report was made. */
  primaryVdl: number;
  secondaries: GlobalSecondaryReport[];
  /** Shipments the replicators sent (each counted once, however often it was sent again). */
  shipments: number;
  /** Failovers and detaches, in the order asked. */
  promotions: GlobalPromotionReport[];
  /** Write forwarding per secondary that has it (`forwarding-panel.ts`); absent when none does. */
  writeForwarding?: WriteForwardingReport[];
  /** RPO control, when `rds.global_db_rpo` is set (§11.1): the commits it held and for how long. */
  rpoControl?: {
    limitS: number;
    /** Commits held because every secondary's RPO lag was at or above the limit. */
    commitsHeld: number;
    /** How long each released commit was held (by the region statechart's clock). */
    heldMs: LagFigures;
    /** Commits still held when the report was made. */
    stillHeld: number;
    /** Periods in which at least one commit was held; `toMs` absent while one still is. */
    blocked: { fromMs: number; toMs?: number }[];
  };
}

/** A promotion of a secondary (docs/protocol.md §11.1): when, from where, and what it cost. */
export interface GlobalPromotionReport {
  region: string;
  how: 'failover' | 'switchover' | 'detach';
  /** The primary it took over from (for a detach, the primary it left). */
  oldPrimary: string;
  /** When the operator asked (the `globalFailover` or `globalDetach` action). */
  requestedAtMs: number;
  /** When the primary region was lost, if it was: its last `regionOutage` before the request. */
  primaryLostAtMs?: number;
  /** When the region opened at its recovered VDL (writable for a writer connected to it). */
  openedAtMs?: number;
  /** When its writer first acknowledged a commit (clients reach it after the endpoint switch). */
  firstCommitAtMs?: number;
  /** The VDL its recovery opened at: the old primary's history up to here is kept. */
  vdl?: number;
  /**
   * Failover only: the old primary's acknowledged commits above `vdl`, lost (§13, G5): how many,
   * and the committed time they span from the newest kept commit.
   */
  lostCommits?: number;
  lostSpanMs?: number;
  /** The promoted region's RPO lag when the primary was lost (or when asked): the bound the loss keeps within (S17). */
  rpoLagMsAtFailure?: number;
  /** Failover only: how the best-effort fence of the old primary ended so far (§13, G2). */
  fence?: 'pending' | 'fenced' | 'timedOut';
  /** When the fence succeeded: the old primary's agent had claimed its volume (a timed-out fence may still succeed later). */
  fencedAtMs?: number;
}

/** Options of {@link GlobalPanel}. */
export interface GlobalPanelOptions {
  kernel: Kernel;
  scenario: Scenario;
  topology: ResolvedTopology;
  /** Subscribes a handler to the world's events. */
  listen: (handler: (event: WorldEvent) => void) => unknown;
  /** The region statechart's state value of `region` now (for the report). */
  stateOf: (region: string) => string;
  /** The faults and operator actions applied so far. */
  faultLog: () => readonly { atMs: number; fault: string; target: string }[];
}

/** Per-secondary bookkeeping of the figures. */
interface SecondaryFigures {
  durableLsn: Lsn;
  /** Each advance of its durable LSN, with its time, in order. */
  readonly durableHistory: LsnTime[];
  /** Index into `vdlAdvances` of the first advance this secondary has not covered yet. */
  nextVdl: number;
  durabilityLags: number[];
  rpoLags: number[];
  /** Per instance: the index into `commits` of the first commit it has not applied, and its lags. */
  visibility: Map<string, { nextCommit: number; lags: number[] }>;
  /** When it stopped following the first primary (detached, or any failover): RPO lag is not sampled after. */
  endedAtMs?: number;
}

/** What the panel reads of one region's writer: its redo, VDL and acknowledged commits. */
interface WriterSide {
  /** Published records not yet under a VDL, by LSN, with the volume epoch of the writer that published them. */
  pending: { lsn: Lsn; volumeEpoch: number; digest: RecordDigest }[];
  volumeEpoch: number;
  vdl: Lsn;
  /** Every commit it acknowledged, by LSN, with its time. */
  readonly commits: LsnTime[];
}

function figures(values: readonly number[]): LagFigures {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0, samples: sorted.length };
}

/** S17, S18, the lag figures and the promotions of a Global Database; see the file header. */
export class GlobalPanel {
  private readonly prefix: PropertyChecker<GlobalObservation>;
  private readonly fencing: GlobalFencingChecker;
  private readonly firstPrimary: RegionId;
  /** The primary region now: the first, until a promotion. */
  private primary: RegionId;
  /** Each region's writer side, by region. */
  private readonly writers = new Map<string, WriterSide>();
  /** The region each instance belongs to. */
  private readonly regionOfInstance = new Map<string, string>();
  /** Every advance of the first primary's VDL, with its time (the secondaries' lags are measured against it). */
  private readonly vdlAdvances: LsnTime[] = [];
  private readonly secondaries = new Map<string, SecondaryFigures>();
  private readonly promotions: GlobalPromotionReport[] = [];
  private shipments = 0;
  /**
   * When the first primary stopped being the primary (a failover opened): RPO lag is measured
   * against it, so it is sampled until then and `atEnd` is taken then.
   */
  private firstPrimaryEndedAtMs: number | undefined;
  /** RPO control: commits held now, and how long the released ones were. */
  private readonly held = new Set<number>();
  private commitsHeld = 0;
  private readonly heldMs: number[] = [];
  private readonly blocked: { fromMs: number; toMs?: number }[] = [];
  private readonly lags = new Subject<GlobalLagSample>();
  /** Every lag figure as it is measured, on the virtual clock: what the report's percentiles are taken over. */
  readonly lag$: Observable<GlobalLagSample> = this.lags.asObservable();

  constructor(private readonly options: GlobalPanelOptions) {
    const { topology } = options;
    const global = topology.global;
    if (global === undefined) throw new Error('GlobalPanel: the topology has no Global Database');
    this.firstPrimary = regionId(global.primaryRegion);
    this.primary = this.firstPrimary;
    const secondaryRegions = global.secondaries.map((secondary) => regionId(secondary.region));
    const rpoLimitS = options.scenario.topology.global?.rpoLimitS;
    this.prefix = createGlobalPrefix({ primaryRegion: this.firstPrimary, secondaryRegions, ...(rpoLimitS === undefined ? {} : { rpoLimitMs: rpoLimitS * 1000 }) });
    this.fencing = createGlobalFencing();
    const primaryInstances = [topology.writer, ...topology.replicas, ...(topology.standby === undefined ? [] : [topology.standby])];
    for (const instance of primaryInstances) this.regionOfInstance.set(instance.id, global.primaryRegion);
    for (const secondary of global.secondaries) {
      const visibility = new Map(secondary.instances.map((instance) => [instance.id, { nextCommit: 0, lags: [] as number[] }]));
      this.secondaries.set(secondary.region, { durableLsn: 0 as Lsn, durableHistory: [], nextVdl: 0, durabilityLags: [], rpoLags: [], visibility });
      for (const instance of secondary.instances) this.regionOfInstance.set(instance.id, secondary.region);
    }
    for (const region of global.regions) this.writers.set(region, { pending: [], volumeEpoch: 0, vdl: 0 as Lsn, commits: [] });
    options.listen((event) => this.onEvent(event));
    this.scheduleRpoSamples(options.scenario.topology.global?.lagTickMs ?? 100);
  }

  /** Feeds the replicators' shipments to S17. */
  watchShipments(shipped$: Observable<GlobalShipment>): void {
    shipped$.subscribe(({ atMs, observation }) => {
      this.shipments += 1;
      this.judge(atMs, 'replicator', observation);
    });
  }

  /** S17 and S18, in that order. */
  results(): PropertyResult[] {
    return [this.prefix.result(), this.fencing.result()];
  }

  report(): GlobalReport {
    const nowMs = this.firstPrimaryEndedAtMs ?? this.options.kernel.clock.now();
    const firstCommits = this.writerOf(this.firstPrimary).commits;
    return {
      primaryRegion: this.primary,
      primaryVdl: (this.writers.get(this.primary) ?? this.writerOf(this.firstPrimary)).vdl,
      shipments: this.shipments,
      secondaries: [...this.secondaries].map(([region, figuresOf]) => ({
        region,
        state: this.options.stateOf(region),
        durableLsn: figuresOf.durableLsn,
        durabilityLagMs: figures(figuresOf.durabilityLags),
        vdlAdvancesNotDurable: this.vdlAdvances.length - figuresOf.nextVdl,
        rpoLagMs: { ...figures(figuresOf.rpoLags), atEnd: rpoLagMs(firstCommits, figuresOf.durableLsn, Math.min(nowMs, figuresOf.endedAtMs ?? nowMs)) },
        visibilityLagMs: Object.fromEntries([...figuresOf.visibility].map(([instance, { lags }]) => [instance, figures(lags)])),
        ...(region === this.firstPrimary ? { formerPrimary: true } : {}),
      })),
      promotions: this.promotions.map((promotion) => ({ ...promotion })),
      ...this.rpoControlReport(),
    };
  }

  private rpoControlReport(): Pick<GlobalReport, 'rpoControl'> {
    const limitS = this.options.scenario.topology.global?.rpoLimitS;
    if (limitS === undefined) return {};
    return {
      rpoControl: { limitS, commitsHeld: this.commitsHeld, heldMs: figures(this.heldMs), stillHeld: this.held.size, blocked: this.blocked.map((period) => ({ ...period })) },
    };
  }

  /** RPO control held a commit, or let a held one through (models/global-region.machine.ts). */
  private onGate(atMs: number, observation: { kind: string; commitLsn: number; blockedMs?: number }): void {
    if (observation.kind === 'commitHeld') {
      if (this.held.size === 0) this.blocked.push({ fromMs: atMs });
      this.held.add(observation.commitLsn);
      this.commitsHeld += 1;
      return;
    }
    if (!this.held.delete(observation.commitLsn)) return;
    this.heldMs.push(observation.blockedMs ?? 0);
    const open = this.blocked[this.blocked.length - 1];
    if (this.held.size === 0 && open !== undefined) open.toMs = atMs;
  }

  private writerOf(region: string): WriterSide {
    return this.writers.get(region) as WriterSide;
  }

  private judge(atMs: number, actorId: string, observation: GlobalObservation): void {
    this.prefix.observe(atMs, actorId, observation);
    this.fencing.observe(atMs, actorId, observation);
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'publish') {
      const region = this.regionOfInstance.get(event.actorId);
      if (region === undefined) return;
      const { publication } = event;
      if (publication.stream === 'redo') {
        const side = this.writerOf(region);
        this.newEpoch(side, publication.item.volumeEpoch);
        for (const record of publication.item.records) side.pending.push({ lsn: record.lsn, volumeEpoch: publication.item.volumeEpoch, digest: recordDigest(record) });
      } else if (publication.stream === 'vdl') {
        const side = this.writerOf(region);
        this.newEpoch(side, publication.item.volumeEpoch);
        this.onWriterVdl(event.atMs, region, side, publication.item.vdl);
      }
      return;
    }
    if (event.source !== 'observe') return;
    const { observation } = event;
    if (observation.kind === 'commitAck') {
      const region = this.regionOfInstance.get(event.actorId);
      if (region === undefined) return;
      this.writerOf(region).commits.push({ lsn: observation.commitLsn as Lsn, atMs: event.atMs });
      const promotion = this.promotions.find((candidate) => candidate.region === region && candidate.openedAtMs !== undefined && candidate.firstCommitAtMs === undefined);
      if (promotion !== undefined) promotion.firstCommitAtMs = event.atMs;
      this.judge(event.atMs, event.actorId, { kind: 'commitAcknowledged', region: regionId(region), commitLsn: observation.commitLsn as Lsn });
      return;
    }
    if (observation.kind === 'replicaApplied') {
      this.onApplied(event.atMs, observation.instance, observation.appliedLsn);
      return;
    }
    const kind = (observation as { kind: string }).kind;
    if (kind === 'globalPromotion') {
      this.onPromotionStarted(event.atMs, observation as unknown as { region: string; how: 'failover' | 'switchover' | 'detach' });
      return;
    }
    if (kind === 'commitHeld' || kind === 'commitReleased') {
      this.onGate(event.atMs, observation as unknown as { kind: string; commitLsn: number; blockedMs?: number });
      return;
    }
    if (!GLOBAL_KINDS.has(kind)) return;
    const global = observation as unknown as GlobalObservation | { kind: 'detached'; region: RegionId; vdl: Lsn };
    if (global.kind === 'detached') {
      this.onOpened(event.atMs, global.region, global.vdl, 'detach');
      return;
    }
    this.judge(event.atMs, event.actorId, global);
    if (global.kind === 'secondaryDurable') this.onSecondaryDurable(event.atMs, global.region, global.durableLsn);
    else if (global.kind === 'promoted') this.onOpened(event.atMs, global.region, global.vdl, global.how);
    else if (global.kind === 'fenced' || global.kind === 'fenceTimedOut') {
      const promotion = [...this.promotions].reverse().find((candidate) => candidate.how === 'failover' && candidate.oldPrimary === global.region);
      if (promotion !== undefined && promotion.fence !== 'fenced') {
        promotion.fence = global.kind === 'fenced' ? 'fenced' : 'timedOut';
        if (global.kind === 'fenced') promotion.fencedAtMs = event.atMs;
      }
    }
  }

  /** A writer of a newer volume epoch opened: what older ones published above its VDL was truncated. */
  private newEpoch(side: WriterSide, volumeEpoch: number): void {
    if (volumeEpoch <= side.volumeEpoch) return;
    side.volumeEpoch = volumeEpoch;
    side.pending = side.pending.filter((record) => record.volumeEpoch === volumeEpoch || record.lsn <= side.vdl);
  }

  private onWriterVdl(atMs: number, region: string, side: WriterSide, vdl: Lsn): void {
    if (vdl <= side.vdl) return;
    let covered = 0;
    while (covered < side.pending.length && (side.pending[covered] as { lsn: Lsn }).lsn <= vdl) covered += 1;
    const records = side.pending.slice(0, covered).map((record) => record.digest);
    side.pending = side.pending.slice(covered);
    side.vdl = vdl;
    if (region === this.firstPrimary) this.vdlAdvances.push({ lsn: vdl, atMs });
    this.judge(atMs, 'primary', { kind: 'primaryVdl', region: regionId(region), vdl, records });
  }

  /** The agent of `region` started a promotion: the operator's request is the last action naming the region. */
  private onPromotionStarted(atMs: number, started: { region: string; how: 'failover' | 'switchover' | 'detach' }): void {
    const { how } = started;
    const action = [...this.options.faultLog()].reverse().find((fault) => fault.target === `global:${started.region}`);
    const requestedAtMs = action?.atMs ?? atMs;
    const outage = [...this.options.faultLog()].reverse().find((fault) => fault.fault === 'regionOutage' && fault.target === `region:${this.primary}` && fault.atMs <= requestedAtMs);
    const failureAtMs = outage?.atMs ?? requestedAtMs;
    const promotion: GlobalPromotionReport = { region: started.region, how, oldPrimary: this.primary, requestedAtMs, ...(outage === undefined ? {} : { primaryLostAtMs: outage.atMs }) };
    const figuresOf = this.secondaries.get(started.region);
    if (figuresOf !== undefined) {
      const durableThen = [...figuresOf.durableHistory].reverse().find((entry) => entry.atMs <= failureAtMs)?.lsn ?? (0 as Lsn);
      promotion.rpoLagMsAtFailure = rpoLagMs(this.writerOf(this.primary).commits.filter((commit) => commit.atMs <= failureAtMs), durableThen, failureAtMs);
    }
    if (how === 'failover') promotion.fence = 'pending';
    this.promotions.push(promotion);
  }

  /** A region opened at its recovered VDL: as the new primary (what the old one lost), or detached. */
  private onOpened(atMs: number, region: string, vdl: Lsn, how: 'failover' | 'switchover' | 'detach'): void {
    const promotion = [...this.promotions].reverse().find((candidate) => candidate.region === region && candidate.openedAtMs === undefined);
    if (promotion === undefined) return;
    promotion.openedAtMs = atMs;
    promotion.vdl = vdl;
    if (how !== 'detach') {
      // A switchover must lose nothing (§13, G3): its count is reported, and judged, like a failover's.
      const lost = lostSuffix(this.writerOf(promotion.oldPrimary).commits, vdl);
      promotion.lostCommits = lost.lostCount;
      promotion.lostSpanMs = lost.spanMs;
    }
    if (how === 'detach') {
      const figuresOf = this.secondaries.get(region);
      if (figuresOf !== undefined) figuresOf.endedAtMs ??= atMs;
    } else {
      if (!this.secondaries.has(promotion.oldPrimary)) {
        // The old primary follows the new one from its start (§11.1: at once after a switchover,
        // once its storage is claimed after a managed failover): a secondary's row from here,
        // its durable LSN from its statechart's reports; lags are the first primary's and are
        // not measured for it.
        this.secondaries.set(promotion.oldPrimary, { durableLsn: vdl, durableHistory: [{ lsn: vdl, atMs }], nextVdl: this.vdlAdvances.length, durabilityLags: [], rpoLags: [], visibility: new Map() });
      }
      this.primary = regionId(region);
      this.firstPrimaryEndedAtMs ??= atMs;
    }
  }

  private onSecondaryDurable(atMs: number, region: string, durableLsn: Lsn): void {
    const figuresOf = this.secondaries.get(region);
    if (figuresOf === undefined || durableLsn <= figuresOf.durableLsn) return;
    figuresOf.durableLsn = durableLsn;
    figuresOf.durableHistory.push({ lsn: durableLsn, atMs });
    // Lags are the first primary's: once another opened, LSNs above its start are the new
    // primary's, and the first primary's advances above it were lost, not late.
    if (this.firstPrimaryEndedAtMs !== undefined) return;
    while (figuresOf.nextVdl < this.vdlAdvances.length) {
      const advance = this.vdlAdvances[figuresOf.nextVdl] as LsnTime;
      if (advance.lsn > durableLsn) break;
      figuresOf.durabilityLags.push(atMs - advance.atMs);
      this.lags.next({ kind: 'durability', atMs, region, lagMs: atMs - advance.atMs });
      figuresOf.nextVdl += 1;
    }
  }

  /** A secondary's instance applied up to `appliedLsn`: the first primary's commits it now shows. */
  private onApplied(atMs: number, instance: string, appliedLsn: number): void {
    const region = this.regionOfInstance.get(instance);
    const visibility = region === undefined ? undefined : this.secondaries.get(region)?.visibility.get(instance);
    if (visibility === undefined || this.firstPrimaryEndedAtMs !== undefined) return;
    const commits = this.writerOf(this.firstPrimary).commits;
    while (visibility.nextCommit < commits.length) {
      const commit = commits[visibility.nextCommit] as LsnTime;
      if (commit.lsn > appliedLsn) break;
      visibility.lags.push(atMs - commit.atMs);
      this.lags.next({ kind: 'visibility', atMs, region: region as string, instance, lagMs: atMs - commit.atMs });
      visibility.nextCommit += 1;
    }
  }

  /** RPO lag samples every `everyMs` of the run (§13, G5), against the first primary's commits. */
  private scheduleRpoSamples(everyMs: number): void {
    const { clock } = this.options.kernel;
    const durationMs = this.options.scenario.durationMs;
    const tick = (): void => {
      const nowMs = clock.now();
      if (this.firstPrimaryEndedAtMs !== undefined) return;
      const commits = this.writerOf(this.firstPrimary).commits;
      for (const [region, figuresOf] of this.secondaries) {
        if (figuresOf.endedAtMs !== undefined) continue;
        const lagMs = rpoLagMs(commits, figuresOf.durableLsn, nowMs);
        figuresOf.rpoLags.push(lagMs);
        this.lags.next({ kind: 'rpo', atMs: nowMs, region, lagMs });
      }
      if (nowMs + everyMs <= durationMs) clock.setTimeout(tick, everyMs);
    };
    clock.setTimeout(tick, everyMs);
  }
}
