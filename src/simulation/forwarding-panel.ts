/**
 * Write forwarding's figures (docs/protocol.md §11.1, write forwarding; docs/semantics.md,
 * `global.writeForwarding`), per forwarding secondary: the writes forwarded and committed, how
 * long each read waited for its consistency level, and the reads that did not see their session's
 * last write.
 *
 * The read wait is measured from the forwarder's own reports: from a read's arrival to the send
 * the instance served (a read the instance refused as not caught up is sent again; a GLOBAL read
 * first waits for the primary writer's VDL). Whether a read saw its session's last write is
 * judged from the history alone, not from the forwarder: each session writes only its own key,
 * with values `<client>.<round>` (src/cluster/forwarding-sessions.ts), so a read of the key that
 * returns an older round than the session's last acknowledged write, or nothing, missed it.
 */
import type { WriteForwarderObservation } from '../../models/write-forwarder.machine.js';
import type { WorldEvent } from '../cluster/host.js';
import type { ReadConsistencyLevel, ResolvedTopology } from '../cluster/scenario.js';
import { sessionKey } from '../cluster/forwarding-sessions.js';
import { quantile } from './quantile.js';

/** One forwarding secondary's figures. */
export interface WriteForwardingReport {
  region: string;
  readConsistency: ReadConsistencyLevel;
  sessions: number;
  /** Transactions with a write sent to the primary's writer. */
  forwardedWrites: number;
  /** Of those, the ones the writer acknowledged as committed. */
  forwardedCommits: number;
  /** Read-only transactions the region's instance served. */
  reads: number;
  /** How long a served read waited for its consistency level (see the file header). */
  readWaitMsP50: number;
  readWaitMsP99: number;
  readWaitMsMax: number;
  /** Sends the instance refused as not caught up (`belowReadAtLeast`) and that went again. */
  readRetries: number;
  /** Acknowledged read-backs that did not see their session's last acknowledged write (from the history). */
  readsMissingOwnWrite: number;
}

interface RegionTally {
  forwardedWrites: number;
  forwardedCommits: number;
  readWaitsMs: number[];
  retries: number;
  /** Per read in flight: its arrival and its latest send, in ms. */
  inflight: Map<number, { arrivedAtMs: number; sentAtMs: number | undefined }>;
  readsMissingOwnWrite: number;
}

/** The round of a session's value `<client>.<round>`, or 0 for none. */
function roundOf(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const round = Number(value.slice(value.lastIndexOf('.') + 1));
  return Number.isSafeInteger(round) ? round : 0;
}

/** Tallies write forwarding from the world's events; see the file header. */
export class ForwardingPanel {
  private readonly tallies = new Map<string, RegionTally>();
  private readonly regionOfActor = new Map<string, string>();
  /** Per session (client id), the round of its last acknowledged write. */
  private readonly lastAcknowledgedRound = new Map<string, number>();

  constructor(
    private readonly topology: ResolvedTopology,
    listen: (handler: (event: WorldEvent) => void) => unknown,
  ) {
    for (const secondary of topology.global?.secondaries ?? []) {
      const forwarding = secondary.writeForwarding;
      if (forwarding === undefined) continue;
      this.tallies.set(secondary.region, { forwardedWrites: 0, forwardedCommits: 0, readWaitsMs: [], retries: 0, inflight: new Map(), readsMissingOwnWrite: 0 });
      this.regionOfActor.set(forwarding.forwarder.id, secondary.region);
      for (const client of forwarding.clients) this.regionOfActor.set(client.id, secondary.region);
    }
    if (this.tallies.size > 0) listen((event) => this.onEvent(event));
  }

  /** Whether any secondary forwards writes. */
  get active(): boolean {
    return this.tallies.size > 0;
  }

  private onEvent(event: WorldEvent): void {
    if (event.source === 'observe') {
      const region = this.regionOfActor.get(event.actorId);
      if (region !== undefined) this.onObservation(this.tallies.get(region)!, event.atMs, event.observation as unknown as WriteForwarderObservation);
      return;
    }
    if (event.source !== 'history') return;
    const { entry } = event;
    const region = this.regionOfActor.get(entry.node);
    if (region === undefined || entry.type !== 'ok') return;
    const key = sessionKey(entry.node);
    const ops = entry.value ?? [];
    const written = ops.filter((op) => op[0] === 'w' && op[1] === key);
    if (written.length > 0) {
      this.lastAcknowledgedRound.set(entry.node, Math.max(this.lastAcknowledgedRound.get(entry.node) ?? 0, ...written.map((op) => roundOf(op[2]))));
      return;
    }
    const last = this.lastAcknowledgedRound.get(entry.node) ?? 0;
    if (ops.some((op) => op[0] === 'r' && op[1] === key && roundOf(op[2]) < last)) this.tallies.get(region)!.readsMissingOwnWrite++;
  }

  private onObservation(tally: RegionTally, atMs: number, observation: WriteForwarderObservation): void {
    switch (observation.kind) {
      case 'forwardedWrite':
        tally.forwardedWrites++;
        return;
      case 'forwardedCommit':
        tally.forwardedCommits++;
        return;
      case 'forwardedReadArrived':
        tally.inflight.set(observation.txnId, { arrivedAtMs: atMs, sentAtMs: undefined });
        return;
      case 'forwardedReadSent': {
        const read = tally.inflight.get(observation.txnId);
        if (read?.sentAtMs !== undefined) tally.retries++;
        if (read !== undefined) tally.inflight.set(observation.txnId, { ...read, sentAtMs: atMs });
        return;
      }
      case 'forwardedReadServed': {
        const read = tally.inflight.get(observation.txnId);
        tally.inflight.delete(observation.txnId);
        if (read?.sentAtMs !== undefined) tally.readWaitsMs.push(read.sentAtMs - read.arrivedAtMs);
        return;
      }
    }
  }

  /** The figures now, one entry per forwarding secondary in topology order. */
  report(): WriteForwardingReport[] {
    return (this.topology.global?.secondaries ?? []).flatMap((secondary): WriteForwardingReport[] => {
      const forwarding = secondary.writeForwarding;
      const tally = this.tallies.get(secondary.region);
      if (forwarding === undefined || tally === undefined) return [];
      const waits = [...tally.readWaitsMs].sort((a, b) => a - b);
      return [
        {
          region: secondary.region,
          readConsistency: forwarding.readConsistency,
          sessions: forwarding.clients.length,
          forwardedWrites: tally.forwardedWrites,
          forwardedCommits: tally.forwardedCommits,
          reads: waits.length,
          readWaitMsP50: quantile(waits, 0.5),
          readWaitMsP99: quantile(waits, 0.99),
          readWaitMsMax: waits[waits.length - 1] ?? 0,
          readRetries: tally.retries,
          readsMissingOwnWrite: tally.readsMissingOwnWrite,
        },
      ];
    });
  }
}
