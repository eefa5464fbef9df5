/**
 * The split of the pool R over the contributor totals T_c: reward_c = floor(R T_c / S) with
 * S = sum T_c, and remainder_c = R T_c - reward_c S in [0, S), exactly the relation PayoutBatch
 * proves (reward * S + remainder == R * T). The dust R - sum reward_c stays in the contract.
 */
import type { ProtocolConfig } from "../../config/index.ts";

/** One contributor table row after the split. */
export interface SplitRow {
  readonly address: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly remainder: bigint;
}

/** The contributor table: rows in increasing address order, S and the dust. */
export interface SplitTable {
  readonly rows: readonly SplitRow[];
  readonly total: bigint;
  readonly dust: bigint;
}

/**
 * Splits `pool` over `totals` (address -> T_c). Throws a RangeError for what the circuit's range
 * checks refuse: a pool or total beyond its width, S = 0 (nothing to split by).
 */
export function floorSplit(totals: ReadonlyMap<bigint, bigint>, pool: bigint, w: ProtocolConfig["widths"]): SplitTable {
  if (pool < 0n || pool >= 1n << BigInt(w.poolBits)) throw new RangeError(`the pool ${pool} is not in [0, 2^${w.poolBits})`);
  const addresses = [...totals.keys()].sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
  let total = 0n;
  for (const a of addresses) total += totals.get(a)!;
  if (total === 0n) throw new RangeError("every contributor total is 0: there is nothing to split the pool by");
  if (total >= 1n << BigInt(w.totalBits)) throw new RangeError(`S = ${total} does not fit in ${w.totalBits} bits`);
  let paid = 0n;
  const rows = addresses.map((address) => {
    const amount = totals.get(address)!;
    const reward = (pool * amount) / total;
    paid += reward;
    return { address, amount, reward, remainder: pool * amount - reward * total };
  });
  return { rows, total, dust: pool - paid };
}
