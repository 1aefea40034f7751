/**
 * MetadataService: the storage metadata service that holds the volume epoch (SIGMOD'18 §2.4).
 *
 * Modelled as a linearizable key/value actor with compare-and-set (docs/protocol.md §1, volumes and
 * segments; [I]): a recovering instance reads the epoch, then claims `epoch + 1` with a CAS that
 * fails if someone else recovered first (docs/protocol.md §7.1, recovery step 1). It also stores
 * every truncation range before the range is written to segments, so any later recovery knows all
 * earlier ones (R2), and the recovery anchor (records at or below it are durable). The stored
 * anchor stays 0: recovery starts its walk at the highest GC point the segments report instead
 * (src/protocol/recovery.ts), and segments answer with base pages below it, which give the new
 * writer every block's values. It is always up: the real service is itself replicated, and its
 * failure is outside the AZ+1 budget we model.
 *
 * It also holds the volume's geometry (docs/protocol.md §1.1, storage growth): the storage control
 * plane records each PG it adds with `recordGeometry` at the next `geometryEpoch`, one PG per
 * epoch and in order, before any instance hears of it; so a recovery, which reads `pgConfigs`
 * here, includes every PG a writer could have written to.
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { Lsn, VolumeEpoch } from '../src/protocol/ids.js';
import type { TruncationRange } from '../src/protocol/recovery.js';
import type {
  EpochCasMessage,
  MetadataReadMessage,
  MetadataStateMessage,
  PgConfigRecord,
  RecordGeometryMessage,
  RecordMembershipMessage,
  RecordTruncationMessage,
  SendParams,
} from './messages.js';

/** Input of {@link metadataMachine}. */
export interface MetadataInput {
  self: string;
  /** @defaultValue 1 */
  volumeEpoch?: number;
  /** Every PG's initial configuration. */
  pgConfigs: readonly PgConfigRecord[];
  /** The geometry epoch of the PGs in `pgConfigs`. @defaultValue 1 */
  geometryEpoch?: number;
}

/** Context of {@link metadataMachine}. */
export interface MetadataContext {
  self: string;
  volumeEpoch: VolumeEpoch;
  anchorLsn: Lsn;
  truncations: readonly TruncationRange[];
  /** Who won each epoch (the instance whose CAS set it). */
  holders: Readonly<Record<number, string>>;
  /** Every PG's configuration in force, keyed by PG id (membership changes move it on). */
  pgConfigs: Readonly<Record<number, PgConfigRecord>>;
  /** One more per PG added since the volume was created (docs/protocol.md §1.1). */
  geometryEpoch: number;
  /** The geometry epoch each added PG was recorded at, keyed by PG id (the PGs created with the volume are absent). */
  geometryEpochByPg: Readonly<Record<number, number>>;
}

/** Events of {@link metadataMachine}. */
export type MetadataEvent = MetadataReadMessage | EpochCasMessage | RecordTruncationMessage | RecordMembershipMessage | RecordGeometryMessage;

/**
 * The context with `event`'s PG added, or undefined when the request is not the next step of the
 * geometry: it must name the current epoch plus one and a PG the volume does not have. The
 * repeat of a step already taken (its answer was lost) is no change and is answered ok.
 */
export function addedGeometry(context: MetadataContext, event: RecordGeometryMessage): { context: MetadataContext; ok: boolean } {
  const pg = event.config.pg;
  if (context.geometryEpochByPg[pg] === event.geometryEpoch) return { context, ok: true };
  if (event.geometryEpoch !== context.geometryEpoch + 1 || context.pgConfigs[pg] !== undefined) return { context, ok: false };
  return {
    ok: true,
    context: {
      ...context,
      geometryEpoch: event.geometryEpoch,
      geometryEpochByPg: { ...context.geometryEpochByPg, [pg]: event.geometryEpoch },
      pgConfigs: { ...context.pgConfigs, [pg]: event.config },
    },
  };
}

function state(context: MetadataContext, request: MetadataStateMessage['request'], ok: boolean): MetadataStateMessage {
  return {
    type: 'metadataState',
    from: context.self,
    ok,
    request,
    volumeEpoch: context.volumeEpoch,
    anchorLsn: context.anchorLsn,
    truncations: context.truncations,
    pgConfigs: context.pgConfigs,
  };
}

const metadataBase = setup({
  types: { context: {} as MetadataContext, events: {} as MetadataEvent, input: {} as MetadataInput },
  actions: {
    send: unprovidedEffect<SendParams>('metadata', 'send'),
  },
});

/** The metadata service; see the file header. */
export const metadataMachine = metadataBase
  .extend({
    actions: {
      answerRead: metadataBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'metadataRead') return;
        enqueue({ type: 'send', params: { to: event.from, message: state(context, 'read', true) } });
      }),
      compareAndSet: metadataBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'epochCas') return;
        // Idempotent for the winner: a retried CAS whose first reply was lost still succeeds.
        const repeat = context.volumeEpoch === event.next && context.holders[event.next] === event.from;
        const ok = repeat || (context.volumeEpoch === event.expected && event.next > event.expected);
        const next: MetadataContext = ok && !repeat
          ? { ...context, volumeEpoch: event.next, holders: { ...context.holders, [event.next]: event.from } }
          : context;
        if (ok && !repeat) enqueue.assign({ volumeEpoch: next.volumeEpoch, holders: next.holders });
        enqueue({ type: 'send', params: { to: event.from, message: state(next, 'cas', ok) } });
      }),
      recordTruncation: metadataBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'recordTruncation') return;
        // Only the holder of the current epoch may record its range (one recovery per epoch).
        const ok = context.holders[event.volumeEpoch] === event.from && event.volumeEpoch === context.volumeEpoch;
        const known = context.truncations.some((range) => range.volumeEpoch === event.range.volumeEpoch);
        const truncations = ok && !known ? [...context.truncations, event.range] : context.truncations;
        if (ok) enqueue.assign({ truncations });
        enqueue({ type: 'send', params: { to: event.from, message: state({ ...context, truncations }, 'recordTruncation', ok) } });
      }),
      /** The storage control plane adds a PG to the volume (one geometry epoch per PG, in order). */
      recordGeometry: metadataBase.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'recordGeometry') return;
        const added = addedGeometry(context, event);
        if (added.context !== context) {
          enqueue.assign({ geometryEpoch: added.context.geometryEpoch, geometryEpochByPg: added.context.geometryEpochByPg, pgConfigs: added.context.pgConfigs });
        }
        // The answer names the PG it is about, not every PG's configuration: the storage control plane
        // needs no more, and at 12,800 PGs the whole table is megabytes on the wire and in the trace.
        const recorded = added.context.pgConfigs[event.config.pg];
        const message: MetadataStateMessage = {
          ...state(added.context, 'recordGeometry', added.ok),
          pgConfigs: recorded === undefined ? {} : { [event.config.pg]: recorded },
          geometryEpoch: added.context.geometryEpoch,
        };
        enqueue({ type: 'send', params: { to: event.from, message } });
      }),
      /** A PG moved to a newer membership epoch (the change already reached a write quorum). */
      recordMembership: metadataBase.assign({
        pgConfigs: ({ context, event }) => {
          if (event.type !== 'recordMembership') return context.pgConfigs;
          const held = context.pgConfigs[event.config.pg];
          if (held !== undefined && held.membershipEpoch >= event.config.membershipEpoch) return context.pgConfigs;
          return { ...context.pgConfigs, [event.config.pg]: event.config };
        },
      }),
    },
  })
  .createMachine({
    id: 'metadata',
    context: ({ input }) => ({
      self: input.self,
      volumeEpoch: (input.volumeEpoch ?? 1) as VolumeEpoch,
      anchorLsn: 0 as Lsn,
      truncations: [],
      holders: {},
      pgConfigs: Object.fromEntries(input.pgConfigs.map((config) => [config.pg, config])),
      geometryEpoch: input.geometryEpoch ?? 1,
      geometryEpochByPg: {},
    }),
    initial: 'serving',
    states: {
      serving: {
        on: {
          metadataRead: { actions: 'answerRead' },
          epochCas: { actions: 'compareAndSet' },
          recordTruncation: { actions: 'recordTruncation' },
          recordMembership: { actions: 'recordMembership' },
          recordGeometry: { actions: 'recordGeometry' },
        },
      },
    },
  });
