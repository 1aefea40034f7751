/**
 * The writer's write acks (SIGMOD'18 §2.3; SIGMOD'17 §4.1, §4.2.2): each ack folds into the
 * durability tracker (SCL → PGCL → VCL → VDL); when VDL advances, the commits it covers are
 * acknowledged, the values it covers become what reads see, and the advance is published. Pure
 * steps over the writer's state (`writer-state.ts`); effects are appended to `effects`, the
 * calling action's list for this step.
 */
import { queueAt, queueDrop, queueSize, tableGet, tableUpdate } from '../src/protocol/chunked.js';
import type { PgId } from '../src/protocol/ids.js';
import type { DurabilityTracker } from '../src/protocol/watermarks.js';
import { pgclOf, recordAck } from '../src/protocol/watermarks.js';
import type { CommitGateAnswerMessage, RedoRecord, WireMessage, WriteAckMessage } from './messages.js';
import type { PendingCommit, PendingValue, VdlPublication, WriterEffect, WriterIdentity, WriterState } from './writer-state.js';
import { withWriter } from './writer-state.js';

/**
 * Folds one ack into the watermarks (SCL → PGCL → VCL → VDL); when VDL advances, acknowledges
 * every commit it now covers (ack iff VDL ≥ commit LSN, SIGMOD'17 §4.2.2) and applies the values.
 */
export function applyAck(state: WriterState, who: WriterIdentity, ack: WriteAckMessage, effects: WriterEffect[]): { state: WriterState; vdlAdvanced: boolean } {
  if (ack.volumeEpoch !== who.volumeEpoch) return { state, vdlAdvanced: false };
  const tracker = recordAck(state.tracker, { pg: ack.pg, segmentId: ack.from as never, scl: ack.scl });
  if (tracker === state.tracker) return { state, vdlAdvanced: false }; // stale or duplicate
  const unacked = pruneDurable(state.unacked, tracker, ack.pg);
  const vdlAdvanced = tracker.vdl > state.tracker.vdl;
  if (tracker.vcl !== state.tracker.vcl || vdlAdvanced) {
    effects.push({ type: 'observe', params: { kind: 'watermarks', instance: who.self, volumeEpoch: who.volumeEpoch, vcl: tracker.vcl, vdl: tracker.vdl, maxAllocated: tracker.maxAllocatedLsn } });
  }
  const next = withWriter(state, { tracker, unacked });
  if (who.plant === 'ack-before-vdl') return { state: acknowledgeEarly(vdlAdvanced ? acknowledgeCovered(next, who, effects) : next, who, pgclOf(tracker, ack.pg), effects), vdlAdvanced };
  return { state: vdlAdvanced ? acknowledgeCovered(next, who, effects) : next, vdlAdvanced };
}

/**
 * The planted mistake ack-before-vdl (docs/plants.md): commits are acknowledged once the PG that
 * just answered is complete to them, though other PGs may still have holes below (SIGMOD'17
 * §4.2.2 acknowledges only at or below VDL). The observation reports the true VDL.
 */
function acknowledgeEarly(state: WriterState, who: WriterIdentity, pgcl: number, effects: WriterEffect[]): WriterState {
  const { vdl } = state.tracker;
  let acked = 0;
  for (const size = queueSize(state.commitQueue); acked < size; acked++) {
    const pending = queueAt(state.commitQueue, acked) as PendingCommit;
    if (pending.commitLsn > pgcl) break;
    effects.push({ type: 'observe', params: { kind: 'commitAck', instance: who.self, volumeEpoch: who.volumeEpoch, txnId: pending.txnId, commitLsn: pending.commitLsn, vdl } });
    const message: WireMessage = { type: 'txnOk', from: who.self, txnId: pending.txnId, commitLsn: pending.commitLsn, reads: pending.reads as (string | null)[] };
    effects.push({ type: 'send', params: { to: pending.client, message } });
  }
  return acked === 0 ? state : withWriter(state, { commitQueue: queueDrop(state.commitQueue, acked) });
}

/**
 * VDL advanced: apply the values it now covers, acknowledge every commit at or below it (ack iff
 * VDL ≥ commit LSN, SIGMOD'17 §4.2.2) and publish it.
 */
export function acknowledgeCovered(state: WriterState, who: WriterIdentity, effects: WriterEffect[]): WriterState {
  const { vdl } = state.tracker;
  if (who.commitGate !== undefined) return askGate(state, who, who.commitGate, effects);
  let acked = 0;
  for (const size = queueSize(state.commitQueue); acked < size; acked++) {
    const pending = queueAt(state.commitQueue, acked) as PendingCommit;
    if (pending.commitLsn > vdl) break;
    effects.push({ type: 'observe', params: { kind: 'commitAck', instance: who.self, volumeEpoch: who.volumeEpoch, txnId: pending.txnId, commitLsn: pending.commitLsn, vdl } });
    const message: WireMessage = { type: 'txnOk', from: who.self, txnId: pending.txnId, commitLsn: pending.commitLsn, reads: pending.reads as (string | null)[] };
    effects.push({ type: 'send', params: { to: pending.client, message } });
  }
  effects.push({ type: 'publish', params: { stream: 'vdl', item: { volumeEpoch: who.volumeEpoch, vdl } satisfies VdlPublication } });
  return withWriter(state, { ...applyDurableValues(state), commitQueue: queueDrop(state.commitQueue, acked) });
}

/** Drops records the PG has made durable from the retransmission list (the table given if none). */
function pruneDurable(unacked: WriterState['unacked'], tracker: DurabilityTracker, pg: number): WriterState['unacked'] {
  const queue = unacked[pg];
  if (queue === undefined) return unacked;
  const pgcl = pgclOf(tracker, pg as PgId);
  let count = 0;
  for (const size = queueSize(queue); count < size && (queueAt(queue, count) as RedoRecord).lsn <= pgcl; ) count++;
  return count === 0 ? unacked : { ...unacked, [pg]: queueDrop(queue, count) };
}

/** The puts VDL now covers, applied to the values; each block touched is copied once. */
function applyDurableValues(state: WriterState): Pick<WriterState, 'durableValues' | 'pendingValues'> {
  const { pendingValues, tracker } = state;
  const byBlock: Record<number, Record<string, string>> = {};
  const updates: [blockId: number, values: Record<string, string>][] = [];
  let applied = 0;
  for (const size = queueSize(pendingValues); applied < size; applied++) {
    const put = queueAt(pendingValues, applied) as PendingValue;
    if (put.lsn > tracker.vdl) break;
    let values = byBlock[put.blockId];
    if (values === undefined) {
      values = { ...tableGet(state.durableValues, put.blockId) };
      byBlock[put.blockId] = values;
      updates.push([put.blockId, values]);
    }
    values[put.key] = put.value;
  }
  if (applied === 0) return { durableValues: state.durableValues, pendingValues };
  return { durableValues: tableUpdate(state.durableValues, updates), pendingValues: queueDrop(pendingValues, applied) };
}

/**
 * RPO control (docs/protocol.md §11.1): VDL covers these commits, but a Global Database's primary
 * may acknowledge one only when its region's statechart lets it through (`mayAcknowledgeCommit`).
 * Each newly covered commit is put to the statechart once; the values and the VDL publication go
 * on as without RPO control, since durability does not wait, only the acknowledgement does.
 */
function askGate(state: WriterState, who: WriterIdentity, gate: string, effects: WriterEffect[]): WriterState {
  const { vdl } = state.tracker;
  let asked = state.gateAskedLsn;
  for (let i = 0, size = queueSize(state.commitQueue); i < size; i++) {
    const pending = queueAt(state.commitQueue, i) as PendingCommit;
    if (pending.commitLsn > vdl) break;
    if (pending.commitLsn <= asked) continue;
    effects.push({ type: 'send', params: { to: gate, message: { type: 'commitGate', from: who.self, commitLsn: pending.commitLsn } } });
    asked = pending.commitLsn;
  }
  effects.push({ type: 'publish', params: { stream: 'vdl', item: { volumeEpoch: who.volumeEpoch, vdl } satisfies VdlPublication } });
  return withWriter(state, { ...applyDurableValues(state), gateAskedLsn: asked });
}

/**
 * The region's answer for `commitLsn` (answers come in LSN order): let through, the commits up to
 * it are acknowledged now; refused (the region turned read-only for a switchover, or is no longer
 * the primary), they get no answer. They are durable, so a refusal would tell the client a
 * committed transaction failed; without an answer the client records the outcome as unknown,
 * which is what it is to the client (docs/semantics.md, "Clients and history").
 */
export function answerGate(state: WriterState, who: WriterIdentity, answer: CommitGateAnswerMessage, effects: WriterEffect[]): WriterState {
  const { vdl } = state.tracker;
  let done = 0;
  for (const size = queueSize(state.commitQueue); done < size; done++) {
    const pending = queueAt(state.commitQueue, done) as PendingCommit;
    if (pending.commitLsn > answer.commitLsn || pending.commitLsn > vdl) break;
    if (!answer.allowed) continue;
    effects.push({ type: 'observe', params: { kind: 'commitAck', instance: who.self, volumeEpoch: who.volumeEpoch, txnId: pending.txnId, commitLsn: pending.commitLsn, vdl } });
    const message: WireMessage = { type: 'txnOk', from: who.self, txnId: pending.txnId, commitLsn: pending.commitLsn, reads: pending.reads as (string | null)[] };
    effects.push({ type: 'send', params: { to: pending.client, message } });
  }
  return done === 0 ? state : withWriter(state, { commitQueue: queueDrop(state.commitQueue, done) });
}
