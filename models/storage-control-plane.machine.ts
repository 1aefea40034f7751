/**
 * StorageControlPlane: watches every segment and changes PG membership when segments stay
 * unreachable (docs/protocol.md §8, membership changes; §13, M1: the storage control
 * plane decides, the writer performs the epoch bumps; §13, M3).
 *
 * Every `checkPeriodMs` it pings every member of every PG, and the members a PG may take back. It
 * then, per PG:
 * - **replaces a lone failed segment** F (missed `replaceAfterMisses` checks in a row while its AZ
 *   sibling answers): it provisions G in the same AZ on a node the PG does not use there (a
 *   `publish` on the `provision` stream, which assembly turns into a new actor) and asks the writer
 *   to enter the joint configuration. Once G reports it has hydrated it asks the writer to settle
 *   on G; if F answers again first, to settle back on F (reversible). A second lone failure E
 *   during F→G starts E→H at once (SIGMOD'18 §4.1); each settles on its own.
 * - **degrades a PG whose AZ stays out** (both members unreachable for `degradeAfterMs`, the four
 *   others answering) to W = 3/4, R = 2/4 of the other four, through 4/6 ∧ 3/4 (M3). Under 4/6 with
 *   an AZ out every write needs all four survivors; under 3/4 a PG can lose one more and still
 *   write. If the AZ answers again before the writer settles, the change goes back.
 * - **restores a degraded PG** to the model it left once both members of the lost AZ answer again.
 *   The writer decides when each step is safe (`membership-state.ts`); this actor only asks, again
 *   every check until the writer reports the step done.
 * A model change is never combined with another change of the PG, and at most two replacements are
 * active in a PG at once.
 *
 * With `growth` it also grows the volume one PG at a time when the writer asks (`growVolume`):
 * provisions the PG's six segments, records the PG at the next geometry epoch with the metadata
 * service, then watches it and tells every instance (`volume-growth.ts`; docs/protocol.md §1.1).
 */
import { setup } from 'xstate';
import { effectsAction, unprovidedEffect } from './effects.js';
import type { EffectsParams, ModelEffect } from './effects.js';
import type { ChunkedTable } from '../src/protocol/chunked.js';
import { tableGet, tableUpdate } from '../src/protocol/chunked.js';
import type { PgId } from '../src/protocol/ids.js';
import type { Observation } from '../src/protocol/observations.js';
import type { GrowVolumeMessage, MembershipStatusMessage, MetadataStateMessage, SegmentPongMessage, SendParams, WireMessage } from './messages.js';
import type { GrowthInput, GrowthState } from './volume-growth.js';
import { askedToGrow, createGrowthState, geometryRecorded, nextPg, recordRequest } from './volume-growth.js';

/** Where a segment lives. */
export interface SegmentPlace {
  azId: string;
  node: string;
  kind: 'full' | 'tail';
}

/** What the control plane asks assembly to create. */
export interface ProvisionRequest {
  id: string;
  pg: number;
  azId: string;
  node: string;
  kind: 'full' | 'tail';
  /** The other members: its gossip partners while it hydrates. */
  peers: readonly string[];
  /** The membership epoch of the joint configuration it joins (at most; it adopts a newer one). */
  membershipEpoch: number;
  /**
   * A segment of a PG the volume grows by (docs/protocol.md §1.1): it starts empty and up, with
   * nothing to hydrate. @defaultValue false: a replacement, which hydrates from its peers
   */
  fresh?: boolean;
  /** The volume epoch it starts at (a new PG's segments, see `volume-growth.ts`). @defaultValue 1 */
  volumeEpoch?: number;
}

/** Input of {@link storageControlPlaneMachine}. */
export interface StorageControlPlaneInput {
  self: string;
  pgs: readonly { pg: number; members: readonly string[]; membershipEpoch: number }[];
  places: Readonly<Record<string, SegmentPlace>>;
  nodesByAz: Readonly<Record<string, readonly string[]>>;
  /** Every instance: the writer among them acts on the requests, the others ignore them. */
  instances: readonly string[];
  /** @defaultValue 1000 */
  checkPeriodMs?: number;
  /** @defaultValue 5 */
  replaceAfterMisses?: number;
  /** Degrade a PG once both its members in one AZ have been unreachable this long (M3). @defaultValue 600000 */
  degradeAfterMs?: number;
  /** Storage growth (docs/protocol.md §1.1). @defaultValue none: the volume keeps the PGs it was created with */
  growth?: GrowthInput;
}

/** A change the control plane has asked for, until the writer reports it finished. */
export type Change = (
  | {
      kind: 'replace';
      id: string;
      failed: string;
      replacement: string;
      /** The highest SCL a member reported when the joint configuration came into force. */
      hydratedAtLsn?: number;
    }
  | { kind: 'degrade' | 'restore'; id: 'model:degraded' | 'model:restored'; azMembers: readonly string[] }
) & {
  /** `entering`: asked to begin; `joint`: in force; `finishing`: asked to settle on `outcome`. */
  phase: 'entering' | 'joint' | 'finishing';
  outcome?: 'forward' | 'back';
};

/** A table of one PG's segments (places, pongs, misses), keyed by segment id. */
export type SegmentTable<T> = Readonly<Record<string, T>>;

/**
 * Context of {@link storageControlPlaneMachine}. Tables of segments are nested per PG: a round's
 * misses or a new replacement copies the PG map and one PG's table of six to eight segments, never
 * a table of every segment of the volume; the pongs, one event each, are kept in a chunked table of
 * PGs (`pongOf`, `withPong`), so a pong copies one chunk of PGs rather than the map of
 * every PG, and a health round stays close to linear in the number of segments.
 */
export interface StorageControlPlaneContext {
  self: string;
  /** Each PG's members in the configuration in force (during a change: old and new). */
  members: Readonly<Record<number, readonly string[]>>;
  membershipEpochs: Readonly<Record<number, number>>;
  /** Where each PG's segments live, members and replacements alike. */
  places: Readonly<Record<number, SegmentTable<SegmentPlace>>>;
  nodesByAz: Readonly<Record<string, readonly string[]>>;
  instances: readonly string[];
  checkPeriodMs: number;
  replaceAfterMisses: number;
  /** `degradeAfterMs` in checks (rounded up). */
  degradeAfterMisses: number;
  round: number;
  /** The last pong of each PG's segments, under the PG the pong names. */
  lastPong: ChunkedTable<SegmentTable<SegmentPongMessage>>;
  /** Consecutive missed checks of each PG's watched segments (absent: none). */
  misses: Readonly<Record<number, SegmentTable<number>>>;
  changes: Readonly<Record<number, readonly Change[]>>;
  /** Degraded PGs: the members of the lost AZ, which a restore takes back. */
  degraded: Readonly<Record<number, readonly string[]>>;
  replacementsMade: number;
  /** Storage growth, when the volume may grow (`volume-growth.ts`). */
  growth: GrowthState | undefined;
}

/** Events of {@link storageControlPlaneMachine}. */
export type StorageControlPlaneEvent = SegmentPongMessage | MembershipStatusMessage | GrowVolumeMessage | MetadataStateMessage | { type: 'storageCheck' };

export const STORAGE_CHECK_TIMER = 'storageControlPlane.check';

/** The most replacements the control plane keeps active in one PG (the writer's limit too). */
const ACTIVE_REPLACEMENTS_MAX = 2;

/** Where `segment` of `pg` lives, if known. */
const placeOf = (context: StorageControlPlaneContext, pg: number, segment: string): SegmentPlace | undefined => context.places[pg]?.[segment];

/** Checks in a row `segment` of `pg` has missed (0 when it answered or is not watched). */
const missesOf = (context: StorageControlPlaneContext, pg: number, segment: string): number => context.misses[pg]?.[segment] ?? 0;

/** `segment` of `pg` answered the ping of the round in flight. */
const answeredNow = (context: StorageControlPlaneContext, pg: number, segment: string): boolean =>
  (pongOf(context, pg, segment)?.round ?? -1) >= context.round;

/** The last pong of `segment` of `pg`, if any. */
export const pongOf = (context: Pick<StorageControlPlaneContext, 'lastPong'>, pg: number, segment: string): SegmentPongMessage | undefined => tableGet(context.lastPong, pg)?.[segment];

/** A node of the AZ that holds no member of the PG, for the replacement. */
export function replacementNode(context: StorageControlPlaneContext, pg: number, azId: string): string | undefined {
  const used = new Set((context.members[pg] ?? []).map((member) => placeOf(context, pg, member)?.node));
  const nodes = context.nodesByAz[azId] ?? [];
  return nodes.find((node) => !used.has(node)) ?? nodes[0];
}

/**
 * `lastPong` with `pong` recorded under the PG it names. The PGs' tables are chunked
 * (`src/protocol/chunked.ts`): a pong copies one chunk of 32 PGs' tables, that PG's table and the
 * list of chunks, so recording every pong of a round costs O(PGs / 32) each rather than O(PGs),
 * which at 12,800 PGs (a 128 TiB volume) is the difference between a second and many minutes.
 */
export function withPong(
  lastPong: StorageControlPlaneContext['lastPong'],
  pong: SegmentPongMessage,
): StorageControlPlaneContext['lastPong'] {
  return tableUpdate(lastPong, [[pong.pg, { ...tableGet(lastPong, pong.pg), [pong.from]: pong }]]);
}

/** What one round decides: messages to send, segments to provision, and the context it leaves. */
export interface Round {
  context: StorageControlPlaneContext;
  sends: SendParams[];
  provisions: ProvisionRequest[];
}

/** `message` to every instance: the writer acts on it, the others ignore it. */
function toInstances(context: StorageControlPlaneContext, message: WireMessage): SendParams[] {
  return context.instances.map((to) => ({ to, message }));
}

/** The request that (re)starts a change with the writer. */
function beginMessage(self: string, pg: number, change: Change): WireMessage {
  if (change.kind === 'replace') return { type: 'replaceSegment', from: self, pg: pg as PgId, failed: change.failed, replacement: change.replacement };
  return { type: 'changeQuorumModel', from: self, pg: pg as PgId, model: change.kind === 'degrade' ? 'degraded' : 'restored', azMembers: change.azMembers };
}

/**
 * Where an entered change should settle, or undefined to wait. A replacement goes forward once G
 * has hydrated and back if F answers first (SIGMOD'18 §4.1); a degradation goes back while the lost
 * AZ answers again, forward otherwise (the writer waits until the 2/4 read is safe); a restore only
 * goes forward.
 */
function outcomeOf(context: StorageControlPlaneContext, pg: number, change: Change): 'forward' | 'back' | undefined {
  if (change.kind !== 'replace') {
    if (change.kind === 'restore') return 'forward';
    return change.azMembers.every((member) => answeredNow(context, pg, member)) ? 'back' : 'forward';
  }
  if (change.outcome !== undefined) return change.outcome;
  // Hydrated: out of its hydrating state and holding what the members held when it joined
  // (docs/protocol.md §12, L4; its own "caught up with one peer" may have met a peer that lags
  // too).
  const pong = pongOf(context, pg, change.replacement);
  if (pong?.state === 'online.up' && pong.scl >= (change.hydratedAtLsn ?? 0)) return 'forward';
  return answeredNow(context, pg, change.failed) ? 'back' : undefined;
}

/** Moves each of the PG's changes on; messages get lost, so every request is repeated until done. */
function advanceChanges(context: StorageControlPlaneContext, pg: number, changes: readonly Change[]): { changes: Change[]; sends: SendParams[] } {
  const { self } = context;
  const sends: SendParams[] = [];
  const advanced = changes.map((change) => {
    if (change.phase === 'entering') {
      sends.push(...toInstances(context, beginMessage(self, pg, change)));
      return change;
    }
    const outcome = outcomeOf(context, pg, change);
    if (outcome === undefined) return change;
    sends.push(...toInstances(context, { type: 'finishMembershipChange', from: self, pg: pg as PgId, change: change.id, outcome }));
    return { ...change, phase: 'finishing' as const, outcome };
  });
  return { changes: advanced, sends };
}

/** The members of each AZ among `members` of `pg`. */
function byAz(context: StorageControlPlaneContext, pg: number, members: readonly string[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const member of members) (groups[placeOf(context, pg, member)?.azId ?? ''] ??= []).push(member);
  return groups;
}

/**
 * An AZ whose members of the PG have all been out for `degradeAfterMs` while the four others
 * answer: the PG should degrade to 3/4 of those four (docs/protocol.md §13, M3).
 */
function lostAzMembers(context: StorageControlPlaneContext, pg: number, members: readonly string[]): string[] | undefined {
  if (members.length !== 6) return undefined;
  const missing = (member: string): boolean => missesOf(context, pg, member) >= context.degradeAfterMisses;
  for (const group of Object.values(byAz(context, pg, members))) {
    const others = members.filter((member) => !group.includes(member));
    if (group.length === 2 && group.every(missing) && others.every((member) => missesOf(context, pg, member) === 0)) return group;
  }
  return undefined;
}

/**
 * A lone failed segment to replace: out for `replaceAfterMisses` checks while an AZ sibling answers
 * (both out means the AZ is, and a new segment there could not hydrate: wait, or degrade).
 */
function loneFailure(context: StorageControlPlaneContext, pg: number, members: readonly string[], changes: readonly Change[]): string | undefined {
  const involved = new Set(changes.flatMap((change) => (change.kind === 'replace' ? [change.failed, change.replacement] : [])));
  return members.find((member) => {
    if (involved.has(member) || missesOf(context, pg, member) < context.replaceAfterMisses) return false;
    const az = placeOf(context, pg, member)?.azId;
    return members.some((other) => other !== member && placeOf(context, pg, other)?.azId === az && missesOf(context, pg, other) === 0);
  });
}

/** A change a round starts in a PG: the context that records it, and the segment it provisions. */
interface Started {
  change: Change;
  context: StorageControlPlaneContext;
  provision?: ProvisionRequest;
}

/** Provisions G for F and asks the writer to enter the joint configuration. */
function startReplacement(context: StorageControlPlaneContext, pg: number, failed: string): Started | undefined {
  const place = placeOf(context, pg, failed);
  const node = place === undefined ? undefined : replacementNode(context, pg, place.azId);
  if (place === undefined || node === undefined) return undefined;
  const made = context.replacementsMade + 1;
  const replacement = `seg:pg${pg}:${place.azId}:r${made}`;
  const members = context.members[pg] ?? [];
  const places = { ...context.places, [pg]: { ...context.places[pg], [replacement]: { azId: place.azId, node, kind: place.kind } } };
  return {
    change: { kind: 'replace', id: replacement, failed, replacement, phase: 'entering' },
    context: { ...context, replacementsMade: made, places },
    provision: {
      id: replacement,
      pg,
      azId: place.azId,
      node,
      kind: place.kind,
      peers: members.filter((member) => member !== failed),
      membershipEpoch: (context.membershipEpochs[pg] ?? 1) + 1,
    },
  };
}

/** At most one new change per PG and round: a restore, a degradation, or a replacement. */
function startChange(context: StorageControlPlaneContext, pg: number, changes: readonly Change[]): Started | undefined {
  const members = context.members[pg] ?? [];
  const lost = context.degraded[pg];
  if (changes.length === 0 && lost !== undefined && lost.every((member) => answeredNow(context, pg, member))) {
    return { change: { kind: 'restore', id: 'model:restored', azMembers: lost, phase: 'entering' }, context };
  }
  const azMembers = changes.length === 0 && lost === undefined ? lostAzMembers(context, pg, members) : undefined;
  if (azMembers !== undefined) return { change: { kind: 'degrade', id: 'model:degraded', azMembers, phase: 'entering' }, context };
  if (changes.some((change) => change.kind !== 'replace') || changes.length >= ACTIVE_REPLACEMENTS_MAX) return undefined;
  const failed = loneFailure(context, pg, members, changes);
  return failed === undefined ? undefined : startReplacement(context, pg, failed);
}

/** A PG's segments worth a health check: members, replacements on their way in, a lost AZ's members. */
function watched(context: StorageControlPlaneContext, pg: number): string[] {
  const segments = new Set<string>(context.members[pg]);
  for (const change of context.changes[pg] ?? []) if (change.kind === 'replace') segments.add(change.replacement);
  for (const member of context.degraded[pg] ?? []) segments.add(member);
  return [...segments];
}

/** The PGs, in id order. */
const pgsOf = (context: StorageControlPlaneContext): number[] => Object.keys(context.members).map(Number);

/** A PG's misses once the round in flight has ended: reset by an answer, one more otherwise. */
function missesAfter(previous: StorageControlPlaneContext, pg: number): SegmentTable<number> {
  const misses: Record<string, number> = {};
  for (const segment of watched(previous, pg)) {
    misses[segment] = previous.round === 0 || answeredNow(previous, pg, segment) ? 0 : missesOf(previous, pg, segment) + 1;
  }
  return misses;
}

/** One round: count misses, move changes on, start new ones, ping for the next round. */
export function checkRound(previous: StorageControlPlaneContext): Round {
  const pgs = pgsOf(previous);
  const misses: Record<number, SegmentTable<number>> = {};
  for (const pg of pgs) misses[pg] = missesAfter(previous, pg);
  let context: StorageControlPlaneContext = { ...previous, misses };
  const sends: SendParams[] = [];
  const provisions: ProvisionRequest[] = [];
  const changes: Record<number, readonly Change[]> = {};
  for (const pg of pgs) {
    const advanced = advanceChanges(context, pg, previous.changes[pg] ?? []);
    sends.push(...advanced.sends);
    const started = startChange(context, pg, advanced.changes);
    changes[pg] = started === undefined ? advanced.changes : [...advanced.changes, started.change];
    if (started === undefined) continue;
    context = started.context;
    if (started.provision !== undefined) provisions.push(started.provision);
    sends.push(...toInstances(context, beginMessage(previous.self, pg, started.change)));
  }
  context = { ...context, changes, round: previous.round + 1 };
  for (const pg of pgs) {
    for (const to of watched(context, pg)) sends.push({ to, message: { type: 'healthPing', from: previous.self, round: context.round } });
  }
  return { context, sends, provisions };
}

/**
 * The writer says where a PG stands: changes it reports active are in force; asked-to-finish
 * changes it no longer reports are done. A status older than one already seen is ignored
 * (messages may be reordered).
 */
export function recordStatus(context: StorageControlPlaneContext, status: MembershipStatusMessage): Partial<StorageControlPlaneContext> {
  const { pg, config, active } = status;
  if (config.membershipEpoch < (context.membershipEpochs[pg] ?? 0)) return {};
  const degraded: Record<number, readonly string[]> = { ...context.degraded };
  const changes: Change[] = [];
  for (const change of context.changes[pg] ?? []) {
    const inForce = active.includes(change.id);
    // A replacement whose failed member left the configuration some other way cannot begin.
    if (change.phase === 'entering' && !inForce && change.kind === 'replace' && !config.members.includes(change.failed)) continue;
    if (change.phase === 'entering' && inForce && change.kind === 'replace') {
      const hydratedAtLsn = Math.max(0, ...config.members.map((member) => pongOf(context, pg, member)?.scl ?? 0));
      changes.push({ ...change, phase: 'joint', hydratedAtLsn });
    } else if (change.phase === 'entering') changes.push(inForce ? { ...change, phase: 'joint' } : change);
    else if (inForce) changes.push(change);
    else if (change.kind === 'degrade' && !change.azMembers.some((member) => config.members.includes(member))) degraded[pg] = change.azMembers;
    else if (change.kind === 'restore' && change.azMembers.every((member) => config.members.includes(member))) delete degraded[pg];
  }
  return {
    changes: { ...context.changes, [pg]: changes },
    degraded,
    members: { ...context.members, [pg]: config.members },
    membershipEpochs: { ...context.membershipEpochs, [pg]: config.membershipEpoch },
  };
}

/** Each PG's table of places, from the volume-wide one assembly gives. */
function placesByPg(input: StorageControlPlaneInput): Record<number, SegmentTable<SegmentPlace>> {
  const places: Record<number, SegmentTable<SegmentPlace>> = {};
  for (const { pg, members } of input.pgs) {
    places[pg] = Object.fromEntries(members.flatMap((member) => (input.places[member] === undefined ? [] : [[member, input.places[member]]])));
  }
  return places;
}

/** Asks the metadata service to record the next wished PG, if any and none is in flight; its segments are placed now, provisioned once it is recorded. */
export function startNextPg(context: StorageControlPlaneContext, growth: GrowthState): { context: StorageControlPlaneContext; sends: SendParams[] } {
  const next = nextPg(growth, context.nodesByAz);
  if (next === undefined) return { context: growth === context.growth ? context : { ...context, growth }, sends: [] };
  const pg = next.growth.pending?.pg ?? growth.pgCount;
  const places = Object.fromEntries(next.segments.map((segment) => [segment.id, { azId: segment.azId, node: segment.node, kind: segment.kind }]));
  const record = recordRequest(context.self, next.growth);
  return { context: { ...context, growth: next.growth, places: { ...context.places, [pg]: places } }, sends: record === undefined ? [] : [record] };
}

/** The segments of a recorded PG to create: empty, at membership epoch 1 and at `volumeEpoch` (see `volume-growth.ts`). */
export function newPgProvisions(context: StorageControlPlaneContext, pg: number, members: readonly string[], volumeEpoch: number): ProvisionRequest[] {
  return members.flatMap((id) => {
    const place = placeOf(context, pg, id);
    if (place === undefined) return [];
    return [{ id, pg, azId: place.azId, node: place.node, kind: place.kind, peers: members.filter((member) => member !== id), membershipEpoch: 1, fresh: true, volumeEpoch }];
  });
}

const base = setup({
  types: { context: {} as StorageControlPlaneContext, events: {} as StorageControlPlaneEvent, input: {} as StorageControlPlaneInput },
  actions: {
    send: unprovidedEffect<SendParams>('storageControlPlane', 'send'),
    publish: unprovidedEffect<{ stream: string; item: unknown }>('storageControlPlane', 'publish'),
    observe: unprovidedEffect<Observation>('storageControlPlane', 'observe'),
    /** Several of the above as one list, in order (models/effects.ts). */
    effects: unprovidedEffect<EffectsParams>('storageControlPlane', 'effects'),
  },
});

/** The storage control plane; see the file header. */
export const storageControlPlaneMachine = base
  .extend({
    actions: {
      check: base.enqueueActions(({ context, enqueue }) => {
        const round = checkRound(context);
        // One `effects` action for the round, not one action per ping: xstate keeps the actions of
        // the first step in an array it empties with shift(), which made the first round of a
        // 76,800-segment volume quadratic (5 s of assembly).
        const effects: ModelEffect[] = round.provisions.map((item) => ({ kind: 'publish', stream: 'provision', item }));
        for (const params of round.sends) effects.push({ kind: 'send', to: params.to, message: params.message });
        // A geometry change the metadata service has not answered yet is asked again (messages get lost).
        const record = context.growth === undefined ? undefined : recordRequest(context.self, context.growth);
        if (record !== undefined) effects.push({ kind: 'send', to: record.to, message: record.message });
        if (effects.length > 0) enqueue(effectsAction(effects));
        enqueue.assign(round.context);
        enqueue.raise({ type: 'storageCheck' }, { delay: context.checkPeriodMs, id: STORAGE_CHECK_TIMER });
      }),
      recordPong: base.assign({
        lastPong: ({ context, event }) => (event.type === 'segmentPong' ? withPong(context.lastPong, event) : context.lastPong),
      }),
      recordStatus: base.assign(({ context, event }) => (event.type === 'membershipStatus' ? recordStatus(context, event) : {})),
      /** A writer needs more PGs: remember the wish, send it the PGs it lacks, start the next PG. */
      growVolume: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'growVolume' || context.growth === undefined) return;
        const asked = askedToGrow(context.self, context.growth, event);
        for (const params of asked.sends) enqueue({ type: 'send', params });
        const started = startNextPg(context, asked.growth);
        for (const params of started.sends) enqueue({ type: 'send', params });
        if (started.context !== context) enqueue.assign(started.context);
      }),
      /** The metadata service recorded the PG: it joins the volume; then the next one, if wished. */
      geometryRecorded: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'metadataState' || context.growth === undefined) return;
        const recorded = geometryRecorded(context.self, context.growth, event, context.instances);
        if (recorded === undefined) return;
        const { config } = recorded;
        for (const item of newPgProvisions(context, config.pg, config.members, event.volumeEpoch)) enqueue({ type: 'publish', params: { stream: 'provision', item } });
        // The judges hear of the PG before any instance can write to it.
        enqueue({ type: 'observe', params: recorded.observation });
        for (const params of recorded.sends) enqueue({ type: 'send', params });
        const joined: StorageControlPlaneContext = {
          ...context,
          members: { ...context.members, [config.pg]: config.members },
          membershipEpochs: { ...context.membershipEpochs, [config.pg]: config.membershipEpoch },
        };
        const started = startNextPg(joined, recorded.growth);
        for (const params of started.sends) enqueue({ type: 'send', params });
        enqueue.assign(started.context);
      }),
    },
  })
  .createMachine({
    id: 'storageControlPlane',
    context: ({ input }) => {
      const checkPeriodMs = input.checkPeriodMs ?? 1_000;
      return {
        self: input.self,
        members: Object.fromEntries(input.pgs.map((pg) => [pg.pg, pg.members])),
        membershipEpochs: Object.fromEntries(input.pgs.map((pg) => [pg.pg, pg.membershipEpoch])),
        places: placesByPg(input),
        nodesByAz: input.nodesByAz,
        instances: input.instances,
        checkPeriodMs,
        replaceAfterMisses: input.replaceAfterMisses ?? 5,
        degradeAfterMisses: Math.ceil((input.degradeAfterMs ?? 600_000) / checkPeriodMs),
        round: 0,
        lastPong: {},
        misses: {},
        changes: {},
        degraded: {},
        replacementsMade: 0,
        growth: input.growth === undefined ? undefined : createGrowthState(input.growth, input.pgs.length),
      };
    },
    initial: 'watching',
    states: {
      watching: {
        entry: 'check',
        on: {
          storageCheck: { actions: 'check' },
          segmentPong: { actions: 'recordPong' },
          membershipStatus: { actions: 'recordStatus' },
          growVolume: { actions: 'growVolume' },
          metadataState: { actions: 'geometryRecorded' },
        },
      },
    },
  });
