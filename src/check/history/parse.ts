/**
 * Reads a history file's text and tells its format apart by content (docs/history-format.md):
 *
 * - a Jepsen text log, one event a line:
 *   `INFO  jepsen.util - <process>\t:<invoke|ok|fail|info>\t:<read|write|cas>\t<value>`, where a
 *   value is `nil`, an integer, `[from to]`, or a keyword such as `:timed-out` on a completion
 *   that carries no value (fields may be separated by tabs or spaces);
 * - JSON lines in Jepsen's operation conventions, `{ index, process, type, f, value, time, key? }`
 *   with f = read / write / cas: a register history, one register per `key` (none: one register);
 * - JSON lines with f = txn: a transactional history, handed on whole (`src/check/history/txn.ts`).
 *
 * Pairing follows Jepsen: a process runs one operation at a time, so a completion belongs to its
 * process's open invoke; an invoke still open when the history ends never returned (as `info`).
 * Entries of the `"nemesis"` process are fault injections, not client operations, and are skipped
 * as Knossos skips them. Anything else that does not fit is a {@link HistoryInputError} naming the
 * file, the line and what is allowed.
 */
import { HistoryInputError, OPERATION_TYPES, REGISTER_FS } from './operation.js';
import type { OperationType, RegisterF, RegisterOperation, RegisterValue } from './operation.js';

/** A register history: operations on one register, or on several told apart by `key`. */
export interface RegisterHistory {
  kind: 'register';
  format: 'jepsen-log' | 'jsonl';
  /** Every operation, in invoke order (`id` is the position here). */
  operations: RegisterOperation[];
  /** Events read (invokes and completions), nemesis entries not counted. */
  events: number;
  /** Entries skipped because they are the nemesis's, not a client's. */
  nemesisEntries: number;
}

/** A transactional history (f = txn), for the transactional checker. */
export interface TxnHistory {
  kind: 'txn';
  format: 'jsonl';
  /** The entries as parsed, in file order; each has `type` and `f: 'txn'`. */
  entries: Record<string, unknown>[];
  /** The file line (from 1) of each entry. */
  lines: number[];
}

/** What {@link parseHistory} found in a file. */
export type ParsedHistory = RegisterHistory | TxnHistory;

/** One event of a register history, before pairing. */
interface RegisterEvent {
  line: number;
  process: number;
  type: OperationType;
  f: RegisterF;
  key: string | null;
  /** Undefined: the event carries no value (a keyword such as `:timed-out`, or JSON null on an invoke). */
  value: RegisterValue | readonly [RegisterValue, RegisterValue] | undefined;
  index: number | null;
  timeNs: number | null;
}

const LOG_LINE = /^INFO\s+jepsen\.util\s+-\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s*$/;
const LOG_SHAPE = 'INFO  jepsen.util - <process> :<invoke|ok|fail|info> :<read|write|cas> <nil | integer | [from to]>';

/** Reads a history file's text; `file` names it in errors. */
export function parseHistory(text: string, file: string): ParsedHistory {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) throw new HistoryInputError(file, 0, 'the file is empty; a history has one event a line (Jepsen log lines, or JSON objects)');
  const head = (lines[first] as string).trim();
  if (head.startsWith('{')) return parseJsonLines(lines, file);
  if (/^INFO\s+jepsen\.util\s+-/.test(head)) return parseJepsenLog(lines, file);
  throw new HistoryInputError(file, first + 1, `not a history line; expected a Jepsen log line (${LOG_SHAPE}) or a JSON object ({"process":0,"type":"invoke","f":"read",...})`);
}

// --- Jepsen text logs ---------------------------------------------------------------------------

function parseJepsenLog(lines: readonly string[], file: string): RegisterHistory {
  const events: RegisterEvent[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const line = i + 1;
    const match = LOG_LINE.exec(text.trim());
    if (match === null) throw new HistoryInputError(file, line, `not a Jepsen log line; expected ${LOG_SHAPE}`);
    const [, processText, typeText, fText, valueText] = match as unknown as [string, string, string, string, string];
    if (!/^\d+$/.test(processText)) throw new HistoryInputError(file, line, `process "${processText}" is not a non-negative integer`);
    const type = oneOf(typeText.replace(/^:/, ''), OPERATION_TYPES, file, line, 'type');
    const f = oneOf(fText.replace(/^:/, ''), REGISTER_FS, file, line, 'f');
    events.push({ line, process: Number(processText), type, f, key: null, value: logValue(valueText, type, file, line), index: null, timeNs: null });
  });
  return pairRegisterEvents(events, 'jepsen-log', file, 0);
}

/** A log value: `nil`, an integer, `[a b]`, or a keyword (no value) on a completion. */
function logValue(text: string, type: OperationType, file: string, line: number): RegisterEvent['value'] {
  const scalar = (token: string): RegisterValue | undefined => (token === 'nil' ? null : /^-?\d+$/.test(token) ? Number(token) : undefined);
  const pair = /^\[(\S+)\s+(\S+)\]$/.exec(text);
  if (pair !== null) {
    const from = scalar(pair[1] as string);
    const to = scalar(pair[2] as string);
    if (from !== undefined && to !== undefined) return [from, to];
  }
  const single = scalar(text);
  if (single !== undefined) return single;
  if (/^:[\w-]+$/.test(text) && type !== 'invoke') return undefined;
  throw new HistoryInputError(file, line, `value "${text}" is not allowed; a value is nil, an integer or [from to]${type === 'invoke' ? '' : ', or a keyword such as :timed-out on a completion'}`);
}

// --- JSON lines ---------------------------------------------------------------------------------

function parseJsonLines(lines: readonly string[], file: string): ParsedHistory {
  const entries: { line: number; entry: Record<string, unknown> }[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch (error) {
      throw new HistoryInputError(file, i + 1, `not valid JSON (${(error as Error).message}); every line holds one JSON object`);
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new HistoryInputError(file, i + 1, 'not a JSON object; every line holds one object such as {"process":0,"type":"invoke","f":"read","value":null}');
    }
    entries.push({ line: i + 1, entry: entry as Record<string, unknown> });
  });
  const clients = entries.filter(({ entry }) => entry.process !== 'nemesis');
  const firstClient = clients[0];
  if (firstClient !== undefined && firstClient.entry.f === 'txn') return txnHistory(clients, file);
  const events = clients.map(({ line, entry }) => registerEvent(entry, file, line));
  return pairRegisterEvents(events, 'jsonl', file, entries.length - clients.length);
}

function txnHistory(entries: readonly { line: number; entry: Record<string, unknown> }[], file: string): TxnHistory {
  for (const { line, entry } of entries) {
    if (entry.f !== 'txn') {
      throw new HistoryInputError(file, line, `f ${JSON.stringify(entry.f)} in a transactional history; a history is either all f = "txn" or all read / write / cas`);
    }
    oneOf(entry.type, OPERATION_TYPES, file, line, 'type');
  }
  return { kind: 'txn', format: 'jsonl', entries: entries.map(({ entry }) => entry), lines: entries.map(({ line }) => line) };
}

function registerEvent(entry: Record<string, unknown>, file: string, line: number): RegisterEvent {
  const { process, key, index, time } = entry;
  if (!Number.isSafeInteger(process) || (process as number) < 0) {
    throw new HistoryInputError(file, line, `process ${JSON.stringify(process)} is not allowed; a client's process is a non-negative integer ("nemesis" entries are skipped)`);
  }
  const type = oneOf(entry.type, OPERATION_TYPES, file, line, 'type');
  if (entry.f === 'txn') throw new HistoryInputError(file, line, 'f "txn" in a register history; a history is either all f = "txn" or all read / write / cas');
  const f = oneOf(entry.f, REGISTER_FS, file, line, 'f');
  if (key !== undefined && typeof key !== 'string' && !Number.isSafeInteger(key)) {
    throw new HistoryInputError(file, line, `key ${JSON.stringify(key)} is not allowed; a key is a string or an integer`);
  }
  if (index !== undefined && !Number.isSafeInteger(index)) throw new HistoryInputError(file, line, `index ${JSON.stringify(index)} is not an integer`);
  if (time !== undefined && (!Number.isSafeInteger(time) || (time as number) < 0)) {
    throw new HistoryInputError(file, line, `time ${JSON.stringify(time)} is not allowed; time is a non-negative integer number of nanoseconds`);
  }
  return {
    line,
    process: process as number,
    type,
    f,
    key: key === undefined ? null : String(key),
    value: jsonValue(entry.value, type, f, file, line),
    index: (index as number | undefined) ?? null,
    timeNs: (time as number | undefined) ?? null,
  };
}

/** The value an entry must carry: what a write writes, a cas's `[from, to]`, what an ok read read. */
function jsonValue(value: unknown, type: OperationType, f: RegisterF, file: string, line: number): RegisterEvent['value'] {
  const isScalar = (v: unknown): v is RegisterValue => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  const needsValue = (type === 'invoke' && f !== 'read') || (type === 'ok' && f === 'read');
  if (!needsValue) {
    if (value === undefined || value === null) return undefined;
    if (isScalar(value)) return value;
    if (Array.isArray(value) && value.length === 2 && value.every(isScalar)) return [value[0] as RegisterValue, value[1] as RegisterValue];
    return undefined;
  }
  if (f === 'cas') {
    if (Array.isArray(value) && value.length === 2 && value.every(isScalar)) return [value[0] as RegisterValue, value[1] as RegisterValue];
    throw new HistoryInputError(file, line, `cas value ${JSON.stringify(value)} is not allowed; a cas value is [from, to] of numbers, strings or null`);
  }
  if (isScalar(value)) return value;
  throw new HistoryInputError(file, line, `${f} value ${JSON.stringify(value)} is not allowed; a register value is a number, a string or null`);
}

// --- Pairing ------------------------------------------------------------------------------------

/** Pairs each completion with its process's open invoke; invokes left open never returned. */
function pairRegisterEvents(events: readonly RegisterEvent[], format: RegisterHistory['format'], file: string, nemesisEntries: number): RegisterHistory {
  const open = new Map<number, { invoke: RegisterEvent; at: number }>();
  const operations: RegisterOperation[] = [];
  events.forEach((event, at) => {
    const pending = open.get(event.process);
    if (event.type === 'invoke') {
      if (pending !== undefined) {
        throw new HistoryInputError(file, event.line, `process ${event.process} invokes again while its invoke on line ${pending.invoke.line} is still open; a process runs one operation at a time (complete it with ok, fail or info first)`);
      }
      open.set(event.process, { invoke: event, at });
      return;
    }
    if (pending === undefined) {
      throw new HistoryInputError(file, event.line, `${event.type} for process ${event.process}, which has no open invoke; every ok, fail or info completes an earlier invoke of the same process`);
    }
    open.delete(event.process);
    operations.push(operation(pending.invoke, pending.at, event, at, file));
  });
  for (const { invoke, at } of open.values()) operations.push(operation(invoke, at, undefined, null, file));
  operations.sort((a, b) => a.invokeAt - b.invokeAt);
  operations.forEach((op, id) => (op.id = id));
  return { kind: 'register', format, operations, events: events.length, nemesisEntries };
}

function operation(invoke: RegisterEvent, invokeAt: number, completion: RegisterEvent | undefined, completeAt: number | null, file: string): RegisterOperation {
  const returned = completion !== undefined && completion.type !== 'info';
  if (completion !== undefined) checkCompletion(invoke, completion, file);
  let value = invoke.value;
  if (invoke.f === 'read') value = completion?.type === 'ok' ? completion.value : null;
  return {
    id: -1,
    index: invoke.index ?? invokeAt,
    process: invoke.process,
    key: invoke.key,
    f: invoke.f,
    value: value ?? null,
    outcome: returned ? (completion.type as 'ok' | 'fail') : 'info',
    invokeLine: invoke.line,
    completeLine: returned ? completion.line : null,
    invokeTimeNs: invoke.timeNs,
    completeTimeNs: returned ? completion.timeNs : null,
    invokeAt,
    completeAt: returned ? completeAt : null,
  };
}

/** A completion must name the invoke's function and key, and repeat a write's or cas's value. */
function checkCompletion(invoke: RegisterEvent, completion: RegisterEvent, file: string): void {
  const at = `process ${invoke.process}'s ${completion.type}`;
  if (completion.f !== invoke.f) {
    throw new HistoryInputError(file, completion.line, `${at} has f ${completion.f}, but its invoke on line ${invoke.line} has f ${invoke.f}; a completion names its invoke's function`);
  }
  if (completion.key !== invoke.key) {
    throw new HistoryInputError(file, completion.line, `${at} has key ${completion.key ?? 'none'}, but its invoke on line ${invoke.line} has key ${invoke.key ?? 'none'}`);
  }
  if (invoke.f !== 'read' && completion.type !== 'info' && completion.value !== undefined && JSON.stringify(completion.value) !== JSON.stringify(invoke.value)) {
    throw new HistoryInputError(file, completion.line, `${at} has value ${JSON.stringify(completion.value)}, but its invoke on line ${invoke.line} has ${JSON.stringify(invoke.value)}; a ${invoke.f}'s completion repeats its value`);
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], file: string, line: number, field: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new HistoryInputError(file, line, `${field} ${JSON.stringify(value)} is not allowed; ${field} is one of ${allowed.join(', ')}`);
}
