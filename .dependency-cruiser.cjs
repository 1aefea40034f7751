/**
 * Import rules of docs/architecture.md, "Layers", checked by `npm run lint`.
 * Every folder of src/ has its rule:
 * protocol and kernel import nothing of ours; models import protocol only; cluster imports
 * models, kernel, protocol; check imports protocol; explore imports models, kernel, check and
 * protocol; scenarios import cluster, kernel, protocol; simulation imports any of those (the
 * composition root), never the command line or the benchmarks; the mirrored-MySQL baseline
 * (src/baseline/) imports what simulation may and simulation; testing imports what simulation
 * may and simulation; experiments import those and the baseline; sweep imports those and testing; the library entry (src/index.ts)
 * likewise; the command line (src/cli.ts, src/cli/), the viewer (src/viz/) and the benchmarks (src/bench/) may import
 * anything, and nothing but themselves imports them; nothing imports test/.
 */
const ours = '^(src|models)/';
const LOWER_LAYERS = ['models', 'src/protocol', 'src/kernel', 'src/cluster', 'src/check', 'src/explore', 'src/scenarios'];
const allowedFrom = (folder, allowed) => ({
  name: `${folder.replace('/', '-')}-layering`,
  severity: 'error',
  comment: `${folder} may import only ${allowed.join(', ') || 'nothing of ours'} (docs/architecture.md, "Layers")`,
  from: { path: `^${folder}/` },
  to: { path: ours, pathNot: [`^${folder}/`, ...allowed.map((a) => `^${a}/`)] },
});

module.exports = {
  forbidden: [
    allowedFrom('src/protocol', []),
    allowedFrom('src/kernel', []),
    allowedFrom('models', ['src/protocol']),
    allowedFrom('src/cluster', ['models', 'src/kernel', 'src/protocol']),
    allowedFrom('src/check', ['src/protocol']),
    allowedFrom('src/explore', ['models', 'src/kernel', 'src/check', 'src/protocol']),
    allowedFrom('src/scenarios', ['src/cluster', 'src/kernel', 'src/protocol']),
    allowedFrom('src/simulation', LOWER_LAYERS),
    // The fast-check arbitraries and scenario checks users import (`aurora-actors/testing`).
    allowedFrom('src/testing', ['src/simulation', ...LOWER_LAYERS]),
    // The mirrored-MySQL baseline (docs/protocol.md §16): its own world on the same kernel.
    allowedFrom('src/baseline', ['src/simulation', ...LOWER_LAYERS]),
    // The experiments beside the papers run scenarios and the baseline (docs/experiments.md).
    allowedFrom('src/experiments', ['src/baseline', 'src/simulation', ...LOWER_LAYERS]),
    // Sweeps run simulations on worker threads and shrink what fails.
    allowedFrom('src/sweep', ['src/simulation', 'src/testing', ...LOWER_LAYERS]),
    {
      name: 'src-index-layering',
      severity: 'error',
      comment: `src/index.ts, the library entry, may import only ${['src/simulation', 'src/baseline', ...LOWER_LAYERS].join(', ')} (docs/architecture.md, "Layers")`,
      from: { path: '^src/index\\.ts$' },
      to: { path: ours, pathNot: ['^src/simulation/', '^src/baseline/', ...LOWER_LAYERS.map((a) => `^${a}/`)] },
    },
    {
      // The command line and the benchmarks may import anything (they are the outermost layer),
      // so their rule is the converse: the library never depends on them.
      name: 'cli-and-bench-outermost',
      severity: 'error',
      comment: 'Only the command line, the viewer and the benchmarks import src/cli.ts, src/cli/, src/viz/ and src/bench/ (docs/architecture.md, "Layers")',
      from: { path: ours, pathNot: ['^src/cli\\.ts$', '^src/cli/', '^src/bench/', '^src/viz/'] },
      to: { path: ['^src/cli\\.ts$', '^src/cli/', '^src/bench/', '^src/viz/'] },
    },
    {
      name: 'viz-below-cli',
      severity: 'error',
      comment: 'The viewer is served by the command line and never imports it (docs/architecture.md, "Layers")',
      from: { path: '^src/viz/' },
      to: { path: ['^src/cli\\.ts$', '^src/cli/'] },
    },
    {
      name: 'no-test-imports',
      severity: 'error',
      comment: 'Nothing ships that imports the tests.',
      from: { path: ours },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
