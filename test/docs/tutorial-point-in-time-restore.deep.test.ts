/**
 * docs/tutorial-point-in-time-restore.md's ```sh commands run as written, with `npx
 * aurora-actors` as this checkout's command, and prints what the tutorial says of it: four
 * restores into new clusters, the first three a few milliseconds behind the time asked, the last
 * (the present) about a staging period behind, every one verified by S20; two clones; and the
 * backtrack example, back 3 hours and forward 1 hour. About 80 s, hence deep.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellCommands } from './shell-blocks.js';

const DOC = 'docs/tutorial-point-in-time-restore.md';
const BIN = resolve('bin/aurora-actors.js');

describe(`${DOC} runs as written`, () => {
  it('its command prints four verified restores, the last one behind the present', () => {
    const commands = shellCommands(readFileSync(DOC, 'utf8'));
    expect(commands).toEqual([
      ['npx', 'aurora-actors', 'run', 'pitr', '--seed', '3'],
      ['npx', 'aurora-actors', 'run', 'clone', '--seed', '1'],
      ['npx', 'aurora-actors', 'run', 'backtrack', '--seed', '1'],
    ]);
    const run = spawnSync(process.execPath, [BIN, ...commands[0]!.slice(2)], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^SEED=3/);
    const restores = run.stdout.split('\n').filter((line) => /^restore-\d/.test(line));
    expect(restores).toHaveLength(4);
    for (const line of restores) expect(line).toMatch(/available after .*; verified: \d+ blocks equal the committed transactions at that point$/);
    expect(restores[1]).toMatch(/^restore-2 +asked at 16,000 ms for 14,000 ms/);
    // The first three go to the last commit before the time asked; the present is not staged yet.
    for (const line of restores.slice(0, 3)) expect(Number(/\(([\d.]+) ms before the time asked\)/.exec(line)?.[1])).toBeLessThan(50);
    expect(restores[3]).toMatch(/\(2,012 ms before the time asked\)/);
    expect(run.stdout).toMatch(/object store s3:us-east-1 available\.normal: [\d,]+ bytes staged in \d+ puts, 39,131 bytes\/s/);
  }, 300_000);

  it('its clone command prints two copy-on-write clones, verified, sharing storage, with clean histories', () => {
    const commands = shellCommands(readFileSync(DOC, 'utf8'));
    const run = spawnSync(process.execPath, [BIN, ...commands[1]!.slice(2)], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^SEED=1/);
    const lines = run.stdout.split('\n');
    const clones = lines.filter((line) => /^clone-\d/.test(line));
    expect(clones).toHaveLength(2);
    for (const line of clones) expect(line).toMatch(/copy-on-write: the source at LSN [\d,]+ \(its VDL then\); available after [\d.]+ ms; verified as it opened: [\d,]+ blocks equal/);
    // The opening time the tutorial gives: about 10 ms, nothing copied.
    for (const line of clones) expect(Number(/available after ([\d.]+) ms/.exec(line)?.[1])).toBeLessThan(30);
    const storage = lines.filter((line) => /storage at the end/.test(line));
    expect(storage).toHaveLength(2);
    for (const line of storage) expect(Number(/([\d,]+) bytes shared with the source/.exec(line)?.[1]?.replaceAll(',', ''))).toBeGreaterThan(0);
    expect(lines.filter((line) => /history checker on the source's past it holds and its own: strict-serializable, [\d,]+ transactions, no anomaly/.test(line))).toHaveLength(2);
    expect(run.stdout).toMatch(/^clones +history checker on the source's clients: strict-serializable, [\d,]+ transactions, no anomaly/m);
  }, 300_000);

  it('its backtrack command goes back 3 hours and forward 1 hour, each verified, every timeline clean', () => {
    const commands = shellCommands(readFileSync(DOC, 'utf8'));
    const run = spawnSync(process.execPath, [BIN, ...commands[2]!.slice(2)], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^SEED=1/);
    const lines = run.stdout.split('\n');
    const backtracks = lines.filter((line) => /^backtrack-\d/.test(line));
    expect(backtracks).toHaveLength(2);
    expect(backtracks[0]).toMatch(/^backtrack-1 asked at 11,100,000 ms \(3 h 05 min\) for 300,000 ms: LSN [\d,]+, the state at [\d,]+ ms;/);
    expect(backtracks[1]).toMatch(/^backtrack-2 asked at 11,400,000 ms \(3 h 10 min\) for 3,900,000 ms \(1 h 05 min\): LSN [\d,]+, the state at [\d,]+ ms \(1 h 0[45] min/);
    // What the tutorial says: a few milliseconds to reopen, and S20's verdict as it did.
    for (const line of backtracks) {
      expect(Number(/the writer reopened after ([\d.]+) ms/.exec(line)?.[1])).toBeLessThan(30);
      expect(line).toMatch(/verified: [\d,]+ blocks equal the committed transactions of that timeline at that point$/);
    }
    expect(lines.filter((line) => /history checker on the timeline .*: strict-serializable, [\d,]+ transactions, no anomaly$/.test(line))).toHaveLength(3);
    expect(run.stdout).toMatch(/^replica lag +inst:us-east-1:replica1: .*\(2 restarts\)$/m);
    expect(run.stdout).toMatch(/^durability +0 acknowledged commits lost/m);
    const verdicts = lines.filter((line) => /^ {2}(ok|FAIL)/.test(line));
    expect(verdicts.length).toBeGreaterThan(20);
    expect(verdicts.filter((line) => !line.startsWith('  ok'))).toEqual([]);
  }, 600_000);
});
