/**
 * Encryption at rest of a run's clusters and snapshots (docs/protocol.md §15, encryption;
 * docs/semantics.md, "Report fields", `security.encryption`). The source cluster is encrypted or
 * not from its creation (`security.encrypted`); each manual snapshot takes the source's; each
 * restore and clone asks, when it is due, what `encryptionOf` (src/protocol/encryption.ts) gives,
 * and a request AWS refuses — dropping the encryption of an encrypted source, or encrypting a
 * point-in-time restore or a clone of an unencrypted one — is refused here: its cluster is never
 * built (its actors stay idle), and the report says why.
 *
 * It changes nothing else: no byte count, latency or chance depends on encryption.
 */
import { encryptionAtCreation, encryptionOf } from '../protocol/encryption.js';
import type { EncryptionAtRest } from '../protocol/encryption.js';
import type { RestoredCluster } from '../cluster/restores.js';
import type { Scenario } from '../cluster/scenario.js';

/** One cluster's encryption at rest, as the report gives it. */
export interface ClusterEncryption {
  /** The source (named after its scenario), or `restore-<n>` / `clone-<n>`. */
  cluster: string;
  encrypted: boolean;
  kmsKeyId?: string;
  /** How a new cluster was made: `pointInTimeRestore`, `restoreFromSnapshot` (with the snapshot) or `clone`. */
  from?: string;
  snapshot?: string;
}

/** The report's `security.encryption` block. */
export interface EncryptionReport {
  /** The source, then each restore and clone made, in the order they were asked. */
  clusters: ClusterEncryption[];
  /** Each manual snapshot: encrypted as its cluster. */
  snapshots: { name: string; encrypted: boolean; kmsKeyId?: string }[];
  /** Each restore or clone refused, and why. */
  refused: { cluster: string; kind: string; requestedAtMs: number; reason: string }[];
}

/** Plain fields of an encryption state. */
function fieldsOf(encryption: EncryptionAtRest): { encrypted: boolean; kmsKeyId?: string } {
  return encryption.encrypted ? { encrypted: true, kmsKeyId: encryption.kmsKeyId } : { encrypted: false };
}

/** See the file header. */
export class EncryptionLedger {
  readonly source: EncryptionAtRest;
  private readonly clusters: ClusterEncryption[];
  private readonly snapshots: EncryptionReport['snapshots'] = [];
  private readonly refusals: EncryptionReport['refused'] = [];

  constructor(scenario: Scenario) {
    const security = scenario.security;
    this.source = encryptionAtCreation(security?.encrypted === true, security?.kmsKeyId);
    this.clusters = [{ cluster: scenario.name, ...fieldsOf(this.source) }];
  }

  /** A manual snapshot was asked: encrypted as the source. */
  snapshotTaken(name: string): void {
    this.snapshots.push({ name, ...fieldsOf(this.source) });
  }

  /**
   * A restore or clone is due at `atMs`: its encryption is recorded, or its refusal, whose reason
   * is returned (undefined when it may go ahead).
   */
  decide(cluster: RestoredCluster, atMs: number): string | undefined {
    const outcome = encryptionOf(this.source, { kind: cluster.kind, ...(cluster.encryption ?? {}) });
    if (!outcome.ok) {
      this.refusals.push({ cluster: cluster.name, kind: cluster.kind, requestedAtMs: atMs, reason: outcome.message });
      return outcome.message;
    }
    this.clusters.push({ cluster: cluster.name, ...fieldsOf(outcome.encryption), from: cluster.kind, ...(cluster.snapshot === undefined ? {} : { snapshot: cluster.snapshot }) });
    return undefined;
  }

  report(): EncryptionReport {
    return {
      clusters: this.clusters.map((cluster) => ({ ...cluster })),
      snapshots: this.snapshots.map((snapshot) => ({ ...snapshot })),
      refused: this.refusals.map((refusal) => ({ ...refusal })),
    };
  }
}
