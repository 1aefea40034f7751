/**
 * Properties: named judgements over a stream of observations, each of one kind (docs/semantics.md,
 * "Judges").
 *
 * - `always` — must hold at every step; each failing step is a {@link Violation}.
 * - `sometimes` — a reachability claim: one run can only witness it, never refute it, so it never
 *   has violations; `witnessed` says whether it held (tests and swarms assert on that).
 * - `eventually` — must hold at some step before the run ends; judged when the result is read,
 *   so a run that never saw it hold has exactly one violation, stamped with the last time seen.
 *
 * Invariants: a result is `ok` iff it has zero violations; `violations` counts them all but only
 * the first `FIRST_VIOLATIONS_KEPT` are kept, so a broken run stays cheap to report;
 * `vacuous` means the property never had anything to judge (it passed by default).
 *
 * Checkers are judges, not protocol state: they may use Map/Set for speed (the plain-data rule,
 * docs/architecture.md, "Code conventions" 1, covers what machines and the protocol hold), and
 * they never read a machine's memory.
 */

/** How a property is judged over a run (Stateright's `always` / `sometimes` / `eventually`). */
export type PropertyKind = 'always' | 'sometimes' | 'eventually';

/** One failing step. */
export interface Violation {
  /** Virtual time of the observation that failed, in ms. */
  readonly atMs: number;
  /** What was seen and what was expected, with the numbers. */
  readonly message: string;
}

/** The verdict on one property after (part of) a run. */
export interface PropertyResult {
  readonly name: string;
  readonly kind: PropertyKind;
  /** True iff `violations` is zero. */
  readonly ok: boolean;
  /** Every violation seen, including those not kept. */
  readonly violations: number;
  /** The first violations, at most `FIRST_VIOLATIONS_KEPT`, in the order seen. */
  readonly firstViolations: readonly Violation[];
  /** `sometimes` and `eventually` only: whether the predicate ever held. */
  readonly witnessed?: boolean;
  /** True iff nothing was judged: the property passed without being tested. */
  readonly vacuous?: boolean;
  /** `eventually` judges with a stated bound: how long, in virtual ms, the property may take. */
  readonly boundMs?: number;
}

/** How many violations a result keeps verbatim. */
export const FIRST_VIOLATIONS_KEPT = 5;

/** A named property fed one observation at a time. */
export interface PropertyChecker<O> {
  readonly name: string;
  readonly kind: PropertyKind;
  /** Judges one observation reported by `actorId` at virtual time `atMs`. */
  observe(atMs: number, actorId: string, observation: O): void;
  /** The verdict so far. Cheap; may be called at any time. */
  result(): PropertyResult;
}

/** Where an `always` judge files its checks for one observation. */
export interface Judgement {
  /** Virtual time of the observation being judged, in ms. */
  readonly atMs: number;
  /** The actor that reported it. */
  readonly actorId: string;
  /**
   * Counts one check; if `holds` is false, records a violation with `message()` (built only on
   * failure, so the happy path does not format strings). Returns `holds`.
   */
  check(holds: boolean, message: () => string): boolean;
}

/** Running tally behind a checker: counts checks and violations, keeps the first few. */
export interface Tally {
  /** Counts one check (clears `vacuous`). */
  judged(): void;
  /** Records one violation. */
  violated(atMs: number, message: string): void;
  /** Marks the predicate as having held at least once. */
  witness(): void;
  /** Whether {@link Tally.witness} was called. */
  readonly witnessed: boolean;
  result(): PropertyResult;
}

/**
 * Violations filed by every tally of this thread so far. Asking every judge for its result after
 * each kernel step measured about a fifth of a run (az-plus-one); this count lets a caller skip
 * that when no tally filed anything since it last looked (`JudgePanel.violatedSoFar`). It is a
 * hint, never a verdict: shared by every run in the thread, it can only make a caller look again
 * for nothing, never miss a violation filed through a tally.
 */
let violationsFiled = 0;

/** How many violations every tally of this thread has filed so far (see `violationsFiled`). */
export function violationsFiledSoFar(): number {
  return violationsFiled;
}

/** Creates an empty tally for the property `name`. */
export function createTally(name: string, kind: PropertyKind): Tally {
  let checks = 0;
  let violations = 0;
  let witnessed = false;
  const firstViolations: Violation[] = [];
  return {
    judged() {
      checks += 1;
    },
    violated(atMs, message) {
      violations += 1;
      violationsFiled += 1;
      if (firstViolations.length < FIRST_VIOLATIONS_KEPT) firstViolations.push({ atMs, message });
    },
    witness() {
      witnessed = true;
    },
    get witnessed() {
      return witnessed;
    },
    result() {
      const base = { name, kind, ok: violations === 0, violations, firstViolations: [...firstViolations] };
      if (kind === 'always') return { ...base, vacuous: checks === 0 };
      return { ...base, witnessed, vacuous: checks === 0 };
    },
  };
}

/**
 * An `always` property. `judge` is called with every observation and files one `check` per
 * thing it verifies; it closes over its own bookkeeping.
 */
export function always<O>(name: string, judge: (observation: O, judgement: Judgement) => void): PropertyChecker<O> {
  const tally = createTally(name, 'always');
  return {
    name,
    kind: 'always',
    observe(atMs, actorId, observation) {
      judge(observation, {
        atMs,
        actorId,
        check(holds, message) {
          tally.judged();
          if (!holds) tally.violated(atMs, message());
          return holds;
        },
      });
    },
    result: () => tally.result(),
  };
}

/** Where a `sometimes` / `eventually` predicate reads an observation's context. */
export interface Sighting {
  readonly atMs: number;
  readonly actorId: string;
}

/** A `sometimes` property: witnessed once `predicate` holds for some observation. Never fails. */
export function sometimes<O>(
  name: string,
  predicate: (observation: O, sighting: Sighting) => boolean,
): PropertyChecker<O> {
  const tally = createTally(name, 'sometimes');
  return {
    name,
    kind: 'sometimes',
    observe(atMs, actorId, observation) {
      tally.judged();
      if (!tally.witnessed && predicate(observation, { atMs, actorId })) tally.witness();
    },
    result: () => tally.result(),
  };
}

/**
 * An `eventually` property: must hold for some observation before the result is read. Until it
 * does, the result carries one violation stamped with the last observation's time.
 */
export function eventually<O>(
  name: string,
  predicate: (observation: O, sighting: Sighting) => boolean,
): PropertyChecker<O> {
  const tally = createTally(name, 'eventually');
  let seen = 0;
  let lastAtMs = 0;
  return {
    name,
    kind: 'eventually',
    observe(atMs, actorId, observation) {
      tally.judged();
      seen += 1;
      lastAtMs = atMs;
      if (!tally.witnessed && predicate(observation, { atMs, actorId })) tally.witness();
    },
    result() {
      const result = tally.result();
      if (tally.witnessed) return result;
      const message = `never held in ${seen} observations up to t=${lastAtMs} ms (expected to hold at least once)`;
      return { ...result, ok: false, violations: 1, firstViolations: [{ atMs: lastAtMs, message }] };
    },
  };
}
