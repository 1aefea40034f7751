/**
 * What a multi-writer cluster's writers and segments tell each other (docs/protocol.md §11.2).
 *
 * A writer proposes a change per page it writes (`pageChange`) to every segment of the page's PG;
 * each segment answers with its vote (`pageVote`) and the change that holds the page version
 * there. Writers ship each other their approved commits and rollbacks (`mwShip`, numbered per
 * writer, resent until acknowledged by `mwShipAck`), and, for a REGIONAL_RAW read, ask each other
 * how far they have committed (`mwPositionQuery`, `mwPosition`).
 */
import type { PageChange, PageVersionHolder, PageVote } from '../src/protocol/page-conflicts.js';

/** A writer proposes one page change to a segment of the page's PG. */
export interface PageChangeMessage {
  type: 'pageChange';
  /** The writer (its multi-writer actor), where the vote goes. */
  from: string;
  change: PageChange;
}

/** A segment's vote on a page change, and the change that holds that page version at the segment. */
export interface PageVoteMessage {
  type: 'pageVote';
  /** The segment. */
  from: string;
  change: PageChange;
  vote: PageVote;
  holder: PageVersionHolder;
}

/** One page as a writer ships it: the version it reached and the values it holds. */
export interface ShippedPage {
  readonly blockId: number;
  readonly version: number;
  readonly values: Readonly<Record<string, string>>;
  /** The commit stamp of the change that made it. */
  readonly stamp: number;
}

/** One commit or rollback of a writer, numbered from 1 in the order it happened there. */
export interface ShipEntry {
  readonly seq: number;
  /** The transaction it ends. */
  readonly txnId: number;
  readonly pages: readonly ShippedPage[];
}

/** A writer ships its entries after `replicationDelayMs`, and again until the peer acknowledges them. */
export interface MwShipMessage {
  type: 'mwShip';
  from: string;
  entries: readonly ShipEntry[];
}

/** A writer has applied every entry of `to`'s through `upTo`. */
export interface MwShipAckMessage {
  type: 'mwShipAck';
  from: string;
  upTo: number;
}

/** REGIONAL_RAW: how far has the receiver committed? */
export interface MwPositionQueryMessage {
  type: 'mwPositionQuery';
  from: string;
  queryId: number;
}

/** The answer: the receiver's last entry number (every commit it acknowledged is at or below it). */
export interface MwPositionMessage {
  type: 'mwPosition';
  from: string;
  queryId: number;
  seq: number;
}

/** Every multi-writer message. */
export type MultiWriterMessage = PageChangeMessage | PageVoteMessage | MwShipMessage | MwShipAckMessage | MwPositionQueryMessage | MwPositionMessage;
