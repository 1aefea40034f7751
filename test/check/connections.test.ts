/**
 * S23 statements only on accepted connections (src/check/connections.ts; docs/protocol.md §12,
 * §15), on hand-written streams: a clean run passes, and each planted breach is caught — a
 * connection accepted against the policy (outside the security group, without TLS, with a token
 * expired more than a clock tick before, for another cluster), a transaction passed on a closed
 * or unknown connection, an instance executing what never came through the front door, and a
 * client acknowledged although its connections were refused.
 */
import { describe, expect, it } from 'vitest';
import { S23_CONNECTIONS, createConnectionJudge } from '../../src/check/connections.js';
import type { ConnectionJudge } from '../../src/check/connections.js';
import type { Observation } from '../../src/protocol/observations.js';
import type { ConnectionAttemptObservation } from '../../src/protocol/security.js';

const WRITER = 'inst:us-east-1:writer';
const DOOR = 'front-door:us-east-1';
const judge = (): ConnectionJudge =>
  createConnectionJudge({
    policy: { cluster: 'orders', vpcCidr: '10.0.0.0/16', allowedCidrs: ['10.0.1.0/24'], requireTls: true, iamAuth: true },
    clockTickMs: 100,
    instances: new Set([WRITER]),
    clients: new Set(['client:1', 'client:2']),
  });

const attempt = (over: Partial<ConnectionAttemptObservation> = {}): Observation => ({
  kind: 'connectionAttempt',
  frontDoor: DOOR,
  cluster: 'orders',
  client: 'client:1',
  instance: WRITER,
  requestId: 1,
  user: 'app',
  address: '10.0.1.9',
  tls: true,
  token: { cluster: 'orders', user: 'app', issuedAtMs: 0, expiresAtMs: 1_000 },
  outcome: 'accepted',
  answered: true,
  connectionId: 'conn-1',
  clockMs: 0,
  ...over,
});
const passed = (txnId: number, over: Record<string, unknown> = {}): Observation =>
  ({ kind: 'statement', frontDoor: DOOR, cluster: 'orders', client: 'client:1', connectionId: 'conn-1', instance: WRITER, txnId, ops: [{ op: 'put', key: 'k1' }], outcome: 'passed', ...over }) as Observation;
const allocated = (txnId: number): Observation => ({ kind: 'allocated', instance: WRITER, volumeEpoch: 1, vdl: 0, lal: 10, records: [{ lsn: txnId, pg: 0, isCpl: true }], txnId });

/** The result's first violation message, after the judge ran `feed`. */
function violationOf(feed: (j: ConnectionJudge) => void): string | undefined {
  const j = judge();
  feed(j);
  const result = j.result();
  expect(result.name).toBe(S23_CONNECTIONS);
  return result.firstViolations[0]?.message;
}

describe('S23 statements only on accepted connections', () => {
  it('passes a clean run: an accepted connection, its statements executed, acknowledged, and refused clients with nothing acknowledged', () => {
    const j = judge();
    j.observe(10, DOOR, attempt());
    j.observe(11, DOOR, attempt({ client: 'client:2', address: '10.0.2.9', outcome: 'refused', reason: 'securityGroup', answered: false, connectionId: undefined }));
    j.observe(12, DOOR, passed(1));
    j.observe(13, WRITER, allocated(1));
    j.history(14, { type: 'ok', node: 'client:1', txnId: 1 });
    j.history(15, { type: 'fail', node: 'client:2', txnId: 2 });
    // A token that expired within the last clock tick: the front door's clock may not have reached it.
    j.observe(1_050, DOOR, attempt({ connectionId: 'conn-2', requestId: 2 }));
    expect(j.result()).toMatchObject({ ok: true, violations: 0, vacuous: false, kind: 'always' });
  });

  it('is vacuous when no connection was attempted', () => {
    expect(judge().result()).toMatchObject({ ok: true, vacuous: true });
  });

  it('catches a connection accepted against the policy', () => {
    expect(violationOf((j) => j.observe(10, DOOR, attempt({ address: '10.0.2.9' })))).toBe("client:1's connection conn-1 to inst:us-east-1:writer was accepted from 10.0.2.9, outside the security group's ranges (10.0.1.0/24)");
    expect(violationOf((j) => j.observe(10, DOOR, attempt({ address: '192.168.1.9' })))).toMatch(/outside the VPC 10\.0\.0\.0\/16$/);
    expect(violationOf((j) => j.observe(10, DOOR, attempt({ tls: false })))).toMatch(/accepted without TLS, which the cluster requires$/);
    expect(violationOf((j) => j.observe(10, DOOR, attempt({ token: undefined })))).toMatch(/without a token, under IAM authentication$/);
    expect(violationOf((j) => j.observe(10, DOOR, attempt({ token: { cluster: 'billing', user: 'app', issuedAtMs: 0, expiresAtMs: 1_000 } })))).toMatch(/with a token for cluster billing, not orders$/);
    expect(violationOf((j) => j.observe(1_200, DOOR, attempt()))).toMatch(/with a token that expired at 1000 ms, more than a clock tick \(100 ms\) before$/);
  });

  it('catches a statement passed on a connection never accepted, closed, of another client, or to another instance', () => {
    expect(violationOf((j) => j.observe(10, DOOR, passed(1)))).toBe("client:1's transaction 1 was passed to inst:us-east-1:writer on connection conn-1, which was never accepted");
    expect(
      violationOf((j) => {
        j.observe(10, DOOR, attempt());
        j.observe(11, DOOR, { kind: 'connectionClosed', frontDoor: DOOR, cluster: 'orders', connectionId: 'conn-1', client: 'client:1', instance: WRITER, reason: 'forced' });
        j.observe(12, DOOR, passed(1));
      }),
    ).toMatch(/which was closed$/);
    expect(
      violationOf((j) => {
        j.observe(10, DOOR, attempt());
        j.observe(12, DOOR, passed(1, { client: 'client:2' }));
      }),
    ).toMatch(/which is client:1's$/);
    expect(
      violationOf((j) => {
        j.observe(10, DOOR, attempt());
        j.observe(12, DOOR, passed(1, { instance: 'inst:us-east-1:replica1' }));
      }),
    ).toMatch(/which goes to inst:us-east-1:writer$/);
  });

  it('catches an instance executing what never came through the front door (a refused client going round it)', () => {
    expect(violationOf((j) => j.observe(10, WRITER, allocated(7)))).toBe('inst:us-east-1:writer wrote the puts of transaction 7, which never came through the front door on an accepted connection');
    const replicaRead: Observation = { kind: 'replicaRead', instance: WRITER, volumeEpoch: 1, txnId: 8, readPoint: 0, reads: [], fromStorage: false };
    expect(violationOf((j) => j.observe(10, WRITER, replicaRead))).toMatch(/read the gets of transaction 8/);
    // Another cluster's instance (a clone's) is not this front door's to judge.
    const clone = judge();
    clone.observe(10, 'clone-1:inst:us-east-1:writer', { ...(allocated(9) as Extract<Observation, { kind: 'allocated' }>), instance: 'clone-1:inst:us-east-1:writer' });
    expect(clone.result().ok).toBe(true);
  });

  it('catches a client acknowledged for a transaction that never went on one of its accepted connections', () => {
    expect(violationOf((j) => j.history(10, { type: 'ok', node: 'client:2', txnId: 3 }))).toBe('client:2 saw transaction 3 acknowledged, but it never went on one of its accepted connections');
    expect(
      violationOf((j) => {
        j.observe(10, DOOR, attempt());
        j.observe(11, DOOR, passed(3));
        j.history(12, { type: 'ok', node: 'client:2', txnId: 3 });
      }),
    ).toMatch(/^client:2 saw transaction 3 acknowledged/);
  });
});
