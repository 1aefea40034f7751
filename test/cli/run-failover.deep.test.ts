/**
 * `aurora-actors run` on whole failover scenarios (docs/simulation-guide.md, "Running a
 * scenario"): the JSON report's verdicts and failover times, from the binary. In the deep suite
 * for `npm test`'s time; `run.test.ts` keeps the quick contract checks and one whole run.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/aurora-actors.js', ...args], { encoding: 'utf8' });

describe('aurora-actors run: failover scenarios, whole', () => {
  it.each(['zombie-writer', 'writer-crash'])('runs %s --seed 3 --json: every invariant ok, nothing lost, failover times reported', (name) => {
    const result = run('run', name, '--seed', '3', '--json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.commits.lostAcknowledged).toBe(0);
    expect(report.invariants.filter((r: { ok: boolean }) => !r.ok)).toEqual([]);
    expect(report.failover.detectedAtMs).toBeGreaterThan(5_000);
    expect(report.failover.writerAvailableAtMs).toBeGreaterThan(report.failover.detectedAtMs);
  });
});
