/**
 * The trace hash of a run does not depend on whether its trace is written: a `--trace` run and a
 * plain run of one seed print the same traceHash, in process and through the command line, and
 * another seed still gives another hash (docs/determinism.md, "What the trace hash covers").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { TraceOptions } from '../../src/kernel/trace.js';
import { main } from '../../src/cli.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/aurora-actors.js', ...args], { encoding: 'utf8' });

describe('trace hash with and without a trace file', () => {
  it('is one hash for one seed whether the run streams lines, keeps events or neither; another seed differs', () => {
    const scenario = findScenario('steady-state')!;
    const hashOf = (seed: number, trace: TraceOptions): string => new Simulation({ seed, scenario, trace }).runFor(500).kernel.trace.traceHash();
    let streamed = 0;
    const plain = hashOf(2, { keepEvents: false });
    expect(hashOf(2, { keepEvents: false, sink: () => streamed++ })).toBe(plain);
    expect(hashOf(2, { keepEvents: true })).toBe(plain);
    expect(streamed).toBeGreaterThan(500);
    expect(hashOf(3, { keepEvents: false })).not.toBe(plain);
  }, 180_000);

  it.each([
    ['demo', ['demo', '--seed', '5', '--json']],
    ['run replica-reads', ['run', 'replica-reads', '--seed', '2', '--json']],
  ])('%s prints the same traceHash with --trace FILE as without, and the file holds full send payloads', async (_name, args) => {
    const file = join(mkdtempSync(join(tmpdir(), 'aurora-trace-')), 'trace.jsonl');
    // The plain run in process (the command's behaviour is `main`), the traced one through the binary.
    let plainOut = '';
    const plainCode = await main(args, { out: (text) => void (plainOut += text), err: () => undefined });
    const traced = cli(...args, '--trace', file);
    expect([plainCode, traced.status]).toEqual([0, 0]);
    expect(JSON.parse(traced.stdout).traceHash).toBe(JSON.parse(plainOut).traceHash);
    const sends = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((event) => event.kind === 'send');
    expect(sends.length).toBeGreaterThan(0);
    expect(sends.every((event) => typeof event.message === 'object' && typeof event.message.type === 'string')).toBe(true);
  }, 180_000);
});
