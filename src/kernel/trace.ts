/**
 * The trace: an append-only log of typed simulation events, written as JSON lines, and its
 * `traceHash`.
 *
 * Determinism contract (docs/determinism.md): the same code, config and seed give a byte-identical
 * trace and so the same `traceHash`. The hash is SHA-256 over a compact text of every event, fed
 * incrementally so a long run need not keep its events (docs/determinism.md, "What the trace hash
 * covers"): each event's kind, virtual time and the fields that name who did what (envelope id,
 * endpoints, message or timer type, state value), and for a `send` a shallow digest of the
 * message: its top-level primitive fields, the length of each nested array and the presence of
 * each nested object. The full canonical JSON line of an event ({@link eventLine}) is written only for a
 * sink (`--trace FILE`); writing every payload in full was about a quarter of a steady-state
 * run. The hash never depends on the sink, on kept events or on `snapshots`: a traced and an
 * untraced run of one seed give one hash; nor on `verdict` events, which judge the run. Divergence deep inside a payload that changes nothing
 * downstream goes unseen by the hash; any that matters shows up in a later delivery, timer, state
 * change or client outcome, which the hash does cover.
 *
 * Full actor snapshots are opt-in (`snapshots: true`): logging every inspection event measured
 * 51 events and 7.4 KB per quorum write and cut throughput threefold.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

/** Why the network did not deliver a message. */
export type DropReason = 'loss' | 'partition' | 'down' | 'unknown-endpoint';

/** Client history operation types, as Jepsen uses them: `info` = outcome unknown. */
export type ClientEventType = 'invoke' | 'ok' | 'fail' | 'info';

/** Every kind of event a trace holds. `atMs` is virtual time. */
export type TraceEvent =
  | { kind: 'send'; atMs: number; id: number; from: string; to: string; message: unknown }
  | { kind: 'deliver'; atMs: number; id: number; from: string; to: string; type: string }
  | { kind: 'drop'; atMs: number; id: number; from: string; to: string; type: string; reason: DropReason }
  | { kind: 'timer'; atMs: number; actor: string; type: string }
  /** An immediate, network-free event between actors (a power cut reaching an AZ's members). */
  | { kind: 'signal'; atMs: number; from: string; to: string; type: string }
  | { kind: 'state'; atMs: number; actor: string; value: unknown }
  | {
      kind: 'client';
      atMs: number;
      type: ClientEventType;
      process: number;
      f: string;
      key?: string;
      value?: unknown;
    }
  | { kind: 'fault'; atMs: number; fault: string; target: string; detail?: unknown }
  | { kind: 'snapshot'; atMs: number; actor: string; snapshot: unknown }
  | { kind: 'note'; atMs: number; text: string }
  /**
   * A judge's verdict on an invariant (docs/trace-format.md, "Event kinds"): `ok: false` at the step
   * it first failed, and with `final: true` one per judge when the run ends. An observation of the
   * run, like a snapshot: never hashed, never counted in {@link Trace.length}.
   */
  | { kind: 'verdict'; atMs: number; invariant: string; ok: boolean; final?: true; violations?: number; message?: string };

/** The `kind` of a trace event. */
export type TraceEventKind = TraceEvent['kind'];

/**
 * Every kind, once: a key missing here or one no {@link TraceEvent} has fails the type check, so
 * the list and the union cannot drift apart. docs/trace-format.md documents each of them (a test
 * reads its table).
 */
const KINDS: { readonly [K in TraceEventKind]: true } = {
  send: true,
  deliver: true,
  drop: true,
  timer: true,
  signal: true,
  state: true,
  client: true,
  fault: true,
  snapshot: true,
  note: true,
  verdict: true,
};

/** Every `kind` a {@link TraceEvent} can have, at run time (docs/trace-format.md). */
export const TRACE_EVENT_KINDS: readonly TraceEventKind[] = Object.freeze(Object.keys(KINDS) as TraceEventKind[]);

/** Options of {@link Trace}. */
export interface TraceOptions {
  /**
   * Keep events in memory (`trace.events`). Turn off for long runs that only need the hash or a
   * sink.
   * @defaultValue true
   */
  keepEvents?: boolean;
  /**
   * Record full actor snapshots (`kind: 'snapshot'`). Expensive; for the viewer and debugging.
   * @defaultValue false
   */
  snapshots?: boolean;
  /**
   * Receives each event's canonical JSON line (no trailing newline), e.g. to write a file. The
   * lines are written only when a sink is given; the hash does not depend on it.
   */
  sink?: (line: string) => void;
}

/** An append-only trace with an incremental hash. */
export class Trace {
  readonly events: TraceEvent[] = [];
  readonly snapshotsEnabled: boolean;
  private readonly keepEvents: boolean;
  private readonly sink: ((line: string) => void) | undefined;
  private readonly hash: Hash = createHash('sha256');
  /** Hash text not yet fed to SHA-256: one native update per ~64 KB instead of one per event. */
  private pending = '';
  private eventCount = 0;

  constructor(options: TraceOptions = {}) {
    this.keepEvents = options.keepEvents ?? true;
    this.snapshotsEnabled = options.snapshots ?? false;
    this.sink = options.sink;
  }

  /** Appends one event. Snapshot events are ignored unless `snapshots` is on. */
  record(event: TraceEvent): void {
    if (event.kind === 'snapshot' && !this.snapshotsEnabled) return;
    // Snapshots and verdicts observe the run and are not part of it: a run hashes the same with
    // them or without; verdicts are not counted either, so the report's event count stays the
    // same (docs/determinism.md). Snapshots have always been counted.
    if (event.kind !== 'snapshot' && event.kind !== 'verdict') {
      this.pending += hashText(event);
      if (this.pending.length > 65_536) this.flush();
    }
    if (event.kind !== 'verdict') this.eventCount++;
    if (this.keepEvents) this.events.push(event);
    if (this.sink !== undefined) this.sink(eventLine(event));
  }

  /** Number of events recorded (kept or not), verdicts left out: the run's events, as the report counts them. */
  get length(): number {
    return this.eventCount;
  }

  /** SHA-256 (hex) of every event's hash text so far; the hash of an empty trace is well defined. */
  traceHash(): string {
    this.flush();
    return this.hash.copy().digest('hex');
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.hash.update(this.pending);
    this.pending = '';
  }
}

/**
 * Whether a trace line is a `verdict` event. Comparisons of traces (replay) skip these lines, as the
 * hash does: a verdict judges the run and is not part of it. The substring test keeps the common
 * case to one scan; the parse makes sure it is the event's own `kind`, not a field of a message.
 */
export function isVerdictLine(line: string): boolean {
  if (!line.includes('"kind":"verdict"')) return false;
  try {
    const event = JSON.parse(line) as { kind?: unknown };
    return event.kind === 'verdict';
  } catch {
    return false;
  }
}

const num = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');
const str = JSON.stringify;

/** Separates the fields of an event's hash text; ids, types and state texts never contain it. */
const US = '\u001f';

/**
 * The text an event adds to the hash: one line, its fields joined by U+001F. The kinds that make
 * up nearly all of a trace (send, deliver, drop, timer, signal, state) are written compactly;
 * `deliver` and `drop` name their envelope by id, whose endpoints and message the `send` of that
 * id already covered. The rare kinds (client, fault, note) are hashed as their canonical line. A
 * verdict adds nothing: it judges the run rather than being part of it ({@link Trace.record}).
 */
export function hashText(event: TraceEvent): string {
  switch (event.kind) {
    case 'send':
      return `s${US}${num(event.atMs)}${US}${event.id}${US}${event.from}${US}${event.to}${US}${messageDigest(event.message)}\n`;
    case 'deliver':
      return `d${US}${num(event.atMs)}${US}${event.id}\n`;
    case 'drop':
      return `x${US}${num(event.atMs)}${US}${event.id}${US}${event.reason}\n`;
    case 'timer':
      return `t${US}${num(event.atMs)}${US}${event.actor}${US}${event.type}\n`;
    case 'signal':
      return `g${US}${num(event.atMs)}${US}${event.from}${US}${event.to}${US}${event.type}\n`;
    case 'state':
      return `q${US}${num(event.atMs)}${US}${event.actor}${US}${typeof event.value === 'string' ? event.value : canonicalJson(event.value)}\n`;
    case 'verdict':
      return '';
    default:
      return eventLine(event) + '\n';
  }
}

/**
 * A shallow digest of a message: its top-level fields in sorted key order, primitives by value,
 * arrays by length and objects by their presence (a key count would see fields set to undefined,
 * which the canonical line leaves out). It reads one level of the message, however large its
 * batch of records, which is what keeps the hash cheap; the records themselves reach the hash
 * through what the segments do with them.
 */
export function messageDigest(message: unknown): string {
  if (typeof message !== 'object' || message === null) return typeof message === 'string' ? str(message) : String(message);
  if (Array.isArray(message)) return `[${message.length}]`;
  const record = message as Record<string, unknown>;
  const keys = sortedKeys(record);
  let text = '';
  for (const key of keys) {
    const value = record[key];
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
        text += `${key}=${String(value)};`;
        break;
      case 'object':
        if (value === null) text += `${key}=null;`;
        else text += Array.isArray(value) ? `${key}[${value.length}];` : `${key}{};`;
        break;
      default:
        // undefined and functions are not data and do not appear in the canonical line either.
        break;
    }
  }
  return text;
}

/**
 * The canonical line of an event: exactly {@link canonicalJson}'s text, written by hand for the
 * kinds that make up most of a trace (keys in sorted order), which is about three times faster.
 */
export function eventLine(event: TraceEvent): string {
  switch (event.kind) {
    case 'send':
      return `{"atMs":${num(event.atMs)},"from":${str(event.from)},"id":${num(event.id)},"kind":"send",${event.message === undefined ? '' : `"message":${canonicalJson(event.message)},`}"to":${str(event.to)}}`;
    case 'deliver':
      return `{"atMs":${num(event.atMs)},"from":${str(event.from)},"id":${num(event.id)},"kind":"deliver","to":${str(event.to)},"type":${str(event.type)}}`;
    case 'drop':
      return `{"atMs":${num(event.atMs)},"from":${str(event.from)},"id":${num(event.id)},"kind":"drop","reason":${str(event.reason)},"to":${str(event.to)},"type":${str(event.type)}}`;
    case 'timer':
      return `{"actor":${str(event.actor)},"atMs":${num(event.atMs)},"kind":"timer","type":${str(event.type)}}`;
    case 'signal':
      return `{"atMs":${num(event.atMs)},"from":${str(event.from)},"kind":"signal","to":${str(event.to)},"type":${str(event.type)}}`;
    default:
      return canonicalJson(event);
  }
}

/**
 * JSON with object keys sorted, so equal values give equal text whatever order their keys were
 * built in. `undefined` object fields are omitted, as `JSON.stringify` does; non-finite numbers
 * become `null`. Values must be plain data (docs/architecture.md, "Code conventions" 1); a cycle
 * throws.
 *
 * Every call writes the value as it is now; nothing is remembered between calls. (Remembering an
 * array's text by identity, so a batch sent to six segments was written once, showed stale text
 * for an array changed in place after it was traced, e.g. in a snapshot, and measured no faster:
 * traced envelopes/s and scenario records/s were within run-to-run noise either way.)
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 200;

function write(value: unknown, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (depth > MAX_DEPTH) throw new TypeError('canonicalJson: value too deep (a cycle?)');
      if (Array.isArray(value)) return writeArray(value, depth);
      return writeObject(value as Record<string, unknown>, depth);
    default:
      // undefined, functions and symbols are not data; bigint would lose its type in JSON.
      if (typeof value === 'bigint') return value.toString();
      return 'null';
  }
}

function writeArray(items: readonly unknown[], depth: number): string {
  let text = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) text += ',';
    const item = items[i];
    text += item === undefined || typeof item === 'function' ? 'null' : write(item, depth + 1);
  }
  return text + ']';
}

/** An object's own keys in sorted order. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  // Objects built by the same code have the same key order; sort only when it is not sorted.
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}

function writeObject(record: Record<string, unknown>, depth: number): string {
  const keys = sortedKeys(record);
  let text = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    if (!first) text += ',';
    first = false;
    text += JSON.stringify(key) + ':' + write(item, depth + 1);
  }
  return text + '}';
}

/**
 * A state value as short text for `state` trace events: `monitoring.healthy`, parallel regions
 * joined by `|` in key order, and a `#done` / `#error` / `#stopped` suffix when the actor is no
 * longer active.
 */
export function stateText(value: unknown, status: string): string {
  const text = stateValuePaths(value).join('|');
  return status === 'active' ? text : `${text}#${status}`;
}

function stateValuePaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [String(value)];
  const paths: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    const childPaths = stateValuePaths(child);
    if (childPaths.length === 0) paths.push(key);
    for (const path of childPaths) paths.push(`${key}.${path}`);
  }
  return paths;
}
