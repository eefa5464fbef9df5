/**
 * The claim table re-committed batch by batch, as ExampleBatch(E) proves it (the statement of
 * circuits/example_batch.circom, rewritten for the skeptic):
 *   - a row (h, j, s) says registrant j listed example h, scored s; rows are cut into batches of
 *     E, the last padded with zero rows (h = j = s = 0), as many batches as the commit says;
 *   - each row enters the field as h + j 2^hashBits + (s + 2^(scoreBits-1)) 2^(hashBits+indexBits)
 *     (the offset makes a signed score a non-negative integer; padding absorbs the offset alone);
 *   - chainOut = fold(chainIn, [domain, hashIn + jIn 2^hashBits, row elements...]) from 0; (hashIn,
 *     jIn) is the last active row's (h, j) before the batch ((0, 0) at first): the key order runs
 *     across batches;
 *   - under the seed: credited = the hash moved (h != the previous row's h, hashIn for the first);
 *     scoreSum = sum max(s, 0), rlcSum = sum max(s, 0) r^j, prod = prod (gamma - h - beta j) over
 *     active rows; then rho and the digest (digest.ts).
 * The order and the zero score of uncredited rows are the policy's (policy.ts checks them); this
 * module commits any rows within the circuit's ranges.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { foldChain } from "./chain.ts";
import type { Challenges } from "./challenge.ts";
import { claimDigest, type ClaimBatchValues, type Digest } from "./digest.ts";
import { fieldPow, toField } from "./field.ts";

/** One row of the claim table. */
export interface ClaimRow {
  readonly hash: bigint;
  /** Registration order of the claimant. */
  readonly j: number;
  /** Signed fixed-point score, before clipping; 0 on every claim but the first of its hash. */
  readonly score: bigint;
}

/** One batch of the claim table, committed (seed-independent). */
export interface CommittedClaimBatch {
  readonly index: number;
  /** The batch's active rows (no padding). */
  readonly rows: readonly ClaimRow[];
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly hashIn: bigint;
  readonly jIn: bigint;
  readonly hashOut: bigint;
  readonly jOut: bigint;
}

type Widths = ProtocolConfig["widths"];

/** Throws a RangeError naming the first row outside the ranges the circuit checks. */
function checkRows(rows: readonly ClaimRow[], w: Widths): void {
  const half = 1n << BigInt(w.scoreBits - 1);
  rows.forEach((row, i) => {
    if (row.hash < 1n || row.hash >= 1n << BigInt(w.exampleHashBits))
      throw new RangeError(`examples.json row ${i}: hash ${row.hash} is not in [1, 2^${w.exampleHashBits})`);
    if (!Number.isSafeInteger(row.j) || row.j < 0 || row.j >= 2 ** w.contributorIndexBits)
      throw new RangeError(`examples.json row ${i}: j ${row.j} is not in [0, 2^${w.contributorIndexBits})`);
    if (row.score < -half || row.score >= half)
      throw new RangeError(`examples.json row ${i}: score ${row.score} is not in [-2^${w.scoreBits - 1}, 2^${w.scoreBits - 1})`);
  });
}

/** The field element a row (or padding, every field 0) is absorbed as. */
export function claimElement(row: ClaimRow, w: Widths): bigint {
  const jShift = BigInt(w.exampleHashBits);
  const scoreShift = BigInt(w.exampleHashBits + w.contributorIndexBits);
  return row.hash + (BigInt(row.j) << jShift) + ((row.score + (1n << BigInt(w.scoreBits - 1))) << scoreShift);
}

const PAD: ClaimRow = { hash: 0n, j: 0, score: 0n };

/**
 * Commits `rows` in `batchCount` batches of `batchSize` under `domain`; the last chainOut is
 * commitExamples. Throws a RangeError when the rows do not fit or leave out a range.
 */
export function commitClaimTable(
  rows: readonly ClaimRow[],
  domain: bigint,
  batchSize: number,
  batchCount: number,
  w: Widths,
  absorbWidth: number,
): CommittedClaimBatch[] {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isSafeInteger(batchCount) || batchCount < 1)
    throw new RangeError(`the claim batch count must be a positive integer, got ${batchCount}`);
  if (rows.length > batchCount * batchSize)
    throw new RangeError(`${rows.length} claim rows do not fit in ${batchCount} batches of ${batchSize}`);
  checkRows(rows, w);
  const keyShift = BigInt(w.exampleHashBits);
  const out: CommittedClaimBatch[] = [];
  let chainIn = 0n;
  let hashIn = 0n;
  let jIn = 0n;
  for (let index = 0; index < batchCount; index++) {
    const active = rows.slice(index * batchSize, (index + 1) * batchSize);
    const padded = [...active, ...Array<ClaimRow>(batchSize - active.length).fill(PAD)];
    const chainOut = foldChain(chainIn, [domain, hashIn + (jIn << keyShift), ...padded.map((row) => claimElement(row, w))], absorbWidth);
    const last = active.at(-1);
    const hashOut = last ? last.hash : hashIn;
    const jOut = last ? BigInt(last.j) : jIn;
    out.push({ index, rows: active, chainIn, chainOut, hashIn, jIn, hashOut, jOut });
    chainIn = chainOut;
    hashIn = hashOut;
    jIn = jOut;
  }
  return out;
}

/** The public values of a committed batch under the epoch's challenges, with rho and the digest. */
export function claimBatchValues(batch: CommittedClaimBatch, domain: bigint, c: Challenges): ClaimBatchValues & Digest {
  let scoreSum = 0n;
  let rlcSum = 0n;
  let prod = 1n;
  for (const row of batch.rows) {
    prod = toField(prod * toField(c.gamma - row.hash - c.beta * BigInt(row.j)));
    if (row.score <= 0n) continue; // clipped: a negative score counts 0
    scoreSum += row.score;
    rlcSum = toField(rlcSum + row.score * fieldPow(c.r, BigInt(row.j)));
  }
  const values: ClaimBatchValues = {
    chainIn: batch.chainIn,
    chainOut: batch.chainOut,
    hashIn: batch.hashIn,
    jIn: batch.jIn,
    hashOut: batch.hashOut,
    jOut: batch.jOut,
    scoreSum,
    rlcSum,
    prod,
  };
  return { ...values, ...claimDigest(values, domain, c.seed) };
}
