/**
 * The readable run report (src/cli/run-report.ts; docs/semantics.md, "Report fields"): PG
 * availability in the AWS documentation's terms first, transaction counts that add up, the
 * timeline in time order with a stall after the fault that caused it, replica lag, an explained
 * missing failover, and `run`'s progress on stderr. Short runs of one-PG versions of the
 * built-in scenarios keep it cheap.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadScenario } from '../../src/cli/args.js';
import { formatRunReport } from '../../src/cli/run-report.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { runWithProgress } from '../../src/cli/progress.js';
import type { Scenario } from '../../src/cluster/scenario.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { SimulationReport } from '../../src/simulation/report.js';
import { scenario } from '../simulation/helpers.js';

const run = (input: Scenario, seed: number, untilMs: number): { sim: Simulation; report: SimulationReport; text: string } => {
  const sim = new Simulation({ seed, scenario: input, trace: { keepEvents: false }, history: { keepEntries: false } });
  sim.runFor(untilMs);
  const report = sim.report();
  return { sim, report, text: formatRunReport(report, input, 'replay') };
};
const ms = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ms`;
const faultAt = (input: Scenario, kind: string): number => {
  const fault = input.faults.find((candidate) => candidate.kind === kind);
  if (fault === undefined) throw new Error(`${input.name} has no ${kind} fault`);
  return fault.atMs;
};
/** The timeline's entries: [time in ms, text]. */
const timelineOf = (text: string): [number, string][] => {
  const lines = text.split('\n');
  const start = lines.indexOf('timeline') + 1;
  const end = lines.indexOf('', start);
  return lines.slice(start, end).map((line) => {
    const match = /^\s+([\d,]+) ms {2}(.*)$/.exec(line);
    if (match === null) throw new Error(`not a timeline line: ${line}`);
    return [Number(match[1]!.replaceAll(',', '')), match[2]!];
  });
};

describe('readable run report', () => {
  // One PG keeps the run cheap; 8.5 s takes in the whole AZ+1 window (AZ out at 3 s, PG 0's
  // extra segment from 4 s to 8 s).
  const azPlusOne = scenario('az-plus-one', { topology: { pgCount: 1 } });
  const azPlusOneRun = run(azPlusOne, 7, 8_500);

  it('az-plus-one: availability comes first, PG 0 had 3 of 6 copies during AZ+1, so reads could go on and writes waited', () => {
    const { report, text } = azPlusOneRun;
    const crashMs = faultAt(azPlusOne, 'segmentCrash');
    const restartMs = faultAt(azPlusOne, 'segmentRestart');
    const pg0 = report.availability.pgs.find((entry) => entry.pg === 0);
    const window = pg0?.intervals.find((interval) => interval.copiesReachable === 3);
    expect(window).toMatchObject({ fromMs: crashMs, toMs: restartMs, copies: 6, readQuorum: true, writeQuorum: false, readQuorumRule: '3 of 6', writeQuorumRule: '4 of 6' });
    // Before the extra segment and after it came back, the AZ alone was out: 4 of 6, writes went on.
    expect(pg0?.intervals.filter((interval) => interval.copiesReachable === 4).every((interval) => interval.writeQuorum)).toBe(true);
    const line = `PG 0: 3 of 6 copies reachable from ${ms(crashMs)} to ${ms(restartMs)}, so reads could go on (they need 3 of 6) and writes (which need 4 of 6) waited`;
    expect(text).toContain(line);
    // It is the first thing after the scenario's description, before the writes and the timeline.
    expect(text.indexOf('availability')).toBeLessThan(text.indexOf('writes      '));
    expect(text.indexOf(line)).toBeLessThan(text.indexOf('timeline'));
    // The stall names its cause from the same interval.
    const stall = timelineOf(text).find(([, what]) => what.startsWith('writes stalled'));
    expect(stall?.[1]).toContain('PG 0 had 3 of 6 copies reachable and writes need 4 of 6');
  });

  it('counts add up: attempted = acknowledged + failed + unknown + in flight, in the report and in its words', () => {
    // Stopped just after the AZ+1 window, before writes caught up: clients are waiting on commits.
    const { report, text } = azPlusOneRun;
    const { attempted, acknowledged, failed, unknown, inFlight } = report.commits;
    expect(inFlight).toBeGreaterThan(0);
    expect(acknowledged + failed + unknown + inFlight).toBe(attempted);
    const match = /^writes {6}([\d,]+) transactions attempted = ([\d,]+) acknowledged \+ ([\d,]+) failed \+ ([\d,]+) unknown \(timed out\) \+ ([\d,]+) still in flight at the end$/m.exec(text);
    expect(match).not.toBeNull();
    const [total, ...parts] = match!.slice(1).map((value) => Number(value.replaceAll(',', '')));
    expect(parts.reduce((sum, value) => sum + value, 0)).toBe(total);
    expect(total).toBe(attempted);
    expect(report.commits.skipped).toBeGreaterThan(0);
    expect(text).toContain(`${report.commits.skipped.toLocaleString('en-US')} arrivals were not sent because all ${azPlusOne.workload.clients} clients were waiting for their transaction to finish`);
  });

  it('timeline: in time order, and a stall whose last commit came just before the crash is listed at the crash, after it', () => {
    // The writer crashes at 5 s; the run ends 1 s later, long before any failover.
    const writerCrash = scenario('writer-crash', { topology: { pgCount: 1 }, durationMs: 6_000 });
    const crashMs = faultAt(writerCrash, 'instanceCrash');
    const { report, text } = run(writerCrash, 3, writerCrash.durationMs);
    const entries = timelineOf(text);
    const times = entries.map(([atMs]) => atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const crash = entries.findIndex(([, what]) => what.startsWith('fault: instanceCrash'));
    const stall = entries.findIndex(([, what]) => what.startsWith('writes stalled'));
    // The stall began at the last commit, before the crash…
    expect(report.writeStalls[0]!.fromMs).toBeLessThan(crashMs);
    // …but is listed at the crash, after it, and names it.
    expect(stall).toBeGreaterThan(crash);
    expect(entries[stall]![0]).toBe(crashMs);
    expect(entries[stall]![1]).toContain('the writer inst:us-east-1:writer was down');
    // No failover in the run: why, from the scenario's failover settings.
    const { healthCheckPeriodMs, missesToFail, endpointSwitchMs } = writerCrash.failover;
    const soonestS = (healthCheckPeriodMs * missesToFail + endpointSwitchMs) / 1000;
    expect(text).toContain(`no failover completed within the run: the control plane declares the writer failed after ${missesToFail} missed health checks`);
    expect(text).toContain(`so clients could write again ${soonestS} s to ${soonestS + healthCheckPeriodMs / 1000} s after the failure at ${ms(crashMs)}`);
    expect(text).not.toMatch(/^writer {6}.*throughout the run/m);
  });

  it('replica-lag: one line per replica with lag p50, p99 and max in ms', () => {
    const { report, text } = run(scenario('replica-lag', { topology: { pgCount: 1 } }), 1, 400);
    const byReplica = Object.entries(report.replicas?.byReplica ?? {});
    expect(byReplica.length).toBe(2);
    for (const [replica, lag] of byReplica) {
      expect(lag.samples).toBeGreaterThan(0);
      expect(lag.lagMsMax).toBeGreaterThanOrEqual(lag.lagMsP99);
      expect(text).toMatch(new RegExp(`^(replica lag|           ) ${replica}: p50 ${lag.lagMsP50.toFixed(2)} ms, p99 ${lag.lagMsP99.toFixed(2)} ms, max ${lag.lagMsMax.toFixed(2)} ms over [\\d,]+ commits`, 'm'));
    }
  });

  it("metrics: one line per CloudWatch series, each replica's lag on its own", () => {
    const { report, text } = run(scenario('replica-lag', { topology: { pgCount: 1 } }), 1, 2_000);
    expect(text).toMatch(/^metrics {5}CloudWatch names, 2 periods of 1,000 ms: per period on average \[lowest, highest\]$/m);
    const lines = text.split('\n');
    const start = lines.findIndex((line) => line.startsWith('metrics '));
    const series = lines.slice(start + 1, lines.indexOf('', start));
    expect(series).toHaveLength(report.metrics!.series.length);
    for (const replica of Object.keys(report.replicas!.byReplica)) expect(series.some((line) => line.startsWith(`  AuroraReplicaLag (${replica})`))).toBe(true);
    const writeIos = report.metrics!.series.find((s) => s.metric === 'VolumeWriteIOPs')!;
    expect(series.find((line) => line.startsWith('  VolumeWriteIOPs'))).toMatch(new RegExp(`sum [\\d,]+ \\[[\\d,]+, [\\d,]+\\]; ${writeIos.sum.toLocaleString('en-US')} in all$`));
  });
});

describe('readable run report: hours-long runs', () => {
  it('gives times from 10 minutes on a clock as well, so a backtrack of minutes or hours reads at a glance', () => {
    const input = parseScenario(
      {
        name: 'backtrack-minutes',
        topology: { pgCount: 1 },
        backtrack: { windowMs: 3_600_000 },
        workload: { commitsPerS: 5, stopMs: 770_000 },
        faults: [{ atMs: 725_500, kind: 'backtrack', toTimeMs: 60_000 }],
        durationMs: 780_000,
      },
      'test',
    );
    const { text } = run(input, 1, input.durationMs);
    expect(text).toContain('per transaction, for 780,000 ms (13 min)');
    expect(text).toContain('window 3,600,000 ms (1 h);');
    expect(text).toMatch(/^backtrack-1 asked at 725,500 ms \(12 min 06 s\) for 60,000 ms: LSN [\d,]+, the state at [\d,]+ ms; the writer reopened after [\d.]+ ms at volume epoch 2; verified/m);
    // Below 10 minutes a time stays in ms alone.
    expect(text).toContain('the writer reopened the volume as it was at 60,000 ms (LSN ');
  });
});

describe('run: progress on stderr', () => {
  it('prints progress lines on stderr with a tiny interval, while stdout stays one JSON document with the same trace', async () => {
    let out = '';
    let err = '';
    const exit = await main(['run', 'test/fixtures/small.json', '--seed', '2', '--json'], { out: (text) => (out += text), err: (text) => (err += text), progressEveryMs: 0 });
    expect(exit).toBe(0);
    const progress = err.split('\n').filter((line) => line.startsWith('progress: '));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^progress: [\d,]+ of 1,000 ms simulated \(\d+%\), [\d,]+ events\/s$/);
    const report = JSON.parse(out) as SimulationReport;
    expect(report.scenario).toBe('small');
    // Progress only observes: the same seed run without it hashes the same.
    const plain = new Simulation({ seed: 2, scenario: loadScenario('test/fixtures/small.json'), trace: { keepEvents: false } }).run();
    expect(report.traceHash).toBe(plain.report().traceHash);
  });

  it('shows nothing for a run shorter than the interval, and leaves the trace as run() does', () => {
    const input = scenario('steady-state', { topology: { pgCount: 1 }, durationMs: 300 });
    const lines: string[] = [];
    const withProgress = new Simulation({ seed: 4, scenario: input, trace: { keepEvents: false } });
    // A wall clock that never moves: the run is always shorter than a second.
    runWithProgress(withProgress, { err: (text) => lines.push(text), nowMs: () => 0 });
    expect(lines).toEqual([]);
    const plain = new Simulation({ seed: 4, scenario: input, trace: { keepEvents: false } }).run();
    expect(withProgress.report().traceHash).toBe(plain.report().traceHash);
    expect(withProgress.kernel.clock.now()).toBe(input.durationMs);
  });
});
