/**
 * Machines as plain xstate actors on xstate's own scheduler, hosting a simulation's world: what an
 * embedder writes instead of the live host (docs/embedding.md, "A whole simulation on xstate's
 * scheduler"). The live host (src/cluster/live-host.ts) takes over each actor system's scheduler
 * to trace timers and refuse a delayed event without an id; this one leaves xstate's scheduler in
 * place and gives it the kernel's clock through the `clock` option, and the kernel's network for
 * sends. Both set each timer with one `clock.setTimeout`, in the same order.
 */
import { createActor } from 'xstate';
import type { AnyActorRef, AnyStateMachine, EventObject } from 'xstate';
import { expect } from 'vitest';
import type { ActorHost, ActorSpec, EmitFn } from '../../src/cluster/host.js';
import type { EffectsParams } from '../../models/effects.js';
import type { Scenario } from '../../src/cluster/scenario.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { SimulationReport } from '../../src/simulation/report.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { Clock } from '../../src/kernel/clock.js';

export /** Machines as plain xstate actors on xstate's own scheduler; see the file header. */
class XstateSchedulerHost implements ActorHost {
  private readonly actors = new Map<string, AnyActorRef>();
  private readonly provided = new Map<AnyStateMachine, AnyStateMachine>();
  /** Delayed events xstate's scheduler set on the clock. */
  timersSet = 0;
  private readonly clock: Clock;

  constructor(
    private readonly kernel: Kernel,
    private readonly emit: EmitFn,
  ) {
    // The kernel's clock, counting what xstate's scheduler asks of it.
    this.clock = {
      setTimeout: (callback: () => void, delayMs: number) => {
        this.timersSet++;
        return kernel.clock.setTimeout(callback, delayMs);
      },
      clearTimeout: (handle: unknown) => kernel.clock.clearTimeout(handle as number),
    };
  }

  spawnAll(specs: readonly ActorSpec[]): void {
    const created = specs.map((spec) => this.create(spec));
    for (const actor of created) actor.start();
  }

  spawn(spec: ActorSpec): void {
    this.create(spec).start();
  }

  inject(id: string, event: EventObject): void {
    this.get(id).send(event);
  }

  snapshotOf(id: string): { value: unknown; status: string; context: unknown } {
    return this.get(id).getSnapshot() as { value: unknown; status: string; context: unknown };
  }

  ids(): string[] {
    return [...this.actors.keys()];
  }

  private get(id: string): AnyActorRef {
    const actor = this.actors.get(id);
    if (actor === undefined) throw new Error(`no actor ${id}`);
    return actor;
  }

  private create(spec: ActorSpec): AnyActorRef {
    const { network, clock } = this.kernel;
    const actor = createActor(this.provide(spec.machine), { clock: this.clock, id: spec.id, systemId: spec.id, input: spec.input });
    this.actors.set(spec.id, actor);
    network.attach(spec.id, spec.locality, (envelope) => actor.send(envelope.message as EventObject));
    // A machine in a state tagged `offline` is down on the network (docs/architecture.md, "The actors").
    let offline = false;
    actor.subscribe({
      next: (snapshot: { status: string; hasTag(tag: string): boolean }) => {
        const now = snapshot.status === 'active' && snapshot.hasTag('offline');
        if (now !== offline) network.setDown(spec.id, (offline = now));
      },
      error: (error: unknown) => {
        clock.scheduleAt(clock.now(), () => {
          throw error;
        });
      },
    });
    return actor;
  }

  private provide(machine: AnyStateMachine): AnyStateMachine {
    const cached = this.provided.get(machine);
    if (cached !== undefined) return cached;
    const { network, clock } = this.kernel;
    const send = ({ self }: { self: { id: string } }, params: { to: string; message: unknown }) => network.send(self.id, params.to, params.message);
    // Network-free, but after this step, as in the live host.
    const signal = (_: unknown, params: { to: string; event: EventObject }) => clock.scheduleAt(clock.now(), () => this.get(params.to).send(params.event));
    const observe = ({ self }: { self: { id: string } }, params: unknown) => this.emit(self.id, { kind: 'observe', observation: params });
    const publish = ({ self }: { self: { id: string } }, params: { stream: string; item: unknown }) => this.emit(self.id, { kind: 'publish', stream: params.stream, item: params.item });
    const provided = machine.provide({
      actions: {
        send,
        signal,
        observe,
        publish,
        effects: (args: { self: { id: string } }, params: EffectsParams) => {
          for (const effect of params.effects) {
            if (effect.kind === 'send') send(args, effect);
            else if (effect.kind === 'signal') signal(args, effect);
            else if (effect.kind === 'observe') observe(args, effect.observation);
            else publish(args, effect);
          }
        },
      },
    });
    this.provided.set(machine, provided);
    return provided;
  }
}

/**
 * Runs `scenario` for `untilMs` under the live host and under {@link XstateSchedulerHost}, and
 * expects one run: equal reports but for the trace, whose `timer` and `state` events only the live
 * host records. Returns the report.
 */
export function expectSameRunOnXstateScheduler(scenario: Scenario, seed: number, untilMs: number): Omit<SimulationReport, 'traceHash' | 'traceEvents'> {
  const live = new Simulation({ seed, scenario, trace: { keepEvents: false } });
  live.runFor(untilMs);
  let host: XstateSchedulerHost | undefined;
  const plain = new Simulation({ seed, scenario, trace: { keepEvents: false }, host: (kernel, { emit }) => (host = new XstateSchedulerHost(kernel, emit)) });
  plain.runFor(untilMs);
  const { traceHash: liveHash, traceEvents: liveEvents, ...liveReport } = live.report();
  const { traceHash: plainHash, traceEvents: plainEvents, ...plainReport } = plain.report();
  expect(plainReport).toEqual(liveReport);
  // xstate's scheduler set the timers (disk, gossip, retransmission, health checks) ...
  expect(host?.timersSet).toBeGreaterThan(0);
  // ... and the live host's trace has its timer and state events, which this one lacks.
  expect(plainEvents).toBeLessThan(liveEvents);
  expect(plainHash).not.toBe(liveHash);
  return plainReport;
}
