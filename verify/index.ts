/**
 * verify/: the skeptic's pipeline step. An independent Groth16 verifier on @noble/curves
 * (groth16.ts), snarkjs's JSON encodings parsed strictly (parse.ts), the verification key hash
 * (vkey-hash.ts), and the re-verification of a whole epoch from its record (docs/soundness-ii.md), read from an epoch
 * directory (record.ts) or from the chain alone (chain-read.ts, chain-record.ts), by one set of
 * checks (epoch.ts; commitments and policy check-commitments.ts, check-policy.ts; the chain
 * comparison chain.ts, the verifiers' bytecode bytecode.ts, scores compared or recomputed
 * scores.ts, recompute.ts, one contributor's view contributor.ts; failures and exit codes in
 * epoch-errors.ts). Tables, chains, digests and the policy are recomputed by verify/model/, the
 * skeptic's own model: nothing here imports the prover's witness/ or prover/.
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
export { EpochVerifyError, EXIT_CODES, type EpochCheck, type EpochVerifyErrorCode, type FailureLocation } from "./epoch-errors.ts";
export { CIRCUIT_KINDS, hasTables, readEpochRecord, type CircuitKind, type EpochRecord, type PublicRecord } from "./record.ts";
export { verifyEpoch, type ChainSource, type EpochReport, type VerifyEpochOptions } from "./epoch.ts";
export type { CheckResult } from "./check-result.ts";
export { checkValidation, type ValidationCheckOptions } from "./validation.ts";
export { contributorView, type ContributorView, type ContributorViewOptions, type RegistrationView } from "./contributor.ts";
export { compareScores } from "./scores.ts";
export { recomputeScores, type RecomputeInputs } from "./recompute.ts";
export { readChainEpoch, type ChainEpoch, type ChainFollowed, type ChainLineage } from "./chain-read.ts";
export { chainProofs, recordFromChain, type KeySource, type KeyTexts } from "./chain-record.ts";
export { checkLineage, compareWithChain } from "./chain.ts";
export { checkVerifierBytecode } from "./bytecode.ts";
export { poseidonHash } from "./model/index.ts";
