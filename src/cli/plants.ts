/**
 * `aurora-actors plants [--json]`: every plantable mistake (src/protocol/plants.ts), what it
 * breaks, the judge that finds it, and the one command that shows it. Each command exits 1 when
 * run: the judges report a violation (test/plants/ runs every one; docs/plants.md explains each).
 */
import { PLANT_NAMES, PLANTS } from '../protocol/plants.js';
import type { PlantName } from '../protocol/plants.js';
import type { CliIo } from './args.js';
import { parse } from './args.js';

/** Where a planted mistake is found: a built-in scenario, a seed, and the judges that fail. */
export interface PlantFinder {
  /** A built-in scenario (`aurora-actors scenarios`). */
  readonly scenario: string;
  readonly seed: number;
  /** The judges that report it, first the one built for it. */
  readonly judges: readonly string[];
}

/** The finder of every plantable mistake, measured (docs/plants.md). */
export const PLANT_FINDERS: Readonly<Record<PlantName, PlantFinder>> = {
  'write-quorum-3of6': { scenario: 'lal-under-load', seed: 1, judges: ['S4 VDL durability'] },
  'ignore-volume-epoch': { scenario: 'zombie-writer', seed: 1, judges: ['S8a fenced segments persist no old-epoch writes', 'S6 acknowledged commits survive recovery'] },
  'recover-from-two': { scenario: 'az-plus-one-failover', seed: 1, judges: ['S6 acknowledged commits survive recovery', 'no lost acknowledged commit'] },
  'ack-before-vdl': { scenario: 'lal-under-load', seed: 1, judges: ['S5 commit rule'] },
  'vcl-ignores-holes': { scenario: 'hole-during-az-outage', seed: 1, judges: ['S4 VDL durability'] },
  'truncate-at-vcl': { scenario: 'recovery-partial-mtr', seed: 1, judges: ['S3 point ordering'] },
  'fence-after-read': { scenario: 'zombie-writer-slow-fence', seed: 1, judges: ['S6 acknowledged commits survive recovery', 'no lost acknowledged commit'] },
  'no-gossip': { scenario: 'segment-crash-gossip', seed: 1, judges: ['segments converge after the last fault'] },
  'no-truncation-range': { scenario: 'recovery-ragged-edge-annulled', seed: 1, judges: ['segments converge after the last fault'] },
  'no-lal': { scenario: 'lal-under-load', seed: 1, judges: ['S2 LAL'] },
  'replica-applies-above-vdl': { scenario: 'replica-lag', seed: 1, judges: ['S12 replica visibility'] },
  'restore-without-log': { scenario: 'pitr', seed: 1, judges: ['S20 restore consistency'] },
};

/**
 * Where the exhaustive explorer finds a planted mistake too: `aurora-actors explore tiny-volume`
 * with these arguments exits 1, its counterexample a path of `choices` choices found within
 * `states` unique states (docs/explorer.md, "tiny-volume"; measured, and checked by
 * test/plants/plants.test.ts).
 */
export interface ExplorerFinder {
  readonly args: readonly string[];
  readonly judges: readonly string[];
  readonly states: number;
  readonly choices: number;
}

/** The mistakes the explorer finds in `tiny-volume`, with the search that finds each. */
export const PLANT_EXPLORER_FINDERS: Readonly<Partial<Record<PlantName, ExplorerFinder>>> = {
  'write-quorum-3of6': { args: ['--symmetry'], judges: ['S4 VDL durability', 'S6 no lost acknowledged commit'], states: 381, choices: 10 },
  'ignore-volume-epoch': { args: ['--crashes', '1'], judges: ['S8 fencing'], states: 12_292, choices: 11 },
  'vcl-ignores-holes': { args: ['--writes', '2', '--dfs', '--max-states', '30000'], judges: ['S6 no lost acknowledged commit'], states: 20_732, choices: 33 },
  // LAL 2 is one transaction's records (a put and its commit): the second must wait for the first.
  'no-lal': { args: ['--writes', '2', '--lal', '2'], judges: ['S2 LAL'], states: 4, choices: 2 },
};

/** The `argv` of the explorer's command for `plant`, if the explorer finds it. */
export function plantExplorerArgv(plant: PlantName): string[] | undefined {
  const finder = PLANT_EXPLORER_FINDERS[plant];
  return finder === undefined ? undefined : ['explore', 'tiny-volume', '--plant', plant, ...finder.args];
}

/** The command line that finds `plant` (it exits 1). */
export function plantCommandLine(plant: PlantName): string {
  const finder = PLANT_FINDERS[plant];
  return `aurora-actors run ${finder.scenario} --plant ${plant} --seed ${finder.seed}`;
}

/** The `argv` of {@link plantCommandLine}, for `main` (without the program name). */
export function plantCommandArgv(plant: PlantName): string[] {
  const finder = PLANT_FINDERS[plant];
  return ['run', finder.scenario, '--plant', plant, '--seed', String(finder.seed)];
}

/** One entry of `plants --json`. */
export interface PlantListing {
  readonly name: PlantName;
  readonly breaks: string;
  readonly scenario: string;
  readonly seed: number;
  readonly judges: readonly string[];
  readonly command: string;
  /** The explorer's command that finds it too (exits 1), if any. */
  readonly explorerCommand?: string;
}

/** Every plantable mistake with its finder, in the order of src/protocol/plants.ts. */
export function plantListings(): PlantListing[] {
  return PLANT_NAMES.map((name) => {
    const explorer = plantExplorerArgv(name);
    return { name, breaks: PLANTS[name], ...PLANT_FINDERS[name], command: plantCommandLine(name), ...(explorer === undefined ? {} : { explorerCommand: `aurora-actors ${explorer.join(' ')}` }) };
  });
}

/** Runs `plants [--json]`; returns the exit code. */
export function plantsCommand(argv: readonly string[], io: CliIo): number {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  const listings = plantListings();
  if (values.json === true) {
    io.out(JSON.stringify(listings, null, 2) + '\n');
    return 0;
  }
  const lines = listings.flatMap((listing) => [
    `${listing.name}`,
    `  breaks   ${listing.breaks}`,
    `  judge    ${listing.judges.join('; ')}`,
    `  found by ${listing.command}   (exits 1)`,
    ...(listing.explorerCommand === undefined ? [] : [`  explorer ${listing.explorerCommand}   (exits 1)`]),
    '',
  ]);
  io.out(lines.join('\n'));
  return 0;
}
