/**
 * A small seeded pseudo-random generator, so that every random choice in training (factor
 * initialisation, SGD order, fold assignment, negative sampling, synthetic data) is reproducible
 * from one integer seed.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of state, period 2^128 - 1,
 * passes BigCrush, and needs only 32-bit integer operations, which JavaScript does exactly with
 * `Math.imul` and `>>> 0`. Its state is filled from the seed by splitmix32 so that nearby seeds
 * (1, 2, 3…) give unrelated streams and the state is never all zero.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second normal deviate of the last Box–Muller pair, or NaN when none is pending. */
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Fold a non-integer or >32-bit seed into 32 bits deterministically.
    let state = (Math.floor(seed) ^ Math.floor(seed / 0x1_0000_0000)) | 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state ^ (state >>> 16);
      z = Math.imul(z, 0x21f0aaad);
      z ^= z >>> 15;
      z = Math.imul(z, 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits of precision (two draws, like `Math.random`'s resolution). */
  float(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`int(n) needs n > 0, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal deviate (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const value = this.spareNormal;
      this.spareNormal = Number.NaN;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends Int32Array | Uint32Array | number[]>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = values[i] as number;
      values[i] = values[j] as number;
      values[j] = tmp;
    }
    return values;
  }

  /**
   * An independent generator derived from this one's seed stream: phases that draw a variable
   * number of values (e.g. one per fold) take a fork so that changing one phase does not shift
   * every later draw.
   */
  fork(): Rng {
    return new Rng(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x9e3779b1));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A permutation of 0..n-1, shuffled by `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return rng.shuffle(order);
}
