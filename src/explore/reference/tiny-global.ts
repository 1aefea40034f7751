/**
 * `tiny-global`: a Global Database secondary explored exhaustively (docs/protocol.md §11.1; §12,
 * S17). The real machines of one secondary region: its replication agent
 * (models/global-applier.machine.ts, `replication:<region>`), its region statechart
 * (models/global-region.machine.ts, `global:<region>`) and a secondary volume of one PG of three
 * segments (models/segment.machine.ts); fed by a scripted primary replicator that sends the
 * shipments the primary's replicator would send (src/cluster/global-shipping.ts): numbered from 1,
 * each one whole MTR (a put and its transaction's commit, the commit the CPL), the primary VDL
 * never above the records shipped so far, and the commits the primary acknowledged up to it.
 *
 * The explorer delivers the shipments in every order. The replicator sends each shipment again
 * once when an acknowledgement lists it missing (a shipment overtaken by a later one; the real
 * replicator sends a listed message again at once), so duplicates reach the agent; with `loss`,
 * any shipment or acknowledgement on the cross-region link may be dropped, and the replicator's
 * resend timer (one firing per path) sends every unacknowledged shipment again. Messages inside
 * the secondary region (agent, statechart, segments) are not lost: the agent's own retransmission
 * covers storage loss, which tiny-volume explores for the writer.
 *
 * Order: the network is `ordered` with every channel but one listed in `unorderedChannels`, so
 * shipments and acknowledgements on the cross-region link, the agent's writes and the segments'
 * acknowledgements arrive in any order; the agent's reports to its statechart (`globalShip`,
 * `volumeVcl`) stay FIFO, as the simulator's links are unless a `reorderRatio` is set
 * (src/kernel/network.ts). The statechart relies on that order: it takes a report's records only
 * above the highest LSN reported before, so a report overtaken by a later one would leave its
 * records out of the `secondaryDurable` report (with every link unordered,
 * `--network unordered-nonduplicating`, the search finds it in 14 choices).
 *
 * Three segments with a write quorum of two is the smallest PG with a strict-majority write
 * quorum (SIGMOD'17 §2.1: Vw > V/2); six, as a real PG, multiplies the interleavings of each
 * write's receipt, disk completion and acknowledgement by far more than it adds (tiny-volume).
 *
 * With `failover`, a path may deliver one managed failover to the statechart (§11.1, managed
 * failover): it asks the agent to recover the volume at its durable LSN and the agent promotes
 * the region's instance. The instance is a stand-in that opens at the durable LSN it is given
 * (`promote.recoverTo.durableLsn`): crash recovery itself (§7) is tiny-volume's to explore, and
 * with a real instance and metadata service here every shipment would also interleave with the
 * instance's redo. The old primary's fence goes to an endpoint that is not modelled, and the
 * fence's timeout never fires (S18 is not judged here).
 *
 * Exploration has no time (docs/explorer.md, "Time"): the statechart's lag tick (its clock, which
 * no judged property reads), segment gossip and the agent's storage retransmission are limited to
 * zero firings; GC is off.
 *
 * The invariants are judged from their own statements, never from the machines' arithmetic:
 * - **S17 durable prefix**: the durable LSN the statechart reports (`secondaryDurable`) is at most
 *   the highest primary VDL delivered to the agent; the records reported with it are the
 *   primary's, LSN for LSN; and in every state every primary record at or below it is held,
 *   field for field, by a write quorum (a strict majority, `judgedWriteQuorum`) of the segments;
 * - **agent reports a prefix**: the records the agent forwards to the statechart (`globalShip`),
 *   concatenated in send order, are a prefix of the primary's log: in order, none twice;
 * - with `failover`, **S17 failover start**: the promoted region opens at 0 or at a primary CPL
 *   at or below the durable LSN it held.
 * Witnesses show the search reaches what it claims to test: the durable LSN at the final VDL, a
 * shipment kept out of order, a duplicate shipment delivered, with `loss` a shipment lost and made
 * good, with `failover` a promotion.
 *
 * Symmetry: the three segments are full segments of one PG with a 2-of-3 quorum, and the agent
 * sends to all of them alike, so they are one group.
 */
import { setup } from 'xstate';
import type { EventObject } from 'xstate';
import { globalApplierMachine } from '../../../models/global-applier.machine.js';
import { globalRegionMachine } from '../../../models/global-region.machine.js';
import type { GlobalApplyMessage, RedoPayload, RedoRecord } from '../../../models/messages.js';
import { segmentMachine } from '../../../models/segment.machine.js';
import { judgedWriteQuorum } from '../../check/quorum-rule.js';
import type { LsnTime, RecordDigest } from '../../protocol/global.js';
import { recordDigest } from '../../protocol/global.js';
import type { PgId, RegionId, SegmentId } from '../../protocol/ids.js';
import { blockId, lsn } from '../../protocol/ids.js';
import type { LogRecord } from '../../protocol/lsn.js';
import { buildMtr, createBacklinkState } from '../../protocol/lsn.js';
import type { PlantName } from '../../protocol/plants.js';
import { kOfN, satisfies } from '../../protocol/quorum.js';
import type { SegmentStore } from '../../protocol/segment-store.js';
import { recordAt } from '../../protocol/segment-store.js';
import type { Envelope, ExploreHistory, ExploreModel, ExploreProperty } from '../explore-model.js';
import type { ExploreState } from '../explore-state.js';

/** Options of {@link tinyGlobalModel}. */
export interface TinyGlobalOptions {
  /** Shipments the primary's replicator sends, 1–3, each one MTR of two records. @defaultValue 2 */
  shipments?: number;
  /** Whether the cross-region link may lose shipments and acknowledgements. @defaultValue false */
  loss?: boolean;
  /** Whether a path may deliver one managed failover to the region statechart. @defaultValue false */
  failover?: boolean;
  /**
   * A planted mistake (docs/plants.md) for the segments, the only machines here that read one:
   * `vcl-ignores-holes` shows (S17 durable prefix); the other segment plants need what this model
   * leaves out (crashes, gossip, truncation).
   */
  plant?: PlantName;
}

/** The most shipments the model takes: with three, a breadth-first search passes two million states at depth 12 (search it with `maxStates` or depth-first). */
export const TINY_GLOBAL_SHIPMENTS_MAX = 3;

/** The plants a tiny-global machine reads (the segments'). */
const SEGMENT_PLANTS: readonly PlantName[] = ['vcl-ignores-holes', 'ignore-volume-epoch', 'no-gossip', 'no-truncation-range'];

const PRIMARY_REGION = 'us-east-1' as RegionId;
const SECONDARY_REGION = 'eu-west-1' as RegionId;
/** The actors, named as the assembly names them (src/cluster/topology.ts). */
const REPLICATOR = `replicator:${SECONDARY_REGION}`;
const AGENT = `replication:${SECONDARY_REGION}`;
const REGION = `global:${SECONDARY_REGION}`;
const INSTANCE = `instance:${SECONDARY_REGION}:1`;
/** Not modelled: the primary's volume endpoint, where a failover's fence goes. */
const PRIMARY_VOLUME_ENDPOINT = `metadata:${PRIMARY_REGION}`;
const MEMBERS = [1, 2, 3].map((n) => `seg:${SECONDARY_REGION}:${n}`) as SegmentId[];
const PG = 0 as PgId;
/** The configured write quorum (2 of 3) and the one the judges hold the volume to (a strict majority). */
const WRITE_QUORUM = kOfN(2, MEMBERS);
const JUDGED_WRITE_QUORUM = judgedWriteQuorum(WRITE_QUORUM);

/** The replicator's resend timer. */
const RESEND_TIMER = 'replicator.resend';

/** The scripted primary: its log and the shipments that carry it. */
interface PrimaryScript {
  readonly log: readonly RedoRecord[];
  readonly digests: readonly RecordDigest[];
  readonly shipments: readonly GlobalApplyMessage[];
  /** The last shipment's primary VDL: every record. */
  readonly finalVdl: number;
}

/**
 * Shipment k carries MTR k (a put of `k` and transaction k's commit, LSNs 2k − 1 and 2k). Its
 * primary VDL trails by one MTR (the primary's quorum for MTR k is not in yet: CPL of MTR k − 1,
 * 0 for the first) except on the last shipment, which carries the final VDL; a VDL is never
 * above the records shipped (src/cluster/global-shipping.ts). Commits go with the first
 * shipment whose VDL covers them (a commit is acknowledged once the VDL reaches it, §4).
 */
function primaryScript(count: number): PrimaryScript {
  let backlinks = createBacklinkState();
  const log: RedoRecord[] = [];
  const cpls: number[] = [];
  for (let k = 1; k <= count; k++) {
    const built = buildMtr<RedoPayload>(
      backlinks,
      { lsnFirst: lsn(2 * k - 1), lsnLast: lsn(2 * k) },
      [
        { pg: PG, blockId: blockId(0), payload: { kind: 'put', key: 'k', value: `v${k}` } },
        { pg: PG, blockId: blockId(0), payload: { kind: 'commit', txnId: k }, isCommit: true },
      ],
      { mtrId: k, txnId: k },
    );
    backlinks = built.backlinks;
    log.push(...built.records);
    cpls.push(2 * k);
  }
  const shipments: GlobalApplyMessage[] = [];
  let committed = 0;
  for (let k = 1; k <= count; k++) {
    const primaryVdl = lsn(k === count ? (cpls[k - 1] as number) : (cpls[k - 2] ?? 0));
    const commits: LsnTime[] = cpls.filter((cpl) => cpl > committed && cpl <= primaryVdl).map((cpl) => ({ lsn: lsn(cpl), atMs: cpl }));
    committed = Math.max(committed, primaryVdl);
    shipments.push({ type: 'globalApply', from: REPLICATOR, seq: k, records: log.slice(2 * k - 2, 2 * k), primaryVdl, commits });
  }
  return { log, digests: log.map(recordDigest), shipments, finalVdl: 2 * count };
}

/**
 * The primary's replicator, scripted: every shipment at once; a shipment an acknowledgement lists
 * missing goes again, once; with `resend`, the resend timer sends every unacknowledged shipment
 * again (src/cluster/global-shipping.ts, "Numbered, acknowledged, sent again").
 */
function replicatorMachine(shipments: readonly GlobalApplyMessage[], resend: boolean) {
  const ship = (seq: number): { type: 'send'; params: { to: string; message: GlobalApplyMessage } } => ({
    type: 'send',
    params: { to: AGENT, message: shipments[seq - 1] as GlobalApplyMessage },
  });
  const base = setup({
    types: {
      context: {} as { acked: number; resent: readonly number[] },
      events: {} as { type: 'globalApplyAck'; seq: number; missing?: readonly number[] } | { type: 'resendTick' },
    },
    actions: { send: (_: unknown, _params: { to: string; message: unknown }) => {} },
  });
  return base.createMachine({
    context: { acked: 0, resent: [] },
    entry: base.enqueueActions(({ enqueue }) => {
      for (const shipment of shipments) enqueue(ship(shipment.seq));
      if (resend) enqueue.raise({ type: 'resendTick' }, { delay: 1000, id: RESEND_TIMER });
    }),
    on: {
      globalApplyAck: {
        actions: base.enqueueActions(({ context, event, enqueue }) => {
          if (event.type !== 'globalApplyAck') return;
          const again = (event.missing ?? []).filter((seq) => seq > event.seq && !context.resent.includes(seq) && seq <= shipments.length);
          for (const seq of again) enqueue(ship(seq));
          const acked = Math.max(context.acked, event.seq);
          if (acked !== context.acked || again.length > 0) enqueue.assign({ acked, resent: [...context.resent, ...again].sort((a, b) => a - b) });
        }),
      },
      resendTick: {
        actions: base.enqueueActions(({ context, enqueue }) => {
          for (const shipment of shipments) if (shipment.seq > context.acked) enqueue(ship(shipment.seq));
          enqueue.raise({ type: 'resendTick' }, { delay: 1000, id: RESEND_TIMER });
        }),
      },
    },
  });
}

/** The stand-in instance: opens at the durable LSN its promotion names (see the file header). */
const standInInstanceMachine = setup({
  types: { events: {} as { type: 'promote'; from: string; recoverTo?: { durableLsn: number } } },
  actions: { send: (_: unknown, _params: { to: string; message: unknown }) => {} },
}).createMachine({
  initial: 'reader',
  states: {
    reader: {
      on: {
        promote: {
          target: 'open',
          actions: {
            type: 'send',
            params: ({ event }) => ({ to: event.from, message: { type: 'writerOpen', from: INSTANCE, volumeEpoch: 2, recoveredVdl: event.recoverTo?.durableLsn ?? 0 } }),
          },
        },
      },
    },
    open: {},
  },
});

/** The judges' bookkeeping, in the explored state's history (plain data, never mutated). */
export interface GlobalHistory {
  /** The highest primary VDL among the shipments delivered to the agent. */
  readonly deliveredVdl: number;
  /** The shipment numbers delivered to the agent, ascending. */
  readonly deliveredSeqs: readonly number[];
  /** A shipment reached the agent again after it had been delivered once. */
  readonly duplicateDelivered: boolean;
  /** How many of the primary's records the agent has forwarded to the statechart, in order. */
  readonly forwarded: number;
  /** The durable LSN the statechart last reported. */
  readonly durableLsn: number;
  /** With `loss`: shipments the replicator sent and shipments delivered to the agent, copies counted (the rest are in flight or lost). */
  readonly shipmentsSent: number;
  readonly shipmentsDelivered: number;
  /** The VDL the promoted region opened at, once it did. */
  readonly promotedVdl: number | undefined;
  /** Rules broken along the path, each once: `<invariant>: <what happened>`. */
  readonly broken: readonly string[];
}

/** The invariants' names, as explore results report them. */
export const GLOBAL_INVARIANTS = {
  durablePrefix: 'S17 durable prefix on a write quorum',
  forwardedPrefix: 'agent forwards a prefix of the primary log',
  failoverStart: 'S17 failover opens at a held CPL',
} as const;

/** The witnesses' names. */
export const GLOBAL_WITNESSES = {
  finalVdl: 'durable reaches the final VDL',
  keptOutOfOrder: 'an out-of-order shipment is kept',
  duplicate: 'a duplicate shipment is delivered',
  lossMadeGood: 'a lost shipment is sent again and the final VDL reached',
  promoted: 'failover promoted',
} as const;

const EMPTY_HISTORY: GlobalHistory = {
  deliveredVdl: 0,
  deliveredSeqs: [],
  duplicateDelivered: false,
  forwarded: 0,
  durableLsn: 0,
  shipmentsSent: 0,
  shipmentsDelivered: 0,
  promotedVdl: undefined,
  broken: [],
};

const breaking = (history: GlobalHistory, key: keyof typeof GLOBAL_INVARIANTS, what: string): GlobalHistory => ({ ...history, broken: [...history.broken, `${GLOBAL_INVARIANTS[key]}: ${what}`] });

/** The same record, field for field (the judges' own comparison, not the digest). */
function sameRecord(held: LogRecord, primary: LogRecord): boolean {
  return (
    held.lsn === primary.lsn &&
    held.pg === primary.pg &&
    held.blockId === primary.blockId &&
    held.prevVolumeLsn === primary.prevVolumeLsn &&
    held.prevPgLsn === primary.prevPgLsn &&
    held.prevBlockLsn === primary.prevBlockLsn &&
    held.isCpl === primary.isCpl &&
    held.mtrId === primary.mtrId &&
    held.txnId === primary.txnId &&
    held.isCommit === primary.isCommit &&
    JSON.stringify(held.payload) === JSON.stringify(primary.payload)
  );
}

/** The tiny-global model (see the file header). */
export function tinyGlobalModel(options: TinyGlobalOptions = {}): ExploreModel {
  const count = options.shipments ?? 2;
  if (!Number.isSafeInteger(count) || count < 1 || count > TINY_GLOBAL_SHIPMENTS_MAX) {
    throw new RangeError(`tinyGlobalModel: shipments must be a whole number from 1 to ${TINY_GLOBAL_SHIPMENTS_MAX}, got ${count}`);
  }
  if (options.plant !== undefined && !SEGMENT_PLANTS.includes(options.plant)) {
    throw new RangeError(`tinyGlobalModel: plant ${options.plant} changes no machine of tiny-global; its machines read ${SEGMENT_PLANTS.join(', ')}`);
  }
  const loss = options.loss === true;
  const failover = options.failover === true;
  const script = primaryScript(count);
  const plant = options.plant === undefined ? {} : { plant: options.plant };

  const recordDeliver = (history: GlobalHistory, envelope: Envelope): GlobalHistory | undefined => {
    if (envelope.to !== AGENT || envelope.message.type !== 'globalApply') return undefined;
    const shipment = envelope.message as GlobalApplyMessage;
    const seen = history.deliveredSeqs.includes(shipment.seq);
    if (seen && history.duplicateDelivered && !loss) return undefined;
    return {
      ...history,
      // Counted only with loss, where the witness needs it: it tells states apart that are otherwise one.
      shipmentsDelivered: loss ? history.shipmentsDelivered + 1 : 0,
      deliveredVdl: Math.max(history.deliveredVdl, shipment.primaryVdl),
      deliveredSeqs: seen ? history.deliveredSeqs : [...history.deliveredSeqs, shipment.seq].sort((a, b) => a - b),
      duplicateDelivered: history.duplicateDelivered || seen,
    };
  };

  // (b): what the agent forwards, concatenated in send order, is the primary's log from its start.
  const recordSend = (history: GlobalHistory, envelope: Envelope): GlobalHistory | undefined => {
    if (loss && envelope.from === REPLICATOR && envelope.message.type === 'globalApply') return { ...history, shipmentsSent: history.shipmentsSent + 1 };
    if (envelope.from !== AGENT || envelope.message.type !== 'globalShip') return undefined;
    const records = (envelope.message as unknown as { records: readonly RecordDigest[] }).records;
    if (records.length === 0) return undefined;
    let next = history;
    for (const record of records) {
      const expected = script.digests[next.forwarded];
      if (expected === undefined || record.lsn !== expected.lsn || record.digest !== expected.digest) {
        const wanted = expected === undefined ? 'the primary log has no more records' : `the primary's next record is LSN ${expected.lsn} (digest ${expected.digest})`;
        return breaking(next, 'forwardedPrefix', `the agent forwarded LSN ${record.lsn} (digest ${record.digest}) after ${next.forwarded} records; ${wanted}`);
      }
      next = { ...next, forwarded: next.forwarded + 1 };
    }
    return next;
  };

  const recordObserve = (history: GlobalHistory, actor: string, observation: unknown): GlobalHistory | undefined => {
    if (actor !== REGION) return undefined;
    const o = observation as { kind: string; durableLsn?: number; records?: readonly RecordDigest[]; vdl?: number };
    if (o.kind === 'secondaryDurable') {
      const durableLsn = o.durableLsn as number;
      let next = history;
      if (durableLsn > history.deliveredVdl) next = breaking(next, 'durablePrefix', `durable LSN ${durableLsn} reported with the highest primary VDL delivered ${history.deliveredVdl}`);
      if (durableLsn < history.durableLsn) next = breaking(next, 'durablePrefix', `durable LSN went back from ${history.durableLsn} to ${durableLsn}`);
      // The records reported with it: the primary's in (previous durable, durable], one for one.
      const expected = script.digests.filter((record) => record.lsn > history.durableLsn && record.lsn <= durableLsn);
      const reported = o.records ?? [];
      const matches = expected.length === reported.length && expected.every((record, index) => reported[index]?.lsn === record.lsn && reported[index]?.digest === record.digest);
      if (!matches) {
        next = breaking(next, 'durablePrefix', `durable LSN ${durableLsn} reported with LSNs [${reported.map((record) => record.lsn).join(', ')}], the primary's in (${history.durableLsn}, ${durableLsn}] are [${expected.map((record) => record.lsn).join(', ')}]`);
      }
      return { ...next, durableLsn: Math.max(history.durableLsn, durableLsn) };
    }
    if (o.kind === 'promoted') {
      const vdl = o.vdl as number;
      const cpl = script.log.find((record) => record.lsn === vdl);
      const next =
        vdl === 0 || (cpl?.isCpl === true && vdl <= history.durableLsn)
          ? history
          : breaking(history, 'failoverStart', `the region opened at VDL ${vdl}, not 0 or a primary CPL at or below its durable LSN ${history.durableLsn}`);
      return { ...next, promotedVdl: vdl };
    }
    return undefined;
  };

  const historyOf = (state: ExploreState): GlobalHistory => state.history as GlobalHistory;
  const unbroken = (key: keyof typeof GLOBAL_INVARIANTS) => (state: ExploreState): boolean => !historyOf(state).broken.some((entry) => entry.startsWith(`${GLOBAL_INVARIANTS[key]}:`));
  const storesOf = (state: ExploreState): Map<string, SegmentStore> => {
    const stores = new Map<string, SegmentStore>();
    for (const slot of state.actors) if ((MEMBERS as readonly string[]).includes(slot.id)) stores.set(slot.id, (slot.snapshot.context as { store: SegmentStore }).store);
    return stores;
  };

  const properties: ExploreProperty[] = [
    {
      name: GLOBAL_INVARIANTS.durablePrefix,
      kind: 'always',
      holds: (state) => {
        if (!unbroken('durablePrefix')(state)) return false;
        const { durableLsn } = historyOf(state);
        if (durableLsn === 0) return true;
        const stores = storesOf(state);
        return script.log.every((record) => {
          if (record.lsn > durableLsn) return true;
          const holders = MEMBERS.filter((member) => {
            const held = recordAt(stores.get(member) as SegmentStore, record.lsn);
            return held !== undefined && sameRecord(held, record);
          });
          return satisfies(JUDGED_WRITE_QUORUM, holders);
        });
      },
    },
    { name: GLOBAL_INVARIANTS.forwardedPrefix, kind: 'always', holds: unbroken('forwardedPrefix') },
    ...(failover ? [{ name: GLOBAL_INVARIANTS.failoverStart, kind: 'always' as const, holds: unbroken('failoverStart') }] : []),
    { name: GLOBAL_WITNESSES.finalVdl, kind: 'sometimes', holds: (state) => historyOf(state).durableLsn === script.finalVdl },
    ...(count > 1
      ? [
          {
            // The agent kept a shipment that came after a gap: its acknowledgement lists the gap.
            name: GLOBAL_WITNESSES.keptOutOfOrder,
            kind: 'sometimes' as const,
            holds: (state: ExploreState) =>
              state.network.some((envelope) => envelope.from === AGENT && envelope.message.type === 'globalApplyAck' && ((envelope.message as { missing?: readonly number[] }).missing?.length ?? 0) > 0),
          },
          { name: GLOBAL_WITNESSES.duplicate, kind: 'sometimes' as const, holds: (state: ExploreState) => historyOf(state).duplicateDelivered },
        ]
      : []),
    ...(loss
      ? [
          {
            // Some shipment copy was dropped on the link (sent, neither delivered nor in flight), and the durable LSN still reached the final VDL.
            name: GLOBAL_WITNESSES.lossMadeGood,
            kind: 'sometimes' as const,
            holds: (state: ExploreState) => {
              const history = historyOf(state);
              const inFlight = state.network.filter((envelope) => envelope.from === REPLICATOR && envelope.message.type === 'globalApply').length;
              return history.durableLsn === script.finalVdl && history.shipmentsSent - history.shipmentsDelivered - inFlight > 0;
            },
          },
        ]
      : []),
    ...(failover ? [{ name: GLOBAL_WITNESSES.promoted, kind: 'sometimes' as const, holds: (state: ExploreState) => historyOf(state).promotedVdl !== undefined }] : []),
  ];

  const history: ExploreHistory<GlobalHistory> = { initial: EMPTY_HISTORY, recordSend, recordObserve, recordDeliver };
  // The cross-region link: shipments one way, acknowledgements the other.
  const crossRegion = (envelope: Envelope): boolean => (envelope.from === REPLICATOR && envelope.to === AGENT) || (envelope.from === AGENT && envelope.to === REPLICATOR);

  return {
    name: `tiny-global (${count} shipment${count === 1 ? '' : 's'}${loss ? ', lossy link' : ''}${failover ? ', failover' : ''}${options.plant === undefined ? '' : `, plant ${options.plant}`})`,
    actors: [
      { id: REPLICATOR, machine: replicatorMachine(script.shipments, loss) },
      {
        id: AGENT,
        machine: globalApplierMachine,
        input: {
          self: AGENT,
          region: SECONDARY_REGION,
          regionActor: REGION,
          replicator: REPLICATOR,
          pgs: [{ pg: PG, members: MEMBERS, write: WRITE_QUORUM }],
          instances: failover ? [INSTANCE] : [],
        },
      },
      {
        id: REGION,
        machine: globalRegionMachine,
        input: {
          self: REGION,
          region: SECONDARY_REGION,
          primaryRegion: PRIMARY_REGION,
          regions: [PRIMARY_REGION, SECONDARY_REGION],
          volumeEndpoints: { [PRIMARY_REGION]: PRIMARY_VOLUME_ENDPOINT, [SECONDARY_REGION]: AGENT },
          instances: failover ? 1 : 0,
        },
      },
      ...MEMBERS.map((self) => ({
        id: self,
        machine: segmentMachine,
        input: { self, pg: PG, kind: 'full', peers: MEMBERS.filter((member) => member !== self), diskLatencySamplesMs: [1], gcPeriodMs: 0, ...plant },
      })),
      ...(failover ? [{ id: INSTANCE, machine: standInInstanceMachine }] : []),
    ],
    network: 'ordered',
    unorderedChannels: (from, to) => !(from === AGENT && to === REGION),
    ...(loss ? { lossy: crossRegion } : {}),
    symmetry: [MEMBERS],
    symmetrySortKey: 'state-and-messages',
    timerLimits: { 'segment.gossip': 0, 'globalApplier.retransmit': 0, 'globalRegion.lagTick': 0, 'globalRegion.fence': 0, [RESEND_TIMER]: loss ? 1 : 0 },
    faults: failover ? [{ kind: 'event', name: 'failover', actor: REGION, event: { type: 'failover', from: 'control-plane' } as EventObject }] : [],
    faultBudget: failover ? 1 : 0,
    history: history as ExploreHistory,
    properties,
  };
}
