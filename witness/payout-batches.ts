/**
 * Splits a payout table into PayoutBatch(B) circuit inputs, continuing the address order and the
 * commitment chain across batches, and computes what the settlement contract will recompute:
 * the packed payout words, the digest challenge rho and the digest.
 * See circuits/payout_batch.circom for the statement and why rho is derived from keccak.
 */
import { AbiCoder, keccak256, solidityPacked } from "ethers";
import { FIELD_MODULUS, type ProtocolConfig } from "../config/index.ts";
import { chainAbsorb } from "./commitment.ts";
import { powMod } from "./power.ts";
import type { PayoutRow, PayoutTable } from "./policy.ts";

/** Circuit inputs of one PayoutBatch, as decimal strings (the witness calculator's format). */
export interface PayoutCircuitInput {
  chainIn: string;
  domain: string;
  pool: string;
  total: string;
  addressIn: string;
  r: string;
  batchIndex: string;
  address: string[];
  amount: string[];
  reward: string[];
  remainder: string[];
  rho: string;
  [signal: string]: string | string[];
}

/** One batch: its circuit inputs and what the contract receives and recomputes for it. */
export interface PayoutBatch {
  readonly index: number;
  readonly input: PayoutCircuitInput;
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly addressIn: bigint;
  /** Sum of the batch's amounts (T_c). */
  readonly amountSum: bigint;
  /** sum T_c * r^c mod p over the batch's rows, c = index * batchSize + i. */
  readonly rlcSum: bigint;
  /** address + reward * 2^addressBits per row; 0 for padding rows. */
  readonly words: readonly bigint[];
  readonly rho: bigint;
  readonly digest: bigint;
  /** Public signals in snarkjs order: outputs, then public inputs: [chainOut, digest, r, rho]. */
  readonly publicSignals: readonly [bigint, bigint, bigint, bigint];
}

const PADDING: PayoutRow = { address: 0n, amount: 0n, reward: 0n, remainder: 0n };

/** Packs a payout row as the contract decodes it: the low addressBits bits are the payee. */
export function payoutWord(row: PayoutRow, config: ProtocolConfig): bigint {
  return row.address + (row.reward << BigInt(config.widths.addressBits));
}

/** keccak256(abi.encodePacked(words)): what a verified payout batch leaves on chain for the release. */
export function wordsHash(words: readonly bigint[]): string {
  return keccak256(solidityPacked(words.map(() => "uint256"), words));
}

/**
 * rho = keccak256(abi.encode(chainOut, chainIn, domain, pool, total, addressIn, amountSum, r,
 * batchIndex, rlcSum, keccak256(words))) mod p
 */
export function digestChallenge(
  chainOut: bigint,
  header: readonly bigint[],
  words: readonly bigint[],
): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    [...Array(header.length + 1).fill("uint256"), "bytes32"],
    [chainOut, ...header, wordsHash(words)],
  );
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}

/** Horner evaluation of `values` at `x` modulo p: values[0] * x^(n-1) + ... + values[n-1]. */
export function hornerDigest(values: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (const v of values) acc = (acc * x + v) % FIELD_MODULUS;
  return acc;
}

/**
 * Builds every batch of `table` for circuit PayoutBatch(batchSize) under the epoch's challenge
 * `r` (epochChallenge; the settlement contract rejects any other), starting the chain at 0.
 * The chain does not depend on r: the last chainOut is commitContributors.
 */
export function buildPayoutBatches(
  table: PayoutTable,
  domain: bigint,
  r: bigint,
  batchSize: number,
  config: ProtocolConfig,
): PayoutBatch[] {
  if (typeof r !== "bigint" || r < 0n || r >= FIELD_MODULUS) throw new RangeError(`r must be a reduced field element, got ${r}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { addressBits, poolBits, totalBits } = config.widths;
  const batches: PayoutBatch[] = [];
  let chainIn = 0n;
  let addressIn = 0n;
  const batchCount = Math.max(1, Math.ceil(table.rows.length / batchSize));
  for (let index = 0; index < batchCount; index++) {
    const slice = table.rows.slice(index * batchSize, (index + 1) * batchSize);
    const rows = [...slice, ...Array<PayoutRow>(batchSize - slice.length).fill(PADDING)];
    const absorbed = [
      domain,
      // The batch index is absorbed: the chain fixes it before rho is drawn (the circuit's binding table).
      table.pool + (table.total << BigInt(poolBits)) + (BigInt(index) << BigInt(poolBits + totalBits)),
      addressIn,
      ...rows.map((r) => r.address + (r.amount << BigInt(addressBits))),
    ];
    const chainOut = chainAbsorb(chainIn, absorbed, config.hash.chainAbsorbWidth);
    const amountSum = rows.reduce((sum, row) => sum + row.amount, 0n);
    let rlcSum = 0n;
    let power = powMod(r, BigInt(index * batchSize));
    for (const row of rows) {
      rlcSum = (rlcSum + row.amount * power) % FIELD_MODULUS;
      power = (power * r) % FIELD_MODULUS;
    }
    const words = rows.map((row) => payoutWord(row, config));
    const header = [chainIn, domain, table.pool, table.total, addressIn, amountSum, r, BigInt(index), rlcSum];
    const rho = digestChallenge(chainOut, header, words);
    const digest = hornerDigest([...header, ...words], rho);
    const str = (v: bigint) => v.toString();
    batches.push({
      index,
      chainIn,
      chainOut,
      addressIn,
      amountSum,
      rlcSum,
      words,
      rho,
      digest,
      publicSignals: [chainOut, digest, r, rho],
      input: {
        chainIn: str(chainIn),
        domain: str(domain),
        pool: str(table.pool),
        total: str(table.total),
        addressIn: str(addressIn),
        r: str(r),
        batchIndex: str(BigInt(index)),
        address: rows.map((r) => str(r.address)),
        amount: rows.map((r) => str(r.amount)),
        reward: rows.map((r) => str(r.reward)),
        remainder: rows.map((r) => str(r.remainder)),
        rho: str(rho),
      },
    });
    chainIn = chainOut;
    const lastActive = slice.at(-1);
    if (lastActive) addressIn = lastActive.address;
  }
  return batches;
}
