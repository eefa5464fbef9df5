/**
 * Splits the claim table into ExampleBatch(E) circuit inputs, carrying the last claim key
 * (hashIn, jIn) and the commitment chain across batches, and computes what the settlement
 * contract recomputes: V, the digest challenge rho and the digest. See
 * circuits/example_batch.circom for the statement and docs/soundness-ii.md for the identities
 * the batch outputs feed (scoreSum, rlcSum, prod).
 */
import { AbiCoder, keccak256 } from "ethers";
import { poseidon2 } from "poseidon-lite";
import { FIELD_MODULUS, type ProtocolConfig } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { chainAbsorb } from "./commitment.ts";
import { hornerDigest } from "./payout-batches.ts";
import { powMod } from "./power.ts";

/** One row of the claim table: registrant j claims example `hash`, scored `score`. */
export interface ExampleRow {
  /** 128-bit example hash, >= 1. */
  readonly hash: bigint;
  /** Registration order of the claimant, in [0, 2^indexBits). */
  readonly j: number;
  /** Signed fixed-point influence score (before clipping); 0 on every claim but a run's first. */
  readonly score: bigint;
}

/** Circuit inputs of one ExampleBatch, as decimal strings. */
export interface ExampleCircuitInput {
  chainIn: string;
  domain: string;
  seed: string;
  hashIn: string;
  jIn: string;
  hash: string[];
  j: string[];
  score: string[];
  rho: string;
  [signal: string]: string | string[];
}

export interface ExampleBatch {
  readonly index: number;
  readonly input: ExampleCircuitInput;
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  /** Last claim key of the previous batch ((0, 0) before the first). */
  readonly hashIn: bigint;
  readonly jIn: bigint;
  /** Last active claim key ((hashIn, jIn) when the batch is all padding). */
  readonly hashOut: bigint;
  readonly jOut: bigint;
  /** Sum of the batch's clipped scores. */
  readonly scoreSum: bigint;
  /** sum max(s, 0) * r^j mod p, r = seed. */
  readonly rlcSum: bigint;
  /** prod (gamma - hash - beta * j) mod p over the active rows. */
  readonly prod: bigint;
  /** V = [chainIn, domain, seed, hashIn, jIn, hashOut, jOut, scoreSum, rlcSum, prod]. */
  readonly values: readonly bigint[];
  readonly rho: bigint;
  readonly digest: bigint;
  /** Public signals in snarkjs order: [chainOut, digest, seed, rho]. */
  readonly publicSignals: readonly [bigint, bigint, bigint, bigint];
}

export type ExampleTableErrorCode = "HASH_RANGE" | "INDEX_RANGE" | "SCORE_RANGE" | "ORDER" | "UNCREDITED_SCORE";

/** A claim table the circuit would reject, naming the first offending row. */
export class ExampleTableError extends CodedError<ExampleTableErrorCode> {
  /** Index of the row in the whole table (not in its batch). */
  readonly row: number;
  constructor(code: ExampleTableErrorCode, row: number, message: string) {
    super(code, "input", `claim row ${row}: ${message}`);
    this.row = row;
  }
}

const PADDING: ExampleRow = { hash: 0n, j: 0, score: 0n };

/**
 * The multiset challenges every circuit derives from the seed: gamma = Poseidon(seed, 1) and
 * beta = Poseidon(seed, 2) (r is the seed itself).
 */
export function multisetChallenges(seed: bigint): { gamma: bigint; beta: bigint } {
  checkField("seed", seed);
  return { gamma: poseidon2([seed, 1n]), beta: poseidon2([seed, 2n]) };
}

/** The field element a row is absorbed as: hash + j * 2^hashBits + (s + 2^(scoreBits-1)) * 2^(hashBits+indexBits). */
export function exampleRowElement(row: ExampleRow, config: ProtocolConfig): bigint {
  const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
  return (
    row.hash +
    (BigInt(row.j) << BigInt(exampleHashBits)) +
    ((row.score + (1n << BigInt(scoreBits - 1))) << BigInt(exampleHashBits + contributorIndexBits))
  );
}

/** rho = keccak256(abi.encode(uint256 chainOut, uint256[10] V)) mod p. */
export function exampleDigestChallenge(chainOut: bigint, values: readonly bigint[]): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", `uint256[${values.length}]`], [chainOut, values]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}

function checkField(name: string, v: bigint): void {
  if (typeof v !== "bigint" || v < 0n || v >= FIELD_MODULUS) throw new RangeError(`${name} must be a reduced field element, got ${v}`);
}

/**
 * Checks every bound and rule the circuit checks, naming the row: hash in [1, 2^hashBits),
 * j in [0, 2^indexBits), a signed scoreBits-bit score, (hash, j) non-decreasing, and score 0 on
 * every row whose hash repeats the previous row's (only a run's first claim is credited).
 */
function validateRows(rows: readonly ExampleRow[], config: ProtocolConfig): void {
  const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
  const half = 1n << BigInt(scoreBits - 1);
  let runStart = 0;
  for (const [i, row] of rows.entries()) {
    if (typeof row.hash !== "bigint" || row.hash < 1n || row.hash >= 1n << BigInt(exampleHashBits)) {
      throw new ExampleTableError("HASH_RANGE", i, `hash must be in [1, 2^${exampleHashBits}), got ${row.hash}`);
    }
    if (!Number.isInteger(row.j) || row.j < 0 || row.j >= 2 ** contributorIndexBits) {
      throw new ExampleTableError(
        "INDEX_RANGE",
        i,
        `registration order j must be an integer in [0, 2^${contributorIndexBits}), got ${row.j}`,
      );
    }
    if (typeof row.score !== "bigint" || row.score < -half || row.score >= half) {
      throw new ExampleTableError("SCORE_RANGE", i, `score must be in [-2^${scoreBits - 1}, 2^${scoreBits - 1}), got ${row.score}`);
    }
    const previous = rows[i - 1];
    if (!previous || row.hash !== previous.hash) {
      runStart = i;
    }
    if (previous && (row.hash < previous.hash || (row.hash === previous.hash && row.j < previous.j))) {
      throw new ExampleTableError(
        "ORDER",
        i,
        `(hash, j) must not decrease: (${row.hash}, ${row.j}) after (${previous.hash}, ${previous.j})`,
      );
    }
    if (runStart !== i && row.score !== 0n) {
      throw new ExampleTableError(
        "UNCREDITED_SCORE",
        i,
        `example ${row.hash} is credited to its first claim (row ${runStart}, j = ${rows[runStart]!.j}); this later claim (j = ${row.j}) must have score 0, got ${row.score}`,
      );
    }
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
}

interface Slice {
  /** The batch's rows of the table. */
  readonly slice: readonly ExampleRow[];
  /** The same, padded to batchSize. */
  readonly batchRows: readonly ExampleRow[];
  /** The last claim key of the previous batch, (0, 0) before the first. */
  readonly hashIn: bigint;
  readonly jIn: bigint;
}

/** The batches of `rows`, each with its carried key. At least one batch. */
function* batchSlices(rows: readonly ExampleRow[], batchSize: number): Generator<Slice> {
  const batchCount = Math.max(1, Math.ceil(rows.length / batchSize));
  let hashIn = 0n;
  let jIn = 0n;
  for (let index = 0; index < batchCount; index++) {
    const slice = rows.slice(index * batchSize, (index + 1) * batchSize);
    yield { slice, batchRows: [...slice, ...Array<ExampleRow>(batchSize - slice.length).fill(PADDING)], hashIn, jIn };
    const last = slice.at(-1);
    if (last) [hashIn, jIn] = [last.hash, BigInt(last.j)];
  }
}

/** The chain after one batch: Poseidon absorbs domain, hashIn + jIn * 2^hashBits and every (padded) row. */
function absorbBatch(chainIn: bigint, domain: bigint, s: Slice, config: ProtocolConfig): bigint {
  const header = s.hashIn + (s.jIn << BigInt(config.widths.exampleHashBits));
  return chainAbsorb(chainIn, [domain, header, ...s.batchRows.map((row) => exampleRowElement(row, config))], config.hash.chainAbsorbWidth);
}

/**
 * The claim chain after each batch of `rows` in batches of `batchSize`, starting at 0. Independent
 * of the seed: the last value is the claim commitment the commit transaction records before the
 * seed is drawn.
 */
export function exampleChains(rows: readonly ExampleRow[], domain: bigint, batchSize: number, config: ProtocolConfig): bigint[] {
  checkBatchSize(batchSize);
  validateRows(rows, config);
  checkField("domain", domain);
  const chains: bigint[] = [];
  let chainIn = 0n;
  for (const s of batchSlices(rows, batchSize)) chains.push((chainIn = absorbBatch(chainIn, domain, s, config)));
  return chains;
}

/**
 * Builds every batch of `rows` (the claim table, sorted by (hash, j)) for ExampleBatch(batchSize)
 * under the epoch's `seed`. `chains`, when given, is exampleChains() of the same rows, domain and
 * batch size (the chain does not depend on the seed, and Poseidon in JavaScript is most of the
 * witness time: an epoch's chains are computed once, for the commitment).
 */
export function buildExampleBatches(
  rows: readonly ExampleRow[],
  domain: bigint,
  seed: bigint,
  batchSize: number,
  config: ProtocolConfig,
  chains?: readonly bigint[],
): ExampleBatch[] {
  checkBatchSize(batchSize);
  validateRows(rows, config);
  checkField("domain", domain);
  const { gamma, beta } = multisetChallenges(seed);
  const batches: ExampleBatch[] = [];
  let chainIn = 0n;
  for (const s of batchSlices(rows, batchSize)) {
    const index = batches.length;
    const chainOut = chains?.[index] ?? absorbBatch(chainIn, domain, s, config);
    const last = s.slice.at(-1);
    const [hashOut, jOut] = last ? [last.hash, BigInt(last.j)] : [s.hashIn, s.jIn];
    let scoreSum = 0n;
    let rlcSum = 0n;
    let prod = 1n;
    for (const row of s.slice) {
      const clipped = row.score > 0n ? row.score : 0n;
      scoreSum += clipped;
      rlcSum = (rlcSum + clipped * powMod(seed, BigInt(row.j))) % FIELD_MODULUS;
      prod = (prod * (((gamma - row.hash - beta * BigInt(row.j)) % FIELD_MODULUS) + FIELD_MODULUS)) % FIELD_MODULUS;
    }
    const values = [chainIn, domain, seed, s.hashIn, s.jIn, hashOut, jOut, scoreSum, rlcSum, prod];
    const rho = exampleDigestChallenge(chainOut, values);
    const digest = hornerDigest(values, rho);
    const str = (v: bigint) => v.toString();
    const field = (v: bigint) => (((v % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS).toString();
    batches.push({
      index,
      chainIn,
      chainOut,
      hashIn: s.hashIn,
      jIn: s.jIn,
      hashOut,
      jOut,
      scoreSum,
      rlcSum,
      prod,
      values,
      rho,
      digest,
      publicSignals: [chainOut, digest, seed, rho],
      input: {
        chainIn: str(chainIn),
        domain: str(domain),
        seed: str(seed),
        hashIn: str(s.hashIn),
        jIn: str(s.jIn),
        hash: s.batchRows.map((row) => str(row.hash)),
        j: s.batchRows.map((row) => str(BigInt(row.j))),
        score: s.batchRows.map((row) => field(row.score)),
        rho: str(rho),
      },
    });
    chainIn = chainOut;
  }
  return batches;
}
