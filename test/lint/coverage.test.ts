/**
 * The lint rules cover every folder of src/: ESLint's determinism bans (eslint.config.js) and a
 * dependency-cruiser layering rule (.dependency-cruiser.cjs). A folder added to src/ without a
 * rule fails here, rather than going unchecked.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Folders of src/ and the files directly in it, as paths from the repository root. */
const places = readdirSync('src', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() || entry.name.endsWith('.ts'))
  .map((entry) => (entry.isDirectory() ? `src/${entry.name}/probe.ts` : `src/${entry.name}`));

/** Outside the simulation, where reading wall time is allowed on purpose (see eslint.config.js). */
const WALL_TIME_ALLOWED = ['src/bench/probe.ts', 'src/cli/probe.ts', 'src/cli.ts', 'src/sweep/probe.ts', 'src/viz/probe.ts'];

describe('Lint: every folder of src/ is covered', () => {
  const eslint = new ESLint();
  const ruleIds = async (code: string, filePath: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).map((message) => message.ruleId ?? '');
  };

  it('lists the folders it checks', () => {
    expect(places).toEqual(expect.arrayContaining(['src/simulation/probe.ts', 'src/explore/probe.ts', 'src/check/probe.ts', 'src/scenarios/probe.ts', 'src/bench/probe.ts', 'src/cli/probe.ts', 'src/cli.ts', 'src/index.ts']));
  });

  it.each(places)('%s: Math.random is refused', async (place) => {
    expect(await ruleIds('export const x = Math.random();\n', place)).toContain('no-restricted-syntax');
  });

  it.each(places)('%s: wall time and async are refused unless the place is outside the simulation', async (place) => {
    const found = await ruleIds('export const x = Date.now();\nexport async function f(): Promise<number> { return 1; }\n', place);
    if (WALL_TIME_ALLOWED.includes(place)) expect(found).toEqual([]);
    else expect(found.filter((id) => id === 'no-restricted-syntax')).toHaveLength(2);
  });

  it.each(places)('%s: a dependency-cruiser layering rule applies', (place) => {
    const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as {
      forbidden: { name: string; from: { path?: string; pathNot?: string[] }; to: { path?: string | string[]; pathNot?: string[] } }[];
    };
    const layering = config.forbidden.filter((rule) => rule.name !== 'no-test-imports' && rule.name !== 'no-circular');
    const restrictedFrom = layering.some((rule) => rule.from.path !== undefined && new RegExp(rule.from.path).test(place));
    // The outermost layer may import anything; its rule is that nothing else imports it.
    const outermost = layering.some((rule) => [rule.to.path ?? []].flat().some((path) => new RegExp(path).test(place)));
    expect(restrictedFrom || outermost).toBe(true);
  });
});
