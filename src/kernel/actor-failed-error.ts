/**
 * The one way an actor's failure ends a run, under either interpreter (docs/determinism.md,
 * "When an actor fails": every actor has an error observer that fails the run). It names the actor;
 * the run's seed is printed first by every run, so the two together are the bug report.
 */

/** Thrown (on the clock, so out of `runFor`) when an actor fails. */
export class ActorFailedError extends Error {
  override readonly name = 'ActorFailedError';
  constructor(
    readonly actorId: string,
    override readonly cause: unknown,
  ) {
    super(`actor ${actorId} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
