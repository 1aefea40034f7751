/**
 * The viewer's server side (docs/viewer.md): the trace index, the statechart layouts and the HTTP
 * answers, on a short real run and on hand-written traces. The page itself is tested in Chromium
 * (test/browser/viewer.browser.test.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { main } from '../../src/cli.js';
import { loadScenario } from '../../src/cli/args.js';
import { vizCommand } from '../../src/cli/viz.js';
import { CLUSTER_STATECHARTS, statechartGraph, stateIdsOf } from '../../src/cluster/statecharts.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { placeOf } from '../../src/viz/actors.js';
import { startViewer } from '../../src/viz/server.js';
import type { RunningViewer } from '../../src/viz/server.js';
import { layoutStatechart } from '../../src/viz/statechart-layout.js';
import { indexTrace } from '../../src/viz/trace-index.js';
import type { IndexedTrace, TraceIndex } from '../../src/viz/trace-index.js';

/** az-plus-one, seed 7, up to `untilMs`, as trace lines; its faults come ten times sooner (the AZ outage at 300 ms), to keep the test short. */
function azPlusOneLines(untilMs: number): string[] {
  const lines: string[] = [];
  const builtin = loadScenario('az-plus-one');
  const scenario = { ...builtin, faults: builtin.faults.map((fault) => ({ ...fault, atMs: fault.atMs / 10 })) };
  const sim = new Simulation({ seed: 7, scenario, trace: { keepEvents: false, sink: (line) => lines.push(line) } });
  sim.runUntil((run) => run.kernel.clock.now() >= untilMs);
  return lines;
}

function get(url: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('actor places', () => {
  it('reads topology from systemIds', () => {
    expect(placeOf('seg:pg3:us-east-1b:2')).toEqual({ id: 'seg:pg3:us-east-1b:2', machine: 'segment', role: 'segment', az: 'us-east-1b', region: 'us-east-1', pg: 3 });
    expect(placeOf('inst:us-east-1:writer')).toMatchObject({ machine: 'instance', role: 'instance', region: 'us-east-1' });
    expect(placeOf('az:us-east-1c')).toMatchObject({ machine: 'az', az: 'us-east-1c', region: 'us-east-1' });
    expect(placeOf('node:us-east-1a:4')).toMatchObject({ machine: 'storage-node', az: 'us-east-1a' });
    expect(placeOf('inst:monitor')).toMatchObject({ machine: 'heartbeat-monitor' });
    expect(placeOf('seg:b1')).toMatchObject({ machine: 'segment', az: 'b', pg: 0 });
    expect(placeOf('client:4')).toEqual({ id: 'client:4', role: 'client' });
    expect(placeOf('global:eu-west-1')).toEqual({ id: 'global:eu-west-1', machine: 'global-region', role: 'region', region: 'eu-west-1' });
    expect(placeOf('replication:eu-west-1')).toEqual({ id: 'replication:eu-west-1', machine: 'global-applier', role: 'service', region: 'eu-west-1' });
    expect(placeOf('forwarder:eu-west-1')).toEqual({ id: 'forwarder:eu-west-1', machine: 'write-forwarder', role: 'service', region: 'eu-west-1' });
    expect(placeOf('front-door:us-east-1')).toEqual({ id: 'front-door:us-east-1', machine: 'front-door', role: 'service', region: 'us-east-1' });
    expect(placeOf('mm-writer:inst:us-east-1:writer2')).toEqual({ id: 'mm-writer:inst:us-east-1:writer2', machine: 'mm-writer', role: 'instance', region: 'us-east-1' });
    expect(placeOf('client:eu-west-1:2')).toEqual({ id: 'client:eu-west-1:2', role: 'client', region: 'eu-west-1' });
    expect(placeOf('seg:pg1:eu-west-1b:2')).toMatchObject({ machine: 'segment', region: 'eu-west-1', az: 'eu-west-1b', pg: 1 });
    expect(placeOf('global:')).toEqual({ id: 'global:', role: 'other' });
    expect(placeOf('s3:us-east-1')).toEqual({ id: 's3:us-east-1', machine: 'object-store', role: 'service', region: 'us-east-1' });
    expect(placeOf('restore-2:seg:pg1:us-east-1c:2')).toEqual({ id: 'restore-2:seg:pg1:us-east-1c:2', machine: 'segment', role: 'segment', az: 'us-east-1c', region: 'us-east-1', pg: 1 });
    expect(placeOf('restore-1:inst:us-east-1:writer')).toMatchObject({ machine: 'instance', region: 'us-east-1' });
    expect(placeOf('restore-1:job')).toEqual({ id: 'restore-1:job', machine: 'restore-job', role: 'service' });
    expect(placeOf('scaler:inst:us-east-1:replica2')).toEqual({ id: 'scaler:inst:us-east-1:replica2', machine: 'serverless-scaler', role: 'service', region: 'us-east-1' });
    expect(placeOf('clone-2:job')).toEqual({ id: 'clone-2:job', machine: 'restore-job', role: 'service' });
    expect(placeOf('clone-2:seg:pg0:us-east-1a:1')).toMatchObject({ machine: 'segment', id: 'clone-2:seg:pg0:us-east-1a:1' });
    // Every machine an id maps to exists.
    const names = new Set(CLUSTER_STATECHARTS.map((chart) => chart.name));
    for (const id of ['seg:pg0:a:1', 'inst:r:writer', 'writer', 'az:x1a', 'region:r', 'node:x1a:1', 'node:2', 'inst:monitor', 'metadata', 'control-plane', 'storage-control-plane', 'global:eu-west-1', 's3:r', 'restore-1:job', 'restore-1:metadata']) {
      expect(names.has(placeOf(id).machine as string), id).toBe(true);
    }
  });
});

describe('the trace index', () => {
  let trace: IndexedTrace;
  let index: TraceIndex;
  beforeAll(() => {
    trace = indexTrace('t', 't.jsonl', azPlusOneLines(330));
    index = trace.index;
  });

  it('has each actor’s state changes: AZ b’s segments go down at the outage', () => {
    const outage = index.faults.find((fault) => fault.fault === 'azOutage');
    expect(outage).toMatchObject({ atMs: 300, target: 'az:us-east-1b' });
    const i = index.actors.findIndex((actor) => actor.id === 'seg:pg0:us-east-1b:1');
    const states = index.states[i] as number[];
    const values = states.filter((_, k) => k % 2 === 1).map((v) => index.stateValues[v]);
    expect(values).toEqual(['online.up', 'down']);
    // It went down at the outage's step or after, never before.
    expect(states[2]).toBeGreaterThan(outage?.step as number);
    expect(index.atMs[states[2] as number]).toBe(300);
    // A segment of AZ a stays up.
    const a = index.actors.findIndex((actor) => actor.id === 'seg:pg0:us-east-1a:1');
    expect((index.states[a] as number[]).length).toBe(2);
  });

  it('has the SCL each segment reported, rising', () => {
    const i = index.actors.findIndex((actor) => actor.id === 'seg:pg0:us-east-1a:1');
    const scl = (index.scl[i] as number[]).filter((_, k) => k % 2 === 1);
    expect(scl.length).toBeGreaterThan(10);
    for (let k = 1; k < scl.length; k++) expect(scl[k]).toBeGreaterThanOrEqual(scl[k - 1] as number);
  });

  it('orders actors as the topology reads and serves windows with each delivery’s send step', () => {
    const roles = index.actors.map((actor) => actor.role);
    expect(roles.indexOf('az')).toBeLessThan(roles.indexOf('segment'));
    expect(roles.lastIndexOf('segment')).toBeLessThan(roles.indexOf('client'));
    const window = trace.eventsBetween(1000, 1400);
    expect(window.map((event) => event.step)).toEqual(Array.from({ length: 401 }, (_, k) => 1000 + k));
    const delivery = window.find((event) => event.kind === 'deliver' && event.sentAt !== undefined && event.sentAt >= 1000);
    const send = window.find((event) => event.step === delivery?.sentAt);
    expect(send).toMatchObject({ kind: 'send', id: delivery?.['id'], from: delivery?.['from'], to: delivery?.['to'] });
  });

  it('reads a header and verdicts, and names the line of a bad one', () => {
    const lines = [
      JSON.stringify({ auroraActorsTrace: 1, seed: 3, scenario: { name: 'demo', description: 'd' } }),
      JSON.stringify({ kind: 'state', atMs: 0, actor: 'seg:pg0:a1:1', value: 'online.up' }),
      JSON.stringify({ kind: 'verdict', atMs: 5, invariant: 'S4 VDL durability', ok: false, message: 'lost' }),
      // Written after the same step as the one above: it takes that step.
      JSON.stringify({ kind: 'verdict', atMs: 5, invariant: 'S6 no lost acknowledged commit', ok: false }),
      JSON.stringify({ kind: 'timer', atMs: 7, actor: 'seg:pg0:a1:1', type: 'gcTick' }),
      JSON.stringify({ kind: 'snapshot', atMs: 7, actor: 'seg:pg0:a1:1', snapshot: { value: { online: 'up' }, status: 'active', context: {} } }),
      JSON.stringify({ kind: 'verdict', atMs: 9, invariant: 'S4 VDL durability', ok: false, final: true, violations: 2 }),
      '',
    ];
    const { index: small } = indexTrace('x', 'x.jsonl', lines);
    expect(small.header).toEqual({ seed: 3, scenario: 'demo', description: 'd' });
    expect(small.events).toBe(6);
    expect(small.snapshots[small.actors.findIndex((actor) => actor.id === 'seg:pg0:a1:1')]).toEqual([4]);
    expect(small.verdicts).toEqual([
      { step: 1, atMs: 5, invariant: 'S4 VDL durability', ok: false, final: false, message: 'lost' },
      { step: 1, atMs: 5, invariant: 'S6 no lost acknowledged commit', ok: false, final: false },
      { step: 5, atMs: 9, invariant: 'S4 VDL durability', ok: false, final: true, violations: 2 },
    ]);
    // With the scenario's topology in the header, instances are placed in their AZ.
    const topology = loadScenario('az-plus-one').topology;
    const placed = indexTrace('y', 'y.jsonl', [
      JSON.stringify({ auroraActorsTrace: 1, seed: 1, scenario: { name: 'az-plus-one', topology } }),
      JSON.stringify({ kind: 'state', atMs: 0, actor: 'inst:us-east-1:writer', value: 'writer.open' }),
      JSON.stringify({ kind: 'state', atMs: 0, actor: 'inst:us-east-1:standby', value: 'standby' }),
    ]).index;
    expect(placed.actors.map((actor) => [actor.id, actor.az])).toEqual([
      ['inst:us-east-1:standby', topology.writerAz],
      ['inst:us-east-1:writer', topology.writerAz],
    ]);
    expect(() => indexTrace('x', 'x.jsonl', [lines[1] as string, '{"kind":'])).toThrow(/x\.jsonl: line 2: not JSON/);
    expect(() => indexTrace('x', 'x.jsonl', ['{"kind":"state"}'])).toThrow(/x\.jsonl: line 1: not a trace event/);
  });
});

describe('statechart layouts', () => {
  it('lay out every state of every machine, inside its parent, with routed edges', async () => {
    for (const chart of CLUSTER_STATECHARTS) {
      const layout = await layoutStatechart(chart.machine);
      expect(layout.states.map((state) => state.id).sort()).toEqual(stateIdsOf(chart.machine).slice(1).sort());
      const byId = new Map(layout.states.map((state) => [state.id, state]));
      for (const state of layout.states) {
        const parent = byId.get(state.id.slice(0, state.id.lastIndexOf('.')));
        if (parent === undefined) continue;
        expect(state.x, `${state.id} inside ${parent.id}`).toBeGreaterThanOrEqual(parent.x);
        expect(state.y + state.height).toBeLessThanOrEqual(parent.y + parent.height);
      }
      const graph = statechartGraph(chart.machine);
      expect(layout.edges.length + layout.rootTransitions.length).toBe(graph.edges.length);
      for (const edge of layout.edges) expect(edge.points.length, `${edge.source} → ${edge.target}`).toBeGreaterThanOrEqual(2);
    }
  });

  it('merge a segment’s transitions per pair of states: down → online on restart or recover', () => {
    const graph = statechartGraph(CLUSTER_STATECHARTS[0]!.machine);
    const back = graph.edges.find((edge) => edge.source === 'segment.down' && edge.target === 'segment.online');
    expect(back?.events).toEqual(['restart [noCauseLeft]', 'recover [noCauseLeft]']);
  });
});

describe('the server', () => {
  let viewer: RunningViewer;
  let trace: IndexedTrace;
  beforeAll(async () => {
    trace = indexTrace('az', 'az.jsonl', azPlusOneLines(200));
    viewer = await startViewer({ traces: [trace], port: 0 });
  });
  afterAll(() => viewer.close());

  it('listens on 127.0.0.1 and serves the page with nothing from elsewhere', async () => {
    expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/`);
    const page = await get(viewer.url);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    const app = await get(`${viewer.url}app.js`);
    const css = await get(`${viewer.url}style.css`);
    for (const text of [page.body, app.body, css.body]) expect(text).not.toMatch(/https?:\/\//);
    // The import map's every entry is served here.
    const imports = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '{}') as { imports: Record<string, string> };
    for (const path of Object.values(imports.imports)) {
      const vendor = await get(`${viewer.url}${path.slice(1)}`);
      expect(vendor.status, path).toBe(200);
      expect(vendor.type).toMatch(/javascript/);
    }
  });

  it('answers the index, windows of events and layouts as JSON, and errors that say what is allowed', async () => {
    const index = JSON.parse((await get(`${viewer.url}api/index?trace=az`)).body) as TraceIndex;
    expect(index.events).toBe(trace.index.events);
    const events = JSON.parse((await get(`${viewer.url}api/events?trace=az&from=5&to=9`)).body) as { step: number }[];
    expect(events.map((event) => event.step)).toEqual([5, 6, 7, 8, 9]);
    const layout = JSON.parse((await get(`${viewer.url}api/statechart?machine=segment`)).body) as { machine: string };
    expect(layout.machine).toBe('segment');
    const missing = await get(`${viewer.url}api/index?trace=nope`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toBe('no trace "nope"; this viewer has az');
    expect((await get(`${viewer.url}api/statechart?machine=x`)).body).toContain('allowed: segment, instance');
    expect((await get(`${viewer.url}api/events?trace=az&from=9&to=5`)).status).toBe(400);
  });

  it('refuses a request addressed to another host name (DNS rebinding)', async () => {
    const refused = await get(`${viewer.url}api/index?trace=az`, `evil.example:${viewer.port}`);
    expect(refused.status).toBe(403);
  });
});

describe('aurora-actors viz', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) } };
  };

  it('serves the files given and prints one JSON document; stops when told', async () => {
    const file = `${process.env['TMPDIR'] ?? '/tmp'}/viz-test-${process.pid}.jsonl`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, azPlusOneLines(100).join('\n') + '\n');
    const { out, err, io: cliIo } = io();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const exit = vizCommand([file, '--port', '0', '--json'], cliIo, stopped);
    for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const summary = JSON.parse(out.join('')) as { url: string; traces: { id: string; events: number; url: string }[] };
    expect(summary.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(summary.traces).toEqual([{ id: `viz-test-${process.pid}`, file, events: readFileSync(file, 'utf8').trim().split('\n').length, url: `${summary.url}?trace=viz-test-${process.pid}` }]);
    expect(err.join('')).toContain('127.0.0.1 only');
    expect((await get(summary.traces[0]!.url)).status).toBe(200);
    stop();
    expect(await exit).toBe(0);
  });

  it('--run: states the seed first, and the JSON names it; the run has its verdicts', async () => {
    const { out, err, io: cliIo } = io();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const exit = vizCommand(['--run', 'test/fixtures/small.json', '--seed', '5', '--port', '0', '--json'], cliIo, stopped);
    for (let i = 0; i < 500 && out.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(err[0]).toBe('SEED=5\n');
    const summary = JSON.parse(out.join('')) as { url: string; traces: { id: string; seed: number }[] };
    expect(summary.traces[0]?.seed).toBe(5);
    const index = JSON.parse((await get(`${summary.url}api/index?trace=${summary.traces[0]?.id}`)).body) as TraceIndex;
    expect(index.header?.seed).toBe(5);
    // Every judge's final verdict, all held on the real protocol.
    const finals = index.verdicts.filter((verdict) => verdict.final);
    expect(finals.length).toBeGreaterThan(20);
    expect(finals.filter((verdict) => !verdict.ok && (verdict.violations ?? 0) > 0)).toEqual([]);
    stop();
    expect(await exit).toBe(0);
  });

  it('bad input: one line naming the field, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['viz', '/no/such.jsonl'], /trace \/no\/such\.jsonl: no such file/],
      [['viz', '--port', '70000'], /--port must be an integer from 0 to 65535/],
      [['viz', 'a.jsonl', '--explore', 'tiny-volume'], /give trace files, --explore <model> or --run <scenario>, one of them/],
      [['viz', '--symmetry'], /--symmetry applies to --explore <model> only/],
      [['viz', '--explore', 'nope'], /unknown model "nope"/],
      [['viz', '--run', 'nope'], /scenario/],
    ];
    for (const [argv, message] of cases) {
      const { err, io: cliIo } = io();
      expect(await main(argv, cliIo), argv.join(' ')).toBe(2);
      expect(err.join(''), argv.join(' ')).toMatch(message);
      expect(err.join('').trim().split('\n')).toHaveLength(1);
    }
  });
});
