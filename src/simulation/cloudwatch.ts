/**
 * The operator's view of a run: the CloudWatch metrics of Aurora a user already knows, by their
 * names (AWS User Guide, "Amazon CloudWatch metrics for Amazon Aurora"), sampled on virtual time in
 * periods of `metrics.periodMs` (docs/semantics.md, "Metrics"). Each period closes into one
 * datapoint per series on {@link CloudWatchMetrics.datapoints$}, then the report sums each series
 * up and `run --metrics FILE` writes every datapoint.
 *
 * Everything is read from what the run emits (world events, network sends, the Global Database's
 * lag samples), never from the machines' memory; nothing here schedules, sends or draws, so runs
 * hash the same with it. A period closes at the first thing that happens at or after its end, or
 * when the report is made: the values are those of the period, whenever it closes, and a run with
 * nothing happening for a while gets its quiet periods all at once.
 *
 * How the storage figures are counted (docs/protocol.md §14.1, billing and I/O):
 * - a **write I/O** is 4 KiB of log a writer sends one PG in one batch, counted once although six
 *   segments receive it (Aurora FAQ: write I/Os are counted in 4 KiB units, and batched writes
 *   under 4 KiB share one); a resent batch counts again;
 * - a **read I/O** is one page read from storage (a `readPage`), a hedged second read included;
 * - **VolumeBytesUsed** is one 16 KiB page per block any record has written, at the period's end;
 * - **Deadlocks** (a multi-writer cluster's, as MySQL's metric of that name) counts the deadlock
 *   errors the clients got, per second;
 * - **message sizes** (for the network bytes) follow the record sizes of the backup archive: a log
 *   record is a 64-byte header plus its key and value, a page 16 KiB, and each message a 64-byte
 *   header of its own.
 *
 * With Serverless v2 instances, **ServerlessDatabaseCapacity** is each instance's capacity averaged
 * over the period's time (0 while paused or resuming), from the scalers' capacity reports, and
 * **ACUUtilization** that average as a percent of the maximum capacity, as the User Guide defines it
 * ("Important Amazon CloudWatch metrics for Aurora Serverless v2"). With a `security` section,
 * **LoginFailures** counts the connects the front door refused and answered, per second: a packet the
 * security group dropped never reached the database, so no database counted it.
 */
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RedoRecord } from '../../models/messages.js';
import type { WorldEvent } from '../cluster/host.js';
import { entryTimeMs } from '../cluster/history.js';
import type { HistoryEntry } from '../cluster/history.js';
import type { VirtualClock } from '../kernel/clock.js';
import type { Envelope, Network } from '../kernel/network.js';
import { PAGE_BYTES, recordBytes } from '../protocol/backup-archive.js';
import type { LogRecord } from '../protocol/lsn.js';
import type { GlobalLagSample } from './global-panel.js';
import { ReplicaLag } from './replica-lag.js';

/** A write I/O is this much log (Aurora FAQ: "Write I/Os are counted in 4KB units"). */
export const WRITE_IO_BYTES = 4 * 1024;
/** The modelled header of every message on the network. */
export const MESSAGE_HEADER_BYTES = 64;
/** The sampling period when the scenario sets none: 1 s, CloudWatch's high-resolution period. */
export const METRICS_PERIOD_MS_DEFAULT = 1_000;

/** CloudWatch's units, as its API spells them. */
export type MetricUnit = 'Milliseconds' | 'Count' | 'Count/Second' | 'Bytes' | 'Percent';
/** How a period's samples become its datapoint; `Last` is the value as the period ends (a gauge). */
export type MetricStatistic = 'Average' | 'Sum' | 'Maximum' | 'Last';
/** Where a message went, from the sender's and the receiver's localities. */
export type NetworkLocality = 'sameAz' | 'crossAz' | 'crossRegion';

/** One datapoint: the value of one series over the period that ended at `atMs`. */
export interface MetricDatum {
  atMs: number;
  metric: string;
  /** CloudWatch's dimensions, e.g. `{ DBInstanceIdentifier: 'inst:us-east-1:replica1' }`; `{}` for the cluster. */
  dimensions: Readonly<Record<string, string>>;
  statistic: MetricStatistic;
  unit: MetricUnit;
  value: number;
}

/** One series over the whole run, for the report. */
export interface MetricSeriesSummary {
  metric: string;
  dimensions: Readonly<Record<string, string>>;
  statistic: MetricStatistic;
  unit: MetricUnit;
  /** Periods with a datapoint (a latency or lag series has none in a period without samples). */
  datapoints: number;
  average: number;
  minimum: number;
  maximum: number;
  /** The sum of the datapoints (meaningful for `Sum` series: the run's total). */
  sum: number;
  /** The last datapoint. */
  last: number;
}

/** The report's `metrics` block. */
export interface MetricsReport {
  periodMs: number;
  /** Whole periods closed. */
  periods: number;
  series: MetricSeriesSummary[];
}

/** Options of {@link CloudWatchMetrics}. */
export interface CloudWatchOptions {
  /** Subscribes a handler to the world's events (`World.listen`). */
  listen: (handler: (event: WorldEvent) => void) => unknown;
  network: Network;
  clock: VirtualClock;
  periodMs: number;
  /** Actors outside the primary's cluster (as the run figures exclude them). */
  excluded: { has(actorId: string, kind?: string): boolean };
  /** The primary's region: write batches of excluded actors elsewhere are a Global Database's replicated writes. */
  primaryRegion: string;
  /** A Global Database's lag samples (`JudgePanel.globalLag$`); completes at once without one. */
  globalLag$: Observable<GlobalLagSample>;
  /** The Serverless v2 maximum capacity, with a `topology.serverless` section: ACUUtilization is capacity over it. */
  serverlessMaxAcu?: number;
  /** Whether the cluster has a front door (a `security` section): LoginFailures is reported then. */
  loginFailures?: boolean;
  /** Whether the cluster has several writers (`topology.multiWriter`): Deadlocks is reported then. */
  deadlocks?: boolean;
}

/** The modelled size of a message on the network (see the file header). */
export function messageBytes(message: unknown): number {
  const fields = message as { records?: readonly LogRecord[]; values?: unknown; bytes?: unknown };
  let bytes = MESSAGE_HEADER_BYTES;
  if (Array.isArray(fields.records)) bytes += logBytes(fields.records as readonly LogRecord[]);
  if (fields.values !== undefined) bytes += PAGE_BYTES;
  if (typeof fields.bytes === 'number') bytes += fields.bytes;
  return bytes;
}

const logBytesMemo = new WeakMap<readonly LogRecord[], number>();
/** The log bytes of a batch, memoized per array: a batch goes to six segments as one array. */
function logBytes(records: readonly LogRecord[]): number {
  let bytes = logBytesMemo.get(records);
  if (bytes === undefined) {
    bytes = 0;
    for (const record of records) bytes += recordBytes(record);
    logBytesMemo.set(records, bytes);
  }
  return bytes;
}

/** Write I/Os of one batch: its log in 4 KiB units, at least one. */
export function writeIosOf(records: readonly LogRecord[]): number {
  return Math.max(1, Math.ceil(logBytes(records) / WRITE_IO_BYTES));
}

/** Per-period sums and maxima, reset as each period closes. */
interface PeriodAccumulator {
  commitLatencySumMs: number;
  commits: number;
  writeIos: number;
  readIos: number;
  networkBytes: Record<NetworkLocality, number>;
  replicaLag: Map<string, { sumMs: number; samples: number }>;
  globalRpoLagMaxMs: Map<string, number>;
  globalReplicationLag: Map<string, { sumMs: number; samples: number }>;
  globalWriteIos: Map<string, number>;
  globalBytes: Map<string, number>;
  /** Capacity × time within the period, per Serverless v2 instance, up to its last capacity change. */
  acuMs: Map<string, number>;
  /** Connects the front door refused and answered. */
  loginFailures: number;
  /** Deadlock errors the clients got (a multi-writer cluster's lost page conflicts). */
  deadlocks: number;
}

function emptyPeriod(): PeriodAccumulator {
  return {
    commitLatencySumMs: 0,
    commits: 0,
    writeIos: 0,
    readIos: 0,
    networkBytes: { sameAz: 0, crossAz: 0, crossRegion: 0 },
    replicaLag: new Map(),
    globalRpoLagMaxMs: new Map(),
    globalReplicationLag: new Map(),
    globalWriteIos: new Map(),
    globalBytes: new Map(),
    acuMs: new Map(),
    loginFailures: 0,
    deadlocks: 0,
  };
}

/** The metrics of one run; see the file header. */
export class CloudWatchMetrics {
  /** Every datapoint as its period closes, in time order (series in a fixed order within a period). */
  readonly datapoints$: Observable<MetricDatum>;
  private readonly subject = new Subject<MetricDatum>();
  private readonly summaries = new Map<string, MetricSeriesSummary>();
  private period = emptyPeriod();
  private periodEndMs: number;
  private periods = 0;
  /** Invoke times of write transactions not yet answered (CommitLatency is invoke to ok). */
  private readonly writesInvokedAtMs = new Map<number, number>();
  /** Blocks some record wrote, as `pg:block` (VolumeBytesUsed). */
  private readonly blocksWritten = new Set<string>();
  /** Each Serverless v2 instance's capacity in force and since when (within the current period). */
  private readonly capacity = new Map<string, { capacityAcu: number; sinceMs: number }>();
  /** Commit-to-visible lag per replica, from the same observations the run figures use (`replica-lag.ts`). */
  private readonly replicaLag = new ReplicaLag({ keepSamples: false, onLag: (instance, _atMs, lagMs) => this.onReplicaLag(instance, lagMs) });

  constructor(private readonly options: CloudWatchOptions) {
    if (!(Number.isInteger(options.periodMs) && options.periodMs >= 1)) throw new RangeError(`periodMs must be a whole number of ms ≥ 1, got ${options.periodMs}`);
    this.periodEndMs = options.periodMs;
    this.datapoints$ = this.subject.asObservable();
    options.listen((event) => this.onEvent(event));
    options.network.onSend((envelope) => this.onSend(envelope));
    options.globalLag$.subscribe((sample) => this.onGlobalLag(sample));
  }

  /**
   * Closes every period that has ended by now. A period still going on stays open (a run whose
   * duration is not a whole number of periods reports its whole periods only), so this may be
   * called at any time, as the report is.
   */
  closeEnded(): void {
    this.closeThrough(this.options.clock.now());
  }

  /** The report's `metrics` block: every series summed up so far (call {@link closeEnded} first). */
  report(): MetricsReport {
    return { periodMs: this.options.periodMs, periods: this.periods, series: [...this.summaries.values()].map((summary) => ({ ...summary, dimensions: { ...summary.dimensions } })) };
  }

  private onEvent(event: WorldEvent): void {
    this.closeThrough(event.atMs);
    if (event.source === 'history') this.onHistoryEntry(event.entry);
    else if (event.source === 'publish') {
      if (event.publication.stream === 'redo' && !this.options.excluded.has(event.actorId)) {
        for (const record of event.publication.item.records as readonly RedoRecord[]) this.blocksWritten.add(`${record.pg}:${record.blockId}`);
      }
    } else if (!this.options.excluded.has(event.actorId, event.observation.kind)) {
      const observation = event.observation;
      if (observation.kind === 'serverlessCapacity') this.onCapacity(event.atMs, observation.instance, observation.capacityAcu);
      else if (observation.kind === 'connectionAttempt' && observation.outcome === 'refused' && observation.answered) this.period.loginFailures++;
      else this.replicaLag.observe(event.atMs, observation);
    }
  }

  /** A capacity change: the capacity before it counts up to now. */
  private onCapacity(atMs: number, instance: string, capacityAcu: number): void {
    const before = this.capacity.get(instance);
    if (before !== undefined) add(this.period.acuMs, instance, before.capacityAcu * (atMs - before.sinceMs));
    this.capacity.set(instance, { capacityAcu, sinceMs: atMs });
  }

  private onHistoryEntry(entry: HistoryEntry): void {
    if (entry.type === 'fail' && entry.error === 'deadlock') this.period.deadlocks++;
    if (entry.type === 'invoke') {
      if (entry.value.some(([f]) => f === 'w')) this.writesInvokedAtMs.set(entry.txnId, entryTimeMs(entry));
      return;
    }
    const invokedAtMs = this.writesInvokedAtMs.get(entry.txnId);
    if (invokedAtMs === undefined) return;
    this.writesInvokedAtMs.delete(entry.txnId);
    if (entry.type !== 'ok') return;
    this.period.commits++;
    this.period.commitLatencySumMs += entryTimeMs(entry) - invokedAtMs;
  }

  private onSend(envelope: Envelope): void {
    this.closeThrough(envelope.sentAtMs);
    const { network, excluded, primaryRegion } = this.options;
    const from = network.localityOf(envelope.from);
    const to = network.localityOf(envelope.to);
    const bytes = messageBytes(envelope.message);
    if (from !== undefined && to !== undefined) {
      const locality: NetworkLocality = from.regionId !== to.regionId ? 'crossRegion' : from.azId !== to.azId ? 'crossAz' : 'sameAz';
      this.period.networkBytes[locality] += bytes;
    }
    const message = envelope.message as { type?: string; records?: readonly LogRecord[] };
    if (message.type === 'globalShip' && to !== undefined) add(this.period.globalBytes, to.regionId, bytes);
    if (message.type === 'readPage' && !excluded.has(envelope.from)) this.period.readIos++;
    if (message.type !== 'writeBatch' || message.records === undefined || this.batchesCounted.has(message.records)) return;
    this.batchesCounted.add(message.records);
    if (!excluded.has(envelope.from)) this.period.writeIos += writeIosOf(message.records);
    else if (from !== undefined && from.regionId !== primaryRegion) add(this.period.globalWriteIos, from.regionId, writeIosOf(message.records));
  }

  /** Batches already counted: the six copies of one batch share one records array. */
  private readonly batchesCounted = new WeakSet<readonly LogRecord[]>();

  private onReplicaLag(instance: string, lagMs: number): void {
    const lag = this.period.replicaLag.get(instance) ?? { sumMs: 0, samples: 0 };
    this.period.replicaLag.set(instance, { sumMs: lag.sumMs + lagMs, samples: lag.samples + 1 });
  }

  private onGlobalLag(sample: GlobalLagSample): void {
    this.closeThrough(sample.atMs);
    if (sample.kind === 'rpo') this.period.globalRpoLagMaxMs.set(sample.region, Math.max(this.period.globalRpoLagMaxMs.get(sample.region) ?? 0, sample.lagMs));
    else if (sample.kind === 'durability') {
      const lag = this.period.globalReplicationLag.get(sample.region) ?? { sumMs: 0, samples: 0 };
      this.period.globalReplicationLag.set(sample.region, { sumMs: lag.sumMs + sample.lagMs, samples: lag.samples + 1 });
    }
  }

  /** Closes the periods that ended at or before `atMs`. */
  private closeThrough(atMs: number): void {
    while (atMs >= this.periodEndMs) this.closePeriod(this.periodEndMs);
  }

  /** Emits the datapoints of the period ending at `endMs`. */
  private closePeriod(endMs: number): void {
    const p = this.period;
    const lengthS = this.options.periodMs / 1000;
    const point = (metric: string, statistic: MetricStatistic, unit: MetricUnit, value: number, dimensions: Record<string, string> = {}): void =>
      this.emit({ atMs: endMs, metric, dimensions, statistic, unit, value });
    if (p.commits > 0) point('CommitLatency', 'Average', 'Milliseconds', p.commitLatencySumMs / p.commits);
    point('CommitThroughput', 'Average', 'Count/Second', p.commits / lengthS);
    point('VolumeWriteIOPs', 'Sum', 'Count', p.writeIos);
    point('VolumeReadIOPs', 'Sum', 'Count', p.readIos);
    point('VolumeBytesUsed', 'Last', 'Bytes', this.blocksWritten.size * PAGE_BYTES);
    const lags = [...p.replicaLag].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [instance, lag] of lags) point('AuroraReplicaLag', 'Average', 'Milliseconds', lag.sumMs / lag.samples, { DBInstanceIdentifier: instance });
    if (lags.length > 0) point('AuroraReplicaLagMaximum', 'Maximum', 'Milliseconds', Math.max(...lags.map(([, lag]) => lag.sumMs / lag.samples)));
    for (const region of sortedKeys(p.globalRpoLagMaxMs)) point('AuroraGlobalDBRPOLag', 'Maximum', 'Milliseconds', p.globalRpoLagMaxMs.get(region)!, { SecondaryRegion: region });
    for (const region of sortedKeys(p.globalReplicationLag)) {
      const lag = p.globalReplicationLag.get(region)!;
      point('AuroraGlobalDBReplicationLag', 'Average', 'Milliseconds', lag.sumMs / lag.samples, { SecondaryRegion: region });
    }
    for (const region of sortedKeys(p.globalWriteIos)) point('AuroraGlobalDBReplicatedWriteIO', 'Sum', 'Count', p.globalWriteIos.get(region)!, { SecondaryRegion: region });
    for (const region of sortedKeys(p.globalBytes)) point('AuroraGlobalDBDataTransferBytes', 'Sum', 'Bytes', p.globalBytes.get(region)!, { SecondaryRegion: region });
    for (const locality of ['sameAz', 'crossAz', 'crossRegion'] as const) point('NetworkBytes', 'Sum', 'Bytes', p.networkBytes[locality], { Locality: locality });
    const { serverlessMaxAcu, periodMs } = this.options;
    if (serverlessMaxAcu !== undefined) {
      for (const instance of [...this.capacity.keys()].sort()) {
        const now = this.capacity.get(instance)!;
        const meanAcu = ((p.acuMs.get(instance) ?? 0) + now.capacityAcu * (endMs - now.sinceMs)) / periodMs;
        this.capacity.set(instance, { capacityAcu: now.capacityAcu, sinceMs: endMs });
        point('ServerlessDatabaseCapacity', 'Average', 'Count', meanAcu, { DBInstanceIdentifier: instance });
        point('ACUUtilization', 'Average', 'Percent', (meanAcu / serverlessMaxAcu) * 100, { DBInstanceIdentifier: instance });
      }
    }
    if (this.options.loginFailures === true) point('LoginFailures', 'Average', 'Count/Second', p.loginFailures / lengthS);
    if (this.options.deadlocks === true) point('Deadlocks', 'Average', 'Count/Second', p.deadlocks / lengthS);
    this.periods++;
    this.period = emptyPeriod();
    this.periodEndMs = endMs + this.options.periodMs;
  }

  private emit(datum: MetricDatum): void {
    const key = `${datum.metric}|${JSON.stringify(datum.dimensions)}`;
    const summary = this.summaries.get(key);
    if (summary === undefined) {
      this.summaries.set(key, { metric: datum.metric, dimensions: datum.dimensions, statistic: datum.statistic, unit: datum.unit, datapoints: 1, average: datum.value, minimum: datum.value, maximum: datum.value, sum: datum.value, last: datum.value });
    } else {
      summary.datapoints++;
      summary.sum += datum.value;
      summary.average = summary.sum / summary.datapoints;
      summary.minimum = Math.min(summary.minimum, datum.value);
      summary.maximum = Math.max(summary.maximum, datum.value);
      summary.last = datum.value;
    }
    this.subject.next(datum);
  }
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function sortedKeys(map: ReadonlyMap<string, unknown>): string[] {
  return [...map.keys()].sort();
}
