/**
 * Reading acknowledged commits back from storage, independent of the writer's memory
 * (docs/protocol.md §12, S6): every commit the writer acknowledged must be held, not annulled, by
 * every read quorum of each PG it wrote to.
 *
 * Two readings:
 * - `persisted`: every segment's hot log counts, up or down (a crash keeps the hot log). This is
 *   the end-of-run verdict "no lost acknowledged commit".
 * - `reachable`: only segments that are up and reachable now count, so read quorums are formed from
 *   what is left. Under the AZ+1 budget a read quorum always remains and must still see everything
 *   acknowledged (SIGMOD'17 §2.1). Run during faults, it catches a writer that acknowledged before
 *   a true write quorum held the record, even if the other copies land later.
 */
import type { CommitPayload, DurabilityPg, DurabilityReport } from '../check/durability.js';
import { checkAcknowledgedCommits } from '../check/durability.js';
import { commitBlockOf, pgOfBlock, pgOfKey } from '../protocol/pages.js';
import { pageLayoutOf } from '../protocol/geometry.js';
import type { StoredRecord } from '../protocol/recovery.js';
import { heldRecords } from '../protocol/segment-store.js';
import type { ReportSource } from './source.js';

/** Which segments a read-back counts. */
export type ReadBackScope = 'persisted' | 'reachable';

/** Checks every acknowledged commit against the segments in scope. */
export function readBack(sim: ReportSource, scope: ReadBackScope, judgedThroughLsn = Infinity): DurabilityReport {
  const { scenario, kernel } = sim;
  const layout = pageLayoutOf(scenario.topology);
  const pgs: DurabilityPg[] = Object.entries(sim.membersByPg).map(([pg, members]) => ({
    pg: Number(pg),
    read: sim.quorums[Number(pg)]?.read as DurabilityPg['read'],
    segments: members
      .filter((id) => scope === 'persisted' || !kernel.network.isDown(id))
      .map((id) => {
        const context = sim.segment(id);
        return {
          id,
          available: !kernel.network.isDown(id),
          records: heldRecords(context.store) as unknown as StoredRecord<CommitPayload>[],
          truncations: context.store.truncations,
          gcPoint: context.store.gcPoint,
        };
      }),
  }));
  const puts = sim.txnPuts();
  // Commits above `judgedThroughLsn` are a managed failover's lost suffix (see `buildReport`).
  // A backtrack undoes the commits after the time it goes back to: they are hidden, not lost.
  const hidden = (commitLsn: number): boolean => sim.hiddenByBacktrack?.(commitLsn) ?? false;
  const commits = [...sim.acknowledged].filter(([, commitLsn]) => commitLsn <= judgedThroughLsn && !hidden(commitLsn)).map(([txnId, commitLsn]) => ({ txnId, commitLsn, puts: puts.get(txnId) ?? [] }));
  return checkAcknowledgedCommits({
    pgs,
    commits,
    pgOfKey: (key) => pgOfKey(layout, key),
    commitPgOf: (txnId) => pgOfBlock(layout, commitBlockOf(layout, txnId)),
  });
}
