/**
 * The baseline's lost-commit check (src/baseline/lost-commits.ts) on evidence written by hand: an
 * acknowledged commit is lost unless both its redo and its binlog record were on the standby's
 * volume in time; acknowledgements after the crash are not judged.
 */
import { describe, expect, it } from 'vitest';
import { checkLostCommits } from '../../src/baseline/lost-commits.js';

describe('Lost-commit check', () => {
  it('judges acknowledgements up to the crash against what the standby’s volume held by the time it opened', () => {
    const verdict = checkLostCommits({
      acknowledged: [
        { txnId: 1, atMs: 10 }, // both records in time: kept
        { txnId: 2, atMs: 20 }, // binlog only: lost
        { txnId: 3, atMs: 30 }, // binlog too late: lost
        { txnId: 4, atMs: 150 }, // after the crash: not judged
      ],
      durableOnStandby: [
        { txnId: 1, log: 'redo', atMs: 5 },
        { txnId: 1, log: 'binlog', atMs: 9 },
        { txnId: 2, log: 'binlog', atMs: 19 },
        { txnId: 3, log: 'redo', atMs: 25 },
        { txnId: 3, log: 'binlog', atMs: 250 },
      ],
      acknowledgedByMs: 100,
      durableByMs: 200,
    });
    expect(verdict).toEqual({ ok: false, acknowledged: 3, lost: 2, lostTxnIds: [2, 3] });
  });

  it('nothing acknowledged, nothing lost', () => {
    expect(checkLostCommits({ acknowledged: [], durableOnStandby: [], acknowledgedByMs: 0, durableByMs: 0 })).toEqual({ ok: true, acknowledged: 0, lost: 0, lostTxnIds: [] });
  });
});
