/**
 * Seeded, splittable pseudo-random numbers: the only source of chance in a simulation.
 *
 * Generator: xoshiro128** (Blackman and Vigna), 32-bit arithmetic only, so every platform gives
 * the same numbers. Seeding and forking hash a path of labels with a 128-bit mix, so
 * `rng.fork('network')` depends on the root seed and the label, never on how many numbers the
 * parent or any sibling has drawn: adding a consumer never shifts what another consumer sees
 * (docs/determinism.md, "Where time and chance come from"; TigerBeetle's VOPR and FoundationDB's
 * simulator draw per-subsystem streams the same way). We own this code so a dependency upgrade
 * cannot change every replay; `test/kernel/rng.test.ts` pins the first outputs for seed 1.
 */

/** A probability in [0, 1]. */
export type Ratio = number;

const TWO_POW_32 = 4294967296;

/** A deterministic random stream; create one with {@link createRng}. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @internal Use {@link createRng} or {@link Rng.fork}. */
  constructor(
    /** The label path this stream was derived from, e.g. `1/network/latency`. */
    readonly path: string,
  ) {
    const [a, b, c, d] = mix128(path);
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
    // An all-zero state would stay zero forever; mix128 makes it vanishingly unlikely, but be sure.
    if ((a | b | c | d) === 0) this.s0 = 0x9e3779b9;
  }

  /**
   * @internal A stream with an explicit xoshiro128** state, for checking published test vectors.
   */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const rng = new Rng('state');
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((word) => word | 0) as [number, number, number, number];
    return rng;
  }

  /**
   * An independent stream named `label`. The same label always gives the same stream, so labels
   * must be unique among a parent's consumers (use ids: `fork('seg:pg0:az-a:1')`).
   */
  fork(label: string): Rng {
    return new Rng(`${this.path}/${label}`);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    // xoshiro128**: result = rotl(s1 * 5, 7) * 9.
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** An integer in [min, max], both inclusive, without modulo bias. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`rng.int needs integers min <= max, got ${min}..${max}`);
    }
    const span = max - min + 1;
    if (span <= TWO_POW_32) {
      // Rejection sampling keeps every value equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % span);
      let draw = this.nextUint32();
      while (draw >= limit) draw = this.nextUint32();
      return min + (draw % span);
    }
    return min + Math.floor(this.next() * span);
  }

  /** True with probability `p`. Draws nothing when p is 0 or 1, so switching a fault off is free. */
  chance(p: Ratio): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('rng.pick needs a non-empty array');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy;
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** A normally distributed value (Box-Muller; uses two draws). */
  normal(mean: number, stdDev: number): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + stdDev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A log-normally distributed value with the given median and shape `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }
}

/**
 * The root stream of a run. `seed` is an integer from −(2^53 − 1) to 2^53 − 1 (a safe integer, so
 * its decimal text, which is what gets hashed, names it exactly); it is printed first by every run.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}, got ${seed}`);
  }
  return new Rng(String(seed));
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Hashes a string to four 32-bit words (cyrb128-style multiply-xorshift mixing), then runs
 * splitmix32 over each so nearby labels give unrelated states.
 */
function mix128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [splitmix32(h1), splitmix32(h2), splitmix32(h3), splitmix32(h4)];
}

function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
