/**
 * The command line: the seed comes first, bad input is one clear line with exit code 2. The first
 * tests run the installed command (`bin/aurora-actors.js`, a process of its own); the flag checks run
 * `main` in process, the same code without a process start each.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/aurora-actors.js', ...args], { encoding: 'utf8' });

/** `main` in process, with what it wrote: the same shape as a spawned run's result. */
async function inProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
  return { status, stdout, stderr };
}

describe('aurora-actors', () => {
  it('states the seed first on stderr, then prints a readable demo report', () => {
    const result = run('demo', '--seed', '42');
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe('SEED=42');
    expect(result.stdout).toMatch(/^heartbeat demo: /);
    expect(result.stdout).toMatch(/fault: crash node:2/);
    expect(result.stdout).toMatch(/replay {8}aurora-actors demo --seed 42/);
  });

  it('demo --json: stdout is exactly one JSON document holding the seed; the seed line goes to stderr', () => {
    const result = run('demo', '--seed', '42', '--json');
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe('SEED=42');
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ scenario: 'heartbeat-demo', seed: 42 });
  });

  it.each([
    ['--seed', '-1', -1],
    ['--seed=-1', undefined, -1],
    ['--seed', '9007199254740991', 9007199254740991],
    ['--seed=-9007199254740991', undefined, -9007199254740991],
  ])('takes %s %s: every seed in the range, in both spellings of the flag', async (flag, value, seed) => {
    const result = await inProcess('demo', ...(value === undefined ? [flag] : [flag, value]), '--json');
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(`SEED=${seed}`);
    expect(JSON.parse(result.stdout).seed).toBe(seed);
  });

  it.each([
    [['demo', '--seed', 'abc'], /^aurora-actors: --seed must be an integer from -9007199254740991 to 9007199254740991 \(±\(2\^53 − 1\)\), got "abc"$/],
    [['demo', '--seed', '1.5'], /--seed must be an integer from -9007199254740991 to 9007199254740991 .*, got "1.5"/],
    // 2^60 and 2^53 are integers, but outside the range a number holds exactly: refused the same way.
    [['demo', '--seed', '1152921504606846976'], /--seed must be an integer from -9007199254740991 to 9007199254740991 .*, got "1152921504606846976"/],
    [['demo', '--seed=9007199254740992'], /--seed must be an integer from -9007199254740991 to 9007199254740991 .*, got "9007199254740992"/],
    [['demo', '--seed', '-9007199254740992'], /--seed must be an integer from -9007199254740991 .*, got "-9007199254740992"/],
    [['demo', '--seed', '-x'], /--seed must be an integer from .*, got "-x"/],
    [['demo', '--seed'], /^aurora-actors: --seed needs a value$/],
    [['demo', '--seed', '--json'], /^aurora-actors: --seed needs a value$/],
    [['demo', '--sed', '1'], /Unknown option '--sed'/],
    [["launch"], /unknown command "launch"; allowed: scenarios, run, replay, sweep, merge, explore, check-history, export-machines, viz, plants, prices, experiment, demo, bench, help/],
    [['demo', '--trace', 'no-such-folder/trace.jsonl'], /^aurora-actors: --trace no-such-folder\/trace.jsonl: the folder no-such-folder does not exist/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const result = await inProcess(...args);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the installed command refuses bad input the same way: one line, exit code 2, no stack', () => {
    const result = run('demo', '--seed', 'abc');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^aurora-actors: --seed must be an integer from -9007199254740991 to 9007199254740991 \(±\(2\^53 − 1\)\), got "abc"\n$/);
  });
});
