/**
 * S15 membership (PROTOCOL §4, §2.11): each change bumps the PG's membership epoch by exactly one,
 * needs a write quorum of the configuration it leaves, and moves between configurations whose
 * quorums overlap: the new write sets meet the new read sets and the old write sets.
 *
 * The PROTOCOL statement "every write set of one configuration meets every read set of the next"
 * is false for a joint configuration whose read predicate counts a member that has not hydrated
 * (test/protocol/membership.prop.test.ts pins a counterexample); the writer therefore keeps the
 * old read quorum while the new member hydrates, and this judge checks the overlaps that do hold.
 */
import type { Observation } from '../protocol/observations.js';
import { quorumsIntersect, satisfies, writeWriteIntersect } from '../protocol/quorum.js';
import type { PropertyResult } from './property.js';
import { createTally } from './property.js';

/** The property's name. */
export const S15_MEMBERSHIP = 'S15 membership';

/** The S15 checker. */
export interface MembershipChecker {
  observe(atMs: number, observation: Observation): void;
  result(): PropertyResult;
}

/** Creates the S15 checker; see the file header. */
export function createMembershipChecker(): MembershipChecker {
  const epochByPg = new Map<number, number>();
  const tally = createTally(S15_MEMBERSHIP, 'always');
  const violate = tally.violated;
  return {
    observe(atMs, o) {
      if (o.kind !== 'membershipInstalled') return;
      tally.judged();
      const held = epochByPg.get(o.pg) ?? o.previousEpoch;
      if (o.membershipEpoch !== held + 1 || o.previousEpoch !== held) {
        violate(atMs, `PG ${o.pg} moved from membership epoch ${held} to ${o.membershipEpoch} (expected exactly one more)`);
      }
      epochByPg.set(o.pg, o.membershipEpoch);
      if (!satisfies(o.previousWrite, (segment) => o.acks.includes(segment))) {
        violate(atMs, `PG ${o.pg} installed epoch ${o.membershipEpoch} with acks from [${o.acks.join(', ')}], not a write quorum of the configuration it left`);
      }
      if (!quorumsIntersect(o.write, o.read)) violate(atMs, `PG ${o.pg} epoch ${o.membershipEpoch}: a write set misses a read set of the same configuration`);
      if (!writeWriteIntersect(o.previousWrite, o.write)) violate(atMs, `PG ${o.pg} epoch ${o.membershipEpoch}: a write set misses a write set of the configuration before`);
    },
    result: () => tally.result(),
  };
}
