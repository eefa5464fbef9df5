/**
 * The skeptic's own model of the protocol, written apart from the prover's witness/ so that a bug
 * there is caught, not reproduced: Poseidon on @noble/curves (poseidon.ts), the commitment chain
 * (chain.ts), the keccak transcripts (keccak.ts, challenge.ts, digest.ts), both tables committed
 * batch by batch (example-table.ts, payout-table.ts), the public signals (statement.ts),
 * the reward policy (policy.ts, floor-split.ts), registration and validation commitments, and the
 * examples file (examples-file.ts, decimal.ts).
 */
export { P, evaluateAt, fieldPow, toField } from "./field.ts";
export { MAX_POSEIDON_INPUTS, poseidonHash } from "./poseidon.ts";
export { foldChain } from "./chain.ts";
export { keccakToField, packedWordsHash } from "./keccak.ts";
export { epochChallenge, epochDomain } from "./challenge.ts";
export { exampleDigest, payoutDigest, type ExampleTranscript, type PayoutTranscript } from "./digest.ts";
export { publicSignalsOf, SIGNAL_NAMES, type BatchSignals } from "./statement.ts";
export { commitExampleTable, exampleBatchTranscript, exampleElement, type CommittedExampleBatch, type ExampleTableRow } from "./example-table.ts";
export {
  commitPayoutTable, payoutBatchTranscript, payoutHead, payoutWord, type CommittedPayoutBatch, type PayoutTableContext, type PayoutTableRow,
} from "./payout-table.ts";
export { floorSplit, type SplitRow, type SplitTable } from "./floor-split.ts";
export { applyRewardPolicy, type PolicyClaim, type PolicyDuplicate, type PolicyOutcome, type PolicyRegistration } from "./policy.ts";
export { registrationCommitment } from "./registration-commitment.ts";
export { validationCommitment } from "./validation-commitment.ts";
export { decimalToFixed } from "./decimal.ts";
export { parseExamplesText, type FileClaim } from "./examples-file.ts";
