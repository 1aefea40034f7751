/**
 * Global Database write forwarding in a run (docs/protocol.md §11.1, write forwarding):
 * `global-write-forwarding`, shortened. Each read consistency level is judged from the clients'
 * history and the primary writer's own commit acknowledgements, not from the forwarder's or the
 * report's counters; the report's figures are then checked against the same history.
 */
import { describe, expect, it } from 'vitest';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { checkTxnHistory } from '../../src/check/txn/check.js';
import type { HistoryEntry } from '../../src/cluster/history.js';
import { formatRunReport } from '../../src/cli/run-report.js';
import { acknowledgedBy, expectInterpretersAgree } from './helpers.js';

/** One session's read-back: what it read, where, and what it had written just before. */
interface ReadBack {
  node: string;
  invokedAtMs: number;
  readPoint: number;
  read: unknown;
  /** The session's last acknowledged write before the read: its value and commit LSN. */
  lastWrite: { value: unknown; commitLsn: number } | undefined;
}

/** Every acknowledged read-only transaction of the sessions of `region`, in history order. */
function readBacks(entries: readonly HistoryEntry[], region: string): ReadBack[] {
  const invokedAtMs = new Map<number, number>();
  const lastWrite = new Map<string, { value: unknown; commitLsn: number }>();
  const result: ReadBack[] = [];
  for (const entry of entries) {
    if (!entry.node.startsWith(`client:${region}:`)) continue;
    if (entry.type === 'invoke') invokedAtMs.set(entry.txnId, entry.time / 1e6);
    if (entry.type !== 'ok') continue;
    const write = entry.value.find((op) => op[0] === 'w');
    if (write !== undefined) {
      lastWrite.set(entry.node, { value: write[2], commitLsn: entry.commitLsn ?? 0 });
      continue;
    }
    const read = entry.value[0]!;
    result.push({ node: entry.node, invokedAtMs: invokedAtMs.get(entry.txnId)!, readPoint: entry.readPoint!, read: read[2], lastWrite: lastWrite.get(entry.node) });
  }
  return result;
}

/** Read-backs that did not return the session's last acknowledged write. */
const missingOwnWrite = (reads: readonly ReadBack[]): ReadBack[] => reads.filter((read) => read.lastWrite !== undefined && read.read !== read.lastWrite.value);

/** Read-backs whose read point is below a commit the primary's writer acknowledged before the read was invoked. */
function missingEarlierCommits(reads: readonly ReadBack[], acknowledged: readonly { lsn: number; atMs: number }[]): ReadBack[] {
  return reads.filter((read) => acknowledged.some((ack) => ack.atMs < read.invokedAtMs && ack.lsn > read.readPoint));
}

describe('Global Database: write forwarding at each read consistency level', () => {
  const scenario = withOverrides(findScenario('global-write-forwarding')!, { durationMs: 4_000 });
  const sim = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } });
  const acknowledged = acknowledgedBy(sim, 'inst:us-east-1:writer');
  sim.runFor(scenario.durationMs);
  const report = sim.report();
  const entries = sim.history.entries;
  const forwarding = report.global!.writeForwarding!;
  const eventual = readBacks(entries, 'us-west-2');
  const session = readBacks(entries, 'eu-west-1');
  const global = readBacks(entries, 'ap-southeast-2');

  it('commits the sessions\' writes on the primary and serves their reads on the region\'s instance', () => {
    expect(forwarding.map((region) => [region.region, region.readConsistency])).toEqual([
      ['us-west-2', 'eventual'],
      ['eu-west-1', 'session'],
      ['ap-southeast-2', 'global'],
    ]);
    for (const [region, reads] of [['us-west-2', eventual], ['eu-west-1', session], ['ap-southeast-2', global]] as const) {
      expect(reads.length, region).toBeGreaterThan(5);
      expect(reads.every((read) => read.lastWrite !== undefined && read.lastWrite.commitLsn > 0), region).toBe(true);
      // The instance that served the read is the region's own.
      const replicas = new Set(entries.filter((entry) => entry.node.startsWith(`client:${region}:`) && entry.readPoint !== undefined).map((entry) => entry.replica));
      expect([...replicas], region).toEqual([`inst:${region}:replica1`]);
    }
    // Every forwarded commit is one the primary's writer acknowledged.
    const primaryLsns = new Set(acknowledged.map((ack) => ack.lsn));
    const forwardedLsns = entries.filter((entry) => entry.type === 'ok' && entry.node.split(':').length === 3 && (entry.commitLsn ?? 0) > 0).map((entry) => entry.commitLsn!);
    expect(forwardedLsns.length).toBe(forwarding.reduce((sum, region) => sum + region.forwardedCommits, 0));
    expect(forwardedLsns.every((lsn) => primaryLsns.has(lsn))).toBe(true);
  });

  it('SESSION: every read-back sees the session\'s own last write, at a read point at or above its commit', () => {
    expect(missingOwnWrite(session)).toEqual([]);
    expect(session.every((read) => read.readPoint >= read.lastWrite!.commitLsn)).toBe(true);
  });

  it('GLOBAL: every read sees each commit the primary acknowledged before the read was invoked', () => {
    expect(missingEarlierCommits(global, acknowledged)).toEqual([]);
    expect(missingOwnWrite(global)).toEqual([]);
  });

  it('EVENTUAL: reads do not wait, and with this seed some miss their session\'s own write and earlier primary commits', () => {
    // Not a guarantee of EVENTUAL, an observation of seed 1: the read-back leaves as soon as the
    // commit is acknowledged, often before replication has brought the commit to the region.
    expect(missingOwnWrite(eventual).length).toBeGreaterThan(0);
    expect(missingEarlierCommits(eventual, acknowledged).length).toBeGreaterThan(0);
    const [eventualFigures] = forwarding;
    expect(eventualFigures!.readWaitMsP99).toBe(0);
    expect(eventualFigures!.readRetries).toBe(0);
  });

  it('reports the misses the history shows, and read waits ordered EVENTUAL < SESSION < GLOBAL', () => {
    const [eventualFigures, sessionFigures, globalFigures] = forwarding;
    expect(eventualFigures!.readsMissingOwnWrite).toBe(missingOwnWrite(eventual).length);
    expect(sessionFigures!.readsMissingOwnWrite).toBe(0);
    expect(globalFigures!.readsMissingOwnWrite).toBe(0);
    expect(forwarding.map((region) => region.reads)).toEqual([eventual.length, session.length, global.length]);
    expect(sessionFigures!.readWaitMsP50).toBeGreaterThan(0);
    // A GLOBAL read first asks the primary for its VDL: a cross-region round trip (2 × 120 ms).
    expect(globalFigures!.readWaitMsP50).toBeGreaterThan(200);
    expect(globalFigures!.readWaitMsP50).toBeGreaterThan(sessionFigures!.readWaitMsP99);
  });

  it('gives each forwarding region two lines in the readable report', () => {
    const text = formatRunReport(report, scenario, 'aurora-actors run global-write-forwarding --seed 1');
    const [, sessionFigures] = forwarding;
    expect(text).toContain(`eu-west-1 (SESSION, 2 sessions): ${sessionFigures!.forwardedCommits} forwarded commits of ${sessionFigures!.forwardedWrites} sent to the primary`);
    expect(text).toMatch(/forwarding {2}us-west-2 \(EVENTUAL, 2 sessions\)/);
    expect(text).toMatch(/ap-southeast-2 \(GLOBAL, 2 sessions\)[^\n]*\n\s+\d+ reads waited p50 \d+ ms, p99 \d+ ms for their consistency level; 0 missed the session's own last write/);
  });

  it('keeps every judge and the history checker satisfied', () => {
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
    const verdict = checkTxnHistory(entries, { model: 'read-committed' });
    expect(verdict.anomalies.filter((anomaly) => anomaly.forbidden)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.transactions.replica).toBe(eventual.length + session.length + global.length);
  });
});

describe('Global Database: GLOBAL reads when replication is slower than the round trip to the primary', () => {
  // Shipments to ap-southeast-2 wait 400 ms to fill (a boxcar), so the primary's VDL answer comes
  // back well before the redo it covers: the instance must hold the read off until it applies it.
  const base = findScenario('global-write-forwarding')!;
  const secondaries = base.topology.global!.secondaries.map((secondary) => (secondary.region === 'ap-southeast-2' ? { ...secondary, shipIntervalMs: 400 } : secondary));
  const scenario = withOverrides(base, { topology: { global: { secondaries } }, durationMs: 3_000 });
  const sim = new Simulation({ seed: 3, scenario, trace: { keepEvents: false } });
  const acknowledged = acknowledgedBy(sim, 'inst:us-east-1:writer');
  sim.runFor(scenario.durationMs);
  const global = readBacks(sim.history.entries, 'ap-southeast-2');
  const figures = sim.report().global!.writeForwarding!.find((region) => region.region === 'ap-southeast-2')!;

  it('still sees every commit acknowledged before the read, after the instance refused it until caught up', () => {
    expect(global.length).toBeGreaterThan(3);
    expect(missingEarlierCommits(global, acknowledged)).toEqual([]);
    expect(figures.readRetries).toBeGreaterThan(0);
    expect(figures.readWaitMsP50).toBeGreaterThan(240);
  });
});

describe('Global Database: write forwarding follows the global writer endpoint', () => {
  // us-east-1 lost at 1 s, eu-west-1 promoted at 1.2 s, the endpoint moved 500 ms after it opens;
  // sessions give up on a transaction after 1 s, so they are writing again by then.
  const scenario = withOverrides(findScenario('global-write-forwarding')!, {
    durationMs: 4_000,
    workload: { txnTimeoutMs: 1_000 },
    failover: { endpointSwitchMs: 500 },
    topology: { global: { fenceTimeoutMs: 500 } },
    faults: [
      { atMs: 1_000, kind: 'regionOutage', region: 'us-east-1' },
      { atMs: 1_200, kind: 'globalFailover', region: 'eu-west-1' },
    ],
  });
  const sim = new Simulation({ seed: 4, scenario, trace: { keepEvents: false } });
  const promotedAcks = acknowledgedBy(sim, 'inst:eu-west-1:replica1');
  sim.runFor(scenario.durationMs);
  const promotion = sim.report().global!.promotions[0]!;

  it('sends the sessions\' writes to the promoted writer once the endpoint has moved', () => {
    const switchedAtNs = (promotion.openedAtMs! + 500) * 1e6;
    const invokedAtNs = new Map(sim.history.entries.filter((entry) => entry.type === 'invoke').map((entry) => [entry.txnId, entry.time]));
    const later = sim.history.entries.filter((entry) => entry.type === 'ok' && /^client:[^:]+:\d+$/.test(entry.node) && (entry.commitLsn ?? 0) > 0 && invokedAtNs.get(entry.txnId)! > switchedAtNs);
    expect(later.length).toBeGreaterThan(0);
    const promoted = new Set(promotedAcks.map((ack) => ack.lsn));
    expect(later.filter((entry) => !promoted.has(entry.commitLsn!))).toEqual([]);
    expect(new Set(later.map((entry) => entry.node.split(':')[1]))).toEqual(new Set(['us-west-2', 'eu-west-1', 'ap-southeast-2']));
    for (const region of ['us-west-2', 'eu-west-1', 'ap-southeast-2']) {
      expect((sim.host.snapshotOf(`forwarder:${region}`).context as { writer: string }).writer).toBe('inst:eu-west-1:replica1');
    }
  });
});

describe('Global Database: write forwarding under both interpreters', () => {
  it('gives one traceHash for seed 2, live and stepped with frozen snapshots (every transition pure)', () => {
    const scenario = withOverrides(findScenario('global-write-forwarding')!, { durationMs: 1_500 });
    const report = expectInterpretersAgree(scenario, 2);
    expect(report.global!.writeForwarding!.every((region) => region.forwardedCommits > 0)).toBe(true);
  }, 120_000);
});
