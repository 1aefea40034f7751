/**
 * Compute instance (docs/protocol.md §3, log and consistency points; §4, writes and commits; §7,
 * crash recovery; §9, failover; SIGMOD'17 §4.2; SIGMOD'18 §2.2–2.4).
 *
 * States: `writer.open` (serving transactions), `writer.fenced` (a segment reported a newer volume
 * epoch: another writer recovered the volume, so this one acknowledges nothing more), `reader`
 * (a replica, promotable), `standby` (a spare the control plane can turn into a writer when no
 * replica is left), `recovering.*` (crash recovery after a promotion, fence first: see
 * `recovery-state.ts`), `down` (crashed or its AZ is out; tagged `offline`; a restart comes back
 * as a replica, its memory gone).
 *
 * Write path: each transaction becomes one MTR (its puts plus a commit record, the CPL) with LSNs
 * allocated under the LAL (back-pressure queues it otherwise); records go into per-PG boxcars whose
 * flush is submitted when the first record enters and which carry whatever queued until the link
 * takes them; each batch goes to all six segments. Acks carry SCLs; PGCL, VCL and VDL come from
 * `src/protocol/watermarks.ts`. A commit is acknowledged iff VDL ≥ its commit LSN. The redo stream
 * and VDL advances are published (the `publish` effect) for replicas and other regions.
 *
 * This file holds the chart, its guards and delays, and the actions every role shares. Each
 * role's actions are in their own file: `writer-actions.ts`, `recovery-actions.ts`,
 * `replica-actions.ts`; the context, events, timer ids and context factory in `instance-setup.ts`;
 * the input and its defaults in `instance-options.ts`. Every transition is a pure function of
 * the snapshot and the event: no action or guard writes into the context or the event.
 */
import type { Lsn } from '../src/protocol/ids.js';
import type { WriterContext, WriterEvent } from './instance-setup.js';
import { createInstanceContext, instanceSetup, LAG_CHECK_MS, MRPL_REPORT_TIMER } from './instance-setup.js';
import type { SendParams } from './messages.js';
import { everyMemberAnswered, readQuorumOfEveryPg, repairedOnWriteQuorums, truncatedOnWriteQuorums } from './recovery-state.js';
import { recoveryActions } from './recovery-actions.js';
import { replicaActions } from './replica-actions.js';
import { serverlessActions } from './serverless-actions.js';
import { writerActions } from './writer-actions.js';

export type { InstanceGrowth, InstanceOptions, InstancePg, InstanceServerless, WriterInput, WriterPgInput } from './instance-options.js';
export { resolveInstanceOptions } from './instance-options.js';
export type { WriterContext, WriterEvent } from './instance-setup.js';
export {
  hedgeTimerId,
  linkTimerId,
  MRPL_REPORT_TIMER,
  RECOVERY_GRACE_TIMER,
  RECOVERY_RETRY_TIMER,
  REPLICA_APPLY_TIMER,
  REPLICA_LAG_TIMER,
  REPLICA_RESTART_TIMER,
  WRITER_RETRANSMIT_TIMER,
} from './instance-setup.js';

/** A refusal for a transaction the instance cannot take now (clients see errors, not silence). */
function refusal(context: WriterContext, event: WriterEvent, reason: 'fenced' | 'recovering' | 'restarting' | 'readOnly'): SendParams {
  const txnId = event.type === 'txnRequest' ? event.txnId : -1;
  const to = event.type === 'txnRequest' ? event.from : context.self;
  return { to, message: { type: 'txnFail', from: context.self, txnId, reason } };
}

/** The writer's VDL, for a write forwarder's GLOBAL read (docs/protocol.md §11.1, write forwarding). */
function vdlAnswer(context: WriterContext, event: WriterEvent): SendParams {
  const queryId = event.type === 'vdlQuery' ? event.queryId : -1;
  const to = event.type === 'vdlQuery' ? event.from : context.self;
  return { to, message: { type: 'vdlAnswer', from: context.self, queryId, vdl: context.state.tracker.vdl } };
}

/** The answer to a health check from an instance in `state`. */
function pong(context: WriterContext, event: WriterEvent, state: string): SendParams {
  const round = event.type === 'healthPing' ? event.round : -1;
  const to = event.type === 'healthPing' ? event.from : context.self;
  return { to, message: { type: 'healthPong', from: context.self, round, role: context.role, state, volumeEpoch: context.volumeEpoch } };
}

/** Health-check handling for a state: the answer names the state. */
const answersHealthAs = (state: string) => ({
  healthPing: { actions: { type: 'send' as const, params: ({ context, event }: { context: WriterContext; event: WriterEvent }) => pong(context, event, state) } },
});

/** Actions the writer and reader roles share. */
const sharedActions = {
  /**
   * Tells every member of every PG this instance's minimum read point there (docs/protocol.md §5,
   * reads; §13, V11): the lowest read point of its page reads in flight on the PG, else its current
   * read point (the writer's VDL, a replica's applied VDL). Every later read is at or above it. A
   * replica that has no read point yet (just restarted) says nothing.
   */
  reportMrpl: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const period = context.options.mrplReportMs;
    if (period <= 0) return;
    const readPoint = context.role === 'writer' ? context.state.tracker.vdl : context.replica.appliedLsn;
    if (context.role === 'writer' || readPoint > 0) {
      const lowestByPg: Record<number, Lsn> = {};
      const inflight = context.role === 'writer' ? context.state.reads.inflight : context.replica.reads.inflight;
      for (const read of Object.values(inflight)) {
        const lowest = lowestByPg[read.pg];
        if (lowest === undefined || read.readPoint < lowest) lowestByPg[read.pg] = read.readPoint;
      }
      for (const config of Object.values(context.state.membership.configs)) {
        const mrplLsn = Math.min(readPoint, lowestByPg[config.pg] ?? readPoint) as Lsn;
        for (const member of config.members) {
          enqueue({ type: 'send', params: { to: member, message: { type: 'setMrpl', from: context.self, pg: config.pg, mrplLsn } } });
        }
        enqueue({ type: 'observe', params: { kind: 'mrplReported', instance: context.self, pg: config.pg, mrplLsn } });
      }
    }
    enqueue.cancel(MRPL_REPORT_TIMER);
    enqueue.raise({ type: 'mrplTick' }, { delay: period, id: MRPL_REPORT_TIMER });
  }),
};

/** What an open writer does whether or not it takes writes: acks, retransmits, reads, membership changes. */
const writerDuties = {
  mrplTick: { actions: 'reportMrpl' as const },
  writeAck: { actions: 'handleAck' as const },
  commitGateAnswer: { actions: 'handleGateAnswer' as const },
  writeReject: [{ guard: 'newerVolumeEpoch' as const, target: '#instance.writer.fenced' }, { actions: 'resendRejected' as const }],
  linkFree: { actions: 'handleLinkFree' as const },
  retransmitTick: { actions: 'handleRetransmit' as const },
  pageData: { actions: 'handlePage' as const },
  readReject: { actions: 'hedgeRead' as const },
  readHedge: { actions: 'hedgeRead' as const },
  replaceSegment: { actions: 'startMembershipChange' as const },
  changeQuorumModel: { actions: 'startMembershipChange' as const },
  finishMembershipChange: { actions: 'settleMembershipChange' as const },
  membershipAck: { actions: 'handleMembershipAck' as const },
  // A write forwarder's GLOBAL read asks where the primary is (docs/protocol.md §11.1).
  vdlQuery: { actions: { type: 'send' as const, params: ({ context, event }: { context: WriterContext; event: WriterEvent }) => vdlAnswer(context, event) } },
};

/** The instance; see the file header. */
export const writerMachine = instanceSetup.extend({
  actions: { ...writerActions, ...recoveryActions, ...replicaActions, ...sharedActions, ...serverlessActions },
  delays: {
    fencedRestart: ({ context }) => context.options.fencedRestartMs,
  },
  guards: {
    // A Serverless v2 instance at 0 ACU (docs/protocol.md §11.3).
    paused: ({ context }) => context.serverless?.paused === true,
    newerVolumeEpoch: ({ context, event }) => event.type === 'writeReject' && event.reason === 'staleVolumeEpoch' && event.volumeEpoch > context.volumeEpoch,
    startsAsWriter: ({ context }) => context.role === 'writer',
    startsAsReader: ({ context }) => context.role === 'reader',
    readOnlyWanted: ({ event }) => event.type === 'readOnlyRequest' && event.readOnly,
    writableWanted: ({ event }) => event.type === 'readOnlyRequest' && !event.readOnly,
    readsOnly: ({ event }) => event.type === 'txnRequest' && event.ops.every((op) => op.f === 'get'),
    laggingTooFar: ({ context }) => context.replica.appliedLsn < context.vdlAtLagCheck && (context.behindChecks + 1) * LAG_CHECK_MS >= context.options.maxReplicaLagMs,
    casWon: ({ context, event }) => event.type === 'metadataState' && event.request === 'cas' && event.ok && event.volumeEpoch > context.volumeEpoch,
    casLost: ({ event }) => event.type === 'metadataState' && event.request === 'cas' && !event.ok,
    metadataRead: ({ event }) => event.type === 'metadataState' && event.request === 'read',
    rangeRecorded: ({ context, event }) => event.type === 'metadataState' && event.request === 'recordTruncation' && event.ok && context.recovery !== undefined,
    readQuorumOfEveryPg: ({ context }) => context.recovery !== undefined && readQuorumOfEveryPg(context.recovery),
    everyMemberAnswered: ({ context }) => context.recovery !== undefined && everyMemberAnswered(context.recovery),
    truncatedOnWriteQuorums: ({ context }) => context.recovery !== undefined && truncatedOnWriteQuorums(context.recovery),
    repairedOnWriteQuorums: ({ context }) => context.recovery !== undefined && repairedOnWriteQuorums(context.recovery),
  },
}).createMachine({
  id: 'instance',
  context: ({ input }) => createInstanceContext(input),
  initial: 'booting',
  on: {
    // Storage growth (docs/protocol.md §1.1): every role learns the volume's new PGs.
    geometryChanged: { actions: 'learnGeometry' },
    // Aurora Serverless v2 (docs/protocol.md §11.3): the scaler's question and its capacity, in every state.
    loadQuery: { actions: 'answerLoad' },
    capacitySet: { actions: 'applyCapacity' },
  },
  states: {
    booting: {
      always: [{ guard: 'startsAsWriter', target: 'writer' }, { guard: 'startsAsReader', target: 'reader' }, { target: 'standby' }],
    },
    writer: {
      initial: 'open',
      on: {
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
      states: {
        open: {
          entry: 'reportMrpl',
          on: {
            ...writerDuties,
            // Paused (Serverless v2 at 0 ACU): held until the instance has resumed, never refused.
            txnRequest: [{ guard: 'paused', actions: 'holdTransaction' }, { actions: ['countLoad', 'handleTransaction'] }],
            readOnlyRequest: [{ guard: 'readOnlyWanted', target: 'readOnly', actions: 'answerReadOnly' }, { actions: 'answerReadOnly' }],
            stepDown: { target: 'fenced' },
            // Backtrack in place (docs/protocol.md §10, backtrack): connections and uncommitted
            // work dropped, the volume recovered as it was at the point, at a new volume epoch.
            backtrack: { target: '#instance.recovering', actions: ['stopWriterTimers', 'rememberBacktrack'] },
            ...answersHealthAs('writer.open'),
          },
        },
        readOnly: {
          // A Global Database switchover drains the primary (docs/protocol.md §11.1, switchover):
          // writes are refused, reads and the commits already under way go on, so VDL becomes
          // final; then the region steps the writer down, or makes it writable again.
          on: {
            ...writerDuties,
            txnRequest: [
              { guard: 'readsOnly', actions: 'handleTransaction' },
              { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'readOnly') } },
            ],
            readOnlyRequest: [{ guard: 'writableWanted', target: 'open', actions: 'answerReadOnly' }, { actions: 'answerReadOnly' }],
            stepDown: { target: 'fenced' },
            ...answersHealthAs('writer.readOnly'),
          },
        },
        fenced: {
          // Another writer holds a newer volume epoch (SIGMOD'18 §2.4): acknowledge nothing more.
          // RDS then restarts the old writer as a replica (docs/protocol.md §9, failover), so it
          // can follow the new writer and be promoted again later.
          entry: 'stopWriterTimers',
          after: { fencedRestart: { target: '#instance.reader', actions: ['forgetWriterState', 'becomeReader'] } },
          on: {
            txnRequest: { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'fenced') } },
            ...answersHealthAs('writer.fenced'),
          },
        },
      },
    },
    reader: {
      initial: 'following',
      on: {
        ...answersHealthAs('reader'),
        promote: { target: 'recovering', actions: ['stopReplicaTimers', 'rememberRecoverTo'] },
        crash: { target: 'down', actions: 'stopReplicaTimers' },
        outage: { target: 'down', actions: 'stopReplicaTimers' },
      },
      states: {
        following: {
          entry: ['armLagCheck', 'reportMrpl'],
          on: {
            mrplTick: { actions: 'reportMrpl' },
            redoShip: { actions: 'receiveRedo' },
            applyDone: { actions: 'finishApply' },
            txnRequest: [{ guard: 'paused', actions: 'holdTransaction' }, { actions: ['countLoad', 'serveReplicaTxn'] }],
            pageData: { actions: 'handleReplicaPage' },
            readReject: { actions: 'retryReplicaRead' },
            replicaReadHedge: { actions: 'retryReplicaRead' },
            lagCheck: [{ guard: 'laggingTooFar', target: 'restarting', actions: 'dropReplicaState' }, { actions: 'checkLag' }],
          },
        },
        restarting: {
          // The process restarts: the stream it misses meanwhile is lost, its cache cold after.
          on: {
            restartDone: { target: 'following' },
            txnRequest: { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'restarting') } },
          },
        },
      },
    },
    standby: {
      on: {
        ...answersHealthAs('standby'),
        promote: { target: 'recovering', actions: 'rememberRecoverTo' },
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
    },
    recovering: {
      initial: 'readingMetadata',
      on: {
        txnRequest: { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'recovering') } },
        ...answersHealthAs('recovering'),
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
      states: {
        readingMetadata: {
          entry: ['readMetadata', 'armRetry'],
          on: {
            metadataState: { guard: 'metadataRead', target: 'claiming', actions: ['cancelRetry', 'rememberMetadata'] },
            recoveryRetry: { target: 'readingMetadata', reenter: true },
          },
        },
        claiming: {
          entry: ['claimEpoch', 'armRetry'],
          on: {
            // Messages get lost: claim again (the metadata service answers a repeat idempotently).
            recoveryRetry: { actions: ['claimEpoch', 'armRetry'] },
            metadataState: [
              { guard: 'casWon', target: 'reading', actions: ['cancelRetry', 'rememberMetadata', 'openVolume'] },
              // Someone else recovered first (docs/protocol.md §7.1, step 1): stand by; the control
              // plane decides.
              { guard: 'casLost', target: '#instance.standby', actions: ['cancelRetry', 'forgetWriterState', 'becomeStandby'] },
            ],
          },
        },
        reading: {
          entry: 'armRetry',
          on: {
            recoveryState: { actions: 'recordResponse' },
            recoveryRetry: { actions: ['resendRecoveryOpens', 'armRetry'] },
          },
          always: [
            { guard: 'everyMemberAnswered', target: 'planning' },
            { guard: 'readQuorumOfEveryPg', target: 'graceForStragglers' },
          ],
        },
        graceForStragglers: {
          // A read quorum of every PG answered; give the others a moment so repair can skip
          // records already on a write quorum.
          entry: 'startGrace',
          on: {
            recoveryState: { actions: 'recordResponse' },
            recoveryGraceOver: { target: 'planning' },
            recoveryRetry: { actions: ['resendRecoveryOpens', 'armRetry'] },
          },
          always: { guard: 'everyMemberAnswered', target: 'planning' },
        },
        planning: {
          entry: ['cancelRetry', 'planAndRecord', 'armRetry'],
          on: {
            metadataState: { guard: 'rangeRecorded', target: 'truncating' },
            recoveryRetry: { target: 'planning', reenter: true },
          },
        },
        truncating: {
          entry: ['sendTruncates', 'armRetry'],
          on: {
            truncateAck: { actions: 'recordEpochAck' },
            writeAck: { actions: 'recordEpochAck' },
            recoveryRetry: { actions: ['sendTruncates', 'armRetry'] },
          },
          always: { guard: 'truncatedOnWriteQuorums', target: 'repairing' },
        },
        repairing: {
          entry: ['sendRepairs', 'armRetry'],
          on: {
            truncateAck: { actions: 'recordEpochAck' },
            writeAck: { actions: 'recordEpochAck' },
            recoveryRetry: { actions: ['sendTruncates', 'sendRepairs', 'armRetry'] },
          },
          always: { guard: 'repairedOnWriteQuorums', target: '#instance.writer.open', actions: ['cancelRetry', 'becomeWriter'] },
        },
      },
    },
    down: {
      // In-memory state is lost; a restart brings the instance back as a replica (docs/protocol.md
      // §9, failover).
      tags: ['offline'],
      entry: ['stopWriterTimers', 'forgetWriterState', 'dropHeld'],
      on: {
        restart: { target: 'reader', actions: 'becomeReader' },
        recover: { target: 'reader', actions: 'becomeReader' },
      },
    },
  },
});
