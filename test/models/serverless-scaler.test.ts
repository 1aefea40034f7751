/**
 * The Serverless v2 scaler (models/serverless-scaler.machine.ts; docs/protocol.md §11.3), stepped
 * by hand with every step on a deep-frozen snapshot (`stepFrozen`: a write into the context or the
 * event throws), in its three roles: the writer group's lead deciding on the group's largest demand
 * and pausing the group only when every member is idle and every independent reader paused; a
 * tier-0/1 follower taking the lead's phase and capacity; a tier-2–15 reader scaling, pausing and
 * resuming on its own and waking the writer. Together they step every event type the chart
 * handles.
 */
import { describe, expect, it } from 'vitest';
import { serverlessScalerMachine } from '../../models/serverless-scaler.machine.js';
import type { ScalerInput } from '../../models/serverless-scaler.machine.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import { LOAD_MODEL_DEFAULTS } from '../../src/protocol/serverless.js';
import { FrozenDriver, handledEventTypes } from './purity.js';

const covered = new Set<string>();

function scaler(role: ScalerInput['role'], extra: Partial<ScalerInput> = {}): FrozenDriver<typeof serverlessScalerMachine> {
  const self = { lead: 'scaler:w', follow: 'scaler:f', solo: 'scaler:s' }[role];
  const input: ScalerInput = {
    self,
    instance: `inst:${role}`,
    role,
    lead: 'scaler:w',
    ...(role === 'lead' ? { followers: ['scaler:f'], solos: ['scaler:s'] } : {}),
    range: { minAcu: 0, maxAcu: 16 },
    autoPauseAfterMs: 3_000,
    resumeMs: 500,
    cacheBlocksPerAcu: 4,
    load: LOAD_MODEL_DEFAULTS,
    ...extra,
  };
  return new FrozenDriver(serverlessScalerMachine, input);
}

/** A load answer: cumulative counts, and work in flight. */
const load = (instance: string, writes: number, gets = 0, busy = false) => ({ type: 'loadReport' as const, instance, transactions: writes + gets, writes, gets, getsFromCache: 0, busy });
const signals = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'signal' ? [{ to: effect.to, event: effect.event }] : []));
const sends = (effects: readonly Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as Record<string, unknown> }] : []));
const capacities = (effects: readonly Effect[]) =>
  effects.flatMap((effect) => (effect.kind === 'observe' && (effect.observation as { kind: string }).kind === 'serverlessCapacity' ? [effect.observation as { phase: string; capacityAcu: number }] : []));
const cover = (driver: FrozenDriver<typeof serverlessScalerMachine>) => driver.covered.forEach((type) => covered.add(type));

describe('Serverless v2 scaler: every transition pure', () => {
  it('lead: scales on the group’s largest demand, pauses the group once all are idle and every solo reader paused, resumes when one runs', () => {
    const lead = scaler('lead');
    // Starts running at the least running capacity, its tick armed.
    expect(capacities(lead.startEffects)).toEqual([{ kind: 'serverlessCapacity', instance: 'inst:lead', phase: 'running', capacityAcu: 0.5, cacheBlocks: 2 }]);
    expect(signals(lead.step({ type: 'scalerTick' }))).toEqual([{ to: 'inst:lead', event: { type: 'loadQuery', from: 'scaler:w' } }]);
    // 40 commits in a second: target 6 ACU, one increment (0.5) up; the instance and the follower hear it.
    const first = lead.step(load('inst:lead', 40));
    expect(signals(first)).toEqual([{ to: 'inst:lead', event: { type: 'capacitySet', capacityAcu: 1, cacheBlocks: 4 } }]);
    expect(sends(first)).toEqual([{ to: 'scaler:f', message: { type: 'groupState', from: 'scaler:w', phase: 'running', capacityAcu: 1 } }]);
    // A busier follower sets the group's demand: from 1 ACU the increment is still 0.5.
    lead.step({ type: 'scalerReport', from: 'scaler:f', phase: 'running', demandAcu: 10, idleMs: 0, wanted: false });
    expect(capacities(lead.step(load('inst:lead', 40)))).toEqual([expect.objectContaining({ capacityAcu: 1.5 })]);
    // Idle: it scales down, but no pause while the follower is busy or the solo reader runs.
    lead.step({ type: 'scalerReport', from: 'scaler:f', phase: 'running', demandAcu: 0, idleMs: 0, wanted: false });
    for (let i = 0; i < 4; i++) lead.step(load('inst:lead', 40));
    expect(lead.state).toBe('running');
    expect(lead.context.capacityAcu).toBe(0.5);
    lead.step({ type: 'scalerReport', from: 'scaler:f', phase: 'running', demandAcu: 0, idleMs: 3_000, wanted: false });
    lead.step(load('inst:lead', 40));
    expect(lead.state).toBe('running');
    // The solo reader paused: at the next idle period the group pauses.
    lead.step({ type: 'scalerReport', from: 'scaler:s', phase: 'paused', demandAcu: 0, idleMs: 3_000, wanted: false });
    const paused = lead.step(load('inst:lead', 40));
    expect(lead.state).toBe('paused');
    expect(signals(paused)).toEqual([{ to: 'inst:lead', event: { type: 'capacitySet', capacityAcu: 0, cacheBlocks: 2 } }]);
    expect(sends(paused)).toEqual([{ to: 'scaler:f', message: { type: 'groupState', from: 'scaler:w', phase: 'paused', capacityAcu: 0 } }]);
    expect(sends(lead.step({ type: 'scalerTick' }))).toMatchObject([{ message: { phase: 'paused' } }]);
    // A paused follower's report changes nothing; the solo reader resuming wakes the writer.
    lead.step({ type: 'scalerReport', from: 'scaler:f', phase: 'paused', demandAcu: 0, idleMs: 4_000, wanted: false });
    expect(lead.state).toBe('paused');
    const waking = lead.step({ type: 'scalerReport', from: 'scaler:s', phase: 'resuming', demandAcu: 0, idleMs: 0, wanted: true });
    expect(lead.state).toBe('resuming');
    expect(waking).toContainEqual({ kind: 'schedule', timerId: 'scaler.resume', delayMs: 500, event: { type: 'resumeDone' } });
    expect(sends(lead.step({ type: 'scalerTick' }))).toMatchObject([{ message: { phase: 'resuming' } }]);
    lead.step({ type: 'wake' });
    lead.step({ type: 'scalerReport', from: 'scaler:s', phase: 'running', demandAcu: 0, idleMs: 0, wanted: false });
    const running = lead.step({ type: 'resumeDone' });
    expect(lead.state).toBe('running');
    expect(signals(running)).toEqual([{ to: 'inst:lead', event: { type: 'capacitySet', capacityAcu: 0.5, cacheBlocks: 2 } }]);
    expect(lead.context).toMatchObject({ capacityAcu: 0.5, idleMs: 0, wanted: false });
    cover(lead);
  });

  it('lead: its own waiting transaction resumes the group', () => {
    const lead = scaler('lead', { followers: [], solos: [] });
    for (let i = 0; i < 3; i++) lead.step(load('inst:lead', 0));
    expect(lead.state).toBe('paused');
    lead.step({ type: 'wake' });
    expect(lead.state).toBe('resuming');
    cover(lead);
  });

  it('follower: reports its load, takes the lead’s capacity, pauses and resumes as told, asks the lead when a transaction waits', () => {
    const follower = scaler('follow');
    expect(sends(follower.step(load('inst:follow', 20, 10)))).toEqual([
      { to: 'scaler:w', message: { type: 'scalerReport', from: 'scaler:f', phase: 'running', demandAcu: 2.1, idleMs: 0, wanted: false } },
    ]);
    // It never decides, however idle.
    for (let i = 0; i < 5; i++) follower.step(load('inst:follow', 20, 10));
    expect([follower.state, follower.context.capacityAcu]).toEqual(['running', 0.5]);
    expect(signals(follower.step({ type: 'groupState', from: 'scaler:w', phase: 'running', capacityAcu: 3 }))).toEqual([{ to: 'inst:follow', event: { type: 'capacitySet', capacityAcu: 3, cacheBlocks: 12 } }]);
    follower.step({ type: 'groupState', from: 'scaler:w', phase: 'paused', capacityAcu: 0 });
    expect([follower.state, follower.context.capacityAcu]).toEqual(['paused', 0]);
    expect(sends(follower.step({ type: 'wake' }))).toMatchObject([{ to: 'scaler:w', message: { phase: 'paused', wanted: true } }]);
    expect(follower.state).toBe('paused');
    expect(sends(follower.step({ type: 'scalerTick' }))).toMatchObject([{ message: { wanted: true } }]);
    follower.step({ type: 'groupState', from: 'scaler:w', phase: 'resuming', capacityAcu: 0 });
    expect(follower.state).toBe('resuming');
    follower.step({ type: 'resumeDone' });
    expect([follower.state, follower.context.capacityAcu]).toEqual(['running', 0.5]);
    cover(follower);
  });

  it('solo reader: decides on its own load, pauses after its idle time, resumes itself when a transaction waits', () => {
    const solo = scaler('solo');
    // 200 gets in a second: 2 ACU of demand, target 3, one step up from 0.5.
    expect(capacities(solo.step(load('inst:solo', 0, 200)))).toEqual([expect.objectContaining({ capacityAcu: 1 })]);
    // Busy work in flight is not idle.
    for (let i = 0; i < 4; i++) solo.step(load('inst:solo', 0, 200, true));
    expect(solo.state).toBe('running');
    for (let i = 0; i < 3; i++) solo.step(load('inst:solo', 0, 200));
    expect(solo.state).toBe('paused');
    const resuming = solo.step({ type: 'wake' });
    expect(solo.state).toBe('resuming');
    // It tells the lead it is resuming: the writer resumes whenever a reader runs.
    expect(sends(resuming)).toMatchObject([{ to: 'scaler:w', message: { phase: 'resuming', wanted: true } }]);
    solo.step({ type: 'resumeDone' });
    expect(solo.state).toBe('running');
    cover(solo);
  });

  it('never pauses with a minimum above 0', () => {
    const solo = scaler('solo', { range: { minAcu: 1, maxAcu: 4 } });
    for (let i = 0; i < 10; i++) solo.step(load('inst:solo', 0));
    expect([solo.state, solo.context.capacityAcu]).toEqual(['running', 1]);
  });

  it('covers every event type the chart handles', () => {
    expect([...covered].sort()).toEqual(handledEventTypes(serverlessScalerMachine));
  });
});
