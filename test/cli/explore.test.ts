/**
 * `aurora-actors explore`: a built-in model's report (readable, and exactly one JSON document with
 * --json), a user module's violated invariant (exit 1, with the counterexample path and its trace),
 * and bad input as one line naming the flag (exit 2). Run in process through `main`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

async function run(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
  return { status, stdout, stderr };
}

const FIXTURE = 'test/fixtures/explore/unreplicated-register.model.ts';

describe('aurora-actors explore', () => {
  it('abd-register --json: one JSON document with the unique-state count and the verdicts; exit 0', async () => {
    const result = await run('explore', 'abd-register', '--json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ uniqueStates: 544, complete: true, violated: false, strategy: 'bfs' });
    expect(report.properties.map((property: { status: string }) => property.status)).toEqual(['held', 'found']);
    expect(report.statesPerS).toBeGreaterThan(0);
  });

  it('two-phase-commit --rms 5 --symmetry --dfs: a readable report with the count', async () => {
    const result = await run('explore', 'two-phase-commit', '--rms', '5', '--symmetry', '--dfs');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/unique states 665,/);
    expect(result.stdout).toMatch(/always "consistent": held/);
  });

  it('tiny-volume --plant write-quorum-3of6 --symmetry --json: the judges find it (S4, S6), exit 1', async () => {
    const result = await run('explore', 'tiny-volume', '--plant', 'write-quorum-3of6', '--symmetry', '--json');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { model: string; properties: { name: string; status: string; path?: unknown[] }[] };
    expect(report.model).toMatch(/plant write-quorum-3of6/);
    const violated = report.properties.filter((property) => property.status === 'violated').map((property) => property.name);
    expect(violated).toContain('S4 VDL durability');
    expect(report.properties.find((property) => property.name === 'S4 VDL durability')?.path).toHaveLength(10);
    expect((report as unknown as { liveReplay: unknown }).liveReplay).toEqual({ steps: 10, matches: true });
  });

  it('tiny-volume --plant ack-before-vdl: one PG cannot show it; the whole space is searched and exit 4 says so', async () => {
    const result = await run('explore', 'tiny-volume', '--plant', 'ack-before-vdl', '--symmetry');
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/plant ack-before-vdl not detected in \d+ unique states \(the whole space\)/);
  });

  it('tiny-global --shipments 1 --loss --failover --json: S17 holds in every state, the promotion is reached; exit 0', async () => {
    const result = await run('explore', 'tiny-global', '--shipments', '1', '--loss', '--failover', '--json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { model: string; complete: boolean; uniqueStates: number; properties: { name: string; status: string }[] };
    expect(report.model).toBe('tiny-global (1 shipment, lossy link, failover)');
    expect(report.complete).toBe(true);
    expect(report.uniqueStates).toBeGreaterThan(1_000);
    expect(Object.fromEntries(report.properties.map((property) => [property.name, property.status]))).toEqual({
      'S17 durable prefix on a write quorum': 'held',
      'agent forwards a prefix of the primary log': 'held',
      'S17 failover opens at a held CPL': 'held',
      'durable reaches the final VDL': 'found',
      'a lost shipment is sent again and the final VDL reached': 'found',
      'failover promoted': 'found',
    });
  });

  it('tiny-global --plant vcl-ignores-holes: a segment reports its SCL past a hole, and S17 fails; exit 1', async () => {
    const result = await run('explore', 'tiny-global', '--plant', 'vcl-ignores-holes');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/always "S17 durable prefix on a write quorum": violated \(\d+ choices\)/);
    expect(result.stdout).toMatch(/replayed live \(real xstate actors\): the same states/);
  });

  it('a user module whose invariant fails: exit 1, the counterexample path, and its trace file', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'explore-')), 'counterexample.jsonl');
    const result = await run('explore', FIXTURE, '--trace', trace);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/always "linearizable": violated \(4 choices\)/);
    expect(result.stdout).toMatch(/4\. deliver getOk s1 → c/);
    const kinds = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line).kind);
    expect(kinds.filter((kind) => kind === 'deliver')).toHaveLength(4);
  });

  it.each([
    [['explore'], /explore needs a model/],
    [['explore', 'nope'], /unknown model "nope"; built-in models: abd-register, two-phase-commit/],
    [['explore', 'abd-register', '--max-depth', '0'], /--max-depth must be a positive integer, got "0"/],
    [['explore', 'two-phase-commit', '--rms', 'x'], /--rms must be a positive integer/],
    [['explore', 'abd-register', '--rms', '3'], /--rms applies to two-phase-commit only/],
    [['explore', 'abd-register', '--network', 'lossy'], /--network must be one of unordered-nonduplicating, unordered-duplicating, ordered/],
    [['explore', 'abd-register', '--plant', 'bogus'], /--plant must be one of write-quorum-3of6,/],
    [['explore', 'abd-register', '--plant', 'no-gossip'], /--plant applies to tiny-volume, tiny-global only, not to abd-register/],
    [['explore', 'two-phase-commit', '--writes', '2'], /--writes applies to tiny-volume only, not to two-phase-commit/],
    [['explore', 'tiny-volume', '--client', 'serial'], /--client must be one of concurrent, one-at-a-time, got "serial"/],
    [['explore', 'tiny-volume', '--crashes', 'x'], /--crashes must be a non-negative integer, got "x"/],
    [['explore', 'src/explore/fingerprint.ts', '--plant', 'no-gossip'], /--plant applies to the built-in models that take it \(tiny-volume, tiny-global\), not to a model module/],
    [['explore', 'abd-register', '--bfs', '--dfs'], /--bfs and --dfs exclude each other/],
    [['explore', 'src/explore/fingerprint.ts'], /model "src\/explore\/fingerprint.ts" exports no ExploreModel/],
    [['explore', 'tiny-volume', '--shipments', '2'], /--shipments applies to tiny-global only, not to tiny-volume/],
    [['explore', 'tiny-global', '--shipments', '4'], /tiny-global: shipments must be a whole number from 1 to 3, got 4/],
    [['explore', 'tiny-global', '--plant', 'write-quorum-3of6'], /tiny-global: plant write-quorum-3of6 changes no machine of tiny-global/],
  ])('%j: one line, exit 2', async (argv, message) => {
    const result = await run(...argv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(message);
  });
});
