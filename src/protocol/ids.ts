/**
 * Branded identifiers and LSN-valued numbers of the Aurora protocol.
 *
 * A brand is a compile-time tag only: at run time every value is a plain number or string, so
 * protocol state stays plain, serialisable data (docs/architecture.md, "Code conventions" 1).
 * Brands stop a `volumeEpoch` from being passed where a `membershipEpoch` is expected, and an LSN
 * from being mixed with a count.
 *
 * Glossary: docs/glossary.md. LSNs are one per log record (docs/protocol.md §13, V7).
 */

declare const brand: unique symbol;

/** Tags `T` with a compile-time-only name. */
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** Log sequence number: volume-wide, allocated only by the writer, one per record (docs/protocol.md §3, log and consistency points). */
export type Lsn = Brand<number, 'Lsn'>;
/** Volume epoch held by the storage metadata service; fences old writers (docs/protocol.md §7, crash recovery). */
export type VolumeEpoch = Brand<number, 'VolumeEpoch'>;
/** Per-PG membership epoch, bumped by one on every membership change (docs/protocol.md §8, membership changes). */
export type MembershipEpoch = Brand<number, 'MembershipEpoch'>;
/** Protection group index within the volume (docs/protocol.md §1, volumes and segments). */
export type PgId = Brand<number, 'PgId'>;
/** A storage segment's systemId, e.g. `seg:pg0:az-a:1`. */
export type SegmentId = Brand<string, 'SegmentId'>;
/** Availability zone name, e.g. `us-east-1a`. */
export type AzId = Brand<string, 'AzId'>;
/** Region name, e.g. `us-east-1`. */
export type RegionId = Brand<string, 'RegionId'>;
/** A compute instance's systemId, e.g. `inst:us-east-1:writer`. */
export type InstanceId = Brand<string, 'InstanceId'>;
/** A data block (page) of the volume. */
export type BlockId = Brand<number, 'BlockId'>;

/** The LSN before any record: every watermark starts here. */
export const LSN_ZERO = 0 as Lsn;

/** Casts a number to an LSN after checking it is a non-negative safe integer. */
export function lsn(value: number): Lsn {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`an LSN must be a non-negative safe integer, got ${value}`);
  }
  return value as Lsn;
}

/** Casts a number to a volume epoch (non-negative integer). */
export function volumeEpoch(value: number): VolumeEpoch {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a volumeEpoch must be a non-negative integer, got ${value}`);
  }
  return value as VolumeEpoch;
}

/** Casts a number to a membership epoch (non-negative integer). */
export function membershipEpoch(value: number): MembershipEpoch {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a membershipEpoch must be a non-negative integer, got ${value}`);
  }
  return value as MembershipEpoch;
}

/** Casts a number to a PG id (non-negative integer). */
export function pgId(value: number): PgId {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a PG id must be a non-negative integer, got ${value}`);
  }
  return value as PgId;
}

/** Casts a string to a segment id. */
export const segmentId = (value: string): SegmentId => value as SegmentId;
/** Casts a string to an AZ id. */
export const azId = (value: string): AzId => value as AzId;
/** Casts a string to a region id. */
export const regionId = (value: string): RegionId => value as RegionId;
/** Casts a string to an instance id. */
export const instanceId = (value: string): InstanceId => value as InstanceId;
/** Casts a number to a block id. */
export const blockId = (value: number): BlockId => value as BlockId;
