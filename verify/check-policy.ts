/**
 * Check 4, policy, with the skeptic's own model (verify/model/policy.ts): the claims rebuilt from
 * the example table and the dedup evidence (a losing claim carries its example's score), the
 * policy re-run on them and the registrations, and both tables and the evidence compared with the
 * record field by field. Without tables (the chain source): one payout row per registrant, in
 * strictly increasing address order, paying at most the pool (partial).
 */
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError, type FailureLocation } from "./epoch-errors.ts";
import type { CheckResult } from "./epoch.ts";
import { applyRewardPolicy, type PolicyClaim } from "./model/index.ts";
import { hasTables, type EpochRecord, type PublicRecord } from "./record.ts";

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const fail = (message: string, where: FailureLocation): never => {
  throw new EpochVerifyError("POLICY_MISMATCH", "policy", message, where);
};

/** Every claim the record implies: each credited row, and each losing claim of the evidence. */
function recordClaims(record: EpochRecord): PolicyClaim[] {
  const rowOfHash = new Map(record.examples.map((e, i) => [e.hash, i]));
  const claims: PolicyClaim[] = record.examples.map((e) => ({ hash: e.hash, contributor: record.contributors[e.contributor]!.address, score: e.score }));
  record.duplicates.forEach((d, i) => {
    const row = rowOfHash.get(d.hash);
    if (row === undefined) return fail(`duplicates.json row ${i}: example ${hex(d.hash, 32)} is not in examples.json`, { file: "duplicates.json", row: i, field: "hash" });
    for (const o of d.alsoClaimedBy) claims.push({ hash: d.hash, contributor: o.contributor, score: record.examples[row]!.score });
  });
  return claims;
}

/** Throws on the first field of `file` row `row` that differs from the policy's. */
function sameRow<T extends object>(file: string, row: number, expected: T, got: T | undefined, fields: readonly (keyof T & string)[]): void {
  for (const field of fields) {
    if (got?.[field] !== expected[field]) {
      fail(`${file} row ${row} ${field}: the policy gives ${String(expected[field])}, the record has ${String(got?.[field])}`, { file, row, field, expected: String(expected[field]), got: String(got?.[field]) });
    }
  }
}

/** Check 4 on `record` (see the header). */
export function checkPolicy(record: PublicRecord, config: ProtocolConfig): CheckResult {
  if (!hasTables(record)) return checkPayees(record);
  const claims = recordClaims(record);
  const outcome = applyRewardPolicy(claims, record.registrations, record.pool, config.widths);
  outcome.examples.forEach((e, i) => sameRow("examples.json", i, e, record.examples[i], ["hash", "contributor", "score"]));
  if (record.examples.length !== outcome.examples.length) fail(`examples.json has ${record.examples.length} rows, the policy gives ${outcome.examples.length}`, { file: "examples.json" });
  const table = outcome.contributors;
  table.rows.forEach((c, i) => sameRow("contributors.json", i, c, record.contributors[i], ["address", "amount", "reward", "remainder"]));
  if (record.contributors.length !== table.rows.length) fail(`contributors.json has ${record.contributors.length} rows, ${table.rows.length} registered`, { file: "contributors.json" });
  if (table.dust !== record.dust || table.total !== record.total) fail(`epoch.json total/dust ${record.total}/${record.dust}, the policy gives ${table.total}/${table.dust}`, { file: "epoch.json", field: "dust" });
  const evidence = (d: { hash: bigint; creditedTo: bigint; creditedOrder: number; alsoClaimedBy: readonly { contributor: bigint; order: number }[] }) =>
    [d.hash, d.creditedTo, d.creditedOrder, ...d.alsoClaimedBy.flatMap((o) => [o.contributor, o.order])].join(",");
  outcome.duplicates.forEach((d, i) => {
    const got = record.duplicates[i];
    if (got === undefined || evidence(got) !== evidence(d)) fail(`duplicates.json row ${i}: the policy credits ${hex(d.hash, 32)} to ${hex(d.creditedTo, 40)} (order ${d.creditedOrder})`, { file: "duplicates.json", row: i, field: "creditedTo" });
  });
  if (record.duplicates.length !== outcome.duplicates.length) fail(`duplicates.json has ${record.duplicates.length} rows, the policy gives ${outcome.duplicates.length}`, { file: "duplicates.json" });
  return {
    check: "policy", status: "pass",
    detail: `${claims.length} claims of ${record.registrations.length} registrants match their registrations; ${outcome.examples.length} examples (${outcome.duplicates.length} duplicates credited to the earliest registrant), clipped, summed, split by the skeptic's own policy model: both tables as recorded`,
  };
}

/**
 * Without tables, what the policy fixes that the chain shows: one payout row per registrant, in
 * strictly increasing address order (each identity paid once), and sum of rewards <= R.
 */
function checkPayees(record: PublicRecord): CheckResult {
  const registrants = new Set(record.registrations.map((r) => r.contributor));
  record.payees.forEach((p, i) => {
    if (i > 0 && p.address <= record.payees[i - 1]!.address) fail(`payout word ${i}: ${hex(p.address, 40)} is not above the previous payee`, { file: "chain", row: i, field: "address" });
    if (!registrants.delete(p.address)) fail(`payout word ${i}: ${hex(p.address, 40)} is not a registrant of epoch ${record.epoch}`, { file: "chain", row: i, field: "address" });
  });
  if (registrants.size > 0) fail(`${registrants.size} registrants have no payout row, first ${hex([...registrants][0]!, 40)}`, { file: "chain", field: "words" });
  if (record.dust < 0n) fail(`the payout words pay ${record.pool - record.dust}, more than the pool ${record.pool}`, { file: "chain", field: "words" });
  return { check: "policy", status: "partial", detail: `${record.payees.length} payees = the registrants, in address order, paid ${record.pool - record.dust} <= pool; the rewards not re-derived: the chain holds the tables' commitments, not the tables: give the epoch directory` };
}
