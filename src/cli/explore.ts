/**
 * `aurora-actors explore`: searches every reachable state of a model's xstate machines
 * (src/explore/explorer.ts, docs/explorer.md) and reports unique states, states per second, the
 * depth reached and each property, with a counterexample's path of choices when an invariant
 * fails. Exit 1 when an `always` property is violated, 2 on bad input, 4 when a planted mistake
 * (`--plant`, docs/plants.md) was not detected.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExploreModel, NetworkSemantics } from '../explore/explore-model.js';
import { NETWORK_SEMANTICS } from '../explore/explore-model.js';
import type { Choice } from '../explore/explore-state.js';
import { describeChoice, explore } from '../explore/explorer.js';
import type { ExploreResult } from '../explore/explorer.js';
import { replayLive } from '../explore/live-replay.js';
import type { LiveReplayResult } from '../explore/live-replay.js';
import { pathTrace } from '../explore/path-trace.js';
import { BUILTIN_MODELS, builtinModelNames } from '../explore/reference/builtin.js';
import type { BuiltinModelOptions } from '../explore/reference/builtin.js';
import { eventLine } from '../kernel/trace.js';
import { isPlantName, PLANT_NAMES } from '../protocol/plants.js';
import type { PlantName } from '../protocol/plants.js';
import { closeOutputs, openOutput, parse, UsageError } from './args.js';
import type { CliIo } from './args.js';

const FLAGS = {
  bfs: { type: 'boolean' },
  dfs: { type: 'boolean' },
  'max-depth': { type: 'string' },
  'max-states': { type: 'string' },
  symmetry: { type: 'boolean' },
  network: { type: 'string' },
  rms: { type: 'string' },
  writes: { type: 'string' },
  client: { type: 'string' },
  crashes: { type: 'string' },
  lal: { type: 'string' },
  plant: { type: 'string' },
  shipments: { type: 'string' },
  loss: { type: 'boolean' },
  failover: { type: 'boolean' },
  trace: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** A positive integer flag, else a usage error naming the flag. */
function positiveInteger(flag: string, text: unknown): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(String(text).trim());
  if (!/^\d+$/.test(String(text).trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${flag} must be a positive integer, got "${String(text)}"`);
  }
  return value;
}

/** `--client`: how tiny-volume's client issues its writes. */
function clientMode(text: unknown): 'concurrent' | 'one-at-a-time' | undefined {
  if (text === undefined) return undefined;
  if (text === 'concurrent' || text === 'one-at-a-time') return text;
  throw new UsageError(`--client must be one of concurrent, one-at-a-time, got "${String(text)}"`);
}

/** A non-negative integer flag, else a usage error naming the flag. */
function nonNegativeInteger(flag: string, text: unknown): number | undefined {
  if (text === undefined) return undefined;
  if (String(text).trim() === '0') return 0;
  try {
    return positiveInteger(flag, text);
  } catch {
    throw new UsageError(`--${flag} must be a non-negative integer, got "${String(text)}"`);
  }
}

/** True iff `value` has the shape of an {@link ExploreModel}. */
function isExploreModel(value: unknown): value is ExploreModel {
  const model = value as Partial<ExploreModel> | undefined;
  return typeof model === 'object' && model !== null && typeof model.name === 'string' && Array.isArray(model.actors) && Array.isArray(model.properties);
}

/**
 * A model module: it exports `model` (an ExploreModel), or `createModel(options)` returning one,
 * or one as its default export (docs/explorer.md, "Your own machines").
 */
async function loadModule(path: string, options: BuiltinModelOptions): Promise<ExploreModel> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new UsageError(`model "${path}": no such file; give a built-in model (${builtinModelNames().join(', ')}) or a path to a module exporting an ExploreModel`);
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`model "${path}" could not be loaded: ${(error as Error).message.split('\n')[0] ?? 'unknown error'}`);
  }
  const created = typeof exports['createModel'] === 'function' ? (exports['createModel'] as (o: BuiltinModelOptions) => unknown)(options) : undefined;
  const model = [exports['model'], created, exports['default']].find(isExploreModel);
  if (model === undefined) {
    throw new UsageError(`model "${path}" exports no ExploreModel: export \`model\`, \`createModel(options)\` or a default export with name, actors and properties (docs/explorer.md)`);
  }
  return model;
}

async function loadModel(name: string | undefined, options: BuiltinModelOptions): Promise<ExploreModel> {
  if (name === undefined) throw new UsageError(`explore needs a model: one of ${builtinModelNames().join(', ')}, or a path to a module exporting an ExploreModel`);
  const builtin = BUILTIN_MODELS[name];
  if (builtin !== undefined) {
    for (const option of Object.keys(options) as (keyof BuiltinModelOptions)[]) {
      if (options[option] === undefined || builtin.options.includes(option)) continue;
      const readers = builtinModelNames().filter((other) => BUILTIN_MODELS[other]?.options.includes(option) === true);
      throw new UsageError(`--${option} applies to ${readers.join(', ')} only, not to ${name}`);
    }
    try {
      return builtin.create(options);
    } catch (error) {
      // A model refuses options it cannot take (a value out of its range, a plant none of its machines read).
      if (error instanceof RangeError) throw new UsageError(`${name}: ${error.message.replace(/^\w+: /, '')}`);
      throw error;
    }
  }
  if (existsSync(name) || /[/\\]|\.[cm]?[jt]s$/.test(name)) return loadModule(name, options);
  throw new UsageError(`unknown model "${name}"; built-in models: ${builtinModelNames().join(', ')} (or a path to a module exporting an ExploreModel)`);
}

/** A choice as JSON: without its internal message hash. */
function choiceJson(choice: Choice): unknown {
  if (choice.kind === 'deliver' || choice.kind === 'drop') return { kind: choice.kind, from: choice.from, to: choice.to, message: choice.message };
  return choice;
}

function formatReport(result: ExploreResult, elapsedS: number, statesPerS: number, liveReplay: LiveReplayResult | undefined): string {
  const lines = [
    `explore ${result.model}: ${result.strategy}, ${result.network} network, symmetry ${result.symmetry ? 'on' : 'off'}`,
    `  unique states ${result.uniqueStates}, transitions ${result.transitions}, depth ${result.depthMax}, ${result.complete ? 'complete' : 'cut short (a limit or a violation)'}`,
    `  ${Math.round(statesPerS)} states/s (${elapsedS.toFixed(3)} s)`,
  ];
  for (const property of result.properties) {
    lines.push(`  ${property.kind} "${property.name}": ${property.status}${property.path === undefined ? '' : ` (${property.path.length} choices)`}`);
    if (property.status === 'violated' && property.path !== undefined) {
      lines.push('    counterexample:');
      for (const [index, choice] of property.path.entries()) lines.push(`      ${index + 1}. ${describeChoice(choice)}`);
    }
  }
  if (liveReplay !== undefined) {
    lines.push(
      liveReplay.matches
        ? `  the counterexample replayed live (real xstate actors): the same states at all ${liveReplay.steps} choices`
        : `  the counterexample replayed live DIVERGES at choice ${liveReplay.divergence?.step ?? '?'} (${liveReplay.divergence?.choice ?? 'initial state'}): ${liveReplay.divergence?.what ?? ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The search `explore`'s flags ask for: the model and the explorer's options. */
export interface ExploreSetup {
  readonly model: ExploreModel;
  readonly strategy: 'bfs' | 'dfs';
  readonly maxDepth: number | undefined;
  readonly maxStates: number | undefined;
  readonly symmetry: boolean;
  readonly network: NetworkSemantics | undefined;
  readonly plant: PlantName | undefined;
}

/** Reads `explore`'s model and search flags (shared with `viz --explore`); usage errors name the flag. */
export async function exploreSetup(values: Record<string, unknown>, positionals: readonly string[]): Promise<ExploreSetup> {
  if (values['bfs'] === true && values['dfs'] === true) throw new UsageError('--bfs and --dfs exclude each other; give one (default --bfs)');
  const network = values['network'] as string | undefined;
  if (network !== undefined && !(NETWORK_SEMANTICS as readonly string[]).includes(network)) {
    throw new UsageError(`--network must be one of ${NETWORK_SEMANTICS.join(', ')}, got "${network}"`);
  }
  const plant = values['plant'] as string | undefined;
  if (plant !== undefined && !isPlantName(plant)) throw new UsageError(`--plant must be one of ${PLANT_NAMES.join(', ')}, got "${plant}"`);
  const modelOptions: BuiltinModelOptions = {
    rms: positiveInteger('rms', values['rms']),
    writes: positiveInteger('writes', values['writes']),
    client: clientMode(values['client']),
    crashes: nonNegativeInteger('crashes', values['crashes']),
    lal: positiveInteger('lal', values['lal']),
    plant: plant as PlantName | undefined,
    shipments: positiveInteger('shipments', values['shipments']),
    loss: values['loss'] === true ? true : undefined,
    failover: values['failover'] === true ? true : undefined,
  };
  const maxDepth = positiveInteger('max-depth', values['max-depth']);
  const maxStates = positiveInteger('max-states', values['max-states']);
  const isBuiltin = positionals[0] !== undefined && BUILTIN_MODELS[positionals[0]] !== undefined;
  if (!isBuiltin && plant !== undefined) throw new UsageError(`--plant applies to the built-in models that take it (${builtinModelNames().filter((name) => BUILTIN_MODELS[name]?.options.includes('plant') === true).join(', ')}), not to a model module`);
  const model = await loadModel(positionals[0], modelOptions);
  return {
    model,
    strategy: values['dfs'] === true ? 'dfs' : 'bfs',
    maxDepth,
    maxStates,
    symmetry: values['symmetry'] === true,
    network: network as NetworkSemantics | undefined,
    plant: plant as PlantName | undefined,
  };
}

/** `explore`'s flags, for commands that take them too (`viz --explore`). */
export const EXPLORE_FLAGS = FLAGS;

/** Runs `aurora-actors explore`; returns the exit code. */
export async function exploreCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, FLAGS, 1);
  const { model, strategy, maxDepth, maxStates, symmetry, network, plant } = await exploreSetup(values, positionals);
  const trace = openOutput('--trace', values['trace']);
  io.err(`explore ${model.name}: ${strategy}${maxDepth === undefined ? '' : `, max depth ${maxDepth}`}${maxStates === undefined ? '' : `, max states ${maxStates}`}\n`);
  const startedMs = performance.now();
  const result = explore(model, {
    strategy,
    maxDepth,
    maxStates,
    symmetry,
    network,
    onProgress: ({ uniqueStates, depth }) => io.err(`explore: ${uniqueStates} unique states, depth ${depth}\n`),
  });
  const elapsedS = (performance.now() - startedMs) / 1000;
  const statesPerS = elapsedS > 0 ? result.uniqueStates / elapsedS : 0;
  const counterexample = result.properties.find((property) => property.status === 'violated');
  // The counterexample again, with the machines running live as a user embeds them: it must
  // reach the same states (src/explore/live-replay.ts).
  const liveReplay = counterexample?.path === undefined ? undefined : replayLive(model, counterexample.path, { network: result.network });
  if (trace !== undefined) {
    const shown = counterexample ?? result.properties.find((property) => property.path !== undefined);
    for (const event of pathTrace(model, shown?.path ?? [], { network: result.network, snapshots: true })) trace.line(eventLine(event));
  }
  if (values['json'] === true) {
    const properties = result.properties.map((property) => ({ ...property, path: property.path?.map(choiceJson) }));
    io.out(`${JSON.stringify({ ...result, properties, elapsedS, statesPerS, ...(liveReplay === undefined ? {} : { liveReplay }) })}\n`);
  } else {
    io.out(formatReport(result, elapsedS, statesPerS, liveReplay));
  }
  if (!closeOutputs([trace], io.err)) return 3;
  if (counterexample !== undefined) {
    io.err(`explore: "${counterexample.name}" violated; the counterexample has ${counterexample.path?.length ?? 0} choices\n`);
    return 1;
  }
  if (plant !== undefined) {
    // As `run --plant`: an undetected plant never passes for a clean result (docs/plants.md).
    io.err(`explore: plant ${plant} not detected in ${result.uniqueStates} unique states (${result.complete ? 'the whole space' : 'a search cut short by its limits'})\n`);
    return 4;
  }
  return 0;
}
