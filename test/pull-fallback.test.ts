/**
 * The pull fallback of PayoutSettlement.release, on a real settled epoch (real ExampleBatch,
 * RegistrationBatch and PayoutBatch proofs of the test sizes) whose token refuses one recipient,
 * as a blocklisting token does: the rest of the batch is paid in the same release, the refused
 * reward is credited to the payee (PayoutDeferred, claimable) and only that payee can withdraw it,
 * to itself once the token accepts it or to another address at once.
 *
 * The token refuses in both ways SafeERC20.trySafeTransfer catches: batch 0's blocked payee by a
 * revert, batch 1's by `transfer` returning false.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ContractFactory, getAddress, keccak256, toUtf8Bytes, ZeroAddress,
  type AddressLike, type BaseContractMethod, type ContractTransactionReceipt, type ContractTransactionResponse, type InterfaceAbi,
} from "ethers";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config } from "../config/index.ts";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName, setupCircuit, type CircuitKeys } from "../circuits/index.ts";
import {
  applyPolicy, buildEpochBatches, epochDomain, validationCommitment,
  type Delivery, type EpochBatches, type EpochTables, type ExampleBatch, type PayoutBatch, type RegistrationBatch,
} from "../witness/index.ts";
import {
  advanceDevelopmentClock, commitEpoch, deploySettlement, earliestDeadline, finalizeEpoch, loadContractArtifact, openEpoch, readRegistrations,
  registerExamples, releaseBatch, revealValidation, submitExampleBatch, submitPayoutBatch, submitRegistrationBatch, waitForRegistrationClose,
  type ContributorRegistryContract, type OpenTokenContract, type PayoutSettlementContract,
} from "../verifier-contracts/index.ts";

import { expectRevertWith } from "./helpers/expect-revert.ts";
const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const EPOCH = 1n;
const POOL = 1000n * 10n ** 18n + 3n;
const CONTRIBUTORS = [1, 2, 3, 4, 5, 6]; // signer indices, registering in this order: with B = 4, two payout batches
const VALIDATION = { validationSetHash: keccak256(toUtf8Bytes("pull validation set")), salt: keccak256(toUtf8Bytes("pull salt")) };

/** verifier-contracts/contracts/test/RevertingToken.sol: OpenToken's interface plus the blocklist. */
interface RevertingTokenContract extends OpenTokenContract {
  setBlocked: BaseContractMethod<[account: AddressLike, quiet: boolean], void, ContractTransactionResponse>;
}

const addressOf = (a: bigint) => getAddress(`0x${a.toString(16).padStart(40, "0")}`);

async function prove(keys: CircuitKeys, batch: ExampleBatch | RegistrationBatch | PayoutBatch): Promise<Groth16Proof> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath);
  assert.deepEqual(publicSignals.map(BigInt), [...batch.publicSignals], "the circuit and the witness model disagree");
  return proof;
}

describe("PayoutSettlement pays the rest of a batch when the token refuses one payee, and lets that payee withdraw later", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let token: RevertingTokenContract;
  let registry: ContributorRegistryContract;
  let settlement: PayoutSettlementContract;
  let tables: EpochTables;
  let w: EpochBatches;

  const as = (k: number) => settlement.connect(signers[k]!) as PayoutSettlementContract;
  const signerOf = (address: bigint) => signers.findIndex((s) => BigInt(s.address) === address);
  /** Batch `batch`'s rows of the payout table: row j pays registration j. */
  const rowsOf = (batch: PayoutBatch) => tables.payoutTable.rows.slice(batch.index * B, (batch.index + 1) * B);

  const expectRevert = expectRevertWith(() => [settlement.interface, token.interface]);
  function eventsOf(receipt: ContractTransactionReceipt, name: string): unknown[][] {
    return receipt.logs.map((l) => settlement.interface.parseLog(l)).filter((l) => l?.name === name).map((l) => [...l!.args]);
  }

  before(async () => {
    const keys = {
      example: await setupCircuit(exampleCircuitName(E)),
      registration: await setupCircuit(registrationCircuitName(K)),
      payout: await setupCircuit(payoutCircuitName(B)),
    };
    conn = await network.create();
    signers = await conn.ethers.getSigners();
    const owner = signers[0]!;
    // Poseidon and the three verifiers as deploySettlement makes and checks them; then the
    // registry and the settlement again over the refusing token (both take their token at
    // construction: the registry burns its fees in it, the settlement escrows and pays in it).
    const d = await deploySettlement(owner, {
      exampleVerifier: keys.example.verifierArtifact, exampleBatchSize: E,
      registrationVerifier: keys.registration.verifierArtifact, registrationBatchSize: K,
      payoutVerifier: keys.payout.verifierArtifact, payoutBatchSize: B,
    });
    const deploy = async (name: "RevertingToken" | "ContributorRegistry" | "PayoutSettlement", args: unknown[]) => {
      const artifact = await loadContractArtifact(name);
      const contract = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner).deploy(...args);
      await contract.waitForDeployment();
      return contract;
    };
    token = (await deploy("RevertingToken", [owner.address])) as unknown as RevertingTokenContract;
    const rules = config.registration;
    registry = (await deploy("ContributorRegistry", [
      await token.getAddress(), d.addresses.poseidon, rules.feePerExample, rules.minWindowSeconds, rules.maxRegistrants, rules.maxExamplesPerRegistrant, rules.maxExamplesPerEpoch,
    ])) as unknown as ContributorRegistryContract;
    const windows = config.settlement;
    settlement = (await deploy("PayoutSettlement", [
      await token.getAddress(), await registry.getAddress(),
      {
        example: d.addresses.exampleVerifier, exampleBatchSize: E,
        registration: d.addresses.registrationVerifier, registrationBatchSize: K,
        payout: d.addresses.payoutVerifier, payoutBatchSize: B,
      },
      { commitWindow: windows.commitWindowSeconds, contestWindow: windows.contestWindowSeconds, proofWindow: windows.proofWindowSeconds },
    ])) as unknown as PayoutSettlementContract;
    // The settlement opens registration when it escrows the pool: it must own the registry.
    await (await registry.transferOwnership(await settlement.getAddress())).wait();
    await (await token.mint(owner.address, POOL)).wait();

    // Opening escrows the pool; every contributor registers two examples (paying its fee) and
    // delivers them; every score is positive, so every reward is.
    await openEpoch({ token, settlement }, {
      epoch: EPOCH, closesAt: await earliestDeadline(registry), validationCommitment: validationCommitment(VALIDATION.validationSetHash, VALIDATION.salt), pool: POOL,
      trainer: owner.address, follows: 0n,
    });
    const deliveries = new Map<number, Delivery>();
    const scores = new Map<bigint, bigint>();
    for (const k of CONTRIBUTORS) {
      const hashes = [0, 1].map((i) => BigInt(keccak256(toUtf8Bytes(`pull ${k} ${i}`))) >> 128n);
      hashes.forEach((hash, i) => scores.set(hash, BigInt(k * 1_000_003 + i * 77)));
      const r = await registerExamples({ token, registry }, signers[k]!, EPOCH, hashes, { mintFee: true });
      deliveries.set(r.order, { salt: r.salt, hashes: r.hashes });
    }
    await waitForRegistrationClose(registry, EPOCH);
    const registrationDomain = await registry.registrationDomain(EPOCH);
    tables = applyPolicy({ registrations: await readRegistrations(registry, EPOCH), deliveries, scores, pool: POOL, registrationDomain, config });
    w = buildEpochBatches(tables, {
      domain: epochDomain(d.chainId, await settlement.getAddress(), EPOCH), registrationDomain, fold: await registry.registrationFold(EPOCH),
      modelHash: keccak256(toUtf8Bytes("pull model")), pool: POOL, exampleBatchSize: E, registrationBatchSize: K, payoutBatchSize: B, config,
    });
    assert.equal(w.payoutBatches.length, 2, "the fixture needs two payout batches");
    assert.ok(tables.payoutTable.rows.every((r) => r.reward > 0n), "the fixture needs every reward positive");

    await commitEpoch(settlement, EPOCH, w.commit, w.exclusionBitmap);
    const { committedAt } = await settlement.epochState(EPOCH);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, committedAt + (await settlement.contestWindow())), "past the contest window");
    for (const b of w.exampleBatches) await submitExampleBatch(settlement, EPOCH, b, await prove(keys.example, b));
    for (const b of w.registrationBatches) await submitRegistrationBatch(settlement, EPOCH, b, await prove(keys.registration, b));
    for (const b of w.payoutBatches) await submitPayoutBatch(settlement, EPOCH, b, await prove(keys.payout, b));
    await revealValidation(settlement, EPOCH, VALIDATION);
    await finalizeEpoch(settlement, EPOCH);
  });

  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("a release pays every other payee of the batch and credits the refused one (token reverts)", async (t) => {
    const batch = w.payoutBatches[0]!;
    const rows = rowsOf(batch);
    const blocked = rows[1]!; // payees before and after it in the same batch
    await (await token.setBlocked(addressOf(blocked.address), false)).wait();

    const receipt = await releaseBatch(as(9), EPOCH, batch);
    assert.deepEqual(eventsOf(receipt, "PayoutDeferred"), [[EPOCH, addressOf(blocked.address), blocked.reward]]);
    const batchTotal = rows.reduce((s, r) => s + r.reward, 0n);
    assert.deepEqual(eventsOf(receipt, "BatchReleased"), [[EPOCH, 0n, batchTotal]], "paid counts the credited reward too");
    for (const row of rows) {
      assert.equal(await token.balanceOf(addressOf(row.address)), row === blocked ? 0n : row.reward);
    }
    assert.equal(await settlement.claimable(addressOf(blocked.address)), blocked.reward);
    assert.equal(await settlement.totalClaimable(), blocked.reward);
    t.diagnostic(`release of ${rows.length} payees, one deferred: ${receipt.gasUsed} gas`);
  });

  it("the refused payee cannot withdraw while the token refuses it, and nobody else can withdraw its balance", async () => {
    const blocked = rowsOf(w.payoutBatches[0]!)[1]!;
    const k = signerOf(blocked.address);
    await expectRevert(as(k).withdraw(), "Blocked", [addressOf(blocked.address)]);
    assert.equal(await settlement.claimable(addressOf(blocked.address)), blocked.reward, "a failed withdraw keeps the balance");
    const others = [0, 9, ...CONTRIBUTORS.filter((j) => j !== k)];
    for (const j of others) {
      await expectRevert(as(j).withdraw(), "NothingToWithdraw", [signers[j]!.address]);
      await expectRevert(as(j).withdrawTo(signers[j]!.address), "NothingToWithdraw", [signers[j]!.address]);
    }
    assert.equal(await settlement.claimable(addressOf(blocked.address)), blocked.reward);
  });

  it("a token that refuses by returning false is caught the same way; the first payee, unblocked, withdraws to itself", async () => {
    const first = rowsOf(w.payoutBatches[0]!)[1]!;
    const batch = w.payoutBatches[1]!;
    const rows = rowsOf(batch).filter((r) => r.address !== 0n);
    const quiet = rows[0]!;
    await (await token.setBlocked(addressOf(quiet.address), true)).wait(); // unblocks the first

    const receipt = await releaseBatch(settlement, EPOCH, batch);
    assert.deepEqual(eventsOf(receipt, "PayoutDeferred"), [[EPOCH, addressOf(quiet.address), quiet.reward]]);
    assert.deepEqual(eventsOf(receipt, "EpochSettled"), [[EPOCH]]);
    for (const row of rows) assert.equal(await token.balanceOf(addressOf(row.address)), row === quiet ? 0n : row.reward);
    assert.equal(await settlement.totalClaimable(), first.reward + quiet.reward);

    const k = signerOf(first.address);
    const withdrawn = await (await as(k).withdraw()).wait();
    assert.deepEqual(eventsOf(withdrawn!, "Withdrawn"), [[addressOf(first.address), addressOf(first.address), first.reward]]);
    assert.equal(await token.balanceOf(addressOf(first.address)), first.reward);
    assert.equal(await settlement.claimable(addressOf(first.address)), 0n);
    await expectRevert(as(k).withdraw(), "NothingToWithdraw", [addressOf(first.address)]);
    assert.equal(await settlement.totalClaimable(), quiet.reward);
  });

  it("a payee the token still refuses withdraws to another address, once", async () => {
    const quiet = rowsOf(w.payoutBatches[1]!)[0]!;
    const k = signerOf(quiet.address);
    const to = signers[8]!.address;
    await expectRevert(as(k).withdraw(), "SafeERC20FailedOperation", [await token.getAddress()]);
    await expectRevert(as(k).withdrawTo(ZeroAddress), "ZeroAddress");
    const before = await token.balanceOf(to);
    const withdrawn = await (await as(k).withdrawTo(to)).wait();
    assert.deepEqual(eventsOf(withdrawn!, "Withdrawn"), [[addressOf(quiet.address), to, quiet.reward]]);
    assert.equal(await token.balanceOf(to), before + quiet.reward);
    assert.equal(await token.balanceOf(addressOf(quiet.address)), 0n);
    await expectRevert(as(k).withdrawTo(to), "NothingToWithdraw", [addressOf(quiet.address)]);
    await expectRevert(as(k).withdraw(), "NothingToWithdraw", [addressOf(quiet.address)]);

    // Everything owed is out: the settlement keeps exactly the dust.
    assert.equal(await settlement.totalClaimable(), 0n);
    assert.equal(await token.balanceOf(await settlement.getAddress()), tables.payoutTable.dust);
  });
});
