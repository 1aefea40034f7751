/**
 * StorageControlPlane: finds segments that stay unreachable and has them replaced (PROTOCOL §2.11,
 * §2.13, §5 M1: "a StorageControlPlane actor decides, the writer performs the epoch bump write").
 *
 * Every `checkPeriodMs` it pings every member of every PG. A member that has missed
 * `replaceAfterMisses` checks in a row is suspect: the control plane provisions a new segment G in
 * the same AZ, on a storage node the PG does not already use there (a `publish` on the
 * `provision` stream, which assembly turns into a new actor), and asks the writer to enter the
 * joint configuration. Once G reports it has hydrated, it asks the writer to settle on G; if F
 * answers again first, it settles back on F (the change is reversible). One change per PG at a
 * time.
 */
import { setup } from 'xstate';
import type { FinishReplacementMessage, MembershipStatusMessage, ReplaceSegmentMessage, SegmentPongMessage, SendParams } from './messages.js';

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
  /** The membership epoch of the joint configuration it joins. */
  membershipEpoch: number;
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
}

interface Change {
  failed: string;
  replacement: string;
  phase: 'entering' | 'hydrating' | 'finishing';
  /** Where a finishing change settles. */
  keep?: 'replacement' | 'original';
}

/** Context of {@link storageControlPlaneMachine}. */
export interface StorageControlPlaneContext {
  self: string;
  members: Record<number, readonly string[]>;
  membershipEpochs: Record<number, number>;
  places: Record<string, SegmentPlace>;
  nodesByAz: Readonly<Record<string, readonly string[]>>;
  instances: readonly string[];
  checkPeriodMs: number;
  replaceAfterMisses: number;
  round: number;
  lastPong: Record<string, SegmentPongMessage>;
  misses: Record<string, number>;
  changes: Record<number, Change>;
  replacementsMade: number;
}

/** Events of {@link storageControlPlaneMachine}. */
export type StorageControlPlaneEvent = SegmentPongMessage | MembershipStatusMessage | { type: 'storageCheck' };

export const STORAGE_CHECK_TIMER = 'storageControlPlane.check';

/** A node of the AZ that holds no member of the PG, for the replacement. */
export function replacementNode(context: StorageControlPlaneContext, pg: number, azId: string): string | undefined {
  const used = new Set((context.members[pg] ?? []).map((member) => context.places[member]?.node));
  const nodes = context.nodesByAz[azId] ?? [];
  return nodes.find((node) => !used.has(node)) ?? nodes[0];
}

const base = setup({
  types: { context: {} as StorageControlPlaneContext, events: {} as StorageControlPlaneEvent, input: {} as StorageControlPlaneInput },
  actions: {
    send: (_, _params: SendParams) => {},
    publish: (_, _params: { stream: string; item: unknown }) => {},
  },
});

/** The storage control plane; see the file header. */
export const storageControlPlaneMachine = base
  .extend({
    actions: {
      /** One round: judge the last, ping every member, start or settle replacements. */
      check: base.enqueueActions(({ context, enqueue }) => {
        const misses: Record<string, number> = {};
        for (const members of Object.values(context.members)) {
          for (const member of members) {
            const answered = (context.lastPong[member]?.round ?? -1) >= context.round;
            misses[member] = context.round === 0 || answered ? 0 : (context.misses[member] ?? 0) + 1;
          }
        }
        const changes = { ...context.changes };
        const places = { ...context.places };
        let made = context.replacementsMade;
        for (const [key, members] of Object.entries(context.members)) {
          const pg = Number(key);
          const change = changes[pg];
          if (change === undefined) {
            // Replace a lone failed segment; when its AZ sibling is missing too the AZ is out, and a
            // new segment there could not hydrate: wait for the AZ instead.
            const failed = members.find((member) => {
              if ((misses[member] ?? 0) < context.replaceAfterMisses) return false;
              const az = context.places[member]?.azId;
              return members.some((other) => other !== member && context.places[other]?.azId === az && (misses[other] ?? 0) === 0);
            });
            if (failed === undefined) continue;
            const place = context.places[failed];
            const node = place === undefined ? undefined : replacementNode(context, pg, place.azId);
            if (place === undefined || node === undefined) continue;
            made++;
            const replacement = `seg:pg${pg}:${place.azId}:r${made}`;
            places[replacement] = { azId: place.azId, node, kind: place.kind };
            const request: ProvisionRequest = {
              id: replacement,
              pg,
              azId: place.azId,
              node,
              kind: place.kind,
              peers: members.filter((member) => member !== failed),
              membershipEpoch: (context.membershipEpochs[pg] ?? 1) + 1,
            };
            enqueue({ type: 'publish', params: { stream: 'provision', item: request } });
            const message: ReplaceSegmentMessage = { type: 'replaceSegment', from: context.self, pg: pg as never, failed, replacement };
            for (const to of context.instances) enqueue({ type: 'send', params: { to, message } });
            changes[pg] = { failed, replacement, phase: 'entering' };
          } else if (change.phase === 'entering') {
            // Messages get lost: ask again until the writer reports the joint configuration.
            const message: ReplaceSegmentMessage = { type: 'replaceSegment', from: context.self, pg: pg as never, failed: change.failed, replacement: change.replacement };
            for (const to of context.instances) enqueue({ type: 'send', params: { to, message } });
          } else if (change.phase === 'finishing') {
            const keep = change.keep ?? 'replacement';
            const message: FinishReplacementMessage = { type: 'finishReplacement', from: context.self, pg: pg as never, keep };
            for (const to of context.instances) enqueue({ type: 'send', params: { to, message } });
          } else if (change.phase === 'hydrating') {
            // Reversible: the original came back before the new member caught up (SIGMOD'18 §4.1).
            const hydrated = context.lastPong[change.replacement]?.state === 'online.up';
            const returned = (context.lastPong[change.failed]?.round ?? -1) >= context.round && !hydrated;
            if (!hydrated && !returned) continue;
            const message: FinishReplacementMessage = { type: 'finishReplacement', from: context.self, pg: pg as never, keep: hydrated ? 'replacement' : 'original' };
            for (const to of context.instances) enqueue({ type: 'send', params: { to, message } });
            changes[pg] = { ...change, phase: 'finishing', keep: hydrated ? 'replacement' : 'original' };
          }
        }
        const round = context.round + 1;
        const pinged = new Set<string>();
        for (const [key, members] of Object.entries(context.members)) {
          const change = changes[Number(key)];
          for (const member of change === undefined ? members : [...members, change.replacement]) {
            if (pinged.has(member)) continue;
            pinged.add(member);
            enqueue({ type: 'send', params: { to: member, message: { type: 'healthPing', from: context.self, round } } });
          }
        }
        enqueue.assign({ round, misses, changes, places, replacementsMade: made });
        enqueue.raise({ type: 'storageCheck' }, { delay: context.checkPeriodMs, id: STORAGE_CHECK_TIMER });
      }),
      recordPong: base.assign({
        lastPong: ({ context, event }) => (event.type === 'segmentPong' ? { ...context.lastPong, [event.from]: event } : context.lastPong),
      }),
      /** The writer says where a change stands. */
      recordStatus: base.assign(({ context, event }) => {
        if (event.type !== 'membershipStatus') return {};
        const pg = event.pg;
        const change = context.changes[pg];
        if (event.phase === 'joint') {
          return change === undefined ? {} : { changes: { ...context.changes, [pg]: { ...change, phase: 'hydrating' as const } } };
        }
        const changes = { ...context.changes };
        delete changes[pg];
        const misses = { ...context.misses };
        for (const member of event.config.members) misses[member] = 0;
        return {
          changes,
          misses,
          members: { ...context.members, [pg]: event.config.members },
          membershipEpochs: { ...context.membershipEpochs, [pg]: event.config.membershipEpoch },
        };
      }),
    },
  })
  .createMachine({
    id: 'storageControlPlane',
    context: ({ input }) => ({
      self: input.self,
      members: Object.fromEntries(input.pgs.map((pg) => [pg.pg, pg.members])),
      membershipEpochs: Object.fromEntries(input.pgs.map((pg) => [pg.pg, pg.membershipEpoch])),
      places: { ...input.places },
      nodesByAz: input.nodesByAz,
      instances: input.instances,
      checkPeriodMs: input.checkPeriodMs ?? 1_000,
      replaceAfterMisses: input.replaceAfterMisses ?? 5,
      round: 0,
      lastPong: {},
      misses: {},
      changes: {},
      replacementsMade: 0,
    }),
    initial: 'watching',
    states: {
      watching: {
        entry: 'check',
        on: {
          storageCheck: { actions: 'check' },
          segmentPong: { actions: 'recordPong' },
          membershipStatus: { actions: 'recordStatus' },
        },
      },
    },
  });
