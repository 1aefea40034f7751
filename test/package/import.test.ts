/**
 * The package as a fresh clone sees it: after the install step (`npm ci` runs the root package's
 * install lifecycle scripts), the README's snippet runs as written, importing 'aurora-actors'
 * through package.json `exports` (a package may import itself by name), and so do the imports of
 * the tutorials (a scenario test, embedding) and the simulation guide, and `aurora-actors/models`.
 *
 * The clone is a copy of the working tree without node_modules, dist or coverage (node_modules is
 * linked back), so nothing built earlier can make the test pass: what the imports resolve to must
 * come from the install step the test runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve('.');
/** What `npm ci` runs of the root package's own scripts, in order (npm docs, "Life Cycle Scripts"). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
const LEFT_OUT = new Set(['node_modules', 'dist', 'coverage', '.git']);

/** The first ```ts block of a markdown file that imports 'aurora-actors'. */
function snippetOf(markdown: string): string {
  const blocks = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const block = blocks.find((code) => code.includes("from 'aurora-actors'"));
  if (block === undefined) throw new Error("no ```ts block imports 'aurora-actors'");
  return block;
}

/** The names a markdown file's code imports from 'aurora-actors'. */
function importedNames(markdown: string): string[] {
  const match = /import \{([^}]*)\} from 'aurora-actors';/.exec(snippetOf(markdown));
  return (match?.[1] ?? '').split(',').map((name) => name.trim()).filter(Boolean);
}

describe('Package: a fresh clone imports aurora-actors after the install step', () => {
  let clone = '';
  let install: { script: string; status: number | null; output: string }[] = [];

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'aurora-clone-'));
    cpSync(REPO, clone, { recursive: true, filter: (source) => !relative(REPO, source).split(sep).some((part) => LEFT_OUT.has(part)) });
    symlinkSync(realpathSync(join(REPO, 'node_modules')), join(clone, 'node_modules'), 'dir');
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const scripts = (JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    install = INSTALL_SCRIPTS.filter((script) => scripts[script] !== undefined).map((script) => {
      const result = spawnSync('npm', ['run', script], { cwd: clone, encoding: 'utf8' });
      return { script, status: result.status, output: `${result.stdout}${result.stderr}` };
    });
  }, 300_000);

  afterAll(() => {
    if (clone !== '') rmSync(clone, { recursive: true, force: true });
  });

  const node = (code: string) => {
    const file = join(clone, `snippet-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(file, code);
    return spawnSync(process.execPath, [file], { cwd: clone, encoding: 'utf8' });
  };

  it('runs the install scripts without error', () => {
    for (const step of install) expect(step, step.output).toMatchObject({ status: 0 });
  });

  it("runs the README's snippet as written", () => {
    const result = node(snippetOf(readFileSync(join(clone, 'README.md'), 'utf8')));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\d+ commits acknowledged; \d+ VDL advances\n$/);
  });

  it("resolves every name the tutorials and the simulation guide import, and 'aurora-actors/models'", () => {
    const names = [...new Set(['tutorial-scenario-test.md', 'simulation-guide.md', 'embedding.md'].flatMap((doc) => importedNames(readFileSync(join(clone, 'docs', doc), 'utf8'))))];
    expect(names).toEqual(expect.arrayContaining(['createSimulation', 'findScenario', 'blockChainAt', 'segmentMachine', 'EffectNotProvidedError', 'segmentId']));
    const result = node(
      [
        "import * as library from 'aurora-actors';",
        "import { segmentMachine, writerMachine } from 'aurora-actors/models';",
        `const missing = ${JSON.stringify(names)}.filter((name) => library[name] === undefined);`,
        "console.log(JSON.stringify({ missing, machines: [segmentMachine.id, writerMachine.id] }));",
      ].join('\n'),
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ missing: [] });
  });

  it('resolves the package to what the install step built, not to the TypeScript sources', () => {
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('aurora-actors'))"], { cwd: clone, encoding: 'utf8' });
    expect(resolved.trim()).toMatch(/\/dist\/src\/index\.js$/);
  });
});
