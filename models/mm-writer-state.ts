/**
 * The multi-writer statechart's steps (docs/protocol.md §11.2), as pure functions of (context,
 * event): each returns the next context and what the step asks the world to do (sends and
 * observations in order, timers to cancel and to set). Nothing here writes into the context or
 * event it is given: every change is a spread of a copy.
 *
 * A transaction runs in four steps:
 * 1. **Local locks.** Its puts' pages are locked on this writer for it (InnoDB's row locks stand in
 *    as page locks: same-instance contention waits, it never conflicts with itself); a transaction
 *    whose pages are locked waits its turn.
 * 2. **REGIONAL_RAW** (with gets): it asks every other writer how far it has committed and waits
 *    until their entries up to there are applied here; one that does not answer within
 *    `positionTimeoutMs` is taken as down.
 * 3. **Votes.** Its gets read this writer's pages; for each page it writes it proposes one change
 *    naming the version it knows to the PG's six segments, and reads their votes as they come
 *    (`pageChangeOutcome` under the PG's write quorum). All approved: committed, answered `txnOk`,
 *    and shipped. One rejected: the client is told `deadlock` at once (MySQL 1213), and the
 *    transaction rolls back.
 * 4. **Rollback.** Once every change of the transaction is decided, each approved one is undone by
 *    a compensating change (the next version, with the values from before), proposed and approved
 *    as any change; then the locks go and the compensated pages are shipped. A version nobody won
 *    (a split vote) is skipped, as `multi-writer.ts` says.
 *
 * Shipping: each commit and rollback is an entry numbered from 1; entries go to every other writer
 * `replicationDelayMs` after they happen and again every `resendMs` until acknowledged; a receiver
 * applies them in order, taking each page's higher version.
 *
 * A crash loses the waiting transactions and the REGIONAL_RAW waits (their clients time out), and
 * keeps, as the volume keeps the undo log, the transactions that had proposed changes: after the
 * restart the writer asks their votes again and rolls each back. Its pages and shipping positions
 * are kept too (the buffer cache rebuilt at the versions it knew; docs/protocol.md §11.2 says what
 * this leaves out).
 */
import type { EventObject } from 'xstate';
import type { ModelEffect } from './effects.js';
import type { TxnOp, TxnRequestMessage } from './messages.js';
import type { MwPositionMessage, MwShipAckMessage, MwShipMessage, PageVoteMessage, ShipEntry, ShippedPage } from './mw-messages.js';
import type { PageLayout } from '../src/protocol/pages.js';
import { blockOfKey } from '../src/protocol/pages.js';
import type { SegmentId } from '../src/protocol/ids.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import type { PageChange, PageChangeOutcome, PageVersionHolder } from '../src/protocol/page-conflicts.js';
import { pageChangeOutcome } from '../src/protocol/page-conflicts.js';
import type { MultiWriterConsistency, WriterPage } from '../src/protocol/multi-writer.js';
import { DEADLOCK_ERROR, EMPTY_PAGE, commitStampOf, lostVersionOf, touchedPages, valuesAfter } from '../src/protocol/multi-writer.js';
import type { Observation } from '../src/protocol/observations.js';

/** Timer ids (explicit: docs/determinism.md). */
export const MW_SHIP_TIMER = 'mw.ship';
export const MW_RESEND_TIMER = 'mw.resend';
export const mwVoteTimerId = (txnId: number): string => `mw.votes.${txnId}`;
export const mwPositionTimerId = (txnId: number): string => `mw.position.${txnId}`;

/** One PG as a writer votes on it: its members and write quorum. */
export interface MwPg {
  readonly members: readonly string[];
  readonly write: QuorumPredicate;
}

/** What the input fixed. */
export interface MwSettings {
  /** The other writers' multi-writer actors. */
  readonly peers: readonly string[];
  readonly pgs: Readonly<Record<number, MwPg>>;
  readonly layout: PageLayout;
  readonly consistency: MultiWriterConsistency;
  readonly replicationDelayMs: number;
  readonly resendMs: number;
  readonly positionTimeoutMs: number;
  readonly voteResendMs: number;
  /** Vote rounds after which a transaction still undecided is given up (`writerUnavailable`). */
  readonly voteRoundsMax: number;
}

/** One change a transaction proposed (its own, or the compensating one), and the votes so far. */
export interface MwChange {
  readonly baseVersion: number;
  /** Who holds the version at each segment that voted (this transaction, where it was accepted). */
  readonly holders: Readonly<Record<string, PageVersionHolder>>;
  readonly outcome: PageChangeOutcome;
}

/** A page a transaction writes. */
export interface MwTxnPage {
  readonly pg: number;
  readonly blockId: number;
  readonly puts: readonly { key: string; value: string }[];
  /** The values at the base version, and after the puts. */
  readonly previous: Readonly<Record<string, string>>;
  readonly next: Readonly<Record<string, string>>;
  readonly change: MwChange;
  readonly compensation?: MwChange;
}

/** A transaction on this writer. */
export interface MwTxn {
  readonly txnId: number;
  readonly client: string;
  readonly ops: readonly TxnOp[];
  readonly phase: 'positioning' | 'voting' | 'rollingBack';
  readonly pages: readonly MwTxnPage[];
  /** The blocks it locked. */
  readonly blocks: readonly number[];
  /** REGIONAL_RAW: each peer's position (-1: not answered yet; null: taken as down). */
  readonly positions?: Readonly<Record<string, number | null>>;
  readonly reads: readonly (string | null)[];
  readonly voteRounds: number;
}

/** Context of the multi-writer statechart. */
export interface MwContext {
  readonly self: string;
  readonly settings: MwSettings;
  /** The writer's pages (its buffer cache): every block it knows, at the version it knows. */
  readonly pages: Readonly<Record<number, WriterPage>>;
  /** Local page locks: block → the transaction holding it. */
  readonly locks: Readonly<Record<number, number>>;
  readonly waiting: readonly TxnRequestMessage[];
  readonly txns: Readonly<Record<number, MwTxn>>;
  /** The last entry number this writer gave. */
  readonly seq: number;
  /** The highest commit stamp this writer gave or saw (`commitStampOf`). */
  readonly clock: number;
  /** Entries not yet acknowledged by every peer, in order. */
  readonly outbox: readonly ShipEntry[];
  readonly sent: Readonly<Record<string, number>>;
  readonly acked: Readonly<Record<string, number>>;
  /** Each peer's entries applied here, through this number. */
  readonly applied: Readonly<Record<string, number>>;
  /**
   * Page versions this writer lost whose winner it could not tell when the transaction ended
   * (votes missing), by block: later votes may show nobody can win it (then it is skipped).
   */
  readonly unsettled: Readonly<Record<number, { readonly txnId: number; readonly pg: number; readonly baseVersion: number; readonly holders: Readonly<Record<string, PageVersionHolder>> }>>;
  /** Each peer's entries that came ahead of one missing. */
  readonly early: Readonly<Record<string, readonly ShipEntry[]>>;
  readonly shipArmed: boolean;
  readonly stats: { readonly commits: number; readonly deadlocks: number; readonly rollbacks: number; readonly compensations: number };
}

/** A step's result. */
export interface MwStep {
  context: MwContext;
  effects: ModelEffect[];
  cancels: string[];
  timers: { id: string; delayMs: number; event: EventObject & Record<string, unknown> }[];
}

/** The step being built: the context so far and what it asks. */
class Out {
  readonly effects: ModelEffect[] = [];
  readonly cancels: string[] = [];
  readonly timers: MwStep['timers'] = [];
  constructor(public context: MwContext) {}
  send(to: string, message: unknown): void {
    this.effects.push({ kind: 'send', to, message });
  }
  observe(observation: Observation): void {
    this.effects.push({ kind: 'observe', observation });
  }
  set(patch: Partial<MwContext>): void {
    this.context = { ...this.context, ...patch };
  }
  result(): MwStep {
    return { context: this.context, effects: this.effects, cancels: this.cancels, timers: this.timers };
  }
}

const txnKey = (holder: PageVersionHolder): string => `${holder.writer}#${holder.txnId}`;

function putTxn(out: Out, txn: MwTxn): void {
  out.set({ txns: { ...out.context.txns, [txn.txnId]: txn } });
}

function dropTxn(out: Out, txnId: number): void {
  const txns = { ...out.context.txns };
  delete txns[txnId];
  out.set({ txns });
}

/** A client's transaction: it starts if its pages are free here, or waits for them. */
export function onTxnRequest(context: MwContext, request: TxnRequestMessage): MwStep {
  const out = new Out(context);
  const blocks = touchedPages(context.settings.layout, request.ops).map((page) => page.blockId);
  if (blocks.some((block) => context.locks[block] !== undefined)) out.set({ waiting: [...context.waiting, request] });
  else start(out, request, blocks);
  return out.result();
}

function start(out: Out, request: TxnRequestMessage, blocks: readonly number[]): void {
  const { context } = out;
  const locks = { ...context.locks };
  for (const block of blocks) locks[block] = request.txnId;
  out.set({ locks });
  const txn: MwTxn = { txnId: request.txnId, client: request.from, ops: request.ops, phase: 'positioning', pages: [], blocks, reads: [], voteRounds: 0 };
  const { peers, consistency, positionTimeoutMs } = context.settings;
  if (consistency === 'regional-raw' && peers.length > 0 && request.ops.some((op) => op.f === 'get')) {
    putTxn(out, { ...txn, positions: Object.fromEntries(peers.map((peer) => [peer, -1])) });
    for (const peer of peers) out.send(peer, { type: 'mwPositionQuery', from: context.self, queryId: request.txnId });
    out.observe({ kind: 'mwRegionalRead', writer: context.self, txnId: request.txnId, phase: 'asked' });
    out.timers.push({ id: mwPositionTimerId(request.txnId), delayMs: positionTimeoutMs, event: { type: 'mwPositionTimeout', txnId: request.txnId } });
    return;
  }
  proceed(out, txn);
}

/** Reads from this writer's pages, then proposes the page changes (or answers a read-only transaction). */
function proceed(out: Out, txn: MwTxn): void {
  const { context } = out;
  const { layout, pgs, voteResendMs } = context.settings;
  const pageOf = (blockId: number): WriterPage => context.pages[blockId] ?? EMPTY_PAGE;
  const reads = txn.ops.filter((op) => op.f === 'get').map((op) => pageOf(blockOfKey(layout, op.key)).values[op.key] ?? null);
  const touched = touchedPages(layout, txn.ops);
  if (touched.length === 0) {
    dropTxn(out, txn.txnId);
    out.send(txn.client, { type: 'txnOk', from: context.self, txnId: txn.txnId, commitLsn: 0, reads });
    return;
  }
  const pages = touched.map((page): MwTxnPage => {
    const known = pageOf(page.blockId);
    return { ...page, previous: known.values, next: valuesAfter(known.values, page.puts), change: { baseVersion: known.version, holders: {}, outcome: 'undecided' } };
  });
  putTxn(out, { ...txn, phase: 'voting', pages, reads });
  for (const page of pages) proposeTo(out, pgs[page.pg]?.members ?? [], changeOf(context.self, txn.txnId, page, page.change.baseVersion));
  out.timers.push({ id: mwVoteTimerId(txn.txnId), delayMs: voteResendMs, event: { type: 'mwVoteTick', txnId: txn.txnId } });
}

function changeOf(self: string, txnId: number, page: MwTxnPage, baseVersion: number): PageChange {
  return { writer: self, txnId, pg: page.pg, blockId: page.blockId, baseVersion };
}

function proposeTo(out: Out, members: readonly string[], change: PageChange): void {
  for (const member of members) out.send(member, { type: 'pageChange', from: out.context.self, change });
}

/** A vote on one of this writer's changes. */
export function onPageVote(context: MwContext, vote: PageVoteMessage): MwStep {
  const out = new Out(context);
  if (vote.change.writer !== context.self) return out.result();
  const txn = context.txns[vote.change.txnId];
  if (txn === undefined) {
    settleLostVersion(out, vote);
    return out.result();
  }
  const index = txn.pages.findIndex((page) => page.blockId === vote.change.blockId);
  const page = txn.pages[index];
  if (page === undefined) return out.result();
  const pg = context.settings.pgs[page.pg];
  if (pg === undefined) return out.result();
  const ours = vote.change.baseVersion === page.change.baseVersion ? 'change' : vote.change.baseVersion === page.compensation?.baseVersion ? 'compensation' : undefined;
  if (ours === undefined) return out.result();
  const before = ours === 'change' ? page.change : (page.compensation as MwChange);
  if (before.holders[vote.from] !== undefined) return out.result();
  const holders = { ...before.holders, [vote.from]: vote.holder };
  const mine = txnKey({ writer: context.self, txnId: txn.txnId });
  const accepted = Object.keys(holders).filter((segment) => txnKey(holders[segment] as PageVersionHolder) === mine) as SegmentId[];
  const conflicted = Object.keys(holders).filter((segment) => txnKey(holders[segment] as PageVersionHolder) !== mine) as SegmentId[];
  const outcome = pageChangeOutcome(pg.write, pg.members as SegmentId[], accepted, conflicted);
  const after: MwChange = { ...before, holders, outcome };
  const updated: MwTxnPage = ours === 'change' ? { ...page, change: after } : { ...page, compensation: after };
  const next: MwTxn = { ...txn, pages: txn.pages.map((candidate, i) => (i === index ? updated : candidate)) };
  putTxn(out, next);
  if (ours === 'change' && outcome === 'rejected') skipVoidVersion(out, pg, updated.blockId, updated.change.baseVersion, updated.change.holders);
  advance(out, next.txnId);
  return out.result();
}

/** A late vote on a version an ended transaction lost: nobody can win it any more, or somebody did. */
function settleLostVersion(out: Out, vote: PageVoteMessage): void {
  const lost = out.context.unsettled[vote.change.blockId];
  if (lost === undefined || lost.txnId !== vote.change.txnId || lost.baseVersion !== vote.change.baseVersion || lost.holders[vote.from] !== undefined) return;
  const pg = out.context.settings.pgs[lost.pg] as MwPg;
  const holders = { ...lost.holders, [vote.from]: vote.holder };
  const unsettled = { ...out.context.unsettled };
  delete unsettled[vote.change.blockId];
  const verdict = lostVersionOf(pg.write, pg.members, holders);
  if (verdict.kind === 'open') unsettled[vote.change.blockId] = { ...lost, holders };
  out.set({ unsettled });
  if (verdict.kind === 'void') skipVoidVersion(out, pg, vote.change.blockId, lost.baseVersion, holders);
}

/** A version the writer lost that nobody can win (a split vote) is skipped: the next one has the page as it was. */
function skipVoidVersion(out: Out, pg: MwPg, blockId: number, baseVersion: number, holders: Readonly<Record<string, PageVersionHolder>>): void {
  const lost = lostVersionOf(pg.write, pg.members, holders);
  const known = out.context.pages[blockId] ?? EMPTY_PAGE;
  if (lost.kind !== 'void' || known.version !== baseVersion) return;
  out.set({ pages: { ...out.context.pages, [blockId]: { ...known, version: known.version + 1 } } });
}

/** Moves a transaction on after a vote or a timer: commit, lose, compensate, or finish a rollback. */
function advance(out: Out, txnId: number): void {
  const txn = out.context.txns[txnId];
  if (txn === undefined) return;
  if (txn.phase === 'voting') {
    const lost = txn.pages.find((page) => page.change.outcome === 'rejected');
    if (lost !== undefined) {
      lose(out, txn, lost);
      advance(out, txnId);
      return;
    }
    if (txn.pages.every((page) => page.change.outcome === 'approved')) commit(out, txn);
    return;
  }
  if (txn.phase === 'rollingBack') rollBack(out, txn);
}

/** The transaction lost a page version: the client hears `deadlock` now; the rollback follows. */
function lose(out: Out, txn: MwTxn, page: MwTxnPage): void {
  const { context } = out;
  const pg = context.settings.pgs[page.pg] as MwPg;
  const lost = lostVersionOf(pg.write, pg.members, page.change.holders);
  const winner = lost.kind === 'won' ? txnKey(lost.holder) : lost.kind;
  out.observe({ kind: 'mwAborted', writer: context.self, txnId: txn.txnId, reason: 'conflict', lost: { pg: page.pg, blockId: page.blockId, baseVersion: page.change.baseVersion, winner } });
  out.send(txn.client, { type: 'txnFail', from: context.self, txnId: txn.txnId, reason: DEADLOCK_ERROR });
  putTxn(out, { ...txn, phase: 'rollingBack' });
  out.set({ stats: { ...out.context.stats, deadlocks: out.context.stats.deadlocks + 1 } });
}

/** Every change approved: the pages take their new versions, the client hears `txnOk`, the entry ships. */
function commit(out: Out, txn: MwTxn): void {
  const { context } = out;
  const stamp = commitStampOf(context.clock, txn.pages.map((page) => context.pages[page.blockId] ?? EMPTY_PAGE));
  const shipped: ShippedPage[] = txn.pages.map((page) => ({ blockId: page.blockId, version: page.change.baseVersion + 1, values: page.next, stamp }));
  out.set({ pages: withPages(context.pages, shipped), clock: stamp, stats: { ...context.stats, commits: context.stats.commits + 1 } });
  const seq = context.seq + 1;
  out.observe({ kind: 'mwCommitted', writer: context.self, txnId: txn.txnId, seq, pages: txn.pages.map((page) => ({ pg: page.pg, blockId: page.blockId, baseVersion: page.change.baseVersion })) });
  // The commit stamp stands where a single writer puts the commit LSN (see `commitStampOf`).
  out.send(txn.client, { type: 'txnOk', from: context.self, txnId: txn.txnId, commitLsn: stamp, reads: txn.reads });
  finish(out, txn, seq, shipped);
}

/**
 * A rollback's next move, once every change is decided: compensate each approved change not yet
 * compensated; when every compensation is approved, the pages take the values from before.
 */
function rollBack(out: Out, txn: MwTxn): void {
  if (txn.pages.some((page) => page.change.outcome === 'undecided')) return;
  const { context } = out;
  const { pgs } = context.settings;
  let pages = txn.pages;
  for (const page of txn.pages) {
    if (page.change.outcome !== 'approved' || page.compensation !== undefined) continue;
    const baseVersion = page.change.baseVersion + 1;
    pages = pages.map((candidate) => (candidate === page ? { ...page, compensation: { baseVersion, holders: {}, outcome: 'undecided' } } : candidate));
    proposeTo(out, pgs[page.pg]?.members ?? [], changeOf(context.self, txn.txnId, page, baseVersion));
  }
  if (pages !== txn.pages) putTxn(out, { ...txn, pages });
  if (pages.some((page) => page.compensation?.outcome === 'undecided')) return;
  const undone = pages.filter((page) => page.compensation !== undefined);
  const stamp = commitStampOf(out.context.clock, undone.map((page) => out.context.pages[page.blockId] ?? EMPTY_PAGE));
  const shipped: ShippedPage[] = undone.map((page) => ({ blockId: page.blockId, version: page.change.baseVersion + 2, values: page.previous, stamp }));
  const stats = out.context.stats;
  out.set({ pages: withPages(out.context.pages, shipped), clock: undone.length === 0 ? out.context.clock : stamp, stats: { ...stats, rollbacks: stats.rollbacks + 1, compensations: stats.compensations + undone.length } });
  // Versions lost to a winner not known yet: late votes may still show a split (see settleLostVersion).
  const unsettled = { ...out.context.unsettled };
  for (const page of pages) {
    const pgOfPage = pgs[page.pg];
    if (page.change.outcome !== 'rejected' || pgOfPage === undefined) continue;
    if (lostVersionOf(pgOfPage.write, pgOfPage.members, page.change.holders).kind === 'open') {
      unsettled[page.blockId] = { txnId: txn.txnId, pg: page.pg, baseVersion: page.change.baseVersion, holders: page.change.holders };
    }
  }
  out.set({ unsettled });
  const seq = out.context.seq + 1;
  out.observe({ kind: 'mwRolledBack', writer: context.self, txnId: txn.txnId, seq, compensations: undone.length });
  finish(out, txn, seq, shipped);
}

/** `pages` with each shipped page taken where its version is newer than the one known. */
function withPages(pages: Readonly<Record<number, WriterPage>>, shipped: readonly ShippedPage[]): Record<number, WriterPage> {
  const next: Record<number, WriterPage> = { ...pages };
  for (const page of shipped) if ((next[page.blockId]?.version ?? 0) < page.version) next[page.blockId] = { version: page.version, values: page.values, stamp: page.stamp };
  return next;
}

/** A transaction ends: its timers and locks go, its entry is queued to ship, and waiting transactions may start. */
function finish(out: Out, txn: MwTxn, seq: number, shipped: readonly ShippedPage[]): void {
  out.cancels.push(mwVoteTimerId(txn.txnId));
  dropTxn(out, txn.txnId);
  const locks = { ...out.context.locks };
  for (const block of txn.blocks) if (locks[block] === txn.txnId) delete locks[block];
  out.set({ locks, seq, outbox: [...out.context.outbox, { seq, txnId: txn.txnId, pages: shipped }] });
  if (!out.context.shipArmed) {
    out.set({ shipArmed: true });
    out.timers.push({ id: MW_SHIP_TIMER, delayMs: out.context.settings.replicationDelayMs, event: { type: 'mwShipTick' } });
  }
  drainWaiting(out);
}

/** Starts the waiting transactions whose pages are free now, in arrival order. */
function drainWaiting(out: Out): void {
  const still: TxnRequestMessage[] = [];
  for (const request of out.context.waiting) {
    const blocks = touchedPages(out.context.settings.layout, request.ops).map((page) => page.blockId);
    if (blocks.some((block) => out.context.locks[block] !== undefined)) still.push(request);
    else {
      out.set({ waiting: out.context.waiting.filter((candidate) => candidate !== request) });
      start(out, request, blocks);
    }
  }
}

/**
 * The vote timer: changes still undecided are proposed again to the segments that have not voted
 * (a lost message, a segment back from a crash). A transaction undecided after `voteRoundsMax`
 * rounds is given up (`writerUnavailable`) and rolls back.
 */
export function onVoteTick(context: MwContext, txnId: number): MwStep {
  const out = new Out(context);
  const txn = context.txns[txnId];
  if (txn === undefined) return out.result();
  const { pgs, voteResendMs, voteRoundsMax } = context.settings;
  for (const page of txn.pages) {
    const members = pgs[page.pg]?.members ?? [];
    for (const change of [page.change, page.compensation]) {
      if (change === undefined || change.outcome !== 'undecided') continue;
      proposeTo(out, members.filter((member) => change.holders[member] === undefined), changeOf(context.self, txnId, page, change.baseVersion));
    }
  }
  const rounds = txn.voteRounds + 1;
  putTxn(out, { ...txn, voteRounds: rounds });
  if (txn.phase === 'voting' && rounds >= voteRoundsMax) {
    out.observe({ kind: 'mwAborted', writer: context.self, txnId, reason: 'timeout' });
    out.send(txn.client, { type: 'txnFail', from: context.self, txnId, reason: 'writerUnavailable' });
    putTxn(out, { ...(out.context.txns[txnId] as MwTxn), phase: 'rollingBack' });
    advance(out, txnId);
  }
  if (out.context.txns[txnId] !== undefined) out.timers.push({ id: mwVoteTimerId(txnId), delayMs: voteResendMs, event: { type: 'mwVoteTick', txnId } });
  return out.result();
}

/** The ship timer: every peer gets the entries it was not sent yet. */
export function onShipTick(context: MwContext): MwStep {
  const out = new Out({ ...context, shipArmed: false });
  shipTo(out, (peer) => out.context.sent[peer] ?? 0);
  return out.result();
}

/** The resend timer: every peer gets again the entries it has not acknowledged. */
export function onResendTick(context: MwContext): MwStep {
  const out = new Out(context);
  // Entries never sent are the ship timer's; only what was sent and not acknowledged goes again.
  const unacked = (peer: string): number => ((out.context.sent[peer] ?? 0) > (out.context.acked[peer] ?? 0) ? (out.context.acked[peer] ?? 0) : Infinity);
  shipTo(out, unacked);
  out.timers.push({ id: MW_RESEND_TIMER, delayMs: context.settings.resendMs, event: { type: 'mwResendTick' } });
  return out.result();
}

/** Sends each peer its entries after `from(peer)` (none when that is past the last). */
function shipTo(out: Out, from: (peer: string) => number): void {
  const { context } = out;
  const sent = { ...context.sent };
  for (const peer of context.settings.peers) {
    const after = from(peer);
    const entries = context.outbox.filter((entry) => entry.seq > after);
    if (entries.length === 0) continue;
    out.send(peer, { type: 'mwShip', from: context.self, entries } satisfies MwShipMessage);
    sent[peer] = Math.max(sent[peer] ?? 0, context.seq);
  }
  out.set({ sent });
}

/** Another writer's entries: applied in order (each page's higher version wins), then acknowledged. */
export function onShip(context: MwContext, ship: MwShipMessage): MwStep {
  const out = new Out(context);
  let applied = context.applied[ship.from] ?? 0;
  const early = new Map<number, ShipEntry>((context.early[ship.from] ?? []).map((entry) => [entry.seq, entry]));
  for (const entry of ship.entries) if (entry.seq > applied) early.set(entry.seq, entry);
  let pages = context.pages;
  let clock = context.clock;
  for (let entry = early.get(applied + 1); entry !== undefined; entry = early.get(applied + 1)) {
    early.delete(entry.seq);
    applied = entry.seq;
    pages = withPages(pages, entry.pages);
    clock = Math.max(clock, ...entry.pages.map((page) => page.stamp));
    out.observe({ kind: 'mwApplied', writer: context.self, from: ship.from, seq: entry.seq });
  }
  out.set({ pages, clock, applied: { ...context.applied, [ship.from]: applied }, early: { ...context.early, [ship.from]: [...early.values()] } });
  out.send(ship.from, { type: 'mwShipAck', from: context.self, upTo: applied } satisfies MwShipAckMessage);
  for (const txn of Object.values(out.context.txns)) if (txn.phase === 'positioning') readyIfCaughtUp(out, txn.txnId);
  return out.result();
}

/** A peer acknowledged entries: those every peer has are dropped from the outbox. */
export function onShipAck(context: MwContext, ack: MwShipAckMessage): MwStep {
  const out = new Out(context);
  const acked = { ...context.acked, [ack.from]: Math.max(context.acked[ack.from] ?? 0, ack.upTo) };
  const everyone = Math.min(...context.settings.peers.map((peer) => acked[peer] ?? 0));
  out.set({ acked, outbox: context.outbox.filter((entry) => entry.seq > everyone) });
  return out.result();
}

/** REGIONAL_RAW: another writer asks how far this one has committed. */
export function onPositionQuery(context: MwContext, query: { from: string; queryId: number }): MwStep {
  const out = new Out(context);
  out.send(query.from, { type: 'mwPosition', from: context.self, queryId: query.queryId, seq: context.seq } satisfies MwPositionMessage);
  return out.result();
}

/** REGIONAL_RAW: a peer's position, or (`seq` null) the wait for the peers still silent is over. */
export function onPosition(context: MwContext, txnId: number, answers: Readonly<Record<string, number | null>>): MwStep {
  const out = new Out(context);
  const txn = context.txns[txnId];
  if (txn?.phase !== 'positioning' || txn.positions === undefined) return out.result();
  const positions = { ...txn.positions };
  for (const [peer, seq] of Object.entries(answers)) if (positions[peer] === -1) positions[peer] = seq;
  putTxn(out, { ...txn, positions });
  readyIfCaughtUp(out, txnId);
  return out.result();
}

/** The peers silent when the position wait timed out. */
export function silentPeers(context: MwContext, txnId: number): Record<string, null> {
  const positions = context.txns[txnId]?.positions ?? {};
  return Object.fromEntries(Object.keys(positions).filter((peer) => positions[peer] === -1).map((peer) => [peer, null]));
}

/** A REGIONAL_RAW transaction reads once every peer answered (or was taken as down) and its entries up to there are applied. */
function readyIfCaughtUp(out: Out, txnId: number): void {
  const txn = out.context.txns[txnId];
  if (txn?.positions === undefined) return;
  const positions = txn.positions;
  const ready = Object.keys(positions).every((peer) => positions[peer] === null || ((positions[peer] as number) >= 0 && (out.context.applied[peer] ?? 0) >= (positions[peer] as number)));
  if (!ready) return;
  out.cancels.push(mwPositionTimerId(txnId));
  out.observe({ kind: 'mwRegionalRead', writer: out.context.self, txnId, phase: 'ready' });
  proceed(out, txn);
}

/**
 * A crash (of the instance, or its AZ): every timer goes; waiting transactions and REGIONAL_RAW
 * waits are lost with their connections; transactions that proposed changes are kept for the
 * rollback after the restart (see the file header).
 */
export function onCrash(context: MwContext): MwStep {
  const out = new Out(context);
  out.observe({ kind: 'mwWriterState', writer: context.self, state: 'crashed' });
  out.cancels.push(MW_SHIP_TIMER, MW_RESEND_TIMER);
  const locks = { ...context.locks };
  const txns: Record<number, MwTxn> = {};
  for (const txn of Object.values(context.txns)) {
    out.cancels.push(mwVoteTimerId(txn.txnId), mwPositionTimerId(txn.txnId));
    if (txn.phase === 'positioning') {
      for (const block of txn.blocks) if (locks[block] === txn.txnId) delete locks[block];
    } else txns[txn.txnId] = { ...txn, phase: 'rollingBack', voteRounds: 0 };
  }
  out.set({ locks, txns, waiting: [], early: {}, shipArmed: false });
  return out.result();
}

/**
 * The restart: each kept transaction is given up (`crash`) and rolled back, its changes asked
 * again from scratch (a segment answers a change it already holds with the same vote). The
 * resend timer (set again on entering `serving`) sends every peer what it has not acknowledged.
 */
export function onRestart(context: MwContext): MwStep {
  const out = new Out({ ...context, sent: { ...context.acked } });
  out.observe({ kind: 'mwWriterState', writer: context.self, state: 'serving' });
  const { pgs, voteResendMs } = context.settings;
  for (const txn of Object.values(context.txns)) {
    out.observe({ kind: 'mwAborted', writer: context.self, txnId: txn.txnId, reason: 'crash' });
    const fresh = (change: MwChange | undefined): MwChange | undefined => (change === undefined ? undefined : { baseVersion: change.baseVersion, holders: {}, outcome: 'undecided' });
    const pages = txn.pages.map((page) => {
      const compensation = fresh(page.compensation);
      return { ...page, change: fresh(page.change) as MwChange, ...(compensation === undefined ? {} : { compensation }) };
    });
    putTxn(out, { ...txn, pages });
    for (const page of pages) {
      const members = pgs[page.pg]?.members ?? [];
      proposeTo(out, members, changeOf(context.self, txn.txnId, page, page.change.baseVersion));
      if (page.compensation !== undefined) proposeTo(out, members, changeOf(context.self, txn.txnId, page, page.compensation.baseVersion));
    }
    out.timers.push({ id: mwVoteTimerId(txn.txnId), delayMs: voteResendMs, event: { type: 'mwVoteTick', txnId: txn.txnId } });
  }
  return out.result();
}
