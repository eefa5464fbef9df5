/**
 * Polynomials over F_p (p = BN254's scalar field) for the adaptive-prover tests: an attacker who
 * sees a Fiat-Shamir challenge first, then treats one free witness value x as unknown, writes the
 * circuit's digest as a polynomial in x and solves digest(x) == target for x.
 *
 * Coefficients are low to high ([c0, c1, ...] is c0 + c1 x + ...), always reduced, trailing zeros
 * trimmed. Roots by Cantor-Zassenhaus: g = gcd(f, x^p - x) keeps exactly the roots of f in F_p,
 * then random splits gcd(g, (x + a)^((p-1)/2) - 1) until a linear factor remains.
 */
import { randomBytes } from "node:crypto";
import { FIELD_MODULUS as P } from "../../config/index.ts";

export type Poly = bigint[];

const mod = (a: bigint): bigint => ((a % P) + P) % P;

/** a^-1 mod p (a != 0), by the extended Euclidean algorithm. */
export function invert(a: bigint): bigint {
  let [t, nextT, r, nextR] = [0n, 1n, P, mod(a)];
  if (nextR === 0n) throw new RangeError("0 has no inverse");
  while (nextR !== 0n) {
    const q = r / nextR;
    [t, nextT] = [nextT, t - q * nextT];
    [r, nextR] = [nextR, r - q * nextR];
  }
  return mod(t);
}

function trim(f: readonly bigint[]): Poly {
  const g = f.map(mod);
  while (g.length > 0 && g[g.length - 1] === 0n) g.pop();
  return g;
}

function sub(a: Poly, b: Poly): Poly {
  return trim(Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0n) - (b[i] ?? 0n)));
}

function mul(a: Poly, b: Poly): Poly {
  if (a.length === 0 || b.length === 0) return [];
  const r = Array<bigint>(a.length + b.length - 1).fill(0n);
  for (const [i, x] of a.entries()) for (const [j, y] of b.entries()) r[i + j] = (r[i + j]! + x * y) % P;
  return trim(r);
}

function remainder(a: Poly, m: Poly): Poly {
  let r = trim(a);
  const leadInverse = invert(m[m.length - 1]!);
  while (r.length >= m.length) {
    const c = (r[r.length - 1]! * leadInverse) % P;
    const shift = r.length - m.length;
    for (const [i, y] of m.entries()) r[shift + i] = mod(r[shift + i]! - c * y);
    r = trim(r);
  }
  return r;
}

function powMod(base: Poly, e: bigint, m: Poly): Poly {
  let result: Poly = [1n];
  let b = remainder(base, m);
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) result = remainder(mul(result, b), m);
    b = remainder(mul(b, b), m);
  }
  return result;
}

function gcd(a: Poly, b: Poly): Poly {
  [a, b] = [trim(a), trim(b)];
  while (b.length > 0) [a, b] = [b, remainder(a, b)];
  return a;
}

/** A root of f in F_p, or undefined if f has none (a random polynomial has one ~63 % of the time). */
export function findRoot(f: readonly bigint[]): bigint | undefined {
  const x: Poly = [0n, 1n];
  let g = trim(f);
  if (g.length === 0) return 0n;
  g = gcd(g, sub(powMod(x, P, g), x));
  if (g.length < 2) return undefined;
  while (g.length > 2) {
    const a = BigInt(`0x${randomBytes(32).toString("hex")}`) % P;
    const h = gcd(g, sub(powMod([a, 1n], (P - 1n) / 2n, g), [1n]));
    if (h.length >= 2 && h.length < g.length) g = h;
  }
  return mod(-g[0]! * invert(g[1]!));
}

/**
 * The coefficients of the polynomial of degree <= `degree` through (x, f(x)) for x = 0..degree
 * (Lagrange). Exact when f is such a polynomial; the attacker uses it on the circuit's digest as a
 * function of one witness value.
 */
export function interpolate(f: (x: bigint) => bigint, degree: number): Poly {
  const xs = Array.from({ length: degree + 1 }, (_, i) => BigInt(i));
  let result: Poly = [];
  for (const xi of xs) {
    let basis: Poly = [1n];
    let denominator = 1n;
    for (const xj of xs) {
      if (xj === xi) continue;
      basis = mul(basis, [mod(-xj), 1n]);
      denominator = (denominator * mod(xi - xj)) % P;
    }
    const scale = (mod(f(xi)) * invert(denominator)) % P;
    result = sub(result, mul(basis, [mod(-scale)]));
  }
  return result;
}

/** Evaluates f at x. */
export function evaluate(f: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let i = f.length - 1; i >= 0; i--) acc = (acc * x + f[i]!) % P;
  return mod(acc);
}
