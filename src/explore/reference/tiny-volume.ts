/**
 * `tiny-volume`: the real storage machines explored exhaustively. One protection group of six
 * segments (models/segment.machine.ts, three full and three tail), the writer
 * (models/instance.machine.ts), the storage metadata service (models/metadata.machine.ts) and a
 * client that sends its writes at once; the writer may crash, restart (as a replica) and be
 * promoted, which takes it through crash recovery (SIGMOD'17 §4.3; docs/protocol.md §7).
 *
 * Exploration has no time (docs/explorer.md, "Time"), so timers that only matter when messages
 * are lost or slow are limited to zero firings: the network here loses nothing, so segment gossip
 * (which fills holes left by lost writes), the writer's retransmission and recovery's retry only
 * add schedules that send more copies of the same messages, and without a limit the periodic ones
 * fire forever. GC is off (`gcPeriodMs: 0`) and so are minimum-read-point reports.
 *
 * The invariants S1–S9 are judged in every state (volume-judges.ts), plus two witnesses that the
 * search reaches an acknowledged commit and a writer reopened at a newer volume epoch.
 *
 * Symmetry: no fault names an AZ and the quorums are 4 and 3 of all six members, so segments of
 * one kind are interchangeable; the groups are the full and the tail segments (docs/explorer.md,
 * "tiny-volume").
 */
import { assign, setup } from 'xstate';
import type { EventObject } from 'xstate';
import { writerMachine } from '../../../models/instance.machine.js';
import { metadataMachine } from '../../../models/metadata.machine.js';
import { segmentMachine } from '../../../models/segment.machine.js';
import type { SegmentId } from '../../../src/protocol/ids.js';
import { kOfN } from '../../../src/protocol/quorum.js';
import type { PlantName } from '../../../src/protocol/plants.js';
import type { ExploreHistory, ExploreModel } from '../explore-model.js';
import type { ExploreState } from '../explore-state.js';
import type { VolumeHistory } from './volume-judges.js';
import { volumeJudges } from './volume-judges.js';

/** Options of {@link tinyVolumeModel}. */
export interface TinyVolumeOptions {
  /** Client writes, each a one-put transaction. Two writes pass four million states. @defaultValue 1 */
  writes?: number;
  /**
   * Writer crashes a path may hold, each with its restart and promotion. With one, the space
   * passes four million states (recovery's reads and truncations interleave with every write
   * message): explore it with `maxStates`. @defaultValue 0
   */
  crashes?: number;
  /** The LSN allocation limit above the VDL. @defaultValue 100 */
  lal?: number;
  /**
   * How the client issues its writes: `concurrent`, all at once; `one-at-a-time`, each after
   * the writer answered the one before (one application session waiting on its COMMIT), which
   * keeps fewer writes in flight together. @defaultValue 'concurrent'
   */
  client?: 'concurrent' | 'one-at-a-time';
  /** A planted mistake (docs/plants.md), given to every segment and the writer. */
  plant?: PlantName;
}

const MEMBERS = ['seg:a1', 'seg:a2', 'seg:b1', 'seg:b2', 'seg:c1', 'seg:c2'] as SegmentId[];
const WRITER = 'writer';
const PG0_CONFIG = { pg: 0, members: MEMBERS, write: kOfN(4, MEMBERS), read: kOfN(3, MEMBERS) };


function reopened(state: ExploreState): boolean {
  const writer = state.actors.find((slot) => slot.id === WRITER);
  const value = writer?.snapshot.value as Record<string, unknown> | undefined;
  return value?.['writer'] === 'open' && (writer?.snapshot.context as { volumeEpoch: number }).volumeEpoch > 1;
}

/** The tiny-volume model (see the file header). */
export function tinyVolumeModel(options: TinyVolumeOptions = {}): ExploreModel {
  const writes = options.writes ?? 1;
  const lal = options.lal ?? 100;
  const crashes = options.crashes ?? 0;
  if (!Number.isSafeInteger(writes) || writes < 1) throw new RangeError(`tinyVolumeModel: writes must be a positive integer, got ${writes}`);
  if (!Number.isSafeInteger(crashes) || crashes < 0) throw new RangeError(`tinyVolumeModel: crashes must be a non-negative integer, got ${crashes}`);
  if (!Number.isSafeInteger(lal) || lal < 1) throw new RangeError(`tinyVolumeModel: lal must be a positive integer, got ${lal}`);
  const plant = options.plant === undefined ? {} : { plant: options.plant };
  const judges = volumeJudges({ members: MEMBERS, write: PG0_CONFIG.write, read: PG0_CONFIG.read, lal });
  const request = (txnId: number): { to: string; message: unknown } => ({
    to: WRITER,
    message: { type: 'txnRequest', from: 'client', txnId, ops: [{ f: 'put', key: 'k', value: `v${txnId}` }] },
  });
  const sendAction = { actions: { send: (_: unknown, _params: { to: string; message: unknown }) => {} } };
  // The client: sends its writes to the writer when it starts (concurrent), or each once the one
  // before was answered (one at a time), and otherwise ignores the answers.
  const client =
    options.client === 'one-at-a-time'
      ? setup(sendAction).createMachine({
          context: { next: 2 },
          entry: { type: 'send', params: request(1) },
          on: {
            txnOk: {
              guard: ({ context }) => context.next <= writes,
              actions: [{ type: 'send', params: ({ context }) => request(context.next) }, assign({ next: ({ context }) => context.next + 1 })],
            },
          },
        })
      : setup(sendAction).createMachine({ entry: Array.from({ length: writes }, (_, index) => ({ type: 'send' as const, params: request(index + 1) })) });
  return {
    name: `tiny-volume (${writes} write${writes === 1 ? '' : 's'}${options.client === 'one-at-a-time' ? ' one at a time' : ''}, ${crashes} writer crash${crashes === 1 ? '' : 'es'}${options.plant === undefined ? '' : `, plant ${options.plant}`})`,
    actors: [
      { id: 'metadata', machine: metadataMachine, input: { self: 'metadata', pgConfigs: [{ ...PG0_CONFIG, membershipEpoch: 1 }] } },
      ...MEMBERS.map((self, index) => ({
        id: self,
        machine: segmentMachine,
        input: { self, pg: 0, kind: index % 2 === 0 ? 'full' : 'tail', peers: MEMBERS.filter((member) => member !== self), diskLatencySamplesMs: [1], gcPeriodMs: 0, ...plant },
      })),
      {
        id: WRITER,
        machine: writerMachine,
        input: { self: WRITER, role: 'writer', lal, pgs: [PG0_CONFIG], blocksPerPg: 8, retransmitAfterMs: 10, linkBusyMsPerBatch: 0.1, mrplReportMs: 0, metadataId: 'metadata', ...plant },
      },
      { id: 'client', machine: client },
    ],
    symmetry: [MEMBERS.filter((_, index) => index % 2 === 0), MEMBERS.filter((_, index) => index % 2 === 1)],
    symmetrySortKey: 'state-and-messages',
    timerLimits: { 'segment.gossip': 0, 'writer.retransmit': 0, 'recovery.retry': 0 },
    faults: [
      { kind: 'event', name: 'crash writer', actor: WRITER, event: { type: 'crash' } },
      { kind: 'event', name: 'restart writer', actor: WRITER, event: { type: 'restart' } },
      // The control plane's decision to fail over, as a choice: a restarted writer comes back as
      // a replica, and a promoted replica runs crash recovery (docs/protocol.md §9, failover).
      { kind: 'event', name: 'promote writer', actor: WRITER, event: { type: 'promote', from: 'control-plane' } as EventObject },
    ],
    faultBudget: 3 * crashes,
    history: judges.history as ExploreHistory,
    properties: [
      ...judges.properties,
      { name: 'commit acknowledged', kind: 'sometimes', holds: (state) => (state.history as VolumeHistory).acked.length > 0 },
      ...(writes === 1 ? [] : [{ name: `${writes === 2 ? 'both' : 'all'} commits acknowledged`, kind: 'sometimes' as const, holds: (state: ExploreState) => (state.history as VolumeHistory).acked.length >= writes }]),
      { name: 'recovered', kind: 'sometimes', holds: reopened },
    ],
  };
}
