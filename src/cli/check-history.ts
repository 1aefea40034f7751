/**
 * `aurora-actors check-history FILE... [--model M] [--json] [--max-states N] [--failed-cas C]`:
 * judges recorded histories (docs/history-format.md). Register histories (read / write / cas, a
 * Jepsen text log or JSON lines) are judged by `linearizable`; transactional histories (f = txn)
 * go to the transactional checker's seam (src/check/history/txn.ts).
 *
 * Every file is read and parsed before any is judged, so bad input costs no search. Exit 0 when
 * every history passes, 1 when one is a violation or unknown (the search budget ran out: never
 * reported as passing), 2 on bad input. Not a run: no seed.
 */
import { readFileSync, statSync } from 'node:fs';
import type { TxnFileReport } from '../check/history/txn.js';
import { HistoryInputError, formatRegisterValue, historyModels, judgeHistory, parseHistory, REGISTER_MODELS, TXN_MODELS } from '../check/history/index.js';
import type { HistoryFileReport, LinearizabilityOptions, OperationSummary, ParsedHistory, RegisterFileReport } from '../check/history/index.js';
import { parse, UsageError } from './args.js';
import type { CliIo } from './args.js';

const FAILED_CAS = ['no-effect', 'compared-unequal'] as const;

/** Runs `check-history`; returns the exit code. */
export function checkHistoryCommand(argv: readonly string[], { out }: CliIo): number {
  const { values, positionals } = parse(
    argv,
    { model: { type: 'string' }, json: { type: 'boolean' }, 'max-states': { type: 'string' }, 'failed-cas': { type: 'string' } },
    Number.MAX_SAFE_INTEGER,
  );
  const model = parseModel(values.model as string | undefined);
  const maxStates = parseMaxStates(values['max-states'] as string | undefined);
  const failedCas = parseFailedCas(values['failed-cas'] as string | undefined);
  if (positionals.length === 0) throw new UsageError('check-history needs at least one history file (a Jepsen log or JSON lines; see docs/history-format.md)');
  const histories = positionals.map((file) => ({ file, history: readHistory(file) }));
  const reports = histories.map(({ file, history }) => judge(history, { file, model, maxStates, failedCas }));
  const ok = reports.every((report) => report.verdict === 'ok');
  out(values.json === true ? JSON.stringify({ files: reports, ok }, null, 2) + '\n' : reports.map(formatHistoryReport).join(''));
  return ok ? 0 : 1;
}

function parseModel(model: string | undefined): string | undefined {
  if (model === undefined || REGISTER_MODELS.includes(model) || TXN_MODELS.includes(model)) return model;
  throw new UsageError(`--model must be one of ${historyModels().join(', ')}; got "${model}"`);
}

function parseMaxStates(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const states = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(states) || states < 1) {
    throw new UsageError(`--max-states must be a positive integer (search states before the verdict is unknown), got "${text}"`);
  }
  return states;
}

function parseFailedCas(text: string | undefined): LinearizabilityOptions['failedCas'] {
  if (text === undefined || (FAILED_CAS as readonly string[]).includes(text)) return text as LinearizabilityOptions['failedCas'];
  throw new UsageError(`--failed-cas must be one of ${FAILED_CAS.join(', ')}, got "${text}"`);
}

/** Reads and parses one file; anything that is not a readable history is a usage error. */
function readHistory(file: string): ParsedHistory {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats === undefined) throw new UsageError(`${file}: no such file; give a history file (a Jepsen log or JSON lines)`);
  if (stats.isDirectory()) throw new UsageError(`${file} is a directory; give history files (e.g. ${file}/*.log)`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return parseHistory(text, file);
  } catch (error) {
    if (error instanceof HistoryInputError) throw new UsageError(error.message);
    throw error;
  }
}

function judge(history: ParsedHistory, options: Parameters<typeof judgeHistory>[1]): HistoryFileReport {
  try {
    return judgeHistory(history, options);
  } catch (error) {
    if (error instanceof HistoryInputError) throw new UsageError(error.message);
    throw error;
  }
}

/** A file's verdict for people: one line, then on a violation what could not be placed and why. */
export function formatHistoryReport(report: HistoryFileReport): string {
  const head = `${report.file}: ${report.verdict.toUpperCase()} (${report.model}, ${report.format}`;
  if (report.kind === 'txn') return formatTxnReport(report as TxnFileReport, head);
  if (report.kind !== 'register') return `${head})\n`;
  const register = report as RegisterFileReport;
  const lines = [`${head}, ${register.operations} operations, ${register.keys} ${register.keys === 1 ? 'key' : 'keys'}, ${register.statesExplored} states searched)`];
  for (const violation of register.violations) {
    const key = violation.key === null ? 'the register' : `key ${violation.key}`;
    const values = violation.lastGoodValues.map((value) => formatRegisterValue(value)).join(' or ');
    lines.push(`  ${key}: ${violation.linearizedCount} of ${violation.operations} operations linearize; in the last good configuration the register holds ${values}`);
    lines.push(`    blocked at the completion of ${describe(violation.blocking)}`);
    lines.push('    cannot be placed there:');
    for (const { operation, reason } of violation.unplaceable) lines.push(`      ${describe(operation)}: ${reason}`);
    if (violation.linearizedTail.length > 0) {
      lines.push(`    last linearized (of ${violation.linearizedCount}):`);
      for (const operation of violation.linearizedTail) lines.push(`      ${describe(operation)}`);
    }
  }
  if (register.unknownKeys.length > 0) {
    const keys = register.unknownKeys.map((key) => (key === null ? 'the register' : `key ${key}`)).join(', ');
    lines.push(`  unknown: the search budget of ${register.maxStates} states ran out on ${keys}; raise --max-states to decide`);
  }
  return lines.join('\n') + '\n';
}

/** `index 12, process 3, cas [1 2] ok, lines 14–17 (t 1000–2000 ns)`. */
function describe(op: OperationSummary): string {
  const lines = op.completeLine === null ? `line ${op.invokeLine}, never returned` : `lines ${op.invokeLine}–${op.completeLine}`;
  const times = op.invokeTimeNs === null ? '' : `, t ${op.invokeTimeNs}–${op.completeTimeNs ?? '∞'} ns`;
  const key = op.key === null ? '' : ` key ${op.key}`;
  return `index ${op.index}, process ${op.process},${key} ${op.f} ${formatRegisterValue(op.value)} ${op.outcome} (${lines}${times})`;
}

/** A transactional verdict for people: the transactions, anomalies per class, and a cycle of each forbidden class. */
function formatTxnReport(report: TxnFileReport, head: string): string {
  const { check } = report;
  const t = check.transactions;
  const lines = [`${head}, ${t.ok} committed, ${t.fail} failed, ${t.info} unknown (${t.infoObserved} seen by reads), ${t.replica} served by replicas)`];
  const classes = Object.entries(check.counts);
  if (classes.length === 0) lines.push('  no anomaly of any class');
  for (const [anomalyClass, count] of classes) {
    const forbidden = check.violations.includes(anomalyClass as (typeof check.violations)[number]);
    lines.push(`  ${anomalyClass}: ${count}${forbidden ? ` (forbidden by ${check.model})` : ` (allowed by ${check.model})`}`);
  }
  for (const anomalyClass of check.violations) {
    const example = check.anomalies.find((anomaly) => anomaly.class === anomalyClass);
    if (example === undefined) continue;
    lines.push(`  a ${anomalyClass} example:`);
    for (const step of example.cycle) {
      const ops = step.ops.map((op) => `${op[0]} ${op[1]} ${op[2] ?? 'nil'}`).join(', ');
      const key = step.edge.key === undefined ? '' : ` on ${step.edge.key}`;
      lines.push(`    txn ${step.txnId} (process ${step.process}: ${ops}) -${step.edge.kind}${key}-> txn ${step.edge.toTxnId}`);
    }
    for (const txn of example.txns ?? []) lines.push(`    txn ${txn.txnId} (process ${txn.process}: ${txn.ops.map((op) => `${op[0]} ${op[1]} ${op[2] ?? 'nil'}`).join(', ')})`);
  }
  if (check.truncated) lines.push('  the cycle search stopped at its budget: counts are lower bounds');
  return lines.join('\n') + '\n';
}
