/**
 * The mirrored-MySQL baseline run (src/baseline/; docs/protocol.md §16; docs/semantics.md,
 * "Baseline report"): one seed gives one run under both interpreters, the I/O count follows the
 * model's stated rule on a run small enough to count by hand, a single-threaded binlog applier
 * falls behind past its capacity, a failover takes the time it was given, and synchronous
 * mirroring loses no acknowledged commit where a planted asynchronous one does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runMirroredBaseline } from '../../src/baseline/mirrored-baseline.js';
import type { MirroredBaselineOptions } from '../../src/baseline/mirrored-baseline.js';
import { FAILOVER_MS_RANGE, REPLICA_APPLY_MS_PER_PUT, resolveBaselineOptions } from '../../src/baseline/options.js';
import { SteppedHost } from '../../src/explore/stepped-host.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { Simulation } from '../../src/simulation/simulation.js';

const small: MirroredBaselineOptions = { seed: 7, durationMs: 500, commitsPerS: 300, clients: 8 };

describe('Baseline: determinism', () => {
  it('one seed gives one traceHash, twice; another seed another', () => {
    const first = runMirroredBaseline(small);
    const again = runMirroredBaseline(small);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again).toEqual(first);
    expect(first.transactions.committed).toBeGreaterThan(120);
    expect(runMirroredBaseline({ ...small, seed: 8 }).traceHash).not.toBe(first.traceHash);
  });

  it('the stepped interpreter on deep-frozen snapshots gives the same run as the live one', () => {
    const live = runMirroredBaseline({ ...small, durationMs: 400, binlogReplica: true, primaryCrashAtMs: 200, failoverMs: 100 });
    const stepped = runMirroredBaseline(
      { ...small, durationMs: 400, binlogReplica: true, primaryCrashAtMs: 200, failoverMs: 100 },
      { host: (kernel, emit) => new SteppedHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace, freeze: true, emit }) },
    );
    expect(stepped.traceHash).toBe(live.traceHash);
    expect(stepped).toEqual(live);
    expect(live.failover?.writableAtMs).toBe(300);
  });
});

describe('Baseline: the same transactions as Aurora', () => {
  it('with one seed and one write-only workload, the baseline’s clients invoke what an Aurora scenario’s do, at the same times', () => {
    // Both take the workload's own fork of the seed ('workload'), so while no arrival is skipped
    // the arrivals and their keys and values are the same: the comparison is like for like.
    const workload = { clients: 64, commitsPerS: 200, putsPerTxn: 4, keys: 1_000_000 };
    const sim = new Simulation({ seed: 9, scenario: parseScenario({ name: 'like-for-like', durationMs: 400, workload: { ...workload, getsPerTxn: 0 } }, 'test') });
    sim.runFor(400);
    const aurora = sim.history.entries.filter((entry) => entry.type === 'invoke').map((entry) => [entry.time, entry.value]);
    const baseline: unknown[] = [];
    runMirroredBaseline(
      { seed: 9, durationMs: 400, ...workload },
      {
        trace: {
          keepEvents: false,
          sink: (line) => {
            const event = JSON.parse(line) as { kind: string; type?: string; atMs: number; value?: { ops: [string, string, string][] } };
            if (event.kind === 'client' && event.type === 'invoke') baseline.push([Math.round(event.atMs * 1e6), event.value!.ops.map(([, key, value]) => ['w', key, value])]);
          },
        },
      },
    );
    expect(aurora.length).toBeGreaterThan(50);
    expect(baseline).toEqual(aurora);
  });
});

describe('Baseline: I/Os per transaction, counted by the stated rule', () => {
  it('one client (no grouping): per commit one redo and one binlog write; per put and page one double-write and one in-place write', () => {
    // One client, so no two commits share a log write; the workload stops at 1.5 s and the
    // checkpoint at 2 s writes what the last ones dirtied; a billion keys, so no two puts share a page.
    const report = runMirroredBaseline({ seed: 3, durationMs: 3000, workloadStopMs: 1500, commitsPerS: 20, clients: 1, putsPerTxn: 2, pagesDirtiedPerPut: 2, keys: 1_000_000_000 });
    const committed = report.transactions.committed;
    expect(committed).toBeGreaterThan(10);
    expect(report.transactions.attempted).toBe(committed);
    expect(report.iosByKind).toEqual({ redo: committed, binlog: committed, doubleWrite: 4 * committed, dataPage: 4 * committed, frm: 0 });
    expect(report.iosPerTxn).toBe(10);
    expect(report.copiesPerWrite).toBe(4);
  });

  it('group commit: under load commits share log writes, so fewer than one redo write per commit', () => {
    const report = runMirroredBaseline({ ...small, durationMs: 300, commitsPerS: 2000, clients: 32 });
    expect(report.iosByKind.redo).toBeLessThan(report.transactions.committed / 2);
    expect(report.iosByKind.binlog).toBeLessThan(report.transactions.committed / 2);
  });
});

describe('Baseline: binlog replica lag', () => {
  it('stays small below the applier’s capacity and grows with the write rate past it', () => {
    // One SQL thread at 10 ms a transaction applies 100 a second.
    const options = { seed: 5, durationMs: 2000, clients: 16, binlogReplica: true, replicaApplyMsPerTxn: 10 } as const;
    const below = runMirroredBaseline({ ...options, commitsPerS: 50 });
    const above = runMirroredBaseline({ ...options, commitsPerS: 300 });
    expect(below.replica!.lagMs.p99).toBeLessThan(100);
    expect(below.replica!.backlogTxns).toBeLessThan(5);
    expect(above.transactions.committed / 2).toBeGreaterThan(250);
    // Past capacity the backlog grows by the difference of the rates: about 200 a second here,
    // each waiting behind the ones before it.
    expect(above.replica!.backlogTxns).toBeGreaterThan(300);
    expect(above.replica!.lagMsAtEnd).toBeGreaterThan(1000);
    expect(above.replica!.lagMs.max).toBeGreaterThan(10 * below.replica!.lagMs.max);
    expect(above.replica!.appliedTxns).toBeLessThanOrEqual(200);
  });
});

describe('Baseline: failover to the standby', () => {
  it('the promoted standby is writable failoverMs after the crash, drawn from 60–120 s when not given', () => {
    const report = runMirroredBaseline({ seed: 11, durationMs: 125_000, commitsPerS: 10, clients: 2, primaryCrashAtMs: 2000 });
    const failoverMs = report.parameters.failoverMs!;
    expect(failoverMs).toBeGreaterThanOrEqual(FAILOVER_MS_RANGE[0]);
    expect(failoverMs).toBeLessThanOrEqual(FAILOVER_MS_RANGE[1]);
    expect(report.failover).toEqual({ crashAtMs: 2000, writableAtMs: 2000 + failoverMs, downtimeMs: failoverMs });
    // Refused while down, committing again after: more commits than the 2 s before the crash hold.
    expect(report.transactions.failed).toBeGreaterThan(0);
    expect(report.transactions.committed).toBeGreaterThan(report.lostCommits.acknowledged);
    expect(report.lostCommits).toMatchObject({ ok: true, lost: 0 });
  });
});

describe('Baseline: the lost-commit check', () => {
  const crash = { seed: 2, durationMs: 700, commitsPerS: 400, clients: 16, primaryCrashAtMs: 500, failoverMs: 100 } as const;

  it('synchronous mirroring: every commit acknowledged before the crash is on the standby’s volume', () => {
    const report = runMirroredBaseline(crash);
    expect(report.lostCommits.acknowledged).toBeGreaterThan(150);
    expect(report.lostCommits).toMatchObject({ ok: true, lost: 0, lostTxnIds: [] });
  });

  it('planted asynchronous mirroring: the crash loses acknowledged commits, and the check says which', () => {
    const report = runMirroredBaseline({ ...crash, mirroring: 'async' });
    expect(report.lostCommits.ok).toBe(false);
    expect(report.lostCommits.lost).toBeGreaterThan(0);
    expect(report.lostCommits.lostTxnIds.length).toBe(Math.min(10, report.lostCommits.lost));
    expect(report.copiesPerWrite).toBe(2);
  });
});

describe('Baseline: the binlog flushed at checkpoints only (sync_binlog=0)', () => {
  it('saves binlog writes, and a crash then loses acknowledged commits from the binlog on the standby', () => {
    const options = { seed: 2, durationMs: 700, commitsPerS: 400, clients: 16, primaryCrashAtMs: 500, failoverMs: 100, checkpointIntervalMs: 200 } as const;
    const synced = runMirroredBaseline(options);
    const cached = runMirroredBaseline({ ...options, binlogSyncPerCommit: false });
    // Two checkpoints (200 ms, 400 ms) before the crash write the cached binlog.
    expect(cached.iosByKind.binlog).toBe(2);
    expect(synced.iosByKind.binlog).toBeGreaterThan(10);
    expect(cached.lostCommits.ok).toBe(false);
    expect(cached.commitLatencyMs.p50).toBeLessThan(synced.commitLatencyMs.p50);
  });
});

describe('Baseline: bad options', () => {
  it.each([
    [{ seed: 1.5, durationMs: 10 }, 'baseline.seed must be an integer, got 1.5'],
    [{ seed: 1, durationMs: 0 }, 'baseline.durationMs must be a number > 0 and <= 86400000, got 0'],
    [{ seed: 1, durationMs: 10, clients: 0 }, 'baseline.clients must be an integer from 1 to 10000, got 0'],
    [{ seed: 1, durationMs: 10, mirroring: 'lazy' }, 'baseline.mirroring must be one of sync, async, got "lazy"'],
    [{ seed: 1, durationMs: 10, primaryCrashAtMs: 10 }, 'baseline.primaryCrashAtMs must be < durationMs (10), got 10'],
    [{ seed: 1, durationMs: 10, failoverMs: 5 }, 'baseline.failoverMs needs primaryCrashAtMs (a failover follows a crash of the primary)'],
    [{ seed: 1, durationMs: 10, latency: { sameAz: { kind: 'constant', ms: 1, extra: 2 } } }, 'baseline.latency.sameAz.extra is not an option; allowed: kind, ms'],
  ])('%j is refused with one line naming the field', (options, message) => {
    expect(() => runMirroredBaseline(options as MirroredBaselineOptions)).toThrow(message);
  });

  it('the replica’s apply cost defaults to a cost per put, so its capacity in writes/s does not depend on the transaction size', () => {
    expect(resolveBaselineOptions({ seed: 1, durationMs: 10, putsPerTxn: 1 }).replicaApplyMsPerTxn).toBe(REPLICA_APPLY_MS_PER_PUT);
    expect(resolveBaselineOptions({ seed: 1, durationMs: 10 }).replicaApplyMsPerTxn).toBe(4 * REPLICA_APPLY_MS_PER_PUT);
    expect(resolveBaselineOptions({ seed: 1, durationMs: 10, putsPerTxn: 2, replicaApplyMsPerTxn: 3 }).replicaApplyMsPerTxn).toBe(3);
  });

  it('an unknown option names the options there are', () => {
    expect(() => runMirroredBaseline({ seed: 1, durationMs: 10, comitsPerS: 5 } as unknown as MirroredBaselineOptions)).toThrow(/^baseline\.comitsPerS is not an option; allowed: seed, durationMs, workloadStopMs, clients, commitsPerS/);
  });
});

describe('Baseline: the report is documented', () => {
  it('docs/semantics.md, "Baseline report", names every field of a report with a replica and a failover', () => {
    const report = runMirroredBaseline({ seed: 1, durationMs: 200, commitsPerS: 100, clients: 2, binlogReplica: true, primaryCrashAtMs: 100, failoverMs: 50 });
    const section = readFileSync('docs/semantics.md', 'utf8').split('## Baseline report')[1]!.split('\n## ')[0]!;
    const documented = new Set([...section.matchAll(/^\| `([^`]+)`(?:, `([^`]+)`)*(?:, `([^`]+)`)* \|/gm)].flatMap((match) => match[0].split('|')[1]!.match(/`[^`]+`/g)!.map((name) => name.slice(1, -1).split(' ')[0]!)));
    for (const field of Object.keys(report)) expect(documented.has(field), field).toBe(true);
    for (const [block, value] of Object.entries(report)) {
      if (block === 'parameters' || value === null || typeof value !== 'object') continue;
      const row = section.split('\n').find((line) => line.startsWith(`| \`${block} {`))!;
      for (const field of Object.keys(value)) expect(row, `${block}.${field}`).toMatch(new RegExp(`[{ ]${field}[ ,}]`));
    }
  });
});
