/**
 * A simulation: one scenario, one seed, one kernel, the whole cluster of actors, its clients and
 * its judges. This is the library's main entry (docs/simulation-guide.md, "In code"):
 *
 * ```ts
 * const sim = new Simulation({ seed: 42, scenario });
 * sim.runFor(60_000);        // virtual milliseconds
 * sim.report();              // what the CLI prints with --json
 * ```
 *
 * Three parts share one stream of typed world events (`WorldEvent`, `src/cluster/host.ts`): the
 * world (`world.ts`: kernel, actors, clients, workload, faults), the metrics (`metrics.ts`) and the
 * judges (`judge-panel.ts`), which see every observation as it happens. At the end, the
 * acknowledged commits are read back from what segments persisted, independent of the writer.
 */
import { filter, map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { EventObject, InspectionEvent, Observer } from 'xstate';
import type { RedoRecord } from '../../models/messages.js';
import type { SegmentContext } from '../../models/segment.machine.js';
import type { WriterContext } from '../../models/instance.machine.js';
import type { Kernel } from '../kernel/kernel.js';
import type { TraceOptions } from '../kernel/trace.js';
import type { Observation } from '../protocol/observations.js';
import type { PlantName } from '../protocol/plants.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import type { DatabaseClient } from '../cluster/client.js';
import type { AppliedFault } from '../cluster/faults.js';
import type { HistoryEntry, HistoryRecorder, HistoryRecorderOptions } from '../cluster/history.js';
import type { ActorHost, WorldEvent } from '../cluster/host.js';
import type { InspectionRecorder, InspectionRecorderOptions } from '../cluster/inspection-recorder.js';
import type { Workload } from '../cluster/workload.js';
import { buildReport } from './report.js';
import type { ReplicaLagReport } from './replica-lag.js';
import type { ReportSource, SimulationReport } from './report.js';
import { Availability } from './availability.js';
import type { AvailabilityReport } from './availability.js';
import { JudgePanel } from './judge-panel.js';
import { regionalExclusions } from './global-panel.js';
import { ForwardingPanel } from './forwarding-panel.js';
import type { BackupService } from './backup-service.js';
import type { GlobalLagSample } from './global-panel.js';
import { Metrics } from './metrics.js';
import { CloudWatchMetrics, METRICS_PERIOD_MS_DEFAULT } from './cloudwatch.js';
import type { MetricDatum, MetricsReport } from './cloudwatch.js';
import { costOf } from './cost.js';
import type { CostReport } from './cost.js';
import { DEFAULT_PRICES } from './prices.js';
import type { PriceList } from './prices.js';
import type { FailoverTimes, ReadFigures } from './metrics.js';
import { World } from './world.js';
import type { HostHooks } from './world.js';
import { ServerlessPanel } from './serverless-panel.js';
import type { ServerlessCapacityNow } from './serverless-panel.js';
import { serverlessInstances } from '../cluster/serverless.js';
import { SecurityPanel } from './security-panel.js';
import { MultiWriterPanel } from './multi-writer-panel.js';
import { multiWriterInstances } from '../cluster/multi-writer.js';
import { auditLog } from '../cluster/audit.js';
import type { AuditEntry } from '../cluster/audit.js';

export { READABLE_UNDER_FAULTS } from './judge-panel.js';
export { WRITE_STALL_MS } from './metrics.js';
export type { HostHooks } from './world.js';

/** What {@link Simulation.retained} counts, in entries. */
export type RetainedCounts = ReturnType<JudgePanel['retained']> & ReturnType<Metrics['retained']> & { historyEntries: number; traceEvents: number; availabilityIntervals: number };

/** Options of {@link Simulation}. */
export interface SimulationOptions {
  /** The run's seed (an integer), printed first by every run. */
  seed: number;
  scenario: Scenario;
  /** The standard xstate inspect hook, handed to every actor (any `@statelyai/inspect` inspector). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  trace?: TraceOptions;
  /**
   * Record the judges' verdicts in the trace as the run goes (docs/trace-format.md, `verdict`):
   * after every kernel step, however the run is driven, one `verdict` with `ok: false` for each
   * judge that filed its first violation in that step (see {@link Simulation.violatedSoFar}), right
   * after that step's events. For traced runs (`--trace`): verdicts are neither hashed nor counted,
   * so the steps, the report and the traceHash are the same with or without; off, nothing is
   * asked of the judges between steps. {@link Simulation.recordFinalVerdicts} adds the verdicts
   * at the end. @defaultValue false
   */
  traceVerdicts?: boolean;
  /** Whether `sim.history.entries` keeps every entry, and where entries stream (`--history`). @defaultValue keeps them */
  history?: HistoryRecorderOptions;
  /**
   * How often to read acknowledged commits back from the reachable segments while some segment is
   * down (and always just before each fault); 0 checks only at fault times. @defaultValue 500
   */
  readableCheckEveryMs?: number;
  /**
   * Record inspection events as deterministic JSON lines in `sim.inspection.lines` (filtered by
   * default; see `createInspectionRecorder`).
   */
  recordInspection?: Omit<InspectionRecorderOptions, 'clock'>;
  /** Another interpreter (e.g. the stepped host), handed the hook its `observe`/`publish` go to. @defaultValue the live host */
  host?: (kernel: Kernel, hooks: HostHooks) => ActorHost;
  /**
   * A planted protocol mistake the machines run with, so the judges can be shown to find it
   * (docs/plants.md). The report names it. @defaultValue none: every machine follows docs/semantics.md
   */
  plant?: PlantName;
  /**
   * The prices the report's `cost` block bills the run at (docs/semantics.md, "Cost").
   * @defaultValue {@link DEFAULT_PRICES}, Aurora on-demand in us-east-1
   */
  prices?: PriceList;
}

/** rxjs streams of a running simulation, on the virtual clock (all views of {@link SimulationStreams.events$}). */
export interface SimulationStreams {
  /** Every observation, publication and client history entry, in the order it happened. */
  events$: Observable<WorldEvent>;
  /** Every MTR's records as the writer allocates them: the redo stream replicas follow. */
  redo$: Observable<readonly RedoRecord[]>;
  /** The writer's VDL each time it advances. */
  vdl$: Observable<number>;
  /** Every client history entry. */
  history$: Observable<HistoryEntry>;
  /** Every observation a machine reports. */
  observations$: Observable<{ atMs: number; actorId: string; observation: Observation }>;
  /**
   * A Global Database's lag figures per secondary as they are measured: durability lag per
   * primary VDL advance, RPO lag per lag tick, visibility lag per commit and read-only instance
   * (docs/semantics.md, "Report fields", `global`). Completes at once in a regional cluster.
   */
  globalLag$: Observable<GlobalLagSample>;
  /**
   * The CloudWatch-style metrics, one datapoint per series as each period closes
   * (docs/semantics.md, "Metrics"; `src/simulation/cloudwatch.ts`).
   */
  metrics$: Observable<MetricDatum>;
  /**
   * The audit log of a cluster with a `security` section (docs/protocol.md §15): every connection
   * attempt with its outcome, every connection closed, every operation passed or refused, as it
   * happens (`src/cluster/audit.ts`). Empty without the section.
   */
  audit$: Observable<AuditEntry>;
}

/** The public streams, each a view of the world stream. */
function streamsOf(events$: Observable<WorldEvent>, globalLag$: Observable<GlobalLagSample>, metrics$: Observable<MetricDatum>): SimulationStreams {
  const publications$ = events$.pipe(
    filter((event): event is Extract<WorldEvent, { source: 'publish' }> => event.source === 'publish'),
    map((event) => event.publication),
  );
  return {
    events$,
    redo$: publications$.pipe(
      filter((publication) => publication.stream === 'redo'),
      map((publication) => publication.item.records),
    ),
    vdl$: publications$.pipe(
      filter((publication) => publication.stream === 'vdl'),
      map((publication) => publication.item.vdl),
    ),
    history$: events$.pipe(
      filter((event) => event.source === 'history'),
      map((event) => event.entry),
    ),
    observations$: events$.pipe(
      filter((event) => event.source === 'observe'),
      map(({ atMs, actorId, observation }) => ({ atMs, actorId, observation })),
    ),
    globalLag$,
    metrics$,
    audit$: events$.pipe(auditLog()),
  };
}

/** One run of one scenario; see the file header. */
export class Simulation implements ReportSource {
  readonly seed: number;
  readonly scenario: Scenario;
  /** The planted mistake the run has on, if any. */
  readonly plant: PlantName | undefined;
  /** The prices the report's `cost` block bills the run at. */
  readonly prices: PriceList;
  readonly kernel: Kernel;
  readonly topology: ResolvedTopology;
  readonly host: ActorHost;
  readonly history: HistoryRecorder;
  readonly streams: SimulationStreams;
  /** The inspection recorder, when `recordInspection` was given. */
  readonly inspection: InspectionRecorder | undefined;
  private readonly world: World;
  private readonly metrics: Metrics;
  private readonly cloudWatch: CloudWatchMetrics;
  private readonly judges: JudgePanel;
  /** Write forwarding's figures (docs/protocol.md §11.1). */
  private readonly forwarding: ForwardingPanel;
  private readonly availabilityObserver: Availability;
  /** Serverless v2's figures (docs/protocol.md §11.3), with a `topology.serverless` section. */
  private readonly serverless: ServerlessPanel | undefined;
  /** The `security` block, with a `security` section (docs/protocol.md §15). */
  private readonly security: SecurityPanel | undefined;
  /** The `multiWriter` block, with `topology.multiWriter` (docs/protocol.md §11.2). */
  private readonly multiWriter: MultiWriterPanel | undefined;
  /** How many of {@link Simulation.violatedSoFar}'s judges have their verdict in the trace. */
  private verdictsTraced = 0;

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.scenario = options.scenario;
    this.plant = options.plant;
    this.prices = options.prices ?? DEFAULT_PRICES;
    // The world subscribes to its stream first, then the metrics, then the judges: each event
    // reaches them in that order, before the actor that emitted it runs on (see `world.ts`).
    const world = new World(options);
    this.world = world;
    this.kernel = world.kernel;
    this.topology = world.topology;
    this.host = world.host;
    this.history = world.history;
    this.inspection = world.inspection;
    const excluded = regionalExclusions(world.topology, (handler) => world.listen(handler));
    this.metrics = new Metrics({
      listen: (handler) => world.listen(handler),
      clock: world.kernel.clock,
      workloadStopMs: options.scenario.workload.stopMs,
      endpoint: () => world.endpoint,
      excluded,
    });
    const clones = world.clones;
    const backtrackService = world.backtrack;
    const cloneHistories =
      clones === undefined && backtrackService === undefined
        ? undefined
        : () => {
            const forClones = clones === undefined ? [] : ((): { of: string; model: string; ok: boolean; violations: readonly string[] }[] => {
              const { source, forks } = clones.histories();
              return [{ of: 'source', ...source }, ...[...forks].map(([job, verdict]) => ({ of: job, ...verdict }))];
            })();
            const forTimelines = backtrackService === undefined ? [] : backtrackService.histories(this.txnModel()).map((verdict) => ({ of: `the timeline ${verdict.timeline}`, ...verdict }));
            return [...forClones, ...forTimelines];
          };
    const backtrack = world.backtrack;
    this.judges = new JudgePanel({
      listen: (handler) => world.listen(handler),
      source: this,
      excluded,
      ...(cloneHistories === undefined ? {} : { cloneHistories }),
      ...(backtrack === undefined ? {} : { backtrackHidden: () => backtrack.hiddenNow() }),
    });
    backtrack?.onRequest((record) => this.judges.backtrackRequested(record));
    // Reads only what the world emits and schedules nothing: runs hash the same with it.
    this.forwarding = new ForwardingPanel(world.topology, (handler) => world.listen(handler));
    // Reads only what the run emits and sends, and schedules nothing: runs hash the same with it.
    this.cloudWatch = new CloudWatchMetrics({
      listen: (handler) => world.listen(handler),
      network: world.kernel.network,
      clock: world.kernel.clock,
      periodMs: options.scenario.metrics?.periodMs ?? METRICS_PERIOD_MS_DEFAULT,
      excluded,
      primaryRegion: world.topology.regionId,
      globalLag$: this.judges.globalLag$,
      ...(options.scenario.topology.serverless === undefined ? {} : { serverlessMaxAcu: options.scenario.topology.serverless.maxAcu }),
      loginFailures: options.scenario.security !== undefined,
      // A multi-writer cluster's deadlock errors per second, as MySQL's `Deadlocks` metric (docs/semantics.md, "Metrics").
      deadlocks: options.scenario.topology.multiWriter !== undefined,
    });
    // Reads the stream, and the segments' vote tables when a report is made: runs hash the same with it.
    const multiWriterSpec = options.scenario.topology.multiWriter;
    this.multiWriter =
      multiWriterSpec === undefined
        ? undefined
        : new MultiWriterPanel({
            spec: multiWriterSpec,
            writers: multiWriterInstances(options.scenario, world.topology),
            listen: (handler) => world.listen(handler),
            membersByPg: () => world.membersByPg,
            votesOf: (segment) => (world.host.snapshotOf(segment).context as SegmentContext).pageVotes,
            stateOf: (actor) => String(world.host.snapshotOf(actor).value),
          });
    // The same: it reads the stream, and the instances' counts when a report is made.
    const serverlessSpec = options.scenario.topology.serverless;
    this.serverless =
      serverlessSpec === undefined
        ? undefined
        : new ServerlessPanel({
            spec: serverlessSpec,
            instances: serverlessInstances(options.scenario, world.topology),
            listen: (handler) => world.listen(handler),
            nowMs: () => world.kernel.clock.now(),
            servedBy: (instance) => (world.host.snapshotOf(instance).context as WriterContext).load,
          });
    const { frontDoor, iam, encryption } = world;
    this.security =
      frontDoor === undefined || iam === undefined || encryption === undefined
        ? undefined
        : new SecurityPanel({
            scenario: world.scenario,
            topology: world.topology,
            listen: (handler) => world.listen(handler),
            frontDoor,
            tokensIssued: () => iam.tokensIssued,
            encryption: () => encryption.report(),
          });
    this.streams = streamsOf(world.events$, this.judges.globalLag$, this.cloudWatch.datapoints$);
    // Reads only the network and the world's quorums: runs hash the same with it (availability.ts).
    // Asked once, not per segment: per segment it made assembly quadratic (2 s of 9 at 38,400 segments).
    const anyTail = world.topology.segments.some((segment) => segment.kind === 'tail');
    const fullSegments = new Set(anyTail ? world.topology.segments.filter((segment) => segment.kind === 'full').map((segment) => segment.id) : []);
    this.availabilityObserver = new Availability({
      listen: (handler) => world.listen(handler),
      clock: world.kernel.clock,
      network: world.kernel.network,
      quorums: () => world.quorums,
      endpoint: () => world.endpoint,
      isFull: (segment) => fullSegments.has(segment),
    });
    world.start();
    if (world.globalShipping !== undefined) this.judges.watchShipments(world.globalShipping.shipped$);
    this.availabilityObserver.start();
    this.judges.scheduleReadableChecks(options.readableCheckEveryMs ?? 500);
    world.scheduleFaults();
    // The judges read what the step did; they schedule nothing, so the steps stay the same.
    if (options.traceVerdicts === true) this.kernel.clock.setAfterStep(() => this.recordNewVerdicts());
  }

  /** The database clients, one per workload client. */
  get clients(): DatabaseClient[] {
    return this.world.clients;
  }

  /** The workload driving the clients. */
  get workload(): Workload {
    return this.world.workload;
  }

  /** Faults applied so far. */
  get faultLog(): AppliedFault[] {
    return this.world.faultLog;
  }

  /** The cluster endpoint: the instance clients send transactions to (switched by the control plane). */
  get endpoint(): string {
    return this.world.endpoint;
  }

  /** Every segment that is or was a member of each PG (replacements join; the replaced keep their data). */
  get membersByPg(): Record<number, string[]> {
    return this.world.membersByPg;
  }

  /** The volume's geometry changes so far (storage growth, docs/protocol.md §1.1), in order. */
  get geometryChanges(): readonly { atMs: number; geometryEpoch: number; pg: number }[] {
    return this.world.geometryChanges;
  }

  /** Each PG's read and write quorum predicates in force now. */
  get quorums(): Record<number, { read: QuorumPredicate; write: QuorumPredicate }> {
    return this.world.quorums;
  }

  /** The history checker's model for this run's writer: strict serializable under `serializable` isolation. */
  private txnModel(): 'strict-serializable' | 'read-committed' {
    return this.scenario.writer.isolation === 'serializable' ? 'strict-serializable' : 'read-committed';
  }

  /** With backtrack: whether the timeline in force hides `lsn` (see `ReportSource`). */
  hiddenByBacktrack(lsn: number): boolean {
    return this.world.backtrack?.hidesNow(lsn) ?? false;
  }

  /** Commits the writer acknowledged: txnId → commit LSN (from its observations). */
  get acknowledged(): Map<number, number> {
    return this.metrics.acknowledged;
  }

  /** Periods of at least `WRITE_STALL_MS` without a VDL advance while the workload was issuing (ended ones). */
  get writeStalls(): { fromMs: number; toMs: number }[] {
    return this.metrics.writeStalls;
  }

  /** Failovers so far: when the control plane detected each, and when the new writer was reachable. */
  get failovers(): FailoverTimes[] {
    return this.metrics.failovers;
  }

  /** Advances virtual time by `durationMs`. */
  runFor(durationMs: number): this {
    this.kernel.clock.runFor(durationMs);
    return this;
  }

  /** Runs to the scenario's end (`durationMs`). */
  run(): this {
    this.kernel.clock.runUntil(this.scenario.durationMs);
    return this;
  }

  /**
   * Runs towards the scenario's end, checking `stop` after every kernel step, and stops after the
   * first step at which it holds. The steps are those {@link Simulation.run} fires, in the same
   * order, so a run stopped early has the full run's trace up to there (docs/testing.md, replay).
   * Returns whether it stopped early; if not, the time is the scenario's end, as after `run()`.
   */
  runUntil(stop: (sim: this) => boolean): boolean {
    const { clock } = this.kernel;
    const endMs = this.scenario.durationMs;
    for (let dueAtMs = clock.peekDueAtMs(); dueAtMs !== undefined && dueAtMs <= endMs; dueAtMs = clock.peekDueAtMs()) {
      clock.step();
      if (stop(this)) return true;
    }
    clock.runUntil(endMs);
    return false;
  }

  /**
   * The names of the judges that have filed a violation so far as the run went (the `always`
   * judges and the read-backs under faults; see `JudgePanel.violatedSoFar`):
   * `sim.runUntil((run) => run.violatedSoFar().size > 0)` stops at the first violation.
   */
  violatedSoFar(): ReadonlySet<string> {
    return this.judges.violatedSoFar();
  }

  /**
   * Records, at the time now, one final `verdict` per judge of `report.invariants`, in the report's
   * order (docs/trace-format.md, `verdict`): every judge, vacuous and end-of-run ones included, so
   * the trace alone lists them all, with its count of violations and, for a failed judge, its first
   * violation's message. Call it once the run ended or stopped, with that time's report.
   */
  recordFinalVerdicts(report: Pick<SimulationReport, 'invariants'>): void {
    const atMs = this.kernel.clock.now();
    for (const result of report.invariants) {
      const message = result.ok ? undefined : result.firstViolations[0]?.message;
      this.kernel.trace.record({ kind: 'verdict', atMs, invariant: result.name, ok: result.ok, final: true, violations: result.violations, ...(message === undefined ? {} : { message }) });
    }
  }

  /** Records a `verdict` for each judge {@link Simulation.violatedSoFar} lists that has none yet, in its order. */
  private recordNewVerdicts(): void {
    const violated = this.judges.violatedSoFar();
    if (violated.size === this.verdictsTraced) return;
    const atMs = this.kernel.clock.now();
    let index = 0;
    for (const name of violated) {
      if (index++ < this.verdictsTraced) continue;
      const message = this.judges.firstViolationSoFar(name)?.message;
      this.kernel.trace.record({ kind: 'verdict', atMs, invariant: name, ok: false, ...(message === undefined ? {} : { message }) });
    }
    this.verdictsTraced = violated.size;
  }

  /** Delivers an external event to an actor now (a fault, a probe). */
  inject(actorId: string, event: EventObject): void {
    this.host.inject(actorId, event);
  }

  /** A segment's context (its hot log, SCL, epochs). */
  segment(id: string): SegmentContext {
    return this.host.snapshotOf(id).context as SegmentContext;
  }

  /** The context of the instance the cluster endpoint points at (the writer, after any failover). */
  writer(): WriterContext {
    return this.host.snapshotOf(this.endpoint).context as WriterContext;
  }

  /** The report of the run so far (the object `run --json` prints). */
  report(): SimulationReport {
    const global = this.judges.globalReport();
    const writeForwarding = this.forwarding.active ? this.forwarding.report() : undefined;
    const report = buildReport(this, this.judges.results(), global === undefined || writeForwarding === undefined ? global : { ...global, writeForwarding });
    const { backup, clones } = this.world;
    const checks = backup === undefined && clones === undefined && this.world.backtrack === undefined ? new Map() : this.judges.restoreChecks();
    const metrics = this.metricsReport();
    const backupReport = backup?.report(checks);
    const serverlessReport = this.serverless?.report();
    return {
      ...report,
      metrics,
      cost: this.costOf(metrics, backupReport === undefined ? undefined : backupReport.retainedBytes.log + backupReport.retainedBytes.snapshots + backupReport.snapshotBytes, serverlessReport?.acuHours),
      ...(backupReport === undefined ? {} : { backup: backupReport }),
      ...(serverlessReport === undefined ? {} : { serverless: serverlessReport }),
      ...(clones === undefined ? {} : { clones: clones.report(checks) }),
      ...(this.world.backtrack === undefined
        ? {}
        : {
            backtrack: {
              ...this.world.backtrack.report(),
              verifications: [...checks.values()].filter((check) => check.job.startsWith('backtrack-')),
              histories: this.world.backtrack.histories(this.txnModel()).map((verdict) => ({ ...verdict, violations: [...verdict.violations] })),
            },
          }),
      ...(this.security === undefined ? {} : { security: this.security.report() }),
      ...this.multiWriterBlock(report),
    };
  }

  /**
   * The `multiWriter` block, and the commits storage does not hold counted among the lost ones
   * (a multi-writer commit has no commit record to read back; its page changes are read back from
   * the segments' votes instead, `multi-writer-panel.ts`).
   */
  private multiWriterBlock(report: SimulationReport): Partial<SimulationReport> {
    if (this.multiWriter === undefined) return {};
    const multiWriter = this.multiWriter.report();
    return { multiWriter, commits: { ...report.commits, lostAcknowledged: report.commits.lostAcknowledged + multiWriter.lostAcknowledged } };
  }

  /** The bill of the run so far at the scenario's storage configuration and the other (`cost.ts`). */
  private costOf(metrics: MetricsReport, backupBytes: number | undefined, serverlessAcuHours: number | undefined): CostReport {
    const spec = this.scenario.cost;
    return costOf({
      topology: this.topology,
      prices: this.prices,
      storageConfiguration: spec?.storageConfiguration ?? 'standard',
      ...(spec?.billedStorageGiB === undefined ? {} : { billedStorageGiB: spec.billedStorageGiB }),
      simulatedMs: this.kernel.clock.now(),
      metrics,
      ...(backupBytes === undefined ? {} : { backupBytes }),
      ...(serverlessAcuHours === undefined ? {} : { serverlessAcuHours }),
    });
  }

  /**
   * The CloudWatch-style metrics so far: every whole period that has ended is closed first, so its
   * datapoints reach `streams.metrics$` (docs/semantics.md, "Metrics").
   */
  metricsReport(): MetricsReport {
    this.cloudWatch.closeEnded();
    return this.cloudWatch.report();
  }

  /**
   * Each Aurora Serverless v2 instance's capacity and utilization at the current virtual time
   * (docs/protocol.md §11.3): its phase, its capacity in ACUs, `acuUtilizationPercent` (capacity
   * as a percent of the maximum, CloudWatch's `ACUUtilization`) and `loadPercent` (the last
   * second's demand as a percent of its capacity). Empty without `topology.serverless`.
   */
  serverlessCapacity(): ServerlessCapacityNow[] {
    return this.serverless?.now() ?? [];
  }

  /** The backup service: restore points, staged points, restores (docs/protocol.md §10), when the scenario has a `backup` section. */
  get backup(): BackupService | undefined {
    return this.world.backup;
  }

  /**
   * How many entries the run's judges, metrics and recorders hold now (for memory checks of long
   * runs: each should level off, not grow with simulated time).
   */
  retained(): RetainedCounts {
    return { ...this.judges.retained(), ...this.metrics.retained(), historyEntries: this.history.entries.length, traceEvents: this.kernel.trace.events.length, availabilityIntervals: this.availabilityObserver.retainedIntervals() };
  }

  /** Page reads from storage so far: how many, how many hedged, latency (ms, sorted). */
  pageReads(): { reads: number; hedged: number; latenciesMs: number[] } {
    return this.metrics.pageReads();
  }

  /** Instances in the reader role now: where the redo stream goes. */
  readers(): string[] {
    return this.world.readers();
  }

  /**
   * The reader endpoint for the next connection: the replicas in turn, or the cluster endpoint
   * when there is none (see `World.readerEndpoint`).
   */
  readerEndpoint(): string {
    return this.world.readerEndpoint();
  }

  /** Replica lag so far: commit acknowledged on the writer → visible on the replica. */
  replicaLag(): ReplicaLagReport {
    return this.metrics.replicaLag();
  }

  /** Each PG's intervals so far with a copy out of the writer's reach, and its quorums then. */
  availability(): AvailabilityReport {
    return this.availabilityObserver.report();
  }

  /** Reads the clients got answers to so far: gets by who served them, read-only latencies. */
  reads(): ReadFigures {
    return this.metrics.reads();
  }

  /** Failed transactions so far by the error the client got. */
  failures(): Record<string, number> {
    return this.metrics.failures();
  }

  /** Write stalls so far, including one still going on now. */
  stallsSoFar(): { fromMs: number; toMs: number }[] {
    return this.metrics.stallsSoFar();
  }

  /** The puts of every transaction invoked so far, by txnId. */
  txnPuts(): ReadonlyMap<number, readonly { key: string; value: string }[]> {
    return this.metrics.txnPuts();
  }
}
