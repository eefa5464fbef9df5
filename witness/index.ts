export { chainAbsorb } from "./commitment.ts";
export { epochDomain } from "./domain.ts";
export { epochSeed, exclusionBitmap, exclusionHash, type EpochCommit } from "./challenge.ts";
export { validationCommitment, validationSalt } from "./validation-commitment.ts";
export { powMod } from "./power.ts";
export { splitPool, type ContributorTotal, type PayoutRow, type PayoutTable } from "./policy.ts";
export {
  buildPayoutBatches,
  digestChallenge,
  hornerDigest,
  payoutWord,
  wordsHash,
  type PayoutBatch,
  type PayoutCircuitInput,
} from "./payout-batches.ts";
export {
  buildExampleBatches,
  exampleChains,
  exampleDigestChallenge,
  exampleRowElement,
  type ExampleBatch,
  type ExampleCircuitInput,
  type ExampleRow,
} from "./example-batches.ts";
export {
  applyPolicy,
  buildEpochBatches,
  buildEpochWitness,
  EpochWitnessError,
  type Delivery,
  type DuplicateEvidence,
  type EpochBatches,
  type EpochPolicyOptions,
  type EpochTables,
  type EpochWitness,
  type EpochWitnessErrorCode,
  type EpochWitnessOptions,
  type Exclusion,
  type Registration,
} from "./epoch-witness.ts";
export { formatFixedPoint, toFixedPoint, MAX_EXPONENT, type ExtraDigits, type FixedPointOptions } from "../config/fixed-point.ts";
export { ScoresFileError, type ScoresErrorCode, type ScoresField } from "./scores-file.ts";
export { parseExamples, readExamplesFile, type ExampleClaim } from "./examples-file.ts";
export { parseHashScores, readHashScores, type HashScores } from "./hash-scores-file.ts";
export {
  ADDRESS_BITS,
  COUNT_BITS,
  HASH_BITS,
  poseidonHash,
  registrationCommitment,
  RegistrationCommitmentError,
  registrationDomain,
  registryFold,
  senderWord,
  type RegistrationCommitmentErrorCode,
  type RegistrationCommitmentInput,
} from "./registration-commitment.ts";
export {
  buildRegistrationBatches,
  carriedState,
  exclusionChain,
  exclusionStep,
  foldOfEntries,
  INITIAL_CARRY,
  registrationDigestChallenge,
  registrationInput,
  registrationRows,
  registrationValues,
  registryEntries,
  runRegistrationBatch,
  type Registrant,
  type RegistrationBatch,
  type RegistrationCarry,
  type RegistrationCircuitInput,
  type RegistrationRow,
  type RegistryEntry,
} from "./registration-batches.ts";
