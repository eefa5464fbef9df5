/**
 * The contributor table re-committed batch by batch, as PayoutBatch(B) proves it (the statement of
 * circuits/payout_batch.circom, rewritten for the skeptic):
 *   - rows in strictly increasing address order, cut into batches of B, the last padded with zero
 *     rows (address 0, amount 0, reward 0);
 *   - chainOut = fold(chainIn, [domain, head, addressIn, address + T 2^addressBits per row]) from
 *     0, where head = pool + S 2^poolBits + batchIndex 2^(poolBits+totalBits) (the batch index
 *     is absorbed, so it cannot be chosen after rho);
 *     addressIn is the last real payee before the batch (0 at first);
 *   - the words the contract pays: address + reward 2^addressBits, 0 for padding;
 *   - under r: amountSum = sum T, rlcSum = sum T r^(batchIndex B + i), then rho and the digest.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { foldChain } from "./chain.ts";
import { payoutDigest, type PayoutTranscript } from "./digest.ts";
import { fieldPow, toField } from "./field.ts";

/** One row of the contributor table. */
export interface PayoutTableRow {
  readonly address: bigint;
  /** T_c, the contributor's clipped total. */
  readonly amount: bigint;
  readonly reward: bigint;
}

/** What the payout batches of an epoch share. */
export interface PayoutTableContext {
  readonly domain: bigint;
  readonly pool: bigint;
  /** S, the sum of every T_c. */
  readonly total: bigint;
  readonly batchSize: number;
  readonly widths: ProtocolConfig["widths"];
  readonly absorbWidth: number;
}

/** One batch of the contributor table, committed (r-independent). */
export interface CommittedPayoutBatch {
  readonly index: number;
  /** The batch's rows, padded to the batch size. */
  readonly rows: readonly PayoutTableRow[];
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly addressIn: bigint;
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

/** Commits `rows` batch by batch; the last chainOut is commitContributors. */
export function commitPayoutTable(rows: readonly PayoutTableRow[], c: PayoutTableContext): CommittedPayoutBatch[] {
  if (!Number.isSafeInteger(c.batchSize) || c.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${c.batchSize}`);
  const { addressBits, totalBits, poolBits } = c.widths;
  rows.forEach((row, i) => {
    if (row.address <= (i > 0 ? rows[i - 1]!.address : 0n) || row.address >= 1n << BigInt(addressBits)) throw new RangeError(`contributors row ${i}: address is not above the previous row's and below 2^${addressBits}`);
    if (row.amount < 0n || row.amount >= 1n << BigInt(totalBits)) throw new RangeError(`contributors row ${i}: amount ${row.amount} is not in [0, 2^${totalBits})`);
    if (row.reward < 0n || row.reward >= 1n << BigInt(poolBits)) throw new RangeError(`contributors row ${i}: reward ${row.reward} is not in [0, 2^${poolBits})`);
  });
  const out: CommittedPayoutBatch[] = [];
  let chainIn = 0n;
  let addressIn = 0n;
  for (let index = 0; index === 0 || index * c.batchSize < rows.length; index++) {
    const real = rows.slice(index * c.batchSize, (index + 1) * c.batchSize);
    const padded = [...real, ...Array<PayoutTableRow>(c.batchSize - real.length).fill(PAD)];
    const absorbed = [c.domain, payoutHead(index, c), addressIn, ...padded.map((row) => row.address + (row.amount << BigInt(addressBits)))];
    const chainOut = foldChain(chainIn, absorbed, c.absorbWidth);
    out.push({ index, rows: padded, chainIn, chainOut, addressIn, words: padded.map((row) => payoutWord(row, addressBits)) });
    chainIn = chainOut;
    if (real.length > 0) addressIn = real[real.length - 1]!.address;
  }
  return out;
}

/** The transcript of a committed batch under `r`, with rho and the digest of its words. */
export function payoutBatchTranscript(batch: CommittedPayoutBatch, c: PayoutTableContext, r: bigint): PayoutTranscript & { rho: bigint; digest: bigint } {
  let amountSum = 0n;
  let rlcSum = 0n;
  let power = fieldPow(r, BigInt(batch.index * c.batchSize));
  for (const row of batch.rows) {
    amountSum += row.amount;
    rlcSum = toField(rlcSum + row.amount * power);
    power = toField(power * r);
  }
  const t: PayoutTranscript = {
    chainIn: batch.chainIn, domain: c.domain, pool: c.pool, total: c.total, addressIn: batch.addressIn, amountSum, r, batchIndex: BigInt(batch.index), rlcSum,
  };
  return { ...t, ...payoutDigest(batch.chainOut, t, batch.words) };
}
