/**
 * Import rules of ARCHITECTURE §2, checked by `npm run lint`:
 * protocol imports nothing of ours; kernel imports nothing of ours; models import protocol only;
 * cluster imports models, kernel, protocol; check imports protocol; explore imports models,
 * kernel, check (and protocol); cli and viz may import anything; nothing imports test/.
 */
const ours = '^(src|models)/';
const allowedFrom = (folder, allowed) => ({
  name: `${folder.replace('/', '-')}-layering`,
  severity: 'error',
  comment: `${folder} may import only ${allowed.join(', ') || 'nothing of ours'} (ARCHITECTURE §2)`,
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
