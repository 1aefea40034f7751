/**
 * The readable form of a run report: what happened, the numbers that matter, and every judge's
 * verdict, ending with the command that replays the run.
 */
import type { Scenario } from '../cluster/scenario.js';
import { PLANTS } from '../protocol/plants.js';
import type { SimulationReport } from '../simulation/report.js';

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
const ms = (value: number): string => (value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(2)} ms`);

/** One line describing the scenario's shape. */
export function describeScenario(scenario: Scenario): string[] {
  const { topology, workload } = scenario;
  const azs = topology.regions[0]?.azs.length ?? 0;
  const segments = topology.pgCount * 6;
  return [
    `topology    ${topology.regions.length} region, ${azs} AZs, ${topology.pgCount} PGs (${segments} segments${topology.segmentKinds === 'fullTail' ? ', full/tail' : ''}) on ${topology.storageNodesPerAz * 3} storage nodes; writer in ${topology.writerAz}`,
    `workload    ${workload.commitsPerS} commits/s from ${workload.clients} clients, ${plural(workload.putsPerTxn, "put")} + ${plural(workload.getsPerTxn, "get")} per transaction, for ${scenario.durationMs} ms`,
  ];
}

/** The report as the `run` command prints it without `--json`. */
export function formatRunReport(report: SimulationReport, scenario: Scenario, replay: string): string {
  const { commits, latencyMs, volume, storage } = report;
  const failedInvariants = report.invariants.filter((result) => !result.ok);
  const lines = [
    ...(report.plant === undefined ? [] : [`PLANT       ${report.plant} is on: ${PLANTS[report.plant]} (docs/plants.md)`]),
    `scenario    ${report.scenario}: ${report.description}`,
    ...describeScenario(scenario),
    '',
    'timeline',
    ...timeline(report).map(([atMs, what]) => `  ${String(Math.round(atMs)).padStart(8)} ms  ${what}`),
    '',
    `commits     ${commits.attempted} attempted: ${commits.acknowledged} acknowledged, ${commits.failed} failed, ${commits.unknown} unknown (timed out); ${commits.skipped} arrivals found every client busy`,
    `durability  ${commits.lostAcknowledged} acknowledged commits lost (every commit the writer acknowledged, read back from every read quorum of persisted segment state)`,
    `latency     commit p50 ${ms(latencyMs.commitP50)}, p99 ${ms(latencyMs.commitP99)}, max ${ms(latencyMs.commitMax)}`,
    `volume      VCL ${volume.vcl}, VDL ${volume.vdl}, max allocated ${volume.maxAllocated}, volumeEpoch ${volume.volumeEpoch}`,
    `storage     ${storage.segments} segments, ${storage.segmentsDown} down at the end; ${storage.recordsViaGossip} records repaired by gossip; PGs without a read quorum: ${storage.unavailablePgs.join(', ') || 'none'}`,
    `writer      ${report.writer.state}; ${report.writer.batches} batches for ${report.writer.transactions} transactions; ${report.writer.recordsResent} records resent; ${report.writer.lalStalls} LAL stalls`,
    `network     ${report.network.sent} sent, ${report.network.delivered} delivered, ${report.network.dropped} dropped`,
    '',
    'invariants',
    ...report.invariants.map((result) => `  ${result.ok ? 'ok  ' : 'FAIL'}  ${result.name} (${result.kind}${result.boundMs === undefined ? '' : ` within ${result.boundMs} ms`})${verdictNote(result)}`),
    ...failedInvariants.flatMap((result) => result.firstViolations.map((v) => `        at ${ms(v.atMs)}: ${v.message}`)),
    ...storage.lost.map((lost) => `        lost txn ${lost.txnId}: ${lost.missing}`),
    '',
    `trace       ${report.traceEvents} events, traceHash ${report.traceHash}`,
    `replay      ${replay}`,
    '',
  ];
  return lines.join('\n');
}

function verdictNote(result: SimulationReport['invariants'][number]): string {
  if (!result.ok) return `: ${result.violations} violations`;
  if (result.kind === 'sometimes') return result.witnessed === true ? ': seen' : ': not seen in this run';
  return result.vacuous === true ? ': nothing to check in this run' : '';
}

function timeline(report: SimulationReport): [number, string][] {
  const entries: [number, string][] = report.faults.map((fault) => [fault.atMs, `fault: ${fault.fault} ${fault.target}`]);
  for (const failover of report.failovers) {
    entries.push([failover.detectedAtMs, `failover: ${failover.from} declared failed; promoting ${failover.to ?? '(none yet)'}`]);
    if (failover.writerOpenAtMs !== undefined) entries.push([failover.writerOpenAtMs, `failover: ${failover.to} recovered the volume and opened it`]);
    if (failover.writerAvailableAtMs !== undefined) entries.push([failover.writerAvailableAtMs, `failover: cluster endpoint now points at ${failover.to}`]);
  }
  for (const stall of report.writeStalls) {
    entries.push([stall.fromMs, `writes stalled (no VDL advance) until ${Math.round(stall.toMs)} ms: ${ms(stall.toMs - stall.fromMs)}`]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  if (entries.length === 0) entries.push([0, 'no faults, no write stalls']);
  return entries;
}
