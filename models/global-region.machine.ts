/**
 * GlobalRegion: the statechart one region of a Global Database runs (docs/protocol.md §11.1; §13,
 * G1–G5). One actor per region, `global:<region>`; it decides nothing about records themselves:
 * the arithmetic is src/protocol/global.ts, and this chart holds the region's role and the facts
 * that arithmetic needs.
 *
 * - `primary.writable`: the region's writer asks the RPO gate before it acknowledges a commit
 *   (§11.1, RPO control, `mayAcknowledgeCommit`); a commit that may not go yet is held, in LSN
 *   order, until a secondary's durable LSN report brings a lag below the limit, and the time it
 *   was held is reported. `primary.readOnly` is a switchover the primary runs (§13, G3): its
 *   writer drains read-only until its VDL is final, every secondary it counts reports that VDL
 *   durable, and the target is told to promote; then the new primary's `demote` makes this
 *   region follow it. Called off on the target's refusal or a timeout before the hand-over.
 * - After a promotion the new primary tells every other region where it starts (`demote` after
 *   a switchover, `rejoin` to a failed-over old primary, `primaryChanged` to the others), and
 *   each follows it: its replication agent claims the volume from that start (a newer volume
 *   epoch, the new primary's truncation range), copying first what it lacks below the start.
 * - `secondary.replicating`, `secondary.lagging` (RPO lag above `laggingAfterMs`) and
 *   `secondary.cutOff` (the cross-region link is down, or nothing was shipped for
 *   `cutOffAfterMs`): shipped batches and the secondary volume's VCL move its durable LSN
 *   (`secondaryDurableLsn`, §13, G1), which it reports to the judges (`secondaryDurable`) and to
 *   the primary (`regionDurable`, what RPO control reads).
 * - `promoting`: by a switchover (only when `switchoverDecision` allows, otherwise refused with
 *   the reason), a managed failover (no waiting; a best-effort fence of the old primary, §13, G2)
 *   or a detach. It asks its own volume's recovery endpoint to recover the volume at its durable
 *   LSN and waits for `recovered`; then `primary.writable`, or `detached` after a detach.
 * - `rejoining`: an old primary after a managed failover: its agent's claim of the volume is the
 *   fence through its storage (§13, G2), done whenever its region can; then it answers `fenced`
 *   and replicates as a secondary (§11.1, managed failover; §13, G4).
 * - `detached`: a standalone read/write cluster that no longer replicates (§11.1, detach and
 *   promote); no RPO control applies to it.
 *
 * Time: the chart keeps its own clock, `nowMs`, advanced by a periodic `lagTick` (a delayed
 * self-event with an explicit id), as the writer counts its lag checks: lags and held time are
 * known to within one `lagTickMs`. Nothing here reads a real clock.
 *
 * Reports from the region's agent (`globalShip`) name the LSN they follow; one that overtook its
 * predecessor waits for it, so the durable report never skips records (S17).
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { Lsn, RegionId } from '../src/protocol/ids.js';
import { LSN_ZERO } from '../src/protocol/ids.js';
import type { GlobalObservation, LsnTime, RecordDigest } from '../src/protocol/global.js';
import { globalDbRpoProblem, mayAcknowledgeCommit, rpoLagMs, secondaryDurableLsn, switchoverDecision } from '../src/protocol/global.js';
import type {
  CommitGateAnswerMessage,
  CommitGateMessage,
  GlobalFencedMessage,
  GlobalFollowMessage,
  GlobalRebuiltMessage,
  GlobalRecoveredMessage,
  GlobalShipMessage,
  BeginSwitchoverMessage,
  DemoteMessage,
  PrimaryChangedMessage,
  RegionDetachedMessage,
  RejoinMessage,
  RegionDurableMessage,
  SendParams,
  SwitchoverMessage,
  SwitchoverRefusedMessage,
  WriterReadOnlyMessage,
  VolumeVclMessage,
  WireMessage,
} from './messages.js';

/** The systemId of a region's actor: `global:<region>`. */
export const globalRegionActorId = (region: string): string => `global:${region}`;

/** The lag tick's timer id. */
export const GLOBAL_LAG_TIMER = 'globalRegion.lagTick';
/** The timer id of a failover's fence: its timeout is the `fenceTimedOut` event. */
export const GLOBAL_FENCE_TIMER = 'globalRegion.fence';
/** The timer id of a switchover's drain: a switchover still waiting when it fires is called off. */
export const GLOBAL_SWITCHOVER_TIMER = 'globalRegion.switchover';

/**
 * The endpoint a replicator ships to `region` from, in the `primaryTerm`-th primary's time: the
 * first primary's are `replicator:<region>`; each promotion starts a new generation, so a message
 * or acknowledgement still on its way from an older one is told apart (§11.1, switchover).
 */
export const globalReplicatorEndpoint = (region: string, primaryTerm: number): string => (primaryTerm === 0 ? `replicator:${region}` : `replicator:${region}@${primaryTerm}`);

/** Input of {@link globalRegionMachine}. */
export interface GlobalRegionInput {
  /** `global:<region>` ({@link globalRegionActorId}). */
  self: string;
  region: RegionId;
  /** The global database's primary region when the actor starts; this region starts as primary iff it is this one. */
  primaryRegion: RegionId;
  /** Every region of the global database, this one included. */
  regions: readonly RegionId[];
  /** Each region's volume recovery endpoint (its metadata service): recovery, fencing and rebuilds go there. */
  volumeEndpoints: Readonly<Record<string, string>>;
  /** Read-only instances in this region; a headless secondary (0) cannot be a switchover target. @defaultValue 1 */
  instances?: number;
  /** `rds.global_db_rpo` in ms; absent, the parameter's default: no limit (§11.1, RPO control). */
  rpoLimitMs?: number;
  /** @defaultValue 1000 */
  lagTickMs?: number;
  /** A secondary whose RPO lag is above this is `lagging`. @defaultValue 5000 */
  laggingAfterMs?: number;
  /** A secondary sent nothing for this long is `cutOff`. @defaultValue 10000 */
  cutOffAfterMs?: number;
  /** A failover's fence gives up after this long (§13, G2). @defaultValue 30000 */
  fenceTimeoutMs?: number;
  /** A switchover still draining or waiting for its regions this long after it began is called off. @defaultValue 60000 */
  switchoverTimeoutMs?: number;
  /** The region's writer while it is the primary (a switchover makes it read-only, then steps it down). */
  writer?: string;
  /** The region cluster's control plane: told to stand down when the region follows another. */
  controlPlane?: string;
  /** The region's replication agent, `replication:<region>`: told to follow a new primary. @defaultValue none: the region cannot follow one */
  agent?: string;
}

/** Thrown when a region actor starts with input it cannot run on; the message names the field and what is allowed. */
export class GlobalRegionInputError extends Error {}

/**
 * The first problem of `input`, or undefined. Checked when the actor starts, because a tick of
 * 0 ms would raise `lagTick` forever without virtual time moving, and a region missing from
 * `regions` could never be promoted or followed.
 */
export function globalRegionInputProblem(input: GlobalRegionInput): string | undefined {
  if (!input.regions.includes(input.region)) return `region: "${input.region}" is not one of regions (${input.regions.join(', ')})`;
  if (!input.regions.includes(input.primaryRegion)) return `primaryRegion: "${input.primaryRegion}" is not one of regions (${input.regions.join(', ')})`;
  const missing = input.regions.find((region) => input.volumeEndpoints[region] === undefined);
  if (missing !== undefined) return `volumeEndpoints: no endpoint for region "${missing}"; give one for every region`;
  if (input.instances !== undefined && (!Number.isInteger(input.instances) || input.instances < 0 || input.instances > 16)) {
    return `instances: ${input.instances}; allowed a whole number from 0 (headless) to 16`;
  }
  for (const field of ['lagTickMs', 'laggingAfterMs', 'cutOffAfterMs', 'fenceTimeoutMs', 'switchoverTimeoutMs'] as const) {
    const value = input[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${field}: ${value}; allowed a finite number of ms above 0`;
  }
  if (input.rpoLimitMs !== undefined) return globalDbRpoProblem(input.rpoLimitMs / 1000, 'rpoLimitMs (rds.global_db_rpo, in ms)');
  return undefined;
}

/** A commit the RPO gate holds. */
export interface HeldCommit {
  readonly from: string;
  readonly commitLsn: Lsn;
  readonly sinceMs: number;
}

/** How this region is being promoted, and from whom. */
export interface Promotion {
  readonly how: 'switchover' | 'failover' | 'detach';
  readonly oldPrimary: RegionId;
  /** Failover only: when the old primary failed, as the failover request says. */
  readonly failureAtMs?: number;
}

/** A switchover as the primary runs it (§13, G3). */
export interface SwitchoverRun {
  readonly target: RegionId;
  /** The writer's VDL once it reported itself drained: final. */
  readonly finalVdl: Lsn | undefined;
  /** Whether the target was told to promote: from then on the switchover is not called off. */
  readonly sent: boolean;
}

/** A failover's fence of the old primary and how it ended so far. */
export interface GlobalFence {
  readonly region: RegionId;
  readonly outcome: 'pending' | 'fenced' | 'timedOut';
}

/** Context of {@link globalRegionMachine}. */
export interface GlobalRegionContext {
  self: string;
  region: RegionId;
  /** The primary region as this region knows it (itself while primary or detached). */
  primaryRegion: RegionId;
  regions: readonly RegionId[];
  volumeEndpoints: Readonly<Record<string, string>>;
  instances: number;
  rpoLimitMs: number | undefined;
  lagTickMs: number;
  laggingAfterMs: number;
  cutOffAfterMs: number;
  fenceTimeoutMs: number;
  /** The chart's own clock: lag ticks times `lagTickMs`. */
  nowMs: number;
  // --- as a secondary (§13, G1) ---
  linkUp: boolean;
  /** Time since the last shipment, in whole lag ticks. */
  quietMs: number;
  shippedPrimaryVdl: Lsn;
  secondaryVcl: Lsn;
  highestShippedLsn: Lsn;
  /** Shipped records above the durable LSN, by LSN: reported when the durable LSN covers them. */
  pendingRecords: readonly RecordDigest[];
  /** The CPLs among them, ascending. */
  pendingCpls: readonly Lsn[];
  /** Reports from the agent that arrived before one they follow (`afterLsn` above `highestShippedLsn`), kept in arrival order. */
  earlyShipments: readonly GlobalShipMessage[];
  durableLsn: Lsn;
  /** The RPO lag at `nowMs` (§13, G5), over the primary commits this region knows of. */
  rpoLagMs: number;
  // --- as the primary (§11.1, RPO control) ---
  /**
   * Primary commits with their times, by LSN: those shipped to a secondary, or those the gate let
   * through on a primary. Entries below the newest one at or below every durable LSN that matters
   * are dropped: no lag is measured from them again.
   */
  primaryCommits: readonly LsnTime[];
  /** Each secondary's durable LSN as it reported it: the regions RPO control counts. */
  durableByRegion: Readonly<Record<string, Lsn>>;
  heldCommits: readonly HeldCommit[];
  // --- promotion and rejoining ---
  promotion: Promotion | undefined;
  fence: GlobalFence | undefined;
  /** The new primary's starting point an old primary is rebuilt from. */
  rebuildFrom: { readonly newPrimary: RegionId; readonly vdl: Lsn; readonly truncateThroughLsn?: Lsn; readonly primaryTerm?: number } | undefined;
  // --- switchover (§13, G3) ---
  switchoverTimeoutMs: number;
  writer: string | undefined;
  controlPlane: string | undefined;
  agent: string | undefined;
  /** Promotions so far, as this region heard of them: the replicators' generation. */
  primaryTerm: number;
  switchover: SwitchoverRun | undefined;
}

/** Events of {@link globalRegionMachine}. */
export type GlobalRegionEvent =
  | GlobalShipMessage
  /** The secondary volume's VCL advanced, by its own quorum writes (§3). */
  | VolumeVclMessage
  | { type: 'lagTick' }
  /** The cross-region link from the primary went down or came back (fault injector). */
  | { type: 'linkDown' }
  | { type: 'linkUp' }
  /**
   * A promotion elsewhere: secondaries report their durable LSN to the new primary. After a
   * switchover it says where the new primary starts, and the region follows it from there.
   */
  | PrimaryChangedMessage
  | RegionDurableMessage
  | CommitGateMessage
  /** Switchover, on the primary: stop taking commits (to hand over to `target`); or take them again if it is called off. */
  | BeginSwitchoverMessage
  | { type: 'cancelSwitchover' }
  /** Switchover, asked of the target by an operator: the target asks its primary to begin. */
  | { type: 'switchoverTo'; from: string }
  | WriterReadOnlyMessage
  | SwitchoverRefusedMessage
  | RegionDetachedMessage
  | { type: 'switchoverTimedOut' }
  /** Switchover, on the target: promote if `switchoverDecision` allows. */
  | SwitchoverMessage
  | { type: 'failover'; from: string; failureAtMs?: number }
  | { type: 'detach'; from: string }
  | GlobalRecoveredMessage
  | GlobalFencedMessage
  | { type: 'fenceTimedOut' }
  /** Switchover, on the old primary once the target is open: replicate from it, starting at `vdl`. */
  | DemoteMessage
  /** After a failover, the old primary is back: rebuild from the new primary's start, `vdl`. */
  | RejoinMessage
  | GlobalRebuiltMessage;

/**
 * What the chart reports: the S17/S18 observations (`GlobalObservation`) and its own facts. A
 * held commit is reported when held, with the lags that held it, and again when let through, with
 * the time it waited; a refused switchover with the reason; a detach with the VDL it opened at.
 */
export type GlobalRegionObservation =
  | GlobalObservation
  | { readonly kind: 'commitHeld'; readonly region: RegionId; readonly commitLsn: Lsn; readonly rpoLagsMs: readonly number[] }
  | { readonly kind: 'commitReleased'; readonly region: RegionId; readonly commitLsn: Lsn; readonly blockedMs: number }
  | { readonly kind: 'switchoverRefused'; readonly region: RegionId; readonly reason: string }
  /** A switchover or failover asked of a region that is the primary already (an operator's action out of turn). */
  | { readonly kind: 'promotionRefused'; readonly region: RegionId; readonly how: 'switchover' | 'failover'; readonly reason: string }
  /** The primary began a switchover to `target`: it takes no more commits (§13, G3). */
  | { readonly kind: 'switchoverStarted'; readonly region: RegionId; readonly target: RegionId }
  /** The primary's VDL is final and every secondary holds it: the target is told to promote. */
  | { readonly kind: 'switchoverReady'; readonly region: RegionId; readonly target: RegionId; readonly finalVdl: Lsn }
  /** A switchover that never reached the target's promotion was called off, and why; the primary takes commits again. */
  | { readonly kind: 'switchoverCancelled'; readonly region: RegionId; readonly target: RegionId; readonly reason: string }
  /** The region follows `primaryRegion` from `vdl` on. */
  | { readonly kind: 'following'; readonly region: RegionId; readonly primaryRegion: RegionId; readonly vdl: Lsn }
  | { readonly kind: 'detached'; readonly region: RegionId; readonly vdl: Lsn };

/** `commits` from the entry that still measures lag from `floorLsn` on: the newest at or below it. */
function commitsFrom(commits: readonly LsnTime[], floorLsn: Lsn): readonly LsnTime[] {
  let keep = 0;
  for (let i = 0; i < commits.length && (commits[i] as LsnTime).lsn <= floorLsn; i += 1) keep = i;
  return keep === 0 ? commits : commits.slice(keep);
}

/** The regions RPO control counts, with their RPO lags at `nowMs`. */
function gateLags(context: GlobalRegionContext, commits: readonly LsnTime[]): number[] {
  return Object.values(context.durableByRegion).map((durableLsn) => rpoLagMs(commits, durableLsn, context.nowMs));
}

/** Cut off: the link is down, or nothing arrived for `cutOffAfterMs`. */
const isCutOff = (context: GlobalRegionContext): boolean => !context.linkUp || context.quietMs >= context.cutOffAfterMs;
const isLagging = (context: GlobalRegionContext): boolean => context.rpoLagMs > context.laggingAfterMs;

/** The new durable LSN and what moving to it reports; `undefined` when it does not move. */
function durableStep(context: GlobalRegionContext): Partial<GlobalRegionContext> & { observation: GlobalObservation; report: RegionDurableMessage } | undefined {
  const computed = secondaryDurableLsn({ shippedPrimaryVdl: context.shippedPrimaryVdl, secondaryVcl: context.secondaryVcl, shippedCpls: context.pendingCpls });
  if (computed <= context.durableLsn) return undefined;
  const covered = context.pendingRecords.filter((record) => record.lsn <= computed);
  const primaryCommits = commitsFrom(context.primaryCommits, computed);
  return {
    durableLsn: computed,
    pendingRecords: context.pendingRecords.slice(covered.length),
    pendingCpls: context.pendingCpls.filter((cpl) => cpl > computed),
    primaryCommits,
    rpoLagMs: rpoLagMs(primaryCommits, computed, context.nowMs),
    observation: { kind: 'secondaryDurable', region: context.region, durableLsn: computed, records: covered },
    report: { type: 'regionDurable', from: context.self, region: context.region, durableLsn: computed },
  };
}

/** `context` with one report of the agent taken: its new records and CPLs, the shipped primary VDL, the primary's commits. */
function takeShipment(context: GlobalRegionContext, report: GlobalShipMessage): GlobalRegionContext {
  const fresh = report.records.filter((record) => record.lsn > context.highestShippedLsn);
  const lastCommit = context.primaryCommits[context.primaryCommits.length - 1]?.lsn ?? LSN_ZERO;
  return {
    ...context,
    shippedPrimaryVdl: report.primaryVdl > context.shippedPrimaryVdl ? report.primaryVdl : context.shippedPrimaryVdl,
    highestShippedLsn: fresh.length === 0 ? context.highestShippedLsn : (fresh[fresh.length - 1] as RecordDigest).lsn,
    pendingRecords: [...context.pendingRecords, ...fresh],
    pendingCpls: [...context.pendingCpls, ...fresh.filter((record) => record.isCpl).map((record) => record.lsn)],
    primaryCommits: [...context.primaryCommits, ...report.commits.filter((commit) => commit.lsn > lastCommit)],
  };
}

/** A secondary's replication state at `durableLsn`, with nothing pending: after a rebuild or a demotion. */
function secondaryAt(primaryRegion: RegionId, vdl: Lsn): Partial<GlobalRegionContext> {
  return {
    primaryRegion,
    linkUp: true,
    quietMs: 0,
    shippedPrimaryVdl: vdl,
    secondaryVcl: vdl,
    highestShippedLsn: vdl,
    pendingRecords: [],
    pendingCpls: [],
    earlyShipments: [],
    durableLsn: vdl,
    rpoLagMs: 0,
    primaryCommits: [],
    durableByRegion: {},
    heldCommits: [],
    promotion: undefined,
    rebuildFrom: undefined,
  };
}

/** What following a new primary from `vdl` takes: the region's state, and the agent's and control plane's orders (§11.1, switchover). */
function follow(
  context: GlobalRegionContext,
  start: { newPrimary: RegionId; vdl: Lsn; truncateThroughLsn: Lsn | undefined; primaryTerm: number; holdsThroughLsn: Lsn; rebuild?: boolean },
  enqueue: { (action: { type: 'send'; params: SendParams<WireMessage> } | { type: 'observe'; params: GlobalRegionObservation }): void },
): Partial<GlobalRegionContext> {
  const { newPrimary, vdl, primaryTerm, holdsThroughLsn } = start;
  if (context.agent !== undefined) {
    const replicator = globalReplicatorEndpoint(context.region, primaryTerm);
    const order: GlobalFollowMessage = {
      type: 'globalFollow',
      from: context.self,
      primaryRegion: newPrimary,
      replicator,
      startLsn: vdl,
      truncateThroughLsn: start.truncateThroughLsn ?? vdl,
      // A region behind the new primary's start copies the rest from it first (§13, G4).
      ...(holdsThroughLsn < vdl ? { holdsThroughLsn, copyFrom: context.volumeEndpoints[newPrimary] as string } : {}),
      ...(start.rebuild === true ? { rebuild: true } : {}),
    };
    enqueue({ type: 'send', params: { to: context.agent, message: order } });
  }
  if (context.controlPlane !== undefined) enqueue({ type: 'send', params: { to: context.controlPlane, message: { type: 'standDown', from: context.self } } });
  enqueue({ type: 'observe', params: { kind: 'following', region: context.region, primaryRegion: newPrimary, vdl } });
  return { ...secondaryAt(newPrimary, holdsThroughLsn < vdl ? holdsThroughLsn : vdl), primaryTerm, writer: undefined, switchover: undefined };
}

const answer = (context: GlobalRegionContext, commitLsn: Lsn, allowed: boolean, reason?: CommitGateAnswerMessage['reason']): CommitGateAnswerMessage =>
  reason === undefined ? { type: 'commitGateAnswer', from: context.self, commitLsn, allowed } : { type: 'commitGateAnswer', from: context.self, commitLsn, allowed, reason };

const globalRegionBase = setup({
  types: { context: {} as GlobalRegionContext, events: {} as GlobalRegionEvent, input: {} as GlobalRegionInput },
  actions: {
    send: unprovidedEffect<SendParams<WireMessage>>('globalRegion', 'send'),
    observe: unprovidedEffect<GlobalRegionObservation>('globalRegion', 'observe'),
  },
  guards: {
    startsPrimary: ({ context }) => context.primaryRegion === context.region,
    cutOff: ({ context }) => isCutOff(context),
    overLagThreshold: ({ context }) => isLagging(context),
    withinLagThreshold: ({ context }) => !isLagging(context),
    reconnectedWithinLag: ({ context }) => !isCutOff(context) && !isLagging(context),
    reconnectedOverLag: ({ context }) => !isCutOff(context) && isLagging(context),
    /** §13, G3: read-only primary, target durable at its final VDL, an instance to promote. */
    switchoverAllowed: ({ context, event }) =>
      event.type === 'switchover' &&
      switchoverDecision({ targetDurableLsn: context.durableLsn, primaryVdl: event.primaryVdl, primaryReadOnly: event.primaryReadOnly, targetInstances: context.instances }).kind ===
        'mayPromote',
    detaching: ({ context }) => context.promotion?.how === 'detach',
    /** A fence of this region's failover has not succeeded yet (a success after a timeout still counts, §13, G2). */
    fenceOpen: ({ context, event }) =>
      context.fence !== undefined && context.fence.outcome !== 'fenced' && (event.type !== 'fenced' || event.region === context.fence.region),
    fencePending: ({ context }) => context.fence?.outcome === 'pending',
    /** A switchover not yet handed to its target may be called off (§13, G3). */
    switchoverNotSent: ({ context }) => context.switchover === undefined || !context.switchover.sent,
    /** A follow order that says where the new primary starts. */
    followsFrom: ({ event }) => event.type === 'primaryChanged' && event.vdl !== undefined,
  },
});

/** The region statechart; see the file header. */
export const globalRegionMachine = globalRegionBase
  .extend({
    actions: {
      /** Arms the first lag tick. */
      armLagTick: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        enqueue.raise({ type: 'lagTick' }, { delay: context.lagTickMs, id: GLOBAL_LAG_TIMER });
      }),
      /** One tick of the chart's clock: time since the last shipment grows, and so may the lag. */
      tick: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        const nowMs = context.nowMs + context.lagTickMs;
        enqueue.assign({ nowMs, quietMs: context.quietMs + context.lagTickMs, rpoLagMs: rpoLagMs(context.primaryCommits, context.durableLsn, nowMs) });
        enqueue.raise({ type: 'lagTick' }, { delay: context.lagTickMs, id: GLOBAL_LAG_TIMER });
      }),

      // --- secondary ------------------------------------------------------------------------
      /**
       * Takes a shipment (§13, G1): new records and CPLs, the shipped primary VDL, the primary's
       * commits; then the durable LSN, with its records reported before the primary hears of it.
       */
      receiveShipment: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'globalShip') return;
        // A report that overtook the one before it waits for it (its `afterLsn`); each one taken
        // may let a waiting one through.
        let shipped: GlobalRegionContext = { ...context, quietMs: 0 };
        let waiting = [...context.earlyShipments, event];
        for (let taken = true; taken; ) {
          taken = false;
          for (const report of waiting) {
            if ((report.afterLsn ?? LSN_ZERO) > shipped.highestShippedLsn) continue;
            shipped = takeShipment(shipped, report);
            waiting = waiting.filter((other) => other !== report);
            taken = true;
            break;
          }
        }
        shipped = { ...shipped, earlyShipments: waiting };
        const step = durableStep(shipped);
        let next = shipped;
        if (step !== undefined) {
          const { observation, report, ...moved } = step;
          enqueue({ type: 'observe', params: observation });
          enqueue({ type: 'send', params: { to: globalRegionActorId(context.primaryRegion), message: report } });
          next = { ...shipped, ...moved };
        }
        enqueue.assign({
          quietMs: 0,
          earlyShipments: next.earlyShipments,
          shippedPrimaryVdl: next.shippedPrimaryVdl,
          highestShippedLsn: next.highestShippedLsn,
          pendingRecords: next.pendingRecords,
          pendingCpls: next.pendingCpls,
          primaryCommits: next.primaryCommits,
          durableLsn: next.durableLsn,
          rpoLagMs: rpoLagMs(next.primaryCommits, next.durableLsn, context.nowMs),
        });
      }),
      /** The secondary volume's VCL advanced: the durable LSN may follow (§13, G1). */
      receiveVcl: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'volumeVcl' || event.vcl <= context.secondaryVcl) return;
        const step = durableStep({ ...context, secondaryVcl: event.vcl });
        if (step === undefined) {
          enqueue.assign({ secondaryVcl: event.vcl });
          return;
        }
        const { observation, report, ...moved } = step;
        enqueue({ type: 'observe', params: observation });
        enqueue({ type: 'send', params: { to: globalRegionActorId(context.primaryRegion), message: report } });
        enqueue.assign({ ...moved, secondaryVcl: event.vcl });
      }),
      noteLinkDown: globalRegionBase.assign({ linkUp: false }),
      /** The link is back: the quiet time counts from now. */
      noteLinkUp: globalRegionBase.assign({ linkUp: true, quietMs: 0 }),
      followPrimary: globalRegionBase.assign({ primaryRegion: ({ context, event }) => (event.type === 'primaryChanged' ? event.primary : context.primaryRegion) }),
      /** A switchover the target may not take yet: say why, to the judges and to the asker (§13, G3). */
      refuseSwitchover: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'switchover') return;
        const decision = switchoverDecision({
          targetDurableLsn: context.durableLsn,
          primaryVdl: event.primaryVdl,
          primaryReadOnly: event.primaryReadOnly,
          targetInstances: context.instances,
        });
        const reason = decision.kind === 'wait' ? decision.reason : 'promotion allowed';
        enqueue({ type: 'observe', params: { kind: 'switchoverRefused', region: context.region, reason } });
        enqueue({ type: 'send', params: { to: event.from, message: { type: 'switchoverRefused', from: context.self, region: context.region, reason } } });
      }),
      startSwitchover: globalRegionBase.assign({ promotion: ({ context }): Promotion => ({ how: 'switchover', oldPrimary: context.primaryRegion }) }),
      startDetach: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'send', params: { to: globalRegionActorId(context.primaryRegion), message: { type: 'regionDetached', from: context.self, region: context.region } } });
        enqueue.assign({ promotion: { how: 'detach', oldPrimary: context.primaryRegion } });
      }),
      /**
       * A managed failover promotes without waiting (§11.1) and tries, best-effort, to fence the
       * old primary's storage (§13, G2); the timeout is reported, never hidden.
       */
      startFailover: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'failover') return;
        const oldPrimary = context.primaryRegion;
        const promotion: Promotion = event.failureAtMs === undefined ? { how: 'failover', oldPrimary } : { how: 'failover', oldPrimary, failureAtMs: event.failureAtMs };
        // The fence is the old primary's claim of its own volume once this region opens (its
        // `rejoin`); its timer runs from now.
        enqueue.assign({ promotion, fence: { region: oldPrimary, outcome: 'pending' } });
        enqueue.cancel(GLOBAL_FENCE_TIMER);
        enqueue.raise({ type: 'fenceTimedOut' }, { delay: context.fenceTimeoutMs, id: GLOBAL_FENCE_TIMER });
      }),

      // --- promotion ------------------------------------------------------------------------
      /** Recovery of the region's own volume at its durable LSN (§7; §11.1, managed failover). */
      askRecovery: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        const endpoint = context.volumeEndpoints[context.region];
        if (endpoint === undefined || context.promotion === undefined) return;
        enqueue({
          type: 'send',
          params: { to: endpoint, message: { type: 'globalRecover', from: context.self, region: context.region, how: context.promotion.how, durableLsn: context.durableLsn } },
        });
      }),
      /**
       * Open as the primary at the recovered VDL. RPO control counts every other region from
       * here, at that VDL; after a failover, not the old primary until it rejoins and reports.
       */
      notePromoted: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'recovered' || context.promotion === undefined) return;
        const { how, oldPrimary, failureAtMs } = context.promotion;
        if (how === 'detach') return;
        const primaryTerm = context.primaryTerm + 1;
        const promoted: GlobalObservation =
          failureAtMs === undefined
            ? { kind: 'promoted', region: context.region, oldPrimary, vdl: event.vdl, how, primaryTerm }
            : { kind: 'promoted', region: context.region, oldPrimary, vdl: event.vdl, how, failureAtMs, primaryTerm };
        enqueue({ type: 'observe', params: promoted });
        const counted = context.regions.filter((region) => region !== context.region && (how === 'switchover' || region !== oldPrimary));
        // Replication reverses (§13, G3 and G4): every other secondary follows this region from
        // its start, annulling what its recovery annulled (one behind the start copies the rest
        // from here first); the old primary too: after a switchover at once, after a failover
        // through its own storage, which is the fence (G2), whenever its region can do it.
        const start = event.truncatedThroughLsn === undefined ? { vdl: event.vdl } : { vdl: event.vdl, truncateThroughLsn: event.truncatedThroughLsn };
        const oldPrimaryOrder = how === 'switchover' ? ('demote' as const) : ('rejoin' as const);
        enqueue({ type: 'send', params: { to: globalRegionActorId(oldPrimary), message: { type: oldPrimaryOrder, from: context.self, newPrimary: context.region, primaryTerm, ...start } } });
        for (const region of context.regions) {
          if (region === oldPrimary || region === context.region) continue;
          enqueue({ type: 'send', params: { to: globalRegionActorId(region), message: { type: 'primaryChanged', from: context.self, primary: context.region, primaryTerm, ...start } } });
        }
        enqueue.assign({
          primaryTerm,
          writer: event.writer ?? context.writer,
          primaryRegion: context.region,
          durableByRegion: Object.fromEntries(counted.map((region) => [region, event.vdl])),
          primaryCommits: [],
          heldCommits: [],
          pendingRecords: [],
          pendingCpls: [],
          promotion: undefined,
        });
      }),
      noteDetached: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'recovered') return;
        enqueue({ type: 'observe', params: { kind: 'detached', region: context.region, vdl: event.vdl } });
        enqueue.assign({ primaryRegion: context.region, durableByRegion: {}, primaryCommits: [], pendingRecords: [], pendingCpls: [], promotion: undefined });
      }),
      /** The fence succeeded: S18 binds the old primary from here. */
      noteFenced: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        if (context.fence === undefined) return;
        enqueue.cancel(GLOBAL_FENCE_TIMER);
        enqueue({ type: 'observe', params: { kind: 'fenced', region: context.fence.region } });
        enqueue.assign({ fence: { region: context.fence.region, outcome: 'fenced' } });
      }),
      /** The fence gave up: split brain is possible, and said so (§13, G2). */
      noteFenceTimedOut: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        if (context.fence === undefined) return;
        enqueue({ type: 'observe', params: { kind: 'fenceTimedOut', region: context.fence.region } });
        enqueue.assign({ fence: { region: context.fence.region, outcome: 'timedOut' } });
      }),

      /** An operator asked to promote the primary: nothing to do, and said so. */
      refuseAsPrimary: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        const how = event.type === 'failover' ? ('failover' as const) : ('switchover' as const);
        enqueue({ type: 'observe', params: { kind: 'promotionRefused', region: context.region, how, reason: `${context.region} is the primary already` } });
      }),

      // --- switchover (§13, G3) --------------------------------------------------------------
      /** On the target: an operator's switchover goes to the primary, which runs it. */
      askSwitchover: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'send', params: { to: globalRegionActorId(context.primaryRegion), message: { type: 'beginSwitchover', from: context.self, target: context.region } } });
      }),
      /** On the primary: no more commits; the writer drains, and says when its VDL is final. */
      beginSwitchoverRun: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'beginSwitchover') return;
        if (event.target !== undefined) {
          enqueue({ type: 'observe', params: { kind: 'switchoverStarted', region: context.region, target: event.target } });
          enqueue.assign({ switchover: { target: event.target, finalVdl: undefined, sent: false } });
          enqueue.cancel(GLOBAL_SWITCHOVER_TIMER);
          enqueue.raise({ type: 'switchoverTimedOut' }, { delay: context.switchoverTimeoutMs, id: GLOBAL_SWITCHOVER_TIMER });
        }
        if (context.writer !== undefined) enqueue({ type: 'send', params: { to: context.writer, message: { type: 'readOnlyRequest', from: context.self, readOnly: true } } });
      }),
      noteDrained: globalRegionBase.assign({
        switchover: ({ context, event }) =>
          event.type === 'writerReadOnly' && event.readOnly && event.drained && context.switchover !== undefined && context.switchover.finalVdl === undefined
            ? { ...context.switchover, finalVdl: event.vdl }
            : context.switchover,
      }),
      /**
       * The primary's VDL is final and every secondary it counts holds it durably: the target may
       * promote with nothing lost (RPO 0). Until then the writer is asked again each tick; after,
       * the target is told again each tick until it demotes this region (a message may be lost).
       */
      pushSwitchover: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        const run = context.switchover;
        if (run === undefined) return;
        if (run.finalVdl === undefined) {
          if (context.writer !== undefined) enqueue({ type: 'send', params: { to: context.writer, message: { type: 'readOnlyRequest', from: context.self, readOnly: true } } });
          return;
        }
        const finalVdl = run.finalVdl;
        if (!Object.values(context.durableByRegion).every((durableLsn) => durableLsn >= finalVdl)) return;
        enqueue({ type: 'send', params: { to: globalRegionActorId(run.target), message: { type: 'switchover', from: context.self, primaryVdl: finalVdl, primaryReadOnly: true } } });
        if (run.sent) return;
        enqueue.cancel(GLOBAL_SWITCHOVER_TIMER);
        enqueue({ type: 'observe', params: { kind: 'switchoverReady', region: context.region, target: run.target, finalVdl } });
        enqueue.assign({ switchover: { ...run, sent: true } });
      }),
      /** Called off (timed out before the hand-over, or refused by the target): the writer takes writes again. */
      cancelSwitchoverRun: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        const run = context.switchover;
        if (run !== undefined) {
          const reason =
            event.type === 'switchoverRefused'
              ? `refused by ${run.target}: ${event.reason}`
              : run.finalVdl === undefined
                ? `the writer did not drain within ${context.switchoverTimeoutMs} ms`
                : `the secondaries did not reach the final VDL ${run.finalVdl} within ${context.switchoverTimeoutMs} ms`;
          enqueue({ type: 'observe', params: { kind: 'switchoverCancelled', region: context.region, target: run.target, reason } });
        }
        enqueue.cancel(GLOBAL_SWITCHOVER_TIMER);
        if (context.writer !== undefined) enqueue({ type: 'send', params: { to: context.writer, message: { type: 'readOnlyRequest', from: context.self, readOnly: false } } });
        enqueue.assign({ switchover: undefined });
      }),
      /** A detached secondary no longer counts, for RPO control or a switchover. */
      forgetDetached: globalRegionBase.assign({
        durableByRegion: ({ context, event }) =>
          event.type === 'regionDetached' ? Object.fromEntries(Object.entries(context.durableByRegion).filter(([region]) => region !== event.region)) : context.durableByRegion,
      }),
      /** A secondary told where a switchover's new primary starts follows it from there. */
      followNewPrimary: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'primaryChanged' || event.vdl === undefined) return;
        const holdsThroughLsn = context.durableLsn < event.vdl ? context.durableLsn : event.vdl;
        enqueue.assign(
          follow(context, { newPrimary: event.primary, vdl: event.vdl, truncateThroughLsn: event.truncateThroughLsn, primaryTerm: event.primaryTerm ?? context.primaryTerm + 1, holdsThroughLsn }, enqueue),
        );
      }),

      // --- primary --------------------------------------------------------------------------
      /**
       * RPO control (§11.1): let the commit through iff `mayAcknowledgeCommit` allows and none is
       * held before it (commits are acknowledged in LSN order, §4); otherwise hold it.
       */
      gateCommit: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'commitGate') return;
        const lags = gateLags(context, context.primaryCommits);
        if (context.heldCommits.length === 0 && mayAcknowledgeCommit(context.rpoLimitMs, lags)) {
          enqueue({ type: 'send', params: { to: event.from, message: answer(context, event.commitLsn, true) } });
          enqueue.assign({ primaryCommits: [...context.primaryCommits, { lsn: event.commitLsn, atMs: context.nowMs }] });
          return;
        }
        enqueue({ type: 'observe', params: { kind: 'commitHeld', region: context.region, commitLsn: event.commitLsn, rpoLagsMs: lags } });
        enqueue.assign({ heldCommits: [...context.heldCommits, { from: event.from, commitLsn: event.commitLsn, sinceMs: context.nowMs }] });
      }),
      /** A secondary's durable LSN moved: its lag may drop below the limit and let held commits go. */
      recordRegionDurable: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'regionDurable' || event.region === context.region) return;
        const before = context.durableByRegion[event.region] ?? LSN_ZERO;
        const durableByRegion = { ...context.durableByRegion, [event.region]: event.durableLsn > before ? event.durableLsn : before };
        const counted: GlobalRegionContext = { ...context, durableByRegion };
        let commits = context.primaryCommits;
        let released = 0;
        for (const held of context.heldCommits) {
          if (!mayAcknowledgeCommit(context.rpoLimitMs, gateLags(counted, commits))) break;
          enqueue({ type: 'send', params: { to: held.from, message: answer(context, held.commitLsn, true) } });
          enqueue({ type: 'observe', params: { kind: 'commitReleased', region: context.region, commitLsn: held.commitLsn, blockedMs: context.nowMs - held.sinceMs } });
          commits = [...commits, { lsn: held.commitLsn, atMs: context.nowMs }];
          released += 1;
        }
        const floor = Object.values(durableByRegion).reduce<Lsn>((low, lsn) => (lsn < low ? lsn : low), commits[commits.length - 1]?.lsn ?? LSN_ZERO);
        enqueue.assign({ durableByRegion, primaryCommits: commitsFrom(commits, floor), heldCommits: context.heldCommits.slice(released) });
      }),
      /** Switchover draining or losing primacy: held commits are refused, not left waiting. */
      refuseHeldReadOnly: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        for (const held of context.heldCommits) enqueue({ type: 'send', params: { to: held.from, message: answer(context, held.commitLsn, false, 'readOnly') } });
        enqueue.assign({ heldCommits: [] });
      }),
      refuseHeldNotPrimary: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        for (const held of context.heldCommits) enqueue({ type: 'send', params: { to: held.from, message: answer(context, held.commitLsn, false, 'notPrimary') } });
        enqueue.assign({ heldCommits: [] });
      }),
      refuseCommitReadOnly: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'commitGate') return;
        enqueue({ type: 'send', params: { to: event.from, message: answer(context, event.commitLsn, false, 'readOnly') } });
      }),
      refuseCommitNotPrimary: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'commitGate') return;
        enqueue({ type: 'send', params: { to: event.from, message: answer(context, event.commitLsn, false, 'notPrimary') } });
      }),
      /** A detached cluster is standalone: no RPO control applies (§11.1, detach and promote). */
      allowCommit: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'commitGate') return;
        enqueue({ type: 'send', params: { to: event.from, message: answer(context, event.commitLsn, true) } });
      }),
      /** After a switchover the old primary holds the log up to the new start and replicates at once (§12, S17). */
      becomeSecondary: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'demote') return;
        enqueue.cancel(GLOBAL_SWITCHOVER_TIMER);
        // The old primary holds the log up to the new start: its VDL was final there (§13, G3).
        enqueue.assign(
          follow(context, { newPrimary: event.newPrimary, vdl: event.vdl, truncateThroughLsn: event.truncateThroughLsn, primaryTerm: event.primaryTerm ?? context.primaryTerm + 1, holdsThroughLsn: event.vdl }, enqueue),
        );
      }),
      noteRejoin: globalRegionBase.assign({
        rebuildFrom: ({ context, event }) =>
          event.type === 'rejoin'
            ? {
                newPrimary: event.newPrimary,
                vdl: event.vdl,
                ...(event.truncateThroughLsn === undefined ? {} : { truncateThroughLsn: event.truncateThroughLsn }),
                ...(event.primaryTerm === undefined ? {} : { primaryTerm: event.primaryTerm }),
              }
            : context.rebuildFrom,
        primaryRegion: ({ context, event }) => (event.type === 'rejoin' ? event.newPrimary : context.primaryRegion),
      }),
      /** Rebuild the volume from the new primary's starting point (§13, G4). */
      askRebuild: globalRegionBase.enqueueActions(({ context, enqueue }) => {
        const from = context.rebuildFrom;
        if (from === undefined) return;
        const primaryTerm = from.primaryTerm ?? context.primaryTerm + 1;
        // The old primary holds the log up to the new start and beyond (the lost suffix, annulled).
        follow(context, { newPrimary: from.newPrimary, vdl: from.vdl, truncateThroughLsn: from.truncateThroughLsn, primaryTerm, holdsThroughLsn: from.vdl, rebuild: true }, enqueue);
        enqueue.assign({ primaryTerm, writer: undefined, switchover: undefined });
      }),
      /** The agent claimed the volume: no writer here can reach a write quorum any more, which the new primary hears as the fence's success (§13, G2). */
      startReplicatingFrom: globalRegionBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'rebuilt') return;
        const newPrimary = context.rebuildFrom?.newPrimary ?? context.primaryRegion;
        enqueue({ type: 'send', params: { to: globalRegionActorId(newPrimary), message: { type: 'fenced', from: context.self, region: context.region } } });
        enqueue.assign({ ...secondaryAt(newPrimary, event.vdl), primaryTerm: context.primaryTerm });
      }),
    },
  })
  .createMachine({
    id: 'globalRegion',
    context: ({ input }) => {
      const problem = globalRegionInputProblem(input);
      if (problem !== undefined) throw new GlobalRegionInputError(`globalRegion input: ${problem}`);
      return {
        self: input.self,
        region: input.region,
        primaryRegion: input.primaryRegion,
        regions: input.regions,
        volumeEndpoints: input.volumeEndpoints,
        instances: input.instances ?? 1,
        rpoLimitMs: input.rpoLimitMs,
        lagTickMs: input.lagTickMs ?? 1000,
        laggingAfterMs: input.laggingAfterMs ?? 5000,
        cutOffAfterMs: input.cutOffAfterMs ?? 10_000,
        fenceTimeoutMs: input.fenceTimeoutMs ?? 30_000,
        nowMs: 0,
        linkUp: true,
        quietMs: 0,
        shippedPrimaryVdl: LSN_ZERO,
        secondaryVcl: LSN_ZERO,
        highestShippedLsn: LSN_ZERO,
        pendingRecords: [],
        pendingCpls: [],
        earlyShipments: [],
        durableLsn: LSN_ZERO,
        rpoLagMs: 0,
        primaryCommits: [],
        durableByRegion:
          input.primaryRegion === input.region ? Object.fromEntries(input.regions.filter((region) => region !== input.region).map((region) => [region, LSN_ZERO])) : {},
        heldCommits: [],
        promotion: undefined,
        fence: undefined,
        rebuildFrom: undefined,
        switchoverTimeoutMs: input.switchoverTimeoutMs ?? 60_000,
        writer: input.writer,
        controlPlane: input.controlPlane,
        agent: input.agent,
        primaryTerm: 0,
        switchover: undefined,
      };
    },
    entry: 'armLagTick',
    initial: 'starting',
    on: {
      lagTick: { actions: 'tick' },
      fenced: { guard: 'fenceOpen', actions: 'noteFenced' },
      fenceTimedOut: { guard: 'fencePending', actions: 'noteFenceTimedOut' },
    },
    states: {
      starting: {
        always: [{ guard: 'startsPrimary', target: 'primary' }, { target: 'secondary' }],
      },
      primary: {
        initial: 'writable',
        on: {
          regionDurable: { actions: 'recordRegionDurable' },
          regionDetached: { actions: 'forgetDetached' },
          rejoin: { target: 'rejoining', actions: ['refuseHeldNotPrimary', 'noteRejoin'] },
          switchoverTo: { actions: 'refuseAsPrimary' },
          failover: { actions: 'refuseAsPrimary' },
        },
        states: {
          writable: {
            on: {
              commitGate: { actions: 'gateCommit' },
              beginSwitchover: { target: 'readOnly', actions: 'beginSwitchoverRun' },
            },
          },
          readOnly: {
            // Switchover draining: the VDL is final once nothing more commits (§13, G3).
            entry: 'refuseHeldReadOnly',
            on: {
              lagTick: { actions: ['tick', 'pushSwitchover'] },
              commitGate: { actions: 'refuseCommitReadOnly' },
              writerReadOnly: { actions: ['noteDrained', 'pushSwitchover'] },
              regionDurable: { actions: ['recordRegionDurable', 'pushSwitchover'] },
              regionDetached: { actions: ['forgetDetached', 'pushSwitchover'] },
              switchoverRefused: { target: 'writable', actions: 'cancelSwitchoverRun' },
              switchoverTimedOut: { guard: 'switchoverNotSent', target: 'writable', actions: 'cancelSwitchoverRun' },
              cancelSwitchover: { guard: 'switchoverNotSent', target: 'writable', actions: 'cancelSwitchoverRun' },
              demote: { target: '#globalRegion.secondary', actions: 'becomeSecondary' },
            },
          },
        },
      },
      secondary: {
        initial: 'replicating',
        on: {
          globalShip: { actions: 'receiveShipment' },
          volumeVcl: { actions: 'receiveVcl' },
          linkDown: { actions: 'noteLinkDown' },
          linkUp: { actions: 'noteLinkUp' },
          primaryChanged: [{ guard: 'followsFrom', target: '.replicating', actions: 'followNewPrimary' }, { actions: 'followPrimary' }],
          switchoverTo: { actions: 'askSwitchover' },
          commitGate: { actions: 'refuseCommitNotPrimary' },
          switchover: [{ guard: 'switchoverAllowed', target: 'promoting', actions: 'startSwitchover' }, { actions: 'refuseSwitchover' }],
          failover: { target: 'promoting', actions: 'startFailover' },
          detach: { target: 'promoting', actions: 'startDetach' },
        },
        states: {
          replicating: {
            always: [
              { guard: 'cutOff', target: 'cutOff' },
              { guard: 'overLagThreshold', target: 'lagging' },
            ],
          },
          lagging: {
            always: [
              { guard: 'cutOff', target: 'cutOff' },
              { guard: 'withinLagThreshold', target: 'replicating' },
            ],
          },
          cutOff: {
            always: [
              { guard: 'reconnectedWithinLag', target: 'replicating' },
              { guard: 'reconnectedOverLag', target: 'lagging' },
            ],
          },
        },
      },
      promoting: {
        entry: 'askRecovery',
        on: {
          recovered: [{ guard: 'detaching', target: 'detached', actions: 'noteDetached' }, { target: 'primary', actions: 'notePromoted' }],
          commitGate: { actions: 'refuseCommitNotPrimary' },
        },
      },
      rejoining: {
        entry: 'askRebuild',
        on: {
          rebuilt: { target: 'secondary', actions: 'startReplicatingFrom' },
          commitGate: { actions: 'refuseCommitNotPrimary' },
        },
      },
      detached: {
        on: { commitGate: { actions: 'allowCommit' } },
      },
    },
  });
