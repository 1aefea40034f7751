/**
 * The writer's side of membership changes (docs/protocol.md §8; §13, M3; SIGMOD'18 §4.1, Fig. 5):
 * segment replacements F→G, a second one E→H begun while the first is under way, and the
 * quorum-model change 4/6 → 3/4 after an extended AZ loss (and back).
 *
 * A PG is a settled *base* configuration plus the changes *active* on it. Each change may still go
 * forward or back, so the configuration in force writes to every possible outcome: W is the AND of
 * the outcomes' write predicates, the members their union.
 * - F→G alone: W = W(ABCDEF) ∧ W(ABCDEG).
 * - E→H begun during F→G: W = W(ABCDEF) ∧ W(ABCDEG) ∧ W(ABCDHF) ∧ W(ABCDHG), the paper's
 *   (4/6 ABCDEF ∧ 4/6 ABCDEG) ∧ (4/6 ABCDFH ∧ 4/6 ABCDGH): writing to ABCD alone meets it all.
 * - 4/6(ABCDEF) → 3/4(ABCD) (E, F in the lost AZ): W = 4/6(ABCDEF) ∧ 3/4(ABCD). A model change is
 *   never combined with another change of the PG.
 * The read quorum stays the base's while changes are active: a read set that counts a member that
 * has not caught up could miss an older write (the S15 finding, test/protocol/membership.prop.test.ts).
 *
 * Every step — entering a change, finishing one forward or back — bumps the membership epoch by
 * one and is itself a write that needs a write quorum of the configuration being left. Each
 * finishes independently: finishing F→G forward while E→H is active rebases E→H on ABCDEG. No step
 * is proposed unless its read quorum sees every earlier write era (`src/protocol/write-eras.ts`):
 * that is what makes the switch to the 2/4 read of the degraded model safe — by then, the SCLs the
 * writer holds show enough of ABCD complete up to the end of the 4/6 era. F's data is never
 * deleted; it just stops being a member.
 *
 * Plain, immutable data: each step returns the next state and leaves the one it was given as it
 * was. The tables are per PG and per member, a handful of entries: proposing a step or counting an
 * ack changes one entry and uses spreads; installing a step moves the PG's configuration, its
 * membership record and its pending step at once, with immer's `produce`.
 */
import { castDraft, produce } from 'immer';
import type { Lsn, MembershipEpoch, PgId, SegmentId } from '../src/protocol/ids.js';
import type { MembershipInstalledObservation } from '../src/protocol/observations.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import { and, satisfies } from '../src/protocol/quorum.js';
import { degradedConfig, renameMember } from '../src/protocol/quorum-config.js';
import { readSeesEveryEra } from '../src/protocol/write-eras.js';
import type { ConfigShape, MembershipChange, MembershipStatusMessage, PgConfigRecord, PgMembership, WireMessage } from './messages.js';

export type { ConfigShape, MembershipChange, PgMembership } from './messages.js';

/** At most this many replacements active at once in a PG (SIGMOD'18 §4.1 shows two). */
export const CONCURRENT_REPLACEMENTS_MAX = 2;

/** A step waiting for a write quorum of acks (under the configuration it leaves). */
export interface PendingChange {
  readonly phase: 'entering' | 'finishing';
  readonly change: string;
  readonly config: PgConfigRecord;
  /** The write predicate of the configuration being left: the acks must satisfy it. */
  readonly previousWrite: QuorumPredicate;
  readonly previousEpoch: MembershipEpoch;
  /** Who hears of it: the members of both configurations (a dropped member is retired). */
  readonly audience: readonly string[];
  readonly acks: Readonly<Record<string, true>>;
  /** What the PG becomes once the step is in force. */
  readonly next: Omit<PgMembership, 'eras'>;
}

/** The membership bookkeeping of a writer. */
export interface MembershipState {
  /** Each PG's configuration in force, keyed by PG id. */
  readonly configs: Readonly<Record<number, PgConfigRecord>>;
  readonly pgs: Readonly<Record<number, PgMembership>>;
  /** At most one step per PG at a time: each is an epoch bump. */
  readonly changes: Readonly<Record<number, PendingChange>>;
}

/** A step of one PG that reached its write quorum and is now in force. */
export interface InstalledChange {
  config: PgConfigRecord;
  phase: 'entering' | 'finishing';
  change: string;
  previousWrite: QuorumPredicate;
  previousEpoch: MembershipEpoch;
  acks: string[];
}

/** How the judges hear of an installed change (S4 and S15 read the configuration in force from it). */
export function installedObservation(self: string, installed: InstalledChange): MembershipInstalledObservation {
  const { config } = installed;
  return {
    kind: 'membershipInstalled',
    instance: self,
    pg: config.pg,
    phase: installed.phase,
    change: installed.change,
    previousEpoch: installed.previousEpoch,
    membershipEpoch: config.membershipEpoch,
    members: config.members,
    write: config.write,
    read: config.read,
    previousWrite: installed.previousWrite,
    acks: installed.acks,
  };
}

/** What the writer knows of a PG's data when it proposes a step: the SCLs acked, the last LSN. */
export interface PgSight {
  sclBySegment: Readonly<Record<string, Lsn>>;
  lastLsn: Lsn;
}

type Sends = { to: string; message: WireMessage }[];

/** A proposed step: the next state and the messages that ask the members to take it. */
export interface MembershipStep {
  state: MembershipState;
  sends: Sends;
}

/**
 * Starts from each PG's configuration: settled (no change under way), unless the configuration
 * carries the membership record the metadata service kept, as it does for a writer that takes
 * over after a failover. Then the changes under way carry on: the storage control plane keeps
 * asking to finish them, and the new writer can (docs/protocol.md §8, membership changes: changes
 * survive the writer). The kept record is shared, not copied: nothing here writes into it.
 */
export function createMembershipState(configs: Readonly<Record<number, PgConfigRecord>>): MembershipState {
  const pgs: Record<number, PgMembership> = {};
  for (const config of Object.values(configs)) {
    pgs[config.pg] = config.membership ?? { base: shapeOf(config), active: [], eras: [] };
  }
  return { configs, pgs, changes: {} };
}

/** `state` with PGs the volume grew by (docs/protocol.md §1.1), settled at their first configuration; the others as they were. */
export function withAddedPgs(state: MembershipState, configs: readonly PgConfigRecord[]): MembershipState {
  const fresh = configs.filter((config) => state.configs[config.pg] === undefined);
  if (fresh.length === 0) return state;
  const added = createMembershipState(Object.fromEntries(fresh.map((config) => [config.pg, config])));
  return { configs: { ...state.configs, ...added.configs }, pgs: { ...state.pgs, ...added.pgs }, changes: state.changes };
}

const shapeOf = (config: PgConfigRecord): ConfigShape => ({ members: config.members, write: config.write, read: config.read });

/** The outcome of one change applied to a configuration. */
function apply(shape: ConfigShape, change: MembershipChange): ConfigShape {
  if (change.kind === 'model') return change.target;
  const swap = { from: change.failed as SegmentId, to: change.replacement as SegmentId };
  return {
    members: shape.members.map((member) => (member === change.failed ? change.replacement : member)),
    write: renameMember(shape.write, swap),
    read: renameMember(shape.read, swap),
  };
}

/** The configuration in force for a base and its active changes: AND over every outcome. */
function configOf(pg: number, membershipEpoch: number, base: ConfigShape, active: readonly MembershipChange[]): PgConfigRecord {
  let outcomes = [base];
  for (const change of active) outcomes = outcomes.flatMap((outcome) => [outcome, apply(outcome, change)]);
  const members = [...new Set(outcomes.flatMap((outcome) => outcome.members))];
  const write = active.length === 0 ? base.write : and(...outcomes.map((outcome) => outcome.write));
  return { pg: pg as PgId, membershipEpoch: membershipEpoch as MembershipEpoch, members, write, read: base.read };
}

/** True iff `change` can begin now (false for a repeated request or an impossible one). */
function admissible(pm: PgMembership, config: PgConfigRecord, change: MembershipChange): boolean {
  if (change.kind === 'model') return pm.active.length === 0;
  if (pm.active.some((active) => active.kind === 'model') || pm.active.length >= CONCURRENT_REPLACEMENTS_MAX) return false;
  const busy = pm.active.some((active) => active.kind === 'replace' && (active.failed === change.failed || active.id === change.id));
  return !busy && pm.base.members.includes(change.failed) && !config.members.includes(change.replacement);
}

/**
 * Proposes one step: the PG moves to `next` at epoch + 1. Refused (no sends) while another step
 * is pending, or if the new read quorum could miss a write of an earlier era — including the era
 * of the configuration now in force, whose records run up to `sight.lastLsn`.
 */
function propose(state: MembershipState, self: string, pg: number, step: Pick<PendingChange, 'phase' | 'change' | 'next'>, sight: PgSight): MembershipStep {
  const current = state.configs[pg];
  const pm = state.pgs[pg];
  if (current === undefined || pm === undefined || state.changes[pg] !== undefined) return { state, sends: [] };
  const config = configOf(pg, current.membershipEpoch + 1, step.next.base, step.next.active);
  const eras = [...pm.eras, { write: current.write, lastLsn: sight.lastLsn }];
  if (!readSeesEveryEra(eras, config.read, sight.sclBySegment)) return { state, sends: [] };
  const audience = [...new Set([...current.members, ...config.members])];
  const pending: PendingChange = { ...step, config, previousWrite: current.write, previousEpoch: current.membershipEpoch, audience, acks: {} };
  return {
    state: { ...state, changes: { ...state.changes, [pg]: pending } },
    sends: audience.map((to) => ({ to, message: { type: 'membershipChange', from: self, config } })),
  };
}

/** Step 1 of a change: enter the configuration that writes to both its outcomes. */
export function beginChange(state: MembershipState, self: string, pg: number, change: MembershipChange, sight: PgSight): MembershipStep {
  const pm = state.pgs[pg];
  const config = state.configs[pg];
  if (pm === undefined || config === undefined || !admissible(pm, config, change)) return { state, sends: [] };
  const next = { base: pm.base, active: [...pm.active, change], degradedFrom: pm.degradedFrom };
  return propose(state, self, pg, { phase: 'entering', change: change.id, next }, sight);
}

/**
 * Step 2: settle one active change forward (the new member hydrated; the degraded model is safe to
 * read) or back (the old member returned). Other active changes carry on from the new base.
 */
export function finishChange(state: MembershipState, self: string, pg: number, id: string, outcome: 'forward' | 'back', sight: PgSight): MembershipStep {
  const pm = state.pgs[pg];
  const change = pm?.active.find((active) => active.id === id);
  if (pm === undefined || change === undefined) return { state, sends: [] };
  const active = pm.active.filter((other) => other !== change);
  if (outcome === 'back') return propose(state, self, pg, { phase: 'finishing', change: id, next: { base: pm.base, active, degradedFrom: pm.degradedFrom } }, sight);
  let degradedFrom = pm.degradedFrom;
  if (change.id === 'model:degraded') degradedFrom = pm.base;
  else if (change.id === 'model:restored') degradedFrom = undefined;
  else if (degradedFrom !== undefined) degradedFrom = apply(degradedFrom, change);
  return propose(state, self, pg, { phase: 'finishing', change: id, next: { base: apply(pm.base, change), active, degradedFrom } }, sight);
}

/**
 * The quorum-model change a storage control plane asks for (docs/protocol.md §13, M3): `degraded`
 * drops `azMembers` (an AZ out for long) to 3/4 of the other four, `restored` brings them back to
 * the model the PG left. Undefined if the PG cannot make it now.
 */
export function modelChange(state: MembershipState, pg: number, model: 'degraded' | 'restored', azMembers: readonly string[]): MembershipChange | undefined {
  const pm = state.pgs[pg];
  if (pm === undefined) return undefined;
  if (model === 'restored') {
    const target = pm.degradedFrom;
    const returning = target?.members.filter((member) => !pm.base.members.includes(member)) ?? [];
    const same = returning.length === azMembers.length && returning.every((member) => azMembers.includes(member));
    return target === undefined || !same ? undefined : { kind: 'model', id: 'model:restored', target };
  }
  const remaining = pm.base.members.filter((member) => !azMembers.includes(member));
  if (pm.degradedFrom !== undefined || pm.base.members.length !== 6 || remaining.length !== 4) return undefined;
  const degraded = degradedConfig(remaining as SegmentId[], 1 as MembershipEpoch);
  return { kind: 'model', id: 'model:degraded', target: { members: remaining, write: degraded.write, read: degraded.read } };
}

/** An ack recorded: the next state, and the step if it is now in force. */
export interface MembershipAckStep {
  state: MembershipState;
  installed: InstalledChange | undefined;
}

/**
 * Records an ack; the step is installed once a write quorum of the configuration it leaves has
 * acked. `lastLsn` (the PG's last allocated LSN now) closes the era of the configuration left.
 */
export function recordMembershipAck(state: MembershipState, pg: number, from: string, membershipEpoch: number, lastLsn: Lsn): MembershipAckStep {
  const change = state.changes[pg];
  const pm = state.pgs[pg];
  if (change === undefined || pm === undefined || membershipEpoch < change.config.membershipEpoch) return { state, installed: undefined };
  const acks = { ...change.acks, [from]: true as const };
  if (!satisfies(change.previousWrite, acks)) return { state: { ...state, changes: { ...state.changes, [pg]: { ...change, acks } } }, installed: undefined };
  const next = produce(state, (draft) => {
    draft.configs[pg] = castDraft(change.config);
    draft.pgs[pg] = castDraft({ ...change.next, eras: [...pm.eras, { write: change.previousWrite, lastLsn }] });
    delete draft.changes[pg];
  });
  const installed: InstalledChange = { config: change.config, phase: change.phase, change: change.change, previousWrite: change.previousWrite, previousEpoch: change.previousEpoch, acks: Object.keys(acks) };
  return { state: next, installed };
}

/** Where a PG's changes stand, for the storage control plane. */
export function statusOf(state: MembershipState, self: string, pg: number): MembershipStatusMessage | undefined {
  const config = state.configs[pg];
  if (config === undefined) return undefined;
  return { type: 'membershipStatus', from: self, pg: config.pg, config, active: (state.pgs[pg]?.active ?? []).map((change) => change.id) };
}

/** Resends every pending step to the members that have not acked (lost messages, slow members). */
export function resendChanges(state: MembershipState, self: string): Sends {
  const sends: Sends = [];
  for (const change of Object.values(state.changes)) {
    for (const to of change.audience) if (change.acks[to] !== true) sends.push({ to, message: { type: 'membershipChange', from: self, config: change.config } });
  }
  return sends;
}

/** True iff some step is waiting for acks. */
export function changesPending(state: MembershipState): boolean {
  return Object.keys(state.changes).length > 0;
}
