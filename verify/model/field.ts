/**
 * Arithmetic in the BN254 scalar field F_p, the field of every circuit signal, written for the
 * skeptic (no witness/ code). p comes from config/ (the one source of truth for parameters).
 */
import { FIELD_MODULUS } from "../../config/index.ts";

/** p, the order of the BN254 scalar field. */
export const P = FIELD_MODULUS;

/** x mod p in [0, p), also for negative x (a signed score enters the field as p - |s|). */
export function toField(x: bigint): bigint {
  const m = x % P;
  return m < 0n ? m + P : m;
}

/** base^exponent mod p, exponent >= 0, by right-to-left square-and-multiply. */
export function fieldPow(base: bigint, exponent: bigint): bigint {
  if (exponent < 0n) throw new RangeError(`exponent must be >= 0, got ${exponent}`);
  let acc = 1n;
  let square = toField(base);
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) acc = (acc * square) % P;
    square = (square * square) % P;
    e >>= 1n;
  }
  return acc;
}

/**
 * The polynomial with coefficients `values` (highest degree first) evaluated at x mod p:
 * values[0] x^(n-1) + ... + values[n-1]. The settlement contract's digest loop
 * (acc = acc * rho + v) is this evaluation, so the skeptic computes the same number.
 */
export function evaluateAt(values: readonly bigint[], x: bigint): bigint {
  return values.reduce((acc, v) => toField(acc * x + v), 0n);
}
