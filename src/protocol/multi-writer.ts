/**
 * Multi-writer clusters, the writer side (docs/protocol.md §11.2; §13, MM1): pure rules over plain
 * values for the multi-writer statechart (`models/mm-writer.machine.ts`).
 *
 * A transaction's puts land on pages (the key → block mapping of `pages.ts`). For each page it
 * writes, the writer proposes one change naming the page version it knows (the base version); the
 * storage side (`page-conflicts.ts`) votes, and the writer reads the votes here: which other change
 * won a page version it lost, or whether nobody can win it (a split vote). A version nobody won is
 * void: every writer that lost it skips it, as the version after it with the page unchanged, so the
 * page never stays stuck on a version no write quorum can approve any more.
 *
 * The User Guide ("Working with Aurora multi-master clusters") gives: up to four writers in one
 * region, page-level conflicts detected as the change is written (not at commit), the loser's
 * whole transaction rolled back with a deadlock error (MySQL 1213), and the
 * `aurora_mm_session_consistency_level` choice of INSTANCE_RAW (a read sees the writer's own
 * view) or REGIONAL_RAW (a read first waits for every writer's commits to arrive).
 */
import type { PageLayout } from './pages.js';
import { blockOfKey, pgOfBlock } from './pages.js';
import type { PageChange, PageVersionHolder, PageVersionVotes, PageVote } from './page-conflicts.js';
import { votePageChange } from './page-conflicts.js';
import type { SegmentId } from './ids.js';
import type { QuorumPredicate } from './quorum.js';
import { satisfies } from './quorum.js';

/** Most writers the User Guide documents for a multi-master cluster (a parameter: other accounts say 5). */
export const MULTI_WRITER_MAX_DEFAULT = 4;
/** Fewest writers of a multi-writer cluster. */
export const MULTI_WRITER_MIN = 2;
/** Writers a multi-writer cluster has unless the scenario says. */
export const MULTI_WRITERS_DEFAULT = 2;
/**
 * How long a writer holds its approved commits before shipping them to the other writers, in ms:
 * the User Guide speaks of a lag of "a few milliseconds" between writers.
 */
export const REPLICATION_DELAY_MS_DEFAULT = 5;
/** The error a client gets when its transaction lost a page conflict: MySQL 1213, ER_LOCK_DEADLOCK. */
export const DEADLOCK_ERROR = 'deadlock';

/** Read-after-write consistency of a multi-writer cluster (`aurora_mm_session_consistency_level`). */
export type MultiWriterConsistency = 'instance-raw' | 'regional-raw';
export const MULTI_WRITER_CONSISTENCIES: readonly MultiWriterConsistency[] = ['instance-raw', 'regional-raw'];

/**
 * A page as a writer knows it: the version and the values it holds there, and the commit stamp of
 * the change that made it ({@link commitStampOf}).
 */
export interface WriterPage {
  readonly version: number;
  readonly values: Readonly<Record<string, string>>;
  readonly stamp: number;
}

/** The empty page every block starts as: version 0, no values, stamp 0. */
export const EMPTY_PAGE: WriterPage = { version: 0, values: {}, stamp: 0 };

/**
 * A commit's stamp: one more than the writer's clock and every stamp on the pages it changes (a
 * Lamport clock over page versions). A page's next version is made by a writer that knows the
 * version before, so on every page, and so on every key, stamps rise with versions: the history
 * checker orders each key's versions by it as it orders a single writer's commits by commit LSN.
 */
export function commitStampOf(clock: number, pages: readonly WriterPage[]): number {
  return Math.max(clock, ...pages.map((page) => page.stamp)) + 1;
}

/** A page a transaction writes: its PG, block and the puts on it, in op order. */
export interface TouchedPage {
  readonly pg: number;
  readonly blockId: number;
  readonly puts: readonly { key: string; value: string }[];
}

/** The pages a transaction's puts touch, by block in ascending order (each page once). */
export function touchedPages(layout: PageLayout, ops: readonly { f: string; key: string; value?: string }[]): TouchedPage[] {
  const byBlock = new Map<number, { key: string; value: string }[]>();
  for (const op of ops) {
    if (op.f !== 'put') continue;
    const blockId = blockOfKey(layout, op.key);
    const puts = byBlock.get(blockId) ?? [];
    puts.push({ key: op.key, value: op.value ?? '' });
    byBlock.set(blockId, puts);
  }
  return [...byBlock.keys()].sort((a, b) => a - b).map((blockId) => ({ pg: pgOfBlock(layout, blockId as never), blockId, puts: byBlock.get(blockId) ?? [] }));
}

/** The values of a page after `puts` (later puts of a key win). The values given are never written into. */
export function valuesAfter(values: Readonly<Record<string, string>>, puts: readonly { key: string; value: string }[]): Record<string, string> {
  const next = { ...values };
  for (const put of puts) next[put.key] = put.value;
  return next;
}

/** The value a key holds in a writer's pages, or null when it was never written. */
export function valueOf(layout: PageLayout, pages: Readonly<Record<number, WriterPage>>, key: string): string | null {
  return pages[blockOfKey(layout, key)]?.values[key] ?? null;
}

/**
 * How a lost page version stands, from every vote heard on it: the change that holds it at each
 * segment that voted. `won` names the change a write quorum holds; `void` means no change can
 * reach a write quorum any more (a split vote), so the version is skipped; `open` means it cannot
 * tell yet (votes are missing).
 */
export type LostVersion = { readonly kind: 'won'; readonly holder: PageVersionHolder } | { readonly kind: 'void' } | { readonly kind: 'open' };

/**
 * Reads a lost page version from the holders the voting segments named (segment → holder), under
 * the PG's write quorum over `members`.
 */
export function lostVersionOf(write: QuorumPredicate, members: readonly string[], holders: Readonly<Record<string, PageVersionHolder>>): LostVersion {
  const voted = Object.keys(holders);
  const unvoted = members.filter((member) => !voted.includes(member));
  const byHolder = new Map<string, { holder: PageVersionHolder; segments: string[] }>();
  for (const segment of voted) {
    const holder = holders[segment] as PageVersionHolder;
    const key = `${holder.writer}#${holder.txnId}`;
    const entry = byHolder.get(key) ?? { holder, segments: [] };
    entry.segments.push(segment);
    byHolder.set(key, entry);
  }
  const holds = (segments: readonly string[]): boolean => satisfies(write, segments as readonly SegmentId[]);
  for (const entry of byHolder.values()) if (holds(entry.segments)) return { kind: 'won', holder: entry.holder };
  // Some change may still reach a quorum with the segments not heard yet; a change not yet seen may too.
  const reachable = [...byHolder.values()].some((entry) => holds([...entry.segments, ...unvoted])) || holds(unvoted);
  return reachable ? { kind: 'open' } : { kind: 'void' };
}

/** Deadlock errors per 100 attempted write transactions (the conflict rate), to one decimal. */
export function conflictRatePer100(deadlocks: number, attemptedWrites: number): number {
  return attemptedWrites === 0 ? 0 : Math.round((1000 * deadlocks) / attemptedWrites) / 10;
}

/** Page versions a segment keeps votes for per block; older ones are collected. */
export const PAGE_VERSIONS_KEPT = 64;

/** The holder a segment names for a version whose votes it collected: no change can win it any more. */
export const COLLECTED_HOLDER: PageVersionHolder = { writer: '(collected)', txnId: 0 };

/** A segment's votes on one block: the versions it keeps, from `floor` on. */
export interface BlockVotes {
  readonly floor: number;
  readonly votes: PageVersionVotes;
}

/**
 * A segment's vote with its votes kept per block, at most `kept` versions each (the table would
 * otherwise grow with every change, and each vote copy it). A change on a version below the
 * block's floor is a conflict held by {@link COLLECTED_HOLDER}: every writer that knew that version
 * has long since moved past it, and accepting it could approve a second change of a version a
 * write quorum already approved. The tables given are never written into.
 */
export function voteKept(
  blocks: Readonly<Record<number, BlockVotes>>,
  change: PageChange,
  kept: number = PAGE_VERSIONS_KEPT,
): { blocks: Readonly<Record<number, BlockVotes>>; vote: PageVote; holder: PageVersionHolder } {
  const block = blocks[change.blockId] ?? { floor: 0, votes: {} };
  if (change.baseVersion < block.floor) return { blocks, vote: 'conflict', holder: COLLECTED_HOLDER };
  const { votes, vote, holder } = votePageChange(block.votes, change);
  if (votes === block.votes) return { blocks, vote, holder };
  let next: BlockVotes = { floor: block.floor, votes };
  const keys = Object.keys(votes);
  if (keys.length > kept) {
    const floor = Math.min(...keys.map((key) => Number(key.slice(key.indexOf('@') + 1)))) + 1;
    const trimmed: Record<string, PageVersionHolder> = {};
    for (const key of keys) if (Number(key.slice(key.indexOf('@') + 1)) >= floor) trimmed[key] = votes[key] as PageVersionHolder;
    next = { floor, votes: trimmed };
  }
  return { blocks: { ...blocks, [change.blockId]: next }, vote, holder };
}
