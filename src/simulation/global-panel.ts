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
 * - `rpoLagMs` (§13, G5): sampled every `lagTickMs` from the start: the time since the commit of
 *   the newest acknowledged primary commit the secondary holds durably, when the primary has a
 *   newer one, else 0;
 * - `visibilityLagMs` per read-only instance: for every commit the primary acknowledged, the time
 *   until the instance had applied it (§11.1: what a reader there sees), over the commits applied.
 */
import type { WorldEvent } from '../cluster/host.js';
import type { GlobalShipment } from '../cluster/global-shipping.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { azActorId, regionActorId } from '../cluster/assemble.js';
import { globalEndpoints } from '../cluster/topology.js';
import type { Kernel } from '../kernel/kernel.js';
import type { GlobalObservation, LsnTime, RecordDigest } from '../protocol/global.js';
import { recordDigest, rpoLagMs } from '../protocol/global.js';
import type { Lsn, RegionId } from '../protocol/ids.js';
import { regionId } from '../protocol/ids.js';
import { createGlobalFencing, createGlobalPrefix } from '../check/global.js';
import type { GlobalFencingChecker } from '../check/global.js';
import type { PropertyChecker, PropertyResult } from '../check/property.js';
import type { Observable } from 'rxjs';
import { quantile } from './quantile.js';

/** The observation kinds a region statechart reports (models/global-region.machine.ts). */
const GLOBAL_KINDS: ReadonlySet<string> = new Set([
  'primaryVdl',
  'shipped',
  'secondaryDurable',
  'commitAcknowledged',
  'promoted',
  'fenced',
  'fenceTimedOut',
  'commitHeld',
  'commitReleased',
  'switchoverRefused',
  'detached',
]);

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
}

/** The Global Database's part of a report. */
export interface GlobalReport {
  primaryRegion: string;
  /** The primary's VDL when the report was made. */
  primaryVdl: number;
  secondaries: GlobalSecondaryReport[];
  /** Shipments the replicators sent (each counted once, however often it was sent again). */
  shipments: number;
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
}

/** Per-secondary bookkeeping of the figures. */
interface SecondaryFigures {
  durableLsn: Lsn;
  /** Index into `vdlAdvances` of the first advance this secondary has not covered yet. */
  nextVdl: number;
  durabilityLags: number[];
  rpoLags: number[];
  /** Per instance: the index into `commits` of the first commit it has not applied, and its lags. */
  visibility: Map<string, { nextCommit: number; lags: number[] }>;
}

function figures(values: readonly number[]): LagFigures {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0, samples: sorted.length };
}

/** S17, S18 and the lag figures of a Global Database; see the file header. */
export class GlobalPanel {
  private readonly prefix: PropertyChecker<GlobalObservation>;
  private readonly fencing: GlobalFencingChecker;
  private readonly primaryRegion: RegionId;
  /** Published records not yet under a VDL, by LSN, with the volume epoch of the writer that published them. */
  private pending: { lsn: Lsn; volumeEpoch: number; digest: RecordDigest }[] = [];
  private volumeEpoch = 0;
  private primaryVdl = 0 as Lsn;
  /** Every advance of the primary's VDL, with its time. */
  private readonly vdlAdvances: LsnTime[] = [];
  /** Every commit the primary acknowledged, by LSN, with its time. */
  private readonly commits: LsnTime[] = [];
  private readonly secondaries = new Map<string, SecondaryFigures>();
  private shipments = 0;
  /** The secondary region of each read-only instance. */
  private readonly regionOfInstance = new Map<string, string>();

  constructor(private readonly options: GlobalPanelOptions) {
    const global = options.topology.global;
    if (global === undefined) throw new Error('GlobalPanel: the topology has no Global Database');
    this.primaryRegion = regionId(global.primaryRegion);
    const secondaryRegions = global.secondaries.map((secondary) => regionId(secondary.region));
    this.prefix = createGlobalPrefix({ primaryRegion: this.primaryRegion, secondaryRegions });
    this.fencing = createGlobalFencing();
    for (const secondary of global.secondaries) {
      const visibility = new Map(secondary.instances.map((instance) => [instance.id, { nextCommit: 0, lags: [] as number[] }]));
      this.secondaries.set(secondary.region, { durableLsn: 0 as Lsn, nextVdl: 0, durabilityLags: [], rpoLags: [], visibility });
      for (const instance of secondary.instances) this.regionOfInstance.set(instance.id, secondary.region);
    }
    options.listen((event) => this.onEvent(event));
    this.scheduleRpoSamples(options.scenario.topology.global?.lagTickMs ?? 100);
  }

  /** Whether `actorId`'s observations are the Global Database's (a region statechart's), not the regional judges'. */
  static isGlobalObservation(kind: string): boolean {
    return GLOBAL_KINDS.has(kind);
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
    const nowMs = this.options.kernel.clock.now();
    return {
      primaryRegion: this.primaryRegion,
      primaryVdl: this.primaryVdl,
      shipments: this.shipments,
      secondaries: [...this.secondaries].map(([region, figuresOf]) => ({
        region,
        state: this.options.stateOf(region),
        durableLsn: figuresOf.durableLsn,
        durabilityLagMs: figures(figuresOf.durabilityLags),
        vdlAdvancesNotDurable: this.vdlAdvances.length - figuresOf.nextVdl,
        rpoLagMs: { ...figures(figuresOf.rpoLags), atEnd: rpoLagMs(this.commits, figuresOf.durableLsn, nowMs) },
        visibilityLagMs: Object.fromEntries([...figuresOf.visibility].map(([instance, { lags }]) => [instance, figures(lags)])),
      })),
    };
  }

  private judge(atMs: number, actorId: string, observation: GlobalObservation): void {
    this.prefix.observe(atMs, actorId, observation);
    this.fencing.observe(atMs, actorId, observation);
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'publish') {
      const { publication } = event;
      if (publication.stream === 'redo') {
        this.newEpoch(publication.item.volumeEpoch);
        for (const record of publication.item.records) this.pending.push({ lsn: record.lsn, volumeEpoch: publication.item.volumeEpoch, digest: recordDigest(record) });
      } else if (publication.stream === 'vdl') {
        this.newEpoch(publication.item.volumeEpoch);
        this.onPrimaryVdl(event.atMs, publication.item.vdl);
      }
      return;
    }
    if (event.source !== 'observe') return;
    const { observation } = event;
    if (observation.kind === 'commitAck') {
      this.commits.push({ lsn: observation.commitLsn as Lsn, atMs: event.atMs });
      this.judge(event.atMs, event.actorId, { kind: 'commitAcknowledged', region: this.primaryRegion, commitLsn: observation.commitLsn as Lsn });
      return;
    }
    if (observation.kind === 'replicaApplied') {
      this.onApplied(event.atMs, observation.instance, observation.appliedLsn);
      return;
    }
    if (!GLOBAL_KINDS.has(observation.kind)) return;
    const global = observation as unknown as GlobalObservation;
    this.judge(event.atMs, event.actorId, global);
    if (global.kind === 'secondaryDurable') this.onSecondaryDurable(event.atMs, global.region, global.durableLsn);
  }

  /** A writer of a newer volume epoch opened: what older ones published above its VDL was truncated. */
  private newEpoch(volumeEpoch: number): void {
    if (volumeEpoch <= this.volumeEpoch) return;
    this.volumeEpoch = volumeEpoch;
    this.pending = this.pending.filter((record) => record.volumeEpoch === volumeEpoch || record.lsn <= this.primaryVdl);
  }

  private onPrimaryVdl(atMs: number, vdl: Lsn): void {
    if (vdl <= this.primaryVdl) return;
    let covered = 0;
    while (covered < this.pending.length && (this.pending[covered] as { lsn: Lsn }).lsn <= vdl) covered += 1;
    const records = this.pending.slice(0, covered).map((record) => record.digest);
    this.pending = this.pending.slice(covered);
    this.primaryVdl = vdl;
    this.vdlAdvances.push({ lsn: vdl, atMs });
    this.judge(atMs, 'primary', { kind: 'primaryVdl', region: this.primaryRegion, vdl, records });
  }

  private onSecondaryDurable(atMs: number, region: string, durableLsn: Lsn): void {
    const figuresOf = this.secondaries.get(region);
    if (figuresOf === undefined || durableLsn <= figuresOf.durableLsn) return;
    figuresOf.durableLsn = durableLsn;
    while (figuresOf.nextVdl < this.vdlAdvances.length) {
      const advance = this.vdlAdvances[figuresOf.nextVdl] as LsnTime;
      if (advance.lsn > durableLsn) break;
      figuresOf.durabilityLags.push(atMs - advance.atMs);
      figuresOf.nextVdl += 1;
    }
  }

  /** A secondary's instance applied up to `appliedLsn`: the primary commits it now shows. */
  private onApplied(atMs: number, instance: string, appliedLsn: number): void {
    const region = this.regionOfInstance.get(instance);
    const visibility = region === undefined ? undefined : this.secondaries.get(region)?.visibility.get(instance);
    if (visibility === undefined) return;
    while (visibility.nextCommit < this.commits.length) {
      const commit = this.commits[visibility.nextCommit] as LsnTime;
      if (commit.lsn > appliedLsn) break;
      visibility.lags.push(atMs - commit.atMs);
      visibility.nextCommit += 1;
    }
  }

  /** RPO lag samples every `everyMs` of the run (§13, G5). */
  private scheduleRpoSamples(everyMs: number): void {
    const { clock } = this.options.kernel;
    const durationMs = this.options.scenario.durationMs;
    const tick = (): void => {
      const nowMs = clock.now();
      for (const figuresOf of this.secondaries.values()) figuresOf.rpoLags.push(rpoLagMs(this.commits, figuresOf.durableLsn, nowMs));
      if (nowMs + everyMs <= durationMs) clock.setTimeout(tick, everyMs);
    };
    clock.setTimeout(tick, everyMs);
  }
}
