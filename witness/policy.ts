/**
 * The reward policy's split as a pure reference model: the oracle the circuits and contracts are
 * tested against. Input: one fixed-point total per registration (already clipped at zero), in
 * registration order j. Output: the payout table in the same order, row j paying registration j
 * reward = floor(R * T_j / S) with its remainder. An address that registered twice has two rows:
 * a registration is the unit of payment (docs/soundness-ii.md). The dust R - sum(rewards) stays in
 * the settlement contract.
 */
import type { ProtocolConfig } from "../config/index.ts";

export interface ContributorTotal {
  /** Ethereum address as a 160-bit integer. */
  readonly address: bigint;
  /** T_c: the contributor's clipped influence total in fixed point. */
  readonly amount: bigint;
}

export interface PayoutRow extends ContributorTotal {
  /** floor(pool * amount / total) */
  readonly reward: bigint;
  /** pool * amount - reward * total, in [0, total) */
  readonly remainder: bigint;
}

export interface PayoutTable {
  readonly pool: bigint;
  /** S = sum of all amounts. */
  readonly total: bigint;
  readonly rows: readonly PayoutRow[];
  /** pool - sum(rewards): what the floor division leaves in the contract. */
  readonly dust: bigint;
}

/** Computes the floor split of `pool` over `contributors`, row for row; validates every bound the circuit checks. */
export function splitPool(contributors: readonly ContributorTotal[], pool: bigint, config: ProtocolConfig): PayoutTable {
  const { addressBits, totalBits, poolBits } = config.widths;
  if (pool < 0n || pool >= 1n << BigInt(poolBits)) {
    throw new RangeError(`pool must be in [0, 2^${poolBits}), got ${pool}`);
  }
  const rows = contributors;
  let total = 0n;
  for (const row of rows) {
    if (row.address <= 0n || row.address >= 1n << BigInt(addressBits)) {
      throw new RangeError(`contributor address ${row.address} must be in [1, 2^${addressBits})`);
    }
    if (row.amount < 0n || row.amount >= 1n << BigInt(totalBits)) {
      throw new RangeError(`amount of 0x${row.address.toString(16)} must be in [0, 2^${totalBits}), got ${row.amount}`);
    }
    total += row.amount;
  }
  if (total === 0n) throw new RangeError("the sum of all amounts is 0: there is nothing to split by");
  if (total >= 1n << BigInt(totalBits)) {
    throw new RangeError(`the sum of all amounts ${total} does not fit in ${totalBits} bits`);
  }
  let paid = 0n;
  const payoutRows = rows.map((row) => {
    const reward = (pool * row.amount) / total;
    paid += reward;
    return { ...row, reward, remainder: pool * row.amount - reward * total };
  });
  return { pool, total, rows: payoutRows, dust: pool - paid };
}
