/**
 * A compute instance's side of Aurora Serverless v2 (docs/protocol.md §11.3): what it tells its
 * scaler, and what a capacity change does to it. The scaler (`serverless-scaler.machine.ts`) holds
 * the capacity; the instance only follows it.
 *
 * - **Load.** Each transaction the instance takes is counted (its gets, and how many of them found
 *   their block cached: the hit rate); once a second the scaler asks (`loadQuery`) and gets the
 *   counts and whether work is in flight (`loadReport`).
 * - **Capacity and cache.** `capacitySet` resizes the buffer cache to the capacity's blocks (User
 *   Guide: the buffer cache "increases as a writer or reader scales up, and decreases as it scales
 *   down"): the oldest clean blocks leave a shrinking cache, dirty ones stay until VDL passes them
 *   (S11). Nothing else changes: connections, transactions in flight, commits waiting for VDL and
 *   page reads all go on (S21, "scaling never aborts sessions").
 * - **Pause and resume.** Capacity 0 pauses the instance: the cache is emptied and a transaction
 *   that arrives is held, not refused, and the scaler is asked to resume (`wake`). When capacity
 *   comes back, the held transactions are taken in arrival order, as if they arrived then. Writes,
 *   acks, replication and health checks go on while paused: a pause takes the instance's compute,
 *   not its place in the cluster. A crash loses the held transactions as it loses every connection.
 *
 * Every action returns new values through `assign` and writes into nothing it was given.
 */
import { queueSize } from '../src/protocol/chunked.js';
import type { Observation } from '../src/protocol/observations.js';
import { blockOfKey } from '../src/protocol/pages.js';
import { tableUpdate } from '../src/protocol/chunked.js';
import { effectsAction } from './effects.js';
import type { ModelEffect } from './effects.js';
import type { WriterContext } from './instance-setup.js';
import { instanceSetup } from './instance-setup.js';
import { isCached, resizeCache } from './read-state.js';
import { withReplica } from './replica-state.js';
import { withWriter } from './writer-state.js';
import type { LoadReportSignal, WakeSignal } from './serverless-messages.js';

/** Work in flight: commits waiting for VDL or LSNs, page reads, held transactions. */
export function instanceBusy(context: WriterContext): boolean {
  if ((context.serverless?.held.length ?? 0) > 0) return true;
  if (context.role === 'reader') return Object.keys(context.replica.reads.parked).length > 0;
  const { state } = context;
  return queueSize(state.commitQueue) > 0 || state.blocked.length > 0 || Object.keys(state.reads.parked).length > 0;
}

/** The instance's Serverless v2 actions; see the file header. */
export const serverlessActions = {
  /** Counts a transaction taken: its gets, those on cached blocks, and whether it writes. */
  countLoad: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'txnRequest' || context.serverless === undefined) return;
    const reads = context.role === 'reader' ? context.replica.reads : context.state.reads;
    let gets = 0;
    let fromCache = 0;
    let writes = false;
    for (const op of event.ops) {
      if (op.f === 'put') {
        writes = true;
        continue;
      }
      gets++;
      if (isCached(reads, blockOfKey(context.state.layout, op.key))) fromCache++;
    }
    const { load } = context;
    enqueue.assign({ load: { transactions: load.transactions + 1, writes: load.writes + (writes ? 1 : 0), gets: load.gets + gets, getsFromCache: load.getsFromCache + fromCache } });
  }),
  /** A transaction found the instance paused: hold it; the first one asks the scaler to resume. */
  holdTransaction: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    const { serverless } = context;
    if (event.type !== 'txnRequest' || serverless === undefined) return;
    const held: Observation = { kind: 'txnHeld', instance: context.self, txnId: event.txnId };
    const effects: ModelEffect[] = [{ kind: 'observe', observation: held }];
    if (serverless.held.length === 0) {
      const wake: WakeSignal = { type: 'wake' };
      effects.push({ kind: 'signal', to: serverless.scaler, event: wake });
    }
    enqueue(effectsAction(effects));
    enqueue.assign({ serverless: { ...serverless, held: [...serverless.held, event] } });
  }),
  /** The scaler's once-a-second question: what has been served, and is work in flight. */
  answerLoad: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'loadQuery') return;
    const report: LoadReportSignal = { type: 'loadReport', instance: context.self, ...context.load, busy: instanceBusy(context) };
    enqueue(effectsAction([{ kind: 'signal', to: event.from, event: report }]));
  }),
  /**
   * The scaler set a capacity: the caches follow it (emptied of clean blocks on a pause); coming
   * back from a pause, the held transactions are taken, in order.
   */
  applyCapacity: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    const { serverless } = context;
    if (event.type !== 'capacitySet' || serverless === undefined) return;
    const paused = event.capacityAcu === 0;
    const keep = paused ? 0 : event.cacheBlocks;
    const effects: ModelEffect[] = [];
    let { state, replica } = context;
    if (context.role === 'writer') {
      const vdl = state.tracker.vdl;
      const step = resizeCache(state.reads, event.cacheBlocks, vdl, keep);
      state = withWriter(state, { reads: step.reads });
      for (const eviction of step.evictions) {
        const observation: Observation = { kind: 'cacheEvicted', instance: context.self, volumeEpoch: context.volumeEpoch, vdl, ...eviction };
        effects.push({ kind: 'observe', observation });
      }
    } else if (context.role === 'reader') {
      const step = resizeCache(replica.reads, event.cacheBlocks, replica.appliedLsn, keep);
      const pages = step.evictions.length === 0 ? replica.pages : tableUpdate(replica.pages, step.evictions.map((eviction) => [eviction.blockId, undefined] as const));
      replica = withReplica(replica, { reads: step.reads, pages, cacheBlocks: event.cacheBlocks });
    }
    const resumed = serverless.paused && !paused;
    if (resumed) {
      for (const request of serverless.held) effects.push({ kind: 'observe', observation: { kind: 'txnReleased', instance: context.self, txnId: request.txnId } });
    }
    if (effects.length > 0) enqueue(effectsAction(effects));
    enqueue.assign({
      state,
      replica,
      // Caches made later (a restart, a promotion) take the size in force.
      options: { ...context.options, cacheBlocks: event.cacheBlocks },
      serverless: { ...serverless, capacityAcu: event.capacityAcu, paused, held: resumed ? [] : serverless.held },
    });
    // Taken as if they arrived now, after this step, in arrival order.
    if (resumed) for (const request of serverless.held) enqueue.raise(request);
  }),
  /** A crash loses the held transactions with every other connection (their clients time out). */
  dropHeld: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const { serverless } = context;
    if (serverless === undefined || serverless.held.length === 0) return;
    enqueue(effectsAction(serverless.held.map((request): ModelEffect => ({ kind: 'observe', observation: { kind: 'txnReleased', instance: context.self, txnId: request.txnId, crashed: true } }))));
    enqueue.assign({ serverless: { ...serverless, held: [] } });
  }),
};
