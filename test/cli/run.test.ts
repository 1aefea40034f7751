/**
 * `aurora-actors run` and `scenarios`: the seed first, a report, exit codes 0 / 1 / 2, and one
 * clear line for bad input (docs/simulation-guide.md, "Running a scenario").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { parseTraceHeader } from '../../src/testing/replay.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/aurora-actors.js', ...args], { encoding: 'utf8' });

describe('aurora-actors scenarios / run', () => {
  it('lists every built-in scenario with one line each', () => {
    const result = run('scenarios');
    expect(result.status).toBe(0);
    const names = result.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]);
    expect(names.slice(0, 5)).toEqual(['steady-state', 'az-outage', 'az-plus-one', 'slow-segment', 'segment-crash-gossip']);
    expect(names).toEqual(
      expect.arrayContaining(['segment-replacement', 'az-plus-one-repair', 'replica-lag', 'writer-crash', 'writer-crash-no-replica', 'zombie-writer', 'recovery-ragged-edge', 'crash-during-recovery']),
    );
  });

  it('runs az-plus-one --seed 7 --json: stdout is one JSON document, zero lost acknowledged commits, every invariant ok', () => {
    const result = run('run', 'az-plus-one', '--seed', '7', '--json');
    expect(result.status).toBe(0);
    // The seed is stated first on stderr; stdout is exactly the report, as `jq` reads it.
    expect(result.stderr.split('\n')[0]).toBe('SEED=7');
    const report = JSON.parse(result.stdout);
    expect(report.scenario).toBe('az-plus-one');
    expect(report.seed).toBe(7);
    expect(report.commits.lostAcknowledged).toBe(0);
    expect(report.commits.acknowledged).toBeGreaterThan(1_000);
    expect(report.invariants.length).toBeGreaterThanOrEqual(8);
    expect(report.invariants.every((result: { ok: boolean }) => result.ok)).toBe(true);
    for (const field of ['simulatedMs', 'traceHash', 'latencyMs', 'volume']) expect(report).toHaveProperty(field);
    expect(report.writeStalls.length).toBeGreaterThan(0);
  });

  it('runs a scenario file and writes the trace and the Jepsen-style history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-run-'));
    const trace = join(dir, 'trace.jsonl');
    const history = join(dir, 'history.jsonl');
    const result = run('run', 'test/fixtures/small.json', '--seed', '2', '--trace', trace, '--history', history);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^SEED=2\n/);
    expect(result.stdout).toMatch(/^scenario {4}small: /);
    expect(result.stdout).toMatch(/fault: segmentCrash seg:pg0:us-east-1b:1/);
    expect(result.stdout).toMatch(/replay {6}aurora-actors run test\/fixtures\/small.json --seed 2/);
    const traceLines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(traceLines.length).toBeGreaterThan(100);
    // The header first, naming the seed and the scenario (docs/trace-format.md, "Header line"), then the events.
    expect(parseTraceHeader(traceLines[0]!)).toMatchObject({ seed: 2, scenario: { name: 'small' } });
    expect(JSON.parse(traceLines[1]!)).toHaveProperty('kind');
    // The run ends with every judge's final verdict.
    expect(JSON.parse(traceLines.at(-1)!)).toMatchObject({ kind: 'verdict', final: true, ok: true });
    const entries = readFileSync(history, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(entries[0]).toMatchObject({ index: 0, type: 'invoke', f: 'txn' });
    for (const entry of entries) expect(Object.keys(entry)).toEqual(expect.arrayContaining(['index', 'process', 'type', 'f', 'value', 'time', 'node']));
    // Jepsen's conventions: integer nanoseconds, micro-ops named r and w.
    for (const entry of entries) expect(Number.isInteger(entry.time)).toBe(true);
    expect(new Set(entries.flatMap((entry) => entry.value.map((op: unknown[]) => op[0])))).toEqual(new Set(['r', 'w']));
    expect(entries.filter((entry) => entry.type === 'ok').length).toBeGreaterThan(50);
  });

  it('writes every metric datapoint with --metrics, as CSV rows or JSON lines by the extension (in process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-metrics-'));
    const outputs = { csv: join(dir, 'metrics.csv'), jsonl: join(dir, 'metrics.jsonl') };
    const reports = [];
    for (const path of Object.values(outputs)) {
      let out = '';
      const code = await main(['run', 'test/fixtures/small.json', '--seed', '2', '--json', '--metrics', path], { out: (text) => void (out += text), err: () => undefined });
      expect(code).toBe(0);
      reports.push(JSON.parse(out));
    }
    const { metrics } = reports[0];
    const expectedRows = metrics.series.reduce((sum: number, series: { datapoints: number }) => sum + series.datapoints, 0);
    const [header, ...rows] = readFileSync(outputs.csv, 'utf8').trim().split('\n');
    expect(header).toBe('atMs,metric,dimensions,statistic,unit,value');
    expect(rows).toHaveLength(expectedRows);
    expect(rows.filter((row) => /^1000,CommitThroughput,,Average,Count\/Second,\d+$/.test(row))).toHaveLength(1);
    const lines = readFileSync(outputs.jsonl, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(expectedRows);
    expect(lines.filter((datum) => datum.metric === 'VolumeWriteIOPs').map((datum) => datum.atMs)).toEqual(Array.from({ length: metrics.periods }, (_, i) => (i + 1) * 1_000));
    // The same run either way, and the file agrees with the report.
    expect(reports[1].traceHash).toBe(reports[0].traceHash);
    const writeIos = lines.filter((datum) => datum.metric === 'VolumeWriteIOPs').reduce((sum, datum) => sum + datum.value, 0);
    expect(writeIos).toBe(metrics.series.find((series: { metric: string }) => series.metric === 'VolumeWriteIOPs').sum);
  });

  it.each([
    [['run', 'steady-state', '--prices', 'test/fixtures/missing.json'], /^aurora-actors: --prices test\/fixtures\/missing.json: no such file \(ENOENT\)$/],
    [['run', 'steady-state', '--prices', 'test/fixtures/malformed.json'], /^aurora-actors: --prices test\/fixtures\/malformed.json: not valid JSON/],
    [['run', 'steady-state', '--prices', 'test/fixtures/small.json'], /^aurora-actors: --prices test\/fixtures\/small.json: region is required; it must be a non-empty string$/],
    [['run', 'steady-state', '--metrics', 'metrics.txt'], /^aurora-actors: --metrics metrics.txt: must end in .csv \(CSV rows\) or .jsonl \(JSON lines\)$/],
    [['run', 'meteor-strike'], /unknown scenario "meteor-strike"; built-in scenarios: steady-state, az-outage/],
    [['run'], /run needs a scenario/],
    [['run', 'steady-state', '--seed', 'seven'], /--seed must be an integer from -9007199254740991 to 9007199254740991 .*, got "seven"/],
    [['run', 'test/fixtures/two-azs.json'], /scenario file test\/fixtures\/two-azs.json: topology.regions\[0\].azs must list at least 3 AZs/],
    [['run', 'test/fixtures/malformed.json'], /scenario file test\/fixtures\/malformed.json: not valid JSON/],
    [['run', 'test/fixtures/missing.json'], /^aurora-actors: scenario file test\/fixtures\/missing.json: no such file \(ENOENT\)$/],
    [['run', 'test/fixtures'], /^aurora-actors: scenario "test\/fixtures" is a directory; give a scenario file \(a path ending in .json\) or a built-in scenario's name/],
    [['run', 'README.md'], /^aurora-actors: scenario "README.md" is a file but not a scenario file: scenario files are JSON and their names end in .json$/],
    [['run', 'scenarios/mine.yaml'], /^aurora-actors: scenario "scenarios\/mine.yaml": no such file; give a path to a .json scenario file/],
    [['run', 'steady-state', 'extra'], /unexpected argument "extra"/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    // In process: the command's whole behaviour is `main` (bin/aurora-actors.js only starts it),
    // and a process start costs about 2.5 s; the binary itself is run just below.
    let out = '';
    let err = '';
    const code = await main(args, { out: (text) => void (out += text), err: (text) => void (err += text) });
    expect(err.trim()).toMatch(message);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(out).not.toMatch(/SEED=/);
  });

  it('the binary exits 2 with the same one line for an unknown scenario', () => {
    const result = run('run', 'meteor-strike');
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^aurora-actors: unknown scenario "meteor-strike"; built-in scenarios: steady-state, az-outage/)]);
    expect(result.stdout).toBe('');
  });
});

describe('aurora-actors run --json', () => {
  it('prints nothing on stdout but the JSON report, so programs can parse all of it', () => {
    const result = run('run', 'test/fixtures/small.json', '--seed', '5', '--json');
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe('SEED=5');
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ scenario: 'small', seed: 5 });
  });
});

describe('aurora-actors run: output files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aurora-out-'));

  it.each([
    [['--trace', join(dir, 'no-such-folder', 'trace.jsonl')], /^aurora-actors: --trace .*no-such-folder\/trace\.jsonl: the folder .*no-such-folder does not exist/],
    [['--trace', dir], /^aurora-actors: --trace .*: is a directory; give a file path/],
    [['--history', join(dir, 'no-such-folder', 'history.jsonl')], /^aurora-actors: --history .*: the folder .* does not exist/],
    [['--history', dir], /^aurora-actors: --history .*: is a directory/],
  ])('refuses %j before the run: one line naming the flag, exit code 2', async (flags, message) => {
    // In process, as the refusals above: the check is `main`'s, before any run.
    let out = '';
    let err = '';
    const code = await main(['run', 'test/fixtures/small.json', '--seed', '2', ...flags], { out: (text) => void (out += text), err: (text) => void (err += text) });
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(out).toBe('');
  });

  // /dev/full accepts the open and fails every write with ENOSPC: a disk that fills during the run.
  it.skipIf(!existsSync('/dev/full'))('prints the report even when a file cannot be written, then says so and exits 3', () => {
    const history = join(dir, 'history.jsonl');
    const result = run('run', 'test/fixtures/small.json', '--seed', '2', '--json', '--trace', '/dev/full', '--history', history);
    expect(result.status).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ scenario: 'small', seed: 2 });
    expect(result.stderr).toMatch(/^SEED=2\n/);
    expect(result.stderr).toMatch(/aurora-actors: --trace \/dev\/full: could not be written \(ENOSPC\)/);
    expect(readFileSync(history, 'utf8').trim().split('\n').length).toBeGreaterThan(50);
  });
});
