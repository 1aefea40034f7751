/**
 * `aurora-actors run --inspect` (docs/simulation-guide.md, "Live inspection"): the events reach a
 * listener as Stately's inspection events, a missing listener neither keeps the process alive nor
 * changes the report, and bad values are one clear line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { inspectUrl, takeInspectFlag } from '../../src/cli/inspect.js';

/** 1 PG for 200 simulated ms: a run of well under a wall second. */
const scenarioFile = (() => {
  const path = join(mkdtempSync(join(tmpdir(), 'aurora-inspect-')), 'tiny.json');
  const scenario = { name: 'tiny', description: '1 PG, 200 ms', topology: { pgCount: 1 }, workload: { commitsPerS: 100 }, faults: [], durationMs: 200 };
  writeFileSync(path, JSON.stringify(scenario));
  return path;
})();

/** Wall milliseconds after which a child that has not exited counts as hung (a hang guard, not a speed limit). */
const HANG_GUARD_MS = 60_000;

/** Runs the command in a child process; rejects if it has not exited within the hang guard. */
function runChild(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/aurora-actors.js', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit within ${HANG_GUARD_MS} ms; stderr: ${stderr}`));
    }, HANG_GUARD_MS);
    child.on('close', (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The traceHash of the same run without --inspect, in this process. */
async function plainTraceHash(): Promise<string> {
  let out = '';
  expect(await main(['run', scenarioFile, '--seed', '4', '--json'], { out: (text) => (out += text), err: () => {} })).toBe(0);
  return JSON.parse(out).traceHash;
}

/** A port nothing listens on: one the OS just handed out and took back. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('aurora-actors run --inspect', () => {
  it('with nothing listening: says where it sent, runs without inspection, exits, and reports the same traceHash', async () => {
    const port = await freePort();
    const result = await runChild(['run', scenarioFile, '--seed', '4', '--json', '--inspect', String(port)]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`inspect: sending Stately inspection events to ws://localhost:${port}; see them at http://localhost:${port}/`);
    expect(result.stderr).toContain(`inspect: nothing answered at ws://localhost:${port}`);
    expect(JSON.parse(result.stdout).traceHash).toBe(await plainTraceHash());
  });

  it("with a listener: it gets Stately's events for the writer and every segment, the process exits, and the traceHash is the same", async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const received: { type: string; name?: string; snapshot?: { value?: unknown; context?: unknown } }[] = [];
    server.on('connection', (socket) => socket.on('message', (data) => received.push(JSON.parse(String(data)))));
    try {
      const result = await runChild(['run', scenarioFile, '--seed', '4', '--json', '--inspect', `ws://127.0.0.1:${port}`]);
      expect(result.status).toBe(0);
      expect(result.stderr).not.toContain('nothing answered');
      const names = received.filter((event) => event.type === '@xstate.actor').map((event) => event.name);
      expect(names).toEqual(expect.arrayContaining(['inst:us-east-1:writer', 'seg:pg0:us-east-1a:1', 'seg:pg0:us-east-1c:2', 'control-plane']));
      expect(names.filter((name) => name?.startsWith('seg:'))).toHaveLength(6);
      const snapshots = received.filter((event) => event.type === '@xstate.snapshot');
      expect(snapshots.length).toBeGreaterThan(50);
      expect(received.filter((event) => event.type === '@xstate.event')).toHaveLength(snapshots.length);
      // Contexts go summarized: collections by their size, never whole logs.
      expect(JSON.stringify(snapshots.map((event) => event.snapshot?.context))).toMatch(/"\d+ (items|entries|fields)"/);
      expect(JSON.parse(result.stdout).traceHash).toBe(await plainTraceHash());
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes an optional value: a port, a ws:// URL, or none (the default port), and leaves the scenario alone', () => {
    expect(takeInspectFlag(['--inspect', 'az-plus-one'])).toEqual(['--inspect=', 'az-plus-one']);
    expect(takeInspectFlag(['az-plus-one', '--inspect', '9000', '--json'])).toEqual(['az-plus-one', '--inspect=9000', '--json']);
    expect(takeInspectFlag(['x', '--inspect', 'wss://h:1/p'])).toEqual(['x', '--inspect=wss://h:1/p']);
    expect(inspectUrl('')).toBe('ws://localhost:8080');
    expect(inspectUrl('9000')).toBe('ws://localhost:9000');
  });

  it.each([['70000'], ['0'], ['http://localhost:8080'], ['localhost']])('refuses --inspect=%s with one line naming the flag and what it takes, exit 2', async (value) => {
    let err = '';
    const status = await main(['run', scenarioFile, `--inspect=${value}`], { out: () => {}, err: (text) => (err += text) });
    expect(status).toBe(2);
    expect(err).toBe(`aurora-actors: --inspect takes a port from 1 to 65535 or a ws:// or wss:// URL (where @statelyai/inspect's inspector server listens); got "${value}"\n`);
  });
});
