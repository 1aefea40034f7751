/**
 * The read-view invariants on small synthetic observation streams: S11 cache/WAL (the writer never
 * drops a page whose LSN is above the VDL it reported) and S13 snapshot consistency on replicas
 * (a replica read returns the state of exactly the commits at or below its read point, including
 * commits no client saw acknowledged, excluding commits a recovery annulled). For each, a stream
 * that passes and one that breaks it, and the witnesses.
 */
import { describe, expect, it } from 'vitest';
import { DIRTY_PAGE_KEPT_WITNESS, S11_CACHE_WAL, createCacheWal, createDirtyPageWitness } from '../../src/check/cache-wal.js';
import type { PropertyChecker } from '../../src/check/property.js';
import {
  REPLICA_STORAGE_READ_WITNESS,
  S13_SNAPSHOT_CONSISTENCY,
  createReplicaStorageReadWitness,
  createSnapshotConsistency,
} from '../../src/check/replica-snapshot.js';
import type { Observation } from '../../src/protocol/observations.js';

const run = (checker: PropertyChecker<Observation>, observations: readonly Observation[]) => {
  for (const [i, observation] of observations.entries()) checker.observe(i, 'actor', observation);
  return checker.result();
};

const watermarks = (vdl: number, volumeEpoch = 1): Observation => ({ kind: 'watermarks', instance: 'w1', volumeEpoch, vcl: vdl, vdl, maxAllocated: vdl + 10 });

const evicted = (pageLsn: number, dirtySkipped = 0, vdl = 0): Observation => ({
  kind: 'cacheEvicted',
  instance: 'w1',
  volumeEpoch: 1,
  blockId: 7,
  pageLsn,
  vdl,
  dirtySkipped,
});

describe('S11 cache/WAL', () => {
  it('passes when every evicted page is at or below the VDL the writer last reported', () => {
    const result = run(createCacheWal(), [watermarks(10), evicted(10), evicted(3, 2), watermarks(20), evicted(20)]);
    expect(result).toMatchObject({ name: S11_CACHE_WAL, kind: 'always', ok: true, violations: 0, vacuous: false });
  });

  it('fails when a dirty page (page LSN above the reported VDL) is dropped, whatever VDL the eviction claims', () => {
    const result = run(createCacheWal(), [watermarks(10), evicted(12, 0, 15)]);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(result.firstViolations[0]?.message).toBe(
      'w1 at volumeEpoch 1 evicted block 7 at page LSN 12 above its VDL 10 (expected a dirty page kept until its redo is durable: pageLSN ≤ VDL)',
    );
  });

  it('judges a recovered writer against the VDL it opened at, per volume epoch', () => {
    const opened: Observation = { kind: 'writerOpened', instance: 'w1', volumeEpoch: 2, nextLsn: 51, vdl: 50 };
    const atEpoch2 = (pageLsn: number): Observation => ({ ...(evicted(pageLsn) as Extract<Observation, { kind: 'cacheEvicted' }>), volumeEpoch: 2 });
    expect(run(createCacheWal(), [watermarks(10), opened, atEpoch2(50)]).ok).toBe(true);
    expect(run(createCacheWal(), [watermarks(60), atEpoch2(50)]).ok).toBe(false);
  });

  it('is vacuous without evictions; its witness needs an eviction that skipped a dirty block', () => {
    expect(run(createCacheWal(), [watermarks(10)])).toMatchObject({ ok: true, vacuous: true });
    expect(run(createDirtyPageWitness(), [evicted(1)])).toMatchObject({ name: DIRTY_PAGE_KEPT_WITNESS, kind: 'sometimes', witnessed: false });
    expect(run(createDirtyPageWitness(), [evicted(1), evicted(2, 1)])).toMatchObject({ ok: true, witnessed: true });
  });
});

/** An MTR of one transaction: puts then its commit record (the CPL). */
const mtr = (txnId: number, commitLsn: number, puts: Record<string, string>, volumeEpoch = 1): Observation => {
  const entries = Object.entries(puts);
  const records = entries.map((_, i) => ({ lsn: commitLsn - entries.length + i, pg: 0, isCpl: false }));
  return {
    kind: 'allocated',
    instance: 'w1',
    volumeEpoch,
    vdl: 0,
    lal: 100,
    records: [...records, { lsn: commitLsn, pg: 0, isCpl: true }],
    txnId,
    puts: entries.map(([key, value]) => ({ key, value })),
  };
};

const read = (readPoint: number, values: Record<string, string | null>, fromStorage = false, volumeEpoch = 1): Observation => ({
  kind: 'replicaRead',
  instance: 'r1',
  volumeEpoch,
  txnId: 99,
  readPoint,
  reads: Object.entries(values).map(([key, value]) => ({ key, value })),
  fromStorage,
});

describe('S13 snapshot consistency on replicas', () => {
  const history = [mtr(1, 3, { a: 'a1', b: 'b1' }), mtr(2, 6, { a: 'a2', c: 'c2' }), mtr(3, 9, { b: 'b3' })];

  it('passes when each read returns the newest value at or below its read point, or nothing', () => {
    const result = run(createSnapshotConsistency(), [
      ...history,
      read(0, { a: null, b: null }),
      read(3, { a: 'a1', b: 'b1', c: null }),
      read(6, { a: 'a2', b: 'b1', c: 'c2' }),
      read(9, { a: 'a2', b: 'b3' }),
    ]);
    expect(result).toMatchObject({ name: S13_SNAPSHOT_CONSISTENCY, kind: 'always', ok: true, violations: 0, vacuous: false });
  });

  it('fails on a value from a commit above the read point (a read view the writer never had)', () => {
    const result = run(createSnapshotConsistency(), [...history, read(6, { a: 'a2', b: 'b3' })]);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(result.firstViolations[0]?.message).toBe(
      'r1 answered txn 99 at read point 6 with b = b3, but the commits at or below it give b1 (expected a writer read view at that VDL)',
    );
  });

  it('fails on a stale value (a put at or below the read point lost) and on a value never written', () => {
    expect(run(createSnapshotConsistency(), [...history, read(9, { b: 'b1' })]).ok).toBe(false);
    expect(run(createSnapshotConsistency(), [...history, read(3, { c: 'c2' })]).ok).toBe(false);
  });

  it('takes a transaction’s last put of a key, and counts commits no client saw acknowledged', () => {
    // No commitAck observation at all: below a read point every allocated MTR is durable.
    const twice: Observation = { ...(mtr(4, 12, { a: 'x' }) as Extract<Observation, { kind: 'allocated' }>), puts: [{ key: 'a', value: 'x' }, { key: 'a', value: 'y' }] };
    expect(run(createSnapshotConsistency(), [...history, twice, read(12, { a: 'y' })]).ok).toBe(true);
    expect(run(createSnapshotConsistency(), [...history, twice, read(12, { a: 'x' })]).ok).toBe(false);
  });

  it('leaves out commits a later recovery annulled, but not the new writer’s', () => {
    const recovered: Observation = { kind: 'recovered', instance: 'w2', volumeEpoch: 2, anchorLsn: 0, vcl: 7, vdl: 6, truncationFromLsn: 7, truncationToLsn: 106 };
    const stream = [...history, recovered, mtr(5, 108, { b: 'b5' }, 2)];
    // txn 3 (b = b3 at 9, epoch 1) is annulled: at 107 b is still b1; at 108 the new writer's b5.
    expect(run(createSnapshotConsistency(), [...stream, read(107, { a: 'a2', b: 'b1' }, false, 2), read(108, { b: 'b5' }, false, 2)]).ok).toBe(true);
    expect(run(createSnapshotConsistency(), [...stream, read(107, { b: 'b3' }, false, 2)]).ok).toBe(false);
  });

  it('is vacuous without replica reads; its witness needs a read served from storage', () => {
    expect(run(createSnapshotConsistency(), history)).toMatchObject({ ok: true, vacuous: true });
    expect(run(createReplicaStorageReadWitness(), [read(3, { a: 'a1' })])).toMatchObject({ name: REPLICA_STORAGE_READ_WITNESS, witnessed: false });
    expect(run(createReplicaStorageReadWitness(), [read(3, { a: 'a1' }, true)])).toMatchObject({ witnessed: true });
  });
});
