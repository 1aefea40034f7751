/**
 * Run series: one run over virtual time, sampled at a fixed interval, for the HTML report
 * (`run --html`, docs/simulation-guide.md, "The HTML report") and for anyone charting a run in
 * code:
 *
 * ```ts
 * const sim = new Simulation({ seed: 1, scenario });
 * const sampler = new RunSampler(sim);
 * sampler.run();            // instead of sim.run()
 * sampler.series();         // plain JSON-ready arrays, one value per interval
 * ```
 *
 * The sampler only observes, so a sampled run is the run unsampled, with the same traceHash
 * (docs/determinism.md): it subscribes to the world stream (`sim.streams.events$`) after every
 * part of the world, schedules nothing on the clock, and reads state between clock steps. It
 * advances the clock to each interval's end with `runUntil`, which fires exactly the callbacks a
 * single `runUntil` to the end would, in the same order.
 *
 * What each series is made of:
 * - commits and commit latency: client outcomes on the world stream (the history's `ok` of a
 *   write transaction, latency = ok − invoke, as `report.latencyMs`), bucketed by completion time;
 * - the writer's VCL/VDL: its `watermarks` observations, the last value at the interval's end
 *   (none while the instance is down);
 * - each segment's SCL: its `persisted`, `truncationApplied` and `gcAdvanced` observations;
 *   each PG's PGCL is computed from those SCLs under the judged write quorum
 *   (src/check/quorum-rule.ts; SIGMOD'18 §2.3: PGCL is the highest LSN a write quorum holds);
 * - quorum health: at each interval's end, which members of the PG's configuration in force are
 *   up and linked both ways with the cluster endpoint's instance (the network's own verdict on the
 *   faults applied: AZ outages and crashes take segments down, partitions cut links), and whether
 *   those meet the judged write quorum (4 of 6) and the configuration's read quorum (3 of 6,
 *   SIGMOD'17 §2.1). While that instance is down, only whether a copy is up counts;
 * - replica lag: commit acknowledged on the writer → visible on the replica (`replica-lag.ts`),
 *   p50 and max of the commits that became visible in the interval.
 *
 * Memory is bounded by the number of samples, not by simulated time: the interval is chosen so
 * the planned duration gives at most `maxPoints` samples, latencies are kept for the current
 * interval only, and per-PG and per-segment series are kept for at most `pgLimit` PGs (those the
 * faults name first); counts of PGs without a quorum cover every PG up to
 * {@link ALL_PG_HEALTH_MAX}.
 */
import type { Subscription } from 'rxjs';
import { judgedWriteQuorum } from '../check/quorum-rule.js';
import type { WorldEvent } from '../cluster/host.js';
import type { Lsn } from '../protocol/ids.js';
import type { Observation } from '../protocol/observations.js';
import { membersOf, pgcl, satisfies } from '../protocol/quorum.js';
import { quantile } from './quantile.js';
import { ReplicaLag } from './replica-lag.js';
import type { Simulation } from './simulation.js';

/** Options of {@link RunSampler}. */
export interface RunSamplerOptions {
  /**
   * Virtual ms between samples. @defaultValue the smallest of 100, 200, 500, 1000, 2000, 5000, …
   * ms that keeps the planned duration within `maxPoints` samples
   */
  intervalMs?: number;
  /** Samples the planned duration may take when the interval is chosen. @defaultValue 2000 */
  maxPoints?: number;
  /** The run's planned length, for choosing the interval. @defaultValue the scenario's `durationMs` */
  plannedMs?: number;
  /** PGs with their own quorum, PGCL and SCL series. @defaultValue 16 */
  pgLimit?: number;
}

/** Quorum health and PGCL of one PG, one value per sample. */
export interface PgSeries {
  pg: number;
  /** Members of the configuration in force (6, or more during a membership change). */
  copies: number[];
  /** Members up and linked with the writer (see the file header). */
  reachable: number[];
  /** Whether the reachable members meet the judged write quorum. */
  writeQuorum: boolean[];
  /** Whether they meet the configuration's read quorum. */
  readQuorum: boolean[];
  /** PGCL from the segments' reported SCLs under the judged write quorum. */
  pgcl: number[];
}

/** The run sampled; see the file header. Every array has one entry per `timesMs` entry. */
export interface RunSeries {
  intervalMs: number;
  /** Virtual time of each sample (the end of its interval), ms. */
  timesMs: number[];
  commits: {
    /** Write transactions the clients saw acknowledged in the interval. */
    acknowledged: number[];
    /** Transactions that failed or timed out (outcome unknown) in the interval. */
    failedOrUnknown: number[];
    /** Commit latency (ms) of the interval's acknowledged commits; null when there were none. */
    latencyMsP50: (number | null)[];
    latencyMsP99: (number | null)[];
    latencyMsMax: (number | null)[];
  };
  /** Per-PG series, for at most `pgLimit` PGs (see {@link RunSeries.pgsOmitted}). */
  pgs: PgSeries[];
  /** PGs whose per-PG series were left out to bound the series' size. */
  pgsOmitted: number;
  /** Over every PG: how many lacked a write quorum, and a read quorum; null past {@link ALL_PG_HEALTH_MAX} PGs. */
  pgsWithoutWriteQuorum: number[] | null;
  pgsWithoutReadQuorum: number[] | null;
  /** Each segment of the sampled PGs (replacements too, from when they join): SCL, null before its first report. */
  segments: { id: string; pg: number; scl: (number | null)[] }[];
  /** Each instance that reported watermarks: its VCL and VDL, null before its first report or while down. */
  writers: { instance: string; vcl: (number | null)[]; vdl: (number | null)[] }[];
  /** Each replica that applied redo: lag (ms) of the commits that became visible in the interval. */
  replicas: { instance: string; lagMsP50: (number | null)[]; lagMsMax: (number | null)[] }[];
  /** The control plane's failover steps (docs/protocol.md §9). */
  failoverPhases: { atMs: number; phase: string; writer: string; candidate?: string }[];
  /** Membership changes in force (docs/protocol.md §8; SIGMOD'18 §4.1). */
  membershipChanges: { atMs: number; pg: number; phase: string; change?: string; members: number }[];
}

/** Up to this many PGs, every sample also counts the PGs without a quorum over all of them. */
export const ALL_PG_HEALTH_MAX = 1024;

/** The default interval: the first of 100, 200, 500 ms × 10^n that fits `plannedMs` in `maxPoints`. */
export function chooseIntervalMs(plannedMs: number, maxPoints: number): number {
  for (let scale = 100; ; scale *= 10) {
    for (const step of [1, 2, 5]) {
      if (plannedMs / (step * scale) <= maxPoints) return step * scale;
    }
  }
}

const pgOfSegmentId = (id: string): number | undefined => {
  const match = /^seg:pg(\d+):/.exec(id);
  return match === null ? undefined : Number(match[1]);
};

interface SegmentTrack {
  id: string;
  pg: number;
  scl: (number | null)[];
}

/** Samples a simulation as it runs; see the file header. */
export class RunSampler {
  readonly intervalMs: number;
  private readonly sampledPgs: number[];
  private readonly pgsOmitted: number;
  private readonly timesMs: number[] = [];
  private readonly commits: RunSeries['commits'] = { acknowledged: [], failedOrUnknown: [], latencyMsP50: [], latencyMsP99: [], latencyMsMax: [] };
  private readonly pgs: PgSeries[];
  private readonly withoutWrite: number[] | null;
  private readonly withoutRead: number[] | null;
  private readonly segmentTracks = new Map<string, SegmentTrack>();
  private readonly writerTracks = new Map<string, { instance: string; vcl: (number | null)[]; vdl: (number | null)[] }>();
  private readonly replicaTracks = new Map<string, { instance: string; lagMsP50: (number | null)[]; lagMsMax: (number | null)[]; current: number[] }>();
  private readonly failoverPhases: RunSeries['failoverPhases'] = [];
  private readonly membershipChanges: RunSeries['membershipChanges'] = [];
  /** The latest SCL each segment reported (every PG: PGCL needs all of a PG's members). */
  private readonly sclBySegment: Record<string, Lsn> = {};
  private readonly watermarks = new Map<string, { vcl: number; vdl: number }>();
  private readonly invokedAtMs = new Map<number, number>();
  private intervalLatencies: number[] = [];
  private intervalFailed = 0;
  private readonly lag: ReplicaLag;
  private readonly subscription: Subscription;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly sim: Simulation,
    options: RunSamplerOptions = {},
  ) {
    const maxPoints = options.maxPoints ?? 2000;
    if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) throw new RangeError(`RunSampler: maxPoints must be a positive integer, got ${maxPoints}`);
    this.intervalMs = options.intervalMs ?? chooseIntervalMs(options.plannedMs ?? sim.scenario.durationMs, maxPoints);
    if (!(this.intervalMs > 0)) throw new RangeError(`RunSampler: intervalMs must be above 0, got ${this.intervalMs}`);
    const pgCount = sim.scenario.topology.pgCount;
    this.sampledPgs = pickPgs(sim, options.pgLimit ?? 16);
    this.pgsOmitted = pgCount - this.sampledPgs.length;
    this.pgs = this.sampledPgs.map((pg) => ({ pg, copies: [], reachable: [], writeQuorum: [], readQuorum: [], pgcl: [] }));
    this.withoutWrite = pgCount <= ALL_PG_HEALTH_MAX ? [] : null;
    this.withoutRead = pgCount <= ALL_PG_HEALTH_MAX ? [] : null;
    this.lag = new ReplicaLag({ keepSamples: false, onLag: (instance, _atMs, lagMs) => this.replicaTrack(instance).current.push(lagMs) });
    // A throw inside an rxjs subscriber would surface later on a real timer: keep it, rethrow from run().
    this.subscription = sim.streams.events$.subscribe((event) => {
      try {
        this.onEvent(event);
      } catch (error) {
        this.failure ??= { error };
      }
    });
  }

  /**
   * Runs the simulation to `untilMs` (default: the scenario's end), sampling at the end of every
   * interval on the way (and once at the start, when nothing was sampled yet).
   */
  run(untilMs: number = this.sim.scenario.durationMs): this {
    const clock = this.sim.kernel.clock;
    if (this.timesMs.length === 0) this.sample();
    while (clock.now() < untilMs) {
      const next = Math.min(untilMs, (Math.floor(clock.now() / this.intervalMs) + 1) * this.intervalMs);
      clock.runUntil(next);
      this.rethrow();
      this.sample();
    }
    return this;
  }

  /** Stops listening to the world stream (the series taken so far stay readable). */
  stop(): void {
    this.subscription.unsubscribe();
  }

  /** The series so far, as plain data (copies: later samples do not change it). */
  series(): RunSeries {
    const copy = <T>(values: readonly T[]): T[] => [...values];
    return {
      intervalMs: this.intervalMs,
      timesMs: copy(this.timesMs),
      commits: {
        acknowledged: copy(this.commits.acknowledged),
        failedOrUnknown: copy(this.commits.failedOrUnknown),
        latencyMsP50: copy(this.commits.latencyMsP50),
        latencyMsP99: copy(this.commits.latencyMsP99),
        latencyMsMax: copy(this.commits.latencyMsMax),
      },
      pgs: this.pgs.map((pg) => ({ pg: pg.pg, copies: copy(pg.copies), reachable: copy(pg.reachable), writeQuorum: copy(pg.writeQuorum), readQuorum: copy(pg.readQuorum), pgcl: copy(pg.pgcl) })),
      pgsOmitted: this.pgsOmitted,
      pgsWithoutWriteQuorum: this.withoutWrite === null ? null : copy(this.withoutWrite),
      pgsWithoutReadQuorum: this.withoutRead === null ? null : copy(this.withoutRead),
      segments: [...this.segmentTracks.values()].map((track) => ({ id: track.id, pg: track.pg, scl: copy(track.scl) })),
      writers: [...this.writerTracks.values()].map((track) => ({ instance: track.instance, vcl: copy(track.vcl), vdl: copy(track.vdl) })),
      replicas: [...this.replicaTracks.values()].sort((a, b) => (a.instance < b.instance ? -1 : 1)).map((track) => ({ instance: track.instance, lagMsP50: copy(track.lagMsP50), lagMsMax: copy(track.lagMsMax) })),
      failoverPhases: this.failoverPhases.map((phase) => ({ ...phase })),
      membershipChanges: this.membershipChanges.map((change) => ({ ...change })),
    };
  }

  private rethrow(): void {
    const failure = this.failure;
    if (failure === undefined) return;
    this.failure = undefined;
    throw failure.error;
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'history') {
      const { entry } = event;
      if (entry.type === 'invoke') {
        this.invokedAtMs.set(entry.txnId, event.atMs);
        return;
      }
      const invokedAtMs = this.invokedAtMs.get(entry.txnId);
      this.invokedAtMs.delete(entry.txnId);
      // The report's commit latency: ok of a write transaction (commit LSN above 0), ok − invoke.
      if (entry.type === 'ok' && (entry.commitLsn ?? 0) > 0 && invokedAtMs !== undefined) this.intervalLatencies.push(event.atMs - invokedAtMs);
      else if (entry.type !== 'ok') this.intervalFailed++;
      return;
    }
    if (event.source === 'observe') this.onObservation(event.atMs, event.observation);
  }

  private onObservation(atMs: number, observation: Observation): void {
    this.lag.observe(atMs, observation);
    switch (observation.kind) {
      case 'watermarks':
        this.watermarks.set(observation.instance, { vcl: observation.vcl, vdl: observation.vdl });
        break;
      case 'persisted':
      case 'truncationApplied':
      case 'gcAdvanced':
        this.sclBySegment[observation.segment] = observation.scl as Lsn;
        break;
      case 'failover':
        this.failoverPhases.push({ atMs, phase: observation.phase, writer: observation.writer, ...(observation.candidate === undefined ? {} : { candidate: observation.candidate }) });
        break;
      case 'membershipInstalled':
        this.membershipChanges.push({ atMs, pg: observation.pg, phase: observation.phase, ...(observation.change === undefined ? {} : { change: observation.change }), members: observation.members.length });
        break;
      default:
        break;
    }
  }

  private sample(): void {
    const index = this.timesMs.length;
    const { network } = this.sim.kernel;
    this.timesMs.push(this.sim.kernel.clock.now());
    // Commits of the interval just ended.
    const latencies = this.intervalLatencies.sort((a, b) => a - b);
    const none = latencies.length === 0;
    this.commits.acknowledged.push(latencies.length);
    this.commits.failedOrUnknown.push(this.intervalFailed);
    this.commits.latencyMsP50.push(none ? null : quantile(latencies, 0.5));
    this.commits.latencyMsP99.push(none ? null : quantile(latencies, 0.99));
    this.commits.latencyMsMax.push(none ? null : (latencies[latencies.length - 1] as number));
    this.intervalLatencies = [];
    this.intervalFailed = 0;
    // Quorum health, against the instance clients write to now.
    const writer = this.sim.endpoint;
    const writerUp = network.has(writer) && !network.isDown(writer);
    const reachable = (segment: string): boolean =>
      network.has(segment) && !network.isDown(segment) && (!writerUp || (network.linkOpen(writer, segment) && network.linkOpen(segment, writer)));
    const health = (pg: number): { copies: number; reachable: number; write: boolean; read: boolean } => {
      const quorums = this.sim.quorums[pg];
      if (quorums === undefined) return { copies: 0, reachable: 0, write: false, read: false };
      const members = [...new Set([...membersOf(quorums.write), ...membersOf(quorums.read)])];
      const up = members.filter(reachable);
      return { copies: members.length, reachable: up.length, write: satisfies(judgedWriteQuorum(quorums.write), up), read: satisfies(quorums.read, up) };
    };
    for (const series of this.pgs) {
      const now = health(series.pg);
      series.copies.push(now.copies);
      series.reachable.push(now.reachable);
      series.writeQuorum.push(now.write);
      series.readQuorum.push(now.read);
      const write = this.sim.quorums[series.pg]?.write;
      series.pgcl.push(write === undefined ? 0 : pgcl(judgedWriteQuorum(write), this.sclBySegment));
      for (const id of this.sim.membersByPg[series.pg] ?? []) {
        let track = this.segmentTracks.get(id);
        if (track === undefined) {
          track = { id, pg: pgOfSegmentId(id) ?? series.pg, scl: new Array<number | null>(index).fill(null) };
          this.segmentTracks.set(id, track);
        }
        track.scl.push(this.sclBySegment[id] ?? null);
      }
    }
    if (this.withoutWrite !== null && this.withoutRead !== null) {
      let withoutWrite = 0;
      let withoutRead = 0;
      for (let pg = 0; pg < this.sim.scenario.topology.pgCount; pg++) {
        const now = health(pg);
        if (!now.write) withoutWrite++;
        if (!now.read) withoutRead++;
      }
      this.withoutWrite.push(withoutWrite);
      this.withoutRead.push(withoutRead);
    }
    for (const [instance, marks] of this.watermarks) {
      let track = this.writerTracks.get(instance);
      if (track === undefined) {
        track = { instance, vcl: new Array<number | null>(index).fill(null), vdl: new Array<number | null>(index).fill(null) };
        this.writerTracks.set(instance, track);
      }
      const down = network.isDown(instance);
      track.vcl.push(down ? null : marks.vcl);
      track.vdl.push(down ? null : marks.vdl);
    }
    for (const track of this.replicaTracks.values()) {
      const lags = track.current.sort((a, b) => a - b);
      track.lagMsP50.push(lags.length === 0 ? null : quantile(lags, 0.5));
      track.lagMsMax.push(lags.length === 0 ? null : (lags[lags.length - 1] as number));
      track.current = [];
    }
  }

  private replicaTrack(instance: string): { instance: string; lagMsP50: (number | null)[]; lagMsMax: (number | null)[]; current: number[] } {
    let track = this.replicaTracks.get(instance);
    if (track === undefined) {
      const index = this.timesMs.length;
      track = { instance, lagMsP50: new Array<number | null>(index).fill(null), lagMsMax: new Array<number | null>(index).fill(null), current: [] };
      this.replicaTracks.set(instance, track);
    }
    return track;
  }
}

/**
 * The PGs sampled one by one: those the faults name (a segment, or a storage node's segments)
 * first, then PG 0, 1, … up to `limit`; ascending.
 */
function pickPgs(sim: Simulation, limit: number): number[] {
  const pgCount = sim.scenario.topology.pgCount;
  const picked = new Set<number>();
  const add = (pg: number | undefined): void => {
    if (pg !== undefined && pg < pgCount && picked.size < limit) picked.add(pg);
  };
  for (const fault of sim.scenario.faults) {
    if ('segment' in fault) add(pgOfSegmentId(fault.segment));
    if ('node' in fault) for (const segment of sim.topology.nodes.find((node) => node.id === fault.node)?.segments ?? []) add(pgOfSegmentId(segment));
    if (fault.kind === 'partition') for (const name of [...fault.sideA, ...(fault.sideB ?? [])]) add(pgOfSegmentId(name));
  }
  for (let pg = 0; pg < pgCount && picked.size < limit; pg++) add(pg);
  return [...picked].sort((a, b) => a - b);
}
