/**
 * The two identities PayoutSettlement.finalize checks (docs/soundness-ii.md, "Identities checked
 * at finalize"), computed from whole tables, for the skeptic:
 *   1. multiset: prod over claim rows (gamma - h - beta j) == prod over every registration hash
 *      (gamma - h - beta j) (excluded registrants hold no hashes);
 *   2. one polynomial in r (exponent ranges [0, 2^I), [2^I, 2^(I+1)), [2^(I+1), 2^(I+2)), I the
 *      index width): claims sum max(s, 0) r^j + registrations sum sender_j r^(j + 2^I) +
 *      x_j r^(j + 2^(I+1)) == payouts sum T_j r^j + address_j r^(j + 2^I) + sum_{j in X} r^(j + 2^(I+1)).
 * The batch decomposition of the same sums is in claim-table.ts, registration-table.ts and
 * payout-table.ts; here the table as a whole, so a skeptic sees the statement itself hold.
 */
import type { ClaimRow } from "./claim-table.ts";
import { exclusionSum, rangeShift, type Challenges } from "./challenge.ts";
import { fieldPow, toField } from "./field.ts";
import type { PayoutTableRow } from "./payout-table.ts";
import type { RegistrantEntry } from "./registration-table.ts";

export interface IdentitySides {
  readonly claimProduct: bigint;
  readonly registrationProduct: bigint;
  /** Identity 2's left side: claims + registrations. */
  readonly claimsAndRegistrations: bigint;
  /** Identity 2's right side: payouts + the exclusion set's terms. */
  readonly payoutsAndExclusions: bigint;
}

/** Both sides of both identities for these tables under the seed's challenges. */
export function identitySides(
  tables: {
    readonly claims: readonly ClaimRow[];
    readonly entries: readonly RegistrantEntry[];
    readonly payouts: readonly PayoutTableRow[];
    readonly exclusion: readonly number[];
  },
  c: Challenges,
  indexBits: number,
): IdentitySides {
  const factor = (h: bigint, j: number) => toField(c.gamma - h - c.beta * BigInt(j));
  const shift1 = rangeShift(c.r, indexBits);
  const shift2 = rangeShift(c.r, indexBits + 1);
  let claimProduct = 1n;
  let left = 0n;
  for (const row of tables.claims) {
    claimProduct = toField(claimProduct * factor(row.hash, row.j));
    if (row.score > 0n) left = toField(left + row.score * fieldPow(c.r, BigInt(row.j)));
  }
  let registrationProduct = 1n;
  tables.entries.forEach((e, j) => {
    for (const h of e.hashes) registrationProduct = toField(registrationProduct * factor(h, j));
    const power = fieldPow(c.r, BigInt(j));
    left = toField(left + e.sender * power * shift1 + (e.excluded ? power * shift2 : 0n));
  });
  let right = exclusionSum(c.r, tables.exclusion, indexBits);
  tables.payouts.forEach((row, j) => {
    right = toField(right + (row.amount + row.address * shift1) * fieldPow(c.r, BigInt(j)));
  });
  return { claimProduct, registrationProduct, claimsAndRegistrations: left, payoutsAndExclusions: right };
}
