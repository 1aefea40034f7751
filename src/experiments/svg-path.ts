/**
 * Paths for the SVG canvas stand-in (`svg-context.ts`): a `Path2D` that records its calls, and a
 * builder that turns canvas path calls into an SVG path's `d`, in device coordinates (after the
 * context's transform).
 *
 * Canvas semantics kept here (HTML Living Standard, "Building paths"): a `Path2D` holds its points
 * untransformed and takes the context's transform when it is stroked, filled or clipped; a
 * `lineTo` or curve with no current point starts a subpath there; an `arc` joins the current point
 * to its start with a line; a sweep of 2π or more is the whole circle; `rect` closes its subpath
 * and starts a new one at its corner.
 */

/** An affine transform `[a, b, c, d, e, f]`, as the canvas `setTransform` takes it. */
export type Matrix = readonly [number, number, number, number, number, number];

/** The identity transform. */
export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** One recorded path call, with its arguments in user coordinates. */
export type PathCall =
  | { op: 'moveTo' | 'lineTo'; args: [x: number, y: number] }
  | { op: 'bezierCurveTo'; args: [cp1x: number, cp1y: number, cp2x: number, cp2y: number, x: number, y: number] }
  | { op: 'quadraticCurveTo'; args: [cpx: number, cpy: number, x: number, y: number] }
  | { op: 'arc'; args: [x: number, y: number, radius: number, startAngle: number, endAngle: number, counterclockwise: boolean] }
  | { op: 'arcTo'; args: [x1: number, y1: number, x2: number, y2: number, radius: number] }
  | { op: 'rect'; args: [x: number, y: number, w: number, h: number] }
  | { op: 'closePath'; args: [] };

const TAU = 2 * Math.PI;

/** A number as SVG writes it: two decimals at most, no `-0`, no trailing zeros. */
export function fmt(value: number): string {
  const rounded = Number(value.toFixed(2));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Where a user-space point lands under a transform. */
export function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** How much a transform scales lengths (exact for rotation, translation and uniform scale). */
export function lengthScale(m: Matrix): number {
  return Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
}

/**
 * A `Path2D` stand-in: it records the calls uPlot makes and replays them into a builder when the
 * path is drawn. `new SvgPath2D(other)` copies another path, as `new Path2D(path)` does.
 */
export class SvgPath2D {
  readonly calls: PathCall[];

  constructor(source?: SvgPath2D) {
    this.calls = source instanceof SvgPath2D ? [...source.calls] : [];
  }

  moveTo(x: number, y: number): void {
    this.calls.push({ op: 'moveTo', args: [x, y] });
  }

  lineTo(x: number, y: number): void {
    this.calls.push({ op: 'lineTo', args: [x, y] });
  }

  bezierCurveTo(cp1x: number, cp1y: number, cp2x: number, cp2y: number, x: number, y: number): void {
    this.calls.push({ op: 'bezierCurveTo', args: [cp1x, cp1y, cp2x, cp2y, x, y] });
  }

  quadraticCurveTo(cpx: number, cpy: number, x: number, y: number): void {
    this.calls.push({ op: 'quadraticCurveTo', args: [cpx, cpy, x, y] });
  }

  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number, counterclockwise = false): void {
    this.calls.push({ op: 'arc', args: [x, y, radius, startAngle, endAngle, counterclockwise] });
  }

  arcTo(x1: number, y1: number, x2: number, y2: number, radius: number): void {
    this.calls.push({ op: 'arcTo', args: [x1, y1, x2, y2, radius] });
  }

  rect(x: number, y: number, w: number, h: number): void {
    this.calls.push({ op: 'rect', args: [x, y, w, h] });
  }

  closePath(): void {
    this.calls.push({ op: 'closePath', args: [] });
  }
}

/**
 * Builds an SVG path's `d` from canvas path calls, each taken under the transform current when it
 * is added (so the context's own path and a replayed `Path2D` agree).
 */
export class PathBuilder {
  private readonly parts: string[] = [];
  private current: [number, number] | null = null;
  private start: [number, number] | null = null;

  /** The path's `d`; empty when nothing was added. */
  get d(): string {
    return this.parts.join(' ');
  }

  add(call: PathCall, m: Matrix): void {
    switch (call.op) {
      case 'moveTo':
        return this.moveDevice(apply(m, ...call.args));
      case 'lineTo':
        return this.lineDevice(apply(m, ...call.args));
      case 'bezierCurveTo': {
        const [c1x, c1y, c2x, c2y, x, y] = call.args;
        const points = [apply(m, c1x, c1y), apply(m, c2x, c2y), apply(m, x, y)] as const;
        if (this.current === null) this.moveDevice(points[0]);
        this.parts.push(`C${points.map(([px, py]) => `${fmt(px)} ${fmt(py)}`).join(' ')}`);
        this.current = points[2];
        return;
      }
      case 'quadraticCurveTo': {
        const [cx, cy, x, y] = call.args;
        const points = [apply(m, cx, cy), apply(m, x, y)] as const;
        if (this.current === null) this.moveDevice(points[0]);
        this.parts.push(`Q${points.map(([px, py]) => `${fmt(px)} ${fmt(py)}`).join(' ')}`);
        this.current = points[1];
        return;
      }
      case 'arc':
        return this.arc(call.args, m);
      case 'arcTo':
        return this.arcTo(call.args, m);
      case 'rect': {
        const [x, y, w, h] = call.args;
        const corner = apply(m, x, y);
        this.moveDevice(corner);
        for (const [px, py] of [[x + w, y], [x + w, y + h], [x, y + h]] as const) this.lineDevice(apply(m, px, py));
        this.parts.push('Z');
        this.current = corner;
        this.start = corner;
        return;
      }
      case 'closePath':
        if (this.current === null) return;
        this.parts.push('Z');
        this.current = this.start;
        return;
    }
  }

  private moveDevice(point: [number, number]): void {
    this.parts.push(`M${fmt(point[0])} ${fmt(point[1])}`);
    this.current = point;
    this.start = point;
  }

  private lineDevice(point: [number, number]): void {
    if (this.current === null) return this.moveDevice(point);
    this.parts.push(`L${fmt(point[0])} ${fmt(point[1])}`);
    this.current = point;
  }

  /** Joins the current point to `point` with a line unless it is already there (or starts there). */
  private joinDevice(point: [number, number]): void {
    if (this.current === null) return this.moveDevice(point);
    if (fmt(this.current[0]) !== fmt(point[0]) || fmt(this.current[1]) !== fmt(point[1])) this.lineDevice(point);
  }

  private arc([cx, cy, radius, startAngle, endAngle, counterclockwise]: [number, number, number, number, number, boolean], m: Matrix): void {
    if (radius < 0) throw new RangeError(`arc radius must not be negative, got ${radius}`);
    const at = (angle: number) => apply(m, cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
    const span = counterclockwise ? startAngle - endAngle : endAngle - startAngle;
    const direction = counterclockwise ? -1 : 1;
    const sweep = direction * (span >= TAU ? TAU : ((span % TAU) + TAU) % TAU);
    this.joinDevice(at(startAngle));
    if (radius === 0 || sweep === 0) return;
    const r = fmt(radius * lengthScale(m));
    // A mirroring transform turns a clockwise arc into an anticlockwise one.
    const clockwise = sweep > 0 !== m[0] * m[3] - m[1] * m[2] < 0;
    // SVG cannot draw a whole circle as one arc (its ends coincide), so a sweep over π is split.
    const pieces = Math.abs(sweep) > Math.PI ? 2 : 1;
    for (let piece = 1; piece <= pieces; piece += 1) {
      const [x, y] = at(startAngle + (sweep * piece) / pieces);
      this.parts.push(`A${r} ${r} 0 0 ${clockwise ? 1 : 0} ${fmt(x)} ${fmt(y)}`);
      this.current = [x, y];
    }
  }

  /** `arcTo` in device space: a line to the first tangent point, then the arc to the second. */
  private arcTo([x1, y1, x2, y2, radius]: [number, number, number, number, number], m: Matrix): void {
    if (radius < 0) throw new RangeError(`arcTo radius must not be negative, got ${radius}`);
    const corner = apply(m, x1, y1);
    const far = apply(m, x2, y2);
    if (this.current === null) return this.moveDevice(corner);
    const [px, py] = this.current;
    const v1 = [px - corner[0], py - corner[1]] as const;
    const v2 = [far[0] - corner[0], far[1] - corner[1]] as const;
    const len1 = Math.hypot(...v1);
    const len2 = Math.hypot(...v2);
    const cross = v1[0] * v2[1] - v1[1] * v2[0];
    if (radius === 0 || len1 === 0 || len2 === 0 || cross === 0) return this.lineDevice(corner);
    const angle = Math.acos(Math.max(-1, Math.min(1, (v1[0] * v2[0] + v1[1] * v2[1]) / (len1 * len2))));
    const r = radius * lengthScale(m);
    const reach = r / Math.tan(angle / 2);
    const t1: [number, number] = [corner[0] + (v1[0] / len1) * reach, corner[1] + (v1[1] / len1) * reach];
    const t2: [number, number] = [corner[0] + (v2[0] / len2) * reach, corner[1] + (v2[1] / len2) * reach];
    this.joinDevice(t1);
    // Travelling current → corner → far turns clockwise on screen (y down) when v1 × v2 < 0.
    this.parts.push(`A${fmt(r)} ${fmt(r)} 0 0 ${cross < 0 ? 1 : 0} ${fmt(t2[0])} ${fmt(t2[1])}`);
    this.current = t2;
  }
}

/** The `d` of a recorded path under a transform. */
export function pathData(path: SvgPath2D, m: Matrix): string {
  const builder = new PathBuilder();
  for (const call of path.calls) builder.add(call, m);
  return builder.d;
}
