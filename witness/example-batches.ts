/**
 * Splits the example table into ExampleBatch(E) circuit inputs, continuing the hash order and the
 * commitment chain across batches, and computes what the settlement contract recomputes: the
 * digest challenge rho and the digest. See circuits/example_batch.circom for the statement.
 */
import { AbiCoder, keccak256 } from "ethers";
import { FIELD_MODULUS, type ProtocolConfig } from "../config/index.ts";
import { chainAbsorb } from "./commitment.ts";
import { hornerDigest } from "./payout-batches.ts";
import { powMod } from "./power.ts";

/** One row of the example table: deduplicated, sorted by hash. */
export interface ExampleRow {
  /** 128-bit example hash, >= 1. */
  readonly hash: bigint;
  /** Row of the credited contributor in the address-sorted contributor table. */
  readonly contributor: number;
  /** Signed fixed-point influence score (before clipping). */
  readonly score: bigint;
}

/** Circuit inputs of one ExampleBatch, as decimal strings. */
export interface ExampleCircuitInput {
  chainIn: string;
  domain: string;
  r: string;
  hashIn: string;
  hash: string[];
  contributor: string[];
  score: string[];
  rho: string;
  [signal: string]: string | string[];
}

export interface ExampleBatch {
  readonly index: number;
  readonly input: ExampleCircuitInput;
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly hashIn: bigint;
  /** Last active hash (hashIn when the batch is all padding). */
  readonly hashOut: bigint;
  /** Sum of the batch's clipped scores. */
  readonly scoreSum: bigint;
  /** sum max(s_e, 0) * r^(c_e) mod p. */
  readonly rlcSum: bigint;
  readonly rho: bigint;
  readonly digest: bigint;
  /** Public signals in snarkjs order: [chainOut, digest, r, rho]. */
  readonly publicSignals: readonly [bigint, bigint, bigint, bigint];
}

const PADDING: ExampleRow = { hash: 0n, contributor: 0, score: 0n };

/** The field element a row is absorbed as: hash + c * 2^hashBits + (s + 2^(scoreBits-1)) * 2^(hashBits+indexBits). */
export function exampleRowElement(row: ExampleRow, config: ProtocolConfig): bigint {
  const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
  return row.hash + (BigInt(row.contributor) << BigInt(exampleHashBits)) +
    ((row.score + (1n << BigInt(scoreBits - 1))) << BigInt(exampleHashBits + contributorIndexBits));
}

/** rho = keccak256(abi.encode(chainOut, V...)) mod p, V = [chainIn, domain, r, hashIn, hashOut, scoreSum, rlcSum]. */
export function exampleDigestChallenge(chainOut: bigint, header: readonly bigint[]): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(Array(header.length + 1).fill("uint256"), [chainOut, ...header]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}

/** Checks every bound the circuit checks, naming the row. */
function validateRows(rows: readonly ExampleRow[], config: ProtocolConfig): void {
  const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
  const half = 1n << BigInt(scoreBits - 1);
  rows.forEach((row, i) => {
    if (row.hash <= (i > 0 ? rows[i - 1]!.hash : 0n) || row.hash >= 1n << BigInt(exampleHashBits)) {
      throw new RangeError(`example ${i}: hashes must strictly increase within [1, 2^${exampleHashBits}), got ${row.hash}`);
    }
    if (!Number.isInteger(row.contributor) || row.contributor < 0 || row.contributor >= 2 ** contributorIndexBits) {
      throw new RangeError(`example ${i}: contributor index must be in [0, 2^${contributorIndexBits}), got ${row.contributor}`);
    }
    if (row.score < -half || row.score >= half) throw new RangeError(`example ${i}: score must be in [-2^${scoreBits - 1}, 2^${scoreBits - 1}), got ${row.score}`);
  });
}

/**
 * The example chain after each batch of `rows` (sorted, deduplicated) in batches of `batchSize`,
 * starting at 0. Independent of r: the last value is commitExamples.
 */
export function exampleChains(rows: readonly ExampleRow[], domain: bigint, batchSize: number, config: ProtocolConfig): bigint[] {
  checkBatchSize(batchSize);
  validateRows(rows, config);
  const chains: bigint[] = [];
  let chainIn = 0n;
  let hashIn = 0n;
  for (const { slice, batchRows } of batchSlices(rows, batchSize)) {
    chainIn = absorbBatch(chainIn, domain, hashIn, batchRows, config);
    hashIn = slice.at(-1)?.hash ?? hashIn;
    chains.push(chainIn);
  }
  return chains;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
}

/** The batches of `rows`: each batch's rows, and the same padded to batchSize. At least one batch. */
function* batchSlices(rows: readonly ExampleRow[], batchSize: number): Generator<{ slice: readonly ExampleRow[]; batchRows: readonly ExampleRow[] }> {
  const batchCount = Math.max(1, Math.ceil(rows.length / batchSize));
  for (let index = 0; index < batchCount; index++) {
    const slice = rows.slice(index * batchSize, (index + 1) * batchSize);
    yield { slice, batchRows: [...slice, ...Array<ExampleRow>(batchSize - slice.length).fill(PADDING)] };
  }
}

/** The chain after one batch: Poseidon absorbs domain, hashIn and every (padded) row. */
function absorbBatch(chainIn: bigint, domain: bigint, hashIn: bigint, batchRows: readonly ExampleRow[], config: ProtocolConfig): bigint {
  return chainAbsorb(chainIn, [domain, hashIn, ...batchRows.map((row) => exampleRowElement(row, config))], config.hash.chainAbsorbWidth);
}

/**
 * Builds every batch of `rows` for ExampleBatch(batchSize) under challenge `r`. `chains`, when
 * given, is exampleChains() of the same rows, domain and batch size (the chain does not depend on
 * r, and Poseidon in JavaScript is most of the witness time: an epoch's chains are computed once).
 */
export function buildExampleBatches(
  rows: readonly ExampleRow[],
  domain: bigint,
  r: bigint,
  batchSize: number,
  config: ProtocolConfig,
  chains?: readonly bigint[],
): ExampleBatch[] {
  checkBatchSize(batchSize);
  validateRows(rows, config);
  const batches: ExampleBatch[] = [];
  let chainIn = 0n;
  let hashIn = 0n;
  for (const { slice, batchRows } of batchSlices(rows, batchSize)) {
    const index = batches.length;
    const chainOut = chains?.[index] ?? absorbBatch(chainIn, domain, hashIn, batchRows, config);
    const hashOut = slice.at(-1)?.hash ?? hashIn;
    let scoreSum = 0n;
    let rlcSum = 0n;
    for (const row of slice) {
      const clipped = row.score > 0n ? row.score : 0n;
      scoreSum += clipped;
      rlcSum = (rlcSum + clipped * powMod(r, BigInt(row.contributor))) % FIELD_MODULUS;
    }
    const header = [chainIn, domain, r, hashIn, hashOut, scoreSum, rlcSum];
    const rho = exampleDigestChallenge(chainOut, header);
    const digest = hornerDigest(header, rho);
    const str = (v: bigint) => v.toString();
    const field = (v: bigint) => (((v % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS).toString();
    batches.push({
      index, chainIn, chainOut, hashIn, hashOut, scoreSum, rlcSum, rho, digest,
      publicSignals: [chainOut, digest, r, rho],
      input: {
        chainIn: str(chainIn),
        domain: str(domain),
        r: str(r),
        hashIn: str(hashIn),
        hash: batchRows.map((row) => str(row.hash)),
        contributor: batchRows.map((row) => str(BigInt(row.contributor))),
        score: batchRows.map((row) => field(row.score)),
        rho: str(rho),
      },
    });
    chainIn = chainOut;
    hashIn = hashOut;
  }
  return batches;
}
