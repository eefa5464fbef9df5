/**
 * OPEN (issue 17, found by review): the exclusion set X is a uint32[] in commitEpoch's calldata, so
 * commitEpoch costs ~3.3k gas per excluded registrant. Sybils that register (one example, a small
 * fee) and never deliver must all be excluded: past ~5,000 of them the commit exceeds the 2^24
 * per-transaction gas cap (EIP-7825) and ~4,000 exceed geth's 128 KiB transaction size, so the
 * epoch cannot be committed and its pool is burned at forfeit. The planned fix: X as a bitmap over
 * the m registrations (50,000 bits = 6.25 KB), its RLC sum by a running power of r. Marked todo
 * until then: it measures the commit's gas and fails its bound.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { network } from "hardhat";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName, setupCircuit } from "../circuits/index.ts";
import { validationCommitment } from "../witness/index.ts";
import { deploySettlement, earliestDeadline, openEpoch, waitForRegistrationClose, type SettlementDeployment } from "../verifier-contracts/index.ts";

const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const POOL = 1000n * 10n ** 18n;
const TX_GAS_CAP = 1n << 24n;

describe("the exclusion set at commitEpoch stays within one transaction at maxRegistrants", { todo: "X as a bitmap (issue 17, open)" }, () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  before(async () => {
    const keys = {
      example: await setupCircuit(exampleCircuitName(E)),
      registration: await setupCircuit(registrationCircuitName(K)),
      payout: await setupCircuit(payoutCircuitName(B)),
    };
    conn = await network.create();
    signers = await conn.ethers.getSigners();
    d = await deploySettlement(signers[0]!, {
      exampleVerifier: keys.example.verifierArtifact, exampleBatchSize: E,
      registrationVerifier: keys.registration.verifierArtifact, registrationBatchSize: K,
      payoutVerifier: keys.payout.verifierArtifact, payoutBatchSize: B,
    });
    await (await d.token.mint(signers[0]!.address, 10n * POOL)).wait();
  });
  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("commitEpoch's gas grows per excluded registrant past the transaction gas cap at maxRegistrants", async () => {
    const trainer = signers[0]!;
    const sybil = signers[7]!;
    const N = Number(process.env.EXCLUSION_TEST_N ?? 200);
    const EPOCH = 1n;
    const registryAddress = await d.registry.getAddress();
    const windowSeconds = BigInt(N) * 2n + 600n;
    await openEpoch(d, { epoch: EPOCH, closesAt: await earliestDeadline(d.registry, windowSeconds), validationCommitment: validationCommitment(ZeroHash, ZeroHash), pool: POOL, trainer: trainer.address });
    const fee = await d.registry.feePerExample();
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
      commitExamples: 1n, commitPayouts: 2n, commitExclusion: 3n, total: 1n,
      exampleBatches: 1, registrationBatches: Math.ceil(m / K), payoutBatches: Math.ceil(m / B), modelHash: keccak256(toUtf8Bytes("model")),
    };
    const gasFor = async (n: number) => {
      const exclusion = Array.from({ length: n }, (_, i) => i);
      const data = d.settlement.interface.encodeFunctionData("commitEpoch", [EPOCH, commit, exclusion]);
      const gas = await conn.ethers.provider.estimateGas({ from: trainer.address, to: await d.settlement.getAddress(), data });
      return { gas, bytes: (data.length - 2) / 2 };
    };
    const small = await gasFor(Math.floor(N / 4));
    const full = await gasFor(N);
    const perEntry = (full.gas - small.gas) / BigInt(N - Math.floor(N / 4));
    const perEntryBytes = (full.bytes - small.bytes) / (N - Math.floor(N / 4));
    const maxRegistrants = await d.registry.maxRegistrants();
    const atCap = full.gas + perEntry * (maxRegistrants - BigInt(N));
    const entriesUnderCap = (TX_GAS_CAP - (full.gas - perEntry * BigInt(N))) / perEntry;
    console.log(JSON.stringify({
      N, gasN: full.gas.toString(), bytesN: full.bytes, perEntryGas: perEntry.toString(), perEntryBytes,
      registerGasPerSybil: (registerGas / BigInt(N)).toString(), maxRegistrants: maxRegistrants.toString(),
      extrapolatedGasAtMaxRegistrants: atCap.toString(), exclusionsUnderTxGasCap: entriesUnderCap.toString(),
      exclusionsUnder128KiB: Math.floor((131072 - (full.bytes - perEntryBytes * N)) / perEntryBytes),
      sybilFeeTokensForThose: (fee * entriesUnderCap).toString(),
    }));
    // Honest trainer must be able to commit any epoch the registry accepts: it cannot.
    assert.ok(atCap <= TX_GAS_CAP, `commitEpoch with ${maxRegistrants} exclusions needs ~${atCap} gas > 2^24`);
  });
});
