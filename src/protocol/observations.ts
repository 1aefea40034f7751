/**
 * Observations: what machines report to the judges, as plain data.
 *
 * A machine reports a protocol step by running the named action `observe` with one of these as
 * params (an effect, like `send`). Assembly hands them to the invariant checkers in `src/check`,
 * which hold their own bookkeeping and never read a machine's memory: the writer's claims (VDL,
 * commit acks) are judged against what segments say they persisted (PROTOCOL §4).
 */

/** The writer allocated an MTR's LSNs (S1, S2). */
export interface AllocatedObservation {
  kind: 'allocated';
  instance: string;
  volumeEpoch: number;
  /** VDL in force when allocating, and the LAL: S2 requires every LSN <= vdl + lal. */
  vdl: number;
  lal: number;
  records: readonly { lsn: number; pg: number; isCpl: boolean }[];
}

/** The writer's watermarks changed (S3, S4). */
export interface WatermarksObservation {
  kind: 'watermarks';
  instance: string;
  volumeEpoch: number;
  vcl: number;
  vdl: number;
  maxAllocated: number;
}

/** A segment persisted records (from a write batch or from gossip) at a volume epoch (S4, S7). */
export interface PersistedObservation {
  kind: 'persisted';
  segment: string;
  pg: number;
  /** The instance whose write batch carried the records, or the gossip peer's id. */
  source: string;
  via: 'write' | 'gossip';
  volumeEpoch: number;
  lsns: readonly number[];
  scl: number;
}

/** The writer acknowledged a commit to a client (S5). */
export interface CommitAckObservation {
  kind: 'commitAck';
  instance: string;
  volumeEpoch: number;
  txnId: number;
  commitLsn: number;
  vdl: number;
}

/** Everything a machine may report. */
export type Observation = AllocatedObservation | WatermarksObservation | PersistedObservation | CommitAckObservation;
