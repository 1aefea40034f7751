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
import type { RedoRecord, TxnOp } from '../../models/messages.js';
import type { SegmentContext } from '../../models/segment.machine.js';
import type { WriterContext } from '../../models/instance.machine.js';
import type { InvariantChecker } from '../check/invariants.js';
import { createInvariantChecker } from '../check/invariants.js';
import { createKernel } from '../kernel/kernel.js';
import type { Kernel } from '../kernel/kernel.js';
import type { TraceOptions } from '../kernel/trace.js';
import type { Observation } from '../protocol/observations.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { clusterSpecs, quorumConfigOf, segmentKinds } from '../cluster/assemble.js';
import { DatabaseClient } from '../cluster/client.js';
import { scheduleFaults } from '../cluster/faults.js';
import type { AppliedFault } from '../cluster/faults.js';
import { HistoryRecorder } from '../cluster/history.js';
import type { HistoryEntry } from '../cluster/history.js';
import type { ActorHost } from '../cluster/host.js';
import { LiveHost } from '../cluster/live-host.js';
import { buildReport } from './report.js';
import type { ReportSource, SimulationReport } from './report.js';
import { resolveTopology } from '../cluster/topology.js';
import { Workload } from '../cluster/workload.js';

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
  /** Faults applied so far. */
  readonly faultLog: AppliedFault[] = [];
  /** Each PG's read and write quorum predicates. */
  readonly quorums: Record<number, { read: QuorumPredicate; write: QuorumPredicate }> = {};
  private readonly checker: InvariantChecker;
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
    this.kernel = createKernel({ seed: options.seed, network: scenario.network, trace: options.trace });
    const kinds = segmentKinds(this.topology);
    for (const key of Object.keys(this.topology.membersByPg)) {
      const config = quorumConfigOf(this.topology, scenario, Number(key), kinds);
      this.quorums[Number(key)] = { read: config.read, write: config.write };
    }
    const writeQuorumByPg: Record<number, QuorumPredicate> = {};
    for (const [pg, quorum] of Object.entries(this.quorums)) writeQuorumByPg[Number(pg)] = quorum.write;
    this.checker = createInvariantChecker({ lal: scenario.topology.lal, writeQuorumByPg });
    this.streams = {
      redo$: this.subjects.redo.asObservable(),
      vdl$: this.subjects.vdl.asObservable(),
      history$: this.subjects.history.asObservable(),
      observations$: this.subjects.observations.asObservable(),
    };
    const hooks: HostHooks = { observe: (id, o) => this.onObservation(id, o as Observation), publish: (id, s, item) => this.onPublish(s, item) };
    const { clock, network, trace } = this.kernel;
    this.host = options.host?.(this.kernel, hooks) ?? new LiveHost({ clock, network, trace, inspect: options.inspect, ...hooks });
    this.host.spawnAll(clusterSpecs(this.kernel, scenario, this.topology));
    this.history = new HistoryRecorder(trace, (entry) => this.subjects.history.next(entry));
    this.clients = this.createClients();
    this.workload = new Workload(scenario.workload, this.clients, clock, this.kernel.rng.fork('workload'));
    this.workload.start();
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

  /** The writer's context. */
  writer(): WriterContext {
    return this.host.snapshotOf(this.topology.writer.id).context as WriterContext;
  }

  /** The report of the run so far (the object `run --json` prints). */
  report(): SimulationReport {
    return buildReport(this, this.checker.results());
  }

  private onObservation(actorId: string, observation: Observation): void {
    const atMs = this.kernel.clock.now();
    this.checker.observe(atMs, observation);
    if (observation.kind === 'commitAck') this.acknowledged.set(observation.txnId, observation.commitLsn);
    this.subjects.observations.next({ atMs, actorId, observation });
  }

  private onPublish(stream: string, item: unknown): void {
    if (stream === 'redo') this.subjects.redo.next(item as readonly RedoRecord[]);
    else if (stream === 'vdl') this.subjects.vdl.next(item as number);
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
          writerId: this.topology.writer.id,
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

  /** The transactions' ops by id, from the history's invokes. */
  txnOps(): Map<number, readonly TxnOp[]> {
    const ops = new Map<number, TxnOp[]>();
    for (const entry of this.history.entries) {
      if (entry.type !== 'invoke') continue;
      ops.set(
        entry.txnId,
        entry.value.map(([f, key, value]) => (f === 'put' ? { f: 'put', key, value: value ?? '' } : { f: 'get', key })),
      );
    }
    return ops;
  }
}
