/**
 * Opening an epoch and submitting proven batches to PayoutSettlement, plus decoding its custom
 * errors. A batch is witness/ buildPayoutBatches output; its proof is snarkjs's Groth16 proof of
 * that batch's circuit input.
 */
import { Interface, isHexString, type ContractTransactionReceipt, type ErrorDescription, type InterfaceAbi } from "ethers";
import type { Groth16Proof } from "snarkjs";
import type { PayoutBatch } from "../witness/index.ts";
import type { OpenTokenContract, PayoutSettlementContract } from "./contract-types.ts";
import { toSolidityProof, type Pair } from "./solidity-proof.ts";

export interface EpochParams {
  readonly epoch: bigint;
  /** R, in token base units. */
  readonly pool: bigint;
  /** S, the sum of every contributor's amount T_c. */
  readonly total: bigint;
  readonly batchCount: number;
}

const UINT64_MAX = (1n << 64n) - 1n;
const UINT32_MAX = 2 ** 32 - 1;

async function mined(tx: Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>, what: string): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error(`${what}: the transaction has no receipt`);
  return receipt;
}

/**
 * Escrows `pool` from the settlement's owner (the signer both contracts are connected to) and
 * opens the epoch. Approves the settlement for the pool first when the allowance is short.
 * Returns the openEpoch receipt.
 */
export async function openEpoch(
  contracts: { readonly token: OpenTokenContract; readonly settlement: PayoutSettlementContract },
  params: EpochParams,
): Promise<ContractTransactionReceipt> {
  const { epoch, pool, total, batchCount } = params;
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > UINT64_MAX) throw new RangeError(`epoch must be a uint64 bigint, got ${epoch}`);
  if (typeof pool !== "bigint" || pool < 0n) throw new RangeError(`pool must be a non-negative bigint, got ${pool}`);
  if (typeof total !== "bigint" || total <= 0n) throw new RangeError(`total must be a positive bigint, got ${total}`);
  if (!Number.isInteger(batchCount) || batchCount < 1 || batchCount > UINT32_MAX) {
    throw new RangeError(`batchCount must be an integer in [1, 2^32), got ${batchCount}`);
  }
  const { token, settlement } = contracts;
  const settlementAddress = await settlement.getAddress();
  const owner = await settlement.owner();
  if ((await token.allowance(owner, settlementAddress)) < pool) {
    await mined(token.approve(settlementAddress, pool), "approve");
  }
  return mined(settlement.openEpoch(epoch, pool, total, batchCount), `openEpoch(${epoch})`);
}

/** submitBatch's arguments for `batch` of `epoch` with `proof`, in the contract's order. */
export function submitBatchArgs(
  epoch: bigint,
  batch: PayoutBatch,
  proof: Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">,
): [bigint, number, bigint, bigint, bigint[], Pair, readonly [Pair, Pair], Pair] {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > UINT64_MAX) throw new RangeError(`epoch must be a uint64 bigint, got ${epoch}`);
  const { a, b, c } = toSolidityProof(proof);
  return [epoch, batch.index, batch.chainOut, batch.amountSum, [...batch.words], a, b, c];
}

/**
 * Submits one proven batch (any signer may) and waits for it. Returns the receipt (gasUsed).
 * A revert surfaces as ethers' error; settlementError() names the contract's custom error.
 */
export async function submitBatch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: PayoutBatch,
  proof: Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">,
): Promise<ContractTransactionReceipt> {
  return mined(settlement.submitBatch(...submitBatchArgs(epoch, batch, proof)), `submitBatch(${epoch}, ${batch.index})`);
}

function revertData(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== "object" || error === null) return undefined;
  const e = error as { data?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
  if (typeof e.data === "string" && isHexString(e.data) && e.data.length >= 10) return e.data;
  if (typeof e.data === "object") {
    const nested = revertData(e.data, depth + 1);
    if (nested) return nested;
  }
  return revertData(e.error, depth + 1) ?? revertData(e.info?.error, depth + 1) ?? revertData(e.cause, depth + 1);
}

/**
 * The custom error in a failed call's revert data, decoded with `abi` (the settlement's, the
 * token's, or both joined), or undefined when the error carries no revert data it knows.
 */
export function decodeRevert(error: unknown, abi: InterfaceAbi | Interface): ErrorDescription | undefined {
  const data = revertData(error);
  if (data === undefined) return undefined;
  const iface = abi instanceof Interface ? abi : new Interface(abi);
  return iface.parseError(data) ?? undefined;
}
