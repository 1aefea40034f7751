/**
 * The database client: transactions of puts and gets, sent to the writer over the kernel network,
 * each returning a handle that settles on the commit acknowledgement (`ok`), a refusal (`fail`) or
 * a timeout (`info`: the outcome is unknown, the transaction may still commit). Read-only
 * transactions may go to the reader endpoint instead, which is served by a replica at its read
 * point (docs/protocol.md §5, read replicas); the history records that read point.
 *
 * A client is one connection running one transaction at a time, like a Jepsen process; after an
 * `info` it continues as a new process id, because the old one's fate is unknown. Handles are not
 * promises (no promises in the simulated path): register `onSettled` callbacks, which run on the
 * kernel clock.
 *
 * With a cluster's front door (`connection` option; docs/protocol.md §15) a client first connects:
 * to the instance its endpoint resolves to, from its address, with or without TLS, with the token
 * its token source gives (a refreshing client makes a new one for each connect). It keeps one
 * connection per instance and sends its transactions on it through the front door. It connects
 * again when it has none to the instance the endpoint now names (after a failover), after a
 * timeout or a refused connection (the instance was down), and at once when the front door says
 * the connection is gone (`notConnected`: a forced reconnect), sending the transaction again on the
 * new connection (it never reached an instance). A refused connect fails the transaction with the
 * refusal's reason; an unanswered one (the security group dropped it) fails it with
 * `connectTimeout` after `txnTimeoutMs`: either way it never started.
 */
import type { TxnOp } from '../../models/messages.js';
import type { TimerId, VirtualClock } from '../kernel/clock.js';
import type { Envelope, Locality, Network } from '../kernel/network.js';
import type { AuthToken } from '../protocol/security.js';
import type { HistoryEntry, HistoryMicroOp, HistoryRecorder } from './history.js';

/** The state of one transaction as the client sees it. */
export interface TxnHandle {
  readonly txnId: number;
  readonly ops: readonly TxnOp[];
  readonly process: number;
  readonly invokedAtMs: number;
  status: 'pending' | 'ok' | 'fail' | 'info';
  settledAtMs?: number;
  /** On `ok`: the commit record's LSN (0 for a read-only transaction). */
  commitLsn?: number;
  /** On `ok`: the values the gets read, in op order. */
  reads?: readonly (string | null)[];
  /** On `ok` from a replica: the read point its gets saw. */
  readPoint?: number;
  /** Calls back once the handle settles (at once if it already has). */
  onSettled(callback: (handle: TxnHandle) => void): void;
}

/** How a client connects through a cluster's front door (docs/protocol.md §15). */
export interface ClientConnectionOptions {
  /** The front door's systemId: connects and transactions go there. */
  frontDoor: string;
  /** The database user it connects as. */
  user: string;
  /** Its IPv4 address, as the security group sees it. */
  address: string;
  /** Whether it connects with TLS. */
  tls: boolean;
  /** The token to present, asked at each connect (undefined: none). */
  token: () => AuthToken | undefined;
  /**
   * The network drops this client's packets before they reach any instance (no route from
   * outside the VPC, or a security group that does not allow it): it never hears a refused
   * connection, even from a host that is down. @defaultValue false
   */
  unreachable?: boolean;
}

/** Options of {@link DatabaseClient}. */
export interface DatabaseClientOptions {
  /** The client's systemId and network endpoint, e.g. `client:1`. */
  id: string;
  locality: Locality;
  /**
   * Where transactions go: the cluster endpoint, resolved per transaction (it follows the writer
   * after a failover, once the control plane switches it).
   */
  endpoint: () => string;
  /**
   * Where read-only transactions sent with `{ endpoint: 'reader' }` go: the reader endpoint,
   * resolved per transaction. @defaultValue the cluster endpoint
   */
  readerEndpoint?: () => string;
  clock: VirtualClock;
  network: Network;
  history: HistoryRecorder;
  /** Hear nothing for this long and the outcome is `info`. */
  txnTimeoutMs: number;
  /** First Jepsen process id of this client, and the step to its next one after an `info`. */
  processFirst: number;
  processStride: number;
  /** Issues transaction ids, unique across the simulation. */
  nextTxnId: () => number;
  /** Connect through a front door first (docs/protocol.md §15). @defaultValue none: transactions go straight to the endpoint */
  connection?: ClientConnectionOptions;
}

interface Inflight {
  handle: TxnHandle & { callbacks: ((handle: TxnHandle) => void)[] };
  timer: TimerId;
  /** With a front door: the instance it goes to, and the connect attempt it waits for, if any. */
  target?: string;
  connectRequestId?: number;
  /** The front door closed the connection it went on, and it went again on a new one. */
  reconnected?: boolean;
}

/** One client connection; see the file header. */
export class DatabaseClient {
  private process: number;
  private inflight: Inflight | undefined;
  /** Replies that arrived after the client had given up (`info`). */
  lateReplies = 0;
  /** With a front door: the open connection to each instance, by instance. */
  private readonly connections = new Map<string, string>();
  private connectRequests = 0;

  constructor(private readonly options: DatabaseClientOptions) {
    this.process = options.processFirst;
    options.network.attach(options.id, options.locality, (envelope) => this.receive(envelope));
  }

  get id(): string {
    return this.options.id;
  }

  /** True while a transaction is pending. */
  get busy(): boolean {
    return this.inflight !== undefined;
  }

  /**
   * Starts a transaction. One at a time per client. `endpoint: 'reader'` sends it to the reader
   * endpoint (a replica serves read-only transactions only).
   * @throws Error if a transaction is already pending on this client.
   */
  transact(ops: readonly TxnOp[], options: { endpoint?: 'cluster' | 'reader' } = {}): TxnHandle {
    const { clock, network, history } = this.options;
    if (this.inflight !== undefined) {
      throw new Error(`client ${this.options.id} already has transaction ${this.inflight.handle.txnId} pending; use another client`);
    }
    const txnId = this.options.nextTxnId();
    const callbacks: ((handle: TxnHandle) => void)[] = [];
    const handle: Inflight['handle'] = {
      txnId,
      ops,
      process: this.process,
      invokedAtMs: clock.now(),
      status: 'pending',
      callbacks,
      onSettled: (callback) => {
        if (handle.status === 'pending') callbacks.push(callback);
        else callback(handle);
      },
    };
    history.record({ ...this.entryBase(handle), type: 'invoke', value: microOps(ops) }, clock.now());
    const timer = clock.setTimeout(() => this.timedOut(), this.options.txnTimeoutMs);
    const inflight: Inflight = { handle, timer };
    this.inflight = inflight;
    const target = options.endpoint === 'reader' ? (this.options.readerEndpoint ?? this.options.endpoint)() : this.options.endpoint();
    if (network.isDown(target) && this.options.connection?.unreachable !== true) {
      // The endpoint's host is down: the connection is refused at once, so the client sees an
      // error, not silence (docs/protocol.md §9, failover), and knows the transaction never
      // started. A connection it held there is gone with the host.
      this.connections.delete(target);
      clock.scheduleAt(clock.now(), () => {
        if (this.inflight?.handle === handle) this.settle('fail', { error: 'connectionRefused' });
      });
      return handle;
    }
    const connection = this.options.connection;
    if (connection === undefined) {
      network.send(this.options.id, target, { type: 'txnRequest', from: this.options.id, txnId, ops });
      return handle;
    }
    inflight.target = target;
    const connectionId = this.connections.get(target);
    if (connectionId !== undefined) this.sendOn(connection, connectionId, handle);
    else this.connect(connection, inflight, target);
    return handle;
  }

  /** Asks the front door for a connection to `target` (docs/protocol.md §15). */
  private connect(connection: ClientConnectionOptions, inflight: Inflight, target: string): void {
    const requestId = ++this.connectRequests;
    inflight.connectRequestId = requestId;
    const token = connection.token();
    this.options.network.send(this.options.id, connection.frontDoor, {
      type: 'connectRequest',
      from: this.options.id,
      requestId,
      instance: target,
      user: connection.user,
      address: connection.address,
      tls: connection.tls,
      ...(token === undefined ? {} : { token }),
    });
  }

  /** Sends a transaction on an open connection, through the front door. */
  private sendOn(connection: ClientConnectionOptions, connectionId: string, handle: TxnHandle): void {
    this.options.network.send(this.options.id, connection.frontDoor, { type: 'txnRequest', from: this.options.id, txnId: handle.txnId, ops: handle.ops, connectionId });
  }

  /**
   * No answer in time. Still connecting: the transaction never started (`fail`, `connectTimeout`:
   * a security group drops what it refuses). Sent: its outcome is unknown (`info`), and the
   * connection is given up, as a driver closes one that timed out.
   */
  private timedOut(): void {
    const inflight = this.inflight;
    if (inflight?.connectRequestId !== undefined) {
      this.settle('fail', { error: 'connectTimeout' });
      return;
    }
    if (inflight?.target !== undefined) this.connections.delete(inflight.target);
    this.settle('info', { error: 'timeout' });
  }

  private entryBase(handle: TxnHandle): Pick<HistoryEntry, 'process' | 'f' | 'node' | 'txnId'> {
    return { process: handle.process, f: 'txn', node: this.options.id, txnId: handle.txnId };
  }

  private receive(envelope: Envelope): void {
    const message = envelope.message as { type: string; txnId?: number };
    if (message.type === 'connectAccepted' || message.type === 'connectRefused') {
      this.connectAnswered(envelope.message as ConnectAnswer);
      return;
    }
    if (this.inflight === undefined || message.txnId !== this.inflight.handle.txnId) {
      if (message.type === 'txnOk' || message.type === 'txnFail') this.lateReplies++;
      return;
    }
    if (message.type === 'txnOk') {
      const ok = envelope.message as { from: string; commitLsn: number; reads: (string | null)[]; readPoint?: number };
      // The instance that served it: a write forwarder relays its answer unchanged (docs/protocol.md §11.1).
      const replica = ok.readPoint === undefined ? undefined : ok.from;
      this.settle('ok', { commitLsn: ok.commitLsn, reads: ok.reads, readPoint: ok.readPoint, replica });
    } else if (message.type === 'txnFail') {
      const reason = (envelope.message as { reason: string }).reason;
      if (reason === 'notConnected' && this.reconnect(this.inflight)) return;
      this.settle('fail', { error: reason });
    }
  }

  /**
   * The front door holds no such connection (closed by a forced reconnect): the transaction never
   * reached an instance, so the client connects again and sends it on the new connection, once, as
   * a driver's pool replaces a dead connection. False when it already did.
   */
  private reconnect(inflight: Inflight): boolean {
    const connection = this.options.connection;
    const target = inflight.target;
    if (connection === undefined || target === undefined) return false;
    this.connections.delete(target);
    if (inflight.reconnected === true) return false;
    inflight.reconnected = true;
    this.connect(connection, inflight, target);
    return true;
  }

  /**
   * The front door's answer to a connect. An accepted connection is kept (also one the client had
   * stopped waiting for: it is open all the same), and the waiting transaction goes on it; a
   * refusal fails the waiting transaction with its reason.
   */
  private connectAnswered(answer: ConnectAnswer): void {
    if (answer.type === 'connectAccepted') this.connections.set(answer.instance, answer.connectionId);
    const inflight = this.inflight;
    const connection = this.options.connection;
    if (inflight === undefined || connection === undefined || inflight.connectRequestId !== answer.requestId) return;
    inflight.connectRequestId = undefined;
    if (answer.type === 'connectRefused') this.settle('fail', { error: answer.reason });
    else this.sendOn(connection, answer.connectionId, inflight.handle);
  }

  private settle(status: 'ok' | 'fail' | 'info', detail: { commitLsn?: number; reads?: (string | null)[]; readPoint?: number; replica?: string; error?: string }): void {
    const inflight = this.inflight;
    if (inflight === undefined) return;
    const { clock, history } = this.options;
    const { handle } = inflight;
    this.inflight = undefined;
    clock.clearTimeout(inflight.timer);
    handle.status = status;
    handle.settledAtMs = clock.now();
    handle.commitLsn = detail.commitLsn;
    handle.reads = detail.reads;
    handle.readPoint = detail.readPoint;
    const value = microOps(handle.ops, detail.reads);
    const { commitLsn, readPoint, replica, error } = detail;
    history.record({ ...this.entryBase(handle), type: status, value, commitLsn, error, ...(readPoint === undefined ? {} : { readPoint, replica }) }, clock.now());
    // Jepsen: a process whose last operation is indeterminate never issues again.
    if (status === 'info') this.process += this.options.processStride;
    for (const callback of handle.callbacks.splice(0)) callback(handle);
  }
}

/** The front door's answer to a connect (docs/protocol.md §15). */
type ConnectAnswer = { type: 'connectAccepted'; requestId: number; connectionId: string; instance: string } | { type: 'connectRefused'; requestId: number; reason: string };

/** A transaction's ops as Jepsen micro-ops `['r', k, v]` / `['w', k, v]`; reads carry what they read, if known. */
export function microOps(ops: readonly TxnOp[], reads?: readonly (string | null)[]): HistoryMicroOp[] {
  let readIndex = 0;
  return ops.map((op): HistoryMicroOp => (op.f === 'put' ? ['w', op.key, op.value] : ['r', op.key, reads?.[readIndex++] ?? null]));
}
