/**
 * The Global Database rules (docs/protocol.md §11.1, the rules we take; §13, G1–G5), on examples
 * worked by hand: the secondary's durable point, the lag figures, RPO control and its parameter,
 * the lost suffix of a managed failover, the topology and the switchover precondition. The
 * three-region example is written out in the first describe block.
 */
import { describe, expect, it } from 'vitest';
import type { CrossRegionLink, GlobalTopology, LsnTime } from '../../src/protocol/global.js';
import {
  durabilityLagMs,
  globalDbRpoProblem,
  globalTopologyProblem,
  lostSuffix,
  lostSuffixWithinLag,
  mayAcknowledgeCommit,
  rpoLagMs,
  secondaryDurableLsn,
  switchoverDecision,
  visibilityLagMs,
} from '../../src/protocol/global.js';
import type { Lsn, RegionId } from '../../src/protocol/ids.js';
import { lsn, regionId } from '../../src/protocol/ids.js';

const lsns = (...values: number[]): Lsn[] => values.map(lsn);
const times = (...pairs: [number, number][]): LsnTime[] => pairs.map(([at, atMs]) => ({ lsn: lsn(at), atMs }));

/**
 * Three regions. The primary (us-east-1) allocates record n at n × 1,000 ms; its transactions are
 * one MTR each, ending (CPL = commit LSN) at 10, 20, 30 and 40, acknowledged at 10,000, 20,000,
 * 30,000 and 40,000 ms. At 45,000 ms:
 * - eu-west-1 has been shipped the primary VDL 40 and all records; its volume's VCL is 37. Its
 *   durable LSN is the highest shipped CPL ≤ min(40, 37): 30. Its RPO lag: 45,000 − 30,000 =
 *   15,000 ms (commit 40 is newer). Its durability lag: record 37 vs record 40, 3,000 ms.
 * - ap-southeast-2 has been shipped the primary VDL 20 only; its VCL is 25. Durable 20, RPO lag
 *   45,000 − 20,000 = 25,000 ms.
 * With rds.global_db_rpo = 20 s, eu-west-1 is under the limit, so commits go on. If eu-west-1
 * failed over now at VDL 30, commit 40 is lost: 1 commit, LSN 40, 10,000 ms of history, within
 * eu-west-1's 15,000 ms lag.
 */
describe('Global Database: a three-region example', () => {
  const allocations = Array.from({ length: 40 }, (_, i): LsnTime => ({ lsn: lsn(i + 1), atMs: (i + 1) * 1000 }));
  const commits = times([10, 10_000], [20, 20_000], [30, 30_000], [40, 40_000]);
  const cpls = lsns(10, 20, 30, 40);
  const nowMs = 45_000;
  const euDurable = secondaryDurableLsn({ shippedPrimaryVdl: lsn(40), secondaryVcl: lsn(37), shippedCpls: cpls });
  const apDurable = secondaryDurableLsn({ shippedPrimaryVdl: lsn(20), secondaryVcl: lsn(25), shippedCpls: cpls });

  it('gives each secondary its durable LSN, lags and the RPO decision', () => {
    expect([euDurable, apDurable]).toEqual([30, 20]);
    expect(rpoLagMs(commits, euDurable, nowMs)).toBe(15_000);
    expect(rpoLagMs(commits, apDurable, nowMs)).toBe(25_000);
    expect(durabilityLagMs(allocations, lsn(37), lsn(40))).toBe(3_000);
    expect(durabilityLagMs(allocations, lsn(25), lsn(40))).toBe(15_000);
    expect(mayAcknowledgeCommit(20_000, [15_000, 25_000])).toBe(true);
    // eu-west-1 falls back to durable 20: both lag 25 s, so commits wait.
    expect(mayAcknowledgeCommit(20_000, [rpoLagMs(commits, lsn(20), nowMs), 25_000])).toBe(false);
  });

  it('bounds what a failover to eu-west-1 loses by its RPO lag', () => {
    const lost = lostSuffix(commits, euDurable);
    expect(lost).toEqual({ keptCount: 3, lostCount: 1, lostLsns: { fromLsn: 40, toLsn: 40 }, spanMs: 10_000 });
    expect(lostSuffixWithinLag(lost, rpoLagMs(commits, euDurable, nowMs))).toBe(true);
    // Promoting below what eu-west-1 held (VDL 20) loses 20,000 ms of history: beyond the lag.
    const tooMuch = lostSuffix(commits, lsn(20));
    expect(tooMuch).toMatchObject({ keptCount: 2, lostCount: 2, lostLsns: { fromLsn: 30, toLsn: 40 }, spanMs: 20_000 });
    expect(lostSuffixWithinLag(tooMuch, 15_000)).toBe(false);
  });

  it('measures a read-only instance of eu-west-1 that has applied up to 20', () => {
    expect(visibilityLagMs(commits, euDurable, lsn(20))).toBe(10_000);
    expect(visibilityLagMs(commits, euDurable, lsn(30))).toBe(0);
  });
});

describe('Global Database: the secondary durable point (G1)', () => {
  it('takes the highest shipped CPL at or below both bounds, SIGMOD\'17 §4.1 numbers', () => {
    const shippedCpls = lsns(900, 1000, 1100);
    expect(secondaryDurableLsn({ shippedPrimaryVdl: lsn(1100), secondaryVcl: lsn(1007), shippedCpls })).toBe(1000);
    // The volume is complete past 1100, but the primary has only made 1000 durable.
    expect(secondaryDurableLsn({ shippedPrimaryVdl: lsn(1050), secondaryVcl: lsn(1200), shippedCpls })).toBe(1000);
    expect(secondaryDurableLsn({ shippedPrimaryVdl: lsn(1100), secondaryVcl: lsn(1100), shippedCpls })).toBe(1100);
  });

  it('is 0 when no shipped CPL qualifies', () => {
    expect(secondaryDurableLsn({ shippedPrimaryVdl: lsn(1100), secondaryVcl: lsn(899), shippedCpls: lsns(900, 1000) })).toBe(0);
    expect(secondaryDurableLsn({ shippedPrimaryVdl: lsn(50), secondaryVcl: lsn(50), shippedCpls: [] })).toBe(0);
  });
});

describe('Global Database: lags (G5)', () => {
  const commits = times([5, 100], [9, 250]);

  it('RPO lag is 0 when the secondary holds the newest commit, or when there is none', () => {
    expect(rpoLagMs(commits, lsn(9), 1_000)).toBe(0);
    expect(rpoLagMs(commits, lsn(12), 1_000)).toBe(0);
    expect(rpoLagMs([], lsn(0), 1_000)).toBe(0);
  });

  it('RPO lag counts from time 0 when the secondary holds no commit yet', () => {
    expect(rpoLagMs(commits, lsn(4), 300)).toBe(300);
    expect(rpoLagMs(commits, lsn(5), 300)).toBe(200);
  });

  it('durability lag is 0 when the secondary has written as much as the primary', () => {
    expect(durabilityLagMs(commits, lsn(9), lsn(9))).toBe(0);
    expect(durabilityLagMs(commits, lsn(5), lsn(9))).toBe(150);
  });
});

describe('Global Database: rds.global_db_rpo', () => {
  it('accepts whole seconds from 20 to 2,147,483,647', () => {
    expect(globalDbRpoProblem(20)).toBeUndefined();
    expect(globalDbRpoProblem(2_147_483_647)).toBeUndefined();
  });

  it('names the field and the range otherwise', () => {
    expect(globalDbRpoProblem(19)).toBe('rds.global_db_rpo: 19 s; allowed a whole number of seconds from 20 to 2147483647');
    expect(globalDbRpoProblem(2_147_483_648)).toContain('rds.global_db_rpo: 2147483648 s');
    expect(globalDbRpoProblem(20.5, 'topology.global.rpoSeconds')).toContain('topology.global.rpoSeconds: 20.5 s');
  });

  it('lets commits through with no limit, and stalls them with a limit and no secondary', () => {
    expect(mayAcknowledgeCommit(undefined, [])).toBe(true);
    expect(mayAcknowledgeCommit(undefined, [10 ** 9])).toBe(true);
    expect(mayAcknowledgeCommit(20_000, [])).toBe(false);
    // Below, not at: a lag equal to the limit does not count.
    expect(mayAcknowledgeCommit(20_000, [20_000])).toBe(false);
    expect(mayAcknowledgeCommit(20_000, [19_999])).toBe(true);
  });
});

describe('Global Database: lost suffix', () => {
  it('loses nothing when the promoted VDL covers every commit', () => {
    expect(lostSuffix(times([3, 10], [6, 20]), lsn(6))).toEqual({ keptCount: 2, lostCount: 0, spanMs: 0 });
    expect(lostSuffix([], lsn(0))).toEqual({ keptCount: 0, lostCount: 0, spanMs: 0 });
  });

  it('counts from time 0 when no commit is kept', () => {
    expect(lostSuffix(times([3, 10], [6, 20]), lsn(2))).toEqual({ keptCount: 0, lostCount: 2, lostLsns: { fromLsn: 3, toLsn: 6 }, spanMs: 20 });
  });
});

describe('Global Database: topology', () => {
  const east = regionId('us-east-1');
  const west = regionId('us-west-2');
  const eu = regionId('eu-west-1');
  const ap = regionId('ap-southeast-2');
  const link = (a: RegionId, b: RegionId, latencyMs = 80, lossRatio = 0): CrossRegionLink => ({ regions: [a, b], latencyMs, lossRatio });
  const valid: GlobalTopology = {
    primary: east,
    secondaries: [{ region: west, replicas: 2 }, { region: eu, replicas: 0 }, { region: ap, replicas: 16 }],
    links: [link(east, west), link(east, eu), link(east, ap), link(west, eu), link(ap, west), link(eu, ap, 250, 0.01)],
  };

  it('accepts a primary with three secondaries, one headless, one with 16 instances', () => {
    expect(globalTopologyProblem(valid)).toBeUndefined();
    expect(globalTopologyProblem({ primary: east, secondaries: [], links: [] })).toBeUndefined();
  });

  it('names the first problem', () => {
    const secondaries = valid.secondaries.map((s, i) => (i === 2 ? { ...s, replicas: 17 } : s));
    expect(globalTopologyProblem({ ...valid, secondaries })).toBe('topology.global.secondaries[2].replicas: 17 read-only instances; allowed 0–16');
    expect(globalTopologyProblem({ ...valid, secondaries: [...valid.secondaries, { region: west, replicas: 1 }] })).toBe(
      'topology.global.secondaries[3].region: us-west-2 appears twice; region ids must be distinct',
    );
    // A pair without a link takes the network's cross-region default.
    expect(globalTopologyProblem({ ...valid, links: valid.links.slice(1) })).toBeUndefined();
    expect(globalTopologyProblem({ ...valid, links: [...valid.links.slice(0, 5), link(eu, ap, 250, 1)] })).toBe('topology.global.links[5].lossRatio: 1; allowed [0, 1)');
    expect(globalTopologyProblem({ ...valid, links: [link(east, west, 0), ...valid.links.slice(1)] })).toBe('topology.global.links[0].latencyMs: 0; must be a positive number of ms');
    expect(globalTopologyProblem({ ...valid, links: [...valid.links, link(west, east)] })).toBe('topology.global.links[6].regions: us-west-2–us-east-1 is given twice');
    expect(globalTopologyProblem({ ...valid, links: [link(east, regionId('mars-1')), ...valid.links] })).toBe('topology.global.links[0].regions: mars-1 is not a region of this global database');
  });

  it('allows 5 secondaries by default and up to 10 when asked', () => {
    const regions = Array.from({ length: 7 }, (_, i) => regionId(`r${i}`));
    const links = regions.flatMap((a, i) => regions.slice(i + 1).map((b) => link(a, b)));
    const six: GlobalTopology = { primary: regions[0] as RegionId, secondaries: regions.slice(1).map((region) => ({ region, replicas: 1 })), links };
    expect(globalTopologyProblem(six)).toBe('topology.global.secondaries: 6 secondary regions; allowed 0–5');
    expect(globalTopologyProblem(six, { secondariesMax: 10 })).toBeUndefined();
    expect(() => globalTopologyProblem(six, { secondariesMax: 11 })).toThrow(RangeError);
  });
});

describe('Global Database: switchover precondition (G3)', () => {
  const ready = { targetDurableLsn: lsn(40), primaryVdl: lsn(40), primaryReadOnly: true, targetInstances: 1 };

  it('promotes a synchronised target once the primary is read-only', () => {
    expect(switchoverDecision(ready)).toEqual({ kind: 'mayPromote' });
  });

  it('says why it waits', () => {
    expect(switchoverDecision({ ...ready, primaryReadOnly: false })).toMatchObject({ kind: 'wait', reason: expect.stringContaining('read-only') });
    expect(switchoverDecision({ ...ready, targetDurableLsn: lsn(30) })).toEqual({ kind: 'wait', reason: "the target's durable LSN 30 is below the primary's final VDL 40" });
    expect(switchoverDecision({ ...ready, targetInstances: 0 })).toMatchObject({ kind: 'wait', reason: expect.stringContaining('headless') });
    expect(switchoverDecision({ ...ready, targetDurableLsn: lsn(41) })).toMatchObject({ kind: 'wait', reason: expect.stringContaining('S17 broken') });
  });
});
