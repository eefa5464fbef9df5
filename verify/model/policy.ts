/**
 * The reward policy, written again for the skeptic from DESIGN.md (not from witness/): claims and
 * registrations in, both tables and the dedup evidence out.
 *   1. every registrant's claims are exactly what it registered (count and commitment), and only
 *      registrants claim;
 *   2. an example claimed by several registrants is credited to the earliest (lowest registration
 *      order); the later claims are the evidence, and must carry the same score;
 *   3. a negative score counts 0; T_c = sum of the clipped scores credited to c, for every
 *      registrant (0 when all its examples went to others);
 *   4. reward_c = floor(R T_c / S) (floor-split.ts), the contributor table in address order, the
 *      example table in hash order with each row's contributor as its contributor-table row.
 * A record that does not fit throws EpochVerifyError POLICY_MISMATCH naming the cause.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { EpochVerifyError } from "../epoch-errors.ts";
import type { RecordedDuplicate, RecordedRegistration } from "../record.ts";
import type { ExampleTableRow } from "./example-table.ts";
import { floorSplit, type SplitTable } from "./floor-split.ts";
import { registrationCommitment } from "./registration-commitment.ts";

/** One (example, contributor) claim with the example's signed fixed-point score. */
export interface PolicyClaim {
  readonly hash: bigint;
  readonly contributor: bigint;
  readonly score: bigint;
}

/** A registration as the registry emitted it (the record's own type). */
export type PolicyRegistration = RecordedRegistration;

/** An example claimed more than once: who is credited, who else claimed it, by order (the shape of duplicates.json). */
export type PolicyDuplicate = RecordedDuplicate;

/** What the policy gives. */
export interface PolicyOutcome {
  readonly examples: readonly ExampleTableRow[];
  readonly contributors: SplitTable;
  readonly duplicates: readonly PolicyDuplicate[];
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const refuse = (cause: string, message: string): never => {
  throw new EpochVerifyError("POLICY_MISMATCH", "policy", `the record's claims do not fit its registrations: ${message}`, { file: "registrations.json", cause });
};

/** Steps 1-2: each registrant's claimed hashes, checked against its registration. */
function checkClaims(claims: readonly PolicyClaim[], registrations: readonly PolicyRegistration[]): Map<bigint, PolicyRegistration> {
  const registrant = new Map<bigint, PolicyRegistration>();
  for (const reg of registrations) {
    if (registrant.has(reg.contributor)) refuse("DUPLICATE_REGISTRATION", `${hex(reg.contributor, 40)} registered twice`);
    registrant.set(reg.contributor, reg);
  }
  const hashesOf = new Map<bigint, Set<bigint>>([...registrant.keys()].map((a) => [a, new Set<bigint>()]));
  for (const c of claims) {
    const mine = hashesOf.get(c.contributor);
    if (mine === undefined) return refuse("UNREGISTERED_CONTRIBUTOR", `example ${hex(c.hash, 32)} is claimed by ${hex(c.contributor, 40)}, which did not register`);
    if (mine.has(c.hash)) refuse("DUPLICATE_CLAIM", `${hex(c.contributor, 40)} claims ${hex(c.hash, 32)} twice`);
    mine.add(c.hash);
  }
  for (const [address, hashes] of hashesOf) {
    const reg = registrant.get(address)!;
    if (hashes.size !== reg.count || registrationCommitment([...hashes]) !== reg.commitment.toLowerCase()) {
      refuse("REGISTRATION_MISMATCH", `the ${hashes.size} examples of ${hex(address, 40)} are not its registration (${reg.count} examples, commitment ${reg.commitment})`);
    }
  }
  return registrant;
}

/** Applies the policy (see the header) to `claims` under `registrations` for the pool `pool`. */
export function applyRewardPolicy(
  claims: readonly PolicyClaim[], registrations: readonly PolicyRegistration[], pool: bigint, widths: ProtocolConfig["widths"],
): PolicyOutcome {
  const registrant = checkClaims(claims, registrations);
  const byHash = new Map<bigint, PolicyClaim[]>();
  for (const c of claims) byHash.set(c.hash, [...(byHash.get(c.hash) ?? []), c]);
  const totals = new Map<bigint, bigint>([...registrant.keys()].map((a) => [a, 0n]));
  const credited: { hash: bigint; contributor: bigint; score: bigint }[] = [];
  const duplicates: PolicyDuplicate[] = [];
  for (const [hash, group] of [...byHash].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (group.some((c) => c.score !== group[0]!.score)) refuse("SCORE_CONFLICT", `example ${hex(hash, 32)} carries two scores`);
    const ranked = group.map((c) => ({ contributor: c.contributor, order: registrant.get(c.contributor)!.order })).sort((a, b) => a.order - b.order);
    const winner = ranked[0]!;
    const score = group[0]!.score;
    credited.push({ hash, contributor: winner.contributor, score });
    if (score > 0n) totals.set(winner.contributor, totals.get(winner.contributor)! + score);
    if (ranked.length > 1) duplicates.push({ hash, creditedTo: winner.contributor, creditedOrder: winner.order, alsoClaimedBy: ranked.slice(1) });
  }
  let contributors: SplitTable;
  try {
    contributors = floorSplit(totals, pool, widths);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return refuse("SPLIT_IMPOSSIBLE", error.message);
  }
  const rowOf = new Map(contributors.rows.map((row, i) => [row.address, i]));
  return { examples: credited.map((e) => ({ hash: e.hash, contributor: rowOf.get(e.contributor)!, score: e.score })), contributors, duplicates };
}
