/**
 * S21 Serverless v2 capacity (docs/protocol.md §12, S21; §11.3): what the User Guide promises of
 * an Aurora Serverless v2 cluster, judged from what its instances and scalers report.
 *
 * The rules, stated here and taken from nothing the judged code computes:
 * 1. **Range and steps.** Every capacity an instance reports is a multiple of 0.5 ACU; a running
 *    instance is within [max(min, 0.5), max]; 0 only while paused or resuming, and only with a
 *    minimum of 0 ("How Aurora Serverless v2 works"; "Scaling to Zero ACUs with automatic pause and
 *    resume").
 * 2. **Tiers 0–1 follow the writer.** "Readers in promotion tiers 0 and 1 scale at the same time as
 *    the writer", and pause and resume with it: whenever the writer's scaler has held one phase and
 *    capacity for at least `lagMs` (a report period and a message, twice over), each such reader
 *    holds the same (a reader still resuming is let be: a resume takes its time).
 * 3. **The writer runs while a reader runs.** "The writer resumes whenever any reader runs": a
 *    tier-2–15 reader running or resuming for at least `lagMs` never has a paused writer beside it.
 * 4. **Scaling drops nothing.** A transaction a paused instance holds is released within
 *    `resumeMs` + 2 × `lagMs` (a resume, and the messages that ask for it), and no client sees it
 *    fail or time out; only a crash (reported with the release) may lose it.
 *
 * The writer group (the writer and the readers of tiers 0–1) is the topology's, from
 * {@link writerGroupOf}.
 */
import type { Observation } from '../protocol/observations.js';
import type { PropertyResult } from './property.js';
import { FIRST_VIOLATIONS_KEPT, createTally } from './property.js';

/** The property's name. */
export const S21_SERVERLESS = 'S21 serverless capacity';

/** The smallest capacity step, in ACU (User Guide). */
const STEP_ACU = 0.5;
/** The least capacity of a running instance (a minimum of 0 only allows pausing). */
const RUNNING_LEAST_ACU = 0.5;
/** Readers in promotion tiers up to this one scale with the writer (User Guide). */
const FOLLOWING_TIER_MAX = 1;
/** How far a follower may trail its writer, and a writer a reader's wake: twice a one-second period. */
export const S21_LAG_MS = 2_000;

/** The writer group and the independent readers of a topology: the judge's own reading of the tiers. */
export function writerGroupOf(topology: { writer: { id: string }; replicas: readonly { id: string; tier: number }[] }): { lead: string; followers: string[]; solos: string[] } {
  return {
    lead: topology.writer.id,
    followers: topology.replicas.filter((replica) => replica.tier <= FOLLOWING_TIER_MAX).map((replica) => replica.id),
    solos: topology.replicas.filter((replica) => replica.tier > FOLLOWING_TIER_MAX).map((replica) => replica.id),
  };
}

/** What S21 judges against. */
export interface ServerlessJudgeOptions {
  minAcu: number;
  maxAcu: number;
  resumeMs: number;
  /** The writer; the readers that follow it; the readers that scale on their own. */
  lead: string;
  followers: readonly string[];
  solos: readonly string[];
  /** @defaultValue {@link S21_LAG_MS} */
  lagMs?: number;
}

/** The S21 judge. */
export interface ServerlessJudge {
  /** Capacity, load, held and released transactions; other observations are ignored. */
  observe(atMs: number, observation: Observation): void;
  /** A transaction's outcome as its client saw it. */
  outcome(atMs: number, txnId: number, type: 'ok' | 'fail' | 'info'): void;
  /** The verdict at `nowMs` (held transactions still waiting are judged against their bound). */
  result(nowMs: number): PropertyResult;
}

interface Held {
  instance: string;
  heldAtMs: number;
  released: boolean;
  crashed: boolean;
}

interface Shown {
  phase: 'running' | 'paused' | 'resuming';
  capacityAcu: number;
  sinceMs: number;
}

/** Creates the S21 judge. */
export function createServerlessJudge(options: ServerlessJudgeOptions): ServerlessJudge {
  const tally = createTally(S21_SERVERLESS, 'always');
  const lagMs = options.lagMs ?? S21_LAG_MS;
  const runningLeast = Math.max(options.minAcu, RUNNING_LEAST_ACU);
  const shown = new Map<string, Shown>();
  const held = new Map<number, Held>();
  /** Held transactions already found late, so each is filed once. */
  const late = new Set<number>();

  const capacity = (atMs: number, o: Extract<Observation, { kind: 'serverlessCapacity' }>): void => {
    tally.judged();
    const c = o.capacityAcu;
    if (!Number.isInteger(c / STEP_ACU)) tally.violated(atMs, `${o.instance} at ${c} ACU: not a multiple of ${STEP_ACU} ACU`);
    if (o.phase === 'running' && (c < runningLeast || c > options.maxAcu)) {
      tally.violated(atMs, `${o.instance} running at ${c} ACU (expected ${runningLeast} to ${options.maxAcu})`);
    }
    if (o.phase !== 'running' && (c !== 0 || options.minAcu !== 0)) {
      tally.violated(atMs, `${o.instance} ${o.phase} at ${c} ACU with a minimum of ${options.minAcu} (expected 0 ACU, and only with a minimum of 0)`);
    }
    const before = shown.get(o.instance);
    if (before === undefined || before.phase !== o.phase || before.capacityAcu !== c) shown.set(o.instance, { phase: o.phase, capacityAcu: c, sinceMs: atMs });
  };

  /** Rules 2 and 3 at `atMs`. */
  const group = (atMs: number): void => {
    const lead = shown.get(options.lead);
    if (lead === undefined) return;
    if (lead.sinceMs <= atMs - lagMs && lead.phase !== 'resuming') {
      for (const id of options.followers) {
        const follower = shown.get(id);
        if (follower === undefined || follower.phase === 'resuming') continue;
        tally.judged();
        if (follower.phase !== lead.phase || follower.capacityAcu !== lead.capacityAcu) {
          tally.violated(atMs, `${id} (tier 0–1) ${follower.phase} at ${follower.capacityAcu} ACU while the writer ${options.lead} has been ${lead.phase} at ${lead.capacityAcu} ACU since ${lead.sinceMs} ms (expected the same within ${lagMs} ms)`);
        }
      }
    }
    if (lead.phase !== 'paused') return;
    for (const id of options.solos) {
      const solo = shown.get(id);
      if (solo === undefined || solo.phase === 'paused' || solo.sinceMs > atMs - lagMs || lead.sinceMs > atMs - lagMs) continue;
      tally.judged();
      tally.violated(atMs, `the writer ${options.lead} paused since ${lead.sinceMs} ms while ${id} has been ${solo.phase} since ${solo.sinceMs} ms (the writer runs whenever a reader runs)`);
    }
  };

  /** Rule 4's bound: held transactions not released by `nowMs`, not yet filed. */
  const overdueAt = (nowMs: number): { txnId: number; message: string }[] => {
    const boundMs = options.resumeMs + 2 * lagMs;
    const found: { txnId: number; message: string }[] = [];
    for (const [txnId, entry] of held) {
      if (entry.released || late.has(txnId) || entry.heldAtMs > nowMs - boundMs) continue;
      found.push({ txnId, message: `txn ${txnId} held by the paused ${entry.instance} since ${entry.heldAtMs} ms, not released within ${boundMs} ms (a resume and its messages)` });
    }
    return found;
  };

  return {
    observe(atMs, observation) {
      switch (observation.kind) {
        case 'serverlessCapacity':
          capacity(atMs, observation);
          group(atMs);
          return;
        case 'serverlessLoad':
          group(atMs);
          for (const { txnId, message } of overdueAt(atMs)) {
            late.add(txnId);
            tally.judged();
            tally.violated(atMs, message);
          }
          return;
        case 'txnHeld':
          tally.judged();
          held.set(observation.txnId, { instance: observation.instance, heldAtMs: atMs, released: false, crashed: false });
          return;
        case 'txnReleased': {
          const entry = held.get(observation.txnId);
          tally.judged();
          if (entry === undefined) tally.violated(atMs, `txn ${observation.txnId} released by ${observation.instance} without having been held`);
          else held.set(observation.txnId, { ...entry, released: true, crashed: observation.crashed === true });
          return;
        }
        default:
          return;
      }
    },
    outcome(atMs, txnId, type) {
      const entry = held.get(txnId);
      if (entry === undefined || type === 'ok') return;
      tally.judged();
      if (!entry.crashed) tally.violated(atMs, `txn ${txnId}, held by the paused ${entry.instance} at ${entry.heldAtMs} ms, ended ${type === 'fail' ? 'failed' : 'unknown (timed out)'} at its client (scaling must drop no transaction)`);
    },
    result(nowMs) {
      // Reading the verdict files nothing: transactions overdue now are added to this answer only.
      const result = tally.result();
      const pending = overdueAt(nowMs);
      if (pending.length === 0) return result;
      const firstViolations = [...result.firstViolations, ...pending.map(({ message }) => ({ atMs: nowMs, message }))].slice(0, FIRST_VIOLATIONS_KEPT);
      return { ...result, ok: false, vacuous: false, violations: result.violations + pending.length, firstViolations };
    },
  };
}
