/**
 * VirtualClock: ordering, cancellation, and driving xstate and rxjs on one timeline.
 * Invariants: callbacks fire in (dueAtMs, insertion) order; time never goes backwards; a cancelled
 * callback never fires.
 */
import fc from 'fast-check';
import { VirtualTimeScheduler, bufferTime, delay, interval, of, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { ClockBudgetExceededError, VirtualClock } from '../../src/kernel/clock.js';

describe('VirtualClock', () => {
  it('fires callbacks due at the same time in insertion order', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    for (const label of ['a', 'b', 'c', 'd']) clock.setTimeout(() => fired.push(label), 5);
    clock.setTimeout(() => fired.push('early'), 1);
    clock.runUntilIdle();
    expect(fired).toEqual(['early', 'a', 'b', 'c', 'd']);
    expect(clock.now()).toBe(5);
  });

  it('never fires a cancelled callback and ignores unknown ids', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const ids = [3, 1, 4, 1, 5, 9, 2, 6].map((ms, i) => clock.setTimeout(() => fired.push(i), ms));
    clock.clearTimeout(ids[2]!);
    clock.clearTimeout(ids[5]!);
    clock.clearTimeout(12345);
    clock.runUntilIdle();
    expect(fired).toEqual([1, 3, 6, 0, 4, 7]);
  });

  it('runUntil fires exactly what is due and then sets the time', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(10), 10);
    clock.setTimeout(() => fired.push(20), 20);
    clock.runUntil(15);
    expect(fired).toEqual([10]);
    expect(clock.now()).toBe(15);
    clock.runFor(5);
    expect(fired).toEqual([10, 20]);
    expect(clock.now()).toBe(20);
  });

  it('calls the after-step listener once per step, after its callback, however the clock is driven; undefined removes it', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('a'), 1);
    clock.setTimeout(() => {
      seen.push('b');
      clock.setTimeout(() => seen.push('c'), 0);
    }, 2);
    clock.setTimeout(() => seen.push('d'), 5);
    clock.setAfterStep(() => seen.push(`after@${clock.now()}`));
    clock.step();
    clock.runUntil(2);
    expect(seen).toEqual(['a', 'after@1', 'b', 'after@2', 'c', 'after@2']);
    clock.setAfterStep(undefined);
    clock.runFor(10);
    expect(seen.slice(6)).toEqual(['d']);
  });

  it('treats negative and NaN delays as zero, after what is already due now', () => {
    const clock = new VirtualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('zero'), 0);
    clock.setTimeout(() => fired.push('negative'), -5);
    clock.setTimeout(() => fired.push('nan'), Number.NaN);
    clock.runUntilIdle();
    expect(fired).toEqual(['zero', 'negative', 'nan']);
    expect(clock.now()).toBe(100);
  });

  it('stops a livelock with a clear error instead of hanging', () => {
    const clock = new VirtualClock();
    const rearm = (): void => void clock.setTimeout(rearm, 1);
    rearm();
    expect(() => clock.runUntilIdle({ maxEvents: 1000 })).toThrow(ClockBudgetExceededError);
  });

  it('matches a sorted reference under random inserts and cancels (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delayMs: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 200 }),
        (timers) => {
          const clock = new VirtualClock();
          const fired: number[] = [];
          const ids = timers.map((timer, index) => clock.setTimeout(() => fired.push(index), timer.delayMs));
          timers.forEach((timer, index) => timer.cancel && clock.clearTimeout(ids[index]!));
          clock.runUntilIdle();
          const expected = timers
            .map((timer, index) => ({ ...timer, index }))
            .filter((timer) => !timer.cancel)
            .sort((a, b) => a.delayMs - b.delayMs || a.index - b.index)
            .map((timer) => timer.index);
          expect(fired).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('orders actions exactly as rxjs VirtualTimeScheduler on random schedules (property)', () => {
    // Each action may re-schedule itself once (as interval and bufferTime do) with a new delay.
    const schedule = fc.array(
      fc.record({
        delayMs: fc.integer({ min: 0, max: 20 }),
        rescheduleMs: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(schedule, (actions) => {
        const runOn = (scheduler: { schedule: VirtualClock['scheduler']['schedule']; now(): number }, flush: () => void) => {
          const fired: string[] = [];
          actions.forEach((action, index) => {
            scheduler.schedule(
              function (this: { schedule(state?: number, delay?: number): unknown }, round?: number) {
                fired.push(`${index}.${round ?? 0}@${scheduler.now()}`);
                if (round === 0 && action.rescheduleMs !== undefined) this.schedule(1, action.rescheduleMs);
              },
              action.delayMs,
              0,
            );
          });
          flush();
          return fired;
        };
        const reference = new VirtualTimeScheduler();
        const expected = runOn(reference, () => reference.flush());
        const clock = new VirtualClock();
        const actual = runOn(clock.scheduler, () => clock.runUntilIdle());
        expect(actual).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('advances rxjs bufferTime, delay and interval and xstate `after` on one timeline', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    // rxjs: a ticker every 10 ms, batched every 25 ms; a value delayed by 7 ms.
    interval(10, clock.scheduler)
      .pipe(take(6), bufferTime(25, clock.scheduler))
      .subscribe((batch) => log.push(`buffer@${clock.now()}:[${batch.join(',')}]`));
    of('x')
      .pipe(delay(7, clock.scheduler))
      .subscribe((value) => log.push(`delay@${clock.now()}:${value}`));
    // xstate: a light that turns after 12 ms, then again after 30 ms.
    const light = createMachine({
      initial: 'green',
      states: { green: { after: { 12: 'yellow' } }, yellow: { after: { 30: 'red' } }, red: {} },
    });
    const actor = createActor(light, { clock });
    actor.subscribe((snapshot) => log.push(`light@${clock.now()}:${String(snapshot.value)}`));
    actor.start();
    clock.runUntil(80);
    expect(log).toEqual([
      'light@0:green',
      'delay@7:x',
      'light@12:yellow',
      'buffer@25:[0,1]',
      'light@42:red',
      'buffer@50:[2,3]',
      'buffer@60:[4,5]',
    ]);
  });
});
