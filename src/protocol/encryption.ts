/**
 * Encryption at rest as pure rules (docs/protocol.md §15, encryption; User Guide, "Encrypting
 * Amazon Aurora resources"; the RDS API's RestoreDBClusterToPointInTime and
 * RestoreDBClusterFromSnapshot, `KmsKeyId`):
 *
 * - a cluster is encrypted or not from its creation, with a KMS key; an unencrypted cluster cannot
 *   be encrypted in place, and an encrypted one never becomes unencrypted;
 * - a snapshot of a cluster is encrypted as the cluster is, with its key;
 * - a point-in-time restore and a clone (one API call, `RestoreType` full-copy or copy-on-write)
 *   are encrypted as their source, with its key unless another is named; naming a key for an
 *   unencrypted source is refused ("If DBClusterIdentifier refers to a DB cluster that isn't
 *   encrypted, then the restore request is rejected");
 * - a restore from a snapshot is encrypted as the snapshot; an unencrypted snapshot may be
 *   restored into an encrypted cluster by naming a key;
 * - nothing that starts from encrypted data may drop the encryption.
 *
 * No cryptography: a KMS key is a name, and encryption changes no byte count or latency.
 */

/** The AWS managed key for RDS, which encrypts a cluster when no other key is named. */
export const DEFAULT_KMS_KEY_ID = 'aws/rds';

/** Whether a cluster or snapshot is encrypted at rest, and with which KMS key. */
export type EncryptionAtRest = { readonly encrypted: false } | { readonly encrypted: true; readonly kmsKeyId: string };

/** What a new cluster (a restore or a clone) asks for: absent fields inherit from the source. */
export interface EncryptionRequest {
  readonly kind: 'pointInTimeRestore' | 'restoreFromSnapshot' | 'clone';
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

/** Why a request was refused. */
export type EncryptionRefusal = 'sourceEncrypted' | 'sourceUnencrypted';

/** The new cluster's encryption, or why AWS refuses the request. */
export type EncryptionOutcome = { readonly ok: true; readonly encryption: EncryptionAtRest } | { readonly ok: false; readonly reason: EncryptionRefusal; readonly message: string };

/** The encryption of a cluster created with `encrypted` and, if encrypted, `kmsKeyId` (default {@link DEFAULT_KMS_KEY_ID}). */
export function encryptionAtCreation(encrypted: boolean, kmsKeyId?: string): EncryptionAtRest {
  return encrypted ? { encrypted: true, kmsKeyId: kmsKeyId ?? DEFAULT_KMS_KEY_ID } : { encrypted: false };
}

/**
 * The encryption of a restore or clone of `source` (the cluster, or for a restore from a snapshot
 * the snapshot, which is encrypted as its cluster), or the refusal (see the file header).
 */
export function encryptionOf(source: EncryptionAtRest, request: EncryptionRequest): EncryptionOutcome {
  const asked = request.encrypted ?? (request.kmsKeyId !== undefined ? true : undefined);
  if (source.encrypted) {
    if (asked === false) {
      return { ok: false, reason: 'sourceEncrypted', message: `sourceEncrypted: the source is encrypted (KMS key ${source.kmsKeyId}); its restores and clones are encrypted too, and cannot be made unencrypted` };
    }
    return { ok: true, encryption: { encrypted: true, kmsKeyId: request.kmsKeyId ?? source.kmsKeyId } };
  }
  if (asked !== true) return { ok: true, encryption: { encrypted: false } };
  if (request.kind === 'restoreFromSnapshot') return { ok: true, encryption: encryptionAtCreation(true, request.kmsKeyId) };
  const what = request.kind === 'clone' ? 'a clone' : 'a point-in-time restore';
  return { ok: false, reason: 'sourceUnencrypted', message: `sourceUnencrypted: ${what} of an unencrypted cluster cannot be encrypted; restore an encrypted cluster from a snapshot of it instead` };
}
