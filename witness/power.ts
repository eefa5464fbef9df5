import { FIELD_MODULUS } from "../config/index.ts";

/** base^exponent mod p by square-and-multiply (exponent >= 0). */
export function powMod(base: bigint, exponent: bigint): bigint {
  if (exponent < 0n) throw new RangeError(`exponent must be >= 0, got ${exponent}`);
  let result = 1n;
  let b = ((base % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
  for (let e = exponent; e > 0n; e >>= 1n, b = (b * b) % FIELD_MODULUS) if (e & 1n) result = (result * b) % FIELD_MODULUS;
  return result;
}
