/**
 * Random fault schedules inside the AZ+1 budget (SIGMOD'17 §2.1): at any moment at most one AZ
 * out (never the writer's) plus at most one more segment of any PG (a segment crash, a storage
 * node crash, or a segment cut off by a partition), with message loss, and an optional slow
 * segment. Every fault heals by 1.5 s so the run can also check that writes resume (safety, then
 * liveness, as in TigerBeetle's VOPR).
 */
import fc from 'fast-check';
import type { FaultSpec, Scenario } from '../../src/cluster/scenario.js';
import { resolveTopology } from '../../src/cluster/topology.js';
import { scenario } from './helpers.js';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
export const HEALED_BY_MS = 1_500;

/** The small cluster the property runs: 2 PGs on 2 storage nodes per AZ, 3 s, 150 commits/s. */
export function budgetBase(): Scenario {
  return scenario('steady-state', {
    topology: { pgCount: 2, storageNodesPerAz: 2 },
    // A client whose request or reply is lost waits out its timeout: keep it short, so lost
    // messages cannot block every client past the liveness window.
    workload: { commitsPerS: 150, clients: 8, stopMs: 2_500, txnTimeoutMs: 300 },
    durationMs: 3_000,
  });
}

const interval = fc.record({ fromMs: fc.integer({ min: 0, max: 1_300 }), lengthMs: fc.integer({ min: 50, max: 1_200 }) });

/** A schedule as generated: the seed, loss, and the faults. */
export interface BudgetSchedule {
  seed: number;
  lossRatio: number;
  faults: FaultSpec[];
}

export const budgetScheduleArb: fc.Arbitrary<BudgetSchedule> = fc
  .record({
    seed: fc.integer(),
    lossRatio: fc.constantFrom(0, 0.01, 0.05),
    az: fc.option(fc.record({ az: fc.constantFrom(AZS[1]!, AZS[2]!), window: interval }), { nil: undefined }),
    extras: fc.array(fc.record({ kind: fc.constantFrom('segment', 'node', 'isolate'), pick: fc.nat(), window: interval }), { maxLength: 2 }),
    slow: fc.option(fc.record({ pick: fc.nat(), atMs: fc.integer({ min: 0, max: 1_400 }), factor: fc.integer({ min: 2, max: 100 }) }), { nil: undefined }),
  })
  .map(({ seed, lossRatio, az, extras, slow }) => ({ seed, lossRatio, faults: buildFaults(az, extras, slow) }));

function clip(window: { fromMs: number; lengthMs: number }, endMs: number): [number, number] {
  const toMs = Math.min(window.fromMs + window.lengthMs, endMs, HEALED_BY_MS);
  return [window.fromMs, Math.max(window.fromMs, toMs)];
}

function buildFaults(
  az: { az: string; window: { fromMs: number; lengthMs: number } } | undefined,
  extras: { kind: string; pick: number; window: { fromMs: number; lengthMs: number } }[],
  slow: { pick: number; atMs: number; factor: number } | undefined,
): FaultSpec[] {
  const topology = resolveTopology(budgetBase().topology, 8);
  const faults: FaultSpec[] = azOutageFaults(az);
  // Extra failures never overlap: one more segment per PG at a time, outside the failed AZ.
  const segments = topology.segments.filter((s) => s.azId !== az?.az);
  const nodes = topology.nodes.filter((n) => n.azId !== az?.az);
  const ordered = [...extras].sort((a, b) => a.window.fromMs - b.window.fromMs);
  for (const [index, extra] of ordered.entries()) {
    const nextFromMs = ordered[index + 1]?.window.fromMs ?? Infinity;
    const [fromMs, toMs] = clip(extra.window, nextFromMs);
    if (extra.kind === 'node') {
      const node = nodes[extra.pick % nodes.length]!.id;
      faults.push({ atMs: fromMs, kind: 'nodeCrash', node }, { atMs: toMs, kind: 'nodeRestart', node });
    } else {
      const segment = segments[extra.pick % segments.length]!.id;
      if (extra.kind === 'segment') faults.push({ atMs: fromMs, kind: 'segmentCrash', segment }, { atMs: toMs, kind: 'segmentRestart', segment });
      else faults.push({ atMs: fromMs, kind: 'partition', sideA: [segment] }, { atMs: toMs, kind: 'heal' });
    }
  }
  faults.push(...slowFaults(slow, topology.segments));
  return faults.sort((a, b) => a.atMs - b.atMs);
}

type AzPick = { az: string; window: { fromMs: number; lengthMs: number } } | undefined;
type SlowPick = { pick: number; atMs: number; factor: number } | undefined;

/** An AZ outage and its recovery (by {@link HEALED_BY_MS}), or nothing. */
function azOutageFaults(az: AzPick): FaultSpec[] {
  if (az === undefined) return [];
  const [fromMs, toMs] = clip(az.window, Infinity);
  return [
    { atMs: fromMs, kind: 'azOutage', az: az.az },
    { atMs: toMs, kind: 'azRecover', az: az.az },
  ];
}

/** A slow segment (for the rest of the run), or nothing. */
function slowFaults(slow: SlowPick, segments: readonly { id: string }[]): FaultSpec[] {
  if (slow === undefined) return [];
  return [{ atMs: slow.atMs, kind: 'slowSegment', segment: segments[slow.pick % segments.length]!.id, factor: slow.factor }];
}

/**
 * The cluster the replacement property runs: 2 PGs on 3 storage nodes per AZ (so every AZ has a
 * node holding no member of a PG, where a replacement can go), 12 s at 60 commits/s, and a faster
 * storage control plane (a check every 500 ms, replace after 4 misses).
 */
export function replacementBase(): Scenario {
  return scenario('steady-state', {
    topology: { pgCount: 2, storageNodesPerAz: 3 },
    workload: { commitsPerS: 60, clients: 8, stopMs: 11_500, txnTimeoutMs: 300 },
    repair: { checkPeriodMs: 500, replaceAfterMisses: 4 },
    durationMs: 12_000,
  });
}

/** A schedule with one or two segments lost for good: the PG's failures for the run. */
export interface ReplacementSchedule extends BudgetSchedule {
  /** The segment crashed with no restart. */
  lost: string;
  /** A second segment of the same PG, in another AZ, lost while the first is being replaced. */
  lostSecond?: string;
}

/**
 * One `lose` early (0–500 ms); optionally an AZ outage (never the writer's, never the lost
 * segment's AZ, so its sibling keeps answering and the control plane may replace it), message loss
 * and a slow segment. Without an AZ outage, optionally a second loss in the same PG and another AZ
 * at 1.5–3.5 s, while the first replacement is under way (docs/protocol.md §8, membership changes:
 * two of six lost is within budget; with an AZ out as well it would not be).
 */
export const replacementScheduleArb: fc.Arbitrary<ReplacementSchedule> = fc
  .record({
    seed: fc.integer(),
    lossRatio: fc.constantFrom(0, 0.01, 0.05),
    lose: fc.record({ pick: fc.nat(), atMs: fc.integer({ min: 0, max: 500 }) }),
    az: fc.option(fc.record({ az: fc.constantFrom(AZS[1]!, AZS[2]!), window: interval }), { nil: undefined }),
    slow: fc.option(fc.record({ pick: fc.nat(), atMs: fc.integer({ min: 0, max: 1_400 }), factor: fc.integer({ min: 2, max: 100 }) }), { nil: undefined }),
    second: fc.option(fc.record({ pick: fc.nat(), atMs: fc.integer({ min: 1_500, max: 3_500 }) }), { nil: undefined }),
  })
  .map(({ seed, lossRatio, lose, az, slow, second }) => {
    const topology = resolveTopology(replacementBase().topology, 8);
    const candidates = topology.segments.filter((s) => s.azId !== az?.az);
    const first = candidates[lose.pick % candidates.length]!;
    const faults: FaultSpec[] = [{ atMs: lose.atMs, kind: 'segmentCrash', segment: first.id }, ...azOutageFaults(az), ...slowFaults(slow, topology.segments)];
    let lostSecond: string | undefined;
    if (second !== undefined && az === undefined) {
      const others = topology.segments.filter((s) => s.pg === first.pg && s.azId !== first.azId);
      lostSecond = others[second.pick % others.length]!.id;
      faults.push({ atMs: second.atMs, kind: 'segmentCrash', segment: lostSecond });
    }
    return { seed, lossRatio, lost: first.id, lostSecond, faults: faults.sort((a, b) => a.atMs - b.atMs) };
  });
