/**
 * `tiny-global` (src/explore/reference/tiny-global.ts): a Global Database secondary's real agent,
 * statechart and segments under every delivery order of the primary's shipments, with duplicates,
 * loss and a failover; S17 judged in every state. The counts come out of the search (breadth-first
 * counts are deterministic); a change to the machines or the model that grows or shrinks the space
 * fails here. The larger configurations are in tiny-global.deep.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import type { ExploreResult } from '../../src/explore/explorer.js';
import type { ExploreHistory } from '../../src/explore/explore-model.js';
import { ExploreWorld } from '../../src/explore/explore-world.js';
import { replayLive } from '../../src/explore/live-replay.js';
import { GLOBAL_INVARIANTS, GLOBAL_WITNESSES, tinyGlobalModel } from '../../src/explore/reference/tiny-global.js';
import type { GlobalHistory } from '../../src/explore/reference/tiny-global.js';
import { recordDigest } from '../../src/protocol/global.js';
import type { GlobalApplyMessage } from '../../models/messages.js';

const statusOf = (result: ExploreResult): Record<string, string> => Object.fromEntries(result.properties.map((property) => [property.name, property.status]));

describe('Explorer: tiny-global', () => {
  it('one shipment: a lossy link multiplies the space (drops and the resend are choices), a failover is reached, and S17 holds throughout', () => {
    const plain = explore(tinyGlobalModel({ shipments: 1 }));
    const lossy = explore(tinyGlobalModel({ shipments: 1, loss: true }));
    const both = explore(tinyGlobalModel({ shipments: 1, loss: true, failover: true }));
    expect([plain.uniqueStates, lossy.uniqueStates, both.uniqueStates]).toEqual([277, 1_937, 16_326]);
    for (const result of [plain, lossy, both]) {
      expect(result.complete).toBe(true);
      expect(result.violated).toBe(false);
      expect(statusOf(result)[GLOBAL_WITNESSES.finalVdl]).toBe('found');
    }
    expect(statusOf(both)).toMatchObject({ [GLOBAL_INVARIANTS.failoverStart]: 'held', [GLOBAL_WITNESSES.promoted]: 'found' });
    // A shipment dropped on the link, sent again by the resend timer, and the final VDL reached.
    const madeGood = lossy.properties.find((property) => property.name === GLOBAL_WITNESSES.lossMadeGood);
    expect(madeGood?.status).toBe('found');
    expect(madeGood?.path?.some((choice) => choice.kind === 'drop' && choice.message.type === 'globalApply')).toBe(true);
    expect(madeGood?.path?.some((choice) => choice.kind === 'timer' && choice.timerId === 'replicator.resend')).toBe(true);
  });

  it('the judges have teeth: a report out of the primary log order, or a durable LSN above the VDL shipped, breaks them', () => {
    const model = tinyGlobalModel({ shipments: 2 });
    const world = new ExploreWorld(model);
    const shipments = world
      .initial()
      .network.map((envelope) => envelope.message as unknown as GlobalApplyMessage)
      .sort((a, b) => a.seq - b.seq);
    const log = shipments.flatMap((shipment) => shipment.records);
    const history = model.history as ExploreHistory<GlobalHistory>;
    const agent = 'replication:eu-west-1';
    const region = 'global:eu-west-1';
    // The agent forwards the second MTR first.
    const skipped = history.recordSend?.(history.initial, { from: agent, to: region, message: { type: 'globalShip', records: log.slice(2).map(recordDigest) } as never });
    expect(skipped?.broken).toEqual([expect.stringMatching(/^agent forwards a prefix of the primary log: the agent forwarded LSN 3 .* after 0 records; the primary's next record is LSN 1/)]);
    // The statechart reports the first MTR durable before any shipment reached the agent.
    const early = history.recordObserve?.(history.initial, region, { kind: 'secondaryDurable', durableLsn: 2, records: log.slice(0, 2).map(recordDigest) });
    expect(early?.broken).toEqual(['S17 durable prefix on a write quorum: durable LSN 2 reported with the highest primary VDL delivered 0']);
    // In order, nothing breaks.
    const inOrder = history.recordSend?.(history.initial, { from: agent, to: region, message: { type: 'globalShip', records: log.map(recordDigest) } as never });
    expect(inOrder).toMatchObject({ forwarded: 4, broken: [] });
  });

  it('vcl-ignores-holes: a segment acknowledges past a hole, the agent counts the records durable, and S17 fails in 11 choices (replayed live)', () => {
    const model = tinyGlobalModel({ shipments: 2, plant: 'vcl-ignores-holes' });
    const result = explore(model);
    const s17 = result.properties.find((property) => property.name === GLOBAL_INVARIANTS.durablePrefix);
    expect(s17?.status).toBe('violated');
    expect(s17?.path).toHaveLength(11);
    expect(statusOf(result)[GLOBAL_INVARIANTS.forwardedPrefix]).toBe('held');
    // The second shipment's batch reached a segment before the first's: the hole the plant skips.
    const batches = (s17?.path ?? []).filter((choice) => choice.kind === 'deliver' && choice.message.type === 'writeBatch');
    expect(batches.length).toBeGreaterThanOrEqual(2);
    const states = replay(model, s17?.path ?? []);
    const last = states[states.length - 1];
    expect((last?.history as GlobalHistory).durableLsn).toBeGreaterThan(0);
    expect(replayLive(model, s17?.path ?? [])).toEqual({ steps: 11, matches: true });
  });

  it('refuses what it cannot model', () => {
    expect(() => tinyGlobalModel({ shipments: 0 })).toThrow(/shipments must be a whole number from 1 to 3, got 0/);
    expect(() => tinyGlobalModel({ plant: 'no-lal' })).toThrow(/plant no-lal changes no machine of tiny-global/);
  });
});
