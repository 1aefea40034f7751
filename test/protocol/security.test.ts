/**
 * The connection rules (src/protocol/security.ts; docs/protocol.md §15): addresses and CIDR blocks,
 * and the verdict on a connection attempt — the network first (a silent drop), then TLS, then IAM
 * authentication — with the token's expiry judged at connect time only. And encryption at rest
 * (src/protocol/encryption.ts): what a restore or clone inherits, and what AWS refuses.
 */
import { describe, expect, it } from 'vitest';
import { CONNECTION_REFUSALS, SILENT_REFUSALS, TOKEN_TTL_MS_MAX, cidrContains, cidrOf, connectionVerdict, ipv4Of } from '../../src/protocol/security.js';
import type { ConnectAttempt, SecurityPolicy } from '../../src/protocol/security.js';
import { DEFAULT_KMS_KEY_ID, encryptionAtCreation, encryptionOf } from '../../src/protocol/encryption.js';

const POLICY: SecurityPolicy = { cluster: 'orders', vpcCidr: '10.0.0.0/16', allowedCidrs: ['10.0.1.0/24', '10.0.7.128/25'], requireTls: true, iamAuth: true };
const token = (over: Partial<{ cluster: string; user: string; issuedAtMs: number; expiresAtMs: number }> = {}) => ({ cluster: 'orders', user: 'app', issuedAtMs: 0, expiresAtMs: 900_000, ...over });
const ATTEMPT: ConnectAttempt = { user: 'app', address: '10.0.1.20', tls: true, token: token() };

describe('Addresses and CIDR blocks', () => {
  it('reads dotted quads and refuses anything else', () => {
    expect(ipv4Of('10.0.1.20')).toBe(10 * 2 ** 24 + 1 * 2 ** 8 + 20);
    expect(ipv4Of('255.255.255.255')).toBe(2 ** 32 - 1);
    for (const bad of ['10.0.1', '10.0.1.256', '10.0.1.2.3', 'a.b.c.d', ' 10.0.1.2', '']) expect(ipv4Of(bad)).toBeUndefined();
  });

  it('reads a.b.c.d/n with n from 0 to 32', () => {
    expect(cidrOf('10.0.1.0/24')).toEqual({ base: ipv4Of('10.0.1.0'), prefixLength: 24 });
    for (const bad of ['10.0.1.0', '10.0.1.0/33', '10.0.1.0/x', '10.0.1.0/']) expect(cidrOf(bad)).toBeUndefined();
  });

  it('holds the addresses of its block and no other, at /0, /25 and /32 too', () => {
    expect(cidrContains('10.0.1.0/24', '10.0.1.0')).toBe(true);
    expect(cidrContains('10.0.1.0/24', '10.0.1.255')).toBe(true);
    expect(cidrContains('10.0.1.0/24', '10.0.2.0')).toBe(false);
    expect(cidrContains('10.0.1.0/24', '10.0.0.255')).toBe(false);
    expect(cidrContains('10.0.7.128/25', '10.0.7.127')).toBe(false);
    expect(cidrContains('10.0.7.128/25', '10.0.7.128')).toBe(true);
    expect(cidrContains('0.0.0.0/0', '203.0.113.7')).toBe(true);
    expect(cidrContains('10.0.1.20/32', '10.0.1.20')).toBe(true);
    expect(cidrContains('10.0.1.20/32', '10.0.1.21')).toBe(false);
    // Host bits in the block's address do not matter: the prefix decides.
    expect(cidrContains('10.0.1.77/24', '10.0.1.3')).toBe(true);
    expect(cidrContains('not a block', '10.0.1.3')).toBe(false);
  });
});

describe('Connection verdicts', () => {
  it('accepts an attempt from an allowed range, with TLS, with a token for this cluster and user that has not expired', () => {
    expect(connectionVerdict(POLICY, ATTEMPT, 899_999)).toEqual({ ok: true });
  });

  it('refuses each breach with its reason; the network refuses silently, the others answer', () => {
    const cases: [ConnectAttempt, string][] = [
      [{ ...ATTEMPT, address: '198.51.100.7' }, 'outsideVpc'],
      [{ ...ATTEMPT, address: '10.0.2.20' }, 'securityGroup'],
      [{ ...ATTEMPT, tls: false }, 'tlsRequired'],
      [{ user: 'app', address: '10.0.1.20', tls: true }, 'noToken'],
      [{ ...ATTEMPT, token: token({ cluster: 'billing' }) }, 'tokenForOtherCluster'],
      [{ ...ATTEMPT, token: token({ user: 'admin' }) }, 'tokenForOtherUser'],
      [{ ...ATTEMPT, token: token({ expiresAtMs: 1_000 }) }, 'tokenExpired'],
    ];
    for (const [attempt, reason] of cases) {
      expect(connectionVerdict(POLICY, attempt, 1_000)).toEqual({ ok: false, reason, silent: SILENT_REFUSALS.includes(reason as never) });
    }
    expect(cases.map(([, reason]) => reason)).toEqual(CONNECTION_REFUSALS);
  });

  it('checks in order: the network before TLS before the token', () => {
    const everythingWrong: ConnectAttempt = { user: 'app', address: '10.0.2.20', tls: false };
    expect(connectionVerdict(POLICY, everythingWrong, 0)).toMatchObject({ reason: 'securityGroup', silent: true });
    expect(connectionVerdict(POLICY, { ...everythingWrong, address: '10.0.1.20' }, 0)).toMatchObject({ reason: 'tlsRequired', silent: false });
    expect(connectionVerdict(POLICY, { ...everythingWrong, address: '10.0.1.20', tls: true }, 0)).toMatchObject({ reason: 'noToken' });
  });

  it('expires a token at its expiry time exactly: valid just before, refused from then on', () => {
    const expiring = { ...ATTEMPT, token: token({ issuedAtMs: 0, expiresAtMs: TOKEN_TTL_MS_MAX }) };
    expect(connectionVerdict(POLICY, expiring, TOKEN_TTL_MS_MAX - 1).ok).toBe(true);
    expect(connectionVerdict(POLICY, expiring, TOKEN_TTL_MS_MAX)).toMatchObject({ ok: false, reason: 'tokenExpired' });
  });

  it('ignores tokens without IAM authentication and TLS when it is not required', () => {
    const open: SecurityPolicy = { ...POLICY, requireTls: false, iamAuth: false };
    expect(connectionVerdict(open, { user: 'app', address: '10.0.1.20', tls: false }, 0)).toEqual({ ok: true });
    expect(connectionVerdict(open, { ...ATTEMPT, token: token({ cluster: 'billing', expiresAtMs: 0 }) }, 5)).toEqual({ ok: true });
    // The network still applies.
    expect(connectionVerdict(open, { user: 'app', address: '10.0.2.20', tls: true }, 0)).toMatchObject({ reason: 'securityGroup' });
  });

  it('lets nothing in through a security group with no inbound rule', () => {
    expect(connectionVerdict({ ...POLICY, allowedCidrs: [] }, ATTEMPT, 0)).toMatchObject({ reason: 'securityGroup' });
  });
});

describe('Encryption at rest', () => {
  const encrypted = encryptionAtCreation(true, 'alias/orders');
  const plain = encryptionAtCreation(false);

  it('is set at creation, with the AWS managed key by default', () => {
    expect(encryptionAtCreation(true)).toEqual({ encrypted: true, kmsKeyId: DEFAULT_KMS_KEY_ID });
    expect(plain).toEqual({ encrypted: false });
  });

  it("passes an encrypted source's key to its restores and clones, or the key they name", () => {
    for (const kind of ['pointInTimeRestore', 'restoreFromSnapshot', 'clone'] as const) {
      expect(encryptionOf(encrypted, { kind })).toEqual({ ok: true, encryption: { encrypted: true, kmsKeyId: 'alias/orders' } });
      expect(encryptionOf(encrypted, { kind, encrypted: true })).toEqual({ ok: true, encryption: { encrypted: true, kmsKeyId: 'alias/orders' } });
      expect(encryptionOf(encrypted, { kind, kmsKeyId: 'alias/other' })).toEqual({ ok: true, encryption: { encrypted: true, kmsKeyId: 'alias/other' } });
    }
  });

  it('refuses to make anything of an encrypted source unencrypted', () => {
    for (const kind of ['pointInTimeRestore', 'restoreFromSnapshot', 'clone'] as const) {
      const outcome = encryptionOf(encrypted, { kind, encrypted: false });
      expect(outcome).toMatchObject({ ok: false, reason: 'sourceEncrypted' });
      expect(outcome.ok ? '' : outcome.message).toMatch(/^sourceEncrypted: the source is encrypted \(KMS key alias\/orders\)/);
    }
  });

  it('leaves restores and clones of an unencrypted source unencrypted; only a restore from a snapshot may be encrypted', () => {
    for (const kind of ['pointInTimeRestore', 'restoreFromSnapshot', 'clone'] as const) {
      expect(encryptionOf(plain, { kind })).toEqual({ ok: true, encryption: { encrypted: false } });
      expect(encryptionOf(plain, { kind, encrypted: false })).toEqual({ ok: true, encryption: { encrypted: false } });
    }
    expect(encryptionOf(plain, { kind: 'restoreFromSnapshot', encrypted: true })).toEqual({ ok: true, encryption: { encrypted: true, kmsKeyId: DEFAULT_KMS_KEY_ID } });
    expect(encryptionOf(plain, { kind: 'restoreFromSnapshot', kmsKeyId: 'alias/new' })).toEqual({ ok: true, encryption: { encrypted: true, kmsKeyId: 'alias/new' } });
    expect(encryptionOf(plain, { kind: 'pointInTimeRestore', kmsKeyId: 'alias/new' })).toMatchObject({ ok: false, reason: 'sourceUnencrypted' });
    expect(encryptionOf(plain, { kind: 'clone', encrypted: true })).toMatchObject({ ok: false, reason: 'sourceUnencrypted' });
  });
});
