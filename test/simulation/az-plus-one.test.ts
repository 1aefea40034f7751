/**
 * Volume: AZ+1 (SIGMOD'17 §2.1): us-east-1b out plus one more segment of PG 0. PG 0 keeps 3 of 6
 * segments, a read quorum but not a write quorum: writes stall (VDL cannot pass PG 0's pending
 * records), its data stays readable from the 3 left, nothing acknowledged is lost, and writes
 * resume when the segment returns.
 */
import { describe, expect, it } from 'vitest';
import { blockChainAt, sclOf } from '../../src/protocol/segment-store.js';
import { blockOfKey, materializePage, pgOfKey } from '../../src/protocol/pages.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { expectSafe, scenario } from './helpers.js';

describe('Volume: AZ loss: us-east-1b down + 1 PG 0 segment (AZ+1)', () => {
  const seed = 7;
  const input = scenario('az-plus-one');
  const sim = new Simulation({ seed, scenario: input, trace: { keepEvents: false } });

  it('stalls writes while PG 0 has 3 reachable segments, and its data stays readable from them', () => {
    sim.runFor(6_000);
    const reachable = sim.topology.membersByPg[0]!.filter((id) => !sim.kernel.network.isDown(id));
    expect(reachable).toHaveLength(3);
    const stalls = sim.stallsSoFar();
    expect(stalls.at(-1)!.fromMs).toBeGreaterThanOrEqual(4_000);
    expect(stalls.at(-1)!.fromMs).toBeLessThan(4_100);
    expect(stalls.at(-1)!.toMs).toBe(6_000);
    // Read at the VDL from any reachable segment complete to it (read point = VDL, SIGMOD'17 §4.2.3).
    const layout = { pgCount: input.topology.pgCount, blocksPerPg: input.topology.blocksPerPg };
    const vdl = sim.writer().state.tracker.vdl;
    const latest = new Map<string, string>();
    const puts = sim.txnPuts();
    for (const [txnId, commitLsn] of [...sim.acknowledged].sort((a, b) => a[1] - b[1])) {
      expect(commitLsn).toBeLessThanOrEqual(vdl);
      for (const put of puts.get(txnId) ?? []) if (pgOfKey(layout, put.key) === 0) latest.set(put.key, put.value);
    }
    expect(latest.size).toBeGreaterThan(10);
    for (const id of reachable) {
      const store = sim.segment(id).store;
      if (sclOf(store) < vdl) continue;
      for (const [key, value] of latest) {
        expect(materializePage(blockChainAt(store, blockOfKey(layout, key), vdl))[key], `${id} ${key}`).toBe(value);
      }
    }
    expect(reachable.some((id) => sclOf(sim.segment(id).store) >= vdl)).toBe(true);
  });

  it('resumes writes once the segment returns at 8 s, before the AZ does', () => {
    sim.run();
    const stall = sim.stallsSoFar().find((s) => s.fromMs >= 4_000 && s.fromMs < 4_100)!;
    expect(stall.toMs).toBeGreaterThan(8_000);
    expect(stall.toMs).toBeLessThan(9_500);
    expect(sim.stallsSoFar().filter((s) => s.toMs > 9_500)).toEqual([]);
  });

  it('loses no acknowledged commit and passes every judge', () => {
    const report = sim.report();
    expectSafe(report);
    expect(report.commits.acknowledged).toBeGreaterThan(3_000);
    expect(report.storage.unavailablePgs).toEqual([]);
  });
});
