/**
 * aurora-actors: Amazon Aurora's storage and replication design as deterministic xstate actors.
 *
 * The one curated entry point (docs/architecture.md, "Code conventions" 2): named exports grouped
 * by layer, no `export *`. Start with {@link createSimulation}; embed the machines (exported
 * here and from `aurora-actors/models`) in your own xstate system with your own `Clock`
 * (docs/embedding.md).
 */
import type { Scenario } from './cluster/scenario.js';
import { ScenarioError } from './cluster/errors.js';
import { findScenario, scenarioNames } from './scenarios/builtin.js';
import { Simulation } from './simulation/simulation.js';
import type { SimulationOptions } from './simulation/simulation.js';

// --- Simulation: the main entry --------------------------------------------------------------
export { Simulation, WRITE_STALL_MS, READABLE_UNDER_FAULTS } from './simulation/simulation.js';
export type { SimulationOptions, SimulationStreams, HostHooks } from './simulation/simulation.js';
export { buildReport, commitLatenciesMs, quantile } from './simulation/report.js';
export type { GrowthReport, SimulationReport } from './simulation/report.js';
export { messageBytes, writeIosOf, WRITE_IO_BYTES } from './simulation/cloudwatch.js';
export type { MetricDatum, MetricSeriesSummary, MetricsReport, MetricStatistic, MetricUnit, NetworkLocality } from './simulation/cloudwatch.js';
export { costOf, HOURS_PER_MONTH } from './simulation/cost.js';
export type { Bill, CostItem, CostReport, StorageConfiguration } from './simulation/cost.js';
export { DEFAULT_PRICES, parsePriceList, PriceListError } from './simulation/prices.js';
export type { InstanceClassPrice, PriceList } from './simulation/prices.js';
export type { ClientGroupReport, ConnectionCounts, SecurityReport } from './simulation/security-panel.js';
export type { ClusterEncryption, EncryptionReport } from './simulation/encryption-ledger.js';
export type { GlobalLagSample, GlobalPromotionReport, GlobalReport, GlobalSecondaryReport, LagFigures } from './simulation/global-panel.js';
export type { ServerlessCapacityNow, ServerlessInstanceReport, ServerlessPause, ServerlessPhase, ServerlessReport } from './simulation/serverless-panel.js';
export type { MultiWriterInstanceReport, MultiWriterReport } from './simulation/multi-writer-panel.js';
export type { MultiWriterIsolation } from './check/multi-writer-isolation.js';
export { checkMultiWriterIsolation } from './check/multi-writer-isolation.js';
export { RunSampler, chooseIntervalMs, ALL_PG_HEALTH_MAX } from './simulation/run-series.js';
export { runMirroredBaseline, type BaselineReport, type MirroredBaselineOptions } from './baseline/mirrored-baseline.js';
export { REPLICA_APPLY_MS_PER_PUT } from './baseline/options.js';
export type { RunSamplerOptions, RunSeries, PgSeries } from './simulation/run-series.js';

/** Options of {@link createSimulation}: a built-in scenario's name or a scenario object. */
export type CreateSimulationOptions = Omit<SimulationOptions, 'scenario'> & { scenario: string | Scenario };

/**
 * Builds a simulation of a scenario (a built-in's name, or a `Scenario` from `parseScenario`):
 *
 * ```ts
 * const sim = createSimulation({ seed: 42, scenario: 'az-plus-one' });
 * sim.runFor(60_000);   // virtual milliseconds
 * sim.report();         // what `aurora-actors run --json` prints
 * ```
 * @throws ScenarioError for an unknown scenario name or an impossible topology.
 */
export function createSimulation(options: CreateSimulationOptions): Simulation {
  const scenario = typeof options.scenario === 'string' ? findScenario(options.scenario) : options.scenario;
  if (scenario === undefined) {
    throw new ScenarioError(`unknown scenario "${String(options.scenario)}"; built-in scenarios: ${scenarioNames().join(', ')}`, 'scenario');
  }
  return new Simulation({ ...options, scenario });
}

// --- Scenarios -----------------------------------------------------------------------------
export { BUILTIN_SCENARIOS, findScenario, scenarioNames, withOverrides } from './scenarios/builtin.js';
export type { ScenarioPatch } from './scenarios/builtin.js';
export { parseScenario, loadScenarioFile } from './scenarios/schema.js';
export { ScenarioError } from './cluster/errors.js';
export type { MultiWriterSpec } from './cluster/scenario.js';
export type { Scenario, TopologySpec, GrowthSpec, ServerlessSpec, StorageSpec, WriterSpec, WorkloadSpec, WorkloadPhase, FaultSpec, ResolvedTopology, SecuritySpec, ClientGroupSpec, ClientTokenKind } from './cluster/scenario.js';

// --- Machines: every statechart a cluster runs, to embed (docs/embedding.md) ----------------------
export {
  segmentMachine,
  writerMachine,
  metadataMachine,
  controlPlaneMachine,
  storageControlPlaneMachine,
  regionMachine,
  azMachine,
  storageNodeMachine,
  createFailureDomainMachine,
  monitorMachine,
  responderMachine,
  globalRegionMachine,
  globalApplierMachine,
  serverlessScalerMachine,
  frontDoorMachine,
  EffectNotProvidedError,
} from '../models/index.js';
export type {
  SegmentInput,
  WriterInput,
  WriterPgInput,
  MetadataInput,
  ControlPlaneInput,
  StorageControlPlaneInput,
  FailureDomainInput,
  MonitorInput,
  ResponderInput,
  GlobalRegionInput,
  GlobalApplierInput,
  GlobalRegionObservation,
  ScalerInput,
  FrontDoorInput,
  ModelEffect,
  EffectsParams,
  SendParams,
  SignalParams,
  WireMessage,
} from '../models/index.js';
export { CLUSTER_STATECHARTS, statechartConfig, statechartMermaid, stateIdsOf } from './cluster/statecharts.js';
export type { ClusterStatechart } from './cluster/statecharts.js';

// --- Kernel: time, chance, network, trace -------------------------------------------------
export { VirtualClock, ClockBudgetExceededError } from './kernel/clock.js';
export type { Clock, TimerId, RunUntilIdleOptions } from './kernel/clock.js';
export { Rng, createRng } from './kernel/rng.js';
export type { Ratio } from './kernel/rng.js';
export { Network, DEFAULT_LATENCY } from './kernel/network.js';
export type { Envelope, LatencyDistribution, LatencyOptions, Locality, NetworkOptions, NetworkStats } from './kernel/network.js';
export { TRACE_EVENT_KINDS, Trace, canonicalJson, stateText } from './kernel/trace.js';
export type { TraceEvent, TraceEventKind, TraceOptions } from './kernel/trace.js';
export { createKernel } from './kernel/kernel.js';
export type { Kernel, KernelOptions } from './kernel/kernel.js';

// --- Cluster: interpreters, assembly, clients -------------------------------------------------
export { LiveHost, ActorFailedError } from './cluster/live-host.js';
export type { LiveHostOptions } from './cluster/live-host.js';
export type { ActorHost, ActorSpec, Emission, EmitFn, Publication, WorldEvent } from './cluster/host.js';
export { resolveTopology } from './cluster/topology.js';
export { clusterSpecs, quorumConfigOf } from './cluster/assemble.js';
export { DatabaseClient } from './cluster/client.js';
export type { TxnHandle } from './cluster/client.js';
export type { HistoryCounts, HistoryEntry, HistoryMicroOp, HistoryRecorderOptions } from './cluster/history.js';
export type { ClientConnectionOptions } from './cluster/client.js';
export { IamService } from './cluster/iam.js';
export { auditLog, auditEntriesOf } from './cluster/audit.js';
export type { AuditEntry } from './cluster/audit.js';
export { HISTORY_NS_PER_MS, entryTimeMs } from './cluster/history.js';

// --- Explore: the stepped interpreter ----------------------------------------------------------
export { SteppedActor, effectsOf } from './explore/stepped-actor.js';
export type { Effect } from './explore/stepped-actor.js';
export { SteppedHost } from './explore/stepped-host.js';

// --- Judges ----------------------------------------------------------------------------------
export { createInvariantChecker, checkAcknowledgedCommits } from './check/index.js';
export type { PropertyResult, PropertyKind, InvariantChecker } from './check/index.js';
export { S23_CONNECTIONS, createConnectionJudge } from './check/connections.js';
export type { ConnectionJudge, ConnectionJudgeOptions } from './check/connections.js';
export { TXN_MODELS, TxnHistoryError, checkTxnHistory, parseTxnHistoryLines } from './check/txn/index.js';
export type { AnomalyClass, TxnAnomaly, TxnHistoryEntry, TxnModel, TxnVerdict } from './check/txn/index.js';
export { createInspectionRecorder } from './cluster/inspection-recorder.js';
export type { InspectionRecorder, InspectionRecorderOptions, InspectionKind } from './cluster/inspection-recorder.js';

// --- Protocol: the pure Aurora arithmetic ----------------------------------------------------------
export {
  // quorums and configurations
  kOfN,
  and,
  or,
  satisfies,
  pgcl,
  quorumsIntersect,
  standardConfig,
  fullTailConfig,
  replacementConfig,
  // LSNs, watermarks, recovery
  DEFAULT_LAL,
  allocate,
  buildMtr,
  createDurabilityTracker,
  recordAck,
  watermarksOf,
  planRecovery,
  isAnnulled,
} from './protocol/index.js';
export type { Lsn, PgId, SegmentId, VolumeEpoch, MembershipEpoch, LogRecord, QuorumConfig, QuorumPredicate, TruncationRange } from './protocol/index.js';
// Branded ids: checked constructors for numbers, casts for names (src/protocol/ids.ts).
export { azId, blockId, instanceId, lsn, membershipEpoch, pgId, regionId, segmentId, volumeEpoch, LSN_ZERO } from './protocol/ids.js';
export type { AzId, BlockId, InstanceId, RegionId } from './protocol/ids.js';
export { blockChainAt, createSegmentStore, heldRecords, persistRecords, recordAt, recordsAbove, sclOf } from './protocol/segment-store.js';
export type { Persisted, SegmentStore } from './protocol/segment-store.js';
export { blockOfKey, materializePage, pgOfKey } from './protocol/pages.js';
// Storage growth (docs/protocol.md §1.1): sizes, the most PGs, the page layout of a scenario's volume.
export { GIB_BYTES, PG_BYTES_NOMINAL, TIB_BYTES, VOLUME_BYTES_MAX_DEFAULT, pageLayoutOf, pgCountMaxOf, volumeBytesOf } from './protocol/geometry.js';
export type { PageLayout } from './protocol/pages.js';
// Aurora Serverless v2 (docs/protocol.md §11.3): the load model and the per-instance decider.
export {
  ACU_MAX,
  ACU_STEP,
  LOAD_MODEL_DEFAULTS,
  acuUtilizationPercentOf,
  cacheBlocksAt,
  demandAcuOf,
  loadPercentOf,
  nextCapacityAcu,
  runningFloorAcu,
  scaleIncrementAcu,
  targetCapacityAcu,
} from './protocol/serverless.js';
export type { CapacityRange, LoadModel, ServedRates } from './protocol/serverless.js';
// Multi-writer clusters (docs/protocol.md §11.2): the writer-side rules and the writer's statechart.
export {
  COLLECTED_HOLDER,
  DEADLOCK_ERROR,
  EMPTY_PAGE,
  MULTI_WRITER_MAX_DEFAULT,
  commitStampOf,
  conflictRatePer100,
  lostVersionOf,
  touchedPages,
  valuesAfter,
  voteKept,
} from './protocol/multi-writer.js';
export type { BlockVotes, LostVersion, MultiWriterConsistency, TouchedPage, WriterPage } from './protocol/multi-writer.js';
export { mmWriterId, mmWriterMachine } from '../models/mm-writer.machine.js';
export type { MwEvent, MwInput } from '../models/mm-writer.machine.js';
export type { Observation } from './protocol/observations.js';
// Connection security and encryption at rest (docs/protocol.md §15).
export { CONNECTION_REFUSALS, TOKEN_TTL_MS_MAX, cidrContains, connectionVerdict } from './protocol/security.js';
export type { AuthToken, ConnectAttempt, ConnectionRefusal, ConnectionVerdict, SecurityObservation, SecurityPolicy } from './protocol/security.js';
export { DEFAULT_KMS_KEY_ID, encryptionOf } from './protocol/encryption.js';
export type { EncryptionAtRest, EncryptionOutcome, EncryptionRequest } from './protocol/encryption.js';
// Planted mistakes (docs/plants.md): `SimulationOptions.plant`, `aurora-actors run --plant`.
export { PLANTS, PLANT_NAMES, isPlantName } from './protocol/plants.js';
export type { PlantName } from './protocol/plants.js';
