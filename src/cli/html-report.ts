/**
 * The HTML report of a run (`run --html FILE`; docs/simulation-guide.md, "The HTML report"): one
 * self-contained file that opens offline. Its charts are drawn by uPlot, whose minified bundle and
 * stylesheet are read from node_modules when the report is written and inlined, with its licence
 * kept as a notice and no address in it: the file names no external URL at all, so nothing is
 * fetched when it is viewed.
 *
 * The tables (judges, fault timeline, quorum outages) are written as HTML here, so they read
 * without scripts; the charts are built in the browser from the run's data, which sits in
 * `<script type="application/json" id="report-data">` (the same object {@link reportData}
 * returns), and every chart has an id (`chart-…`) for browser tests.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { PLANTS } from '../protocol/plants.js';
import type { SimulationReport } from '../simulation/report.js';
import type { RunSeries } from '../simulation/run-series.js';
import { describeScenario } from './run-report.js';

/** What the HTML report is made from: the run's report, its series, and what it ran. */
export interface HtmlReportInput {
  report: SimulationReport;
  series: RunSeries;
  scenario: Scenario;
  topology: ResolvedTopology;
  /** The command that replays the run. */
  replay: string;
}

/** One line of the fault timeline. */
export interface TimelineEntry {
  atMs: number;
  kind: 'fault' | 'failover' | 'quorum' | 'stall' | 'membership';
  text: string;
}

/** The data the page's charts are drawn from (embedded as JSON, id `report-data`). */
export interface ReportData {
  format: 'aurora-actors-html-report/1';
  scenario: { name: string; description: string; pgCount: number; shape: string[] };
  seed: number;
  plant: string | null;
  simulatedMs: number;
  traceHash: string;
  replay: string;
  ok: boolean;
  summary: Pick<SimulationReport, 'commits' | 'latencyMs' | 'volume'>;
  judges: { name: string; kind: string; ok: boolean; violations: number; vacuous: boolean; witnessed: boolean | null; boundMs: number | null; firstViolations: { atMs: number; message: string }[] }[];
  timeline: TimelineEntry[];
  /** Fault times, drawn as marks on every chart. */
  markers: { atMs: number; label: string }[];
  series: RunSeries;
  /** What the report cannot show for this run, in words. */
  notes: string[];
}

/**
 * A Global Database's secondaries and promotions (docs/protocol.md §11.1), as tables from the
 * report's `global` block; empty without one.
 */
function globalSection(report: SimulationReport): string {
  const h = escapeHtml;
  const global = report.global;
  if (global === undefined) return '';
  const lag = (figures: { p50: number; p99: number; max: number; samples: number }): string =>
    figures.samples === 0 ? 'none' : `${figures.p50.toFixed(0)} / ${figures.p99.toFixed(0)} / ${figures.max.toFixed(0)} ms`;
  const rows = global.secondaries
    .map((secondary) => {
      const visibility = Object.entries(secondary.visibilityLagMs).map(([instance, figures]) => `${h(instance)}: ${lag(figures)}`).join('<br>') || 'headless';
      return `<tr><td>${h(secondary.region)}</td><td>${h(secondary.state)}</td><td>${secondary.durableLsn}</td><td>${lag(secondary.durabilityLagMs)}</td><td>${lag(secondary.rpoLagMs)} (${secondary.rpoLagMs.atEnd.toFixed(0)} ms at the end)</td><td>${visibility}</td></tr>`;
    })
    .join('\n');
  const promotions = global.promotions
    .map((promotion) => {
      const lost = promotion.lostCommits === undefined ? '' : `${promotion.lostCommits} commits over ${(promotion.lostSpanMs ?? 0).toFixed(0)} ms (RPO lag then ${(promotion.rpoLagMsAtFailure ?? 0).toFixed(0)} ms)`;
      return `<tr><td>${h(promotion.how)}</td><td>${h(promotion.region)}</td><td>${promotion.requestedAtMs.toFixed(0)} ms</td><td>${promotion.openedAtMs === undefined ? 'not open' : `${promotion.openedAtMs.toFixed(0)} ms at LSN ${promotion.vdl ?? 0}`}</td><td>${promotion.firstCommitAtMs === undefined ? '' : `${promotion.firstCommitAtMs.toFixed(0)} ms`}</td><td>${h(lost)}</td><td>${h(promotion.fence === 'fenced' && promotion.fencedAtMs !== undefined ? `fenced at ${promotion.fencedAtMs.toFixed(0)} ms` : (promotion.fence ?? ''))}</td></tr>`;
    })
    .join('\n');
  return `<section id="global"><h2>Global Database</h2>
<p>Primary ${h(global.primaryRegion)}; the first primary's VDL ${global.primaryVdl}; ${global.shipments} shipments. Lags are p50 / p99 / max.</p>
<table id="global-secondaries"><thead><tr><th>secondary</th><th>state</th><th>durable LSN</th><th>durability lag</th><th>RPO lag</th><th>visibility lag</th></tr></thead><tbody>
${rows}
</tbody></table>
${promotions === '' ? '' : `<table id="global-promotions"><thead><tr><th>promotion</th><th>region</th><th>asked</th><th>open</th><th>first commit</th><th>lost</th><th>fence</th></tr></thead><tbody>
${promotions}
</tbody></table>`}
</section>
`;
}

/**
 * The CloudWatch-style metrics and the bill (docs/semantics.md, "Metrics", "Cost"), as tables from
 * the report's `metrics` and `cost` blocks. The price list's source is an address, which the page
 * must not hold: the date and region stand for it.
 */
function metricsAndCostSection(report: SimulationReport): string {
  const h = escapeHtml;
  const { metrics, cost } = report;
  if (metrics === undefined || cost === undefined) return '';
  const number = (value: number): string => (Math.abs(value) < 10 && !Number.isInteger(value) ? value.toFixed(2) : Math.round(value).toLocaleString('en-US'));
  const metricRows = metrics.series
    .map((series) => {
      const dimensions = Object.values(series.dimensions).join(', ');
      const total = series.statistic === 'Sum' ? number(series.sum) : '';
      return `<tr><td>${h(series.metric)}</td><td>${h(dimensions)}</td><td>${h(series.statistic)}</td><td>${h(series.unit)}</td><td>${number(series.average)}</td><td>${number(series.minimum)}</td><td>${number(series.maximum)}</td><td>${total}</td></tr>`;
    })
    .join('\n');
  const money = (amount: number): string => `${amount < 0.01 && amount !== 0 ? amount.toFixed(4) : amount.toFixed(2)} ${h(cost.prices.currency)}`;
  const billRows = (items: readonly { item: string; amount: number }[]): string => items.map((item) => `<tr><td>${h(item.item)}</td><td>${money(item.amount)}</td></tr>`).join('\n');
  return `<section id="metrics"><h2>CloudWatch metrics</h2>
<p>${metrics.periods} periods of ${metrics.periodMs} ms; each series' statistic per period on average, lowest and highest, and for sums the run's total.</p>
<table id="metrics-series"><thead><tr><th>metric</th><th>dimensions</th><th>statistic</th><th>unit</th><th>average</th><th>lowest</th><th>highest</th><th>total</th></tr></thead><tbody>
${metricRows}
</tbody></table></section>
<section id="cost"><h2>Cost</h2>
<p>${h(cost.prices.region)} on-demand prices, dated ${h(cost.prices.dated)}. This run: ${money(cost.run.total)}. A month at its rates on ${h(cost.storageConfiguration)}: ${money(cost.perMonth.total)}; on ${h(cost.alternative.storageConfiguration)}: ${money(cost.alternative.perMonth.total)} (${h(cost.cheaper)} is cheaper; I/O is ${Math.round(cost.ioShareOfStandard * 100)} % of the Standard bill).</p>
<table id="cost-month"><thead><tr><th>a month, item</th><th>amount</th></tr></thead><tbody>
${billRows(cost.perMonth.items)}
</tbody></table></section>
`;
}

const require = createRequire(import.meta.url);

/** The charting library as inlined: its code, its stylesheet, its licence notice without addresses. */
interface Library {
  code: string;
  css: string;
  notice: string;
}

let library: Library | undefined;

/** Any address a browser could fetch: what the file must never contain. */
const URL_PATTERN = /https?:\/\/|\/\/cdn|<script\s+src=/i;

/**
 * Reads uPlot from node_modules (once per process). Its banner names its repository's address;
 * the notice keeps who wrote it and its licence, without the address.
 */
function loadLibrary(): Library {
  if (library !== undefined) return library;
  const pkg = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string; license: string };
  const code = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/^\/\*![^*]*\*\/\s*/, '');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const licence = readFileSync(require.resolve('uplot/LICENSE'), 'utf8').replace(/https?:\/\/\S+/g, '').trim();
  const notice = `uPlot v${pkg.version} by Leon Sorokin, ${pkg.license} licence (the uplot package on npm).\n\n${licence}`;
  for (const [name, text] of [['uPlot code', code], ['uPlot stylesheet', css], ['uPlot licence', notice]] as const) {
    // A later uPlot that fetches something would make the report depend on the network: refuse it.
    if (URL_PATTERN.test(text)) throw new Error(`html report: the ${name} names an address (${URL_PATTERN.exec(text)?.[0]}); it must be inlined without any`);
  }
  library = { code, css, notice: notice.replace(/\*\//g, '* /') };
  return library;
}

/**
 * Text as HTML. A `//` (in a scenario file's description, say) is written as character references:
 * it reads the same, and the file's source still names no address.
 */
const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\/\//g, '&#47;&#47;');

/**
 * JSON that is safe inside a script element: no `</script>`, no line separators JavaScript
 * rejects, and no `//` (escaped as `\/\/`, which parses back to the same text) for the same reason
 * as in {@link escapeHtml}.
 */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029').replace(/\/\//g, '\\/\\/');

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : ms % 100 === 0 ? 1 : 3)} s`;
const round3 = (value: number | null): number | null => (value === null ? null : Math.round(value * 1000) / 1000);

/** What a fault did, in words: the scenario's fault with the places it hit. */
function describeFault(fault: { fault: string; target: string }, spec: Scenario['faults'][number] | undefined, topology: ResolvedTopology): string {
  const segmentsIn = (az: string): number => topology.segments.filter((segment) => segment.azId === az).length;
  const instancesIn = (az: string): string[] =>
    [topology.writer, ...topology.replicas, ...(topology.standby === undefined ? [] : [topology.standby])].filter((instance) => instance.azId === az).map((instance) => instance.id);
  const pgOf = (segment: string): string => /^seg:pg(\d+):/.exec(segment)?.[1] ?? '?';
  switch (spec?.kind ?? fault.fault) {
    case 'azOutage': {
      const az = spec !== undefined && 'az' in spec ? spec.az : fault.target;
      const instances = instancesIn(az);
      return `AZ ${az} out: its ${segmentsIn(az)} segments (2 of every PG's 6) and storage nodes go down${instances.length === 0 ? '' : `, with ${instances.join(', ')}`}`;
    }
    case 'azRecover':
      return `AZ ${spec !== undefined && 'az' in spec ? spec.az : fault.target} back: its segments restart and catch up by gossip`;
    case 'regionOutage':
      return `region ${fault.target} out: every AZ of it goes down`;
    case 'regionRecover':
      return `region ${fault.target} back`;
    case 'segmentCrash':
      return `segment ${fault.target} (PG ${pgOf(fault.target)}) crashes; its hot log stays on disk`;
    case 'segmentRestart':
      return `segment ${fault.target} (PG ${pgOf(fault.target)}) restarts`;
    case 'nodeCrash': {
      const node = topology.nodes.find((candidate) => candidate.id === fault.target);
      return `storage node ${fault.target} crashes${node === undefined ? '' : `, taking its ${node.segments.length} segments down`}`;
    }
    case 'nodeRestart':
      return `storage node ${fault.target} restarts`;
    case 'slowSegment':
      return `segment ${fault.target} (PG ${pgOf(fault.target)}) gets a disk ${spec !== undefined && 'factor' in spec ? spec.factor : '?'}× slower`;
    case 'instanceCrash':
      return `instance ${fault.target}${fault.target === topology.writer.id ? ' (the writer)' : ''} crashes`;
    case 'instanceRestart':
      return `instance ${fault.target} restarts`;
    case 'partition': {
      if (spec?.kind !== 'partition') return `partition: ${fault.target} cut off`;
      const other = spec.sideB === undefined ? 'everything else' : spec.sideB.join(', ');
      return `partition${spec.oneWay === true ? ' (one way)' : ''}: ${spec.sideA.join(', ')} cut off from ${other}`;
    }
    case 'heal':
      return 'every partition heals';
    default:
      return `${fault.fault} ${fault.target}`;
  }
}

/** The scenario's faults in the order the clock applied them (by time; ties in plan order). */
function plannedInOrder(scenario: Scenario): Scenario['faults'] {
  return scenario.faults.map((fault, index) => ({ fault, index })).sort((a, b) => a.fault.atMs - b.fault.atMs || a.index - b.index).map(({ fault }) => fault);
}

/** Where each sampled PG's quorum changed: the timeline's "what happened" to the data. */
function quorumChanges(series: RunSeries): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const pg of series.pgs) {
    for (let i = 1; i < series.timesMs.length; i++) {
      const [reachable, copies, write, read] = [pg.reachable[i], pg.copies[i], pg.writeQuorum[i], pg.readQuorum[i]];
      if (reachable === pg.reachable[i - 1] && copies === pg.copies[i - 1] && write === pg.writeQuorum[i - 1] && read === pg.readQuorum[i - 1]) continue;
      const state = write ? 'write and read quorums available' : read ? 'NO write quorum (4 of 6 needed); read quorum holds' : 'NO write and NO read quorum';
      entries.push({ atMs: series.timesMs[i] as number, kind: 'quorum', text: `PG ${pg.pg}: ${reachable} of ${copies} copies reachable: ${state}` });
    }
  }
  return entries;
}

/** Each sampled PG's spans without a write (or read) quorum. */
export function quorumOutages(series: RunSeries): { pg: number; quorum: 'write' | 'read'; fromMs: number; toMs: number | null; minReachable: number }[] {
  const outages: ReturnType<typeof quorumOutages> = [];
  for (const pg of series.pgs) {
    for (const quorum of ['write', 'read'] as const) {
      const held = quorum === 'write' ? pg.writeQuorum : pg.readQuorum;
      let open: (typeof outages)[number] | undefined;
      held.forEach((ok, i) => {
        const atMs = series.timesMs[i] as number;
        if (!ok && open === undefined) {
          open = { pg: pg.pg, quorum, fromMs: atMs, toMs: null, minReachable: pg.reachable[i] as number };
          outages.push(open);
        } else if (!ok && open !== undefined) {
          open.minReachable = Math.min(open.minReachable, pg.reachable[i] as number);
        } else if (ok && open !== undefined) {
          open.toMs = atMs;
          open = undefined;
        }
      });
    }
  }
  return outages;
}

/** The timeline: faults with what they did, failover phases, membership changes, quorum changes, write stalls. */
export function timelineOf(input: HtmlReportInput): TimelineEntry[] {
  const { report, series, scenario, topology } = input;
  const planned = plannedInOrder(scenario);
  const entries: TimelineEntry[] = report.faults.map((fault, i) => {
    const spec = planned[i];
    const matches = spec !== undefined && (spec.kind === fault.fault || (spec.kind === 'heal' && fault.fault === 'heal'));
    return { atMs: fault.atMs, kind: 'fault', text: describeFault(fault, matches ? spec : undefined, topology) };
  });
  for (const phase of series.failoverPhases) {
    const text =
      phase.phase === 'detected'
        ? `failover: control plane declares the writer ${phase.writer} failed`
        : phase.phase === 'promoting'
          ? `failover: promoting ${phase.candidate ?? '(no candidate)'}`
          : phase.phase === 'writerOpen'
            ? `failover: ${phase.candidate ?? phase.writer} recovered the volume and opened it`
            : `failover: cluster endpoint now points at ${phase.writer}`;
    entries.push({ atMs: phase.atMs, kind: 'failover', text });
  }
  for (const change of series.membershipChanges) {
    entries.push({ atMs: change.atMs, kind: 'membership', text: `PG ${change.pg}: membership change ${change.phase}${change.change === undefined ? '' : ` (${change.change})`}, ${change.members} members` });
  }
  entries.push(...quorumChanges(series));
  for (const stall of report.writeStalls) {
    entries.push({ atMs: stall.fromMs, kind: 'stall', text: `writes stalled (no VDL advance) until ${seconds(stall.toMs)}` });
  }
  // Stable: at one instant, faults come before what they caused.
  return entries.sort((a, b) => a.atMs - b.atMs);
}

/** The embedded data of the page. */
export function reportData(input: HtmlReportInput): ReportData {
  const { report, series, scenario, replay } = input;
  const notes: string[] = [
    `Sampled every ${series.intervalMs} ms of virtual time (${series.timesMs.length} samples); counts are per interval, states (copies, quorums, SCL, VCL/VDL) are as at the interval's end, so a change shows up to ${series.intervalMs} ms late.`,
    'Copies reachable: members of the PG\'s configuration in force that are up and linked both ways with the instance the cluster endpoint points at, as the simulated network judges links after the faults applied; while that instance is down, copies that are up.',
    'Quorums are the judges\' rule (src/check/quorum-rule.ts): a write quorum is a strict majority of each clause, 4 of 6; the read quorum is the configuration\'s own, 3 of 6.',
    'PGCL is computed from the SCLs segments reported (persisted, truncation, GC observations) under the judged write quorum; VCL and VDL are what the writer reported.',
  ];
  if (series.pgsOmitted > 0) notes.push(`Per-PG series cover ${series.pgs.length} of ${scenario.topology.pgCount} PGs (those the faults name first, then the lowest); the counts of PGs without a quorum cover ${series.pgsWithoutWriteQuorum === null ? 'none (too many PGs to check at every sample)' : 'every PG'}.`);
  if (series.replicas.length === 0) notes.push(scenario.topology.replicas.length === 0 ? 'Replica lag: the scenario has no read replicas.' : 'Replica lag: no replica applied redo in this run.');
  const roundedSeries: RunSeries = {
    ...series,
    commits: {
      ...series.commits,
      latencyMsP50: series.commits.latencyMsP50.map(round3),
      latencyMsP99: series.commits.latencyMsP99.map(round3),
      latencyMsMax: series.commits.latencyMsMax.map(round3),
    },
    replicas: series.replicas.map((replica) => ({ ...replica, lagMsP50: replica.lagMsP50.map(round3), lagMsMax: replica.lagMsMax.map(round3) })),
  };
  return {
    format: 'aurora-actors-html-report/1',
    scenario: { name: report.scenario, description: report.description, pgCount: scenario.topology.pgCount, shape: describeScenario(scenario) },
    seed: report.seed,
    plant: report.plant ?? null,
    simulatedMs: report.simulatedMs,
    traceHash: report.traceHash,
    replay,
    ok: report.commits.lostAcknowledged === 0 && report.invariants.every((judge) => judge.ok),
    summary: { commits: report.commits, latencyMs: report.latencyMs, volume: report.volume },
    judges: report.invariants.map((judge) => ({
      name: judge.name,
      kind: judge.kind,
      ok: judge.ok,
      violations: judge.violations,
      vacuous: judge.vacuous,
      witnessed: judge.witnessed ?? null,
      boundMs: judge.boundMs ?? null,
      firstViolations: judge.firstViolations,
    })),
    timeline: timelineOf(input),
    markers: report.faults.map((fault) => ({ atMs: fault.atMs, label: `${fault.fault} ${fault.target}` })),
    series: roundedSeries,
    notes,
  };
}

function verdict(judge: ReportData['judges'][number]): string {
  if (!judge.ok) return `violated (${judge.violations})`;
  if (judge.kind === 'sometimes') return judge.witnessed === true ? 'ok: seen' : 'ok: not seen in this run';
  return judge.vacuous ? 'ok: nothing to check' : 'ok';
}

/** The page: header, tables, chart places, the data, uPlot and the script that draws the charts. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const data = reportData(input);
  const lib = loadLibrary();
  const { report } = input;
  const h = escapeHtml;
  const judgesRows = data.judges
    .map((judge) => {
      const messages = judge.firstViolations.map((v) => `<div class="violation">at ${h(seconds(v.atMs))}: ${h(v.message)}</div>`).join('');
      const bound = judge.boundMs === null ? '' : ` within ${judge.boundMs} ms`;
      return `<tr class="${judge.ok ? 'ok' : 'violated'}"><td>${judge.ok ? 'ok' : 'VIOLATED'}</td><td>${h(judge.name)}</td><td>${h(judge.kind)}${h(bound)}</td><td>${h(verdict(judge))}${messages}</td></tr>`;
    })
    .join('\n');
  const timelineRows = data.timeline.map((entry) => `<tr class="${entry.kind}"><td class="num">${h(seconds(entry.atMs))}</td><td>${entry.kind}</td><td>${h(entry.text)}</td></tr>`).join('\n');
  const outages = quorumOutages(input.series);
  const outageRows = outages
    .map((o) => `<tr><td>PG ${o.pg}</td><td>no ${o.quorum} quorum</td><td class="num">${h(seconds(o.fromMs))}</td><td class="num">${o.toMs === null ? 'end of run' : h(seconds(o.toMs))}</td><td class="num">${o.minReachable}</td></tr>`)
    .join('\n');
  const pgCharts = data.series.pgs.map((pg) => `<div class="chart" id="chart-scl-pg${pg.pg}"></div>`).join('\n');
  const title = `aurora-actors run: ${report.scenario}, seed ${report.seed}`;
  const failed = data.judges.filter((judge) => !judge.ok).length;
  const verdictText = data.ok ? 'every judge ok, no acknowledged commit lost' : `${failed} judge${failed === 1 ? '' : 's'} violated${report.commits.lostAcknowledged > 0 ? `, ${report.commits.lostAcknowledged} acknowledged commits lost` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>
/* ${lib.notice.split('\n')[0]} */
${lib.css}
${PAGE_CSS}
</style>
</head>
<body>
<header id="summary">
<h1>${h(report.scenario)} <span class="seed">seed <span id="seed">${report.seed}</span></span></h1>
<p>${h(report.description)}</p>
${report.plant === undefined ? '' : `<p class="plant">PLANT ${h(report.plant)} is on: ${h(PLANTS[report.plant])}</p>`}
<p id="verdict" class="${data.ok ? 'ok' : 'violated'}">${h(verdictText)}</p>
<dl>
${data.scenario.shape.map((line) => `<dt>${h(line.slice(0, 12).trim())}</dt><dd>${h(line.slice(12))}</dd>`).join('\n')}
<dt>simulated</dt><dd>${h(seconds(report.simulatedMs))}</dd>
<dt>commits</dt><dd>${report.commits.acknowledged} acknowledged of ${report.commits.attempted} attempted; ${report.commits.failed} failed, ${report.commits.unknown} unknown; ${report.commits.lostAcknowledged} acknowledged lost</dd>
<dt>latency</dt><dd>commit p50 ${report.latencyMs.commitP50.toFixed(2)} ms, p99 ${report.latencyMs.commitP99.toFixed(2)} ms, max ${report.latencyMs.commitMax.toFixed(2)} ms</dd>
<dt>traceHash</dt><dd><code id="trace-hash">${h(report.traceHash)}</code></dd>
<dt>replay</dt><dd><code>${h(input.replay)}</code></dd>
</dl>
</header>
<main>
<section id="judges"><h2>Judges</h2>
<table><thead><tr><th></th><th>judge</th><th>kind</th><th>verdict</th></tr></thead><tbody>
${judgesRows}
</tbody></table></section>
<section id="timeline"><h2>Fault timeline</h2>
<p class="hint">Faults are marked on every chart as dashed red lines. Drag on a chart to zoom in, double-click to zoom out.</p>
<table><thead><tr><th>time</th><th>kind</th><th>what happened</th></tr></thead><tbody>
${timelineRows || '<tr><td colspan="3">no faults, no failover, no write stalls</td></tr>'}
</tbody></table></section>
<section id="commits"><h2>Commits</h2>
<div class="chart" id="chart-throughput"></div>
<div class="chart" id="chart-latency"></div>
</section>
<section id="quorum"><h2>Quorum health per PG</h2>
<div class="chart" id="chart-reachable"></div>
<div class="chart" id="chart-quorum"></div>
${data.series.pgsWithoutWriteQuorum === null ? '' : '<div class="chart" id="chart-quorum-all"></div>'}
<table id="quorum-outages"><thead><tr><th>PG</th><th>outage</th><th>from</th><th>to</th><th>fewest copies reachable</th></tr></thead><tbody>
${outageRows || '<tr><td colspan="5">every sampled PG kept its write and read quorums</td></tr>'}
</tbody></table></section>
<section id="watermarks"><h2>Watermarks</h2>
<div class="chart" id="chart-vcl-vdl"></div>
<div class="chart" id="chart-pgcl"></div>
<h3>SCL of each segment and the PG's PGCL</h3>
${pgCharts}
</section>
<section id="replicas"><h2>Replica lag</h2>
${data.series.replicas.length === 0 ? `<p class="unavailable" id="replicas-unavailable">${h(data.notes.find((note) => note.startsWith('Replica lag')) ?? 'No replica lag in this run.')}</p>` : '<div class="chart" id="chart-replica-lag"></div>'}
</section>
${globalSection(report)}${metricsAndCostSection(report)}<section id="notes"><h2>About the data</h2>
<ul>${data.notes.map((note) => `<li>${h(note)}</li>`).join('')}</ul>
</section>
<p id="render-error" hidden></p>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>
/*! ${lib.notice} */
${lib.code.replace(/<\/script/gi, '<\\/script')}
</script>
<script>
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 48px; color: #1b1f24; }
h1 { margin: 20px 0 4px; } h1 .seed { font-size: 60%; color: #57606a; font-weight: normal; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 4px; margin-top: 32px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; } dt { color: #57606a; } dd { margin: 0; }
code { font-size: 90%; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
#verdict.ok, tr.ok td:first-child { color: #1a7f37; font-weight: 600; } #verdict.violated, tr.violated td:first-child, .violation { color: #cf222e; font-weight: 600; }
tr.fault td { font-weight: 600; } tr.quorum td, tr.membership td { color: #57606a; } tr.failover td { color: #8250df; }
.plant { color: #cf222e; font-weight: 600; } .hint, .unavailable { color: #57606a; }
.chart { margin: 12px 0 20px; min-height: 60px; } #render-error { color: #cf222e; white-space: pre-wrap; }
`;

/** The browser side: draws every chart from #report-data with uPlot. Plain ES2017, no imports. */
const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var s = data.series;
  var xs = s.timesMs.map(function (ms) { return ms / 1000; });
  var palette = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#57606a', '#d63384', '#6e7781'];
  var charts = [];
  var stepped = uPlot.paths.stepped({ align: 1 });
  function color(i) { return palette[i % palette.length]; }
  function faultMarks() {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = 'rgba(207,34,46,0.7)';
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1;
      data.markers.forEach(function (m) {
        var x = Math.round(u.valToPos(m.atMs / 1000, 'x', true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      });
      ctx.restore();
    }] } };
  }
  function width(el) { return Math.max(320, el.clientWidth || 900); }
  function chart(id, title, yLabel, series, columns, extra) {
    var el = document.getElementById(id);
    if (!el) return;
    var opts = {
      title: title,
      width: width(el),
      height: 240,
      scales: { x: { time: false } },
      axes: [{ label: 'virtual time (s)' }, { label: yLabel, size: 70 }],
      series: [{ label: 'time (s)' }].concat(series),
      plugins: [faultMarks()]
    };
    if (extra) extra(opts);
    var u = new uPlot(opts, [xs].concat(columns), el);
    el.setAttribute('data-series', String(series.length));
    charts.push({ u: u, el: el });
    // Each drawn chart by its element id, for whoever inspects the page (the browser tests read
    // the data a chart was drawn from).
    (window.auroraCharts = window.auroraCharts || {})[id] = u;
  }
  function line(label, i, more) {
    var o = { label: label, stroke: color(i), width: 1.5 };
    for (var k in more || {}) o[k] = more[k];
    return o;
  }
  try {
    var perSecond = 1000 / s.intervalMs;
    chart('chart-throughput', 'Commit throughput (acknowledged per second, per ' + s.intervalMs + ' ms interval)', 'commits/s',
      [line('acknowledged/s', 2, { paths: stepped, fill: 'rgba(26,127,55,0.12)' }), line('failed or unknown/s', 1, { paths: stepped })],
      [s.commits.acknowledged.map(function (n) { return n * perSecond; }), s.commits.failedOrUnknown.map(function (n) { return n * perSecond; })]);
    chart('chart-latency', 'Commit latency per interval (client-observed)', 'ms',
      [line('p50', 0), line('p99', 1), line('max', 7, { dash: [4, 3] })],
      [s.commits.latencyMsP50, s.commits.latencyMsP99, s.commits.latencyMsMax]);
    chart('chart-reachable', 'Copies reachable per PG (write quorum needs 4, read quorum 3)', 'copies',
      s.pgs.map(function (pg, i) { return line('PG ' + pg.pg, i, { paths: stepped }); }),
      s.pgs.map(function (pg) { return pg.reachable; }),
      function (o) { o.scales.y = { range: [0, 7] }; });
    var levels = ['none', 'read only', 'write + read'];
    chart('chart-quorum', 'Quorums available per PG (judged rule: write 4/6, read 3/6)', 'quorum',
      s.pgs.map(function (pg, i) { return line('PG ' + pg.pg, i, { paths: stepped, value: function (u, v) { return v == null ? '-' : levels[Math.round(v)]; } }); }),
      s.pgs.map(function (pg, i) { return pg.writeQuorum.map(function (w, j) { return (w ? 2 : pg.readQuorum[j] ? 1 : 0) + i * 0.03; }); }),
      function (o) { o.scales.y = { range: [-0.3, 2.5] }; o.axes[1].splits = function () { return [0, 1, 2]; }; o.axes[1].values = function (u, vals) { return vals.map(function (v) { return levels[v] || ''; }); }; o.axes[1].size = 90; });
    if (s.pgsWithoutWriteQuorum) {
      chart('chart-quorum-all', 'PGs without a quorum (of all ' + data.scenario.pgCount + ' PGs)', 'PGs',
        [line('without write quorum', 1, { paths: stepped }), line('without read quorum', 3, { paths: stepped })],
        [s.pgsWithoutWriteQuorum, s.pgsWithoutReadQuorum]);
    }
    chart('chart-vcl-vdl', 'Writer watermarks (VCL, VDL) per instance', 'LSN',
      [].concat.apply([], s.writers.map(function (w, i) { return [line('VCL ' + w.instance, 2 * i), line('VDL ' + w.instance, 2 * i + 1, { dash: [6, 3] })]; })),
      [].concat.apply([], s.writers.map(function (w) { return [w.vcl, w.vdl]; })));
    chart('chart-pgcl', 'PGCL per PG (from segments\' SCLs, judged write quorum)', 'LSN',
      s.pgs.map(function (pg, i) { return line('PG ' + pg.pg, i); }),
      s.pgs.map(function (pg) { return pg.pgcl; }));
    s.pgs.forEach(function (pg) {
      var segs = s.segments.filter(function (seg) { return seg.pg === pg.pg; });
      chart('chart-scl-pg' + pg.pg, 'PG ' + pg.pg + ': SCL per segment and PGCL', 'LSN',
        segs.map(function (seg, i) { return line(seg.id, i, { paths: stepped }); }).concat([line('PGCL', 9, { width: 3, stroke: '#1b1f24' })]),
        segs.map(function (seg) { return seg.scl; }).concat([pg.pgcl]));
    });
    if (s.replicas.length > 0) {
      chart('chart-replica-lag', 'Replica lag (commit acknowledged on the writer to visible on the replica)', 'ms',
        [].concat.apply([], s.replicas.map(function (r, i) { return [line('p50 ' + r.instance, 2 * i), line('max ' + r.instance, 2 * i + 1, { dash: [4, 3] })]; })),
        [].concat.apply([], s.replicas.map(function (r) { return [r.lagMsP50, r.lagMsMax]; })));
    }
    var resizing;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () { charts.forEach(function (c) { c.u.setSize({ width: width(c.el), height: 240 }); }); }, 100);
    });
    document.body.setAttribute('data-charts', String(charts.length));
  } catch (error) {
    var p = document.getElementById('render-error');
    p.hidden = false;
    p.textContent = 'The charts could not be drawn: ' + (error && error.stack || error);
    document.body.setAttribute('data-charts', 'error');
  }
})();
`;
