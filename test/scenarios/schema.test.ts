/**
 * The scenario file format: a minimal file gets every default (docs/protocol.md §14, numbers and
 * defaults), and every kind of bad input fails with exactly one line that names the field and what
 * it allows (docs/simulation-guide.md, "Running a scenario").
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/cluster/scenario.js';
import { ScenarioError, loadScenarioFile, parseScenario } from '../../src/scenarios/schema.js';

const SOURCE = 'scenario file t.json';

/** A primary region and two secondaries, for region pairs. */
const THREE_REGIONS = [
  { id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  { id: 'eu-west-1', azs: ['eu-west-1a'] },
  { id: 'ap-southeast-2', azs: ['ap-southeast-2a'] },
];

/** A Global Database over the primary and eu-west-1 (three AZs each), with `global` merged in and `faults`. */
const globalScenario = (global: Record<string, unknown>, faults: unknown[] = [], euAzs = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']): unknown => ({
  name: 'g',
  topology: { regions: [THREE_REGIONS[0], { id: 'eu-west-1', azs: euAzs }], global: { secondaries: [{ region: 'eu-west-1' }], ...global } },
  faults,
});

/** A scenario over THREE_REGIONS with the given `network.regionPairs`. */
const withPairs = (regionPairs: unknown): unknown => ({ name: 'x', topology: { regions: THREE_REGIONS }, network: { regionPairs } });

/** The ScenarioError `run` throws; fails the test if it returns or throws anything else. */
function errorOf(run: () => unknown): ScenarioError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const scenarioError = error as ScenarioError;
    expect(scenarioError.name).toBe('ScenarioError');
    expect(scenarioError.message).not.toMatch(/[\r\n]/);
    return scenarioError;
  }
  throw new Error('expected a ScenarioError, got a result');
}

describe('Scenario schema: defaults', () => {
  it('fills every default into a file that only has a name', () => {
    const expected: Scenario = {
      name: 'minimal',
      description: '',
      topology: {
        regions: [{ id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }],
        pgCount: 4,
        storageNodesPerAz: 4,
        segmentKinds: 'full',
        writerAz: 'us-east-1a',
        blocksPerPg: 64,
        lal: 10_000_000,
        replicas: [],
        standby: true,
      },
      storage: { diskLatencyMs: { kind: 'logNormal', medianMs: 0.5, sigma: 0.25 }, gossipPeriodMs: 100, gossipMaxRecords: 512, gcPeriodMs: 500, mrplLeaseTicks: 4, mrplReportMs: 500 },
      writer: { durability: 'quorum', retransmitAfterMs: 50, linkBusyMsPerBatch: 0.1, cacheBlocks: 0, hedgeAfterMs: 4, isolation: 'read-committed' },
      failover: { healthCheckPeriodMs: 3_000, missesToFail: 5, endpointSwitchMs: 15_000, replacementDelayMs: 120_000, promotionTimeoutMs: 60_000 },
      repair: { checkPeriodMs: 1_000, replaceAfterMisses: 5, degradeAfterMs: 600_000 },
      network: {},
      workload: { clients: 16, commitsPerS: 500, putsPerTxn: 2, getsPerTxn: 1, readerTxnsPerS: 0, keys: 1000, txnTimeoutMs: 5000, startMs: 0, stopMs: 10_000 },
      faults: [],
      durationMs: 10_000,
    };
    expect(parseScenario({ name: 'minimal' }, SOURCE)).toEqual(expected);
  });

  it('derives writerAz from the first AZ and stopMs from durationMs when they are left out', () => {
    const scenario = parseScenario(
      { name: 'eu', topology: { regions: [{ id: 'eu-west-1', azs: ['eu-west-1b', 'eu-west-1a', 'eu-west-1c'] }] }, durationMs: 2_500 },
      SOURCE,
    );
    expect(scenario.topology.writerAz).toBe('eu-west-1b');
    expect(scenario.workload.stopMs).toBe(2_500);
  });

  it('keeps the values a file gives, including network options, and leaves absent network fields out', () => {
    const scenario = parseScenario(
      {
        name: 'custom',
        topology: { pgCount: 2, segmentKinds: 'fullTail', writerAz: 'us-east-1c' },
        network: { latency: { crossAz: { kind: 'constant', ms: 2 } }, lossRatio: 0.01 },
        workload: { commitsPerS: 50, stopMs: 4_000 },
        faults: [{ atMs: 1_000, kind: 'partition', sideA: ['us-east-1a'], sideB: ['node:us-east-1b:2'], oneWay: true }],
        durationMs: 5_000,
      },
      SOURCE,
    );
    expect(scenario.topology).toMatchObject({ pgCount: 2, segmentKinds: 'fullTail', writerAz: 'us-east-1c', storageNodesPerAz: 4 });
    expect(scenario.network).toEqual({ latency: { crossAz: { kind: 'constant', ms: 2 } }, lossRatio: 0.01 });
    expect(scenario.workload).toMatchObject({ commitsPerS: 50, stopMs: 4_000, clients: 16 });
    expect(scenario.faults).toHaveLength(1);
  });

  it('gives each parse its own objects, so changing one result cannot leak into the next', () => {
    const first = parseScenario({ name: 'a' }, SOURCE);
    first.topology.regions[0]!.azs.push('us-east-1d');
    first.storage.diskLatencyMs = { kind: 'constant', ms: 1 };
    const second = parseScenario({ name: 'a' }, SOURCE);
    expect(second.topology.regions[0]!.azs).toHaveLength(3);
    expect(second.storage.diskLatencyMs.kind).toBe('logNormal');
  });

  it('accepts a secondary region, whose AZs may then be fault targets', () => {
    const scenario = parseScenario(
      {
        name: 'two-regions',
        topology: {
          regions: [
            { id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
            { id: 'us-west-2', azs: ['us-west-2a'] },
          ],
        },
        faults: [
          { atMs: 10, kind: 'regionOutage', region: 'us-west-2' },
          { atMs: 20, kind: 'azOutage', az: 'us-west-2a' },
        ],
      },
      SOURCE,
    );
    expect(scenario.topology.regions).toHaveLength(2);
  });

  it('keeps network region pairs between regions of the topology, each with its own latency and loss', () => {
    const regionPairs = [
      { regions: ['us-east-1', 'eu-west-1'], latency: { kind: 'constant', ms: 70 }, lossRatio: 0.01 },
      { regions: ['ap-southeast-2', 'us-east-1'], latency: { kind: 'logNormal', medianMs: 200, sigma: 0.1 } },
      { regions: ['eu-west-1', 'ap-southeast-2'] },
    ];
    const scenario = parseScenario({ name: 'pairs', topology: { regions: THREE_REGIONS }, network: { regionPairs } }, SOURCE);
    expect(scenario.network).toEqual({ regionPairs });
  });
});

describe('Scenario schema: bad input gives one line naming the field', () => {
  const cases: [title: string, input: unknown, message: string][] = [
    ['a secondary region not listed', globalScenario({ secondaries: [{ region: 'mars-1' }] }), 'topology.global.secondaries[0].region must be one of topology.regions after the primary (eu-west-1), got "mars-1"'],
    ['the primary as a secondary', globalScenario({ secondaries: [{ region: 'us-east-1' }] }), 'topology.global.secondaries[0].region must be a secondary region, not the primary (us-east-1), got "us-east-1"'],
    ['a secondary with one AZ', globalScenario({}, [], ['eu-west-1a']), 'topology.global.secondaries[0].region must name a region with at least 3 AZs (its volume spans 3), got "eu-west-1" with 1'],
    ['a secondary with 17 instances', globalScenario({ secondaries: [{ region: 'eu-west-1', replicas: 17 }] }), 'topology.global.secondaries[0].replicas must be an integer from 0 to 16, got 17'],
    ['more secondaries than allowed', globalScenario({ secondariesMax: 0 }), 'topology.global.secondaries must list at most 0 secondary regions (topology.global.secondariesMax), got 1'],
    ['a failover to a headless secondary', globalScenario({ secondaries: [{ region: 'eu-west-1', replicas: 0 }] }, [{ atMs: 1, kind: 'globalFailover', region: 'eu-west-1' }]), 'faults[0].region must name a secondary with an instance to promote (a headless one has none; give it replicas), got "eu-west-1"'],
    ['a failover to a region outside the Global Database', globalScenario({}, [{ atMs: 1, kind: 'globalFailover', region: 'ap-southeast-2' }]), 'faults[0].region must be a region of the Global Database (us-east-1, eu-west-1), got "ap-southeast-2"'],
    ['a detach of the primary', globalScenario({}, [{ atMs: 1, kind: 'globalDetach', region: 'us-east-1' }]), 'faults[0].region must be a secondary region (eu-west-1), got "us-east-1"'],
    ['a detach without a Global Database', { name: 'x', faults: [{ atMs: 1, kind: 'globalDetach', region: 'us-east-1' }] }, 'faults[0].region needs a Global Database (topology.global) to act on, got "us-east-1"'],
    [
      'write forwarding with an unknown read consistency',
      globalScenario({ secondaries: [{ region: 'eu-west-1', writeForwarding: { readConsistency: 'strong' } }] }),
      'topology.global.secondaries[0].writeForwarding.readConsistency must be one of eventual, session, global (aurora_replica_read_consistency), got "strong"',
    ],
    [
      'write forwarding with the read consistency in upper case',
      globalScenario({ secondaries: [{ region: 'eu-west-1', writeForwarding: { readConsistency: 'SESSION' } }] }),
      'topology.global.secondaries[0].writeForwarding.readConsistency must be one of eventual, session, global (aurora_replica_read_consistency), got "SESSION"',
    ],
    [
      'write forwarding from a headless secondary',
      globalScenario({ secondaries: [{ region: 'eu-west-1', replicas: 0, writeForwarding: { readConsistency: 'session' } }] }),
      'topology.global.secondaries[0].writeForwarding needs at least one instance in the region to forward from (topology.global.secondaries[0].replicas >= 1), got 0 replicas',
    ],
    [
      'write forwarding without sessions',
      globalScenario({ secondaries: [{ region: 'eu-west-1', writeForwarding: { readConsistency: 'global', clients: 0 } }] }),
      'topology.global.secondaries[0].writeForwarding.clients must be an integer from 1 to 100000, got 0',
    ],
    // Multi-writer clusters (docs/protocol.md §11.2): the writer count, the consistency, and what does not go with them.
    ['five writers of at most four', { name: 'x', topology: { multiWriter: { writers: 5 } } }, 'topology.multiWriter.writers must be an integer from 2 to topology.multiWriter.maxWriters (4), got 5'],
    ['one writer', { name: 'x', topology: { multiWriter: { writers: 1 } } }, 'topology.multiWriter.writers must be an integer from 2 to topology.multiWriter.maxWriters (4), got 1'],
    ['an unknown read consistency', { name: 'x', topology: { multiWriter: { consistency: 'global' } } }, 'topology.multiWriter.consistency must be one of instance-raw, regional-raw (aurora_mm_session_consistency_level), got "global"'],
    ['a negative replication delay', { name: 'x', topology: { multiWriter: { replicationDelayMs: -1 } } }, 'topology.multiWriter.replicationDelayMs must be a number >= 0, got -1'],
    ['multi-writer with replicas', { name: 'x', topology: { multiWriter: {}, replicas: [{ az: 'us-east-1b' }] } }, 'topology.replicas is not supported with topology.multiWriter (every instance of a multi-writer cluster is a writer); remove one of them'],
    ['multi-writer with Serverless v2', { name: 'x', topology: { multiWriter: {}, serverless: {} } }, 'topology.serverless is not supported with topology.multiWriter (multi-writer writers are provisioned instances); remove one of them'],
    ['multi-writer with backtrack', { name: 'x', topology: { multiWriter: {} }, backtrack: {} }, 'backtrack is not supported with topology.multiWriter (backtrack was never available with multi-master); remove one of them'],
    ['a crash of a writer that is not there', { name: 'x', topology: { multiWriter: {} }, faults: [{ atMs: 1, kind: 'instanceCrash', instance: 'mm-writer:inst:us-east-1:writer3' }] }, 'faults[0].instance must name an instance of the topology (inst:us-east-1:writer, mm-writer:inst:us-east-1:writer1, mm-writer:inst:us-east-1:writer2, inst:us-east-1:standby), got "mm-writer:inst:us-east-1:writer3"'],
    ['more hot keys than keys', { name: 'x', workload: { keys: 10, hotKeys: { share: 0.5, keys: 11 } } }, 'workload.hotKeys.keys must be an integer from 1 to workload.keys (10), got 11'],
    ['a hot share above 1', { name: 'x', workload: { hotKeys: { share: 1.5, keys: 4 } } }, 'workload.hotKeys.share must be a ratio in [0, 1], got 1.5'],
    ['a retention of 36 days', { name: 'x', backup: { retentionDays: 36 } }, 'backup.retentionDays must be an integer from 1 to 35, got 36'],
    ['an object store that transfers nothing', { name: 'x', backup: { objectStore: { transferMBps: 0 } } }, 'backup.objectStore.transferMBps must be a number > 0, got 0'],
    ['an object store outage without backup', { name: 'x', faults: [{ atMs: 1, kind: 'objectStoreOutage' }] }, 'faults[0].kind needs continuous backup (a `backup` section), got "objectStoreOutage"'],
    ['a restore to a time after it is asked', { name: 'x', backup: {}, faults: [{ atMs: 1000, kind: 'pointInTimeRestore', toTimeMs: 2000 }] }, 'faults[0].toTimeMs must be at most atMs (1000): a restore reaches back, got 2000'],
    [
      'a snapshot created twice',
      { name: 'x', backup: {}, faults: [{ atMs: 1, kind: 'createSnapshot', snapshot: 's' }, { atMs: 2, kind: 'createSnapshot', snapshot: 's' }] },
      'faults[0].snapshot must name a new snapshot, once, got "s" twice',
    ],
    [
      'a restore of a snapshot not yet taken',
      { name: 'x', backup: {}, faults: [{ atMs: 5, kind: 'restoreFromSnapshot', snapshot: 's' }, { atMs: 5, kind: 'createSnapshot', snapshot: 's' }] },
      'faults[0].snapshot must name a snapshot a createSnapshot makes before atMs 5 (none), got "s"',
    ],
    ['backup with a Global Database', { ...(globalScenario({}) as object), backup: {} }, 'backup is modelled for a regional cluster only: remove topology.global or backup, got both'],
    [
      'a primary region with 2 AZs',
      { name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b'] }] } },
      'topology.regions[0].azs must list at least 3 AZs (a PG spans 3 AZs), got 2',
    ],
    [
      'an unknown fault kind',
      { name: 'x', faults: [{ atMs: 1, kind: 'heal' }, { atMs: 1, kind: 'heal' }, { atMs: 1, kind: 'meteor' }] },
      'faults[2].kind must be one of azOutage, azRecover, regionOutage, regionRecover, segmentCrash, segmentRestart, nodeCrash, nodeRestart, slowSegment, instanceCrash, instanceRestart, partition, heal, globalFailover, globalDetach, globalSwitchover, objectStoreOutage, objectStoreRecover, objectStoreUnthrottle, objectStoreThrottle, objectStoreSlow, pointInTimeRestore, createSnapshot, restoreFromSnapshot, clone, backtrack, closeConnections, got "meteor"',
    ],
    [
      'an unknown key',
      { name: 'x', topology: { pgcount: 4 } },
      'topology.pgcount is not a known field (allowed here: regions, pgCount, storageNodesPerAz, segmentKinds, writerAz, blocksPerPg, lal, replicas, standby, global, growth, serverless, multiWriter)',
    ],
    [
      'an unknown key in a fault lists that fault kind\'s fields',
      { name: 'x', faults: [{ atMs: 1, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 2, extra: true }] },
      'faults[0].extra is not a known field (allowed here: atMs, kind, segment, factor)',
    ],
    ['a negative rate', { name: 'x', workload: { commitsPerS: -5 } }, 'workload.commitsPerS must be a number >= 0, got -5'],
    ['a number given as a string', { name: 'x', workload: { keys: '10' } }, 'workload.keys must be an integer >= 1, got "10"'],
    ['a zero MRPL lease', { name: 'x', storage: { mrplLeaseTicks: 0 } }, 'storage.mrplLeaseTicks must be an integer >= 1, got 0'],
    ['a negative GC period', { name: 'x', storage: { gcPeriodMs: -1 } }, 'storage.gcPeriodMs must be a number >= 0, got -1'],
    [
      'writerAz not in the primary region',
      { name: 'x', topology: { writerAz: 'eu-west-1a' } },
      "topology.writerAz must be one of the primary region's AZs (us-east-1a, us-east-1b, us-east-1c), got \"eu-west-1a\"",
    ],
    [
      'a fault naming an unknown segment',
      { name: 'x', faults: [{ atMs: 1, kind: 'segmentCrash', segment: 'seg:pg9:us-east-1a:1' }] },
      'faults[0].segment must name a segment of the topology (seg:pg{0..3}:{us-east-1a|us-east-1b|us-east-1c}:{1|2}), got "seg:pg9:us-east-1a:1"',
    ],
    [
      'a fault naming an unknown node',
      { name: 'x', faults: [{ atMs: 1, kind: 'nodeCrash', node: 'node:us-east-1a:5' }] },
      'faults[0].node must name a storage node of the topology (node:{us-east-1a|us-east-1b|us-east-1c}:{1..4}), got "node:us-east-1a:5"',
    ],
    [
      'a fault naming an unknown AZ',
      { name: 'x', faults: [{ atMs: 1, kind: 'azOutage', az: 'us-east-1d' }] },
      'faults[0].az must be an AZ of the topology (us-east-1a, us-east-1b, us-east-1c), got "us-east-1d"',
    ],
    [
      'a partition naming an unknown endpoint',
      { name: 'x', faults: [{ atMs: 1, kind: 'partition', sideA: ['us-east-1a', 'client:99'] }] },
      'faults[0].sideA[1] must name an AZ, a region or an actor (seg:pg{0..3}:{us-east-1a|us-east-1b|us-east-1c}:{1|2}, node:{us-east-1a|us-east-1b|us-east-1c}:{1..4}, inst:us-east-1:writer, inst:us-east-1:standby, metadata, control-plane, storage-control-plane, client:{1..16}), got "client:99"',
    ],
    [
      'a partition with an endpoint on both sides',
      { name: 'x', faults: [{ atMs: 1, kind: 'partition', sideA: ['us-east-1a'], sideB: ['us-east-1b', 'us-east-1a'] }] },
      'faults[0].sideB[1] must not also be in sideA, got "us-east-1a"',
    ],
    ['a fault without its target', { name: 'x', faults: [{ atMs: 1, kind: 'azOutage' }] }, 'faults[0].az is missing; it must be a non-empty string'],
    [
      'a fault after the run ends',
      { name: 'x', faults: [{ atMs: 10_001, kind: 'heal' }] },
      'faults[0].atMs must be in [0, durationMs = 10000], got 10001',
    ],
    ['a slowSegment factor below 1', { name: 'x', faults: [{ atMs: 0, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 0.5 }] }, 'faults[0].factor must be a number >= 1, got 0.5'],
    ['stopMs after durationMs', { name: 'x', workload: { stopMs: 12_000 } }, 'workload.stopMs must be <= durationMs (10000), got 12000'],
    ['startMs after stopMs', { name: 'x', workload: { startMs: 5_000, stopMs: 4_000 } }, 'workload.startMs must be <= workload.stopMs (4000), got 5000'],
    [
      'reader transactions without gets',
      { name: 'x', workload: { readerTxnsPerS: 100, getsPerTxn: 0 } },
      'workload.getsPerTxn must be >= 1 when workload.readerTxnsPerS > 0 (a read-only transaction needs a get), got 0',
    ],
    ['a negative reader rate', { name: 'x', workload: { readerTxnsPerS: -1 } }, 'workload.readerTxnsPerS must be a number >= 0, got -1'],
    [
      'a replica cache of a fractional size',
      { name: 'x', topology: { replicas: [{ az: 'us-east-1b', cacheBlocks: 1.5 }] } },
      'topology.replicas[0].cacheBlocks must be an integer >= 0, got 1.5',
    ],
    ['a JSON array', [], 'the scenario must be a JSON object, got an empty array'],
    ['a JSON string', 'az-outage', 'the scenario must be a JSON object, got "az-outage"'],
    ['null', null, 'the scenario must be a JSON object, got null'],
    ['no name', {}, 'name is missing; it must be a non-empty one-line string'],
    ['a two-line name', { name: 'a\nb' }, 'name must be a non-empty one-line string, got "a\\nb"'],
    ['pgCount 0', { name: 'x', topology: { pgCount: 0 } }, 'topology.pgCount must be an integer from 1 to 100000, got 0'],
    ['pgCount not an integer', { name: 'x', topology: { pgCount: 2.5 } }, 'topology.pgCount must be an integer from 1 to 100000, got 2.5'],
    ['one storage node per AZ', { name: 'x', topology: { storageNodesPerAz: 1 } }, 'topology.storageNodesPerAz must be an integer from 2 to 100000, got 1'],
    ['blocksPerPg 0', { name: 'x', topology: { blocksPerPg: 0 } }, 'topology.blocksPerPg must be an integer >= 1, got 0'],
    ['lal 0', { name: 'x', topology: { lal: 0 } }, 'topology.lal must be an integer >= 1, got 0'],
    [
      'a maximum volume smaller than the volume as created',
      { name: 'x', topology: { pgCount: 4, growth: { maxVolumeBytes: 2 ** 30 } } },
      'topology.growth.maxVolumeBytes must be a whole number of bytes from 42949672960 (pgCount 4 × 10 GiB) to 140737488355328 (128 TiB), got 1073741824',
    ],
    [
      'a maximum volume past 128 TiB',
      { name: 'x', topology: { growth: { maxVolumeBytes: 2 ** 48 } } },
      'topology.growth.maxVolumeBytes must be a whole number of bytes from 42949672960 (pgCount 4 × 10 GiB) to 140737488355328 (128 TiB), got 281474976710656',
    ],
    ['keysPerBlock 0', { name: 'x', topology: { growth: { keysPerBlock: 0 } } }, 'topology.growth.keysPerBlock must be an integer >= 1, got 0'],
    [
      'a point-in-time restore of a growing volume',
      { name: 'x', topology: { growth: {} }, backup: {}, faults: [{ atMs: 10, kind: 'pointInTimeRestore', toTimeMs: 5 }] },
      'faults[0].kind is not supported with topology.growth (a restore rebuilds only the PGs the volume was created with); remove one of them',
    ],
    [
      'a clone of a growing volume',
      { name: 'x', topology: { growth: {} }, faults: [{ atMs: 10, kind: 'clone' }] },
      'faults[0].kind is not supported with topology.growth (a clone copies only the PGs the volume was created with); remove one of them',
    ],
    ['a clone section with a negative copy rate', { name: 'x', clones: { fullCopyMBps: -1 } }, 'clones.fullCopyMBps must be a number > 0, got -1'],
    ['a backtrack without the section', { name: 'x', faults: [{ atMs: 10, kind: 'backtrack', toTimeMs: 5 }] }, 'faults[0].kind needs backtrack enabled (a `backtrack` section with its windowMs), got "backtrack"'],
    [
      'a backtrack beyond its window',
      { name: 'x', backtrack: { windowMs: 1_000 }, faults: [{ atMs: 5_000, kind: 'backtrack', toTimeMs: 1_000 }] },
      'faults[0].toTimeMs must be within backtrack.windowMs (1000) of atMs, so at least 4000, got 1000',
    ],
    ['a backtrack to the future', { name: 'x', backtrack: {}, faults: [{ atMs: 5, kind: 'backtrack', toTimeMs: 10 }] }, 'faults[0].toTimeMs must be at most atMs (5): a backtrack goes to a time already passed, got 10'],
    ['a backtrack window past 72 hours', { name: 'x', backtrack: { windowMs: 259_200_001 } }, 'backtrack.windowMs must be a number > 0 and <= 259200000, got 259200001'],
    ['backtrack with backup', { name: 'x', backtrack: {}, backup: {} }, 'backtrack is not modelled with continuous backup yet: remove backup or backtrack, got both'],
    ['an unknown putKeys', { name: 'x', workload: { putKeys: 'random' } }, 'workload.putKeys must be one of uniform, append, got "random"'],
    ['an unknown segmentKinds', { name: 'x', topology: { segmentKinds: 'tail' } }, 'topology.segmentKinds must be one of full, fullTail, got "tail"'],
    [
      'a duplicated region id',
      { name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b', 'c'] }, { id: 'r', azs: ['d'] }] } },
      'topology.regions[1].id repeats topology.regions[0].id (region ids must be unique), got "r"',
    ],
    [
      'an AZ name used in two regions',
      { name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b', 'c'] }, { id: 's', azs: ['b'] }] } },
      'topology.regions[1].azs[0] repeats topology.regions[0].azs[1] (AZ names must be unique, across regions too), got "b"',
    ],
    [
      'the same AZ twice, which is not 3 distinct AZs',
      { name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b', 'a'] }] } },
      'topology.regions[0].azs[2] repeats topology.regions[0].azs[0] (AZ names must be unique, across regions too), got "a"',
    ],
    [
      'an AZ name that would break systemIds',
      { name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b', 'c:1'] }] } },
      "topology.regions[0].azs[2] must be a name of letters, digits, '.', '_' or '-', got \"c:1\"",
    ],
    ['a loss ratio above 1', { name: 'x', network: { lossRatio: 1.5 } }, 'network.lossRatio must be a ratio in [0, 1], got 1.5'],
    [
      'an unknown latency distribution',
      { name: 'x', network: { latency: { sameAz: { kind: 'normal', meanMs: 1 } } } },
      'network.latency.sameAz.kind must be one of constant, uniform, logNormal, shiftedExponential, got "normal"',
    ],
    [
      'a uniform latency with maxMs below minMs',
      { name: 'x', storage: { diskLatencyMs: { kind: 'uniform', minMs: 2, maxMs: 1 } } },
      'storage.diskLatencyMs.maxMs must be >= minMs (2), got 1',
    ],
    ['a negative latency', { name: 'x', network: { latency: { crossAz: { kind: 'constant', ms: -1 } } } }, 'network.latency.crossAz.ms must be a number >= 0, got -1'],
    ['durationMs over a day', { name: 'x', durationMs: 86_400_001 }, 'durationMs must be a number > 0 and <= 86400000, got 86400001'],
    ['an unknown durability', { name: 'x', writer: { durability: 'some' } }, 'writer.durability must be one of quorum, all, got "some"'],
    ['an unknown isolation level', { name: 'x', writer: { isolation: 'snapshot' } }, 'writer.isolation must be one of read-committed, serializable, got "snapshot"'],
    ['faults not a list', { name: 'x', faults: { atMs: 1, kind: 'heal' } }, 'faults must be a list of faults, got an object'],
    ['a fault that is not an object', { name: 'x', faults: [5] }, 'faults[0] must be an object, got 5'],
    ['degradeAfterMs not a number', { name: 'x', repair: { degradeAfterMs: '2s' } }, 'repair.degradeAfterMs must be a number > 0, got "2s"'],
    [
      'a region pair naming a region the topology lacks',
      withPairs([{ regions: ['us-east-1', 'eu-west-1'] }, { regions: ['us-east-1', 'eu-central-1'] }]),
      'network.regionPairs[1].regions[1] must be one of the topology\'s regions (us-east-1, eu-west-1, ap-southeast-2), got "eu-central-1"',
    ],
    [
      'a region pair naming one region twice',
      withPairs([{ regions: ['eu-west-1', 'eu-west-1'] }]),
      'network.regionPairs[0].regions[1] must differ from network.regionPairs[0].regions[0] (a pair links two regions), got "eu-west-1"',
    ],
    [
      'a region pair repeated in the other order',
      withPairs([{ regions: ['us-east-1', 'eu-west-1'] }, { regions: ['us-east-1', 'ap-southeast-2'] }, { regions: ['eu-west-1', 'us-east-1'] }]),
      'network.regionPairs[2].regions repeats network.regionPairs[0].regions (a pair is the same link both ways), got ["eu-west-1","us-east-1"]',
    ],
    [
      'a region pair with a loss ratio above 1',
      withPairs([{ regions: ['us-east-1', 'eu-west-1'], lossRatio: 1.5 }]),
      'network.regionPairs[0].lossRatio must be a ratio in [0, 1], got 1.5',
    ],
    [
      'a region pair of three regions',
      withPairs([{ regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] }]),
      'network.regionPairs[0].regions must be two region names, got an array',
    ],
    [
      'a region pair latency with maxMs below minMs',
      withPairs([{ regions: ['us-east-1', 'eu-west-1'], latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }]),
      'network.regionPairs[0].latency.maxMs must be >= minMs (5), got 1',
    ],
    [
      'degradeAfterMs shorter than a health check',
      { name: 'x', repair: { checkPeriodMs: 500, degradeAfterMs: 200 } },
      'repair.degradeAfterMs must be >= repair.checkPeriodMs (500), got 200',
    ],
  ];

  it.each(cases)('%s', (_title, input, message) => {
    const error = errorOf(() => parseScenario(input, SOURCE));
    expect(error.message).toBe(`${SOURCE}: ${message}`);
  });

  it('names the field in `field` as well as in the message', () => {
    const error = errorOf(() => parseScenario({ name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b'] }] } }, SOURCE));
    expect(error.field).toBe('topology.regions[0].azs');
  });
});

describe('Scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aurora-scenarios-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a valid file and fills its defaults', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify({ name: 'from-file', faults: [{ atMs: 100, kind: 'azOutage', az: 'us-east-1b' }] }));
    const scenario = loadScenarioFile(path);
    expect(scenario.name).toBe('from-file');
    expect(scenario.workload.commitsPerS).toBe(500);
  });

  it('reports malformed JSON on one line with the parser message', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "name": "x",\n  "durationMs": }\n');
    const error = errorOf(() => loadScenarioFile(path));
    expect(error.message).toMatch(new RegExp(`^scenario file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: \\S`));
  });

  it('reports a missing file with its error code', () => {
    const path = join(dir, 'absent.json');
    const error = errorOf(() => loadScenarioFile(path));
    expect(error.message).toBe(`scenario file ${path}: no such file (ENOENT)`);
  });

  it('prefixes field errors with the file name', () => {
    const path = join(dir, 'az.json');
    writeFileSync(path, JSON.stringify({ name: 'x', topology: { regions: [{ id: 'r', azs: ['a', 'b'] }] } }));
    const error = errorOf(() => loadScenarioFile(path));
    expect(error.message).toBe(`scenario file ${path}: topology.regions[0].azs must list at least 3 AZs (a PG spans 3 AZs), got 2`);
  });
});
