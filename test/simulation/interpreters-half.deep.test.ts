/**
 * The other half of the deep interpreter check's scenario cases (`interpreters-cases.ts`; the
 * first half and the random fault plans are in `interpreters.deep.test.ts`): each built-in scenario
 * at its seed, run live and stepped on deep-frozen snapshots, must give one traceHash.
 */
import { describe, it } from 'vitest';
import { expectInterpretersAgree } from './helpers.js';
import { interpreterCases } from './interpreters-cases.js';

describe('Interpreters: live and stepped give one trace (second half)', () => {
  it.each(interpreterCases(1))('%s at seed %i', (_name, seed, scenario) => {
    expectInterpretersAgree(scenario, seed);
  });
});
