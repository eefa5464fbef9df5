/**
 * A synthetic payout table (one row per registration, in order j) split into PayoutBatch(testSize)
 * inputs, for tests of the machinery around proofs (pool, queue, backends, interrupts) rather than
 * of the policy itself. Addresses and the seed come from keccak of the tag, so each test file gets
 * its own rows and proof identities; the seed is nonzero like every seed commitEpoch draws, so the
 * rows' r^j and r^(j + 2^20) terms are all in play.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { config, FIELD_MODULUS } from "../../config/index.ts";
import type { PayoutBatch } from "../../witness/index.ts";
import { epochDomain } from "../../witness/domain.ts";
import { buildPayoutBatches } from "../../witness/payout-batches.ts";
import { splitPool } from "../../witness/policy.ts";

const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** `rows` registrations (amounts 1e6 * (j + 1) + 7) split over `pool`, domain of `epoch` on chain 31337. */
export function payoutFixture(tag: string, rows: number, epoch: bigint, pool: bigint = 10n ** 24n): PayoutBatch[] {
  const registrations = Array.from({ length: rows }, (_, j) => ({
    address: BigInt(keccak256(toUtf8Bytes(`${tag}/${j}`))) >> 96n,
    amount: 1_000_000n * BigInt(j + 1) + 7n,
  }));
  const table = splitPool(registrations, pool, config);
  const seed = BigInt(keccak256(toUtf8Bytes(`${tag}/seed`))) % FIELD_MODULUS;
  return buildPayoutBatches(table, epochDomain(31337n, CONTRACT, epoch), seed, config.payoutBatch.testSize, config);
}
