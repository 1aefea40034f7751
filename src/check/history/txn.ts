/**
 * The seam where transactional histories (f = txn, docs/history-format.md) meet their checker.
 *
 * `check-history` recognises a transactional history and hands it here, whole, with the model
 * asked for. The transactional checker (dependency graphs, serializability) lives in
 * `src/check/txn/`; until it is wired in, this function refuses the file as bad input, naming the
 * models that will judge it, so the command exits 2 rather than calling a history good.
 */
import type { HistoryFileReport, JudgeOptions } from './report.js';
import { HistoryInputError } from './operation.js';
import type { TxnHistory } from './parse.js';

/** The models that judge transactional histories (`--model`). */
export const TXN_MODELS: readonly string[] = ['strict-serializable', 'serializable'];

/** The model a transactional history is judged by when `--model` is not given. */
export const TXN_MODEL_DEFAULT = 'strict-serializable';

/** Judges a transactional history under `options.model` (default {@link TXN_MODEL_DEFAULT}). */
export function judgeTxnHistory(history: TxnHistory, options: JudgeOptions): HistoryFileReport {
  const model = options.model ?? TXN_MODEL_DEFAULT;
  throw new HistoryInputError(
    options.file,
    0,
    `transactional histories (f = "txn", ${history.entries.length} entries) are judged by --model ${TXN_MODELS.join(' or --model ')}, which this build does not include yet (asked for: ${model}); check-history judges register histories (read / write / cas) with --model linearizable`,
  );
}
