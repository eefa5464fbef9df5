/**
 * The held-out validation set through an epoch: sealed before registration opens (its hash, a
 * salt and the commitment keccak256(abi.encode(hash, salt)) the registry stores), revealed on
 * chain once the tables are committed (PayoutSettlement.revealValidation, before finalize), and
 * then written into the epoch record: the set's file(s) and epoch.json's `validation` section.
 * The set is either the MNIST path's held-out split (validation.bin, attribution/ encodeDataset,
 * whose sha256 is the hash) or a file the trainer brings (validation-file.ts: its own file byte
 * for byte, validation.npz, .jsonl, .npy ...). Either way the hash is dataset/ exampleSetHash of
 * the examples, which for a set of images is the sha256 of its dataset file: one definition, so
 * the skeptic rechecks any revealed set by reading it (verify/validation.ts).
 *
 * The salt is the keccak256 of the trainer's signature over (chain id, epoch, set hash): the
 * witness and settle stages, even in separate processes, derive the same salt without storing a
 * secret anywhere, and nothing in the epoch directory reveals it before the reveal transaction.
 * It needs a deterministic signer (RFC 6979, as ethers' Wallet and Hardhat's accounts are); with
 * another, the reveal is refused before it is sent (VALIDATION_NOT_COMMITTED) and the owner can
 * cancel the epoch. score --model with --deployment and --epoch makes the same seal to refuse a
 * set that is not the epoch's (assertSealedSet) before anything is scored.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { keccak256, type ContractTransactionReceipt, type Signer } from "ethers";
import { datasetHash } from "../../attribution/data.ts";
import { secretValidationSplit } from "../../attribution/secret-split.ts";
import { encodeDataset } from "../../dataset/dataset-file.ts";
import type { Dataset } from "../../dataset/index.ts";
import { CodedError } from "../../errors/index.ts";
import { writeFileAtomic } from "../../files/index.ts";
import type { ProtocolConfig } from "../../config/index.ts";
import { revealValidation, type PayoutSettlementContract } from "../../verifier-contracts/index.ts";
import type { ValidationReveal } from "../../verifier-contracts/settle.ts";
import { validationCommitment } from "../../witness/index.ts";
import type { ProtocolDeployment } from "../deployment.ts";
import { assertEpochTrainer } from "./epoch-trainer.ts";
import type { RevealFile, ValidationSetFiles } from "./validation-file.ts";

/** File name of the MNIST path's revealed set in the epoch directory. */
export const VALIDATION_FILE = "validation.bin";

/** A validation set with its reveal kept back: what the trainer holds between open and reveal. */
export interface SealedValidation extends ValidationReveal {
  /** bytes32: what registration opens with. */
  readonly commitment: string;
  /** The file(s) the reveal writes into the epoch directory (the data file first). */
  readonly files: readonly RevealFile[];
  readonly examples: number;
  /** What the set was read from, for messages. */
  readonly source: string;
}

/** epoch.json `validation`: the revealed set, for a skeptic to recheck (verify/validation.ts). */
export interface RevealedValidationRecord {
  readonly file: string;
  /** The labels .npy of an inputs .npy `file`. */
  readonly labels?: string;
  readonly examples: number;
  readonly validationSetHash: string;
  readonly salt: string;
  readonly commitment: string;
  /** The revealValidation transaction. */
  readonly revealTx: string;
}

/**
 * The secret that chooses epoch `epoch`'s held-out set on `settlement`: one set per epoch, so an
 * epoch's reveal (and its published validation.bin) says nothing of a later epoch's set, which may
 * still be open for registration (review round 3: one set for every epoch exposed the next one's).
 * seal, score (with --deployment and --epoch) and settle all derive it the same way.
 */
export function epochValidationSecret(secret: Uint8Array, chainId: bigint, settlement: string, epoch: bigint): Uint8Array {
  return createHash("sha256")
    .update(secret)
    .update(`\nvalidation set of chain ${chainId} settlement ${settlement.toLowerCase()} epoch ${epoch}`)
    .digest();
}

/**
 * The set an epoch is scored against: the one the trainer's secret chooses among the digits no
 * contributor partition takes (attribution/ secretValidationSplit; the secret from
 * validation-secret.ts), so it is not derivable from config/protocol.json.
 */
export function heldOutValidationSet(config: ProtocolConfig, secret: Uint8Array): Dataset {
  return secretValidationSplit(config.attribution, secret).validation;
}

/** The MNIST path's set as sealed and revealed: its dataset file, validation.bin. */
export function datasetValidationFiles(set: Dataset): ValidationSetFiles {
  return {
    hash: `0x${datasetHash(set)}`,
    examples: set.size,
    files: [{ name: VALIDATION_FILE, bytes: encodeDataset(set) }],
    source: "the held-out set the trainer's secret chooses",
  };
}

/** Seals `set` (a held-out split, or a file's set: validation-file.ts) for `epoch` of `settlement` on chain `chainId` under the salt `trainer` derives (see the header). */
export async function sealValidationSet(
  trainer: Signer,
  chainId: bigint,
  settlement: string,
  epoch: bigint,
  set: Dataset | ValidationSetFiles,
): Promise<SealedValidation> {
  const { hash: validationSetHash, examples, files, source } = "files" in set ? set : datasetValidationFiles(set);
  // The settlement is in the salt: one epoch number on two deployments gets two commitments (found by review).
  const salt = keccak256(
    await trainer.signMessage(
      `attribution-prover validation-set salt\nchain ${chainId}\nsettlement ${settlement.toLowerCase()}\nepoch ${epoch}\nset ${validationSetHash}`,
    ),
  );
  return { validationSetHash, salt, commitment: validationCommitment(validationSetHash, salt), files, examples, source };
}

/** CodedError VALIDATION_NOT_COMMITTED unless `sealed` commits to `commitment`, the epoch's (`what` says where it is from). */
function assertCommits(sealed: SealedValidation, commitment: string, what: string, todo: string): void {
  if (sealed.commitment !== commitment) {
    throw new CodedError(
      "VALIDATION_NOT_COMMITTED",
      "input",
      `${sealed.source}: the validation set ${sealed.validationSetHash} under this signer's salt commits to ${sealed.commitment}, ${what} ${commitment}: ${todo}`,
    );
  }
}

/**
 * Seals `set` as seal did and refuses it (VALIDATION_NOT_COMMITTED naming its file) unless its
 * commitment is `commitment`, the one `epoch` opened registration with (the registry's): what
 * score --model --deployment --epoch checks before scoring against a set.
 */
export async function assertSealedSet(
  trainer: Signer,
  chainId: bigint,
  settlement: string,
  epoch: bigint,
  set: ValidationSetFiles,
  commitment: string,
): Promise<SealedValidation> {
  const sealed = await sealValidationSet(trainer, chainId, settlement, epoch, set);
  assertCommits(
    sealed,
    commitment,
    `epoch ${epoch} opened registration with`,
    "score against the set seal --validation sealed, with the trainer key that sealed it",
  );
  return sealed;
}

/**
 * score --model's check with --deployment and --epoch: `trainer` is `epoch`'s trainer on
 * `deployment` (assertEpochTrainer) and a set is the one it sealed, the registry's commitment
 * (assertSealedSet). Reads the chain once; the returned check is run on the set before scoring.
 */
export async function epochSealCheck(
  deployment: ProtocolDeployment,
  trainer: Signer,
  epoch: bigint,
): Promise<(set: ValidationSetFiles) => Promise<SealedValidation>> {
  await assertEpochTrainer(deployment.settlement, epoch, trainer);
  const commitment = await deployment.registry.validationCommitment(epoch);
  return (set) => assertSealedSet(trainer, deployment.chainId, deployment.addresses.settlement, epoch, set, commitment);
}

/**
 * Reveals `sealed` for an open `epoch` whose registration committed to `commitment`, then writes
 * its file(s) into the epoch directory `dir`. Returns the receipt and epoch.json's section.
 */
export async function revealEpochValidation(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  commitment: string,
  sealed: SealedValidation,
  dir: string,
): Promise<{ receipt: ContractTransactionReceipt; record: RevealedValidationRecord }> {
  assertCommits(
    sealed,
    commitment,
    "registration opened with",
    "reveal with the set seal sealed (settle --validation FILE for a file) and the signer the witness stage used, or cancel the epoch",
  );
  const receipt = await revealValidation(settlement, epoch, sealed);
  return { receipt, record: writeRevealedValidation(sealed, commitment, dir, receipt.hash) };
}

/**
 * Writes the file(s) of a set revealed on chain (by this call or an earlier run) and returns
 * epoch.json's section for it.
 */
export function writeRevealedValidation(
  sealed: SealedValidation,
  commitment: string,
  dir: string,
  revealTx: string,
): RevealedValidationRecord {
  assertCommits(sealed, commitment, "the epoch's is", "settle with the set and the signer the witness stage used");
  for (const f of sealed.files) writeFileAtomic(join(dir, f.name), f.bytes);
  const {
    validationSetHash,
    salt,
    examples,
    files: [data, labels],
  } = sealed;
  return {
    file: data!.name,
    ...(labels === undefined ? {} : { labels: labels.name }),
    examples,
    validationSetHash,
    salt,
    commitment,
    revealTx,
  };
}

/** The transaction that revealed `epoch`'s validation set (its ValidationRevealed event). */
export async function revealTransaction(settlement: PayoutSettlementContract, epoch: bigint): Promise<string> {
  const [event] = await settlement.queryFilter(settlement.filters.ValidationRevealed!(epoch));
  if (!event)
    throw new CodedError(
      "VALIDATION_NOT_COMMITTED",
      "external",
      `epoch ${epoch} is marked revealed but no ValidationRevealed event was found`,
    );
  return event.transactionHash;
}
