/**
 * `aurora-vs-rds`: Aurora beside the RDS-style mirrored MySQL it was built to replace (SIGMOD'17
 * §3.1; docs/protocol.md §16), row by row (storage, failover, replicas and their lag, backups,
 * I/O per transaction, throughput), each row measured on both topologies in this run, with what
 * the documentation says beside it.
 *
 * Aurora's rows come from built-ins (`az-outage`, `writer-crash`, `replica-lag`, `pitr`) and the
 * write-only runs `io-per-txn` makes; the baseline's from `runMirroredBaseline` with the same
 * workloads. Backups are not modelled for the baseline: that row gives its documented behaviour.
 */
import { findScenario, withOverrides } from '../scenarios/builtin.js';
import { measure, round } from './measure.js';
import { auroraWriteOnly, baselineRun, baselineWriteOnly } from './side-by-side.js';
import type { Experiment, ExperimentOptions, ExperimentResult } from './types.js';

/** Commits per second acknowledged in [fromMs, toMs), from ascending acknowledgement times. */
function rateIn(commitAtMs: readonly number[], fromMs: number, toMs: number): number {
  return commitAtMs.filter((atMs) => atMs >= fromMs && atMs < toMs).length / ((toMs - fromMs) / 1000);
}

function run({ seed, quick = false }: ExperimentOptions): ExperimentResult {
  // The storage row: an AZ lost under load (`az-outage`: us-east-1b out from 3 s to 7 s).
  const azOutage = findScenario('az-outage')!;
  const outage = azOutage.faults.find((fault) => fault.kind === 'azOutage')!;
  const recover = azOutage.faults.find((fault) => fault.kind === 'azRecover')!;
  const azRun = measure(azOutage, seed);
  const ratesBefore = rateIn(azRun.commitAtMs, 1_000, outage.atMs);
  const ratesDuring = rateIn(azRun.commitAtMs, outage.atMs, recover.atMs);

  // The failover row: the writer (primary) crashes under the same load on both.
  const writerCrash = findScenario('writer-crash')!;
  const crashAtMs = writerCrash.faults.find((fault) => fault.kind === 'instanceCrash')!.atMs;
  const aurora = measure(writerCrash, seed).report;
  const auroraWritableS = ((aurora.failover!.writerAvailableAtMs ?? Number.NaN) - crashAtMs) / 1000;
  const baselineFailover = baselineRun({ seed, durationMs: 140_000, primaryCrashAtMs: 5_000, commitsPerS: writerCrash.workload.commitsPerS, txnTimeoutMs: writerCrash.workload.txnTimeoutMs });
  const baselineDowntimeS = (baselineFailover.failover!.downtimeMs ?? Number.NaN) / 1000;

  // Replication lag at 5,000 writes/s: above the binlog replica's apply rate.
  const lagRate = 5_000;
  const lagDurationMs = quick ? 800 : 3_000;
  const binlogDurationMs = quick ? 3_000 : 30_000;
  // The same run as replica-lag's row at this rate (made once under `experiment all`).
  const auroraLag = measure(withOverrides(findScenario('replica-lag')!, { name: `replica-lag-${lagRate}`, workload: { commitsPerS: lagRate }, durationMs: lagDurationMs }), seed).report.replicas!;
  const binlog = baselineRun({ seed, durationMs: binlogDurationMs, clients: 512, commitsPerS: lagRate, putsPerTxn: 1, binlogReplica: true }).replica!;

  // Backups: continuous staging to the object store (`pitr`).
  const backup = measure(findScenario('pitr')!, seed).report.backup!;
  const restoresChecked = backup.restores.filter((restore) => restore.verification?.verified === true).length;

  // I/O per transaction and throughput: the write-only runs of `io-per-txn`.
  const clients = quick ? 64 : 256;
  const auroraWrites = auroraWriteOnly(seed, clients, quick ? 250 : 600);
  const baselineWrites = baselineWriteOnly(seed, clients, quick ? 2 : 3);

  const rows: (string | number)[][] = [
    [
      'Storage: copies of each write',
      `6 in 3 AZs, a commit waits for 4; with ${outage.kind === 'azOutage' ? outage.az : ''} out for ${(recover.atMs - outage.atMs) / 1000} s, commits went on at ${round(ratesDuring)}/s (${round(ratesBefore)}/s before)`,
      `${round(baselineWrites.report.copiesPerWrite)} in 2 AZs (EBS and its mirror in each); the primary's AZ lost stops writes until failover (next row)`,
      'Aurora: 6 copies across 3 AZs; Multi-AZ: a synchronous standby in a second AZ',
    ],
    [
      'Failover: crash to writable',
      `${round(auroraWritableS)} s (tier-0 replica promoted), ${aurora.commits.lostAcknowledged} acknowledged commits lost`,
      `${round(baselineDowntimeS)} s (standby promoted), ${baselineFailover.lostCommits.lost} acknowledged commits lost`,
      'Aurora: under 60 s, often under 30 s; Multi-AZ: typically 60–120 s',
    ],
    [
      `Replica lag at ${lagRate.toLocaleString('en-US')} writes/s`,
      `p50 ${round(auroraLag.lagMsP50)} ms, max ${round(auroraLag.lagMsMax)} ms (redo applied to cached pages; replicas share the volume)`,
      `p50 ${round(binlog.lagMs.p50)} ms, ${round(binlog.lagMsAtEnd / 1000)} s after ${binlogDurationMs / 1000} s and growing (binlog replayed by one SQL thread into its own copy)`,
      "SIGMOD'17 Table 4: 3.94 ms against 60 s",
    ],
    [
      'Backups',
      `continuous to S3: the latest restorable time trailed the run's end by ${round((backup.restorableLagMs ?? Number.NaN) / 1000)} s (staging every ${backup.stagePeriodMs / 1000} s), ${restoresChecked} of ${backup.restores.length} restores verified against every committed transaction (S20)`,
      'not modelled',
      'Aurora: continuous, latest restorable time typically within 5 minutes; RDS: a daily snapshot and transaction logs every 5 minutes',
    ],
    [
      `I/Os per transaction (write-only, ${clients} clients)`,
      `${round(auroraWrites.iosPerTxn)} (redo batches only)`,
      `${round(baselineWrites.iosPerTxn)} (redo, binlog, data pages twice)`,
      "SIGMOD'17 Table 1: 0.95 against 7.4",
    ],
    [
      `Throughput (write-only, ${clients} clients)`,
      `${Math.round(auroraWrites.commitsPerS).toLocaleString('en-US')} txn/s, commit p50 ${round(auroraWrites.commitLatencyMsP50)} ms`,
      `${Math.round(baselineWrites.commitsPerS).toLocaleString('en-US')} txn/s, commit p50 ${round(baselineWrites.commitLatencyMsP50)} ms`,
      "SIGMOD'17 Table 1: 35× the transactions",
    ],
  ];
  return {
    name: 'aurora-vs-rds',
    title: 'Aurora beside RDS-style mirrored MySQL, each row measured on both',
    sources: ["SIGMOD'17 §3.1–3.2, Tables 1 and 4", 'User Guide, "High availability for Amazon Aurora"', 'RDS User Guide, "Multi-AZ DB instance deployments" and "Backing up and restoring"'],
    seed,
    seeds: 1,
    tables: [{ caption: `Aurora against mirrored MySQL (RDS Multi-AZ as SIGMOD'17 Figure 2 draws it), seed ${seed}`, columns: ['', 'Aurora (ours)', 'mirrored MySQL (ours)', 'documented'], rows }],
    figures: [
      {
        name: 'ratios',
        title: 'Mirrored MySQL ÷ Aurora, by row (above 1: Aurora is better)',
        xLabel: 'row (1 failover time, 2 replica lag, 3 I/Os per txn, 4 commit latency)',
        yLabel: 'ratio (log scale)',
        x: [1, 2, 3, 4],
        series: [
          {
            label: 'ours',
            // The rows are not a scale: points, not a line through them.
            pointsOnly: true,
            values: [baselineDowntimeS / auroraWritableS, Math.max(binlog.lagMsAtEnd, binlog.lagMs.p50) / auroraLag.lagMsP50, baselineWrites.iosPerTxn / auroraWrites.iosPerTxn, baselineWrites.commitLatencyMsP50 / auroraWrites.commitLatencyMsP50],
          },
          { label: "SIGMOD'17 (lag, I/Os)", values: [null, 60_000 / 3.94, 7.4 / 0.95, null], pointsOnly: true },
        ],
        logY: true,
      },
    ],
    notes: [
      `Every row but backups is measured on both topologies in this run. Aurora keeps writing through an AZ loss because 4 of its 6 copies remain; the mirrored pair cannot lose its primary's AZ without a failover, which takes ${round(baselineDowntimeS)} s here (drawn from the documented 60–120 s) against Aurora's ${round(auroraWritableS)} s. Neither lost an acknowledged commit: both acknowledge only durable, replicated writes.`,
      `The binlog replica's lag is the one figure that depends on how long the load lasts: above its single SQL thread's apply rate the backlog grows without bound (replica-lag shows it by rate and extrapolated to 300 s). Backups are not modelled for the baseline; its row gives RDS's documented scheme, whose latest restorable time is about 5 minutes behind, as Aurora's documented one is (ours stages every ${backup.stagePeriodMs / 1000} s in the pitr scenario, a shortened period).`,
    ],
  };
}

export const auroraVsRds: Experiment = {
  name: 'aurora-vs-rds',
  title: 'Aurora beside RDS-style mirrored MySQL, each row measured on both',
  run,
};
