/**
 * The canvas stand-in that records SVG (src/experiments/svg-context.ts), on the canvas rules uPlot
 * relies on (HTML Living Standard, "The 2D rendering context"): save/restore bring back styles,
 * transform and clip; clips intersect; a Path2D takes the transform current when it is drawn; a
 * line with no current point starts one; an arc of 2π is a whole circle; transparent paint draws
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { SvgCanvasContext } from '../../src/experiments/svg-context.js';
import { SvgPath2D, pathData, IDENTITY } from '../../src/experiments/svg-path.js';
import { paintOf, parseFont } from '../../src/experiments/svg-style.js';

const canvas = () => new SvgCanvasContext({ width: 100, height: 50, idPrefix: 't-', fontFamily: 'sans-serif' });

describe('Experiments: the SVG canvas stand-in', () => {
  it('starts a subpath at a lineTo with no current point, and draws a whole circle as two half arcs', () => {
    const path = new SvgPath2D();
    path.lineTo(1, 2);
    path.lineTo(3, 4);
    path.moveTo(15, 10);
    path.arc(10, 10, 5, 0, 2 * Math.PI);
    expect(pathData(path, IDENTITY)).toBe('M1 2 L3 4 M15 10 A5 5 0 0 1 5 10 A5 5 0 0 1 15 10');
  });

  it('draws an anticlockwise quarter with the other sweep flag, joined by a line from the current point', () => {
    const path = new SvgPath2D();
    path.moveTo(0, 0);
    path.arc(10, 10, 5, 0, -Math.PI / 2, true);
    expect(pathData(path, IDENTITY)).toBe('M0 0 L15 10 A5 5 0 0 0 10 5');
  });

  it('applies the transform current at stroke time to a Path2D, and the one at each call to the current path', () => {
    const context = canvas();
    const path = new SvgPath2D();
    path.rect(0, 0, 2, 2);
    context.translate(10, 20);
    context.stroke(path);
    context.beginPath();
    context.moveTo(0, 0);
    context.translate(1, 1);
    context.lineTo(0, 0);
    context.stroke();
    expect(context.body()).toEqual([
      '<path d="M10 20 L12 20 L12 22 L10 22 Z" fill="none" stroke="#000000" stroke-width="1" stroke-miterlimit="10"/>',
      '<path d="M10 20 L11 21" fill="none" stroke="#000000" stroke-width="1" stroke-miterlimit="10"/>',
    ]);
  });

  it('intersects clips by nesting groups and drops the clip at restore', () => {
    const context = canvas();
    const outer = new SvgPath2D();
    outer.rect(0, 0, 50, 50);
    const inner = new SvgPath2D();
    inner.rect(10, 10, 5, 5);
    context.fillStyle = 'rgba(255,0,0,0.5)';
    context.save();
    context.clip(outer);
    context.clip(inner);
    context.fill(outer);
    context.restore();
    context.fill(inner);
    expect(context.clipDefinitions()).toEqual([
      '<clipPath id="t-clip-1"><path d="M0 0 L50 0 L50 50 L0 50 Z"/></clipPath>',
      '<clipPath id="t-clip-2"><path d="M10 10 L15 10 L15 15 L10 15 Z"/></clipPath>',
    ]);
    expect(context.body()).toEqual([
      '<g clip-path="url(#t-clip-1)">',
      '<g clip-path="url(#t-clip-2)">',
      '<path d="M0 0 L50 0 L50 50 L0 50 Z" fill="rgb(255,0,0)" fill-opacity="0.5"/>',
      '</g>',
      '</g>',
      '<path d="M10 10 L15 10 L15 15 L10 15 Z" fill="rgb(255,0,0)" fill-opacity="0.5"/>',
    ]);
  });

  it('writes text with its anchor and baseline, rotated text with a matrix, and leaves the inherited family out', () => {
    const context = canvas();
    context.font = 'bold 12px sans-serif';
    context.textAlign = 'center';
    context.textBaseline = 'top';
    context.fillText('a < b', 5, 6);
    context.translate(30, 40);
    context.rotate(-Math.PI / 2);
    context.fillText('y', 0, 0);
    expect(context.body()).toEqual([
      '<text x="5" y="6" fill="#000000" font-size="12" font-weight="bold" text-anchor="middle" dominant-baseline="text-before-edge">a &lt; b</text>',
      '<text x="0" y="0" transform="matrix(0 -1 1 0 30 40)" fill="#000000" font-size="12" font-weight="bold" text-anchor="middle" dominant-baseline="text-before-edge">y</text>',
    ]);
  });

  it('forgets what was drawn when the whole canvas is cleared, and refuses to clear part of it', () => {
    const context = canvas();
    context.rect(0, 0, 1, 1);
    context.fill();
    context.clearRect(0, 0, 100, 50);
    expect(context.body()).toEqual([]);
    expect(() => context.clearRect(0, 0, 10, 10)).toThrow(/clears part of the canvas/);
  });

  it('reads paints and fonts as uPlot writes them', () => {
    expect(paintOf('#0000', 1)).toBeNull();
    expect(paintOf('rgba(0,0,0,0.07)', 1)).toEqual({ color: 'rgb(0,0,0)', opacity: 0.07 });
    expect(paintOf('#0969da', 0.5)).toEqual({ color: '#0969da', opacity: 0.5 });
    expect(parseFont('bold 12px system-ui, "Segoe UI", sans-serif')).toEqual({ family: 'system-ui, "Segoe UI", sans-serif', sizePx: 12, weight: 'bold', style: null });
    expect(canvas().measureText('10,000').width).toBeGreaterThan(canvas().measureText('1').width * 5);
  });
});
