/**
 * Experiment figures as SVG (src/experiments/svg.ts): the document is well-formed XML, each series
 * is drawn by uPlot as one path with a vertex per known value (or a point per value), the title and
 * axis labels are text, log axes put their tick labels at powers of ten, the same figure gives the
 * same bytes, and drawing touches no global. Bad input gets one error naming the field.
 */
import { Window } from 'happy-dom';
import { afterAll, describe, expect, it } from 'vitest';
import { renderFigureSvg } from '../../src/experiments/svg.js';
import type { ExperimentFigure } from '../../src/experiments/types.js';

/**
 * Fails unless `xml` is well-formed in the ways our writer could get wrong: tags nest and close,
 * attributes are `name="value"`, once each, separated by space, and `&` and `<` appear only as
 * references or markup. (happy-dom's DOMParser forgives most of these, so it cannot be the check.)
 */
function assertWellFormed(xml: string): void {
  const token = /<\/([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)((?:\s+[A-Za-z][\w:-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  const open: string[] = [];
  const checkText = (text: string) => {
    const bad = text.replace(/&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, '');
    if (bad.includes('&')) throw new Error(`a bare & in ${JSON.stringify(text.slice(0, 60))}`);
  };
  for (const match of xml.matchAll(token)) {
    const [whole, closing, name, attrs, selfClosing, text, stray] = match;
    if (stray !== undefined) throw new Error(`a stray < at ${match.index}: ${JSON.stringify(xml.slice(match.index, match.index + 60))}`);
    if (text !== undefined) {
      if (open.length === 0 && text.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(text.slice(0, 60))}`);
      checkText(text);
    } else if (closing !== undefined) {
      if (open.pop() !== closing) throw new Error(`</${closing}> closes nothing open at ${match.index}`);
    } else {
      const names = [...(attrs ?? '').matchAll(/([A-Za-z][\w:-]*)="([^"]*)"/g)].map((pair) => {
        checkText(pair[2] ?? '');
        return pair[1];
      });
      if (new Set(names).size !== names.length) throw new Error(`an attribute repeats in ${whole.slice(0, 80)}`);
      if (selfClosing !== '/') open.push(name ?? '');
      else if (open.length === 0) throw new Error('the root closes itself');
    }
  }
  if (open.length > 0) throw new Error(`unclosed: ${open.join(' > ')}`);
}

const window = new Window();
afterAll(() => window.happyDOM.close());

/** The SVG as a DOM to query, once it has passed the strict check. */
function parse(svg: string) {
  assertWellFormed(svg);
  return new window.DOMParser().parseFromString(svg, 'image/svg+xml');
}

/** The vertices of a path's `d`: one per M or L command. */
function vertices(d: string): [number, number][] {
  return [...d.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)].map((match) => [Number(match[1]), Number(match[2])]);
}

const LAG: ExperimentFigure = {
  name: 'lag-by-rate',
  title: 'Replica lag by write rate & <load>',
  xLabel: 'writes/s',
  yLabel: 'lag (ms)',
  x: [1000, 2000, 5000, 10000, 20000],
  series: [
    { label: 'ours p50', values: [1.08, 1.12, 1.23, 1.35, 1.6] },
    { label: 'ours p99', values: [1.84, null, 1.99, 2.15, null] },
    { label: "SIGMOD'17 Table 4", values: [2.62, 3.42, 3.94, 5.38, null], pointsOnly: true },
  ],
};

describe('Experiments: figures as SVG drawn by uPlot', () => {
  it('writes one well-formed SVG document of the size asked for, white behind', () => {
    const svg = renderFigureSvg(LAG, { width: 640, height: 360 });
    expect(svg.startsWith('<svg')).toBe(true);
    const root = parse(svg).documentElement;
    expect(root.tagName.toLowerCase()).toBe('svg');
    expect([root.getAttribute('width'), root.getAttribute('height'), root.getAttribute('viewBox')]).toEqual(['640', '360', '0 0 640 360']);
    expect(svg).not.toMatch(/<script|<style|href=/);
  });

  it('draws each line series as one path with a vertex per known value, left to right, higher values higher up', () => {
    const doc = parse(renderFigureSvg(LAG));
    const groups = [...doc.querySelectorAll('g.series')];
    expect(groups.map((group) => group.getAttribute('data-label'))).toEqual(LAG.series.map((entry) => entry.label));
    LAG.series.forEach((entry, index) => {
      const known = entry.values.filter((value) => value !== null).length;
      const lines = [...(groups[index]?.querySelectorAll('path[fill="none"]') ?? [])].filter((path) => !(path.getAttribute('d') ?? '').includes('A'));
      if (entry.pointsOnly === true) {
        expect(lines).toHaveLength(0);
        return;
      }
      expect(lines).toHaveLength(1);
      const points = vertices(lines[0]?.getAttribute('d') ?? '');
      expect(points).toHaveLength(known);
      const xs = points.map(([x]) => x);
      expect([...xs].sort((a, b) => a - b)).toEqual(xs);
      // Pixel y grows downwards: a larger value sits higher, i.e. at a smaller y.
      const ys = points.map(([, y]) => y);
      expect([...ys].sort((a, b) => b - a)).toEqual(ys);
    });
  });

  it('draws a points-only series as a point per known value and joins nothing', () => {
    const doc = parse(renderFigureSvg(LAG));
    const published = doc.querySelector('g.series[data-series="3"]');
    const filled = published?.querySelector('path:not([fill="none"])')?.getAttribute('d') ?? '';
    // uPlot draws each point as moveTo + a whole arc, which SVG writes as two half arcs.
    expect(filled.match(/M/g)).toHaveLength(4);
    expect(filled.match(/A/g)).toHaveLength(8);
    expect(filled).not.toMatch(/L/);
  });

  it('shows the title, the axis labels and the legend as text (the y label turned a quarter)', () => {
    const doc = parse(renderFigureSvg(LAG));
    const texts = [...doc.querySelectorAll('text')];
    const textOf = (content: string) => texts.filter((text) => text.textContent === content);
    expect(doc.querySelector('title')?.textContent).toBe(LAG.title);
    expect(doc.querySelector('text.title')?.textContent).toBe(LAG.title);
    expect(textOf('writes/s')).toHaveLength(1);
    expect(textOf('lag (ms)')[0]?.getAttribute('transform')).toMatch(/^matrix\(0 -1 1 0 /);
    for (const entry of LAG.series) expect(doc.querySelector('g.legend')?.textContent).toContain(entry.label);
  });

  it('puts log-axis tick labels at powers of ten, a decade apart on screen', () => {
    const decades: ExperimentFigure = {
      name: 'decades',
      title: 'Latency by load',
      xLabel: 'load',
      yLabel: 'latency (ms)',
      x: [1, 3, 10, 30, 100, 300, 1000],
      series: [{ label: 'p99', values: [0.5, 0.9, 2, 8, 40, 300, 2000] }],
      logX: true,
      logY: true,
    };
    const ticks = (figure: ExperimentFigure, anchor: string) =>
      [...parse(renderFigureSvg(figure)).querySelectorAll(`g.plot > text[text-anchor="${anchor}"]`)]
        .filter((text) => /^[\d.,]+$/.test(text.textContent ?? ''))
        .map((text) => ({ value: Number((text.textContent ?? '').replace(/,/g, '')), x: Number(text.getAttribute('x')), y: Number(text.getAttribute('y')) }));
    const isPowerOfTen = (value: number) => Math.abs(Math.log10(value) - Math.round(Math.log10(value))) < 1e-9;
    const xTicks = ticks(decades, 'middle');
    const yTicks = ticks(decades, 'end');
    expect(xTicks.map((tick) => tick.value)).toEqual([1, 10, 100, 1000]);
    expect(yTicks.length).toBeGreaterThanOrEqual(4);
    expect(yTicks.every((tick) => isPowerOfTen(tick.value))).toBe(true);
    const gaps = xTicks.slice(1).map((tick, i) => tick.x - (xTicks[i]?.x ?? 0));
    for (const gap of gaps) expect(Math.abs(gap - (gaps[0] ?? 0))).toBeLessThanOrEqual(1);
    // The same data on linear axes is labelled in even steps, not decades.
    const linear = ticks({ ...decades, logX: false, logY: false }, 'end');
    expect(linear.some((tick) => !isPowerOfTen(tick.value))).toBe(true);
    // Decades below 0.001 keep their decimals (uPlot's own format would print 0).
    const tiny = ticks({ ...decades, series: [{ label: 'loss', values: [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1] }] }, 'end');
    expect(tiny.map((tick) => tick.value)).toEqual([1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1]);
  });

  it('labels ticks closer than 0.001 apart with the decimals they need, each label distinct', () => {
    const tiny: ExperimentFigure = { name: 'tiny', title: 'Tiny', xLabel: 'x', yLabel: 'ratio', x: [0, 1], series: [{ label: 'r', values: [1e-9, 3e-9] }] };
    const labels = [...parse(renderFigureSvg(tiny)).querySelectorAll('g.plot > text[text-anchor="end"]')].map((text) => text.textContent);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain('0.000000002');
  });

  it('ticks an x of whole numbers at whole numbers only', () => {
    const steps: ExperimentFigure = { name: 'steps', title: 'Steps', xLabel: 'step', yLabel: 's', x: [1, 2, 3], series: [{ label: 'a', values: [15, 16, 31] }] };
    const labels = (figure: ExperimentFigure) => [...parse(renderFigureSvg(figure)).querySelectorAll('g.plot > text[text-anchor="middle"]:not([transform])')].map((text) => text.textContent).filter((text) => text !== 'step');
    expect(labels(steps)).toEqual(['1', '2', '3']);
    expect(labels({ ...steps, x: [1, 2, 3.5] }).some((label) => !Number.isInteger(Number(label)))).toBe(true);
  });

  it('gives the same bytes for the same figure, whatever was drawn in between', () => {
    const first = renderFigureSvg(LAG);
    renderFigureSvg({ ...LAG, name: 'other', logY: true });
    expect(renderFigureSvg(LAG)).toBe(first);
    expect(renderFigureSvg({ ...LAG, name: 'other' })).not.toBe(first);
    // Clip ids start with the figure's name, so two figures can share a page.
    expect(first).toMatch(/id="lag-by-rate-clip-1"/);
  });

  it('neither reads nor leaves browser globals: a page-like global changes nothing and is kept', () => {
    const names = ['window', 'document', 'navigator', 'devicePixelRatio', 'matchMedia', 'Path2D', 'CustomEvent', 'HTMLElement'];
    const before = Object.getOwnPropertyNames(globalThis).sort();
    const queueMicrotask = globalThis.queueMicrotask;
    const plain = renderFigureSvg(LAG);
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(before);
    expect(globalThis.queueMicrotask).toBe(queueMicrotask);
    const global = globalThis as Record<string, unknown>;
    const sentinel = { language: 'fr-FR' };
    // Node 21 and later have a navigator of their own: put back exactly what was there.
    const kept = ['devicePixelRatio', 'navigator'].map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
    try {
      Object.defineProperty(globalThis, 'devicePixelRatio', { value: 2, configurable: true, writable: true });
      Object.defineProperty(globalThis, 'navigator', { value: sentinel, configurable: true, writable: true });
      expect(renderFigureSvg(LAG)).toBe(plain);
      expect(global.devicePixelRatio).toBe(2);
      expect(global.navigator).toBe(sentinel);
    } finally {
      for (const [name, descriptor] of kept) {
        if (descriptor === undefined) delete global[name];
        else Object.defineProperty(globalThis, name, descriptor);
      }
    }
    for (const name of names) expect(before.includes(name) || !(name in globalThis)).toBe(true);
  });

  it.each([
    ['a series of the wrong length', { ...LAG, series: [{ label: 'short', values: [1, 2] }] }, {}, /series\[0\] \("short"\) has 2 values for 5 x values/],
    ['x out of order', { ...LAG, x: [1, 3, 2, 4, 5] }, {}, /x\[2\] is 2, below x\[1\]/],
    ['a zero on a log y axis', { ...LAG, logY: true, series: [{ label: 'z', values: [1, 0, 1, 1, 1] }] }, {}, /values\[1\] is 0, but a logarithmic y axis \(logY\)/],
    ['a value that is not finite', { ...LAG, series: [{ label: 'nan', values: [1, Number.NaN, 1, 1, 1] }] }, {}, /values\[1\] must be a finite number or null/],
    ['a width out of range', LAG, { width: 50 }, /options\.width must be an integer from 200 to 10000/],
  ] as const)('refuses %s with one error naming the field', (_what, figure, options, message) => {
    expect(() => renderFigureSvg(figure as ExperimentFigure, options)).toThrow(message);
  });
});
