/**
 * S19 multi-writer page conflicts (docs/protocol.md §12, S19; §11.2): for each page version of a PG
 * at most one writer's change is approved by a write quorum; no committed transaction holds a
 * change that no write quorum approved; and a transaction given up (a lost conflict, its writer's
 * crash, undecided votes) is rolled back whole: when its rollback completes, every page version
 * its change won has the next version won by its compensating change (the page's values from
 * before), so none of its writes stays visible; and it never commits.
 *
 * The judge counts approvals itself, from the segments' votes, with its own write quorum (a strict
 * majority of each PG's members, `quorum-rule.ts`), never with the thresholds the writers or the
 * segments use: a writer that took three votes of six as enough would be caught, not excused.
 */
import { writeQuorumSize } from './quorum-rule.js';
import type { PageChange, PageVote } from '../protocol/page-conflicts.js';
import { pageVersionKey } from '../protocol/page-conflicts.js';
import type { PropertyResult } from './property.js';
import { createTally } from './property.js';

/** The property's name. */
export const S19_PAGE_CONFLICTS = 'S19 at most one approved change per page version';

/** What the judge hears: a segment's vote on a change, and a transaction's commit acknowledged. */
export type PageConflictEvent =
  | { readonly kind: 'pageVote'; readonly segment: string; readonly change: PageChange; readonly vote: PageVote }
  | { readonly kind: 'txnCommitted'; readonly writer: string; readonly txnId: number }
  /** The writer gave the transaction up (its client told `deadlock`, or nothing after a crash). */
  | { readonly kind: 'txnAborted'; readonly writer: string; readonly txnId: number }
  /** Its rollback completed: every change it won compensated. */
  | { readonly kind: 'txnRolledBack'; readonly writer: string; readonly txnId: number };

/** The S19 checker. */
export interface PageConflictChecker {
  observe(atMs: number, event: PageConflictEvent): void;
  result(): PropertyResult;
}

/** Creates the S19 checker for PGs of these members (each PG's members as the topology placed them). */
export function createPageConflictChecker(membersByPg: Readonly<Record<number, readonly string[]>>): PageConflictChecker {
  const tally = createTally(S19_PAGE_CONFLICTS, 'always');
  /** Per PG page version: each change's accepting segments, and the change approved, if any. */
  const versions = new Map<string, { accepted: Map<string, Set<string>>; approved?: string }>();
  /** Per transaction (`writer#txnId`): its page versions. */
  const changesOf = new Map<string, string[]>();
  /** Per transaction: the pages it proposed to (PG, block), each with the versions it proposed. */
  const pagesOf = new Map<string, Map<string, { pg: number; blockId: number; versions: number[] }>>();
  /** Transactions given up: they must never commit. */
  const aborted = new Set<string>();
  const txnKey = (writer: string, txnId: number): string => `${writer}#${txnId}`;
  const versionKeyOf = (pg: number, blockId: number, baseVersion: number): string => `pg${pg}:${pageVersionKey(blockId, baseVersion)}`;

  /**
   * A rollback is whole when, on every page, the version the transaction's own change won is
   * followed by a version its compensating change won (a transaction proposes one change per page,
   * then at most one compensation, at the next version: docs/protocol.md §11.2).
   */
  const rolledBack = (atMs: number, who: string): void => {
    for (const page of pagesOf.get(who)?.values() ?? []) {
      const won = page.versions.filter((version) => versions.get(versionKeyOf(page.pg, page.blockId, version))?.approved === who);
      if (won.length === 0) continue;
      const change = Math.min(...won);
      tally.judged();
      const next = versions.get(versionKeyOf(page.pg, page.blockId, change + 1))?.approved;
      if (next !== who) {
        tally.violated(atMs, `${who} rolled back with its change to PG ${page.pg} block ${page.blockId} version ${change} still visible: version ${change + 1} ${next === undefined ? 'approved for no change' : `won by ${next}`}, not by its compensating change`);
      }
    }
  };

  const vote = (atMs: number, segment: string, change: PageChange, accepted: boolean): void => {
    const members = membersByPg[change.pg] ?? [];
    const versionKey = versionKeyOf(change.pg, change.blockId, change.baseVersion);
    const who = txnKey(change.writer, change.txnId);
    const changes = changesOf.get(who) ?? [];
    if (!changes.includes(versionKey)) changesOf.set(who, [...changes, versionKey]);
    const pages = pagesOf.get(who) ?? new Map<string, { pg: number; blockId: number; versions: number[] }>();
    pagesOf.set(who, pages);
    const pageKey = `pg${change.pg}:${change.blockId}`;
    const page = pages.get(pageKey) ?? { pg: change.pg, blockId: change.blockId, versions: [] };
    if (!page.versions.includes(change.baseVersion)) pages.set(pageKey, { ...page, versions: [...page.versions, change.baseVersion] });
    if (!accepted || !members.includes(segment)) return;
    const version = versions.get(versionKey) ?? { accepted: new Map<string, Set<string>>() };
    versions.set(versionKey, version);
    const voters = version.accepted.get(who) ?? new Set<string>();
    voters.add(segment);
    version.accepted.set(who, voters);
    if (voters.size < writeQuorumSize(members.length) || version.approved === who) return;
    tally.judged();
    if (version.approved !== undefined) {
      tally.violated(atMs, `PG ${change.pg} block ${change.blockId} version ${change.baseVersion}: ${who} approved by ${voters.size} of ${members.length} segments after ${version.approved} was (expected one change per page version)`);
      return;
    }
    version.approved = who;
  };

  return {
    observe(atMs, event) {
      if (event.kind === 'pageVote') {
        vote(atMs, event.segment, event.change, event.vote === 'accepted');
        return;
      }
      const who = txnKey(event.writer, event.txnId);
      if (event.kind === 'txnAborted') {
        aborted.add(who);
        return;
      }
      if (event.kind === 'txnRolledBack') {
        rolledBack(atMs, who);
        return;
      }
      if (aborted.has(who)) {
        tally.judged();
        tally.violated(atMs, `${who} committed after it was given up`);
      }
      for (const versionKey of changesOf.get(who) ?? []) {
        tally.judged();
        const approved = versions.get(versionKey)?.approved;
        if (approved !== who) tally.violated(atMs, `${who} committed with its change to ${versionKey} ${approved === undefined ? 'approved by no write quorum' : `lost to ${approved}`}`);
      }
    },
    result() {
      return tally.result();
    },
  };
}
