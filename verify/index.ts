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
 *
 * Public: what the `verify` command calls (verifyEpoch from a record or the chain, its report,
 * the contributor's view in it, its error and exit codes) and the standalone Groth16 check
 * (verifyGroth16, docs/verify-and-report.md) with its error. The single checks, the record and
 * chain readers and the parsers are imported from their modules.
 */
export { verifyGroth16 } from "./groth16.ts";
export { VerifyError } from "./errors.ts";
export { EpochVerifyError, EXIT_CODES } from "./epoch-errors.ts";
export { verifyEpoch, type ChainSource, type EpochReport } from "./epoch.ts";
export type { ContributorView } from "./contributor.ts";
export type { KeySource } from "./chain-record.ts";
