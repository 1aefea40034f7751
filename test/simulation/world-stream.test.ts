/**
 * The world stream (`sim.streams.events$`): every observation, publication and client history
 * entry of a run, typed, in the order it happened, stamped with the virtual time it happened at.
 * The judges, the metrics and the redo shipping read only this stream, so what they need must be
 * on it; the live and the stepped interpreter must put the same events on it in the same order.
 */
import { describe, expect, it } from 'vitest';
import type { WorldEvent } from '../../src/cluster/host.js';
import { worldEventOf } from '../../src/cluster/host.js';
import { SteppedHost } from '../../src/explore/stepped-host.js';
import { ActorFailedError } from '../../src/kernel/actor-failed-error.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { World } from '../../src/simulation/world.js';
import { scenario } from './helpers.js';

const WRITER = 'inst:us-east-1:writer';

/** The writer crashes at 1 s; a fast control plane promotes a replica and switches the endpoint. */
const failover = scenario('writer-crash', {
  topology: { pgCount: 2 },
  workload: { commitsPerS: 100, txnTimeoutMs: 500 },
  failover: { healthCheckPeriodMs: 200, missesToFail: 2, endpointSwitchMs: 300 },
  faults: [{ atMs: 1_000, kind: 'instanceCrash', instance: WRITER }],
  durationMs: 3_000,
} as never);

/** Runs `failover` under one interpreter, recording every world event and the clock at delivery. */
function record(interpreter: 'live' | 'stepped'): { sim: Simulation; events: WorldEvent[]; lateOrEarly: number } {
  const events: WorldEvent[] = [];
  let lateOrEarly = 0;
  const sim = new Simulation({
    seed: 3,
    scenario: failover,
    trace: { keepEvents: false },
    ...(interpreter === 'stepped' ? { host: (kernel, hooks) => new SteppedHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace, ...hooks }) } : {}),
  });
  sim.streams.events$.subscribe((event) => {
    if (event.atMs !== sim.kernel.clock.now()) lateOrEarly++;
    events.push(event);
  });
  sim.run();
  return { sim, events, lateOrEarly };
}

describe('World stream: writer crash, failover to a replica', () => {
  const { sim, events, lateOrEarly } = record('live');
  const report = sim.report();

  it('delivers every event synchronously, at the virtual time it happened, in non-decreasing time', () => {
    expect(events.length).toBeGreaterThan(1_000);
    expect(lateOrEarly).toBe(0);
    const outOfOrder = events.filter((event, index) => index > 0 && event.atMs < (events[index - 1] as WorldEvent).atMs);
    expect(outOfOrder).toEqual([]);
  });

  it('carries every observation kind the judges and metrics of this scenario read', () => {
    const kinds = new Set(events.flatMap((event) => (event.source === 'observe' ? [event.observation.kind] : [])));
    for (const kind of ['allocated', 'watermarks', 'persisted', 'commitAck', 'epochAdopted', 'recovered', 'writerOpened', 'replicaApplied', 'failover'] as const) {
      expect(kinds.has(kind), kind).toBe(true);
    }
  });

  it('publishes the new writer on the endpoint stream when the failover switches the endpoint', () => {
    const to = report.failover?.to;
    expect(to).toBeDefined();
    const endpoints = events.flatMap((event) => (event.source === 'publish' && event.publication.stream === 'endpoint' ? [event] : []));
    expect(endpoints.map((event) => event.publication.item)).toEqual([to]);
    const switched = events.findIndex((event) => event.source === 'observe' && event.observation.kind === 'failover' && event.observation.phase === 'endpointSwitched');
    const published = events.indexOf(endpoints[0] as WorldEvent);
    expect(switched).toBeGreaterThanOrEqual(0);
    // Both happen in the control plane's one transition, at the time the report gives.
    expect(endpoints[0]?.atMs).toBe(report.failover?.writerAvailableAtMs);
    expect(Math.abs(published - switched)).toBe(1);
    expect(sim.endpoint).toBe(to);
    // Commits acknowledged after the switch come from the promoted writer only.
    const ackers = new Set(events.slice(published).flatMap((event) => (event.source === 'observe' && event.observation.kind === 'commitAck' ? [event.actorId] : [])));
    expect([...ackers]).toEqual([to]);
  });

  it('is the one source of the public views and of the metrics', () => {
    const redo = events.flatMap((event) => (event.source === 'publish' && event.publication.stream === 'redo' ? event.publication.item.records : []));
    expect(redo.length).toBeGreaterThan(100);
    const vdls = events.flatMap((event) => (event.source === 'publish' && event.publication.stream === 'vdl' ? [event.publication.item.vdl] : []));
    expect(vdls.length).toBeGreaterThan(10);
    const history = events.flatMap((event) => (event.source === 'history' ? [event.entry] : []));
    expect(history).toEqual(sim.history.entries);
    const acks = events.flatMap((event) => (event.source === 'observe' && event.observation.kind === 'commitAck' ? [[event.observation.txnId, event.observation.commitLsn]] : []));
    expect(new Map(acks as [number, number][])).toEqual(sim.acknowledged);
  });

  it('gets the same events in the same order from the stepped interpreter', () => {
    const stepped = record('stepped');
    const key = (event: WorldEvent): string =>
      event.source === 'history'
        ? `${event.atMs} history ${event.entry.index} ${event.entry.type}`
        : event.source === 'observe'
          ? `${event.atMs} ${event.actorId} observe ${event.observation.kind}`
          : `${event.atMs} ${event.actorId} publish ${event.publication.stream}`;
    expect(stepped.events.map(key)).toEqual(events.map(key));
    expect(stepped.sim.report().traceHash).toBe(report.traceHash);
  });
});

describe('World stream: a consumer that throws', () => {
  const small = scenario('steady-state', { topology: { pgCount: 1 }, workload: { commitsPerS: 100 }, durationMs: 500 });

  it.each(['live', 'stepped'] as const)('fails the run from the emitting actor (%s), not later on a real timer', (interpreter) => {
    const world = new World({
      seed: 1,
      scenario: small,
      ...(interpreter === 'stepped' ? { host: (kernel, hooks) => new SteppedHost({ clock: kernel.clock, network: kernel.network, ...hooks }) } : {}),
    });
    const seen: string[] = [];
    world.listen((event) => {
      if (event.source !== 'observe' || event.observation.kind !== 'commitAck') return;
      seen.push(event.actorId);
      throw new Error('a judge broke');
    });
    world.start();
    const run = (): void => void world.kernel.clock.runFor(500);
    // Live xstate turns the throw into the writer's error (ActorFailedError, on the clock); the
    // stepped host performs effects outside the transition, so the error itself ends the step.
    expect(run).toThrow(interpreter === 'live' ? ActorFailedError : /a judge broke/);
    expect(seen).toEqual([WRITER]);
  });
});

describe('World stream: emissions a model must not make', () => {
  it('refuses a publication on a stream no consumer knows, naming the stream and the allowed ones', () => {
    expect(() => worldEventOf(0, 'inst:x', { kind: 'publish', stream: 'undo', item: {} })).toThrow(
      'inst:x: publish stream "undo" is unknown; allowed: endpoint, provision, redo, vdl',
    );
  });
});
