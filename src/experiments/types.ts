/**
 * What an experiment gives (docs/experiments.md): tables that put our figures beside the published
 * ones, the figures drawn from the same numbers, and a sentence on each difference.
 */

/** A table: a caption, column headings and rows of cells, each a number or words. */
export interface ExperimentTable {
  caption: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** One line of a figure: a value per x (null where it has none). */
export interface FigureSeries {
  label: string;
  values: (number | null)[];
  /** Drawn as points only, not joined (e.g. published figures beside a measured curve). @defaultValue false */
  pointsOnly?: boolean;
}

/**
 * A figure: lines over a shared x axis. A published figure drawn beside ours is a series of its
 * own, so a reader sees both.
 */
export interface ExperimentFigure {
  /** A file-safe name, unique within the experiment: the SVG is `<experiment>-<name>.svg`. */
  name: string;
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: FigureSeries[];
  /** Logarithmic axes, for figures that span decades. @defaultValue false */
  logX?: boolean;
  logY?: boolean;
}

/** An experiment's result. */
export interface ExperimentResult {
  name: string;
  title: string;
  /** Where the published figures come from, e.g. "SIGMOD'17 Table 4". */
  sources: string[];
  /** The seed of the first run; runs over several seeds use seed, seed + 1, …. */
  seed: number;
  /** How many seeds each measured cell used. */
  seeds: number;
  tables: ExperimentTable[];
  figures: ExperimentFigure[];
  /** Sentences on where ours differs from the published figure, and why. */
  notes: string[];
}

/** Options every experiment takes. */
export interface ExperimentOptions {
  seed: number;
  /** Fewer seeds and shorter runs, for tests; the tables keep their shape. @defaultValue false */
  quick?: boolean;
}

/** An experiment: a name, a title, and how to run it. */
export interface Experiment {
  name: string;
  title: string;
  run(options: ExperimentOptions): ExperimentResult;
}
