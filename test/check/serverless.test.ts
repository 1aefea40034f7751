/**
 * S21 Serverless v2 capacity (src/check/serverless.ts; docs/protocol.md §12, S21), on hand-written
 * streams of a writer `w`, a tier-1 reader `f` that follows it and a tier-2 reader `s` that scales
 * alone, range 0–16 ACU, resumes of 15 s. A healthy stream passes; each rule, broken once, fails
 * with a message naming what broke: a capacity off the 0.5 ACU grid or outside the range, a pause
 * with a minimum above 0, a follower on a capacity of its own or running while the writer is
 * paused, a writer paused under a running reader, a held transaction that times out at its client
 * or is never released. A crash may lose a held transaction.
 */
import { describe, expect, it } from 'vitest';
import { S21_LAG_MS, createServerlessJudge, writerGroupOf } from '../../src/check/serverless.js';
import type { ServerlessJudgeOptions } from '../../src/check/serverless.js';
import type { Observation } from '../../src/protocol/observations.js';

type Phase = 'running' | 'paused' | 'resuming';
const capacity = (instance: string, phase: Phase, capacityAcu: number): Observation => ({ kind: 'serverlessCapacity', instance, phase, capacityAcu, cacheBlocks: phase === 'running' ? capacityAcu * 4 : 0 });
const tick = (instance: string, capacityAcu: number): Observation => ({ kind: 'serverlessLoad', instance, capacityAcu, demandAcu: 0, idleMs: 0 });
const held = (instance: string, txnId: number): Observation => ({ kind: 'txnHeld', instance, txnId });
const released = (instance: string, txnId: number, crashed = false): Observation => ({ kind: 'txnReleased', instance, txnId, ...(crashed ? { crashed: true as const } : {}) });

const OPTIONS: ServerlessJudgeOptions = { minAcu: 0, maxAcu: 16, resumeMs: 15_000, ...writerGroupOf({ writer: { id: 'w' }, replicas: [{ id: 'f', tier: 1 }, { id: 's', tier: 2 }] }) };

/** A healthy run: all start at 0.5; the group scales to 4 (the follower 1 ms behind); all pause; a held txn is taken on resume. */
function healthy(): [number, Observation][] {
  return [
    [0, capacity('w', 'running', 0.5)],
    [0, capacity('f', 'running', 0.5)],
    [0, capacity('s', 'running', 0.5)],
    [1_000, capacity('w', 'running', 1)],
    [1_001, capacity('f', 'running', 1)],
    [2_000, capacity('w', 'running', 4)],
    [2_001, capacity('f', 'running', 4)],
    [5_000, tick('w', 4)],
    [6_000, capacity('s', 'paused', 0)],
    [7_000, capacity('w', 'paused', 0)],
    [7_001, capacity('f', 'paused', 0)],
    [10_000, tick('s', 0)],
    [20_000, held('w', 1)],
    [20_000, capacity('w', 'resuming', 0)],
    [20_001, capacity('f', 'resuming', 0)],
    [35_000, capacity('w', 'running', 0.5)],
    [35_000, released('w', 1)],
    [35_001, capacity('f', 'running', 0.5)],
    [40_000, tick('w', 0.5)],
  ];
}

function verdict(stream: [number, Observation][], options: Partial<ServerlessJudgeOptions> = {}, outcomes: [number, number, 'ok' | 'fail' | 'info'][] = [], nowMs = 40_000) {
  const judge = createServerlessJudge({ ...OPTIONS, ...options });
  // In time order, as the world delivers them (the sort is stable: equal times keep their order).
  for (const [atMs, observation] of [...stream].sort((a, b) => a[0] - b[0])) judge.observe(atMs, observation);
  for (const [atMs, txnId, type] of outcomes) judge.outcome(atMs, txnId, type);
  return judge.result(nowMs);
}

describe('S21 serverless capacity', () => {
  it('groups the writer with tiers 0–1; tiers 2–15 scale alone', () => {
    expect(writerGroupOf({ writer: { id: 'w' }, replicas: [{ id: 'a', tier: 0 }, { id: 'b', tier: 1 }, { id: 'c', tier: 2 }, { id: 'd', tier: 15 }] })).toEqual({ lead: 'w', followers: ['a', 'b'], solos: ['c', 'd'] });
  });

  it('passes a healthy run: scaling, a group pause, a held transaction taken on resume', () => {
    const result = verdict(healthy(), {}, [[35_010, 1, 'ok']]);
    expect(result).toMatchObject({ name: 'S21 serverless capacity', ok: true, violations: 0, vacuous: false });
  });

  it('is vacuous with nothing to judge', () => {
    expect(verdict([])).toMatchObject({ ok: true, vacuous: true });
  });

  it.each([
    ['a capacity off the 0.5 ACU grid', [0, capacity('s', 'running', 1.25)], /s at 1.25 ACU: not a multiple of 0.5 ACU/],
    ['a running capacity above the maximum', [0, capacity('s', 'running', 16.5)], /s running at 16.5 ACU \(expected 0.5 to 16\)/],
    ['a running capacity below 0.5 with a minimum of 0', [0, capacity('s', 'running', 0)], /s running at 0 ACU \(expected 0.5 to 16\)/],
    ['a paused instance above 0 ACU', [0, capacity('s', 'paused', 1)], /s paused at 1 ACU with a minimum of 0/],
  ] as const)('fails %s', (_title, bad, message) => {
    const result = verdict([...healthy(), [bad[0] + 50_000, bad[1]]], {}, [], 60_000);
    expect(result.ok).toBe(false);
    expect(result.firstViolations[0]?.message).toMatch(message);
  });

  it('fails a pause with a minimum above 0', () => {
    const result = verdict([[0, capacity('s', 'running', 1)], [9_000, capacity('s', 'paused', 0)]], { minAcu: 1 });
    expect(result.firstViolations[0]?.message).toMatch(/s paused at 0 ACU with a minimum of 1 \(expected 0 ACU, and only with a minimum of 0\)/);
  });

  it('fails a tier-1 reader that keeps a capacity of its own past the lag', () => {
    // The follower scales to 6 on its own while the writer stays at 4.
    const stream = healthy().slice(0, 7);
    stream.push([2_500, capacity('f', 'running', 6)], [2_000 + S21_LAG_MS, tick('w', 4)]);
    const result = verdict(stream, {}, [], 2_000 + S21_LAG_MS);
    expect(result.ok).toBe(false);
    expect(result.firstViolations[0]?.message).toMatch(/^f \(tier 0–1\) running at 6 ACU while the writer w has been running at 4 ACU since 2000 ms/);
  });

  it('lets a tier-1 reader trail the writer by less than the lag', () => {
    const stream = healthy().slice(0, 6);
    // The follower learns of 4 ACU 1.5 s late: within the lag.
    stream.push([2_000, capacity('w', 'running', 4)], [3_000, tick('w', 4)], [3_500, capacity('f', 'running', 4)], [6_000, tick('w', 4)]);
    expect(verdict(stream, {}, [], 6_000).ok).toBe(true);
  });

  it('fails a tier-1 reader still running while the writer has been paused past the lag', () => {
    const stream = healthy().slice(0, 10);
    stream.push([7_000 + S21_LAG_MS, tick('s', 0)]);
    const result = verdict(stream, {}, [], 7_000 + S21_LAG_MS);
    expect(result.firstViolations[0]?.message).toMatch(/^f \(tier 0–1\) running at 4 ACU while the writer w has been paused at 0 ACU/);
  });

  it('fails a writer that stays paused under a running reader', () => {
    const stream = healthy().slice(0, 11);
    // The independent reader resumes and runs; the writer stays paused.
    stream.push([12_000, capacity('s', 'resuming', 0)], [27_000, capacity('s', 'running', 0.5)], [30_000, tick('s', 0.5)]);
    const result = verdict(stream, {}, [], 30_000);
    expect(result.ok).toBe(false);
    // Judged at the next observation after the lag: here the reader's first tick as it runs.
    expect(result.firstViolations[0]?.message).toMatch(/the writer w paused since 7000 ms while s has been running since 27000 ms \(the writer runs whenever a reader runs\)/);
  });

  it('fails a held transaction that its client saw fail or time out', () => {
    const result = verdict(healthy(), {}, [[32_000, 1, 'info']]);
    expect(result.firstViolations[0]?.message).toMatch(/txn 1, held by the paused w at 20000 ms, ended unknown \(timed out\) at its client/);
  });

  it('fails a held transaction never released within a resume and its messages, on a tick or when read', () => {
    const stream = healthy().filter(([atMs, observation]) => observation.kind !== 'txnReleased' && atMs < 38_000);
    const late = 20_000 + 15_000 + 2 * S21_LAG_MS;
    // Read just before the bound: still fine; at the bound: overdue, without a tick.
    expect(verdict(stream, {}, [], late - 1).ok).toBe(true);
    expect(verdict(stream, {}, [], late).firstViolations[0]?.message).toMatch(/txn 1 held by the paused w since 20000 ms, not released within 19000 ms/);
    // A tick past the bound files it once.
    const ticked = verdict([...stream, [late + 500, tick('w', 0.5)], [late + 1_500, tick('w', 0.5)]], {}, [], late + 2_000);
    expect(ticked.violations).toBe(1);
  });

  it('lets a crash lose a held transaction', () => {
    const stream = healthy().filter(([, observation]) => observation.kind !== 'txnReleased');
    stream.push([21_000, released('w', 1, true)]);
    expect(verdict(stream, {}, [[30_000, 1, 'info']]).firstViolations).toEqual([]);
  });

  it('reading the verdict files nothing: the same answer twice', () => {
    const judge = createServerlessJudge(OPTIONS);
    for (const [atMs, observation] of healthy().filter(([, o]) => o.kind !== 'txnReleased')) judge.observe(atMs, observation);
    expect(judge.result(60_000)).toEqual(judge.result(60_000));
    expect(judge.result(60_000).violations).toBe(1);
  });
});
