/**
 * One contributor's view of an epoch record (verify --contributor ADDR). An address may have
 * registered several times: each registration j is its own row of every table, so the view lists
 * them one by one:
 *   - its order j, count n, commitment C_j, and whether it was excluded, by the exclusion set of
 *     the chain's live commit when the chain was read (--rpc, or the chain source), else of
 *     epoch.json (with the trainer's stated reason from registrations.json);
 *   - with the tables (an epoch directory): each of its claims in the claim table (row, hash,
 *     score, clipped or not, credited or not) with its inclusion path (the batch whose proof's
 *     chainOut absorbs the row, and the chain values in and out of that batch, so re-absorbing the
 *     batch's rows from chainIn gives the proven chainOut), the later registrations that also
 *     claimed a credited example, and for each claim credited to an earlier registration, to
 *     which and why (registration order);
 *   - its payout row j: T_j, reward, and the payout batch (proof) that pays it; from the chain
 *     alone only the reward of its payout word.
 * Then the address's sum of rewards and what the epoch's releases paid it (settlement.json paid).
 * Only examples that appear in the claim table can be named: the registry holds a commitment to a
 * registrant's hashes, not the hashes, so a registered example missing from the table shows up as a
 * count or commitment mismatch (verifyEpoch's policy check), not by hash.
 */
import { getAddress } from "ethers";
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import { commitClaimTable } from "./model/index.ts";
import { hasTables, type PublicRecord } from "./record.ts";

export interface CreditedExample {
  readonly row: number;
  readonly hash: string;
  readonly score: bigint;
  /** max(score, 0): what counts toward T_j. */
  readonly counted: bigint;
  readonly batch: number;
  readonly proofFile: string;
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  /** Later registrations that also claimed it (they lost it to this one). */
  readonly alsoClaimedBy: readonly { readonly order: number; readonly address: string }[];
}

export interface LostExample {
  readonly row: number;
  readonly hash: string;
  /** The example's score, credited to the earlier registration. */
  readonly score: bigint;
  readonly creditedOrder: number;
  readonly creditedTo: string;
  readonly batch: number;
  readonly proofFile: string;
  readonly why: string;
}

export interface RegistrationView {
  readonly order: number;
  readonly count: number;
  /** C_j, decimal. */
  readonly commitment: string;
  readonly excluded: boolean;
  /** Where the exclusion set came from: the chain's live commit, or epoch.json. */
  readonly exclusionSource: "chain" | "epoch.json";
  /** The trainer's reason for an exclusion (registrations.json). */
  readonly reason?: string;
  /** With the tables only. */
  readonly credited?: readonly CreditedExample[];
  readonly lostToEarlier?: readonly LostExample[];
  /** T_j, with the tables only. */
  readonly total?: bigint;
  readonly reward: bigint;
  /** The payout batch whose words pay row j. */
  readonly payoutBatch: number;
}

export interface ContributorView {
  readonly address: string;
  readonly registrations: readonly RegistrationView[];
  /** Sum of the registrations' rewards. */
  readonly reward: bigint;
  /** What the epoch's releases paid the address (settlement.json), when released. */
  readonly paid?: bigint;
}

export interface ContributorViewOptions {
  /** The live commit's exclusion set as the chain holds it (epoch.ts passes it when a chain was read). */
  readonly chainExclusion?: readonly number[];
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const addr = (v: bigint) => getAddress(hex(v, 40));
const proofFile = (kind: string, batch: number) => `proofs/${kind}-${String(batch).padStart(3, "0")}.json`;

/** The view of `address` (0x + 40 hex digits, any case) in `record`. */
export function contributorView(
  record: PublicRecord,
  address: string,
  config: ProtocolConfig,
  options: ContributorViewOptions = {},
): ContributorView {
  if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address))
    throw new TypeError(`address must be 0x + 40 hex digits, got ${JSON.stringify(address)}`);
  const a = BigInt(address);
  const mine = record.registrations.filter((r) => r.contributor === a);
  if (mine.length === 0) {
    throw new EpochVerifyError("RECORD_MALFORMED", "record", `${address} did not register for epoch ${record.epoch}`, {
      file: hasTables(record) ? "registrations.json" : "chain",
      field: "contributor",
    });
  }
  const exclusion = new Set(options.chainExclusion ?? record.exclusion);
  const exclusionSource = options.chainExclusion === undefined && hasTables(record) ? "epoch.json" : "chain";
  const E = record.batchSizes.example;
  const B = record.batchSizes.payout;
  const rewardOf = new Map(record.payees.map((p) => [p.j, p.reward]));
  // The inclusion path: the chain values around each claim's batch, by the skeptic's model.
  const batches = hasTables(record)
    ? commitClaimTable(record.examples, record.domain, E, record.commit.exampleBatches, config.widths, config.hash.chainAbsorbWidth)
    : undefined;
  const registrations = mine.map((reg): RegistrationView => {
    const j = reg.order;
    const base = {
      order: j,
      count: reg.count,
      commitment: reg.commitment.toString(),
      excluded: exclusion.has(j),
      exclusionSource,
      ...(reg.reason === undefined ? {} : { reason: reg.reason }),
      reward: rewardOf.get(j) ?? 0n,
      payoutBatch: Math.floor(j / B),
    } as const;
    if (!hasTables(record) || batches === undefined) return base;
    const credited: CreditedExample[] = [];
    const lostToEarlier: LostExample[] = [];
    const rows = record.examples;
    rows.forEach((e, i) => {
      if (e.j !== j) return;
      const batch = Math.floor(i / E);
      const path = { batch, proofFile: proofFile("example", batch) };
      // The credited claim of a hash is the first of its run (its lowest j).
      let first = i;
      while (first > 0 && rows[first - 1]!.hash === e.hash) first--;
      if (first === i) {
        const later = [];
        for (let k = i + 1; k < rows.length && rows[k]!.hash === e.hash; k++)
          later.push({ order: rows[k]!.j, address: addr(record.registrations[rows[k]!.j]?.contributor ?? 0n) });
        credited.push({
          row: i,
          hash: hex(e.hash, 32),
          score: e.score,
          counted: e.score > 0n ? e.score : 0n,
          ...path,
          chainIn: batches[batch]!.chainIn,
          chainOut: batches[batch]!.chainOut,
          alsoClaimedBy: later,
        });
        return;
      }
      const winner = rows[first]!;
      const creditedTo = addr(record.registrations[winner.j]?.contributor ?? 0n);
      lostToEarlier.push({
        row: i,
        hash: hex(e.hash, 32),
        score: winner.score,
        creditedOrder: winner.j,
        creditedTo,
        ...path,
        why: `also claimed by registration ${winner.j} (${creditedTo}), which registered earlier (order ${winner.j} < ${j}): the earliest registrant is credited (examples.json row ${first})`,
      });
    });
    return { ...base, credited, lostToEarlier, total: record.contributors[j]?.amount ?? 0n };
  });
  const reward = registrations.reduce((s, r) => s + r.reward, 0n);
  const paid = hasTables(record) ? record.paid?.get(a) : undefined;
  return { address: addr(a), registrations, reward, ...(paid === undefined ? {} : { paid }) };
}
