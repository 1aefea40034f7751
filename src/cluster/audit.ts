/**
 * The audit log of a cluster with a front door (docs/protocol.md §15, audit; the User Guide's
 * "Database Activity Streams" and "Advanced Auditing": a record of every connection attempt and
 * every statement, with the session it came on). An rxjs pipeline over the world's events: each
 * front door report becomes one or more audit entries, stamped with the virtual time it happened.
 *
 * Entries go out synchronously, as the world stream's events do, at the virtual time of the step
 * that caused them (the world stream runs on the kernel's clock): the pipeline schedules nothing,
 * so subscribing to it — `run --audit FILE` — leaves the run and its traceHash as they were.
 *
 * One entry per connection attempt (accepted or refused, with the reason, and whether the client
 * was answered: a security group drops what it refuses), per connection closed, and per operation
 * of a transaction the front door passed on a connection or refused (a get or a put, with its key
 * and the connection it came on). A refusal by the network is logged here although no database
 * would see the packet: it stands for what VPC Flow Logs record as REJECT.
 */
import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { ConnectionRefusal, SecurityObservation } from '../protocol/security.js';
import type { WorldEvent } from './host.js';

/** One line of the audit log. */
export type AuditEntry =
  | {
      readonly atMs: number;
      readonly kind: 'connect';
      readonly cluster: string;
      readonly client: string;
      readonly instance: string;
      readonly user: string;
      readonly address: string;
      readonly tls: boolean;
      readonly outcome: 'accepted' | 'refused';
      readonly reason?: ConnectionRefusal;
      readonly answered: boolean;
      readonly connectionId?: string;
      /** When the token presented expires (absent: none presented). */
      readonly tokenExpiresAtMs?: number;
    }
  | { readonly atMs: number; readonly kind: 'disconnect'; readonly cluster: string; readonly client: string; readonly instance: string; readonly connectionId: string; readonly reason: 'forced' | 'replaced' }
  | {
      readonly atMs: number;
      readonly kind: 'statement';
      readonly cluster: string;
      readonly client: string;
      readonly connectionId?: string;
      readonly instance?: string;
      readonly txnId: number;
      readonly op: 'get' | 'put';
      readonly key: string;
      readonly outcome: 'passed' | 'refused';
      readonly reason?: 'notConnected';
    };

const SECURITY_KINDS: ReadonlySet<string> = new Set(['connectionAttempt', 'connectionClosed', 'statement']);

/** The audit entries of one front door report. */
export function auditEntriesOf(atMs: number, o: SecurityObservation): AuditEntry[] {
  switch (o.kind) {
    case 'connectionAttempt':
      return [
        {
          atMs,
          kind: 'connect',
          cluster: o.cluster,
          client: o.client,
          instance: o.instance,
          user: o.user,
          address: o.address,
          tls: o.tls,
          outcome: o.outcome,
          ...(o.reason === undefined ? {} : { reason: o.reason }),
          answered: o.answered,
          ...(o.connectionId === undefined ? {} : { connectionId: o.connectionId }),
          ...(o.token === undefined ? {} : { tokenExpiresAtMs: o.token.expiresAtMs }),
        },
      ];
    case 'connectionClosed':
      return [{ atMs, kind: 'disconnect', cluster: o.cluster, client: o.client, instance: o.instance, connectionId: o.connectionId, reason: o.reason }];
    case 'statement':
      return o.ops.map((op) => ({
        atMs,
        kind: 'statement' as const,
        cluster: o.cluster,
        client: o.client,
        ...(o.connectionId === undefined ? {} : { connectionId: o.connectionId }),
        ...(o.instance === undefined ? {} : { instance: o.instance }),
        txnId: o.txnId,
        op: op.op,
        key: op.key,
        outcome: o.outcome,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      }));
  }
}

/** The audit log of a world's events (see the file header). */
export function auditLog(): OperatorFunction<WorldEvent, AuditEntry> {
  return (events$) =>
    new Observable<AuditEntry>((subscriber) =>
      events$.subscribe({
        next: (event) => {
          if (event.source !== 'observe' || !SECURITY_KINDS.has(event.observation.kind)) return;
          for (const entry of auditEntriesOf(event.atMs, event.observation as SecurityObservation)) subscriber.next(entry);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
