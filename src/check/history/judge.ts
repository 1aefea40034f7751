/**
 * One history file's verdict under a model: what `check-history` prints (docs/history-format.md,
 * "Verdicts"). Register histories are judged by `linearizable` (linearizability.ts);
 * transactional histories go to the transactional checker through `txn.ts`.
 */
import { checkLinearizability } from './linearizability.js';
import type { Unplaceable } from './linearizability.js';
import { HistoryInputError } from './operation.js';
import type { RegisterOperation } from './operation.js';
import type { ParsedHistory, RegisterHistory } from './parse.js';
import type { HistoryFileReport, JudgeOptions, OperationSummary, RegisterFileReport } from './report.js';
import { judgeTxnHistory, TXN_MODELS } from './txn.js';

/** The models that judge register histories (`--model`); the first is the default. */
export const REGISTER_MODELS: readonly string[] = ['linearizable'];

/** Every model `check-history` knows, for the error that names them. */
export function historyModels(): string[] {
  return [...REGISTER_MODELS.map((model) => `${model} (register histories)`), ...TXN_MODELS.map((model) => `${model} (transactional histories)`)];
}

/** Operations of the linearized prefix each violation report lists in full. */
const LINEARIZED_TAIL = 5;

/** Judges a parsed history under `options.model`. */
export function judgeHistory(history: ParsedHistory, options: JudgeOptions): HistoryFileReport {
  if (history.kind === 'txn') return judgeTxnHistory(history, options);
  return judgeRegisterHistory(history, options);
}

/** Judges a register history: `linearizable` is its one model. */
export function judgeRegisterHistory(history: RegisterHistory, options: JudgeOptions): RegisterFileReport {
  const model = options.model ?? (REGISTER_MODELS[0] as string);
  if (!REGISTER_MODELS.includes(model)) {
    throw new HistoryInputError(options.file, 0, `--model ${model} does not judge register histories (read / write / cas); their model is ${REGISTER_MODELS.join(', ')}`);
  }
  const failedCas = options.failedCas ?? 'no-effect';
  const result = checkLinearizability(history.operations, { maxStates: options.maxStates, failedCas });
  return {
    file: options.file,
    format: history.format,
    kind: 'register',
    model,
    verdict: result.verdict,
    operations: result.operations,
    events: history.events,
    keys: result.keys,
    statesExplored: result.statesExplored,
    maxStates: result.maxStates,
    failedCas,
    violations: result.violations.map((violation) => ({
      key: violation.key,
      operations: violation.operations,
      linearizedCount: violation.linearizedCount,
      linearizedIndices: violation.linearized.map((op) => op.index),
      linearizedTail: violation.linearized.slice(-LINEARIZED_TAIL).map(summarize),
      lastGoodValues: violation.lastGoodValues,
      blocking: summarize(violation.blocking),
      unplaceable: violation.unplaceable.map(({ operation, reason }: Unplaceable) => ({ operation: summarize(operation), reason })),
    })),
    unknownKeys: result.unknownKeys,
  };
}

function summarize(op: RegisterOperation): OperationSummary {
  const { index, process, key, f, value, outcome, invokeLine, completeLine, invokeTimeNs, completeTimeNs } = op;
  return { index, process, key, f, value, outcome, invokeLine, completeLine, invokeTimeNs, completeTimeNs };
}
