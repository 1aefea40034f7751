/**
 * The storage invariants S1–S9 (docs/protocol.md §12) as properties of explored states, for
 * models built from the real segment and writer machines (`tiny-volume`).
 *
 * The simulation's judges (src/check) read a stream of observations with bookkeeping that grows
 * along one run; an explored state branches, so here the bookkeeping is a small plain value kept
 * in the state's history (fed by the machines' `observe` effects, in effect order) and each
 * invariant is a predicate over that history and the machines' contexts. The history holds only
 * what the judges need and what the contexts already imply (the highest LSN allocated per volume
 * epoch, the last VDL reported, the recoveries planned, each segment's highest volume epoch), so
 * it adds few states; a broken rule sets a sticky entry in `broken` and the search stops there.
 *
 * Like the simulation's judges, these take their rules from their own statements, never from the
 * code under test: the write quorum is `judgedWriteQuorum` (a strict majority of the members,
 * SIGMOD'17 §2.1), the LAL is the model's configured value, not the writer's claim.
 */
import type { QuorumPredicate } from '../../protocol/quorum.js';
import { satisfies } from '../../protocol/quorum.js';
import type { SegmentStore } from '../../protocol/segment-store.js';
import { heldRecords, recordAt, sclOf } from '../../protocol/segment-store.js';
import { isAnnulled } from '../../protocol/recovery.js';
import type { AllocatedObservation, Observation } from '../../protocol/observations.js';
import { judgedWriteQuorum } from '../../check/quorum-rule.js';
import type { SegmentId } from '../../protocol/ids.js';
import type { ExploreHistory, ExploreProperty } from '../explore-model.js';
import type { ExploreState } from '../explore-state.js';

/** A record a writer allocated, as the judges remember it. */
interface Allocation {
  readonly lsn: number;
  readonly volumeEpoch: number;
  readonly isCpl: boolean;
  /** Allocated while segments at a higher volume epoch already met the read quorum (S8b). */
  readonly afterFence: boolean;
}

/** A recovery's plan (the `recovered` observation). */
interface Recovery {
  readonly volumeEpoch: number;
  readonly vdl: number;
  readonly fromLsn: number;
  readonly toLsn: number;
}

/** The judges' bookkeeping, kept in the explored state's history (plain data, never mutated). */
export interface VolumeHistory {
  /** Commit LSNs the writer acknowledged, with the volume epoch it acknowledged them at. */
  readonly acked: readonly { readonly lsn: number; readonly volumeEpoch: number }[];
  readonly allocated: readonly Allocation[];
  /** Per volume epoch, the watermarks its writer last reported. */
  readonly reported: Readonly<Record<number, { readonly vdl: number; readonly vcl: number; readonly maxAllocated: number }>>;
  readonly recoveries: readonly Recovery[];
  /** Per segment, the highest volume epoch it was seen to hold. */
  readonly segmentEpochs: Readonly<Record<string, number>>;
  /** Per volume epoch, the instance that opened as writer at it (S7). */
  readonly opened: Readonly<Record<number, string>>;
  /** Rules broken along the path, each once: `<invariant>: <what happened>`. */
  readonly broken: readonly string[];
}

export const EMPTY_VOLUME_HISTORY: VolumeHistory = { acked: [], allocated: [], reported: {}, recoveries: [], segmentEpochs: {}, opened: {}, broken: [] };

/** The invariants' names, as explore results report them. */
export const VOLUME_INVARIANTS = {
  s1: 'S1 LSNs unique and above every truncation range',
  s2: 'S2 LAL',
  s3: 'S3 point ordering',
  s4: 'S4 VDL durability',
  s5: 'S5 commit rule',
  s6: 'S6 no lost acknowledged commit',
  s7: 'S7 one writer per volume epoch',
  s8: 'S8 fencing',
  s9: 'S9 truncation',
} as const;

type InvariantKey = keyof typeof VOLUME_INVARIANTS;

/** What the judges need to know of the model. */
export interface VolumeJudgesOptions {
  /** The PG's members (one PG). */
  readonly members: readonly SegmentId[];
  /** Its configured write and read quorums (the write quorum is raised to a majority, above). */
  readonly write: QuorumPredicate;
  readonly read: QuorumPredicate;
  /** The configured LSN allocation limit. */
  readonly lal: number;
}

const breaking = (history: VolumeHistory, key: InvariantKey, what: string): VolumeHistory => ({ ...history, broken: [...history.broken, `${VOLUME_INVARIANTS[key]}: ${what}`] });

/** Segments' contexts, by id. */
function storesOf(state: ExploreState, members: readonly SegmentId[]): Map<string, { store: SegmentStore; volumeEpoch: number }> {
  const stores = new Map<string, { store: SegmentStore; volumeEpoch: number }>();
  for (const slot of state.actors) if ((members as readonly string[]).includes(slot.id)) stores.set(slot.id, slot.snapshot.context as { store: SegmentStore; volumeEpoch: number });
  return stores;
}

/** The history hooks and the nine properties (see the file header). */
export function volumeJudges(options: VolumeJudgesOptions): { history: ExploreHistory<VolumeHistory>; properties: ExploreProperty[] } {
  const writeQuorum = judgedWriteQuorum(options.write);
  const members = options.members;
  const fencedQuorum = (history: VolumeHistory, volumeEpoch: number): boolean =>
    satisfies(options.read, members.filter((member) => (history.segmentEpochs[member] ?? 1) > volumeEpoch));

  const onAllocated = (history: VolumeHistory, o: AllocatedObservation): VolumeHistory => {
    let next = history;
    const sameEpoch = history.allocated.filter((record) => record.volumeEpoch === o.volumeEpoch);
    const highest = Math.max(0, ...sameEpoch.map((record) => record.lsn));
    const reportedVdl = history.reported[o.volumeEpoch]?.vdl ?? o.vdl;
    for (const record of o.records) {
      if (record.lsn <= highest) next = breaking(next, 's1', `${o.instance} allocated LSN ${record.lsn} at volumeEpoch ${o.volumeEpoch} after ${highest}`);
      const below = history.recoveries.find((recovery) => recovery.volumeEpoch === o.volumeEpoch && record.lsn <= recovery.toLsn);
      if (below !== undefined) next = breaking(next, 's1', `LSN ${record.lsn} allocated at volumeEpoch ${o.volumeEpoch}, inside its recovery's truncation range up to ${below.toLsn}`);
      if (record.lsn > reportedVdl + options.lal) next = breaking(next, 's2', `LSN ${record.lsn} allocated with VDL ${reportedVdl} and LAL ${options.lal}`);
    }
    const afterFence = fencedQuorum(history, o.volumeEpoch);
    return { ...next, allocated: [...next.allocated, ...o.records.map((record) => ({ lsn: record.lsn, volumeEpoch: o.volumeEpoch, isCpl: record.isCpl, afterFence }))] };
  };

  const isCpl = (history: VolumeHistory, volumeEpoch: number, lsn: number): boolean =>
    history.allocated.some((record) => record.volumeEpoch === volumeEpoch && record.lsn === lsn && record.isCpl);

  const recordObserve = (history: VolumeHistory, _actor: string, observation: unknown): VolumeHistory | undefined => {
    const o = observation as Observation;
    switch (o.kind) {
      case 'allocated':
        return onAllocated(history, o);
      case 'watermarks': {
        const before = history.reported[o.volumeEpoch];
        let next = history;
        if (!(o.vdl <= o.vcl && o.vcl <= o.maxAllocated)) next = breaking(next, 's3', `VDL ${o.vdl}, VCL ${o.vcl}, maxAllocated ${o.maxAllocated} at volumeEpoch ${o.volumeEpoch}`);
        const recovered = history.recoveries.find((recovery) => recovery.volumeEpoch === o.volumeEpoch);
        const startingPoint = before === undefined && (recovered === undefined ? o.vdl === 0 : o.vdl >= recovered.vdl);
        if (o.vdl !== (before?.vdl ?? 0) && !startingPoint && !isCpl(history, o.volumeEpoch, o.vdl)) next = breaking(next, 's3', `VDL moved to ${o.vdl}, not a CPL of volumeEpoch ${o.volumeEpoch}`);
        if (before !== undefined && (o.vdl < before.vdl || o.vcl < before.vcl || o.maxAllocated < before.maxAllocated)) next = breaking(next, 's3', `points went back at volumeEpoch ${o.volumeEpoch}`);
        return { ...next, reported: { ...next.reported, [o.volumeEpoch]: { vdl: o.vdl, vcl: o.vcl, maxAllocated: o.maxAllocated } } };
      }
      case 'commitAck': {
        let next = history;
        const vdl = history.reported[o.volumeEpoch]?.vdl ?? 0;
        if (o.commitLsn > vdl) next = breaking(next, 's5', `commit ${o.commitLsn} acknowledged with reported VDL ${vdl}`);
        return { ...next, acked: [...next.acked, { lsn: o.commitLsn, volumeEpoch: o.volumeEpoch }] };
      }
      case 'recovered': {
        let next = history;
        const older = history.allocated.filter((record) => record.volumeEpoch < o.volumeEpoch);
        const highestOld = Math.max(0, ...older.map((record) => record.lsn));
        if (o.truncationFromLsn !== o.vdl + 1 || o.truncationToLsn < highestOld) {
          next = breaking(next, 's9', `recovery at volumeEpoch ${o.volumeEpoch} truncates (${o.truncationFromLsn - 1}, ${o.truncationToLsn}] with LSN ${highestOld} allocated before`);
        }
        if (!(o.vdl === 0 || o.vdl === o.anchorLsn || older.some((record) => record.lsn === o.vdl && record.isCpl))) next = breaking(next, 's3', `VDL' ${o.vdl} at volumeEpoch ${o.volumeEpoch} is not an earlier CPL`);
        for (const ack of history.acked) if (ack.volumeEpoch < o.volumeEpoch && ack.lsn > o.vdl) next = breaking(next, 's6', `commit ${ack.lsn} acknowledged at volumeEpoch ${ack.volumeEpoch} is above VDL' ${o.vdl}`);
        return { ...next, recoveries: [...next.recoveries, { volumeEpoch: o.volumeEpoch, vdl: o.vdl, fromLsn: o.truncationFromLsn, toLsn: o.truncationToLsn }] };
      }
      case 'writerOpened': {
        const known = history.opened[o.volumeEpoch];
        const next = known === undefined ? history : breaking(history, 's7', `${o.instance} opened at volumeEpoch ${o.volumeEpoch}, where ${known} opened before`);
        return { ...next, opened: { ...next.opened, [o.volumeEpoch]: o.instance } };
      }
      case 'epochAdopted':
        if ((history.segmentEpochs[o.segment] ?? 1) >= o.volumeEpoch) return undefined;
        return { ...history, segmentEpochs: { ...history.segmentEpochs, [o.segment]: o.volumeEpoch } };
      case 'persisted': {
        const own = Math.max(history.segmentEpochs[o.segment] ?? 1, o.segmentVolumeEpoch);
        if (o.via === 'write' && o.volumeEpoch < own) return breaking(history, 's8', `${o.segment} at volumeEpoch ${own} persisted a write of volumeEpoch ${o.volumeEpoch}`);
        return undefined;
      }
      default:
        return undefined;
    }
  };

  /** The segments holding a record persisted at its allocation epoch. */
  const holders = (state: ExploreState, lsn: number, volumeEpoch: number): SegmentId[] => {
    const stores = storesOf(state, members);
    return members.filter((member) => recordAt(stores.get(member)?.store as SegmentStore, lsn as never)?.volumeEpoch === volumeEpoch);
  };
  const historyOf = (state: ExploreState): VolumeHistory => state.history as VolumeHistory;
  const unbroken = (key: InvariantKey) => (state: ExploreState): boolean => !historyOf(state).broken.some((entry) => entry.startsWith(`${VOLUME_INVARIANTS[key]}:`));
  const annulled = (history: VolumeHistory, record: Allocation): boolean =>
    history.recoveries.some((recovery) => recovery.volumeEpoch > record.volumeEpoch && recovery.fromLsn <= record.lsn && record.lsn <= recovery.toLsn);

  const properties: ExploreProperty[] = [
    { name: VOLUME_INVARIANTS.s1, kind: 'always', holds: unbroken('s1') },
    { name: VOLUME_INVARIANTS.s2, kind: 'always', holds: unbroken('s2') },
    { name: VOLUME_INVARIANTS.s3, kind: 'always', holds: unbroken('s3') },
    {
      // Every record a writer allocated at or below the VDL it reported at that volume epoch
      // was persisted at that epoch by a write quorum (segments keep what they persisted; only
      // a truncation removes records, and those lie above every VDL reported before it).
      name: VOLUME_INVARIANTS.s4,
      kind: 'always',
      holds: (state) => {
        const history = historyOf(state);
        return history.allocated.every((record) => {
          const vdl = history.reported[record.volumeEpoch]?.vdl ?? 0;
          return record.lsn > vdl || annulled(history, record) || satisfies(writeQuorum, holders(state, record.lsn, record.volumeEpoch));
        });
      },
    },
    { name: VOLUME_INVARIANTS.s5, kind: 'always', holds: unbroken('s5') },
    {
      // Every acknowledged commit is at or below the PG's complete LSN (SIGMOD'18 §2.3: the
      // write quorum's lowest SCL), and no recovery annulled it (checked as recoveries plan).
      name: VOLUME_INVARIANTS.s6,
      kind: 'always',
      holds: (state) => {
        const history = historyOf(state);
        if (history.acked.length === 0) return unbroken('s6')(state);
        const scls = [...storesOf(state, members).entries()].map(([member, context]) => [member as SegmentId, sclOf(context.store) as number] as const);
        // The PGCL by the judges' own rule: the highest SCL that a write quorum of segments reached.
        const pgcl = Math.max(0, ...scls.map(([, scl]) => scl).filter((scl) => satisfies(writeQuorum, scls.filter(([, other]) => other >= scl).map(([member]) => member))));
        return unbroken('s6')(state) && history.acked.every((ack) => ack.lsn <= pgcl);
      },
    },
    { name: VOLUME_INVARIANTS.s7, kind: 'always', holds: unbroken('s7') },
    {
      // S8a (a segment persists no write below its own volume epoch, above) and S8b: a record an
      // old writer allocated once the new epoch met the read quorum never reaches the write
      // quorum at its epoch (Vr + Vw > V: one of the fenced segments would have to take it).
      name: VOLUME_INVARIANTS.s8,
      kind: 'always',
      holds: (state) => {
        const history = historyOf(state);
        return unbroken('s8')(state) && history.allocated.every((record) => !record.afterFence || !satisfies(writeQuorum, holders(state, record.lsn, record.volumeEpoch)));
      },
    },
    {
      // The range planned covers every older allocation (above), and a segment that holds a
      // recovery's range keeps no record it annuls (SIGMOD'17 §4.3).
      name: VOLUME_INVARIANTS.s9,
      kind: 'always',
      holds: (state) => {
        if (!unbroken('s9')(state)) return false;
        for (const context of storesOf(state, members).values()) {
          if (context.store.truncations.length === 0) continue;
          for (const record of heldRecords(context.store)) if (isAnnulled(record, context.store.truncations)) return false;
        }
        return true;
      },
    },
  ];
  return { history: { initial: EMPTY_VOLUME_HISTORY, recordObserve }, properties };
}
