/**
 * The failing case the shrinking tests share: an AZ outage plus one more segment of the PG takes
 * the write quorum (4 of 6) away, so writes stall (SIGMOD'17 §2.1), among noise (a second crash, a
 * slow segment, message loss).
 */
import type { FaultSpec, Scenario } from '../../src/cluster/scenario.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { smallScenario } from '../../src/testing/index.js';
import type { ScenarioCheckResult } from '../../src/testing/index.js';

export const STALL_MS = 250;
/**
 * Writes stalled for at least STALL_MS while some commits went through: at 50 commits/s a gap that
 * long without faults has odds of e^-12.5, and a workload lowered until it commits nothing at all
 * no longer counts as the same failure.
 */
export const writesStall = (result: ScenarioCheckResult): boolean =>
  result.report.commits.acknowledged >= 3 && result.report.writeStalls.some((s) => s.toMs - s.fromMs >= STALL_MS);

export const faults: FaultSpec[] = [
  { atMs: 50, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 5 },
  { atMs: 100, kind: 'azOutage', az: 'us-east-1b' },
  { atMs: 150, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:1' },
  { atMs: 200, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:2' },
  { atMs: 600, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:2' },
  { atMs: 650, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 1 },
  { atMs: 700, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:1' },
  { atMs: 700, kind: 'azRecover', az: 'us-east-1b' },
];
export const failing: Scenario = parseScenario(
  { ...smallScenario(), network: { lossRatio: 0.01 }, workload: { ...smallScenario().workload, commitsPerS: 50, stopMs: 900 }, durationMs: 900, faults },
  'test scenario',
);
