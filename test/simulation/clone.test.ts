/**
 * Fast clones end to end (docs/protocol.md §10): a clone opens at the source's VDL, equals the
 * oracle there (S20), shares the source's page versions, and neither side sees the other's later
 * writes (the history checker on both); the 16th clone of a source is a full copy.
 */
import { describe, expect, it } from 'vitest';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { forkedPast } from '../../src/simulation/clone-service.js';
import type { HistoryEntry } from '../../src/cluster/history.js';
import { COPY_ON_WRITE_CLONES_MAX } from '../../src/cluster/restores.js';

describe('clone', () => {
  const scenario = withOverrides(findScenario('clone')!, {
    workload: { stopMs: 7_000 },
    faults: [{ atMs: 3_000, kind: 'clone' }],
    durationMs: 8_000,
  });
  const sim = new Simulation({ seed: 2, scenario });
  sim.run();
  const report = sim.report();
  const [clone] = report.clones!.clones;

  it('opens at the source VDL in force, equal to the committed transactions there (S20)', () => {
    expect(clone).toMatchObject({ cluster: 'clone-1', copy: 'copyOnWrite', state: 'available', verification: { mismatches: 0, verified: true } });
    expect(clone!.cloneLsn).toBeGreaterThan(0);
    expect(report.invariants.find((invariant) => invariant.name.startsWith('S20'))).toMatchObject({ ok: true, vacuous: false });
  });

  it('shares the page versions neither side wrote since, and the clone diverges with its own writes', () => {
    expect(clone!.storage.sharedBytes).toBeGreaterThan(0);
    expect(clone!.storage.privateBytes).toBeGreaterThan(0);
    expect(clone!.commits.acknowledged).toBeGreaterThan(50);
  });

  it('passes the history checker on the source and on the clone with the past it holds', () => {
    expect(report.clones!.sourceHistory).toMatchObject({ model: 'strict-serializable', ok: true });
    expect(clone!.history).toMatchObject({ model: 'strict-serializable', ok: true });
    // The clone's history holds the source's past: more transactions than its own clients ran.
    expect(clone!.history!.transactions.ok).toBeGreaterThan(clone!.commits.acknowledged);
  });
});

describe('a clone of an idle source', () => {
  it('opens although no write follows the clone point (each PG is asked only up to its last record there)', () => {
    const idle = withOverrides(findScenario('clone')!, {
      workload: { stopMs: 2_000 },
      clones: { clients: 0 },
      faults: [{ atMs: 3_000, kind: 'clone' }],
      durationMs: 4_000,
    });
    const sim = new Simulation({ seed: 1, scenario: idle });
    sim.run();
    const [clone] = sim.report().clones!.clones;
    expect(clone).toMatchObject({ state: 'available', verification: { verified: true } });
    expect(clone!.cloneMs).toBeLessThan(100);
  });
});

describe('forkedPast', () => {
  const entry = (index: number, type: HistoryEntry['type'], txnId: number, commitLsn?: number, timeMs = index): HistoryEntry => ({
    index,
    process: txnId,
    type,
    f: 'txn',
    value: [['w', 'k', `v${txnId}`]],
    time: timeMs * 1_000_000,
    node: 'client-1',
    txnId,
    ...(commitLsn === undefined ? {} : { commitLsn }),
  });
  it('keeps what the clone holds: commits at or below the point, and unknown outcomes as unknown', () => {
    const history = [entry(1, 'invoke', 1), entry(2, 'ok', 1, 10), entry(3, 'invoke', 2), entry(4, 'ok', 2, 30), entry(5, 'invoke', 3), entry(6, 'fail', 3), entry(7, 'invoke', 4), entry(8, 'info', 4), entry(9, 'invoke', 5)];
    const past = forkedPast(history, 20, 100 * 1_000_000);
    expect(past.map((kept) => [kept.txnId, kept.type])).toEqual([
      [1, 'invoke'],
      [1, 'ok'],
      [4, 'invoke'],
      [4, 'info'],
      [5, 'invoke'],
    ]);
  });
});

describe(`the clone after ${COPY_ON_WRITE_CLONES_MAX} copy-on-write clones`, () => {
  it('is a full copy: its bytes moved, nothing shared, and it still equals the oracle', () => {
    const many = withOverrides(findScenario('clone')!, {
      topology: { pgCount: 1, blocksPerPg: 64 },
      workload: { stopMs: 3_000, keys: 500 },
      clones: { clients: 0 },
      faults: Array.from({ length: COPY_ON_WRITE_CLONES_MAX + 1 }, (_, index) => ({ atMs: 1_000 + index * 100, kind: 'clone' as const })),
      durationMs: 3_500,
    });
    const sim = new Simulation({ seed: 1, scenario: many });
    sim.run();
    const clones = sim.report().clones!.clones;
    expect(clones.map((clone) => clone.copy)).toEqual([...Array.from({ length: COPY_ON_WRITE_CLONES_MAX }, () => 'copyOnWrite'), 'fullCopy']);
    const last = clones[COPY_ON_WRITE_CLONES_MAX]!;
    expect(last).toMatchObject({ state: 'available', verification: { verified: true } });
    expect(last.bytesCopied).toBeGreaterThan(0);
    expect(last.storage.sharedBytes).toBe(0);
    expect(clones[0]!.bytesCopied).toBe(0);
  });
});
