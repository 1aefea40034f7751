/**
 * The two interpreters held to one trace, at depth (docs/determinism.md, "The checks"): every
 * built-in scenario at three seeds, and 200 random fault plans within the AZ+1 budget, run live
 * (xstate actors) and stepped (xstate's pure `transition()` on deep-frozen snapshots) must give one
 * traceHash. The stepped run fails on any write into a snapshot or event, so these runs also prove
 * the machines' transitions pure on every path they reach. `npm run test:deep` runs this and
 * `interpreters-half.deep.test.ts` (the other half of the scenario cases, `interpreters-cases.ts`);
 * `npm test` runs one seed of a third of the scenarios (`determinism.test.ts`).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { withOverrides } from '../../src/scenarios/builtin.js';
import { budgetBase, budgetScheduleArb } from './fault-budget.js';
import { propertyRuns, expectInterpretersAgree, propertySeed } from './helpers.js';
import { interpreterCases } from './interpreters-cases.js';

describe('Interpreters: live and stepped give one trace', () => {
  it.each(interpreterCases(0))('%s at seed %i', (_name, seed, scenario) => {
    expectInterpretersAgree(scenario, seed);
  });

  it('on 200 random fault plans within the AZ+1 budget (property)', () => {
    const base = budgetBase();
    fc.assert(
      fc.property(budgetScheduleArb, ({ seed, lossRatio, faults }) => {
        const scenario = withOverrides(base, { network: { lossRatio }, faults });
        expectInterpretersAgree(scenario, seed);
      }),
      { numRuns: propertyRuns({ quick: 200, deep: 200 }), seed: propertySeed() },
    );
  });
});
