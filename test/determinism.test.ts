/**
 * The determinism contract (docs/determinism.md, "The checks"): same code + same seed => the same
 * traceHash, in one process and in a fresh one; different seeds => different hashes. This is
 * FoundationDB's "unseed" self-check.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runHeartbeatWorld } from '../src/cluster/heartbeat-world.js';

const demoOptions = (seed: number) => ({ seed, network: { lossRatio: 0.02 } });

describe('determinism', () => {
  it('gives the same traceHash when one seed runs twice in one process', () => {
    expect(runHeartbeatWorld(demoOptions(5)).traceHash).toBe(runHeartbeatWorld(demoOptions(5)).traceHash);
  });

  it('gives the same traceHash in a fresh process (the CLI) as in this one', () => {
    const inProcess = runHeartbeatWorld(demoOptions(5)).traceHash;
    const result = spawnSync(process.execPath, ['bin/aurora-actors.js', 'demo', '--seed', '5', '--json'], { encoding: 'utf8' });
    expect(result.stderr.split('\n')[0]).toBe('SEED=5');
    expect(JSON.parse(result.stdout).traceHash).toBe(inProcess);
  });

  it('gives different hashes for different seeds', () => {
    const hashes = new Set([1, 2, 3, 4].map((seed) => runHeartbeatWorld(demoOptions(seed)).traceHash));
    expect(hashes.size).toBe(4);
  });
});
