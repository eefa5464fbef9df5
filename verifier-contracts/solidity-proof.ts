/**
 * snarkjs Groth16 proof -> the (a, b, c) arguments of the generated Solidity verifier.
 *
 * snarkjs writes points in projective form as decimal strings: pi_a = [x, y, "1"],
 * pi_b = [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]], pi_c = [x, y, "1"]. The verifier wants affine
 * coordinates, and for G2 each Fp2 element with its coefficients in the order (c1, c0), which is the
 * EIP-197 precompile's encoding: hence b = [[x.c1, x.c0], [y.c1, y.c0]]. Getting that swap wrong
 * makes every proof fail, never pass.
 */
import type { Groth16Proof } from "snarkjs";

/** Order of the BN254 base field: every proof coordinate lies below it. */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export type Pair = readonly [bigint, bigint];

/** The proof as the verifier's verifyProof(a, b, c, signals) takes it. */
export interface SolidityProof {
  readonly a: Pair;
  readonly b: readonly [Pair, Pair];
  readonly c: Pair;
}

function coordinate(value: unknown, name: string): bigint {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value)) {
    throw new TypeError(`${name} must be a decimal string, got ${JSON.stringify(value)}`);
  }
  const v = BigInt(value);
  if (v >= BASE_FIELD_MODULUS) throw new RangeError(`${name} must be below the BN254 base field modulus, got ${v}`);
  return v;
}

function list(value: unknown, name: string, length: number): unknown[] {
  if (!Array.isArray(value) || value.length < length) {
    throw new TypeError(`${name} must be an array of at least ${length} elements, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Converts a snarkjs proof; throws TypeError/RangeError naming the bad coordinate. */
export function toSolidityProof(proof: Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">): SolidityProof {
  const g1 = (value: unknown, name: string): Pair => {
    const p = list(value, name, 2);
    // snarkjs normalises to z = 1; anything else would need a division we do not do here.
    if (p.length > 2 && p[2] !== "1") throw new RangeError(`${name}[2] must be "1" (affine), got ${JSON.stringify(p[2])}`);
    return [coordinate(p[0], `${name}[0]`), coordinate(p[1], `${name}[1]`)];
  };
  const b = list(proof.pi_b, "pi_b", 2);
  const fp2 = (i: number): Pair => {
    const e = list(b[i], `pi_b[${i}]`, 2);
    return [coordinate(e[1], `pi_b[${i}][1]`), coordinate(e[0], `pi_b[${i}][0]`)];
  };
  if (b.length > 2) {
    const z = list(b[2], "pi_b[2]", 2);
    if (z[0] !== "1" || z[1] !== "0") throw new RangeError(`pi_b[2] must be ["1", "0"] (affine), got ${JSON.stringify(z)}`);
  }
  return { a: g1(proof.pi_a, "pi_a"), b: [fp2(0), fp2(1)], c: g1(proof.pi_c, "pi_c") };
}
