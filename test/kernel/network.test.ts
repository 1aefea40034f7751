/**
 * Network: latency by locality and by region pair, FIFO links, loss (global and per region pair),
 * duplication, reordering, partitions, clogs and down endpoints. Invariants: nothing is delivered across a cut or to a down endpoint; every
 * envelope is either delivered (once, or twice when duplicated) or dropped with a reason in the trace.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/kernel/clock.js';
import { Network } from '../../src/kernel/network.js';
import type { Envelope, NetworkOptions } from '../../src/kernel/network.js';
import { createRng } from '../../src/kernel/rng.js';
import { Trace } from '../../src/kernel/trace.js';

interface World {
  clock: VirtualClock;
  network: Network;
  trace: Trace;
  inbox: Record<string, Envelope[]>;
}

/** Four endpoints: a1 and a2 share an AZ, b1 is in another AZ, x1 in another region. */
function world(options: NetworkOptions = {}, seed = 1): World {
  const clock = new VirtualClock();
  const trace = new Trace();
  const network = new Network(clock, createRng(seed).fork('network'), trace, options);
  const inbox: Record<string, Envelope[]> = {};
  const places: Record<string, [string, string]> = { a1: ['r1', 'az-a'], a2: ['r1', 'az-a'], b1: ['r1', 'az-b'], x1: ['r2', 'az-x'] };
  for (const [id, [regionId, azId]] of Object.entries(places)) {
    inbox[id] = [];
    network.attach(id, { regionId, azId }, (envelope) => inbox[id]!.push(envelope));
  }
  return { clock, network, trace, inbox };
}

/** Adds y1 in a third region, r3 (attaching draws nothing). */
function withThirdRegion(w: World): World {
  w.inbox.y1 = [];
  w.network.attach('y1', { regionId: 'r3', azId: 'az-y' }, (envelope) => w.inbox.y1!.push(envelope));
  return w;
}

/** How long one message from `from` to `to` takes when sent on an idle network. */
const latencyOf = (w: World, from: string, to: string): number => {
  const start = w.clock.now();
  w.network.send(from, to, { type: 'probe' });
  w.clock.runUntilIdle();
  return w.clock.now() - start;
};

/** Sends a mixed sequence over every locality and returns each delivery as [envelope id, atMs], and the trace hash. */
const deliveries = (options: NetworkOptions, seed = 7): { times: [number, number][]; hash: string } => {
  const w = withThirdRegion(world(options, seed));
  const endpoints = ['a1', 'a2', 'b1', 'x1', 'y1'];
  for (let i = 0; i < 400; i++) {
    w.network.send(endpoints[i % 5]!, endpoints[(i * 3 + 1) % 5]!, { type: 'n', i });
    if (i % 7 === 0) w.clock.runFor(3);
  }
  w.clock.runUntilIdle();
  const times = w.trace.events.flatMap((e): [number, number][] => (e.kind === 'deliver' ? [[e.id, e.atMs]] : []));
  return { times, hash: w.trace.traceHash() };
};

const meanLatency = (w: World, from: string, to: string, count = 400): number => {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const start = w.clock.now();
    w.network.send(from, to, { type: 'probe', i });
    w.clock.runUntilIdle();
    total += w.clock.now() - start;
  }
  return total / count;
};

describe('Network', () => {
  it('takes longer across AZs than within one, and far longer across regions (the defaults of docs/protocol.md §14)', () => {
    const w = world();
    const sameAz = meanLatency(w, 'a1', 'a2');
    const crossAz = meanLatency(w, 'a1', 'b1');
    const crossRegion = meanLatency(w, 'a1', 'x1', 50);
    expect(sameAz).toBeGreaterThan(0.15);
    expect(sameAz).toBeLessThan(0.4);
    expect(crossAz).toBeGreaterThan(0.7);
    expect(crossAz).toBeLessThan(1.4);
    expect(crossRegion).toBeGreaterThan(60);
    expect(crossRegion).toBeLessThan(200);
  });

  it('keeps each link FIFO by default', () => {
    const w = world({ latency: { crossAz: { kind: 'uniform', minMs: 0, maxMs: 10 } } });
    for (let i = 0; i < 200; i++) w.network.send('a1', 'b1', { type: 'n', i });
    w.clock.runUntilIdle();
    expect(w.inbox.b1!.map((e) => (e.message as { i: number }).i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('lets messages overtake with reorderRatio', () => {
    const w = world({ reorderRatio: 1, latency: { crossAz: { kind: 'uniform', minMs: 0, maxMs: 10 } } });
    for (let i = 0; i < 200; i++) w.network.send('a1', 'b1', { type: 'n', i });
    w.clock.runUntilIdle();
    const order = w.inbox.b1!.map((e) => (e.message as { i: number }).i);
    expect(order).toHaveLength(200);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('loses about lossRatio of messages and traces each loss', () => {
    const w = world({ lossRatio: 0.3 });
    for (let i = 0; i < 2000; i++) w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runUntilIdle();
    const delivered = w.inbox.b1!.length;
    expect(delivered).toBeGreaterThan(1300);
    expect(delivered).toBeLessThan(1500);
    const losses = w.trace.events.filter((e) => e.kind === 'drop' && e.reason === 'loss').length;
    expect(losses + delivered).toBe(2000);
  });

  it('delivers duplicates with the original envelope id', () => {
    const w = world({ duplicateRatio: 1 });
    w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runUntilIdle();
    expect(w.inbox.b1!.map((e) => e.id)).toEqual([0, 0]);
    expect(w.network.stats.duplicated).toBe(1);
  });

  it('cuts both ways with a symmetric partition and one way with a one-way partition', () => {
    const w = world();
    const cut = w.network.partition(['a1'], ['b1']);
    w.network.send('a1', 'b1', { type: 'n' });
    w.network.send('b1', 'a1', { type: 'n' });
    w.network.send('a1', 'a2', { type: 'n' });
    w.clock.runUntilIdle();
    expect([w.inbox.b1!.length, w.inbox.a1!.length, w.inbox.a2!.length]).toEqual([0, 0, 1]);
    w.network.heal(cut);
    w.network.partition(['a1'], ['b1'], { oneWay: true });
    w.network.send('a1', 'b1', { type: 'n' });
    w.network.send('b1', 'a1', { type: 'n' });
    w.clock.runUntilIdle();
    expect([w.inbox.b1!.length, w.inbox.a1!.length]).toEqual([0, 1]);
  });

  it('linkOpen answers as a send would, and asking changes nothing (no trace, no draw)', () => {
    const w = world({ lossRatio: 0.5 });
    const cut = w.network.partition(['a1'], ['b1'], { oneWay: true });
    w.network.setDown('x1', true);
    const links = [['a1', 'b1'], ['b1', 'a1'], ['a1', 'a2'], ['a2', 'x1'], ['a1', 'nobody']] as const;
    const asked = links.map(([from, to]) => w.network.linkOpen(from, to));
    expect(asked).toEqual([false, true, true, false, false]);
    expect(w.trace.length).toBe(0);
    w.network.heal(cut);
    expect(w.network.linkOpen('a1', 'b1')).toBe(true);
    // The loss stream is untouched: the same sends drop the same messages as in a world never asked.
    const fresh = world({ lossRatio: 0.5 });
    fresh.network.setDown('x1', true);
    for (const other of [w, fresh]) for (let i = 0; i < 20; i++) other.network.send('a1', 'b1', { type: 'n', i });
    for (const other of [w, fresh]) other.clock.runUntilIdle();
    expect(w.inbox.b1!.map((e) => e.message)).toEqual(fresh.inbox.b1!.map((e) => e.message));
  });

  it('isolates a group from everyone else while the group still talks inside', () => {
    const w = world();
    w.network.partition(['a1', 'a2']);
    w.network.send('a1', 'a2', { type: 'n' });
    w.network.send('a1', 'b1', { type: 'n' });
    w.network.send('x1', 'a2', { type: 'n' });
    w.network.send('b1', 'x1', { type: 'n' });
    w.clock.runUntilIdle();
    expect([w.inbox.a2!.length, w.inbox.b1!.length, w.inbox.x1!.length]).toEqual([1, 0, 1]);
  });

  it('loses messages already in flight when a partition starts', () => {
    const w = world({ latency: { crossAz: { kind: 'constant', ms: 5 } } });
    w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runFor(1);
    w.network.partition(['a1'], ['b1']);
    w.clock.runUntilIdle();
    expect(w.inbox.b1).toHaveLength(0);
    expect(w.trace.events.some((e) => e.kind === 'drop' && e.reason === 'partition')).toBe(true);
  });

  it('drops at a down endpoint, including messages that arrive after it went down', () => {
    const w = world({ latency: { crossAz: { kind: 'constant', ms: 5 } } });
    w.network.send('a1', 'b1', { type: 'n' });
    w.network.setDown('b1', true);
    w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runUntilIdle();
    expect(w.inbox.b1).toHaveLength(0);
    w.network.setDown('b1', false);
    w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runUntilIdle();
    expect(w.inbox.b1).toHaveLength(1);
  });

  it('slows a clogged link by its factor until the clog ends', () => {
    const w = world({ latency: { crossAz: { kind: 'constant', ms: 2 } } });
    w.network.clog({ from: ['a1'], to: ['b1'] }, { factor: 50, untilMs: 500 });
    w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runUntilIdle();
    expect(w.inbox.b1![0]!.sentAtMs).toBe(0);
    expect(w.clock.now()).toBe(100);
    w.clock.runUntil(600);
    w.network.send('a1', 'b1', { type: 'n' });
    w.clock.runUntilIdle();
    expect(w.clock.now()).toBe(602);
  });

  it('rejects bad options with the field name', () => {
    const clock = new VirtualClock();
    expect(() => new Network(clock, createRng(1), undefined, { lossRatio: 2 })).toThrow(/lossRatio/);
    expect(() => new Network(clock, createRng(1), undefined, { latency: { sameAz: { kind: 'constant', ms: -1 } } })).toThrow(
      /latency\.sameAz\.ms/,
    );
  });

  it('uses a region pair\'s latency both ways, and crossRegion for pairs not listed', () => {
    const w = withThirdRegion(
      world({
        latency: { sameAz: { kind: 'constant', ms: 0.5 }, crossAz: { kind: 'constant', ms: 1 }, crossRegion: { kind: 'constant', ms: 200 } },
        regionPairs: [{ regions: ['r2', 'r1'], latency: { kind: 'constant', ms: 70 } }],
      }),
    );
    expect([latencyOf(w, 'a1', 'x1'), latencyOf(w, 'x1', 'b1')]).toEqual([70, 70]);
    expect([latencyOf(w, 'a1', 'y1'), latencyOf(w, 'y1', 'x1')]).toEqual([200, 200]);
    expect([latencyOf(w, 'a1', 'a2'), latencyOf(w, 'a1', 'b1')]).toEqual([0.5, 1]);
  });

  it('loses about a region pair\'s lossRatio on that pair only, as drops for loss', () => {
    const w = withThirdRegion(world({ regionPairs: [{ regions: ['r1', 'r2'], lossRatio: 0.25 }] }));
    for (let i = 0; i < 2000; i++) {
      w.network.send(i % 2 ? 'a1' : 'x1', i % 2 ? 'x1' : 'b1', { type: 'n' });
      w.network.send('a1', 'y1', { type: 'n' });
      w.network.send('a1', 'b1', { type: 'n' });
    }
    w.clock.runUntilIdle();
    const onPair = w.inbox.x1!.length + w.inbox.b1!.filter((e) => e.from === 'x1').length;
    expect(onPair).toBeGreaterThan(1400);
    expect(onPair).toBeLessThan(1600);
    expect(w.inbox.y1).toHaveLength(2000);
    expect(w.inbox.b1!.filter((e) => e.from === 'a1')).toHaveLength(2000);
    const losses = w.trace.events.filter((e) => e.kind === 'drop' && e.reason === 'loss');
    expect(losses).toHaveLength(2000 - onPair);
    expect(w.trace.events.filter((e) => e.kind === 'drop')).toHaveLength(losses.length);
  });

  it('adds a region pair\'s loss to the global lossRatio', () => {
    const w = world({ lossRatio: 0.2, regionPairs: [{ regions: ['r1', 'r2'], lossRatio: 0.25 }] });
    for (let i = 0; i < 2000; i++) w.network.send('a1', 'x1', { type: 'n' });
    w.clock.runUntilIdle();
    // Survival is 0.8 × 0.75 = 0.6, so about 1200 of 2000 (standard deviation about 22).
    expect(w.inbox.x1!.length).toBeGreaterThan(1100);
    expect(w.inbox.x1!.length).toBeLessThan(1300);
  });

  it('draws the same numbers as before without regionPairs, or with pairs that change nothing', () => {
    const base: NetworkOptions = { lossRatio: 0.1, duplicateRatio: 0.05, reorderRatio: 0.1 };
    const without = deliveries(base);
    expect(without.times.length).toBeGreaterThan(300);
    // Pinned from the network before region pairs existed: the same seed still draws the same numbers.
    expect(without.hash).toBe('65cbdce40a2106ec5939d4ebdbfa86276cb9ffc3d0b0f75c5ab26411ca9066cb');
    expect(deliveries({ ...base, regionPairs: [] })).toEqual(without);
    expect(deliveries({ ...base, regionPairs: [{ regions: ['r1', 'r2'] }, { regions: ['r3', 'r1'], lossRatio: 0 }] })).toEqual(without);
    // A pair with loss does move the run: the guard above could fail.
    expect(deliveries({ ...base, regionPairs: [{ regions: ['r1', 'r2'], lossRatio: 0.5 }] }).hash).not.toBe(without.hash);
  });

  it('rejects bad region pairs with the field name', () => {
    const clock = new VirtualClock();
    const make = (regionPairs: NetworkOptions['regionPairs']) => () => new Network(clock, createRng(1), undefined, { regionPairs });
    expect(make([{ regions: ['r1', 'r2'] }, { regions: ['a', 'a'] }])).toThrow(
      'network.regionPairs[1].regions must be two different region names, got ["a","a"]',
    );
    expect(make([{ regions: ['r1', 'r2'] }, { regions: ['r1', 'r3'] }, { regions: ['r2', 'r1'] }])).toThrow(
      /^network\.regionPairs\[2\]\.regions repeats network\.regionPairs\[0\]\.regions/,
    );
    expect(make([{ regions: ['r1', 'r2'], lossRatio: 1.5 }])).toThrow('network.regionPairs[0].lossRatio must be a ratio in [0, 1], got 1.5');
    expect(make([{ regions: ['r1', 'r2'], latency: { kind: 'constant', ms: -1 } }])).toThrow(/^network\.regionPairs\[0\]\.latency\.ms must be/);
    expect(make([{ regions: ['r1', 'r2'], latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }])).toThrow(
      'network.regionPairs[0].latency: maxMs must be >= minMs',
    );
  });

  it('gives the same trace for the same seed and a different one for another seed', () => {
    const run = (seed: number) => {
      const w = world({ lossRatio: 0.1, duplicateRatio: 0.05, reorderRatio: 0.1 }, seed);
      for (let i = 0; i < 300; i++) w.network.send(i % 2 ? 'a1' : 'b1', i % 3 ? 'x1' : 'a2', { type: 'n', i });
      w.clock.runUntilIdle();
      return w.trace.traceHash();
    };
    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6));
  });
});
