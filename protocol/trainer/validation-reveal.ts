/**
 * The held-out validation set through an epoch: sealed before registration opens (its hash, a
 * salt and the commitment keccak256(abi.encode(hash, salt)) the registry stores), revealed on
 * chain once the tables are committed (PayoutSettlement.revealValidation, before finalize), and
 * then written into the epoch record: validation.bin (attribution/ encodeDataset, the file whose
 * sha256 is the revealed hash) and epoch.json's `validation` section.
 *
 * The salt is the keccak256 of the trainer's signature over (chain id, epoch, set hash): the
 * witness and settle stages, even in separate processes, derive the same salt without storing a
 * secret anywhere, and nothing in the epoch directory reveals it before the reveal transaction.
 * It needs a deterministic signer (RFC 6979, as ethers' Wallet and Hardhat's accounts are); with
 * another, the reveal is refused before it is sent (VALIDATION_NOT_COMMITTED) and the owner can
 * cancel the epoch.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { keccak256, type ContractTransactionReceipt, type Signer } from "ethers";
import { datasetHash, encodeDataset, secretValidationSplit, type Dataset } from "../../attribution/index.ts";
import { CodedError } from "../../errors/index.ts";
import { writeFileAtomic } from "../../files/index.ts";
import type { ProtocolConfig } from "../../config/index.ts";
import { revealValidation, type PayoutSettlementContract, type ValidationReveal } from "../../verifier-contracts/index.ts";
import { validationCommitment } from "../../witness/index.ts";

/** File name of the revealed set in the epoch directory. */
export const VALIDATION_FILE = "validation.bin";

/** A validation set with its reveal kept back: what the trainer holds between open and reveal. */
export interface SealedValidation extends ValidationReveal {
  /** bytes32: what registration opens with. */
  readonly commitment: string;
  /** The dataset file (its sha256 is validationSetHash). */
  readonly bytes: Uint8Array;
  readonly examples: number;
}

/** epoch.json `validation`: the revealed set, for a skeptic to recheck (verify/validation.ts). */
export interface RevealedValidationRecord {
  readonly file: string;
  readonly examples: number;
  readonly validationSetHash: string;
  readonly salt: string;
  readonly commitment: string;
  /** The revealValidation transaction. */
  readonly revealTx: string;
}

/**
 * The set an epoch is scored against: the one the trainer's secret chooses among the digits no
 * contributor partition takes (attribution/ secretValidationSplit; the secret from
 * validation-secret.ts), so it is not derivable from config/protocol.json.
 */
/**
 * The secret that chooses epoch `epoch`'s held-out set on `settlement`: one set per epoch, so an
 * epoch's reveal (and its published validation.bin) says nothing of a later epoch's set, which may
 * still be open for registration (review round 3: one set for every epoch exposed the next one's).
 * seal, score (with --deployment and --epoch) and settle all derive it the same way.
 */
export function epochValidationSecret(secret: Uint8Array, chainId: bigint, settlement: string, epoch: bigint): Uint8Array {
  return createHash("sha256").update(secret).update(`\nvalidation set of chain ${chainId} settlement ${settlement.toLowerCase()} epoch ${epoch}`).digest();
}

export function heldOutValidationSet(config: ProtocolConfig, secret: Uint8Array): Dataset {
  return secretValidationSplit(config.attribution, secret).validation;
}

/** Seals `set` for `epoch` of `settlement` on chain `chainId` under the salt `trainer` derives (see the header). */
export async function sealValidationSet(trainer: Signer, chainId: bigint, settlement: string, epoch: bigint, set: Dataset): Promise<SealedValidation> {
  const validationSetHash = `0x${datasetHash(set)}`;
  // The settlement is in the salt: one epoch number on two deployments gets two commitments (found by review).
  const salt = keccak256(await trainer.signMessage(`attribution-prover validation-set salt\nchain ${chainId}\nsettlement ${settlement.toLowerCase()}\nepoch ${epoch}\nset ${validationSetHash}`));
  return { validationSetHash, salt, commitment: validationCommitment(validationSetHash, salt), bytes: encodeDataset(set), examples: set.size };
}

/**
 * Reveals `sealed` for an open `epoch` whose registration committed to `commitment`, then writes
 * validation.bin into the epoch directory `dir`. Returns the receipt and epoch.json's section.
 */
export async function revealEpochValidation(
  settlement: PayoutSettlementContract, epoch: bigint, commitment: string, sealed: SealedValidation, dir: string,
): Promise<{ receipt: ContractTransactionReceipt; record: RevealedValidationRecord }> {
  if (sealed.commitment !== commitment) {
    throw new CodedError("VALIDATION_NOT_COMMITTED", "input", `the validation set ${sealed.validationSetHash} under this signer's salt commits to ${sealed.commitment}, registration opened with ${commitment}: reveal with the set and the signer the witness stage used, or cancel the epoch`);
  }
  const receipt = await revealValidation(settlement, epoch, sealed);
  return { receipt, record: writeRevealedValidation(sealed, commitment, dir, receipt.hash) };
}

/**
 * Writes validation.bin for a set revealed on chain (by this call or an earlier run) and returns
 * epoch.json's section for it.
 */
export function writeRevealedValidation(sealed: SealedValidation, commitment: string, dir: string, revealTx: string): RevealedValidationRecord {
  if (sealed.commitment !== commitment) throw new CodedError("VALIDATION_NOT_COMMITTED", "input", `the validation set ${sealed.validationSetHash} under this signer's salt commits to ${sealed.commitment}, not the epoch's ${commitment}`);
  writeFileAtomic(join(dir, VALIDATION_FILE), sealed.bytes);
  const { validationSetHash, salt, examples } = sealed;
  return { file: VALIDATION_FILE, examples, validationSetHash, salt, commitment, revealTx };
}

/** The transaction that revealed `epoch`'s validation set (its ValidationRevealed event). */
export async function revealTransaction(settlement: PayoutSettlementContract, epoch: bigint): Promise<string> {
  const [event] = await settlement.queryFilter(settlement.filters.ValidationRevealed!(epoch));
  if (!event) throw new CodedError("VALIDATION_NOT_COMMITTED", "external", `epoch ${epoch} is marked revealed but no ValidationRevealed event was found`);
  return event.transactionHash;
}
