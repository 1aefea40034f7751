// docs/tutorial-scenario-test.md, its second ```ts block (20 runs of a small scenario, about 3 s):
// the region below is that block, with 'aurora-actors/testing' imported from the
// sources (test/docs/tutorials.test.ts compares the two).
// #region tutorial-scenario-property
import { describe, it } from 'vitest';
import { checkScenario, scenario, smallScenario } from '../../src/testing/index.js';

describe('Volume: random faults within AZ+1', () => {
  it('pass every judge and lose no acknowledged commit (property)', () => {
    // Two PGs, so a storage node crash takes one segment of each.
    const base = { ...smallScenario(), topology: { ...smallScenario().topology, pgCount: 2 } };
    // Within the AZ+1 budget (SIGMOD'17 §2.1): one AZ out, plus one more segment of a PG at a time.
    checkScenario(scenario({ base, budget: 'az+1', maxFaults: 2 }), { numRuns: 20, seed: 42 });
  }, 120_000);
});
// #endregion tutorial-scenario-property
