/**
 * The world of one run: kernel, topology, the hosted actors, clients, workload, faults, and the
 * world stream. It reacts to the world's own events only where the world changes: the cluster
 * endpoint follows the control plane's `endpoint` publication, a `provision` publication spawns the
 * replacement segment (or a new PG's segment), a `membershipInstalled` observation extends a PG's
 * members and quorums, and a `geometryChanged` one adds a PG the volume grew by.
 * A Global Database's write forwarders are told each move of the endpoint (docs/protocol.md §11.1).
 * Judging (`judge-panel.ts`) and measuring (`metrics.ts`) subscribe to the same stream.
 *
 * One rxjs `Subject` carries every {@link WorldEvent}, synchronously and in the order machines ran
 * their `observe` and `publish` actions (live and stepped hosts alike, through one `emit` hook).
 * Subscribers run in subscription order, so the world subscribes first, then the metrics and the
 * judges, then the redo shipping: the order of clock work per event stays what it was, which
 * keeps every seed's traceHash (docs/determinism.md).
 *
 * The metrics and the judges subscribe through {@link World.listen}: rxjs would report a throw
 * from a subscriber later, on a real timer (its `reportUnhandledError`), after the run; `listen`
 * rethrows it from the emitting action instead, so it fails the actor's step and the run, with
 * the seed, as any other actor error does.
 */
import { Subject } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { InspectionEvent, Observer } from 'xstate';
import type { WriterContext } from '../../models/instance.machine.js';
import { clusterSpecs, globalSpecs, quorumConfigOf, replacementSegmentSpec, segmentKinds, writeForwardingSpecs } from '../cluster/assemble.js';
import { ForwardingSessions } from '../cluster/forwarding-sessions.js';
import { serverlessSpecs } from '../cluster/serverless.js';
import { multiWriterActorIds, multiWriterEndpoint, multiWriterSpecs } from '../cluster/multi-writer.js';
import { shipRedoToRegions } from '../cluster/global-shipping.js';
import type { GlobalShipping } from '../cluster/global-shipping.js';
import { regionId } from '../protocol/ids.js';
import type { GlobalRegionObservation } from '../../models/global-region.machine.js';
import type { GlobalApplierObservation } from '../../models/global-applier.machine.js';
import type { WriteForwarderEvent } from '../../models/write-forwarder.machine.js';
import { DatabaseClient } from '../cluster/client.js';
import { scheduleFaults } from '../cluster/faults.js';
import type { AppliedFault } from '../cluster/faults.js';
import { HistoryRecorder } from '../cluster/history.js';
import type { HistoryRecorderOptions } from '../cluster/history.js';
import { worldEventOf } from '../cluster/host.js';
import type { ActorHost, EmitFn, WorldEvent } from '../cluster/host.js';
import { LiveHost } from '../cluster/live-host.js';
import { createInspectionRecorder } from '../cluster/inspection-recorder.js';
import type { InspectionRecorder, InspectionRecorderOptions } from '../cluster/inspection-recorder.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { shipRedoToReplicas } from '../cluster/streams.js';
import { restoredClusters } from '../cluster/restores.js';
import { CloneService, cloneSettingsOf } from './clone-service.js';
import { BacktrackService } from './backtrack-service.js';
import type { RestoredCluster } from '../cluster/restores.js';
import { BackupService } from './backup-service.js';
import { EncryptionLedger } from './encryption-ledger.js';
import { IamService } from '../cluster/iam.js';
import { CLIENT_DB_USER, clientAttributesOf, frontDoorSpecs, tokenSourceOf } from '../cluster/security.js';
import type { ClientConnectionOptions } from '../cluster/client.js';
import { frontDoorId } from '../../models/front-door.machine.js';
import { reachesCluster } from '../protocol/security.js';
import type { FrontDoorEvent } from '../../models/front-door.machine.js';
import { resolveTopology } from '../cluster/topology.js';
import { Workload } from '../cluster/workload.js';
import { createKernel } from '../kernel/kernel.js';
import type { Kernel } from '../kernel/kernel.js';
import type { TraceOptions } from '../kernel/trace.js';
import type { Observation } from '../protocol/observations.js';
import type { PlantName } from '../protocol/plants.js';
import type { QuorumPredicate } from '../protocol/quorum.js';

/** Clone n's clients take process ids from n × this on: apart from the source's and each other's. */
const CLONE_PROCESS_BASE = 1_000_000;

/** Where machines' `observe` and `publish` effects go; an alternative interpreter must call `emit`. */
export interface HostHooks {
  emit: EmitFn;
}

/** Options of {@link World}: the world-building subset of the simulation's options. */
export interface WorldOptions {
  /** The run's seed (an integer). */
  seed: number;
  scenario: Scenario;
  /** The standard xstate inspect hook, handed to every actor. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  trace?: TraceOptions;
  /** Whether `history.entries` keeps every entry, and where entries stream (`--history`). @defaultValue keeps them */
  history?: HistoryRecorderOptions;
  /** Record inspection events as deterministic JSON lines (see `createInspectionRecorder`). */
  recordInspection?: Omit<InspectionRecorderOptions, 'clock'>;
  /** Another interpreter (e.g. the stepped host). @defaultValue the live host */
  host?: (kernel: Kernel, hooks: HostHooks) => ActorHost;
  /** A planted mistake the machines run with (docs/plants.md). @defaultValue none */
  plant?: PlantName;
}

/** Calls every given inspect hook (an observer or a function). */
function combineInspect(
  ...hooks: (Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined)[]
): ((event: InspectionEvent) => void) | undefined {
  const calls = hooks.flatMap((hook) => (hook === undefined ? [] : [typeof hook === 'function' ? hook : (event: InspectionEvent) => hook.next?.(event)]));
  if (calls.length === 0) return undefined;
  if (calls.length === 1) return calls[0];
  return (event) => {
    for (const call of calls) call(event);
  };
}

/** The wired world of one run; see the file header. */
export class World {
  readonly scenario: Scenario;
  /** The planted mistake, if any. */
  readonly plant: PlantName | undefined;
  readonly kernel: Kernel;
  readonly topology: ResolvedTopology;
  readonly host: ActorHost;
  readonly history: HistoryRecorder;
  /** Every observation, publication and history entry, in order (see the file header). */
  readonly events$: Observable<WorldEvent>;
  /** The inspection recorder, when `recordInspection` was given. */
  readonly inspection: InspectionRecorder | undefined;
  /** Faults applied so far. */
  readonly faultLog: AppliedFault[] = [];
  /** Every segment that is or was a member of each PG (replacements join; the replaced keep their data). */
  readonly membersByPg: Record<number, string[]> = {};
  /** The volume's geometry changes so far (storage growth, docs/protocol.md §1.1), in order. */
  readonly geometryChanges: { atMs: number; geometryEpoch: number; pg: number }[] = [];
  /** Each PG's read and write quorum predicates in force now. */
  readonly quorums: Record<number, { read: QuorumPredicate; write: QuorumPredicate }> = {};
  /** The cluster endpoint's instance; see {@link endpoint}. */
  private endpointId!: string;
  /** The sessions of the secondaries with write forwarding (docs/protocol.md §11.1), once started. */
  private forwardingClientList: DatabaseClient[] = [];
  private forwardingSessionsOrUndefined: ForwardingSessions | undefined;
  /** Whether {@link start} ran: the write forwarders exist from then on. */
  private started = false;
  /** Issues transaction ids, unique across the run's clients. */
  private txnIds = 0;
  private readonly events = new Subject<WorldEvent>();
  /** What a {@link listen} handler threw during the current emission, to rethrow from it. */
  private failure: { error: unknown } | undefined;
  private clientList: DatabaseClient[] = [];
  private workloadOrUndefined: Workload | undefined;
  /** The Global Database's replicators, started with the world when the topology has one. */
  private globalShippingOrUndefined: GlobalShipping | undefined;
  /** Secondary regions the replicators ship to: a detached one leaves, and a promotion ends shipping (see {@link onGlobalChange}). */
  private shippingTo: string[] = [];
  /** The instance each region's replication agent is promoting, as its `globalPromotion` observation names it. */
  private readonly promotingInstance = new Map<string, string>();
  /** Regions detached from the Global Database: no switchover's replicators ship to them. */
  private readonly detachedRegions = new Set<string>();
  /**
   * The instances of the primary's cluster: theirs is the redo shipped to the cluster's replicas
   * and to the secondaries. A promotion makes them the promoted region's; a detached region's
   * writer publishes too, and none of it is the primary's (docs/protocol.md §11.1).
   */
  private primaryInstanceIds = new Set<string>();
  /** Reader-endpoint connections made so far: the round robin's position. */
  private readerConnections = 0;
  /** The clusters the scenario's point-in-time restores build (src/cluster/restores.ts). */
  readonly restored: readonly RestoredCluster[];
  /** The backup service, with a `backup` section (docs/protocol.md §10). */
  readonly backup: BackupService | undefined;
  /** The clone service, with a `clone` in the fault plan (docs/protocol.md §10, fast clones). */
  readonly clones: CloneService | undefined;
  /** The backtrack service, with a `backtrack` section (docs/protocol.md §10, backtrack). */
  readonly backtrack: BacktrackService | undefined;
  /** With a `security` section (docs/protocol.md §15): the IAM service that makes tokens, and the front door's id. */
  readonly iam: IamService | undefined;
  readonly frontDoor: string | undefined;
  /** Encryption at rest of the clusters and snapshots, with a `security` section. */
  readonly encryption: EncryptionLedger | undefined;

  constructor(options: WorldOptions) {
    const { scenario } = options;
    this.scenario = scenario;
    this.plant = options.plant;
    this.topology = resolveTopology(scenario.topology, scenario.workload.clients);
    this.endpoint = this.topology.writer.id;
    this.kernel = createKernel({ seed: options.seed, network: scenario.network, trace: options.trace });
    for (const [pg, members] of Object.entries(this.topology.membersByPg)) this.membersByPg[Number(pg)] = [...members];
    const kinds = segmentKinds(this.topology);
    for (const key of Object.keys(this.topology.membersByPg)) {
      const config = quorumConfigOf(this.topology, scenario, Number(key), kinds);
      this.quorums[Number(key)] = { read: config.read, write: config.write };
    }
    this.events$ = this.events.asObservable();
    this.listen((event) => this.onEvent(event));
    const { clock, network, trace } = this.kernel;
    const hooks: HostHooks = { emit: (actorId, emission) => this.next(worldEventOf(clock.now(), actorId, emission)) };
    this.inspection = options.recordInspection === undefined ? undefined : createInspectionRecorder({ ...options.recordInspection, clock });
    const inspect = combineInspect(options.inspect, this.inspection?.inspect);
    this.host = options.host?.(this.kernel, hooks) ?? new LiveHost({ clock, network, trace, inspect, ...hooks });
    this.history = new HistoryRecorder(trace, (entry) => this.next({ source: 'history', atMs: clock.now(), entry }), options.history);
    this.restored = restoredClusters(scenario, this.topology);
    // Connection security (docs/protocol.md §15): only with the section, so runs without it hash as before.
    this.iam = scenario.security === undefined ? undefined : new IamService({ clock, tokenTtlMs: scenario.security.tokenTtlMs });
    this.frontDoor = scenario.security === undefined ? undefined : frontDoorId(this.topology.regionId);
    this.encryption = scenario.security === undefined ? undefined : new EncryptionLedger(scenario);
    // Reads the stream and snapshots; acts only when a restore is asked: runs without hash the same.
    this.backup =
      scenario.backup === undefined
        ? undefined
        : new BackupService({
            scenario,
            topology: this.topology,
            listen: (handler) => this.listen(handler),
            snapshotOf: (id) => this.host.snapshotOf(id),
            inject: (id, event) => this.host.inject(id, event),
            nowMs: () => clock.now(),
          });
    this.backtrack =
      scenario.backtrack === undefined
        ? undefined
        : new BacktrackService({
            scenario,
            topology: this.topology,
            listen: (handler) => this.listen(handler),
            endpoint: () => this.endpoint,
            inject: (id, event) => this.host.inject(id, event),
            segments: () => Object.values(this.membersByPg).flat(),
            scheduleAt: (atMs, action) => clock.scheduleAt(atMs, action),
            nowMs: () => clock.now(),
          });
    const clones = this.restored.filter((cluster) => cluster.kind === 'clone');
    this.clones =
      clones.length === 0
        ? undefined
        : new CloneService({
            scenario,
            topology: this.topology,
            clones,
            listen: (handler) => this.listen(handler),
            snapshotOf: (id) => this.host.snapshotOf(id),
            inject: (id, event) => this.host.inject(id, event),
            startClients: (cluster) => this.startCloneClients(cluster),
            nowMs: () => clock.now(),
          });
  }

  /**
   * A clone's clients (docs/protocol.md §10, fast clones): from its opening to the workload's
   * stop, connected to the clone's writer, writing values of their own (`clone-<n>.w…`) on the
   * source's keys; their history is the clone's, apart from the source's.
   */
  private startCloneClients(cluster: RestoredCluster): { history: HistoryRecorder } {
    const { clock, network } = this.kernel;
    const settings = cloneSettingsOf(this.scenario);
    const history = new HistoryRecorder(this.kernel.trace, undefined, { keepEntries: true });
    const index = this.restored.filter((other) => other.kind === 'clone').indexOf(cluster) + 1;
    const clients = Array.from({ length: settings.clients }, (_, i) => {
      const placed = this.topology.clients[i % this.topology.clients.length];
      return new DatabaseClient({
        id: `${cluster.name}:client-${i + 1}`,
        locality: { regionId: this.topology.regionId, azId: placed?.azId ?? cluster.writer.azId },
        endpoint: () => cluster.writer.id,
        clock,
        network,
        history,
        txnTimeoutMs: this.scenario.workload.txnTimeoutMs,
        // Process ids apart from every source client's (Jepsen: one process, one open operation).
        processFirst: CLONE_PROCESS_BASE * index + i,
        processStride: settings.clients,
        nextTxnId: () => ++this.txnIds,
      });
    });
    const { workload } = this.scenario;
    const options = { ...workload, commitsPerS: settings.commitsPerS, readerTxnsPerS: 0, phases: [], valuePrefix: `${cluster.name}.`, startMs: clock.now(), stopMs: workload.stopMs ?? this.scenario.durationMs };
    new Workload(options, clients, clock, this.kernel.rng.fork(`workload:${cluster.name}`)).start();
    return { history };
  }

  /**
   * Subscribes `handler` to every event, after the subscribers before it; a throw from it is
   * rethrown to whoever emitted the event (see the file header), not lost to a real timer.
   */
  listen(handler: (event: WorldEvent) => void): Subscription {
    return this.events.subscribe((event) => {
      try {
        handler(event);
      } catch (error) {
        this.failure ??= { error };
      }
    });
  }

  /**
   * The cluster endpoint: the instance clients send transactions to (switched by the control
   * plane, or by a Global Database's promotion). Every move is told to the write forwarders
   * (docs/protocol.md §11.1, write forwarding), which send their writes to it.
   */
  get endpoint(): string {
    return this.endpointId;
  }

  set endpoint(writer: string) {
    if (writer === this.endpointId) return;
    this.endpointId = writer;
    if (this.started) this.tellForwarders(writer);
  }

  /** The write forwarders learn the new writer, at the current instant (not re-entrantly, as a spawn). */
  private tellForwarders(writer: string): void {
    const forwarders = (this.topology.global?.secondaries ?? []).flatMap((secondary) => (secondary.writeForwarding === undefined ? [] : [secondary.writeForwarding.forwarder.id]));
    if (forwarders.length === 0) return;
    const { clock } = this.kernel;
    clock.scheduleAt(clock.now(), () => {
      const event: WriteForwarderEvent = { type: 'writerEndpoint', writer };
      for (const forwarder of forwarders) this.host.inject(forwarder, event);
    });
  }

  /** The sessions of the secondaries with write forwarding (created by {@link start}; empty without). */
  get forwardingClients(): DatabaseClient[] {
    return this.forwardingClientList;
  }

  /** What the write-forwarding sessions started (undefined without write forwarding). */
  get forwardingSessions(): ForwardingSessions | undefined {
    return this.forwardingSessionsOrUndefined;
  }

  /** The database clients, one per workload client (created by {@link start}). */
  get clients(): DatabaseClient[] {
    return this.clientList;
  }

  /** The workload driving the clients (created by {@link start}). */
  get workload(): Workload {
    if (this.workloadOrUndefined === undefined) throw new Error('world: the workload starts with start()');
    return this.workloadOrUndefined;
  }

  /**
   * Spawns every actor, ships the writer's redo to the replicas, and starts the clients' workload.
   * Whoever judges the world subscribes ({@link listen}) before: the actors observe from their
   * first transition on.
   */
  start(): void {
    const { clock, network } = this.kernel;
    this.host.spawnAll([
      ...clusterSpecs(this.kernel, this.scenario, this.topology, this.plant),
      ...globalSpecs(this.kernel, this.scenario, this.topology, this.plant),
      ...writeForwardingSpecs(this.topology),
      ...serverlessSpecs(this.scenario, this.topology),
      ...frontDoorSpecs(this.scenario, this.topology),
      ...multiWriterSpecs(this.scenario, this.topology, this.quorums, this.plant),
    ]);
    this.started = true;
    this.primaryInstanceIds = new Set(this.clusterInstances().map((instance) => instance.id));
    const fromPrimary = (actorId: string): boolean => this.primaryInstanceIds.has(actorId);
    shipRedoToReplicas({ events$: this.events$, network, scheduler: clock.scheduler, replicas: () => this.primaryReaders(), from: fromPrimary });
    this.startGlobalShipping(fromPrimary);
    this.clientList = this.createClients();
    this.workloadOrUndefined = new Workload(this.scenario.workload, this.clientList, clock, this.kernel.rng.fork('workload'));
    this.workloadOrUndefined.start();
    this.startForwardingSessions();
    this.backtrack?.start();
  }

  /**
   * The sessions of each secondary with write forwarding (docs/protocol.md §11.1): clients in that
   * region connected to its forwarder, over the workload's window, from their own RNG fork.
   */
  private startForwardingSessions(): void {
    const forwarding = (this.topology.global?.secondaries ?? []).flatMap((secondary) => (secondary.writeForwarding === undefined ? [] : [{ region: secondary.region, ...secondary.writeForwarding }]));
    if (forwarding.length === 0) return;
    const { clock } = this.kernel;
    const sessions = forwarding.flatMap((spec) =>
      spec.clients.map((client) => ({ region: spec.region, client, forwarder: spec.forwarder.id, thinkTimeMs: spec.thinkTimeMs })),
    );
    const first = this.topology.clients.length;
    const stride = first + sessions.length;
    this.forwardingClientList = sessions.map((session, index) => this.createForwardingClient(session.client.id, { regionId: session.region, azId: session.client.azId }, () => session.forwarder, first + index, stride));
    this.forwardingSessionsOrUndefined = new ForwardingSessions(
      sessions.map((session, index) => ({ client: this.forwardingClientList[index]!, thinkTimeMs: session.thinkTimeMs })),
      clock,
      this.kernel.rng.fork('forwarding'),
      { startMs: this.scenario.workload.startMs, stopMs: this.scenario.workload.stopMs },
    );
    this.forwardingSessionsOrUndefined.start();
  }

  /**
   * The Global Database's replicators (docs/protocol.md §11.1), or undefined in a regional
   * cluster: `shipped$` and `lag$` are what the judges and the report read.
   */
  get globalShipping(): GlobalShipping | undefined {
    return this.globalShippingOrUndefined;
  }

  /** One replicator per secondary region, placed with the primary's writer (src/cluster/global-shipping.ts). */
  private startGlobalShipping(fromPrimary: (actorId: string) => boolean): void {
    const global = this.topology.global;
    const spec = this.scenario.topology.global;
    if (global === undefined || spec === undefined) return;
    const { clock, network } = this.kernel;
    this.shippingTo = global.secondaries.map((secondary) => secondary.region);
    this.globalShippingOrUndefined = shipRedoToRegions({
      events$: this.events$,
      network,
      scheduler: clock.scheduler,
      primaryRegion: regionId(global.primaryRegion),
      locality: { regionId: global.primaryRegion, azId: this.topology.writer.azId },
      resendAfterMs: spec.resendAfterMs,
      from: fromPrimary,
      secondaries: () => this.shippingTo.map(regionId),
      links: Object.fromEntries(global.secondaries.map((secondary) => [secondary.region, { shipIntervalMs: secondary.shipIntervalMs, maxBatchRecords: secondary.maxBatchRecords }])),
    });
  }

  /** Schedules the scenario's faults (after the workload and the read-back checks: clock order). */
  scheduleFaults(): void {
    const backupActions = new Set(['pointInTimeRestore', 'restoreFromSnapshot', 'createSnapshot', 'clone', 'backtrack', 'closeConnections']);
    scheduleFaults(this.kernel, this.host, this.topology, this.scenario.faults.filter((fault) => !backupActions.has(fault.kind)), this.faultLog);
    // Point-in-time restores go to the backup service, which maps the time to a restore point.
    const { clock } = this.kernel;
    for (const cluster of this.restored) {
      clock.scheduleAt(cluster.atMs, () => {
        if (this.refusedForEncryption(cluster)) return;
        if (cluster.kind === 'clone') {
          this.faultLog.push({ atMs: clock.now(), fault: 'clone', target: cluster.job });
          this.kernel.trace.record({ kind: 'fault', atMs: clock.now(), fault: 'clone', target: cluster.job, detail: { copy: cluster.fullCopy === true ? 'fullCopy' : 'copyOnWrite' } });
          this.clones?.requestClone(cluster);
          return;
        }
        const kind = cluster.snapshot === undefined ? 'pointInTimeRestore' : 'restoreFromSnapshot';
        this.faultLog.push({ atMs: clock.now(), fault: kind, target: cluster.job });
        this.kernel.trace.record({ kind: 'fault', atMs: clock.now(), fault: kind, target: cluster.job, detail: cluster.snapshot === undefined ? { toTimeMs: cluster.toTimeMs } : { snapshot: cluster.snapshot } });
        this.backup?.requestRestore(cluster);
      });
    }
    for (const fault of this.scenario.faults) {
      if (fault.kind !== 'backtrack') continue;
      clock.scheduleAt(fault.atMs, () => {
        this.faultLog.push({ atMs: clock.now(), fault: 'backtrack', target: this.endpoint });
        this.kernel.trace.record({ kind: 'fault', atMs: clock.now(), fault: 'backtrack', target: this.endpoint, detail: { toTimeMs: fault.toTimeMs } });
        this.backtrack?.requestBacktrack(fault.toTimeMs);
      });
    }
    for (const fault of this.scenario.faults) {
      if (fault.kind !== 'createSnapshot') continue;
      clock.scheduleAt(fault.atMs, () => {
        this.faultLog.push({ atMs: clock.now(), fault: 'createSnapshot', target: fault.snapshot });
        this.kernel.trace.record({ kind: 'fault', atMs: clock.now(), fault: 'createSnapshot', target: fault.snapshot });
        this.encryption?.snapshotTaken(fault.snapshot);
        this.backup?.createSnapshot(fault.snapshot);
      });
    }
    this.scheduleForcedReconnects();
  }

  /** A forced reconnect (docs/protocol.md §15): the front door closes the connections it names. */
  private scheduleForcedReconnects(): void {
    const frontDoor = this.frontDoor;
    if (frontDoor === undefined) return;
    const { clock } = this.kernel;
    for (const fault of this.scenario.faults) {
      if (fault.kind !== 'closeConnections') continue;
      clock.scheduleAt(fault.atMs, () => {
        const target = fault.instance ?? frontDoor;
        this.faultLog.push({ atMs: clock.now(), fault: 'closeConnections', target });
        this.kernel.trace.record({ kind: 'fault', atMs: clock.now(), fault: 'closeConnections', target });
        const event: FrontDoorEvent = fault.instance === undefined ? { type: 'closeConnections' } : { type: 'closeConnections', instance: fault.instance };
        this.host.inject(frontDoor, event);
      });
    }
  }

  /**
   * A restore or clone AWS refuses for its encryption (docs/protocol.md §15, encryption): logged as
   * asked, with the refusal, and never built. True iff refused.
   */
  private refusedForEncryption(cluster: RestoredCluster): boolean {
    const { clock } = this.kernel;
    const reason = this.encryption?.decide(cluster, clock.now());
    if (reason === undefined) return false;
    this.faultLog.push({ atMs: clock.now(), fault: cluster.kind, target: cluster.job });
    this.kernel.trace.record({ kind: 'fault', atMs: clock.now(), fault: cluster.kind, target: cluster.job, detail: { refused: reason } });
    if (cluster.kind === 'clone') this.clones?.refuseClone(cluster, reason);
    else this.backup?.refuseRestore(cluster, reason);
    return true;
  }

  /** The first primary's cluster: its writer, replicas and standby. */
  private clusterInstances(): { id: string }[] {
    return [this.topology.writer, ...this.topology.replicas, ...(this.topology.standby === undefined ? [] : [this.topology.standby])];
  }

  /** Instances of the first primary's cluster in the reader role now: where its reader endpoint leads. */
  readers(): string[] {
    return this.clusterInstances()
      .map((instance) => instance.id)
      .filter((id) => (this.host.snapshotOf(id).context as WriterContext).role === 'reader');
  }

  /** Instances of the primary's cluster in the reader role now: where its writer's redo stream goes. */
  private primaryReaders(): string[] {
    return [...this.primaryInstanceIds].filter((id) => (this.host.snapshotOf(id).context as WriterContext).role === 'reader');
  }

  /**
   * The reader endpoint for the next connection: the replicas in turn (round robin over the
   * instances in the reader role), or the cluster endpoint when there is none — Aurora's reader
   * endpoint falls back to the writer in a cluster without replicas [D].
   */
  readerEndpoint(): string {
    const readers = this.readers();
    if (readers.length === 0) return this.endpoint;
    return readers[this.readerConnections++ % readers.length] as string;
  }

  private next(event: WorldEvent): void {
    this.events.next(event);
    const failure = this.failure;
    if (failure === undefined) return;
    this.failure = undefined;
    throw failure.error;
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'observe') {
      if (event.observation.kind === 'membershipInstalled') this.onMembership(event.observation);
      else if (event.observation.kind === 'geometryChanged') this.onGeometry(event.observation);
      else if (this.topology.global !== undefined) this.onGlobalChange(event.observation as unknown as GlobalRegionObservation | GlobalApplierObservation);
      return;
    }
    if (event.source !== 'publish') return;
    const { publication } = event;
    if (publication.stream === 'endpoint') this.endpoint = publication.item;
    else if (publication.stream === 'provision') {
      // A replacement segment joins the world while it runs (at the current instant, not re-entrantly).
      const request = publication.item;
      this.kernel.clock.scheduleAt(this.kernel.clock.now(), () => this.host.spawn(replacementSegmentSpec(this.kernel, this.scenario, this.topology, request, this.plant)));
    }
  }

  /**
   * A Global Database region changed role (docs/protocol.md §11.1). A detached secondary no longer
   * receives the primary's redo. A promoted one is the new primary: the global writer endpoint
   * follows it after `failover.endpointSwitchMs` (DNS and reconnection, as in a regional
   * failover), its instances' redo is what the replicas of its region and the other regions get,
   * and the replicators ship it from a new generation of endpoints placed with its writer: the
   * old primary's redo must not reach a volume that now follows another (§13, G3 and G4).
   */
  private onGlobalChange(observation: GlobalRegionObservation | GlobalApplierObservation): void {
    if (observation.kind === 'globalPromotion') {
      this.promotingInstance.set(observation.region, observation.instance);
      return;
    }
    if (observation.kind === 'detached') {
      this.detachedRegions.add(observation.region);
      this.shippingTo = this.shippingTo.filter((region) => region !== observation.region);
      return;
    }
    if (observation.kind !== 'promoted') return;
    const global = this.topology.global;
    const promotedRegion = global?.secondaries.find((secondary) => secondary.region === observation.region);
    const writer = this.promotingInstance.get(observation.region);
    this.primaryInstanceIds = new Set(promotedRegion === undefined ? this.clusterInstances().map((instance) => instance.id) : promotedRegion.instances.map((instance) => instance.id));
    if (global !== undefined && writer !== undefined) {
      // Replication reverses (§11.1, switchover; §13, G4): the new primary's redo goes to every
      // region still attached, the old primary included (it takes it once it follows), from the
      // next generation of replicators.
      const azId = promotedRegion?.instances.find((instance) => instance.id === writer)?.azId ?? this.topology.writer.azId;
      this.shippingTo = global.regions.filter((region) => region !== observation.region && !this.detachedRegions.has(region));
      const fromPrimary = (actorId: string): boolean => this.primaryInstanceIds.has(actorId);
      this.globalShippingOrUndefined?.switchPrimary({ primaryRegion: regionId(observation.region), locality: { regionId: observation.region, azId }, from: fromPrimary, primaryTerm: observation.primaryTerm ?? 1 });
    } else {
      this.shippingTo = [];
    }
    if (writer === undefined) return;
    const { clock } = this.kernel;
    clock.scheduleAt(clock.now() + this.scenario.failover.endpointSwitchMs, () => {
      this.endpoint = writer;
    });
  }

  /** The volume grew by a PG (docs/protocol.md §1.1): its members and quorums join the run's. */
  private onGeometry(observation: Extract<Observation, { kind: 'geometryChanged' }>): void {
    const { pg } = observation;
    this.quorums[pg] ??= { read: observation.read, write: observation.write };
    const members = (this.membersByPg[pg] ??= []);
    for (const member of observation.members) if (!members.includes(member)) members.push(member);
    this.geometryChanges.push({ atMs: this.kernel.clock.now(), geometryEpoch: observation.geometryEpoch, pg });
  }

  private onMembership(observation: Extract<Observation, { kind: 'membershipInstalled' }>): void {
    const { pg } = observation;
    this.quorums[pg] = { read: observation.read, write: observation.write };
    const members = (this.membersByPg[pg] ??= []);
    for (const member of observation.members) if (!members.includes(member)) members.push(member);
  }

  /** A session of a secondary's write forwarding: every transaction goes to `endpoint`, its forwarder. */
  private createForwardingClient(id: string, locality: { regionId: string; azId: string }, endpoint: () => string, processFirst: number, processStride: number): DatabaseClient {
    const { clock, network } = this.kernel;
    return new DatabaseClient({
      id,
      locality,
      endpoint,
      clock,
      network,
      history: this.history,
      txnTimeoutMs: this.scenario.workload.txnTimeoutMs,
      processFirst,
      processStride,
      nextTxnId: () => ++this.txnIds,
    });
  }

  /** How the client at `index` connects through the front door (docs/protocol.md §15), with a `security` section. */
  private connectionOf(index: number): { connection?: ClientConnectionOptions } {
    const { security } = this.scenario;
    if (security === undefined || this.iam === undefined || this.frontDoor === undefined) return {};
    const attributes = clientAttributesOf(this.scenario, index);
    const token = tokenSourceOf(attributes, this.scenario.name, this.iam, security.tokenTtlMs);
    const unreachable = !reachesCluster(security, attributes.address);
    return { connection: { frontDoor: this.frontDoor, user: CLIENT_DB_USER, address: attributes.address, tls: attributes.tls, token, ...(unreachable ? { unreachable } : {}) } };
  }

  private createClients(): DatabaseClient[] {
    const { clock, network } = this.kernel;
    const history = this.history;
    const count = this.topology.clients.length;
    // Sessions of secondaries with write forwarding take the process ids after these (see startForwardingSessions).
    const stride = count + (this.topology.global?.secondaries ?? []).reduce((sum, secondary) => sum + (secondary.writeForwarding?.clients.length ?? 0), 0);
    // A multi-writer cluster's clients each use their own writer while it is up (docs/protocol.md §11.2).
    const writers = multiWriterActorIds(this.scenario, this.topology);
    return this.topology.clients.map(
      (client, index) =>
        new DatabaseClient({
          id: client.id,
          locality: { regionId: this.topology.regionId, azId: client.azId },
          endpoint: writers.length === 0 ? () => this.endpoint : () => multiWriterEndpoint(writers, index, (id) => network.isDown(id)),
          readerEndpoint: () => this.readerEndpoint(),
          clock,
          network,
          history,
          txnTimeoutMs: this.scenario.workload.txnTimeoutMs,
          processFirst: index,
          processStride: stride,
          nextTxnId: () => ++this.txnIds,
          ...this.connectionOf(index),
        }),
    );
  }
}
