/**
 * The skeptic's own model of the protocol (docs/soundness-ii.md), written apart from the prover's
 * witness/ so that a bug there is caught, not reproduced: Poseidon on @noble/curves (poseidon.ts),
 * the commitment chain (chain.ts), the keccak transcripts (keccak.ts, challenge.ts: domains, the
 * seed, the exclusion hash; digest.ts: each batch's V, rho and digest), the registration
 * commitment C_j and the registry's fold F (registration-commitment.ts), the three tables batch by
 * batch (claim-table.ts, registration-table.ts, payout-table.ts), both identities over whole tables
 * (identities.ts), the public signals (statement.ts), the reward policy (policy.ts,
 * floor-split.ts), the validation commitment and the examples file (examples-file.ts, decimal.ts).
 */
export { P, evaluateAt, fieldPow, toField } from "./field.ts";
export { MAX_POSEIDON_INPUTS, poseidonHash } from "./poseidon.ts";
export { foldChain } from "./chain.ts";
export { keccakToField, packedWordsHash } from "./keccak.ts";
export {
  challengesOf,
  epochDomain,
  epochSeed,
  exclusionHash,
  exclusionOrders,
  exclusionSum,
  rangeShift,
  registrationDomain,
  type Challenges,
  type EpochCommit,
} from "./challenge.ts";
export {
  claimDigest,
  claimTranscript,
  EMPTY_CARRY,
  payoutDigest,
  payoutTranscript,
  registrationDigest,
  registrationTranscript,
  type ClaimBatchValues,
  type Digest,
  type PayoutBatchValues,
  type PayoutEpochValues,
  type RegistrationBatchValues,
  type RegistrationCarry,
} from "./digest.ts";
export { publicSignalsOf, SIGNAL_NAMES, type BatchSignals } from "./statement.ts";
export { claimBatchValues, claimElement, commitClaimTable, type ClaimRow, type CommittedClaimBatch } from "./claim-table.ts";
export {
  buildRegistrationBatches,
  exclusionChain,
  registrationBatchCount,
  registrationRows,
  type RegistrantEntry,
  type RegistrationBatchModel,
  type RegistrationRow,
} from "./registration-table.ts";
export {
  commitPayoutTable,
  payoutBatchValues,
  payoutHead,
  payoutWord,
  type CommittedPayoutBatch,
  type PayoutTableContext,
  type PayoutTableRow,
} from "./payout-table.ts";
export { identitySides, type IdentitySides } from "./identities.ts";
export { floorSplit, type SplitRow, type SplitTable } from "./floor-split.ts";
export { applyRewardPolicy, type PolicyDuplicate, type PolicyInput, type PolicyOutcome, type PolicyRegistration } from "./policy.ts";
export {
  checkList,
  chunksOf,
  registrationCommitment,
  registryFold,
  registryFolds,
  senderOf,
  senderWord,
  type CommitmentInput,
  type FoldedRegistration,
} from "./registration-commitment.ts";
export { validationCommitment } from "./validation-commitment.ts";
export { decimalToFixed } from "./decimal.ts";
export { parseExamplesText, type FileClaim } from "./examples-file.ts";
