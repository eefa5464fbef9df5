export { chainAbsorb } from "./commitment.ts";
export { epochDomain } from "./domain.ts";
export { splitPool, type ContributorTotal, type PayoutRow, type PayoutTable } from "./policy.ts";
export {
  buildPayoutBatches,
  digestChallenge,
  hornerDigest,
  payoutWord,
  type PayoutBatch,
  type PayoutCircuitInput,
} from "./payout-batches.ts";
export { formatFixedPoint, toFixedPoint, MAX_EXPONENT, type ExtraDigits, type FixedPointOptions } from "./fixed-point.ts";
export {
  parseScores,
  readScoresFile,
  ScoresFileError,
  type ScoreRow,
  type ScoresConfig,
  type ScoresErrorCode,
  type ScoresField,
} from "./scores-file.ts";
