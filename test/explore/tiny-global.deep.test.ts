/**
 * `tiny-global` in its larger configurations (docs/explorer.md, "tiny-global"): two shipments with
 * a failover is a complete search whose count is pinned (80 s alone, 1.5 GB; 144 s in the deep suite); three shipments,
 * and two over a lossy link with a failover, pass millions of states, so bounded depth-first
 * searches must hold every invariant while reaching what they claim to test.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import type { ExploreResult } from '../../src/explore/explorer.js';
import { GLOBAL_INVARIANTS, GLOBAL_WITNESSES, tinyGlobalModel } from '../../src/explore/reference/tiny-global.js';

const statusOf = (result: ExploreResult): Record<string, string> => Object.fromEntries(result.properties.map((property) => [property.name, property.status]));

const allHeld = (result: ExploreResult): void => {
  for (const property of result.properties) if (property.kind === 'always') expect(property.status, property.name).toBe('held');
};

describe('Explorer: tiny-global (deep)', () => {
  it('two shipments in every order, with duplicates: 183,907 states; S17 holds in each; the final VDL, a kept shipment and a duplicate are reached', () => {
    const result = explore(tinyGlobalModel({ shipments: 2 }));
    expect(result.complete).toBe(true);
    expect(result.uniqueStates).toBe(183_907);
    expect(statusOf(result)).toEqual({
      [GLOBAL_INVARIANTS.durablePrefix]: 'held',
      [GLOBAL_INVARIANTS.forwardedPrefix]: 'held',
      [GLOBAL_WITNESSES.finalVdl]: 'found',
      [GLOBAL_WITNESSES.keptOutOfOrder]: 'found',
      [GLOBAL_WITNESSES.duplicate]: 'found',
    });
    // The kept shipment is the second, delivered first: the agent's first step.
    const kept = result.properties.find((property) => property.name === GLOBAL_WITNESSES.keptOutOfOrder);
    expect(kept?.path).toEqual([expect.objectContaining({ kind: 'deliver', message: expect.objectContaining({ type: 'globalApply', seq: 2 }) })]);
  });

  it('two shipments and a failover: 2,033,402 states, complete; S17 holds in every one; the final VDL and the promotion are reached', () => {
    const result = explore(tinyGlobalModel({ shipments: 2, failover: true }));
    expect(result.uniqueStates).toBe(2_033_402);
    expect(result.complete).toBe(true);
    allHeld(result);
    expect(statusOf(result)).toMatchObject({
      [GLOBAL_INVARIANTS.failoverStart]: 'held',
      [GLOBAL_WITNESSES.finalVdl]: 'found',
      [GLOBAL_WITNESSES.keptOutOfOrder]: 'found',
      [GLOBAL_WITNESSES.duplicate]: 'found',
      [GLOBAL_WITNESSES.promoted]: 'found',
    });
  });

  it('three shipments, 300,000 states depth-first: S17 holds; the final VDL is reached', () => {
    const result = explore(tinyGlobalModel({ shipments: 3 }), { strategy: 'dfs', maxStates: 300_000 });
    expect(result.uniqueStates).toBe(300_000);
    allHeld(result);
    expect(statusOf(result)).toMatchObject({ [GLOBAL_WITNESSES.finalVdl]: 'found', [GLOBAL_WITNESSES.keptOutOfOrder]: 'found', [GLOBAL_WITNESSES.duplicate]: 'found' });
  });

  it('two shipments over a lossy link with a failover, 300,000 states depth-first: S17 holds; the region is promoted', () => {
    const result = explore(tinyGlobalModel({ shipments: 2, loss: true, failover: true }), { strategy: 'dfs', maxStates: 300_000 });
    expect(result.uniqueStates).toBe(300_000);
    allHeld(result);
    expect(statusOf(result)).toMatchObject({ [GLOBAL_WITNESSES.promoted]: 'found', [GLOBAL_WITNESSES.duplicate]: 'found' });
  });
  it('holds with every link reordered, the agent-to-statechart link too: an overtaken report waits for the one it follows', () => {
    // 305,005 states, about 5 s: with every link reordered, the agent-to-statechart one too.
    const result = explore(tinyGlobalModel({ shipments: 2 }), { network: 'unordered-nonduplicating' });
    expect(result.complete).toBe(true);
    expect(result.uniqueStates).toBe(305_005);
    expect(result.properties.filter((property) => property.kind === 'always').map((property) => [property.name, property.status])).toEqual([
      [GLOBAL_INVARIANTS.durablePrefix, 'held'],
      [GLOBAL_INVARIANTS.forwardedPrefix, 'held'],
    ]);
  });

});
