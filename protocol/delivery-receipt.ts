/**
 * The trainer's Delivery receipt as a file: what `collect` hands back to each contributor whose data
 * it accepted, and what the contributor keeps, checks and contests an exclusion with (contest.ts).
 * One JSON file, written atomically:
 *
 *   { kind: "attribution-prover/delivery-receipt", version: 1, chainId, settlement, epoch, order,
 *     commitment, contributor, trainer, signature }
 *
 * The signature is the trainer's EIP-712 Delivery(epoch, order, commitment) under the settlement's
 * domain (chain id and address): exactly what PayoutSettlement.contestExclusion recovers. The
 * contributor and trainer fields say whose it is and who signed it; only the signature binds.
 *
 * The strict reader names the file and the field of the first problem (DELIVERY_RECEIPT_MALFORMED)
 * and reads only a regular file of at most MAX_DELIVERY_RECEIPT_BYTES. checkTrainersSignature
 * refuses a receipt the epoch's trainer did not sign (a tampered field or signature, another key).
 */
import { getAddress } from "ethers";
import { readRegularFile } from "../dataset/read-file.ts";
import { CodedError } from "../errors/index.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { contractSignature, deliveryReceiptSigner } from "../verifier-contracts/settle.ts";

export const DELIVERY_RECEIPT_KIND = "attribution-prover/delivery-receipt";

/** Its file name in a delivery folder, beside the contributor's receipt.json. */
export const DELIVERY_RECEIPT_FILE = "delivery-receipt.json";

/**
 * Ten fields of at most ~130 characters, in any formatting the trainer hands back: verify's reader
 * takes the same limit, so what verify accepts contest reads too (red team 10: a receipt padded
 * past a 4 KiB limit verified and could not be contested).
 */
const MAX_DELIVERY_RECEIPT_BYTES = 64 * 1024;

export interface DeliveryReceipt {
  readonly chainId: bigint;
  readonly settlement: string;
  readonly epoch: bigint;
  readonly order: number;
  readonly commitment: bigint;
  readonly contributor: string;
  readonly trainer: string;
  /** 0x + 130 hex digits: the trainer's EIP-712 Delivery signature. */
  readonly signature: string;
}

export function writeDeliveryReceipt(file: string, r: DeliveryReceipt): void {
  writeFileAtomic(file, toJson({ kind: DELIVERY_RECEIPT_KIND, version: 1, ...r }));
}

/** Reads a delivery receipt; DELIVERY_RECEIPT_UNREADABLE or DELIVERY_RECEIPT_MALFORMED (input) naming the file and field. */
export function readDeliveryReceipt(file: string): DeliveryReceipt {
  const bad = (field: string, problem: string): never => {
    throw new CodedError("DELIVERY_RECEIPT_MALFORMED", "input", `${file}: ${field}: ${problem}`);
  };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(new TextDecoder().decode(readRegularFile(file, MAX_DELIVERY_RECEIPT_BYTES))) as Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message; // the file reader's already names the file
    throw new CodedError(
      "DELIVERY_RECEIPT_UNREADABLE",
      "input",
      `${message.startsWith(file) ? message : `${file}: ${message}`}; expected the ${DELIVERY_RECEIPT_FILE} the trainer's collect wrote`,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad("(file)", "not a JSON object");
  if (raw.kind !== DELIVERY_RECEIPT_KIND) bad("kind", `expected ${JSON.stringify(DELIVERY_RECEIPT_KIND)}, got ${JSON.stringify(raw.kind)}`);
  if (raw.version !== 1) bad("version", `expected 1, got ${JSON.stringify(raw.version)}`);
  const integer = (field: string, max?: bigint): bigint => {
    const v = raw[field];
    if ((typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v)) && !(typeof v === "number" && Number.isSafeInteger(v) && v >= 0))
      bad(field, `expected a non-negative integer, got ${JSON.stringify(v)}`);
    const n = BigInt(v as string | number);
    if (max !== undefined && n > max) bad(field, `${n} is above ${max}`);
    return n;
  };
  const address = (field: string): string => {
    const v = raw[field];
    if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) return bad(field, `expected an address, got ${JSON.stringify(v)}`);
    // Any letter case: these fields are not signed, and verify compares them without case (red
    // team 10: a wrong EIP-55 checksum verified and could not be contested).
    return getAddress(v.toLowerCase());
  };
  // Any form ethers reads (v as 0/1 or EIP-155, the 64-byte compact form) is kept in the one the
  // contract takes: what is checked here is what contest sends.
  const signature = (): string => {
    const v = raw.signature;
    if (typeof v !== "string" || !/^0x([0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/.test(v))
      return bad("signature", `expected 0x + 130 hex digits (65 bytes; 128, the compact form), got ${JSON.stringify(v)}`);
    try {
      return contractSignature(v).toLowerCase();
    } catch (error) {
      return bad("signature", `${v} is no signature the contract could take (${(error as Error).message.split(" (")[0]})`);
    }
  };
  return {
    chainId: integer("chainId"),
    settlement: address("settlement"),
    epoch: integer("epoch", (1n << 64n) - 1n),
    order: Number(integer("order", (1n << 32n) - 1n)),
    commitment: integer("commitment", (1n << 256n) - 1n),
    contributor: address("contributor"),
    trainer: address("trainer"),
    signature: signature(),
  };
}

/**
 * Refuses `r` (read from `file`) unless the epoch's trainer `trainer` (read on chain by the
 * caller: epochState(epoch).trainer) signed it: DELIVERY_RECEIPT_OTHER_TRAINER (field trainer) when
 * it names another trainer, DELIVERY_RECEIPT_SIGNATURE (field signature) when its signature over
 * its epoch, order and commitment is not that key's (a field or the signature changed, or another
 * key signed). Both input: the file is wrong, whatever the chain says.
 */
export function checkTrainersSignature(file: string, r: DeliveryReceipt, trainer: string): void {
  if (r.trainer.toLowerCase() !== trainer.toLowerCase())
    throw new CodedError(
      "DELIVERY_RECEIPT_OTHER_TRAINER",
      "input",
      `${file}: trainer: the receipt names ${r.trainer}, epoch ${r.epoch}'s trainer on chain is ${trainer}`,
    );
  const signer = deliveryReceiptSigner(r);
  if (signer?.toLowerCase() !== trainer.toLowerCase())
    throw new CodedError(
      "DELIVERY_RECEIPT_SIGNATURE",
      "input",
      `${file}: signature: ${signer === undefined ? "no key could have made it" : `made by ${signer}`}, not by epoch ${r.epoch}'s trainer ${trainer} over the receipt's epoch ${r.epoch}, order ${r.order} and commitment ${r.commitment} (a field or the signature was changed, or another key signed it)`,
    );
}
