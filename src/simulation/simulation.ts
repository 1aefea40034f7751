/**
 * A simulation: one scenario, one seed, one kernel, the whole cluster of actors, its clients and
 * its judges. This is the library's main entry (ARCHITECTURE §5):
 *
 * ```ts
 * const sim = new Simulation({ seed: 42, scenario });
 * sim.runFor(60_000);        // virtual milliseconds
 * sim.report();              // what the CLI prints with --json
 * ```
 *
 * Every machine's `observe` effects go to the invariant checkers as they happen; at the end, the
 * acknowledged commits are read back from what segments persisted, independent of the writer.
 */
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { EventObject, InspectionEvent, Observer } from 'xstate';
import type { RedoRecord } from '../../models/messages.js';
import type { SegmentContext } from '../../models/segment.machine.js';
import type { WriterContext } from '../../models/instance.machine.js';
import type { InvariantChecker } from '../check/invariants.js';
import { createInvariantChecker } from '../check/invariants.js';
import { createRecoveryChecker } from '../check/recovery-invariants.js';
import { createReplicaVisibility } from '../check/replica-invariants.js';
import { createMembershipChecker } from '../check/membership.js';
import { createCacheWal, createDirtyPageWitness } from '../check/cache-wal.js';
import { createReplicaStorageReadWitness, createSnapshotConsistency } from '../check/replica-snapshot.js';
import { ReadJudge } from './read-judge.js';
import { RecordArchive } from './record-archive.js';
import { createGcSafetyJudge } from '../check/gc-safety.js';
import type { RecoveryChecker } from '../check/recovery-invariants.js';
import { createKernel } from '../kernel/kernel.js';
import type { Kernel } from '../kernel/kernel.js';
import type { TraceOptions } from '../kernel/trace.js';
import type { Observation } from '../protocol/observations.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { clusterSpecs, quorumConfigOf, replacementSegmentSpec, segmentKinds } from '../cluster/assemble.js';
import type { ProvisionRequest } from '../../models/storage-control-plane.machine.js';
import { or } from '../protocol/quorum.js';
import { DatabaseClient } from '../cluster/client.js';
import { scheduleFaults } from '../cluster/faults.js';
import type { AppliedFault } from '../cluster/faults.js';
import { HistoryRecorder } from '../cluster/history.js';
import type { HistoryEntry, HistoryRecorderOptions } from '../cluster/history.js';
import type { ActorHost } from '../cluster/host.js';
import { LiveHost } from '../cluster/live-host.js';
import { createInspectionRecorder } from '../cluster/inspection-recorder.js';
import type { InspectionRecorder, InspectionRecorderOptions } from '../cluster/inspection-recorder.js';
import { buildReport } from './report.js';
import { ReplicaLag } from './replica-lag.js';
import type { ReplicaLagReport } from './replica-lag.js';
import { shipRedoToReplicas } from '../cluster/streams.js';
import type { WriterPublication } from '../cluster/streams.js';
import type { RedoPublication, VdlPublication } from '../../models/writer-state.js';
import { readBack } from './read-back.js';
import type { PropertyChecker, PropertyResult } from '../check/property.js';
import type { ReportSource, SimulationReport } from './report.js';
import { resolveTopology } from '../cluster/topology.js';
import { Workload } from '../cluster/workload.js';

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

/** The name of the read-back-during-faults judge. */
export const READABLE_UNDER_FAULTS = 'acknowledged commits readable from reachable segments';

/** What S11 and S13 (and their witnesses) judge from. */
const READ_VIEW_KINDS: ReadonlySet<Observation['kind']> = new Set(['watermarks', 'writerOpened', 'cacheEvicted', 'allocated', 'recovered', 'replicaRead']);

/** A gap between VDL advances this long, while clients are writing, counts as a write stall. */
export const WRITE_STALL_MS = 100;

/** Where machines' `observe` and `publish` effects go; an alternative interpreter must call these. */
export interface HostHooks {
  observe: (actorId: string, observation: unknown) => void;
  publish: (actorId: string, stream: string, item: unknown) => void;
}

/** Options of {@link Simulation}. */
export interface SimulationOptions {
  /** The run's seed (an integer), printed first by every run. */
  seed: number;
  scenario: Scenario;
  /** The standard xstate inspect hook, handed to every actor (any `@statelyai/inspect` inspector). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  trace?: TraceOptions;
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
  /** Another interpreter (e.g. the stepped host). @defaultValue the live host */
  host?: (kernel: Kernel, hooks: HostHooks) => ActorHost;
}

/** rxjs streams of a running simulation, on the virtual clock. */
export interface SimulationStreams {
  /** Every MTR's records as the writer allocates them: the redo stream replicas follow. */
  redo$: Observable<readonly RedoRecord[]>;
  /** The writer's VDL each time it advances. */
  vdl$: Observable<number>;
  /** Every client history entry. */
  history$: Observable<HistoryEntry>;
  /** Every observation a machine reports. */
  observations$: Observable<{ atMs: number; actorId: string; observation: Observation }>;
}

/** One run of one scenario; see the file header. */
export class Simulation implements ReportSource {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly kernel: Kernel;
  readonly topology: ResolvedTopology;
  readonly host: ActorHost;
  readonly clients: DatabaseClient[];
  readonly workload: Workload;
  readonly history: HistoryRecorder;
  readonly streams: SimulationStreams;
  /** Commits the writer acknowledged: txnId → commit LSN (from its observations). */
  readonly acknowledged = new Map<number, number>();
  /**
   * Periods of at least {@link WRITE_STALL_MS} in which VDL did not advance while the workload was
   * issuing: writes were stalled (e.g. a PG without a write quorum holds VCL back).
   */
  readonly writeStalls: { fromMs: number; toMs: number }[] = [];
  private lastVdlAdvanceAtMs = 0;
  private readonly putsByTxn = new Map<number, { key: string; value: string }[]>();
  private readableChecks = 0;
  private readableViolations = 0;
  private readonly readableFirstViolations: { atMs: number; message: string }[] = [];
  /** The inspection recorder, when `recordInspection` was given. */
  readonly inspection: InspectionRecorder | undefined;
  /** Faults applied so far. */
  readonly faultLog: AppliedFault[] = [];
  /** The cluster endpoint: the instance clients send transactions to (switched by the control plane). */
  endpoint: string;
  /** Reader-endpoint connections made so far: the round robin's position. */
  private readerConnections = 0;
  /** Failovers so far: when the control plane detected each, and when the new writer was reachable. */
  readonly failovers: { detectedAtMs: number; writerOpenAtMs?: number; writerAvailableAtMs?: number; from: string; to?: string }[] = [];
  /** Every segment that is or was a member of each PG (replacements join; the replaced keep their data). */
  readonly membersByPg: Record<number, string[]> = {};
  /** Each PG's read and write quorum predicates. */
  readonly quorums: Record<number, { read: QuorumPredicate; write: QuorumPredicate }> = {};
  /**
   * The judges' quorum predicates, kept up to date as membership changes: a record counts as
   * durable if it met the write quorum of any configuration in force since the run began (an
   * OR of them), recovery's reads use the configuration in force now.
   */
  private readonly writeQuorumByPg: Record<number, QuorumPredicate> = {};
  private readonly readQuorumByPg: Record<number, QuorumPredicate> = {};
  private readonly checker: InvariantChecker;
  private readonly recoveryChecker: RecoveryChecker;
  private readonly replicaVisibility = createReplicaVisibility();
  private readonly membership = createMembershipChecker();
  private readonly archive = new RecordArchive(
    (id) => this.segment(id).store,
    (pg) => (this.membersByPg[pg] ?? []).flatMap((id) => this.segment(id).store.truncations),
    (pg) => (this.membersByPg[pg] ?? []).map((id) => this.segment(id).store.gcPoint),
  );
  private readonly gcSafety = createGcSafetyJudge();
  /** S11 on the writer's cache and S13 on replica reads, each with its witness: run in every scenario. */
  private readonly readViews: readonly PropertyChecker<Observation>[] = [
    createCacheWal(),
    createDirtyPageWitness(),
    createSnapshotConsistency(),
    createReplicaStorageReadWitness(),
  ];
  private readonly reads = new ReadJudge((pg, blockId, readPoint) => this.archive.page(pg, blockId, readPoint));
  private readonly readIssuedAtMs = new Map<number, number>();
  private readonly readLatencies: number[] = [];
  private readsHedged = 0;
  private readonly publications = new Subject<WriterPublication>();
  private readonly lag = new ReplicaLag();
  private readonly subjects = {
    redo: new Subject<readonly RedoRecord[]>(),
    vdl: new Subject<number>(),
    history: new Subject<HistoryEntry>(),
    observations: new Subject<{ atMs: number; actorId: string; observation: Observation }>(),
  };

  constructor(options: SimulationOptions) {
    const { scenario } = options;
    this.seed = options.seed;
    this.scenario = scenario;
    this.topology = resolveTopology(scenario.topology, scenario.workload.clients);
    this.endpoint = this.topology.writer.id;
    this.kernel = createKernel({ seed: options.seed, network: scenario.network, trace: options.trace });
    for (const [pg, members] of Object.entries(this.topology.membersByPg)) this.membersByPg[Number(pg)] = [...members];
    const kinds = segmentKinds(this.topology);
    for (const key of Object.keys(this.topology.membersByPg)) {
      const config = quorumConfigOf(this.topology, scenario, Number(key), kinds);
      this.quorums[Number(key)] = { read: config.read, write: config.write };
    }
    const writeQuorumByPg = this.writeQuorumByPg;
    for (const [pg, quorum] of Object.entries(this.quorums)) writeQuorumByPg[Number(pg)] = quorum.write;
    this.checker = createInvariantChecker({ lal: scenario.topology.lal, writeQuorumByPg });
    const readQuorumByPg = this.readQuorumByPg;
    for (const [pg, quorum] of Object.entries(this.quorums)) readQuorumByPg[Number(pg)] = quorum.read;
    this.recoveryChecker = createRecoveryChecker({ readQuorumByPg, writeQuorumByPg });
    this.streams = {
      redo$: this.subjects.redo.asObservable(),
      vdl$: this.subjects.vdl.asObservable(),
      history$: this.subjects.history.asObservable(),
      observations$: this.subjects.observations.asObservable(),
    };
    const hooks: HostHooks = { observe: (id, o) => this.onObservation(id, o as Observation), publish: (id, s, item) => this.onPublish(id, s, item) };
    const { clock, network, trace } = this.kernel;
    this.inspection = options.recordInspection === undefined ? undefined : createInspectionRecorder({ ...options.recordInspection, clock });
    const inspect = combineInspect(options.inspect, this.inspection?.inspect);
    this.host = options.host?.(this.kernel, hooks) ?? new LiveHost({ clock, network, trace, inspect, ...hooks });
    this.host.spawnAll(clusterSpecs(this.kernel, scenario, this.topology));
    shipRedoToReplicas({ publications$: this.publications.asObservable(), network, scheduler: clock.scheduler, replicas: () => this.readers() });
    this.history = new HistoryRecorder(trace, (entry) => this.onHistoryEntry(entry), options.history);
    this.clients = this.createClients();
    this.workload = new Workload(scenario.workload, this.clients, clock, this.kernel.rng.fork('workload'));
    this.workload.start();
    this.scheduleReadableChecks(options.readableCheckEveryMs ?? 500);
    scheduleFaults(this.kernel, this.host, this.topology, scenario.faults, this.faultLog);
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
    // Every judge, in every report: one that had nothing to judge says so (`vacuous: true`)
    // rather than dropping out, so reports of different scenarios list the same judges.
    const readViews = this.readViews.map((judge) => judge.result());
    return buildReport(this, [
      ...this.checker.results(),
      ...this.recoveryChecker.results(),
      this.replicaVisibility.result(),
      ...readViews,
      this.membership.result(),
      ...this.reads.results(),
      this.gcSafetyResult(),
      this.readableResult(),
    ]);
  }

  /** S14, with every segment's base pages checked against the archive now. */
  private gcSafetyResult(): PropertyResult {
    const segments = Object.values(this.membersByPg).flat().map((id) => ({ id, store: this.segment(id).store }));
    return this.gcSafety.result(this.kernel.clock.now(), segments, (pg, blockId, readPoint) => this.archive.page(pg, blockId, readPoint));
  }

  /** Page reads from storage so far: how many, how many hedged, latency (ms, sorted). */
  pageReads(): { reads: number; hedged: number; latenciesMs: number[] } {
    return { reads: this.readLatencies.length, hedged: this.readsHedged, latenciesMs: [...this.readLatencies].sort((a, b) => a - b) };
  }

  /** Instances in the reader role now: where the redo stream goes. */
  readers(): string[] {
    const instances = [this.topology.writer, ...this.topology.replicas, ...(this.topology.standby === undefined ? [] : [this.topology.standby])];
    return instances.map((instance) => instance.id).filter((id) => (this.host.snapshotOf(id).context as WriterContext).role === 'reader');
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

  /** Replica lag so far: commit acknowledged on the writer → visible on the replica. */
  replicaLag(): ReplicaLagReport {
    return this.lag.report();
  }

  /** Write stalls so far, including one still going on now. */
  stallsSoFar(): { fromMs: number; toMs: number }[] {
    const nowMs = this.kernel.clock.now();
    const ongoing = Math.min(nowMs, this.scenario.workload.stopMs) - this.lastVdlAdvanceAtMs >= WRITE_STALL_MS;
    return ongoing ? [...this.writeStalls, { fromMs: this.lastVdlAdvanceAtMs, toMs: nowMs }] : [...this.writeStalls];
  }

  private onObservation(actorId: string, observation: Observation): void {
    const atMs = this.kernel.clock.now();
    if (observation.kind === 'failover') {
      this.onFailover(atMs, observation);
      this.subjects.observations.next({ atMs, actorId, observation });
      return;
    }
    if (observation.kind === 'membershipInstalled') this.onMembership(observation);
    this.checker.observe(atMs, observation);
    this.recoveryChecker.observe(atMs, observation);
    this.lag.observe(atMs, observation);
    this.replicaVisibility.observe(atMs, observation);
    this.membership.observe(atMs, observation);
    if (observation.kind === 'persisted') this.archive.add(observation);
    this.reads.observe(atMs, observation);
    this.gcSafety.observe(atMs, observation);
    // The read-view judges read only these kinds; the rest (mostly `persisted`) skip them.
    if (READ_VIEW_KINDS.has(observation.kind)) for (const judge of this.readViews) judge.observe(atMs, actorId, observation);
    // The writer's page reads only: request ids are per instance, and replicas report no `readDone`.
    if (observation.kind === 'readIssued' && observation.instance === this.endpoint) this.readIssuedAtMs.set(observation.requestId, atMs);
    if (observation.kind === 'readDone') {
      const issued = this.readIssuedAtMs.get(observation.requestId);
      if (issued !== undefined) this.readLatencies.push(atMs - issued);
      this.readIssuedAtMs.delete(observation.requestId);
      if (observation.hedged) this.readsHedged++;
    }
    if (observation.kind === 'commitAck') this.acknowledged.set(observation.txnId, observation.commitLsn);
    this.subjects.observations.next({ atMs, actorId, observation });
  }

  private onMembership(observation: Extract<Observation, { kind: 'membershipInstalled' }>): void {
    const { pg } = observation;
    const before = this.writeQuorumByPg[pg];
    this.writeQuorumByPg[pg] = before === undefined ? observation.write : or(before, observation.write);
    this.readQuorumByPg[pg] = observation.read;
    this.quorums[pg] = { read: observation.read, write: observation.write };
    const members = (this.membersByPg[pg] ??= []);
    for (const member of observation.members) if (!members.includes(member)) members.push(member);
  }

  private onFailover(atMs: number, observation: Extract<Observation, { kind: 'failover' }>): void {
    const current = this.failovers[this.failovers.length - 1];
    if (observation.phase === 'detected') this.failovers.push({ detectedAtMs: atMs, from: observation.writer });
    else if (observation.phase === 'promoting' && current !== undefined) current.to = observation.candidate;
    else if (observation.phase === 'writerOpen' && current !== undefined) current.writerOpenAtMs = atMs;
    else if (observation.phase === 'endpointSwitched' && current !== undefined) current.writerAvailableAtMs = atMs;
  }

  private onPublish(actorId: string, stream: string, item: unknown): void {
    if (stream === 'endpoint') this.endpoint = item as string;
    else if (stream === 'provision') {
      // A replacement segment joins the world while it runs (at the current instant, not re-entrantly).
      const request = item as ProvisionRequest;
      this.kernel.clock.scheduleAt(this.kernel.clock.now(), () => this.host.spawn(replacementSegmentSpec(this.kernel, this.scenario, this.topology, request)));
    }
    else if (stream === 'redo') {
      this.publications.next({ from: actorId, stream: 'redo', item: item as RedoPublication });
      this.subjects.redo.next((item as RedoPublication).records);
    } else if (stream === 'vdl') {
      this.publications.next({ from: actorId, stream: 'vdl', item: item as VdlPublication });
      const nowMs = this.kernel.clock.now();
      if (nowMs - this.lastVdlAdvanceAtMs >= WRITE_STALL_MS && this.lastVdlAdvanceAtMs < this.scenario.workload.stopMs) {
        this.writeStalls.push({ fromMs: this.lastVdlAdvanceAtMs, toMs: nowMs });
      }
      this.lastVdlAdvanceAtMs = nowMs;
      this.subjects.vdl.next((item as VdlPublication).vdl);
    }
  }

  private createClients(): DatabaseClient[] {
    const { clock, network } = this.kernel;
    const history = this.history;
    let txnId = 0;
    const count = this.topology.clients.length;
    return this.topology.clients.map(
      (client, index) =>
        new DatabaseClient({
          id: client.id,
          locality: { regionId: this.topology.regionId, azId: client.azId },
          endpoint: () => this.endpoint,
          readerEndpoint: () => this.readerEndpoint(),
          clock,
          network,
          history,
          txnTimeoutMs: this.scenario.workload.txnTimeoutMs,
          processFirst: index,
          processStride: count,
          nextTxnId: () => ++txnId,
        }),
    );
  }

  /** The puts of every transaction invoked so far, by txnId. */
  txnPuts(): ReadonlyMap<number, readonly { key: string; value: string }[]> {
    return this.putsByTxn;
  }

  private onHistoryEntry(entry: HistoryEntry): void {
    if (entry.type === 'invoke') {
      const puts = entry.value.flatMap(([f, key, value]) => (f === 'put' ? [{ key, value: value ?? '' }] : []));
      this.putsByTxn.set(entry.txnId, puts);
    }
    this.subjects.history.next(entry);
  }

  /**
   * Reads every acknowledged commit back from the segments reachable now; a PG whose reachable
   * segments still form a read quorum must show all of them (see `read-back.ts`).
   */
  private checkReadable(): void {
    const report = readBack(this, 'reachable');
    this.readableChecks++;
    for (const lost of report.lost) {
      this.readableViolations++;
      if (this.readableFirstViolations.length < 5) {
        this.readableFirstViolations.push({ atMs: this.kernel.clock.now(), message: `txn ${lost.txnId}: ${lost.missing}` });
      }
    }
  }

  private scheduleReadableChecks(everyMs: number): void {
    const { clock } = this.kernel;
    // Just before each fault applies (scheduled earlier, so it runs first at the same time): the
    // moment before a repair is the most degraded one.
    for (const fault of this.scenario.faults) clock.scheduleAt(fault.atMs, () => this.checkReadable());
    if (everyMs <= 0) return;
    const tick = (): void => {
      // Only a degraded volume can hide a record from a remaining read quorum.
      if (this.topology.segments.some((segment) => this.kernel.network.isDown(segment.id))) this.checkReadable();
      if (clock.now() + everyMs <= this.scenario.durationMs) clock.setTimeout(tick, everyMs);
    };
    clock.setTimeout(tick, everyMs);
  }

  /** The readable-under-faults judge as a property result. */
  private readableResult(): PropertyResult {
    return {
      name: READABLE_UNDER_FAULTS,
      kind: 'always',
      ok: this.readableViolations === 0,
      violations: this.readableViolations,
      firstViolations: this.readableFirstViolations,
      vacuous: this.readableChecks === 0,
    };
  }
}
