// docs/tutorial-scenario-test.md, its first ```ts block (6 s of simulated AZ+1 took about 10 s on
// two busy cores: a deep test; test/simulation/az-plus-one.test.ts checks the same in `npm test`):
// the region below is that block, with 'aurora-actors' imported from the sources
// (test/docs/tutorials.test.ts compares the two).
// #region tutorial-scenario-test
import { describe, expect, it } from 'vitest';
import { blockChainAt, blockOfKey, createSimulation, findScenario, materializePage, pgOfKey, sclOf } from '../../src/index.js';

describe('Volume: AZ+1: reads continue', () => {
  const scenario = findScenario('az-plus-one')!;
  const sim = createSimulation({ seed: 7, scenario });

  it('serves every acknowledged put of PG 0 from a remaining segment at the VDL', () => {
    // Arrange + act: run into the stall (AZ out at 3 s, one more segment at 4 s).
    sim.runFor(6_000);
    // The read point is the writer's VDL (SIGMOD'17 §4.2.3).
    const vdl = sim.writer().state.tracker.vdl;
    const reachable = sim.topology.membersByPg[0]!.filter((id) => !sim.kernel.network.isDown(id));
    expect(reachable).toHaveLength(3);
    const segment = reachable.find((id) => sclOf(sim.segment(id).store) >= vdl)!;
    // Assert: materialise each key's page from that segment's block chain.
    const layout = { pgCount: scenario.topology.pgCount, blocksPerPg: scenario.topology.blocksPerPg };
    const puts = sim.txnPuts();
    for (const [txnId] of sim.acknowledged) {
      for (const { key } of puts.get(txnId) ?? []) {
        if (pgOfKey(layout, key) !== 0) continue;
        const page = materializePage(blockChainAt(sim.segment(segment).store, blockOfKey(layout, key), vdl));
        expect(page[key]).toBeDefined();
      }
    }
  });
});
// #endregion tutorial-scenario-test
