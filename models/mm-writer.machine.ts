/**
 * MultiWriter: one writer instance of a multi-writer cluster (docs/protocol.md §11.2), systemId
 * `mm-writer:<instance>`. Every writer serves reads and writes on the one shared volume: it proposes
 * a change per page a transaction writes to the page's PG, reads the segments' votes, commits when
 * every change is approved, and rolls the transaction back whole, with a deadlock error to the
 * client, when one is rejected. Approved commits and rollbacks are shipped to the other writers,
 * which apply them to their pages (`mm-writer-state.ts` holds the steps and says why).
 *
 * States: `serving`, and `crashed` (the instance, or its AZ, is down; tagged `offline`, so the
 * kernel network drops its traffic). There is no failover: the other writers go on serving, and
 * clients of the crashed one go to a live writer.
 *
 * Every transition is a pure function of (snapshot, event): the steps return a new context and
 * their effects as data (one `effects` action, `models/effects.ts`), and timers are delayed raises
 * with explicit ids. The machine never reads a clock or draws chance.
 */
import { setup } from 'xstate';
import { effectsAction, unprovidedEffect } from './effects.js';
import type { EffectsParams } from './effects.js';
import type { TxnRequestMessage } from './messages.js';
import type { MwPositionMessage, MwPositionQueryMessage, MwShipAckMessage, MwShipMessage, PageVoteMessage } from './mw-messages.js';
import type { MwContext, MwPg, MwStep } from './mm-writer-state.js';
import { onCrash, onPageVote, onPosition, onPositionQuery, onResendTick, onRestart, onShip, onShipAck, onShipTick, onTxnRequest, onVoteTick, silentPeers, MW_RESEND_TIMER } from './mm-writer-state.js';
import type { PageLayout } from '../src/protocol/pages.js';
import type { MultiWriterConsistency } from '../src/protocol/multi-writer.js';
import { REPLICATION_DELAY_MS_DEFAULT } from '../src/protocol/multi-writer.js';
import type { SegmentId } from '../src/protocol/ids.js';
import { kOfN } from '../src/protocol/quorum.js';
import type { PlantName } from '../src/protocol/plants.js';

/** The systemId of a multi-writer instance's statechart. */
export const mmWriterId = (instance: string): string => `mm-writer:${instance}`;

/** Input of {@link mmWriterMachine}. */
export interface MwInput {
  /** `mm-writer:<instance>`. */
  self: string;
  /** The other writers' systemIds. */
  peers: readonly string[];
  /** Each PG's members and write quorum (4 of 6). */
  pgs: readonly { pg: number; members: readonly string[]; write: MwPg['write'] }[];
  layout: PageLayout;
  consistency: MultiWriterConsistency;
  /** How long an approved commit waits before it ships to the other writers. @defaultValue 5 */
  replicationDelayMs?: number;
  /** How often entries not acknowledged are shipped again. @defaultValue 200 */
  resendMs?: number;
  /** REGIONAL_RAW: how long a silent writer is waited for before it is taken as down. @defaultValue 200 */
  positionTimeoutMs?: number;
  /** How often undecided changes are proposed again to segments that have not voted. @defaultValue 100 */
  voteResendMs?: number;
  /** Vote rounds after which an undecided transaction is given up. @defaultValue 50 */
  voteRoundsMax?: number;
  /** `write-quorum-3of6` makes the writer take 3 accepting segments of 6 as approval (docs/plants.md). */
  plant?: PlantName;
}

/** Events of {@link mmWriterMachine}. */
export type MwEvent =
  | TxnRequestMessage
  | PageVoteMessage
  | MwShipMessage
  | MwShipAckMessage
  | MwPositionQueryMessage
  | MwPositionMessage
  | { type: 'mwShipTick' }
  | { type: 'mwResendTick' }
  | { type: 'mwVoteTick'; txnId: number }
  | { type: 'mwPositionTimeout'; txnId: number }
  | { type: 'crash' }
  | { type: 'restart' }
  | { type: 'outage'; cause?: string }
  | { type: 'recover'; cause?: string };

/** The first problem of `input`, or undefined: checked when the actor starts. */
export function mmWriterInputProblem(input: MwInput): string | undefined {
  for (const field of ['replicationDelayMs', 'resendMs', 'positionTimeoutMs', 'voteResendMs', 'voteRoundsMax'] as const) {
    const value = input[field];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) return `mmWriter ${input.self}: ${field} must be a finite number >= 0, got ${value}`;
  }
  return undefined;
}

function contextOf(input: MwInput): MwContext {
  const problem = mmWriterInputProblem(input);
  if (problem !== undefined) throw new RangeError(problem);
  const pgs: Record<number, MwPg> = {};
  for (const pg of input.pgs) {
    // The planted mistake: three accepting segments of six count as approval (docs/plants.md).
    const write = input.plant === 'write-quorum-3of6' ? kOfN(3, pg.members as SegmentId[]) : pg.write;
    pgs[pg.pg] = { members: pg.members, write };
  }
  return {
    self: input.self,
    settings: {
      peers: input.peers,
      pgs,
      layout: input.layout,
      consistency: input.consistency,
      replicationDelayMs: input.replicationDelayMs ?? REPLICATION_DELAY_MS_DEFAULT,
      resendMs: input.resendMs ?? 200,
      positionTimeoutMs: input.positionTimeoutMs ?? 200,
      voteResendMs: input.voteResendMs ?? 100,
      voteRoundsMax: input.voteRoundsMax ?? 50,
    },
    pages: {},
    locks: {},
    waiting: [],
    txns: {},
    seq: 0,
    clock: 0,
    outbox: [],
    sent: {},
    acked: {},
    applied: {},
    early: {},
    unsettled: {},
    shipArmed: false,
    stats: { commits: 0, deadlocks: 0, rollbacks: 0, compensations: 0 },
  };
}

const base = setup({
  types: { context: {} as MwContext, events: {} as MwEvent, input: {} as MwInput },
  actions: {
    effects: unprovidedEffect<EffectsParams>('mmWriter', 'effects'),
  },
});

/** Runs one step of `mm-writer-state.ts`: the new context, the effects, then the timers. */
const run = (step: (context: MwContext, event: MwEvent) => MwStep | undefined) =>
  base.enqueueActions(({ context, event, enqueue }) => {
    const result = step(context, event);
    if (result === undefined) return;
    if (result.context !== context) enqueue.assign(() => result.context);
    if (result.effects.length > 0) enqueue(effectsAction(result.effects));
    for (const id of result.cancels) enqueue.cancel(id);
    for (const timer of result.timers) enqueue.raise(timer.event as MwEvent, { delay: timer.delayMs, id: timer.id });
  });

/** The multi-writer statechart; see the file header. */
export const mmWriterMachine = base
  .extend({
    actions: {
      armResend: base.raise({ type: 'mwResendTick' }, { delay: ({ context }) => context.settings.resendMs, id: MW_RESEND_TIMER }),
      takeTxn: run((context, event) => (event.type === 'txnRequest' ? onTxnRequest(context, event) : undefined)),
      takeVote: run((context, event) => (event.type === 'pageVote' ? onPageVote(context, event) : undefined)),
      takeShip: run((context, event) => (event.type === 'mwShip' ? onShip(context, event) : undefined)),
      takeShipAck: run((context, event) => (event.type === 'mwShipAck' ? onShipAck(context, event) : undefined)),
      answerPosition: run((context, event) => (event.type === 'mwPositionQuery' ? onPositionQuery(context, event) : undefined)),
      takePosition: run((context, event) => (event.type === 'mwPosition' ? onPosition(context, event.queryId, { [event.from]: event.seq }) : undefined)),
      positionTimedOut: run((context, event) => (event.type === 'mwPositionTimeout' ? onPosition(context, event.txnId, silentPeers(context, event.txnId)) : undefined)),
      ship: run((context) => onShipTick(context)),
      resend: run((context) => onResendTick(context)),
      voteTick: run((context, event) => (event.type === 'mwVoteTick' ? onVoteTick(context, event.txnId) : undefined)),
      crash: run((context) => onCrash(context)),
      restart: run((context) => onRestart(context)),
    },
  })
  .createMachine({
    id: 'mmWriter',
    context: ({ input }) => contextOf(input),
    initial: 'serving',
    states: {
      serving: {
        entry: 'armResend',
        on: {
          txnRequest: { actions: 'takeTxn' },
          pageVote: { actions: 'takeVote' },
          mwShip: { actions: 'takeShip' },
          mwShipAck: { actions: 'takeShipAck' },
          mwPositionQuery: { actions: 'answerPosition' },
          mwPosition: { actions: 'takePosition' },
          mwPositionTimeout: { actions: 'positionTimedOut' },
          mwShipTick: { actions: 'ship' },
          mwResendTick: { actions: 'resend' },
          mwVoteTick: { actions: 'voteTick' },
          crash: { target: 'crashed', actions: 'crash' },
          outage: { target: 'crashed', actions: 'crash' },
        },
      },
      crashed: {
        tags: ['offline'],
        on: {
          // Serving's entry sets the resend timer again; the restart step asks the kept transactions' votes.
          restart: { target: 'serving', actions: 'restart' },
          recover: { target: 'serving', actions: 'restart' },
        },
      },
    },
  });
