/**
 * The example table re-committed batch by batch, as ExampleBatch(E) proves it (the statement of
 * circuits/example_batch.circom, rewritten for the skeptic):
 *   - rows sorted by strictly increasing hash in [1, 2^hashBits), cut into batches of E, the last
 *     padded with zero rows (hash 0, contributor 0, score 0); at least one batch;
 *   - each row enters the field as hash + c 2^hashBits + (s + 2^(scoreBits-1)) 2^(hashBits+indexBits)
 *     (the offset makes a signed score a non-negative integer);
 *   - chainOut = fold(chainIn, [domain, hashIn, row elements...]), the chain starting at 0;
 *     hashIn is the last real hash before the batch (0 at first): the hash order runs across
 *     batches, so no example can sit in two batches;
 *   - under r: scoreSum = sum max(s, 0), rlcSum = sum max(s, 0) r^c, then rho and the digest.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { foldChain } from "./chain.ts";
import { exampleDigest, type ExampleTranscript } from "./digest.ts";
import { fieldPow, toField } from "./field.ts";

/** One row of the example table. */
export interface ExampleTableRow {
  readonly hash: bigint;
  /** Row of the credited contributor in the contributor table. */
  readonly contributor: number;
  /** Signed fixed-point score, before clipping. */
  readonly score: bigint;
}

/** One batch of the example table, committed (r-independent). */
export interface CommittedExampleBatch {
  readonly index: number;
  /** The batch's real rows (no padding). */
  readonly rows: readonly ExampleTableRow[];
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly hashIn: bigint;
  readonly hashOut: bigint;
}

type Widths = ProtocolConfig["widths"];

/** Throws a RangeError naming the first row outside the bounds the circuit range-checks. */
function checkRows(rows: readonly ExampleTableRow[], w: Widths): void {
  const half = 1n << BigInt(w.scoreBits - 1);
  let previous = 0n;
  rows.forEach((row, i) => {
    if (row.hash <= previous || row.hash >= 1n << BigInt(w.exampleHashBits)) throw new RangeError(`examples row ${i}: hash ${row.hash} is not above the previous row's and below 2^${w.exampleHashBits}`);
    if (!Number.isSafeInteger(row.contributor) || row.contributor < 0 || row.contributor >= 2 ** w.contributorIndexBits) throw new RangeError(`examples row ${i}: contributor ${row.contributor} is not in [0, 2^${w.contributorIndexBits})`);
    if (row.score < -half || row.score >= half) throw new RangeError(`examples row ${i}: score ${row.score} is not in [-2^${w.scoreBits - 1}, 2^${w.scoreBits - 1})`);
    previous = row.hash;
  });
}

/** The field element a row (or padding, with every field 0) is absorbed as. */
export function exampleElement(row: ExampleTableRow, w: Widths): bigint {
  const indexShift = BigInt(w.exampleHashBits);
  const scoreShift = BigInt(w.exampleHashBits + w.contributorIndexBits);
  return row.hash | (BigInt(row.contributor) << indexShift) | ((row.score + (1n << BigInt(w.scoreBits - 1))) << scoreShift);
}

const PAD: ExampleTableRow = { hash: 0n, contributor: 0, score: 0n };

/** Commits `rows` in batches of `batchSize` under `domain`; the last chainOut is commitExamples. */
export function commitExampleTable(
  rows: readonly ExampleTableRow[], domain: bigint, batchSize: number, w: Widths, absorbWidth: number,
): CommittedExampleBatch[] {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  checkRows(rows, w);
  const out: CommittedExampleBatch[] = [];
  let chainIn = 0n;
  let hashIn = 0n;
  for (let index = 0; index === 0 || index * batchSize < rows.length; index++) {
    const real = rows.slice(index * batchSize, (index + 1) * batchSize);
    const padded = [...real, ...Array<ExampleTableRow>(batchSize - real.length).fill(PAD)];
    const chainOut = foldChain(chainIn, [domain, hashIn, ...padded.map((row) => exampleElement(row, w))], absorbWidth);
    const hashOut = real.length > 0 ? real[real.length - 1]!.hash : hashIn;
    out.push({ index, rows: real, chainIn, chainOut, hashIn, hashOut });
    chainIn = chainOut;
    hashIn = hashOut;
  }
  return out;
}

/** The transcript of a committed batch under the epoch's `domain` and `r`, with rho and digest. */
export function exampleBatchTranscript(batch: CommittedExampleBatch, domain: bigint, r: bigint): ExampleTranscript & { rho: bigint; digest: bigint } {
  let scoreSum = 0n;
  let rlcSum = 0n;
  for (const row of batch.rows) {
    if (row.score <= 0n) continue; // clipped: a negative score counts 0
    scoreSum += row.score;
    rlcSum = toField(rlcSum + row.score * fieldPow(r, BigInt(row.contributor)));
  }
  const t = { chainIn: batch.chainIn, domain, r, hashIn: batch.hashIn, hashOut: batch.hashOut, scoreSum, rlcSum };
  return { ...t, ...exampleDigest(batch.chainOut, t) };
}
