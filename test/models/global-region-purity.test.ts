/**
 * Purity of the Global Database region statechart (models/global-region.machine.ts;
 * docs/determinism.md, "Pure transitions"). Regions are driven through every event type the chart
 * handles, each where it does real work, and every step runs with `stepFrozen` on a deep-frozen
 * snapshot and a deep-frozen event; the effects a step returns (the `send` and `observe` params)
 * are deep-frozen too before the next step, so a transition that later wrote into something it had
 * handed out, or into what it was given, throws. The covered event types must equal
 * `handledEventTypes`, so an event added to the chart cannot go untested here.
 */
import { freeze } from 'immer';
import { assign } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { GlobalRegionContext, GlobalRegionEvent, GlobalRegionInput } from '../../models/global-region.machine.js';
import { GLOBAL_FENCE_TIMER, GLOBAL_SWITCHOVER_TIMER, GLOBAL_LAG_TIMER, globalRegionMachine } from '../../models/global-region.machine.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import type { RecordDigest } from '../../src/protocol/global.js';
import { lsn, regionId } from '../../src/protocol/ids.js';
import { handledEventTypes, startStepped, stepFrozen } from './purity.js';

const EAST = regionId('us-east-1');
const EU = regionId('eu-west-1');
const AP = regionId('ap-south-1');

const input = (region: string): GlobalRegionInput => ({
  self: `global:${region}`,
  region: regionId(region),
  primaryRegion: EAST,
  regions: [EAST, EU, AP],
  volumeEndpoints: { [EAST]: 'metadata:us-east-1', [EU]: 'metadata:eu-west-1', [AP]: 'metadata:ap-south-1' },
  rpoLimitMs: 20_000,
  lagTickMs: 1_000,
  laggingAfterMs: 2_000,
  cutOffAfterMs: 5_000,
  fenceTimeoutMs: 3_000,
  agent: `replication:${region}`,
  ...(region === EAST ? { writer: 'w', controlPlane: 'control-plane' } : {}),
});

const mtr = (from: number, to: number): RecordDigest[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ lsn: lsn(from + i), digest: `d${from + i}`, isCpl: from + i === to }));

/** Steps one region only through frozen snapshots, events and effects; remembers the event types. */
class FrozenRegion {
  readonly covered: Set<string>;
  private snapshot: AnyMachineSnapshot;

  constructor(
    region: string,
    covered: Set<string>,
    private readonly machine: AnyStateMachine = globalRegionMachine,
  ) {
    this.covered = covered;
    this.snapshot = startStepped(machine, input(region)).snapshot as AnyMachineSnapshot;
  }

  step(event: GlobalRegionEvent | EventObject): Effect[] {
    const { next, effects } = stepFrozen(this.machine, this.snapshot, freeze(event, true));
    this.snapshot = next as AnyMachineSnapshot;
    this.covered.add(event.type);
    return freeze(effects, true);
  }

  get context(): GlobalRegionContext {
    return this.snapshot.context as GlobalRegionContext;
  }

  get state(): string {
    const path = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => [key, ...path(child)]);
    return path(this.snapshot.value).join('.');
  }
}

const kinds = (effects: readonly Effect[]): string[] =>
  effects.map((effect) =>
    effect.kind === 'send' ? `send ${(effect.message as { type: string }).type}` : effect.kind === 'observe' ? `observe ${(effect.observation as { kind: string }).kind}` : `${effect.kind} ${effect.kind === 'schedule' || effect.kind === 'cancel' ? effect.timerId : ''}`,
  );

describe('Purity: the Global Database region', () => {
  it('every event type, on frozen snapshots, events and effects', () => {
    const covered = new Set<string>();
    const tick = { type: 'lagTick' } as const;

    // A secondary: shipments, VCL, ticks to lagging and cutOff, the link, a refused then a taken switchover.
    const eu = new FrozenRegion('eu-west-1', covered);
    expect(kinds(eu.step({ type: 'globalShip', from: 'replicator', records: mtr(1, 4), primaryVdl: lsn(4), commits: [{ lsn: lsn(4), atMs: 0 }] }))).toEqual([]);
    expect(kinds(eu.step({ type: 'volumeVcl', vcl: lsn(2) }))).toEqual([]);
    for (let i = 0; i < 3; i += 1) expect(kinds(eu.step(tick))).toEqual([`schedule ${GLOBAL_LAG_TIMER}`]);
    expect([eu.context.rpoLagMs, eu.state]).toEqual([3_000, 'secondary.lagging']);
    expect(kinds(eu.step({ type: 'volumeVcl', vcl: lsn(4) }))).toEqual(['observe secondaryDurable', 'send regionDurable']);
    expect(eu.state).toBe('secondary.replicating');
    eu.step({ type: 'linkDown' });
    expect(eu.state).toBe('secondary.cutOff');
    eu.step({ type: 'linkUp' });
    expect(eu.state).toBe('secondary.replicating');
    eu.step({ type: 'primaryChanged', primary: EAST });
    expect(kinds(eu.step({ type: 'commitGate', from: 'w', commitLsn: lsn(5) }))).toEqual(['send commitGateAnswer']);
    expect(kinds(eu.step({ type: 'switchover', from: 'console', primaryVdl: lsn(6), primaryReadOnly: true }))).toEqual(['observe switchoverRefused', 'send switchoverRefused']);
    expect(kinds(eu.step({ type: 'switchover', from: 'console', primaryVdl: lsn(4), primaryReadOnly: true }))).toEqual(['send globalRecover']);
    expect(eu.state).toBe('promoting');
    // Replication reverses: the old primary is demoted, the other secondary follows.
    expect(kinds(eu.step({ type: 'recovered', from: 'metadata:eu-west-1', vdl: lsn(4) }))).toEqual(['observe promoted', 'send demote', 'send primaryChanged']);
    expect(eu.state).toBe('primary.writable');

    // A primary: a held commit let go by a durable report; a switchover begun, called off, begun; demoted.
    const east = new FrozenRegion('us-east-1', covered);
    expect(kinds(east.step({ type: 'commitGate', from: 'w', commitLsn: lsn(5) }))).toEqual(['send commitGateAnswer']);
    for (let i = 0; i < 25; i += 1) east.step(tick);
    expect(kinds(east.step({ type: 'commitGate', from: 'w', commitLsn: lsn(10) }))).toEqual(['observe commitHeld']);
    expect(kinds(east.step({ type: 'regionDurable', from: 'global:eu-west-1', region: EU, durableLsn: lsn(5) }))).toEqual(['send commitGateAnswer', 'observe commitReleased']);
    east.step({ type: 'beginSwitchover' });
    east.step({ type: 'cancelSwitchover' });
    expect(east.state).toBe('primary.writable');
    // A whole switchover run: the writer drains, every secondary holds the final VDL, the target is told.
    expect(kinds(east.step({ type: 'beginSwitchover', from: 'global:eu-west-1', target: EU }))).toEqual([
      'observe switchoverStarted',
      'send readOnlyRequest',
      `cancel ${GLOBAL_SWITCHOVER_TIMER}`,
      `schedule ${GLOBAL_SWITCHOVER_TIMER}`,
    ]);
    expect(kinds(east.step({ type: 'writerReadOnly', from: 'w', readOnly: true, vdl: lsn(10), drained: true }))).toEqual([]);
    east.step({ type: 'regionDetached', from: 'global:ap-south-1', region: AP });
    expect(kinds(east.step({ type: 'regionDurable', from: 'global:eu-west-1', region: EU, durableLsn: lsn(10) }))).toEqual([
      'send switchover',
      'observe switchoverReady',
      `cancel ${GLOBAL_SWITCHOVER_TIMER}`,
    ]);
    // Told once: no longer called off by its timer.
    expect(kinds(east.step({ type: 'switchoverTimedOut' }))).toEqual([]);
    expect(kinds(east.step(tick))).toEqual(['send switchover', `schedule ${GLOBAL_LAG_TIMER}`]);
    expect(kinds(east.step({ type: 'demote', newPrimary: EU, vdl: lsn(10), truncateThroughLsn: lsn(30), primaryTerm: 1 }))).toEqual([
      'send globalFollow',
      'send standDown',
      'observe following',
      `cancel ${GLOBAL_SWITCHOVER_TIMER}`,
    ]);
    expect([east.state, east.context.durableLsn, east.context.primaryTerm]).toEqual(['secondary.replicating', 10, 1]);
    // A secondary told where the new primary starts follows it; a refused switchover is called off.
    const follower = new FrozenRegion('ap-south-1', covered);
    expect(kinds(follower.step({ type: 'primaryChanged', primary: EU, vdl: lsn(0), truncateThroughLsn: lsn(20), primaryTerm: 1 }))).toEqual(['send globalFollow', 'observe following']);
    expect(kinds(follower.step({ type: 'switchoverTo', from: 'operator' }))).toEqual(['send beginSwitchover']);
    const refused = new FrozenRegion('us-east-1', covered);
    refused.step({ type: 'beginSwitchover', target: AP });
    expect(kinds(refused.step({ type: 'switchoverRefused', from: 'global:ap-south-1', region: AP, reason: 'headless' }))).toEqual([
      'observe switchoverCancelled',
      'send readOnlyRequest',
      `cancel ${GLOBAL_SWITCHOVER_TIMER}`,
    ]);
    expect(refused.state).toBe('primary.writable');
    // Promoting the primary is refused, with the reason, and changes nothing.
    expect(kinds(refused.step({ type: 'failover', from: 'operator' }))).toEqual(['observe promotionRefused']);
    expect(kinds(refused.step({ type: 'switchoverTo', from: 'operator' }))).toEqual(['observe promotionRefused']);
    expect(refused.state).toBe('primary.writable');

    // A failover whose fence times out, then succeeds late; a detach; a rejoin.
    const ap = new FrozenRegion('ap-south-1', covered);
    expect(kinds(ap.step({ type: 'failover', from: 'console', failureAtMs: 10 }))).toEqual(['send globalRecover', `cancel ${GLOBAL_FENCE_TIMER}`, `schedule ${GLOBAL_FENCE_TIMER}`]);
    expect(kinds(ap.step({ type: 'fenceTimedOut' }))).toEqual(['observe fenceTimedOut']);
    expect(kinds(ap.step({ type: 'fenced', from: 'metadata:us-east-1', region: EAST }))).toEqual(['observe fenced', `cancel ${GLOBAL_FENCE_TIMER}`]);
    const detaching = new FrozenRegion('ap-south-1', covered);
    detaching.step({ type: 'detach', from: 'console' });
    detaching.step({ type: 'recovered', from: 'metadata:ap-south-1', vdl: lsn(0) });
    expect(detaching.state).toBe('detached');
    const back = new FrozenRegion('us-east-1', covered);
    expect(kinds(back.step({ type: 'rejoin', newPrimary: AP, vdl: lsn(0) }))).toEqual(['send globalFollow', 'send standDown', 'observe following']);
    expect(kinds(back.step({ type: 'rebuilt', from: 'replication:us-east-1', vdl: lsn(0) }))).toEqual(['send fenced']);
    expect([back.state, back.context.primaryRegion]).toEqual(['secondary.replicating', AP]);

    expect(handledEventTypes(globalRegionMachine).filter((type) => !covered.has(type))).toEqual([]);
  });

  it('would catch a transition that writes into the context it was given', () => {
    const writesInPlace = globalRegionMachine.provide({
      actions: {
        noteLinkDown: assign(({ context }) => {
          (context as { linkUp: boolean }).linkUp = false;
          return {};
        }),
      },
    });
    const region = new FrozenRegion('eu-west-1', new Set(), writesInPlace);
    expect(() => region.step({ type: 'linkDown' })).toThrow(TypeError);
  });
});
