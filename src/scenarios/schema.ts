/**
 * The scenario file format: a zod schema that turns untrusted JSON into a fully defaulted
 * {@link Scenario}, or fails with one line naming the field and what it allows
 * (docs/simulation-guide.md, "Running a scenario").
 *
 * Two passes. The schema checks shape, types and ranges field by field and fills the defaults
 * (docs/protocol.md §14, numbers and defaults); objects are strict, so a misspelt key is an error
 * rather than a silently ignored option. Then a semantic pass checks what needs more than one
 * field: the topology can be placed (≥ 3 AZs in the primary region, unique names, writerAz in the
 * region; shared with `resolveTopology`), the workload stops within the run, and every fault fires
 * within the run and names an AZ, region, segment or node that the resolved topology has, and
 * every network region pair names two different regions of the topology, once.
 *
 * Defaults that depend on other fields: `topology.writerAz` is the primary region's first AZ and
 * `workload.stopMs` is `durationMs`. `network` stays `{}` when absent, so the kernel's defaults
 * (DEFAULT_LATENCY, no loss) apply.
 */
import { VOLUME_BYTES_MAX_DEFAULT } from '../protocol/geometry.js';
import { DEFAULT_GLOBAL_SECONDARIES_MAX, GLOBAL_SECONDARIES_MAX, SECONDARY_REPLICAS_MAX } from '../protocol/global.js';
import * as z from 'zod';
import { readJsonFile } from './json-file.js';
import { CLIENT_COUNT_MAX, PG_COUNT_MAX, STORAGE_NODES_PER_AZ_MAX, everyAz, everyRegion, findTopologyProblem, globalEndpoints, resolveTopology } from '../cluster/topology.js';
import type { TopologyProblem } from '../cluster/topology.js';
import type { LatencyDistribution } from '../kernel/network.js';
import { ScenarioError, describeValue, formatPath, valueAt } from '../cluster/errors.js';
import type { ClientTokenKind, FaultSpec, ResolvedTopology, Scenario, SecuritySpec, TopologySpec } from '../cluster/scenario.js';
import { BACKTRACK_WINDOW_MS_MAX, CLIENT_TOKEN_KINDS, CLONE_DEFAULTS, METRIC_PERIODS_MAX } from '../cluster/scenario.js';
import { serverlessProblem } from '../cluster/serverless.js';
import { hotKeysProblem, multiWriterActorIds, multiWriterProblem } from '../cluster/multi-writer.js';
import { MULTI_WRITER_CONSISTENCIES, MULTI_WRITER_MAX_DEFAULT, MULTI_WRITER_MIN, MULTI_WRITERS_DEFAULT, REPLICATION_DELAY_MS_DEFAULT } from '../protocol/multi-writer.js';
import type { MultiWriterConsistency } from '../protocol/multi-writer.js';
import { AUTO_PAUSE_AFTER_S_DEFAULT, AUTO_PAUSE_AFTER_S_MAX, AUTO_PAUSE_AFTER_S_MIN, CACHE_BLOCKS_PER_ACU_DEFAULT, LOAD_MODEL_DEFAULTS, RESUME_MS_DEFAULT } from '../protocol/serverless.js';
import { DEFAULT_KMS_KEY_ID } from '../protocol/encryption.js';
import { TOKEN_TTL_MS_MAX, cidrOf, ipv4Of } from '../protocol/security.js';
import { firstHostOf } from '../cluster/security.js';

export { ScenarioError } from '../cluster/errors.js';

/** Longest run a scenario may ask for: one virtual day. */
export const DURATION_MS_MAX = 86_400_000;

// Leaf schemas. Each carries its rule as the error message; the formatter adds the path and the
// value received, so every leaf failure reads `<path> <rule>, got <value>`.

function numberAtLeast(min: number): z.ZodNumber {
  const rule = `must be a number >= ${min}`;
  return z.number({ error: rule }).min(min, { error: rule });
}

function numberAbove(min: number, max?: number): z.ZodNumber {
  const rule = max === undefined ? `must be a number > ${min}` : `must be a number > ${min} and <= ${max}`;
  const schema = z.number({ error: rule }).gt(min, { error: rule });
  return max === undefined ? schema : schema.max(max, { error: rule });
}

function integerAtLeast(min: number, max?: number): z.ZodNumber {
  const rule = max === undefined ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`;
  const schema = z.number({ error: rule }).int({ error: rule }).min(min, { error: rule });
  return max === undefined ? schema : schema.max(max, { error: rule });
}

function ratio(): z.ZodNumber {
  const rule = 'must be a ratio in [0, 1]';
  return z.number({ error: rule }).min(0, { error: rule }).max(1, { error: rule });
}

function text(rule: string, pattern: RegExp): z.ZodString {
  return z.string({ error: rule }).regex(pattern, { error: rule });
}

const NON_EMPTY_LINE = /^[^\r\n]*\S[^\r\n]*$/;
const ONE_LINE = /^[^\r\n]*$/;
const id = (): z.ZodString => text('must be a non-empty string', NON_EMPTY_LINE);
const list = <T extends z.ZodType>(item: T, rule: string) => z.array(item, { error: rule });

/** A latency distribution of the kernel network (all numbers in ms, finite, ≥ 0). */
const latencyDistributionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), ms: numberAtLeast(0) }),
  z.strictObject({ kind: z.literal('uniform'), minMs: numberAtLeast(0), maxMs: numberAtLeast(0) }),
  z.strictObject({ kind: z.literal('logNormal'), medianMs: numberAtLeast(0), sigma: numberAtLeast(0) }),
  z.strictObject({ kind: z.literal('shiftedExponential'), minMs: numberAtLeast(0), meanExtraMs: numberAtLeast(0) }),
]);

const DEFAULT_REGIONS = (): { id: string; azs: string[] }[] => [
  { id: 'us-east-1', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
];

const topologySchema = z.strictObject({
  regions: list(z.strictObject({ id: id(), azs: list(id(), 'must be a list of AZ names') }), 'must be a list of regions').default(
    DEFAULT_REGIONS,
  ),
  // Ranges and cross-field rules of the topology are checked by findTopologyProblem (shared with
  // resolveTopology), so here only the types are.
  pgCount: z.number({ error: `must be an integer from 1 to ${PG_COUNT_MAX}` }).default(4),
  storageNodesPerAz: z.number({ error: `must be an integer from 2 to ${STORAGE_NODES_PER_AZ_MAX}` }).default(4),
  segmentKinds: z.enum(['full', 'fullTail'], { error: 'must be one of full, fullTail' }).default('full'),
  /** Default: the primary region's first AZ (filled after parsing). */
  writerAz: id().optional(),
  blocksPerPg: z.number({ error: 'must be an integer >= 1' }).default(64),
  lal: z.number({ error: 'must be an integer >= 1' }).default(10_000_000),
  replicas: list(
    z.strictObject({
      az: id(),
      tier: z.number({ error: 'must be an integer from 0 to 15' }).default(1),
      sizeAcu: z.number({ error: 'must be a number > 0' }).default(16),
      cacheBlocks: z.number({ error: 'must be an integer >= 0' }).default(0),
    }),
    'must be a list of replicas',
  ).default(() => []),
  standby: z.boolean({ error: 'must be true or false' }).default(true),
  // A Global Database (docs/protocol.md §11.1); which regions may be secondaries is checked by
  // findTopologyProblem, with the topology.
  global: z
    .strictObject({
      secondaries: list(
        z.strictObject({
          region: id(),
          replicas: integerAtLeast(0, SECONDARY_REPLICAS_MAX).default(1),
          shipIntervalMs: numberAtLeast(0).default(0),
          maxBatchRecords: integerAtLeast(1).default(1000),
          // Write forwarding (docs/protocol.md §11.1); that it needs an instance is checked with the topology.
          writeForwarding: z
            .strictObject({
              readConsistency: z.enum(['eventual', 'session', 'global'], { error: 'must be one of eventual, session, global (aurora_replica_read_consistency)' }),
              clients: integerAtLeast(1, CLIENT_COUNT_MAX).default(2),
              thinkTimeMs: numberAtLeast(0).default(100),
            })
            .optional(),
        }),
        'must be a list of secondary regions',
      ),
      secondariesMax: integerAtLeast(0, GLOBAL_SECONDARIES_MAX).default(DEFAULT_GLOBAL_SECONDARIES_MAX),
      lagTickMs: numberAbove(0).default(100),
      laggingAfterMs: numberAbove(0).default(5_000),
      cutOffAfterMs: numberAbove(0).default(10_000),
      resendAfterMs: numberAbove(0).default(1_000),
      fenceTimeoutMs: numberAbove(0).default(30_000),
      rpoLimitS: z.number({ error: 'must be a whole number of seconds from 20' }).optional(),
    })
    .optional(),
  // Storage growth (docs/protocol.md §1.1); the maximum's range depends on pgCount and is checked
  // by findTopologyProblem.
  growth: z
    .strictObject({
      maxVolumeBytes: z.number({ error: `must be a whole number of bytes from pgCount × 10 GiB to ${VOLUME_BYTES_MAX_DEFAULT} (128 TiB)` }).default(VOLUME_BYTES_MAX_DEFAULT),
      keysPerBlock: integerAtLeast(1).default(16),
    })
    .optional(),
  // Aurora Serverless v2 (docs/protocol.md §11.3); the steps and the range of minAcu and maxAcu,
  // and what does not go with it, are checked by serverlessProblem.
  serverless: z
    .strictObject({
      minAcu: z.number({ error: 'must be 0 or a multiple of 0.5 from 0.5 to 256' }).default(0.5),
      maxAcu: z.number({ error: 'must be a multiple of 0.5 from 1 to 256' }).default(16),
      autoPauseAfterS: integerAtLeast(AUTO_PAUSE_AFTER_S_MIN, AUTO_PAUSE_AFTER_S_MAX).default(AUTO_PAUSE_AFTER_S_DEFAULT),
      resumeMs: numberAtLeast(0).default(RESUME_MS_DEFAULT),
      cacheBlocksPerAcu: integerAtLeast(1).default(CACHE_BLOCKS_PER_ACU_DEFAULT),
      commitsPerSPerAcu: numberAbove(0).default(LOAD_MODEL_DEFAULTS.commitsPerSPerAcu),
      getsPerSPerAcu: numberAbove(0).default(LOAD_MODEL_DEFAULTS.getsPerSPerAcu),
      targetLoadPercent: numberAbove(0, 100).default(LOAD_MODEL_DEFAULTS.targetLoadPercent),
    })
    .optional(),
  // A multi-writer cluster (docs/protocol.md §11.2); the writer count's range and what does not go
  // with it are checked by multiWriterProblem.
  multiWriter: z
    .strictObject({
      writers: z.number({ error: 'must be an integer from 2 to maxWriters' }).default(MULTI_WRITERS_DEFAULT),
      maxWriters: integerAtLeast(MULTI_WRITER_MIN).default(MULTI_WRITER_MAX_DEFAULT),
      consistency: z.enum(MULTI_WRITER_CONSISTENCIES as [MultiWriterConsistency, ...MultiWriterConsistency[]], { error: `must be one of ${MULTI_WRITER_CONSISTENCIES.join(', ')} (aurora_mm_session_consistency_level)` }).default('instance-raw'),
      replicationDelayMs: numberAtLeast(0).default(REPLICATION_DELAY_MS_DEFAULT),
    })
    .optional(),
});

const repairSchema = z.strictObject({
  checkPeriodMs: numberAbove(0).default(1_000),
  replaceAfterMisses: integerAtLeast(1).default(5),
  degradeAfterMs: numberAbove(0).default(600_000),
});

const failoverSchema = z.strictObject({
  healthCheckPeriodMs: numberAbove(0).default(3_000),
  missesToFail: integerAtLeast(1).default(5),
  endpointSwitchMs: numberAtLeast(0).default(15_000),
  replacementDelayMs: numberAtLeast(0).default(120_000),
  promotionTimeoutMs: numberAbove(0).default(60_000),
});

const storageSchema = z.strictObject({
  diskLatencyMs: latencyDistributionSchema.default(() => ({ kind: 'logNormal' as const, medianMs: 0.5, sigma: 0.25 })),
  gossipPeriodMs: numberAbove(0).default(100),
  gossipMaxRecords: integerAtLeast(1).default(512),
  gcPeriodMs: numberAtLeast(0).default(500),
  mrplLeaseTicks: integerAtLeast(1).default(4),
  // Four reports per default lease (mrplLeaseTicks × gcPeriodMs = 2 s): see StorageSpec.
  mrplReportMs: numberAtLeast(0).default(500),
});

const backupSchema = z.strictObject({
  stagePeriodMs: numberAbove(0).default(5_000),
  stageMaxRecords: integerAtLeast(1).default(4_096),
  retentionDays: integerAtLeast(1, 35).default(1),
  snapshotPeriodMs: numberAbove(0).default(60_000),
  restoreTimeoutMs: numberAbove(0).default(600_000),
  objectStore: z
    .strictObject({
      serviceLatencyMs: numberAtLeast(0).default(20),
      transferMBps: numberAbove(0).default(100),
    })
    .prefault({}),
});

const clonesSchema = z.strictObject({
  clients: integerAtLeast(0, CLIENT_COUNT_MAX).default(CLONE_DEFAULTS.clients),
  commitsPerS: numberAtLeast(0).default(CLONE_DEFAULTS.commitsPerS),
  fullCopyMBps: numberAbove(0).default(CLONE_DEFAULTS.fullCopyMBps),
  cloneTimeoutMs: numberAbove(0).default(CLONE_DEFAULTS.cloneTimeoutMs),
});

const backtrackSchema = z.strictObject({
  windowMs: numberAbove(0, BACKTRACK_WINDOW_MS_MAX).default(24 * 60 * 60 * 1000),
});

const metricsSchema = z.strictObject({
  periodMs: integerAtLeast(1).default(1_000),
});

const costSchema = z.strictObject({
  storageConfiguration: z.enum(['standard', 'io-optimized'], { error: 'must be one of standard, io-optimized' }).default('standard'),
  billedStorageGiB: numberAbove(0).optional(),
});
// Addresses and ranges: the shape here, the numbers' ranges in securityProblem (one line each).
const IPV4_SHAPE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const CIDR_SHAPE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/;
const ipv4 = (): z.ZodString => text('must be an IPv4 address a.b.c.d', IPV4_SHAPE);
const cidr = (): z.ZodString => text('must be a CIDR block a.b.c.d/n', CIDR_SHAPE);

/** Connection security and encryption at rest (docs/protocol.md §15); allowedCidrs defaults to [vpcCidr], after parsing. */
const securitySchema = z.strictObject({
  requireTls: z.boolean({ error: 'must be true or false' }).default(false),
  iamAuth: z.boolean({ error: 'must be true or false' }).default(false),
  tokenTtlMs: numberAbove(0, TOKEN_TTL_MS_MAX).default(TOKEN_TTL_MS_MAX),
  vpcCidr: cidr().default('10.0.0.0/16'),
  allowedCidrs: list(cidr(), 'must be a list of CIDR blocks a.b.c.d/n').optional(),
  encrypted: z.boolean({ error: 'must be true or false' }).default(false),
  kmsKeyId: id().optional(),
});

/** Optional encryption fields of a restore or clone (docs/protocol.md §15, encryption). */
const encryptionRequest = {
  encrypted: z.boolean({ error: 'must be true or false' }).optional(),
  kmsKeyId: id().optional(),
};

const writerSchema = z.strictObject({
  durability: z.enum(['quorum', 'all'], { error: 'must be one of quorum, all' }).default('quorum'),
  retransmitAfterMs: numberAbove(0).default(50),
  linkBusyMsPerBatch: numberAtLeast(0).default(0.1),
  cacheBlocks: integerAtLeast(0).default(0),
  hedgeAfterMs: numberAbove(0).default(4),
  isolation: z.enum(['read-committed', 'serializable'], { error: 'must be one of read-committed, serializable' }).default('read-committed'),
});

const networkSchema = z.strictObject({
  latency: z
    .strictObject({
      sameAz: latencyDistributionSchema.optional(),
      crossAz: latencyDistributionSchema.optional(),
      crossRegion: latencyDistributionSchema.optional(),
    })
    .optional(),
  lossRatio: ratio().optional(),
  duplicateRatio: ratio().optional(),
  reorderRatio: ratio().optional(),
  // Region names and distinct pairs are checked by regionPairsProblem, against the topology.
  regionPairs: list(
    z.strictObject({
      regions: z.tuple([id(), id()], { error: 'must be two region names' }),
      latency: latencyDistributionSchema.optional(),
      lossRatio: ratio().optional(),
    }),
    'must be a list of region pairs',
  ).optional(),
});

const workloadSchema = z.strictObject({
  clients: integerAtLeast(1, CLIENT_COUNT_MAX).default(16),
  commitsPerS: numberAtLeast(0).default(500),
  putsPerTxn: integerAtLeast(0).default(2),
  getsPerTxn: integerAtLeast(0).default(1),
  readerTxnsPerS: numberAtLeast(0).default(0),
  keys: integerAtLeast(1).default(1000),
  putKeys: z.enum(['uniform', 'append'], { error: 'must be one of uniform, append' }).optional(),
  // Skewed keys; that `keys` is at most workload.keys is checked by multiWriterProblem's neighbour hotKeysProblem.
  hotKeys: z.strictObject({ share: ratio(), keys: integerAtLeast(1) }).optional(),
  txnTimeoutMs: numberAbove(0).default(5000),
  startMs: numberAtLeast(0).default(0),
  /** Default: durationMs (filled after parsing). */
  stopMs: numberAtLeast(0).optional(),
  // A rate schedule; the order of the phases and their times are checked by phasesProblem.
  phases: list(
    z.strictObject({
      atMs: numberAtLeast(0),
      commitsPerS: numberAtLeast(0),
      readerTxnsPerS: numberAtLeast(0).optional(),
    }),
    'must be a list of phases { atMs, commitsPerS, readerTxnsPerS? }',
  ).optional(),
  // With a security section (docs/protocol.md §15); addresses default after parsing.
  clientGroups: list(
    z.strictObject({
      clients: integerAtLeast(1, CLIENT_COUNT_MAX),
      address: ipv4().optional(),
      tls: z.boolean({ error: 'must be true or false' }).default(true),
      token: z.enum(CLIENT_TOKEN_KINDS as [string, ...string[]], { error: `must be one of ${CLIENT_TOKEN_KINDS.join(', ')}` }).default('valid'),
      refreshTokens: z.boolean({ error: 'must be true or false' }).optional(),
    }),
    'must be a list of client groups',
  ).optional(),
});

const atMs = numberAtLeast(0);
const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ atMs, kind: z.enum(['azOutage', 'azRecover']), az: id() }),
  z.strictObject({ atMs, kind: z.enum(['regionOutage', 'regionRecover']), region: id() }),
  z.strictObject({ atMs, kind: z.enum(['segmentCrash', 'segmentRestart']), segment: id() }),
  z.strictObject({ atMs, kind: z.enum(['nodeCrash', 'nodeRestart']), node: id() }),
  z.strictObject({ atMs, kind: z.literal('slowSegment'), segment: id(), factor: numberAtLeast(1) }),
  z.strictObject({ atMs, kind: z.enum(['instanceCrash', 'instanceRestart']), instance: id() }),
  z.strictObject({
    atMs,
    kind: z.literal('partition'),
    sideA: list(id(), 'must be a list of AZs, regions or systemIds').min(1, { error: 'must list at least one endpoint' }),
    sideB: list(id(), 'must be a list of AZs, regions or systemIds').optional(),
    oneWay: z.boolean({ error: 'must be true or false' }).optional(),
  }),
  z.strictObject({ atMs, kind: z.literal('heal') }),
  z.strictObject({ atMs, kind: z.enum(['globalFailover', 'globalDetach', 'globalSwitchover']), region: id() }),
  z.strictObject({ atMs, kind: z.enum(['objectStoreOutage', 'objectStoreRecover', 'objectStoreUnthrottle']) }),
  z.strictObject({ atMs, kind: z.literal('objectStoreThrottle'), requestsPerS: integerAtLeast(0) }),
  z.strictObject({ atMs, kind: z.literal('objectStoreSlow'), factor: numberAtLeast(1) }),
  z.strictObject({ atMs, kind: z.literal('pointInTimeRestore'), toTimeMs: numberAtLeast(0), ...encryptionRequest }),
  z.strictObject({ atMs, kind: z.literal('createSnapshot'), snapshot: id() }),
  z.strictObject({ atMs, kind: z.literal('restoreFromSnapshot'), snapshot: id(), ...encryptionRequest }),
  z.strictObject({ atMs, kind: z.literal('clone'), ...encryptionRequest }),
  z.strictObject({ atMs, kind: z.literal('backtrack'), toTimeMs: numberAtLeast(0) }),
  z.strictObject({ atMs, kind: z.literal('closeConnections'), instance: id().optional() }),
]);

/** The scenario file schema (JSON in, defaults filled). Prefer {@link parseScenario}, which adds the semantic checks. */
export const scenarioFileSchema = z.strictObject({
  name: text('must be a non-empty one-line string', NON_EMPTY_LINE),
  description: text('must be a one-line string', ONE_LINE).default(''),
  topology: topologySchema.prefault({}),
  storage: storageSchema.prefault({}),
  writer: writerSchema.prefault({}),
  failover: failoverSchema.prefault({}),
  repair: repairSchema.prefault({}),
  network: networkSchema.prefault({}),
  backup: backupSchema.optional(),
  clones: clonesSchema.optional(),
  backtrack: backtrackSchema.optional(),
  metrics: metricsSchema.optional(),
  cost: costSchema.optional(),
  security: securitySchema.optional(),
  workload: workloadSchema.prefault({}),
  faults: list(faultSchema, 'must be a list of faults').default(() => []),
  durationMs: numberAbove(0, DURATION_MS_MAX).default(10_000),
});

/** What a scenario file may contain: only `name` is required. */
export type ScenarioFile = z.input<typeof scenarioFileSchema>;

/**
 * Validates `input` (parsed JSON or a literal) into a fully defaulted Scenario. `source` names the
 * input at the start of every message, e.g. `scenario file az.json` or `built-in scenario az-outage`.
 * Throws a {@link ScenarioError} whose message is one line:
 * `<source>: <field path> <what is allowed>, got <value>`.
 */
export function parseScenario(input: unknown, source: string): Scenario {
  const result = scenarioFileSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const { field, line } = describeIssue(issue, input);
    throw new ScenarioError(`${source}: ${line}`, field);
  }
  const data = result.data;
  const topology: TopologySpec = { ...data.topology, writerAz: data.topology.writerAz ?? data.topology.regions[0]?.azs[0] ?? '' };
  const { clientGroups, ...workload } = data.workload;
  const { security: parsedSecurity, ...rest } = data;
  const security = securityOf(parsedSecurity);
  const scenario: Scenario = {
    ...rest,
    topology,
    workload: { ...workload, stopMs: data.workload.stopMs ?? data.durationMs },
    ...(security === undefined ? {} : { security }),
  };
  // Addresses default once the ranges they default from are known to be valid (below).
  const groups = clientGroups?.map((group) => ({ ...group, token: group.token as ClientTokenKind, refreshTokens: group.refreshTokens ?? group.token === 'valid' }));
  const problem = findScenarioProblem(scenario, groups);
  if (problem !== undefined) throw new ScenarioError(`${source}: ${problem.field} ${problem.message}`, problem.field);
  if (groups !== undefined && scenario.security !== undefined) {
    const fallback = firstHostOf(scenario.security);
    scenario.workload.clientGroups = groups.map((group) => ({ ...group, address: group.address ?? fallback }));
  }
  return scenario;
}

/** The security section with the defaults that depend on other fields: allowedCidrs, kmsKeyId. */
function securityOf(parsed: z.output<typeof securitySchema> | undefined): SecuritySpec | undefined {
  if (parsed === undefined) return undefined;
  const { kmsKeyId, allowedCidrs, ...rest } = parsed;
  const key = kmsKeyId ?? (parsed.encrypted ? DEFAULT_KMS_KEY_ID : undefined);
  return { ...rest, allowedCidrs: allowedCidrs ?? [parsed.vpcCidr], ...(key === undefined ? {} : { kmsKeyId: key }) };
}

/**
 * Reads and parses a scenario file. Throws a {@link ScenarioError}: `scenario file X: no such file
 * (ENOENT)`, `scenario file X: not valid JSON: <parser message>`, or a field error from
 * {@link parseScenario}.
 */
export function loadScenarioFile(path: string): Scenario {
  const source = `scenario file ${path}`;
  const json = readJsonFile(path, source, (message) => new ScenarioError(message));
  return parseScenario(json, source);
}

// ---------------------------------------------------------------------------------------------
// Schema issues → one line

/** A field path and what it allows; the message reads `<field> <message>`. */
type Problem = TopologyProblem;

/** Turns a zod issue into the line `<path> <rule>, got <value>`. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): { field: string; line: string } {
  const field = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const keyField = formatPath([...issue.path, key]);
    const allowed = allowedKeys(issue.path, input);
    return { field: keyField, line: `${keyField} is not a known field (allowed here: ${allowed.join(', ')})` };
  }
  let rule = issue.message;
  if (issue.code === 'invalid_union') {
    const options = (issue as { options?: unknown[] }).options;
    rule = options === undefined ? 'does not match any allowed form' : `must be one of ${options.map(String).join(', ')}`;
  } else if (issue.code === 'invalid_type' && issue.expected === 'object') {
    // Objects carry zod's generic message; every list and leaf carries its own rule.
    rule = 'must be an object';
  }
  if (field === '') return { field, line: `the scenario must be a JSON object, got ${describeValue(value)}` };
  if (value === undefined && issue.code === 'invalid_type') return { field, line: `${field} is missing; it ${rule}` };
  return { field, line: `${field} ${rule}, got ${describeValue(value)}` };
}

/** The keys the object schema at `path` accepts (a discriminated union picks the input's option). */
function allowedKeys(path: readonly PropertyKey[], input: unknown): string[] {
  let schema: z.ZodType | undefined = scenarioFileSchema;
  let value = input;
  for (const key of path) {
    schema = objectOrArray(schema, value);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(key)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return [];
    value = valueAt(value, [key]);
  }
  schema = objectOrArray(schema, value);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Strips optional/default/prefault wrappers and resolves a discriminated union by `value.kind`. */
function objectOrArray(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
    current = current.unwrap() as z.ZodType;
  }
  if (current instanceof z.ZodDiscriminatedUnion) {
    const kind = valueAt(value, ['kind']);
    const options = current.options as z.ZodType[];
    return options.find((option) => option instanceof z.ZodObject && option.shape.kind?.safeParse(kind).success === true);
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks

function findScenarioProblem(scenario: Scenario, groups?: readonly { address?: string; token: string; refreshTokens: boolean; clients: number }[]): Problem | undefined {
  const topologyProblem = findTopologyProblem(scenario.topology, scenario.workload.clients);
  if (topologyProblem !== undefined) return topologyProblem;
  return (
    regionPairsProblem(scenario) ??
    latencyProblem(scenario) ??
    workloadProblem(scenario) ??
    metricsProblem(scenario) ??
    repairProblem(scenario) ??
    backupProblem(scenario) ??
    backtrackSectionProblem(scenario) ??
    securityProblem(scenario, groups) ??
    faultsProblem(scenario) ??
    phasesProblem(scenario) ??
    serverlessProblem(scenario) ??
    hotKeysProblem(scenario) ??
    multiWriterProblem(scenario)
  );
}

/**
 * A rate schedule's phases start in increasing order within the run; a phase with read-only
 * transactions needs gets to make them of.
 */
function phasesProblem({ workload, durationMs }: Scenario): Problem | undefined {
  const phases = workload.phases ?? [];
  for (const [i, phase] of phases.entries()) {
    const field = `workload.phases[${i}]`;
    if (phase.atMs > durationMs) return { field: `${field}.atMs`, message: `must be in [0, durationMs = ${durationMs}], got ${phase.atMs}` };
    const before = phases[i - 1];
    if (before !== undefined && phase.atMs <= before.atMs) {
      return { field: `${field}.atMs`, message: `must be after workload.phases[${i - 1}].atMs (${before.atMs}): phases are in increasing order, got ${phase.atMs}` };
    }
    if ((phase.readerTxnsPerS ?? 0) > 0 && workload.getsPerTxn === 0) {
      return { field: 'workload.getsPerTxn', message: `must be >= 1 when ${field}.readerTxnsPerS > 0 (a read-only transaction needs a get), got 0` };
    }
  }
  return undefined;
}

/**
 * The security section and what depends on it (docs/protocol.md §15): valid address ranges (a VPC
 * of /16 to /28, as AWS allows), client groups that fit the workload's clients and hold a
 * refreshable token only if it is valid, a KMS key only for an encrypted cluster; and nothing that
 * needs the section without it. A Global Database's front doors are not modelled.
 */
function securityProblem(scenario: Scenario, groups: readonly { address?: string; token: string; refreshTokens: boolean; clients: number }[] | undefined): Problem | undefined {
  const { security, workload } = scenario;
  if (security === undefined) {
    if (groups !== undefined) return { field: 'workload.clientGroups', message: `needs a \`security\` section (its front door checks how the clients connect), got ${groups.length} group${groups.length === 1 ? '' : 's'}` };
    return undefined;
  }
  if (scenario.topology.global !== undefined) return { field: 'security', message: 'is modelled for a regional cluster only: remove topology.global or security, got both' };
  const vpc = cidrOf(security.vpcCidr);
  if (vpc === undefined || vpc.prefixLength < 16 || vpc.prefixLength > 28) {
    return { field: 'security.vpcCidr', message: `must be a CIDR block a.b.c.d/n with numbers a–d at most 255 and n from 16 to 28 (the sizes a VPC may have), got ${describeValue(security.vpcCidr)}` };
  }
  for (const [i, range] of security.allowedCidrs.entries()) {
    if (cidrOf(range) === undefined) return { field: `security.allowedCidrs[${i}]`, message: `must be a CIDR block a.b.c.d/n with numbers a–d at most 255 and n from 0 to 32, got ${describeValue(range)}` };
  }
  if (security.kmsKeyId !== undefined && !security.encrypted) {
    return { field: 'security.kmsKeyId', message: `needs security.encrypted true (an unencrypted cluster has no KMS key), got ${describeValue(security.kmsKeyId)}` };
  }
  let total = 0;
  for (const [i, group] of (groups ?? []).entries()) {
    const field = `workload.clientGroups[${i}]`;
    if (group.address !== undefined && ipv4Of(group.address) === undefined) return { field: `${field}.address`, message: `must be an IPv4 address a.b.c.d with numbers at most 255, got ${describeValue(group.address)}` };
    if (group.refreshTokens && group.token !== 'valid') {
      return { field: `${field}.refreshTokens`, message: `can be true only with token "valid" (a client with an expired, missing or wrong token keeps it), got true with token ${describeValue(group.token)}` };
    }
    total += group.clients;
  }
  if (total > workload.clients) return { field: 'workload.clientGroups', message: `must hold at most workload.clients (${workload.clients}) clients in all, got ${total}` };
  return undefined;
}

/**
 * Backtrack is refused where Aurora refuses it — with a Global Database (User Guide, "Backtracking
 * an Aurora DB cluster") — and where this model does not combine it yet: with backup, clones,
 * restores and storage growth (docs/protocol.md §10, backtrack).
 */
function backtrackSectionProblem({ backtrack, topology, backup, faults }: Scenario): Problem | undefined {
  if (backtrack === undefined) return undefined;
  if (topology.global !== undefined) return { field: 'backtrack', message: 'is not available with a Global Database: remove topology.global or backtrack, got both' };
  if (backup !== undefined) return { field: 'backtrack', message: 'is not modelled with continuous backup yet: remove backup or backtrack, got both' };
  if (topology.growth !== undefined) return { field: 'backtrack', message: 'is not modelled with topology.growth yet: remove one of them, got both' };
  const other = faults.findIndex((fault) => fault.kind === 'clone');
  if (other >= 0) return { field: `faults[${other}].kind`, message: 'is not modelled with backtrack yet: remove the clone or the backtrack section, got "clone"' };
  return undefined;
}

function backupProblem({ backup, topology }: Scenario): Problem | undefined {
  // Each region of a Global Database would stage to its own object store; only a regional
  // cluster's backup is modelled (docs/protocol.md §10).
  if (backup !== undefined && topology.global !== undefined) {
    return { field: 'backup', message: 'is modelled for a regional cluster only: remove topology.global or backup, got both' };
  }
  return undefined;
}

function repairProblem({ repair }: Scenario): Problem | undefined {
  // An AZ counts as lost only once its segments have missed a health check (docs/protocol.md §13,
  // M3).
  if (repair.degradeAfterMs < repair.checkPeriodMs) {
    return { field: 'repair.degradeAfterMs', message: `must be >= repair.checkPeriodMs (${repair.checkPeriodMs}), got ${repair.degradeAfterMs}` };
  }
  return undefined;
}

function latencyProblem(scenario: Scenario): Problem | undefined {
  const distributions: [string, LatencyDistribution | undefined][] = [
    ['storage.diskLatencyMs', scenario.storage.diskLatencyMs],
    ...Object.entries(scenario.network.latency ?? {}).map(([key, d]): [string, LatencyDistribution | undefined] => [`network.latency.${key}`, d]),
    ...(scenario.network.regionPairs ?? []).map((pair, i): [string, LatencyDistribution | undefined] => [`network.regionPairs[${i}].latency`, pair.latency]),
  ];
  for (const [field, distribution] of distributions) {
    if (distribution?.kind === 'uniform' && distribution.maxMs < distribution.minMs) {
      return { field: `${field}.maxMs`, message: `must be >= minMs (${distribution.minMs}), got ${distribution.maxMs}` };
    }
  }
  return undefined;
}

/**
 * Each pair names two different regions of the topology and no pair repeats another in either
 * order: a pair is one link, the same both ways (the kernel's RegionPairLink).
 */
function regionPairsProblem({ network, topology }: Scenario): Problem | undefined {
  const regions = topology.regions.map((region) => region.id);
  const seen = new Map<string, number>();
  for (const [i, pair] of (network.regionPairs ?? []).entries()) {
    const field = `network.regionPairs[${i}].regions`;
    for (const [j, region] of pair.regions.entries()) {
      if (!regions.includes(region)) {
        return { field: `${field}[${j}]`, message: `must be one of the topology's regions (${regions.join(', ')}), got ${describeValue(region)}` };
      }
    }
    const [a, b] = pair.regions;
    if (a === b) return { field: `${field}[1]`, message: `must differ from ${field}[0] (a pair links two regions), got ${describeValue(b)}` };
    const key = JSON.stringify(a < b ? [a, b] : [b, a]);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      return { field, message: `repeats network.regionPairs[${earlier}].regions (a pair is the same link both ways), got ${JSON.stringify(pair.regions)}` };
    }
    seen.set(key, i);
  }
  return undefined;
}

/** The metrics keep one datapoint per series per period: a bounded number of periods. */
function metricsProblem({ metrics, durationMs }: Scenario): Problem | undefined {
  if (metrics !== undefined && durationMs / metrics.periodMs > METRIC_PERIODS_MAX) {
    return { field: 'metrics.periodMs', message: `must be at least durationMs / ${METRIC_PERIODS_MAX.toLocaleString('en-US')} (${Math.ceil(durationMs / METRIC_PERIODS_MAX)}): a run keeps one datapoint per series per period, got ${metrics.periodMs}` };
  }
  return undefined;
}

function workloadProblem({ workload, durationMs }: Scenario): Problem | undefined {
  if (workload.stopMs > durationMs) {
    return { field: 'workload.stopMs', message: `must be <= durationMs (${durationMs}), got ${workload.stopMs}` };
  }
  if (workload.startMs > workload.stopMs) {
    return { field: 'workload.startMs', message: `must be <= workload.stopMs (${workload.stopMs}), got ${workload.startMs}` };
  }
  if (workload.readerTxnsPerS > 0 && workload.getsPerTxn === 0) {
    return { field: 'workload.getsPerTxn', message: `must be >= 1 when workload.readerTxnsPerS > 0 (a read-only transaction needs a get), got 0` };
  }
  return undefined;
}

function faultsProblem(scenario: Scenario): Problem | undefined {
  if (scenario.faults.length === 0) return undefined;
  const targets = new FaultTargets(scenario);
  for (const [i, fault] of scenario.faults.entries()) {
    const field = `faults[${i}]`;
    if (fault.atMs > scenario.durationMs) {
      return { field: `${field}.atMs`, message: `must be in [0, durationMs = ${scenario.durationMs}], got ${fault.atMs}` };
    }
    const problem = encryptionRequestProblem(scenario, field, fault) ?? targets.problem(field, fault);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * A restore's or clone's encryption fields (docs/protocol.md §15, encryption): they need the
 * `security` section, which says whether the source is encrypted, and a KMS key means encrypted.
 * Whether AWS then refuses the request (dropping encryption, or encrypting a point-in-time restore
 * or clone of an unencrypted cluster) is the run's to show: the report says so.
 */
function encryptionRequestProblem(scenario: Scenario, field: string, fault: FaultSpec): Problem | undefined {
  if (fault.kind !== 'pointInTimeRestore' && fault.kind !== 'restoreFromSnapshot' && fault.kind !== 'clone') return undefined;
  const key = fault.encrypted !== undefined ? 'encrypted' : fault.kmsKeyId !== undefined ? 'kmsKeyId' : undefined;
  if (key === undefined) return undefined;
  if (scenario.security === undefined) {
    return { field: `${field}.${key}`, message: `needs a \`security\` section (its encrypted field says whether the source is encrypted), got ${describeValue(fault[key])}` };
  }
  if (fault.kmsKeyId !== undefined && fault.encrypted === false) {
    return { field: `${field}.kmsKeyId`, message: `needs encrypted true or absent (a KMS key encrypts), got ${describeValue(fault.kmsKeyId)} with encrypted false` };
  }
  return undefined;
}

/** The names a fault may target, from the resolved topology. */
class FaultTargets {
  private readonly resolved: ResolvedTopology;
  private readonly azs: Set<string>;
  private readonly regions: Set<string>;
  private readonly segments: Set<string>;
  private readonly nodes: Set<string>;
  private readonly endpoints: Set<string>;
  private readonly instances: Set<string>;

  constructor(private readonly scenario: Scenario) {
    this.resolved = resolveTopology(scenario.topology, scenario.workload.clients);
    this.azs = new Set(scenario.topology.regions.flatMap((region) => region.azs));
    this.regions = new Set(scenario.topology.regions.map((region) => region.id));
    const secondaries = this.resolved.global?.secondaries ?? [];
    this.segments = new Set([...this.resolved.segments, ...secondaries.flatMap((secondary) => secondary.segments)].map((segment) => segment.id));
    this.nodes = new Set([...this.resolved.nodes, ...secondaries.flatMap((secondary) => secondary.nodes)].map((node) => node.id));
    this.instances = new Set([
      this.resolved.writer.id,
      // A multi-writer cluster's writers crash and restart by their statecharts' ids (docs/protocol.md §11.2).
      ...multiWriterActorIds(scenario, this.resolved),
      ...this.resolved.replicas.map((replica) => replica.id),
      ...(this.resolved.standby === undefined ? [] : [this.resolved.standby.id]),
    ]);
    this.endpoints = new Set([
      ...this.segments,
      ...this.nodes,
      ...this.instances,
      this.resolved.metadata.id,
      this.resolved.controlPlane.id,
      this.resolved.storageControlPlane.id,
      ...this.resolved.clients.map((c) => c.id),
      ...globalEndpoints(this.resolved),
    ]);
  }

  problem(field: string, fault: FaultSpec): Problem | undefined {
    switch (fault.kind) {
      case 'azOutage':
      case 'azRecover':
        return this.check(`${field}.az`, fault.az, this.azs, `must be an AZ of the topology (${[...this.azs].join(', ')})`);
      case 'regionOutage':
      case 'regionRecover':
        return this.check(`${field}.region`, fault.region, this.regions, `must be a region of the topology (${[...this.regions].join(', ')})`);
      case 'segmentCrash':
      case 'segmentRestart':
      case 'slowSegment':
        return this.check(`${field}.segment`, fault.segment, this.segments, `must name a segment of the topology (${this.segmentPattern()})`);
      case 'nodeCrash':
      case 'nodeRestart':
        return this.check(`${field}.node`, fault.node, this.nodes, `must name a storage node of the topology (${this.nodePattern()})`);
      case 'instanceCrash':
      case 'instanceRestart':
        return this.check(`${field}.instance`, fault.instance, this.instances, `must name an instance of the topology (${[...this.instances].join(', ')})`);
      case 'partition':
        return this.partitionProblem(field, fault.sideA, fault.sideB ?? []);
      case 'heal':
        return undefined;
      case 'globalDetach':
        return this.globalActionProblem(`${field}.region`, fault.region, false);
      // The first primary may be the target of a later switchover or failover: back to it.
      case 'globalFailover':
      case 'globalSwitchover':
        return this.globalActionProblem(`${field}.region`, fault.region, true);
      case 'createSnapshot':
      case 'restoreFromSnapshot':
        // A restore rebuilds the PGs the volume was created with, not those it grew by (docs/protocol.md §1.1).
        if (fault.kind === 'restoreFromSnapshot' && this.scenario.topology.growth !== undefined) return { field: `${field}.kind`, message: 'is not supported with topology.growth (a restore rebuilds only the PGs the volume was created with); remove one of them' };
        if (this.scenario.backup !== undefined) return this.snapshotProblem(field, fault);
        return { field: `${field}.kind`, message: `needs continuous backup (a \`backup\` section), got ${describeValue(fault.kind)}` };
      case 'clone':
        // A clone is a new cluster in the source's region (docs/protocol.md §10, fast clones);
        // only a regional cluster's is modelled, as its backup is. It is placed as the volume was
        // created, so not of a volume that grows (docs/protocol.md §1.1).
        if (this.scenario.topology.growth !== undefined) return { field: `${field}.kind`, message: 'is not supported with topology.growth (a clone copies only the PGs the volume was created with); remove one of them' };
        return this.resolved.global === undefined ? undefined : { field: `${field}.kind`, message: `is modelled for a regional cluster only: remove topology.global or the clone, got ${describeValue(fault.kind)}` };
      case 'backtrack':
        return this.backtrackProblem(field, fault);
      case 'closeConnections':
        // A forced reconnect closes the front door's connections (docs/protocol.md §15).
        if (this.scenario.security === undefined) return { field: `${field}.kind`, message: 'needs a `security` section (it closes its front door\'s connections), got "closeConnections"' };
        return fault.instance === undefined ? undefined : this.check(`${field}.instance`, fault.instance, this.instances, `must name an instance of the topology (${[...this.instances].join(', ')})`);
      case 'objectStoreOutage':
      case 'objectStoreRecover':
      case 'objectStoreThrottle':
      case 'objectStoreUnthrottle':
      case 'objectStoreSlow':
      case 'pointInTimeRestore':
        if (fault.kind === 'pointInTimeRestore' && this.scenario.topology.growth !== undefined) {
          return { field: `${field}.kind`, message: 'is not supported with topology.growth (a restore rebuilds only the PGs the volume was created with); remove one of them' };
        }
        if (fault.kind === 'pointInTimeRestore' && this.scenario.backup !== undefined && fault.toTimeMs > fault.atMs) {
          return { field: `${field}.toTimeMs`, message: `must be at most atMs (${fault.atMs}): a restore reaches back, got ${fault.toTimeMs}` };
        }
        return this.scenario.backup === undefined ? { field: `${field}.kind`, message: `needs continuous backup (a \`backup\` section), got ${describeValue(fault.kind)}` } : undefined;
    }
  }

  /** A backtrack needs the section, reaches back within its window (docs/protocol.md §10, backtrack). */
  private backtrackProblem(field: string, fault: Extract<FaultSpec, { kind: 'backtrack' }>): Problem | undefined {
    const { backtrack } = this.scenario;
    if (backtrack === undefined) return { field: `${field}.kind`, message: 'needs backtrack enabled (a `backtrack` section with its windowMs), got "backtrack"' };
    if (fault.toTimeMs > fault.atMs) return { field: `${field}.toTimeMs`, message: `must be at most atMs (${fault.atMs}): a backtrack goes to a time already passed, got ${fault.toTimeMs}` };
    if (fault.atMs - fault.toTimeMs > backtrack.windowMs) {
      return { field: `${field}.toTimeMs`, message: `must be within backtrack.windowMs (${backtrack.windowMs}) of atMs, so at least ${fault.atMs - backtrack.windowMs}, got ${fault.toTimeMs}` };
    }
    return undefined;
  }

  /** A snapshot is created once under its name; a restore names one created earlier (docs/protocol.md §10). */
  private snapshotProblem(field: string, fault: Extract<FaultSpec, { kind: 'createSnapshot' | 'restoreFromSnapshot' }>): Problem | undefined {
    const created = this.scenario.faults.filter((other): other is typeof fault => other.kind === 'createSnapshot' && other !== fault);
    if (fault.kind === 'createSnapshot') {
      return created.some((other) => other.snapshot === fault.snapshot) ? { field: `${field}.snapshot`, message: `must name a new snapshot, once, got ${describeValue(fault.snapshot)} twice` } : undefined;
    }
    const earlier = created.filter((other) => other.atMs < fault.atMs).map((other) => other.snapshot);
    if (earlier.includes(fault.snapshot)) return undefined;
    return { field: `${field}.snapshot`, message: `must name a snapshot a createSnapshot makes before atMs ${fault.atMs} (${earlier.length === 0 ? 'none' : earlier.join(', ')}), got ${describeValue(fault.snapshot)}` };
  }

  /** A Global Database action names one of its secondaries, which needs an instance to promote (docs/protocol.md §11.1). */
  private globalActionProblem(field: string, region: string, primaryAllowed: boolean): Problem | undefined {
    const secondaries = this.resolved.global?.secondaries ?? [];
    if (secondaries.length === 0) return { field, message: `needs a Global Database (topology.global) to act on, got ${describeValue(region)}` };
    if (primaryAllowed && region === this.resolved.global?.primaryRegion) return undefined;
    const secondary = secondaries.find((candidate) => candidate.region === region);
    if (secondary === undefined) {
      const allowed = [...(primaryAllowed ? [this.resolved.global?.primaryRegion ?? ''] : []), ...secondaries.map((candidate) => candidate.region)];
      return { field, message: `must be ${primaryAllowed ? 'a region of the Global Database' : 'a secondary region'} (${allowed.join(', ')}), got ${describeValue(region)}` };
    }
    if (secondary.instances.length === 0) return { field, message: `must name a secondary with an instance to promote (a headless one has none; give it replicas), got ${describeValue(region)}` };
    return undefined;
  }

  private partitionProblem(field: string, sideA: string[], sideB: string[]): Problem | undefined {
    const services = `${this.resolved.metadata.id}, ${this.resolved.controlPlane.id}, ${this.resolved.storageControlPlane.id}`;
    const rule = `must name an AZ, a region or an actor (${this.segmentPattern()}, ${this.nodePattern()}, ${[...this.instances].join(', ')}, ${services}, client:{1..${this.resolved.clients.length}})`;
    const regions = everyRegion(this.resolved);
    const azs = everyAz(this.resolved);
    for (const [side, names] of [['sideA', sideA], ['sideB', sideB]] as const) {
      for (const [j, name] of names.entries()) {
        const known = this.azs.has(name) || this.regions.has(name) || this.endpoints.has(name);
        if (!known) return { field: `${field}.${side}[${j}]`, message: `${rule}, got ${describeValue(name)}` };
        // Only the primary region (and a Global Database's secondaries) are placed: an AZ or region elsewhere holds no actor to cut.
        const placed = this.endpoints.has(name) || regions.includes(name) || azs.includes(name);
        if (!placed) {
          return { field: `${field}.${side}[${j}]`, message: `must name an AZ with actors (${azs.join(', ')}), a region with actors (${regions.join(', ')}) or an actor; no actor is placed in ${describeValue(name)}` };
        }
      }
    }
    const j = sideB.findIndex((name) => sideA.includes(name));
    if (j >= 0) return { field: `${field}.sideB[${j}]`, message: `must not also be in sideA, got ${describeValue(sideB[j])}` };
    if (sideB.length === 0 && regions.every((region) => sideA.includes(region))) {
      const which = regions.length === 1 ? `the region ${regions[0]}, which holds` : `every region (${regions.join(', ')}), which hold`;
      return { field: `${field}.sideB`, message: `must name the other side when sideA names ${which} every actor (without sideB nothing is left to cut off), got nothing` };
    }
    return undefined;
  }

  private check(field: string, name: string, known: Set<string>, rule: string): Problem | undefined {
    return known.has(name) ? undefined : { field, message: `${rule}, got ${describeValue(name)}` };
  }

  /** The AZs that hold storage: the primary volume's three, then each secondary volume's. */
  private storageAzs(): string[] {
    return [...this.resolved.azs, ...(this.resolved.global?.secondaries.flatMap((secondary) => secondary.azs) ?? [])];
  }

  private segmentPattern(): string {
    return `seg:pg{0..${this.scenario.topology.pgCount - 1}}:{${this.storageAzs().join('|')}}:{1|2}`;
  }

  private nodePattern(): string {
    return `node:{${this.storageAzs().join('|')}}:{1..${this.scenario.topology.storageNodesPerAz}}`;
  }
}
