/**
 * The linearizability tester kept in explored states: histories that have a linearization are
 * accepted, histories that break real-time order or the register's semantics are refused
 * (Herlihy and Wing 1990, §2).
 */
import { describe, expect, it } from 'vitest';
import { emptyHistory, onInvoke, onReturn, registerSpec, serializedHistory } from '../../src/explore/linearizability.js';
import type { LinearizabilityHistory, RegisterOp, RegisterRet } from '../../src/explore/linearizability.js';

type History = LinearizabilityHistory<RegisterOp<string>, RegisterRet<string>>;
const spec = registerSpec('');
const write = (value: string): RegisterOp<string> => ({ kind: 'write', value });
const read: RegisterOp<string> = { kind: 'read' };
const readOk = (value: string): RegisterRet<string> => ({ kind: 'readOk', value });
const writeOk: RegisterRet<string> = { kind: 'writeOk' };

describe('Linearizability tester', () => {
  it('a read after a completed write must see it', () => {
    let history: History = emptyHistory();
    history = onReturn(onInvoke(history, 'a', write('x')), 'a', writeOk);
    expect(serializedHistory(onReturn(onInvoke(history, 'b', read), 'b', readOk('')), spec)).toBeUndefined();
    expect(serializedHistory(onReturn(onInvoke(history, 'b', read), 'b', readOk('x')), spec)).toEqual([
      [write('x'), writeOk],
      [read, readOk('x')],
    ]);
  });

  it('a read concurrent with a write may see either value', () => {
    const both: History = onInvoke(onInvoke(emptyHistory(), 'a', write('x')), 'b', read);
    expect(serializedHistory(onReturn(both, 'b', readOk('')), spec)).toBeDefined();
    expect(serializedHistory(onReturn(both, 'b', readOk('x')), spec)).toBeDefined();
    expect(serializedHistory(onReturn(both, 'b', readOk('y')), spec)).toBeUndefined();
  });

  it('a thread that invokes twice, or returns without invoking, makes the history invalid', () => {
    expect(onInvoke(onInvoke(emptyHistory(), 'a', read), 'a', read).valid).toBe(false);
    expect(onReturn(emptyHistory(), 'a', writeOk).valid).toBe(false);
  });

  it('never writes into the history it was given', () => {
    const history = Object.freeze(onInvoke(emptyHistory(), 'a', write('x')));
    const before = JSON.stringify(history);
    onReturn(onInvoke(history, 'b', read), 'a', writeOk);
    expect(JSON.stringify(history)).toBe(before);
  });
});
