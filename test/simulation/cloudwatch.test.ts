/**
 * The CloudWatch-style metrics (src/simulation/cloudwatch.ts; docs/semantics.md, "Metrics"): each
 * series checked against a figure the run gives some other way (the history, the replica-lag
 * report, the Global Database report, the network's own counters), the counting rules of
 * docs/protocol.md §14.1 on their own, and the period's bounds.
 */
import { describe, expect, it } from 'vitest';
import { entryTimeMs } from '../../src/cluster/history.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { parseScenario, ScenarioError } from '../../src/scenarios/schema.js';
import { MESSAGE_HEADER_BYTES, messageBytes, writeIosOf } from '../../src/simulation/cloudwatch.js';
import type { MetricDatum, MetricsReport } from '../../src/simulation/cloudwatch.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { LogRecord } from '../../src/protocol/lsn.js';

const record = (value: string) =>
  ({ lsn: 1, pg: 0, blockId: 0, prevVolumeLsn: 0, prevPgLsn: 0, prevBlockLsn: 0, isCpl: true, mtrId: 1, isCommit: false, payload: { kind: 'put', key: 'k', value } }) as unknown as LogRecord;
const seriesOf = (report: MetricsReport, metric: string, dimensions: Record<string, string> = {}) =>
  report.series.find((series) => series.metric === metric && JSON.stringify(series.dimensions) === JSON.stringify(dimensions));

describe('CloudWatch metrics: counting rules (protocol §14.1)', () => {
  it('counts a batch in 4 KiB units of log, at least one; a message is its header plus its records or page', () => {
    expect(writeIosOf([record('x')])).toBe(1);
    // 64-byte header + 1-byte key + value: 4,096 bytes is exactly one unit, one more byte is two.
    expect(writeIosOf([record('v'.repeat(4096 - 65))])).toBe(1);
    expect(writeIosOf([record('v'.repeat(4096 - 64))])).toBe(2);
    expect(messageBytes({ type: 'healthPing' })).toBe(MESSAGE_HEADER_BYTES);
    expect(messageBytes({ type: 'writeBatch', records: [record('abc')] })).toBe(MESSAGE_HEADER_BYTES + 64 + 1 + 3);
    expect(messageBytes({ type: 'pageData', values: {} })).toBe(MESSAGE_HEADER_BYTES + 16 * 1024);
  });
});

describe('CloudWatch metrics: replica-lag at seed 2', () => {
  const scenario = findScenario('replica-lag')!;
  const sim = new Simulation({ seed: 2, scenario });
  const datapoints: MetricDatum[] = [];
  sim.streams.metrics$.subscribe((datum) => datapoints.push(datum));
  sim.run();
  const report = sim.report();
  const metrics = report.metrics!;

  it('closes one period per second of the run, each datapoint at its period end, in time order', () => {
    expect(metrics.periodMs).toBe(1_000);
    expect(metrics.periods).toBe(scenario.durationMs / 1_000);
    expect(new Set(datapoints.map((datum) => datum.atMs))).toEqual(new Set(Array.from({ length: metrics.periods }, (_, i) => (i + 1) * 1_000)));
    expect(datapoints.map((datum) => datum.atMs)).toEqual([...datapoints.map((datum) => datum.atMs)].sort((a, b) => a - b));
    // The stream and the report agree: the report sums up what the stream gave.
    const throughput = datapoints.filter((datum) => datum.metric === 'CommitThroughput');
    expect(seriesOf(metrics, 'CommitThroughput')!.sum).toBeCloseTo(throughput.reduce((sum, datum) => sum + datum.value, 0), 6);
  });

  it('CommitThroughput and CommitLatency equal what the history says, period by period', () => {
    const writes = new Map<number, number>();
    const perPeriod = new Map<number, number[]>();
    for (const entry of sim.history.entries) {
      if (entry.type === 'invoke' && entry.value.some(([f]) => f === 'w')) writes.set(entry.txnId, entryTimeMs(entry));
      if (entry.type !== 'ok' || !writes.has(entry.txnId)) continue;
      const period = Math.floor(entryTimeMs(entry) / 1_000);
      perPeriod.set(period, [...(perPeriod.get(period) ?? []), entryTimeMs(entry) - writes.get(entry.txnId)!]);
    }
    for (const datum of datapoints.filter((d) => d.metric === 'CommitThroughput')) {
      expect(datum.value, `period ending ${datum.atMs}`).toBe(perPeriod.get(datum.atMs / 1_000 - 1)?.length ?? 0);
    }
    for (const datum of datapoints.filter((d) => d.metric === 'CommitLatency')) {
      const latencies = perPeriod.get(datum.atMs / 1_000 - 1)!;
      expect(datum.value).toBeCloseTo(latencies.reduce((sum, latency) => sum + latency, 0) / latencies.length, 9);
    }
    expect(seriesOf(metrics, 'CommitThroughput')!.sum).toBeGreaterThan(1_000);
  });

  it('AuroraReplicaLag: one series per replica, within the replica-lag report\'s bounds; the maximum is the larger', () => {
    const lags = report.replicas!.byReplica;
    expect(Object.keys(lags).length).toBe(2);
    for (const [instance, figures] of Object.entries(lags)) {
      const series = seriesOf(metrics, 'AuroraReplicaLag', { DBInstanceIdentifier: instance })!;
      expect(series.datapoints).toBe(metrics.periods);
      expect(series.maximum).toBeLessThanOrEqual(figures.lagMsMax);
      expect(series.minimum).toBeGreaterThan(0);
    }
    const maximum = seriesOf(metrics, 'AuroraReplicaLagMaximum')!;
    for (const instance of Object.keys(lags)) expect(maximum.maximum).toBeGreaterThanOrEqual(seriesOf(metrics, 'AuroraReplicaLag', { DBInstanceIdentifier: instance })!.maximum);
  });

  it('VolumeWriteIOPs counts each batch once, not once per copy; NetworkBytes splits every byte sent by locality', () => {
    const writeIos = seriesOf(metrics, 'VolumeWriteIOPs')!.sum;
    // Small records: a batch is one I/O, and the writer sends each batch to six segments.
    expect(writeIos).toBeGreaterThanOrEqual(report.writer.batches - 10);
    expect(writeIos).toBeLessThanOrEqual(report.writer.batches);
    expect(seriesOf(metrics, 'NetworkBytes', { Locality: 'crossRegion' })!.sum).toBe(0);
    const sent = seriesOf(metrics, 'NetworkBytes', { Locality: 'sameAz' })!.sum + seriesOf(metrics, 'NetworkBytes', { Locality: 'crossAz' })!.sum;
    // Every message is at least its header: the bytes cover every message sent in whole periods.
    expect(sent).toBeGreaterThanOrEqual(MESSAGE_HEADER_BYTES * (report.network.sent - 100));
    expect(seriesOf(metrics, 'VolumeBytesUsed')!.last % (16 * 1024)).toBe(0);
    expect(seriesOf(metrics, 'VolumeBytesUsed')!.last).toBeGreaterThan(0);
  });
});

describe('CloudWatch metrics: read I/Os (read-path, a cache of 32 of 256 blocks)', () => {
  it('VolumeReadIOPs counts every page read from storage, hedged second reads included', () => {
    // Cut short, the workload stopping first, so no read is in flight at the end.
    const scenario = withOverrides(findScenario('read-path')!, { workload: { stopMs: 1_700 }, durationMs: 2_000 });
    expect(scenario.topology.replicas).toEqual([]);
    const sim = new Simulation({ seed: 1, scenario });
    sim.run();
    const report = sim.report();
    const reads = report.pageReads!;
    expect(reads.reads).toBeGreaterThan(100);
    expect(seriesOf(report.metrics!, 'VolumeReadIOPs')!.sum).toBe(reads.reads + reads.hedged);
  });
});

describe('CloudWatch metrics: a Global Database', () => {
  it('gives each secondary its lag, replicated write I/Os and transfer, within the global report\'s figures', () => {
    const sim = new Simulation({ seed: 1, scenario: withOverrides(findScenario('global-steady')!, { durationMs: 1_200 }) });
    sim.run();
    const report = sim.report();
    const metrics = report.metrics!;
    for (const secondary of report.global!.secondaries) {
      const region = { SecondaryRegion: secondary.region };
      expect(seriesOf(metrics, 'AuroraGlobalDBRPOLag', region)!.maximum).toBeLessThanOrEqual(secondary.rpoLagMs.max);
      expect(seriesOf(metrics, 'AuroraGlobalDBReplicatedWriteIO', region)!.sum).toBeGreaterThan(0);
      expect(seriesOf(metrics, 'AuroraGlobalDBDataTransferBytes', region)!.sum).toBeGreaterThan(0);
    }
    expect(seriesOf(metrics, 'NetworkBytes', { Locality: 'crossRegion' })!.sum).toBeGreaterThanOrEqual(
      report.global!.secondaries.reduce((sum, secondary) => sum + seriesOf(metrics, 'AuroraGlobalDBDataTransferBytes', { SecondaryRegion: secondary.region })!.sum, 0),
    );
  });
});

describe('CloudWatch metrics: the period', () => {
  it('takes metrics.periodMs from the scenario, and refuses one that would keep too many periods', () => {
    const sim = new Simulation({ seed: 1, scenario: parseScenario({ name: 'p', topology: { pgCount: 1 }, metrics: { periodMs: 250 }, durationMs: 1_000 }, 'test') });
    sim.run();
    expect(sim.report().metrics).toMatchObject({ periodMs: 250, periods: 4 });
    expect(() => parseScenario({ name: 'p', metrics: { periodMs: 0 } }, 'test')).toThrow('test: metrics.periodMs must be an integer >= 1, got 0');
    expect(() => parseScenario({ name: 'p', metrics: { periodMs: 1 }, durationMs: 200_000 }, 'test')).toThrow(ScenarioError);
    expect(() => parseScenario({ name: 'p', metrics: { periodMs: 1 }, durationMs: 200_000 }, 'test')).toThrow(
      'test: metrics.periodMs must be at least durationMs / 100,000 (2): a run keeps one datapoint per series per period, got 1',
    );
  });
});
