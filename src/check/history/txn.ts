/**
 * Where transactional histories (f = txn, docs/history-format.md) meet their checker: the
 * dependency-graph check of `src/check/txn/` (docs/semantics.md, "Isolation").
 *
 * `check-history` recognises a transactional history and hands it here, whole, with the model
 * asked for. An entry the checker cannot read is bad input (exit 2), named by file and line.
 */
import { checkTxnHistory, entryProblem, TXN_MODELS as CHECKED_TXN_MODELS } from '../txn/index.js';
import type { TxnHistoryEntry, TxnModel, TxnVerdict } from '../txn/index.js';
import { HistoryInputError } from './operation.js';
import type { TxnHistory } from './parse.js';
import type { HistoryFileReport, JudgeOptions } from './report.js';

/** The models that judge transactional histories (`--model`). */
export const TXN_MODELS: readonly string[] = CHECKED_TXN_MODELS;

/** The model a transactional history is judged by when `--model` is not given. */
export const TXN_MODEL_DEFAULT: TxnModel = 'strict-serializable';

/** The verdict on a transactional history: the checker's verdict, with the file's. */
export interface TxnFileReport extends HistoryFileReport {
  kind: 'txn';
  /** Entries read from the file. */
  events: number;
  check: TxnVerdict;
}

/** Judges a transactional history under `options.model` (default {@link TXN_MODEL_DEFAULT}). */
export function judgeTxnHistory(history: TxnHistory, options: JudgeOptions): TxnFileReport {
  const model = (options.model ?? TXN_MODEL_DEFAULT) as TxnModel;
  if (!TXN_MODELS.includes(model)) {
    throw new HistoryInputError(options.file, 0, `--model ${model} judges register histories; a transactional history (f = "txn") takes --model ${TXN_MODELS.join(', ')}`);
  }
  history.entries.forEach((entry, i) => {
    const problem = entryProblem(entry);
    if (problem !== undefined) throw new HistoryInputError(options.file, history.lines[i] ?? 0, problem);
  });
  const check = checkTxnHistory(history.entries as unknown as TxnHistoryEntry[], { model });
  return { file: options.file, format: history.format, kind: 'txn', model, verdict: check.ok ? 'ok' : 'violation', events: history.entries.length, check };
}
