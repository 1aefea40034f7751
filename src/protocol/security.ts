/**
 * Connection security as pure rules (docs/protocol.md §15): who may open a connection to a
 * cluster, checked in the order a packet meets them.
 *
 * 1. **The network** (User Guide, "Amazon VPC and Aurora", "Controlling access with security
 *    groups"). The cluster lives in a VPC and is not publicly accessible: an address outside the
 *    VPC's CIDR has no route to it, and inside the VPC only the ranges the security group's inbound
 *    rules allow get through. A security group drops what it does not allow: the client gets no
 *    answer at all, so both refusals are `silent`.
 * 2. **TLS** (User Guide, "Using SSL/TLS to encrypt a connection"): with `require_secure_transport`
 *    (Aurora MySQL) or `rds.force_ssl` (Aurora PostgreSQL) on, a connection without TLS is refused.
 * 3. **Authentication** (User Guide, "IAM database authentication"): with IAM database
 *    authentication on, the client presents an authentication token instead of a password; the
 *    token names the cluster endpoint and the database user it was made for and is valid for 15
 *    minutes after it was generated. It is checked when connecting only: a connection outlives its
 *    token. Without IAM authentication the connection authenticates with a password, which is not
 *    modelled (it always succeeds).
 *
 * Nothing here is cryptography: a token is plain data that the kernel-side IAM service issues, and
 * forging one is not modelled. Addresses are IPv4 dotted quads, ranges CIDR blocks.
 */

/** The longest an IAM authentication token is valid: 15 minutes (User Guide, "IAM database authentication"). */
export const TOKEN_TTL_MS_MAX = 15 * 60 * 1000;

/** An IAM database authentication token as this model keeps it: for whom, and how long it holds. */
export interface AuthToken {
  /** The cluster it was generated for (the endpoint it names). */
  readonly cluster: string;
  /** The database user it authenticates. */
  readonly user: string;
  /** Virtual time it was generated, and the first time it is no longer valid. */
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/** What a cluster requires of a connection (the scenario's `security` section, resolved). */
export interface SecurityPolicy {
  /** The cluster's name, which a token must name. */
  readonly cluster: string;
  /** The VPC's address range: nothing outside it reaches the cluster. */
  readonly vpcCidr: string;
  /** The security group's inbound rules: the ranges that may connect. */
  readonly allowedCidrs: readonly string[];
  /** `require_secure_transport` / `rds.force_ssl`: refuse connections without TLS. */
  readonly requireTls: boolean;
  /** IAM database authentication: a valid token is needed to connect. */
  readonly iamAuth: boolean;
}

/** What a client presents when it connects. */
export interface ConnectAttempt {
  readonly user: string;
  /** The client's IPv4 address. */
  readonly address: string;
  readonly tls: boolean;
  readonly token?: AuthToken;
}

/** Why a connection was refused, in the order the checks run. */
export type ConnectionRefusal = 'outsideVpc' | 'securityGroup' | 'tlsRequired' | 'noToken' | 'tokenForOtherCluster' | 'tokenForOtherUser' | 'tokenExpired';

/** Every refusal reason, in check order. */
export const CONNECTION_REFUSALS: readonly ConnectionRefusal[] = ['outsideVpc', 'securityGroup', 'tlsRequired', 'noToken', 'tokenForOtherCluster', 'tokenForOtherUser', 'tokenExpired'];

/** The refusals the network makes: the packet is dropped and the client hears nothing. */
export const SILENT_REFUSALS: readonly ConnectionRefusal[] = ['outsideVpc', 'securityGroup'];

/** The outcome of a connection attempt. */
export type ConnectionVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: ConnectionRefusal; readonly silent: boolean };

/** An IPv4 address as an unsigned 32-bit number, or undefined if `text` is not a dotted quad. */
export function ipv4Of(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** A CIDR block's first address and prefix length, or undefined if `text` is not `a.b.c.d/n` (n 0–32). */
export function cidrOf(text: string): { readonly base: number; readonly prefixLength: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = ipv4Of(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (base === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  return prefixLength > 32 ? undefined : { base, prefixLength };
}

/** Whether `address` lies in the CIDR block `cidr` (false if either does not parse). */
export function cidrContains(cidr: string, address: string): boolean {
  const block = cidrOf(cidr);
  const value = ipv4Of(address);
  if (block === undefined || value === undefined) return false;
  // The block's size as a number (2^(32 - n)): no 32-bit shifts, which overflow at /0.
  const size = 2 ** (32 - block.prefixLength);
  return Math.floor(value / size) === Math.floor(block.base / size);
}

/** Whether packets from `address` reach the cluster's instances at all (the VPC, then the security group). */
export function reachesCluster(policy: Pick<SecurityPolicy, 'vpcCidr' | 'allowedCidrs'>, address: string): boolean {
  return networkRefusal(policy, address) === undefined;
}

/** The network's verdict: undefined when `address` may reach the cluster. */
function networkRefusal(policy: Pick<SecurityPolicy, 'vpcCidr' | 'allowedCidrs'>, address: string): ConnectionRefusal | undefined {
  if (!cidrContains(policy.vpcCidr, address)) return 'outsideVpc';
  return policy.allowedCidrs.some((cidr) => cidrContains(cidr, address)) ? undefined : 'securityGroup';
}

/** IAM authentication's verdict at `nowMs`: undefined when the token authenticates the user to this cluster now. */
function authRefusal(policy: SecurityPolicy, attempt: ConnectAttempt, nowMs: number): ConnectionRefusal | undefined {
  const { token } = attempt;
  if (token === undefined) return 'noToken';
  if (token.cluster !== policy.cluster) return 'tokenForOtherCluster';
  if (token.user !== attempt.user) return 'tokenForOtherUser';
  return nowMs < token.expiresAtMs ? undefined : 'tokenExpired';
}

/**
 * Whether `attempt` may open a connection at `nowMs`: the network first (a silent drop), then TLS,
 * then IAM authentication (see the file header).
 */
export function connectionVerdict(policy: SecurityPolicy, attempt: ConnectAttempt, nowMs: number): ConnectionVerdict {
  const network = networkRefusal(policy, attempt.address);
  if (network !== undefined) return { ok: false, reason: network, silent: true };
  if (policy.requireTls && !attempt.tls) return { ok: false, reason: 'tlsRequired', silent: false };
  const auth = policy.iamAuth ? authRefusal(policy, attempt, nowMs) : undefined;
  return auth === undefined ? { ok: true } : { ok: false, reason: auth, silent: false };
}

// ---------------------------------------------------------------------------------------------
// What the front door reports (docs/protocol.md §15): the audit log's entries and S23's evidence.

/** One operation of a statement, as the audit log keeps it (no values: an audit log names what ran). */
export interface AuditedOp {
  readonly op: 'get' | 'put';
  readonly key: string;
}

/** A connection attempt and the front door's verdict on it. */
export interface ConnectionAttemptObservation {
  readonly kind: 'connectionAttempt';
  readonly frontDoor: string;
  readonly cluster: string;
  readonly client: string;
  /** The instance the client asked to connect to. */
  readonly instance: string;
  readonly requestId: number;
  readonly user: string;
  readonly address: string;
  readonly tls: boolean;
  readonly token?: AuthToken;
  readonly outcome: 'accepted' | 'refused';
  readonly reason?: ConnectionRefusal;
  /** Whether the client was answered: a refusal by the network is not (the packet is dropped). */
  readonly answered: boolean;
  /** The new connection's id, when accepted. */
  readonly connectionId?: string;
  /** The front door's clock when it judged (its own, advanced by ticks: it may trail virtual time by one tick). */
  readonly clockMs: number;
}

/** An open connection was closed: by a forced reconnect, or replaced by the same client's new one to the same instance. */
export interface ConnectionClosedObservation {
  readonly kind: 'connectionClosed';
  readonly frontDoor: string;
  readonly cluster: string;
  readonly connectionId: string;
  readonly client: string;
  readonly instance: string;
  readonly reason: 'forced' | 'replaced';
}

/**
 * A transaction's statements on a connection: `passed` to the connection's instance, or `refused`
 * because the client holds no open connection by that id (`notConnected`).
 */
export interface StatementObservation {
  readonly kind: 'statement';
  readonly frontDoor: string;
  readonly cluster: string;
  readonly client: string;
  readonly connectionId?: string;
  /** The instance it was passed to (the connection's). */
  readonly instance?: string;
  readonly txnId: number;
  readonly ops: readonly AuditedOp[];
  readonly outcome: 'passed' | 'refused';
  readonly reason?: 'notConnected';
}

/** Everything the front door reports. */
export type SecurityObservation = ConnectionAttemptObservation | ConnectionClosedObservation | StatementObservation;
