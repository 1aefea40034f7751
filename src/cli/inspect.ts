/**
 * `run --inspect`: the run's xstate inspection events, sent live to Stately's inspector over a
 * local WebSocket (docs/simulation-guide.md, "Live inspection").
 *
 * The events are Stately's (`createInspector` of `@statelyai/inspect` converts xstate's
 * `InspectionEvent`s, exactly as its `createWebSocketInspector` does), but the socket is ours,
 * for two reasons measured on that package's 0.7.2:
 * - its WebSocket adapter reconnects every 5 s, forever, when nothing listens, and `stop()` does
 *   not cancel that timer, so a run with no inspector open would never exit; ours connects once,
 *   and with nothing listening the run goes on without inspection;
 * - it keeps only the last 200 events until the socket opens, and the run is synchronous, so
 *   nearly all would be dropped; ours opens the socket before the first step and yields to the
 *   event loop between stretches of steps, so the events leave as the run goes.
 *
 * Snapshot contexts are summarized before Stately's converter sees them (scalars as they are,
 * collections by their size): converting full contexts measured about 37 KB per snapshot and
 * 47 s of serializing for one simulated second of one PG. Everything here only observes: the
 * kernel runs the same steps in the same order (`Simulation.runUntil`), so the traceHash is the
 * one of a run without `--inspect`.
 */
import { createInspector } from '@statelyai/inspect';
import type { InspectionEvent, Snapshot } from 'xstate';
import WebSocket from 'ws';
import { UsageError } from './args.js';

/** Where `--inspect` connects when given no value: the port of `@statelyai/inspect/server`. */
export const DEFAULT_INSPECT_PORT = 8080;

const ALLOWED = 'a port from 1 to 65535 or a ws:// or wss:// URL';

/**
 * `--inspect` takes an optional value, which `node:util`'s parseArgs cannot express: the next
 * argument is its value when it looks like one (digits, or a scheme such as `ws://`), so
 * `run --inspect az-plus-one` still names the scenario. Returns argv with `--inspect=<value>`
 * (an empty value for the default).
 */
export function takeInspectFlag(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg !== '--inspect') {
      args.push(arg);
    } else if (next !== undefined && (/^\d+$/.test(next) || /^[a-z][a-z0-9+.-]*:/i.test(next))) {
      args.push(`--inspect=${next}`);
      i++;
    } else {
      args.push('--inspect=');
    }
  }
  return args;
}

/** The WebSocket URL an `--inspect` value names (empty: the default port), else a usage error. */
export function inspectUrl(value: string): string {
  if (value === '') return `ws://localhost:${DEFAULT_INSPECT_PORT}`;
  if (/^\d+$/.test(value)) {
    const port = Number(value);
    if (port >= 1 && port <= 65535) return `ws://localhost:${port}`;
  } else if (/^wss?:\/\//i.test(value) && URL.canParse(value)) {
    return value;
  }
  throw new UsageError(`--inspect takes ${ALLOWED} (where @statelyai/inspect's inspector server listens); got "${value}"`);
}

/** The page of `@statelyai/inspect/server` that shows what arrives at `url`: the same host and port, over HTTP. */
export function inspectorPage(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : 'http:';
  return parsed.toString();
}

/** An open connection to the inspector: its inspect hook, a pause that lets events leave, and close. */
export interface LiveInspector {
  /** The xstate inspect hook for the simulation. */
  inspect: (event: InspectionEvent) => void;
  /** Resolves when every event so far is converted and written to the socket (or the socket is gone). */
  flush(): Promise<void>;
  /** Flushes, then closes the socket; the process has nothing of ours left afterwards. */
  close(): Promise<void>;
}

/** Milliseconds to wait for the opening handshake: a guard against a host that never answers. */
const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Milliseconds `close` waits for the inspector's close frame before dropping the socket. */
const CLOSE_TIMEOUT_MS = 2_000;

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Connects to `url`. Resolves to undefined, after one line on `err`, when nothing answers (the
 * run then goes on without inspection); never retries, so nothing is left to keep the process
 * alive.
 */
export function connectInspector(url: string, err: (text: string) => void): Promise<LiveInspector | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    socket.once('error', (error) => {
      err(`inspect: nothing answered at ${url} (${(error as Error).message}); the run goes on without inspection\n`);
      socket.terminate();
      resolve(undefined);
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      resolve(liveInspector(url, socket, err));
    });
  });
}

function liveInspector(url: string, socket: WebSocket, err: (text: string) => void): LiveInspector {
  let handed = 0;
  let converted = 0;
  let unsent = 0;
  let open = true;
  const sent: (() => void)[] = [];
  const lost = (why: string) => {
    if (!open) return;
    open = false;
    err(`inspect: the inspector at ${url} ${why}; the run goes on without inspection\n`);
    for (const wake of sent.splice(0)) wake();
  };
  socket.on('close', () => lost('closed the connection'));
  socket.on('error', (error) => lost(`failed (${error.message})`));
  const inspector = createInspector(
    {
      send: (event) => {
        converted++;
        if (!open) return;
        unsent++;
        socket.send(JSON.stringify(event), () => {
          unsent--;
          if (unsent === 0) for (const wake of sent.splice(0)) wake();
        });
      },
    },
    { autoStart: false },
  );
  const inspect = (event: InspectionEvent): void => {
    // Stately's converter drops the other kinds (microsteps, actions) after a timer each.
    if (!open || (event.type !== '@xstate.actor' && event.type !== '@xstate.event' && event.type !== '@xstate.snapshot')) return;
    handed++;
    inspector.inspect.next?.(event.type === '@xstate.snapshot' ? { ...event, snapshot: summarizedSnapshot(event.snapshot) } : event);
  };
  const flush = async (): Promise<void> => {
    // Stately's converter runs each event on its own timer (`setTimeout(cb, 0)`).
    while (open && converted < handed) await macrotask();
    if (open && unsent > 0) await new Promise<void>((resolve) => sent.push(resolve));
  };
  const close = async (): Promise<void> => {
    await flush();
    open = false;
    if (socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const drop = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
      socket.once('close', () => {
        clearTimeout(drop);
        resolve();
      });
      socket.close();
    });
  };
  return { inspect, flush, close };
}

/** A snapshot whose context keeps scalars and names collections by size (see the file header). */
function summarizedSnapshot(snapshot: Snapshot<unknown>): Snapshot<unknown> {
  const { status, value, context } = snapshot as Snapshot<unknown> & { value?: unknown; context?: unknown };
  // Only what Stately's converter reads: it serializes the object as it is.
  return { status, value, context: summarize(context, 2) } as unknown as Snapshot<unknown>;
}

function summarize(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return `${value.length} items`;
  if (value instanceof Map || value instanceof Set) return `${value.size} entries`;
  const entries = Object.entries(value);
  if (depth === 0) return `${entries.length} fields`;
  return Object.fromEntries(entries.map(([key, field]) => [key, summarize(field, depth - 1)]));
}
