/**
 * Replica lag drops a commit once every replica heard of has applied it; the figures are those of
 * keeping them all: a slow replica still gets its lag for each commit, a replica heard of late
 * starts after what it missed, and a restart skips what was pending.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/protocol/observations.js';
import { ReplicaLag } from '../../src/simulation/replica-lag.js';

const ack = (commitLsn: number): Observation => ({ kind: 'commitAck', instance: 'w', volumeEpoch: 1, txnId: commitLsn, commitLsn }) as Observation;
const applied = (instance: string, appliedLsn: number): Observation =>
  ({ kind: 'replicaApplied', instance, volumeEpoch: 1, appliedLsn, knownVdl: appliedLsn }) as Observation;

describe('ReplicaLag: bounded pending commits', () => {
  it('keeps no commits without replicas, and counts a late replica only from when it is heard of', () => {
    const lag = new ReplicaLag();
    for (let lsn = 1; lsn <= 10_000; lsn++) lag.observe(lsn, ack(lsn));
    expect(lag.pendingCommitCount()).toBeLessThan(2_048);
    lag.observe(10_000, applied('r1', 10_000));
    for (let lsn = 10_001; lsn <= 10_010; lsn++) lag.observe(lsn, ack(lsn));
    lag.observe(10_013, applied('r1', 10_010));
    expect(lag.report()).toMatchObject({ samples: 10, lagMsMax: 12 });
  });

  it('holds commits for the slowest replica and still times each of them', () => {
    const lag = new ReplicaLag();
    lag.observe(0, applied('fast', 0));
    lag.observe(0, applied('slow', 0));
    for (let lsn = 1; lsn <= 20_000; lsn++) {
      lag.observe(lsn, ack(lsn));
      lag.observe(lsn + 1, applied('fast', lsn));
      // The slow replica applies in bursts of 5,000 commits.
      if (lsn % 5_000 === 0) lag.observe(lsn + 2, applied('slow', lsn));
    }
    // Bounded by the slow replica's burst, not by the 20,000 commits.
    expect(lag.pendingCommitCount()).toBeLessThanOrEqual(5_000);
    const report = lag.report();
    expect(report.byReplica.fast).toMatchObject({ samples: 20_000, lagMsP99: 1 });
    expect(report.byReplica.slow!.samples).toBe(20_000);
    // The first commit of each burst waited 5,001 ms: dropping had not lost its time.
    expect(report.lagMsMax).toBe(5_001);
  });

  it('skips what a restarted replica missed', () => {
    const lag = new ReplicaLag();
    lag.observe(0, applied('r1', 0));
    for (let lsn = 1; lsn <= 3_000; lsn++) lag.observe(lsn, ack(lsn));
    lag.observe(3_000, { kind: 'replicaRestarted', instance: 'r1', reason: 'lag' } as Observation);
    for (let lsn = 3_001; lsn <= 6_000; lsn++) lag.observe(lsn, ack(lsn));
    expect(lag.pendingCommitCount()).toBeLessThanOrEqual(3_000);
    lag.observe(6_000, applied('r1', 6_000));
    expect(lag.report()).toMatchObject({ samples: 3_000, lagMsMax: 2_999, restarts: 1 });
  });
});
