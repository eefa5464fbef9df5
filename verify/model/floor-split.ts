/**
 * The split of the pool R over the registration totals T_j: reward_j = floor(R T_j / S) with
 * S = sum T_j, and remainder_j = R T_j - reward_j S in [0, S), exactly the relation PayoutBatch
 * proves (reward * S + remainder == R * T). One row per registration, in registration order j (an
 * address that registered twice has two rows). The dust R - sum reward_j stays in the contract.
 */
import type { ProtocolConfig } from "../../config/index.ts";

/** One payout table row after the split. */
export interface SplitRow {
  readonly address: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly remainder: bigint;
}

/** The payout table: row j for registration j, S and the dust. */
export interface SplitTable {
  readonly rows: readonly SplitRow[];
  readonly total: bigint;
  readonly dust: bigint;
}

/**
 * Splits `pool` over `totals` (row j: registration j's sender and T_j). Throws a RangeError for what
 * the circuit's range checks refuse: a pool or total beyond its width, S = 0 (nothing to split by).
 */
export function floorSplit(
  totals: readonly { readonly address: bigint; readonly amount: bigint }[],
  pool: bigint,
  w: ProtocolConfig["widths"],
): SplitTable {
  if (pool < 0n || pool >= 1n << BigInt(w.poolBits)) throw new RangeError(`the pool ${pool} is not in [0, 2^${w.poolBits})`);
  let total = 0n;
  for (const t of totals) total += t.amount;
  if (total === 0n) throw new RangeError("every registration total is 0: there is nothing to split the pool by");
  if (total >= 1n << BigInt(w.totalBits)) throw new RangeError(`S = ${total} does not fit in ${w.totalBits} bits`);
  let paid = 0n;
  const rows = totals.map(({ address, amount }) => {
    const reward = (pool * amount) / total;
    paid += reward;
    return { address, amount, reward, remainder: pool * amount - reward * total };
  });
  return { rows, total, dust: pool - paid };
}
