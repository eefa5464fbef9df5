/**
 * witness/: the reward policy as a pure reference model, and the circuits' inputs made from it.
 * Public: the whole epoch from registrations, deliveries and scores (buildEpochWitness, or
 * applyPolicy for the tables and buildEpochBatches for the three batch lists, as the trainer and
 * the settlement run them), the commitments a contributor and a trainer compute
 * (registrationCommitment, validationCommitment), and the readers of the score files. The rows,
 * chains, digests, challenges and the fixed-point helpers (config/fixed-point.ts) are imported
 * from their modules.
 */
export {
  applyPolicy,
  buildEpochBatches,
  buildEpochWitness,
  EpochWitnessError,
  type Delivery,
  type EpochBatches,
  type EpochTables,
  type EpochWitness,
  type Registration,
} from "./epoch-witness.ts";
export type { ExampleBatch } from "./example-batches.ts";
export type { RegistrationBatch } from "./registration-batches.ts";
export type { PayoutBatch } from "./payout-batches.ts";
export { registrationCommitment } from "./registration-commitment.ts";
export { validationCommitment } from "./validation-commitment.ts";
export { readExamplesFile, type ExampleClaim } from "./examples-file.ts";
export { readHashScores, type HashScores } from "./hash-scores-file.ts";
export { ScoresFileError } from "./scores-file.ts";
