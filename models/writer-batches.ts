/**
 * The writer's batches (SIGMOD'18 §2.2, §4.1): a submitted flush takes a PG's boxcar to every
 * member when the link is free; records still short of a write quorum are sent again, on the
 * retransmit timer or when a member that rejected them can take them. Pure steps over the
 * writer's state (`writer-state.ts`): each returns the next state, and the sends it wants are
 * appended to `effects`, the calling action's list for this step.
 */
import { emptyQueue, queueAt, queueDrop, queueSize, queueTake } from '../src/protocol/chunked.js';
import type { Lsn, MembershipEpoch, PgId } from '../src/protocol/ids.js';
import type { RedoRecord, WireMessage } from './messages.js';
import type { Boxcar, WriterEffect, WriterIdentity, WriterState } from './writer-state.js';
import { boxcarOf, withWriter } from './writer-state.js';

const withBoxcar = (state: WriterState, pg: number, boxcar: Boxcar): WriterState => withWriter(state, { boxcars: { ...state.boxcars, [pg]: boxcar } });

/**
 * A submitted flush runs: if the link is free, it takes everything queued so far (up to the batch
 * cap) to every member of the PG and is busy after. `sent` is true iff a batch went out.
 */
export function takeFlush(state: WriterState, who: WriterIdentity, pg: number, effects: WriterEffect[]): { state: WriterState; sent: boolean } {
  const boxcar = state.boxcars[pg];
  if (boxcar === undefined) return { state, sent: false };
  if (boxcar.linkBusy || queueSize(boxcar.queue) === 0) {
    return { state: boxcar.flushSubmitted ? withBoxcar(state, pg, boxcarOf(boxcar.queue, false, boxcar.linkBusy)) : state, sent: false };
  }
  const records = queueTake(boxcar.queue, state.maxBatchRecords);
  sendBatch(state, who, pg, records, state.members[pg] ?? [], effects);
  return { state: withBoxcar(state, pg, boxcarOf(queueDrop(boxcar.queue, records.length), false, true)), sent: true };
}

/** The link to a PG's segments is free again (undefined if the PG never had a boxcar). */
export function freeLink(state: WriterState, pg: number): WriterState | undefined {
  const boxcar = state.boxcars[pg];
  return boxcar === undefined ? undefined : withBoxcar(state, pg, boxcarOf(boxcar.queue, boxcar.flushSubmitted, false));
}

function sendBatch(state: WriterState, who: WriterIdentity, pg: number, records: readonly RedoRecord[], targets: readonly string[], effects: WriterEffect[]): void {
  const membershipEpoch = state.membershipEpochs[pg] ?? (1 as MembershipEpoch);
  for (const to of targets) {
    const message: WireMessage = { type: 'writeBatch', from: who.self, pg: pg as PgId, volumeEpoch: who.volumeEpoch, membershipEpoch, records };
    effects.push({ type: 'send', params: { to, message } });
  }
}

/**
 * Resends records that have stayed below a write quorum for a whole retransmit period to each
 * member whose acknowledged SCL is below them (lost batches, restarted segments). Returns the
 * next state (the new marks) and the number of records resent.
 */
export function retransmit(state: WriterState, who: WriterIdentity, effects: WriterEffect[]): { state: WriterState; resent: number } {
  let resent = 0;
  const retransmitMark: Record<number, Lsn> = { ...state.retransmitMark };
  for (const [pgKey, unacked] of Object.entries(state.unacked)) {
    const pg = Number(pgKey);
    const mark = state.retransmitMark[pg] ?? (0 as Lsn);
    const size = queueSize(unacked);
    retransmitMark[pg] = (size === 0 ? 0 : (queueAt(unacked, size - 1) as RedoRecord).lsn) as Lsn;
    // Unacked records are in LSN order: the aged ones are a prefix.
    const aged: RedoRecord[] = [];
    for (let i = 0; i < size && aged.length < state.maxBatchRecords; i++) {
      const record = queueAt(unacked, i) as RedoRecord;
      if (record.lsn > mark) break;
      aged.push(record);
    }
    if (aged.length === 0) continue;
    const sclBySegment = state.tracker.pgs[pg]?.sclBySegment ?? {};
    for (const member of state.members[pg] ?? []) {
      const scl = sclBySegment[member] ?? 0;
      const missing = aged.filter((record) => record.lsn > scl);
      if (missing.length === 0) continue;
      sendBatch(state, who, pg, missing, [member], effects);
      resent += missing.length;
    }
  }
  return { state: withWriter(state, { retransmitMark }), resent };
}

/**
 * Resends, at the PG's membership epoch now, every record still short of a write quorum to each of
 * `targets` whose acked SCL is below it. A member that adopted a newer membership epoch rejects
 * batches sent at the older one; the writer retries once it holds the new configuration
 * (SIGMOD'18 §4.1: the sender refreshes its membership, one extra round trip) instead of waiting
 * for the retransmit timer. Returns the number of records resent.
 */
export function resendUnacked(state: WriterState, who: WriterIdentity, pg: number, targets: readonly string[], effects: WriterEffect[]): number {
  const unacked = queueTake(state.unacked[pg] ?? emptyQueue<RedoRecord>(), state.maxBatchRecords);
  const sclBySegment = state.tracker.pgs[pg]?.sclBySegment ?? {};
  let resent = 0;
  for (const member of targets) {
    const scl = sclBySegment[member] ?? 0;
    const missing = unacked.filter((record) => record.lsn > scl);
    if (missing.length === 0) continue;
    sendBatch(state, who, pg, missing, [member], effects);
    resent += missing.length;
  }
  return resent;
}

/** True iff some record is still waiting for a write quorum. */
export function hasUnacked(state: WriterState): boolean {
  return Object.values(state.unacked).some((unacked) => queueSize(unacked) > 0);
}
