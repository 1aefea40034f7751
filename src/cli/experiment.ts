/**
 * `aurora-actors experiment <name|all>`: runs experiments that put our figures beside the published
 * ones (src/experiments/, docs/experiments.md) and prints their tables, or with `--json` one JSON
 * document `{ seed, quick, experiments: [...] }`. `--svg DIR` draws each figure into
 * `DIR/<experiment>-<figure>.svg`; `--markdown FILE` writes the docs page from the results (with the
 * commit they were measured at, and links to the drawings when `--svg` is given). Exit 2 on bad
 * input, 3 when an output could not be written whole.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { EXPERIMENTS, findExperiment } from '../experiments/index.js';
import type { ExperimentResult } from '../experiments/index.js';
import { experimentText, experimentsMarkdown } from '../experiments/format.js';
import { closeOutputs, EXIT_OUTPUT_FAILED, openOutput, parse, parseSeed, UsageError } from './args.js';
import type { CliIo } from './args.js';

const FLAGS = { seed: { type: 'string' }, json: { type: 'boolean' }, quick: { type: 'boolean' }, markdown: { type: 'string' }, svg: { type: 'string' } } as const;

/** The names `experiment` takes. */
function allowedNames(): string {
  return [...EXPERIMENTS.map((experiment) => experiment.name), 'all'].join(', ');
}

/** The checkout's commit, for the page's provenance; a note when there is none. */
function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/**
 * The directory `--svg` names, created if missing; refused before any experiment runs when it is a
 * file or cannot be created, so a bad flag costs no minutes of runs.
 */
function svgDirectory(dir: unknown): string | undefined {
  if (dir === undefined) return undefined;
  const path = String(dir);
  if (path === '') throw new UsageError('--svg needs a directory to write <experiment>-<figure>.svg into');
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === false) throw new UsageError(`--svg ${path} is a file; give a directory (it is created if missing)`);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new UsageError(`--svg ${path}: cannot create the directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return path;
}

/** The file a figure is drawn into, within the `--svg` directory. */
function figureFile(experiment: string, figure: string): string {
  return `${experiment}-${figure}.svg`;
}

/**
 * Draws every figure into `dir`. The renderer (uPlot in a DOM of its own) is loaded only here, so
 * the command without `--svg` does not pay for it. False when a file could not be written (said on
 * stderr); the others are still written.
 */
async function drawFigures(results: readonly ExperimentResult[], dir: string, err: (text: string) => void): Promise<boolean> {
  const { renderFigureSvg } = await import('../experiments/svg.js');
  let ok = true;
  let written = 0;
  for (const result of results) {
    for (const figure of result.figures) {
      const path = join(dir, figureFile(result.name, figure.name));
      try {
        writeFileSync(path, renderFigureSvg(figure));
        written++;
      } catch (error) {
        err(`aurora-actors: --svg: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`);
        ok = false;
      }
    }
  }
  err(`${written} figure${written === 1 ? '' : 's'} drawn into ${dir}\n`);
  return ok;
}

export async function experimentCommand(argv: readonly string[], { out, err }: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, FLAGS, 1);
  const name = positionals[0];
  if (name === undefined) throw new UsageError(`experiment needs a name: one of ${allowedNames()}`);
  const chosen = name === 'all' ? EXPERIMENTS : [findExperiment(name)].filter((experiment) => experiment !== undefined);
  if (chosen.length === 0) throw new UsageError(`unknown experiment "${name}"; allowed: ${allowedNames()}`);
  const seed = parseSeed(values.seed as string | undefined, 1);
  const quick = values.quick === true;
  // Read before the page is opened: opening it changes a tracked file, which would read as uncommitted.
  const commit = values.markdown === undefined ? undefined : currentCommit();
  const markdown = openOutput('--markdown', values.markdown);
  const svg = svgDirectory(values.svg);
  err(`SEED=${seed}\n`);
  const results: ExperimentResult[] = [];
  for (const experiment of chosen) {
    err(`experiment ${experiment.name}${quick ? ' (quick)' : ''} …\n`);
    results.push(experiment.run({ seed, quick }));
  }
  out(values.json === true ? JSON.stringify({ seed, quick, experiments: results }, null, 2) + '\n' : results.map(experimentText).join('\n'));
  const drawn = svg === undefined ? true : await drawFigures(results, svg, err);
  if (markdown !== undefined) {
    // Links relative to the page, with forward slashes whatever the platform, so they work on GitHub too.
    const figurePath =
      svg === undefined ? undefined : (experiment: string, figure: string) => relative(dirname(String(values.markdown)), join(svg, figureFile(experiment, figure))).split(sep).join('/');
    const command = `aurora-actors experiment ${name} --seed ${seed}${quick ? ' --quick' : ''}${svg === undefined ? '' : ` --svg ${svg}`} --markdown ${String(values.markdown)}`;
    // Run as an npm script (`npm run docs:experiments`), the page names the script a reader reruns.
    const script = process.env['npm_lifecycle_event'];
    markdown.line(experimentsMarkdown(results, { seed, commit: commit ?? currentCommit(), command, ...(script === undefined || script === '' ? {} : { script: `npm run ${script}` }), ...(figurePath === undefined ? {} : { figurePath }) }));
  }
  return closeOutputs([markdown], err) && drawn ? 0 : EXIT_OUTPUT_FAILED;
}
