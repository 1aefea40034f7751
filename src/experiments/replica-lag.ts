/**
 * `replica-lag`: how far Aurora replicas trail the writer as the write rate grows, next to
 * SIGMOD'17 Table 4 (SysBench write-only: 2.62, 3.42, 3.94 and 5.38 ms at 1,000, 2,000, 5,000 and
 * 10,000 writes/s; a MySQL binlog replica 1 s or less, 1 s, 60 s and 300 s). Ours runs the
 * `replica-lag` built-in (write-only transactions of one put, 4 PGs, two replicas in the other
 * AZs) at each rate; lag is a commit acknowledged on the writer to its being applied on a replica
 * (the report's `replicas` block), over both replicas. Beside it, the mirrored baseline's binlog
 * replica (docs/protocol.md §16) at the same rates: its single SQL thread applies in commit order,
 * so above its apply rate the backlog, and the lag, grow for as long as the load lasts.
 */
import { findScenario, withOverrides } from '../scenarios/builtin.js';
import { measure, round } from './measure.js';
import { baselineRun } from './side-by-side.js';
import type { Experiment, ExperimentOptions, ExperimentResult } from './types.js';

/** SIGMOD'17 Table 4: writes/s, Aurora's lag (ms) and MySQL's (ms; the first is "< 1,000"). */
export const TABLE_4 = [
  { writesPerS: 1_000, auroraMs: 2.62, mysqlMs: 1_000, mysqlText: '< 1,000' },
  { writesPerS: 2_000, auroraMs: 3.42, mysqlMs: 1_000, mysqlText: '1,000' },
  { writesPerS: 5_000, auroraMs: 3.94, mysqlMs: 60_000, mysqlText: '60,000' },
  { writesPerS: 10_000, auroraMs: 5.38, mysqlMs: 300_000, mysqlText: '300,000' },
] as const;

function run({ seed, quick = false }: ExperimentOptions): ExperimentResult {
  const durationMs = quick ? 800 : 3_000;
  const binlogDurationMs = quick ? 3_000 : 30_000;
  const measured = TABLE_4.map((row) => {
    const scenario = withOverrides(findScenario('replica-lag')!, { name: `replica-lag-${row.writesPerS}`, workload: { commitsPerS: row.writesPerS }, durationMs });
    const lag = measure(scenario, seed).report.replicas!;
    // Enough clients that the baseline commits at the offered rate (each waits about 18 ms per commit).
    const binlog = baselineRun({ seed, durationMs: binlogDurationMs, clients: 512, commitsPerS: row.writesPerS, putsPerTxn: 1, binlogReplica: true }).replica!;
    return { ...row, p50: lag.lagMsP50, p99: lag.lagMsP99, max: lag.lagMsMax, samples: lag.samples, binlog };
  });
  /** The binlog replica's lag after 300 s at the rate, when its backlog grows (linearly: its apply rate is constant). */
  const binlogAt300S = (binlog: BinlogLag): number | null => (fallsBehind(binlog) ? (binlog.lagMsAtEnd / binlogDurationMs) * 300_000 : null);
  const first = measured[0]!;
  const last = measured[measured.length - 1]!;
  const growth = (to: number, from: number): number => round((to / from - 1) * 100, 2);
  return {
    name: 'replica-lag',
    title: 'Replica lag by write rate (SIGMOD\'17 Table 4)',
    sources: ["SIGMOD'17 Table 4"],
    seed,
    seeds: 1,
    tables: [
      {
        caption: `Replica lag (ms), replica-lag's topology for ${durationMs / 1000} s at each rate, seed ${seed}`,
        columns: ['writes/s', 'ours p50', 'ours p99', 'ours max', 'SIGMOD\'17 Aurora', 'SIGMOD\'17 MySQL binlog replica'],
        rows: measured.map((row) => [row.writesPerS, round(row.p50), round(row.p99), round(row.max), row.auroraMs, row.mysqlText]),
      },
      {
        caption: `The mirrored baseline's binlog replica (ms), ${binlogDurationMs / 1000} s at each rate, seed ${seed}`,
        columns: ['writes/s', 'ours p50', `ours at the end of ${binlogDurationMs / 1000} s`, 'ours after 300 s (extrapolated)', 'SIGMOD\'17 MySQL binlog replica'],
        rows: measured.map((row) => [row.writesPerS, round(row.binlog.lagMs.p50), round(row.binlog.lagMsAtEnd), binlogAt300S(row.binlog) === null ? '— (keeps up)' : round(binlogAt300S(row.binlog)!), row.mysqlText]),
      },
    ],
    figures: [
      {
        name: 'lag',
        title: 'Replica lag by write rate',
        xLabel: 'writes/s',
        yLabel: 'lag (ms)',
        x: measured.map((row) => row.writesPerS),
        series: [
          { label: 'ours, p50', values: measured.map((row) => row.p50) },
          { label: 'ours, p99', values: measured.map((row) => row.p99) },
          { label: "SIGMOD'17 Aurora", values: measured.map((row) => row.auroraMs), pointsOnly: true },
        ],
        logX: true,
      },
      {
        name: 'binlog',
        title: 'Aurora replicas against a binlog replica (log scale)',
        xLabel: 'writes/s',
        yLabel: 'lag (ms)',
        x: measured.map((row) => row.writesPerS),
        series: [
          { label: 'ours, Aurora replica p50', values: measured.map((row) => row.p50) },
          { label: `ours, binlog replica at ${binlogDurationMs / 1000} s`, values: measured.map((row) => Math.max(row.binlog.lagMsAtEnd, row.binlog.lagMs.p50)) },
          { label: "SIGMOD'17 Aurora", values: measured.map((row) => row.auroraMs), pointsOnly: true },
          { label: "SIGMOD'17 MySQL", values: measured.map((row) => row.mysqlMs), pointsOnly: true },
        ],
        logX: true,
        logY: true,
      },
    ],
    notes: [
      `Like the paper's, our lag grows with the write rate and stays within a few milliseconds; it grows less (p50 +${growth(last.p50, first.p50)} % from ${first.writesPerS.toLocaleString('en-US')} to ${last.writesPerS.toLocaleString('en-US')} writes/s, against +${growth(last.auroraMs, first.auroraMs)} %) and sits lower: ours is mostly one cross-AZ hop and applying the records, with the replica's apply far from saturated, while the paper's replicas also do the engine's own work (purge, buffer management, SQL on the replica) that is not modelled.`,
      binlogNote(measured, binlogDurationMs),
    ],
  };
}

/** The binlog replica's figures this experiment reads. */
type BinlogLag = { lagMs: { p50: number }; lagMsAtEnd: number; appliedTxns: number; backlogTxns: number };

/**
 * Whether the replica fell behind for good: more than 1 % of the commits still unapplied at the
 * end (a replica that keeps up holds back only the last few milliseconds' commits).
 */
function fallsBehind(binlog: BinlogLag): boolean {
  return binlog.backlogTxns > 0.01 * (binlog.appliedTxns + binlog.backlogTxns);
}

/** What the binlog replica's table shows, from its figures. */
function binlogNote(measured: readonly { writesPerS: number; mysqlText: string; binlog: BinlogLag }[], durationMs: number): string {
  const keeping = measured.filter((row) => !fallsBehind(row.binlog));
  const falling = measured.filter((row) => fallsBehind(row.binlog));
  const keepingText = keeping.map((row) => `${round(row.binlog.lagMs.p50)} ms at ${row.writesPerS.toLocaleString('en-US')}`).join(', ');
  const fallingText = falling.map((row) => `${round(row.binlog.lagMsAtEnd / 1000)} s after ${durationMs / 1000} s at ${row.writesPerS.toLocaleString('en-US')} (${round((row.binlog.lagMsAtEnd / durationMs) * 300)} s after 300 s; the paper ${row.mysqlText} ms)`).join(', ');
  return `The binlog replica keeps up while its one SQL thread applies faster than the primary commits (p50 ${keepingText || 'at no rate'} writes/s; the paper gives these rows as "< 1,000" and "1,000" ms, a coarser figure than ours), and above its apply rate (4,000 transactions/s, a parameter: docs/protocol.md §16) its lag grows for as long as the load lasts: ${fallingText || 'at no rate measured'}. The paper does not say how long its load ran; a 300 s run gives the same order as its 60 s and 300 s. Aurora replicas apply redo to cached pages only and never queue behind a single thread, so their lag does not grow with time.`;
}

export const replicaLag: Experiment = {
  name: 'replica-lag',
  title: "Replica lag by write rate (SIGMOD'17 Table 4)",
  run,
};
