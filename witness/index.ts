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
