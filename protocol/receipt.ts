/**
 * A contributor's registration receipt: everything it needs later to deliver its data and to check
 * its payout (verify --contributor --receipt), and nothing secret beyond its salt (which it hands
 * the trainer with its data anyway). One JSON file, written atomically:
 *
 *   { kind: "attribution-prover/registration-receipt", version: 1, chainId, registry, settlement,
 *     epoch, contributor, order (j), count, commitment (C_j), salt, hashes (sorted, 0x + 32 hex),
 *     transaction, block, data: { path, form } }
 *
 * The strict reader names the file and the field of the first problem (RECEIPT_MALFORMED). It
 * reads only a regular file of at most MAX_RECEIPT_BYTES: the trainer reads receipts strangers
 * hand it, and a receipt.json that is a FIFO or a link to /dev/zero must not stall it.
 */
import { getAddress } from "ethers";
import { config } from "../config/index.ts";
import { readRegularFile } from "../dataset/read-file.ts";
import { CodedError } from "../errors/index.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";

export const RECEIPT_KIND = "attribution-prover/registration-receipt";

/**
 * The largest receipt read: a hash is 36 bytes quoted, about 42 with toJson's comma and indentation;
 * 64 per hash of the largest registration (config registration.maxExamplesPerRegistrant) and
 * 64 KiB for the other fields leave room for any reformatting.
 */
export const MAX_RECEIPT_BYTES = 64 * config.registration.maxExamplesPerRegistrant + 64 * 1024;

export interface RegistrationReceipt {
  readonly chainId: bigint;
  readonly registry: string;
  readonly settlement: string;
  readonly epoch: bigint;
  readonly contributor: string;
  readonly order: number;
  readonly count: number;
  readonly commitment: bigint;
  readonly salt: bigint;
  readonly hashes: readonly bigint[];
  readonly transaction: string;
  readonly block: number;
  /** The data as the contributor gave it: its path (as given) and its form (dataset/). */
  readonly data: { readonly path: string; readonly form: string };
}

const hex128 = (h: bigint) => `0x${h.toString(16).padStart(32, "0")}`;

export function writeReceipt(file: string, r: RegistrationReceipt): void {
  writeFileAtomic(file, toJson({ kind: RECEIPT_KIND, version: 1, ...r, hashes: r.hashes.map(hex128) }));
}

/** Reads a receipt; RECEIPT_MALFORMED (input) naming the file and field. */
export function readReceipt(file: string): RegistrationReceipt {
  const bad = (field: string, problem: string): never => {
    throw new CodedError("RECEIPT_MALFORMED", "input", `${file}: ${field}: ${problem}`);
  };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(new TextDecoder().decode(readRegularFile(file, MAX_RECEIPT_BYTES))) as Record<string, unknown>;
  } catch (error) {
    throw new CodedError("RECEIPT_UNREADABLE", "input", `${file}: ${(error as Error).message}; expected the receipt register wrote`);
  }
  if (typeof raw !== "object" || raw === null) bad("(file)", "not a JSON object");
  if (raw.kind !== RECEIPT_KIND) bad("kind", `expected ${JSON.stringify(RECEIPT_KIND)}, got ${JSON.stringify(raw.kind)}`);
  if (raw.version !== 1) bad("version", `expected 1, got ${JSON.stringify(raw.version)}`);
  const integer = (field: string): bigint => {
    const v = raw[field];
    if ((typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v)) && !(typeof v === "number" && Number.isSafeInteger(v) && v >= 0))
      bad(field, `expected a non-negative integer, got ${JSON.stringify(v)}`);
    return BigInt(v as string | number);
  };
  const address = (field: string): string => {
    try {
      return getAddress(String(raw[field]));
    } catch {
      return bad(field, `expected an address, got ${JSON.stringify(raw[field])}`);
    }
  };
  const hashes = raw.hashes;
  if (!Array.isArray(hashes) || hashes.length === 0) bad("hashes", "expected a non-empty array of 0x + 32 hex digits");
  const parsed = (hashes as unknown[]).map((h, i) =>
    typeof h === "string" && /^0x[0-9a-fA-F]{32}$/.test(h)
      ? BigInt(h)
      : bad(`hashes[${i}]`, `expected 0x + 32 hex digits, got ${JSON.stringify(h)}`),
  );
  const data = raw.data as Record<string, unknown> | undefined;
  if (typeof data?.path !== "string" || typeof data.form !== "string") bad("data", "expected { path, form }");
  if (typeof raw.transaction !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(raw.transaction))
    bad("transaction", "expected a transaction hash");
  const count = Number(integer("count"));
  if (count !== parsed.length) bad("count", `${count} but ${parsed.length} hashes`);
  return {
    chainId: integer("chainId"),
    registry: address("registry"),
    settlement: address("settlement"),
    epoch: integer("epoch"),
    contributor: address("contributor"),
    order: Number(integer("order")),
    count,
    commitment: integer("commitment"),
    salt: integer("salt"),
    hashes: parsed,
    transaction: raw.transaction as string,
    block: Number(integer("block")),
    data: { path: data!.path as string, form: data!.form as string },
  };
}
