/**
 * One benchmark figure and the report `aurora-actors bench --json` prints.
 */

/** One measured figure. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** What `bench --json` prints. */
export interface BenchReport {
  node: string;
  figures: BenchFigure[];
}
