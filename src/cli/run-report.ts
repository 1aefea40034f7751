/**
 * The readable form of a run report, for someone who knows Aurora from the AWS documentation:
 * first whether each protection group's copies were reachable and what that allowed (six copies,
 * reads need three, writes four: SIGMOD'17 §2.1, docs/protocol.md §2), then the writes, reads,
 * replica lag and which instance is the writer, then the timeline with the cause of each stall
 * where the run knows it, every judge's verdict, and last the protocol's internal watermarks. It
 * ends with the command that replays the run. Field meanings: docs/semantics.md, "Report fields".
 */
import { pgCountMaxOf } from '../protocol/geometry.js';
import type { Scenario } from '../cluster/scenario.js';
import { azActorId } from '../cluster/assemble.js';
import { resolveTopology, writerId } from '../cluster/topology.js';
import { PLANTS } from '../protocol/plants.js';
import type { AvailabilityInterval } from '../simulation/availability.js';
import { WRITE_STALL_MS } from '../simulation/metrics.js';
import { COPY_ON_WRITE_CLONES_MAX } from '../cluster/restores.js';
import type { MetricUnit } from '../simulation/cloudwatch.js';
import type { SimulationReport } from '../simulation/report.js';

const plural = (count: number, noun: string): string => `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
const ms = (value: number): string => (value >= 100 ? at(value) : `${value.toFixed(2)} ms`);
/**
 * A point in virtual time, rounded to the millisecond; from 10 minutes on, also on a clock (`3 h
 * 05 min`), so hours-long runs such as `backtrack` read at a glance.
 */
function at(value: number): string {
  const rounded = `${Math.round(value).toLocaleString('en-US')} ms`;
  return value >= CLOCK_FROM_MS ? `${rounded} (${clock(value)})` : rounded;
}
const CLOCK_FROM_MS = 600_000;
/** Hours, minutes and seconds, leaving out what is zero at the end: `3 h 05 min`, `24 h`, `12 min 30 s`. */
function clock(value: number): string {
  const totalS = Math.round(value / 1000);
  const [h, min, s] = [Math.floor(totalS / 3600), Math.floor((totalS % 3600) / 60), totalS % 60];
  const parts = h > 0 ? [`${h} h`, `${String(min).padStart(2, '0')} min`, `${String(s).padStart(2, '0')} s`] : [`${min} min`, `${String(s).padStart(2, '0')} s`];
  while (parts.length > 1 && /^0+ /.test(parts[parts.length - 1]!)) parts.pop();
  return parts.join(' ');
}
const count = (value: number): string => value.toLocaleString('en-US');
/** Seconds, for durations people compare with minutes (failover timing). */
const seconds = (value: number): string => `${Number((value / 1000).toFixed(1)).toLocaleString('en-US')} s`;
/** A duration: ms below a second, seconds above. */
const duration = (value: number): string => (value < 1000 ? ms(value) : seconds(value));

/** Where each readable line's label ends: the value starts in this column. */
const LABEL_WIDTH = 12;
const label = (name: string): string => name.padEnd(LABEL_WIDTH);
const continued = ' '.repeat(LABEL_WIDTH);

/** One line describing the scenario's shape. */
export function describeScenario(scenario: Scenario): string[] {
  const { topology, workload } = scenario;
  const azs = topology.regions[0]?.azs.length ?? 0;
  const segments = topology.pgCount * 6;
  const global = topology.global;
  const secondaries = global === undefined ? [] : [`global      primary ${topology.regions[0]?.id ?? ''}; ${plural(global.secondaries.length, 'secondary region')} (${global.secondaries.map((secondary) => secondary.region).join(', ')}), each with its own volume of ${segments} segments in 3 AZs`];
  const backup = scenario.backup;
  const backupLine =
    backup === undefined
      ? []
      : [`backup      continuous, to the region's object store (S3): each PG staged every ${ms(backup.stagePeriodMs)}, page snapshots every ${ms(backup.snapshotPeriodMs)}, retention ${plural(backup.retentionDays, 'day')}`];
  const growth = topology.growth;
  const growthLine =
    growth === undefined
      ? []
      : [`growth      from ${plural(topology.pgCount, 'PG')} up to ${count(pgCountMaxOf(growth.maxVolumeBytes))} PGs (${bytesText(growth.maxVolumeBytes)}, 10 GiB per PG); keys placed in order, ${growth.keysPerBlock} per block`];
  const phases = workload.phases ?? [];
  const phaseText = phases.length === 0 ? '' : `; then ${phases.map((phase) => `${phase.commitsPerS}/s${phase.readerTxnsPerS === undefined ? '' : ` (+${phase.readerTxnsPerS} reads/s)`} from ${seconds(phase.atMs)}`).join(', ')}`;
  const security = scenario.security;
  const securityLine =
    security === undefined
      ? []
      : [
          `security    VPC ${security.vpcCidr}, security group ${security.allowedCidrs.join(', ') || '(no inbound rule)'}; TLS ${security.requireTls ? 'required' : 'optional'}; ${security.iamAuth ? `IAM authentication, tokens valid ${security.tokenTtlMs >= 60_000 ? clock(security.tokenTtlMs) : duration(security.tokenTtlMs)}` : 'password authentication'}; ${security.encrypted ? `encrypted at rest (KMS key ${security.kmsKeyId ?? '?'})` : 'not encrypted at rest'}`,
        ];
  return [
    `topology    ${plural(topology.regions.length, 'region')}, ${azs} AZs in the primary, ${topology.pgCount} PGs (${segments} segments${topology.segmentKinds === 'fullTail' ? ', full/tail' : ''}) on ${topology.storageNodesPerAz * 3} storage nodes${topology.multiWriter === undefined ? `; writer in ${topology.writerAz}` : ''}`,
    ...secondaries,
    ...backupLine,
    ...growthLine,
    ...serverlessScenarioLine(scenario),
    ...securityLine,
    ...multiWriterScenarioLine(scenario),
    `workload    ${workload.commitsPerS} commits/s from ${workload.clients} clients, ${plural(workload.putsPerTxn, 'put')} + ${plural(workload.getsPerTxn, 'get')} per transaction${phaseText}, for ${at(scenario.durationMs)}`,
  ];
}

/** How each unit reads after a number. */
const UNIT_WORDS: Record<MetricUnit, string> = { Milliseconds: 'ms', Count: '', 'Count/Second': '/s', Bytes: 'bytes', Percent: '%' };

/** Bytes in the largest binary unit that leaves at least 1, one decimal. */
function binaryBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) if (Math.abs(bytes) >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${Math.round(bytes)} bytes`;
}

/** A metric value: two decimals below 10, whole numbers with separators above; bytes in KiB to GiB. */
function metricValue(value: number, unit: MetricUnit): string {
  if (unit === 'Bytes') return binaryBytes(value);
  const number = Math.abs(value) < 10 && !Number.isInteger(value) ? value.toFixed(2) : Math.round(value).toLocaleString('en-US');
  const words = UNIT_WORDS[unit];
  return words === '' ? number : words.startsWith('/') ? `${number}${words}` : `${number} ${words}`;
}

/**
 * The CloudWatch-style metrics (docs/semantics.md, "Metrics"): one line per series, with its
 * statistic per period averaged over the run, its lowest and highest period, and for sums the
 * run's total.
 */
function metricsLines(report: SimulationReport): string[] {
  const metrics = report.metrics;
  if (metrics === undefined || metrics.series.length === 0) return [];
  const names = metrics.series.map((series) => series.metric + dimensionText(series.dimensions));
  const width = Math.max(...names.map((name) => name.length));
  return [
    `metrics     CloudWatch names, ${plural(metrics.periods, 'period')} of ${ms(metrics.periodMs)}: per period on average [lowest, highest]`,
    ...metrics.series.map((series, i) => {
      const total = series.statistic === 'Sum' ? `; ${metricValue(series.sum, series.unit)} in all` : '';
      return `  ${names[i]!.padEnd(width)}  ${series.statistic.toLowerCase()} ${metricValue(series.average, series.unit)} [${metricValue(series.minimum, series.unit)}, ${metricValue(series.maximum, series.unit)}]${total}`;
    }),
    '',
  ];
}

const CONFIGURATION_WORDS = { standard: 'Aurora Standard', 'io-optimized': 'Aurora I/O-Optimized' } as const;

/** Money with cents, or four decimals below a cent (a few simulated seconds cost fractions of one). */
function money(amount: number, currency: string): string {
  const symbol = currency === 'USD' ? '$' : `${currency} `;
  return `${symbol}${amount >= 0.01 || amount === 0 ? amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : amount.toFixed(4)}`;
}

/**
 * The bill (docs/semantics.md, "Cost"): the run, a month at its rates item by item, and the other
 * storage configuration's month, with I/O's share that decides between them.
 */
function costLines(report: SimulationReport): string[] {
  const cost = report.cost;
  if (cost === undefined) return [];
  const { currency } = cost.prices;
  const items = cost.perMonth.items.map((item) => `${item.item} ${money(item.amount, currency)}`).join(', ');
  const alternative = cost.alternative.perMonth.total;
  const verdict = cost.cheaper === cost.storageConfiguration ? 'dearer' : 'cheaper';
  return [
    `cost        ${cost.prices.region} on-demand prices (${currency}, dated ${cost.prices.dated}): this run ${money(cost.run.total, currency)}; a month at its rates ${money(cost.perMonth.total, currency)} on ${CONFIGURATION_WORDS[cost.storageConfiguration]}`,
    `            ${items}${cost.storageBilledAs === 'billedStorageGiB' ? ' (storage billed at cost.billedStorageGiB)' : ''}`,
    `            ${CONFIGURATION_WORDS[cost.alternative.storageConfiguration]} would cost ${money(alternative, currency)} a month, ${verdict}: I/O requests are ${Math.round(cost.ioShareOfStandard * 100)} % of the Standard bill (I/O-Optimized pays off above about 25 %)`,
    '',
  ];
}

function dimensionText(dimensions: Readonly<Record<string, string>>): string {
  const values = Object.values(dimensions);
  return values.length === 0 ? '' : ` (${values.join(', ')})`;
}

/** Aurora Serverless v2's range, pause and groups (docs/protocol.md §11.3), when the topology has it. */
/** A multi-writer cluster's writers and read consistency (docs/protocol.md §11.2), and skewed keys. */
function multiWriterScenarioLine({ topology, workload }: Scenario): string[] {
  const spec = topology.multiWriter;
  const hot = workload.hotKeys === undefined ? [] : [`hot keys    ${Math.round(workload.hotKeys.share * 100)} % of key choices from the first ${plural(workload.hotKeys.keys, 'key')} of ${count(workload.keys)}`];
  if (spec === undefined) return hot;
  const consistency = spec.consistency === 'regional-raw' ? 'REGIONAL_RAW (a read waits for every writer\'s commits)' : 'INSTANCE_RAW (a read sees its writer\'s pages)';
  return [`multi-writer ${spec.writers} writers of at most ${spec.maxWriters}, one volume; ${consistency}; commits ship to the other writers after ${ms(spec.replicationDelayMs)}`, ...hot];
}

function serverlessScenarioLine({ topology }: Scenario): string[] {
  const spec = topology.serverless;
  if (spec === undefined) return [];
  const pause = spec.minAcu === 0 ? `, auto-pause after ${seconds(spec.autoPauseAfterS * 1000)} idle, resume ${seconds(spec.resumeMs)}` : '';
  const following = topology.replicas.filter((replica) => replica.tier <= 1).length;
  const alone = topology.replicas.length - following;
  return [`serverless  ${spec.minAcu}–${spec.maxAcu} ACU${pause}; the writer and ${plural(following, 'tier-0/1 reader')} scale together, ${plural(alone, 'reader')} on ${alone === 1 ? 'its' : 'their'} own; cache ${spec.cacheBlocksPerAcu} blocks per ACU`];
}

/** The report as the `run` command prints it without `--json`. */
export function formatRunReport(report: SimulationReport, scenario: Scenario, replay: string): string {
  const failedInvariants = report.invariants.filter((result) => !result.ok);
  const lines = [
    ...(report.plant === undefined ? [] : [`PLANT       ${report.plant} is on: ${PLANTS[report.plant]} (docs/plants.md)`]),
    `scenario    ${report.scenario}: ${report.description}`,
    ...describeScenario(scenario),
    '',
    ...availabilityLines(report),
    '',
    ...writeLines(report, scenario),
    ...readLines(report),
    ...replicaLagLines(report),
    ...globalLines(report),
    ...backupLines(report),
    ...cloneLines(report),
    ...backtrackLines(report),
    ...growthLines(report),
    ...serverlessLines(report),
    ...securityLines(report),
    ...multiWriterLines(report),
    // A multi-writer cluster's writers have their lines above (conflicts); its single-writer instance serves nothing.
    ...(report.multiWriter === undefined ? writerLines(report, scenario) : []),
    durabilityLine(report),
    '',
    'timeline',
    ...timeline(report, scenario).map((entry) => `  ${at(entry.atMs).padStart(11)}  ${entry.what}`),
    '',
    'invariants',
    ...report.invariants.map((result) => `  ${result.ok ? 'ok  ' : 'FAIL'}  ${result.name} (${result.kind}${result.boundMs === undefined ? '' : ` within ${result.boundMs} ms`})${verdictNote(result)}`),
    ...failedInvariants.flatMap((result) => result.firstViolations.map((v) => `        at ${ms(v.atMs)}: ${v.message}`)),
    ...report.storage.lost.map((lost) => `        lost txn ${lost.txnId}: ${lost.missing}`),
    '',
    ...metricsLines(report),
    ...costLines(report),
    ...internalLines(report),
    '',
    `trace       ${report.traceEvents} events, traceHash ${report.traceHash}`,
    `replay      ${replay}`,
    '',
  ];
  return lines.join('\n');
}

// --- availability ---------------------------------------------------------------------------

/** Intervals listed per group of PGs before the rest are only counted. */
const INTERVALS_SHOWN = 12;

/** What an interval allowed, in the documentation's terms. */
function allowed(interval: AvailabilityInterval): string {
  const { readQuorum, writeQuorum, readQuorumRule, writeQuorumRule } = interval;
  if (readQuorum && writeQuorum) return `: reads and writes went on (writes need ${writeQuorumRule})`;
  if (readQuorum) return `, so reads could go on (they need ${readQuorumRule}) and writes (which need ${writeQuorumRule}) waited`;
  if (writeQuorum) return `: writes went on (they need ${writeQuorumRule}); reads (which need ${readQuorumRule}) could not`;
  return `, so neither reads (which need ${readQuorumRule}) nor writes (which need ${writeQuorumRule}) could go on`;
}

function intervalText(interval: AvailabilityInterval): string {
  const until = interval.ongoing === true ? `until the end of the run (${at(interval.toMs)})` : `to ${at(interval.toMs)}`;
  return `${interval.copiesReachable} of ${interval.copies} copies reachable from ${at(interval.fromMs)} ${until}${allowed(interval)}`;
}

/** `PG 0`, `PGs 1, 2, 3`. */
function pgLabel(pgs: readonly number[]): string {
  return pgs.length === 1 ? `PG ${pgs[0]}` : `PGs ${pgs.join(', ')}`;
}

function availabilityLines(report: SimulationReport): string[] {
  const heading = 'availability  copies of each protection group (PG) reachable from the writer: a PG keeps 6 copies, 2 in each of 3 AZs';
  const { pgs } = report.availability;
  if (pgs.length === 0) return [heading, '  every copy of every PG was reachable throughout the run'];
  // PGs that went through the same intervals (an AZ out touches every PG alike) share one entry.
  const groups = new Map<string, { pgs: number[]; intervals: AvailabilityInterval[] }>();
  for (const { pg, intervals } of pgs) {
    const key = JSON.stringify(intervals);
    const group = groups.get(key) ?? { pgs: [], intervals };
    group.pgs.push(pg);
    groups.set(key, group);
  }
  const lines = [heading];
  for (const group of groups.values()) {
    const name = pgLabel(group.pgs);
    for (const interval of group.intervals.slice(0, INTERVALS_SHOWN)) lines.push(`  ${name}: ${intervalText(interval)}`);
    const more = group.intervals.length - INTERVALS_SHOWN;
    if (more > 0) lines.push(`  ${name}: ${plural(more, 'more interval')} (the JSON report's availability lists them)`);
  }
  return lines;
}

// --- writes, reads, replicas, writer ---------------------------------------------------------

/** What each error a client can get means (docs/protocol.md §9, failover; §5, read replicas). */
const FAILURE_WORDS: Record<string, string> = {
  connectionRefused: 'refused because the instance the endpoint pointed at was down',
  fenced: 'refused by a writer fenced off by a newer one',
  recovering: 'refused while the new writer recovered the volume',
  restarting: 'refused by a replica restarting',
  serializationFailure: 'refused by serializable validation',
  readOnly: 'writes refused by a replica',
  readPointCollected: "refused by a replica whose read point storage had already garbage-collected",
};

function writeLines(report: SimulationReport, scenario: Scenario): string[] {
  const { commits, latencyMs } = report;
  const lines = [
    `${label('writes')}${count(commits.attempted)} transactions attempted = ${count(commits.acknowledged)} acknowledged + ${count(commits.failed)} failed + ${count(commits.unknown)} unknown (timed out) + ${count(commits.inFlight)} still in flight at the end`,
  ];
  const failures = Object.entries(commits.failedBy);
  if (failures.length > 0) {
    const parts = failures.map(([error, times]) => `${count(times)} ${FAILURE_WORDS[error] ?? error}`);
    lines.push(`${continued}failed (refused, no effect): ${parts.join('; ')}`);
  }
  if (commits.skipped > 0) {
    // A client runs one transaction at a time and arrivals are not queued (src/cluster/workload.ts).
    lines.push(`${continued}${count(commits.skipped)} arrivals were not sent because all ${scenario.workload.clients} clients were waiting for their transaction to finish`);
  }
  lines.push(`${continued}commit latency p50 ${ms(latencyMs.commitP50)}, p99 ${ms(latencyMs.commitP99)}, max ${ms(latencyMs.commitMax)}`);
  return lines;
}

function readLines(report: SimulationReport): string[] {
  const { reads, pageReads } = report;
  const gets = reads.getsOnWriter + reads.getsOnReplicas;
  const lines: string[] = [];
  if (gets === 0) lines.push(`${label('reads')}none answered`);
  else if (reads.getsOnReplicas === 0) lines.push(`${label('reads')}${count(gets)} gets answered, all by the writer`);
  else lines.push(`${label('reads')}${count(gets)} gets answered: ${count(reads.getsOnWriter)} by the writer, ${count(reads.getsOnReplicas)} by replicas`);
  if (reads.readOnlyTxns > 0) {
    lines.push(`${continued}read-only transactions: ${count(reads.readOnlyTxns)}, latency p50 ${ms(reads.readOnlyLatencyMsP50 ?? 0)}, p99 ${ms(reads.readOnlyLatencyMsP99 ?? 0)}`);
  }
  if (reads.getsOnWriter > reads.readOnlyTxns && gets > 0) lines.push(`${continued}(a get in a write transaction is answered with its commit, so its latency is the commit latency)`);
  if (pageReads !== undefined) {
    lines.push(`${continued}page reads from storage on cache misses: ${count(pageReads.reads)} (${count(pageReads.hedged)} hedged), latency p50 ${ms(pageReads.latencyMsP50)}, p99 ${ms(pageReads.latencyMsP99)}`);
  }
  return lines;
}

function replicaLagLines(report: SimulationReport): string[] {
  if (report.replicas === undefined) return [];
  const entries = Object.entries(report.replicas.byReplica);
  if (entries.length === 0) return [`${label('replica lag')}no replica applied a commit in this run`];
  return entries.map(
    ([replica, lag], index) =>
      `${index === 0 ? label('replica lag') : continued}${replica}: p50 ${ms(lag.lagMsP50)}, p99 ${ms(lag.lagMsP99)}, max ${ms(lag.lagMsMax)} over ${plural(lag.samples, 'commit')}${lag.restarts > 0 ? ` (${plural(lag.restarts, 'restart')})` : ''}`,
  );
}

/**
 * A Global Database's secondaries (docs/protocol.md §11.1; §13, G1 and G5): how long the primary's
 * durable point took to become durable in each, and the RPO lag (how much committed time a
 * failover to it would lose), as the AWS documentation's lag figures are read.
 */
function globalLines(report: SimulationReport): string[] {
  if (report.global === undefined) return [];
  const { global } = report;
  const secondaries = global.secondaries.flatMap((secondary, index) => {
    const { durabilityLagMs: durability, rpoLagMs: rpo } = secondary;
    const first = `${index === 0 ? label('secondaries') : continued}${secondary.region} (${secondary.state}): durable to LSN ${count(secondary.durableLsn)} of the primary's VDL ${count(global.primaryVdl)}`;
    const lag =
      durability.samples === 0
        ? `${continued}  no primary VDL advance became durable there in this run`
        : `${continued}  durability lag p50 ${ms(durability.p50)}, p99 ${ms(durability.p99)}, max ${ms(durability.max)} over ${plural(durability.samples, 'VDL advance')}`;
    const visibility = Object.entries(secondary.visibilityLagMs).map(([instance, lag]) =>
      lag.samples === 0
        ? `${continued}  ${instance}: no primary commit visible yet`
        : `${continued}  ${instance}: primary commits visible after p50 ${ms(lag.p50)}, p99 ${ms(lag.p99)}, max ${ms(lag.max)} over ${plural(lag.samples, 'commit')}`,
    );
    if (secondary.formerPrimary === true) {
      const role = secondary.state.startsWith('secondary') ? `following ${global.primaryRegion}` : `not following ${global.primaryRegion} yet`;
      return [first, `${continued}  the first primary, ${role}: lags are measured for the first primary's secondaries only`];
    }
    const headless = Object.keys(secondary.visibilityLagMs).length === 0 ? [`${continued}  headless: no read-only instance`] : [];
    return [first, lag, `${continued}  RPO lag p50 ${ms(rpo.p50)}, p99 ${ms(rpo.p99)}, max ${ms(rpo.max)} (sampled ${plural(rpo.samples, 'time')}), ${ms(rpo.atEnd)} at the end`, ...visibility, ...headless];
  });
  return [...secondaries, ...global.promotions.flatMap(promotionLines), ...rpoControlLines(global), ...writeForwardingLines(global)];
}

/**
 * Write forwarding (§11.1): per forwarding secondary, its commits through the primary, how long
 * reads waited for their consistency level, and the read-backs that missed their session's own
 * last write (EVENTUAL may; SESSION and GLOBAL must not).
 */
function writeForwardingLines(global: NonNullable<SimulationReport['global']>): string[] {
  return (global.writeForwarding ?? []).flatMap((forwarding, index) => [
    `${index === 0 ? label('forwarding') : continued}${forwarding.region} (${forwarding.readConsistency.toUpperCase()}, ${plural(forwarding.sessions, 'session')}): ${plural(forwarding.forwardedCommits, 'forwarded commit')} of ${count(forwarding.forwardedWrites)} sent to the primary`,
    `${continued}  ${plural(forwarding.reads, 'read')} waited p50 ${ms(forwarding.readWaitMsP50)}, p99 ${ms(forwarding.readWaitMsP99)} for their consistency level; ${count(forwarding.readsMissingOwnWrite)} missed the session's own last write`,
  ]);
}

/** A size in bytes as the largest whole binary unit that divides it (128 TiB, 80 GiB), else in bytes. */
function bytesText(bytes: number): string {
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30]] as const) if (bytes >= size && bytes % size === 0) return `${count(bytes / size)} ${unit}`;
  return `${count(bytes)} bytes`;
}

/**
 * Storage growth (docs/protocol.md §1.1): the volume's size and PG count at the end, its geometry
 * changes with their times, and the writes refused past the maximum.
 */
function growthLines(report: SimulationReport): string[] {
  const growth = report.growth;
  if (growth === undefined) return [];
  const changes = growth.changes;
  const times = changes.length === 0 ? '' : `: ${changes.slice(0, 8).map((change) => `PG ${change.pg} at ${ms(change.atMs)}`).join(', ')}${changes.length > 8 ? `, … ${changes.length - 8} more` : ''}`;
  return [
    `${label('volume')}${plural(growth.pgCount, 'PG')} (${bytesText(growth.volumeBytes)}) of at most ${count(growth.pgCountMax)} (${bytesText(growth.maxVolumeBytes)}); geometry epoch ${growth.geometryEpoch}`,
    `${continued}${plural(changes.length, 'geometry change')}${times}`,
    `${continued}${plural(growth.refusedWrites, 'write')} refused past the maximum (volumeFull)`,
  ];
}

/** Runs of a capacity trace shown before the rest are only counted. */
const CAPACITY_RUNS_SHOWN = 10;

/**
 * A capacity trace, compact: each run of changes in one direction as `from→to (first–last s)`,
 * each pause as `paused at t`, each resume as `resumed at t (took d)`.
 */
function capacityRunsText(instance: NonNullable<SimulationReport['serverless']>['instances'][number]): string {
  const runs: string[] = [];
  const trace = instance.capacity;
  let i = 1;
  while (i < trace.length) {
    const [atMs, acu] = trace[i]!;
    const before = trace[i - 1]![1];
    if (acu === 0) {
      runs.push(`paused at ${seconds(atMs)}`);
      i++;
      continue;
    }
    if (before === 0) {
      const pause = instance.pauses.find((candidate) => candidate.runningAtMs === atMs);
      runs.push(`resumed at ${seconds(atMs)}${pause?.resumeMs === undefined ? '' : ` (took ${seconds(pause.resumeMs)})`}`);
      i++;
      continue;
    }
    const up = acu > before;
    let j = i;
    while (j + 1 < trace.length && trace[j + 1]![1] !== 0 && trace[j + 1]![1] > trace[j]![1] === up) j++;
    runs.push(`${before}→${trace[j]![1]} (${j === i ? seconds(atMs) : `${seconds(atMs)}–${seconds(trace[j]![0])}`})`);
    i = j + 1;
  }
  const shown = runs.slice(0, CAPACITY_RUNS_SHOWN).join(', ');
  const start = `${trace[0]?.[1] ?? 0} ACU at the start`;
  return runs.length === 0 ? start : `${start}; ${shown}${runs.length > CAPACITY_RUNS_SHOWN ? `, … ${runs.length - CAPACITY_RUNS_SHOWN} more` : ''}`;
}

/**
 * Aurora Serverless v2 (docs/protocol.md §11.3): per instance, how it scales, its capacity range
 * and mean, its ACU-hours, its load against its capacity, its cache hits, and its capacity trace
 * compacted into runs, pauses and resumes.
 */
function serverlessLines(report: SimulationReport): string[] {
  const serverless = report.serverless;
  if (serverless === undefined) return [];
  const how = { lead: 'the writer, leads tiers 0–1', follow: 'tier 0–1, with the writer', solo: 'on its own' } as const;
  const lines = [`${label('serverless')}${serverless.minAcu}–${serverless.maxAcu} ACU; ${serverless.acuHours.toFixed(4)} ACU-hours in all`];
  for (const instance of serverless.instances) {
    const held = instance.heldTransactions === 0 ? '' : `; ${plural(instance.heldTransactions, 'transaction')} held while paused`;
    lines.push(
      `${continued}${instance.instance} (${how[instance.scaling]}): ${instance.acuMin}–${instance.acuMax} ACU, mean ${instance.acuMean.toFixed(2)}, ${instance.acuHours.toFixed(4)} ACU-h; load ${Math.round(instance.loadPercentMean)} % of capacity on average, over 100 % in ${plural(instance.saturatedPeriods, 'second')}; cache hits ${Math.round(instance.cache.hitRatio * 100)} % of ${plural(instance.cache.gets, 'get')}${held}`,
      `${continued}  ${capacityRunsText(instance)}`,
    );
  }
  return lines;
}

/** Counts by reason, most first: `tlsRequired 202, noToken 201`. */
function byReason(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason} ${count(n)}`)
    .join(', ');
}

/** A group's token, in words. */
function tokenText(token: string, refreshed: boolean): string {
  if (token === 'valid') return refreshed ? 'a new valid token at each connect' : 'one valid token, held from the start';
  return { expired: 'an expired token', none: 'no token', wrongCluster: "another cluster's token", wrongUser: "another user's token" }[token] ?? `token ${token}`;
}

/**
 * A multi-writer cluster (docs/protocol.md §11.2): the conflicts, per writer its commits, deadlocks
 * and rollbacks, the replication lag between writers and, with REGIONAL_RAW, the reads' wait.
 */
function multiWriterLines(report: SimulationReport): string[] {
  const mw = report.multiWriter;
  if (mw === undefined) return [];
  const lines = [
    `${label('conflicts')}${count(mw.deadlocks)} deadlock errors (MySQL 1213) in ${count(mw.attemptedWrites)} write transactions: ${mw.conflictRatePer100} per 100; ${plural(mw.splitVotes, 'page version')} lost to a split vote; ${plural(mw.compensations, 'compensating change')}; ${plural(mw.rollbacksPending, 'rollback')} still pending`,
  ];
  for (const writer of mw.instances) {
    const crashes = writer.crashAborts === 0 ? '' : `, ${plural(writer.crashAborts, 'transaction')} given up at a crash`;
    lines.push(`${continued}${writer.instance} (${writer.azId}, ${writer.state}): ${count(writer.commits)} commits, ${count(writer.deadlocks)} deadlocks, ${count(writer.rollbacks)} rollbacks with ${count(writer.compensations)} compensating changes${crashes}`);
  }
  lines.push(`${label('replication')}writer to writer: lag p50 ${mw.replicationLagMsP50.toFixed(2)} ms, p99 ${mw.replicationLagMsP99.toFixed(2)} ms, max ${mw.replicationLagMsMax.toFixed(2)} ms over ${count(mw.replicationSamples)} applied entries${mw.replicationCatchUp.entries === 0 ? '' : `; ${count(mw.replicationCatchUp.entries)} more waited for a writer that was down (up to ${ms(mw.replicationCatchUp.lagMsMax)})`}`);
  const iso = mw.isolation;
  const anomalies = Object.entries(iso.anomalies).map(([name, n]) => `${name} ${count(n ?? 0)}`).join(', ') || 'none';
  lines.push(
    `${label('isolation')}promised (read committed, no lost update, read your writes on one writer): ${iso.promiseKept ? 'kept' : 'BROKEN'}; ${count(iso.lostUpdates)} lost updates, ${count(iso.readYourWrites.violations)} of ${count(iso.readYourWrites.checked)} own-write reads missed`,
    `${continued}not promised: serializable ${iso.serializable ? 'held' : 'did not hold'}, strict serializable ${iso.strictSerializable ? 'held' : 'did not hold'}; anomalies found: ${anomalies}${iso.truncated ? ' (search cut short: at least these)' : ''}`,
    ...iso.firstViolations.map((violation) => `${continued}  ${violation}`),
  );
  if (mw.regionalRawReads !== undefined) lines.push(`${continued}REGIONAL_RAW: ${count(mw.regionalRawReads)} reads waited p50 ${(mw.regionalRawWaitMsP50 ?? 0).toFixed(2)} ms, p99 ${(mw.regionalRawWaitMsP99 ?? 0).toFixed(2)} ms for the cluster-wide point`);
  return lines;
}

/**
 * Connection security (docs/protocol.md §15): the front door's attempts by outcome and reason, the
 * statements it passed, each client group's connections and transactions, and encryption at rest.
 */
function securityLines(report: SimulationReport): string[] {
  const security = report.security;
  if (security === undefined) return [];
  const { connections, statements, encryption } = security;
  const refused = connections.refused === 0 ? '' : ` (${byReason(connections.refusedBy)})`;
  const lines = [
    `${label('connections')}${count(connections.attempts)} attempts at ${security.frontDoor}: ${count(connections.accepted)} accepted, ${count(connections.refused)} refused${refused}, ${count(connections.unanswered)} of them never answered (dropped by the network); ${count(connections.closed.forced)} closed by a forced reconnect`,
    `${continued}${count(statements.passed)} gets and puts passed on accepted connections, ${count(statements.refused)} refused (no open connection); ${plural(security.tokensIssued, 'token')} made by IAM`,
  ];
  for (const group of security.clientGroups) {
    const name = group.group === 0 ? 'others' : `group ${group.group}`;
    const who = group.clients.count === 1 ? group.clients.first : `${group.clients.first} … ${group.clients.last}`;
    const { accepted, attempts } = group.connections;
    const groupRefused = group.connections.refused === 0 ? '' : `, refused ${byReason(group.connections.refusedBy)}`;
    const { ok, fail, info } = group.transactions;
    lines.push(`${label(name)}${who} from ${group.address}, ${group.tls ? 'TLS' : 'no TLS'}, ${tokenText(group.token, group.refreshTokens)}: ${count(accepted)} of ${count(attempts)} connects accepted${groupRefused}; ${count(ok)} transactions ok, ${count(fail)} failed, ${count(info)} unknown`);
  }
  const keyed = (item: { encrypted: boolean; kmsKeyId?: string }): string => (item.encrypted ? `encrypted (KMS key ${item.kmsKeyId ?? '?'})` : 'not encrypted');
  const clusters = encryption.clusters.map((cluster) => `${cluster.cluster}${cluster.from === undefined ? '' : ` (${cluster.from}${cluster.snapshot === undefined ? '' : ` of ${cluster.snapshot}`})`} ${keyed(cluster)}`);
  lines.push(`${label('encryption')}${clusters.join('; ')}`);
  for (const snapshot of encryption.snapshots) lines.push(`${continued}snapshot ${snapshot.name} ${keyed(snapshot)}`);
  for (const refusal of encryption.refused) lines.push(`${continued}${refusal.cluster} (${refusal.kind}) refused at ${ms(refusal.requestedAtMs)}: ${refusal.reason}`);
  return lines;
}

/**
 * Continuous backup and the point-in-time restores (docs/protocol.md §10): how far the object store
 * holds the volume, what staging cost, and for each restore the point it reached, how far behind
 * the time asked that is, how long it took, and S20's check of it.
 */
function backupLines(report: SimulationReport): string[] {
  const backup = report.backup;
  if (backup === undefined) return [];
  const latest = backup.latestRestorableTimeMs === null ? 'none yet' : `${ms(backup.latestRestorableTimeMs)} (${ms(backup.restorableLagMs ?? 0)} before the end; VDL ${count(backup.latestRestorableLsn)})`;
  const lines = [
    `${label('backup')}object store ${backup.objectStore} ${backup.objectStoreState}: ${count(backup.bytesStaged)} bytes staged in ${count(backup.puts)} puts, ${count(backup.stagingBytesPerS)} bytes/s; ${count(backup.throttledRequests)} requests throttled`,
    `${continued}latest restorable time ${latest}; backup storage ${count(backup.retainedBytes.log)} bytes of log + ${count(backup.retainedBytes.snapshots)} bytes of page snapshots`,
  ];
  for (const restore of backup.restores) {
    const reached = restore.restorePoint.reachedAtMs === null ? '' : `, the state at ${ms(restore.restorePoint.reachedAtMs)}`;
    const behind = restore.lagMs === null ? '' : ` (${ms(restore.lagMs)} before the time asked)`;
    const point = restore.state === 'refused' ? 'no point taken' : `LSN ${count(restore.restorePoint.lsn)}${reached}${behind}`;
    const asked = restore.snapshot === undefined ? `for ${ms(restore.toTimeMs ?? 0)}` : `from snapshot ${restore.snapshot}`;
    const outcome =
      restore.state === 'available'
        ? `available after ${ms(restore.restoreMs ?? 0)}, ${count(restore.bytesRestored)} bytes fetched`
        : restore.state === 'failed'
          ? `FAILED: ${restore.reason ?? 'no reason given'}`
          : restore.state === 'refused'
            ? `refused when asked, never built: ${restore.reason ?? 'no reason given'}`
            : `still ${restore.state} at the end`;
    const check = restore.verification === undefined ? '' : restore.verification.verified === true ? `; verified: ${count(restore.verification.blocksChecked)} blocks equal the committed transactions at that point` : restore.verification.verified === false ? '; NOT verified' : '';
    lines.push(`${label(restore.cluster)}asked at ${ms(restore.requestedAtMs)} ${asked}: ${point}; ${outcome}${check}`);
  }
  for (const snapshot of backup.snapshots) {
    const done = snapshot.createdAtMs === undefined ? 'not complete yet (its point is not staged on every PG)' : `complete at ${ms(snapshot.createdAtMs)}, ${count(snapshot.bytes ?? 0)} bytes (a full copy; it never expires)`;
    lines.push(`${label('snapshot')}${snapshot.name} asked at ${ms(snapshot.requestedAtMs)} at LSN ${count(snapshot.lsn)}: ${done}`);
  }
  return lines;
}

/**
 * Fast clones (docs/protocol.md §10): each clone's point, how long it took, the storage it shares
 * with the source against its own, its clients' commits, S20's check of it as it opened, and the
 * history checker on the source and on each clone.
 */
function cloneLines(report: SimulationReport): string[] {
  const clones = report.clones;
  if (clones === undefined) return [];
  const verdict = (history: { ok: boolean; model: string; violations: readonly string[]; transactions: { ok: number } }): string =>
    history.ok ? `${history.model}, ${count(history.transactions.ok)} transactions, no anomaly` : `NOT ${history.model}: ${history.violations.join(', ')}`;
  const lines = [`${label('clones')}history checker on the source's clients: ${verdict(clones.sourceHistory)}`];
  for (const clone of clones.clones) {
    const copy = clone.copy === 'copyOnWrite' ? 'copy-on-write' : `a full copy (past ${COPY_ON_WRITE_CLONES_MAX} copy-on-write clones), ${count(clone.bytesCopied)} bytes copied`;
    const outcome =
      clone.state === 'available'
        ? `available after ${ms(clone.cloneMs ?? 0)}`
        : clone.state === 'failed'
          ? `FAILED: ${clone.reason ?? 'no reason given'}`
          : clone.state === 'refused'
            ? `refused when asked, never built: ${clone.reason ?? 'no reason given'}`
            : `still ${clone.state} at the end`;
    const check = clone.verification?.verified === true ? `verified as it opened: ${count(clone.verification.blocksChecked)} blocks equal the committed transactions at that point` : clone.verification?.verified === false ? 'NOT verified' : 'not verified';
    lines.push(`${label(clone.cluster)}asked at ${ms(clone.requestedAtMs)}, ${copy}: the source at LSN ${count(clone.cloneLsn)} (its VDL then); ${outcome}; ${check}`);
    const { sharedBytes, privateBytes, sourceBytes } = clone.storage;
    lines.push(`${continued}storage at the end (one copy per PG): ${count(sharedBytes)} bytes shared with the source, ${count(privateBytes)} its own; the source holds ${count(sourceBytes)}`);
    const commits = `${count(clone.commits.acknowledged)} of ${count(clone.commits.attempted)} commits acknowledged`;
    lines.push(`${continued}its clients: ${commits}; history checker on the source's past it holds and its own: ${clone.history === undefined ? 'not run (never opened)' : verdict(clone.history)}`);
  }
  return lines;
}

/**
 * Backtracks (docs/protocol.md §10, backtrack): for each, the time gone back to, the point (the VDL
 * then), how long the cluster took, and S20's check of the volume; then the history checker on
 * every timeline.
 */
function backtrackLines(report: SimulationReport): string[] {
  const backtrack = report.backtrack;
  if (backtrack === undefined) return [];
  const lines = [`${label('backtrack')}window ${ms(backtrack.windowMs)}; ${plural(backtrack.backtracks.length, 'backtrack')}; GC held at or below LSN ${count(backtrack.floorLsn)} (the window's floor)`];
  for (const record of backtrack.backtracks) {
    const reached = record.reachedAtMs === null ? 'before any commit' : `the state at ${ms(record.reachedAtMs)}`;
    const check = backtrack.verifications.find((verification) => verification.job === record.name);
    const verdict = check?.verified === true ? `verified: ${count(check.blocksChecked)} blocks equal the committed transactions of that timeline at that point` : check?.verified === false ? 'NOT verified' : 'not verified';
    const outcome = record.state === 'done' ? `the writer reopened after ${ms(record.backtrackMs ?? 0)} at volume epoch ${record.volumeEpoch ?? '?'}` : 'not done by the end (the writer was not open to take it)';
    lines.push(`${label(record.name)}asked at ${ms(record.requestedAtMs)} for ${ms(record.toTimeMs)}: LSN ${count(record.pointLsn)}, ${reached}; ${outcome}; ${verdict}`);
  }
  for (const history of backtrack.histories) {
    lines.push(`${continued}history checker on the timeline ${history.timeline}: ${history.ok ? `${history.model}, ${count(history.transactions)} transactions, no anomaly` : `NOT ${history.model}: ${history.violations.join(', ')}`}`);
  }
  return lines;
}

/** RPO control (rds.global_db_rpo, §11.1): when the primary held commits, and for how long. */
function rpoControlLines(global: NonNullable<SimulationReport['global']>): string[] {
  const rpo = global.rpoControl;
  if (rpo === undefined) return [];
  const first = `${label('RPO limit')}${rpo.limitS} s (rds.global_db_rpo): a commit waits while every secondary's RPO lag is at or above it`;
  if (rpo.commitsHeld === 0) return [first, `${continued}  no commit was held`];
  const periods = rpo.blocked.map((period) => (period.toMs === undefined ? `from ${at(period.fromMs)} to the end` : `${at(period.fromMs)}–${at(period.toMs)} (${duration(period.toMs - period.fromMs)})`));
  return [
    first,
    `${continued}  ${plural(rpo.commitsHeld, 'commit')} held, ${periods.join(', ')}; held p50 ${duration(rpo.heldMs.p50)}, max ${duration(rpo.heldMs.max)}${rpo.stillHeld > 0 ? `; ${rpo.stillHeld} still held at the end` : ''}`,
  ];
}

/** The read-back verdict; after a managed failover, of the commits up to where the new primary started. */
function durabilityLine(report: SimulationReport): string {
  const failover = report.global?.promotions.find((promotion) => promotion.how === 'failover' && promotion.vdl !== undefined);
  const what =
    failover === undefined
      ? 'every commit the writer acknowledged'
      : `every commit the first writer acknowledged up to LSN ${count(failover.vdl ?? 0)}, where ${failover.region} started; those above are the managed failover's lost suffix, under promotion`;
  if (report.multiWriter !== undefined) {
    return `durability  ${plural(report.commits.lostAcknowledged, 'acknowledged commit')} lost (every commit the writers acknowledged, each of its page changes read back from the vote tables of a write quorum of its PG's segments at the end)`;
  }
  return `durability  ${plural(report.commits.lostAcknowledged, 'acknowledged commit')} lost${report.global === undefined ? '' : ` in the primary region's volume`} (${what}, read back from every read quorum of persisted segment state)`;
}

/** A failover or detach: when it was asked, when the region opened, and what the old primary lost (§13, G5). */
function promotionLines(promotion: NonNullable<SimulationReport['global']>['promotions'][number], index: number): string[] {
  const what = promotion.how === 'detach' ? 'detach' : promotion.how === 'failover' ? 'managed failover' : 'switchover';
  const lost = promotion.primaryLostAtMs === undefined ? '' : ` (${promotion.oldPrimary} lost at ${at(promotion.primaryLostAtMs)})`;
  const lines = [`${index === 0 ? label('promotion') : continued}${what} ${promotion.how === 'detach' ? 'of' : 'to'} ${promotion.region}, asked at ${at(promotion.requestedAtMs)}${lost}`];
  if (promotion.openedAtMs === undefined) {
    lines.push(`${continued}  not open at the end of the run`);
    return lines;
  }
  const since = promotion.primaryLostAtMs ?? promotion.requestedAtMs;
  const sinceWhat = promotion.primaryLostAtMs === undefined ? 'the request' : `${promotion.oldPrimary} was lost`;
  lines.push(`${continued}  open at ${at(promotion.openedAtMs)}, from LSN ${count(promotion.vdl ?? 0)}: ${duration(promotion.openedAtMs - since)} after ${sinceWhat}`);
  if (promotion.firstCommitAtMs !== undefined) {
    lines.push(`${continued}  its writer acknowledged a first commit at ${at(promotion.firstCommitAtMs)}: writable for clients ${duration(promotion.firstCommitAtMs - since)} after ${sinceWhat}`);
  }
  if (promotion.lostCommits !== undefined) {
    const when = promotion.how === 'switchover' ? 'the switchover was asked' : 'the primary was lost';
    const bound = promotion.rpoLagMsAtFailure === undefined ? '' : `; its RPO lag when ${when} was ${ms(promotion.rpoLagMsAtFailure)}`;
    lines.push(`${continued}  lost: ${plural(promotion.lostCommits, 'acknowledged commit')} of ${promotion.oldPrimary}, spanning ${ms(promotion.lostSpanMs ?? 0)} of committed time${bound}`);
  }
  if (promotion.fence !== undefined) {
    const fence =
      promotion.fence === 'fenced'
        ? `fenced at ${at(promotion.fencedAtMs ?? 0)}: its volume claimed at a newer volume epoch, it follows ${promotion.region} since`
        : promotion.fence === 'timedOut'
          ? 'timed out: split brain was possible (S18 reports any commit it acknowledged)'
          : 'still pending';
    lines.push(`${continued}  fence of ${promotion.oldPrimary}'s storage: ${fence}`);
  }
  return lines;
}

/** The instance that held the writer role at `atMs`: the first writer until a promoted one opened. */
function writerAt(report: SimulationReport, firstWriter: string, atMs: number): string {
  let writer = firstWriter;
  for (const failover of report.failovers) if (failover.to !== undefined && failover.writerOpenAtMs !== undefined && failover.writerOpenAtMs <= atMs) writer = failover.to;
  return writer;
}

function writerLines(report: SimulationReport, scenario: Scenario): string[] {
  const first = writerId(scenario.topology.regions[0]?.id ?? '');
  const { instance, instanceState } = report.writer;
  const switched = report.failovers.filter((failover) => failover.writerAvailableAtMs !== undefined && failover.to === instance).pop();
  const lines: string[] = [];
  if (switched !== undefined) {
    lines.push(`${label('writer')}${instance} at the end (${instanceState}), promoted after ${switched.from} failed; the cluster endpoint has pointed at it since ${at(switched.writerAvailableAtMs ?? 0)}`);
    if (report.writer.state === 'down' && instance !== first) lines.push(`${continued}the first writer, ${first}, is down at the end`);
  } else if (instance === first && instanceState === 'writer') {
    lines.push(`${label('writer')}${instance} throughout the run`);
  } else {
    lines.push(`${label('writer')}${instance} is ${instanceState} at the end; the cluster endpoint still points at it`);
  }
  const missing = missingFailover(report, scenario);
  if (missing !== undefined) lines.push(`${continued}${missing}`);
  return lines;
}

/**
 * How long until clients can write again after the writer fails, from the scenario's failover
 * settings (docs/protocol.md §9, failover): the control plane declares it failed after
 * `missesToFail` missed health checks (the first miss comes up to one period after the failure),
 * a replica is promoted (or, with none, a writer is recreated after `replacementDelayMs`) and
 * recovers the volume, and the cluster endpoint follows it `endpointSwitchMs` after it opens.
 */
function failoverEstimate(scenario: Scenario): { minMs: number; maxMs: number; words: string } {
  const { failover, topology } = scenario;
  const detectMs = failover.healthCheckPeriodMs * failover.missesToFail;
  const openMs = topology.replicas.length > 0 ? 0 : failover.replacementDelayMs;
  const switchMs = failover.endpointSwitchMs;
  const detect = `the control plane declares the writer failed after ${failover.missesToFail} missed health checks ${at(failover.healthCheckPeriodMs)} apart (${seconds(detectMs)} to ${seconds(detectMs + failover.healthCheckPeriodMs)})`;
  const open = openMs > 0 ? `, recreates a writer ${seconds(openMs)} later (no replica to promote), which recovers the volume` : ', promotes a replica, which recovers the volume';
  const minMs = detectMs + openMs + switchMs;
  return { minMs, maxMs: minMs + failover.healthCheckPeriodMs, words: `${detect}${open}, and the cluster endpoint follows the new writer ${seconds(switchMs)} after it opens` };
}

/**
 * Why clients could not write again before the run ended, when the writer failed and no failover
 * completed in the run: derived from the scenario's failover settings, not a constant.
 */
function missingFailover(report: SimulationReport, scenario: Scenario): string | undefined {
  const crash = writerFailure(report, scenario);
  if (crash === undefined) return undefined;
  const estimate = failoverEstimate(scenario);
  return `no failover completed within the run: ${estimate.words}, so clients could write again ${seconds(estimate.minMs)} to ${seconds(estimate.maxMs)} after the failure at ${at(crash.atMs)} (plus the recovery), from about ${at(crash.atMs + estimate.minMs)}; the run ended at ${at(report.simulatedMs)}`;
}

/** The fault that took the writer down with no failover completed after it by the end, if any. */
function writerFailure(report: SimulationReport, scenario: Scenario): SimulationReport['faults'][number] | undefined {
  const first = writerId(scenario.topology.regions[0]?.id ?? '');
  const crash = report.faults.find((fault) => writerLoss(fault, scenario, writerAt(report, first, fault.atMs)));
  if (crash === undefined) return undefined;
  const completed = report.failovers.some((failover) => failover.writerAvailableAtMs !== undefined && failover.detectedAtMs >= crash.atMs);
  return completed || report.writer.instanceState === 'writer' ? undefined : crash;
}

/** Whether a fault takes the writer `writer` down: its crash, or an outage of its AZ or region. */
function writerLoss(fault: SimulationReport['faults'][number], scenario: Scenario, writer: string): boolean {
  if (fault.fault === 'instanceCrash') return fault.target === writer;
  if (fault.fault === 'regionOutage') return true;
  if (fault.fault !== 'azOutage') return false;
  const topology = resolveTopology(scenario.topology, scenario.workload.clients);
  const instance = [topology.writer, ...topology.replicas, ...(topology.standby === undefined ? [] : [topology.standby])].find((candidate) => candidate.id === writer);
  return instance !== undefined && fault.target === azActorId(instance.azId);
}

// --- timeline -------------------------------------------------------------------------------

interface TimelineEntry {
  atMs: number;
  /** Order among entries at one instant: a fault before what it caused. */
  rank: number;
  what: string;
}

/** Stalls listed one by one; past this, stalls with a common cause are summed up in one line. */
const STALLS_LISTED = 6;

function timeline(report: SimulationReport, scenario: Scenario): TimelineEntry[] {
  // A restore or clone refused for its encryption (docs/protocol.md §15) says so where it was asked.
  const refusedJobs = new Set((report.security?.encryption.refused ?? []).map((refusal) => `${refusal.cluster}:job`));
  const entries: TimelineEntry[] = report.faults.map((fault) => ({ atMs: fault.atMs, rank: 0, what: `fault: ${fault.fault} ${fault.target}${refusedJobs.has(fault.target) ? ' (refused: its encryption)' : ''}` }));
  for (const failover of report.failovers) {
    entries.push({ atMs: failover.detectedAtMs, rank: 1, what: `failover: ${failover.from} declared failed; promoting ${failover.to ?? '(none yet)'}` });
    if (failover.writerOpenAtMs !== undefined) entries.push({ atMs: failover.writerOpenAtMs, rank: 1, what: `failover: ${failover.to} recovered the volume and opened it as the writer` });
    if (failover.writerAvailableAtMs !== undefined) entries.push({ atMs: failover.writerAvailableAtMs, rank: 1, what: `failover: the cluster endpoint now points at ${failover.to}; clients write to it` });
  }
  for (const promotion of report.global?.promotions ?? []) {
    const verb = promotion.how === 'detach' ? 'detached as a standalone cluster' : `opened as the primary (${promotion.how === 'failover' ? 'managed failover' : 'switchover'})`;
    if (promotion.openedAtMs !== undefined) entries.push({ atMs: promotion.openedAtMs, rank: 1, what: `global: ${promotion.region} recovered its volume at LSN ${count(promotion.vdl ?? 0)} and ${verb}` });
    if (promotion.firstCommitAtMs !== undefined) entries.push({ atMs: promotion.firstCommitAtMs, rank: 1, what: `global: ${promotion.region}'s writer acknowledged its first commit; clients write to it` });
  }
  for (const restore of report.backup?.restores ?? []) {
    if (restore.availableAtMs !== undefined) entries.push({ atMs: restore.availableAtMs, rank: 1, what: `restore: ${restore.cluster}'s writer opened the new volume at LSN ${count(restore.restorePoint.lsn)}` });
  }
  for (const record of report.backtrack?.backtracks ?? []) {
    if (record.openedAtMs !== undefined) entries.push({ atMs: record.openedAtMs, rank: 1, what: `backtrack: the writer reopened the volume as it was at ${ms(record.toTimeMs)} (LSN ${count(record.pointLsn)})` });
  }
  for (const clone of report.clones?.clones ?? []) {
    if (clone.availableAtMs !== undefined) entries.push({ atMs: clone.availableAtMs, rank: 1, what: `clone: ${clone.cluster}'s writer opened the clone at LSN ${count(clone.cloneLsn)}; its clients write to it` });
  }
  entries.push(...stallEntries(report, scenario));
  entries.sort((a, b) => a.atMs - b.atMs || a.rank - b.rank);
  if (entries.length === 0) entries.push({ atMs: 0, rank: 0, what: 'no faults, no write stalls' });
  return entries;
}

/** Why writes stalled, when the run knows; `kind` groups stalls with one cause. */
interface StallCause {
  kind: 'quorum' | 'writer' | 'loss' | 'remote' | 'unknown';
  words: string;
  /** The fault that began it, when one did: the stall is listed at it, after it. */
  fault?: SimulationReport['faults'][number];
}

function stallCause(report: SimulationReport, scenario: Scenario, stall: { fromMs: number; toMs: number }): StallCause {
  // A stall runs from the last commit (or the first write waiting after it): what caused it began
  // within WRITE_STALL_MS after.
  const windowEndMs = Math.min(stall.toMs, stall.fromMs + WRITE_STALL_MS);
  const faultInWindow = (test: (fault: SimulationReport['faults'][number]) => boolean) =>
    report.faults.find((fault) => fault.atMs >= stall.fromMs && fault.atMs <= windowEndMs && test(fault));
  // After a promotion to another region the first primary's writer and volume are not the ones
  // commits wait for: the clients, placed in the first primary's region, write across regions, a
  // commit waits a cross-region round trip, and with every client waiting on one, no commit
  // completes for a while.
  const promoted = [...(report.global?.promotions ?? [])].reverse().find((promotion) => promotion.how !== 'detach' && promotion.firstCommitAtMs !== undefined && promotion.firstCommitAtMs <= stall.fromMs);
  const clientRegion = scenario.topology.regions[0]?.id;
  if (promoted !== undefined && promoted.region !== clientRegion) {
    return { kind: 'remote', words: `the clients, in ${clientRegion}, write to the writer in ${promoted.region} since ${at(promoted.firstCommitAtMs ?? 0)}: every commit waits a cross-region round trip` };
  }
  // Both can hold at once (the writer and an AZ lost together): then both are named, writer first.
  const causes: StallCause[] = [];
  const first = writerId(scenario.topology.regions[0]?.id ?? '');
  const writerDown = faultInWindow((fault) => writerLoss(fault, scenario, writerAt(report, first, fault.atMs)));
  if (writerDown !== undefined) {
    const failover = report.failovers.find((candidate) => candidate.detectedAtMs >= writerDown.atMs && candidate.writerAvailableAtMs !== undefined && candidate.writerAvailableAtMs <= stall.toMs + 1_000);
    const global = report.global?.promotions.find((promotion) => promotion.how === 'failover' && promotion.firstCommitAtMs !== undefined && promotion.requestedAtMs >= writerDown.atMs && promotion.firstCommitAtMs <= stall.toMs + 1_000);
    const noFailover =
      global !== undefined
        ? `writes waited for the managed failover to ${global.region}, whose writer acknowledged a first commit at ${at(global.firstCommitAtMs ?? 0)}`
        : writerFailure(report, scenario) === writerDown
          ? 'no failover completed within the run (see writer above)'
          : 'writes waited for it to return';
    const waited =
      failover === undefined
        ? noFailover
        : `writes waited for the failover: detected at ${at(failover.detectedAtMs)}, clients reached ${failover.to} at ${at(failover.writerAvailableAtMs ?? 0)}`;
    causes.push({ kind: 'writer', words: `the writer ${writerAt(report, first, writerDown.atMs)} was down; ${waited}`, fault: writerDown });
  }
  for (const { pg, intervals } of report.availability.pgs) {
    const interval = intervals.find((candidate) => !candidate.writeQuorum && candidate.fromMs <= windowEndMs && candidate.toMs > stall.fromMs);
    if (interval === undefined) continue;
    const fault = faultInWindow((candidate) => Math.abs(candidate.atMs - interval.fromMs) < 1e-9);
    causes.push({
      kind: 'quorum',
      words: `PG ${pg} had ${interval.copiesReachable} of ${interval.copies} copies reachable and writes need ${interval.writeQuorumRule}; a commit waits for every earlier write of the volume, so all commits waited`,
      ...(fault === undefined ? {} : { fault }),
    });
    break;
  }
  // A Global Database switchover drains the primary (docs/protocol.md §11.1, switchover): writes are
  // refused until clients reach the new primary's writer.
  const switchover = report.global?.promotions.find((promotion) => promotion.how === 'switchover' && promotion.requestedAtMs <= windowEndMs && (promotion.firstCommitAtMs ?? Infinity) >= stall.fromMs);
  if (switchover !== undefined) {
    const fault = report.faults.find((candidate) => candidate.fault === 'globalSwitchover' && Math.abs(candidate.atMs - switchover.requestedAtMs) < 1e-9);
    const reached = switchover.firstCommitAtMs === undefined ? 'no commit reached it within the run' : `its writer acknowledged a first commit at ${at(switchover.firstCommitAtMs)}`;
    causes.push({
      kind: 'writer',
      words: `the switchover to ${switchover.region}: the primary took no new writes from ${at(switchover.requestedAtMs)}, and ${reached} (after failover.endpointSwitchMs)`,
      ...(fault === undefined ? {} : { fault }),
    });
  }
  // Aurora Serverless v2 (docs/protocol.md §11.3): a paused writer holds the writes that arrive
  // until it has resumed.
  const writerPause = report.serverless?.instances
    .find((instance) => instance.scaling === 'lead')
    ?.pauses.find((pause) => pause.pausedAtMs <= windowEndMs && (pause.runningAtMs ?? Infinity) >= stall.fromMs);
  if (writerPause !== undefined) {
    const resumed = writerPause.runningAtMs === undefined ? 'it had not resumed by the end of the run' : `it resumed from ${at(writerPause.resumeStartedAtMs ?? writerPause.pausedAtMs)} and ran again at ${at(writerPause.runningAtMs)}`;
    causes.push({ kind: 'writer', words: `the writer was paused (Serverless v2 auto-pause, since ${at(writerPause.pausedAtMs)}) and held the writes that came; ${resumed}` });
  }
  const [primary, ...others] = causes;
  if (primary !== undefined) {
    const fault = primary.fault ?? others.find((cause) => cause.fault !== undefined)?.fault;
    return { kind: primary.kind, words: [primary, ...others].map((cause) => cause.words).join('; and '), ...(fault === undefined ? {} : { fault }) };
  }
  const { lossRatio } = scenario.network;
  if (lossRatio !== undefined && lossRatio > 0) {
    const { retransmitAfterMs } = scenario.writer;
    return {
      kind: 'loss',
      words: `${Number((lossRatio * 100).toFixed(3))}% of messages are lost: a lost write batch or acknowledgement holds back the VDL (the volume's durable point every commit waits for) until the writer resends it, ${at(retransmitAfterMs)} later, doubling the wait up to ${at(retransmitAfterMs * 16)} while nothing becomes durable (writer.retransmitAfterMs)`,
    };
  }
  return { kind: 'unknown', words: 'no fault or lost message in the run explains it' };
}

function stallEntries(report: SimulationReport, scenario: Scenario): TimelineEntry[] {
  const stalls = report.writeStalls.map((stall) => ({ stall, cause: stallCause(report, scenario, stall) }));
  const entry = ({ stall, cause }: (typeof stalls)[number]): TimelineEntry => {
    const ongoing = stall.toMs >= report.simulatedMs;
    const span = ongoing ? `from ${at(stall.fromMs)} to the end of the run` : `from ${at(stall.fromMs)} to ${at(stall.toMs)}`;
    return { atMs: cause.fault?.atMs ?? stall.fromMs, rank: 2, what: `writes stalled: no commit completed for ${ms(stall.toMs - stall.fromMs)} while writes waited, ${span}: ${cause.words}` };
  };
  if (stalls.length <= STALLS_LISTED) return stalls.map(entry);
  // Many stalls (message loss stalls writes again and again): list those with a fault behind them,
  // and sum up the rest by cause, so the timeline stays readable.
  const listed = stalls.filter(({ cause }) => cause.kind === 'quorum' || cause.kind === 'writer');
  const rest = stalls.filter(({ cause }) => cause.kind === 'loss' || cause.kind === 'unknown' || cause.kind === 'remote');
  const entries = listed.map(entry);
  for (const kind of ['loss', 'remote', 'unknown'] as const) {
    const group = rest.filter(({ cause }) => cause.kind === kind);
    const firstStall = group[0];
    if (firstStall === undefined) continue;
    const durations = group.map(({ stall }) => stall.toMs - stall.fromMs);
    const total = durations.reduce((sum, value) => sum + value, 0);
    entries.push({
      atMs: firstStall.stall.fromMs,
      rank: 2,
      what: `writes stalled ${group.length} times (${ms(Math.min(...durations))} to ${ms(Math.max(...durations))} each, ${ms(total)} in all) from ${at(firstStall.stall.fromMs)} to ${at(group[group.length - 1]?.stall.toMs ?? 0)}: ${firstStall.cause.words}`,
    });
  }
  return entries;
}

// --- internals ------------------------------------------------------------------------------

function internalLines(report: SimulationReport): string[] {
  const { volume, storage, writer, network } = report;
  return [
    'internals   (the protocol\'s own watermarks and counters: docs/glossary.md)',
    `  volume    VCL ${volume.vcl}, VDL ${volume.vdl}, max allocated LSN ${volume.maxAllocated}, volumeEpoch ${volume.volumeEpoch}`,
    `  storage   ${storage.segments} segments, ${storage.segmentsDown} down at the end; ${storage.recordsViaGossip} records repaired by gossip; PGs without a read quorum at the end: ${storage.unavailablePgs.join(', ') || 'none'}`,
    `  writer    ${writer.batches} batches for ${writer.transactions} transactions; ${writer.recordsResent} records resent; ${writer.lalStalls} LAL stalls`,
    `  stalls    ${plural(report.writeStalls.length, 'period')} of ${WRITE_STALL_MS} ms or more without a VDL advance while a write waited`,
    `  network   ${network.sent} sent, ${network.delivered} delivered, ${network.dropped} dropped`,
  ];
}

function verdictNote(result: SimulationReport['invariants'][number]): string {
  if (!result.ok) return `: ${result.violations} violations`;
  if (result.kind === 'sometimes') return result.witnessed === true ? ': seen' : ': not seen in this run';
  return result.vacuous === true ? ': nothing to check in this run' : '';
}
