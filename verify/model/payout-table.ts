/**
 * The payout table re-committed batch by batch, as PayoutBatch(B) proves it (the statement of
 * circuits/payout_batch.circom, rewritten for the skeptic):
 *   - row j pays registration j (j = k B + i in batch k): its sender, its credited total T_j, the
 *     floor split reward; rows j >= m are padding (address 0, amount 0, reward 0), as many
 *     batches as the commit says. An address that registered twice has two rows;
 *   - chainOut = fold(chainIn, [domain, pool + S 2^poolBits + k 2^(poolBits+totalBits),
 *     address + T 2^addressBits per row]) from 0 (the batch index is absorbed, so it cannot be
 *     chosen after rho);
 *   - the words the contract pays: address + reward 2^addressBits, 0 for padding;
 *   - under the seed (r = seed): amountSum = sum T, rlcSum = sum (T + address r^(2^indexBits))
 *     r^(k B + i), then rho and the digest over V and the words (digest.ts).
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { foldChain } from "./chain.ts";
import { rangeShift } from "./challenge.ts";
import { payoutDigest, type Digest, type PayoutBatchValues } from "./digest.ts";
import { fieldPow, toField } from "./field.ts";

/** One row of the payout table. */
export interface PayoutTableRow {
  readonly address: bigint;
  /** T_j, registration j's credited clipped total. */
  readonly amount: bigint;
  readonly reward: bigint;
}

/** What the payout batches of an epoch share. */
export interface PayoutTableContext {
  readonly domain: bigint;
  readonly pool: bigint;
  /** S, the sum of every T_j. */
  readonly total: bigint;
  readonly batchSize: number;
  readonly widths: ProtocolConfig["widths"];
  readonly absorbWidth: number;
}

/** One batch of the payout table, committed (seed-independent). */
export interface CommittedPayoutBatch {
  readonly index: number;
  /** The batch's rows, padded to the batch size: row i is j = index * batchSize + i. */
  readonly rows: readonly PayoutTableRow[];
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  /** The words the contract pays for this batch. */
  readonly words: readonly bigint[];
}

const PAD: PayoutTableRow = { address: 0n, amount: 0n, reward: 0n };

/** The second absorbed element of batch `index`: pool, S and the batch index, packed. */
export function payoutHead(index: number, c: Pick<PayoutTableContext, "pool" | "total" | "widths">): bigint {
  const { poolBits, totalBits } = c.widths;
  return c.pool + (c.total << BigInt(poolBits)) + (BigInt(index) << BigInt(poolBits + totalBits));
}

/** The payout word of a row: the payee in the low addressBits bits, the reward above. */
export function payoutWord(row: PayoutTableRow, addressBits: number): bigint {
  return row.address + (row.reward << BigInt(addressBits));
}

/** Commits `rows` (row j = registration j) in `batchCount` batches; the last chainOut is commitPayouts. */
export function commitPayoutTable(rows: readonly PayoutTableRow[], c: PayoutTableContext, batchCount: number): CommittedPayoutBatch[] {
  if (!Number.isSafeInteger(c.batchSize) || c.batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${c.batchSize}`);
  if (!Number.isSafeInteger(batchCount) || batchCount < 1)
    throw new RangeError(`the payout batch count must be a positive integer, got ${batchCount}`);
  if (rows.length > batchCount * c.batchSize)
    throw new RangeError(`${rows.length} payout rows do not fit in ${batchCount} batches of ${c.batchSize}`);
  if (batchCount * c.batchSize > 2 ** c.widths.contributorIndexBits)
    throw new RangeError(`${batchCount} payout batches of ${c.batchSize} exceed 2^${c.widths.contributorIndexBits} rows`);
  const { addressBits, totalBits, poolBits } = c.widths;
  rows.forEach((row, j) => {
    if (row.address < 0n || row.address >= 1n << BigInt(addressBits))
      throw new RangeError(`contributors.json row ${j}: address is not below 2^${addressBits}`);
    if (row.amount < 0n || row.amount >= 1n << BigInt(totalBits))
      throw new RangeError(`contributors.json row ${j}: amount ${row.amount} is not in [0, 2^${totalBits})`);
    if (row.reward < 0n || row.reward >= 1n << BigInt(poolBits))
      throw new RangeError(`contributors.json row ${j}: reward ${row.reward} is not in [0, 2^${poolBits})`);
  });
  const out: CommittedPayoutBatch[] = [];
  let chainIn = 0n;
  for (let index = 0; index < batchCount; index++) {
    const active = rows.slice(index * c.batchSize, (index + 1) * c.batchSize);
    const padded = [...active, ...Array<PayoutTableRow>(c.batchSize - active.length).fill(PAD)];
    const absorbed = [c.domain, payoutHead(index, c), ...padded.map((row) => row.address + (row.amount << BigInt(addressBits)))];
    const chainOut = foldChain(chainIn, absorbed, c.absorbWidth);
    out.push({ index, rows: padded, chainIn, chainOut, words: padded.map((row) => payoutWord(row, addressBits)) });
    chainIn = chainOut;
  }
  return out;
}

/** The public values of a committed batch under the seed, with rho and the digest of its words. */
export function payoutBatchValues(batch: CommittedPayoutBatch, c: PayoutTableContext, seed: bigint): PayoutBatchValues & Digest {
  const r = seed;
  const addressShift = rangeShift(r, c.widths.contributorIndexBits);
  let amountSum = 0n;
  let rlcSum = 0n;
  let power = fieldPow(r, BigInt(batch.index * c.batchSize));
  for (const row of batch.rows) {
    amountSum += row.amount;
    rlcSum = toField(rlcSum + toField(row.amount + row.address * addressShift) * power);
    power = toField(power * r);
  }
  const values: PayoutBatchValues = { chainIn: batch.chainIn, chainOut: batch.chainOut, amountSum, rlcSum };
  return { ...values, ...payoutDigest(values, batch.index, { domain: c.domain, pool: c.pool, total: c.total, seed }, batch.words) };
}
