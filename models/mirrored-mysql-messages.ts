/**
 * The wire vocabulary of the mirrored-MySQL baseline (docs/protocol.md §16): block writes from a
 * MySQL instance to its EBS volume, EBS's chain to the volume's mirror, the block-level mirror to
 * the standby instance in the second AZ, and the binlog shipped to a read replica.
 *
 * SIGMOD'17 §3.1, Figure 2: the primary writes to EBS (1), EBS mirrors the write (2), the primary
 * sends the block to the standby (3), which writes it to its EBS (4) and that EBS's mirror (5).
 * The unit the paper counts is the block write an instance issues (Table 1, "I/Os per
 * transaction"): one {@link BlockWrite} carries `blocks` such writes of one kind issued together
 * (a checkpoint's pages), so the count does not depend on how many messages carry them.
 */

/**
 * What a block write holds (SIGMOD'17 §3.1, Figure 2: "log", "binlog", "data", "double-write",
 * "FRM files").
 */
export type IoKind = 'redo' | 'binlog' | 'dataPage' | 'doubleWrite' | 'frm';

/** Every {@link IoKind}, in the paper's order. */
export const IO_KINDS: readonly IoKind[] = ['redo', 'binlog', 'dataPage', 'doubleWrite', 'frm'];

/** One write of `blocks` blocks of one kind, as the issuing instance numbers it. */
export interface BlockWrite {
  /** The instance that issued it (the primary, or the standby writing its mirror copy). */
  readonly origin: string;
  /** Unique per origin, from 1. */
  readonly writeId: number;
  readonly kind: IoKind;
  /** Block writes it stands for (≥ 1): a checkpoint writes its dirty pages as one batch. */
  readonly blocks: number;
  /** For `redo` and `binlog`: the transactions whose commit records the blocks carry. */
  readonly txnIds: readonly number[];
  /** A standby's copy: the primary's write it mirrors. */
  readonly mirrorOf?: { readonly origin: string; readonly writeId: number };
}

/** Instance (or EBS volume, for its mirror) → EBS volume: write these blocks. */
export interface EbsWriteMessage {
  type: 'ebsWrite';
  from: string;
  write: BlockWrite;
}

/** EBS volume → the writer of an `ebsWrite`: durable on this volume (and its mirror, if it has one). */
export interface EbsAckMessage {
  type: 'ebsAck';
  from: string;
  origin: string;
  writeId: number;
}

/** Primary → standby: the block-level mirror of one of the primary's block writes (Figure 2, step 3). */
export interface MirrorWriteMessage {
  type: 'mirrorWrite';
  from: string;
  write: BlockWrite;
}

/** Standby → primary: the mirrored write is durable on the standby's EBS and its mirror. */
export interface MirrorAckMessage {
  type: 'mirrorAck';
  from: string;
  writeId: number;
}

/** Primary → binlog replica: committed transactions, in binlog order (the replica's I/O thread). */
export interface BinlogShipMessage {
  type: 'binlogShip';
  from: string;
  txnIds: readonly number[];
}

/** Every message of the baseline's own actors (clients speak `txnRequest`/`txnOk`/`txnFail`). */
export type MirroredMessage = EbsWriteMessage | EbsAckMessage | MirrorWriteMessage | MirrorAckMessage | BinlogShipMessage;
