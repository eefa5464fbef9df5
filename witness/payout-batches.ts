/**
 * Splits the payout table (one row per registrant, in registration order j) into PayoutBatch(B)
 * circuit inputs, continuing the commitment chain across batches, and computes what the
 * settlement contract will recompute: V, the packed payout words, their hash, the digest
 * challenge rho and the digest. See circuits/payout_batch.circom for the statement and why rho is
 * derived from keccak.
 */
import { AbiCoder, keccak256, solidityPacked } from "ethers";
import { FIELD_MODULUS, type ProtocolConfig } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { chainAbsorb } from "./commitment.ts";
import { powMod } from "./power.ts";

/** Row j of the payout table: registrant j's sender, its credited total and its floor share. */
export interface PayoutTableRow {
  /** Registrant j's sender as a 160-bit integer (two registrations of one address: two rows). */
  readonly address: bigint;
  /** T_j: the sum of the scores credited to registrant j. */
  readonly amount: bigint;
  /** floor(pool * amount / total). */
  readonly reward: bigint;
  /** pool * amount - reward * total; computed when absent. */
  readonly remainder?: bigint;
}

/** The payout table: rows in registration order (row j is registrant j). */
export interface PayoutBatchTable {
  readonly pool: bigint;
  /** S = sum of all amounts (the contract checks the batches' amountSum add up to it). */
  readonly total: bigint;
  readonly rows: readonly PayoutTableRow[];
}

/** Circuit inputs of one PayoutBatch, as decimal strings (the witness calculator's format). */
export interface PayoutCircuitInput {
  chainIn: string;
  domain: string;
  pool: string;
  total: string;
  seed: string;
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
  /** Sum of the batch's amounts (T_j). */
  readonly amountSum: bigint;
  /** sum (T_j + address_j * r^(2^indexBits)) * r^j mod p over the batch's rows, j = index * batchSize + i, r = seed. */
  readonly rlcSum: bigint;
  /** address + reward * 2^addressBits per row; 0 for padding rows. */
  readonly words: readonly bigint[];
  /** keccak256(abi.encodePacked(words)). */
  readonly wordsHash: string;
  /** V = [chainIn, domain, pool, total, seed, batchIndex, amountSum, rlcSum] (the words follow it in the digest). */
  readonly values: readonly bigint[];
  readonly rho: bigint;
  readonly digest: bigint;
  /** Public signals in snarkjs order: outputs, then public inputs: [chainOut, digest, seed, rho]. */
  readonly publicSignals: readonly [bigint, bigint, bigint, bigint];
}

export type PayoutTableErrorCode =
  | "POOL_RANGE"
  | "TOTAL_RANGE"
  | "ADDRESS_RANGE"
  | "AMOUNT_RANGE"
  | "REWARD_RANGE"
  | "NOT_FLOOR"
  | "TOO_MANY_ROWS";

/** A payout table the circuit would reject; `row` is the offending row (registrant j), if any. */
export class PayoutTableError extends CodedError<PayoutTableErrorCode> {
  readonly row: number | undefined;
  constructor(code: PayoutTableErrorCode, row: number | undefined, message: string) {
    super(code, "input", row === undefined ? message : `payout row ${row}: ${message}`);
    this.row = row;
  }
}

interface Row {
  readonly address: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly remainder: bigint;
}

const PADDING: Row = { address: 0n, amount: 0n, reward: 0n, remainder: 0n };

/** Packs a payout row as the contract decodes it: the low addressBits bits are the payee. */
export function payoutWord(row: { readonly address: bigint; readonly reward: bigint }, config: ProtocolConfig): bigint {
  return row.address + (row.reward << BigInt(config.widths.addressBits));
}

/** keccak256(abi.encodePacked(words)): what a verified payout batch leaves on chain for the release. */
export function wordsHash(words: readonly bigint[]): string {
  return keccak256(
    solidityPacked(
      words.map(() => "uint256"),
      words,
    ),
  );
}

/** rho = keccak256(abi.encode(uint256 chainOut, uint256[8] V, bytes32 keccak256(abi.encodePacked(words)))) mod p. */
export function digestChallenge(chainOut: bigint, values: readonly bigint[], words: readonly bigint[]): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", `uint256[${values.length}]`, "bytes32"],
    [chainOut, values, wordsHash(words)],
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
 * Checks every bound the circuit checks, naming the row, and fills in missing remainders:
 * pool < 2^poolBits, 1 <= total < 2^totalBits, every row a registrant (address in [1,
 * 2^addressBits)), amount < 2^totalBits, reward < 2^poolBits the floor quotient, and at most
 * 2^indexBits rows in all batches (each row's j is a registration order).
 */
function validateTable(table: PayoutBatchTable, batchSize: number, config: ProtocolConfig): Row[] {
  const { addressBits, totalBits, poolBits, contributorIndexBits } = config.widths;
  const { pool, total } = table;
  if (typeof pool !== "bigint" || pool < 0n || pool >= 1n << BigInt(poolBits)) {
    throw new PayoutTableError("POOL_RANGE", undefined, `pool must be in [0, 2^${poolBits}), got ${pool}`);
  }
  if (typeof total !== "bigint" || total < 1n || total >= 1n << BigInt(totalBits)) {
    throw new PayoutTableError("TOTAL_RANGE", undefined, `total must be in [1, 2^${totalBits}), got ${total}`);
  }
  const batchCount = Math.max(1, Math.ceil(table.rows.length / batchSize));
  if (batchCount * batchSize > 2 ** contributorIndexBits) {
    throw new PayoutTableError(
      "TOO_MANY_ROWS",
      undefined,
      `${batchCount} batches of ${batchSize} rows exceed 2^${contributorIndexBits} registration orders`,
    );
  }
  return table.rows.map((row, j) => {
    // A padding row (address 0) anywhere before the last registrant would break identity 2.
    if (typeof row.address !== "bigint" || row.address < 1n || row.address >= 1n << BigInt(addressBits)) {
      throw new PayoutTableError("ADDRESS_RANGE", j, `address must be in [1, 2^${addressBits}), got ${row.address}`);
    }
    if (typeof row.amount !== "bigint" || row.amount < 0n || row.amount >= 1n << BigInt(totalBits)) {
      throw new PayoutTableError("AMOUNT_RANGE", j, `amount must be in [0, 2^${totalBits}), got ${row.amount}`);
    }
    if (typeof row.reward !== "bigint" || row.reward < 0n || row.reward >= 1n << BigInt(poolBits)) {
      throw new PayoutTableError("REWARD_RANGE", j, `reward must be in [0, 2^${poolBits}), got ${row.reward}`);
    }
    const remainder = pool * row.amount - row.reward * total;
    if (remainder < 0n || remainder >= total || (row.remainder !== undefined && row.remainder !== remainder)) {
      throw new PayoutTableError(
        "NOT_FLOOR",
        j,
        `reward ${row.reward}${row.remainder === undefined ? "" : ` with remainder ${row.remainder}`} is not floor(${pool} * ${row.amount} / ${total}) = ${(pool * row.amount) / total}`,
      );
    }
    return { address: row.address, amount: row.amount, reward: row.reward, remainder };
  });
}

function checkArguments(domain: bigint, batchSize: number): void {
  if (typeof domain !== "bigint" || domain < 0n || domain >= FIELD_MODULUS)
    throw new RangeError(`domain must be a reduced field element, got ${domain}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
}

/** The batches of the validated rows, padded to batchSize. At least one batch. */
function batchRows(rows: readonly Row[], batchSize: number): Row[][] {
  const batchCount = Math.max(1, Math.ceil(rows.length / batchSize));
  return Array.from({ length: batchCount }, (_, index) => {
    const slice = rows.slice(index * batchSize, (index + 1) * batchSize);
    return [...slice, ...Array<Row>(batchSize - slice.length).fill(PADDING)];
  });
}

/** The chain after batch `index`: Poseidon absorbs domain, the header (pool, total, index) and every row. */
function absorbBatch(
  chainIn: bigint,
  domain: bigint,
  table: PayoutBatchTable,
  index: number,
  rows: readonly Row[],
  config: ProtocolConfig,
): bigint {
  const { addressBits, poolBits, totalBits } = config.widths;
  const absorbed = [
    domain,
    // The batch index is absorbed: the chain fixes it before rho is drawn (the circuit's binding table).
    table.pool + (table.total << BigInt(poolBits)) + (BigInt(index) << BigInt(poolBits + totalBits)),
    ...rows.map((row) => row.address + (row.amount << BigInt(addressBits))),
  ];
  return chainAbsorb(chainIn, absorbed, config.hash.chainAbsorbWidth);
}

/**
 * The payout chain after each batch of `table` in batches of `batchSize`, starting at 0.
 * Independent of the seed: the last value is the payout commitment the commit transaction records
 * before the seed is drawn.
 */
export function payoutChains(table: PayoutBatchTable, domain: bigint, batchSize: number, config: ProtocolConfig): bigint[] {
  checkArguments(domain, batchSize);
  const chains: bigint[] = [];
  let chainIn = 0n;
  for (const [index, rows] of batchRows(validateTable(table, batchSize, config), batchSize).entries()) {
    chains.push((chainIn = absorbBatch(chainIn, domain, table, index, rows, config)));
  }
  return chains;
}

/**
 * Builds every batch of `table` for circuit PayoutBatch(batchSize) under the epoch's `seed` (the
 * settlement contract supplies its stored seed, so no other verifies), starting the chain at 0.
 * `chains`, when given, is payoutChains() of the same table, domain and batch size.
 */
export function buildPayoutBatches(
  table: PayoutBatchTable,
  domain: bigint,
  seed: bigint,
  batchSize: number,
  config: ProtocolConfig,
  chains?: readonly bigint[],
): PayoutBatch[] {
  if (typeof seed !== "bigint" || seed < 0n || seed >= FIELD_MODULUS)
    throw new RangeError(`seed must be a reduced field element, got ${seed}`);
  checkArguments(domain, batchSize);
  const shift = powMod(seed, 1n << BigInt(config.widths.contributorIndexBits));
  const batches: PayoutBatch[] = [];
  let chainIn = 0n;
  for (const [index, rows] of batchRows(validateTable(table, batchSize, config), batchSize).entries()) {
    const chainOut = chains?.[index] ?? absorbBatch(chainIn, domain, table, index, rows, config);
    const amountSum = rows.reduce((sum, row) => sum + row.amount, 0n);
    let rlcSum = 0n;
    let power = powMod(seed, BigInt(index * batchSize));
    for (const row of rows) {
      rlcSum = (rlcSum + ((row.amount + row.address * shift) % FIELD_MODULUS) * power) % FIELD_MODULUS;
      power = (power * seed) % FIELD_MODULUS;
    }
    const words = rows.map((row) => payoutWord(row, config));
    const values = [chainIn, domain, table.pool, table.total, seed, BigInt(index), amountSum, rlcSum];
    const rho = digestChallenge(chainOut, values, words);
    const digest = hornerDigest([...values, ...words], rho);
    const str = (v: bigint) => v.toString();
    batches.push({
      index,
      chainIn,
      chainOut,
      amountSum,
      rlcSum,
      words,
      wordsHash: wordsHash(words),
      values,
      rho,
      digest,
      publicSignals: [chainOut, digest, seed, rho],
      input: {
        chainIn: str(chainIn),
        domain: str(domain),
        pool: str(table.pool),
        total: str(table.total),
        seed: str(seed),
        batchIndex: str(BigInt(index)),
        address: rows.map((row) => str(row.address)),
        amount: rows.map((row) => str(row.amount)),
        reward: rows.map((row) => str(row.reward)),
        remainder: rows.map((row) => str(row.remainder)),
        rho: str(rho),
      },
    });
    chainIn = chainOut;
  }
  return batches;
}
