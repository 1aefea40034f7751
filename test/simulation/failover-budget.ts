/**
 * Random failover schedules (docs/protocol.md §7, crash recovery; §9, failover) on top of storage
 * faults inside the AZ+1 budget (SIGMOD'17 §2.1):
 *
 * - instance faults: the writer crashes (optionally restarting), replicas and the standby crash
 *   at random times or aimed at the moment the control plane promotes one (a crash during
 *   recovery, R2), optionally restarting; these spend no storage budget, and a crash without a
 *   restart is permanent;
 * - control-plane cuts: an instance (the writer, or a replica that may be writer by then) loses
 *   the control plane and the metadata service, optionally its peers too, but keeps its segments
 *   and clients (a zombie writer, S8);
 * - storage faults: at most one AZ out at a time (any AZ: losing the writer's AZ is a writer
 *   failure that failover handles) plus at most one more segment per PG at a time, outside that
 *   AZ: a segment crash, a storage node crash (one segment of each PG), a segment cut off from
 *   everyone, or an instance cut off from one node (one segment of each PG);
 * - message loss and an optional slow segment.
 *
 * Every fault except a permanent instance crash heals by {@link HEALED_BY_MS}, so the run can also
 * check that a writer is serving again afterwards.
 *
 * The fault injector's `heal` removes every partition at once, so partitions are generated as
 * intervals and compiled: where one ends, a `heal` is followed by the partitions still in force.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FaultSpec, Scenario } from '../../src/cluster/scenario.js';
import { resolveTopology } from '../../src/cluster/topology.js';
import { withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe, scenario } from './helpers.js';
import { entryTimeMs } from '../../src/cluster/history.js';

const REGION = 'us-east-1';
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;
export const WRITER = `inst:${REGION}:writer`;
export const REPLICA1 = `inst:${REGION}:replica1`;
export const REPLICA2 = `inst:${REGION}:replica2`;
export const STANDBY = `inst:${REGION}:standby`;
export const INSTANCES = [WRITER, REPLICA1, REPLICA2, STANDBY] as const;
const CONTROL_PLANE = 'control-plane';
const METADATA = 'metadata';

/** Every fault but a permanent instance crash is over by then. */
export const HEALED_BY_MS = 5_000;
/** A transaction invoked from then on must commit when some instance can still become writer. */
export const LIVENESS_FROM_MS = 6_500;
/** The control plane's health-check period and the misses that declare the writer failed. */
const HEALTH_CHECK_PERIOD_MS = 200;
const MISSES_TO_FAIL = 3;
const PROMOTION_TIMEOUT_MS = 1_000;

/**
 * The cluster the property runs: `writer-crash` cut down to 2 PGs on 2 storage nodes per AZ, two
 * replicas (tier 0 in AZ b, tier 1 in AZ c) and a standby (AZ a), 80 commits/s for 8 s (fewer
 * than 100 keeps a run near 0.4 s of wall time on 2 cores), and a failover fast enough to happen
 * several times in a run: detection 0.6–0.8 s after the writer fails (3 missed checks every
 * 200 ms), endpoint switch 0.3 s, replacement from the standby 1 s, a promotion abandoned after 1 s.
 */
export function failoverBase(): Scenario {
  return scenario('writer-crash', {
    topology: { pgCount: 2, storageNodesPerAz: 2, standby: true },
    workload: { commitsPerS: 80, clients: 8, txnTimeoutMs: 1_000 },
    failover: {
      healthCheckPeriodMs: HEALTH_CHECK_PERIOD_MS,
      missesToFail: MISSES_TO_FAIL,
      endpointSwitchMs: 300,
      replacementDelayMs: 1_000,
      promotionTimeoutMs: PROMOTION_TIMEOUT_MS,
    },
    faults: [],
    durationMs: 8_000,
  });
}

const topology = resolveTopology(failoverBase().topology, failoverBase().workload.clients);

/** A fault window as generated; {@link clip} bounds it by the next window and the healing time. */
interface Window {
  fromMs: number;
  lengthMs: number;
}

const windowArb: fc.Arbitrary<Window> = fc.record({ fromMs: fc.integer({ min: 0, max: 4_800 }), lengthMs: fc.integer({ min: 50, max: 2_500 }) });
const restartArb = fc.option(fc.integer({ min: 20, max: 2_500 }), { nil: undefined, freq: 2 });

/** When an instance crash happens: at a time, or aimed at the promotion after the writer fails. */
type CrashTiming = { kind: 'at'; atMs: number } | { kind: 'promotion'; attempt: number; jitterMs: number };

const crashTimingArb: fc.Arbitrary<CrashTiming> = fc.oneof(
  fc.record({ kind: fc.constant('at' as const), atMs: fc.integer({ min: 0, max: 4_800 }) }),
  // Recovery of a promoted replica takes ~10 ms: aim at it (attempt 1: the next candidate, after
  // the first one's promotion timed out).
  fc.record({ kind: fc.constant('promotion' as const), attempt: fc.constantFrom(0, 0, 1), jitterMs: fc.integer({ min: 0, max: 25 }) }),
);

/** The generated choices, before compiling into a fault plan (kept for shrinking and messages). */
export interface FailoverChoices {
  seed: number;
  lossRatio: number;
  writerCrash: { atMs: number; restartAfterMs: number | undefined } | undefined;
  instanceCrashes: { instance: string; timing: CrashTiming; restartAfterMs: number | undefined }[];
  /** An instance cut off from the control plane and metadata (and optionally its peers). */
  cutoffs: { instance: string; window: Window; peersToo: boolean }[];
  az: { az: string; window: Window } | undefined;
  extras: { kind: 'segment' | 'node' | 'isolate' | 'instanceCut'; pick: number; instance: string; window: Window }[];
  slow: { pick: number; atMs: number; factor: number } | undefined;
}

/** A schedule: the seed, message loss, the fault plan, and what liveness may expect of it. */
export interface FailoverSchedule {
  seed: number;
  lossRatio: number;
  faults: FaultSpec[];
  /** Instances crashed (or in an AZ outage) at the end, never restarted. */
  permanentlyDown: string[];
}

export const failoverChoicesArb: fc.Arbitrary<FailoverChoices> = fc.record({
  seed: fc.integer(),
  lossRatio: fc.constantFrom(0, 0.01, 0.05),
  writerCrash: fc.option(fc.record({ atMs: fc.integer({ min: 100, max: 4_500 }), restartAfterMs: restartArb }), { nil: undefined, freq: 4 }),
  instanceCrashes: fc.array(
    fc.record({ instance: fc.constantFrom(REPLICA1, REPLICA1, REPLICA2, STANDBY), timing: crashTimingArb, restartAfterMs: restartArb }),
    { maxLength: 3 },
  ),
  cutoffs: fc.array(fc.record({ instance: fc.constantFrom(WRITER, WRITER, REPLICA1, REPLICA2), window: windowArb, peersToo: fc.boolean() }), { maxLength: 2 }),
  az: fc.option(fc.record({ az: fc.constantFrom(...AZS), window: windowArb }), { nil: undefined, freq: 3 }),
  extras: fc.array(
    fc.record({ kind: fc.constantFrom('segment' as const, 'node' as const, 'isolate' as const, 'instanceCut' as const), pick: fc.nat(), instance: fc.constantFrom(...INSTANCES), window: windowArb }),
    { maxLength: 3 },
  ),
  slow: fc.option(fc.record({ pick: fc.nat(), atMs: fc.integer({ min: 0, max: 4_800 }), factor: fc.integer({ min: 2, max: 20 }) }), { nil: undefined, freq: 4 }),
});

export const failoverScheduleArb: fc.Arbitrary<FailoverSchedule & { choices: FailoverChoices }> = failoverChoicesArb.map((choices) => ({ ...compile(choices), choices }));

/** [from, to) of a window, ending by `endMs` and by the healing time. */
function clip(window: Window, endMs: number): [number, number] {
  const toMs = Math.min(window.fromMs + window.lengthMs, endMs, HEALED_BY_MS);
  return [window.fromMs, Math.max(window.fromMs, toMs)];
}

/** When the control plane promotes after the writer fails at `failedAtMs` (health rounds every 200 ms from 0). */
function promotionAtMs(failedAtMs: number, attempt: number): number {
  const nextRoundMs = Math.ceil(failedAtMs / HEALTH_CHECK_PERIOD_MS) * HEALTH_CHECK_PERIOD_MS;
  return nextRoundMs + MISSES_TO_FAIL * HEALTH_CHECK_PERIOD_MS + attempt * PROMOTION_TIMEOUT_MS;
}

interface Partition {
  fromMs: number;
  toMs: number;
  fault: Extract<FaultSpec, { kind: 'partition' }>;
}

/** Partitions as intervals → faults; each end is a `heal` plus the partitions still in force. */
function compilePartitions(partitions: Partition[]): FaultSpec[] {
  const live = partitions.filter((p) => p.toMs > p.fromMs);
  const faults: FaultSpec[] = [];
  for (const endMs of [...new Set(live.map((p) => p.toMs))].sort((a, b) => a - b)) {
    faults.push({ atMs: endMs, kind: 'heal' });
    for (const p of live) if (p.fromMs < endMs && p.toMs > endMs) faults.push({ ...p.fault, atMs: endMs });
  }
  // Starts after the heals: at equal times the fault injector applies them in plan order.
  for (const p of live) faults.push({ ...p.fault, atMs: p.fromMs });
  return faults;
}

/** The fault plan of a set of choices; see the file header for the budget it keeps. */
export function compile(choices: FailoverChoices): FailoverSchedule {
  const { seed, lossRatio, writerCrash, instanceCrashes, cutoffs, az, extras, slow } = choices;
  const faults: FaultSpec[] = [];
  const partitions: Partition[] = [];
  /** Per instance, the times it goes down and comes back (to find the permanently crashed). */
  const downs: { instance: string; atMs: number; up: boolean }[] = [];

  // The first moment the writer fails: a crash, its AZ going out, or losing the control plane.
  const writerFailures: number[] = [];
  if (writerCrash !== undefined) writerFailures.push(writerCrash.atMs);
  if (az?.az === topology.writer.azId) writerFailures.push(az.window.fromMs);
  for (const cut of cutoffs) if (cut.instance === WRITER) writerFailures.push(cut.window.fromMs);
  const writerFailedAtMs = writerFailures.length === 0 ? undefined : Math.min(...writerFailures);

  const crash = (instance: string, atMs: number, restartAfterMs: number | undefined): void => {
    faults.push({ atMs, kind: 'instanceCrash', instance });
    downs.push({ instance, atMs, up: false });
    if (restartAfterMs !== undefined) {
      const upAtMs = Math.min(atMs + restartAfterMs, HEALED_BY_MS);
      faults.push({ atMs: upAtMs, kind: 'instanceRestart', instance });
      downs.push({ instance, atMs: upAtMs, up: true });
    }
  };
  if (writerCrash !== undefined) crash(WRITER, writerCrash.atMs, writerCrash.restartAfterMs);
  for (const { instance, timing, restartAfterMs } of instanceCrashes) {
    const atMs =
      timing.kind === 'at' ? timing.atMs : Math.min(promotionAtMs(writerFailedAtMs ?? 1_000, timing.attempt) + timing.jitterMs, HEALED_BY_MS);
    crash(instance, atMs, restartAfterMs);
  }

  // Zombies: cut from the control plane and the metadata service, keeping segments and clients.
  for (const cut of cutoffs) {
    const [fromMs, toMs] = clip(cut.window, Infinity);
    const peers = cut.peersToo ? INSTANCES.filter((id) => id !== cut.instance) : [];
    partitions.push({ fromMs, toMs, fault: { atMs: fromMs, kind: 'partition', sideA: [cut.instance], sideB: [CONTROL_PLANE, METADATA, ...peers] } });
  }

  // Storage: at most one AZ out (for one window)...
  if (az !== undefined) {
    const [fromMs, toMs] = clip(az.window, Infinity);
    faults.push({ atMs: fromMs, kind: 'azOutage', az: az.az }, { atMs: toMs, kind: 'azRecover', az: az.az });
    // An outage of the writer's AZ takes the original writer down (only it: the model makes no
    // other instance a member of an AZ); its recovery brings it back, as a replica.
    if (az.az === topology.writer.azId && fromMs < toMs) downs.push({ instance: WRITER, atMs: fromMs, up: false }, { instance: WRITER, atMs: toMs, up: true });
  }
  // ...plus one more segment per PG at a time, never overlapping, outside that AZ (a node holds
  // one segment of each PG, so a node crash or a cut from one node is one segment per PG).
  const segments = topology.segments.filter((s) => s.azId !== az?.az);
  const nodes = topology.nodes.filter((n) => n.azId !== az?.az);
  const ordered = [...extras].sort((a, b) => a.window.fromMs - b.window.fromMs);
  for (const [index, extra] of ordered.entries()) {
    const [fromMs, toMs] = clip(extra.window, ordered[index + 1]?.window.fromMs ?? Infinity);
    if (toMs <= fromMs) continue;
    if (extra.kind === 'node') {
      const node = nodes[extra.pick % nodes.length]!.id;
      faults.push({ atMs: fromMs, kind: 'nodeCrash', node }, { atMs: toMs, kind: 'nodeRestart', node });
    } else if (extra.kind === 'instanceCut') {
      const node = nodes[extra.pick % nodes.length]!;
      partitions.push({ fromMs, toMs, fault: { atMs: fromMs, kind: 'partition', sideA: [extra.instance], sideB: [...node.segments] } });
    } else {
      const segment = segments[extra.pick % segments.length]!.id;
      if (extra.kind === 'segment') faults.push({ atMs: fromMs, kind: 'segmentCrash', segment }, { atMs: toMs, kind: 'segmentRestart', segment });
      else partitions.push({ fromMs, toMs, fault: { atMs: fromMs, kind: 'partition', sideA: [segment] } });
    }
  }
  if (slow !== undefined) {
    faults.push({ atMs: slow.atMs, kind: 'slowSegment', segment: topology.segments[slow.pick % topology.segments.length]!.id, factor: slow.factor });
  }

  const plan = [...compilePartitions(partitions), ...faults].sort((a, b) => a.atMs - b.atMs);
  return { seed, lossRatio, faults: plan, permanentlyDown: permanentlyDown(downs) };
}

/** Instances whose last down/up event leaves them down. */
function permanentlyDown(downs: { instance: string; atMs: number; up: boolean }[]): string[] {
  const last = new Map<string, { atMs: number; up: boolean }>();
  // Equal times: a crash aimed at the same ms as a restart; the plan applies them in push order.
  for (const event of [...downs].sort((a, b) => a.atMs - b.atMs)) last.set(event.instance, event);
  return INSTANCES.filter((id) => last.get(id)?.up === false);
}

/** What one run did, for coverage counts. */
export interface FailoverRunSummary {
  failovers: number;
  /** A promoted instance crashed before it opened (R2). */
  crashedWhileRecovering: boolean;
  /** Liveness was required (some instance was not down for good). */
  livenessRequired: boolean;
  wallMs: number;
}

/** The scenario a schedule runs. */
export function scheduledScenario(base: Scenario, schedule: FailoverSchedule): Scenario {
  return withOverrides(base, { network: { lossRatio: schedule.lossRatio }, faults: schedule.faults });
}

/** The seed and the plan, for failure messages: enough to replay the run. */
export function describeSchedule(schedule: FailoverSchedule): string {
  return `seed ${schedule.seed}, lossRatio ${schedule.lossRatio}, permanently down ${JSON.stringify(schedule.permanentlyDown)}; faults ${JSON.stringify(schedule.faults)}`;
}

/** Where the control plane and the instances ended, for failure messages. */
function endState(sim: Simulation): string {
  const states = [CONTROL_PLANE, ...INSTANCES].map((id) => `${id}=${JSON.stringify(sim.host.snapshotOf(id).value)}`);
  return `endpoint ${sim.endpoint}; failovers ${JSON.stringify(sim.failovers)}; at the end ${states.join(' ')}`;
}

/**
 * Runs a schedule and asserts, with the seed and the plan in every message:
 * - the simulation runs to its end (no actor throws);
 * - safety: every judge of the report passed and no acknowledged commit was lost (`expectSafe`);
 * - liveness: unless every instance is down for good, a transaction invoked at or after
 *   {@link LIVENESS_FROM_MS} committed (every other fault healed by {@link HEALED_BY_MS}, so the
 *   control plane has had 1.5 s to detect a failed writer and promote, or recreate, one).
 */
export function checkFailoverRun(base: Scenario, schedule: FailoverSchedule): FailoverRunSummary {
  const startedAt = performance.now();
  const sim = new Simulation({ seed: schedule.seed, scenario: scheduledScenario(base, schedule), trace: { keepEvents: false } });
  const promotions = watchPromotions(sim);
  try {
    sim.run();
  } catch (error) {
    // An actor that throws (a model bug) stops the run: name the schedule that made it throw.
    throw new Error(`simulation failed at ${sim.kernel.clock.now()} ms: ${describeSchedule(schedule)}\n${(error as Error).message}`, { cause: error });
  }
  const report = sim.report();
  const wallMs = performance.now() - startedAt;
  try {
    expectSafe(report);
  } catch (error) {
    const violations = report.invariants.filter((r) => !r.ok).map((r) => `${r.name}: ${r.firstViolations.map((v) => v.message).join('; ')}`);
    const lost = `lostAcknowledged ${report.commits.lostAcknowledged}`;
    throw new Error(`safety: ${describeSchedule(schedule)}\n${endState(sim)}\n${[...violations, lost].join('\n')}`, { cause: error });
  }
  const livenessRequired = schedule.permanentlyDown.length < INSTANCES.length;
  if (livenessRequired) {
    const invokedAt = new Map(sim.history.entries.filter((e) => e.type === 'invoke').map((e) => [e.txnId, entryTimeMs(e)]));
    const resumed = sim.history.entries.some((e) => e.type === 'ok' && (e.commitLsn ?? 0) > 0 && (invokedAt.get(e.txnId) ?? -1) >= LIVENESS_FROM_MS);
    expect(resumed, `liveness: no transaction invoked after ${LIVENESS_FROM_MS} ms committed; ${describeSchedule(schedule)}\n${endState(sim)}`).toBe(true);
  }
  return { failovers: sim.failovers.length, crashedWhileRecovering: crashedWhileRecovering(sim, promotions), livenessRequired, wallMs };
}

/** Promotions as they happen: the candidate, when, and when it opened as the writer. */
function watchPromotions(sim: Simulation): { candidate: string; atMs: number; openedAtMs?: number }[] {
  const promotions: { candidate: string; atMs: number; openedAtMs?: number }[] = [];
  sim.streams.observations$.subscribe(({ atMs, observation }) => {
    if (observation.kind === 'failover' && observation.phase === 'promoting' && observation.candidate !== undefined) promotions.push({ candidate: observation.candidate, atMs });
    if (observation.kind === 'writerOpened') {
      const promotion = promotions.findLast((p) => p.candidate === observation.instance && p.openedAtMs === undefined);
      if (promotion !== undefined) promotion.openedAtMs = atMs;
    }
  });
  return promotions;
}

/** Whether some instance crashed between its promotion and its opening as the writer (R2). */
function crashedWhileRecovering(sim: Simulation, promotions: readonly { candidate: string; atMs: number; openedAtMs?: number }[]): boolean {
  return sim.faultLog.some(
    (applied) =>
      applied.fault === 'instanceCrash' &&
      promotions.some((p) => p.candidate === applied.target && applied.atMs > p.atMs && applied.atMs < (p.openedAtMs ?? Infinity)),
  );
}
