/**
 * Splits a payout table into PayoutBatch(B) circuit inputs, continuing the address order and the
 * commitment chain across batches, and computes what the settlement contract will recompute:
 * the packed payout words, the digest challenge rho and the digest.
 * See circuits/payout_batch.circom for the statement and why rho is derived from keccak.
 */
import { AbiCoder, keccak256, solidityPacked } from "ethers";
import { FIELD_MODULUS, type ProtocolConfig } from "../config/index.ts";
import { chainAbsorb } from "./commitment.ts";
import type { PayoutRow, PayoutTable } from "./policy.ts";

/** Circuit inputs of one PayoutBatch, as decimal strings (the witness calculator's format). */
export interface PayoutCircuitInput {
  chainIn: string;
  domain: string;
  pool: string;
  total: string;
  addressIn: string;
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
  /** address + reward * 2^addressBits per row; 0 for padding rows. */
  readonly words: readonly bigint[];
  readonly rho: bigint;
  readonly digest: bigint;
  /** Public signals in snarkjs order: outputs, then public inputs. */
  readonly publicSignals: readonly [bigint, bigint, bigint];
}

const PADDING: PayoutRow = { address: 0n, amount: 0n, reward: 0n, remainder: 0n };

/** Packs a payout row as the contract decodes it: the low addressBits bits are the payee. */
export function payoutWord(row: PayoutRow, config: ProtocolConfig): bigint {
  return row.address + (row.reward << BigInt(config.widths.addressBits));
}

/** rho = keccak256(abi.encode(chainOut, chainIn, domain, pool, total, addressIn, amountSum, keccak256(words))) mod p */
export function digestChallenge(
  chainOut: bigint,
  header: readonly bigint[],
  words: readonly bigint[],
): bigint {
  const wordsHash = keccak256(solidityPacked(words.map(() => "uint256"), words));
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "uint256", "uint256", "uint256", "uint256", "uint256", "uint256", "bytes32"],
    [chainOut, ...header, wordsHash],
  );
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}

/** Horner evaluation of `values` at `x` modulo p: values[0] * x^(n-1) + ... + values[n-1]. */
export function hornerDigest(values: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (const v of values) acc = (acc * x + v) % FIELD_MODULUS;
  return acc;
}

/** Builds every batch of `table` for circuit PayoutBatch(batchSize), starting the chain at 0. */
export function buildPayoutBatches(
  table: PayoutTable,
  domain: bigint,
  batchSize: number,
  config: ProtocolConfig,
): PayoutBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { addressBits, poolBits } = config.widths;
  const batches: PayoutBatch[] = [];
  let chainIn = 0n;
  let addressIn = 0n;
  const batchCount = Math.max(1, Math.ceil(table.rows.length / batchSize));
  for (let index = 0; index < batchCount; index++) {
    const slice = table.rows.slice(index * batchSize, (index + 1) * batchSize);
    const rows = [...slice, ...Array<PayoutRow>(batchSize - slice.length).fill(PADDING)];
    const absorbed = [
      domain,
      table.pool + (table.total << BigInt(poolBits)),
      addressIn,
      ...rows.map((r) => r.address + (r.amount << BigInt(addressBits))),
    ];
    const chainOut = chainAbsorb(chainIn, absorbed, config.hash.chainAbsorbWidth);
    const amountSum = rows.reduce((sum, r) => sum + r.amount, 0n);
    const words = rows.map((r) => payoutWord(r, config));
    const header = [chainIn, domain, table.pool, table.total, addressIn, amountSum];
    const rho = digestChallenge(chainOut, header, words);
    const digest = hornerDigest([...header, ...words], rho);
    const str = (v: bigint) => v.toString();
    batches.push({
      index,
      chainIn,
      chainOut,
      addressIn,
      amountSum,
      words,
      rho,
      digest,
      publicSignals: [chainOut, digest, rho],
      input: {
        chainIn: str(chainIn),
        domain: str(domain),
        pool: str(table.pool),
        total: str(table.total),
        addressIn: str(addressIn),
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
