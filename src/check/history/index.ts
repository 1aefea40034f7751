/**
 * History checking (docs/history-format.md): parse a history file, judge it under a model.
 * Imports nothing outside this folder. Named exports only, grouped by file.
 */

// --- operation.ts: register operations and the input error -----------------------------------
export type { OperationType, RegisterF, RegisterOperation, RegisterValue } from './operation.js';
export { HistoryInputError, OPERATION_TYPES, REGISTER_FS, formatRegisterValue } from './operation.js';

// --- parse.ts: formats told apart by content -------------------------------------------------
export type { ParsedHistory, RegisterHistory, TxnHistory } from './parse.js';
export { parseHistory } from './parse.js';

// --- linearizability.ts: Wing–Gong–Lowe search over register histories -----------------------
export type { KeyViolation, LinearizabilityOptions, LinearizabilityResult, Unplaceable } from './linearizability.js';
export { MAX_STATES_DEFAULT, checkLinearizability } from './linearizability.js';

// --- report.ts + judge.ts + txn.ts: a file's verdict under a model ------------------------------------------
export type { HistoryFileReport, JudgeOptions, KeyViolationSummary, OperationSummary, RegisterFileReport } from './report.js';
export { REGISTER_MODELS, historyModels, judgeHistory, judgeRegisterHistory } from './judge.js';
export { TXN_MODELS, TXN_MODEL_DEFAULT, judgeTxnHistory } from './txn.js';
