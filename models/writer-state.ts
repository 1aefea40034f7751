/**
 * The writer instance's working state and the start of its write path, as pure functions over that
 * state (docs/protocol.md §3, log and consistency points; §4, writes and commits; SIGMOD'17 §4.2;
 * SIGMOD'18 §2.2–2.3). Acks are folded in by `writer-acks.ts`, batches sent and resent by
 * `writer-batches.ts`.
 *
 * The writer's actions (`writer-actions.ts`) call these; each returns the next state and leaves
 * the one it was given as it was, and appends the effects it wants (sends, observations,
 * publications, flushes) to `effects`, a list the calling action owns for one step. The tables
 * that grow with the run are chunked (`src/protocol/chunked.ts`), so a record or an ack copies a
 * chunk and a list of chunks, never a whole table: the durability tracker's queues and the
 * backlinks (in the protocol), the boxcars and the retransmission lists, the commit queue, the
 * puts waiting for VDL, and the values as of VDL (per block). The rest is per PG or bounded by
 * the clients (`blocked`), and is copied with spreads. All of it stays plain data.
 */
import type { ChunkedQueue, ChunkedTable } from '../src/protocol/chunked.js';
import { emptyQueue, queueAt, queuePush, queueSize, tableGet, tableOf } from '../src/protocol/chunked.js';
import type { BacklinkState, LsnAllocator } from '../src/protocol/lsn.js';
import { allocate, buildMtr, createBacklinkState, createLsnAllocator } from '../src/protocol/lsn.js';
import type { Lsn, MembershipEpoch, PgId, SegmentId, VolumeEpoch } from '../src/protocol/ids.js';
import { LSN_ZERO } from '../src/protocol/ids.js';
import type { Observation } from '../src/protocol/observations.js';
import type { PageLayout } from '../src/protocol/pages.js';
import { blockOfKey, commitBlockOf, pgOfBlock } from '../src/protocol/pages.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import { kOfN } from '../src/protocol/quorum.js';
import type { StoredRecord } from '../src/protocol/recovery.js';
import type { DurabilityTracker } from '../src/protocol/watermarks.js';
import { createDurabilityTracker, registerRecords, setPgWriteQuorum } from '../src/protocol/watermarks.js';
import { growthNeedOf } from '../src/protocol/geometry.js';
import type { PlantName } from '../src/protocol/plants.js';
import type { InstanceOptions, InstancePg, WriterIsolation } from './instance-options.js';
import type { PgConfigRecord, RedoPayload, RedoRecord, TxnRequestMessage, WireMessage } from './messages.js';
import type { MembershipState } from './membership-state.js';
import { createMembershipState, withAddedPgs } from './membership-state.js';
import type { CacheEviction, ReadState } from './read-state.js';
import { cacheBlock, createReadState, withReads } from './read-state.js';
import { overlay } from './overlay.js';

/** One PG's boxcar: records waiting for the link, and the link's state (docs/protocol.md §4, writes and commits; §13, V8). */
export interface Boxcar {
  readonly queue: ChunkedQueue<RedoRecord>;
  /** A flush is submitted and will run after the current step. */
  readonly flushSubmitted: boolean;
  /** The link is carrying the previous batch; records queue until it is free. */
  readonly linkBusy: boolean;
}

/** A transaction waiting for VDL to reach its commit LSN (SIGMOD'17 §4.2.2: the commit queue). */
export interface PendingCommit {
  readonly txnId: number;
  readonly commitLsn: Lsn;
  readonly client: string;
  readonly reads: readonly (string | null)[];
}

/** A put above VDL, applied to the values as VDL passes it. */
export interface PendingValue {
  readonly lsn: Lsn;
  /** The key's block (where the value goes in `durableValues`). */
  readonly blockId: number;
  readonly key: string;
  readonly value: string;
}

/** The writer's working state. Immutable; see the file header. */
export interface WriterState {
  readonly layout: PageLayout;
  readonly lal: number;
  readonly maxBatchRecords: number;
  readonly members: Readonly<Record<number, readonly string[]>>;
  readonly membershipEpochs: Readonly<Record<number, MembershipEpoch>>;
  readonly allocator: LsnAllocator;
  readonly backlinks: BacklinkState;
  readonly tracker: DurabilityTracker;
  readonly boxcars: Readonly<Record<number, Boxcar>>;
  /** Records not yet durable, per PG, in LSN order: what a retransmission resends. */
  readonly unacked: Readonly<Record<number, ChunkedQueue<RedoRecord>>>;
  /** Per PG, the highest unacked LSN at the previous retransmit tick. */
  readonly retransmitMark: Readonly<Record<number, Lsn>>;
  readonly commitQueue: ChunkedQueue<PendingCommit>;
  /**
   * RPO control (docs/protocol.md §11.1): the highest commit LSN the writer has asked its
   * region's statechart to let through; commits VDL covers wait in `commitQueue` until it answers.
   * 0 without a Global Database's RPO limit.
   */
  readonly gateAskedLsn: Lsn;
  /** Transactions waiting for LSNs (back-pressure: allocation would pass VDL + LAL); at most one per client. */
  readonly blocked: readonly TxnRequestMessage[];
  /** Values as of VDL, per block (read with {@link durableValueOf}): what reads see (read point = VDL, SIGMOD'17 §4.2.3). */
  readonly durableValues: ChunkedTable<Readonly<Record<string, string>>>;
  /** Puts above VDL, in LSN order, applied to durableValues as VDL passes them. */
  readonly pendingValues: ChunkedQueue<PendingValue>;
  readonly nextMtrId: number;
  /** Membership changes (docs/protocol.md §8), see `membership-state.ts`. */
  readonly membership: MembershipState;
  /** The buffer cache and page reads (docs/protocol.md §5), see `read-state.ts`. */
  readonly reads: ReadState;
  /** What transactions are checked for before they commit (docs/semantics.md, "Isolation"). */
  readonly isolation: WriterIsolation;
  /** Storage growth (docs/protocol.md §1.1): the most PGs, and whom to ask for more. Absent: the volume does not grow. */
  readonly growth: { readonly pgCountMax: number; readonly storageControlPlaneId: string } | undefined;
}

/**
 * `state` with the fields of `patch` replaced, as a new object. It copies through one object
 * literal on purpose: V8 makes `{ ...state, field }` a slow copy once such objects are made from
 * each other step after step (measured here: about 800 ns against 50 ns for this, for the 18
 * fields), and the write path makes several per record and per ack.
 */
export function withWriter(state: WriterState, patch: Partial<WriterState>): WriterState {
  const next: { -readonly [K in keyof WriterState]: WriterState[K] } = {
    layout: state.layout,
    lal: state.lal,
    maxBatchRecords: state.maxBatchRecords,
    members: state.members,
    membershipEpochs: state.membershipEpochs,
    allocator: state.allocator,
    backlinks: state.backlinks,
    tracker: state.tracker,
    boxcars: state.boxcars,
    unacked: state.unacked,
    retransmitMark: state.retransmitMark,
    commitQueue: state.commitQueue,
    gateAskedLsn: state.gateAskedLsn,
    blocked: state.blocked,
    durableValues: state.durableValues,
    pendingValues: state.pendingValues,
    nextMtrId: state.nextMtrId,
    membership: state.membership,
    reads: state.reads,
    isolation: state.isolation,
    growth: state.growth,
  };
  return overlay(next, patch);
}

/** A boxcar, as one literal (see {@link withWriter}). */
export const boxcarOf = (queue: ChunkedQueue<RedoRecord>, flushSubmitted: boolean, linkBusy: boolean): Boxcar => ({ queue, flushSubmitted, linkBusy });

/** An effect the writer wants, in the machine's named-action vocabulary. */
export type WriterEffect =
  | { type: 'send'; params: { to: string; message: WireMessage } }
  | { type: 'observe'; params: Observation }
  | { type: 'publish'; params: { stream: 'redo' | 'vdl'; item: unknown } }
  | { type: 'flushSoon'; pg: number };

/** What the writer publishes on the `redo` stream: each MTR's records as allocated. */
export interface RedoPublication {
  volumeEpoch: VolumeEpoch;
  records: readonly RedoRecord[];
}

/** What the writer publishes on the `vdl` stream: each VDL advance. */
export interface VdlPublication {
  volumeEpoch: VolumeEpoch;
  vdl: Lsn;
}

/** Who the writer is, for the messages it builds. */
export interface WriterIdentity {
  self: string;
  volumeEpoch: VolumeEpoch;
  /** RPO control: the region statechart commits wait for (docs/protocol.md §11.1); absent, none. */
  commitGate?: string;
  /** The planted mistake, if any (docs/plants.md). */
  plant?: PlantName;
}

/** What a recovered writer starts from (docs/protocol.md §7.1, recovery step 6). */
export interface RecoveredStart {
  /** The end of the truncation range: the VDL the writer starts at. */
  durableLsn: Lsn;
  nextLsn: Lsn;
  backlinks: BacklinkState;
  /** Surviving records ≤ VDL', in LSN order: the values of the cache. */
  records: readonly StoredRecord<RedoPayload>[];
  /** The PG configurations recovery used (from the metadata service). */
  pgs: readonly InstancePg[];
}

/**
 * The write quorum the durability tracker counts for a PG: its configuration's, or 3 of its members
 * under the planted mistake write-quorum-3of6 (docs/plants.md; SIGMOD'17 §2.1 needs Vw > V/2).
 */
function writeQuorumOf(options: InstanceOptions, pg: InstancePg): QuorumPredicate {
  return options.plant === 'write-quorum-3of6' ? kOfN(3, pg.members as readonly SegmentId[]) : pg.write;
}

/** The write path of a new writer, or of one that recovery opened (`start`). */
export function createWriterState(options: InstanceOptions, start?: RecoveredStart): WriterState {
  const pgs = start?.pgs ?? options.pgs;
  // A recovered writer takes the PGs recovery found (with growth, more than it started with).
  const layout: PageLayout = {
    pgCount: pgs.length,
    blocksPerPg: options.blocksPerPg,
    ...(options.growth === undefined ? {} : { placement: { kind: 'append', keysPerBlock: options.growth.keysPerBlock } }),
  };
  const configs: Record<number, PgConfigRecord> = {};
  for (const pg of pgs) {
    configs[pg.pg] = { pg: pg.pg as PgId, membershipEpoch: pg.membershipEpoch, members: pg.members, write: pg.write, read: pg.read, ...(pg.membership === undefined ? {} : { membership: pg.membership }) };
  }
  const valuesByBlock: Record<number, Record<string, string>> = {};
  const put = (key: string, value: string): void => {
    (valuesByBlock[blockOfKey(layout, key)] ??= {})[key] = value;
  };
  for (const record of start?.records ?? []) {
    if (record.payload?.kind === 'put') put(record.payload.key, record.payload.value);
    // A base page (below a segment's GC point) holds the block's values as of its LSN.
    else if (record.payload?.kind === 'page') for (const [key, value] of Object.entries(record.payload.values)) put(key, value);
  }
  return {
    layout,
    lal: options.lal,
    maxBatchRecords: options.maxBatchRecords,
    members: Object.fromEntries(pgs.map((pg) => [pg.pg, pg.members])),
    membershipEpochs: Object.fromEntries(pgs.map((pg) => [pg.pg, pg.membershipEpoch])),
    // Planted mistake no-lal: an allocation limit no run reaches (docs/plants.md).
    allocator: createLsnAllocator({ lal: options.plant === 'no-lal' ? 2 ** 40 : options.lal, nextLsn: start?.nextLsn }),
    backlinks: start?.backlinks ?? createBacklinkState(),
    tracker: createDurabilityTracker({ writeQuorumByPg: Object.fromEntries(pgs.map((pg): [number, QuorumPredicate] => [pg.pg, writeQuorumOf(options, pg)])), durableLsn: start?.durableLsn }),
    boxcars: {},
    unacked: {},
    retransmitMark: {},
    commitQueue: emptyQueue(),
    gateAskedLsn: LSN_ZERO,
    blocked: [],
    durableValues: tableOf(valuesByBlock),
    pendingValues: emptyQueue(),
    nextMtrId: 1,
    membership: createMembershipState(configs),
    reads: createReadState(options.cacheBlocks, Object.fromEntries(pgs.map((pg) => [pg.pg, pg.fullMembers])), options.tails),
    isolation: options.isolation,
    growth: options.growth === undefined ? undefined : { pgCountMax: options.growth.pgCountMax, storageControlPlaneId: options.storageControlPlaneId },
  };
}

/**
 * The ask for more PGs a transaction needs before its puts can go in (docs/protocol.md §1.1), or
 * undefined when they fit (or the volume does not grow, or a put lands past the maximum).
 */
export function growthAsk(state: WriterState, self: string, request: TxnRequestMessage): { to: string; message: WireMessage } | undefined {
  const growth = state.growth;
  if (growth === undefined) return undefined;
  const keys = request.ops.flatMap((op) => (op.f === 'put' ? [op.key] : []));
  const need = growthNeedOf(state.layout, { pgCount: state.layout.pgCount, pgCountMax: growth.pgCountMax }, keys);
  if (need.kind !== 'grow') return undefined;
  return { to: growth.storageControlPlaneId, message: { type: 'growVolume', from: self, pgCount: need.pgCount, pgCountKnown: state.layout.pgCount } };
}

/**
 * The volume grew: the PGs of `configs` the writer lacks join its state (members, durability,
 * membership, page reads), and the layout counts them. PGs are added in order, so the layout's
 * count is the first PG id it still lacks.
 */
export function addPgs(state: WriterState, configs: readonly PgConfigRecord[]): WriterState {
  const added = configs.filter((config) => state.members[config.pg] === undefined);
  if (added.length === 0) return state;
  let tracker = state.tracker;
  const members = { ...state.members };
  const membershipEpochs = { ...state.membershipEpochs };
  const fullMembers = { ...state.reads.fullMembers };
  for (const config of added) {
    tracker = setPgWriteQuorum(tracker, config.pg, config.write);
    members[config.pg] = config.members;
    membershipEpochs[config.pg] = config.membershipEpoch;
    fullMembers[config.pg] = config.members;
  }
  let pgCount = state.layout.pgCount;
  while (members[pgCount] !== undefined) pgCount++;
  return withWriter(state, {
    tracker,
    members,
    membershipEpochs,
    layout: { ...state.layout, pgCount },
    membership: withAddedPgs(state.membership, added),
    reads: withReads(state.reads, { fullMembers }),
  });
}

/** A key's value as of VDL, if it has one. */
export function durableValueOf(state: WriterState, key: string): string | undefined {
  return tableGet(state.durableValues, blockOfKey(state.layout, key))?.[key];
}

/**
 * Serves the gets of a transaction: from pages read from storage at the read point when given,
 * else from the cache at the current VDL; its own earlier puts are visible.
 */
function readValues(state: WriterState, request: TxnRequestMessage, fromStorage?: Readonly<Record<string, string | null>>): (string | null)[] {
  const own: Record<string, string> = {};
  const reads: (string | null)[] = [];
  for (const op of request.ops) {
    if (op.f === 'put') own[op.key] = op.value;
    else if (own[op.key] !== undefined) reads.push(own[op.key] as string);
    else if (fromStorage !== undefined && op.key in fromStorage) reads.push(fromStorage[op.key] ?? null);
    else reads.push(durableValueOf(state, op.key) ?? null);
  }
  return reads;
}

/** A key's newest value in commit order: its last put allocated (durable or not), else its value as of VDL. */
function headValueOf(state: WriterState, key: string): string | null {
  for (let i = queueSize(state.pendingValues) - 1; i >= 0; i--) {
    const put = queueAt(state.pendingValues, i) as PendingValue;
    if (put.key === key) return put.value;
  }
  return durableValueOf(state, key) ?? null;
}

/**
 * Backward validation (`isolation: 'serializable'`, docs/semantics.md "Isolation"): true if a get
 * read a value that is no longer the key's newest. A transaction with puts takes its place at its
 * commit LSN, so its gets must equal the newest value allocated (a later commit would otherwise
 * come between its reads and its writes); a read-only one answers at once from the VDL, so its
 * gets must all equal the values as of VDL (a page read from storage at an older read point may
 * not). Reads of its own earlier puts always hold.
 */
function readsStale(state: WriterState, request: TxnRequestMessage, reads: readonly (string | null)[], readOnly: boolean): boolean {
  const own = new Set<string>();
  let readIndex = 0;
  for (const op of request.ops) {
    if (op.f === 'put') {
      own.add(op.key);
      continue;
    }
    const read = reads[readIndex++] ?? null;
    if (own.has(op.key)) continue;
    const current = readOnly ? (durableValueOf(state, op.key) ?? null) : headValueOf(state, op.key);
    if (read !== current) return true;
  }
  return false;
}

/** A boxcar with nothing queued and the link free. */
const IDLE_BOXCAR: Boxcar = Object.freeze(boxcarOf(emptyQueue<RedoRecord>(), false, false));

/**
 * Starts a transaction: one MTR of its puts plus a commit record (the CPL), LSNs allocated under
 * the LAL. Returns the next state, or undefined when back-pressure refuses the LSNs (the caller
 * queues the request).
 */
export function startTransaction(
  state: WriterState,
  who: WriterIdentity,
  request: TxnRequestMessage,
  effects: WriterEffect[],
  fromStorage?: Readonly<Record<string, string | null>>,
): WriterState | undefined {
  const reads = readValues(state, request, fromStorage);
  const puts = request.ops.filter((op) => op.f === 'put');
  if (state.isolation === 'serializable' && readsStale(state, request, reads, puts.length === 0)) {
    // Aborted before it took LSNs: no effect, and the client sees `fail`.
    const message: WireMessage = { type: 'txnFail', from: who.self, txnId: request.txnId, reason: 'serializationFailure' };
    effects.push({ type: 'send', params: { to: request.from, message } });
    return state;
  }
  if (state.growth !== undefined && puts.length > 0) {
    const need = growthNeedOf(state.layout, { pgCount: state.layout.pgCount, pgCountMax: state.growth.pgCountMax }, puts.map((op) => op.key));
    if (need.kind === 'full') {
      // Past the volume's maximum size: refused before it took LSNs, so it took no effect.
      effects.push({ type: 'observe', params: { kind: 'volumeFull', instance: who.self, txnId: request.txnId, pg: need.pg, pgCountMax: state.growth.pgCountMax } });
      effects.push({ type: 'send', params: { to: request.from, message: { type: 'txnFail', from: who.self, txnId: request.txnId, reason: 'volumeFull' } } });
      return state;
    }
    if (need.kind === 'grow') {
      // The volume must grow first: wait (as for LSNs) and ask the storage control plane.
      const ask = growthAsk(state, who.self, request);
      if (ask !== undefined) effects.push({ type: 'send', params: ask });
      return undefined;
    }
  }
  if (puts.length === 0) {
    // A read-only transaction writes no log and needs no durability wait.
    const message: WireMessage = { type: 'txnOk', from: who.self, txnId: request.txnId, commitLsn: 0 as Lsn, reads };
    effects.push({ type: 'send', params: { to: request.from, message } });
    return state;
  }
  const result = allocate(state.allocator, state.tracker.vdl, puts.length + 1);
  if (result.kind === 'refused') return undefined;
  const inputs = puts.map((op) => {
    const blockId = blockOfKey(state.layout, op.key);
    return { pg: pgOfBlock(state.layout, blockId), blockId, payload: { kind: 'put', key: op.key, value: op.value } as RedoPayload };
  });
  const commitBlock = commitBlockOf(state.layout, request.txnId);
  inputs.push({ pg: pgOfBlock(state.layout, commitBlock), blockId: commitBlock, payload: { kind: 'commit', txnId: request.txnId } });
  const mtr = buildMtr<RedoPayload>(state.backlinks, result.allocation, inputs.map((input, i) => ({ ...input, isCommit: i === inputs.length - 1 })), {
    mtrId: state.nextMtrId,
    txnId: request.txnId,
  });
  const { records } = mtr;
  const tracker = registerRecords(state.tracker, records);
  effects.push({
    type: 'observe',
    params: {
      kind: 'allocated',
      instance: who.self,
      volumeEpoch: who.volumeEpoch,
      vdl: tracker.vdl,
      lal: state.lal,
      records: records.map((r) => ({ lsn: r.lsn, pg: r.pg, isCpl: r.isCpl })),
      txnId: request.txnId,
      puts,
    },
  });
  effects.push({ type: 'publish', params: { stream: 'redo', item: { volumeEpoch: who.volumeEpoch, records } satisfies RedoPublication } });
  const boxcars = { ...state.boxcars };
  const byPg: Record<number, RedoRecord[]> = {};
  const values: PendingValue[] = [];
  let cache = state.reads;
  for (const record of records) {
    if (record.payload?.kind === 'put') values.push({ lsn: record.lsn, blockId: record.blockId, key: record.payload.key, value: record.payload.value });
    // The record goes into its PG's boxcar; the first record submits a flush (SIGMOD'18 §2.2).
    (byPg[record.pg] ??= []).push(record);
    const boxcar = boxcars[record.pg] ?? IDLE_BOXCAR;
    if (!boxcar.flushSubmitted && !boxcar.linkBusy) {
      boxcars[record.pg] = boxcarOf(boxcar.queue, true, boxcar.linkBusy);
      effects.push({ type: 'flushSoon', pg: record.pg });
    }
    // The engine changes the block in the buffer cache (docs/protocol.md §4, writes and commits,
    // step 1): dirty until VDL passes it. A cache of every block keeps no page LSNs.
    if (cache.capacity > 0) {
      const cached = cacheBlock(cache, record.blockId, record.lsn, tracker.vdl);
      cache = cached.reads;
      reportEvictions(who, tracker.vdl, cached.evictions, effects);
    }
  }
  const unacked = { ...state.unacked };
  for (const [pgKey, queued] of Object.entries(byPg)) {
    const pg = Number(pgKey);
    const boxcar = boxcars[pg] ?? IDLE_BOXCAR;
    boxcars[pg] = boxcarOf(queuePush(boxcar.queue, queued), boxcar.flushSubmitted, boxcar.linkBusy);
    unacked[pg] = queuePush(unacked[pg] ?? emptyQueue(), queued);
  }
  const commitLsn = (records[records.length - 1] as RedoRecord).lsn;
  return withWriter(state, {
    allocator: result.state,
    backlinks: mtr.backlinks,
    nextMtrId: state.nextMtrId + 1,
    tracker,
    boxcars,
    unacked,
    reads: cache,
    pendingValues: queuePush(state.pendingValues, values),
    commitQueue: queuePush(state.commitQueue, [{ txnId: request.txnId, commitLsn, client: request.from, reads }]),
  });
}

/**
 * Starts a transaction unless others already wait for LSNs or the LAL refuses it; then it waits
 * behind them (FIFO, so none starves).
 */
export function admitTransaction(
  state: WriterState,
  who: WriterIdentity,
  request: TxnRequestMessage,
  effects: WriterEffect[],
  fromStorage?: Readonly<Record<string, string | null>>,
): { state: WriterState; started: boolean } {
  const started = state.blocked.length === 0 ? startTransaction(state, who, request, effects, fromStorage) : undefined;
  if (started !== undefined) return { state: started, started: true };
  return { state: withWriter(state, { blocked: [...state.blocked, request] }), started: false };
}

/** VDL moved: starts the transactions held back by the LAL that now get LSNs, in order. */
export function startBlocked(state: WriterState, who: WriterIdentity, effects: WriterEffect[]): WriterState {
  let next = state;
  let count = 0;
  for (const request of state.blocked) {
    const started = startTransaction(next, who, request, effects);
    if (started === undefined) break;
    next = started;
    count++;
  }
  return count === 0 ? state : withWriter(next, { blocked: state.blocked.slice(count) });
}

/** Reports the writer's cache evictions to the judges (S11). */
export function reportEvictions(who: WriterIdentity, vdl: Lsn, evictions: readonly CacheEviction[], effects: WriterEffect[]): void {
  for (const eviction of evictions) {
    effects.push({ type: 'observe', params: { kind: 'cacheEvicted', instance: who.self, volumeEpoch: who.volumeEpoch, vdl, ...eviction } });
  }
}
