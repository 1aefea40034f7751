/**
 * Membership: an extended AZ loss moves every PG to the degraded 3/4 quorum model (docs/protocol.md
 * §13, M3; SIGMOD'18 §4.1). us-east-1c goes out at 1 s; after `repair.degradeAfterMs` (2 s) each PG
 * moves from 4/6 ABCDEF through 4/6 ABCDEF ∧ 3/4 ABCD to W = 3/4, R = 2/4 of ABCD. At 4.5 s one
 * more segment of each PG is lost — AZ+1, which stops writes under 4/6 — and writes go on; the lost
 * segment is replaced within the 3/4 model; when the AZ returns at 10 s, 4/6 is restored with the
 * AZ's old segments. The control arm (no degradation) stalls from the extra loss on.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/protocol/observations.js';
import { and, kOfN, satisfies } from '../../src/protocol/quorum.js';
import type { SegmentId } from '../../src/protocol/ids.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { equivalent, expectSafe, scenario } from './helpers.js';
import { entryTimeMs } from '../../src/cluster/history.js';

type Installed = Extract<Observation, { kind: 'membershipInstalled' }>;

const AZ_OUT_MS = 1_000;
const EXTRA_LOSS_MS = 4_500;
const LOST = ['seg:pg0:us-east-1b:1', 'seg:pg1:us-east-1a:2'];
const members = (pg: number, names: string[]) => names.map((name) => `seg:pg${pg}:us-east-${name}`) as SegmentId[];

describe('Membership: az-extended-loss', () => {
  const sim = new Simulation({ seed: 3, scenario: scenario('az-extended-loss'), trace: { keepEvents: false } });
  const installed: { atMs: number; observation: Installed }[] = [];
  // The judges' own evidence, kept here to state the switch condition in the test itself.
  const lastLsnByPg: Record<number, number> = {};
  const sclBySegment: Record<string, number> = {};
  const caughtUpAtSwitch: Record<number, number> = {};
  const pointAtJoint: Record<number, number> = {};
  sim.streams.observations$.subscribe(({ atMs, observation: o }) => {
    if (o.kind === 'allocated') for (const r of o.records) lastLsnByPg[r.pg] = Math.max(lastLsnByPg[r.pg] ?? 0, r.lsn);
    if (o.kind === 'persisted') sclBySegment[o.segment] = o.scl;
    if (o.kind !== 'membershipInstalled') return;
    installed.push({ atMs, observation: o });
    if (o.change === 'model:degraded' && o.phase === 'entering') pointAtJoint[o.pg] = lastLsnByPg[o.pg] ?? 0;
    if (o.change === 'model:degraded' && o.phase === 'finishing') {
      caughtUpAtSwitch[o.pg] = o.members.filter((m) => (sclBySegment[m] ?? 0) >= (pointAtJoint[o.pg] ?? 0)).length;
    }
  });
  sim.run();
  const report = sim.report();
  const stepsOf = (pg: number) => installed.filter(({ observation }) => observation.pg === pg);

  it.each([0, 1])('PG %i degrades to 3/4 after degradeAfterMs, through 4/6 ∧ 3/4, before the extra loss', (pg) => {
    const [joint, degraded] = stepsOf(pg);
    const six = members(pg, ['1a:1', '1a:2', '1b:1', '1b:2', '1c:1', '1c:2']);
    const four = six.slice(0, 4);
    expect(joint!.observation).toMatchObject({ change: 'model:degraded', phase: 'entering', membershipEpoch: 2 });
    expect(joint!.atMs).toBeGreaterThanOrEqual(AZ_OUT_MS + 2_000);
    expect(equivalent(joint!.observation.write, and(kOfN(4, six), kOfN(3, four)))).toBe(true);
    expect(equivalent(joint!.observation.read, kOfN(3, six))).toBe(true);
    expect(degraded!.observation).toMatchObject({ change: 'model:degraded', phase: 'finishing', membershipEpoch: 3, members: four });
    expect(degraded!.atMs).toBeLessThan(EXTRA_LOSS_MS);
    expect(equivalent(degraded!.observation.write, kOfN(3, four))).toBe(true);
    expect(equivalent(degraded!.observation.read, kOfN(2, four))).toBe(true);
    // The 2/4 read came in force only with at least three of ABCD complete to the end of the 4/6 era.
    expect(caughtUpAtSwitch[pg]).toBeGreaterThanOrEqual(3);
  });

  it.each([0, 1])('PG %i replaces its extra lost segment within 3/4, then restores 4/6 with the returning AZ', (pg) => {
    const steps = stepsOf(pg).map(({ observation }) => observation);
    expect(steps.map((o) => [o.phase, o.change?.startsWith('model:') ? o.change : 'replacement'])).toEqual([
      ['entering', 'model:degraded'],
      ['finishing', 'model:degraded'],
      ['entering', 'replacement'],
      ['finishing', 'replacement'],
      ['entering', 'model:restored'],
      ['finishing', 'model:restored'],
    ]);
    const lost = LOST[pg]!;
    const replacement = steps[2]!.change! as SegmentId;
    // Joint 3/4 ABCD ∧ 3/4 with the replacement: the three survivors meet both.
    const survivors = steps[1]!.members.filter((m) => m !== lost) as SegmentId[];
    expect(satisfies(steps[2]!.write, survivors)).toBe(true);
    const restored = steps[5]!;
    expect(restored.membershipEpoch).toBe(7);
    expect(restored.members).toContain(replacement);
    expect(restored.members).not.toContain(lost);
    expect(restored.members.filter((m) => m.includes(':us-east-1c:'))).toHaveLength(2);
    expect(equivalent(restored.write, kOfN(4, restored.members as SegmentId[]))).toBe(true);
    expect(equivalent(restored.read, kOfN(3, restored.members as SegmentId[]))).toBe(true);
    expect(stepsOf(pg)[4]!.atMs).toBeGreaterThanOrEqual(10_000);
  });

  it('keeps writing through AZ + 1 under 3/4: no commit waits, nothing acknowledged is lost, every judge passes', () => {
    expectSafe(report);
    expect(report.commits).toMatchObject({ failed: 0, unknown: 0, lostAcknowledged: 0 });
    expect(report.latencyMs.commitMax).toBeLessThan(20);
    const late = sim.history.entries.filter((e) => e.type === 'ok' && entryTimeMs(e) > EXTRA_LOSS_MS && entryTimeMs(e) < 10_000);
    expect(late.length).toBeGreaterThan(400);
    expect(report.invariants.find((r) => r.name === 'S15 membership')).toMatchObject({ ok: true, vacuous: false });
  });

  it('control: without degradation the same extra loss stops writes until the AZ returns', () => {
    const control = new Simulation({ seed: 3, scenario: scenario('az-extended-loss', { repair: { degradeAfterMs: 60_000 } }), trace: { keepEvents: false } });
    control.runFor(7_000);
    const stall = control.stallsSoFar().find((s) => s.fromMs >= EXTRA_LOSS_MS - 100);
    expect(stall).toBeDefined();
    expect(stall!.toMs - stall!.fromMs).toBeGreaterThan(2_000);
  });
});
