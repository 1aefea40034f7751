/**
 * The report of the kernel demo: what happened, when, and the trace hash that pins it.
 */
import type { HeartbeatWorldResult } from '../cluster/heartbeat-world.js';
import { suspectsOf } from '../cluster/heartbeat-world.js';
import type { NetworkStats } from '../kernel/network.js';

/** The JSON report of `aurora-actors demo --json`. */
export interface HeartbeatReport {
  scenario: 'heartbeat-demo';
  seed: number;
  simulatedMs: number;
  traceHash: string;
  traceEvents: number;
  network: NetworkStats;
  /** Faults and monitor state changes, in order. */
  timeline: { atMs: number; what: string }[];
  monitor: { state: string; suspects: readonly string[] };
}

/** Builds the report from a finished run. */
export function heartbeatReport(result: HeartbeatWorldResult): HeartbeatReport {
  const timeline: HeartbeatReport['timeline'] = [];
  let state = '';
  for (const event of result.kernel.trace.events) {
    if (event.kind === 'fault') timeline.push({ atMs: event.atMs, what: `fault: ${event.fault} ${event.target}` });
    if (event.kind === 'state' && event.actor === result.monitorId) {
      state = String(event.value);
      timeline.push({ atMs: event.atMs, what: `monitor: ${state}` });
    }
  }
  return {
    scenario: 'heartbeat-demo',
    seed: result.seed,
    simulatedMs: result.simulatedMs,
    traceHash: result.traceHash,
    traceEvents: result.kernel.trace.length,
    network: { ...result.kernel.network.stats },
    timeline,
    monitor: { state, suspects: suspectsOf(result) },
  };
}

/** The readable form. */
export function formatHeartbeatReport(report: HeartbeatReport): string {
  const lines = [
    `heartbeat demo: 1 monitor pinging 3 nodes in 3 AZs every 1000 ms; suspect after 3 missed rounds; 2% message loss`,
    '',
    ...report.timeline.map((entry) => `  ${String(entry.atMs).padStart(8)} ms  ${entry.what}`),
    '',
    `simulated     ${report.simulatedMs} ms`,
    `network       ${report.network.sent} sent, ${report.network.delivered} delivered, ${report.network.dropped} dropped`,
    `monitor       ${report.monitor.state}; suspects: ${report.monitor.suspects.join(', ') || 'none'}`,
    `trace         ${report.traceEvents} events, traceHash ${report.traceHash}`,
    `replay        aurora-actors demo --seed ${report.seed}`,
    '',
  ];
  return lines.join('\n');
}
