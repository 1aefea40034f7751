/**
 * `run az-plus-one --html` in full (docs/simulation-guide.md, "The HTML report"): PG 0 loses its
 * write quorum for exactly the AZ+1 window (SIGMOD'17 §2.1) and regains it when the segment
 * restarts; the run's traceHash is the one of the same run without the page.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { ReportData } from '../../src/cli/html-report.js';
import { findScenario } from '../../src/scenarios/builtin.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(argv, { out: (text) => void (stdout += text), err: () => undefined });
  return { code, stdout };
}

describe('run az-plus-one --html, the whole run', () => {
  it('shows PG 0 without a write quorum from the segment crash to its restart, and keeps the traceHash', async () => {
    const scenario = findScenario('az-plus-one')!;
    const crash = scenario.faults.find((fault) => fault.kind === 'segmentCrash')!;
    const restart = scenario.faults.find((fault) => fault.kind === 'segmentRestart')!;
    const file = join(mkdtempSync(join(tmpdir(), 'aurora-html-')), 'az-plus-one.html');
    const withHtml = await cli('run', 'az-plus-one', '--seed', '11', '--json', '--html', file);
    const plain = await cli('run', 'az-plus-one', '--seed', '11', '--json');
    expect(withHtml.code).toBe(0);
    expect(JSON.parse(withHtml.stdout).traceHash).toBe(JSON.parse(plain.stdout).traceHash);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/https?:\/\/|\/\/cdn|<script[^>]*\ssrc=/i);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as ReportData;
    const { series } = data;
    expect(series.timesMs.length).toBeLessThanOrEqual(2001);
    const pg0 = series.pgs.find((pg) => pg.pg === 0)!;
    series.timesMs.forEach((atMs, i) => {
      expect({ atMs, write: pg0.writeQuorum[i] }).toEqual({ atMs, write: atMs < crash.atMs || atMs >= restart.atMs });
      expect(pg0.readQuorum[i]).toBe(true);
    });
    expect(data.judges.every((judge) => judge.ok)).toBe(true);
    expect(data.timeline.filter((entry) => entry.kind === 'fault')).toHaveLength(scenario.faults.length);
  });
});
