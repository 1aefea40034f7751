/**
 * docs/tutorial-global-database.md runs as written: its ```sh commands in order, with
 * `npx aurora-actors` as this checkout's command (a `viz` command gets `--port 0 --json` added,
 * since it serves until stopped: the test waits for its address and stops it), each checked for
 * what the tutorial says of it; and its ```ts block, which is the region below (compared by
 * test/docs/tutorials.test.ts). About a minute, hence deep.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellCommands } from './shell-blocks.js';
// #region tutorial-global-database-import
import { checkTxnHistory, findScenario, Simulation, withOverrides } from '../../src/index.js';
// #endregion tutorial-global-database-import
import type { SimulationReport } from '../../src/simulation/report.js';

const DOC = 'docs/tutorial-global-database.md';
const BIN = resolve('bin/aurora-actors.js');


async function serveOnce(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    for (let i = 0; i < 600 && !out.includes('\n'); i++) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}`);
      await new Promise((done) => setTimeout(done, 100));
    }
    const summary = JSON.parse(out) as { url: string; traces: { id: string }[] };
    const index = (await (await fetch(`${summary.url}api/index?trace=${encodeURIComponent(summary.traces[0]?.id as string)}`)).json()) as { actors: { id: string }[] };
    expect(index.actors.map((actor) => actor.id)).toContain('global:eu-west-1');
    return summary.url;
  } finally {
    child.kill('SIGINT');
    await new Promise((done) => child.once('exit', done));
  }
}

describe(`${DOC} runs as written`, () => {
  it('every command does what the tutorial says', async () => {
    const commands = shellCommands(readFileSync(DOC, 'utf8'));
    expect(commands.map((words) => words.slice(0, 4).join(' '))).toEqual([
      'npx aurora-actors run global-steady',
      'npx aurora-actors run global-failover',
      'npx aurora-actors viz --run',
    ]);
    const [steady, failover, viz] = commands.map((words) => words.slice(2));
    const readable = spawnSync(process.execPath, [BIN, ...(steady as string[])], { encoding: 'utf8' });
    expect(readable.status).toBe(0);
    for (const region of ['us-west-2', 'eu-west-1', 'ap-southeast-2']) expect(readable.stdout).toMatch(new RegExp(`${region} \\(secondary\\.replicating\\)`));
    expect(readable.stdout).toMatch(/durability lag p50/);
    const json = spawnSync(process.execPath, [BIN, ...(failover as string[])], { encoding: 'utf8' });
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as SimulationReport;
    const promotion = report.global!.promotions[0]!;
    expect(promotion).toMatchObject({ region: 'eu-west-1', how: 'failover', requestedAtMs: 5_000, primaryLostAtMs: 4_000, fence: 'fenced' });
    expect(promotion.fencedAtMs).toBeGreaterThan(20_000);
    expect(report.global!.secondaries.map((secondary) => [secondary.region, secondary.state])).toEqual([
      ['eu-west-1', 'primary.writable'],
      ['ap-southeast-2', 'secondary.replicating'],
      ['us-east-1', 'secondary.replicating'],
    ]);
    expect(promotion.lostCommits).toBeGreaterThan(0);
    expect(promotion.lostSpanMs!).toBeLessThanOrEqual(promotion.rpoLagMsAtFailure!);
    expect(promotion.firstCommitAtMs).toBeGreaterThan(promotion.openedAtMs!);
    expect(await serveOnce(viz as string[])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  }, 600_000);

  it('the test of the loss', () => {
    // #region tutorial-global-database
    const scenario = withOverrides(findScenario('global-failover')!, {
      writer: { isolation: 'serializable' },
      failover: { endpointSwitchMs: 1_000 },
      faults: [
        { atMs: 1_500, kind: 'regionOutage', region: 'us-east-1' },
        { atMs: 2_000, kind: 'globalFailover', region: 'eu-west-1' },
      ],
      durationMs: 4_000,
    });
    const sim = new Simulation({ seed: 5, scenario });
    sim.run();
    const promotion = sim.report().global!.promotions[0]!;
    const lost = new Set(
      sim.history.entries
        .filter((entry) => entry.type === 'ok' && (entry.commitLsn ?? 0) > promotion.vdl! && (entry.time ?? 0) < 1_500 * 1e6)
        .map((entry) => entry.txnId),
    );
    const entries = sim.history.entries.map((entry) => (entry.type === 'ok' && lost.has(entry.txnId) ? { ...entry, type: 'info' as const } : entry));
    expect(lost.size).toBe(promotion.lostCommits);
    expect(checkTxnHistory(sim.history.entries, { model: 'strict-serializable' }).ok).toBe(false);
    expect(checkTxnHistory(entries, { model: 'strict-serializable' }).ok).toBe(true);
    // #endregion tutorial-global-database
  }, 60_000);
});
