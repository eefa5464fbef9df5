/**
 * A seeded pseudo-random generator for property tests (SplitMix64, Steele, Lea and Flood 2014):
 * the same seed gives the same cases on every machine, and a failing case names its seed.
 */
const MASK64 = (1n << 64n) - 1n;

export interface Prng {
  /** A uniform 64-bit value. */
  next64(): bigint;
  /** A value in [0, bound); bias below 2^-64. */
  below(bound: bigint): bigint;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

export function prng(seed: bigint): Prng {
  let state = seed & MASK64;
  const next64 = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
  const below = (bound: bigint): bigint => {
    if (bound <= 0n) throw new RangeError(`bound must be positive, got ${bound}`);
    let value = 0n;
    for (let bits = 0; bits < bound.toString(2).length + 64; bits += 64) value = (value << 64n) | next64();
    return value % bound;
  };
  const int = (min: number, max: number): number => min + Number(below(BigInt(max - min + 1)));
  return { next64, below, int };
}
