/**
 * `run --html` (docs/simulation-guide.md, "The HTML report"): one self-contained file naming no
 * address, its data block holding the run's series, the run unchanged by sampling (same
 * traceHash), and bad paths refused before the run. The series are checked against the faults of
 * az-plus-one (SIGMOD'17 §2.1: AZ+1 leaves PG 0 a read quorum but no write quorum), cut short to
 * 2 PGs and its first 600 ms of AZ+1 to stay cheap; test/cli/html-report.deep.test.ts renders the whole run.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { renderHtmlReport } from '../../src/cli/html-report.js';
import type { ReportData } from '../../src/cli/html-report.js';
import { findScenario } from '../../src/scenarios/builtin.js';
import { commitLatenciesMs } from '../../src/simulation/report.js';
import type { SimulationReport } from '../../src/simulation/report.js';
import { chooseIntervalMs, RunSampler } from '../../src/simulation/run-series.js';
import type { RunSeries } from '../../src/simulation/run-series.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { Scenario } from '../../src/cluster/scenario.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

/** The page's data block, parsed. */
function dataOf(html: string): ReportData {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!) as ReportData;
}

/** Every inline script's opening tag and body. */
const scriptsOf = (html: string): { attributes: string; body: string }[] =>
  [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((match) => ({ attributes: match[1]!, body: match[2]! }));

function expectOffline(html: string): void {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/\/\/cdn/i);
  expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
  expect(html).not.toMatch(/<link[^>]*\shref=/i);
  expect(html).not.toMatch(/url\(/i);
}

/** uPlot, faked: records each chart's options and columns, as the page script hands them over. */
function drawCharts(html: string): { charts: { id: string; series: number; columns: number[][] }[]; body: Record<string, string> } {
  const scripts = scriptsOf(html);
  const page = scripts[scripts.length - 1]!.body;
  const data = scripts.find((script) => script.attributes.includes('report-data'))!.body;
  const charts: { id: string; series: number; columns: number[][] }[] = [];
  const body: Record<string, string> = {};
  const element = (id: string) => ({ id, clientWidth: 900, hidden: true, textContent: id === 'report-data' ? data : '', setAttribute: (key: string, value: string) => void (id === 'body' ? (body[key] = value) : undefined) });
  function uPlot(options: { series: unknown[] }, columns: number[][], target: { id: string }): void {
    charts.push({ id: target.id, series: options.series.length, columns });
  }
  uPlot.paths = { stepped: () => undefined };
  const errors: string[] = [];
  const context = {
    document: {
      getElementById: (id: string) => (html.includes(`id="${id}"`) ? (id === 'render-error' ? { set hidden(_: boolean) {}, set textContent(text: string) { errors.push(text); } } : element(id)) : null),
      body: element('body'),
    },
    window: { addEventListener: () => undefined },
    uPlot,
  };
  vm.runInNewContext(page, context);
  expect(errors).toEqual([]);
  return { charts, body };
}

describe('run --html: the series of a run cut short (az-plus-one, 2 PGs, to 4.6 s, 100 commits/s)', () => {
  const base = findScenario('az-plus-one') as Scenario;
  const scenario: Scenario = { ...base, topology: { ...base.topology, pgCount: 2 }, durationMs: 4_600, workload: { ...base.workload, commitsPerS: 100 } };
  const azOutageAtMs = scenario.faults.find((fault) => fault.kind === 'azOutage')!.atMs;
  const crash = scenario.faults.find((fault) => fault.kind === 'segmentCrash') as { atMs: number; segment: string };
  let sim: Simulation;
  let series: RunSeries;
  let report: SimulationReport;
  let html: string;

  beforeAll(() => {
    sim = new Simulation({ seed: 3, scenario, trace: { keepEvents: false } });
    const sampler = new RunSampler(sim);
    sampler.run();
    series = sampler.series();
    report = sim.report();
    html = renderHtmlReport({ report, series, scenario, topology: sim.topology, replay: 'aurora-actors run az-plus-one --seed 3' });
  });

  it('samples every interval of the run, from 0 to its end', () => {
    expect(series.intervalMs).toBe(chooseIntervalMs(scenario.durationMs, 2000));
    expect(series.timesMs[0]).toBe(0);
    expect(series.timesMs[series.timesMs.length - 1]).toBe(scenario.durationMs);
    expect(series.timesMs.length).toBe(scenario.durationMs / series.intervalMs + 1);
    for (const column of [series.commits.acknowledged, series.commits.latencyMsP99, ...series.pgs.flatMap((pg) => [pg.reachable, pg.writeQuorum, pg.pgcl]), ...series.segments.map((s) => s.scl)]) {
      expect(column.length).toBe(series.timesMs.length);
    }
  });

  it("PG 0 has its write quorum before the AZ+1 fault and not after it; its read quorum throughout; other PGs keep both", () => {
    const pg0 = series.pgs.find((pg) => pg.pg === 0)!;
    series.timesMs.forEach((atMs, i) => {
      const expectedReachable = atMs < azOutageAtMs ? 6 : atMs < crash.atMs ? 4 : 3;
      expect({ atMs, reachable: pg0.reachable[i] }).toEqual({ atMs, reachable: expectedReachable });
      expect({ atMs, write: pg0.writeQuorum[i] }).toEqual({ atMs, write: atMs < crash.atMs });
      expect(pg0.readQuorum[i]).toBe(true);
    });
    for (const pg of series.pgs.filter((pg) => pg.pg !== 0)) expect(pg.writeQuorum.every(Boolean) && pg.readQuorum.every(Boolean)).toBe(true);
    // Over every PG: exactly one without a write quorum from the crash on.
    expect(series.pgsWithoutWriteQuorum).toEqual(series.timesMs.map((atMs) => (atMs < crash.atMs ? 0 : 1)));
  });

  it('counts every acknowledged commit once, with latencies ordered, and none once writes stall', () => {
    const total = series.commits.acknowledged.reduce((sum, n) => sum + n, 0);
    expect(total).toBe(commitLatenciesMs(sim).length);
    expect(total).toBeGreaterThan(100);
    series.commits.acknowledged.forEach((count, i) => {
      const [p50, p99, max] = [series.commits.latencyMsP50[i], series.commits.latencyMsP99[i], series.commits.latencyMsMax[i]];
      if (count === 0) expect([p50, p99, max]).toEqual([null, null, null]);
      else expect(0 < p50! && p50! <= p99! && p99! <= max!).toBe(true);
    });
    // The report's write stall (no VDL advance) and the sampled commits tell one story.
    const stall = report.writeStalls.find((s) => s.toMs > crash.atMs);
    expect(stall).toBeDefined();
    series.timesMs.forEach((atMs, i) => {
      if (atMs > stall!.fromMs + series.intervalMs) expect(series.commits.acknowledged[i]).toBe(0);
    });
  });

  it("follows the writer's VCL/VDL to the report's, and each segment's SCL; the crashed segment's stops", () => {
    const writer = series.writers.find((w) => w.instance === sim.topology.writer.id)!;
    expect(writer.vdl[writer.vdl.length - 1]).toBe(report.volume.vdl);
    expect(writer.vcl[writer.vcl.length - 1]).toBe(report.volume.vcl);
    writer.vdl.forEach((vdl, i) => {
      if (vdl !== null) expect(vdl).toBeLessThanOrEqual(writer.vcl[i]!);
    });
    const crashed = series.segments.find((s) => s.id === crash.segment)!;
    const after = crashed.scl.filter((_, i) => series.timesMs[i]! >= crash.atMs);
    expect(new Set(after).size).toBe(1);
    expect(after[0]).toBeGreaterThan(0);
    // PGCL is at most the highest SCL of the PG's segments, and grew while writes went on.
    const pg1 = series.pgs.find((pg) => pg.pg === 1)!;
    pg1.pgcl.forEach((pgcl, i) => {
      const scls = series.segments.filter((s) => s.pg === 1).map((s) => s.scl[i] ?? 0);
      expect(pgcl).toBeLessThanOrEqual(Math.max(...scls));
    });
    expect(pg1.pgcl[pg1.pgcl.length - 1]).toBeGreaterThan(pg1.pgcl[1]!);
    expect(series.replicas).toEqual([]);
  });

  it("keeps an address in a scenario's own text readable without naming it in the file", () => {
    const description = 'see https://example.org/aurora </script> notes';
    const page = renderHtmlReport({ report: { ...report, description }, series, scenario, topology: sim.topology, replay: 'aurora-actors run x.json' });
    expectOffline(page);
    expect(dataOf(page).scenario.description).toBe(description);
    expect(page).toContain('see https:&#47;&#47;example.org/aurora &lt;/script&gt; notes');
  });

  it("has a Global Database section only with the report's global block: each secondary's lags and each promotion", () => {
    expect(html).not.toContain('id="global"');
    const lag = (p50: number) => ({ p50, p99: p50 + 20, max: p50 + 30, samples: 100 });
    const global: NonNullable<SimulationReport['global']> = {
      primaryRegion: 'eu-west-1',
      primaryVdl: 2_553,
      shipments: 900,
      secondaries: [
        { region: 'eu-west-1', state: 'primary.writable', durableLsn: 2_463, durabilityLagMs: lag(135), vdlAdvancesNotDurable: 3, rpoLagMs: { ...lag(140), atEnd: 150 }, visibilityLagMs: { 'inst:eu-west-1:replica1': lag(136) } },
        { region: 'ap-<b>', state: 'secondary.cutOff', durableLsn: 2_391, durabilityLagMs: lag(230), vdlAdvancesNotDurable: 9, rpoLagMs: { ...lag(240), atEnd: 250 }, visibilityLagMs: {} },
      ],
      promotions: [{ region: 'eu-west-1', how: 'failover', oldPrimary: 'us-east-1', requestedAtMs: 5_000, primaryLostAtMs: 4_000, openedAtMs: 5_007, vdl: 2_463, lostCommits: 30, lostSpanMs: 136, rpoLagMsAtFailure: 137, fence: 'timedOut' }],
    };
    const page = renderHtmlReport({ report: { ...report, global }, series, scenario, topology: sim.topology, replay: 'aurora-actors run global-failover --seed 5' });
    expectOffline(page);
    const section = page.slice(page.indexOf('<section id="global">'), page.indexOf('<section id="notes">'));
    expect(section).toContain('<td>eu-west-1</td><td>primary.writable</td><td>2463</td><td>135 / 155 / 165 ms</td>');
    expect(section).toContain('ap-&lt;b&gt;');
    expect(section).toContain('headless');
    expect(section).toContain('<td>failover</td><td>eu-west-1</td><td>5000 ms</td><td>5007 ms at LSN 2463</td>');
    expect(section).toContain('30 commits over 136 ms (RPO lag then 137 ms)');
    expect(section).toContain('timedOut');
  });

  it('renders one page that names no address, with its data, tables and a chart for each series', () => {
    expectOffline(html);
    const data = dataOf(html);
    expect(data.seed).toBe(3);
    expect(data.scenario.name).toBe('az-plus-one');
    expect(data.traceHash).toBe(report.traceHash);
    expect(data.series.pgs[0]!.writeQuorum).toEqual(series.pgs[0]!.writeQuorum);
    expect(data.judges.map((judge) => judge.name)).toEqual(report.invariants.map((judge) => judge.name));
    expect(data.timeline.filter((entry) => entry.kind === 'fault').map((entry) => entry.atMs)).toEqual(scenario.faults.filter((f) => f.atMs <= scenario.durationMs).map((f) => f.atMs));
    expect(data.timeline.some((entry) => entry.kind === 'quorum' && entry.atMs === crash.atMs && /PG 0: 3 of 6 .*NO write quorum/.test(entry.text))).toBe(true);
    expect(html).toMatch(/<tr><td>PG 0<\/td><td>no write quorum<\/td><td class="num">4 s<\/td><td class="num">end of run<\/td><td class="num">3<\/td><\/tr>/);
    for (const judge of report.invariants) expect(html).toContain(judge.name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(html).toContain('id="replicas-unavailable"');
    // The metrics and the bill as tables: one row per series, one per item of the month.
    const metricsTable = /<table id="metrics-series">[\s\S]*?<\/table>/.exec(html)![0];
    expect(metricsTable.match(/<tr><td>/g)).toHaveLength(report.metrics!.series.length);
    expect(metricsTable).toContain(`<tr><td>VolumeWriteIOPs</td><td></td><td>Sum</td><td>Count</td>`);
    const costTable = /<table id="cost-month">[\s\S]*?<\/table>/.exec(html)![0];
    expect(costTable.match(/<tr><td>/g)).toHaveLength(report.cost!.perMonth.items.length);
    const { charts, body } = drawCharts(html);
    const ids = charts.map((chart) => chart.id);
    expect(ids).toEqual(expect.arrayContaining(['chart-throughput', 'chart-latency', 'chart-reachable', 'chart-quorum', 'chart-vcl-vdl', 'chart-pgcl', ...series.pgs.map((pg) => `chart-scl-pg${pg.pg}`)]));
    expect(body['data-charts']).toBe(String(charts.length));
    for (const chart of charts) {
      expect(chart.columns.length).toBe(chart.series);
      for (const column of chart.columns) expect(column.length).toBe(series.timesMs.length);
    }
  });
});

describe('run --html: replica lag over time (replica-lag cut to 600 ms, 200 commits/s)', () => {
  it("has each replica's lag per interval, agreeing with the report's figures, and its chart", () => {
    const base = findScenario('replica-lag') as Scenario;
    const scenario: Scenario = { ...base, durationMs: 600, workload: { ...base.workload, commitsPerS: 200, clients: 16 } };
    const sim = new Simulation({ seed: 2, scenario, trace: { keepEvents: false } });
    const sampler = new RunSampler(sim).run();
    const series = sampler.series();
    const report = sim.report();
    expect(series.replicas.map((replica) => replica.instance)).toEqual(sim.topology.replicas.map((replica) => replica.id).sort());
    const maxima = series.replicas.flatMap((replica) => replica.lagMsMax.filter((lag): lag is number => lag !== null));
    expect(maxima.length).toBeGreaterThan(0);
    expect(Math.max(...maxima)).toBe(report.replicas!.lagMsMax);
    for (const replica of series.replicas) {
      replica.lagMsP50.forEach((p50, i) => {
        expect(p50 === null).toBe(replica.lagMsMax[i] === null);
        if (p50 !== null) expect(0 <= p50 && p50 <= replica.lagMsMax[i]!).toBe(true);
      });
    }
    const html = renderHtmlReport({ report, series, scenario, topology: sim.topology, replay: 'aurora-actors run replica-lag' });
    expectOffline(html);
    const lagChart = drawCharts(html).charts.find((chart) => chart.id === 'chart-replica-lag');
    expect(lagChart?.series).toBe(1 + 2 * series.replicas.length);
  });
});

describe('run --html on the command line', () => {
  it('writes exactly one file, alongside --json, and the run keeps its traceHash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-html-'));
    const file = join(dir, 'report.html');
    const plain = await cli('run', 'test/fixtures/small.json', '--seed', '5', '--json');
    const withHtml = await cli('run', 'test/fixtures/small.json', '--seed', '5', '--json', '--html', file);
    expect(plain.code).toBe(0);
    expect(withHtml.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['report.html']);
    // stdout stays one JSON document, the same report.
    const [a, b] = [JSON.parse(plain.stdout), JSON.parse(withHtml.stdout)];
    expect(b.traceHash).toBe(a.traceHash);
    expect(b).toEqual(a);
    expect(withHtml.stderr).toContain(`HTML report: ${file}`);
    const html = readFileSync(file, 'utf8');
    expectOffline(html);
    const data = dataOf(html);
    expect(data.traceHash).toBe(a.traceHash);
    expect(data.series.timesMs[data.series.timesMs.length - 1]).toBe(a.simulatedMs);
    expect(data.series.commits.acknowledged.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
  });

  it('combines with the readable report', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aurora-html-')), 'r.html');
    const result = await cli('run', 'test/fixtures/small.json', '--seed', '5', '--html', file);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^scenario {4}small: /);
    expect(dataOf(readFileSync(file, 'utf8')).scenario.name).toBe('small');
  });

  it.each([
    [['--html'], /^aurora-actors: --html needs a value\n$/],
    [['--html', 'no/such/folder/r.html'], /^aurora-actors: --html no\/such\/folder\/r.html: the folder no\/such\/folder does not exist \(create it first\)\n$/],
    [['--html', 'test'], /^aurora-actors: --html test: is a directory; give a file path such as out\/report.html\n$/],
  ])('refuses %j before the run, naming the flag', async (flags, message) => {
    const result = await cli('run', 'test/fixtures/small.json', ...flags);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});

describe('chooseIntervalMs', () => {
  it.each([1_000, 14_000, 3_600_000, 86_400_000])('keeps a %d ms run within the points asked for, at the finest step that does', (plannedMs) => {
    const steps = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];
    const intervalMs = chooseIntervalMs(plannedMs, 2000);
    expect(plannedMs / intervalMs).toBeLessThanOrEqual(2000);
    const finer = steps.filter((step) => step < intervalMs);
    for (const step of finer) expect(plannedMs / step).toBeGreaterThan(2000);
  });
});
