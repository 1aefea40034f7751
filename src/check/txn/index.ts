/**
 * Transactional history checking (docs/semantics.md, "Isolation"): Jepsen-format histories of
 * read/write transactions judged against a consistency model by their dependency graph. Imports
 * nothing outside this folder. Named exports only.
 */
export type { AnomalyClass, AnomalyStep, AnomalyTxn, TxnAnomaly, TxnCheckOptions, TxnModel, TxnVerdict } from './check.js';
export { FORBIDDEN_BY_MODEL, TXN_MODELS, checkTxnHistory } from './check.js';
export type { MicroOp, RawMicroOp, TxnHistoryEntry } from './history.js';
export { TxnHistoryError, entryProblem, normaliseMicroOp, parseTxnHistoryLines, timeNsOf } from './history.js';
