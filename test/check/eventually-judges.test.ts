/**
 * The `eventually` judges with stated bounds (src/check/convergence.ts, src/check/timeliness.ts),
 * fed hand-made observations: each passes, fails and goes vacuous where its statement says.
 */
import { describe, expect, it } from 'vitest';
import { createConvergenceJudge } from '../../src/check/convergence.js';
import type { MemberAtEnd } from '../../src/check/convergence.js';
import { createFailoverJudge, createHydrationJudge } from '../../src/check/timeliness.js';
import type { Observation } from '../../src/protocol/observations.js';

const persisted = (pg: number, scl: number, volumeEpoch = 1) => ({ kind: 'persisted', pg, scl, volumeEpoch }) as unknown as Observation;
const member = (id: string, scl: number, records: { lsn: number; volumeEpoch: number }[] = [], online = true): MemberAtEnd => ({ id, pg: 0, online, scl, volumeEpoch: 2, records: () => records });

describe('Judges: segments converge after the last fault', () => {
  it('fails a member still below what a peer held the bound before the end, and passes one that caught up', () => {
    const judge = createConvergenceJudge({ lastFaultAtMs: 1_000, boundMs: 3_000 });
    judge.observe(2_000, persisted(0, 100));
    judge.observe(9_000, persisted(0, 200)); // within the bound of the end: not yet owed
    expect(judge.result(10_000, [member('a', 100), member('b', 150)])).toMatchObject({ ok: true, kind: 'eventually', boundMs: 3_000, vacuous: false });
    expect(judge.result(10_000, [member('a', 100), member('b', 99)])).toMatchObject({ ok: false, violations: 1 });
    expect(judge.result(10_000, [member('b', 99, [], false)])).toMatchObject({ ok: true, vacuous: true });
  });

  it('fails a member that still holds a record a settled recovery annulled', () => {
    const judge = createConvergenceJudge({ lastFaultAtMs: 0, boundMs: 3_000 });
    judge.observe(1_000, { kind: 'recovered', volumeEpoch: 2, truncationFromLsn: 50, truncationToLsn: 1_000 } as unknown as Observation);
    expect(judge.result(10_000, [member('a', 40, [{ lsn: 40, volumeEpoch: 1 }])]).ok).toBe(true);
    expect(judge.result(10_000, [member('a', 40, [{ lsn: 60, volumeEpoch: 1 }])]).ok).toBe(false);
  });

  it('is vacuous while faults went on within the bound of the end', () => {
    const judge = createConvergenceJudge({ lastFaultAtMs: 8_000, boundMs: 3_000 });
    judge.observe(2_000, persisted(0, 100));
    expect(judge.result(10_000, [member('a', 0)])).toMatchObject({ ok: true, vacuous: true });
  });
});

describe('Judges: replacement and failover in time', () => {
  const change = (phase: string, atPg = 0) => ({ kind: 'membershipInstalled', phase, pg: atPg, change: 'seg:g' }) as unknown as Observation;
  it('a replacement settling within its bound passes; one settling late or never fails', () => {
    const judge = createHydrationJudge(8_000);
    judge.observe(1_000, change('entering'));
    judge.observe(5_000, change('finishing'));
    expect(judge.result(20_000)).toMatchObject({ ok: true, vacuous: false });
    judge.observe(6_000, change('entering', 1));
    expect(judge.result(20_000)).toMatchObject({ ok: false, violations: 1 });
  });

  it('a failover is due the bound after detection, or after a replacing candidate is promoted', () => {
    const failover = (phase: string, candidate?: string) => ({ kind: 'failover', phase, writer: 'w', candidate }) as unknown as Observation;
    const late = createFailoverJudge(20_000, 20_000);
    late.observe(0, failover('detected'));
    late.observe(1, failover('promoting', 'r1'));
    late.observe(25_000, failover('endpointSwitched'));
    expect(late.result(30_000)).toMatchObject({ ok: false, violations: 1 });
    const replaced = createFailoverJudge(20_000, 20_000);
    replaced.observe(0, failover('detected'));
    replaced.observe(1, failover('promoting', 'r1'));
    replaced.observe(10_000, failover('promoting', 'r2'));
    replaced.observe(25_000, failover('endpointSwitched'));
    expect(replaced.result(30_000)).toMatchObject({ ok: true, witnessed: true });
  });
});
