/**
 * The property vocabulary: how `always`, `sometimes` and `eventually` turn a stream into a
 * result — ok iff no violations, at most five kept with their virtual time, vacuity when nothing
 * was judged — and the one-bit-per-LSN set the checkers remember LSNs with.
 */
import { describe, expect, it } from 'vitest';
import { createLsnSet } from '../../src/check/lsn-set.js';
import { FIRST_VIOLATIONS_KEPT, always, eventually, sometimes } from '../../src/check/property.js';

describe('Property: always', () => {
  it('passes, vacuously, when nothing was judged', () => {
    const positive = always<number>('positive', (n, judgement) => {
      if (n !== 0) judgement.check(n > 0, () => `saw ${n}, expected > 0`);
    });
    positive.observe(1, 'a', 0);
    expect(positive.result()).toEqual({
      name: 'positive',
      kind: 'always',
      ok: true,
      violations: 0,
      firstViolations: [],
      vacuous: true,
    });
  });

  it('counts every violation but keeps the first five, with their virtual time', () => {
    const positive = always<number>('positive', (n, judgement) => {
      judgement.check(n > 0, () => `saw ${n} from ${judgement.actorId}, expected > 0`);
    });
    for (let t = 0; t < 8; t += 1) positive.observe(t * 10, 'a', -t);
    const result = positive.result();
    expect(result.ok).toBe(false);
    expect(result.violations).toBe(8);
    expect(result.vacuous).toBe(false);
    expect(result.firstViolations).toHaveLength(FIRST_VIOLATIONS_KEPT);
    expect(result.firstViolations[1]).toEqual({ atMs: 10, message: 'saw -1 from a, expected > 0' });
  });
});

describe('Property: sometimes', () => {
  it('is never violated; witnessed says whether it held', () => {
    const big = sometimes<number>('big', (n) => n > 5);
    big.observe(0, 'a', 1);
    expect(big.result()).toMatchObject({ kind: 'sometimes', ok: true, violations: 0, witnessed: false });
    big.observe(5, 'a', 9);
    expect(big.result()).toMatchObject({ ok: true, witnessed: true, vacuous: false });
  });
});

describe('Property: eventually', () => {
  it('fails once, at the last time seen, until it holds', () => {
    const done = eventually<string>('done', (s) => s === 'done');
    done.observe(3, 'a', 'working');
    done.observe(7, 'a', 'working');
    const failing = done.result();
    expect(failing).toMatchObject({ kind: 'eventually', ok: false, violations: 1, witnessed: false });
    expect(failing.firstViolations[0]?.atMs).toBe(7);
    expect(failing.firstViolations[0]?.message).toContain('never held in 2 observations up to t=7 ms');
    done.observe(9, 'a', 'done');
    expect(done.result()).toMatchObject({ ok: true, violations: 0, witnessed: true });
  });
});

describe('LsnSet', () => {
  it('adds each LSN once, across pages and far-apart epochs, and refuses non-LSNs', () => {
    const set = createLsnSet();
    expect(set.add(1)).toBe(true);
    expect(set.add(1)).toBe(false);
    expect(set.add(32_768)).toBe(true);
    expect(set.add(10_000_001)).toBe(true);
    expect(set.has(32_767)).toBe(false);
    expect(set.has(10_000_001)).toBe(true);
    expect(set.add(-1)).toBe(false);
    expect(set.add(1.5)).toBe(false);
    expect(set.has(-1)).toBe(false);
  });
});
