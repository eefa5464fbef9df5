/**
 * The settlement calls: opening registration, reading registrations back from the registry's
 * events, opening an epoch, revealing its validation set, submitting proven ExampleBatch and
 * PayoutBatch proofs, finalizing, releasing payouts, plus decoding custom errors. Batches are witness/ outputs; proofs are
 * snarkjs Groth16 proofs of their circuit inputs.
 */
import { Interface, isHexString, type ContractTransactionReceipt, type ErrorDescription, type EventLog, type InterfaceAbi } from "ethers";
import type { Groth16Proof } from "snarkjs";
import type { ExampleBatch, PayoutBatch, Registration } from "../witness/index.ts";
import type {
  ContributorRegistryContract,
  ExampleClaimArg,
  OpenTokenContract,
  PayoutClaimArg,
  PayoutSettlementContract,
  ProofArg,
} from "./contract-types.ts";
import { toSolidityProof } from "./solidity-proof.ts";

export interface EpochParams {
  readonly epoch: bigint;
  /** R, in token base units. */
  readonly pool: bigint;
  /** S, the sum of every contributor's clipped total T_c. */
  readonly total: bigint;
  readonly exampleBatches: number;
  readonly payoutBatches: number;
  readonly commitExamples: bigint;
  readonly commitContributors: bigint;
  /** bytes32 hex: the hash of the trained model. */
  readonly modelHash: string;
}

type GrothProof = Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">;

const UINT64_MAX = (1n << 64n) - 1n;

function checkEpoch(epoch: bigint): void {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > UINT64_MAX) throw new RangeError(`epoch must be a uint64 bigint, got ${epoch}`);
}

async function mined(tx: Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>, what: string): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error(`${what}: the transaction has no receipt`);
  return receipt;
}

/** Opens registration of `epoch` until `closesAt` (unix seconds) with the validation-set commitment. */
export async function openRegistration(
  registry: ContributorRegistryContract,
  epoch: bigint,
  closesAt: bigint,
  validationCommitment: string,
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return mined(registry.openRegistration(epoch, closesAt, validationCommitment), `openRegistration(${epoch})`);
}

/** The registrations of `epoch` from the registry's Registered events, in registration order. */
export async function readRegistrations(registry: ContributorRegistryContract, epoch: bigint): Promise<Registration[]> {
  checkEpoch(epoch);
  const events = (await registry.queryFilter(registry.filters.Registered!(epoch))) as EventLog[];
  return events
    .map((e) => ({
      contributor: BigInt(e.args.contributor as string),
      order: Number(e.args.order),
      commitment: e.args.examplesCommitment as string,
      count: Number(e.args.exampleCount),
    }))
    .sort((a, b) => a.order - b.order);
}

/**
 * Escrows `pool` from the settlement's owner (the signer both contracts are connected to) and
 * opens the epoch. Approves the settlement for the pool first when the allowance is short.
 */
export async function openEpoch(
  contracts: { readonly token: OpenTokenContract; readonly settlement: PayoutSettlementContract },
  params: EpochParams,
): Promise<ContractTransactionReceipt> {
  const { epoch, pool, total, exampleBatches, payoutBatches } = params;
  checkEpoch(epoch);
  if (typeof pool !== "bigint" || pool < 0n) throw new RangeError(`pool must be a non-negative bigint, got ${pool}`);
  if (typeof total !== "bigint" || total <= 0n) throw new RangeError(`total must be a positive bigint, got ${total}`);
  for (const [name, count] of [["exampleBatches", exampleBatches], ["payoutBatches", payoutBatches]] as const) {
    if (!Number.isInteger(count) || count < 1 || count > 65_535) throw new RangeError(`${name} must be an integer in [1, 65535], got ${count}`);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(params.modelHash)) throw new TypeError(`modelHash must be a 0x-prefixed bytes32, got ${params.modelHash}`);
  const { token, settlement } = contracts;
  const settlementAddress = await settlement.getAddress();
  const owner = await settlement.owner();
  if ((await token.allowance(owner, settlementAddress)) < pool) {
    await mined(token.approve(settlementAddress, pool), "approve");
  }
  const { epoch: _, ...rest } = params;
  return mined(settlement.openEpoch(epoch, rest), `openEpoch(${epoch})`);
}

function proofArg(proof: GrothProof): ProofArg {
  const { a, b, c } = toSolidityProof(proof);
  return { a, b, c };
}

/** submitExampleBatch's arguments for `batch` of `epoch` with `proof`. */
export function exampleBatchArgs(epoch: bigint, batch: ExampleBatch, proof: GrothProof): [bigint, number, ExampleClaimArg, ProofArg] {
  checkEpoch(epoch);
  return [epoch, batch.index, { chainOut: batch.chainOut, hashOut: batch.hashOut, scoreSum: batch.scoreSum, rlcSum: batch.rlcSum }, proofArg(proof)];
}

/** submitPayoutBatch's arguments for `batch` of `epoch` with `proof`. */
export function payoutBatchArgs(epoch: bigint, batch: PayoutBatch, proof: GrothProof): [bigint, number, PayoutClaimArg, bigint[], ProofArg] {
  checkEpoch(epoch);
  return [epoch, batch.index, { chainOut: batch.chainOut, amountSum: batch.amountSum, rlcSum: batch.rlcSum }, [...batch.words], proofArg(proof)];
}

/** Verifies one proven example batch on chain (any signer may). Returns the receipt. */
export async function submitExampleBatch(settlement: PayoutSettlementContract, epoch: bigint, batch: ExampleBatch, proof: GrothProof): Promise<ContractTransactionReceipt> {
  return mined(settlement.submitExampleBatch(...exampleBatchArgs(epoch, batch, proof)), `submitExampleBatch(${epoch}, ${batch.index})`);
}

/** Verifies one proven payout batch on chain (any signer may); it pays nothing yet. */
export async function submitPayoutBatch(settlement: PayoutSettlementContract, epoch: bigint, batch: PayoutBatch, proof: GrothProof): Promise<ContractTransactionReceipt> {
  return mined(settlement.submitPayoutBatch(...payoutBatchArgs(epoch, batch, proof)), `submitPayoutBatch(${epoch}, ${batch.index})`);
}

/** The validation set an epoch was scored against, as revealed on chain. */
export interface ValidationReveal {
  /** bytes32 hex: the set's hash (sha256 of its file, attribution/ datasetHash). */
  readonly validationSetHash: string;
  /** bytes32 hex: the salt of the registry's commitment. */
  readonly salt: string;
}

/**
 * Reveals the validation set of an open `epoch` (owner only; once; before finalize): the contract
 * checks it against the commitment registration opened with (witness/ validationCommitment).
 */
export async function revealValidation(settlement: PayoutSettlementContract, epoch: bigint, reveal: ValidationReveal): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  for (const [name, v] of [["validationSetHash", reveal.validationSetHash], ["salt", reveal.salt]] as const) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new TypeError(`${name} must be a 0x-prefixed bytes32, got ${v}`);
  }
  return mined(settlement.revealValidation(epoch, reveal.validationSetHash, reveal.salt), `revealValidation(${epoch})`);
}

/** Runs the global checks of `epoch`; from then on its payouts can be released. */
export async function finalizeEpoch(settlement: PayoutSettlementContract, epoch: bigint): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return mined(settlement.finalize(epoch), `finalize(${epoch})`);
}

/** Pays one verified payout batch of a finalized epoch. */
export async function releaseBatch(settlement: PayoutSettlementContract, epoch: bigint, batch: PayoutBatch): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return mined(settlement.release(epoch, batch.index, [...batch.words]), `release(${epoch}, ${batch.index})`);
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
