/**
 * Check 4, policy, with the skeptic's own model (verify/model/policy.ts): the registrations and
 * the claim table in, the policy re-run:
 *   - registrations in order, the exclusion set exactly the registrations marked excluded, and
 *     an excluded registrant has no claims and a zero payout row;
 *   - each kept registration's claimed hashes, with its sender and salt (registrations.json),
 *     re-hash to its C_j, n of them; F re-folds from every (C_j, sender + n 2^160) to the recorded F;
 *   - the claim table sorted by (hash, j), the first claim of each hash credited and later ones
 *     scoring 0, clipped, summed per registration, split by floor division: the claim table, the
 *     payout table (row j for registration j), S, the dust and the dedup evidence as recorded;
 *   - both identities on the recorded tables under the seed: the two grand products are equal,
 *     the one polynomial in r balances with the exclusion set's terms.
 * Without tables (the chain source): the payout words row by row (row j pays registration j's
 * sender as the registry emitted it, rows past m pay nobody, an excluded registration gets 0),
 * F re-folded from the Registered events, the rewards at most the pool (partial).
 */
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError, type FailureLocation } from "./epoch-errors.ts";
import type { CheckResult } from "./check-result.ts";
import { applyRewardPolicy, challengesOf, identitySides, registryFolds, senderWord } from "./model/index.ts";
import { hasTables, type PublicRecord } from "./record.ts";

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const fail = (message: string, where: FailureLocation): never => {
  throw new EpochVerifyError("POLICY_MISMATCH", "policy", message, where);
};

/** Throws on the first field of `file` row `row` that differs from the policy's. */
function sameRow<T extends object>(
  file: string,
  row: number,
  expected: T,
  got: T | undefined,
  fields: readonly (keyof T & string)[],
): void {
  for (const field of fields) {
    if (got?.[field] !== expected[field]) {
      const show = (v: unknown) =>
        typeof v === "bigint" && (field === "hash" || field === "address") ? hex(v, field === "hash" ? 32 : 40) : String(v);
      fail(`${file} row ${row} ${field}: the policy gives ${show(expected[field])}, the record has ${show(got?.[field])}`, {
        file,
        row,
        field,
        expected: show(expected[field]),
        got: show(got?.[field]),
      });
    }
  }
}

/** Check 4 on `record` (see the header). */
export function checkPolicy(record: PublicRecord, config: ProtocolConfig): CheckResult {
  if (!hasTables(record)) return checkPayees(record, config);
  if (record.registrations.length !== record.registrants) {
    fail(`registrations.json lists ${record.registrations.length} registrations, m is ${record.registrants}`, {
      file: "registrations.json",
      expected: String(record.registrants),
      got: String(record.registrations.length),
    });
  }
  const outcome = applyRewardPolicy({
    registrations: record.registrations,
    claims: record.examples,
    exclusion: record.exclusion,
    fold: record.fold,
    regDomain: record.registrationDomain,
    chunk: config.registrationBatch.chunk,
    pool: record.pool,
    widths: config.widths,
  });
  outcome.claims.forEach((e, i) => sameRow("examples.json", i, e, record.examples[i], ["hash", "j", "score"]));
  if (record.examples.length !== outcome.claims.length)
    fail(`examples.json has ${record.examples.length} rows, the policy gives ${outcome.claims.length}`, { file: "examples.json" });
  const table = outcome.payouts;
  table.rows.forEach((c, j) => sameRow("contributors.json", j, c, record.contributors[j], ["address", "amount", "reward", "remainder"]));
  if (record.contributors.length !== table.rows.length)
    fail(`contributors.json has ${record.contributors.length} rows, ${table.rows.length} registrations`, { file: "contributors.json" });
  if (table.total !== record.total)
    fail(`epoch.json total ${record.total}, the policy gives S = ${table.total}`, {
      file: "epoch.json",
      field: "total",
      expected: String(table.total),
      got: String(record.total),
    });
  if (table.dust !== record.dust)
    fail(`epoch.json dust ${record.dust}, the policy gives ${table.dust}`, {
      file: "epoch.json",
      field: "dust",
      expected: String(table.dust),
      got: String(record.dust),
    });
  const evidence = (d: { hash: bigint; creditedOrder: number; alsoClaimedBy: readonly number[] }) =>
    [d.hash, d.creditedOrder, ...d.alsoClaimedBy].join(",");
  outcome.duplicates.forEach((d, i) => {
    const got = record.duplicates[i];
    if (got === undefined || evidence(got) !== evidence(d)) {
      fail(
        `duplicates.json row ${i}: the policy credits ${hex(d.hash, 32)} to registration ${d.creditedOrder}, also claimed by ${d.alsoClaimedBy.join(", ")}`,
        {
          file: "duplicates.json",
          row: i,
          field: got?.hash !== d.hash ? "hash" : got.creditedOrder !== d.creditedOrder ? "creditedOrder" : "alsoClaimedBy",
        },
      );
    }
  });
  if (record.duplicates.length !== outcome.duplicates.length)
    fail(`duplicates.json has ${record.duplicates.length} rows, the policy gives ${outcome.duplicates.length}`, {
      file: "duplicates.json",
    });

  // Both identities on the recorded tables, as finalize checks them batch by batch.
  const sides = identitySides(
    { claims: record.examples, entries: outcome.entries, payouts: record.contributors, exclusion: record.exclusion },
    challengesOf(record.seed),
    config.widths.contributorIndexBits,
  );
  if (sides.claimProduct !== sides.registrationProduct)
    fail(
      `identity 1 fails on the tables: prod (gamma - h - beta j) over the claims is ${sides.claimProduct}, over the registrations' lists ${sides.registrationProduct}`,
      { file: "examples.json", field: "hash" },
    );
  if (sides.claimsAndRegistrations !== sides.payoutsAndExclusions)
    fail(
      `identity 2 fails on the tables: claims + registrations ${sides.claimsAndRegistrations}, payouts + exclusions ${sides.payoutsAndExclusions}`,
      { file: "contributors.json", field: "amount" },
    );
  const kept = record.registrations.length - record.exclusion.length;
  return {
    check: "policy",
    status: "pass",
    detail: `${record.registrations.length} registrations (${kept} kept: their claims re-hash to their C_j with sender and salt; ${record.exclusion.length} excluded: no claims, zero rows), F re-folded; ${outcome.claims.length} claims (${outcome.duplicates.length} examples claimed more than once, credited to the earliest registrant), clipped, summed per registration, split by the skeptic's own policy model: all three tables as recorded; both identities hold on the tables`,
  };
}

/** Without tables, what the policy fixes that the chain shows (see the header). */
function checkPayees(record: PublicRecord, config: ProtocolConfig): CheckResult {
  const regs = record.registrations;
  if (regs.length !== record.registrants)
    fail(`${regs.length} Registered events, commitEpoch read m = ${record.registrants}`, {
      file: "chain",
      field: "Registered",
      expected: String(record.registrants),
      got: String(regs.length),
    });
  regs.forEach((r, i) => {
    if (r.order !== i) fail(`Registered event ${i} has order ${r.order}`, { file: "chain", row: i, field: "order" });
  });
  let folds: bigint[];
  try {
    folds = registryFolds(regs.map((r) => ({ commitment: r.commitment, senderN: senderWord(r.contributor, r.count, config.widths) })));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return fail(`the Registered events cannot be folded: ${error.message}`, { file: "chain", field: "Registered" });
  }
  regs.forEach((r, j) => {
    if (r.fold !== undefined && r.fold !== folds[j])
      fail(`Registered event ${j} carries F = ${r.fold}, re-folded ${folds[j]}`, {
        file: "chain",
        row: j,
        field: "fold",
        expected: String(folds[j]),
        got: String(r.fold),
      });
  });
  const fold = folds.at(-1) ?? 0n;
  if (fold !== record.fold)
    fail(`the Registered events re-fold to F = ${fold}, commitEpoch read ${record.fold}`, {
      file: "chain",
      field: "fold",
      expected: String(fold),
      got: String(record.fold),
    });
  const excluded = new Set(record.exclusion);
  const payees = new Map(record.payees.map((p) => [p.j, p]));
  const rows = record.commit.payoutBatches * record.batchSizes.payout;
  for (let j = 0; j < rows; j++) {
    const p = payees.get(j);
    if (j >= regs.length) {
      if (p !== undefined)
        fail(`payout word ${j} pays ${hex(p.address, 40)}, but only ${regs.length} registered`, {
          file: "chain",
          row: j,
          field: "address",
        });
      continue;
    }
    const sender = regs[j]!.contributor;
    if (p?.address !== sender)
      fail(`payout word ${j} pays ${p ? hex(p.address, 40) : "nobody"}, registration ${j} is ${hex(sender, 40)}`, {
        file: "chain",
        row: j,
        field: "address",
        expected: hex(sender, 40),
        got: p ? hex(p.address, 40) : "0",
      });
    if (excluded.has(j) && p!.reward !== 0n)
      fail(`payout word ${j} pays ${p!.reward} to registration ${j}, which is excluded`, {
        file: "chain",
        row: j,
        field: "reward",
        expected: "0",
        got: String(p!.reward),
      });
  }
  const paid = record.payees.reduce((s, p) => s + p.reward, 0n);
  if (paid > record.pool) fail(`the payout words pay ${paid}, more than the pool ${record.pool}`, { file: "chain", field: "words" });
  return {
    check: "policy",
    status: "partial",
    detail: `F re-folded from ${regs.length} Registered events = commitEpoch's; payout word j pays registration j's sender (${record.exclusion.length} excluded paid 0), paid ${paid} <= pool; the rewards not re-derived: the chain holds the tables' commitments, not the tables: give the epoch directory`,
  };
}
