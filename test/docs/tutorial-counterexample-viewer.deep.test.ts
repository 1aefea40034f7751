/**
 * docs/tutorial-counterexample-viewer.md runs as written: every command of its ```sh blocks, in
 * order, in one fresh directory, with `npx aurora-actors` as this checkout's command. A `viz`
 * command gets `--port 0 --json` added (it serves until stopped): the test waits for its address,
 * asks it for the page and the trace's index, and stops it. The exit codes and the excerpt of the
 * explorer's output are the ones the tutorial states. About 30 s, hence deep.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellCommands } from './shell-blocks.js';

const DOC = 'docs/tutorial-counterexample-viewer.md';
const BIN = resolve('bin/aurora-actors.js');


/** Exit codes the tutorial states: the explorer and the planted run find the mistake (1). */
const EXPECTED_EXIT: Record<string, number> = { explore: 1, run: 1 };

async function serveOnce(args: string[], cwd: string): Promise<{ url: string; traces: { id: string; events: number; url: string }[] }> {
  const child = spawn(process.execPath, [BIN, ...args, '--port', '0', '--json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  try {
    for (let i = 0; i < 600 && !out.includes('\n'); i++) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}: ${err}`);
      await new Promise((done) => setTimeout(done, 100));
    }
    const summary = JSON.parse(out) as { url: string; traces: { id: string; events: number; url: string }[] };
    const page = await fetch(summary.traces[0]?.url as string);
    expect(page.status).toBe(200);
    const index = (await (await fetch(`${summary.url}api/index?trace=${encodeURIComponent(summary.traces[0]?.id as string)}`)).json()) as { verdicts: { invariant: string; ok: boolean; final: boolean }[] };
    // Every trace of the tutorial holds the violation the viewer opens at.
    expect(index.verdicts.some((verdict) => !verdict.ok && !verdict.final && verdict.invariant === 'S4 VDL durability')).toBe(true);
    return summary;
  } finally {
    child.kill('SIGINT');
    await new Promise((done) => child.once('exit', done));
  }
}

describe(`${DOC} runs as written`, () => {
  it('every command, in order, does what the tutorial says', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const commands = shellCommands(doc);
    expect(commands.map((words) => words.slice(0, 3).join(' '))).toEqual([
      'npx aurora-actors explore',
      'npx aurora-actors viz',
      'npx aurora-actors explore',
      'npx aurora-actors viz',
      'npx aurora-actors run',
      'npx aurora-actors viz',
    ]);
    const cwd = mkdtempSync(join(tmpdir(), 'tutorial-viewer-'));
    for (const words of commands) {
      expect(words.slice(0, 2)).toEqual(['npx', 'aurora-actors']);
      const args = words.slice(2);
      if (args[0] === 'viz') {
        const summary = await serveOnce(args, cwd);
        expect(summary.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        continue;
      }
      const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(EXPECTED_EXIT[args[0] as string] ?? 0);
      if (args[0] === 'explore' && !args.includes('--trace')) {
        // The excerpt the tutorial shows is the explorer's output, line for line.
        const excerpt = /```text\n([\s\S]*?)```/.exec(doc)?.[1]?.trimEnd().split('\n') ?? [];
        const lines = result.stdout.split('\n');
        const start = lines.indexOf(excerpt[0] as string);
        expect(start).toBeGreaterThanOrEqual(0);
        for (const line of excerpt) if (line.trim() !== '...') expect(lines).toContain(line);
        expect(lines[start + 1]).toBe(excerpt[1]);
      }
    }
  }, 180_000);
});
