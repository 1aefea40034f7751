/**
 * A PG's redo chain for tests: records `from..to`, record `lsn` on block `lsn % blocks`, each a
 * consistency point (CPL) carrying one put of key `k<block>`, linked to the previous record of
 * the volume, the PG and its block (docs/protocol.md, the log chain).
 */
import type { PutPayload } from '../../models/messages.js';
import type { BlockId, Lsn, PgId } from '../../src/protocol/ids.js';
import type { LogRecord } from '../../src/protocol/lsn.js';

export function putChain(from: number, to: number, blocks = 4, pg = 0): LogRecord<PutPayload>[] {
  const records: LogRecord<PutPayload>[] = [];
  for (let lsn = from; lsn <= to; lsn++) {
    records.push({
      lsn: lsn as Lsn,
      pg: pg as PgId,
      blockId: (lsn % blocks) as BlockId,
      prevVolumeLsn: (lsn - 1) as Lsn,
      prevPgLsn: (lsn - 1) as Lsn,
      prevBlockLsn: Math.max(0, lsn - blocks) as Lsn,
      isCpl: true,
      mtrId: lsn,
      isCommit: false,
      payload: { kind: 'put', key: `k${lsn % blocks}`, value: `v${lsn}` },
    });
  }
  return records;
}
