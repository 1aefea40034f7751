/**
 * Storage growth across a failover (docs/protocol.md §1.1, §7.1): the writer crashes after the
 * volume has grown; the promoted replica's recovery fences and reads every PG of the current
 * geometry (the metadata service's), and it goes on growing the volume, each PG at the next
 * geometry epoch, with every judge passing and no acknowledged commit lost.
 */
import { describe, expect, it } from 'vitest';
import { TIB_BYTES } from '../../src/protocol/geometry.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { scenario } from './helpers.js';

describe('Storage growth: a writer failover', () => {
  it('a new writer recovers every PG added so far and grows the volume further', () => {
    const crashAtMs = 5_000;
    const input = scenario('storage-growth', {
      topology: { growth: { maxVolumeBytes: 128 * TIB_BYTES } },
      faults: [{ atMs: crashAtMs, kind: 'instanceCrash', instance: 'inst:us-east-1:writer' }],
      workload: { stopMs: 45_000 },
      durationMs: 50_000,
    });
    const sim = new Simulation({ seed: 1, scenario: input, trace: { keepEvents: false } });
    sim.run();
    const report = sim.report();
    const changes = report.growth!.changes;
    const before = changes.filter((change) => change.atMs < crashAtMs);
    const after = changes.filter((change) => change.atMs > report.failover!.writerOpenAtMs!);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(sim.endpoint).toBe('inst:us-east-1:replica1');
    // The recovery fenced and read every PG grown before the crash.
    expect(sim.writer().state.layout.pgCount).toBe(report.growth!.pgCount);
    expect(changes.map((change) => change.geometryEpoch)).toEqual(changes.map((_, index) => index + 2));
    expect(report.invariants.filter((result) => !result.ok).map((result) => result.name)).toEqual([]);
    expect(report.commits.lostAcknowledged).toBe(0);
  }, 120_000);
});
