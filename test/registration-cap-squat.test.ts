/**
 * Regression (red team, branch redteam5): the per-epoch caps (maxExamplesPerEpoch,
 * maxRegistrants) are first come, first served. With a fee fixed at deployment, one party filled
 * the example cap right after openEpoch for 500 $OPEN against a 1,000,000 $OPEN pool: honest
 * contributors were shut out (TooManyExamplesInEpoch), its undelivered fillers were excluded and
 * its one real registration was paid the whole pool. The registry now fixes each epoch's fee from
 * its pool (ContributorRegistry.registrationFee): filling either cap burns at least the pool, so
 * the squat still shuts honest contributors out but pays the squatter nothing net.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { keccak256, toUtf8Bytes } from "ethers";
import { config, FIELD_MODULUS } from "../config/index.ts";
import type { CircuitKeys } from "../circuits/index.ts";
import {
  commitEpoch,
  finalizeEpoch,
  openEpoch,
  readRegistrations,
  registerExamples,
  releaseBatch,
  revealValidation,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
  waitForRegistrationClose,
} from "../verifier-contracts/index.ts";
import {
  applyPolicy,
  buildEpochBatches,
  validationCommitment,
  type Delivery,
  type ExampleBatch,
  type PayoutBatch,
  type RegistrationBatch,
} from "../witness/index.ts";
import { epochDomain } from "../witness/domain.ts";
import { advanceDevelopmentClock } from "../verifier-contracts/settle.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";
import { expectRevertWith } from "./helpers/expect-revert.ts";

const POOL = 1_000_000n * 10n ** 18n; // the CLI's default pool
const ceilDiv = (a: bigint, b: bigint) => (a === 0n ? 0n : (a - 1n) / b + 1n);
/** The larger of two bigints (Math.max takes numbers only). */
function larger(a: bigint, b: bigint): bigint {
  if (a < b) return b;
  return a;
}

async function prove(keys: CircuitKeys, batch: ExampleBatch | RegistrationBatch | PayoutBatch): Promise<Groth16Proof> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath);
  assert.deepEqual(publicSignals.map(BigInt), [...batch.publicSignals]);
  return proof;
}

async function openAt(
  fx: SettlementFixture,
  epoch: bigint,
  pool: bigint,
  validation = { validationSetHash: keccak256(toUtf8Bytes("v")), salt: keccak256(toUtf8Bytes("s")) },
) {
  const { d, signers } = fx;
  await openEpoch(d, {
    epoch,
    closesAt: await earliestDeadline(d.registry),
    validationCommitment: validationCommitment(validation.validationSetHash, validation.salt),
    pool,
    trainer: signers[0]!.address,
    follows: 0n,
  });
}

describe("registration fee fixed from the epoch's pool: squatting the caps does not pay", () => {
  let fx: SettlementFixture;
  before(async () => {
    fx = await settlementFixture(4n * POOL);
  });
  after(async () => {
    await fx?.close();
  });

  it("registrationFee is max(n * max(feePerExample, ceil(pool / maxExamples)), ceil(pool / maxRegistrants)), and filling either cap costs the pool", async () => {
    const { d } = fx;
    const rules = config.registration;
    const [maxExamples, maxRegistrants] = [BigInt(rules.maxExamplesPerEpoch), BigInt(rules.maxRegistrants)];
    // Small pools keep the deployment's floor; an odd pool rounds up; the largest pool.
    assert.equal(await d.registry.registrationFee(60n, 3), 3n * rules.feePerExample, "an epoch never opened: a zero pool, the floor");
    const pools = [1n, 10n ** 18n, POOL + 7n, (1n << 93n) - 1n];
    await (await d.token.mint(fx.signers[0]!.address, 1n << 93n)).wait(); // the owner escrows each pool
    for (const [i, pool] of pools.entries()) {
      const epoch = 61n + BigInt(i);
      await openAt(fx, epoch, pool);
      const perExample = larger(ceilDiv(pool, maxExamples), rules.feePerExample);
      const perRegistration = ceilDiv(pool, maxRegistrants);
      for (const n of [1n, 3n, BigInt(rules.maxExamplesPerRegistrant)]) {
        const expected = larger(n * perExample, perRegistration);
        assert.equal(await d.registry.registrationFee(epoch, n), expected, `pool ${pool}, ${n} examples`);
      }
      assert.ok(maxExamples * perExample >= pool, `pool ${pool}: filling the example cap costs the pool`);
      assert.ok(
        maxRegistrants * (await d.registry.registrationFee(epoch, 1)) >= pool,
        `pool ${pool}: filling the registrant cap costs the pool`,
      );
    }
  });

  it("register burns exactly registrationFee, and refuses an allowance short of it", async () => {
    const { d, signers } = fx;
    const expectRevert = expectRevertWith(() => [d.settlement.interface, d.registry.interface, d.token.interface]);
    const epoch = 70n;
    await openAt(fx, epoch, POOL);
    const fee = await d.registry.registrationFee(epoch, 1);
    assert.equal(fee, ceilDiv(POOL, BigInt(config.registration.maxRegistrants)), "one example pays the per-registration floor");
    const contributor = signers[7]!;
    await (await d.token.mint(contributor.address, fee)).wait();
    await (await (d.token.connect(contributor) as typeof d.token).approve(d.addresses.registry, fee - 1n)).wait();
    const registry = d.registry.connect(contributor) as typeof d.registry;
    await expectRevert(registry.register(epoch, 5n, 1), "FeeNotApproved");
    await (await (d.token.connect(contributor) as typeof d.token).approve(d.addresses.registry, fee)).wait();
    const burn = await d.registry.BURN_ADDRESS();
    const burnedBefore = await d.token.balanceOf(burn);
    await (await registry.register(epoch, 5n, 1)).wait();
    assert.equal((await d.token.balanceOf(burn)) - burnedBefore, fee);
    assert.equal(await d.token.balanceOf(contributor.address), 0n);
  });

  it("the red team's squat: filling the example cap after openEpoch costs at least the pool, and the squatter's net is not positive", async () => {
    const { d, signers, keys } = fx;
    const expectRevert = expectRevertWith(() => [d.settlement.interface, d.registry.interface, d.token.interface]);
    const [attacker, honest] = [signers[1]!, signers[2]!];
    const epoch = 51n;
    const validation = {
      validationSetHash: keccak256(toUtf8Bytes("cap squat validation")),
      salt: keccak256(toUtf8Bytes("cap squat salt")),
    };
    await openAt(fx, epoch, POOL, validation);

    // The attacker's two real examples, then the rest of the cap in undeliverable registrations.
    const balanceBefore = await d.token.balanceOf(attacker.address);
    let fees = await d.registry.registrationFee(epoch, 2);
    const realHashes = [0, 1].map((i) => BigInt(keccak256(toUtf8Bytes(`attacker example ${i}`))) >> 128n);
    const real = await registerExamples(d, attacker, epoch, realHashes, { mintFee: true });
    let left = Number(await d.registry.maxExamplesPerEpoch()) - 2;
    const perRegistrant = Number(await d.registry.maxExamplesPerRegistrant());
    const squatter = d.registry.connect(attacker) as typeof d.registry;
    for (let k = 0; left > 0; k++) {
      const count = Math.min(left, perRegistrant);
      const fee = await d.registry.registrationFee(epoch, count);
      await (await d.token.mint(attacker.address, fee)).wait();
      await (await (d.token.connect(attacker) as typeof d.token).approve(d.addresses.registry, fee)).wait();
      await (await squatter.register(epoch, BigInt(keccak256(toUtf8Bytes(`filler ${k}`))) % FIELD_MODULUS, count)).wait();
      fees += fee;
      left -= count;
    }
    assert.ok(fees >= POOL, `the squat burned ${fees}, at least the pool ${POOL}`);
    // The cap still shuts the honest contributor out: what changed is the price.
    await expectRevert(registerExamples(d, honest, epoch, [12345n], { mintFee: true }), "TooManyExamplesInEpoch");

    // Settled honestly: the fillers are excluded, the attacker's two examples take the pool.
    await waitForRegistrationClose(d.registry, epoch);
    const registrations = await readRegistrations(d.registry, epoch);
    const deliveries = new Map<number, Delivery>([[real.order, { salt: real.salt, hashes: real.hashes }]]);
    const scores = new Map(realHashes.map((h, i) => [h, BigInt(1000 + i)]));
    const registrationDomain = await d.registry.registrationDomain(epoch);
    const tables = applyPolicy({ registrations, deliveries, scores, pool: POOL, registrationDomain, config });
    assert.equal(tables.exclusion.length, registrations.length - 1, "every filler is excluded as undelivered");
    const w = buildEpochBatches(tables, {
      domain: epochDomain(d.chainId, await d.settlement.getAddress(), epoch),
      registrationDomain,
      fold: await d.registry.registrationFold(epoch),
      modelHash: keccak256(toUtf8Bytes("cap squat model")),
      pool: POOL,
      exampleBatchSize: d.exampleBatchSize,
      registrationBatchSize: d.registrationBatchSize,
      payoutBatchSize: d.payoutBatchSize,
      config,
    });
    await commitEpoch(d.settlement, epoch, w.commit, w.exclusionBitmap);
    const { committedAt } = await d.settlement.epochState(epoch);
    assert.ok(await advanceDevelopmentClock(fx.conn.ethers.provider, committedAt + (await d.settlement.contestWindow())));
    for (const b of w.exampleBatches) await submitExampleBatch(d.settlement, epoch, b, await prove(keys.example, b));
    for (const b of w.registrationBatches) await submitRegistrationBatch(d.settlement, epoch, b, await prove(keys.registration, b));
    for (const b of w.payoutBatches) await submitPayoutBatch(d.settlement, epoch, b, await prove(keys.payout, b));
    await revealValidation(d.settlement, epoch, validation);
    await finalizeEpoch(d.settlement, epoch);
    for (const b of w.payoutBatches) await releaseBatch(d.settlement, epoch, b);

    // Every fee was minted to the attacker and burned, so its balance moved by the payout alone.
    const paid = (await d.token.balanceOf(attacker.address)) - balanceBefore;
    assert.equal(paid, POOL - tables.payoutTable.dust, "paid the whole pool but its dust");
    assert.ok(paid - fees <= 0n, `the squatter's net ${paid - fees} is not positive`);
  });
});
