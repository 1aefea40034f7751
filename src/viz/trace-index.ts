/**
 * A trace read once into what the viewer's page needs to show any step at once
 * (docs/viewer.md): per actor, the steps at which its state changed; per segment, the SCL its
 * messages reported; the faults; the invariants' verdicts. A step is an event's index in the
 * trace (0 is the first event after any header line), and "the world at step s" is what the
 * events 0..s made it. The events themselves stay on the server and are fetched by window
 * (`eventsBetween`), so a page opens a 100,000-event trace without downloading it.
 */
import { resolveTopology } from '../cluster/topology.js';
import type { TopologySpec } from '../cluster/scenario.js';
import { placeOf } from './actors.js';
import type { ActorPlace } from './actors.js';

/** The header line of a trace (docs/trace-format.md, "Header line"), as far as the viewer shows it. */
export interface TraceHeaderSummary {
  readonly seed?: number;
  readonly scenario?: string;
  readonly description?: string;
  readonly plant?: string;
}

/** A verdict event (docs/trace-format.md, `verdict`) at its step. */
export interface IndexedVerdict {
  /**
   * The step the verdict belongs to: verdicts written together after one kernel step (S4 and S6
   * failing on the same acknowledgement) are one block of events, and all of them take the step
   * of the block's first, so the page shows them failing together.
   */
  readonly step: number;
  readonly atMs: number;
  readonly invariant: string;
  readonly ok: boolean;
  readonly final: boolean;
  readonly violations?: number;
  readonly message?: string;
}

/** What the page loads (see the file header); plain JSON. */
export interface TraceIndex {
  readonly id: string;
  readonly file: string;
  readonly header?: TraceHeaderSummary;
  readonly events: number;
  /** Each event's `atMs`, by step. */
  readonly atMs: readonly number[];
  /** Every actor that has a state (or is an endpoint), in topology order. */
  readonly actors: readonly ActorPlace[];
  /** State texts, referred to by index from `states`. */
  readonly stateValues: readonly string[];
  /** Per actor (same order as `actors`): `[step, stateValueIndex, step, stateValueIndex, ...]`, steps ascending. */
  readonly states: readonly (readonly number[])[];
  /** Per actor: `[step, scl, ...]` from the SCL each of its sent messages reported (segments only). */
  readonly scl: readonly (readonly number[])[];
  readonly faults: readonly { readonly step: number; readonly atMs: number; readonly fault: string; readonly target: string }[];
  readonly verdicts: readonly IndexedVerdict[];
  /**
   * Per actor (same order as `actors`): the steps of its `snapshot` events, ascending (traces
   * written with snapshots, as `explore --trace` writes them); the page fetches the one it shows.
   */
  readonly snapshots: readonly (readonly number[])[];
}

/** An event of a window, with the step of the `send` its `deliver` or `drop` answers. */
export type WindowEvent = Record<string, unknown> & { readonly step: number; readonly kind: string; readonly sentAt?: number };

/** A trace held for the viewer: its index and its event lines. */
export interface IndexedTrace {
  readonly index: TraceIndex;
  /** The events in the window `[from, to]` (inclusive, clamped). */
  eventsBetween(from: number, to: number): WindowEvent[];
}

/** Thrown for a line that is not a trace event; names the file and line. */
export class TraceFormatError extends Error {}

const ROLE_ORDER: Record<ActorPlace['role'], number> = { region: 0, az: 1, 'storage-node': 2, service: 3, instance: 4, segment: 5, other: 6, client: 7 };

/** Orders actors as the topology reads: regions, AZs, nodes, services, instances, then segments by PG and AZ. */
function compareActors(a: ActorPlace, b: ActorPlace): number {
  return (
    ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
    (a.pg ?? -1) - (b.pg ?? -1) ||
    (a.az ?? '').localeCompare(b.az ?? '') ||
    a.id.localeCompare(b.id, 'en', { numeric: true })
  );
}

const MAX_WINDOW = 2_000;

/**
 * Indexes the lines of a trace file (see the file header). `file` names it in errors; `id` is the
 * name the page's URL uses for it.
 */
export function indexTrace(id: string, file: string, lines: readonly string[]): IndexedTrace {
  let first = 0;
  let header: TraceHeaderSummary | undefined;
  /** Instance id → its AZ, from the header's topology (an instance's id does not name its AZ). */
  let instanceAz = new Map<string, string>();
  // Skip blank lines at the end (a file ends with a newline).
  let end = lines.length;
  while (end > 0 && (lines[end - 1] as string).trim() === '') end--;
  if (end > 0) {
    const parsed = parseLine(file, lines[0] as string, 1);
    if ('auroraActorsTrace' in parsed) {
      first = 1;
      const scenario = parsed['scenario'] as { name?: unknown; description?: unknown } | undefined;
      header = {
        ...(typeof parsed['seed'] === 'number' ? { seed: parsed['seed'] } : {}),
        ...(typeof scenario?.name === 'string' ? { scenario: scenario.name } : {}),
        ...(typeof scenario?.description === 'string' ? { description: scenario.description } : {}),
        ...(typeof parsed['plant'] === 'string' ? { plant: parsed['plant'] } : {}),
      };
      instanceAz = instanceAzs((parsed['scenario'] as { topology?: TopologySpec } | undefined)?.topology);
    }
  }
  const eventLines = lines.slice(first, end);
  const atMs: number[] = new Array<number>(eventLines.length);
  const stateValueIndex = new Map<string, number>();
  const stateValues: string[] = [];
  const statesById = new Map<string, number[]>();
  const sclById = new Map<string, number[]>();
  const endpoints = new Set<string>();
  const faults: { step: number; atMs: number; fault: string; target: string }[] = [];
  const verdicts: IndexedVerdict[] = [];
  const snapshotsById = new Map<string, number[]>();
  /** Envelope id → the step of its `send`. */
  const sentAt = new Map<number, number>();
  /** The first step of the current run of consecutive verdict events. */
  let verdictBlock = -1;
  for (let step = 0; step < eventLines.length; step++) {
    const event = parseLine(file, eventLines[step] as string, step + first + 1);
    const kind = event['kind'];
    const at = event['atMs'];
    if (typeof kind !== 'string' || (typeof at !== 'number' && at !== null)) {
      throw new TraceFormatError(`${file}: line ${step + first + 1}: not a trace event (it needs a string "kind" and a number "atMs"; docs/trace-format.md)`);
    }
    atMs[step] = typeof at === 'number' ? at : Number.NaN;
    if (kind !== 'verdict') verdictBlock = -1;
    else if (verdictBlock < 0) verdictBlock = step;
    switch (kind) {
      case 'state': {
        const actor = String(event['actor']);
        const value = typeof event['value'] === 'string' ? event['value'] : JSON.stringify(event['value']);
        let valueIndex = stateValueIndex.get(value);
        if (valueIndex === undefined) {
          valueIndex = stateValues.length;
          stateValues.push(value);
          stateValueIndex.set(value, valueIndex);
        }
        const list = statesById.get(actor) ?? [];
        list.push(step, valueIndex);
        statesById.set(actor, list);
        break;
      }
      case 'send': {
        const from = String(event['from']);
        endpoints.add(from);
        endpoints.add(String(event['to']));
        if (typeof event['id'] === 'number') sentAt.set(event['id'], step);
        const scl = (event['message'] as { scl?: unknown } | null)?.scl;
        if (typeof scl === 'number') {
          const list = sclById.get(from) ?? [];
          if (list.length === 0 || list[list.length - 1] !== scl) list.push(step, scl);
          sclById.set(from, list);
        }
        break;
      }
      case 'fault':
        faults.push({ step, atMs: atMs[step] as number, fault: String(event['fault']), target: String(event['target']) });
        break;
      case 'verdict':
        verdicts.push({
          step: verdictBlock,
          atMs: atMs[step] as number,
          invariant: String(event['invariant']),
          ok: event['ok'] === true,
          final: event['final'] === true,
          ...(typeof event['violations'] === 'number' ? { violations: event['violations'] } : {}),
          ...(typeof event['message'] === 'string' ? { message: event['message'] } : {}),
        });
        break;
      case 'snapshot': {
        const actor = String(event['actor']);
        const list = snapshotsById.get(actor) ?? [];
        list.push(step);
        snapshotsById.set(actor, list);
        break;
      }
      default:
        break;
    }
  }
  for (const id of statesById.keys()) endpoints.add(id);
  for (const id of snapshotsById.keys()) endpoints.add(id);
  const actors = [...endpoints]
    .map(placeOf)
    .map((place) => (place.role === 'instance' && instanceAz.has(place.id) ? { ...place, az: instanceAz.get(place.id) as string } : place))
    .sort(compareActors);
  const index: TraceIndex = {
    id,
    file,
    ...(header === undefined ? {} : { header }),
    events: eventLines.length,
    atMs,
    actors,
    stateValues,
    states: actors.map((actor) => statesById.get(actor.id) ?? []),
    scl: actors.map((actor) => sclById.get(actor.id) ?? []),
    faults,
    verdicts,
    snapshots: actors.map((actor) => snapshotsById.get(actor.id) ?? []),
  };
  return {
    index,
    eventsBetween(from: number, to: number): WindowEvent[] {
      const lo = Math.max(0, Math.floor(from));
      const hi = Math.min(eventLines.length - 1, Math.floor(to), lo + MAX_WINDOW - 1);
      const events: WindowEvent[] = [];
      for (let step = lo; step <= hi; step++) {
        const event = JSON.parse(eventLines[step] as string) as Record<string, unknown>;
        const sent = event['kind'] === 'deliver' || event['kind'] === 'drop' ? sentAt.get(event['id'] as number) : undefined;
        events.push({ ...event, kind: String(event['kind']), step, ...(sent === undefined ? {} : { sentAt: sent }) });
      }
      return events;
    },
  };
}

/** Where the writer, the standby and the replicas run, from a scenario's topology; empty if it cannot be resolved. */
function instanceAzs(topology: TopologySpec | undefined): Map<string, string> {
  if (topology === undefined) return new Map();
  try {
    const resolved = resolveTopology(topology, 0);
    return new Map([resolved.writer, ...(resolved.standby === undefined ? [] : [resolved.standby]), ...resolved.replicas].map((instance) => [instance.id, instance.azId]));
  } catch {
    // A header from another version: the instances are shown without their AZ.
    return new Map();
  }
}

function parseLine(file: string, line: string, lineNumber: number): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new TraceFormatError(`${file}: line ${lineNumber}: not JSON (${(error as Error).message}); a trace has one JSON event a line (docs/trace-format.md)`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TraceFormatError(`${file}: line ${lineNumber}: not a JSON object; a trace has one JSON event a line (docs/trace-format.md)`);
  }
  return parsed as Record<string, unknown>;
}
