/**
 * Canvas styles as SVG attributes, for the SVG canvas stand-in (`svg-context.ts`): colours with
 * their alpha split into an opacity (SVG 1.1 readers, such as librsvg and older Inkscape, do not
 * read `rgba()` or four-digit hex), the CSS `font` shorthand split into SVG's font attributes, and
 * a text width estimate, since there are no glyphs to measure.
 */

/** An SVG paint: a colour SVG 1.1 reads and an opacity (null when opaque). */
export interface Paint {
  color: string;
  opacity: number | null;
}

const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const RGB = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+%?)\s*)?\)$/i;

/** The colour and alpha of a hex or `rgb()`/`rgba()` colour; other colours (names) as they are. */
function splitAlpha(style: string): { color: string; alpha: number } {
  const text = style.trim();
  const hex = HEX.exec(text);
  if (hex !== null) {
    const digits = hex[1] ?? '';
    const full = digits.length <= 4 ? [...digits].map((digit) => digit + digit).join('') : digits;
    const alpha = full.length === 8 ? parseInt(full.slice(6), 16) / 255 : 1;
    return { color: `#${full.slice(0, 6).toLowerCase()}`, alpha };
  }
  const rgb = RGB.exec(text);
  if (rgb !== null) {
    const [r, g, b] = [rgb[1], rgb[2], rgb[3]].map((part) => Math.round(Math.min(255, Number(part))));
    const alphaText = rgb[4];
    const alpha = alphaText === undefined ? 1 : alphaText.endsWith('%') ? parseFloat(alphaText) / 100 : Number(alphaText);
    return { color: `rgb(${r},${g},${b})`, alpha: Math.max(0, Math.min(1, alpha)) };
  }
  if (text.toLowerCase() === 'transparent') return { color: '#000000', alpha: 0 };
  return { color: text, alpha: 1 };
}

/** The paint of a canvas style under `globalAlpha`; null when nothing would show. */
export function paintOf(style: string, globalAlpha: number): Paint | null {
  const { color, alpha } = splitAlpha(style);
  const opacity = Number((alpha * globalAlpha).toFixed(4));
  if (opacity <= 0) return null;
  return { color, opacity: opacity >= 1 ? null : opacity };
}

/** The parts of a CSS `font` shorthand SVG needs. */
export interface Font {
  family: string;
  sizePx: number;
  /** `bold`, a number, …; null for normal. */
  weight: string | null;
  /** `italic` or `oblique`; null for normal. */
  style: string | null;
}

const FONT = /^\s*((?:(?:italic|oblique|normal|small-caps|bold|bolder|lighter|\d{3})\s+)*)(\d+(?:\.\d+)?)px(?:\s*\/\s*\S+)?\s+(.+?)\s*$/i;

/** Splits `[style] [weight] <size>px <family>` (the forms uPlot writes); other forms read as 10px sans-serif, the canvas default. */
export function parseFont(font: string): Font {
  const match = FONT.exec(font);
  if (match === null) return { family: 'sans-serif', sizePx: 10, weight: null, style: null };
  const words = (match[1] ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean);
  const weight = words.find((word) => /^(bold|bolder|lighter|\d{3})$/.test(word)) ?? null;
  const style = words.find((word) => word === 'italic' || word === 'oblique') ?? null;
  return { family: match[3] ?? 'sans-serif', sizePx: Number(match[2]), weight: weight === '400' ? null : weight, style };
}

/** Advance widths in em of Helvetica/Arial, which most sans-serif fonts are close to. */
const NARROW = new Set([...'iljI.,:;|!\'']);
const SMALL = new Set([...'ftr-()[]{}/\\ "*']);
const WIDE = new Set([...'mwMW%@']);

/**
 * An estimate of a text's width in pixels, erring wide by a tenth: the fonts a reader may get
 * instead (DejaVu Sans, on many Linux systems) are wider than Helvetica, and room to spare looks
 * better than labels that overlap.
 */
export function textWidthPx(text: string, sizePx: number, bold: boolean): number {
  let em = 0;
  for (const char of text) {
    if (NARROW.has(char)) em += 0.25;
    else if (SMALL.has(char)) em += 0.32;
    else if (WIDE.has(char)) em += 0.86;
    else if (char >= 'A' && char <= 'Z') em += 0.67;
    else em += 0.56;
  }
  return em * sizePx * (bold ? 1.06 : 1) * 1.1;
}
