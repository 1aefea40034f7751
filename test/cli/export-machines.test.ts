/**
 * `aurora-actors export-machines` (docs/statecharts.md): one JSON summary on stdout with --json,
 * two files per machine, and the files are what the library's functions give.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { CLUSTER_STATECHARTS, statechartConfig, statechartMermaid, stateIdsOf, transitionCountOf } from '../../src/cluster/statecharts.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/aurora-actors.js', ...args], { encoding: 'utf8' });

describe('aurora-actors export-machines', () => {
  it('--json: one summary on stdout; every machine written as its config and its diagram', () => {
    // A directory that does not exist yet: the command creates it.
    const out = join(mkdtempSync(join(tmpdir(), 'export-machines-')), 'charts');
    const result = run('export-machines', '--out', out, '--json');
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^wrote ${2 * CLUSTER_STATECHARTS.length} files \\(${CLUSTER_STATECHARTS.length} machines\\) to `));
    const summary = JSON.parse(result.stdout) as {
      machines: { name: string; id: string; states: number; transitions: number; files: string[] }[];
      totals: { machines: number; states: number; transitions: number; files: number };
    };
    expect(summary.machines.map((machine) => machine.name)).toEqual(CLUSTER_STATECHARTS.map((chart) => chart.name));
    for (const [i, machine] of summary.machines.entries()) {
      const chart = CLUSTER_STATECHARTS[i]!;
      expect(machine).toMatchObject({ id: chart.machine.id, states: stateIdsOf(chart.machine).length - 1, transitions: transitionCountOf(chart.machine) });
      expect(machine.files).toEqual([join(out, `${chart.name}.json`), join(out, `${chart.name}.mmd`)]);
      expect(JSON.parse(readFileSync(machine.files[0]!, 'utf8'))).toEqual(statechartConfig(chart.machine));
      expect(readFileSync(machine.files[1]!, 'utf8')).toBe(statechartMermaid(chart.machine));
    }
    const sum = (pick: (machine: (typeof summary.machines)[number]) => number) => summary.machines.reduce((total, machine) => total + pick(machine), 0);
    expect(summary.totals).toEqual({
      machines: summary.machines.length,
      states: sum((machine) => machine.states),
      transitions: sum((machine) => machine.transitions),
      files: sum((machine) => machine.files.length),
    });
  });

  it.each([
    [[], /^aurora-actors: export-machines needs --out DIR: the directory to write <machine>.json and <machine>.mmd into$/],
    [['--out'], /^aurora-actors: --out needs a value$/],
    [['--out', 'FILE'], /^aurora-actors: --out .* is a file; give a directory \(it is created if missing\)$/],
    [['--out', 'x', '--seed', '1'], /Unknown option '--seed'/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const file = join(mkdtempSync(join(tmpdir(), 'export-machines-')), 'a-file');
    writeFileSync(file, '');
    // In process (the spawned run above covers the binary): stdout and stderr as the CLI writes them.
    let stdout = '';
    let stderr = '';
    const code = await main(['export-machines', ...args.map((arg) => (arg === 'FILE' ? file : arg))], { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(message);
  });
});
