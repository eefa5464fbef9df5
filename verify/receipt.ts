/**
 * A contributor's self-check from its own registration receipt (verify --contributor ADDR
 * --receipt FILE): the receipt names its registration (chain, settlement, epoch, order, C_j, its
 * hashes and salt), and the record that passed every other check must show
 *   - registered: registration `order` is the receipt's sender, count and commitment (on chain:
 *     the Registered event, compared by the chain check with --rpc or a chain source);
 *   - not excluded (the committed exclusion set): an excluded one is named with the command that
 *     contests it (contest, with the trainer's Delivery receipt, checked by delivery-receipt.ts);
 *   - counted: every one of its hashes is a claim of row `order` in the claim table, credited to
 *     it or to an earlier registration of the same example (named);
 *   - paid: its payout row's reward, and (once released) what the releases paid the address.
 * Parsed here, not with the protocol's reader: the skeptic trusts none of the prover's code.
 */
import { readFileSync } from "node:fs";
import { getAddress } from "ethers";
import { EpochVerifyError } from "./epoch-errors.ts";
import { hasTables, type PublicRecord } from "./record.ts";

export interface ReceiptCheck {
  readonly order: number;
  readonly examples: number;
  readonly credited: number;
  /** Examples an earlier registration claimed first: hash -> the credited order. */
  readonly lostToEarlier: readonly { readonly hash: string; readonly creditedOrder: number }[];
  readonly reward: bigint;
  /** What the epoch's releases paid the address (all its rows), once released. */
  readonly paid?: bigint;
}

const fail = (file: string, field: string, message: string): never => {
  throw new EpochVerifyError("RECEIPT_MISMATCH", "receipt", `${file}: ${message}`, { file, field });
};

/**
 * Checks `file` (a registration receipt of `address`) against `record`; RECEIPT_MISMATCH naming the
 * field. `deliveryReceipt`: where the trainer's Delivery receipt for it is, named in the command
 * that contests an exclusion.
 */
export function checkReceipt(record: PublicRecord, file: string, address: string, deliveryReceipt?: string): ReceiptCheck {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    return fail(file, "(file)", `unreadable (${(error as Error).message}); expected the receipt register wrote`);
  }
  if (raw?.kind !== "attribution-prover/registration-receipt")
    fail(file, "kind", `not a registration receipt (kind ${JSON.stringify(raw?.kind)})`);
  const big = (field: string) => {
    try {
      return BigInt(raw[field] as string);
    } catch {
      return fail(file, field, `expected an integer, got ${JSON.stringify(raw[field])}`);
    }
  };
  if (
    big("chainId") !== record.chainId ||
    String(raw.settlement).toLowerCase() !== record.settlement.toLowerCase() ||
    big("epoch") !== record.epoch
  ) {
    fail(
      file,
      "epoch",
      `a receipt of epoch ${String(raw.epoch)} of ${String(raw.settlement)} on chain ${String(raw.chainId)}; this record is epoch ${record.epoch} of ${record.settlement} on chain ${record.chainId}`,
    );
  }
  if (String(raw.contributor).toLowerCase() !== address.toLowerCase())
    fail(file, "contributor", `the receipt is ${String(raw.contributor)}'s, not ${address}'s`);
  const order = Number(big("order"));
  const reg = record.registrations[order];
  if (!reg || reg.contributor !== BigInt(address) || reg.commitment !== big("commitment") || reg.count !== Number(big("count"))) {
    fail(
      file,
      "order",
      `registration ${order} of the record is not the receipt's (sender, commitment and count must all match): not registered as the receipt says`,
    );
  }
  if (reg!.excluded || record.exclusion.includes(order))
    fail(
      file,
      "order",
      `registration ${order} is excluded by the trainer's commit: the trainer's signed Delivery receipt for it (the delivery-receipt.json collect hands back) voids the commit within its contest window: attribution-prover contest --epoch ${record.epoch} --receipt ${deliveryReceipt ?? "delivery-receipt.json"}`,
    );
  const hashes = ((raw.hashes as unknown[] | undefined) ?? []).map((h) => BigInt(String(h)));
  if (!hasTables(record))
    return { order, examples: hashes.length, credited: 0, lostToEarlier: [], reward: record.payees[order]?.reward ?? 0n };
  const claims = new Map<string, number[]>();
  for (const c of record.examples) claims.set(`${c.hash}`, [...(claims.get(`${c.hash}`) ?? []), c.j]);
  let credited = 0;
  const lostToEarlier: { hash: string; creditedOrder: number }[] = [];
  for (const h of hashes) {
    const claimants = claims.get(`${h}`) ?? [];
    if (!claimants.includes(order))
      fail(
        file,
        "hashes",
        `example 0x${h.toString(16).padStart(32, "0")} of the receipt is not a claim of registration ${order} in examples.json: not counted`,
      );
    if (claimants[0] === order) credited++;
    else lostToEarlier.push({ hash: `0x${h.toString(16).padStart(32, "0")}`, creditedOrder: claimants[0]! });
  }
  const row = record.contributors[order]!;
  const paid = record.paid?.get(BigInt(getAddress(address)));
  // Paid: what the releases paid the address covers all of its rows' rewards (this one included).
  const owed = record.contributors.filter((c) => c.address === BigInt(address)).reduce((sum, c) => sum + c.reward, 0n);
  if (paid !== undefined && paid !== owed)
    fail(file, "paid", `the releases paid ${address} ${paid}, its rows' rewards are ${owed}: not paid as the policy says`);
  return { order, examples: hashes.length, credited, lostToEarlier, reward: row.reward, ...(paid === undefined ? {} : { paid }) };
}
