/**
 * The reward policy as a pure reference model: the oracle the circuits and contracts are tested
 * against. Input: per-contributor fixed-point totals (already clipped at zero). Output: the
 * contributor table sorted by address with each reward = floor(R * T / S) and its remainder.
 * The dust R - sum(rewards) stays in the settlement contract.
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

/** Computes the floor split of `pool` over `contributors`; validates every bound the circuit checks. */
export function splitPool(contributors: readonly ContributorTotal[], pool: bigint, config: ProtocolConfig): PayoutTable {
  const { addressBits, totalBits, poolBits } = config.widths;
  if (pool < 0n || pool >= 1n << BigInt(poolBits)) {
    throw new RangeError(`pool must be in [0, 2^${poolBits}), got ${pool}`);
  }
  const rows = [...contributors].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  let total = 0n;
  for (const [i, row] of rows.entries()) {
    if (row.address <= 0n || row.address >= 1n << BigInt(addressBits)) {
      throw new RangeError(`contributor address ${row.address} must be in [1, 2^${addressBits})`);
    }
    if (i > 0 && rows[i - 1]!.address === row.address) {
      throw new RangeError(`contributor address 0x${row.address.toString(16)} appears twice`);
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
