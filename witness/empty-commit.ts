/**
 * The commit of an epoch whose registrants all failed to deliver: S = 0 and every registration
 * excluded. PayoutSettlement takes it as an empty commit. Nothing is proven for it: it stays open
 * to contests for the contest window (a registrant holding the trainer's Delivery receipt voids
 * it), then the owner's cancelEpoch refunds the pool. Without it, one undelivered registration
 * left the pool to be burned (red team 6).
 */
import { exclusionBitmap, type EpochCommit } from "./challenge.ts";

export interface EmptyCommit {
  readonly commit: EpochCommit;
  /** Every one of the m registrations excluded. */
  readonly exclusionBitmap: string;
}

/**
 * The empty commit of an epoch with `registrants` (m >= 1) registrations. Nothing reads the
 * tables' chains or the batch counts: the chains are 0, and each table has the fewest batches
 * commitEpoch accepts (one, and enough payout rows for m).
 */
export function emptyCommit(registrants: number, payoutBatchSize: number, modelHash: string): EmptyCommit {
  if (!Number.isSafeInteger(registrants) || registrants < 1)
    throw new RangeError(`an empty commit needs at least one registration, got ${registrants}`);
  return {
    commit: {
      commitExamples: 0n,
      commitPayouts: 0n,
      commitExclusion: 0n,
      total: 0n,
      exampleBatches: 1,
      registrationBatches: 1,
      payoutBatches: Math.ceil(registrants / payoutBatchSize),
      modelHash,
    },
    exclusionBitmap: exclusionBitmap(
      Array.from({ length: registrants }, (_, j) => j),
      registrants,
    ),
  };
}
