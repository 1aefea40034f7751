/**
 * `tiny-volume`: the real storage machines explored exhaustively. One protection group of six
 * segments (models/segment.machine.ts, three full and three tail), the writer
 * (models/instance.machine.ts), the storage metadata service (models/metadata.machine.ts) and a
 * client that sends its writes at once; the writer may crash once, restart (as a replica) and be
 * promoted, which takes it through crash recovery (SIGMOD'17 §4.3; docs/semantics.md).
 *
 * Exploration has no time (docs/explorer.md, "Time"), so timers that only matter when messages
 * are lost or slow are limited to zero firings: the network here loses nothing, so segment gossip
 * (which fills holes left by lost writes), the writer's retransmission and recovery's retry only
 * add schedules that send more copies of the same messages, and without a limit the periodic ones
 * fire forever. GC is off (`gcPeriodMs: 0`) and so are minimum-read-point reports.
 *
 * Properties are judged on the state, from the machines' own contexts:
 * - "acknowledged writes durable" (docs/protocol.md §12, S5, S6): every commit the writer acknowledged is
 *   at or below the PG complete LSN (the fourth-highest segment SCL, SIGMOD'18 §2.3), before and
 *   after recovery. (The writer's VDL itself is not compared with the PGCL: a recovered writer
 *   starts its VDL past the truncation range, SIGMOD'17 §4.3, which no segment's SCL covers; the
 *   explorer found that within 24 choices.)
 * - "commit acknowledged" and "recovered" (sometimes): the search reaches an acknowledgement and
 *   a writer reopened at a newer volume epoch.
 */
import { setup } from 'xstate';
import type { EventObject } from 'xstate';
import { writerMachine } from '../../../models/instance.machine.js';
import { metadataMachine } from '../../../models/metadata.machine.js';
import { segmentMachine } from '../../../models/segment.machine.js';
import type { SegmentStore } from '../../../src/protocol/segment-store.js';
import { sclOf } from '../../../src/protocol/segment-store.js';
import type { SegmentId } from '../../../src/protocol/ids.js';
import { kOfN } from '../../../src/protocol/quorum.js';
import type { Envelope, ExploreModel } from '../explore-model.js';
import type { ExploreState } from '../explore-state.js';

/** Options of {@link tinyVolumeModel}. */
export interface TinyVolumeOptions {
  /** Client writes, each a one-put transaction. Two writes pass a million states. @defaultValue 1 */
  writes?: number;
  /**
   * Writer crashes a path may hold, each with its restart and promotion. With one, the search
   * passes 4 GB of heap before it ends (recovery's reads and truncations interleave with every
   * write message): explore it with `maxStates`. @defaultValue 0
   */
  crashes?: number;
}

const MEMBERS = ['seg:a1', 'seg:a2', 'seg:b1', 'seg:b2', 'seg:c1', 'seg:c2'] as SegmentId[];
const WRITER = 'writer';
const PG0_CONFIG = { pg: 0, members: MEMBERS, write: kOfN(4, MEMBERS), read: kOfN(3, MEMBERS) };


/** The PG complete LSN: the fourth-highest SCL of the six segments (4/6 write quorum). */
function pgcl(state: ExploreState): number {
  const scls = state.actors.filter((slot) => slot.id.startsWith('seg:')).map((slot) => sclOf((slot.snapshot.context as { store: SegmentStore }).store) as number);
  scls.sort((a, b) => b - a);
  return scls[3] ?? 0;
}

/** The history: commit LSNs the writer acknowledged, in order. */
function recordSend(history: unknown, envelope: Envelope): readonly number[] | undefined {
  if (envelope.message.type !== 'txnOk') return undefined;
  return [...(history as readonly number[]), (envelope.message as unknown as { commitLsn: number }).commitLsn];
}

function reopened(state: ExploreState): boolean {
  const writer = state.actors.find((slot) => slot.id === WRITER);
  const value = writer?.snapshot.value as Record<string, unknown> | undefined;
  return value?.['writer'] === 'open' && (writer?.snapshot.context as { volumeEpoch: number }).volumeEpoch > 1;
}

/** The tiny-volume model (see the file header). */
export function tinyVolumeModel(options: TinyVolumeOptions = {}): ExploreModel {
  const writes = options.writes ?? 1;
  // The client: sends its writes to the writer when it starts, and ignores the answers.
  const client = setup({ actions: { send: (_, _params: { to: string; message: unknown }) => {} } }).createMachine({
    entry: Array.from({ length: writes }, (_, index) => ({
      type: 'send' as const,
      params: { to: WRITER, message: { type: 'txnRequest', from: 'client', txnId: index + 1, ops: [{ f: 'put', key: 'k', value: `v${index + 1}` }] } },
    })),
  });
  return {
    name: `tiny-volume (${writes} write${writes === 1 ? '' : 's'}, ${options.crashes ?? 0} writer crashes)`,
    actors: [
      { id: 'metadata', machine: metadataMachine, input: { self: 'metadata', pgConfigs: [{ ...PG0_CONFIG, membershipEpoch: 1 }] } },
      ...MEMBERS.map((self, index) => ({
        id: self,
        machine: segmentMachine,
        input: { self, pg: 0, kind: index % 2 === 0 ? 'full' : 'tail', peers: MEMBERS.filter((member) => member !== self), diskLatencySamplesMs: [1], gcPeriodMs: 0 },
      })),
      {
        id: WRITER,
        machine: writerMachine,
        input: { self: WRITER, role: 'writer', lal: 100, pgs: [PG0_CONFIG], blocksPerPg: 8, retransmitAfterMs: 10, linkBusyMsPerBatch: 0.1, mrplReportMs: 0, metadataId: 'metadata' },
      },
      { id: 'client', machine: client },
    ],
    timerLimits: { 'segment.gossip': 0, 'writer.retransmit': 0, 'recovery.retry': 0 },
    faults: [
      { kind: 'event', name: 'crash writer', actor: WRITER, event: { type: 'crash' } },
      { kind: 'event', name: 'restart writer', actor: WRITER, event: { type: 'restart' } },
      // The control plane's decision to fail over, as a choice: a restarted writer comes back as
      // a replica, and a promoted replica runs crash recovery (docs/protocol.md §9, failover).
      { kind: 'event', name: 'promote writer', actor: WRITER, event: { type: 'promote', from: 'control-plane' } as EventObject },
    ],
    faultBudget: 3 * (options.crashes ?? 0),
    history: { initial: [], recordSend },
    properties: [
      { name: 'acknowledged writes durable', kind: 'always', holds: (state) => (state.history as readonly number[]).every((lsn) => lsn <= pgcl(state)) },
      { name: 'commit acknowledged', kind: 'sometimes', holds: (state) => (state.history as readonly number[]).length > 0 },
      { name: 'recovered', kind: 'sometimes', holds: reopened },
    ],
  };
}
