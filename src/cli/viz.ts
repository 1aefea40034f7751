/**
 * `aurora-actors viz`: the viewer (docs/viewer.md). It reads traces (or makes one: a run of a
 * scenario, or an explored counterexample), indexes them and serves one page on 127.0.0.1 that
 * replays them step by step. It prints the address on stderr (with `--json`, one JSON document
 * on stdout) and serves until interrupted.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { explore } from '../explore/explorer.js';
import { pathTrace } from '../explore/path-trace.js';
import { eventLine } from '../kernel/trace.js';
import { Simulation } from '../simulation/simulation.js';
import { traceHeaderLine } from '../testing/replay.js';
import { indexTrace, TraceFormatError } from '../viz/trace-index.js';
import type { IndexedTrace } from '../viz/trace-index.js';
import { startViewer, ViewerPortError } from '../viz/server.js';
import type { RunningViewer } from '../viz/server.js';
import { loadScenario, parseSeed, parse, UsageError } from './args.js';
import type { CliIo } from './args.js';
import { EXPLORE_FLAGS, exploreSetup } from './explore.js';
import { runWithProgress } from './progress.js';
import { parsePlant } from './sweep.js';

/** The port `viz` listens on unless told otherwise. */
export const DEFAULT_VIEWER_PORT = 7357;
/** What `viz` shows when given nothing: the quick start's run (`npm start`). */
const DEFAULT_RUN = { scenario: 'az-plus-one', seed: 1 };

const { trace: _trace, json: _json, ...EXPLORE_SEARCH_FLAGS } = EXPLORE_FLAGS;
const FLAGS = {
  ...EXPLORE_SEARCH_FLAGS,
  port: { type: 'string' },
  json: { type: 'boolean' },
  explore: { type: 'string' },
  run: { type: 'string' },
  seed: { type: 'string' },
} as const;

function parsePort(text: unknown): number {
  if (text === undefined) return DEFAULT_VIEWER_PORT;
  const trimmed = String(text).trim();
  const port = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || port > 65_535) throw new UsageError(`--port must be an integer from 0 to 65535 (0: any free port), got "${String(text)}"`);
  return port;
}

/** A unique id for a trace file: its name without `.jsonl`. */
function traceId(file: string, taken: Set<string>): string {
  const stem = basename(file).replace(/\.jsonl?$/i, '') || 'trace';
  let id = stem;
  for (let n = 2; taken.has(id); n++) id = `${stem}-${n}`;
  taken.add(id);
  return id;
}

function readTrace(file: string, id: string): IndexedTrace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`trace ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory; give a .jsonl trace file' : 'cannot be read'} (${code})`);
  }
  const lines = text.split('\n');
  if (lines.every((line) => line.trim() === '')) throw new UsageError(`trace ${file}: is empty; give a trace written by run --trace, replay --trace or explore --trace`);
  try {
    return indexTrace(id, file, lines);
  } catch (error) {
    if (error instanceof TraceFormatError) throw new UsageError(error.message);
    throw error;
  }
}

/** Runs a scenario to its end with its trace kept as lines: the lines `run --trace` writes (header, events, verdicts). */
function runTrace(name: string, seed: number, plantText: string | undefined, io: CliIo, why?: string): IndexedTrace {
  const scenario = loadScenario(name);
  const plant = parsePlant(plantText) ?? undefined;
  // The seed comes first, as for every run.
  io.err(`SEED=${seed}\n`);
  if (why !== undefined) io.err(`${why}\n`);
  const lines: string[] = [traceHeaderLine({ seed, scenario, ...(plant === undefined ? {} : { plant }) })];
  const sim = new Simulation({ seed, scenario, ...(plant === undefined ? {} : { plant }), traceVerdicts: true, trace: { keepEvents: false, sink: (line) => lines.push(line) } });
  runWithProgress(sim, { err: io.err, ...(io.progressEveryMs === undefined ? {} : { everyMs: io.progressEveryMs }) });
  sim.recordFinalVerdicts(sim.report());
  const id = `${scenario.name}-seed-${seed}`;
  return indexTrace(id, `run ${scenario.name} --seed ${seed}${plant === undefined ? '' : ` --plant ${plant}`}`, lines);
}

/**
 * Explores a model (`values`: explore's flags, the model under `explore`) and takes its
 * counterexample (or, with none, a witness's path) as an indexed trace.
 */
export async function exploreCounterexampleTrace(values: Record<string, unknown>, io: CliIo): Promise<IndexedTrace> {
  const setup = await exploreSetup(values, [String(values['explore'])]);
  io.err(`explore ${setup.model.name}: ${setup.strategy}, looking for a counterexample to show\n`);
  const result = explore(setup.model, { strategy: setup.strategy, maxDepth: setup.maxDepth, maxStates: setup.maxStates, symmetry: setup.symmetry, network: setup.network });
  const counterexample = result.properties.find((property) => property.status === 'violated');
  const shown = counterexample ?? result.properties.find((property) => property.path !== undefined);
  if (shown?.path === undefined) {
    throw new UsageError(`explore ${setup.model.name}: no property violated or witnessed in ${result.uniqueStates} states, so there is no path to show; give a trace file instead`);
  }
  io.err(`explore: ${counterexample === undefined ? 'no violation; showing the witness of' : 'counterexample to'} "${shown.name}", ${shown.path.length} choices (${result.uniqueStates} states searched)\n`);
  const lines = pathTrace(setup.model, shown.path, { network: result.network, snapshots: true }).map(eventLine);
  return indexTrace(`explore-${String(values['explore']).replace(/[^A-Za-z0-9._-]/g, '_')}`, `explore ${setup.model.name}`, lines);
}

/** Runs `aurora-actors viz`; resolves with the exit code once the viewer is stopped. */
export async function vizCommand(argv: readonly string[], io: CliIo, stop: Promise<void> = interrupted()): Promise<number> {
  const { values, positionals } = parse(argv, FLAGS, Number.MAX_SAFE_INTEGER);
  const port = parsePort(values.port);
  const sources = [positionals.length > 0, values.explore !== undefined, values.run !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give trace files, --explore <model> or --run <scenario>, one of them');
  const searchFlags = Object.keys(EXPLORE_SEARCH_FLAGS).filter((flag) => values[flag as keyof typeof values] !== undefined && flag !== 'plant');
  if (values.explore === undefined && searchFlags.length > 0) throw new UsageError(`--${searchFlags[0]} applies to --explore <model> only`);
  if (values.seed !== undefined && values.explore !== undefined) throw new UsageError('--seed applies to --run (or no source), not to --explore: exploration has no seed');
  if (values.seed !== undefined && positionals.length > 0) throw new UsageError('--seed applies to --run (or no source), not to a trace file: its run is already recorded');
  if (values.plant !== undefined && positionals.length > 0) throw new UsageError('--plant applies to --run or --explore, not to a trace file');
  let traces: IndexedTrace[];
  if (positionals.length > 0) {
    const taken = new Set<string>();
    traces = positionals.map((file) => readTrace(file, traceId(file, taken)));
  } else if (values.explore !== undefined) {
    traces = [await exploreCounterexampleTrace(values, io)];
  } else {
    const name = (values.run as string | undefined) ?? DEFAULT_RUN.scenario;
    const why = values.run === undefined ? `viz: no trace given; running the quick start's scenario ${name} to show it` : undefined;
    traces = [runTrace(name, parseSeed(values.seed as string | undefined, DEFAULT_RUN.seed), values.plant as string | undefined, io, why)];
  }
  let viewer: RunningViewer;
  try {
    viewer = await startViewer({ traces, port });
  } catch (error) {
    if (error instanceof ViewerPortError) throw new UsageError(error.message);
    throw error;
  }
  const links = traces.map(({ index }) => ({
    id: index.id,
    file: index.file,
    events: index.events,
    ...(index.header?.seed === undefined ? {} : { seed: index.header.seed }),
    url: `${viewer.url}?trace=${encodeURIComponent(index.id)}`,
  }));
  for (const link of links) io.err(`viz: ${link.file}: ${link.events} events at ${link.url}\n`);
  io.err('viz: serving on 127.0.0.1 only; Ctrl-C stops it\n');
  if (values.json === true) io.out(`${JSON.stringify({ url: viewer.url, port: viewer.port, traces: links })}\n`);
  await stop;
  await viewer.close();
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
