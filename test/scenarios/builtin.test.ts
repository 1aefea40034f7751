/**
 * The built-in scenarios: each parses through the file schema, resolves to a topology, and says
 * what its description promises (faults, timings, the AZ+1 budget); withOverrides derives variants.
 */
import { describe, expect, it } from 'vitest';
import { resolveTopology } from '../../src/cluster/topology.js';
import { BUILTIN_SCENARIOS, findScenario, scenarioNames, withOverrides } from '../../src/scenarios/builtin.js';
import { ScenarioError, parseScenario } from '../../src/scenarios/schema.js';
import type { FaultSpec } from '../../src/cluster/scenario.js';
import { cidrContains } from '../../src/protocol/security.js';

const HOUR_MS = 3_600_000;
const LIGHT_LOAD = ['backtrack', 'cost-io-light'];

describe('Built-in scenarios', () => {
  it('lists the storage scenarios first, then replicas and failover, then the corners planted mistakes need, then Global Database, then backup, restore, backtrack and clones, then storage growth, then the cost pair, then Serverless v2, then security', () => {
    expect(scenarioNames()).toEqual([
      'steady-state',
      'az-outage',
      'az-plus-one',
      'slow-segment',
      'segment-crash-gossip',
      'read-path',
      'segment-replacement',
      'segment-replacement-reverted',
      'az-plus-one-repair',
      'double-replacement',
      'az-extended-loss',
      'replica-lag',
      'replica-reads',
      'writer-crash',
      'writer-crash-no-replica',
      'zombie-writer',
      'recovery-ragged-edge',
      'recovery-ragged-edge-annulled',
      'crash-during-recovery',
      'az-plus-one-failover',
      'zombie-writer-slow-fence',
      'recovery-partial-mtr',
      'hole-during-az-outage',
      'lal-under-load',
      'global-steady',
      'global-cut-off',
      'global-failover',
      'global-switchover',
      'global-detach-promote',
      'global-rpo-limit',
      'global-write-forwarding',
      'pitr',
      'snapshot-restore',
      'backtrack',
      'clone',
      'storage-growth',
      'cost-io-heavy',
      'cost-io-light',
      'serverless-burst',
      'security-refusals',
      'encrypted-restore',
      'multi-writer-conflicts',
    ]);
  });

  it.each(BUILTIN_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s parses as a file and resolves', (_name, scenario) => {
    // Parsing the already-parsed scenario again is a fixed point: it is fully defaulted and valid.
    expect(parseScenario(structuredClone(scenario), 'test')).toEqual(scenario);
    expect(scenario.description).toMatch(/^[^\n]+$/);
    // The primary is us-east-1 everywhere; only a Global Database lists more regions, its secondaries.
    expect(scenario.topology.regions[0]).toEqual({ id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
    expect(scenario.topology.regions.slice(1).map((region) => region.id)).toEqual(scenario.topology.global?.secondaries.map((secondary) => secondary.region) ?? []);
    expect(scenario.topology.writerAz).toBe('us-east-1a');
    // Every built-in runs under load (in its busiest phase), except two whose point is a light one:
    // hours passing (backtrack) and the light half of the I/O cost pair.
    const busiest = Math.max(scenario.workload.commitsPerS, ...(scenario.workload.phases ?? []).map((phase) => phase.commitsPerS));
    expect(busiest).toBeGreaterThanOrEqual(LIGHT_LOAD.includes(scenario.name) ? 1 : 100);
    const topology = resolveTopology(scenario.topology, scenario.workload.clients);
    expect(topology.segments).toHaveLength(6 * scenario.topology.pgCount);
    for (const secondary of topology.global?.secondaries ?? []) expect(secondary.segments).toHaveLength(6 * scenario.topology.pgCount);
  });

  it('never takes the writer AZ down', () => {
    for (const scenario of BUILTIN_SCENARIOS) {
      for (const fault of scenario.faults) {
        if (fault.kind === 'azOutage') expect(fault.az).not.toBe(scenario.topology.writerAz);
      }
    }
  });

  it('steady-state: 4 PGs, no faults, 10 s', () => {
    const scenario = findScenario('steady-state')!;
    expect(scenario).toMatchObject({ durationMs: 10_000, faults: [], topology: { pgCount: 4 } });
  });

  it('az-outage: us-east-1b out from 3 s to 7 s of 10 s', () => {
    const scenario = findScenario('az-outage')!;
    expect(scenario.durationMs).toBe(10_000);
    expect(scenario.faults).toEqual([
      { atMs: 3_000, kind: 'azOutage', az: 'us-east-1b' },
      { atMs: 7_000, kind: 'azRecover', az: 'us-east-1b' },
    ]);
  });

  it('az-plus-one: AZ b out, then a PG 0 segment in AZ c, leaving PG 0 three of six segments', () => {
    const scenario = findScenario('az-plus-one')!;
    expect(scenario).toMatchObject({ durationMs: 14_000, topology: { pgCount: 4 }, workload: { txnTimeoutMs: 3_000 } });
    expect(scenario.faults).toEqual([
      { atMs: 3_000, kind: 'azOutage', az: 'us-east-1b' },
      { atMs: 4_000, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:1' },
      { atMs: 8_000, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:1' },
      { atMs: 11_000, kind: 'azRecover', az: 'us-east-1b' },
    ]);
    // Between 4 s and 8 s PG 0 keeps a read quorum (3/6) but not a write quorum (4/6).
    const members = resolveTopology(scenario.topology, scenario.workload.clients).membersByPg[0]!;
    const reachable = members.filter((id) => !id.includes(':us-east-1b:') && id !== 'seg:pg0:us-east-1c:1');
    expect(reachable).toHaveLength(3);
  });

  it('slow-segment: one segment 50x slower from 1 s to the end', () => {
    const scenario = findScenario('slow-segment')!;
    expect(scenario.durationMs).toBe(10_000);
    expect(scenario.faults).toEqual([{ atMs: 1_000, kind: 'slowSegment', segment: 'seg:pg0:us-east-1c:2', factor: 50 }]);
  });

  it('segment-crash-gossip: a PG 1 segment down from 2 s to 5 s', () => {
    const scenario = findScenario('segment-crash-gossip')!;
    expect(scenario.durationMs).toBe(10_000);
    expect(scenario.faults).toEqual([
      { atMs: 2_000, kind: 'segmentCrash', segment: 'seg:pg1:us-east-1b:1' },
      { atMs: 5_000, kind: 'segmentRestart', segment: 'seg:pg1:us-east-1b:1' },
    ]);
  });

  it('double-replacement: two segments of PG 0 in different AZs, lost for good, each with a sibling answering', () => {
    const scenario = findScenario('double-replacement')!;
    const lost = scenario.faults.map((fault) => (fault.kind === 'segmentCrash' ? fault.segment : ''));
    expect(lost).toEqual(['seg:pg0:us-east-1c:1', 'seg:pg0:us-east-1b:2']);
    expect(scenario.faults.some((fault) => fault.kind === 'segmentRestart')).toBe(false);
    // The second loss comes before the first can be detected and hydrated, so the changes overlap.
    const detectMs = scenario.repair.checkPeriodMs * scenario.repair.replaceAfterMisses;
    expect(scenario.faults[1]!.atMs).toBeLessThan(scenario.faults[0]!.atMs + detectMs);
  });

  it('az-extended-loss: the extra loss is beyond 4/6 with the AZ out but within 3/4, after the degradation', () => {
    const scenario = findScenario('az-extended-loss')!;
    const [outage, ...rest] = scenario.faults;
    expect(outage).toEqual({ atMs: 1_000, kind: 'azOutage', az: 'us-east-1c' });
    const extra = rest.filter((fault) => fault.kind === 'segmentCrash');
    expect(extra.map((fault) => fault.atMs)).toEqual([4_500, 4_500]);
    // Degraded (degradeAfterMs plus a check to install) before the extra loss.
    expect(outage!.atMs + scenario.repair.degradeAfterMs + 2 * scenario.repair.checkPeriodMs).toBeLessThan(4_500);
    const members = resolveTopology(scenario.topology, scenario.workload.clients).membersByPg;
    for (const fault of extra) {
      if (fault.kind !== 'segmentCrash') continue;
      const pg = Number(/^seg:pg(\d+):/.exec(fault.segment)![1]);
      const left = members[pg]!.filter((id) => !id.includes(':us-east-1c:') && id !== fault.segment);
      expect(left).toHaveLength(3); // 3 of 6: no 4/6 write quorum; 3 of the degraded 4: a 3/4 one.
    }
    expect(rest.at(-1)).toEqual({ atMs: 10_000, kind: 'azRecover', az: 'us-east-1c' });
  });

  it("backtrack: the documentation's example, back 3 hours and then forward 1 hour, within the window", () => {
    const scenario = findScenario('backtrack')!;
    const [back, forward] = scenario.faults as Extract<FaultSpec, { kind: 'backtrack' }>[];
    expect(scenario.faults.map((fault) => fault.kind)).toEqual(['backtrack', 'backtrack']);
    expect(back!.atMs - back!.toTimeMs).toBe(3 * HOUR_MS);
    // Forward 1 hour: 2 hours before the time of the first backtrack.
    expect(forward!.toTimeMs - back!.toTimeMs).toBe(HOUR_MS);
    expect(back!.atMs - forward!.toTimeMs).toBe(2 * HOUR_MS);
    expect(forward!.atMs).toBeGreaterThan(back!.atMs);
    expect(scenario.durationMs).toBeGreaterThan(forward!.atMs);
    expect(scenario.backtrack!.windowMs).toBeGreaterThanOrEqual(3 * HOUR_MS);
    expect(scenario.topology.replicas.length).toBeGreaterThan(0);
  });

  it('serverless-burst: a range from 0, a follower and an independent reader, five idle minutes before the load comes back, clients that outwait a resume', () => {
    const scenario = findScenario('serverless-burst')!;
    const serverless = scenario.topology.serverless!;
    expect(serverless).toMatchObject({ minAcu: 0, maxAcu: 16, autoPauseAfterS: 300, resumeMs: 15_000 });
    expect(scenario.topology.replicas.map((replica) => replica.tier)).toEqual([1, 2]);
    const phases = scenario.workload.phases!;
    const idle = phases.find((phase) => phase.commitsPerS === 0 && phase.readerTxnsPerS === 0)!;
    const back = phases[phases.indexOf(idle) + 1]!;
    // Idle long enough to pause (with a few seconds to spare), and the resume done before the load stops.
    expect(back.atMs - idle.atMs).toBeGreaterThan(serverless.autoPauseAfterS * 1000 + 2_000);
    expect(scenario.workload.stopMs).toBeGreaterThan(back.atMs + serverless.resumeMs);
    expect(scenario.workload.txnTimeoutMs).toBeGreaterThan(serverless.resumeMs);
  });

  it('security-refusals: one group per refusal, within a token life of AWS\'s 15 minutes, the non-refreshing token expiring before the forced reconnect', () => {
    const scenario = findScenario('security-refusals')!;
    const security = scenario.security!;
    expect(security).toMatchObject({ requireTls: true, iamAuth: true });
    const groups = scenario.workload.clientGroups!;
    expect(groups.reduce((sum, group) => sum + group.clients, 0)).toBe(scenario.workload.clients);
    // One group inside the allowed range with everything right, and one for each way to be refused.
    const allowed = (address: string): boolean => security.allowedCidrs.some((range) => cidrContains(range, address));
    expect(groups.filter((group) => allowed(group.address) && group.tls && group.token === 'valid' && group.refreshTokens)).toHaveLength(1);
    const outside = groups.filter((group) => !allowed(group.address));
    expect(outside.map((group) => cidrContains(security.vpcCidr, group.address))).toEqual([true, false]);
    expect(groups.some((group) => !group.tls)).toBe(true);
    for (const token of ['none', 'expired', 'wrongCluster'] as const) expect(groups.some((group) => group.token === token)).toBe(true);
    const [reconnect] = scenario.faults;
    expect(reconnect).toMatchObject({ kind: 'closeConnections' });
    expect(security.tokenTtlMs).toBeLessThan(reconnect!.atMs);
    expect(groups.some((group) => group.token === 'valid' && !group.refreshTokens)).toBe(true);
    expect(scenario.durationMs).toBeLessThanOrEqual(20_000);
  });

  it('encrypted-restore: an encrypted source; a snapshot, its restore and a clone; a restore asking to drop the encryption', () => {
    const scenario = findScenario('encrypted-restore')!;
    expect(scenario.security).toMatchObject({ encrypted: true });
    expect(scenario.faults.map((fault) => fault.kind)).toEqual(['createSnapshot', 'clone', 'restoreFromSnapshot', 'pointInTimeRestore']);
    expect(scenario.faults.at(-1)).toMatchObject({ encrypted: false });
    expect(scenario.durationMs).toBeLessThanOrEqual(20_000);
  });

  it('multi-writer-conflicts: three writers over the AZs, skewed keys, a writer that crashes and restarts', () => {
    const scenario = findScenario('multi-writer-conflicts')!;
    expect(scenario.topology.multiWriter).toEqual({ writers: 3, maxWriters: 4, consistency: 'instance-raw', replicationDelayMs: 5 });
    expect(scenario.workload.hotKeys).toEqual({ share: 0.3, keys: 16 });
    expect(scenario.faults.map((fault) => fault.kind)).toEqual(['instanceCrash', 'instanceRestart']);
    expect(scenario.durationMs).toBeLessThanOrEqual(20_000);
  });

  it('findScenario returns a private copy; the list itself is frozen', () => {
    const copy = findScenario('steady-state')!;
    copy.durationMs = 1;
    expect(findScenario('steady-state')!.durationMs).toBe(10_000);
    expect(Object.isFrozen(BUILTIN_SCENARIOS[0]!.topology.regions[0]!.azs)).toBe(true);
    expect(findScenario('no-such-scenario')).toBeUndefined();
  });
});

describe('withOverrides', () => {
  it('derives the slow-segment control arm (durability all) and keeps everything else', () => {
    const base = findScenario('slow-segment')!;
    const control = withOverrides(base, { writer: { durability: 'all' } });
    expect(control.writer).toEqual({ ...base.writer, durability: 'all' });
    expect({ ...control, writer: base.writer }).toEqual(base);
  });

  it('replaces arrays wholesale and merges objects key by key', () => {
    const base = findScenario('az-outage')!;
    const patched = withOverrides(base, { faults: [], topology: { pgCount: 2 }, network: { lossRatio: 0.1 } });
    expect(patched.faults).toEqual([]);
    expect(patched.topology).toEqual({ ...base.topology, pgCount: 2 });
    expect(patched.network).toEqual({ lossRatio: 0.1 });
  });

  it('moves a defaulted stopMs with durationMs, and keeps an explicit one', () => {
    const base = findScenario('steady-state')!;
    expect(withOverrides(base, { durationMs: 3_000 }).workload.stopMs).toBe(3_000);
    const explicit = withOverrides(base, { workload: { stopMs: 5_000 } });
    expect(withOverrides(explicit, { durationMs: 20_000 }).workload.stopMs).toBe(5_000);
  });

  it('re-validates the result', () => {
    const base = findScenario('az-plus-one')!;
    expect(() => withOverrides(base, { durationMs: 5_000 })).toThrow(ScenarioError);
    expect(() => withOverrides(base, { durationMs: 5_000 })).toThrow(
      'scenario az-plus-one with overrides: faults[2].atMs must be in [0, durationMs = 5000], got 8000',
    );
  });
});
