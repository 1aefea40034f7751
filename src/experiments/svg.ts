/**
 * An experiment's figure as a standalone SVG document, drawn by uPlot, the charting library of the
 * HTML report: uPlot runs in a DOM of its own (`svg-uplot.ts`) and draws on a canvas context that
 * records SVG (`svg-context.ts`). The title and the legend, which uPlot writes as HTML around its
 * canvas, are written here as SVG text, in the same colours.
 *
 * The document is deterministic (the same figure gives the same bytes: no dates, ids counted from
 * the figure's name) and self-contained (no script, no stylesheet, no external reference), so it
 * reads offline. Lines join across missing values (`null`): a figure's series share one x axis, and
 * a series has no value where only another was measured or published.
 */
import type uPlot from 'uplot';
import { SvgCanvasContext, attributes, escapeXml } from './svg-context.js';
import { fmt } from './svg-path.js';
import { textWidthPx } from './svg-style.js';
import { drawWithUPlot } from './svg-uplot.js';
import type { ExperimentFigure, FigureSeries } from './types.js';

/** The size of the SVG document. */
export interface FigureSvgOptions {
  /** The document's width in pixels, 200 to 10,000. @defaultValue 800 */
  width?: number;
  /** The document's height in pixels (title, plot and legend), 200 to 10,000. @defaultValue 450 */
  height?: number;
}

/** The HTML report's palette (src/cli/html-report.ts), so a series looks the same in both. */
const PALETTE = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#57606a', '#d63384', '#6e7781'];
/** uPlot's font family (its default `font`), for the title and legend too. */
const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
const AXIS_FONT = `12px ${FONT_FAMILY}`;
const LABEL_FONT = `bold 12px ${FONT_FAMILY}`;
const TITLE_PX = 16;
const TITLE_BAND_PX = 32;
const LEGEND_PX = 12;
const LEGEND_ROW_PX = 20;
const LEGEND_MARKER_PX = 22;
const LEGEND_LABEL_GAP_PX = 6;
const LEGEND_ENTRY_GAP_PX = 18;
const MARGIN_PX = 16;
const PLOT_MIN_PX = 120;
const LINE_WIDTH_PX = 2;
const POINT_SIZE_PX = 7;

/** uPlot's number format for tick labels (`fmtNum`: Intl in the navigator's language, en-US here). */
const TICK_FORMAT = new Intl.NumberFormat('en-US');

/** The decimals a number needs: 2.5e-10 needs 11, 0.001 needs 3, 120 needs none. */
function decimalsOf(value: number): number {
  const [mantissa = '', exponent = '0'] = Math.abs(Number(value.toPrecision(6))).toExponential().split('e');
  return Math.max(0, (mantissa.split('.')[1] ?? '').length - Number(exponent));
}

/**
 * A tick label in uPlot's own format, which keeps 3 decimals at most, unless the ticks are finer
 * (`step` is the increment on a linear axis, the value itself on a log axis): then with the
 * decimals they need, instead of all reading "0".
 */
function tickLabel(value: number, step: number): string {
  const decimals = step > 0 && Number.isFinite(step) ? decimalsOf(step) : 0;
  if (decimals <= 3) return TICK_FORMAT.format(value);
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: Math.min(20, decimals) }).format(value);
}

/** The width of a linear axis's label for `value`, in pixels, in the axis font. */
function labelWidthPx(value: number): number {
  return textWidthPx(TICK_FORMAT.format(value), 12, false);
}

/** Tick increments for an x axis of whole numbers (steps, counts): 1, 2, 5, 10, 20, 50, …. */
const WHOLE_INCREMENTS = Array.from({ length: 16 }, (_, power) => [1, 2, 5].map((digit) => digit * 10 ** power)).flat();

/** The colour of the i-th series. */
function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#000';
}

/** A size option: an integer number of pixels in range, or the default. */
function sizeOption(name: 'width' | 'height', value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 200 || value > 10_000) throw new RangeError(`options.${name} must be an integer from 200 to 10000 (pixels), got ${String(value)}`);
  return value;
}

/** The first thing wrong with a figure, in words naming the field; null when it can be drawn. */
export function findFigureProblem(figure: ExperimentFigure): string | null {
  const { x, series } = figure;
  for (const field of ['name', 'title', 'xLabel', 'yLabel'] as const) {
    if (typeof figure[field] !== 'string') return `${field} must be a string`;
  }
  if (!Array.isArray(x)) return 'x must be an array of numbers';
  for (let i = 0; i < x.length; i += 1) {
    const value = x[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) return `x[${i}] must be a finite number, got ${String(value)}`;
    if (figure.logX === true && value <= 0) return `x[${i}] is ${value}, but a logarithmic x axis (logX) needs every x above 0`;
    if (i > 0 && value < (x[i - 1] ?? value)) return `x[${i}] is ${value}, below x[${i - 1}]; x must be in ascending order`;
  }
  if (!Array.isArray(series) || series.length === 0) return 'series must list at least one series';
  for (let s = 0; s < series.length; s += 1) {
    const { label, values } = series[s] as FigureSeries;
    if (typeof label !== 'string') return `series[${s}].label must be a string`;
    if (!Array.isArray(values) || values.length !== x.length) return `series[${s}] ("${label}") has ${Array.isArray(values) ? values.length : 'no'} values for ${x.length} x values; give one value (or null) per x`;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i];
      if (value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `series[${s}] ("${label}").values[${i}] must be a finite number or null, got ${String(value)}`;
      if (figure.logY === true && value <= 0) return `series[${s}] ("${label}").values[${i}] is ${value}, but a logarithmic y axis (logY) needs every value above 0 (or null)`;
    }
  }
  return null;
}

/** Legend entries placed in rows that fit the width: each entry's x and row. */
function layoutLegend(series: FigureSeries[], width: number): { x: number; row: number }[] {
  const entries = series.map((entry) => LEGEND_MARKER_PX + LEGEND_LABEL_GAP_PX + textWidthPx(entry.label, LEGEND_PX, false));
  const rows: number[][] = [[]];
  let used = 0;
  entries.forEach((entryPx, index) => {
    const row = rows[rows.length - 1] as number[];
    if (row.length > 0 && used + LEGEND_ENTRY_GAP_PX + entryPx > width - 2 * MARGIN_PX) {
      rows.push([index]);
      used = entryPx;
    } else {
      used += (row.length > 0 ? LEGEND_ENTRY_GAP_PX : 0) + entryPx;
      row.push(index);
    }
  });
  return rows.flatMap((row, rowIndex) => {
    const rowPx = row.reduce((sum, index) => sum + (entries[index] ?? 0), 0) + LEGEND_ENTRY_GAP_PX * (row.length - 1);
    let x = Math.max(MARGIN_PX, (width - rowPx) / 2);
    return row.map((index) => {
      const place = { x, row: rowIndex };
      x += (entries[index] ?? 0) + LEGEND_ENTRY_GAP_PX;
      return place;
    });
  });
}

/** The legend as SVG: a line (or a point, for points-only series) in the series' colour, then its label. */
function legendSvg(series: FigureSeries[], places: { x: number; row: number }[], top: number): string[] {
  return series.flatMap((entry, index) => {
    const place = places[index] ?? { x: MARGIN_PX, row: 0 };
    const color = colorOf(index);
    const middle = top + place.row * LEGEND_ROW_PX + LEGEND_ROW_PX / 2;
    const marker = entry.pointsOnly === true
      ? `<circle${attributes([['cx', place.x + LEGEND_MARKER_PX / 2], ['cy', middle], ['r', POINT_SIZE_PX / 2], ['fill', color]])}/>`
      : `<path${attributes([['d', `M${fmt(place.x)} ${fmt(middle)}h${LEGEND_MARKER_PX}`], ['stroke', color], ['stroke-width', LINE_WIDTH_PX]])}/>`;
    const label = `<text${attributes([['x', place.x + LEGEND_MARKER_PX + LEGEND_LABEL_GAP_PX], ['y', middle], ['dominant-baseline', 'central']])}>${escapeXml(entry.label)}</text>`;
    return [marker, label];
  });
}

/** uPlot's options for a figure: our palette, log scales by `distr: 3`, points-only series without paths. */
function uPlotOptions(figure: ExperimentFigure, width: number, height: number, context: SvgCanvasContext): uPlot.Options {
  const groupOf = (index: number) => {
    const entry = figure.series[index - 1];
    return entry === undefined ? '' : attributes([['class', 'series'], ['data-series', String(index)], ['data-label', entry.label]]);
  };
  // On log axes uPlot's filter has already blanked (null) the labels that do not fit, keeping the
  // powers of ten; the labels left are formatted here.
  const valuesOf = (log: boolean): uPlot.Axis.DynamicValues => (_chart, splits, _axis, _space, incr) =>
    splits.map((value) => (value === null ? '' : tickLabel(value, log ? value : incr)));
  // The last x label is centred on the plot's right edge: leave room for its half (uPlot leaves 25 px).
  const xLast = figure.x[figure.x.length - 1] ?? 0;
  const xEnd = figure.logX === true ? 10 ** Math.ceil(Math.log10(xLast)) : xLast;
  return {
    width,
    height,
    padding: [null, Math.max(25, Math.ceil(labelWidthPx(xEnd) / 2) + 6), null, null],
    cursor: { show: false },
    legend: { show: false },
    scales: {
      x: { time: false, ...(figure.logX === true ? { distr: 3, log: 10 } : {}) },
      y: figure.logY === true ? { distr: 3, log: 10 } : {},
    },
    axes: [
      {
        label: figure.xLabel,
        font: AXIS_FONT,
        labelFont: LABEL_FONT,
        // Ticks at least as far apart as the widest label is long (uPlot's default is 50 px), so
        // labels such as 1,000,000 do not run into each other.
        space: (_chart, _axis, min, max) => Math.max(50, Math.ceil(Math.max(labelWidthPx(min), labelWidthPx(max))) + 14),
        values: valuesOf(figure.logX === true),
        // An x of whole numbers gets whole ticks: no 1.2, 1.4, … between steps 1 and 2.
        ...(figure.logX !== true && figure.x.every(Number.isInteger) ? { incrs: WHOLE_INCREMENTS } : {}),
      },
      {
        label: figure.yLabel,
        font: AXIS_FONT,
        labelFont: LABEL_FONT,
        values: valuesOf(figure.logY === true),
        // Wide enough for the longest tick label (uPlot's default is a fixed 50 px).
        size: (_chart, values) => {
          context.save();
          context.font = AXIS_FONT;
          const widest = Math.max(0, ...(values ?? []).map((value) => context.measureText(String(value)).width));
          context.restore();
          return Math.ceil(Math.max(50, widest + 10 + 5 + 8));
        },
      },
    ],
    series: [
      { label: figure.xLabel },
      ...figure.series.map((entry, index): uPlot.Series => {
        const color = colorOf(index);
        if (entry.pointsOnly === true) {
          return { label: entry.label, stroke: color, paths: () => null, points: { show: true, size: POINT_SIZE_PX, width: 1, stroke: color, fill: color } };
        }
        const known = entry.values.filter((value) => value !== null).length;
        // A line of one value has nothing to join: show its point instead.
        return { label: entry.label, stroke: color, width: LINE_WIDTH_PX, spanGaps: true, points: { show: known === 1, size: POINT_SIZE_PX, fill: color } };
      }),
    ],
    hooks: {
      // Group each series' drawing, so a reader (or a test) can tell the series apart.
      drawAxes: [() => context.setGroup(groupOf(1))],
      drawSeries: [(_chart, index) => context.setGroup(groupOf(index + 1))],
    },
  };
}

/**
 * Draws a figure as a standalone SVG document with uPlot. Throws a `RangeError` naming the field
 * when the figure or the options cannot be drawn (see {@link findFigureProblem}).
 */
export function renderFigureSvg(figure: ExperimentFigure, options: FigureSvgOptions = {}): string {
  const width = sizeOption('width', options.width, 800);
  const height = sizeOption('height', options.height, 450);
  const problem = findFigureProblem(figure);
  if (problem !== null) throw new RangeError(`figure "${String(figure.name)}": ${problem}`);
  const places = layoutLegend(figure.series, width);
  const legendRows = Math.max(...places.map((place) => place.row)) + 1;
  const plotHeight = height - TITLE_BAND_PX - legendRows * LEGEND_ROW_PX - 8;
  if (plotHeight < PLOT_MIN_PX) {
    throw new RangeError(`options.height ${height} leaves ${plotHeight} px for the plot of "${figure.name}" under its title and ${legendRows} legend rows; allowed: at least ${height - plotHeight + PLOT_MIN_PX}`);
  }
  const idPrefix = `${figure.name.replace(/[^A-Za-z0-9_-]/g, '_')}-`;
  const context = new SvgCanvasContext({ width, height: plotHeight, idPrefix, fontFamily: FONT_FAMILY });
  drawWithUPlot(uPlotOptions(figure, width, plotHeight, context), [figure.x, ...figure.series.map((entry) => entry.values)], context);
  const clips = context.clipDefinitions();
  return [
    `<svg${attributes([['xmlns', 'http://www.w3.org/2000/svg'], ['width', width], ['height', height], ['viewBox', `0 0 ${width} ${height}`], ['font-family', FONT_FAMILY]])}>`,
    `<title>${escapeXml(figure.title)}</title>`,
    ...(clips.length > 0 ? ['<defs>', ...clips, '</defs>'] : []),
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text${attributes([['class', 'title'], ['x', width / 2], ['y', TITLE_BAND_PX / 2 + 2], ['font-size', TITLE_PX], ['font-weight', 'bold'], ['text-anchor', 'middle'], ['dominant-baseline', 'central']])}>${escapeXml(figure.title)}</text>`,
    `<g class="plot" transform="translate(0 ${TITLE_BAND_PX})">`,
    ...context.body(),
    '</g>',
    `<g class="legend" font-size="${LEGEND_PX}">`,
    ...legendSvg(figure.series, places, TITLE_BAND_PX + plotHeight + 4),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}
