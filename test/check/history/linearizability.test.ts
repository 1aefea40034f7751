/**
 * Linearizability of register histories: hand-made good and bad histories (stale reads, cas races,
 * operations that never returned and must or must not be assumed to have taken effect), the
 * violation report (longest prefix, what cannot be placed and why), per-key splitting, the search
 * budget, and the search against a brute-force oracle on small random histories.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizability } from '../../../src/check/history/linearizability.js';
import { parseHistory } from '../../../src/check/history/parse.js';
import type { RegisterHistory } from '../../../src/check/history/parse.js';
import { generateRegisterHistory } from '../../../src/bench/history-bench.js';
import { bruteForceLinearizable, jepsenLog, operationsOf } from './helpers.js';

const verdictOf = (events: string, failedCas: 'no-effect' | 'compared-unequal' = 'no-effect') => checkLinearizability(operationsOf(events), { failedCas }).verdict;

describe('Linearizability: register histories', () => {
  it('a sequential history that reads what was written is linearizable', () => {
    expect(verdictOf(`
      0 invoke read nil
      0 ok read nil
      0 invoke write 1
      0 ok write 1
      1 invoke cas [1 2]
      1 ok cas [1 2]
      1 invoke read nil
      1 ok read 2`)).toBe('ok');
  });

  it('a read concurrent with a write may see the old or the new value', () => {
    for (const seen of ['nil', '1']) {
      expect(verdictOf(`
        0 invoke write 1
        1 invoke read nil
        1 ok read ${seen}
        0 ok write 1`)).toBe('ok');
    }
  });

  it('a stale read (after a later write completed) is a violation, and the report says why', () => {
    const result = checkLinearizability(operationsOf(`
      0 invoke write 1
      0 ok write 1
      0 invoke write 2
      0 ok write 2
      1 invoke read nil
      1 ok read 1`));
    expect(result.verdict).toBe('violation');
    const [violation] = result.violations;
    // Both writes linearize; the read cannot follow them.
    expect(violation?.linearizedCount).toBe(2);
    expect(violation?.lastGoodValues).toEqual([2]);
    expect(violation?.blocking).toMatchObject({ f: 'read', value: 1, process: 1 });
    expect(violation?.unplaceable).toHaveLength(1);
    expect(violation?.unplaceable[0]?.reason).toBe('read 1, but the register holds 2 (set by write 2 of process 0, index 2)');
  });

  it('a cas race: two cas [0 1] both succeed from 0 is a violation', () => {
    const race = `
      0 invoke write 0
      0 ok write 0
      1 invoke cas [0 1]
      2 invoke cas [0 1]
      1 ok cas [0 1]
      2 ok cas [0 1]`;
    const result = checkLinearizability(operationsOf(race));
    expect(result.verdict).toBe('violation');
    expect(result.violations[0]?.unplaceable[0]?.reason).toMatch(/^cas \[0 1\] succeeded, but the register holds 1 \(set by cas \[0 1\] of process [12], index [12]\)$/);
    // One of them failing instead makes it linearizable under either reading of a failed cas.
    const oneFails = race.replace('2 ok cas [0 1]', '2 fail cas [0 1]');
    expect(verdictOf(oneFails, 'no-effect')).toBe('ok');
    expect(verdictOf(oneFails, 'compared-unequal')).toBe('ok');
  });

  it('a write that never returned must be assumed to have taken effect when a later read saw it', () => {
    const history = `
      0 invoke write 1
      0 info write :timed-out
      1 invoke read nil
      1 ok read 1`;
    expect(verdictOf(history)).toBe('ok');
    // The same history with the write failed: it took no effect, so the read is impossible.
    expect(verdictOf(history.replace('0 info write :timed-out', '0 fail write 1'))).toBe('violation');
  });

  it('a write that never returned must be assumed not to have taken effect (or later) when later reads do not see it', () => {
    expect(verdictOf(`
      0 invoke write 0
      0 ok write 0
      1 invoke write 1
      1 info write :timed-out
      2 invoke read nil
      2 ok read 0
      2 invoke read nil
      2 ok read 0`)).toBe('ok');
    // It may take effect between the reads, but not undo itself.
    expect(verdictOf(`
      1 invoke write 1
      1 info write :timed-out
      2 invoke read nil
      2 ok read 1
      2 invoke read nil
      2 ok read nil`)).toBe('violation');
  });

  it('two alike writes that never returned may each take effect, at different times', () => {
    const history = `
      1 invoke write 1
      1 info write :timed-out
      2 invoke write 1
      2 info write :timed-out
      0 invoke write 0
      0 ok write 0
      0 invoke read nil
      0 ok read 1
      0 invoke write 0
      0 ok write 0
      0 invoke read nil
      0 ok read 1`;
    expect(verdictOf(history)).toBe('ok');
    // With one of them only, the second read of 1 is impossible.
    expect(verdictOf(history.replace('2 invoke write 1\n      2 info write :timed-out', ''))).toBe('violation');
  });

  it('a cas that never returned may have taken effect, but only where its comparison held', () => {
    expect(verdictOf(`
      0 invoke write 0
      0 ok write 0
      1 invoke cas [0 5]
      1 info cas :timed-out
      2 invoke read nil
      2 ok read 5`)).toBe('ok');
    expect(verdictOf(`
      0 invoke write 3
      0 ok write 3
      1 invoke cas [0 5]
      1 info cas :timed-out
      2 invoke read nil
      2 ok read 5`)).toBe('violation');
  });

  it('a failed cas constrains the register only when read as "compared unequal"', () => {
    const history = `
      0 invoke write 1
      0 ok write 1
      1 invoke cas [1 2]
      1 fail cas [1 2]`;
    expect(verdictOf(history, 'no-effect')).toBe('ok');
    const result = checkLinearizability(operationsOf(history), { failedCas: 'compared-unequal' });
    expect(result.verdict).toBe('violation');
    expect(result.violations[0]?.unplaceable[0]?.reason).toBe('cas [1 2] failed, but the register holds 1 (set by write 1 of process 0, index 0), so it would have succeeded');
  });

  it('keys are judged apart: a stale read on one key is reported on that key only', () => {
    const lines = [
      { process: 0, type: 'invoke', f: 'write', key: 'a', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'a', value: 1 },
      { process: 1, type: 'invoke', f: 'write', key: 'b', value: 7 },
      { process: 1, type: 'ok', f: 'write', key: 'b', value: 7 },
      // Key b's value read on key a: impossible there, though b holds 7.
      { process: 2, type: 'invoke', f: 'read', key: 'a', value: null },
      { process: 2, type: 'ok', f: 'read', key: 'a', value: 7 },
      { process: 2, type: 'invoke', f: 'read', key: 'b', value: null },
      { process: 2, type: 'ok', f: 'read', key: 'b', value: 7 },
    ];
    const history = parseHistory(lines.map((line) => JSON.stringify(line)).join('\n'), 'keys.jsonl') as RegisterHistory;
    const result = checkLinearizability(history.operations);
    expect(result).toMatchObject({ verdict: 'violation', keys: 2, operations: 4 });
    expect(result.violations.map((violation) => violation.key)).toEqual(['a']);
  });

  it('a search that runs out of budget is unknown, never ok', () => {
    const history = parseHistory(generateRegisterHistory({ seed: 3, operations: 200, keys: 1, concurrency: 8 }).map((entry) => JSON.stringify(entry)).join('\n'), 'generated') as RegisterHistory;
    expect(checkLinearizability(history.operations).verdict).toBe('ok');
    const starved = checkLinearizability(history.operations, { maxStates: 10 });
    expect(starved.verdict).toBe('unknown');
    expect(starved.unknownKeys).toEqual(['k0']);
  });

  it('generated linearizable histories pass; the same with one read changed to an unwritten value fail', () => {
    for (const seed of [1, 2, 3]) {
      const entries = generateRegisterHistory({ seed, operations: 600, keys: 12 });
      const text = entries.map((entry) => JSON.stringify(entry)).join('\n');
      expect(checkLinearizability((parseHistory(text, 'generated') as RegisterHistory).operations).verdict).toBe('ok');
      const read = entries.findIndex((entry) => entry.f === 'read' && entry.type === 'ok');
      const broken = entries.map((entry, i) => (i === read ? { ...entry, value: 99 } : entry));
      const result = checkLinearizability((parseHistory(broken.map((entry) => JSON.stringify(entry)).join('\n'), 'broken') as RegisterHistory).operations);
      expect(result.verdict).toBe('violation');
      expect(result.violations[0]?.unplaceable.map(({ operation }) => operation.value)).toContain(99);
    }
  });
});

describe('Linearizability: the search against brute force', () => {
  /** A random history: each step invokes for an idle process, or completes its open operation. */
  const step = fc.record({
    process: fc.integer({ min: 0, max: 2 }),
    f: fc.constantFrom('read', 'write', 'cas'),
    a: fc.constantFrom('nil', '0', '1'),
    b: fc.constantFrom('0', '1'),
    outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info'),
  });
  const toHistory = (steps: { process: number; f: string; a: string; b: string; outcome: string }[]): string => {
    const open = new Map<number, string>();
    const retired = new Set<number>();
    const lines: string[] = [];
    for (const { process, f, a, b, outcome } of steps) {
      if (retired.has(process)) continue;
      const pending = open.get(process);
      const value = f === 'cas' ? `[${a === 'nil' ? '0' : a} ${b}]` : f === 'write' ? b : 'nil';
      if (pending === undefined) {
        open.set(process, `${f} ${value}`);
        lines.push(`${process} invoke ${f} ${value}`);
        continue;
      }
      open.delete(process);
      const [pendingF, ...pendingValue] = pending.split(' ');
      const completion = pendingF === 'read' ? (outcome === 'ok' ? a : 'nil') : pendingValue.join(' ');
      lines.push(`${process} ${outcome} ${pendingF} ${outcome === 'info' ? ':timed-out' : completion}`);
      if (outcome === 'info') retired.add(process);
    }
    return lines.join('\n');
  };

  it('agrees with trying every order, under both readings of a failed cas', () => {
    let violations = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 14 }), fc.constantFrom('no-effect' as const, 'compared-unequal' as const), (steps, failedCas) => {
        const operations = operationsOf(toHistory(steps));
        const result = checkLinearizability(operations, { failedCas });
        if (result.verdict === 'violation') violations++;
        expect(result.verdict).toBe(bruteForceLinearizable(operations, failedCas) ? 'ok' : 'violation');
      }),
      { numRuns: 400 },
    );
    // Both verdicts were exercised.
    expect(violations).toBeGreaterThan(20);
    expect(violations).toBeLessThan(380);
  });

  it('writes hand-made histories as the Jepsen log lines the parser reads', () => {
    expect(jepsenLog('0 invoke cas [1 2]')).toBe('INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]');
  });
});
