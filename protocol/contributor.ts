/**
 * The contributor's side: register its examples' hashes from its own key, and write the receipt
 * and the delivery (a folder: the data as given plus the receipt) it hands the trainer.
 *
 * The salt of its commitment is derived from its own key, the registry and the epoch: only it can
 * compute it, and a rerun after a crash computes the same commitment.
 */
import { cpSync, mkdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { AbiCoder, keccak256, NonceManager, type Wallet } from "ethers";
import { FIELD_MODULUS } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { registerExamples, type ContributorRegistryContract, type OpenTokenContract } from "../verifier-contracts/index.ts";
import { writeReceipt, type RegistrationReceipt } from "./receipt.ts";

/** A contributor's salt for an epoch, derived from its own key. */
export function contributorSalt(privateKey: string, registry: string, epoch: bigint): bigint {
  return (
    BigInt(
      keccak256(
        AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "uint64", "string"], [privateKey, registry, epoch, "registration salt"]),
      ),
    ) % FIELD_MODULUS
  );
}

export interface RegisterDataOptions {
  readonly epoch: bigint;
  readonly settlement: string;
  /** The examples' hashes (dataset/ canonical bytes rule), in any order. */
  readonly hashes: readonly bigint[];
  /** The data as given (path and form), recorded in the receipt. */
  readonly data: { readonly path: string; readonly form: string };
  /** Development token only: the token's owner signer mints the fee first (the demo's contributors). */
  readonly mintFee?: boolean;
}

/** Registers `hashes` from `wallet` (its own key) and returns the receipt. */
export async function registerData(
  contracts: { readonly token: OpenTokenContract; readonly registry: ContributorRegistryContract },
  wallet: Wallet,
  options: RegisterDataOptions,
): Promise<RegistrationReceipt> {
  if (options.hashes.length === 0) throw new CodedError("DATA_EMPTY", "input", `${options.data.path}: no examples to register`);
  const registry = await contracts.registry.getAddress();
  const chainId = (await wallet.provider!.getNetwork()).chainId;
  // Its own nonces: a node may still answer the approval's nonce for the register that follows it.
  const registered = await registerExamples(contracts, new NonceManager(wallet), options.epoch, options.hashes, {
    salt: contributorSalt(wallet.privateKey, registry, options.epoch),
    ...(options.mintFee ? { mintFee: true } : {}),
  });
  return {
    chainId,
    registry,
    settlement: options.settlement,
    epoch: options.epoch,
    contributor: wallet.address,
    order: registered.order,
    count: registered.hashes.length,
    commitment: registered.commitment,
    salt: registered.salt,
    hashes: registered.hashes,
    transaction: registered.receipt.hash,
    block: registered.receipt.blockNumber,
    data: options.data,
  };
}

/** The file name of the receipt in a delivery folder. */
export const DELIVERY_RECEIPT = "receipt.json";

/**
 * Writes the delivery folder `dir`: a copy of the data (a file or a folder, under its own name)
 * and the receipt. What the contributor hands the trainer; `collect` checks it against the chain.
 */
export function writeDelivery(dir: string, dataPath: string, receipt: RegistrationReceipt): string {
  mkdirSync(dir, { recursive: true });
  const source = resolve(dataPath);
  const copy = join(dir, basename(source));
  if (resolve(copy) !== source) cpSync(source, copy, { recursive: statSync(source).isDirectory() });
  const file = join(dir, DELIVERY_RECEIPT);
  writeReceipt(file, { ...receipt, data: { path: basename(source), form: receipt.data.form } });
  return file;
}
