/**
 * Crash recovery and failover (docs/protocol.md §7, crash recovery; §9, failover; §13, R2): a
 * crashed writer is replaced by its tier-0 replica within the configured window, or by the standby
 * when there is no replica; an interrupted recovery is superseded safely; nothing acknowledged is
 * lost.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/protocol/observations.js';
import { heldRecords } from '../../src/protocol/segment-store.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe, scenario } from './helpers.js';
import { entryTimeMs } from '../../src/cluster/history.js';

/** Runs a built-in, collecting every observation with its time. */
function observed(name: string, seed: number) {
  const sim = new Simulation({ seed, scenario: scenario(name), trace: { keepEvents: false } });
  const observations: { atMs: number; observation: Observation }[] = [];
  sim.streams.observations$.subscribe(({ atMs, observation }) => observations.push({ atMs, observation }));
  sim.run();
  return { sim, report: sim.report(), observations };
}

const witnessed = (report: ReturnType<Simulation['report']>, name: string) => report.invariants.find((result) => result.name === name);

describe('Failover: writer-crash', () => {
  const { sim, report } = observed('writer-crash', 3);
  const failover = report.failover!;

  it('promotes the tier-0 replica and has a writer available again within the configured 30–60 s', () => {
    expect(failover.from).toBe('inst:us-east-1:writer');
    expect(failover.to).toBe('inst:us-east-1:replica1');
    // Crash at 5 s; detection needs 5 missed checks every 3 s, the endpoint switch 15 s.
    expect(failover.detectedAtMs - 5_000).toBeGreaterThanOrEqual(12_000);
    expect(failover.detectedAtMs - 5_000).toBeLessThanOrEqual(18_000);
    expect(failover.writerOpenAtMs! - failover.detectedAtMs).toBeLessThan(10_000);
    const outageMs = failover.writerAvailableAtMs! - 5_000;
    expect(outageMs).toBeGreaterThanOrEqual(30_000);
    expect(outageMs).toBeLessThanOrEqual(60_000);
  });

  it('gives clients errors, not silence, while there is no writer, and commits again after', () => {
    const invokedAt = new Map(sim.history.entries.filter((e) => e.type === 'invoke').map((e) => [e.txnId, entryTimeMs(e)]));
    const during = sim.history.entries.filter((e) => entryTimeMs(e) > 6_000 && entryTimeMs(e) < failover.writerAvailableAtMs!);
    expect(during.filter((e) => e.type === 'fail').length).toBeGreaterThan(1_000);
    // Only transactions already sent to the writer when it crashed end unknown (`info`).
    for (const entry of during.filter((e) => e.type === 'info')) expect(invokedAt.get(entry.txnId)).toBeLessThanOrEqual(5_000);
    const after = sim.history.entries.filter((e) => e.type === 'ok' && entryTimeMs(e) > failover.writerAvailableAtMs!);
    expect(after.length).toBeGreaterThan(1_000);
  });

  it('recovers at a new volume epoch and loses no acknowledged commit', () => {
    expectSafe(report);
    expect(report.volume.volumeEpoch).toBe(2);
    expect(witnessed(report, 'recovery witnessed')?.witnessed).toBe(true);
    expect(witnessed(report, 'fence witnessed')?.witnessed).toBe(true);
    expect(sim.writer().role).toBe('writer');
  });
});

describe('Failover: writer-crash-no-replica', () => {
  const { report } = observed('writer-crash-no-replica', 3);

  it('recreates the writer from the standby after the replacement delay, losing nothing', () => {
    expectSafe(report);
    expect(report.failover!.to).toBe('inst:us-east-1:standby');
    expect(report.failover!.writerOpenAtMs! - report.failover!.detectedAtMs).toBeGreaterThanOrEqual(60_000);
    expect(report.commits.acknowledged).toBeGreaterThan(2_000);
  });
});

describe('Fencing: zombie-writer', () => {
  const { sim, report, observations } = observed('zombie-writer', 3);
  const fenceAtMs = Math.min(...observations.filter(({ observation: o }) => o.kind === 'epochAdopted' && o.via === 'recoveryOpen').map(({ atMs }) => atMs));
  const recovered = observations.find(({ observation: o }) => o.kind === 'recovered')!.observation as Extract<Observation, { kind: 'recovered' }>;

  it('lets the cut-off writer keep committing until the fence, then fences it', () => {
    const zombieAcks = observations.filter(({ observation: o }) => o.kind === 'commitAck' && o.volumeEpoch === 1);
    expect(zombieAcks.filter(({ atMs }) => atMs > 5_000 && atMs < fenceAtMs).length).toBeGreaterThan(1_000);
    // Fenced, it acknowledged nothing more and restarted as a replica of the new writer.
    expect(zombieAcks.filter(({ atMs }) => atMs > fenceAtMs + 5)).toEqual([]);
    expect(sim.host.snapshotOf('inst:us-east-1:writer').value).toEqual({ reader: 'following' });
    // Fenced segments persisted none of its writes after adopting the new epoch (S8a).
    const fenced = new Set(observations.filter(({ observation: o }) => o.kind === 'epochAdopted').map(({ observation }) => (observation as { segment: string }).segment));
    const lateOnFenced = observations.filter(
      ({ atMs, observation: o }) => atMs > fenceAtMs && o.kind === 'persisted' && o.via === 'write' && o.volumeEpoch === 1 && o.segmentVolumeEpoch > 1 && fenced.has(o.segment),
    );
    expect(lateOnFenced).toEqual([]);
  });

  it('drops what the zombie wrote to the unfenced segments once they learn the truncation', () => {
    for (const id of sim.topology.membersByPg[0]!) {
      const held = heldRecords(sim.segment(id).store).map((record) => record.lsn).filter((l) => l >= recovered.truncationFromLsn && l <= recovered.truncationToLsn);
      expect(held, id).toEqual([]);
    }
  });

  it('never lets a record the old writer first sent after the fence reach a write quorum (S8b)', () => {
    const s8b = report.invariants.find((result) => result.name.startsWith('S8b'))!;
    expect(s8b.ok).toBe(true);
    expect(s8b.vacuous).not.toBe(true);
  });

  it('keeps every commit the old writer acknowledged, before or after the fence (S6, S8c)', () => {
    const zombieAcks = observations.filter(({ observation: o }) => o.kind === 'commitAck' && o.volumeEpoch === 1);
    for (const { observation } of zombieAcks) {
      expect((observation as Extract<Observation, { kind: 'commitAck' }>).commitLsn).toBeLessThanOrEqual(recovered.vdl);
    }
    expectSafe(report);
  });
});

describe('Recovery: the ragged edge (docs/protocol.md §7.2)', () => {
  /** The old writer's allocations, and the first recovery. */
  const edge = (name: string) => {
    const run = observed(name, 3);
    const allocated = run.observations.filter(({ observation: o }) => o.kind === 'allocated' && o.volumeEpoch === 1);
    const lastCpl = Math.max(
      ...allocated.flatMap(({ observation }) => (observation as Extract<Observation, { kind: 'allocated' }>).records.filter((r) => r.isCpl).map((r) => r.lsn)),
    );
    const acknowledged = Math.max(
      ...run.observations.filter(({ observation: o }) => o.kind === 'commitAck' && o.volumeEpoch === 1).map(({ observation }) => (observation as Extract<Observation, { kind: 'commitAck' }>).commitLsn),
    );
    const recovered = run.observations.find(({ observation: o }) => o.kind === 'recovered')!.observation as Extract<Observation, { kind: 'recovered' }>;
    return { ...run, lastCpl, acknowledged, recovered };
  };

  it('outcome A: recovery reads the 3 holders, so the unacknowledged edge becomes durable', () => {
    const { report, lastCpl, acknowledged, recovered } = edge('recovery-ragged-edge');
    expectSafe(report);
    expect(lastCpl).toBeGreaterThan(acknowledged);
    expect(recovered.vdl).toBe(lastCpl);
    expect(recovered.truncationToLsn - recovered.truncationFromLsn + 1).toBe(1_000);
  });

  it('outcome B: recovery reads a read quorum without them, so the edge is annulled everywhere', () => {
    const { sim, report, observations, lastCpl, acknowledged, recovered } = edge('recovery-ragged-edge-annulled');
    expectSafe(report);
    expect(recovered.vdl).toBeLessThan(lastCpl);
    expect(recovered.vdl).toBeGreaterThanOrEqual(acknowledged);
    const dropped = observations.filter(({ observation: o }) => o.kind === 'truncationApplied' && o.droppedLsns.length > 0);
    expect(dropped.length).toBeGreaterThan(0);
    // After healing, no segment of PG 0 holds an LSN inside the annulled range.
    for (const id of sim.topology.membersByPg[0]!) {
      const held = heldRecords(sim.segment(id).store).map((record) => record.lsn).filter((l) => l >= recovered.truncationFromLsn && l <= recovered.truncationToLsn);
      expect(held, id).toEqual([]);
    }
  });
});

describe('Recovery: crash-during-recovery (R2)', () => {
  const { report, observations } = observed('crash-during-recovery', 3);

  it('supersedes the interrupted recovery at a higher epoch and opens with the next replica', () => {
    expectSafe(report);
    const epochs = observations.filter(({ observation: o }) => o.kind === 'epochAdopted' && o.via === 'recoveryOpen').map(({ observation }) => (observation as Extract<Observation, { kind: 'epochAdopted' }>).volumeEpoch);
    expect(new Set(epochs)).toEqual(new Set([2, 3]));
    expect(report.volume.volumeEpoch).toBe(3);
    expect(report.failover!.to).toBe('inst:us-east-1:replica2');
    expect(report.commits.acknowledged).toBeGreaterThan(1_000);
  });
});
