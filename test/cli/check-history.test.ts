/**
 * `aurora-actors check-history`: verdicts per file on stdout (or one JSON document with --json),
 * exit 0 when every history passes, 1 when one fails or is unknown, 2 on bad input with one line
 * naming the problem. Run in-process (`main` with captured output), plus one real process to
 * check the command is wired to the binary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { generateRegisterHistory } from '../../src/bench/history-bench.js';

const ETCD = 'test/fixtures/jepsen-etcd';
const GOOD = `${ETCD}/etcd_005.log`;
const BAD = `${ETCD}/etcd_001.log`;

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['check-history', ...args], { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

const folder = mkdtempSync(join(tmpdir(), 'check-history-'));
const write = (name: string, text: string): string => {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
};

describe('aurora-actors check-history', () => {
  it('a linearizable history: exit 0 and a one-line verdict', async () => {
    const result = await run(GOOD);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^test\/fixtures\/jepsen-etcd\/etcd_005.log: OK \(linearizable, jepsen-log, \d+ operations, 1 key, \d+ states searched\)\n$/);
    expect(result.stderr).toBe('');
  });

  it('a violation: exit 1, with the longest prefix and what cannot be placed, and why', async () => {
    const result = await run(GOOD, BAD);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/etcd_001.log: VIOLATION/);
    expect(result.stdout).toMatch(/the register: \d+ of \d+ operations linearize; in the last good configuration the register holds \S+/);
    expect(result.stdout).toMatch(/cannot be placed there:\n {6}index \d+, process \d+, read \d+ ok \(lines \d+–\d+\): read \d+, but the register holds/);
  });

  it('--json: one document with every file, its verdict, and ok', async () => {
    const result = await run(GOOD, BAD, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.files.map((file: { file: string; verdict: string; format: string; model: string }) => [file.file, file.format, file.model, file.verdict])).toEqual([
      [GOOD, 'jepsen-log', 'linearizable', 'ok'],
      [BAD, 'jepsen-log', 'linearizable', 'violation'],
    ]);
    const [violation] = report.files[1].violations;
    expect(violation.linearizedIndices).toHaveLength(violation.linearizedCount);
    expect(violation.unplaceable.length).toBeGreaterThan(0);
    expect(violation.blocking).toMatchObject({ f: expect.any(String), process: expect.any(Number), invokeLine: expect.any(Number) });
  });

  it('a JSON-lines history with keys; a budget too small for it is unknown and exits 1', async () => {
    const file = write('generated.jsonl', generateRegisterHistory({ seed: 7, operations: 300, keys: 3 }).map((entry) => JSON.stringify(entry)).join('\n'));
    expect((await run(file)).code).toBe(0);
    const starved = await run(file, '--max-states', '5', '--json');
    expect(starved.code).toBe(1);
    expect(JSON.parse(starved.stdout).files[0]).toMatchObject({ format: 'jsonl', verdict: 'unknown', keys: 3, maxStates: 5 });
    expect((await run(file, '--max-states', '5')).stdout).toMatch(/UNKNOWN .*\n {2}unknown: the search budget of 5 states ran out on key k\d/);
  });

  it('a transactional history is judged by its dependency graph: write skew fails strict-serializable and passes read-committed', async () => {
    // Two transactions each read the key the other writes, from before the other's write (G2).
    const lines = [
      { index: 0, process: 0, type: 'invoke', f: 'txn', value: [['r', 'x', null], ['w', 'y', 'y1']], time: 0 },
      { index: 1, process: 1, type: 'invoke', f: 'txn', value: [['r', 'y', null], ['w', 'x', 'x1']], time: 1 },
      { index: 2, process: 0, type: 'ok', f: 'txn', value: [['r', 'x', null], ['w', 'y', 'y1']], time: 2, commitLsn: 10 },
      { index: 3, process: 1, type: 'ok', f: 'txn', value: [['r', 'y', null], ['w', 'x', 'x1']], time: 3, commitLsn: 20 },
    ];
    const file = write('txn.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'));
    const strict = await run(file, '--json');
    expect(strict.code).toBe(1);
    const report = JSON.parse(strict.stdout).files[0];
    expect(report).toMatchObject({ kind: 'txn', model: 'strict-serializable', verdict: 'violation' });
    expect(report.check.counts.G2).toBeGreaterThan(0);
    expect((await run(file)).stdout).toMatch(/G2: \d+ \(forbidden by strict-serializable\)/);
    expect((await run(file, '--model', 'read-committed')).code).toBe(0);
    // Serial: the second reads the first's write.
    const serial = [
      { ...lines[0], value: [['r', 'x', null], ['w', 'y', 'y1']] },
      { ...lines[2] },
      { index: 2, process: 1, type: 'invoke', f: 'txn', value: [['r', 'y', null], ['w', 'x', 'x1']], time: 5 },
      { index: 3, process: 1, type: 'ok', f: 'txn', value: [['r', 'y', 'y1'], ['w', 'x', 'x1']], time: 6, commitLsn: 20 },
    ];
    expect((await run(write('serial.jsonl', serial.map((line) => JSON.stringify(line)).join('\n')))).code).toBe(0);
    // A register model on a transactional history is bad input, naming the models that fit.
    const wrong = await run(file, '--model', 'linearizable');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/a transactional history \(f = "txn"\) takes --model strict-serializable, serializable/);
  });

  it.each([
    [[], /needs at least one history file/],
    [['no-such-file.log'], /^aurora-actors: no-such-file.log: no such file/],
    [[ETCD], /is a directory; give history files/],
    [[`${ETCD}/README.md`], /README.md:1: not a history line/],
    [[GOOD, '--model', 'sequential'], /--model must be one of linearizable \(register histories\), strict-serializable \(transactional histories\), serializable/],
    [[GOOD, '--model', 'strict-serializable'], /--model strict-serializable does not judge register histories/],
    [[GOOD, '--max-states', '0'], /--max-states must be a positive integer/],
    [[GOOD, '--failed-cas', 'maybe'], /--failed-cas must be one of no-effect, compared-unequal/],
    [[GOOD, '--seed', '1'], /Unknown option '--seed'/],
  ])('bad input %j: exit 2 and one line', async (args, message) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('runs from the binary', () => {
    const result = spawnSync(process.execPath, ['bin/aurora-actors.js', 'check-history', GOOD, BAD], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/etcd_005.log: OK[^]*etcd_001.log: VIOLATION/);
  });
});
