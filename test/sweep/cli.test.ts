/**
 * `aurora-actors sweep` and `merge` on the command line: SEEDS first on stderr, one JSON document
 * on stdout, shards that merge, and one clear line naming the flag for bad input (exit 2).
 * Bad input is judged in-process (`main` with captured output); one sweep runs the real command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { sweepSummary } from './summary-fixture.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

describe('aurora-actors sweep', () => {
  it('states SEEDS first on stderr and prints one JSON summary on stdout; shards merge back (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-sweep-'));
    // Shard 0 through the real command (a process of its own); shard 1 in this process.
    const spawned = spawnSync(process.execPath, ['bin/aurora-actors.js', 'sweep', 'test/sweep/tiny.json', '--seeds', '1..3', '--shard', '0/2', '--workers', '1', '--json'], {
      encoding: 'utf8',
    });
    expect(spawned.stderr.split('\n')[0]).toBe('SEEDS=1..3 SHARD=0/2 WORKERS=1');
    expect(spawned.status).toBe(0);
    const inProcess = await cli('sweep', 'test/sweep/tiny.json', '--seeds', '1..3', '--shard', '1/2', '--workers', '1', '--json');
    expect(inProcess.stderr.split('\n')[0]).toBe('SEEDS=1..3 SHARD=1/2 WORKERS=1');
    expect(inProcess.code).toBe(0);
    const shardFiles = [spawned.stdout, inProcess.stdout].map((stdout, index) => {
      const summary = JSON.parse(stdout);
      expect(summary.kind).toBe('aurora-actors/sweep');
      expect(summary.shard).toEqual({ index, count: 2 });
      expect(summary.runs.map((run: { seed: number }) => run.seed)).toEqual(index === 0 ? [1, 3] : [2]);
      const file = join(dir, `shard-${index}.json`);
      writeFileSync(file, stdout);
      return file;
    });
    const merged = await cli('merge', ...shardFiles, '--json');
    expect(merged.code).toBe(0);
    const summary = JSON.parse(merged.stdout);
    expect(summary.runs.map((run: { seed: number }) => run.seed)).toEqual([1, 2, 3]);
    expect(summary.missingSeeds).toEqual([]);
    const partial = await cli('merge', shardFiles[1] as string);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/2 seeds of 1\.\.3 are in no file, the first 1/);
    expect(partial.stdout).toMatch(/missing {6}2 seeds of the range: 1, 3/);
  });

  it.each([
    [['sweep', 'tiny'], /unknown scenario "tiny"/],
    [['sweep', 'test/sweep/tiny.json'], /sweep needs --seeds A\.\.B/],
    [['sweep'], /sweep needs a scenario/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '5..1'], /--seeds A\.\.B needs A ≤ B, got 5\.\.1/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1-5'], /--seeds must be A\.\.B/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1..9007199254740992'], /--seeds: the last seed B must be an integer from/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '-9007199254740993..1'], /--seeds: the first seed A must be an integer from/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1..4', '--shard', '2/2'], /--shard i\/n: the index i must be an integer from 0 to n − 1 = 1, got "2"/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1..4', '--shard', '0/0'], /--shard i\/n: the shard count n must be an integer ≥ 1/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1..4', '--shard', '1'], /--shard must be i\/n/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1..4', '--workers', '0'], /--workers must be an integer from 1 to 256, got "0"/],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '1..4', '--plant', 'typo'], /--plant must name a plantable mistake, got "typo"; allowed: write-quorum-3of6, /],
    [['sweep', 'test/sweep/tiny.json', '--seeds', '-9007199254740991..9007199254740991'], /split it with --shard/],
  ])('refuses %j with one line, exit 2', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('aurora-actors merge: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aurora-merge-'));
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const summary = (patch: object) => sweepSummary(patch);

  it.each([
    [() => [], /merge needs one or more sweep summary files/],
    [() => [join(dir, 'absent.json')], /cannot read .*absent\.json: ENOENT/],
    [() => [file('text.json', 'seeds')], /text\.json is not JSON/],
    [() => [file('report.json', { scenario: 'az-plus-one' })], /report\.json is not a sweep summary/],
    [() => [file('v2.json', summary({ version: 2 }))], /v2\.json is a sweep summary of version 2; this build reads version 1/],
    [() => [file('one.json', summary({})), file('other.json', summary({ scenario: { name: 'tiny', hash: 'e'.repeat(64) } }))], /one\.json and .*other\.json differ in scenario/],
    [() => [file('one.json', summary({})), file('again.json', summary({}))], /seed 1 is in both .*one\.json and .*again\.json/],
  ])('refuses case %# with one line, exit 2', async (files, message) => {
    const result = await cli('merge', ...files());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
