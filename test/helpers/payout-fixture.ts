/**
 * A synthetic contributor table split into PayoutBatch(testSize) inputs, for tests of the
 * machinery around proofs (pool, queue, backends, interrupts) rather than of the policy itself.
 * Addresses come from keccak(tag, i), so each test file gets its own rows and proof identities.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { config } from "../../config/index.ts";
import { buildPayoutBatches, epochDomain, splitPool, type PayoutBatch } from "../../witness/index.ts";

const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** `rows` contributors (amounts 1e6 * (i + 1) + 7) split over `pool`, domain of `epoch` on chain 31337. */
export function payoutFixture(tag: string, rows: number, epoch: bigint, pool: bigint = 10n ** 24n): PayoutBatch[] {
  const contributors = Array.from({ length: rows }, (_, i) => ({
    address: BigInt(keccak256(toUtf8Bytes(`${tag}/${i}`))) >> 96n,
    amount: 1_000_000n * BigInt(i + 1) + 7n,
  }));
  const table = splitPool(contributors, pool, config);
  return buildPayoutBatches(table, epochDomain(31337n, CONTRACT, epoch), 0n, config.payoutBatch.testSize, config);
}
