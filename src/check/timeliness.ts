/**
 * Two `eventually` judges with stated bounds (docs/semantics.md, Judges):
 *
 * - **replacement hydrates in time**: a membership change that brings in a replacement segment
 *   (`membershipInstalled`, phase `entering`, `change` a segment id) settles (phase `finishing`,
 *   forward or back) within {@link HYDRATE_WITHIN_MS}. The new member catches up by gossip
 *   (SIGMOD'18 §4.1); the change cannot settle before it has.
 * - **failover completes in time**: once the control plane declares the writer failed
 *   (`failover`, phase `detected`), clients can reach a new writer (`endpointSwitched`) within the
 *   bound {@link failoverBoundMs} gives: the endpoint switch, the standby's replacement delay when
 *   there is no replica to promote, and {@link RECOVERY_WITHIN_MS} for recovery itself
 *   (docs/semantics.md, Failover). A candidate that fails and is replaced by another restarts the
 *   clock at the new promotion (endpoint switch plus recovery from there).
 *
 * A step that began less than its bound before the end is not judged; a judge with nothing to
 * judge is vacuous.
 */
import type { Observation } from '../protocol/observations.js';
import type { PropertyResult, Violation } from './property.js';
import { FIRST_VIOLATIONS_KEPT } from './property.js';

/** Judge names, as reports list them. */
export const TIMELINESS_NAMES = {
  hydration: 'replacement hydrates in time',
  failover: 'failover completes in time',
} as const;

/** How long a replacement may take from entering the joint configuration to settling, in ms. */
export const HYDRATE_WITHIN_MS = 8_000;

/** How long recovery may take, from promotion to an open writer, in ms. */
export const RECOVERY_WITHIN_MS = 5_000;

/** The failover bound: detection → a new writer reachable (docs/semantics.md, Failover). */
export function failoverBoundMs(failover: { endpointSwitchMs: number; replacementDelayMs: number }, replicas: number): number {
  return failover.endpointSwitchMs + (replicas > 0 ? 0 : failover.replacementDelayMs) + RECOVERY_WITHIN_MS;
}

/** A bounded `eventually` judge: steps that start and must end within `boundMs`. */
export interface BoundedJudge {
  observe(atMs: number, observation: Observation): void;
  result(nowMs: number): PropertyResult & { boundMs: number };
}

/**
 * Judges steps that open (`begin` gives a key) and must close (`end` gives the key) within
 * `boundMs`; a later step with the same key replaces an open one.
 */
function boundedSteps(
  name: string,
  boundMs: number,
  begin: (observation: Observation) => string | undefined,
  end: (observation: Observation) => string | undefined,
  describe: (key: string) => string,
): BoundedJudge {
  const open = new Map<string, number>();
  const firstViolations: Violation[] = [];
  let violations = 0;
  let judged = 0;
  const late = (key: string, startedAtMs: number, atMs: number): void => {
    violations++;
    if (firstViolations.length < FIRST_VIOLATIONS_KEPT) firstViolations.push({ atMs, message: `${describe(key)}: began at ${Math.round(startedAtMs)} ms, not done ${boundMs} ms later` });
  };
  return {
    observe(atMs, observation) {
      const ended = end(observation);
      if (ended !== undefined) {
        const startedAtMs = open.get(ended);
        if (startedAtMs !== undefined) {
          open.delete(ended);
          judged++;
          if (atMs - startedAtMs > boundMs) late(ended, startedAtMs, atMs);
        }
      }
      const begun = begin(observation);
      if (begun !== undefined && !open.has(begun)) open.set(begun, atMs);
    },
    result(nowMs) {
      let pendingLate = 0;
      const kept = [...firstViolations];
      for (const [key, startedAtMs] of open) {
        if (nowMs - startedAtMs <= boundMs) continue;
        pendingLate++;
        if (kept.length < FIRST_VIOLATIONS_KEPT) kept.push({ atMs: nowMs, message: `${describe(key)}: began at ${Math.round(startedAtMs)} ms, still not done at the end` });
      }
      const total = violations + pendingLate;
      return { name, kind: 'eventually', boundMs, ok: total === 0, violations: total, firstViolations: kept, vacuous: judged + pendingLate === 0, witnessed: judged > 0 };
    },
  };
}

/** The replacement judge; see the file header. */
export function createHydrationJudge(boundMs: number = HYDRATE_WITHIN_MS): BoundedJudge {
  const keyOf = (observation: Observation, phase: 'entering' | 'finishing'): string | undefined =>
    observation.kind === 'membershipInstalled' && observation.phase === phase && observation.change !== undefined && !observation.change.startsWith('model:')
      ? `${observation.pg}:${observation.change}`
      : undefined;
  return boundedSteps(
    TIMELINESS_NAMES.hydration,
    boundMs,
    (observation) => keyOf(observation, 'entering'),
    (observation) => keyOf(observation, 'finishing'),
    (key) => `replacement ${key.slice(key.indexOf(':') + 1)} of PG ${key.slice(0, key.indexOf(':'))}`,
  );
}

/** The failover judge; see the file header. `restartMs`: the bound from a later candidate's promotion. */
export function createFailoverJudge(boundMs: number, restartMs: number): BoundedJudge {
  let open: { startedAtMs: number; deadlineMs: number; candidate: string | undefined } | undefined;
  const firstViolations: Violation[] = [];
  let violations = 0;
  let judged = 0;
  const late = (atMs: number, what: string): void => {
    violations++;
    if (firstViolations.length < FIRST_VIOLATIONS_KEPT) firstViolations.push({ atMs, message: what });
  };
  return {
    observe(atMs, observation) {
      if (observation.kind !== 'failover') return;
      if (observation.phase === 'detected') {
        open ??= { startedAtMs: atMs, deadlineMs: atMs + boundMs, candidate: undefined };
      } else if (observation.phase === 'promoting' && open !== undefined) {
        if (open.candidate !== undefined && observation.candidate !== open.candidate) open = { ...open, deadlineMs: Math.max(open.deadlineMs, atMs + restartMs) };
        open = { ...open, candidate: observation.candidate };
      } else if (observation.phase === 'endpointSwitched' && open !== undefined) {
        judged++;
        if (atMs > open.deadlineMs) late(atMs, `failover detected at ${Math.round(open.startedAtMs)} ms: writer reachable only at ${Math.round(atMs)} ms, after the ${Math.round(open.deadlineMs)} ms deadline`);
        open = undefined;
      }
    },
    result(nowMs) {
      const pending = open !== undefined && nowMs > open.deadlineMs;
      const kept = [...firstViolations];
      if (pending && open !== undefined && kept.length < FIRST_VIOLATIONS_KEPT) kept.push({ atMs: nowMs, message: `failover detected at ${Math.round(open.startedAtMs)} ms: no writer reachable by the ${Math.round(open.deadlineMs)} ms deadline` });
      const total = violations + (pending ? 1 : 0);
      return { name: TIMELINESS_NAMES.failover, kind: 'eventually', boundMs, ok: total === 0, violations: total, firstViolations: kept, vacuous: judged === 0 && !pending, witnessed: judged > 0 };
    },
  };
}
