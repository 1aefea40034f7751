/**
 * `aurora-actors run --audit FILE` (docs/simulation-guide.md; docs/semantics.md, "Security"): the
 * audit log as JSON lines, one per connection attempt, closed connection and get or put, matching
 * the report's counts; the run the same with it as without (one traceHash); refused with one line
 * for a scenario without a `security` section. The readable report says what was refused and why.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'aurora-audit-'));
const scenarioPath = join(dir, 'secure.json');
writeFileSync(
  scenarioPath,
  JSON.stringify({
    name: 'secure',
    topology: { pgCount: 1, replicas: [] },
    security: { requireTls: true, iamAuth: true, allowedCidrs: ['10.0.1.0/24'] },
    workload: { clients: 3, commitsPerS: 100, clientGroups: [{ clients: 2 }, { clients: 1, tls: false }] },
    faults: [{ atMs: 200, kind: 'closeConnections' }],
    durationMs: 300,
  }),
);

/** Runs the command line in this process; returns its exit code and what it wrote. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

describe('aurora-actors run --audit', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the audit log as JSON lines that add up to the report; without it the run hashes the same, and its readable report says who was refused and why', async () => {
    const auditPath = join(dir, 'audit.jsonl');
    const withAudit = await cli('run', scenarioPath, '--seed', '4', '--json', '--audit', auditPath);
    expect(withAudit.code).toBe(0);
    expect(withAudit.err.split('\n')[0]).toBe('SEED=4');
    const report = JSON.parse(withAudit.out);
    const lines = readFileSync(auditPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const connects = lines.filter((entry) => entry.kind === 'connect');
    expect(connects).toHaveLength(report.security.connections.attempts);
    expect(connects.filter((entry) => entry.outcome === 'refused').map((entry) => entry.reason)).toEqual(Array(report.security.connections.refused).fill('tlsRequired'));
    expect(lines.filter((entry) => entry.kind === 'statement' && entry.outcome === 'passed')).toHaveLength(report.security.statements.passed);
    expect(lines.filter((entry) => entry.kind === 'disconnect').every((entry) => entry.reason === 'forced')).toBe(true);
    expect(lines.some((entry) => entry.kind === 'disconnect')).toBe(true);
    // In virtual-time order, each stamped with the time it happened.
    const times = lines.map((entry) => entry.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The same run without the audit log, read as people read it: the same traceHash.
    const without = await cli('run', scenarioPath, '--seed', '4');
    expect(without.out).toContain(`traceHash ${report.traceHash}`);
    const out = without.out;
    // It says who was refused, why, and what encryption the cluster has.
    expect(out).toMatch(/^security {4}VPC 10\.0\.0\.0\/16, security group 10\.0\.1\.0\/24; TLS required; IAM authentication, tokens valid 15 min; not encrypted at rest$/m);
    expect(out).toMatch(/^connections \d+ attempts at front-door:us-east-1: \d+ accepted, \d+ refused \(tlsRequired \d+\)/m);
    expect(out).toMatch(/^group 2 {5}client:3 from 10\.0\.1\.1, no TLS, a new valid token at each connect: 0 of \d+ connects accepted, refused tlsRequired \d+; 0 transactions ok/m);
    expect(out).toMatch(/^encryption  secure not encrypted$/m);
    expect(out).toMatch(/^ +ok +S23 statements only on accepted connections \(always\)$/m);
  });

  it('refuses --audit for a scenario without a security section, in one line, before the run', async () => {
    const { code, err } = await cli('run', 'steady-state', '--audit', join(dir, 'never.jsonl'));
    expect(code).toBe(2);
    expect(err).toBe('aurora-actors: --audit needs a scenario with a `security` section (its front door keeps the audit log, docs/protocol.md §15); steady-state has none\n');
  });
});
