/**
 * The epoch witness as the reference model of the policy (docs/soundness-ii.md): a registration
 * keeps its claims only if its delivery opens its C_j (else it is excluded, with the reason, and
 * gets a zero row); each example is credited to its earliest registrant j; negatives clip to 0;
 * one payout row per registration, in order j; the commit is the tables' and the seed is
 * commitEpoch's draw over it. Expected values are computed by hand or from the definitions here,
 * not by the code under test.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import {
  applyPolicy,
  buildEpochWitness,
  EpochWitnessError,
  registrationCommitment,
  type Delivery,
  type Registration,
} from "../witness/index.ts";
import { epochSeed } from "../witness/challenge.ts";
import { epochDomain } from "../witness/domain.ts";
import type { EpochWitnessErrorCode } from "../witness/epoch-witness.ts";
import { exampleChains } from "../witness/example-batches.ts";
import { powMod } from "../witness/power.ts";
import { poseidonHash, registrationDomain, registryFold, senderWord } from "../witness/registration-commitment.ts";
import { exclusionChain } from "../witness/registration-batches.ts";

const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SETTLEMENT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const REG_DOMAIN = registrationDomain(31337n, REGISTRY, 1n);
const DOMAIN = epochDomain(31337n, SETTLEMENT, 1n);
const CHUNK = config.registrationBatch.chunk;
const POOL = 1000n;
const INDEX_BITS = BigInt(config.widths.contributorIndexBits);

const [A, B, C, D] = [0xc0n, 0xa0n, 0xb0n, 0xd0n];
const sender = (address: bigint) => `0x${address.toString(16).padStart(40, "0")}`;

/** Each registrant's list: 5 is A's and B's, 9 is B's and C's. */
const LISTS = new Map<bigint, bigint[]>([
  [A, [3n, 5n]],
  [B, [5n, 9n]],
  [C, [7n, 9n]],
]);
const SCORES = new Map<bigint, bigint>([
  [3n, -40n],
  [5n, 100n],
  [7n, 50n],
  [9n, 7n],
  [11n, 20n],
]);

interface Entrant {
  readonly address: bigint;
  readonly hashes: readonly bigint[];
}
/** The registrations of `entrants` in the given order (salt 1000 + j each) and what each delivered. */
function register(entrants: readonly Entrant[]): { registrations: Registration[]; deliveries: Map<number, Delivery> } {
  const deliveries = new Map<number, Delivery>();
  const registrations = entrants.map(({ address, hashes }, order) => {
    const salt = 1000n + BigInt(order);
    deliveries.set(order, { salt, hashes });
    const commitment = registrationCommitment({ domain: REG_DOMAIN, sender: sender(address), salt, hashes, chunk: CHUNK });
    return { order, contributor: address, commitment, count: hashes.length };
  });
  return { registrations, deliveries };
}
const inOrder = (...addresses: bigint[]) => register(addresses.map((address) => ({ address, hashes: LISTS.get(address)! })));
const policy = (r: ReturnType<typeof register>, scores = SCORES) =>
  applyPolicy({ ...r, scores, pool: POOL, registrationDomain: REG_DOMAIN, config });

function throwsCode(fn: () => unknown, code: EpochWitnessErrorCode, fragment: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EpochWitnessError, `expected an EpochWitnessError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(fragment), `"${e.message}" should name ${fragment}`);
    return true;
  });
}

describe("applyPolicy: credit by registration order j", () => {
  test("credits each duplicate to the earliest registrant, clips negatives, one row per registration in order j", () => {
    const t = policy(inOrder(B, A, C)); // j: B 0, A 1, C 2
    assert.deepEqual(t.claimTable, [
      { hash: 3n, j: 1, score: -40n },
      { hash: 5n, j: 0, score: 100n },
      { hash: 5n, j: 1, score: 0n }, // A registered after B: not credited
      { hash: 7n, j: 2, score: 50n },
      { hash: 9n, j: 0, score: 7n },
      { hash: 9n, j: 2, score: 0n },
    ]);
    assert.deepEqual(t.duplicates, [
      { hash: 5n, creditedOrder: 0, alsoClaimedBy: [1] },
      { hash: 9n, creditedOrder: 0, alsoClaimedBy: [2] },
    ]);
    assert.deepEqual(
      t.payoutTable.rows.map((r) => [r.address, r.amount, r.reward]),
      [
        [B, 107n, 681n], // floor(1000 * 107 / 157)
        [A, 0n, 0n], // its only positive example (5) went to B; -40 clips to 0
        [C, 50n, 318n], // floor(1000 * 50 / 157)
      ],
    );
    assert.equal(t.payoutTable.total, 157n);
    assert.equal(t.payoutTable.dust, 1n);
    assert.deepEqual(t.exclusion, []);
    assert.deepEqual(
      t.registrants.map((r) => [r.sender, r.salt, r.hashes, r.excluded]),
      [
        [sender(B), 1000n, [5n, 9n], false],
        [sender(A), 1001n, [3n, 5n], false],
        [sender(C), 1002n, [7n, 9n], false],
      ],
    );
  });

  test("another registration order credits the duplicates to the other claimant", () => {
    const t = policy(inOrder(A, C, B)); // j: A 0, C 1, B 2
    assert.deepEqual(
      t.payoutTable.rows.map((r) => [r.address, r.amount]),
      [
        [A, 100n],
        [C, 57n],
        [B, 0n],
      ],
    );
    assert.deepEqual(
      t.duplicates.map((d) => [d.hash, d.creditedOrder, d.alsoClaimedBy]),
      [
        [5n, 0, [2]],
        [9n, 1, [2]],
      ],
    );
  });

  test("an address that registers twice has two rows, each credited with its own registration's claims", () => {
    const t = policy(
      register([
        { address: B, hashes: [5n, 9n] },
        { address: A, hashes: [3n, 5n] },
        { address: B, hashes: [7n, 11n] },
      ]),
    );
    assert.deepEqual(
      t.payoutTable.rows.map((r) => [r.address, r.amount]),
      [
        [B, 107n],
        [A, 0n],
        [B, 70n],
      ],
    );
    assert.deepEqual(
      t.claimTable.filter((c) => c.j === 2),
      [
        { hash: 7n, j: 2, score: 50n },
        { hash: 11n, j: 2, score: 20n },
      ],
    );
  });
});

describe("applyPolicy: exclusion when a delivery does not open C_j", () => {
  test("no delivery: NOT_DELIVERED, a zero row, no claims and no hashes; the next claimant of its examples is credited", () => {
    const r = inOrder(B, A, C);
    r.deliveries.delete(0);
    const t = policy(r);
    assert.deepEqual(
      t.exclusion.map((x) => [x.order, x.reason]),
      [[0, "NOT_DELIVERED"]],
    );
    assert.deepEqual(
      t.payoutTable.rows.map((row) => [row.address, row.amount]),
      [
        [B, 0n],
        [A, 100n],
        [C, 57n],
      ],
    );
    assert.ok(
      t.claimTable.every((c) => c.j !== 0),
      "no claim of the excluded registration",
    );
    assert.deepEqual(
      t.duplicates.map((d) => [d.hash, d.creditedOrder, d.alsoClaimedBy]),
      [],
    );
    // The registration table keeps it as one excluded entry, with what it registered.
    assert.deepEqual(t.registrants[0], {
      sender: sender(B),
      salt: 0n,
      hashes: [],
      excluded: true,
      commitment: r.registrations[0]!.commitment,
      count: 2,
    });
  });

  test("an excluded registration's examples need no score", () => {
    const r = inOrder(B, A, C);
    r.deliveries.delete(2);
    assert.doesNotThrow(() => policy(r, new Map([...SCORES].filter(([hash]) => hash !== 7n))));
  });

  const mismatches: [string, (r: ReturnType<typeof register>) => void, string][] = [
    ["another salt", (r) => r.deliveries.set(1, { salt: 1n, hashes: [3n, 5n] }), "re-hash to"],
    [
      "a list missing one of the registered hashes",
      (r) => r.deliveries.set(1, { salt: 1001n, hashes: [3n] }),
      "the 1 delivered hashes re-hash to",
    ],
    ["a list with another hash", (r) => r.deliveries.set(1, { salt: 1001n, hashes: [3n, 6n] }), "(2 examples)"],
    ["an unsorted list", (r) => r.deliveries.set(1, { salt: 1001n, hashes: [5n, 3n] }), "sorted ascending"],
    ["a hash out of range", (r) => r.deliveries.set(1, { salt: 1001n, hashes: [3n, 1n << 128n] }), "hashes[1] must be in [1, 2^128)"],
    // The registry folds the registered n: a count other than the list's cannot be opened.
    ["a registered count other than the list's", (r) => r.registrations.splice(1, 1, { ...r.registrations[1]!, count: 3 }), "(3 examples)"],
  ];
  for (const [what, tamper, detail] of mismatches) {
    test(`${what}: COMMITMENT_MISMATCH with the reason, a zero row, no claims`, () => {
      const r = inOrder(B, A, C);
      tamper(r);
      const t = policy(r);
      assert.deepEqual(
        t.exclusion.map((x) => [x.order, x.reason]),
        [[1, "COMMITMENT_MISMATCH"]],
      );
      assert.ok(t.exclusion[0]!.detail.includes(detail), `"${t.exclusion[0]!.detail}" should say ${detail}`);
      assert.equal(t.payoutTable.rows[1]!.amount, 0n);
      assert.ok(t.claimTable.every((c) => c.j !== 1));
      assert.equal(t.registrants[1]!.excluded, true);
    });
  }

  test("a copier that registered another's C first cannot open it with the other's list and salt: the owner keeps the credit", () => {
    const honest = register([{ address: A, hashes: [3n, 5n] }]).registrations[0]!;
    const registrations: Registration[] = [
      { ...honest, order: 0, contributor: D },
      { ...honest, order: 1 },
    ];
    const delivery = { salt: 1000n, hashes: [3n, 5n] };
    const t = policy({
      registrations,
      deliveries: new Map([
        [0, delivery],
        [1, delivery],
      ]),
    });
    assert.deepEqual(
      t.exclusion.map((x) => [x.order, x.reason]),
      [[0, "COMMITMENT_MISMATCH"]],
    );
    assert.deepEqual(
      t.payoutTable.rows.map((r) => [r.address, r.amount, r.reward]),
      [
        [D, 0n, 0n],
        [A, 100n, POOL],
      ],
    );
  });
});

describe("applyPolicy: refused inputs", () => {
  test("MISSING_SCORE: a credited example without a score, named with its registration", () => {
    throwsCode(() => policy(inOrder(B, A, C), new Map([...SCORES].filter(([hash]) => hash !== 7n))), "MISSING_SCORE", "(registration 2)");
  });

  test("NOTHING_TO_SPLIT: no credited example scores above 0, or every registration is excluded", () => {
    throwsCode(() => policy(inOrder(B, A, C), new Map([...SCORES].map(([hash]) => [hash, -1n]))), "NOTHING_TO_SPLIT", "S would be 0");
    const r = inOrder(B, A, C);
    r.deliveries.clear();
    throwsCode(() => policy(r), "NOTHING_TO_SPLIT", "S would be 0");
  });

  test("REGISTRATION_ORDER: registrations out of order, or with a gap", () => {
    const r = inOrder(B, A, C);
    throwsCode(
      () => policy({ ...r, registrations: [r.registrations[1]!, r.registrations[0]!, r.registrations[2]!] }),
      "REGISTRATION_ORDER",
      "registration 0 has order 1",
    );
    throwsCode(
      () => policy({ ...r, registrations: [r.registrations[0]!, r.registrations[2]!] }),
      "REGISTRATION_ORDER",
      "registration 1 has order 2",
    );
  });
});

describe("buildEpochWitness: the commit, the seed and the three batch kinds", () => {
  // B, A (never delivers), C, and D with 14 examples (two registration rows of 12).
  const manyOfD = Array.from({ length: 14 }, (_, i) => 100n + BigInt(i));
  const r = register([
    { address: B, hashes: [5n, 9n] },
    { address: A, hashes: [3n, 5n] },
    { address: C, hashes: [7n, 9n] },
    { address: D, hashes: manyOfD },
  ]);
  r.deliveries.delete(1);
  const scores = new Map([...SCORES, ...manyOfD.map((hash) => [hash, 1n] as const)]);
  // The registry's F, folded from the registrations as ContributorRegistry does.
  const fold = r.registrations.reduce((f, reg) => registryFold(f, reg.commitment, senderWord(sender(reg.contributor), reg.count)), 0n);
  const [E, K, Bp] = [4, 2, 2];
  const w = buildEpochWitness({
    ...r,
    scores,
    pool: POOL,
    registrationDomain: REG_DOMAIN,
    config,
    domain: DOMAIN,
    fold,
    modelHash: `0x${"ab".repeat(32)}`,
    exampleBatchSize: E,
    registrationBatchSize: K,
    payoutBatchSize: Bp,
  });

  test("the commit is the tables': chains, S and batch counts (18 claim rows, 5 registration rows, 4 payout rows)", () => {
    assert.equal(w.claimTable.length, 18);
    assert.deepEqual(
      w.payoutTable.rows.map((row) => row.amount),
      [107n, 0n, 50n, 14n],
    );
    assert.deepEqual(w.exclusionOrders, [1]);
    const { commitExamples, commitPayouts, commitExclusion, ...rest } = w.commit;
    assert.deepEqual(rest, { total: 171n, exampleBatches: 5, registrationBatches: 3, payoutBatches: 2, modelHash: `0x${"ab".repeat(32)}` });
    assert.equal(commitExamples, exampleChains(w.claimTable, DOMAIN, E, config).at(-1));
    assert.equal(commitExamples, w.exampleBatches.at(-1)!.chainOut);
    assert.equal(commitPayouts, w.payoutBatches.at(-1)!.chainOut);
    // The exclusion set {1} as a Poseidon chain (the flags the registration table must reproduce).
    assert.equal(commitExclusion, exclusionChain([1], config.registrationBatch.chunk, REG_DOMAIN));
    assert.equal(commitExclusion, w.registrationBatches.at(-1)!.carriedOut.excl);
    assert.deepEqual([w.exampleBatches.length, w.registrationBatches.length, w.payoutBatches.length], [5, 3, 2]);
  });

  test("the seed is epochSeed of the commit, F, m, the exclusion set and the pool; every batch is proved under it", () => {
    assert.equal(w.seed, epochSeed({ domain: DOMAIN, commit: w.commit, fold, registrants: 4, exclusion: [1], pool: POOL }));
    assert.notEqual(
      w.seed,
      epochSeed({ domain: DOMAIN, commit: w.commit, fold, registrants: 4, exclusion: [], pool: POOL }),
      "the exclusion set is drawn into the seed",
    );
    for (const b of [...w.exampleBatches, ...w.registrationBatches, ...w.payoutBatches]) assert.equal(b.publicSignals[2], w.seed);
  });

  test("the registration batches end at the registry's F and m with no list open", () => {
    const out = w.registrationBatches.at(-1)!.carriedOut;
    assert.deepEqual([out.fold, out.nextJ, out.open], [fold, 4n, 0n]);
  });

  test("the honest tables satisfy both identities finalize checks", () => {
    const seed = w.seed;
    const gamma = poseidonHash([seed, 1n]);
    const beta = poseidonHash([seed, 2n]);
    const mod = (v: bigint) => ((v % P) + P) % P;
    const product = (values: readonly bigint[]) => values.reduce((acc, v) => (acc * v) % P, 1n);
    // 1. Multiset: the claim rows are the kept registrations' (h, j), nothing else.
    const factor = (hash: bigint, j: number) => mod(gamma - hash - beta * BigInt(j));
    const kept = [0, 2, 3].flatMap((j) => r.deliveries.get(j)!.hashes.map((hash) => factor(hash, j)));
    assert.equal(product(w.exampleBatches.map((b) => b.prod)), product(kept));
    assert.equal(product(w.registrationBatches.map((b) => b.prod)), product(kept));
    // 2. One polynomial in r: claims + registrations == payouts + the exclusion set.
    const r20 = 1n << INDEX_BITS;
    const term = (coefficient: bigint, exponent: bigint) => mod(coefficient * powMod(seed, exponent));
    const sum = (values: readonly bigint[]) => values.reduce((acc, v) => (acc + v) % P, 0n);
    const claims = sum(w.claimTable.map((c) => term(c.score > 0n ? c.score : 0n, BigInt(c.j))));
    const registrations = sum(
      r.registrations.map((reg, j) => term(reg.contributor, BigInt(j) + r20) + term(j === 1 ? 1n : 0n, BigInt(j) + 2n * r20)),
    );
    const payouts = sum(w.payoutTable.rows.map((row, j) => term(row.amount, BigInt(j)) + term(row.address, BigInt(j) + r20)));
    const excluded = term(1n, 1n + 2n * r20);
    assert.equal(mod(claims + registrations), mod(payouts + excluded));
    // The batches carry exactly these sums.
    assert.equal(sum(w.exampleBatches.map((b) => b.rlcSum)), claims);
    assert.equal(sum(w.registrationBatches.map((b) => b.rlcSum)), registrations);
    assert.equal(sum(w.payoutBatches.map((b) => b.rlcSum)), payouts);
  });
});
