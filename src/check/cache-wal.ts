/**
 * S11 cache/WAL (docs/protocol.md §12, S11; §5, reads; §13, V2): the writer never drops a
 * dirty page from its buffer cache, one whose page LSN is above VDL. Aurora never writes pages from
 * the database tier, so a page may leave the cache only once its redo is durable: then the latest
 * version of every block is either in the cache or the latest durable version in storage (SIGMOD'18
 * §3.1).
 *
 * Judged from the writer's `cacheEvicted` observations against the VDL that writer last reported
 * at that volume epoch (`watermarks`, or `writerOpened` for a recovered writer), never against
 * the VDL the eviction claims. Before a writer's first report its VDL is 0.
 *
 * The witness: an eviction that passed over an older dirty block, i.e. the rule held a page back.
 */
import type { Observation } from '../protocol/observations.js';
import type { PropertyChecker } from './property.js';
import { always, sometimes } from './property.js';

/** The property's name. */
export const S11_CACHE_WAL = 'S11 cache/WAL';

/** The witness's name. */
export const DIRTY_PAGE_KEPT_WITNESS = 'dirty page kept in cache witnessed';

/** S11; see the file header. */
export function createCacheWal(): PropertyChecker<Observation> {
  const vdlByWriter = new Map<string, number>();
  return always<Observation>(S11_CACHE_WAL, (o, judgement) => {
    if (o.kind === 'watermarks' || o.kind === 'writerOpened') {
      const key = `${o.volumeEpoch}|${o.instance}`;
      vdlByWriter.set(key, Math.max(vdlByWriter.get(key) ?? 0, o.vdl));
      return;
    }
    if (o.kind !== 'cacheEvicted') return;
    const vdl = vdlByWriter.get(`${o.volumeEpoch}|${o.instance}`) ?? 0;
    judgement.check(
      o.pageLsn <= vdl,
      () =>
        `${o.instance} at volumeEpoch ${o.volumeEpoch} evicted block ${o.blockId} at page LSN ${o.pageLsn} above its VDL ${vdl} ` +
        '(expected a dirty page kept until its redo is durable: pageLSN ≤ VDL)',
    );
  });
}

/** The witness: some eviction skipped a dirty block (never fails). */
export function createDirtyPageWitness(): PropertyChecker<Observation> {
  return sometimes<Observation>(DIRTY_PAGE_KEPT_WITNESS, (o) => o.kind === 'cacheEvicted' && o.dirtySkipped > 0);
}
