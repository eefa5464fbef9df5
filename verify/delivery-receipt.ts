/**
 * A contributor's check of the Delivery receipt the trainer handed back (verify --contributor
 * --receipt FILE, with delivery-receipt.json beside FILE or --delivery-receipt): it is of this
 * record's chain, settlement and epoch, it names the contributor's own registration (its order
 * and commitment, as registered), and, with a chain, the epoch's trainer signed it: the
 * settlement's own deliveryDigest(epoch, order, commitment), what contestExclusion recovers the
 * signer from, recovers to the trainer EpochOpened named. Without a chain the signature is not
 * checked, and the result says so.
 * Parsed here, not with the protocol's reader: the skeptic trusts none of the prover's code.
 */
import { readFileSync, statSync } from "node:fs";
import { Contract, recoverAddress } from "ethers";
import type { ChainEpoch } from "./chain-read.ts";
import { CHAIN_ABIS } from "./chain-read.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { PublicRecord } from "./record.ts";
import { openProvider } from "./rpc.ts";

export interface DeliveryReceiptCheck {
  readonly file: string;
  readonly order: number;
  /** The epoch's trainer on chain, whose signature it is; undefined when no chain was read (not checked). */
  readonly trainer?: string;
}

const fail = (file: string, field: string, message: string): never => {
  throw new EpochVerifyError("RECEIPT_MISMATCH", "receipt", `${file}: ${message}`, { file, field });
};
const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/**
 * The limit contest's reader reads to: every rule here is one contest's reader applies too (kind,
 * version, a regular file of at most this size, a BOM skipped, decimal numbers, 0x + 40 hex digits
 * in any case), so a receipt verify accepts is one contest can send (red team 10 found three it
 * could not: a padded file, version 2, a wrong checksum).
 */
const MAX_DELIVERY_RECEIPT_BYTES = 64 * 1024;

/**
 * Checks `file` (the trainer's Delivery receipt for `address`'s registration `order`) against
 * `record` and, when given, `chain`; RECEIPT_MISMATCH naming the field.
 */
export async function checkDeliveryReceipt(
  record: PublicRecord,
  file: string,
  address: string,
  order: number,
  chain?: ChainEpoch,
): Promise<DeliveryReceiptCheck> {
  let raw: Record<string, unknown>;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a regular file");
    if (stat.size > MAX_DELIVERY_RECEIPT_BYTES) throw new Error(`${stat.size} bytes, over ${MAX_DELIVERY_RECEIPT_BYTES}`);
    raw = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, "")) as Record<string, unknown>;
  } catch (error) {
    return fail(file, "(file)", `unreadable (${(error as Error).message}); expected the delivery-receipt.json the trainer's collect wrote`);
  }
  if (raw?.kind !== "attribution-prover/delivery-receipt") fail(file, "kind", `not a Delivery receipt (kind ${JSON.stringify(raw?.kind)})`);
  if (raw.version !== 1) fail(file, "version", `expected 1, got ${JSON.stringify(raw.version)}`);
  for (const field of ["settlement", "contributor", "trainer"])
    if (typeof raw[field] !== "string" || !ADDRESS.test(raw[field] as string))
      fail(file, field, `expected 0x + 40 hex digits, got ${JSON.stringify(raw[field])}`);
  // With or without a chain (red team 11: an array holding the signature, or none at all, verified).
  if (typeof raw.signature !== "string" || !/^0x([0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/.test(raw.signature))
    fail(file, "signature", `expected 0x + 130 hex digits (65 bytes; 128, the compact form), got ${JSON.stringify(raw.signature)}`);
  // Decimal digits only, as contest's reader takes them (BigInt alone also reads hex and padding).
  const big = (field: string) => {
    const v = raw[field];
    if ((typeof v === "string" && /^(0|[1-9][0-9]*)$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0))
      return BigInt(v);
    return fail(file, field, `expected a non-negative decimal integer, got ${JSON.stringify(v)}`);
  };
  if (big("chainId") !== record.chainId || !same(raw.settlement, record.settlement) || big("epoch") !== record.epoch)
    fail(
      file,
      "epoch",
      `a Delivery receipt of epoch ${String(raw.epoch)} of ${String(raw.settlement)} on chain ${String(raw.chainId)}; this record is epoch ${record.epoch} of ${record.settlement} on chain ${record.chainId}`,
    );
  if (!same(raw.contributor, address)) fail(file, "contributor", `the Delivery receipt is ${String(raw.contributor)}'s, not ${address}'s`);
  const commitment = big("commitment");
  if (Number(big("order")) !== order)
    fail(file, "order", `the Delivery receipt is for registration ${String(raw.order)}, the registration receipt is ${order}`);
  const reg = record.registrations[order];
  if (!reg || reg.commitment !== commitment)
    fail(file, "commitment", `${commitment} is not registration ${order}'s commitment${reg ? ` (${reg.commitment})` : ""}`);
  if (!chain) return { file, order };

  const trainer = chain.opened.trainer;
  if (!same(raw.trainer, trainer))
    fail(file, "trainer", `names ${String(raw.trainer)}, epoch ${record.epoch}'s trainer on chain is ${trainer}`);
  const provider = openProvider(chain.rpcUrl);
  let signer: string | undefined;
  try {
    const settlement = new Contract(record.settlement, CHAIN_ABIS.PayoutSettlement, provider);
    const digest = (await settlement.getFunction("deliveryDigest")(record.epoch, order, commitment)) as string;
    // ethers also reads forms of one signature the contract refuses as they are (v as 0/1 or
    // EIP-155, the 64-byte compact form); contest sends each in the contract's form, so each is usable.
    signer = recoverAddress(digest, raw.signature as string);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "INVALID_ARGUMENT")
      fail(file, "signature", `not a signature (${error.message.split(" (")[0]})`);
    throw error;
  } finally {
    provider.destroy();
  }
  if (!same(signer, trainer))
    fail(
      file,
      "signature",
      `made by ${signer}, not by epoch ${record.epoch}'s trainer ${trainer}: a field or the signature was changed, or another key signed it (contestExclusion would refuse it)`,
    );
  return { file, order, trainer };
}
