/**
 * Property: random schedules where one segment is lost for good (a crash with no restart) early in
 * the run, within the AZ+1 budget (optionally an AZ outage elsewhere, message loss, a slow
 * segment), and sometimes a second segment of the same PG while the first is being replaced
 * (docs/protocol.md §8, membership changes). The storage control plane replaces each lost segment
 * through a joint configuration (nested for the second); every judge (incl. S15 membership) passes,
 * nothing acknowledged is lost, and writes go on to the end. 60 runs under `npm run test:deep`, 15
 * under `npm test` (or AURORA_PROPERTY_RUNS_REPLACEMENT); a failure names its seed and the fault
 * plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/protocol/observations.js';
import { withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { replacementBase, replacementScheduleArb } from './fault-budget.js';
import { expectSafe, propertyRuns, propertySeed } from './helpers.js';
import { entryTimeMs } from '../../src/cluster/history.js';

type Installed = Extract<Observation, { kind: 'membershipInstalled' }>;

const LIVENESS_FROM_MS = 10_000;

describe('Volume: a segment lost for good within the AZ+1 budget', () => {
  it('replaces the lost segment, passes every judge, and keeps writing (property)', () => {
    const base = replacementBase();
    fc.assert(
      fc.property(replacementScheduleArb, ({ seed, lossRatio, faults, lost, lostSecond }) => {
        const sim = new Simulation({ seed, scenario: withOverrides(base, { network: { lossRatio }, faults }), trace: { keepEvents: false } });
        const installed: Installed[] = [];
        sim.streams.observations$.subscribe(({ observation }) => {
          if (observation.kind === 'membershipInstalled') installed.push(observation);
        });
        sim.run();
        const report = sim.report();
        const plan = `seed ${seed}, lossRatio ${lossRatio}, lost ${[lost, lostSecond].filter(Boolean).join(' and ')}; faults ${JSON.stringify(faults)}`;
        expectSafe(report);
        // Liveness: a transaction invoked after 10 s commits.
        const late = new Set(sim.history.entries.filter((e) => e.type === 'invoke' && entryTimeMs(e) >= LIVENESS_FROM_MS).map((e) => e.txnId));
        const resumed = sim.history.entries.some((e) => e.type === 'ok' && (e.commitLsn ?? 0) > 0 && late.has(e.txnId));
        expect(resumed, `${plan}: no commit of a transaction invoked after ${LIVENESS_FROM_MS} ms`).toBe(true);
        // The AZ outage never takes a lost segment's AZ (its sibling answers), so each is replaced.
        const pg = Number(/^seg:pg(\d+):/.exec(lost)![1]);
        for (const gone of lostSecond === undefined ? [lost] : [lost, lostSecond]) {
          const replaced = installed.some((o) => o.pg === pg && o.phase === 'finishing' && !o.members.includes(gone));
          expect(replaced, `${plan}: ${gone} not replaced; installed ${JSON.stringify(installed.map((o) => [o.pg, o.phase, o.membershipEpoch, o.members]))}`).toBe(true);
        }
      }),
      { numRuns: Number(process.env.AURORA_PROPERTY_RUNS_REPLACEMENT ?? propertyRuns({ quick: 8, deep: 60 })), seed: propertySeed() },
    );
  }, 600_000);
});
