/**
 * The settlement calls: opening an epoch (escrow and registration), reading registrations back
 * from the registry's events, committing, delivery receipts, revealing the validation set,
 * submitting proven ExampleBatch, RegistrationBatch and PayoutBatch proofs, finalizing,
 * releasing, forfeiting. Batches are witness/ outputs; proofs are snarkjs Groth16 proofs of their
 * circuit inputs. A revert is thrown as a ContractRevertError naming its custom error
 * (revert-reason.ts).
 */
import {
  Signature,
  verifyTypedData,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type EventLog,
  type Provider,
  type Signer,
} from "ethers";
import type { Groth16Proof } from "snarkjs";
import type { ExampleBatch, PayoutBatch, Registration, RegistrationBatch } from "../witness/index.ts";
import type { EpochCommit } from "../witness/challenge.ts";
import type {
  ContributorRegistryContract,
  ExampleClaimArg,
  OpenTokenContract,
  PayoutClaimArg,
  PayoutSettlementContract,
  ProofArg,
  RegistrationClaimArg,
} from "./contract-types.ts";
import { transact } from "./revert-reason.ts";
import { toSolidityProof } from "./solidity-proof.ts";

type GrothProof = Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">;

const UINT64_MAX = (1n << 64n) - 1n;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function checkEpoch(epoch: bigint): void {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > UINT64_MAX) throw new RangeError(`epoch must be a uint64 bigint, got ${epoch}`);
}

/** Sends `call` of the settlement; a revert is thrown as a ContractRevertError. */
const settle = (settlement: PayoutSettlementContract, call: string, send: () => Promise<ContractTransactionResponse>) =>
  transact<ContractTransactionReceipt>({ contract: "PayoutSettlement", call, target: settlement }, send);

/** The registrations of `epoch` from the registry's Registered events, in registration order. */
export async function readRegistrations(registry: ContributorRegistryContract, epoch: bigint): Promise<Registration[]> {
  checkEpoch(epoch);
  const events = (await registry.queryFilter(registry.filters.Registered!(epoch))) as EventLog[];
  return events
    .map((e) => ({
      contributor: BigInt(e.args.contributor as string),
      order: Number(e.args.order),
      commitment: BigInt(e.args.commitment as bigint),
      count: Number(e.args.exampleCount),
    }))
    .sort((a, b) => a.order - b.order);
}

/** What openEpoch fixes: the registration deadline, the validation commitment, the escrowed pool, the trainer and the lineage. */
export interface OpenEpochArgs {
  readonly epoch: bigint;
  /** Registration deadline, unix seconds (at least the registry's minimum window away). */
  readonly closesAt: bigint;
  /** bytes32 hex: keccak256(abi.encode(validationSetHash, salt)). */
  readonly validationCommitment: string;
  /** R, in token base units. */
  readonly pool: bigint;
  /** The epoch's trainer: the only key that commits, proves and reveals, and signs delivery receipts. */
  readonly trainer: string;
  /**
   * The epoch whose model this epoch's continues (opened before on this settlement; its commit is
   * copied at this epoch's commit), or 0n for the first of a lineage.
   */
  readonly follows: bigint;
}

/**
 * Escrows `pool` from the settlement's owner (the signer both contracts are connected to) and
 * opens the epoch's registration. Approves the settlement for the pool first when the allowance
 * is short.
 */
export async function openEpoch(
  contracts: { readonly token: OpenTokenContract; readonly settlement: PayoutSettlementContract },
  args: OpenEpochArgs,
): Promise<ContractTransactionReceipt> {
  const { epoch, closesAt, validationCommitment, pool, trainer, follows } = args;
  checkEpoch(epoch);
  if (typeof follows !== "bigint" || follows < 0n || follows > UINT64_MAX)
    throw new RangeError(`follows must be a uint64 bigint (0n: no earlier epoch), got ${follows}`);
  if (typeof pool !== "bigint" || pool < 0n) throw new RangeError(`pool must be a non-negative bigint, got ${pool}`);
  if (!BYTES32.test(validationCommitment))
    throw new TypeError(`validationCommitment must be a 0x-prefixed bytes32, got ${validationCommitment}`);
  const { token, settlement } = contracts;
  const settlementAddress = await settlement.getAddress();
  const owner = await settlement.owner();
  if ((await token.allowance(owner, settlementAddress)) < pool) {
    await transact({ contract: "OpenToken", call: `approve(settlement, ${pool})`, target: token }, () =>
      token.approve(settlementAddress, pool),
    );
  }
  return settle(settlement, `openEpoch(${epoch}, follows ${follows})`, () =>
    settlement.openEpoch(epoch, closesAt, validationCommitment, pool, trainer, follows),
  );
}

/** Commits `epoch` (the trainer, after the registration deadline): the seed is drawn in this call. */
export async function commitEpoch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  commit: EpochCommit,
  exclusionBitmap: string,
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  if (!BYTES32.test(commit.modelHash)) throw new TypeError(`modelHash must be a 0x-prefixed bytes32, got ${commit.modelHash}`);
  for (const [name, count] of [
    ["exampleBatches", commit.exampleBatches],
    ["registrationBatches", commit.registrationBatches],
    ["payoutBatches", commit.payoutBatches],
  ] as const) {
    if (!Number.isInteger(count) || count < 1 || count > 65_535)
      throw new RangeError(`${name} must be an integer in [1, 65535], got ${count}`);
  }
  return settle(settlement, `commitEpoch(${epoch})`, () => settlement.commitEpoch(epoch, commit, exclusionBitmap));
}

/**
 * Moves a development chain's clock (evm_increaseTime + evm_mine) to `timestamp` if it is ahead;
 * returns false on a chain that refuses (its clock moves only with real time).
 */
export async function advanceDevelopmentClock(provider: Provider, timestamp: bigint): Promise<boolean> {
  const latest = BigInt((await provider.getBlock("latest"))!.timestamp);
  if (latest >= timestamp) return true;
  const send = (provider as Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
  if (typeof send !== "function") return false;
  try {
    await send.call(provider, "evm_increaseTime", [Number(timestamp - latest)]);
    await send.call(provider, "evm_mine", []);
    return true;
  } catch {
    return false;
  }
}

/**
 * PayoutSettlement's EIP-712 name and version (its constructor's `EIP712(...)`): the delivery
 * receipt's domain, and the source of the EIP712 immutables deployment-code.ts expects.
 */
export const SETTLEMENT_EIP712 = { name: "AttributionSettlement", version: "1" } as const;

/** PayoutSettlement's DELIVERY_TYPEHASH: Delivery(uint64 epoch,uint32 order,uint256 commitment). */
const DELIVERY_TYPES = {
  Delivery: [
    { name: "epoch", type: "uint64" },
    { name: "order", type: "uint32" },
    { name: "commitment", type: "uint256" },
  ],
};

/** The EIP-712 domain of the settlement at `settlement` on chain `chainId`. */
const deliveryDomain = (chainId: bigint, settlement: string) => ({ ...SETTLEMENT_EIP712, chainId, verifyingContract: settlement });

/** The EIP-712 Delivery receipt the trainer signs for registration `order` whose data arrived. */
export async function signDeliveryReceipt(
  trainer: Signer,
  settlement: PayoutSettlementContract,
  epoch: bigint,
  order: number,
  commitment: bigint,
): Promise<string> {
  checkEpoch(epoch);
  const network = await trainer.provider!.getNetwork();
  return trainer.signTypedData(deliveryDomain(network.chainId, await settlement.getAddress()), DELIVERY_TYPES, {
    epoch,
    order,
    commitment,
  });
}

/** One Delivery receipt's signed fields: what contestExclusion recovers the signer from. */
export interface SignedDelivery {
  readonly chainId: bigint;
  readonly settlement: string;
  readonly epoch: bigint;
  readonly order: number;
  readonly commitment: bigint;
  readonly signature: string;
}

/**
 * `signature` in the one form PayoutSettlement's ECDSA.recover takes: 65 bytes r, s, v with v 27 or
 * 28 (and s in the lower half). ethers reads the same signature in other forms too (v written as 0
 * or 1, or in the EIP-155 form; the 64-byte compact form), each of which the contract refuses: a
 * trainer handed back receipts with v as 0 or 1, every off-chain check accepted them and
 * contestExclusion reverted (red team 9). Throws on a high s (ethers refuses it as well) or bytes
 * that are no signature.
 */
export function contractSignature(signature: string): string {
  return Signature.from(signature).serialized;
}

/**
 * The address whose key signed `d`, as the contract's ECDSA.recover finds it from
 * contractSignature(d.signature), or undefined for a signature no key could have made (malformed,
 * a high s).
 */
export function deliveryReceiptSigner(d: SignedDelivery): string | undefined {
  checkEpoch(d.epoch);
  try {
    return verifyTypedData(
      deliveryDomain(d.chainId, d.settlement),
      DELIVERY_TYPES,
      { epoch: d.epoch, order: d.order, commitment: d.commitment },
      contractSignature(d.signature),
    );
  } catch {
    return undefined;
  }
}

/**
 * Voids `epoch`'s live commit with the trainer's Delivery receipt for excluded registration
 * `order` (anyone may send it, within the contest window): `exclusion` is the commit's bitmap as
 * EpochCommitted carried it (the contract checks its hash). The signature goes in the contract's
 * form (contractSignature), whatever form the receipt holds it in.
 */
export async function contestExclusion(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  exclusion: string,
  d: { readonly order: number; readonly commitment: bigint; readonly signature: string },
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return settle(settlement, `contestExclusion(${epoch}, order ${d.order})`, () =>
    settlement.contestExclusion(epoch, exclusion, d.order, d.commitment, contractSignature(d.signature)),
  );
}

function proofArg(proof: GrothProof): ProofArg {
  const { a, b, c } = toSolidityProof(proof);
  return { a, b, c };
}

/** submitExampleBatch's arguments for `batch` of `epoch` with `proof`. */
export function exampleBatchArgs(epoch: bigint, batch: ExampleBatch, proof: GrothProof): [bigint, number, ExampleClaimArg, ProofArg] {
  checkEpoch(epoch);
  const claim = {
    chainOut: batch.chainOut,
    hashOut: batch.hashOut,
    jOut: batch.jOut,
    scoreSum: batch.scoreSum,
    rlcSum: batch.rlcSum,
    product: batch.prod,
  };
  return [epoch, batch.index, claim, proofArg(proof)];
}

/** submitRegistrationBatch's arguments for `batch` of `epoch` with `proof`. */
export function registrationBatchArgs(
  epoch: bigint,
  batch: RegistrationBatch,
  proof: GrothProof,
): [bigint, number, RegistrationClaimArg, ProofArg] {
  checkEpoch(epoch);
  const out = batch.carriedOut;
  const claim = {
    foldOut: out.fold,
    nextJOut: out.nextJ,
    openOut: out.open,
    stateOut: out.state,
    countOut: out.count,
    senderWordOut: out.senderN,
    exclOut: out.excl,
    product: batch.prod,
    rlcSum: batch.rlcSum,
  };
  return [epoch, batch.index, claim, proofArg(proof)];
}

/** submitPayoutBatch's arguments for `batch` of `epoch` with `proof`. */
export function payoutBatchArgs(
  epoch: bigint,
  batch: PayoutBatch,
  proof: GrothProof,
): [bigint, number, PayoutClaimArg, bigint[], ProofArg] {
  checkEpoch(epoch);
  return [
    epoch,
    batch.index,
    { chainOut: batch.chainOut, amountSum: batch.amountSum, rlcSum: batch.rlcSum },
    [...batch.words],
    proofArg(proof),
  ];
}

/** Verifies one proven claim batch on chain (the owner). Returns the receipt. */
export async function submitExampleBatch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: ExampleBatch,
  proof: GrothProof,
): Promise<ContractTransactionReceipt> {
  return settle(settlement, `submitExampleBatch(${epoch}, ${batch.index})`, () =>
    settlement.submitExampleBatch(...exampleBatchArgs(epoch, batch, proof)),
  );
}

/** Verifies one proven registration batch on chain (the owner). Returns the receipt. */
export async function submitRegistrationBatch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: RegistrationBatch,
  proof: GrothProof,
): Promise<ContractTransactionReceipt> {
  return settle(settlement, `submitRegistrationBatch(${epoch}, ${batch.index})`, () =>
    settlement.submitRegistrationBatch(...registrationBatchArgs(epoch, batch, proof)),
  );
}

/** Verifies one proven payout batch on chain (the owner); it pays nothing yet. */
export async function submitPayoutBatch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: PayoutBatch,
  proof: GrothProof,
): Promise<ContractTransactionReceipt> {
  return settle(settlement, `submitPayoutBatch(${epoch}, ${batch.index})`, () =>
    settlement.submitPayoutBatch(...payoutBatchArgs(epoch, batch, proof)),
  );
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
export async function revealValidation(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  reveal: ValidationReveal,
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  for (const [name, v] of [
    ["validationSetHash", reveal.validationSetHash],
    ["salt", reveal.salt],
  ] as const) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new TypeError(`${name} must be a 0x-prefixed bytes32, got ${v}`);
  }
  return settle(settlement, `revealValidation(${epoch})`, () => settlement.revealValidation(epoch, reveal.validationSetHash, reveal.salt));
}

/**
 * Refunds the pool to the owner (the operator): an epoch nobody registered for, or an empty commit
 * (nobody delivered) whose contest window is over.
 */
export async function cancelEpoch(settlement: PayoutSettlementContract, epoch: bigint): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return settle(settlement, `cancelEpoch(${epoch})`, () => settlement.cancelEpoch(epoch));
}

/** Burns the pool of an epoch not finalized by its settle deadline (anyone). */
export async function forfeitEpoch(settlement: PayoutSettlementContract, epoch: bigint): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return settle(settlement, `forfeit(${epoch})`, () => settlement.forfeit(epoch));
}

/** Runs the global checks of `epoch`; from then on its payouts can be released. */
export async function finalizeEpoch(settlement: PayoutSettlementContract, epoch: bigint): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return settle(settlement, `finalize(${epoch})`, () => settlement.finalize(epoch));
}

/** Pays one verified payout batch of a finalized epoch: all of it, or the rest of it after releaseBatchRows. */
export async function releaseBatch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: PayoutBatch,
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  return settle(settlement, `release(${epoch}, ${batch.index})`, () => settlement.release(epoch, batch.index, [...batch.words]));
}

/** Pays at most `rows` further rows of one verified payout batch from its on-chain cursor (releaseRows). */
export async function releaseBatchRows(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: PayoutBatch,
  rows: number,
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  return settle(settlement, `releaseRows(${epoch}, ${batch.index}, ${rows})`, () =>
    settlement.releaseRows(epoch, batch.index, [...batch.words], rows),
  );
}

/** How far the release of payout batch `batchIndex` is: rows paid so far, and whether every row is (its stored words hash cleared). */
export async function releaseProgress(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batchIndex: number,
): Promise<{ rows: number; complete: boolean }> {
  checkEpoch(epoch);
  const [hash, cursor] = await Promise.all([settlement.payoutWordsHash(epoch, batchIndex), settlement.releaseCursor(epoch, batchIndex)]);
  return { rows: Number(cursor.rows), complete: BigInt(hash) === 0n };
}
