/**
 * Reading history files (docs/history-format.md): formats told apart by content, invokes paired
 * with completions, and bad input refused with the file, the line and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import { HistoryInputError } from '../../../src/check/history/operation.js';
import { parseHistory } from '../../../src/check/history/parse.js';
import type { RegisterHistory } from '../../../src/check/history/parse.js';
import { jepsenLog } from './helpers.js';

const jsonl = (...entries: object[]): string => entries.map((entry) => JSON.stringify(entry)).join('\n');

/** The error parsing `text` raises. */
function inputError(text: string): HistoryInputError {
  try {
    parseHistory(text, 'bad.txt');
  } catch (error) {
    if (error instanceof HistoryInputError) return error;
    throw error;
  }
  throw new Error('expected a HistoryInputError');
}

describe('History files: formats', () => {
  it('reads a Jepsen log, tabs or spaces, pairing each completion with its process invoke', () => {
    const text = `${jepsenLog(`
      0 invoke write 3
      1 invoke cas [3 4]
      0 ok write 3
      1 fail cas [3 4]
      2 invoke read nil
      2 ok read nil`)}\nINFO  jepsen.util - 3   :invoke :write  7\n`;
    const history = parseHistory(text, 'a.log') as RegisterHistory;
    expect(history).toMatchObject({ kind: 'register', format: 'jepsen-log', events: 7 });
    expect(history.operations.map(({ process, f, value, outcome, invokeLine, completeLine }) => ({ process, f, value, outcome, invokeLine, completeLine }))).toEqual([
      { process: 0, f: 'write', value: 3, outcome: 'ok', invokeLine: 1, completeLine: 3 },
      { process: 1, f: 'cas', value: [3, 4], outcome: 'fail', invokeLine: 2, completeLine: 4 },
      { process: 2, f: 'read', value: null, outcome: 'ok', invokeLine: 5, completeLine: 6 },
      // Still open when the history ends: it never returned.
      { process: 3, f: 'write', value: 7, outcome: 'info', invokeLine: 7, completeLine: null },
    ]);
  });

  it('reads JSON lines with keys and times, and skips the nemesis', () => {
    const history = parseHistory(
      jsonl(
        { index: 0, process: 0, type: 'invoke', f: 'write', key: 'x', value: 'a', time: 100 },
        { index: 1, process: 'nemesis', type: 'info', f: 'start-partition', value: null, time: 150 },
        { index: 2, process: 0, type: 'ok', f: 'write', key: 'x', value: 'a', time: 200 },
        { index: 3, process: 1, type: 'invoke', f: 'read', key: 4, value: null, time: 300 },
        { index: 4, process: 1, type: 'info', f: 'read', key: 4, value: null, time: 400 },
      ),
      'b.jsonl',
    ) as RegisterHistory;
    expect(history).toMatchObject({ kind: 'register', format: 'jsonl', events: 4, nemesisEntries: 1 });
    expect(history.operations[0]).toMatchObject({ index: 0, key: 'x', value: 'a', outcome: 'ok', invokeTimeNs: 100, completeTimeNs: 200 });
    expect(history.operations[1]).toMatchObject({ index: 3, key: '4', f: 'read', outcome: 'info', completeTimeNs: null });
  });

  it('hands transactional histories on whole, in either micro-op spelling', () => {
    const entries = [
      { index: 0, process: 0, type: 'invoke', f: 'txn', value: [['r', 'x', null], ['w', 'y', 1]], time: 5 },
      { index: 1, process: 0, type: 'ok', f: 'txn', value: [['get', 'x', 2], ['put', 'y', 1]], timeMs: 7 },
    ];
    const history = parseHistory(jsonl(...entries), 'c.jsonl');
    expect(history).toEqual({ kind: 'txn', format: 'jsonl', entries, lines: [1, 2] });
  });
});

describe('History files: bad input names the file, the line and what is allowed', () => {
  it.each([
    ['an empty file', '\n\n', 0, /empty/],
    ['text that is neither format', 'hello', 1, /expected a Jepsen log line .* or a JSON object/],
    ['a malformed log line', `${jepsenLog('0 invoke read nil')}\nINFO  jepsen.util - 0\t:ok`, 2, /not a Jepsen log line/],
    ['an unknown type', jepsenLog('0 begin read nil'), 1, /type "begin" is not allowed; type is one of invoke, ok, fail, info/],
    ['an unknown f', jsonl({ process: 0, type: 'invoke', f: 'append', value: 1 }), 1, /f "append" is not allowed; f is one of read, write, cas/],
    ['a log value that is no value', jepsenLog('0 invoke write banana'), 1, /value "banana" is not allowed/],
    ['unparseable JSON', `${jsonl({ process: 0, type: 'invoke', f: 'read' })}\n{"process": 0,`, 2, /not valid JSON/],
    ['a JSON line that is not an object', `${jsonl({ process: 0, type: 'invoke', f: 'read' })}\n[1, 2]`, 2, /not a JSON object; every line holds one object/],
    ['an ok without an invoke', jepsenLog('0 ok read 1'), 1, /ok for process 0, which has no open invoke/],
    ['two open invokes of one process', jepsenLog('0 invoke read nil\n0 invoke write 1'), 2, /process 0 invokes again while its invoke on line 1 is still open/],
    ['a completion of another function', jepsenLog('0 invoke read nil\n0 ok write 1'), 2, /has f write, but its invoke on line 1 has f read/],
    ['a cas whose value is not [from, to]', jsonl({ process: 0, type: 'invoke', f: 'cas', value: 3 }), 1, /cas value 3 is not allowed; a cas value is \[from, to\]/],
    ['an ok read without a value', jsonl({ process: 0, type: 'invoke', f: 'read' }, { process: 0, type: 'ok', f: 'read' }), 2, /read value undefined is not allowed/],
    ['a time that is not integer ns', jsonl({ process: 0, type: 'invoke', f: 'read', time: 1.5 }), 1, /time 1.5 is not allowed; time is a non-negative integer number of nanoseconds/],
    ['a process that is not an integer', jsonl({ process: 'p1', type: 'invoke', f: 'read' }), 1, /process "p1" is not allowed/],
    ['register and txn entries mixed', jsonl({ process: 0, type: 'invoke', f: 'txn', value: [] }, { process: 1, type: 'invoke', f: 'read' }), 2, /a history is either all f = "txn" or all read \/ write \/ cas/],
  ])('%s', (_, text, line, problem) => {
    const error = inputError(text);
    expect(error.file).toBe('bad.txt');
    expect(error.line).toBe(line);
    expect(error.problem).toMatch(problem);
    expect(error.message).toBe(line > 0 ? `bad.txt:${line}: ${error.problem}` : `bad.txt: ${error.problem}`);
  });
});
