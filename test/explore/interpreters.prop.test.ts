/**
 * Two interpreters, one machine (docs/architecture.md, "One machine, two interpreters"): the
 * heartbeat world run live (xstate actors on the kernel) and stepped (`machine.transition()` with a
 * reused scope) must give the same trace, event for event, on any schedule: random seeds, sizes,
 * network faults and crash/partition plans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeartbeatFault } from '../../src/cluster/heartbeat-world.js';
import { runHeartbeatWorld } from '../../src/cluster/heartbeat-world.js';
import { SteppedHost } from '../../src/explore/stepped-host.js';
import type { LatencyOptions } from '../../src/kernel/network.js';

const faultArb = (responders: number): fc.Arbitrary<HeartbeatFault> => {
  const target = fc.integer({ min: 1, max: responders }).map((i) => `node:${i}`);
  const atMs = fc.integer({ min: 0, max: 5_000 });
  return fc.oneof(
    fc.record({ atMs, kind: fc.constantFrom('crash' as const, 'restart' as const), target }),
    fc.record({ atMs, kind: fc.constant('partition' as const), sideA: fc.array(target, { minLength: 1, maxLength: 2 }), oneWay: fc.boolean() }),
    fc.record({ atMs, kind: fc.constant('heal' as const) }),
  );
};

const scheduleArb = fc.integer({ min: 1, max: 4 }).chain((responders) =>
  fc.record({
    seed: fc.integer(),
    responders: fc.constant(responders),
    periodMs: fc.integer({ min: 20, max: 500 }),
    suspectAfterMisses: fc.integer({ min: 1, max: 4 }),
    lossRatio: fc.constantFrom(0, 0.05, 0.3),
    duplicateRatio: fc.constantFrom(0, 0.1),
    reorderRatio: fc.constantFrom(0, 0.5),
    faults: fc.array(faultArb(responders), { maxLength: 6 }),
    // Constant latencies create exact ties between deliveries and timers, where only the
    // insertion order of effects decides what happens first.
    latency: fc.constantFrom('default' as const, 'zero' as const, 'period' as const),
  }),
);

function latencyOf(kind: 'default' | 'zero' | 'period', periodMs: number): Partial<LatencyOptions> | undefined {
  if (kind === 'default') return undefined;
  const constant = { kind: 'constant' as const, ms: kind === 'zero' ? 0 : periodMs };
  return { sameAz: constant, crossAz: constant, crossRegion: constant };
}

describe('live and stepped interpreters', () => {
  it('give the same trace on 1,000 random schedules (property)', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const common = {
          seed: schedule.seed,
          responders: schedule.responders,
          periodMs: schedule.periodMs,
          suspectAfterMisses: schedule.suspectAfterMisses,
          durationMs: 6_000,
          faults: schedule.faults,
          network: {
            lossRatio: schedule.lossRatio,
            duplicateRatio: schedule.duplicateRatio,
            reorderRatio: schedule.reorderRatio,
            latency: latencyOf(schedule.latency, schedule.periodMs),
          },
        };
        const live = runHeartbeatWorld(common);
        const stepped = runHeartbeatWorld({
          ...common,
          host: (kernel) => new SteppedHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace }),
        });
        expect(stepped.kernel.trace.events).toEqual(live.kernel.trace.events);
        expect(stepped.traceHash).toBe(live.traceHash);
        for (const id of [live.monitorId, ...live.responderIds]) {
          expect(stepped.host.snapshotOf(id).context).toEqual(live.host.snapshotOf(id).context);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('observe the same story: a crashed responder becomes a suspect and is cleared after restart', () => {
    for (const host of ['live', 'stepped'] as const) {
      const result = runHeartbeatWorld({
        seed: 11,
        durationMs: 20_000,
        host: host === 'stepped' ? (k) => new SteppedHost({ clock: k.clock, network: k.network, trace: k.trace }) : undefined,
      });
      const monitorStates = result.kernel.trace.events
        .filter((e) => e.kind === 'state' && e.actor === result.monitorId)
        .map((e) => (e.kind === 'state' ? [e.atMs, e.value] : []));
      // Crash at 5 s; pings at 5, 6, 7 s go unanswered; the round closing at 8 s makes 3 misses.
      // Restart at 12 s; the 12 s ping is answered, so the round closing at 13 s clears it.
      expect(monitorStates).toEqual([
        [0, 'monitoring.healthy'],
        [8_000, 'monitoring.degraded'],
        [13_000, 'monitoring.healthy'],
      ]);
    }
  });
});
