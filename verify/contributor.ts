/**
 * One contributor's view of an epoch record: their registration, which of their examples are in
 * the committed example table (row, score, clipped score, and the inclusion path: the batch whose
 * proof carries the chain value the row is absorbed into, with the chain values in and out, so
 * re-absorbing the batch's rows from chainIn gives the proven chainOut), which were credited to an
 * earlier registrant and why (registration order), their total, reward and recorded balance.
 * Only examples that appear in the table or the dedup evidence can be named: the registry holds a
 * commitment to the contributor's hashes, not the hashes, so a registered example missing from
 * both shows up as a count mismatch (verifyEpoch's policy check), not by hash.
 */
import { getAddress } from "ethers";
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import { commitExampleTable } from "./model/index.ts";
import type { EpochRecord } from "./record.ts";

export interface CreditedExample {
  readonly row: number;
  readonly hash: string;
  readonly score: bigint;
  /** max(score, 0): what counts toward the total. */
  readonly counted: bigint;
  readonly batch: number;
  readonly proofFile: string;
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  /** Also claimed by later registrants (they lost it to this contributor). */
  readonly alsoClaimedBy: readonly string[];
}

export interface LostExample {
  readonly hash: string;
  readonly row: number;
  readonly score: bigint;
  readonly creditedTo: string;
  readonly why: string;
}

export interface ContributorView {
  readonly address: string;
  readonly registration: { readonly order: number; readonly count: number; readonly commitment: string };
  /** Row of the contributor table. */
  readonly row: number;
  readonly credited: readonly CreditedExample[];
  readonly lostToEarlier: readonly LostExample[];
  readonly total: bigint;
  readonly reward: bigint;
  /** settlement.json balance after release, when recorded. */
  readonly balance?: bigint;
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const addr = (v: bigint) => getAddress(hex(v, 40));

/** The view of `address` (0x + 40 hex digits, any case) in `record`. */
export function contributorView(record: EpochRecord, address: string, config: ProtocolConfig): ContributorView {
  if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new TypeError(`address must be 0x + 40 hex digits, got ${JSON.stringify(address)}`);
  const a = BigInt(address);
  const reg = record.registrations.find((r) => r.contributor === a);
  const row = record.contributors.findIndex((c) => c.address === a);
  if (!reg || row < 0) {
    throw new EpochVerifyError("RECORD_MALFORMED", "record", `${address} is not a registrant of epoch ${record.epoch}`, { file: "registrations.json", field: "contributor" });
  }
  // The inclusion path: the chain values around each credited row's batch, by the skeptic's model.
  const batches = commitExampleTable(record.examples, record.domain, record.exampleBatchSize, config.widths, config.hash.chainAbsorbWidth);
  const orderOf = new Map(record.registrations.map((r) => [r.contributor, r.order]));
  const dupOf = new Map(record.duplicates.map((d) => [d.hash, d]));
  const rowOfHash = new Map(record.examples.map((e, i) => [e.hash, i]));
  const credited: CreditedExample[] = [];
  record.examples.forEach((e, i) => {
    if (e.contributor !== row) return;
    const batch = Math.floor(i / record.exampleBatchSize);
    credited.push({
      row: i, hash: hex(e.hash, 32), score: e.score, counted: e.score > 0n ? e.score : 0n, batch,
      proofFile: `proofs/example-${String(batch).padStart(3, "0")}.json`, chainIn: batches[batch]!.chainIn, chainOut: batches[batch]!.chainOut,
      alsoClaimedBy: (dupOf.get(e.hash)?.alsoClaimedBy ?? []).map((o) => addr(o.contributor)),
    });
  });
  const lostToEarlier: LostExample[] = [];
  for (const d of record.duplicates) {
    if (!d.alsoClaimedBy.some((o) => o.contributor === a)) continue;
    const r = rowOfHash.get(d.hash) ?? -1;
    lostToEarlier.push({
      hash: hex(d.hash, 32), row: r, score: record.examples[r]?.score ?? 0n, creditedTo: addr(d.creditedTo),
      why: `also claimed by ${addr(d.creditedTo)}, who registered earlier (order ${orderOf.get(d.creditedTo)} < your ${reg.order}): the earliest registrant is credited`,
    });
  }
  const c = record.contributors[row]!;
  const balance = record.balances?.get(a);
  return {
    address, registration: { order: reg.order, count: reg.count, commitment: reg.commitment }, row, credited, lostToEarlier,
    total: c.amount, reward: c.reward, ...(balance === undefined ? {} : { balance }),
  };
}
