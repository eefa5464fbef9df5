/**
 * snarkjs's JSON encodings of BN254 values, parsed strictly into @noble/curves points.
 *
 * Encodings (what snarkjs 0.7 writes in proof.json, public.json and verification_key.json):
 * - A field element or public signal: a canonical decimal string ("0" or no leading zero, no sign,
 *   no "0x"). Public signals must be below r, coordinates below q (constants below); a value that
 *   is only equal mod r or q is rejected, not reduced, so one proof has exactly one encoding.
 * - G1: [x, y, z], with z = "1" (affine). The point at infinity is ["0", "1", "0"].
 * - G2: [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] where an Fp2 element is c0 + c1·u, u² = -1:
 *   the real part first. This is noble's order ({c0, c1}) and the order of snarkjs's JSON, but
 *   not the order of EIP-197 calldata, which puts the imaginary part first (x.c1, x.c0): the
 *   Solidity verifier's calldata swaps each pair. z = ["1", "0"]; infinity has x = 0, y = 1, z = 0.
 *
 * Left out on purpose: other projective or Jacobian z (snarkjs's internal points are Jacobian,
 * the EVM's are affine, so a z other than 1 would mean different points to different readers),
 * (0, 0) as infinity (the EVM's encoding; here it is a point not on the curve), number or bigint
 * signals (JSON has strings only; a number above 2^53 would already have lost digits), and
 * snarkjs's vk_alphabeta_12, which is derived from vk_alpha_1 and vk_beta_2 and recomputed here.
 *
 * Checks: G1 on y² = x³ + 3 (its cofactor is 1, so on the curve is in the group); G2 on the twist
 * y² = x³ + 3/(u + 9) and in its subgroup of order r (the twist's cofactor is 2q - r, so a point on
 * the twist is almost never in it; noble's isTorsionFree uses [q]P = [6x²]P via the endomorphism ψ).
 */
import { bn254 } from "@noble/curves/bn254.js";
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass.js";
import type { Fp2 } from "@noble/curves/abstract/tower.js";
import { VerifyError } from "./errors.ts";

export type G1Point = WeierstrassPoint<bigint>;
export type G2Point = WeierstrassPoint<Fp2>;

/** Order q of the base field Fq (EIP-196 "p"): point coordinates are below it. */
export const BASE_FIELD_ORDER = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Order r of the scalar field and of G1, G2 (EIP-196 "q"): public signals are below it. */
export const SCALAR_FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const { Fp, Fp2 } = bn254.fields;
if (Fp.ORDER !== BASE_FIELD_ORDER || bn254.fields.Fr.ORDER !== SCALAR_FIELD_ORDER) {
  throw new Error("@noble/curves bn254 field orders differ from EIP-196: wrong curve?");
}
/** b of G1 (EIP-196): y² = x³ + 3. */
const B1 = 3n;
/** b of the twist (EIP-197): 3 / (u + 9), derived here rather than read from noble. */
const B2 = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]));

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** The object at `field`, or BAD_SHAPE. */
export function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new VerifyError("BAD_SHAPE", field, "expected an object", value);
  }
  return value as Record<string, unknown>;
}

/** The array at `field`, of `length` items when given, or BAD_SHAPE. */
export function array(value: unknown, field: string, length?: number): readonly unknown[] {
  if (!Array.isArray(value)) throw new VerifyError("BAD_SHAPE", field, "expected an array", value);
  if (length !== undefined && value.length !== length) {
    throw new VerifyError("BAD_SHAPE", field, `expected an array of ${length} items, got ${value.length} in`, value);
  }
  return value;
}

/** A canonical decimal string below `bound`; `tooBig` is the code for a value >= bound. */
function decimalBelow(value: unknown, field: string, bound: bigint, tooBig: "SIGNAL_NOT_REDUCED" | "COORDINATE_NOT_REDUCED"): bigint {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    throw new VerifyError("NOT_CANONICAL", field, "expected a canonical decimal string", value);
  }
  const n = BigInt(value);
  if (n >= bound) {
    const name = tooBig === "SIGNAL_NOT_REDUCED" ? "r (the scalar field order)" : "q (the base field order)";
    throw new VerifyError(tooBig, field, `must be below ${name}`, value);
  }
  return n;
}

/** A public signal: a canonical decimal string below r. */
export function publicSignal(value: unknown, field: string): bigint {
  return decimalBelow(value, field, SCALAR_FIELD_ORDER, "SIGNAL_NOT_REDUCED");
}

function coordinate(value: unknown, field: string): bigint {
  return decimalBelow(value, field, BASE_FIELD_ORDER, "COORDINATE_NOT_REDUCED");
}

function fp2(value: unknown, field: string): Fp2 {
  const pair = array(value, field, 2);
  return { c0: coordinate(pair[0], `${field}[0]`), c1: coordinate(pair[1], `${field}[1]`) };
}

interface PointOptions {
  /** Whether the point at infinity is allowed here (IC points may be; proof and key points not). */
  readonly infinity: boolean;
}

/** Whether (x, y, z) is the infinity encoding; throws NOT_AFFINE for any z other than 0 or 1. */
function isInfinity<T>(
  F: { is0(a: T): boolean; eql(a: T, b: T): boolean; ONE: T },
  x: T,
  y: T,
  z: T,
  field: string,
  raw: unknown,
): boolean {
  if (F.eql(z, F.ONE)) return false;
  if (F.is0(z) && F.is0(x) && F.eql(y, F.ONE)) return true;
  throw new VerifyError("NOT_AFFINE", `${field}[2]`, "z must be 1 (affine), or 0 in the infinity encoding (0, 1, 0)", raw);
}

/** A G1 point from snarkjs's [x, y, z]; checks range, z, infinity and the curve equation. */
export function g1Point(value: unknown, field: string, options: PointOptions): G1Point {
  const xyz = array(value, field, 3);
  const [x, y, z] = xyz.map((c, i) => coordinate(c, `${field}[${i}]`)) as [bigint, bigint, bigint];
  if (isInfinity(Fp, x, y, z, field, value)) {
    if (!options.infinity) throw new VerifyError("POINT_AT_INFINITY", field, "must be a finite point", value);
    return bn254.G1.Point.ZERO;
  }
  if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), B1))) {
    throw new VerifyError("NOT_ON_CURVE", field, "is not on G1: y² ≠ x³ + 3", value);
  }
  return bn254.G1.Point.fromAffine({ x, y });
}

/** A G2 point from snarkjs's [[x0, x1], [y0, y1], [z0, z1]]; also checks the subgroup of order r. */
export function g2Point(value: unknown, field: string, options: PointOptions): G2Point {
  const xyz = array(value, field, 3);
  const [x, y, z] = xyz.map((c, i) => fp2(c, `${field}[${i}]`)) as [Fp2, Fp2, Fp2];
  if (isInfinity(Fp2, x, y, z, field, value)) {
    if (!options.infinity) throw new VerifyError("POINT_AT_INFINITY", field, "must be a finite point", value);
    return bn254.G2.Point.ZERO;
  }
  if (!Fp2.eql(Fp2.sqr(y), Fp2.add(Fp2.mul(Fp2.sqr(x), x), B2))) {
    throw new VerifyError("NOT_ON_CURVE", field, "is not on the G2 twist: y² ≠ x³ + 3/(u+9) (are c0, c1 swapped?)", value);
  }
  const point = bn254.G2.Point.fromAffine({ x, y });
  if (!point.isTorsionFree()) {
    throw new VerifyError("NOT_IN_SUBGROUP", field, "is on the twist but not in its subgroup of order r", value);
  }
  return point;
}

/** A required string field equal to `expected`, or `code`. */
export function tag(value: unknown, field: string, expected: string, code: "BAD_PROTOCOL" | "BAD_CURVE"): void {
  if (value !== expected) throw new VerifyError(code, field, `must be ${JSON.stringify(expected)}`, value);
}
