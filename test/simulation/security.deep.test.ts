/**
 * The security built-ins whole, at three seeds, live and stepped on deep-frozen snapshots
 * (docs/determinism.md, "The checks"): one traceHash per seed, every judge passing (S23 with
 * something to judge), each refusal where its group is, and every cluster made of an encrypted
 * source encrypted, the restore that would drop it refused. `npm run test:deep` runs it.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { expectInterpretersAgree, expectSafe } from './helpers.js';

const SEEDS = [1, 2, 3];

describe('Security built-ins under both interpreters', () => {
  it.each(SEEDS)('security-refusals at seed %i', (seed) => {
    const report = expectInterpretersAgree(findScenario('security-refusals')!, seed);
    expectSafe(report);
    expect(report.invariants.find((result) => result.name.startsWith('S23'))).toMatchObject({ ok: true, vacuous: false });
    const groups = report.security!.clientGroups;
    const reasons = groups.map((group) => Object.keys(group.connections.refusedBy));
    expect(reasons).toEqual([[], ['securityGroup'], ['outsideVpc'], ['tlsRequired'], ['noToken'], ['tokenExpired'], ['tokenForOtherCluster'], ['tokenExpired']]);
    // The valid clients lose nothing to the forced reconnect; the refused ones commit nothing; the
    // one that does not refresh commits until it must reconnect.
    expect(groups[0]!.transactions).toMatchObject({ fail: 0, info: 0 });
    for (const group of groups.slice(1, 7)) expect(group.transactions.ok).toBe(0);
    expect(groups[7]!.transactions.ok).toBeGreaterThan(0);
    expect(groups[7]!.connections.accepted).toBe(1);
  }, 300_000);

  it.each(SEEDS)('encrypted-restore at seed %i', (seed) => {
    const report = expectInterpretersAgree(findScenario('encrypted-restore')!, seed);
    expectSafe(report);
    const { encryption } = report.security!;
    expect(encryption.clusters.map((cluster) => [cluster.cluster, cluster.encrypted, cluster.kmsKeyId])).toEqual([
      ['encrypted-restore', true, 'alias/orders'],
      ['clone-1', true, 'alias/orders'],
      ['restore-1', true, 'alias/restores'],
    ]);
    expect(encryption.refused.map((refusal) => refusal.cluster)).toEqual(['restore-2']);
    expect(report.backup!.restores.map((restore) => restore.state)).toEqual(['available', 'refused']);
    expect(report.backup!.restores[0]!.verification?.verified).toBe(true);
  }, 300_000);
});
