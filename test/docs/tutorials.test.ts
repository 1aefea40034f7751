/**
 * Every ```ts block of every tutorial (docs/tutorial-*.md) and of docs/embedding.md is code a
 * test runs: each block equals a `// #region` of the test files named below, in the doc's order,
 * with the sources' import paths written as the package's ('aurora-actors',
 * 'aurora-actors/testing'). A block edited in the doc and not in the test, or the other way round,
 * fails here; so does a new tutorial no test file holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

/**
 * Tutorials whose blocks are shell commands: the named test runs every command as written
 * (its own file says how), so they have no ```ts regions to compare.
 */
const SHELL_TUTORIALS: Record<string, string> = {
  'docs/tutorial-counterexample-viewer.md': 'test/docs/tutorial-counterexample-viewer.deep.test.ts',
};

/** Which test files hold each doc's blocks. */
const HOLDERS: Record<string, readonly string[]> = {
  'docs/embedding.md': ['test/embedding/tutorial.test.ts'],
  // The first block runs in `npm run test:deep` (about 10 s), the second in `npm test`.
  'docs/tutorial-scenario-test.md': ['test/docs/tutorial-scenario-test.deep.test.ts', 'test/docs/tutorial-scenario-property.test.ts'],
  // Its shell commands and its blocks run in `npm run test:deep` (about a minute).
  'docs/tutorial-global-database.md': ['test/docs/tutorial-global-database.deep.test.ts'],
  // The block runs in `npm test`; the shell commands in `npm run test:deep`.
  'docs/tutorial-point-in-time-restore.md': ['test/docs/tutorial-point-in-time-restore.test.ts'],
};

/** The `// #region name` … `// #endregion name` regions of a file, dedented, imports as a user writes them. */
function regionsOf(source: string): string[] {
  return [...source.matchAll(/^[ \t]*\/\/ #region (\S+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \1\n/gm)].map((match) => {
    const lines = (match[2] ?? '').split('\n');
    const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
    return lines
      .map((line) => line.slice(indent))
      .join('\n')
      .trimEnd()
      .replaceAll("'../../src/index.js'", "'aurora-actors'")
      .replaceAll("'../../src/testing/index.js'", "'aurora-actors/testing'");
  });
}

const blocksOf = (doc: string): string[] => [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => (match[1] ?? '').trimEnd());

describe('Tutorial code blocks are tests', () => {
  it('every tutorial in docs/ has test files holding its blocks', () => {
    const tutorials = readdirSync(fileURLToPath(new URL('../../docs/', import.meta.url)))
      .filter((name) => name.startsWith('tutorial-') && name.endsWith('.md'))
      .map((name) => `docs/${name}`);
    expect(tutorials.length).toBeGreaterThan(0);
    expect([...Object.keys(HOLDERS), ...Object.keys(SHELL_TUTORIALS)]).toEqual(expect.arrayContaining(tutorials));
  });

  it.each(Object.entries(SHELL_TUTORIALS))('%s: has shell blocks and no ts block, and its test reads it', (docPath, test) => {
    const doc = read(docPath);
    expect(blocksOf(doc)).toEqual([]);
    expect(doc).toMatch(/```sh\n/);
    expect(read(test)).toContain(`'${docPath}'`);
  });

  it.each(Object.entries(HOLDERS))('%s: its ```ts blocks are exactly the regions of its test files, in order', (docPath, files) => {
    const doc = read(docPath);
    const regions = files.flatMap((file) => regionsOf(read(file)));
    const blocks = blocksOf(doc);
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks).toEqual(regions.sort((a, b) => doc.indexOf(a) - doc.indexOf(b)));
  });
});
