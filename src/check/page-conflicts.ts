/**
 * S19 multi-writer page conflicts (docs/protocol.md §12, S19; §11.2): for each page version of a PG
 * at most one writer's change is approved by a write quorum, and no committed transaction holds a
 * change that no write quorum approved.
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
  | { readonly kind: 'txnCommitted'; readonly writer: string; readonly txnId: number };

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
  const txnKey = (writer: string, txnId: number): string => `${writer}#${txnId}`;

  const vote = (atMs: number, segment: string, change: PageChange, accepted: boolean): void => {
    const members = membersByPg[change.pg] ?? [];
    const versionKey = `pg${change.pg}:${pageVersionKey(change.blockId, change.baseVersion)}`;
    const who = txnKey(change.writer, change.txnId);
    const changes = changesOf.get(who) ?? [];
    if (!changes.includes(versionKey)) changesOf.set(who, [...changes, versionKey]);
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
