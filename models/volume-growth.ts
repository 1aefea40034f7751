/**
 * Storage growth, the storage control plane's part (docs/protocol.md §1.1): a volume starts with
 * the PGs it was created with and adds one PG at a time, up to its maximum, when the writer needs a
 * block past its last PG. Each added PG is one geometry change:
 *
 * 1. The writer asks (`growVolume`) for at least N PGs; the wish is remembered and capped at the
 *    maximum, and repeated asks change nothing.
 * 2. With no change in flight and fewer PGs than wished, the plane places PG p as assembly places
 *    PGs (two segments in each of the three AZs, on the nodes slots 2p and 2p + 1 give) and asks
 *    the metadata service to record it at the next geometry epoch (`recordGeometry`), again every
 *    check until the service answers: recovery reads the PGs there, so no instance may write to a
 *    PG the service does not hold.
 * 3. On the answer it provisions the six segments empty (a `provision` publication, at membership
 *    epoch 1) at the volume epoch the answer names, adds the PG to the PGs it watches, reports
 *    `geometryChanged` to the judges, tells every instance (`geometryChanged`), and starts the next
 *    PG if more are wished.
 *
 * Why the segments take the answer's volume epoch: a recovery claims the next volume epoch with a
 * compare-and-set whose answer carries the PGs recorded by then, and fences those. A PG recorded
 * after the claim is not fenced by that recovery, so its segments must start at the new epoch
 * themselves, and refuse the old writer, which may still learn of the PG (docs/protocol.md §7.1).
 *
 * A writer that asks again while knowing fewer PGs than recorded is sent the ones it lacks, so a
 * lost `geometryChanged` costs one retransmission period. Nothing here ever removes a PG: the
 * volume never shrinks.
 */
import { nodeSlots } from '../src/protocol/geometry.js';
import type { MembershipEpoch, PgId, SegmentId } from '../src/protocol/ids.js';
import type { GeometryChangedObservation } from '../src/protocol/observations.js';
import { fullTailConfig, standardConfig } from '../src/protocol/quorum-config.js';
import type { GeometryChangedMessage, GrowVolumeMessage, MetadataStateMessage, PgConfigRecord, SendParams } from './messages.js';

/** What the storage control plane is told about growth. Absent: the volume keeps its PGs. */
export interface GrowthInput {
  /** The most PGs the volume may have (its maximum size over the nominal 10 GiB per PG). */
  pgCountMax: number;
  /** The quorum rule new PGs get: as the volume's others (`fullTail`: `:1` full, `:2` tail in each AZ). */
  segmentKinds: 'full' | 'fullTail';
  /** The AZs PGs span, in placement order. */
  azs: readonly string[];
  /** The metadata service's systemId. @defaultValue 'metadata' */
  metadataId?: string;
}

/** The growth the storage control plane tracks. Plain data. */
export interface GrowthState {
  readonly pgCountMax: number;
  readonly segmentKinds: 'full' | 'fullTail';
  readonly azs: readonly string[];
  readonly metadataId: string;
  /** The volume's geometry epoch as recorded by the metadata service. */
  readonly geometryEpoch: number;
  /** PGs recorded (ids 0 … pgCount - 1). */
  readonly pgCount: number;
  /** The most PGs any writer has asked for, capped at `pgCountMax`. */
  readonly pgCountWanted: number;
  /** The PG provisioned and waiting for the metadata service to record it. */
  readonly pending: PgConfigRecord | undefined;
  /** The configurations of the PGs added so far, in PG order (what a writer that lacks them is sent). */
  readonly added: readonly PgConfigRecord[];
}

/** A new PG's segment as placed: id, AZ, node, kind. */
export interface PlacedSegment {
  id: string;
  azId: string;
  node: string;
  kind: 'full' | 'tail';
}

/** The growth state of a volume of `pgCount` PGs at geometry epoch 1. */
export function createGrowthState(input: GrowthInput, pgCount: number): GrowthState {
  return {
    pgCountMax: input.pgCountMax,
    segmentKinds: input.segmentKinds,
    azs: input.azs,
    metadataId: input.metadataId ?? 'metadata',
    geometryEpoch: 1,
    pgCount,
    pgCountWanted: pgCount,
    pending: undefined,
    added: [],
  };
}

/**
 * PG `pg`'s six segments, placed as assembly places PGs (src/cluster/topology.ts): in each AZ two
 * segments on the nodes of slots 2pg and 2pg + 1, `:1` full and, with `fullTail`, `:2` tail.
 */
export function placePg(growth: GrowthState, nodesByAz: Readonly<Record<string, readonly string[]>>, pg: number): PlacedSegment[] {
  const segments: PlacedSegment[] = [];
  for (const azId of growth.azs) {
    const nodes = nodesByAz[azId] ?? [];
    const slots = nodeSlots(pg, nodes.length);
    for (const copy of [1, 2] as const) {
      const kind = growth.segmentKinds === 'fullTail' && copy === 2 ? 'tail' : 'full';
      segments.push({ id: `seg:pg${pg}:${azId}:${copy}`, azId, node: nodes[slots[copy - 1] ?? 0] ?? '', kind });
    }
  }
  return segments;
}

/** The configuration a new PG starts with: membership epoch 1 and the volume's quorum rule. */
export function newPgConfig(growth: GrowthState, pg: number, segments: readonly PlacedSegment[]): PgConfigRecord {
  const epoch = 1 as MembershipEpoch;
  const members = segments.map((segment) => segment.id as SegmentId);
  const config =
    growth.segmentKinds === 'fullTail'
      ? fullTailConfig(
          segments.filter((segment) => segment.kind === 'full').map((segment) => segment.id as SegmentId),
          segments.filter((segment) => segment.kind === 'tail').map((segment) => segment.id as SegmentId),
          epoch,
        )
      : standardConfig(members, epoch);
  return { pg: pg as PgId, membershipEpoch: epoch, members, write: config.write, read: config.read };
}

/** The request that records `pending` at the next geometry epoch. */
export function recordRequest(self: string, growth: GrowthState): SendParams | undefined {
  if (growth.pending === undefined) return undefined;
  return { to: growth.metadataId, message: { type: 'recordGeometry', from: self, geometryEpoch: growth.geometryEpoch + 1, config: growth.pending } };
}

/** A writer's ask: the wish raised (never past the maximum), and the PGs it lacks sent back. */
export function askedToGrow(self: string, growth: GrowthState, ask: GrowVolumeMessage): { growth: GrowthState; sends: SendParams[] } {
  const wanted = Math.min(growth.pgCountMax, Math.max(growth.pgCountWanted, ask.pgCount));
  const next = wanted === growth.pgCountWanted ? growth : { ...growth, pgCountWanted: wanted };
  const lacking = growth.added.filter((config) => config.pg >= ask.pgCountKnown);
  const sends: SendParams[] = lacking.length === 0 ? [] : [{ to: ask.from, message: geometryMessage(self, growth, lacking) }];
  return { growth: next, sends };
}

/** The `geometryChanged` message carrying `configs` at the current geometry epoch. */
function geometryMessage(self: string, growth: GrowthState, configs: readonly PgConfigRecord[]): GeometryChangedMessage {
  return { type: 'geometryChanged', from: self, geometryEpoch: growth.geometryEpoch, configs };
}

/** The next PG to add, if more are wished and none is in flight: its placement and configuration. */
export function nextPg(growth: GrowthState, nodesByAz: Readonly<Record<string, readonly string[]>>): { growth: GrowthState; segments: PlacedSegment[] } | undefined {
  if (growth.pending !== undefined || growth.pgCount >= growth.pgCountWanted) return undefined;
  const pg = growth.pgCount;
  const segments = placePg(growth, nodesByAz, pg);
  return { growth: { ...growth, pending: newPgConfig(growth, pg, segments) }, segments };
}

/** What a recorded geometry change leads to: the new state, the observation, and the news for every instance. */
export interface Recorded {
  growth: GrowthState;
  config: PgConfigRecord;
  observation: GeometryChangedObservation;
  sends: SendParams[];
}

/** The metadata service recorded the pending PG: the PG joins the volume. Undefined for any other answer. */
export function geometryRecorded(self: string, growth: GrowthState, answer: MetadataStateMessage, instances: readonly string[]): Recorded | undefined {
  const config = growth.pending;
  if (config === undefined || answer.request !== 'recordGeometry' || !answer.ok || answer.geometryEpoch !== growth.geometryEpoch + 1) return undefined;
  const next: GrowthState = { ...growth, pending: undefined, geometryEpoch: growth.geometryEpoch + 1, pgCount: growth.pgCount + 1, added: [...growth.added, config] };
  const message = geometryMessage(self, next, [config]);
  return {
    growth: next,
    config,
    observation: { kind: 'geometryChanged', geometryEpoch: next.geometryEpoch, pg: config.pg, members: config.members, write: config.write, read: config.read },
    sends: instances.map((to) => ({ to, message })),
  };
}
