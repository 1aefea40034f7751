/**
 * Histories written by hand for the history tests: one event a line, `process type f value`
 * (`0 invoke write 1`, `1 ok read nil`, `2 fail cas [1 2]`), turned into the Jepsen log lines
 * `check-history` reads; and a brute-force linearizability oracle to hold the search against.
 */
import type { RegisterOperation, RegisterValue } from '../../../src/check/history/operation.js';
import { parseHistory } from '../../../src/check/history/parse.js';
import type { RegisterHistory } from '../../../src/check/history/parse.js';

/** Jepsen log text from `process type f value` lines (blank lines and indentation ignored). */
export function jepsenLog(events: string): string {
  return events
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [process, type, f, ...value] = line.split(/\s+/);
      return `INFO  jepsen.util - ${process}\t:${type}\t:${f}\t${value.join(' ')}`;
    })
    .join('\n');
}

/** The operations of a hand-written history. */
export function operationsOf(events: string): RegisterOperation[] {
  return (parseHistory(jepsenLog(events), 'hand-made.log') as RegisterHistory).operations;
}

/**
 * Whether some order of the operations explains the history, by trying every order that
 * respects real time: an operation that completed before another was invoked goes first.
 * Operations that never returned may be left out (they took no effect); reads that never
 * returned and `fail`s are left out, except failed cas under 'compared-unequal'.
 */
export function bruteForceLinearizable(operations: readonly RegisterOperation[], failedCas: 'no-effect' | 'compared-unequal'): boolean {
  const ops = operations.filter((op) => (op.outcome === 'fail' ? op.f === 'cas' && failedCas === 'compared-unequal' : !(op.outcome === 'info' && op.f === 'read')));
  const placed = new Array<boolean>(ops.length).fill(false);
  const same = (a: RegisterValue, b: RegisterValue): boolean => JSON.stringify(a) === JSON.stringify(b);
  const search = (value: RegisterValue, count: number): boolean => {
    if (ops.every((op, i) => placed[i] || op.outcome === 'info')) return true;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as RegisterOperation;
      if (placed[i]) continue;
      // Every unplaced operation that completed before this one's invoke must come first.
      if (ops.some((other, j) => !placed[j] && j !== i && other.completeAt !== null && other.completeAt < op.invokeAt)) continue;
      const next = step(op, value, same);
      if (next === undefined) continue;
      placed[i] = true;
      const found = search(next, count + 1);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(null, 0);
}

/** The register's value after `op`, or undefined if the result the client saw is impossible. */
function step(op: RegisterOperation, value: RegisterValue, same: (a: RegisterValue, b: RegisterValue) => boolean): RegisterValue | undefined {
  if (op.f === 'read') return same(op.value as RegisterValue, value) ? value : undefined;
  if (op.f === 'write') return op.value as RegisterValue;
  const [from, to] = op.value as [RegisterValue, RegisterValue];
  if (op.outcome === 'ok') return same(from, value) ? to : undefined;
  if (op.outcome === 'fail') return same(from, value) ? undefined : value;
  return same(from, value) ? to : value;
}
