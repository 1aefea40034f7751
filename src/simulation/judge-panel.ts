/**
 * Every judge of a run, fed from the world stream: invariants S1–S5 and S7, recovery, replica
 * visibility, S11 and S13 with their witnesses, membership, S10 and S16 page reads, S14 garbage
 * collection, S22 volume geometry (a grown volume's PGs join every judge as they are added),
 * S23 statements only on accepted connections (with a `security` section: from the front door's
 * reports, the instances' and the client history), S19 page conflicts (with `topology.multiWriter`:
 * from the segments' votes and the writers' commits), and acknowledged commits read back from the
 * reachable segments while faults are on.
 * Each judge keeps its own bookkeeping and never reads a machine's memory (docs/protocol.md §12,
 * invariants).
 *
 * Quorum predicates follow membership changes (`membershipInstalled`): a record counts as durable
 * if it met the write quorum of any configuration in force since the run began (an OR of them),
 * while recovery's reads use the configuration in force now (docs/protocol.md §8, membership
 * changes).
 */
import { clusterInstanceIds } from '../cluster/topology.js';
import { createCacheWal, createDirtyPageWitness } from '../check/cache-wal.js';
import { convergenceBoundMs, createConvergenceJudge } from '../check/convergence.js';
import type { ConvergenceJudge, MemberAtEnd } from '../check/convergence.js';
import { judgedWriteQuorum } from '../check/quorum-rule.js';
import { createFailoverJudge, createHydrationJudge, failoverBoundMs } from '../check/timeliness.js';
import type { BoundedJudge } from '../check/timeliness.js';
import { createGcSafetyJudge } from '../check/gc-safety.js';
import { createGeometryChecker } from '../check/geometry.js';
import { S23_CONNECTIONS, createConnectionJudge } from '../check/connections.js';
import { createPageConflictChecker } from '../check/page-conflicts.js';
import type { PageConflictChecker } from '../check/page-conflicts.js';
import type { ConnectionJudge } from '../check/connections.js';
import { FRONT_DOOR_CLOCK_TICK_MS, securityPolicyOf } from '../cluster/security.js';
import type { GeometryChecker } from '../check/geometry.js';
import type { GcSafetyJudge } from '../check/gc-safety.js';
import { createRestoreJudge } from '../check/restore.js';
import type { JudgedHistory, RestoreJudge, RestoreVerification } from '../check/restore.js';
import type { PageOracle } from '../check/gc-safety.js';
import type { SegmentStore } from '../protocol/segment-store.js';
import { restoredClusters } from '../cluster/restores.js';
import { createInvariantChecker } from '../check/invariants.js';
import type { InvariantChecker } from '../check/invariants.js';
import { createMembershipChecker } from '../check/membership.js';
import type { PropertyChecker, PropertyResult, Violation } from '../check/property.js';
import { FIRST_VIOLATIONS_KEPT, violationsFiledSoFar } from '../check/property.js';
import { createRecoveryChecker } from '../check/recovery-invariants.js';
import type { RecoveryChecker } from '../check/recovery-invariants.js';
import { createReplicaVisibility } from '../check/replica-invariants.js';
import { createReplicaStorageReadWitness, createSnapshotConsistency } from '../check/replica-snapshot.js';
import type { WorldEvent } from '../cluster/host.js';
import { globalRegionActorId } from '../../models/global-region.machine.js';
import type { Observation } from '../protocol/observations.js';
import { membersOf, or } from '../protocol/quorum.js';
import { sclOf, heldRecords } from '../protocol/segment-store.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import { GlobalPanel, globalActorIds } from './global-panel.js';
import type { ActorExclusions } from './global-panel.js';
import type { GlobalLagSample, GlobalReport } from './global-panel.js';
import { EMPTY } from 'rxjs';
import type { GlobalShipment } from '../cluster/global-shipping.js';
import type { Observable } from 'rxjs';
import { createGlobalFencing, createGlobalPrefix } from '../check/global.js';
import { createServerlessJudge, writerGroupOf } from '../check/serverless.js';
import type { ServerlessJudge } from '../check/serverless.js';
import { regionId } from '../protocol/ids.js';
import type { Lsn, VolumeEpoch } from '../protocol/ids.js';
import type { TruncationRange } from '../protocol/recovery.js';
import { readBack } from './read-back.js';
import { ReadJudge } from './read-judge.js';
import { RecordArchive } from './record-archive.js';
import type { ReportSource } from './source.js';

/** The name of the read-back-during-faults judge. */
export const READABLE_UNDER_FAULTS = 'acknowledged commits readable from reachable segments';

/** What S21 judges from (docs/protocol.md §11.3). */
const SERVERLESS_KINDS: ReadonlySet<Observation['kind']> = new Set(['serverlessCapacity', 'serverlessLoad', 'txnHeld', 'txnReleased']);

/** What S11 and S13 (and their witnesses) judge from. */
const READ_VIEW_KINDS: ReadonlySet<Observation['kind']> = new Set(['watermarks', 'writerOpened', 'cacheEvicted', 'allocated', 'recovered', 'replicaRead']);

/** Options of {@link JudgePanel}. */
export interface JudgePanelOptions {
  /** Subscribes a handler to the world's events (`World.listen`; see `src/cluster/host.ts`). */
  listen: (handler: (event: WorldEvent) => void) => unknown;
  /** The run the judges read back from (segments, members, acknowledged commits). */
  source: ReportSource;
  /** Actors whose observations the regional judges leave out. @defaultValue the Global Database's ({@link globalActorIds}) */
  excluded?: ActorExclusions;
  /** The history checker's verdicts on the source's and the clones' clients, for S20 (`clone-service.ts`). */
  cloneHistories?: () => readonly JudgedHistory[];
  /**
   * With backtrack: the LSN ranges the timeline in force hides (`backtrack-service.ts`). The
   * archive leaves them out, as it leaves out what a recovery annulled, so every judge reading it
   * (S10, S14, S20) judges the timeline in force.
   */
  backtrackHidden?: () => readonly { fromLsn: number; toLsn: number }[];
}

/** The judges of one run; see the file header. */
export class JudgePanel {
  private readonly source: ReportSource;
  private readonly writeQuorumByPg: Record<number, QuorumPredicate> = {};
  private readonly readQuorumByPg: Record<number, QuorumPredicate> = {};
  private readonly checker: InvariantChecker;
  private readonly recoveryChecker: RecoveryChecker;
  private readonly replicaVisibility = createReplicaVisibility();
  private readonly membership = createMembershipChecker();
  private readonly archive: RecordArchive;
  private readonly gcSafety: GcSafetyJudge;
  private readonly restoreJudge: RestoreJudge;
  private readonly cloneHistories: () => readonly JudgedHistory[];
  /** The backtrack being recovered, until its writer opens. */
  private backtrackPending: { job: string; writer: string; pointLsn: number; volumeEpoch?: number } | undefined;
  /** S22: the volume's geometry changes, counted from the PGs of the topology. */
  private readonly geometry: GeometryChecker;
  /** S21: Serverless v2 capacity (docs/protocol.md §11.3); vacuous without `topology.serverless`. */
  private readonly serverless: ServerlessJudge;
  /** S23: statements only on accepted connections, with a `security` section (docs/protocol.md §15). */
  private readonly connections: ConnectionJudge | undefined;
  /**
   * S19: at most one approved change per page version, and no commit with a change no write quorum
   * approved (docs/protocol.md §11.2), from the segments' votes and the writers' commits; vacuous
   * without `topology.multiWriter`.
   */
  private readonly pageConflicts: PageConflictChecker;
  /** S11 on the writer's cache and S13 on replica reads, each with its witness: run in every scenario. */
  private readonly readViews: readonly PropertyChecker<Observation>[] = [
    createCacheWal(),
    createDirtyPageWitness(),
    createSnapshotConsistency(),
    createReplicaStorageReadWitness(),
  ];
  private readonly reads: ReadJudge;
  /** The `eventually` judges with stated bounds (docs/semantics.md, Judges). */
  private readonly convergence: ConvergenceJudge;
  private readonly hydration: BoundedJudge = createHydrationJudge();
  private readonly failover: BoundedJudge;
  private readableChecks = 0;
  private readableViolations = 0;
  private readonly readableFirstViolations: { atMs: number; message: string }[] = [];
  /**
   * {@link violationsFiledSoFar} when {@link JudgePanel.violatedSoFar} last looked; undefined
   * before it first looks, or after a read-back under faults (which files through no tally).
   */
  private filedAtLastCount: number | undefined;
  /** S17, S18 and the lag figures, when the topology has a Global Database. */
  private readonly global: GlobalPanel | undefined;
  /**
   * Actors of the secondary regions' volumes (segments, storage nodes, failure domains,
   * replication agents) and the region statecharts: their observations are the Global Database's
   * judges', not the regional ones', which judge the primary's volume (docs/protocol.md §12).
   */
  private readonly globalActors: ActorExclusions;
  /** The start of the region a managed failover promoted in the first primary's place (S6 exempts the commits above it). */
  private failoverStartLsn: number | undefined;
  /** S17 and S18 of a regional cluster: nothing to judge, reported as such. */
  private readonly regionalGlobalResults: () => PropertyResult[];
  /** The judges {@link JudgePanel.violatedSoFar} has seen fail, in the order it saw them. */
  private readonly violated = new Set<string>();
  /** Each of those judges' first violation, as its result held it when first seen failing. */
  private readonly firstViolationByName = new Map<string, Violation>();

  constructor(options: JudgePanelOptions) {
    const source = options.source;
    this.source = source;
    for (const [pg, quorum] of Object.entries(source.quorums)) {
      // Quorum sizes from the judges' own rule, never the writer's configuration code.
      this.writeQuorumByPg[Number(pg)] = judgedWriteQuorum(quorum.write);
      this.readQuorumByPg[Number(pg)] = quorum.read;
    }
    // The judges hold these records and read them at each judgement, so updates reach them.
    this.geometry = createGeometryChecker(Object.keys(source.topology.membersByPg).length);
    const policy = securityPolicyOf(source.scenario);
    this.connections =
      policy === undefined
        ? undefined
        : createConnectionJudge({ policy, clockTickMs: FRONT_DOOR_CLOCK_TICK_MS, instances: clusterInstanceIds(source.topology), clients: new Set(source.topology.clients.map((client) => client.id)) });
    this.pageConflicts = createPageConflictChecker(source.topology.membersByPg);
    this.gcSafety = createGcSafetyJudge({ objectStore: source.scenario.backup !== undefined });
    this.checker = createInvariantChecker({ lal: source.scenario.topology.lal, writeQuorumByPg: this.writeQuorumByPg });
    // A recovery is a backtrack's when the backtrack service asked its writer for one (not on the writer's word).
    const backtracking = (instance: string): boolean => this.backtrackPending?.writer === instance;
    this.recoveryChecker = createRecoveryChecker({ readQuorumByPg: this.readQuorumByPg, writeQuorumByPg: this.writeQuorumByPg, failoverStartLsn: () => this.failoverStartLsn, backtracking });
    const restored = restoredClusters(source.scenario, source.topology);
    this.restoreJudge = createRestoreJudge(
      [
        ...restored.map((cluster) => ({
          job: cluster.job,
          membersByPg: cluster.membersByPg,
          ...(cluster.kind === 'clone' ? { clone: true } : cluster.snapshot === undefined ? { toTimeMs: cluster.toTimeMs ?? cluster.atMs } : { snapshot: cluster.snapshot }),
        })),
        // Backtracks of the volume itself, named as the backtrack service names them.
        ...source.scenario.faults
          .flatMap((fault) => (fault.kind === 'backtrack' ? [fault] : []))
          .map((fault, index) => ({ job: `backtrack-${index + 1}`, backtrack: true, toTimeMs: fault.toTimeMs, membersByPg: source.topology.membersByPg })),
      ],
      Object.keys(source.topology.membersByPg).map(Number),
    );
    // A hidden range as the archive applies ranges: annulling every record there, of any epoch.
    const hiddenAsRanges = (): TruncationRange[] =>
      (options.backtrackHidden?.() ?? []).map((range) => ({ volumeEpoch: Number.MAX_SAFE_INTEGER as VolumeEpoch, fromLsn: range.fromLsn as Lsn, toLsn: range.toLsn as Lsn }));
    this.archive = new RecordArchive(
      (id) => source.segment(id).store,
      (pg) => [...(source.membersByPg[pg] ?? []).flatMap((id) => source.segment(id).store.truncations), ...hiddenAsRanges()],
      // A restore may go back past every GC point: with restores, S20's oracle keeps every record.
      restored.length > 0 ? undefined : (pg) => (source.membersByPg[pg] ?? []).map((id) => source.segment(id).store.gcPoint),
    );
    this.reads = new ReadJudge((pg, blockId, readPoint) => this.archive.page(pg, blockId, readPoint));
    const { scenario, topology } = source;
    this.convergence = createConvergenceJudge({
      lastFaultAtMs: scenario.faults.reduce((last, fault) => Math.max(last, fault.atMs), 0),
      boundMs: convergenceBoundMs(scenario.storage.gossipMaxRecords),
      backtracking,
      ...(options.backtrackHidden === undefined ? {} : { hidden: options.backtrackHidden }),
    });
    this.failover = createFailoverJudge(failoverBoundMs(scenario.failover, topology.replicas.length), failoverBoundMs(scenario.failover, 1));
    this.globalActors = options.excluded ?? globalActorIds(topology);
    const firstPrimary = source.topology.global?.primaryRegion;
    const cloneJobs = new Set(restored.filter((cluster) => cluster.kind === 'clone').map((cluster) => cluster.job));
    this.cloneHistories = options.cloneHistories ?? (() => []);
    const sourceInstances = clusterInstanceIds(topology);
    const serverlessSpec = scenario.topology.serverless;
    this.serverless = createServerlessJudge({
      minAcu: serverlessSpec?.minAcu ?? 0.5,
      maxAcu: serverlessSpec?.maxAcu ?? 1,
      resumeMs: serverlessSpec?.resumeMs ?? 0,
      ...writerGroupOf(topology),
    });
    if (serverlessSpec !== undefined) {
      options.listen((event) => {
        if (event.source === 'history' && event.entry.type !== 'invoke') this.serverless.outcome(event.atMs, event.entry.txnId, event.entry.type);
        else if (event.source === 'observe' && SERVERLESS_KINDS.has(event.observation.kind)) this.serverless.observe(event.atMs, event.observation);
      });
    }
    options.listen((event) => {
      // S20 reads the source writer's VDLs, the object store's staged points and the restore jobs.
      if (event.source === 'publish' && event.publication.stream === 'vdl' && sourceInstances.has(event.actorId)) this.restoreJudge.vdlReached(event.atMs, event.publication.item.vdl);
      if (event.source === 'observe' && (event.observation.kind === 'staged' || event.observation.kind === 'restore' || event.observation.kind === 'snapshotCreated')) {
        this.restoreJudge.observe(event.atMs, event.observation);
        if (event.observation.kind === 'restore' && event.observation.phase === 'available' && cloneJobs.has(event.observation.job)) this.verifyClone(event.atMs, event.observation.job);
      }
      if (event.source === 'observe' && this.backtrackPending !== undefined && event.actorId === this.backtrackPending.writer) this.followBacktrack(event.atMs, event.observation);
      if (event.source === 'observe' && event.observation.kind === ('promoted' as string)) {
        const promoted = event.observation as unknown as { how: string; oldPrimary: string; vdl: number };
        if (promoted.how === 'failover' && promoted.oldPrimary === firstPrimary) this.failoverStartLsn ??= promoted.vdl;
      }
      if (event.source === 'observe' && !this.globalActors.has(event.actorId, event.observation.kind)) this.observe(event.atMs, event.actorId, event.observation);
      // S23 reads the front door's reports and the instances' (above) and the client history.
      if (event.source === 'history') this.connections?.history(event.atMs, event.entry);
    });
    if (topology.global === undefined) {
      this.global = undefined;
      const prefix = createGlobalPrefix({ primaryRegion: regionId(topology.regionId) });
      const fencing = createGlobalFencing();
      this.regionalGlobalResults = () => [prefix.result(), fencing.result()];
    } else {
      const global = new GlobalPanel({
        kernel: source.kernel,
        scenario,
        topology,
        listen: options.listen,
        stateOf: (region) => statePath(source.host.snapshotOf(globalRegionActorId(region)).value),
        faultLog: () => source.faultLog,
      });
      this.global = global;
      this.regionalGlobalResults = () => global.results();
    }
  }

  /** Feeds the replicators' shipments to S17 (a Global Database's world, once started). */
  watchShipments(shipped$: Observable<GlobalShipment>): void {
    this.global?.watchShipments(shipped$);
  }

  /** The Global Database's lag figures as they are measured; nothing in a regional cluster. */
  get globalLag$(): Observable<GlobalLagSample> {
    return this.global?.lag$ ?? EMPTY;
  }

  /** The Global Database's figures, when the topology has one. */
  globalReport(): GlobalReport | undefined {
    return this.global?.report();
  }

  /**
   * Every judge's result now, in one fixed order: a judge that had nothing to judge says so
   * (`vacuous: true`) rather than dropping out, so reports of different scenarios list the same
   * judges. The report sorts them by number.
   */
  results(): PropertyResult[] {
    const readViews = this.readViews.map((judge) => judge.result());
    return [
      ...this.checker.results(),
      ...this.recoveryChecker.results(),
      this.replicaVisibility.result(),
      ...readViews,
      this.membership.result(),
      ...this.reads.results(),
      this.gcSafetyResult(),
      this.readableResult(),
      this.convergenceResult(),
      this.hydration.result(this.source.kernel.clock.now()),
      this.failover.result(this.source.kernel.clock.now()),
      this.restoreResult().result,
      this.serverless.result(this.source.kernel.clock.now()),
      this.geometry.result(),
      this.connectionsResult(),
      this.pageConflicts.result(),
      ...this.regionalGlobalResults(),
    ];
  }

  /** S23, or, without a `security` section, nothing to judge. */
  private connectionsResult(): PropertyResult {
    return this.connections?.result() ?? { name: S23_CONNECTIONS, kind: 'always', ok: true, violations: 0, firstViolations: [], vacuous: true };
  }

  /** S20 now: every completed restore's volume compared with the oracle at its point (`src/check/restore.ts`), and the clones' histories. */
  private restoreResult(): ReturnType<RestoreJudge['result']> {
    return this.restoreJudge.result(this.source.kernel.clock.now(), ...this.volumeReaders(), this.cloneHistories());
  }

  /** S20 on a clone as it opened: later, its own writes and GC move it on from the clone point. */
  private verifyClone(atMs: number, job: string): void {
    this.restoreJudge.verifyClone(atMs, job, ...this.volumeReaders());
  }

  /** S20: a backtrack was asked (`backtrack-service.ts`): its point, judged against the judge's own VDLs. */
  backtrackRequested(record: { name: string; requestedAtMs: number; pointLsn: number; writer: string }): void {
    this.backtrackPending = { job: record.name, writer: record.writer, pointLsn: record.pointLsn };
    this.restoreJudge.observe(record.requestedAtMs, { kind: 'restore', job: record.name, phase: 'requested', throughLsn: record.pointLsn });
  }

  /**
   * S20 follows the backtrack's recovery: where it opened (VDL', which must be the point), then,
   * once the writer is open, the volume against the archive — on the segments that installed the
   * backtrack's hidden set (a write quorum of each PG must have).
   */
  private followBacktrack(atMs: number, observation: Observation): void {
    const pending = this.backtrackPending;
    if (pending === undefined) return;
    if (observation.kind === 'recovered') {
      pending.volumeEpoch = observation.volumeEpoch;
      this.restoreJudge.observe(atMs, { kind: 'restore', job: pending.job, phase: 'available', throughLsn: pending.pointLsn, vdl: observation.vdl });
      return;
    }
    if (observation.kind !== 'writerOpened' || observation.volumeEpoch !== pending.volumeEpoch) return;
    const [storeOf, oracle, blocksOf] = this.volumeReaders();
    const epoch = pending.volumeEpoch;
    this.restoreJudge.verifyClone(atMs, pending.job, (id) => {
      const store = storeOf(id);
      return store?.backtrack !== undefined && store.backtrack.volumeEpoch >= epoch ? store : undefined;
    }, oracle, blocksOf);
    this.backtrackPending = undefined;
  }

  /** What S20 reads a restored volume with: its segments' stores, the oracle, and a PG's blocks. */
  private volumeReaders(): [(id: string) => SegmentStore | undefined, PageOracle, (pg: number) => number[]] {
    const { source } = this;
    const hosted = new Set(source.host.ids());
    const { blocksPerPg } = source.scenario.topology;
    return [
      (id) => (hosted.has(id) ? source.segment(id).store : undefined),
      (pg, blockId, readPoint) => this.archive.page(pg, blockId, readPoint),
      (pg) => Array.from({ length: blocksPerPg }, (_, index) => pg * blocksPerPg + index),
    ];
  }

  /** How S20 verified each restore so far, by job. */
  restoreChecks(): Map<string, RestoreVerification> {
    return new Map(this.restoreResult().verifications.map((verification) => [verification.job, verification]));
  }

  /**
   * The judges that have filed a violation so far as the run went: every `always` judge on its
   * observations, and the read-backs under faults. It leaves out what is judged only when results
   * are read: the `eventually` bounds, S14's check of base pages and the read-back of acknowledged
   * commits from persisted state (docs/testing.md, replay). Each of these judges turns from ok to
   * failed only by filing a violation through its tally (`createTally`), or, for the read-backs, in
   * `checkReadable`; so the results are read again only after one of those, and asking after every
   * kernel step stays cheap.
   */
  violatedSoFar(): ReadonlySet<string> {
    const filed = violationsFiledSoFar();
    if (filed === this.filedAtLastCount) return this.violated;
    this.filedAtLastCount = filed;
    const streamed = [
      ...this.checker.results(),
      ...this.recoveryChecker.results(),
      this.replicaVisibility.result(),
      ...this.readViews.map((judge) => judge.result()),
      this.membership.result(),
      ...this.reads.results(),
      // With no segments listed, S14 gives only what it judged on observations.
      this.gcSafety.result(this.source.kernel.clock.now(), [], () => undefined),
      this.restoreJudge.streamed(),
      this.serverless.result(this.source.kernel.clock.now()),
      this.geometry.result(),
      this.connectionsResult(),
      this.pageConflicts.result(),
      this.readableResult(),
      ...this.regionalGlobalResults(),
    ];
    for (const result of streamed) {
      if (result.ok || this.violated.has(result.name)) continue;
      this.violated.add(result.name);
      const first = result.firstViolations[0];
      if (first !== undefined) this.firstViolationByName.set(result.name, first);
    }
    return this.violated;
  }

  /** The first violation of a judge {@link JudgePanel.violatedSoFar} has seen fail, if its result kept one. */
  firstViolationSoFar(name: string): Violation | undefined {
    return this.firstViolationByName.get(name);
  }

  /** What the judges hold now, in entries: the record archive and S4's records below VDL not yet passed. */
  retained(): { archiveRecords: number; pendingRecords: number } {
    return { archiveRecords: this.archive.retainedRecordCount(), pendingRecords: this.checker.pendingRecordCount() };
  }

  /**
   * Schedules the read-backs under faults: just before each fault applies (scheduled earlier, so
   * it runs first at the same time), because the moment before a repair is the most degraded one,
   * and every `everyMs` while some segment is down (0: only at fault times).
   */
  scheduleReadableChecks(everyMs: number): void {
    const { scenario, topology, kernel } = this.source;
    const { clock } = kernel;
    for (const fault of scenario.faults) clock.scheduleAt(fault.atMs, () => this.checkReadable());
    if (everyMs <= 0) return;
    const tick = (): void => {
      // Only a degraded volume can hide a record from a remaining read quorum.
      if (topology.segments.some((segment) => kernel.network.isDown(segment.id))) this.checkReadable();
      if (clock.now() + everyMs <= scenario.durationMs) clock.setTimeout(tick, everyMs);
    };
    clock.setTimeout(tick, everyMs);
  }

  private observe(atMs: number, actorId: string, observation: Observation): void {
    // Failover timing is measured (`metrics.ts`); only its bound is judged.
    if (observation.kind === 'failover') {
      this.failover.observe(atMs, observation);
      return;
    }
    this.convergence.observe(atMs, observation);
    this.hydration.observe(atMs, observation);
    if (observation.kind === 'membershipInstalled') this.onMembership(observation);
    else if (observation.kind === 'geometryChanged') this.onGeometry(observation);
    if (observation.kind === 'geometryChanged' || observation.kind === 'allocated') this.geometry.observe(atMs, observation);
    this.checker.observe(atMs, observation);
    this.recoveryChecker.observe(atMs, observation);
    this.replicaVisibility.observe(atMs, observation);
    this.membership.observe(atMs, observation);
    if (observation.kind === 'persisted') this.archive.add(observation);
    this.reads.observe(atMs, observation);
    this.gcSafety.observe(atMs, observation);
    this.connections?.observe(atMs, actorId, observation);
    // S19 hears the segments' votes and the writers' commits and rollbacks, never a writer's own count of votes.
    if (observation.kind === 'pageVote') this.pageConflicts.observe(atMs, { kind: 'pageVote', segment: observation.segment, change: observation.change, vote: observation.vote });
    else if (observation.kind === 'mwCommitted') this.pageConflicts.observe(atMs, { kind: 'txnCommitted', writer: observation.writer, txnId: observation.txnId });
    else if (observation.kind === 'mwAborted') this.pageConflicts.observe(atMs, { kind: 'txnAborted', writer: observation.writer, txnId: observation.txnId });
    else if (observation.kind === 'mwRolledBack') this.pageConflicts.observe(atMs, { kind: 'txnRolledBack', writer: observation.writer, txnId: observation.txnId });
    // The read-view judges read only these kinds; the rest (mostly `persisted`) skip them.
    if (READ_VIEW_KINDS.has(observation.kind)) for (const judge of this.readViews) judge.observe(atMs, actorId, observation);
  }

  private onMembership(observation: Extract<Observation, { kind: 'membershipInstalled' }>): void {
    const { pg } = observation;
    const before = this.writeQuorumByPg[pg];
    const write = judgedWriteQuorum(observation.write);
    this.writeQuorumByPg[pg] = before === undefined ? write : or(before, write);
    this.readQuorumByPg[pg] = observation.read;
  }

  /**
   * A PG the volume grew by (docs/protocol.md §1.1): its quorums join the judges' before any record
   * can go to it (the storage control plane reports the change before any instance learns it).
   */
  private onGeometry(observation: Extract<Observation, { kind: 'geometryChanged' }>): void {
    const { pg } = observation;
    if (this.writeQuorumByPg[pg] !== undefined) return;
    this.writeQuorumByPg[pg] = judgedWriteQuorum(observation.write);
    this.readQuorumByPg[pg] = observation.read;
  }

  /** Convergence, from the current members' persisted state now (as the read-back reads it). */
  private convergenceResult(): PropertyResult {
    const { source } = this;
    const members: MemberAtEnd[] = [];
    const hosted = new Set(source.host.ids());
    for (const [pg, quorum] of Object.entries(source.quorums)) {
      for (const id of membersOf(or(quorum.write, quorum.read))) {
        if (!hosted.has(id)) continue;
        const context = source.segment(id);
        const value = source.host.snapshotOf(id).value;
        const state = typeof value === 'string' ? value : Object.keys(value as object)[0];
        const online = state === 'online' && !source.kernel.network.isDown(id);
        const { store } = context;
        members.push({ id, pg: Number(pg), online, scl: sclOf(store), volumeEpoch: context.volumeEpoch, records: () => heldRecords(store) });
      }
    }
    return this.convergence.result(source.kernel.clock.now(), members);
  }

  /** S14, with every segment's base pages checked against the archive now. */
  private gcSafetyResult(): PropertyResult {
    const { source } = this;
    const segments = Object.values(source.membersByPg).flat().map((id) => ({ id, store: source.segment(id).store }));
    return this.gcSafety.result(source.kernel.clock.now(), segments, (pg, blockId, readPoint) => this.archive.page(pg, blockId, readPoint));
  }

  /**
   * Reads every acknowledged commit back from the segments reachable now; a PG whose reachable
   * segments still form a read quorum must show all of them (see `read-back.ts`).
   */
  private checkReadable(): void {
    const report = readBack(this.source, 'reachable');
    this.readableChecks++;
    if (report.lost.length > 0) this.filedAtLastCount = undefined;
    for (const lost of report.lost) {
      this.readableViolations++;
      if (this.readableFirstViolations.length < FIRST_VIOLATIONS_KEPT) {
        this.readableFirstViolations.push({ atMs: this.source.kernel.clock.now(), message: `txn ${lost.txnId}: ${lost.missing}` });
      }
    }
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

/** A state value as a dotted path of its active states, e.g. `secondary.replicating`. */
function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['', undefined];
  return child === undefined ? key : `${key}.${statePath(child)}`;
}
