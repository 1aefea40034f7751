/**
 * The sessions of a Global Database secondary with write forwarding (docs/protocol.md §11.1;
 * docs/simulation-guide.md, `writeForwarding`). Each session is one client connected to the
 * region's write forwarder. It writes its own key (a forwarded write: it commits on the primary),
 * and as soon as that commits reads the key back through the forwarder (a local read at the
 * region's read consistency level), then thinks for an exponential time and starts over; a write
 * that fails or times out goes straight to the think time.
 *
 * Only its session writes a key, so whether a read saw the session's last write is a matter of
 * the value it read: the report counts the reads that did not (`src/simulation/forwarding-panel.ts`),
 * and tests judge it from the history. Every choice comes from the session's own RNG fork, so
 * sessions added to a region never move the primary workload's arrivals.
 */
import type { VirtualClock } from '../kernel/clock.js';
import type { Rng } from '../kernel/rng.js';
import type { DatabaseClient, TxnHandle } from './client.js';

/** One session: its client and the mean think time between rounds. */
export interface ForwardingSession {
  client: DatabaseClient;
  thinkTimeMs: number;
}

/** The key a session writes and reads back: only it writes there. */
export const sessionKey = (clientId: string): string => `s.${clientId}`;

/** Drives the sessions; see the file header. */
export class ForwardingSessions {
  /** Writes started, over all sessions. */
  writes = 0;
  /** Read-backs started, over all sessions. */
  reads = 0;

  constructor(
    private readonly sessions: readonly ForwardingSession[],
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    private readonly window: { startMs: number; stopMs: number },
  ) {}

  /** Schedules each session's first write. */
  start(): void {
    for (const session of this.sessions) {
      const rng = this.rng.fork(session.client.id);
      let round = 0;
      const think = (): void => {
        this.clock.scheduleAt(this.clock.now() + rng.exponential(session.thinkTimeMs), write);
      };
      const write = (): void => {
        if (this.clock.now() >= this.window.stopMs) return;
        round += 1;
        const key = sessionKey(session.client.id);
        this.writes++;
        session.client.transact([{ f: 'put', key, value: `${session.client.id}.${round}` }]).onSettled((handle: TxnHandle) => {
          if (handle.status !== 'ok') {
            think();
            return;
          }
          this.reads++;
          session.client.transact([{ f: 'get', key }]).onSettled(think);
        });
      };
      this.clock.scheduleAt(this.window.startMs + rng.exponential(session.thinkTimeMs), write);
    }
  }
}
