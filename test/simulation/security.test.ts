/**
 * Security as behaviour, end to end (docs/protocol.md §15): the built-in `security-refusals`,
 * shortened, with a replica and a fast failover added, so one run shows every refusal, a reconnect
 * after a writer failover and one after a forced reconnect; a client that goes round the front
 * door, caught by S23; and `encrypted-restore`, shortened. Runs are short and lightly loaded to
 * keep `npm test` cheap; security.deep.test.ts runs both built-ins whole under both interpreters.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/cluster/audit.js';
import type { HistoryEntry } from '../../src/cluster/history.js';
import { CONNECTION_REFUSALS } from '../../src/protocol/security.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { EncryptionLedger } from '../../src/simulation/encryption-ledger.js';
import { restoredClusters } from '../../src/cluster/restores.js';
import { resolveTopology } from '../../src/cluster/topology.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe } from './helpers.js';
import { formatRunReport } from '../../src/cli/run-report.js';

const WRITER = 'inst:us-east-1:writer';
const CRASH_MS = 1_000;
const FORCED_MS = 2_500;

/** security-refusals with a replica, a failover within a second, tokens of 600 ms, a writer crash and a forced reconnect. */
const refusals = withOverrides(findScenario('security-refusals')!, {
  topology: { replicas: [{ az: 'us-east-1b', tier: 0, sizeAcu: 16 }] },
  failover: { healthCheckPeriodMs: 100, missesToFail: 2, endpointSwitchMs: 200 },
  security: { tokenTtlMs: 600 },
  workload: { commitsPerS: 100, txnTimeoutMs: 400 },
  faults: [
    { atMs: CRASH_MS, kind: 'instanceCrash', instance: WRITER },
    { atMs: FORCED_MS, kind: 'closeConnections' },
  ],
  durationMs: 3_000,
});

describe('Security: security-refusals, shortened, with a failover', () => {
  const sim = new Simulation({ seed: 1, scenario: refusals, trace: { keepEvents: false } });
  const audit: AuditEntry[] = [];
  sim.streams.audit$.subscribe((entry) => audit.push(entry));
  sim.run();
  const report = sim.report();
  const security = report.security!;
  const newWriter = report.failover?.to;
  const connects = (client: string) => audit.filter((entry): entry is Extract<AuditEntry, { kind: 'connect' }> => entry.kind === 'connect' && entry.client === client);
  const history = (client: string): HistoryEntry[] => sim.history.entries.filter((entry) => entry.node === client);

  it('passes every judge, S23 with something to judge, and fails over to the replica', () => {
    expectSafe(report);
    expect(report.invariants.find((result) => result.name.startsWith('S23'))).toMatchObject({ ok: true, vacuous: false });
    expect(newWriter).toBe('inst:us-east-1:replica1');
  });

  it('refuses each group for its reason, and never acknowledges any of their transactions', () => {
    const expected: [number, string][] = [
      [2, 'securityGroup'],
      [3, 'outsideVpc'],
      [4, 'tlsRequired'],
      [5, 'noToken'],
      [6, 'tokenExpired'],
      [7, 'tokenForOtherCluster'],
    ];
    for (const [group, reason] of expected) {
      const row = security.clientGroups.find((candidate) => candidate.group === group)!;
      expect(Object.keys(row.connections.refusedBy), `group ${group}`).toEqual([reason]);
      expect(row.connections.accepted).toBe(0);
      expect(row.connections.refused).toBeGreaterThan(0);
      expect(row.transactions.ok).toBe(0);
      // The security group drops silently: nothing answers, and the client's connect times out.
      const silent = reason === 'securityGroup' || reason === 'outsideVpc';
      expect(row.connections.unanswered).toBe(silent ? row.connections.refused : 0);
      // While the writer is down, a client the network lets through is refused by its host at once
      // (before TLS or a token matter); one it drops hears nothing, as always.
      const errors = new Set(history(row.clients.first).flatMap((entry) => (entry.type === 'fail' ? [entry.error] : [])));
      expect(errors.has(silent ? 'connectTimeout' : reason)).toBe(true);
      expect([...errors].filter((error) => error !== 'connectionRefused')).toEqual([silent ? 'connectTimeout' : reason]);
      if (silent) expect(errors.has('connectionRefused')).toBe(false);
    }
  });

  it('lets the valid clients through, reconnecting to the new writer after the failover and after the forced reconnect', () => {
    const group = security.clientGroups.find((candidate) => candidate.group === 1)!;
    expect(group.connections.refused).toBe(0);
    for (let n = 1; n <= group.clients.count; n++) {
      const accepted = connects(`client:${n}`).filter((entry) => entry.outcome === 'accepted');
      expect(accepted.some((entry) => entry.instance === WRITER && entry.atMs < CRASH_MS)).toBe(true);
      expect(accepted.some((entry) => entry.instance === newWriter && entry.atMs > CRASH_MS && entry.atMs < FORCED_MS)).toBe(true);
      expect(accepted.some((entry) => entry.atMs > FORCED_MS)).toBe(true);
      // No failure of theirs comes from security: only from the writer's crash.
      for (const entry of history(`client:${n}`)) if (entry.type === 'fail') expect(CONNECTION_REFUSALS).not.toContain(entry.error);
    }
    expect(group.transactions.ok).toBeGreaterThan(0);
    expect(security.connections.closed.forced).toBeGreaterThan(0);
  });

  it('keeps the connection of a client that does not refresh past its token, and refuses it once it must reconnect after the failover', () => {
    const client = security.clientGroups.find((candidate) => candidate.group === 8)!.clients.first;
    const attempts = connects(client);
    const first = attempts[0]!;
    expect(first).toMatchObject({ outcome: 'accepted', instance: WRITER, tokenExpiresAtMs: 600 });
    const oks = history(client).filter((entry) => entry.type === 'ok');
    // It committed after its token expired, on the connection it had made before.
    expect(oks.some((entry) => entry.time > 600 * 1_000_000)).toBe(true);
    expect(oks.every((entry) => entry.time < CRASH_MS * 1_000_000)).toBe(true);
    const later = attempts.slice(1);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((entry) => entry.outcome === 'refused' && entry.reason === 'tokenExpired')).toBe(true);
    expect(later.some((entry) => entry.instance === newWriter)).toBe(true);
  });

  it('audits what the report counts: every attempt, and every get and put passed, with its connection', () => {
    const attempts = audit.filter((entry) => entry.kind === 'connect');
    expect(attempts).toHaveLength(security.connections.attempts);
    expect(attempts.filter((entry) => entry.outcome === 'refused')).toHaveLength(security.connections.refused);
    const statements = audit.filter((entry): entry is Extract<AuditEntry, { kind: 'statement' }> => entry.kind === 'statement');
    expect(statements.filter((entry) => entry.outcome === 'passed')).toHaveLength(security.statements.passed);
    expect(statements.every((entry) => entry.outcome === 'refused' || (entry.connectionId !== undefined && entry.instance !== undefined))).toBe(true);
    // Each acknowledged transaction's operations are audited on an accepted connection of its client.
    const acceptedBy = new Map(attempts.flatMap((entry) => (entry.connectionId === undefined ? [] : [[entry.connectionId, entry.client] as const])));
    const ok = sim.history.entries.find((entry) => entry.type === 'ok' && entry.node === 'client:1')!;
    const ops = statements.filter((entry) => entry.txnId === ok.txnId && entry.outcome === 'passed');
    expect(ops.map((entry) => entry.op)).toEqual(['get', 'put', 'put']);
    expect(acceptedBy.get(ops[0]!.connectionId!)).toBe('client:1');
  });

  it('reports LoginFailures: each connect refused and answered, per second (a dropped packet reached no database)', () => {
    const failures = report.metrics!.series.find((entry) => entry.metric === 'LoginFailures')!;
    expect(report.simulatedMs % report.metrics!.periodMs).toBe(0);
    expect(failures.datapoints).toBe(report.metrics!.periods);
    const answeredRefusals = audit.filter((entry) => entry.kind === 'connect' && entry.outcome === 'refused' && entry.answered).length;
    expect(answeredRefusals).toBeGreaterThan(0);
    expect(answeredRefusals).toBeLessThan(security.connections.refused);
    expect(failures.sum * (report.metrics!.periodMs / 1000)).toBeCloseTo(answeredRefusals, 9);
  });
});

describe('Security: a client that goes round the front door', () => {
  it('is caught by S23: the writer executed a transaction no accepted connection carried; reads on the replica through the front door pass', () => {
    const scenario = withOverrides(refusals, { workload: { readerTxnsPerS: 100 }, faults: [], durationMs: 400 });
    const sim = new Simulation({ seed: 2, scenario, trace: { keepEvents: false } });
    const audit: AuditEntry[] = [];
    sim.streams.audit$.subscribe((entry) => audit.push(entry));
    // client:9 holds no token (refused on every connect); at 200 ms it sends straight to the writer.
    sim.kernel.clock.scheduleAt(200, () => sim.kernel.network.send('client:9', WRITER, { type: 'txnRequest', from: 'client:9', txnId: 999_999, ops: [{ f: 'put', key: 'k1', value: 'stolen' }] }));
    sim.run();
    const report = sim.report();
    const s23 = report.invariants.find((result) => result.name.startsWith('S23'))!;
    expect(s23).toMatchObject({ ok: false, violations: 1 });
    expect(s23.firstViolations[0]?.message).toBe('inst:us-east-1:writer wrote the puts of transaction 999999, which never came through the front door on an accepted connection');
    // The reader endpoint's transactions went through the front door on connections to the replica, and were served there.
    expect(audit.some((entry) => entry.kind === 'statement' && entry.outcome === 'passed' && entry.instance === 'inst:us-east-1:replica1')).toBe(true);
    expect(report.reads.getsOnReplicas).toBeGreaterThan(0);
  });
});

describe('Security: encrypted-restore, shortened', () => {
  const scenario = withOverrides(findScenario('encrypted-restore')!, {
    backup: { stagePeriodMs: 300, snapshotPeriodMs: 1_000 },
    workload: { commitsPerS: 100, stopMs: 2_000 },
    faults: [
      { atMs: 300, kind: 'createSnapshot', snapshot: 'before-release' },
      { atMs: 600, kind: 'clone' },
      { atMs: 1_200, kind: 'restoreFromSnapshot', snapshot: 'before-release', kmsKeyId: 'alias/restores' },
      { atMs: 1_500, kind: 'pointInTimeRestore', toTimeMs: 1_000, encrypted: false },
    ],
    durationMs: 2_500,
  });

  it('makes every snapshot, clone and restore encrypted, and refuses the restore that would drop it, saying why', () => {
    const report = new Simulation({ seed: 1, scenario, trace: { keepEvents: false } }).run().report();
    expectSafe(report);
    const { encryption } = report.security!;
    expect(encryption.clusters).toEqual([
      { cluster: 'encrypted-restore', encrypted: true, kmsKeyId: 'alias/orders' },
      { cluster: 'clone-1', encrypted: true, kmsKeyId: 'alias/orders', from: 'clone' },
      { cluster: 'restore-1', encrypted: true, kmsKeyId: 'alias/restores', from: 'restoreFromSnapshot', snapshot: 'before-release' },
    ]);
    expect(encryption.snapshots).toEqual([{ name: 'before-release', encrypted: true, kmsKeyId: 'alias/orders' }]);
    expect(encryption.refused).toEqual([{ cluster: 'restore-2', kind: 'pointInTimeRestore', requestedAtMs: 1_500, reason: expect.stringMatching(/^sourceEncrypted: /) }]);
    const [made, refused] = report.backup!.restores;
    expect(made).toMatchObject({ cluster: 'restore-1', state: 'available', verification: { verified: true } });
    expect(refused).toMatchObject({ cluster: 'restore-2', state: 'refused', reason: encryption.refused[0]!.reason });
    expect(report.clones!.clones[0]).toMatchObject({ cluster: 'clone-1', state: 'available' });
    // The readable report says it where it was asked, and why.
    const text = formatRunReport(report, scenario, 'replay');
    expect(text).toMatch(/^ +1,500 ms {2}fault: pointInTimeRestore restore-2:job \(refused: its encryption\)$/m);
    expect(text).toMatch(/^restore-2 +asked at 1,500 ms for 1,000 ms: no point taken; refused when asked, never built: sourceEncrypted: /m);
    expect(text).toMatch(/^encryption  encrypted-restore encrypted \(KMS key alias\/orders\); clone-1 \(clone\) encrypted \(KMS key alias\/orders\); restore-1 \(restoreFromSnapshot of before-release\) encrypted \(KMS key alias\/restores\)$/m);
  });

  it('of an unencrypted cluster: a restore from a snapshot may be encrypted, a point-in-time restore or a clone may not', () => {
    const plain = parseScenario(
      {
        name: 'plain',
        security: {},
        backup: {},
        faults: [
          { atMs: 1, kind: 'createSnapshot', snapshot: 's' },
          { atMs: 2, kind: 'restoreFromSnapshot', snapshot: 's', encrypted: true },
          { atMs: 3, kind: 'pointInTimeRestore', toTimeMs: 1, kmsKeyId: 'alias/x' },
          { atMs: 4, kind: 'clone', encrypted: true },
        ],
      },
      'test',
    );
    const ledger = new EncryptionLedger(plain);
    const [fromSnapshot, pointInTime, clone] = restoredClusters(plain, resolveTopology(plain.topology, plain.workload.clients));
    expect(ledger.decide(fromSnapshot!, 2)).toBeUndefined();
    expect(ledger.decide(pointInTime!, 3)).toMatch(/^sourceUnencrypted: a point-in-time restore of an unencrypted cluster cannot be encrypted/);
    expect(ledger.decide(clone!, 4)).toMatch(/^sourceUnencrypted: a clone of an unencrypted cluster/);
    expect(ledger.report().clusters).toEqual([
      { cluster: 'plain', encrypted: false },
      { cluster: 'restore-1', encrypted: true, kmsKeyId: 'aws/rds', from: 'restoreFromSnapshot', snapshot: 's' },
    ]);
  });
});
