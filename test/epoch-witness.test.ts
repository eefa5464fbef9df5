/**
 * The epoch witness as the reference model of the policy: dedup by earliest registrant, clipping,
 * per-contributor sums, the contributor index, both commitments and r.
 * Expected values are computed by hand here, not by the code under test.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { keccak256, solidityPacked } from "ethers";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import {
  buildEpochWitness, epochChallenge, EpochWitnessError, powMod, registrationCommitment,
  type ExampleScore, type Registration,
} from "../witness/index.ts";

const [A, B, C] = [0xc0n, 0xa0n, 0xb0n]; // address order: B < C < A
const claims: ExampleScore[] = [
  { hash: 5n, contributor: A, score: 100n },
  { hash: 3n, contributor: A, score: -40n },
  { hash: 9n, contributor: B, score: 7n },
  { hash: 5n, contributor: B, score: 100n }, // duplicate of A's: B registered first
  { hash: 7n, contributor: C, score: 50n },
  { hash: 9n, contributor: C, score: 7n }, // duplicate of B's: B registered first
];
function registrations(order: bigint[], of = claims): Registration[] {
  return order.map((contributor, i) => {
    const hashes = of.filter((c) => c.contributor === contributor).map((c) => c.hash);
    return { contributor, order: i, count: hashes.length, commitment: registrationCommitment(hashes) };
  });
}
const build = (regs: Registration[], examples = claims) =>
  buildEpochWitness({ examples, registrations: regs, pool: 1000n, domain: 77n, exampleBatchSize: 8, payoutBatchSize: 4, config });

describe("buildEpochWitness", () => {
  test("credits each duplicate to the earliest registrant, clips negatives, sums per contributor, indexes by address", () => {
    const w = build(registrations([B, A, C]));
    assert.deepEqual(w.contributorTable.rows.map((r) => [r.address, r.amount]), [[B, 107n], [C, 50n], [A, 0n]]);
    assert.equal(w.contributorTable.total, 157n);
    assert.deepEqual(w.exampleTable, [
      { hash: 3n, contributor: 2, score: -40n },
      { hash: 5n, contributor: 0, score: 100n },
      { hash: 7n, contributor: 1, score: 50n },
      { hash: 9n, contributor: 0, score: 7n },
    ]);
    assert.deepEqual(w.duplicates.map((d) => [d.hash, d.creditedTo, d.alsoClaimedBy.map((o) => o.contributor)]), [[5n, B, [A]], [9n, B, [C]]]);
    assert.deepEqual(w.contributorTable.rows.map((r) => r.reward), [681n, 318n, 0n]); // floor(1000 * T / 157)
    assert.equal(w.r, epochChallenge(w.commitExamples, w.commitContributors, 77n));
    // The RLC identity holds on the honest tables.
    const left = w.exampleTable.reduce((s, e) => (s + (e.score > 0n ? e.score : 0n) * powMod(w.r, BigInt(e.contributor))) % P, 0n);
    const right = w.contributorTable.rows.reduce((s, row, c) => (s + row.amount * powMod(w.r, BigInt(c))) % P, 0n);
    assert.equal(left, right);
    assert.equal(w.exampleBatches.reduce((s, b) => (s + b.rlcSum) % P, 0n), left);
    assert.equal(w.payoutBatches.reduce((s, b) => (s + b.rlcSum) % P, 0n), right);
  });

  test("another registration order credits the duplicates to the other claimant", () => {
    const w = build(registrations([A, C, B]));
    assert.deepEqual(w.contributorTable.rows.map((r) => [r.address, r.amount]), [[B, 0n], [C, 57n], [A, 100n]]);
  });

  test("the registration commitment is keccak256 of the sorted 128-bit hashes, packed", () => {
    assert.equal(registrationCommitment([5n, 3n]), keccak256(solidityPacked(["uint128", "uint128"], [3n, 5n])));
  });

  test("rejects claims that do not match the registrations, with a code", () => {
    const code = (f: () => unknown, c: string) => assert.throws(f, (e) => e instanceof EpochWitnessError && e.code === c);
    code(() => build(registrations([B, A])), "UNREGISTERED_CONTRIBUTOR");
    code(() => build([...registrations([B, A, C]), { ...registrations([B])[0]!, order: 3 }]), "DUPLICATE_REGISTRATION");
    const wrong = registrations([B, A, C]);
    code(() => build([{ ...wrong[0]!, count: 1 }, ...wrong.slice(1)]), "REGISTRATION_MISMATCH");
    code(() => build(registrations([B, A, C]), [...claims, { hash: 5n, contributor: C, score: 99n }]), "REGISTRATION_MISMATCH");
    const conflicting = [...claims, { hash: 7n, contributor: A, score: 51n }];
    code(() => build(registrations([B, A, C], conflicting), conflicting), "SCORE_CONFLICT");
  });
});
