/**
 * The restore job (models/restore-job.machine.ts; docs/protocol.md §10), every step on a
 * deep-frozen snapshot: it asks every segment of the new volume, opens the writer once every PG is
 * held by a write quorum (capping its recovery at the restore point), reports the VDL it opened
 * at, keeps asking segments that missed the restore, and fails on a refusal or at its deadline.
 */
import { describe, expect, it } from 'vitest';
import { RESTORE_DEADLINE_TIMER, restoreJobInputProblem, restoreJobMachine } from '../../models/restore-job.machine.js';
import type { RestoreJobEvent, RestoreJobInput } from '../../models/restore-job.machine.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { Lsn, PgId, SegmentId, VolumeEpoch } from '../../src/protocol/ids.js';
import { kOfN } from '../../src/protocol/quorum.js';
import { FrozenDriver, handledEventTypes } from './purity.js';

const JOB = 'restore-1:job';
const WRITER = 'restore-1:inst:us-east-1:writer';
const members = (pg: number): string[] => ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'].map((slot) => `restore-1:seg:pg${pg}:${slot}`);
const INPUT: RestoreJobInput = {
  self: JOB,
  writer: WRITER,
  retryMs: 1_000,
  restoreTimeoutMs: 60_000,
  pgs: [0, 1].map((pg) => ({ pg, members: members(pg), write: kOfN(4, members(pg) as SegmentId[]) })),
};

/** Every job this file steps: the last test checks the chart handles no event type none of them got. */
const jobs: FrozenDriver<typeof restoreJobMachine>[] = [];
const newJob = (input: RestoreJobInput = INPUT): FrozenDriver<typeof restoreJobMachine> => {
  const job = new FrozenDriver(restoreJobMachine, input);
  jobs.push(job);
  return job;
};

const sends = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as { type: string } }] : []));
const observations = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'observe' ? [effect.observation as { phase: string }] : []));
const restored = (from: string, pg: number, throughLsn = 500): RestoreJobEvent => ({ type: 'segmentRestored', from, pg: pg as PgId, throughLsn: throughLsn as Lsn, bytes: 1_000 });

describe('restore job', () => {
  it('asks every segment, opens on write quorums capped at the point, asks again those that missed it', () => {
    const job = newJob();
    expect(job.startEffects).toEqual([]);
    const started = job.step({ type: 'restoreRequest', throughLsn: 500 as Lsn });
    expect(sends(started).map(({ to }) => to)).toEqual([...members(0), ...members(1)]);
    expect(observations(started)).toMatchObject([{ kind: 'restore', phase: 'requested', throughLsn: 500 }]);
    // Four of PG 0 and three of PG 1: PG 0 is restored, PG 1 not yet.
    for (const member of members(0).slice(0, 4)) job.step(restored(member, 0));
    expect(observations(job.step(restored(members(1)[0]!, 1)))).toEqual([]);
    job.step(restored(members(1)[1]!, 1));
    // A restore of another point (a stale message) and a duplicate count for nothing.
    job.step(restored(members(1)[2]!, 1, 400));
    job.step(restored(members(1)[1]!, 1));
    expect(job.context.restoredByPg[1]).toEqual([members(1)[0], members(1)[1]]);
    // The retry asks only those not restored.
    expect(sends(job.step({ type: 'retryTick' })).map(({ to }) => to)).toEqual([...members(0).slice(4), ...members(1).slice(2)]);
    job.step(restored(members(1)[2]!, 1));
    const opening = job.step(restored(members(1)[3]!, 1));
    expect(job.state).toBe('opening');
    expect(observations(opening).map((o) => o.phase)).toEqual(['pgRestored', 'opening']);
    expect(sends(opening)).toEqual([{ to: WRITER, message: { type: 'promote', from: JOB, recoverTo: { durableLsn: 500, highestWrittenLsn: 500, reportTo: JOB } } }]);
    expect(job.context.bytesRestored).toBe(8_000);
    // Lost: asked again on the tick.
    expect(sends(job.step({ type: 'retryTick' })).map(({ to }) => to)).toEqual([WRITER]);
    job.step(restored(members(0)[4]!, 0));
    // Another instance's open is not this writer's.
    job.step({ type: 'writerOpen', from: 'inst:other', volumeEpoch: 2 as VolumeEpoch, recoveredVdl: 500 as Lsn });
    expect(job.state).toBe('opening');
    const open = job.step({ type: 'writerOpen', from: WRITER, volumeEpoch: 2 as VolumeEpoch, recoveredVdl: 500 as Lsn });
    expect(job.state).toBe('available');
    expect(observations(open)).toMatchObject([{ phase: 'available', vdl: 500 }]);
    expect(open).toContainEqual({ kind: 'cancel', timerId: RESTORE_DEADLINE_TIMER });
    // Available: the segments that missed it are asked until each has restored.
    expect(sends(job.step({ type: 'retryTick' })).map(({ to }) => to)).toEqual([members(0)[5], ...members(1).slice(4)]);
    for (const member of [members(0)[5]!, ...members(1).slice(4)]) job.step(restored(member, Number(member.includes('pg1'))));
    expect(job.step({ type: 'retryTick' })).toEqual([]);
  });

  it('fails on a refusal for its point, and at the deadline with how far it got', () => {
    const refused = newJob();
    refused.step({ type: 'restoreRequest', throughLsn: 500 as Lsn });
    refused.step({ type: 'segmentRestoreFailed', from: members(0)[0]!, pg: 0 as PgId, throughLsn: 400 as Lsn, reason: 'notStaged' });
    expect(refused.state).toBe('restoring');
    const failed = refused.step({ type: 'segmentRestoreFailed', from: members(0)[0]!, pg: 0 as PgId, throughLsn: 500 as Lsn, reason: 'beforeRetention' });
    expect(refused.state).toBe('failed');
    expect(observations(failed)).toMatchObject([{ phase: 'failed', reason: 'beforeRetention: the object store cannot give PG 0 as of LSN 500' }]);

    const late = newJob();
    late.step({ type: 'restoreRequest', throughLsn: 500 as Lsn });
    for (const member of members(0).slice(0, 4)) late.step(restored(member, 0));
    const timedOut = late.step({ type: 'deadline' });
    expect(late.state).toBe('failed');
    expect(late.context.reason).toBe('timedOut: 1 of 2 PGs restored on a write quorum within 60000 ms');
    expect(observations(timedOut)).toMatchObject([{ phase: 'failed' }]);
  });

  it("a clone's: passes each PG's last LSN at the point, and once open stops asking a segment its source cannot serve", () => {
    const job = newJob();
    const started = job.step({ type: 'restoreRequest', throughLsn: 500 as Lsn, pgPoints: { 0: 480 as Lsn, 1: 500 as Lsn } });
    const asked = sends(started) as { to: string; message: { pgThroughLsn?: number } }[];
    expect(asked.find(({ to }) => to === members(0)[0])?.message.pgThroughLsn).toBe(480);
    expect(asked.find(({ to }) => to === members(1)[0])?.message.pgThroughLsn).toBe(500);
    for (const pg of [0, 1]) for (const member of members(pg).slice(0, 4)) job.step(restored(member, pg));
    job.step({ type: 'writerOpen', from: WRITER, recoveredVdl: 500 as Lsn } as RestoreJobEvent);
    expect(job.state).toBe('available');
    job.step({ type: 'segmentRestoreFailed', from: members(0)[4]!, pg: 0 as PgId, throughLsn: 500 as Lsn, reason: 'pointCollected' });
    expect(job.state).toBe('available');
    // It repairs from its own volume's peers: the retry no longer asks it.
    expect(sends(job.step({ type: 'retryTick' })).map(({ to }) => to)).toEqual([members(0)[5], ...members(1).slice(4)]);
  });

  it('names the first impossible input field', () => {
    expect(restoreJobInputProblem({ ...INPUT, pgs: [] })).toBe('restoreJob restore-1:job: pgs must list at least one PG, got none');
    expect(restoreJobInputProblem({ ...INPUT, retryMs: 0 })).toBe('restoreJob restore-1:job: retryMs must be a positive number, got 0');
    expect(restoreJobInputProblem(INPUT)).toBeUndefined();
  });

  it('stepped every event type the chart handles', () => {
    const covered = new Set(jobs.flatMap((job) => [...job.covered]));
    expect([...covered].sort()).toEqual(handledEventTypes(restoreJobMachine));
  });
});
