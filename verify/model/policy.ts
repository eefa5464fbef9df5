/**
 * The reward policy, written again for the skeptic from docs/soundness-ii.md (not from witness/):
 * registrations and the claim table in, the policy's claim table, payout table, dedup evidence and
 * the registration table's entries out.
 *   0. registrations are the registry's, in order j = 0..m-1; the exclusion set X is exactly the
 *      registrations marked excluded; an excluded registrant claims nothing;
 *   1. a kept registrant's list is its claims' hashes: sorted ascending and distinct, in
 *      [1, 2^hashBits), n of them (its registered count), and with its sender and salt they
 *      re-hash to its C_j (registration-commitment.ts); F re-folds from (C_j, senderN_j) to the
 *      recorded F;
 *   2. the claim table: every (h, j) of every kept list, sorted by (h, j); the first claim of each
 *      hash (its earliest registrant) is credited with the example's score, later claims score 0;
 *   3. a negative score counts 0; T_j = sum of the clipped scores credited to registration j;
 *   4. reward_j = floor(R T_j / S) (floor-split.ts), row j paying registration j's sender.
 * The example's score is the one the record gives its credited claim (the scores check compares it
 * with the scores file or recomputes it). A record that does not fit throws EpochVerifyError
 * POLICY_MISMATCH naming the file, row and field.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { EpochVerifyError, type FailureLocation } from "../epoch-errors.ts";
import type { ClaimRow } from "./claim-table.ts";
import { floorSplit, type SplitTable } from "./floor-split.ts";
import { registrationCommitment, registryFold, senderWord } from "./registration-commitment.ts";
import type { RegistrantEntry } from "./registration-table.ts";

/** A registration as the registry emitted it, with what the trainer published about it. */
export interface PolicyRegistration {
  readonly order: number;
  readonly contributor: bigint;
  /** C_j as registered. */
  readonly commitment: bigint;
  readonly count: number;
  readonly excluded: boolean;
  /** The salt of a kept registration's C_j. */
  readonly salt?: bigint;
}

/** An example claimed more than once: the credited order and the later ones (the shape of duplicates.json). */
export interface PolicyDuplicate {
  readonly hash: bigint;
  readonly creditedOrder: number;
  readonly alsoClaimedBy: readonly number[];
}

export interface PolicyInput {
  readonly registrations: readonly PolicyRegistration[];
  /** The record's claim table (its scores are the examples' scores). */
  readonly claims: readonly ClaimRow[];
  /** The recorded exclusion set (epoch.json exclusion, or EpochCommitted's). */
  readonly exclusion: readonly number[];
  /** The recorded F (epoch.json fold, or EpochCommitted's). */
  readonly fold: bigint;
  readonly regDomain: bigint;
  readonly chunk: number;
  readonly pool: bigint;
  readonly widths: ProtocolConfig["widths"];
}

/** What the policy gives. */
export interface PolicyOutcome {
  readonly claims: readonly ClaimRow[];
  readonly payouts: SplitTable;
  readonly duplicates: readonly PolicyDuplicate[];
  /** The registration table's registrants, in order j. */
  readonly entries: readonly RegistrantEntry[];
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const refuse = (message: string, where: FailureLocation): never => {
  throw new EpochVerifyError("POLICY_MISMATCH", "policy", message, where);
};

/** Step 0: orders and the exclusion set. */
function checkRegistrations(input: PolicyInput): void {
  const { registrations, exclusion } = input;
  registrations.forEach((r, i) => {
    if (r.order !== i)
      refuse(`registrations.json row ${i} has order ${r.order}: registrations are listed in order 0..m-1`, {
        file: "registrations.json",
        row: i,
        field: "order",
        expected: String(i),
        got: String(r.order),
      });
  });
  const marked = registrations.filter((r) => r.excluded).map((r) => r.order);
  if (marked.join(",") !== exclusion.join(",")) {
    refuse(`the exclusion set [${exclusion.join(", ")}] is not the registrations marked excluded [${marked.join(", ")}]`, {
      file: "epoch.json",
      field: "exclusion",
      expected: marked.join(","),
      got: exclusion.join(","),
    });
  }
}

/** Step 1: each kept registrant's list from the claims, re-hashed to its C_j; excluded ones claim nothing; F re-folded. */
function registrantEntries(input: PolicyInput): RegistrantEntry[] {
  const { registrations, claims, widths } = input;
  const m = registrations.length;
  const lists = registrations.map((): { hash: bigint; row: number }[] => []);
  claims.forEach((c, row) => {
    if (c.j >= m) refuse(`examples.json row ${row}: j ${c.j} is not a registration (m = ${m})`, { file: "examples.json", row, field: "j" });
    if (registrations[c.j]!.excluded)
      refuse(`examples.json row ${row}: registration ${c.j} is excluded, yet claims ${hex(c.hash, 32)}`, {
        file: "examples.json",
        row,
        field: "j",
      });
    lists[c.j]!.push({ hash: c.hash, row });
  });
  const entries = registrations.map((r, j): RegistrantEntry => {
    if (r.excluded) return { sender: r.contributor, count: r.count, salt: 0n, hashes: [], excluded: true, commitment: r.commitment };
    const list = lists[j]!.sort((a, b) => compare(a.hash, b.hash));
    list.forEach((x, k) => {
      if (k > 0 && x.hash === list[k - 1]!.hash)
        refuse(`examples.json row ${x.row}: registration ${j} claims ${hex(x.hash, 32)} twice (also row ${list[k - 1]!.row})`, {
          file: "examples.json",
          row: x.row,
          field: "hash",
        });
    });
    if (list.length !== r.count) {
      refuse(`registration ${j} registered ${r.count} examples, the claim table holds ${list.length} of its claims`, {
        file: "registrations.json",
        row: j,
        field: "count",
        expected: String(r.count),
        got: String(list.length),
      });
    }
    if (r.salt === undefined)
      return refuse(`registration ${j} is kept but has no salt`, { file: "registrations.json", row: j, field: "salt" });
    const hashes = list.map((x) => x.hash);
    let c: bigint;
    try {
      c = registrationCommitment({ regDomain: input.regDomain, sender: r.contributor, salt: r.salt, hashes, chunk: input.chunk }, widths);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return refuse(`registration ${j}: its claims are not a list it could have registered: ${error.message}`, {
        file: "registrations.json",
        row: j,
        field: "commitment",
      });
    }
    if (c !== r.commitment) {
      refuse(
        `registration ${j}: its ${hashes.length} claimed hashes, its sender ${hex(r.contributor, 40)} and its salt re-hash to C = ${c}, not the registered ${r.commitment}`,
        { file: "registrations.json", row: j, field: "commitment", expected: String(r.commitment), got: String(c) },
      );
    }
    return { sender: r.contributor, count: r.count, salt: r.salt, hashes, excluded: false, commitment: r.commitment };
  });
  let fold: bigint;
  try {
    fold = registryFold(registrations.map((r) => ({ commitment: r.commitment, senderN: senderWord(r.contributor, r.count, widths) })));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return refuse(`the registrations cannot be folded: ${error.message}`, { file: "registrations.json", field: "commitment" });
  }
  if (fold !== input.fold)
    refuse(`the registrations fold to F = ${fold}, the recorded F is ${input.fold}`, {
      file: "epoch.json",
      field: "fold",
      expected: String(fold),
      got: String(input.fold),
    });
  return entries;
}

/** Applies the policy (see the header). */
export function applyRewardPolicy(input: PolicyInput): PolicyOutcome {
  checkRegistrations(input);
  const entries = registrantEntries(input);
  // The example's score: the one its credited claim (its lowest j) carries in the record.
  const scoreOf = new Map<bigint, { j: number; score: bigint }>();
  for (const c of input.claims) {
    const seen = scoreOf.get(c.hash);
    if (seen === undefined || c.j < seen.j) scoreOf.set(c.hash, { j: c.j, score: c.score });
  }
  const sorted = input.claims.map((c) => ({ hash: c.hash, j: c.j })).sort((a, b) => compare(a.hash, b.hash) || a.j - b.j);
  const totals = input.registrations.map(() => 0n);
  const claims: ClaimRow[] = [];
  const duplicates: { hash: bigint; creditedOrder: number; alsoClaimedBy: number[] }[] = [];
  sorted.forEach((c, i) => {
    const previous = sorted[i - 1];
    if (previous?.hash === c.hash) {
      claims.push({ hash: c.hash, j: c.j, score: 0n });
      const last = duplicates.at(-1);
      if (last?.hash === c.hash) last.alsoClaimedBy.push(c.j);
      else duplicates.push({ hash: c.hash, creditedOrder: previous.j, alsoClaimedBy: [c.j] });
      return;
    }
    const score = scoreOf.get(c.hash)!.score;
    claims.push({ hash: c.hash, j: c.j, score });
    if (score > 0n) totals[c.j]! += score;
  });
  let payouts: SplitTable;
  try {
    payouts = floorSplit(
      input.registrations.map((r, j) => ({ address: r.contributor, amount: totals[j]! })),
      input.pool,
      input.widths,
    );
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return refuse(`the pool cannot be split: ${error.message}`, { file: "contributors.json", cause: "SPLIT_IMPOSSIBLE" });
  }
  return { claims, payouts, duplicates, entries };
}
