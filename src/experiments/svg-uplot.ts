/**
 * uPlot in Node, for the SVG figures (`svg.ts`). uPlot (the charting library of the HTML report,
 * `src/cli/html-report.ts`) is a browser library: it reads `window`, `document`, `navigator`,
 * `devicePixelRatio`, `matchMedia`, `CustomEvent`, `Path2D` and `queueMicrotask` as free names when
 * its bundle is evaluated, and draws on a canvas's 2D context.
 *
 * So each drawing evaluates the bundle (`uplot/dist/uPlot.iife.js`, the same release the HTML report
 * inlines) as a function whose parameters bear those names, bound to a DOM of its own (happy-dom's
 * `Window`, made for this one chart) and to our stand-ins: `SvgPath2D` for `Path2D`, the recording
 * context for the canvas's context, and a task list for `queueMicrotask`. No browser global is read
 * and no global is written, so nothing needs restoring and two drawings cannot see each other; running the queued
 * tasks before returning makes the drawing synchronous (uPlot commits a redraw in a microtask).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Window } from 'happy-dom';
import type uPlot from 'uplot';
import type { SvgCanvasContext } from './svg-context.js';
import { SvgPath2D } from './svg-path.js';

/** The browser names uPlot's bundle reads, in the order the factory takes them. */
const BROWSER_NAMES = ['window', 'document', 'navigator', 'devicePixelRatio', 'matchMedia', 'CustomEvent', 'Path2D', 'queueMicrotask', 'HTMLElement'] as const;

/** A chart as far as we use it once drawn. */
interface DrawnChart {
  destroy(): void;
}

type UPlotConstructor = new (options: uPlot.Options, data: uPlot.AlignedData, target: unknown) => DrawnChart;
type UPlotFactory = (...browser: unknown[]) => UPlotConstructor;

let compiled: UPlotFactory | undefined;

/** uPlot's bundle as a function of the browser names; compiled once per process, evaluated per chart. */
function uPlotFactory(): UPlotFactory {
  if (compiled === undefined) {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('uplot/dist/uPlot.iife.js'), 'utf8');
    // The bundle is `var uPlot = (function () { … })();`: returning the variable hands the class over.
    compiled = new Function(...BROWSER_NAMES, `${source}\nreturn uPlot;`) as UPlotFactory;
  }
  return compiled;
}

/**
 * Draws one chart with uPlot onto `context` and returns when it is drawn. `devicePixelRatio` is 1
 * (uPlot 1.6 reads its pixel ratio from it), so the context's pixels are the SVG's.
 */
export function drawWithUPlot(options: uPlot.Options, data: uPlot.AlignedData, context: SvgCanvasContext): void {
  const window = new Window({ width: options.width, height: options.height });
  const document = window.document;
  const createElement = document.createElement.bind(document);
  // uPlot makes one canvas and draws on its 2D context: that context is the recording one.
  Object.defineProperty(document, 'createElement', {
    configurable: true,
    value: (tagName: string, elementOptions?: { is?: string }) => {
      const element = createElement(tagName, elementOptions);
      if (tagName.toLowerCase() === 'canvas') Object.defineProperty(element, 'getContext', { value: () => context });
      return element;
    },
  });
  const tasks: (() => void)[] = [];
  const UPlot = uPlotFactory()(
    window,
    document,
    // Tick labels are formatted with Intl in the navigator's language: fixed, so a figure does not
    // depend on where it is drawn.
    { language: 'en-US' },
    1,
    (query: string) => window.matchMedia(query),
    window.CustomEvent,
    SvgPath2D,
    (task: () => void) => tasks.push(task),
    window.HTMLElement,
  );
  try {
    const chart = new UPlot(options, data, document.body);
    for (let task = tasks.shift(); task !== undefined; task = tasks.shift()) task();
    chart.destroy();
  } finally {
    // Without closing, happy-dom keeps every window reachable (about 0.3 MB a chart). Closing ends
    // on a later tick; the chart is drawn by then, so a failure there has nothing left to spoil.
    window.happyDOM.close().catch(() => undefined);
  }
}
