/**
 * Aurora Serverless v2's figures (docs/protocol.md §11.3; docs/semantics.md, "Report fields",
 * `serverless`), from what the scalers and instances report on the world stream: each instance's
 * capacity over time (one point per change), its least, largest and time-weighted mean capacity,
 * its ACU-hours (what Aurora bills: "charges … are measured in terms of ACU-hours", User Guide), its
 * pauses and resumes, its load against its capacity, and, from the instance's own counts, how many
 * of its gets found their block in the buffer cache.
 *
 * It reads the stream and schedules nothing, so a run hashes the same with it; it exists only when
 * the topology has a `serverless` section.
 */
import type { WorldEvent } from '../cluster/host.js';
import type { ServerlessSpec } from '../cluster/scenario.js';
import type { ServerlessInstance } from '../cluster/serverless.js';
import { acuUtilizationPercentOf, loadPercentOf } from '../protocol/serverless.js';
import type { ServedCounts } from '../../models/serverless-messages.js';

/** Milliseconds in an hour, for ACU-hours. */
const HOUR_MS = 3_600_000;

/** A phase of an instance: running at a capacity, paused or resuming (both 0 ACU). */
export type ServerlessPhase = 'running' | 'paused' | 'resuming';

/** One pause of an instance: when it paused, when a resume began and when it ran again. */
export interface ServerlessPause {
  pausedAtMs: number;
  resumeStartedAtMs?: number;
  runningAtMs?: number;
  /** From the start of the resume to running again. */
  resumeMs?: number;
}

/** One Serverless v2 instance's figures. */
export interface ServerlessInstanceReport {
  instance: string;
  /** Promotion tier (the writer: 0). */
  tier: number;
  /** `lead`: the writer, deciding for its group; `follow`: a tier-0/1 reader with the writer's capacity; `solo`: a tier-2–15 reader on its own load. */
  scaling: 'lead' | 'follow' | 'solo';
  /** Now. */
  phase: ServerlessPhase;
  capacityAcu: number;
  /** Every change of capacity, from the start: `[atMs, capacityAcu]`, 0 while paused or resuming. */
  capacity: [number, number][];
  /** Over the run so far, paused time included (at 0). */
  acuMin: number;
  acuMax: number;
  acuMean: number;
  acuHours: number;
  /** Mean over the decider's periods while running of demand as a percent of capacity (the load model). */
  loadPercentMean: number;
  /** Periods in which the load needed more than the capacity (saturated: over 100 %). */
  saturatedPeriods: number;
  pauses: ServerlessPause[];
  /** Transactions that arrived while it was paused or resuming, held until it ran. */
  heldTransactions: number;
  /** The gets it served and how many found their block cached (`hitRatio` = hits / gets; 1 with none). */
  cache: { gets: number; hits: number; hitRatio: number };
}

/** The `serverless` block of the report. */
export interface ServerlessReport {
  minAcu: number;
  maxAcu: number;
  autoPauseAfterS: number;
  resumeMs: number;
  cacheBlocksPerAcu: number;
  /** Every instance's ACU-hours, summed. */
  acuHours: number;
  instances: ServerlessInstanceReport[];
}

/** One instance's capacity and utilization now (the metrics' view: CloudWatch's `ServerlessDatabaseCapacity` and `ACUUtilization`). */
export interface ServerlessCapacityNow {
  instance: string;
  phase: ServerlessPhase;
  capacityAcu: number;
  /** Capacity as a percent of the cluster's maximum (CloudWatch's `ACUUtilization`). */
  acuUtilizationPercent: number;
  /** The last period's demand as a percent of the capacity (the load model; 0 while paused). */
  loadPercent: number;
}

interface Track {
  readonly placed: ServerlessInstance;
  phase: ServerlessPhase;
  capacityAcu: number;
  sinceMs: number;
  capacity: [number, number][];
  acuMin: number;
  acuMax: number;
  /** ACU × ms up to `sinceMs`. */
  acuMs: number;
  demandAcu: number;
  loadPercentSum: number;
  loadPeriods: number;
  saturatedPeriods: number;
  pauses: ServerlessPause[];
  held: number;
}

/** Options of {@link ServerlessPanel}. */
export interface ServerlessPanelOptions {
  spec: ServerlessSpec;
  instances: readonly ServerlessInstance[];
  listen: (handler: (event: WorldEvent) => void) => unknown;
  nowMs: () => number;
  /** An instance's own counts of what it served (its context), for the cache hit ratio. */
  servedBy: (instance: string) => ServedCounts;
}

/** Serverless v2's figures; see the file header. */
export class ServerlessPanel {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly options: ServerlessPanelOptions) {
    for (const placed of options.instances) {
      this.tracks.set(placed.instance, {
        placed,
        phase: 'running',
        capacityAcu: 0,
        sinceMs: 0,
        capacity: [],
        acuMin: Infinity,
        acuMax: 0,
        acuMs: 0,
        demandAcu: 0,
        loadPercentSum: 0,
        loadPeriods: 0,
        saturatedPeriods: 0,
        pauses: [],
        held: 0,
      });
    }
    options.listen((event) => {
      if (event.source !== 'observe') return;
      const { observation } = event;
      if (observation.kind === 'serverlessCapacity') this.onCapacity(event.atMs, observation.instance, observation.phase, observation.capacityAcu);
      else if (observation.kind === 'serverlessLoad') this.onLoad(observation.instance, observation.demandAcu, observation.capacityAcu);
      else if (observation.kind === 'txnHeld') {
        const track = this.tracks.get(observation.instance);
        if (track !== undefined) track.held++;
      }
    });
  }

  private onCapacity(atMs: number, instance: string, phase: ServerlessPhase, capacityAcu: number): void {
    const track = this.tracks.get(instance);
    if (track === undefined) return;
    track.acuMs += track.capacityAcu * (atMs - track.sinceMs);
    if (track.capacity.length === 0 || capacityAcu !== track.capacityAcu) track.capacity.push([atMs, capacityAcu]);
    track.acuMin = Math.min(track.acuMin, capacityAcu);
    track.acuMax = Math.max(track.acuMax, capacityAcu);
    if (phase === 'paused' && track.phase !== 'paused') track.pauses.push({ pausedAtMs: atMs });
    const pause = track.pauses[track.pauses.length - 1];
    if (pause !== undefined && phase === 'resuming' && pause.resumeStartedAtMs === undefined) pause.resumeStartedAtMs = atMs;
    if (pause !== undefined && phase === 'running' && track.phase !== 'running' && pause.runningAtMs === undefined) {
      pause.runningAtMs = atMs;
      if (pause.resumeStartedAtMs !== undefined) pause.resumeMs = atMs - pause.resumeStartedAtMs;
    }
    track.phase = phase;
    track.capacityAcu = capacityAcu;
    track.sinceMs = atMs;
  }

  private onLoad(instance: string, demandAcu: number, capacityAcu: number): void {
    const track = this.tracks.get(instance);
    if (track === undefined) return;
    track.demandAcu = demandAcu;
    const percent = loadPercentOf(demandAcu, capacityAcu);
    track.loadPercentSum += percent;
    track.loadPeriods++;
    if (percent > 100) track.saturatedPeriods++;
  }

  /** Each instance's capacity and utilization now. */
  now(): ServerlessCapacityNow[] {
    return [...this.tracks.values()].map((track) => ({
      instance: track.placed.instance,
      phase: track.phase,
      capacityAcu: track.capacityAcu,
      acuUtilizationPercent: acuUtilizationPercentOf(track.capacityAcu, this.options.spec.maxAcu),
      loadPercent: track.phase === 'running' ? loadPercentOf(track.demandAcu, track.capacityAcu) : 0,
    }));
  }

  /** The report's `serverless` block, as of now. */
  report(): ServerlessReport {
    const nowMs = this.options.nowMs();
    const { spec } = this.options;
    const instances = [...this.tracks.values()].map((track): ServerlessInstanceReport => {
      const acuMs = track.acuMs + track.capacityAcu * (nowMs - track.sinceMs);
      const served = this.options.servedBy(track.placed.instance);
      return {
        instance: track.placed.instance,
        tier: track.placed.tier,
        scaling: track.placed.role,
        phase: track.phase,
        capacityAcu: track.capacityAcu,
        capacity: track.capacity.map(([atMs, acu]): [number, number] => [atMs, acu]),
        acuMin: track.acuMin === Infinity ? 0 : track.acuMin,
        acuMax: track.acuMax,
        acuMean: nowMs > 0 ? acuMs / nowMs : track.capacityAcu,
        acuHours: acuMs / HOUR_MS,
        loadPercentMean: track.loadPeriods === 0 ? 0 : track.loadPercentSum / track.loadPeriods,
        saturatedPeriods: track.saturatedPeriods,
        pauses: track.pauses.map((pause) => ({ ...pause })),
        heldTransactions: track.held,
        cache: { gets: served.gets, hits: served.getsFromCache, hitRatio: served.gets === 0 ? 1 : served.getsFromCache / served.gets },
      };
    });
    return {
      minAcu: spec.minAcu,
      maxAcu: spec.maxAcu,
      autoPauseAfterS: spec.autoPauseAfterS,
      resumeMs: spec.resumeMs,
      cacheBlocksPerAcu: spec.cacheBlocksPerAcu,
      acuHours: instances.reduce((sum, instance) => sum + instance.acuHours, 0),
      instances,
    };
  }
}
