/**
 * S23 statements only on accepted connections (docs/protocol.md §12, S23; §15): no client reads or
 * writes a cluster except on a connection the cluster's security let in.
 *
 * The judge keeps its own account, from three sources, none of them the client's own settings:
 * - the front door's reports (the audit log): each connection attempt as it arrived, with its
 *   verdict; each connection closed; each transaction passed to an instance, on which connection;
 * - the instances' own reports of what they executed: an `allocated` MTR of a transaction (its
 *   puts ran) and a `replicaRead` (its gets ran on a replica);
 * - the client history: every transaction a client saw acknowledged (`ok`).
 *
 * Its rule, from the AWS pages the policy stands for (User Guide, "Amazon VPC and Aurora",
 * "Controlling access with security groups", "Using SSL/TLS to encrypt a connection", "IAM
 * database authentication"), restated here with its own address arithmetic:
 * 1. every accepted connection came from an address inside the VPC and inside one of the security
 *    group's ranges, used TLS if the cluster requires it, and with IAM authentication presented a
 *    token for this cluster and user that had not expired when it connected (the front door reads
 *    time off its own clock, which trails virtual time by less than one tick: a token that expired
 *    a whole tick before is a violation);
 * 2. every transaction passed to an instance went on a connection accepted earlier, still open,
 *    of the same client, to that instance;
 * 3. every transaction an instance of the cluster executed was passed to that instance;
 * 4. every transaction a client of the cluster saw acknowledged was passed on one of its
 *    connections: a client whose connections were refused has no `ok` in the history.
 *
 * Vacuous when no connection was attempted.
 */
import type { Observation } from '../protocol/observations.js';
import type { SecurityPolicy } from '../protocol/security.js';
import type { PropertyResult } from './property.js';
import { createTally } from './property.js';

/** The property name, as results report it. */
export const S23_CONNECTIONS = 'S23 statements only on accepted connections';

/** What the judge needs of the client history: an entry's type, client and transaction. */
export interface JudgedHistoryEntry {
  readonly type: string;
  readonly node: string;
  readonly txnId: number;
}

/** Options of {@link createConnectionJudge}. */
export interface ConnectionJudgeOptions {
  /** The cluster's policy, as its scenario states it. */
  policy: SecurityPolicy;
  /** The front door's clock period: how far its time may trail virtual time. */
  clockTickMs: number;
  /** The cluster's instances: what they execute must have come through the front door. */
  instances: ReadonlySet<string>;
  /** The cluster's clients: what they see acknowledged must have gone on an accepted connection. */
  clients: ReadonlySet<string>;
}

/** The S23 judge. */
export interface ConnectionJudge {
  observe(atMs: number, actorId: string, observation: Observation): void;
  /** A client history entry. */
  history(atMs: number, entry: JudgedHistoryEntry): void;
  result(): PropertyResult;
}

/** An IPv4 address as a number (the judge's own reading; undefined if it is not a dotted quad). */
function addressOf(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** Whether `address` is in the block `cidr`: the same number once the host bits are cut off. */
function inBlock(cidr: string, address: string): boolean {
  const [base, bits] = cidr.split('/');
  const from = addressOf(base ?? '');
  const at = addressOf(address);
  const prefix = Number(bits);
  if (from === undefined || at === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const hostSpan = 2 ** (32 - prefix);
  return Math.floor(from / hostSpan) === Math.floor(at / hostSpan);
}

/** Why an accepted attempt should not have been, by rule 1; undefined if it meets the policy. */
function policyBreach(options: ConnectionJudgeOptions, atMs: number, o: Extract<Observation, { kind: 'connectionAttempt' }>): string | undefined {
  const { policy } = options;
  if (!inBlock(policy.vpcCidr, o.address)) return `from ${o.address}, outside the VPC ${policy.vpcCidr}`;
  if (!policy.allowedCidrs.some((cidr) => inBlock(cidr, o.address))) return `from ${o.address}, outside the security group's ranges (${policy.allowedCidrs.join(', ') || 'none'})`;
  if (policy.requireTls && !o.tls) return 'without TLS, which the cluster requires';
  if (!policy.iamAuth) return undefined;
  const token = o.token;
  if (token === undefined) return 'without a token, under IAM authentication';
  if (token.cluster !== policy.cluster) return `with a token for cluster ${token.cluster}, not ${policy.cluster}`;
  if (token.user !== o.user) return `as ${o.user} with a token for user ${token.user}`;
  if (token.expiresAtMs <= atMs - options.clockTickMs) return `with a token that expired at ${token.expiresAtMs} ms, more than a clock tick (${options.clockTickMs} ms) before`;
  return undefined;
}

interface Connection {
  readonly client: string;
  readonly instance: string;
  open: boolean;
}

/** Creates the S23 judge of one cluster. */
export function createConnectionJudge(options: ConnectionJudgeOptions): ConnectionJudge {
  const tally = createTally(S23_CONNECTIONS, 'always');
  let attempts = 0;
  const connections = new Map<string, Connection>();
  /** Transactions passed to an instance: their client and instance. */
  const passed = new Map<number, { client: string; instance: string }>();

  const attempt = (atMs: number, o: Extract<Observation, { kind: 'connectionAttempt' }>): void => {
    attempts++;
    if (o.outcome !== 'accepted') return;
    tally.judged();
    const breach = policyBreach(options, atMs, o);
    if (breach !== undefined) tally.violated(atMs, `${o.client}'s connection ${o.connectionId ?? '?'} to ${o.instance} was accepted ${breach}`);
    if (o.connectionId !== undefined) connections.set(o.connectionId, { client: o.client, instance: o.instance, open: true });
  };

  const statement = (atMs: number, o: Extract<Observation, { kind: 'statement' }>): void => {
    if (o.outcome !== 'passed') return;
    tally.judged();
    const connection = o.connectionId === undefined ? undefined : connections.get(o.connectionId);
    const where = `${o.client}'s transaction ${o.txnId} was passed to ${o.instance ?? '?'} on connection ${o.connectionId ?? '(none)'}`;
    if (connection === undefined) tally.violated(atMs, `${where}, which was never accepted`);
    else if (!connection.open) tally.violated(atMs, `${where}, which was closed`);
    else if (connection.client !== o.client) tally.violated(atMs, `${where}, which is ${connection.client}'s`);
    else if (connection.instance !== o.instance) tally.violated(atMs, `${where}, which goes to ${connection.instance}`);
    if (o.instance !== undefined) passed.set(o.txnId, { client: o.client, instance: o.instance });
  };

  const executed = (atMs: number, instance: string, txnId: number, what: string): void => {
    if (!options.instances.has(instance)) return;
    tally.judged();
    const through = passed.get(txnId);
    if (through === undefined) tally.violated(atMs, `${instance} ${what} transaction ${txnId}, which never came through the front door on an accepted connection`);
    else if (through.instance !== instance) tally.violated(atMs, `${instance} ${what} transaction ${txnId}, which the front door passed to ${through.instance}`);
  };

  return {
    observe(atMs, actorId, observation) {
      switch (observation.kind) {
        case 'connectionAttempt':
          return attempt(atMs, observation);
        case 'connectionClosed': {
          const connection = connections.get(observation.connectionId);
          if (connection !== undefined) connection.open = false;
          return;
        }
        case 'statement':
          return statement(atMs, observation);
        case 'allocated':
          if (observation.txnId !== undefined) executed(atMs, actorId, observation.txnId, 'wrote the puts of');
          return;
        case 'replicaRead':
          return executed(atMs, actorId, observation.txnId, 'read the gets of');
        default:
          return;
      }
    },
    history(atMs, entry) {
      if ((entry.type !== 'ok' && entry.type !== 'fail') || !options.clients.has(entry.node)) return;
      const through = passed.get(entry.txnId);
      // Settled: nothing of it runs after its answer (an `info` one may still run, so it is kept).
      passed.delete(entry.txnId);
      if (entry.type !== 'ok') return;
      tally.judged();
      if (through === undefined || through.client !== entry.node) {
        tally.violated(atMs, `${entry.node} saw transaction ${entry.txnId} acknowledged, but it never went on one of its accepted connections`);
      }
    },
    result() {
      const result = tally.result();
      return { ...result, vacuous: attempts === 0 };
    },
  };
}
