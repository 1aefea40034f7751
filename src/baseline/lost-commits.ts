/**
 * The baseline's lost-commit check: a judge that takes its rule from what RDS Multi-AZ promises,
 * not from the instance's code.
 *
 * The rule. A Multi-AZ deployment replicates the primary's storage synchronously to the standby
 * (AWS User Guide, "Multi-AZ DB instance deployments"; SIGMOD'17 §3.1, Figure 2: a write
 * completes only once all four copies have it). So every transaction a client saw acknowledged
 * while the primary was up must be on the standby's volume, both its redo and its binlog records,
 * by the time the standby opens for writes: otherwise the failover lost an acknowledged commit.
 *
 * The evidence: the acknowledgements the clients recorded (their history) and the blocks the
 * standby's EBS volume reported durable, each with its virtual time.
 */

/** What the check reads. */
export interface LostCommitEvidence {
  /** Commits the clients saw acknowledged, with when. */
  readonly acknowledged: readonly { readonly txnId: number; readonly atMs: number }[];
  /** Commit records the standby's volume reported durable: txnId, which log, and when. */
  readonly durableOnStandby: readonly { readonly txnId: number; readonly log: 'redo' | 'binlog'; readonly atMs: number }[];
  /** Acknowledgements up to this time are judged: the primary's crash, or the end of the run. */
  readonly acknowledgedByMs: number;
  /** The standby's volume must hold them by this time: it opened for writes, or the run ended. */
  readonly durableByMs: number;
}

/** The check's verdict (docs/semantics.md, "Baseline report", `lostCommits`). */
export interface LostCommitVerdict {
  /** True when no judged acknowledgement is missing from the standby's volume. */
  readonly ok: boolean;
  /** Acknowledged commits judged. */
  readonly acknowledged: number;
  /** Of those, the ones whose redo or binlog record the standby's volume did not hold in time. */
  readonly lost: number;
  /** Up to ten lost txnIds, ascending, to look up in the history. */
  readonly lostTxnIds: readonly number[];
}

/** Judges `evidence` by the rule in the file header. */
export function checkLostCommits(evidence: LostCommitEvidence): LostCommitVerdict {
  const held = new Map<number, { redo: boolean; binlog: boolean }>();
  for (const record of evidence.durableOnStandby) {
    if (record.atMs > evidence.durableByMs) continue;
    const logs = held.get(record.txnId) ?? { redo: false, binlog: false };
    logs[record.log] = true;
    held.set(record.txnId, logs);
  }
  const judged = evidence.acknowledged.filter((ack) => ack.atMs <= evidence.acknowledgedByMs);
  const lost = judged.filter((ack) => {
    const logs = held.get(ack.txnId);
    return logs === undefined || !logs.redo || !logs.binlog;
  });
  const lostTxnIds = lost.map((ack) => ack.txnId).sort((a, b) => a - b);
  return { ok: lost.length === 0, acknowledged: judged.length, lost: lost.length, lostTxnIds: lostTxnIds.slice(0, 10) };
}
