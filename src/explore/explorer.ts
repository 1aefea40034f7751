/**
 * The exhaustive explorer: breadth- or depth-first search over every state a model's xstate
 * machines can reach, checking its properties at every state (Stateright's checker,
 * `src/checker/bfs.rs` and `dfs.rs`, over our own transition relation, src/explore/explore-world.ts).
 *
 * Each state is fingerprinted once (src/explore/fingerprint.ts); a fingerprint seen before is not
 * expanded again. For each new fingerprint the search keeps its parent and the choice that led
 * there, nothing else, so a counterexample's path is rebuilt by walking parents and replayed with
 * {@link replay}. Time never passes here: timers are choices like deliveries (docs/explorer.md).
 */
import type { ExploreModel, NetworkSemantics } from './explore-model.js';
import type { Choice, ExploreState } from './explore-state.js';
import { ExploreWorld, NO_TRANSITION } from './explore-world.js';
import { FingerprintSet } from './fingerprint-set.js';

/** Options of {@link explore}. */
export interface ExploreOptions {
  /** Breadth-first finds shortest counterexamples; depth-first uses less memory. @defaultValue 'bfs' */
  strategy?: 'bfs' | 'dfs';
  /** States this many choices from the initial state are checked but not expanded. @defaultValue unbounded */
  maxDepth?: number;
  /** Stop once this many unique states are known. @defaultValue unbounded */
  maxStates?: number;
  /** Count states equal up to the model's symmetry groups once. @defaultValue false */
  symmetry?: boolean;
  /** Overrides the model's network semantics. */
  network?: NetworkSemantics;
  /** Stop at the first violated `always` property. @defaultValue true */
  stopAtViolation?: boolean;
  /** Called every {@link ExploreOptions.progressEvery} unique states, for people watching. */
  onProgress?: (progress: { uniqueStates: number; depth: number }) => void;
  /** @defaultValue 100000 */
  progressEvery?: number;
}

/** What the search found about one property. */
export interface PropertyResult {
  name: string;
  kind: 'always' | 'sometimes';
  /**
   * `held`: an `always` held in every state searched; `violated`: it failed in one (see `path`);
   * `found`: a `sometimes` held in some state (see `path`); `not-found`: in none searched.
   */
  status: 'held' | 'violated' | 'found' | 'not-found';
  /** The choices from the initial state to the counterexample or witness. */
  path?: Choice[];
}

/** The outcome of {@link explore}. */
export interface ExploreResult {
  model: string;
  strategy: 'bfs' | 'dfs';
  network: NetworkSemantics;
  symmetry: boolean;
  /** Distinct fingerprints (of representatives, under symmetry), the initial state included. */
  uniqueStates: number;
  /** Choices applied that led to a state (seen before or not). */
  transitions: number;
  /** The largest number of choices from the initial state to a state searched. */
  depthMax: number;
  /** True iff every reachable state was searched (no limit or violation cut the search short). */
  complete: boolean;
  properties: PropertyResult[];
  /** True iff some `always` property was violated. */
  violated: boolean;
}

interface Frontier {
  state: ExploreState;
  entry: number;
  depth: number;
}

/** Searches `model`'s reachable states; see the file header. */
export function explore(model: ExploreModel, options: ExploreOptions = {}): ExploreResult {
  const world = new ExploreWorld(model, { network: options.network, symmetry: options.symmetry });
  const strategy = options.strategy ?? 'bfs';
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const progressEvery = options.progressEvery ?? 100_000;
  const stopAtViolation = options.stopAtViolation ?? true;
  const properties = model.properties;
  const results: PropertyResult[] = properties.map((property) => ({
    name: property.name,
    kind: property.kind,
    status: property.kind === 'always' ? 'held' : 'not-found',
  }));
  // Per unique state: its parent's entry and the choice from there (entry 0 is the initial state).
  const parents: number[] = [-1];
  const choices: (Choice | undefined)[] = [undefined];
  const visited = new FingerprintSet();
  const pathTo = (entry: number): Choice[] => {
    const path: Choice[] = [];
    for (let at = entry; at > 0; at = parents[at] as number) path.push(choices[at] as Choice);
    return path.reverse();
  };
  let violated = false;
  let complete = true;
  const check = (state: ExploreState, entry: number): void => {
    for (const [index, property] of properties.entries()) {
      const result = results[index] as PropertyResult;
      if (result.status === 'violated' || result.status === 'found') continue;
      const holds = property.holds(state);
      if (property.kind === 'always' && !holds) {
        result.status = 'violated';
        result.path = pathTo(entry);
        violated = true;
      } else if (property.kind === 'sometimes' && holds) {
        result.status = 'found';
        result.path = pathTo(entry);
      }
    }
  };

  const initial = world.initial();
  visited.add(world.fingerprint(initial), 0);
  check(initial, 0);
  const frontier: Frontier[] = [{ state: initial, entry: 0, depth: 0 }];
  let head = 0;
  let transitions = 0;
  let depthMax = 0;
  while (head < frontier.length && !(violated && stopAtViolation)) {
    const current = (strategy === 'bfs' ? frontier[head++] : frontier.pop()) as Frontier;
    if (strategy === 'bfs' && head > 4096 && head * 2 > frontier.length) {
      frontier.splice(0, head); // drop the expanded prefix so the queue does not grow without bound
      head = 0;
    }
    if (current.depth > depthMax) depthMax = current.depth;
    const offered = world.enumerate(current.state);
    if (current.depth >= maxDepth) {
      if (offered > 0) complete = false;
      continue;
    }
    for (let k = 0; k < offered; k++) {
      // The successor's fingerprint first: it is built only if it is new (docs/explorer.md, "Speed").
      const fingerprint = world.peek(current.state, k);
      if (fingerprint === NO_TRANSITION) continue;
      transitions++;
      if (visited.get(fingerprint) >= 0) continue;
      if (visited.size >= maxStates) {
        complete = false;
        break;
      }
      const next = world.successor();
      const entry = parents.length;
      visited.add(fingerprint, entry);
      parents.push(current.entry);
      choices.push(world.choiceAt(current.state, k));
      check(next, entry);
      frontier.push({ state: next, entry, depth: current.depth + 1 });
      if (visited.size % progressEvery === 0) options.onProgress?.({ uniqueStates: visited.size, depth: current.depth + 1 });
      if (violated && stopAtViolation) break;
    }
  }
  if (head < frontier.length) complete = false;
  return {
    model: model.name,
    strategy,
    network: world.network,
    symmetry: world.symmetry,
    uniqueStates: visited.size,
    transitions,
    depthMax,
    complete: complete && !(violated && stopAtViolation && head < frontier.length),
    properties: results,
    violated,
  };
}

/** Options of {@link replay}: the ones that change the transition relation. */
export interface ReplayOptions {
  network?: NetworkSemantics;
}

/**
 * Replays a path of choices from the initial state; returns every state along it, the initial
 * state first. Throws if a choice is not available where the path makes it.
 */
export function replay(model: ExploreModel, path: readonly Choice[], options: ReplayOptions = {}): ExploreState[] {
  const world = new ExploreWorld(model, { network: options.network });
  const states = [world.initial()];
  for (const [step, choice] of path.entries()) {
    const next = world.next(states[states.length - 1] as ExploreState, choice);
    if (next === undefined) throw new Error(`replay: step ${step + 1} (${describeChoice(choice)}) changes nothing`);
    states.push(next);
  }
  return states;
}

/** A choice in a few words, for people. */
export function describeChoice(choice: Choice): string {
  switch (choice.kind) {
    case 'deliver':
      return `deliver ${choice.message.type} ${choice.from} → ${choice.to}`;
    case 'drop':
      return `drop ${choice.message.type} ${choice.from} → ${choice.to}`;
    case 'timer':
      return `timer ${choice.timerId} fires at ${choice.actor}`;
    case 'fault':
      return `fault ${choice.fault} at ${choice.actor}`;
  }
}
