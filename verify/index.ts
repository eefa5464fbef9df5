/**
 * verify/: the skeptic's pipeline step. For now its first building block: an independent Groth16
 * verifier on @noble/curves (groth16.ts), snarkjs's JSON encodings parsed strictly (parse.ts), and
 * the verification key hash (vkey-hash.ts).
 */
export {
  checkPairing,
  parseProof,
  parseVerifyingKey,
  parsePublicSignals,
  prepareVerifyingKey,
  verifyGroth16,
  type ParsedProof,
  type ParsedVerifyingKey,
  type PreparedVerifyingKey,
} from "./groth16.ts";
export { BASE_FIELD_ORDER, SCALAR_FIELD_ORDER, type G1Point, type G2Point } from "./parse.ts";
export { VerifyError, type VerifyErrorCode } from "./errors.ts";
export { vkeyHash } from "./vkey-hash.ts";
