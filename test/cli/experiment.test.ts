/**
 * `aurora-actors experiment` (src/cli/experiment.ts), in process: the seed first on stderr, one JSON
 * document with --json, the docs page with --markdown, and one line for a bad name. The
 * experiments that run scenarios are exercised whole in experiments.deep.test.ts; here the pure
 * one (durability) keeps the test quick.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

describe('aurora-actors experiment', () => {
  it('--json: the seed first on stderr, stdout exactly one JSON document with each experiment\'s tables, figures and notes', async () => {
    const { code, out, err } = await cli('experiment', 'durability', '--quick', '--seed', '3', '--json');
    expect(code).toBe(0);
    expect(err.split('\n')[0]).toBe('SEED=3');
    const document = JSON.parse(out);
    expect(document).toMatchObject({ seed: 3, quick: true });
    expect(document.experiments.map((result: { name: string }) => result.name)).toEqual(['durability']);
    expect(document.experiments[0].tables[0].rows.length).toBeGreaterThan(0);
    expect(document.experiments[0].notes.length).toBeGreaterThan(0);
  });

  it('prints the tables for people without --json, and writes the docs page with --markdown, naming the commit and the seed', async () => {
    const page = join(mkdtempSync(join(tmpdir(), 'experiment-')), 'experiments.md');
    const { code, out } = await cli('experiment', 'durability', '--quick', '--markdown', page);
    expect(code).toBe(0);
    expect(out).toMatch(/^durability: Losing a quorum/);
    expect(out).toMatch(/repair time \(s\)\s+6 copies: no write quorum/);
    const markdown = readFileSync(page, 'utf8');
    expect(markdown).toMatch(/^# Experiments/);
    expect(markdown).toMatch(/at commit \S+.*seed 1/);
    expect(markdown).toMatch(/\| repair time \(s\) \| 6 copies: no write quorum \|/);
    expect(markdown).toContain('npx aurora-actors experiment durability --seed 1');
  });

  it('--svg DIR draws every figure as <experiment>-<figure>.svg, and the page links them relative to itself', async () => {
    const root = mkdtempSync(join(tmpdir(), 'experiment-'));
    mkdirSync(join(root, 'docs'));
    const page = join(root, 'docs', 'experiments.md');
    const { code, out, err } = await cli('experiment', 'durability', '--quick', '--json', '--svg', join(root, 'docs', 'figures'), '--markdown', page);
    expect(code).toBe(0);
    const figures: { name: string }[] = JSON.parse(out).experiments[0].figures;
    expect(figures.length).toBeGreaterThan(0);
    const files = readdirSync(join(root, 'docs', 'figures')).sort();
    expect(files).toEqual(figures.map((figure) => `durability-${figure.name}.svg`).sort());
    for (const file of files) expect(readFileSync(join(root, 'docs', 'figures', file), 'utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s\S]*<\/svg>\s*$/);
    expect(err).toContain(`${files.length} figure${files.length === 1 ? '' : 's'} drawn into`);
    const markdown = readFileSync(page, 'utf8');
    for (const file of files) expect(markdown).toContain(`](figures/${file})`);
  });

  it('refuses an --svg that is a file before running anything', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'experiment-')), 'taken');
    writeFileSync(file, 'x');
    const { code, out, err } = await cli('experiment', 'durability', '--svg', file);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`aurora-actors: --svg ${file} is a file; give a directory (it is created if missing)\n`);
  });

  it.each([
    [['experiment'], /^aurora-actors: experiment needs a name: one of quorum-tail, io-per-txn, replica-lag, durability, failover, recovery, aurora-vs-rds, all\n$/],
    [['experiment', 'tpc-c'], /^aurora-actors: unknown experiment "tpc-c"; allowed: quorum-tail, .*, all\n$/],
    [['experiment', 'durability', '--seed', 'x'], /^aurora-actors: --seed must be an integer/],
    [['experiment', 'durability', '--fast'], /^aurora-actors: Unknown option '--fast'/],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });
});
