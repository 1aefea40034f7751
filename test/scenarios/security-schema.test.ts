/**
 * The scenario file's `security` section, client groups, forced reconnects and the encryption
 * fields of restores and clones (docs/protocol.md §15): defaults that depend on other fields, and
 * one line naming the field and what it allows for every kind of bad input. Whether AWS refuses a
 * well-formed request (dropping encryption) is the run's to show, not the file's.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError, parseScenario } from '../../src/scenarios/schema.js';

const SOURCE = 'scenario file s.json';

/** The one-line error `input` gives; fails the test if it parses. */
function messageOf(input: unknown): string {
  try {
    parseScenario(input, SOURCE);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    return message.slice(`${SOURCE}: `.length);
  }
  throw new Error('expected a ScenarioError, got a scenario');
}

describe('Scenario schema: security', () => {
  it('fills the defaults: AWS token life, the VPC as the only range, no TLS or IAM, unencrypted', () => {
    const scenario = parseScenario({ name: 's', security: {} }, SOURCE);
    expect(scenario.security).toEqual({ requireTls: false, iamAuth: false, tokenTtlMs: 900_000, vpcCidr: '10.0.0.0/16', allowedCidrs: ['10.0.0.0/16'], encrypted: false });
    expect(scenario.workload.clientGroups).toBeUndefined();
  });

  it('gives an encrypted cluster the AWS managed key unless it names one', () => {
    expect(parseScenario({ name: 's', security: { encrypted: true } }, SOURCE).security?.kmsKeyId).toBe('aws/rds');
    expect(parseScenario({ name: 's', security: { encrypted: true, kmsKeyId: 'alias/app' } }, SOURCE).security?.kmsKeyId).toBe('alias/app');
  });

  it('defaults a group to a host of the first allowed range, TLS, a valid token refreshed; other tokens are not refreshed', () => {
    const scenario = parseScenario(
      { name: 's', security: { allowedCidrs: ['10.0.4.0/24', '10.0.5.0/24'] }, workload: { clients: 4, clientGroups: [{ clients: 2 }, { clients: 1, token: 'expired', address: '10.0.5.9', tls: false }] } },
      SOURCE,
    );
    expect(scenario.workload.clientGroups).toEqual([
      { clients: 2, address: '10.0.4.1', tls: true, token: 'valid', refreshTokens: true },
      { clients: 1, address: '10.0.5.9', tls: false, token: 'expired', refreshTokens: false },
    ]);
    // A fixed point: parsed again, the same scenario.
    expect(parseScenario(structuredClone(scenario), SOURCE)).toEqual(scenario);
  });

  it('leaves a scenario without the section as it was: no security, no groups', () => {
    const scenario = parseScenario({ name: 's' }, SOURCE);
    expect('security' in scenario).toBe(false);
    expect('clientGroups' in scenario.workload).toBe(false);
  });

  it('takes a forced reconnect of every connection or of one instance, and encryption fields on restores and clones', () => {
    const scenario = parseScenario(
      {
        name: 's',
        security: { encrypted: true },
        backup: {},
        faults: [
          { atMs: 1, kind: 'closeConnections' },
          { atMs: 2, kind: 'closeConnections', instance: 'inst:us-east-1:writer' },
          { atMs: 3, kind: 'createSnapshot', snapshot: 'a' },
          { atMs: 4, kind: 'restoreFromSnapshot', snapshot: 'a', kmsKeyId: 'alias/other' },
          { atMs: 5, kind: 'pointInTimeRestore', toTimeMs: 1, encrypted: false },
          { atMs: 6, kind: 'clone', encrypted: true },
        ],
      },
      SOURCE,
    );
    expect(scenario.faults).toHaveLength(6);
  });

  const cases: [string, unknown, string][] = [
    ['a token life past 15 minutes', { name: 's', security: { tokenTtlMs: 900_001 } }, 'security.tokenTtlMs must be a number > 0 and <= 900000, got 900001'],
    ['a VPC that is not a CIDR block', { name: 's', security: { vpcCidr: '10.0.0.0' } }, 'security.vpcCidr must be a CIDR block a.b.c.d/n, got "10.0.0.0"'],
    [
      'a VPC larger than /16',
      { name: 's', security: { vpcCidr: '10.0.0.0/8' } },
      'security.vpcCidr must be a CIDR block a.b.c.d/n with numbers a–d at most 255 and n from 16 to 28 (the sizes a VPC may have), got "10.0.0.0/8"',
    ],
    [
      'an allowed range with a number past 255',
      { name: 's', security: { allowedCidrs: ['10.0.0.0/24', '10.0.300.0/24'] } },
      'security.allowedCidrs[1] must be a CIDR block a.b.c.d/n with numbers a–d at most 255 and n from 0 to 32, got "10.0.300.0/24"',
    ],
    ['a KMS key on an unencrypted cluster', { name: 's', security: { kmsKeyId: 'alias/app' } }, 'security.kmsKeyId needs security.encrypted true (an unencrypted cluster has no KMS key), got "alias/app"'],
    ['security with a Global Database', { name: 's', topology: { regions: [{ id: 'us-east-1', azs: ['a', 'b', 'c'] }, { id: 'eu-west-1', azs: ['d', 'e', 'f'] }], global: { secondaries: [{ region: 'eu-west-1' }] } }, security: {} }, 'security is modelled for a regional cluster only: remove topology.global or security, got both'],
    ['client groups without the section', { name: 's', workload: { clientGroups: [{ clients: 1 }] } }, 'workload.clientGroups needs a `security` section (its front door checks how the clients connect), got 1 group'],
    ['more grouped clients than clients', { name: 's', security: {}, workload: { clients: 2, clientGroups: [{ clients: 2 }, { clients: 1 }] } }, 'workload.clientGroups must hold at most workload.clients (2) clients in all, got 3'],
    ['a group address that is not an address', { name: 's', security: {}, workload: { clientGroups: [{ clients: 1, address: 'db.example' }] } }, 'workload.clientGroups[0].address must be an IPv4 address a.b.c.d, got "db.example"'],
    [
      'a group address with a number past 255',
      { name: 's', security: {}, workload: { clientGroups: [{ clients: 1, address: '10.0.0.256' }] } },
      'workload.clientGroups[0].address must be an IPv4 address a.b.c.d with numbers at most 255, got "10.0.0.256"',
    ],
    ['an unknown token kind', { name: 's', security: {}, workload: { clientGroups: [{ clients: 1, token: 'forged' }] } }, 'workload.clientGroups[0].token must be one of valid, expired, none, wrongCluster, wrongUser, got "forged"'],
    [
      'refreshing an expired token',
      { name: 's', security: {}, workload: { clientGroups: [{ clients: 1, token: 'expired', refreshTokens: true }] } },
      'workload.clientGroups[0].refreshTokens can be true only with token "valid" (a client with an expired, missing or wrong token keeps it), got true with token "expired"',
    ],
    ['a group of no clients', { name: 's', security: {}, workload: { clientGroups: [{ clients: 0 }] } }, 'workload.clientGroups[0].clients must be an integer from 1 to 100000, got 0'],
    ['a misspelt group field', { name: 's', security: {}, workload: { clientGroups: [{ clients: 1, ssl: true }] } }, 'workload.clientGroups[0].ssl is not a known field (allowed here: clients, address, tls, token, refreshTokens)'],
    ['a forced reconnect without the section', { name: 's', faults: [{ atMs: 1, kind: 'closeConnections' }] }, 'faults[0].kind needs a `security` section (it closes its front door\'s connections), got "closeConnections"'],
    [
      'a forced reconnect of an unknown instance',
      { name: 's', security: {}, faults: [{ atMs: 1, kind: 'closeConnections', instance: 'inst:us-east-1:replica9' }] },
      'faults[0].instance must name an instance of the topology (inst:us-east-1:writer, inst:us-east-1:standby), got "inst:us-east-1:replica9"',
    ],
    [
      'an encryption field without the section',
      { name: 's', backup: {}, faults: [{ atMs: 5, kind: 'pointInTimeRestore', toTimeMs: 1, encrypted: true }] },
      'faults[0].encrypted needs a `security` section (its encrypted field says whether the source is encrypted), got true',
    ],
    [
      'a KMS key with encrypted false',
      { name: 's', security: { encrypted: true }, faults: [{ atMs: 5, kind: 'clone', encrypted: false, kmsKeyId: 'alias/x' }] },
      'faults[0].kmsKeyId needs encrypted true or absent (a KMS key encrypts), got "alias/x" with encrypted false',
    ],
    ['encryption on a snapshot, which takes its cluster\'s', { name: 's', security: {}, backup: {}, faults: [{ atMs: 5, kind: 'createSnapshot', snapshot: 'a', encrypted: true }] }, 'faults[0].encrypted is not a known field (allowed here: atMs, kind, snapshot)'],
  ];

  it.each(cases)('refuses %s in one line', (_title, input, message) => {
    expect(messageOf(input)).toBe(message);
  });
});
