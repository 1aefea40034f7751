/**
 * `aurora-actors export-machines --out DIR [--json]`: every statechart a cluster runs, as an xstate
 * machine config (`DIR/<name>.json`, which `createMachine` takes back) and a Mermaid state diagram
 * (`DIR/<name>.mmd`); docs/statecharts.md says what each file holds and why the JSON is a config
 * rather than xstate's `toJSON()` as it stands.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_STATECHARTS, statechartConfig, statechartMermaid, stateIdsOf, transitionCountOf } from '../cluster/statecharts.js';
import type { CliIo } from './args.js';
import { parse, UsageError } from './args.js';

/** One machine of the `--json` summary. */
export interface ExportedMachine {
  readonly name: string;
  /** The machine's id (the root of its state ids). */
  readonly id: string;
  readonly description: string;
  /** State nodes below the root. */
  readonly states: number;
  /** Transitions: `on`, `after` and `always`, of every state and the root. */
  readonly transitions: number;
  readonly files: readonly string[];
}

/** The `--json` summary. */
export interface ExportSummary {
  readonly out: string;
  readonly machines: readonly ExportedMachine[];
  readonly totals: { readonly machines: number; readonly states: number; readonly transitions: number; readonly files: number };
}

/** Writes the files; returns the summary. Throws a usage error for an `--out` that cannot hold them. */
export function exportMachines(out: string): ExportSummary {
  const stats = statSync(out, { throwIfNoEntry: false });
  if (stats !== undefined && !stats.isDirectory()) throw new UsageError(`--out ${out} is a file; give a directory (it is created if missing)`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out ${out}: cannot create the directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const machines = CLUSTER_STATECHARTS.map((chart): ExportedMachine => {
    const files = [join(out, `${chart.name}.json`), join(out, `${chart.name}.mmd`)];
    try {
      writeFileSync(files[0] as string, JSON.stringify(statechartConfig(chart.machine), null, 2) + '\n');
      writeFileSync(files[1] as string, statechartMermaid(chart.machine));
    } catch (error) {
      throw new UsageError(`--out ${out}: cannot write ${chart.name}'s files (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return {
      name: chart.name,
      id: chart.machine.id,
      description: chart.description,
      states: stateIdsOf(chart.machine).length - 1,
      transitions: transitionCountOf(chart.machine),
      files,
    };
  });
  const sum = (pick: (machine: ExportedMachine) => number): number => machines.reduce((total, machine) => total + pick(machine), 0);
  return {
    out,
    machines,
    totals: { machines: machines.length, states: sum((m) => m.states), transitions: sum((m) => m.transitions), files: sum((m) => m.files.length) },
  };
}

/** The command: see the file header. */
export function exportMachinesCommand(argv: readonly string[], { out, err }: CliIo): number {
  const { values } = parse(argv, { out: { type: 'string' }, json: { type: 'boolean' } });
  const dir = values.out as string | undefined;
  if (dir === undefined || dir === '') throw new UsageError('export-machines needs --out DIR: the directory to write <machine>.json and <machine>.mmd into');
  const summary = exportMachines(dir);
  if (values.json === true) {
    out(JSON.stringify(summary, null, 2) + '\n');
  } else {
    const width = Math.max(...summary.machines.map((machine) => machine.name.length));
    for (const machine of summary.machines) {
      out(`${machine.name.padEnd(width)}  ${String(machine.states).padStart(3)} state${machine.states === 1 ? ' ' : 's'}  ${String(machine.transitions).padStart(3)} transition${machine.transitions === 1 ? ' ' : 's'}  ${machine.description}\n`);
    }
  }
  err(`wrote ${summary.totals.files} files (${summary.totals.machines} machines) to ${dir}\n`);
  return 0;
}
