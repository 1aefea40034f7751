/**
 * `aurora-actors experiment <name|all>`: runs experiments that put our figures beside the published
 * ones (src/experiments/, docs/experiments.md) and prints their tables, or with `--json` one JSON
 * document `{ seed, quick, experiments: [...] }`. `--markdown FILE` writes the docs page from the
 * results (with the commit they were measured at). Exit 2 on bad input.
 */
import { execFileSync } from 'node:child_process';
import { EXPERIMENTS, findExperiment } from '../experiments/index.js';
import type { ExperimentResult } from '../experiments/index.js';
import { experimentText, experimentsMarkdown } from '../experiments/format.js';
import { closeOutputs, EXIT_OUTPUT_FAILED, openOutput, parse, parseSeed, UsageError } from './args.js';
import type { CliIo } from './args.js';

const FLAGS = { seed: { type: 'string' }, json: { type: 'boolean' }, quick: { type: 'boolean' }, markdown: { type: 'string' } } as const;

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

export function experimentCommand(argv: readonly string[], { out, err }: CliIo): number {
  const { values, positionals } = parse(argv, FLAGS, 1);
  const name = positionals[0];
  if (name === undefined) throw new UsageError(`experiment needs a name: one of ${allowedNames()}`);
  const chosen = name === 'all' ? EXPERIMENTS : [findExperiment(name)].filter((experiment) => experiment !== undefined);
  if (chosen.length === 0) throw new UsageError(`unknown experiment "${name}"; allowed: ${allowedNames()}`);
  const seed = parseSeed(values.seed as string | undefined, 1);
  const quick = values.quick === true;
  const markdown = openOutput('--markdown', values.markdown);
  err(`SEED=${seed}\n`);
  const results: ExperimentResult[] = [];
  for (const experiment of chosen) {
    err(`experiment ${experiment.name}${quick ? ' (quick)' : ''} …\n`);
    results.push(experiment.run({ seed, quick }));
  }
  out(values.json === true ? JSON.stringify({ seed, quick, experiments: results }, null, 2) + '\n' : results.map(experimentText).join('\n'));
  markdown?.line(experimentsMarkdown(results, { seed, commit: currentCommit(), command: `aurora-actors experiment ${name} --seed ${seed}${quick ? ' --quick' : ''} --markdown FILE` }));
  return closeOutputs([markdown], err) ? 0 : EXIT_OUTPUT_FAILED;
}
