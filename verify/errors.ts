/**
 * Errors of the skeptic's verifier. A VerifyError means the input is malformed: it is not a
 * Groth16 proof, verification key or list of public signals in the form snarkjs writes, so no
 * pairing was computed. A well-formed proof that fails the pairing check is not an error:
 * verifyGroth16 returns false.
 */
import { CodedError } from "../errors/index.ts";

/**
 * What is malformed:
 * - BAD_SHAPE: not an object, a missing field, an array of the wrong length, a wrong JSON type.
 * - BAD_PROTOCOL / BAD_CURVE: `protocol` is not "groth16" / `curve` is not "bn128".
 * - NOT_CANONICAL: a number that is not a canonical decimal string (no sign, no leading zero, no 0x).
 * - SIGNAL_NOT_REDUCED: a public signal >= r, the BN254 scalar field order.
 * - SIGNAL_COUNT: the number of public signals is not the key's nPublic.
 * - COORDINATE_NOT_REDUCED: a point coordinate >= q, the BN254 base field order.
 * - NOT_AFFINE: z is neither 1 (an affine point) nor the infinity encoding.
 * - NOT_ON_CURVE: (x, y) does not satisfy the curve equation of G1 or of G2 (the twist).
 * - NOT_IN_SUBGROUP: a G2 point on the twist but outside its subgroup of order r.
 * - POINT_AT_INFINITY: the point at infinity where a finite point is required.
 * - VK_INCONSISTENT: the key's nPublic does not match its IC (nPublic + 1 points).
 */
export type VerifyErrorCode =
  | "BAD_SHAPE"
  | "BAD_PROTOCOL"
  | "BAD_CURVE"
  | "NOT_CANONICAL"
  | "SIGNAL_NOT_REDUCED"
  | "SIGNAL_COUNT"
  | "COORDINATE_NOT_REDUCED"
  | "NOT_AFFINE"
  | "NOT_ON_CURVE"
  | "NOT_IN_SUBGROUP"
  | "POINT_AT_INFINITY"
  | "VK_INCONSISTENT";

/** Shows a value in an error message, cut to 80 characters. */
function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "bigint" ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Malformed verifier input (an input error). `field` is a path such as `proof.pi_b[1][0]` or `publicSignals[2]`. */
export class VerifyError extends CodedError<VerifyErrorCode> {
  readonly field: string;
  readonly value: unknown;
  constructor(code: VerifyErrorCode, field: string, problem: string, value: unknown) {
    super(code, "input", `${field}: ${problem}, got ${show(value)} (${code})`);
    this.field = field;
    this.value = value;
  }
}
