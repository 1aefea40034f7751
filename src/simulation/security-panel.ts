/**
 * The report's `security` block (docs/semantics.md, "Report fields"; docs/protocol.md §15): what
 * the cluster's policy is, the connection attempts its front door accepted and refused (by reason),
 * the connections closed, the statements audited, the tokens the IAM service made, each client
 * group's connections and transactions, and every cluster's and snapshot's encryption at rest.
 *
 * It reads the audit log (`src/cluster/audit.ts`) and the client history from the world's stream
 * and schedules nothing: runs hash the same with it.
 */
import type { Subscription } from 'rxjs';
import { Subject } from 'rxjs';
import { auditLog } from '../cluster/audit.js';
import type { AuditEntry } from '../cluster/audit.js';
import type { WorldEvent } from '../cluster/host.js';
import type { ClientTokenKind, ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { clientAttributesOf } from '../cluster/security.js';
import type { EncryptionReport } from './encryption-ledger.js';

/** Connection attempts counted: accepted, refused by reason, and the refusals never answered. */
export interface ConnectionCounts {
  attempts: number;
  accepted: number;
  refused: number;
  refusedBy: Record<string, number>;
  unanswered: number;
}

/** One group of clients (or the default clients after the last group) and how they fared. */
export interface ClientGroupReport {
  /** 1-based group index; 0 for the default clients after the last group. */
  group: number;
  /** Its first and last client. */
  clients: { first: string; last: string; count: number };
  address: string;
  tls: boolean;
  token: ClientTokenKind;
  refreshTokens: boolean;
  connections: ConnectionCounts;
  /** The group's transactions by outcome (`ok` ones ran on an accepted connection: S23). */
  transactions: { ok: number; fail: number; info: number };
}

/** The report's `security` block. */
export interface SecurityReport {
  /** The cluster, as tokens name it, and its front door. */
  cluster: string;
  frontDoor: string;
  requireTls: boolean;
  iamAuth: boolean;
  tokenTtlMs: number;
  vpcCidr: string;
  allowedCidrs: string[];
  /** Tokens the IAM service made. */
  tokensIssued: number;
  connections: ConnectionCounts & { closed: { forced: number; replaced: number } };
  /** Operations (gets and puts) the front door passed to an instance on a connection, and those it refused (`notConnected`). */
  statements: { passed: number; refused: number };
  clientGroups: ClientGroupReport[];
  encryption: EncryptionReport;
}

/** The world as the panel reads it. */
export interface SecurityPanelSource {
  scenario: Scenario;
  topology: ResolvedTopology;
  listen(handler: (event: WorldEvent) => void): Subscription;
  frontDoor: string;
  tokensIssued(): number;
  encryption(): EncryptionReport;
}

const emptyCounts = (): ConnectionCounts => ({ attempts: 0, accepted: 0, refused: 0, refusedBy: {}, unanswered: 0 });

function count(counts: ConnectionCounts, entry: Extract<AuditEntry, { kind: 'connect' }>): void {
  counts.attempts++;
  if (entry.outcome === 'accepted') counts.accepted++;
  else {
    counts.refused++;
    const reason = entry.reason ?? 'unknown';
    counts.refusedBy[reason] = (counts.refusedBy[reason] ?? 0) + 1;
  }
  if (!entry.answered) counts.unanswered++;
}

/** See the file header. */
export class SecurityPanel {
  private readonly connections = { ...emptyCounts(), closed: { forced: 0, replaced: 0 } };
  private readonly statements = { passed: 0, refused: 0 };
  private readonly groups: ClientGroupReport[];
  /** The group index in {@link groups} of each client. */
  private readonly groupOf = new Map<string, number>();

  constructor(private readonly source: SecurityPanelSource) {
    const { scenario, topology } = source;
    this.groups = [];
    for (const [index, client] of topology.clients.entries()) {
      const attributes = clientAttributesOf(scenario, index);
      let at = this.groups.findIndex((group) => group.group === attributes.group);
      if (at < 0) {
        at = this.groups.length;
        const { group, address, tls, token, refreshTokens } = attributes;
        this.groups.push({ group, clients: { first: client.id, last: client.id, count: 0 }, address, tls, token, refreshTokens, connections: emptyCounts(), transactions: { ok: 0, fail: 0, info: 0 } });
      }
      const group = this.groups[at] as ClientGroupReport;
      group.clients.last = client.id;
      group.clients.count++;
      this.groupOf.set(client.id, at);
    }
    // The audit log is a view of the world stream: relayed through `listen`, after the judges.
    const audit = new Subject<WorldEvent>();
    audit.pipe(auditLog()).subscribe((entry) => this.onAudit(entry));
    source.listen((event) => {
      if (event.source === 'history') this.onHistory(event.entry.node, event.entry.type);
      else audit.next(event);
    });
  }

  private onAudit(entry: AuditEntry): void {
    if (entry.kind === 'connect') {
      count(this.connections, entry);
      const group = this.groupOf.get(entry.client);
      if (group !== undefined) count((this.groups[group] as ClientGroupReport).connections, entry);
    } else if (entry.kind === 'disconnect') this.connections.closed[entry.reason]++;
    else this.statements[entry.outcome]++;
  }

  private onHistory(client: string, type: string): void {
    const at = this.groupOf.get(client);
    if (at === undefined || (type !== 'ok' && type !== 'fail' && type !== 'info')) return;
    (this.groups[at] as ClientGroupReport).transactions[type]++;
  }

  report(): SecurityReport {
    const { scenario, frontDoor } = this.source;
    const security = scenario.security;
    if (security === undefined) throw new Error('security panel: the scenario has no security section');
    const copyCounts = (counts: ConnectionCounts): ConnectionCounts => ({ ...counts, refusedBy: { ...counts.refusedBy } });
    return {
      cluster: scenario.name,
      frontDoor,
      requireTls: security.requireTls,
      iamAuth: security.iamAuth,
      tokenTtlMs: security.tokenTtlMs,
      vpcCidr: security.vpcCidr,
      allowedCidrs: [...security.allowedCidrs],
      tokensIssued: this.source.tokensIssued(),
      connections: { ...copyCounts(this.connections), closed: { ...this.connections.closed } },
      statements: { ...this.statements },
      clientGroups: this.groups.map((group) => ({ ...group, clients: { ...group.clients }, connections: copyCounts(group.connections), transactions: { ...group.transactions } })),
      encryption: this.source.encryption(),
    };
  }
}
