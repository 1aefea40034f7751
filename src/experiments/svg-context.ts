/**
 * A stand-in for the browser's `CanvasRenderingContext2D` that records what is drawn as SVG, so
 * uPlot, which draws on a canvas, can draw a figure in Node (`svg.ts`). It implements what uPlot
 * 1.6 calls (its `uPlot.esm.js`: styles, `save`/`restore`, `translate`/`rotate`, the current path,
 * `stroke`/`fill`/`clip` of a `Path2D`, `fillText`, `setLineDash`, `clearRect`) with the canvas
 * semantics of the HTML Living Standard, "The 2D rendering context": `save` and `restore` keep the
 * styles, the transform and the clip; a clip intersects the clip before it.
 *
 * Each drawing is one SVG element; a clip is a `<clipPath>` whose id counts up from the context's
 * prefix, so the same drawing calls give the same bytes. What a canvas has beyond these and their
 * near relatives (`scale`, `setTransform`, `quadraticCurveTo`) is absent (`fillRect`, images,
 * gradients, shadows, composite modes), so a later uPlot that needs more fails loudly instead of
 * drawing something else.
 */
import { IDENTITY, type Matrix, PathBuilder, type PathCall, SvgPath2D, apply, fmt, lengthScale, pathData } from './svg-path.js';
import { paintOf, parseFont, textWidthPx } from './svg-style.js';

/** What `save` keeps and `restore` brings back. */
interface DrawingState {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  miterLimit: number;
  lineDash: number[];
  lineDashOffset: number;
  globalAlpha: number;
  font: string;
  textAlign: string;
  textBaseline: string;
  transform: Matrix;
  /** The clips in force, outermost first: each element drawn is clipped by all of them. */
  clips: string[];
}

/** One drawn element, with the clips and the group it was drawn under. */
interface Drawn {
  clips: readonly string[];
  group: string;
  markup: string;
}

/** SVG's `text-anchor` for a canvas `textAlign` (`start`/`end` read as left-to-right). */
const ANCHOR: Record<string, string | null> = { left: null, start: null, center: 'middle', right: 'end', end: 'end' };
/** SVG's `dominant-baseline` for a canvas `textBaseline`. */
const BASELINE: Record<string, string | null> = {
  top: 'text-before-edge',
  hanging: 'hanging',
  middle: 'central',
  alphabetic: null,
  ideographic: 'ideographic',
  bottom: 'text-after-edge',
};

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** ` name="value"` for each attribute that has a value, in the order given. */
export function attributes(pairs: [string, string | number | null][]): string {
  return pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== null)
    .map(([name, value]) => ` ${name}="${escapeXml(typeof value === 'number' ? fmt(value) : value)}"`)
    .join('');
}

/** The canvas a recording context stands for, and how its SVG is written. */
export interface SvgCanvasOptions {
  /** The canvas width in pixels (device pixels: the pixel ratio is 1). */
  width: number;
  /** The canvas height in pixels. */
  height: number;
  /** Starts every clip id, so several SVGs can sit in one page without their ids meeting. */
  idPrefix: string;
  /** The font family the SVG around the drawing sets: text in it leaves `font-family` out. */
  fontFamily: string;
}

/** The recording context: draw on it as on a canvas, then read `clipDefinitions()` and `body()`. */
export class SvgCanvasContext {
  private state: DrawingState = {
    fillStyle: '#000',
    strokeStyle: '#000',
    lineWidth: 1,
    lineCap: 'butt',
    lineJoin: 'miter',
    miterLimit: 10,
    lineDash: [],
    lineDashOffset: 0,
    globalAlpha: 1,
    font: '10px sans-serif',
    textAlign: 'start',
    textBaseline: 'alphabetic',
    transform: IDENTITY,
    clips: [],
  };
  private readonly saved: DrawingState[] = [];
  private path = new PathBuilder();
  private drawn: Drawn[] = [];
  private clipDefs: { id: string; markup: string }[] = [];
  private readonly clipIds = new Map<string, string>();
  private group = '';

  constructor(private readonly options: SvgCanvasOptions) {}

  get fillStyle(): string { return this.state.fillStyle; }
  set fillStyle(value: string) { this.state.fillStyle = String(value); }
  get strokeStyle(): string { return this.state.strokeStyle; }
  set strokeStyle(value: string) { this.state.strokeStyle = String(value); }
  get lineWidth(): number { return this.state.lineWidth; }
  set lineWidth(value: number) { if (Number.isFinite(value) && value > 0) this.state.lineWidth = value; }
  get lineCap(): string { return this.state.lineCap; }
  set lineCap(value: string) { this.state.lineCap = value; }
  get lineJoin(): string { return this.state.lineJoin; }
  set lineJoin(value: string) { this.state.lineJoin = value; }
  get miterLimit(): number { return this.state.miterLimit; }
  set miterLimit(value: number) { if (Number.isFinite(value) && value > 0) this.state.miterLimit = value; }
  get lineDashOffset(): number { return this.state.lineDashOffset; }
  set lineDashOffset(value: number) { if (Number.isFinite(value)) this.state.lineDashOffset = value; }
  get globalAlpha(): number { return this.state.globalAlpha; }
  set globalAlpha(value: number) { if (Number.isFinite(value) && value >= 0 && value <= 1) this.state.globalAlpha = value; }
  get font(): string { return this.state.font; }
  set font(value: string) { this.state.font = value; }
  get textAlign(): string { return this.state.textAlign; }
  set textAlign(value: string) { this.state.textAlign = value; }
  get textBaseline(): string { return this.state.textBaseline; }
  set textBaseline(value: string) { this.state.textBaseline = value; }

  /** Groups what is drawn from now on (the SVG wraps each group in a `<g>` with these attributes). */
  setGroup(attributeText: string): void {
    this.group = attributeText;
  }

  save(): void {
    this.saved.push({ ...this.state, lineDash: [...this.state.lineDash], clips: [...this.state.clips] });
  }

  restore(): void {
    const state = this.saved.pop();
    if (state !== undefined) this.state = state;
  }

  setLineDash(segments: number[]): void {
    if (segments.some((length) => !Number.isFinite(length) || length < 0)) return;
    // Canvas repeats an odd list to make it even; SVG's stroke-dasharray does the same.
    this.state.lineDash = [...segments];
  }

  getLineDash(): number[] {
    return [...this.state.lineDash];
  }

  translate(x: number, y: number): void {
    this.transform(1, 0, 0, 1, x, y);
  }

  rotate(angle: number): void {
    this.transform(Math.cos(angle), Math.sin(angle), -Math.sin(angle), Math.cos(angle), 0, 0);
  }

  scale(x: number, y: number): void {
    this.transform(x, 0, 0, y, 0, 0);
  }

  transform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    const [ma, mb, mc, md, me, mf] = this.state.transform;
    this.state.transform = [ma * a + mc * b, mb * a + md * b, ma * c + mc * d, mb * c + md * d, ma * e + mc * f + me, mb * e + md * f + mf];
  }

  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.state.transform = [a, b, c, d, e, f];
  }

  resetTransform(): void {
    this.state.transform = IDENTITY;
  }

  /** uPlot clears the whole canvas before each redraw; that forgets everything drawn so far. */
  clearRect(x: number, y: number, w: number, h: number): void {
    const [x0, y0] = apply(this.state.transform, x, y);
    const [x1, y1] = apply(this.state.transform, x + w, y + h);
    const covers = Math.min(x0, x1) <= 0 && Math.min(y0, y1) <= 0 && Math.max(x0, x1) >= this.options.width && Math.max(y0, y1) >= this.options.height;
    if (!covers) throw new RangeError(`clearRect(${x}, ${y}, ${w}, ${h}) clears part of the canvas, which an SVG recording cannot undo`);
    this.drawn = [];
    this.clipDefs = [];
    this.clipIds.clear();
  }

  beginPath(): void {
    this.path = new PathBuilder();
  }

  moveTo(x: number, y: number): void { this.addCall({ op: 'moveTo', args: [x, y] }); }
  lineTo(x: number, y: number): void { this.addCall({ op: 'lineTo', args: [x, y] }); }
  closePath(): void { this.addCall({ op: 'closePath', args: [] }); }
  rect(x: number, y: number, w: number, h: number): void { this.addCall({ op: 'rect', args: [x, y, w, h] }); }
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number, counterclockwise = false): void {
    this.addCall({ op: 'arc', args: [x, y, radius, startAngle, endAngle, counterclockwise] });
  }
  arcTo(x1: number, y1: number, x2: number, y2: number, radius: number): void { this.addCall({ op: 'arcTo', args: [x1, y1, x2, y2, radius] }); }
  bezierCurveTo(cp1x: number, cp1y: number, cp2x: number, cp2y: number, x: number, y: number): void {
    this.addCall({ op: 'bezierCurveTo', args: [cp1x, cp1y, cp2x, cp2y, x, y] });
  }
  quadraticCurveTo(cpx: number, cpy: number, x: number, y: number): void { this.addCall({ op: 'quadraticCurveTo', args: [cpx, cpy, x, y] }); }

  stroke(path?: SvgPath2D): void {
    const paint = paintOf(this.state.strokeStyle, this.state.globalAlpha);
    const d = this.dataOf(path);
    if (paint === null || d === '') return;
    const { lineWidth, lineCap, lineJoin, miterLimit, lineDash, lineDashOffset, transform } = this.state;
    const scale = lengthScale(transform);
    this.emit(`<path${attributes([
      ['d', d],
      ['fill', 'none'],
      ['stroke', paint.color],
      ['stroke-opacity', paint.opacity],
      ['stroke-width', lineWidth * scale],
      ['stroke-linecap', lineCap === 'butt' ? null : lineCap],
      ['stroke-linejoin', lineJoin === 'miter' ? null : lineJoin],
      ['stroke-miterlimit', lineJoin === 'miter' && miterLimit !== 4 ? miterLimit : null],
      ['stroke-dasharray', lineDash.length > 0 ? lineDash.map((length) => fmt(length * scale)).join(' ') : null],
      ['stroke-dashoffset', lineDash.length > 0 && lineDashOffset !== 0 ? lineDashOffset * scale : null],
    ])}/>`);
  }

  fill(pathOrRule?: SvgPath2D | string, rule?: string): void {
    const path = pathOrRule instanceof SvgPath2D ? pathOrRule : undefined;
    const fillRule = (typeof pathOrRule === 'string' ? pathOrRule : rule) === 'evenodd' ? 'evenodd' : null;
    const paint = paintOf(this.state.fillStyle, this.state.globalAlpha);
    const d = this.dataOf(path);
    if (paint === null || d === '') return;
    this.emit(`<path${attributes([['d', d], ['fill', paint.color], ['fill-opacity', paint.opacity], ['fill-rule', fillRule]])}/>`);
  }

  /** Intersects the clip with a path; an empty path clips everything away, as on a canvas. */
  clip(pathOrRule?: SvgPath2D | string, rule?: string): void {
    const path = pathOrRule instanceof SvgPath2D ? pathOrRule : undefined;
    const clipRule = (typeof pathOrRule === 'string' ? pathOrRule : rule) === 'evenodd' ? 'evenodd' : null;
    const markup = `<path${attributes([['d', this.dataOf(path)], ['clip-rule', clipRule]])}/>`;
    // The same clip inside the same clips is one definition (uPlot clips every series to the plot).
    const key = `${this.state.clips.join(' ')}|${markup}`;
    let id = this.clipIds.get(key);
    if (id === undefined) {
      id = `${this.options.idPrefix}clip-${this.clipDefs.length + 1}`;
      this.clipIds.set(key, id);
      this.clipDefs.push({ id, markup });
    }
    this.state.clips = [...this.state.clips, id];
  }

  fillText(text: string, x: number, y: number): void {
    const paint = paintOf(this.state.fillStyle, this.state.globalAlpha);
    if (paint === null || text === '') return;
    const font = parseFont(this.state.font);
    const m = this.state.transform;
    // A translation moves the anchor; anything more (uPlot rotates the y axis label) is a transform.
    const moved = m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1;
    const [tx, ty] = moved ? apply(m, x, y) : [x, y];
    this.emit(`<text${attributes([
      ['x', tx],
      ['y', ty],
      ['transform', moved ? null : `matrix(${m.map((value) => fmt(Number(value.toFixed(6)))).join(' ')})`],
      ['fill', paint.color],
      ['fill-opacity', paint.opacity],
      ['font-family', font.family === this.options.fontFamily ? null : font.family],
      ['font-size', font.sizePx],
      ['font-weight', font.weight],
      ['font-style', font.style],
      ['text-anchor', ANCHOR[this.state.textAlign] ?? null],
      ['dominant-baseline', BASELINE[this.state.textBaseline] ?? null],
    ])}>${escapeXml(String(text))}</text>`);
  }

  /** An estimate from the font size and each character's usual width: there are no glyphs here. */
  measureText(text: string): { width: number } {
    const font = parseFont(this.state.font);
    return { width: textWidthPx(String(text), font.sizePx, font.weight !== null) };
  }

  /** The `<clipPath>` definitions, for the SVG's `<defs>`. */
  clipDefinitions(): string[] {
    return this.clipDefs.map(({ id, markup }) => `<clipPath id="${id}">${markup}</clipPath>`);
  }

  /**
   * What was drawn, in order: each group in a `<g>`, and the elements drawn under the same clips in
   * nested `<g clip-path>` (nesting intersects clips the way successive canvas clips do).
   */
  body(): string[] {
    const lines: string[] = [];
    let group: string | null = null;
    let open: readonly string[] = [];
    const closeClips = (keep: number) => {
      for (let depth = open.length; depth > keep; depth -= 1) lines.push('</g>');
      open = open.slice(0, keep);
    };
    for (const item of this.drawn) {
      if (item.group !== group) {
        closeClips(0);
        if (group !== null && group !== '') lines.push('</g>');
        if (item.group !== '') lines.push(`<g${item.group}>`);
        group = item.group;
      }
      let shared = 0;
      while (shared < open.length && shared < item.clips.length && open[shared] === item.clips[shared]) shared += 1;
      closeClips(shared);
      for (const id of item.clips.slice(shared)) lines.push(`<g clip-path="url(#${id})">`);
      open = item.clips;
      lines.push(item.markup);
    }
    closeClips(0);
    if (group !== null && group !== '') lines.push('</g>');
    return lines;
  }

  private addCall(call: PathCall): void {
    this.path.add(call, this.state.transform);
  }

  private dataOf(path: SvgPath2D | undefined): string {
    return path === undefined ? this.path.d : pathData(path, this.state.transform);
  }

  private emit(markup: string): void {
    this.drawn.push({ clips: this.state.clips, group: this.group, markup });
  }
}
