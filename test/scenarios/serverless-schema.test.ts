/**
 * The scenario fields of Aurora Serverless v2 (`topology.serverless`, docs/semantics.md,
 * "Scenario fields") and of a workload's rate schedule (`workload.phases`): a minimal section gets
 * its defaults, and each bad value fails with one line naming the field and what it allows,
 * nothing half-applied.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError, parseScenario } from '../../src/scenarios/schema.js';

const SOURCE = 'scenario file s.json';

/** The one error `input` is refused with. */
function refusal(input: unknown): ScenarioError {
  try {
    parseScenario(input, SOURCE);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).not.toMatch(/[\r\n]/);
    return error as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

const serverless = (fields: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({ name: 's', topology: { serverless: fields }, workload: { txnTimeoutMs: 30_000 }, ...rest });

describe('Scenario fields: topology.serverless', () => {
  it('fills every default, and a minimum of 0 with a client timeout past the resume passes', () => {
    expect(parseScenario({ name: 's', topology: { serverless: {} } }, SOURCE).topology.serverless).toEqual({
      minAcu: 0.5,
      maxAcu: 16,
      autoPauseAfterS: 300,
      resumeMs: 15_000,
      cacheBlocksPerAcu: 4,
      commitsPerSPerAcu: 10,
      getsPerSPerAcu: 100,
      targetLoadPercent: 70,
    });
    expect(parseScenario(serverless({ minAcu: 0, maxAcu: 256, autoPauseAfterS: 86_400 }), SOURCE).topology.serverless).toMatchObject({ minAcu: 0, maxAcu: 256 });
  });

  it.each([
    ['a minimum off the 0.5 grid', serverless({ minAcu: 0.25 }), 'topology.serverless.minAcu must be 0 (to allow auto-pause) or a multiple of 0.5 from 0.5 to 256, got 0.25'],
    ['a minimum past 256', serverless({ minAcu: 300, maxAcu: 256 }), 'topology.serverless.minAcu must be 0 (to allow auto-pause) or a multiple of 0.5 from 0.5 to 256, got 300'],
    ['a minimum that is not a number', serverless({ minAcu: 'low' }), 'topology.serverless.minAcu must be 0 or a multiple of 0.5 from 0.5 to 256, got "low"'],
    ['a maximum of 0.5', serverless({ minAcu: 0.5, maxAcu: 0.5 }), 'topology.serverless.maxAcu must be a multiple of 0.5 from 1 to 256, got 0.5'],
    ['a maximum past 256', serverless({ maxAcu: 256.5 }), 'topology.serverless.maxAcu must be a multiple of 0.5 from 1 to 256, got 256.5'],
    ['a minimum above the maximum', serverless({ minAcu: 8, maxAcu: 4 }), 'topology.serverless.minAcu must be at most topology.serverless.maxAcu (4), got 8'],
    ['an auto-pause under 300 s', serverless({ autoPauseAfterS: 299 }), 'topology.serverless.autoPauseAfterS must be an integer from 300 to 86400, got 299'],
    ['an auto-pause over a day', serverless({ autoPauseAfterS: 86_401 }), 'topology.serverless.autoPauseAfterS must be an integer from 300 to 86400, got 86401'],
    ['a negative resume time', serverless({ resumeMs: -1 }), 'topology.serverless.resumeMs must be a number >= 0, got -1'],
    ['no cache', serverless({ cacheBlocksPerAcu: 0 }), 'topology.serverless.cacheBlocksPerAcu must be an integer >= 1, got 0'],
    ['a load target over 100 %', serverless({ targetLoadPercent: 120 }), 'topology.serverless.targetLoadPercent must be a number > 0 and <= 100, got 120'],
    ['an unknown field', serverless({ secondsUntilAutoPause: 300 }), 'topology.serverless.secondsUntilAutoPause is not a known field (allowed here: minAcu, maxAcu, autoPauseAfterS, resumeMs, cacheBlocksPerAcu, commitsPerSPerAcu, getsPerSPerAcu, targetLoadPercent)'],
    [
      'a writer cache of a fixed size',
      serverless({}, { writer: { cacheBlocks: 8 } }),
      'writer.cacheBlocks must be 0 with topology.serverless (the buffer cache follows capacity: topology.serverless.cacheBlocksPerAcu), got 8',
    ],
    [
      'a replica cache of a fixed size',
      { name: 's', topology: { serverless: {}, replicas: [{ az: 'us-east-1b' }, { az: 'us-east-1c', cacheBlocks: 4 }] } },
      'topology.replicas[1].cacheBlocks must be 0 with topology.serverless (the buffer cache follows capacity: topology.serverless.cacheBlocksPerAcu), got 4',
    ],
    [
      'a client timeout shorter than a resume, with auto-pause',
      { name: 's', topology: { serverless: { minAcu: 0 } }, workload: { txnTimeoutMs: 5_000 } },
      'workload.txnTimeoutMs must be > topology.serverless.resumeMs (15000) when minAcu is 0: a transaction waits for a paused instance to resume, got 5000',
    ],
    [
      'a Global Database',
      {
        name: 's',
        topology: {
          regions: [
            { id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
            { id: 'eu-west-1', azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
          ],
          global: { secondaries: [{ region: 'eu-west-1' }] },
          serverless: {},
        },
      },
      'topology.serverless is not modelled with a Global Database: remove topology.global or topology.serverless, got both',
    ],
  ])('refuses %s', (_title, input, message) => {
    expect(refusal(input).message).toBe(`${SOURCE}: ${message}`);
  });

  it('allows a short client timeout when nothing pauses', () => {
    expect(parseScenario({ name: 's', topology: { serverless: { minAcu: 1 } }, workload: { txnTimeoutMs: 5_000 } }, SOURCE).workload.txnTimeoutMs).toBe(5_000);
  });
});

describe('Scenario fields: workload.phases', () => {
  it('keeps the phases as given, and none when absent', () => {
    const phases = [{ atMs: 1_000, commitsPerS: 0 }, { atMs: 2_000, commitsPerS: 50, readerTxnsPerS: 5 }];
    expect(parseScenario({ name: 'p', workload: { phases } }, SOURCE).workload.phases).toEqual(phases);
    expect(parseScenario({ name: 'p' }, SOURCE).workload.phases).toBeUndefined();
  });

  it.each([
    ['phases that are not a list', { phases: { atMs: 1 } }, 'workload.phases must be a list of phases { atMs, commitsPerS, readerTxnsPerS? }, got an object'],
    ['a phase without a rate', { phases: [{ atMs: 1 }] }, 'workload.phases[0].commitsPerS is missing; it must be a number >= 0'],
    ['a negative rate', { phases: [{ atMs: 1, commitsPerS: -1 }] }, 'workload.phases[0].commitsPerS must be a number >= 0, got -1'],
    ['phases out of order', { phases: [{ atMs: 5_000, commitsPerS: 1 }, { atMs: 5_000, commitsPerS: 2 }] }, 'workload.phases[1].atMs must be after workload.phases[0].atMs (5000): phases are in increasing order, got 5000'],
    ['a phase after the run', { phases: [{ atMs: 10_001, commitsPerS: 1 }] }, 'workload.phases[0].atMs must be in [0, durationMs = 10000], got 10001'],
    [
      'reads without gets',
      { getsPerTxn: 0, phases: [{ atMs: 1_000, commitsPerS: 1, readerTxnsPerS: 3 }] },
      'workload.getsPerTxn must be >= 1 when workload.phases[0].readerTxnsPerS > 0 (a read-only transaction needs a get), got 0',
    ],
  ])('refuses %s', (_title, workload, message) => {
    expect(refusal({ name: 'p', workload }).message).toBe(`${SOURCE}: ${message}`);
  });
});
