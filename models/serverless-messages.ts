/**
 * What Aurora Serverless v2's scalers and instances tell each other (docs/protocol.md §11.3).
 *
 * An instance and its scaler share a host, so they speak by the network-free `signal` effect, as
 * the failure domains do: the scaler asks for the load once a second (`loadQuery`), the instance
 * answers (`loadReport`) and asks to be woken when a transaction finds it paused (`wake`); the
 * scaler sets its capacity and cache (`capacitySet`, capacity 0 while paused). Scalers of one
 * cluster talk over the network: each reader's scaler reports to the writer group's lead
 * (`scalerReport`), and the lead tells the tier-0/1 readers' scalers the group's phase and capacity
 * (`groupState`), once a second and on every change, so a lost message is made good a second later.
 */
import type { EventObject } from 'xstate';

/** What a scaler is doing: running at a capacity, paused (0 ACU), or resuming (still 0 ACU). */
export type ScalerPhase = 'running' | 'paused' | 'resuming';

/** A scaler asks its instance what it has served (a signal). */
export interface LoadQuerySignal extends EventObject {
  type: 'loadQuery';
  /** The scaler, where the answer goes. */
  from: string;
}

/** What an instance has served since it started, counted as it takes transactions. */
export interface ServedCounts {
  /** Transactions taken (read-only and write). */
  readonly transactions: number;
  /** Write transactions taken (with at least one put). */
  readonly writes: number;
  /** Gets of the transactions taken. */
  readonly gets: number;
  /** Of those gets, the ones whose block was in the buffer cache. */
  readonly getsFromCache: number;
}

/** An instance answers its scaler (a signal). */
export interface LoadReportSignal extends EventObject, ServedCounts {
  type: 'loadReport';
  instance: string;
  /** Work in flight: a commit waiting for VDL or for LSNs, a page read, a held transaction. */
  busy: boolean;
}

/** A paused instance holds a transaction: its scaler should resume it (a signal). */
export interface WakeSignal extends EventObject {
  type: 'wake';
}

/** A scaler sets its instance's capacity and buffer cache (a signal); capacity 0 pauses it. */
export interface CapacitySetSignal extends EventObject {
  type: 'capacitySet';
  capacityAcu: number;
  /** Blocks the buffer cache holds at that capacity (unused while paused: the cache is emptied). */
  cacheBlocks: number;
}

/** A reader's scaler to the writer group's lead, once a second and on every change of phase. */
export interface ScalerReportMessage {
  type: 'scalerReport';
  from: string;
  phase: ScalerPhase;
  /** The ACUs its instance's load needed over the last second. */
  demandAcu: number;
  /** How long its instance has had no transaction. */
  idleMs: number;
  /** A transaction waits at its paused instance. */
  wanted: boolean;
}

/** The lead to the scalers of tier-0/1 readers: the group's phase and capacity, once a second and on every change. */
export interface GroupStateMessage {
  type: 'groupState';
  from: string;
  phase: ScalerPhase;
  capacityAcu: number;
}
