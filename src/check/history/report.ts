/**
 * What `check-history` reports about each file (docs/history-format.md, "Verdicts"): the JSON
 * report's `files[]` entries, and the options a file is judged under.
 */
import type { LinearizabilityOptions } from './linearizability.js';
import type { RegisterOperation, RegisterValue } from './operation.js';
import type { ParsedHistory } from './parse.js';

/** Options of `judgeHistory` (judge.ts). */
export interface JudgeOptions extends LinearizabilityOptions {
  /** The file, as named on the command line. */
  file: string;
  /** The model to judge by; by default the first of the history kind's models. */
  model?: string;
}

/** The verdict on one file, whatever its kind (the JSON report's `files[]`). */
export interface HistoryFileReport {
  file: string;
  format: ParsedHistory['format'];
  kind: ParsedHistory['kind'];
  model: string;
  verdict: 'ok' | 'violation' | 'unknown';
}

/** An operation as reports show it. */
export interface OperationSummary {
  index: number;
  process: number;
  key: string | null;
  f: RegisterOperation['f'];
  value: RegisterOperation['value'];
  outcome: RegisterOperation['outcome'];
  invokeLine: number;
  completeLine: number | null;
  invokeTimeNs: number | null;
  completeTimeNs: number | null;
}

/** Where one key's search got furthest (see `KeyViolation` in linearizability.ts). */
export interface KeyViolationSummary {
  key: string | null;
  operations: number;
  /** How many operations could be linearized: the longest linearizable prefix. */
  linearizedCount: number;
  /** History indices of those operations, in linearization order. */
  linearizedIndices: number[];
  /** The last few of them, most recent last. */
  linearizedTail: OperationSummary[];
  lastGoodValues: RegisterValue[];
  blocking: OperationSummary;
  unplaceable: { operation: OperationSummary; reason: string }[];
}

/** The verdict on a register history. */
export interface RegisterFileReport extends HistoryFileReport {
  kind: 'register';
  /** Operations judged (reads that never returned and `fail`s that took no effect left out). */
  operations: number;
  /** Events read from the file. */
  events: number;
  keys: number;
  statesExplored: number;
  maxStates: number;
  failedCas: NonNullable<LinearizabilityOptions['failedCas']>;
  violations: KeyViolationSummary[];
  unknownKeys: (string | null)[];
}

