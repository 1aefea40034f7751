/**
 * The viewer (`aurora-actors viz`, docs/viewer.md) in a real Chromium:
 * - az-plus-one, seed 7 (351,538 events): scrub to the AZ outage, click a segment of the lost AZ,
 *   see its state `down`, its SCL and its statechart with `down` marked; the URL then opens the
 *   same view.
 * - the load time and the scrubbing rate, measured on the first 100,000 events of that trace and
 *   on the whole of it, written to artifacts/viewer-timings.json (figures, not thresholds:
 *   docs/viewer.md reports them).
 * - a run with a planted mistake: the page opens at the first violation, with the invariant's
 *   row marked at the step the trace's verdict names.
 * - an explored counterexample (`viz --explore`): the violation at the path's last step.
 * Screenshots: artifacts/screenshots/viewer-*.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/cli/args.js';
import { exploreCounterexampleTrace } from '../../src/cli/viz.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { traceHeaderLine } from '../../src/testing/replay.js';
import { startViewer } from '../../src/viz/server.js';
import type { RunningViewer } from '../../src/viz/server.js';
import { indexTrace } from '../../src/viz/trace-index.js';
import type { IndexedTrace } from '../../src/viz/trace-index.js';
import { launchChromium, screenshotPath } from './chromium.js';

/** The page's handle (src/viz/page/app.js), as page functions see it; this project's types have no DOM. */
interface ViewerHandle {
  ready: boolean;
  loadMs: number;
  step: number;
  scrub(frames: number): Promise<{ frames: number; ms: number; framesPerS: number }>;
}
type PageGlobals = { auroraViewer?: ViewerHandle };

const EVENTS = 100_000;

/** A traced run as `run --trace` writes it (header, events, verdicts), stopped after `maxEvents` events if given. */
function tracedRun(name: string, seed: number, options: { plant?: 'write-quorum-3of6'; maxEvents?: number } = {}): string[] {
  const scenario = loadScenario(name);
  const lines = [traceHeaderLine({ seed, scenario, ...(options.plant === undefined ? {} : { plant: options.plant }) })];
  const sim = new Simulation({ seed, scenario, ...(options.plant === undefined ? {} : { plant: options.plant }), traceVerdicts: true, trace: { keepEvents: false, sink: (line) => lines.push(line) } });
  if (options.maxEvents === undefined) {
    sim.run();
    sim.recordFinalVerdicts(sim.report());
  } else {
    const max = options.maxEvents;
    sim.runUntil(() => lines.length > max);
  }
  return options.maxEvents === undefined ? lines : lines.slice(0, options.maxEvents + 1);
}

async function open(browser: Browser, url: string): Promise<{ page: Page; errors: string[]; foreign: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1200 } });
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('http://127.0.0.1:')) foreign.push(request.url());
  });
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).auroraViewer?.ready === true, null, { timeout: 60_000 });
  return { page, errors, foreign };
}

/** Moves the scrubber as a drag does: the range input's value, then its input event. */
async function scrubTo(page: Page, step: number): Promise<void> {
  await page.evaluate((to) => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { value: string; dispatchEvent(e: unknown): void } } }).document;
    const input = doc.querySelector('input[type=range]');
    input.value = String(to);
    const EventCtor = (globalThis as unknown as { Event: new (type: string, init: { bubbles: boolean }) => unknown }).Event;
    input.dispatchEvent(new EventCtor('input', { bubbles: true }));
  }, step);
  await page.waitForFunction((to) => (globalThis as unknown as PageGlobals).auroraViewer?.step === to, step);
}

describe('the viewer in Chromium', () => {
  let browser: Browser;
  let viewer: RunningViewer;
  let az: IndexedTrace;
  let first100k: IndexedTrace;
  let planted: IndexedTrace;
  let explored: IndexedTrace;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const lines = tracedRun('az-plus-one', 7);
    let startedMs = performance.now();
    az = indexTrace('az-plus-one', 'az-plus-one-seed-7.jsonl', lines);
    timings['wholeEvents'] = az.index.events;
    timings['wholeIndexMs'] = performance.now() - startedMs;
    // The header and the first 100,000 events.
    startedMs = performance.now();
    first100k = indexTrace('first-100k', 'az-plus-one-seed-7-first-100k.jsonl', lines.slice(0, EVENTS + 1));
    timings['indexMs'] = performance.now() - startedMs;
    planted = indexTrace('planted', 'lal-under-load-write-quorum-3of6.jsonl', tracedRun('lal-under-load', 1, { plant: 'write-quorum-3of6' }));
    explored = await exploreCounterexampleTrace({ explore: 'tiny-volume', plant: 'write-quorum-3of6', symmetry: true }, { out: () => undefined, err: () => undefined });
    viewer = await startViewer({ traces: [az, first100k, planted, explored], port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
    mkdirSync(resolve('artifacts'), { recursive: true });
    writeFileSync(resolve('artifacts', 'viewer-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    console.log(`viewer timings: ${JSON.stringify(timings)}`);
  });

  it(`loads ${EVENTS.toLocaleString('en-US')} events and scrubs through them (figures in artifacts/viewer-timings.json)`, async () => {
    expect(first100k.index.events).toBe(EVENTS);
    for (const [trace, prefix] of [[first100k, ''], [az, 'whole']] as const) {
      const { page, errors, foreign } = await open(browser, `${viewer.url}?trace=${trace.index.id}`);
      const pageLoadMs = await page.evaluate(() => ((globalThis as unknown as PageGlobals).auroraViewer as ViewerHandle).loadMs);
      timings[prefix === '' ? 'pageLoadMs' : 'wholePageLoadMs'] = pageLoadMs;
      // A segment selected, so each frame also redraws its details and its statechart's marks.
      await page.click('[data-actor="seg:pg0:us-east-1b:1"]');
      await page.waitForSelector('[data-testid=statechart] svg');
      const scrub = await page.evaluate(() => ((globalThis as unknown as PageGlobals).auroraViewer as ViewerHandle).scrub(300));
      // The page followed the scrubber: it shows the last step the scrub set (frame 299 of 300).
      const lastStep = Math.round((299 * (trace.index.events - 1)) / 300);
      expect(await page.evaluate(() => ((globalThis as unknown as PageGlobals).auroraViewer as ViewerHandle).step)).toBe(lastStep);
      timings[prefix === '' ? 'scrubFramesPerS' : 'wholeScrubFramesPerS'] = scrub.framesPerS;
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
      await page.close();
    }
    timings['loadTotalMs'] = (timings['indexMs'] as number) + (timings['pageLoadMs'] as number);
  });

  it('az-plus-one: scrubbing to the AZ outage shows a lost segment down, its SCL and its statechart in down', async () => {
    const { page, errors, foreign } = await open(browser, `${viewer.url}?trace=az-plus-one`);

    // The steps at which the outage reached PG 0's two copies in us-east-1b, from the trace itself.
    const firstDown = (id: string): number => {
      const changes = az.index.states[az.index.actors.findIndex((actor) => actor.id === id)] as number[];
      return changes[changes.findIndex((value, k) => k % 2 === 1 && az.index.stateValues[value] === 'down') - 1] as number;
    };
    const segment = 'seg:pg0:us-east-1b:1';
    const downAt = firstDown(segment);
    const bothDownAt = Math.max(downAt, firstDown('seg:pg0:us-east-1b:2'));
    const outage = az.index.faults.find((fault) => fault.fault === 'azOutage');
    expect(outage?.step).toBeLessThan(downAt);
    const sclList = az.index.scl[az.index.actors.findIndex((actor) => actor.id === segment)] as number[];
    let expectedScl = 0;
    for (let k = 0; k < sclList.length; k += 2) if ((sclList[k] as number) <= bothDownAt) expectedScl = sclList[k + 1] as number;
    expect(expectedScl).toBeGreaterThan(0);

    await scrubTo(page, bothDownAt);
    await page.click(`[data-actor="${segment}"]`);
    await page.waitForSelector('[data-testid=statechart] g[data-state-id="segment.down"]');
    expect(await page.textContent('[data-testid=actor-state]')).toMatch(/^down since step \d+/);
    expect(await page.textContent('[data-testid=actor-scl]')).toMatch(new RegExp(`^${expectedScl} `));
    expect(await page.getAttribute('[data-testid=statechart] g[data-state-id="segment.down"]', 'data-active')).toBe('true');
    expect(await page.getAttribute('[data-testid=statechart] g[data-state-id="segment.online.up"]', 'data-active')).toBe('false');
    // The AZ alone leaves PG 0 four copies: both quorums still met (4 of 6, 3 of 6; docs/protocol.md §1).
    expect(await page.textContent('tr[data-pg="0"] .quorum')).toBe('4/6 up · reads ✓ · writes ✓');
    await page.screenshot({ path: screenshotPath('viewer-az-outage.png'), fullPage: true });

    // One step before the change the same segment is still up, and its chart says so.
    await scrubTo(page, downAt - 1);
    expect(await page.textContent('[data-testid=actor-state]')).toMatch(/^online\.up/);
    expect(await page.getAttribute('[data-testid=statechart] g[data-state-id="segment.online.up"]', 'data-active')).toBe('true');
    expect(await page.getAttribute('[data-testid=statechart] g[data-state-id="segment.online"]', 'data-active')).toBe('ancestor');

    // The address encodes trace, step and actor: opening it shows the same view.
    await scrubTo(page, bothDownAt);
    await page.waitForFunction((step) => new URL((globalThis as unknown as { location: { href: string } }).location.href).searchParams.get('step') === String(step), bothDownAt);
    const link = page.url();
    expect(new URL(link).searchParams.get('actor')).toBe(segment);
    const again = await open(browser, link);
    expect(await again.page.textContent('[data-testid=actor-state]')).toMatch(/^down/);
    expect(await again.page.evaluate(() => ((globalThis as unknown as PageGlobals).auroraViewer as ViewerHandle).step)).toBe(bothDownAt);

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await again.page.close();
    await page.close();
  });

  it('a run with a planted mistake opens at its first violation, marked at the step of its verdict', async () => {
    const first = planted.index.verdicts.filter((verdict) => !verdict.ok).sort((a, b) => a.step - b.step)[0];
    expect(first?.final).toBe(false);
    const { page, errors } = await open(browser, `${viewer.url}?trace=planted`);
    expect(await page.evaluate(() => ((globalThis as unknown as PageGlobals).auroraViewer as ViewerHandle).step)).toBe(first?.step);
    const row = `tr.first[data-invariant="${first?.invariant}"]`;
    expect(await page.getAttribute(row, 'data-status')).toBe('violated');
    expect(await page.textContent(`${row} .status`)).toContain(`violated at step ${first?.step}`);
    expect(await page.textContent('ol.events li.current')).toContain('VIOLATION');
    await page.screenshot({ path: screenshotPath('viewer-violation.png'), fullPage: true });
    // One step before, the same invariant had no violation yet.
    await scrubTo(page, (first?.step as number) - 1);
    expect(await page.getAttribute(`tr[data-invariant="${first?.invariant}"]`, 'data-status')).toBe('so-far');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an explored counterexample (viz --explore) shows S4 violated at the path’s last choice', async () => {
    const { page, errors } = await open(browser, `${viewer.url}?trace=${explored.index.id}`);
    const violation = explored.index.verdicts.find((verdict) => !verdict.ok && !verdict.final);
    expect(violation?.invariant).toBe('S4 VDL durability');
    expect(await page.evaluate(() => ((globalThis as unknown as PageGlobals).auroraViewer as ViewerHandle).step)).toBe(violation?.step);
    expect(await page.getAttribute('tr.first', 'data-invariant')).toBe('S4 VDL durability');
    // The path carries snapshots: the writer's whole context at the step, with the VDL it moved.
    await page.click('[data-actor="writer"]');
    await page.click('[data-testid=actor-snapshot] summary');
    await page.waitForFunction(() => !((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('[data-testid=actor-snapshot] pre')?.textContent ?? 'loading').startsWith('loading'));
    expect(await page.textContent('[data-testid=actor-snapshot] pre')).toMatch(/"vdl": 2\b/);
    await page.screenshot({ path: screenshotPath('viewer-explored.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
