/**
 * Found by review: with the exclusion set X as a uint32[] in commitEpoch's calldata, commitEpoch
 * cost ~3.3k gas per excluded registrant, so ~5,000 Sybils that register (one example, a small
 * fee) and never deliver made the epoch uncommittable (over the 2^24 per-transaction gas cap of
 * EIP-7825; ~4,000 over geth's 128 KiB transaction size) and its pool burned at forfeit. X is now
 * a bitmap over the m registrations: this registers N never-delivering Sybils, measures the
 * commit's gas with N/4 and N of them excluded (the bitmap is as long either way), and
 * extrapolates to maxRegistrants all excluded.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import type { network } from "hardhat";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { validationCommitment } from "../witness/index.ts";
import { exclusionBitmap } from "../witness/challenge.ts";
import { openEpoch, waitForRegistrationClose, type SettlementDeployment } from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";

import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const POOL = 1000n * 10n ** 18n;
const TX_GAS_CAP = 1n << 24n;

describe("the exclusion set at commitEpoch stays within one transaction at maxRegistrants", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let fixture: SettlementFixture;
  before(async () => {
    fixture = await settlementFixture(10n * POOL);
    ({ conn, d, signers } = fixture);
  });
  after(async () => {
    await fixture?.close();
  });

  it("commitEpoch's gas grows per excluded registrant past the transaction gas cap at maxRegistrants", async () => {
    const trainer = signers[0]!;
    const sybil = signers[7]!;
    const N = Number(process.env.EXCLUSION_TEST_N ?? 200);
    const EPOCH = 1n;
    const registryAddress = await d.registry.getAddress();
    const windowSeconds = BigInt(N) * 2n + 600n;
    await openEpoch(d, {
      epoch: EPOCH,
      closesAt: await earliestDeadline(d.registry, windowSeconds),
      validationCommitment: validationCommitment(ZeroHash, ZeroHash),
      pool: POOL,
      trainer: trainer.address,
      follows: 0n,
    });
    const fee = await d.registry.registrationFee(EPOCH, 1);
    await (await d.token.mint(sybil.address, fee * BigInt(N))).wait();
    await (await (d.token.connect(sybil) as typeof d.token).approve(registryAddress, fee * BigInt(N))).wait();
    const reg = d.registry.connect(sybil) as typeof d.registry;
    let registerGas = 0n;
    for (let i = 0; i < N; i++) {
      const c = BigInt(keccak256(toUtf8Bytes(`sybil ${i}`))) % P; // no opening: never delivered
      const r = await (await reg.register(EPOCH, c, 1)).wait();
      registerGas += r!.gasUsed;
    }
    await waitForRegistrationClose(d.registry, EPOCH);
    const m = N;
    const commit = {
      commitExamples: 1n,
      commitPayouts: 2n,
      commitExclusion: 3n,
      total: 1n,
      exampleBatches: 1,
      registrationBatches: Math.ceil(m / K),
      payoutBatches: Math.ceil(m / B),
      modelHash: keccak256(toUtf8Bytes("model")),
    };
    const gasFor = async (n: number) => {
      // The first n of the N registrations excluded: the bitmap is over all N either way.
      const exclusion = exclusionBitmap(
        Array.from({ length: n }, (_, i) => i),
        m,
      );
      const data = d.settlement.interface.encodeFunctionData("commitEpoch", [EPOCH, commit, exclusion]);
      const gas = await conn.ethers.provider.estimateGas({ from: trainer.address, to: await d.settlement.getAddress(), data });
      return { gas, bytes: (data.length - 2) / 2 };
    };
    const quarter = await gasFor(Math.floor(N / 4));
    const all = await gasFor(N);
    // The bitmap is as long in both calls: the difference is the cost of an excluded registration
    // (its RLC term, and the running power through a nonzero byte). At the cap the bitmap is also
    // longer (calldata, keccak, event bytes, the byte loop): a margin of 40 gas per registration.
    // A review measured the commit directly at m = 50,000, all excluded: 10,905,144 gas (~218 per
    // registration), so the cap is reached near 75,000 registrants: maxRegistrants must stay below.
    const perExcluded = (all.gas - quarter.gas) / BigInt(N - Math.floor(N / 4));
    const fixed = all.gas - perExcluded * BigInt(N);
    const perRegistration = perExcluded + 40n;
    const maxRegistrants = await d.registry.maxRegistrants();
    const atCap = fixed + perRegistration * maxRegistrants;
    console.log(
      JSON.stringify({
        N,
        gasQuarterExcluded: quarter.gas.toString(),
        gasAllExcluded: all.gas.toString(),
        bytesAllExcluded: all.bytes,
        perRegistration: perRegistration.toString(),
        maxRegistrants: maxRegistrants.toString(),
        boundAtMaxRegistrants: atCap.toString(),
        registerGasPerSybil: (registerGas / BigInt(N)).toString(),
      }),
    );
    assert.ok(atCap <= TX_GAS_CAP, `commitEpoch with ${maxRegistrants} registrations all excluded needs up to ~${atCap} gas > 2^24`);
    assert.ok(all.bytes < 131072, "the commit fits a 128 KiB transaction");
  });
});
