/**
 * The writer's side of a membership change: replacing a suspect segment F by a new segment G in
 * two reversible steps (PROTOCOL §2.11; SIGMOD'18 §4.1, Fig. 5).
 *
 * 1. Enter the joint configuration at membership epoch e + 1: W = W(ABCDEF) ∧ W(ABCDEG), sent to
 *    every member, itself a write that needs a write quorum of the configuration being left. The
 *    read quorum stays R(ABCDEF) while G hydrates: a read set that counts an empty G could miss an
 *    older write (the S15 finding in PROTOCOL's notes; PROTOCOL L4).
 * 2. Finish at e + 2, to ABCDEG once G has hydrated, or back to ABCDEF if F returned first. Every
 *    write made at e + 1 already satisfies both, so either way loses nothing; F's data is never
 *    deleted, it just stops being a member.
 *
 * Writes never stop: batches go to every member of the joint configuration. Plain data,
 * owner-private to the writer and updated in place.
 */
import type { MembershipEpoch, PgId } from '../src/protocol/ids.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import { and, satisfies } from '../src/protocol/quorum.js';
import { renameMember } from '../src/protocol/quorum-config.js';
import type { SegmentId } from '../src/protocol/ids.js';
import type { PgConfigRecord, WireMessage } from './messages.js';

/** A change waiting for a write quorum of acks (under the configuration it leaves). */
export interface PendingChange {
  phase: 'entering' | 'finishing';
  config: PgConfigRecord;
  /** The write predicate of the configuration being left: the acks must satisfy it. */
  previousWrite: QuorumPredicate;
  previousEpoch: MembershipEpoch;
  acks: Record<string, true>;
}

/** A replacement under way, from its start to its finish. */
export interface Replacement {
  base: PgConfigRecord;
  failed: string;
  replacement: string;
}

/** The membership bookkeeping of a writer. */
export interface MembershipState {
  /** Each PG's configuration in force, keyed by PG id. */
  configs: Record<number, PgConfigRecord>;
  changes: Record<number, PendingChange>;
  replacements: Record<number, Replacement>;
}

/** A change of one PG that reached its write quorum and is now in force. */
export interface InstalledChange {
  config: PgConfigRecord;
  phase: 'entering' | 'finishing';
  previousWrite: QuorumPredicate;
  previousEpoch: MembershipEpoch;
  acks: string[];
}

const rename = (predicate: QuorumPredicate, from: string, to: string): QuorumPredicate =>
  renameMember(predicate, { from: from as SegmentId, to: to as SegmentId });

function changeMessages(self: string, config: PgConfigRecord, acks: Record<string, true>): { to: string; message: WireMessage }[] {
  return config.members.filter((member) => acks[member] !== true).map((to) => ({ to, message: { type: 'membershipChange', from: self, config } }));
}

/** Step 1: enter the joint configuration (ignored while another change of the PG is under way). */
export function beginReplacement(state: MembershipState, self: string, pg: number, failed: string, replacement: string): { to: string; message: WireMessage }[] {
  const base = state.configs[pg];
  if (base === undefined || state.replacements[pg] !== undefined || !base.members.includes(failed) || base.members.includes(replacement)) return [];
  const config: PgConfigRecord = {
    pg: pg as PgId,
    membershipEpoch: (base.membershipEpoch + 1) as MembershipEpoch,
    members: [...base.members, replacement],
    write: and(base.write, rename(base.write, failed, replacement)),
    read: base.read,
  };
  state.replacements[pg] = { base, failed, replacement };
  state.changes[pg] = { phase: 'entering', config, previousWrite: base.write, previousEpoch: base.membershipEpoch, acks: {} };
  return changeMessages(self, config, {});
}

/** Step 2: settle on the new member (it hydrated) or back on the old one (it returned). */
export function finishReplacement(state: MembershipState, self: string, pg: number, keep: 'replacement' | 'original'): { to: string; message: WireMessage }[] {
  const replacement = state.replacements[pg];
  const joint = state.configs[pg];
  if (replacement === undefined || joint === undefined || state.changes[pg] !== undefined) return [];
  const { base, failed } = replacement;
  const config: PgConfigRecord =
    keep === 'replacement'
      ? {
          pg: pg as PgId,
          membershipEpoch: (joint.membershipEpoch + 1) as MembershipEpoch,
          members: base.members.map((member) => (member === failed ? replacement.replacement : member)),
          write: rename(base.write, failed, replacement.replacement),
          read: rename(base.read, failed, replacement.replacement),
        }
      : { ...base, membershipEpoch: (joint.membershipEpoch + 1) as MembershipEpoch };
  state.changes[pg] = { phase: 'finishing', config, previousWrite: joint.write, previousEpoch: joint.membershipEpoch, acks: {} };
  // Every member of the joint configuration hears of it, the dropped one too (it is retired).
  return joint.members.map((to) => ({ to, message: { type: 'membershipChange', from: self, config } }));
}

/** Records an ack; returns the change once a write quorum of the configuration it leaves has acked. */
export function recordMembershipAck(state: MembershipState, pg: number, from: string, membershipEpoch: number): InstalledChange | undefined {
  const change = state.changes[pg];
  if (change === undefined || membershipEpoch < change.config.membershipEpoch) return undefined;
  change.acks[from] = true;
  if (!satisfies(change.previousWrite, change.acks)) return undefined;
  state.configs[pg] = change.config;
  delete state.changes[pg];
  if (change.phase === 'finishing') delete state.replacements[pg];
  return { config: change.config, phase: change.phase, previousWrite: change.previousWrite, previousEpoch: change.previousEpoch, acks: Object.keys(change.acks) };
}

/** Resends every pending change to the members that have not acked (lost messages, slow members). */
export function resendChanges(state: MembershipState, self: string): { to: string; message: WireMessage }[] {
  const sends: { to: string; message: WireMessage }[] = [];
  for (const change of Object.values(state.changes)) {
    const joint = state.configs[change.config.pg];
    const audience = change.phase === 'finishing' && joint !== undefined ? joint.members : change.config.members;
    for (const to of audience) if (change.acks[to] !== true) sends.push({ to, message: { type: 'membershipChange', from: self, config: change.config } });
  }
  return sends;
}

/** True iff some change is waiting for acks. */
export function changesPending(state: MembershipState): boolean {
  return Object.keys(state.changes).length > 0;
}
