/**
 * The HTML report (`run --html`, src/cli/html-report.ts) in a real Chromium: the page draws every
 * chart offline (no request leaves the file), without a script error, and the quorum chart of
 * az-plus-one shows PG 0 with both quorums before the AZ+1 failure and a read quorum only after
 * it (SIGMOD'17 §2.1). Screenshots: artifacts/screenshots/html-report-*.png.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from './chromium.js';

/** The page's globals, as the page functions below see them (this project's types have no DOM). */
interface PageGlobals {
  auroraCharts?: Record<string, { data: number[][]; series: { label: string }[] }>;
  document: { querySelectorAll(selector: string): ArrayLike<{ id: string }>; getElementById(id: string): { textContent: string | null } | null };
}


describe('HTML report in Chromium: az-plus-one, seed 7', () => {
  let browser: Browser;
  const file = join(mkdtempSync(join(tmpdir(), 'html-report-')), 'az-plus-one.html');

  beforeAll(async () => {
    const run = spawnSync(process.execPath, ['bin/aurora-actors.js', 'run', 'az-plus-one', '--seed', '7', '--json', '--html', file], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws every chart offline and without a script error; PG 0 loses its write quorum but keeps its read quorum', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).auroraCharts?.['chart-quorum'] !== undefined);

    expect(errors).toEqual([]);
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    const drawn = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).auroraCharts ?? {}).sort());
    const declared = await page.evaluate(() => Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('div.chart'), (element) => element.id).sort());
    expect(drawn).toEqual(declared);
    expect(drawn).toEqual(expect.arrayContaining(['chart-throughput', 'chart-latency', 'chart-reachable', 'chart-quorum', 'chart-vcl-vdl']));

    // The quorum chart's own data: 2 = write and read quorum, 1 = read only, 0 = none (per PG,
    // offset by 0.03 per PG so lines do not overlap). The fault markers give the AZ+1 window.
    const quorum = await page.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      const chart = page.auroraCharts!['chart-quorum']!;
      const data = JSON.parse(page.document.getElementById('report-data')!.textContent!) as { markers: { atMs: number; label: string }[] };
      return { seconds: chart.data[0]!, pg0: chart.data[1]!, label: chart.series[1]!.label, markers: data.markers };
    });
    expect(quorum.label).toBe('PG 0');
    // az-plus-one: AZ b out at 3 s, then one more PG 0 segment crashes (AZ+1) until it restarts.
    const atS = (prefix: string): number => (quorum.markers.find((marker) => marker.label.startsWith(prefix))?.atMs ?? NaN) / 1000;
    const [outageS, crashS, restartS] = [atS('azOutage'), atS('segmentCrash'), atS('segmentRestart')];
    expect(outageS < crashS && crashS < restartS).toBe(true);
    const before = quorum.pg0.filter((_, i) => quorum.seconds[i]! < crashS);
    const during = quorum.pg0.filter((_, i) => quorum.seconds[i]! > crashS && quorum.seconds[i]! < restartS);
    expect(before.length).toBeGreaterThan(5);
    expect(before.every((level) => Math.round(level) === 2)).toBe(true);
    expect(during.length).toBeGreaterThan(5);
    expect(during.every((level) => Math.round(level) === 1)).toBe(true);

    const chartShot = screenshotPath('html-report-quorum.png');
    await page.locator('#chart-quorum').screenshot({ path: chartShot });
    await page.screenshot({ path: screenshotPath('html-report-page.png'), fullPage: true });
    expect(statSync(chartShot).size).toBeGreaterThan(5_000);
    await page.close();
  });
});
