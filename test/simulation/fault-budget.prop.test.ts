/**
 * Property: random fault schedules within the AZ+1 budget never lose an acknowledged commit and
 * never violate S1–S5, S7; once every fault heals, writes resume. 200 runs under `npm run test:deep`, 40 under `npm test`; a failure names its
 * seed and the fault plan, and fast-check shrinks it to a minimal schedule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { budgetBase, budgetScheduleArb } from './fault-budget.js';
import { expectSafe, propertyRuns, propertySeed } from './helpers.js';
import { entryTimeMs } from '../../src/cluster/history.js';

describe('Volume: random faults within the AZ+1 budget', () => {
  it('never lose an acknowledged commit, pass every judge, and resume writing after healing (property)', () => {
    const base = budgetBase();
    fc.assert(
      fc.property(budgetScheduleArb, ({ seed, lossRatio, faults }) => {
        const sim = new Simulation({ seed, scenario: withOverrides(base, { network: { lossRatio }, faults }), trace: { keepEvents: false } });
        sim.run();
        const report = sim.report();
        expectSafe(report);
        // Liveness: every fault healed by 1.5 s; a transaction started after 2 s commits.
        const resumed = sim.history.entries.some((e) => e.type === 'ok' && (e.commitLsn ?? 0) > 0 && entryTimeMs(e) >= 2_000);
        expect(resumed, `seed ${seed}: no commit after healing; faults ${JSON.stringify(faults)}`).toBe(true);
      }),
      { numRuns: propertyRuns({ quick: 12, deep: 200 }), seed: propertySeed() },
    );
  }, 600_000);
});
