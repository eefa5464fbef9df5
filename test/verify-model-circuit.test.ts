/**
 * The skeptic's model of each batch kind (verify/model/) against the circuits themselves: inputs
 * built from the model's rows, the circuit's witness calculator computes [chainOut, digest], and
 * both must be the model's. A second cross-check beside witness/ (test/verify-model.test.ts): what
 * the skeptic recomputes is what the circuits prove, not only what the prover's code computes.
 * Rows: a duplicate claim, a negative score, padding; an excluded registrant (the exclusion chain
 * carried on through later batches), a list crossing batches; an address with two payout rows,
 * padding rows.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileCircuit, exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../circuits/compile.ts";
import { config } from "../config/index.ts";
import {
  buildRegistrationBatches,
  challengesOf,
  claimBatchValues,
  commitClaimTable,
  commitPayoutTable,
  exclusionChain,
  payoutBatchValues,
  poseidonHash,
  registrationCommitment,
  registrationRows,
  toField,
  type RegistrantEntry,
} from "../verify/model/index.ts";
import { calculateWitness } from "./helpers/circuit-harness.ts";

const w = config.widths;
const chunk = config.registrationBatch.chunk;
const absorb = config.hash.chainAbsorbWidth;
const domain = 1234567n;
const regDomain = 7654321n;
const seed = 98765432123456789n;
const c = challengesOf(seed);
const S = (v: bigint | number) => v.toString();

test("claim batches: ExampleBatch(E) computes the model's chainOut and digest", async () => {
  const E = config.exampleBatch.testSize;
  const circuit = await compileCircuit(exampleCircuitName(E));
  const claims = [
    { hash: 5n, j: 0, score: 100n },
    { hash: 5n, j: 2, score: 0n },
    { hash: 9n, j: 1, score: -7n },
    { hash: 11n, j: 0, score: 3n },
    { hash: 12n, j: 2, score: 50n },
    { hash: 2n ** 127n, j: 1, score: 8n },
    { hash: 2n ** 127n + 1n, j: 3, score: 1n },
    ...Array.from({ length: E }, (_, i) => ({ hash: 2n ** 127n + 10n + BigInt(i), j: 5, score: BigInt(i) - 3n })),
  ];
  const batches = commitClaimTable(claims, domain, E, Math.ceil(claims.length / E), w, absorb);
  for (const b of batches) {
    const v = claimBatchValues(b, domain, c);
    const rows = [...b.rows, ...Array.from({ length: E - b.rows.length }, () => ({ hash: 0n, j: 0, score: 0n }))];
    const witness = await calculateWitness(circuit, {
      chainIn: S(b.chainIn),
      domain: S(domain),
      seed: S(seed),
      hashIn: S(b.hashIn),
      jIn: S(b.jIn),
      hash: rows.map((r) => S(r.hash)),
      j: rows.map((r) => S(r.j)),
      score: rows.map((r) => S(toField(r.score))),
      rho: S(v.rho),
    });
    assert.deepEqual([witness[1], witness[2]], [v.chainOut, v.digest], `batch ${b.index}`);
  }
});

test("registration batches: RegistrationBatch(K, w) computes the model's foldOut and digest, the open list carried across batches", async () => {
  const K = config.registrationBatch.testSize;
  const circuit = await compileCircuit(registrationCircuitName(K));
  const senders = [
    0x1111111111111111111111111111111111111111n,
    0x2222222222222222222222222222222222222222n,
    0x1111111111111111111111111111111111111111n,
    0x3333333333333333333333333333333333333333n,
  ];
  const lists = [
    Array.from({ length: 27 }, (_, i) => BigInt(100 + i)),
    [],
    [7n],
    Array.from({ length: 13 }, (_, i) => BigInt(1000 + 3 * i)),
  ];
  const salts = [11n, 0n, 33n, 44n];
  const entries: RegistrantEntry[] = senders.map((sender, j) =>
    j === 1
      ? { sender, count: 5, salt: 0n, hashes: [], excluded: true, commitment: 424242n }
      : {
          sender,
          count: lists[j]!.length,
          salt: salts[j]!,
          hashes: lists[j]!,
          excluded: false,
          commitment: registrationCommitment({ regDomain, sender, salt: salts[j]!, hashes: lists[j]!, chunk }, w),
        },
  );
  const batches = buildRegistrationBatches(entries, regDomain, c, K, chunk, w);
  const rows = registrationRows(entries, chunk, w);
  let list = 0n; // the prover's opening of the carried state
  let [excl, exclPrev, exclJ] = [0n, 0n, 0n]; // the exclusion chain and its last step, the opening of exclIn
  for (const b of batches) {
    const slice = rows.slice(b.index * K, (b.index + 1) * K);
    const padding = Array.from({ length: K - slice.length }, () => ({
      first: false,
      last: false,
      excluded: false,
      senderN: 0n,
      salt: 0n,
      cExcluded: 0n,
      hashes: Array<bigint>(chunk).fill(0n),
    }));
    const all = [...slice, ...padding];
    const witness = await calculateWitness(circuit, {
      domain: S(regDomain),
      seed: S(seed),
      foldIn: S(b.in.fold),
      nextJIn: S(b.in.nextJ),
      openIn: S(b.in.open),
      listIn: S(b.in.open === 1n ? list : 0n),
      countIn: S(b.in.count),
      senderNIn: S(b.in.senderN),
      exclStartedIn: b.in.excl === 0n ? "0" : "1",
      exclPrevIn: S(exclPrev),
      exclJIn: S(exclJ),
      active: all.map((_, k) => (k < slice.length ? "1" : "0")),
      last: all.map((r) => (r.last ? "1" : "0")),
      excluded: all.map((r) => (r.excluded ? "1" : "0")),
      senderN: all.map((r) => S(r.senderN)),
      salt: all.map((r) => S(r.salt)),
      cExcluded: all.map((r) => S(r.cExcluded)),
      hash: all.map((r) => r.hashes.map(S)),
      rho: S(b.rho),
    });
    assert.deepEqual([witness[1], witness[2]], [b.out.fold, b.digest], `batch ${b.index}`);
    assert.equal(b.in.excl, excl, `batch ${b.index}: exclIn`);
    for (const r of slice) {
      if (!r.excluded) list = poseidonHash([r.first ? regDomain : list, r.first ? r.senderN : 0n, r.salt, ...r.hashes]);
      else [exclPrev, exclJ, excl] = [excl, BigInt(r.j), poseidonHash([excl, BigInt(r.j), regDomain, ...Array<bigint>(chunk).fill(0n)])];
    }
  }
  assert.ok(
    batches.some((b) => b.in.open === 1n),
    "a list crosses a batch boundary",
  );
  assert.ok(
    batches.some((b) => b.in.excl !== 0n && !b.rows.some((r) => r.excluded)),
    "the chain carried through a batch with no excluded row",
  );
  assert.equal(batches.at(-1)!.out.excl, exclusionChain([1], chunk, regDomain));
});

test("payout batches: PayoutBatch(B) computes the model's chainOut and digest over the words", async () => {
  const B = config.payoutBatch.testSize;
  const circuit = await compileCircuit(payoutCircuitName(B));
  const pool = 10n ** 21n + 7n;
  const amounts = [103n, 8n, 50n, 0n, 17n];
  const total = amounts.reduce((a, b) => a + b);
  const rows = amounts.map((amount, j) => ({
    address: [0x1111n, 0x2222n, 0x1111n, 0x3333n, 0x4444n][j]!,
    amount,
    reward: (pool * amount) / total,
  }));
  const ctx = { domain, pool, total, batchSize: B, widths: w, absorbWidth: absorb };
  for (const b of commitPayoutTable(rows, ctx, Math.ceil(rows.length / B))) {
    const v = payoutBatchValues(b, ctx, seed);
    const witness = await calculateWitness(circuit, {
      chainIn: S(b.chainIn),
      domain: S(domain),
      pool: S(pool),
      total: S(total),
      seed: S(seed),
      batchIndex: S(b.index),
      address: b.rows.map((r) => S(r.address)),
      amount: b.rows.map((r) => S(r.amount)),
      reward: b.rows.map((r) => S(r.reward)),
      remainder: b.rows.map((r) => S(pool * r.amount - r.reward * total)),
      rho: S(v.rho),
    });
    assert.deepEqual([witness[1], witness[2]], [v.chainOut, v.digest], `batch ${b.index}`);
  }
});
