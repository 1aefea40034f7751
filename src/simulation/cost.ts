/**
 * What a run costs at a price list (docs/semantics.md, "Cost"), item by item as an Aurora bill
 * has them (User Guide, "DB instance billing for Aurora"): instance hours (or, for Aurora Serverless
 * v2, ACU-hours), storage GiB-months, I/O
 * requests (Aurora Standard only), backup storage beyond the free amount, data sent to other
 * regions, and a Global Database's replicated write I/Os. Each item is billed for the run, then
 * extrapolated to a month of 730 hours at the same rates: hours, I/Os and bytes sent scale with
 * time, storage is a level and is billed for the month as it stood on average.
 *
 * Both storage configurations are priced for the same run, so the report can say which is cheaper
 * for this workload: the scenario's (`cost.storageConfiguration`) and the other one.
 *
 * Quantities come from the run's metrics (`cloudwatch.ts`), the topology, the backup report and the
 * Serverless v2 report's ACU-hours (the integral of each instance's reported capacity), never from
 * the machines' memory.
 */
import type { ResolvedTopology } from '../cluster/scenario.js';
import type { MetricsReport } from './cloudwatch.js';
import type { InstanceClassPrice, PriceList } from './prices.js';

/** Hours in the month an extrapolation bills: AWS's 730. */
export const HOURS_PER_MONTH = 730;
/** An ACU's memory (User Guide, "How Aurora Serverless v2 works": about 2 GiB per ACU). */
export const GIB_PER_ACU = 2;
const GIB = 2 ** 30;

/** Aurora's two cluster storage configurations (API `StorageType` `aurora` and `aurora-iopt1`). */
export type StorageConfiguration = 'standard' | 'io-optimized';

/** One line of a bill. */
export interface CostItem {
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  amount: number;
}

/** A bill: its items and their total. */
export interface Bill {
  items: CostItem[];
  total: number;
}

/** The report's `cost` block. */
export interface CostReport {
  prices: { region: string; currency: string; dated: string; source: string };
  storageConfiguration: StorageConfiguration;
  /** The run's simulated hours. */
  hours: number;
  /** The run at the scenario's storage configuration. */
  run: Bill;
  /** A month at the run's rates, at the scenario's storage configuration. */
  perMonth: Bill;
  /** The same month at the other configuration. */
  alternative: { storageConfiguration: StorageConfiguration; perMonth: Bill };
  /** Which configuration's month costs less. */
  cheaper: StorageConfiguration;
  /** I/O requests' share of the Aurora Standard month: I/O-Optimized pays off above about 25 %. */
  ioShareOfStandard: number;
  /** Whether storage was billed at `cost.billedStorageGiB` rather than the run's VolumeBytesUsed. */
  storageBilledAs: 'volumeBytesUsed' | 'billedStorageGiB';
}

/** What the bill is computed from. */
export interface CostInput {
  topology: ResolvedTopology;
  prices: PriceList;
  storageConfiguration: StorageConfiguration;
  /** Bill storage at this size instead of the simulated volume's (a what-if for a bigger database). */
  billedStorageGiB?: number;
  simulatedMs: number;
  metrics: MetricsReport;
  /** The backup service's storage held at the end (retained log and snapshots, manual snapshots), bytes. */
  backupBytes?: number;
  /**
   * Given (a `topology.serverless` section), every instance is Aurora Serverless v2 and is billed
   * for its capacity: the run's ACU-hours summed over the instances (0 while paused), not by class.
   */
  serverlessAcuHours?: number;
}

/** The smallest instance class with at least `memoryGiB`, else the largest. */
export function instanceClassFor(prices: PriceList, memoryGiB: number): InstanceClassPrice {
  const classes = [...prices.instanceClasses].sort((a, b) => a.memoryGiB - b.memoryGiB);
  return classes.find((candidate) => candidate.memoryGiB >= memoryGiB) ?? classes[classes.length - 1]!;
}

/** The run's bill at both configurations; see the file header. */
export function costOf(input: CostInput): CostReport {
  const { prices, storageConfiguration } = input;
  const other: StorageConfiguration = storageConfiguration === 'standard' ? 'io-optimized' : 'standard';
  const hours = input.simulatedMs / 3_600_000;
  const mine = bills(input, storageConfiguration, hours);
  const theirs = bills(input, other, hours);
  const standard = storageConfiguration === 'standard' ? mine.perMonth : theirs.perMonth;
  const ioTotal = standard.items.filter((item) => item.item.startsWith('I/O requests')).reduce((sum, item) => sum + item.amount, 0);
  return {
    prices: { region: prices.region, currency: prices.currency, dated: prices.dated, source: prices.source },
    storageConfiguration,
    hours,
    run: mine.run,
    perMonth: mine.perMonth,
    alternative: { storageConfiguration: other, perMonth: theirs.perMonth },
    cheaper: theirs.perMonth.total < mine.perMonth.total ? other : storageConfiguration,
    ioShareOfStandard: standard.total > 0 ? ioTotal / standard.total : 0,
    storageBilledAs: input.billedStorageGiB === undefined ? 'volumeBytesUsed' : 'billedStorageGiB',
  };
}

/** The run's bill and the month's at one configuration. */
function bills(input: CostInput, configuration: StorageConfiguration, hours: number): { run: Bill; perMonth: Bill } {
  const { topology, prices, metrics } = input;
  const optimized = configuration === 'io-optimized';
  const run: CostItem[] = [];
  const month: CostItem[] = [];
  // Rates scale with time: the month bills them `HOURS_PER_MONTH / hours` times over.
  const scale = hours > 0 ? HOURS_PER_MONTH / hours : 0;
  const rate = (item: string, quantity: number, unit: string, unitPrice: number): void => {
    run.push({ item, quantity, unit, unitPrice, amount: quantity * unitPrice });
    month.push({ item, quantity: quantity * scale, unit, unitPrice, amount: quantity * scale * unitPrice });
  };
  // Levels are billed per GiB-month: the run holds them for `hours`, the month for all of it.
  const level = (item: string, gib: number, unitPrice: number): void => {
    run.push({ item, quantity: (gib * hours) / HOURS_PER_MONTH, unit: 'GiB-month', unitPrice, amount: ((gib * hours) / HOURS_PER_MONTH) * unitPrice });
    month.push({ item, quantity: gib, unit: 'GiB-month', unitPrice, amount: gib * unitPrice });
  };

  // Aurora Serverless v2 bills ACU-hours ("Aurora Serverless v2 ... per ACU-hour" on the pricing
  // page): the writer and every replica of a serverless topology, paused time free.
  const serverless = input.serverlessAcuHours !== undefined;
  if (serverless) {
    rate('Serverless v2 capacity', input.serverlessAcuHours ?? 0, 'ACU-hours', optimized ? prices.serverlessAcuHour.ioOptimized : prices.serverlessAcuHour.standard);
  }
  // Instances: the writer at its size (16 ACUs, as assembled), each replica at its own, and each
  // secondary region's read-only instances at the writer's (a spare standby is not running).
  const instances = serverless ? [] : [
    { count: 1, sizeAcu: 16 },
    ...topology.replicas.map((replica) => ({ count: 1, sizeAcu: replica.sizeAcu })),
    ...(topology.global?.secondaries ?? []).map((secondary) => ({ count: secondary.instances.length, sizeAcu: 16 })),
  ];
  const byClass = new Map<string, { price: InstanceClassPrice; count: number }>();
  for (const instance of instances) {
    if (instance.count === 0) continue;
    const price = instanceClassFor(prices, instance.sizeAcu * GIB_PER_ACU);
    byClass.set(price.name, { price, count: (byClass.get(price.name)?.count ?? 0) + instance.count });
  }
  for (const { price, count } of byClass.values()) {
    rate(`instances ${price.name} (${count})`, count * hours, 'instance-hours', optimized ? price.ioOptimizedPerHour : price.standardPerHour);
  }

  const volumes = 1 + (topology.global?.secondaries.length ?? 0);
  const volumeGiB = input.billedStorageGiB ?? averageOf(metrics, 'VolumeBytesUsed') / GIB;
  level(`storage (${volumes === 1 ? 'the volume' : `${volumes} volumes`})`, volumes * volumeGiB, optimized ? prices.storageGiBMonth.ioOptimized : prices.storageGiBMonth.standard);
  if (!optimized) {
    const ios = sumOf(metrics, 'VolumeReadIOPs') + sumOf(metrics, 'VolumeWriteIOPs');
    rate('I/O requests', ios / 1e6, 'million', prices.ioPerMillion);
  }
  const replicated = sumOf(metrics, 'AuroraGlobalDBReplicatedWriteIO');
  // I/O-Optimized includes a cluster's I/Os; we read its secondaries' replicated writes as included too [I].
  if (replicated > 0 && !optimized) rate('Global Database replicated write I/Os', replicated / 1e6, 'million', prices.globalReplicatedWriteIoPerMillion);
  const crossRegion = sumOf(metrics, 'NetworkBytes', { Locality: 'crossRegion' });
  if (crossRegion > 0) rate('data sent to other regions', crossRegion / GIB, 'GiB', prices.crossRegionTransferPerGiB);
  if (input.backupBytes !== undefined) {
    // Backup storage up to the volume's size is free (User Guide, "Understanding Amazon Aurora backup storage usage").
    const billable = Math.max(0, input.backupBytes / GIB - volumeGiB);
    level('backup storage beyond the free amount', billable, prices.backupStorageGiBMonth);
  }
  return { run: { items: run, total: totalOf(run) }, perMonth: { items: month, total: totalOf(month) } };
}

function totalOf(items: readonly CostItem[]): number {
  return items.reduce((sum, item) => sum + item.amount, 0);
}

function seriesOf(metrics: MetricsReport, metric: string, dimensions?: Record<string, string>) {
  return metrics.series.filter((series) => series.metric === metric && (dimensions === undefined || JSON.stringify(series.dimensions) === JSON.stringify(dimensions)));
}

/** The run's total of a `Sum` metric over every series of that name (or of those dimensions). */
function sumOf(metrics: MetricsReport, metric: string, dimensions?: Record<string, string>): number {
  return seriesOf(metrics, metric, dimensions).reduce((sum, series) => sum + series.sum, 0);
}

/** A gauge's average over the run's periods, 0 without one. */
function averageOf(metrics: MetricsReport, metric: string): number {
  return seriesOf(metrics, metric)[0]?.average ?? 0;
}
