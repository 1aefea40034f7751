/**
 * Storage growth (docs/protocol.md §1.1): the storage-growth scenario's volume grows one PG at a
 * time under inserts, each PG at the next geometry epoch, every judge passing; at a configured
 * small maximum the writer refuses the inserts past it with `volumeFull`, and loses nothing it
 * acknowledged. The same run after a writer failover is in storage-growth.deep.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GIB_BYTES } from '../../src/protocol/geometry.js';
import { sclOf } from '../../src/protocol/segment-store.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { scenario } from './helpers.js';

/** Runs `input` for `untilMs` (to its end by default) without keeping trace events; returns the simulation and its report. */
function run(input: ReturnType<typeof scenario>, untilMs = input.durationMs) {
  const sim = new Simulation({ seed: 1, scenario: input, trace: { keepEvents: false } });
  sim.runFor(untilMs);
  return { sim, report: sim.report() };
}

describe('Storage growth', () => {
  it('storage-growth: grows past several geometry changes under load, one PG and one geometry epoch at a time, judges passing', () => {
    // Its first 6 s hold four geometry changes; the deep suite runs it whole (interpreters.deep.test.ts).
    const { sim, report } = run(scenario('storage-growth'), 6_000);
    const growth = report.growth!;
    // Several geometry changes, in order: PG p added at geometry epoch p + 1 (created with 1 PG).
    expect(growth.changes.length).toBeGreaterThanOrEqual(3);
    expect(growth.changes.map((change) => change.geometryEpoch)).toEqual(growth.changes.map((_, index) => index + 2));
    expect(growth.changes.map((change) => change.pg)).toEqual(growth.changes.map((_, index) => index + 1));
    expect(growth.changes.map((change) => change.atMs)).toEqual([...growth.changes.map((change) => change.atMs)].sort((a, b) => a - b));
    expect(growth.pgCount).toBe(1 + growth.changes.length);
    expect(growth.volumeBytes).toBe(growth.pgCount * 10 * GIB_BYTES);
    // Every added PG's six segments were spawned, and a write quorum of them holds records.
    for (const change of growth.changes) {
      const members = sim.membersByPg[change.pg] ?? [];
      expect(members).toHaveLength(6);
      expect(members.filter((id) => sclOf(sim.segment(id).store) > 0).length).toBeGreaterThanOrEqual(4);
    }
    expect(report.invariants.filter((result) => !result.ok).map((result) => result.name)).toEqual([]);
    expect(report.invariants.find((result) => result.name === 'S22 volume geometry')).toMatchObject({ ok: true, vacuous: false });
    expect(report.commits.lostAcknowledged).toBe(0);
    expect(report.commits.acknowledged).toBeGreaterThan(0);
  });

  it('refuses the writes past a configured small maximum with volumeFull, keeping what it acknowledged', () => {
    // Arrange: at most 2 PGs (20 GiB); the inserts need a third after about 2.6 s.
    const small = scenario('storage-growth', { topology: { growth: { maxVolumeBytes: 20 * GIB_BYTES } }, workload: { stopMs: 4_000 }, durationMs: 5_000 });
    // Act.
    const { report } = run(small);
    // Assert: one geometry change, then refusals named volumeFull; nothing acknowledged is lost.
    expect(report.growth).toMatchObject({ pgCount: 2, pgCountMax: 2, geometryEpoch: 2, maxVolumeBytes: 20 * GIB_BYTES });
    expect(report.growth!.refusedWrites).toBeGreaterThan(0);
    expect(report.commits.failedBy.volumeFull).toBe(report.growth!.refusedWrites);
    expect(report.commits.lostAcknowledged).toBe(0);
    expect(report.invariants.filter((result) => !result.ok).map((result) => result.name)).toEqual([]);
  });
});
