/**
 * The IAM service on the kernel's side (docs/protocol.md §15, authentication): it generates IAM
 * database authentication tokens, stamped with the virtual time they were made and valid for
 * `tokenTtlMs` after (15 minutes in AWS, User Guide "IAM database authentication"; a scenario may
 * shorten it so a run of seconds shows a token expiring). Only the kernel knows time, so tokens are
 * made here and nowhere in `models/`.
 *
 * A token is plain data, not a signature (no cryptography is modelled); a client asks for one
 * naming the cluster and user it wants to connect as, as `generate-db-auth-token` does with an
 * endpoint and a user.
 */
import type { VirtualClock } from '../kernel/clock.js';
import type { AuthToken } from '../protocol/security.js';

/** Options of {@link IamService}. */
export interface IamServiceOptions {
  clock: VirtualClock;
  /** How long a token is valid after it was made. @defaultValue 900000 (15 minutes) */
  tokenTtlMs: number;
}

/** See the file header. */
export class IamService {
  /** Tokens made so far. */
  tokensIssued = 0;

  constructor(private readonly options: IamServiceOptions) {}

  /** A token for `user` on `cluster`, made now (or `ageMs` ago: a token a client has held that long). */
  issue(cluster: string, user: string, ageMs = 0): AuthToken {
    this.tokensIssued++;
    const issuedAtMs = this.options.clock.now() - ageMs;
    return { cluster, user, issuedAtMs, expiresAtMs: issuedAtMs + this.options.tokenTtlMs };
  }
}
