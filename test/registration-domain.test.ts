/**
 * RegistrationBatch's `domain` in a batch whose active rows are all excluded: found by review, a
 * trainer could solve for it after rho (an excluded row's Poseidon was the exclusion step without
 * the domain, and stateIn/stateOut are 0 when no list is open), forge the grand product, and pay
 * its excluded sock puppet the whole pool with an invented claim. The exclusion step now hashes
 * the registration domain, so the forgery's digest is not the contract's and the batch is refused.
 *
 * The attack as the review ran it: a trainer registers a puppet last (never delivered: excluded)
 * so that it lands on row 0 of the last registration batch (K = 2: [excluded row, padding]); it
 * commits a claim table with one invented claim crediting all of S to the puppet, proves every
 * claim and payout batch honestly for those tables, and solves `domain` for the product that
 * would balance the grand products.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toUtf8Bytes } from "ethers";
import type { network } from "hardhat";
import * as snarkjs from "snarkjs";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import type { CircuitKeys } from "../circuits/index.ts";
import { applyPolicy, buildEpochBatches, validationCommitment, type Delivery, type RegistrationBatch } from "../witness/index.ts";
import { epochDomain } from "../witness/domain.ts";
import { hornerDigest } from "../witness/payout-batches.ts";
import { splitPool } from "../witness/policy.ts";
import { powMod } from "../witness/power.ts";
import { registrationDigestChallenge } from "../witness/registration-batches.ts";
import {
  commitEpoch,
  finalizeEpoch,
  openEpoch,
  readRegistrations,
  registerExamples,
  revealValidation,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
  waitForRegistrationClose,
  type SettlementDeployment,
} from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { decodeRevert } from "../verifier-contracts/revert-reason.ts";
import { advanceDevelopmentClock } from "../verifier-contracts/settle.ts";

import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const POOL = 1000n * 10n ** 18n;
const EPOCH = 1n;
const VALIDATION = { validationSetHash: keccak256(toUtf8Bytes("validation")), salt: keccak256(toUtf8Bytes("salt")) };
const h = (label: string) => BigInt(keccak256(toUtf8Bytes(label))) >> 128n;
const mod = (a: bigint) => ((a % P) + P) % P;
const inv = (a: bigint) => powMod(mod(a), P - 2n);

describe("a registration batch of excluded rows only: the domain is bound, the forged product refused", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let keys: { example: CircuitKeys; registration: CircuitKeys; payout: CircuitKeys };

  let fixture: SettlementFixture;
  before(async () => {
    fixture = await settlementFixture(10n * POOL);
    ({ conn, d, signers, keys } = fixture);
  });
  after(async () => {
    await fixture?.close();
  });

  it("the trainer's excluded sock puppet cannot take the pool with a domain solved after rho", async () => {
    const trainer = signers[0]!;
    const puppet = signers[9]!;
    await openEpoch(d, {
      epoch: EPOCH,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: validationCommitment(VALIDATION.validationSetHash, VALIDATION.salt),
      pool: POOL,
      trainer: trainer.address,
      follows: 0n,
    });
    // Two honest contributors (one row each), then the puppet (never delivered: one excluded row),
    // so with K = 2 the last batch is [excluded row, padding].
    const deliveries = new Map<number, Delivery>();
    for (const k of [1, 2]) {
      const r = await registerExamples(
        d,
        signers[k]!,
        EPOCH,
        [0, 1, 2].map((i) => h(`${k}-${i}`)),
        { mintFee: true },
      );
      deliveries.set(r.order, { salt: r.salt, hashes: r.hashes });
    }
    await registerExamples(d, puppet, EPOCH, [h("puppet")], { mintFee: true });
    await waitForRegistrationClose(d.registry, EPOCH);
    const registrations = await readRegistrations(d.registry, EPOCH);
    const registrationDomain = await d.registry.registrationDomain(EPOCH);
    const scores = new Map<bigint, bigint>();
    for (const k of [1, 2]) for (let i = 0; i < 3; i++) scores.set(h(`${k}-${i}`), 1_000_000n * BigInt(k + i));
    const honest = applyPolicy({ registrations, deliveries, scores, pool: POOL, registrationDomain, config });
    assert.deepEqual(
      honest.exclusion.map((x) => x.order),
      [2],
      "the puppet is excluded (the trainer's word, uncontestable: no receipt)",
    );

    // The dishonest tables: one invented claim crediting all of S to the puppet's row j = 2.
    const S = 1_000_000n;
    const claimTable = [{ hash: 1n, j: 2, score: S }];
    const payoutTable = splitPool(
      registrations.map((reg, j) => ({ address: reg.contributor, amount: j === 2 ? S : 0n })),
      POOL,
      config,
    );
    const w = buildEpochBatches(
      { claimTable, payoutTable, registrants: honest.registrants, exclusion: honest.exclusion },
      {
        domain: epochDomain(d.chainId, d.addresses.settlement, EPOCH),
        registrationDomain,
        fold: await d.registry.registrationFold(EPOCH),
        modelHash: keccak256(toUtf8Bytes("model")),
        pool: POOL,
        exampleBatchSize: E,
        registrationBatchSize: K,
        payoutBatchSize: B,
        config,
      },
    );
    assert.equal(w.registrationBatches.length, 2);
    const last = w.registrationBatches[1]!;
    assert.deepEqual(
      last.rows.map((r) => [r.active, r.excluded]),
      [
        [true, true],
        [false, false],
      ],
      "the last batch: an excluded row, then padding",
    );

    await commitEpoch(d.settlement, EPOCH, w.commit, w.exclusionBitmap);
    const state = await d.settlement.epochState(EPOCH);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, state.committedAt + (await d.settlement.contestWindow())));

    const prove = async (circuit: CircuitKeys, input: object) =>
      snarkjs.groth16.fullProve(input as Parameters<typeof snarkjs.groth16.fullProve>[0], circuit.wasmPath, circuit.zkeyPath);
    let claimProduct = 1n;
    for (const b of w.exampleBatches) {
      claimProduct = mod(claimProduct * b.prod);
      await submitExampleBatch(d.settlement, EPOCH, b, (await prove(keys.example, b.input)).proof);
    }
    for (const b of w.payoutBatches) await submitPayoutBatch(d.settlement, EPOCH, b, (await prove(keys.payout, b.input)).proof);
    const first = w.registrationBatches[0]!;
    await submitRegistrationBatch(d.settlement, EPOCH, first, (await prove(keys.registration, first.input)).proof);

    // The forgery: the product that balances identity 1, then domain solved after rho.
    const product = mod(claimProduct * inv(first.prod));
    const values = [...last.values.slice(0, 16), product, last.rlcSum];
    const rho = registrationDigestChallenge(last.carriedOut.fold, values);
    const target = hornerDigest(values, rho);
    const honestDigest = hornerDigest(last.values, rho);
    const domain = mod(BigInt(last.input.domain) + (target - honestDigest) * inv(powMod(rho, 17n)));
    const forgedInput = { ...last.input, rho: rho.toString(), domain: domain.toString() };
    const { proof, publicSignals } = await prove(keys.registration, forgedInput);
    // The domain is a Poseidon input of the excluded row's exclusion step: exclOut moves with it.
    assert.notEqual(BigInt(publicSignals[1]!), target, "the circuit no longer proves the contract's digest of the forged product");
    const forged: RegistrationBatch = { ...last, prod: product, values, rho, digest: target };
    await assert.rejects(submitRegistrationBatch(d.settlement, EPOCH, forged, proof), (e: unknown) => {
      assert.equal(decodeRevert(e, d.settlement.interface)?.name, "InvalidProof");
      return true;
    });
    // The honest last batch verifies, and the invented claim meets the grand product at finalize.
    await submitRegistrationBatch(d.settlement, EPOCH, last, (await prove(keys.registration, last.input)).proof);
    await revealValidation(d.settlement, EPOCH, VALIDATION);
    await assert.rejects(finalizeEpoch(d.settlement, EPOCH), (e: unknown) => {
      assert.equal(decodeRevert(e, d.settlement.interface)?.name, "ProductMismatch");
      return true;
    });
    for (const k of [1, 2, 9]) assert.equal(await d.token.balanceOf(signers[k]!.address), 0n, `signer ${k} is paid nothing`);
  });
});
