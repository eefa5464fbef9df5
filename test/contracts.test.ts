/**
 * ContributorRegistry + PayoutSettlement on a real in-process Hardhat chain with real Groth16
 * proofs of the three circuits at their test sizes (docs/soundness-ii.md): the happy path escrows
 * at opening, commits, waits out the contest window, verifies every batch, finalizes and releases
 * exactly the reference model's rewards; every revert path is reached and named by its error.
 *
 * What a trainer who lies gets, with VALID proofs of its lies batch by batch:
 *   - ProductMismatch: a claim table that is not the registrations' multiset (an invented claim,
 *     a dropped one, or the earliest registrant's claim dropped so a later one is credited);
 *   - RlcMismatch: a T_j that is not j's credited sum, a payee that is not j's sender, or
 *     exclusion flags other than the committed set X;
 *   - contestExclusion: excluding a registrant whose data it acknowledged (a signed receipt).
 *
 * Model lineage on one deployment with overlapping epochs: an epoch opened to follow another
 * records the followed epoch's committed model hash at its commit, only once that commit can no
 * longer be contested; a voided commit's model is never recorded; the skeptic reads it back.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ContractFactory,
  getAddress,
  keccak256,
  toUtf8Bytes,
  ZeroHash,
  type ContractTransactionReceipt,
  type EventLog,
  type InterfaceAbi,
} from "ethers";
import type { network } from "hardhat";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config, FIELD_MODULUS } from "../config/index.ts";
import type { CircuitKeys } from "../circuits/index.ts";
import {
  applyPolicy,
  buildEpochBatches,
  validationCommitment,
  type Delivery,
  type EpochBatches,
  type EpochTables,
  type ExampleBatch,
  type PayoutBatch,
  type Registration,
  type RegistrationBatch,
} from "../witness/index.ts";
import { epochDomain } from "../witness/domain.ts";
import { splitPool } from "../witness/policy.ts";
import {
  commitEpoch,
  ContractRevertError,
  deploySettlement,
  EpochStatus,
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
  type SettlementDeployment,
} from "../verifier-contracts/index.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import {
  advanceDevelopmentClock,
  exampleBatchArgs,
  payoutBatchArgs,
  registrationBatchArgs,
  signDeliveryReceipt,
} from "../verifier-contracts/settle.ts";
import { readChainEpoch } from "../verify/chain-read.ts";
import { checkLineage } from "../verify/chain.ts";

import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

import { expectRevertWith } from "./helpers/expect-revert.ts";
const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const OPEN = 10n ** 18n;
const MODEL = (n: number) => keccak256(toUtf8Bytes(`model ${n}`));
const VALIDATION_SET = keccak256(toUtf8Bytes("validation set"));
const SALT = keccak256(toUtf8Bytes("salt"));
const VALIDATION = validationCommitment(VALIDATION_SET, SALT);
const POOL = 1000n * OPEN + 7n;

/** 128-bit example hashes by label. */
const h = (label: string) => BigInt(keccak256(toUtf8Bytes(label))) >> 128n;

let keys: { example: CircuitKeys; registration: CircuitKeys; payout: CircuitKeys };
async function prove(circuit: CircuitKeys, batch: ExampleBatch | RegistrationBatch | PayoutBatch): Promise<Groth16Proof> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, circuit.wasmPath, circuit.zkeyPath);
  assert.deepEqual(publicSignals.map(BigInt), [...batch.publicSignals], "the circuit and the witness model disagree");
  return proof;
}
interface Proven extends EpochBatches {
  readonly proofs: { readonly example: Groth16Proof[]; readonly registration: Groth16Proof[]; readonly payout: Groth16Proof[] };
}
async function proveAll(batches: EpochBatches): Promise<Proven> {
  const proofs = { example: [] as Groth16Proof[], registration: [] as Groth16Proof[], payout: [] as Groth16Proof[] };
  for (const b of batches.exampleBatches) proofs.example.push(await prove(keys.example, b));
  for (const b of batches.registrationBatches) proofs.registration.push(await prove(keys.registration, b));
  for (const b of batches.payoutBatches) proofs.payout.push(await prove(keys.payout, b));
  return { ...batches, proofs };
}

describe("ContributorRegistry and PayoutSettlement with real proofs of the three circuits", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;

  // The settlement's, the registry's and the token's errors (interfaces read once deployed).
  const expectRevert = expectRevertWith(() => [d.settlement.interface, d.registry.interface, d.token.interface]);
  const address = (k: number) => BigInt(signers[k]!.address);

  interface Registered {
    readonly epoch: bigint;
    readonly registrations: Registration[];
    readonly deliveries: Map<number, Delivery>;
    readonly fold: bigint;
    readonly registrationDomain: bigint;
  }

  /**
   * Opens `epoch` (escrowing POOL, following epoch `follows`), registers each list from its signer in the given order (each
   * minted and paying its fee), moves the clock past the deadline. A list with `deliver: false`
   * is registered but its data never reaches the trainer.
   */
  /** The earliest deadline openEpoch takes for an epoch following `follows`: a contest window and half a commit window after the followed epoch's. */
  async function lineageDeadline(follows: bigint): Promise<bigint> {
    const earliest = await earliestDeadline(d.registry);
    if (follows === 0n) return earliest;
    const after =
      (await d.registry.registration(follows)).closesAt + (await d.settlement.contestWindow()) + (await d.settlement.commitWindow()) / 2n;
    return after > earliest ? after : earliest;
  }

  async function registerEpoch(
    epoch: bigint,
    lists: readonly { k: number; hashes: bigint[]; deliver?: boolean }[],
    follows = 0n,
  ): Promise<Registered> {
    await openEpoch(d, {
      epoch,
      closesAt: await lineageDeadline(follows),
      validationCommitment: VALIDATION,
      pool: POOL,
      trainer: signers[0]!.address,
      follows,
    });
    const deliveries = new Map<number, Delivery>();
    for (const list of lists) {
      const r = await registerExamples(d, signers[list.k]!, epoch, list.hashes, { mintFee: true });
      if (list.deliver !== false) deliveries.set(r.order, { salt: r.salt, hashes: r.hashes });
    }
    await waitForRegistrationClose(d.registry, epoch);
    return {
      epoch,
      registrations: await readRegistrations(d.registry, epoch),
      deliveries,
      fold: await d.registry.registrationFold(epoch),
      registrationDomain: await d.registry.registrationDomain(epoch),
    };
  }
  const batchOptions = (r: Registered, model = 1) => ({
    domain: epochDomain(d.chainId, d.addresses.settlement, r.epoch),
    registrationDomain: r.registrationDomain,
    fold: r.fold,
    modelHash: MODEL(model),
    pool: POOL,
    exampleBatchSize: E,
    registrationBatchSize: K,
    payoutBatchSize: B,
    config,
  });
  const policy = (r: Registered, scores: Map<bigint, bigint>) =>
    applyPolicy({
      registrations: r.registrations,
      deliveries: r.deliveries,
      scores,
      pool: POOL,
      registrationDomain: r.registrationDomain,
      config,
    });
  async function passContestWindow(epoch: bigint): Promise<void> {
    const state = await d.settlement.epochState(epoch);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, state.committedAt + (await d.settlement.contestWindow())));
  }
  async function submitAll(epoch: bigint, p: Proven): Promise<void> {
    for (const [i, b] of p.exampleBatches.entries()) await submitExampleBatch(d.settlement, epoch, b, p.proofs.example[i]!);
    for (const [i, b] of p.registrationBatches.entries()) await submitRegistrationBatch(d.settlement, epoch, b, p.proofs.registration[i]!);
    for (const [i, b] of p.payoutBatches.entries()) await submitPayoutBatch(d.settlement, epoch, b, p.proofs.payout[i]!);
    await revealValidation(d.settlement, epoch, { validationSetHash: VALIDATION_SET, salt: SALT });
  }
  /** Commits, waits out the contest window and submits everything: the trainer's whole run. */
  async function commitAndSubmit(epoch: bigint, p: Proven): Promise<void> {
    await commitEpoch(d.settlement, epoch, p.commit, p.exclusionBitmap);
    await passContestWindow(epoch);
    await submitAll(epoch, p);
  }

  /**
   * Epoch lists: signers 1..5 with 3 examples each; signer 3's "dup-a" and "dup-b" are also
   * claimed by 1 (registering after 3: credited to 3); signer 4 registers but never delivers.
   */
  const scoresOf = (tag: string) => {
    const scores = new Map<bigint, bigint>();
    for (let k = 1; k <= 5; k++)
      for (let i = 0; i < 3; i++) scores.set(h(`${tag}-${k}-${i}`), BigInt(((k * 7 + i * 13) % 19) - 4) * 1_000_003n);
    scores.set(h(`${tag}-dup-a`), 5_000_000n);
    scores.set(h(`${tag}-dup-b`), -2_000_000n);
    return scores;
  };
  const listOf = (tag: string, k: number, extra: string[] = []) =>
    [0, 1, 2].map((i) => h(`${tag}-${k}-${i}`)).concat(extra.map((e) => h(`${tag}-${e}`)));

  let fixture: SettlementFixture;
  before(async () => {
    fixture = await settlementFixture(1_000_000n * OPEN);
    ({ conn, d, signers, keys } = fixture);
  });
  after(async () => {
    await fixture?.close();
  });

  let r1: Registered;
  let t1: EpochTables;
  let p1: Proven;

  it("registration: the registry folds each (C, sender, n) with Poseidon and keeps no slot per registrant", async () => {
    r1 = await registerEpoch(1n, [
      { k: 3, hashes: listOf("e1", 3, ["dup-a", "dup-b"]) },
      { k: 1, hashes: listOf("e1", 1, ["dup-a", "dup-b"]) },
      { k: 4, hashes: listOf("e1", 4), deliver: false },
      { k: 2, hashes: listOf("e1", 2) },
      { k: 5, hashes: listOf("e1", 5) },
    ]);
    assert.deepEqual(
      r1.registrations.map((x) => x.contributor),
      [3, 1, 4, 2, 5].map(address),
    );
    assert.deepEqual(
      r1.registrations.map((x) => x.order),
      [0, 1, 2, 3, 4],
    );
    const registry = d.registry.interface;
    for (const removed of ["isRegistered", "firstUnregistered", "closeRegistration"])
      assert.equal(registry.getFunction(removed), null, `no ${removed}`);
    // The same address may register twice: each registration is its own row.
    await expectRevert((d.registry.connect(signers[1]!) as typeof d.registry).register(1n, 1n, 1), "RegistrationClosed");
    await expectRevert((d.registry.connect(signers[1]!) as typeof d.registry).register(99n, 1n, 1), "RegistrationNotOpened", [99n]);
    await expectRevert((d.registry.connect(signers[1]!) as typeof d.registry).register(1n, FIELD_MODULUS, 1), "RegistrationClosed");
  });

  it("the witness credits each duplicate to its earliest registrant and excludes the registrant that never delivered", () => {
    t1 = policy(r1, scoresOf("e1"));
    assert.deepEqual(
      t1.exclusion.map((x) => [x.order, x.reason]),
      [[2, "NOT_DELIVERED"]],
    );
    assert.deepEqual(
      t1.duplicates.map((x) => [x.creditedOrder, x.alsoClaimedBy]),
      [
        [0, [1]],
        [0, [1]],
      ].slice(0, t1.duplicates.length),
    );
    assert.equal(t1.duplicates.length, 2);
    assert.equal(t1.payoutTable.rows[2]!.amount, 0n, "the excluded registrant's row is zero");
    assert.equal(t1.payoutTable.rows.length, 5, "one row per registration");
  });

  it("commit: only after the deadline, only by the owner, with a valid exclusion set; the seed is the witness's", async () => {
    p1 = await proveAll(buildEpochBatches(t1, batchOptions(r1)));
    const outsider = d.settlement.connect(signers[9]!) as typeof d.settlement;
    await expectRevert(outsider.commitEpoch(1n, p1.commit, p1.exclusionBitmap), "NotTheTrainer", [
      signers[9]!.address,
      signers[0]!.address,
    ]);
    // X is a bitmap over the m = 5 registrations: one byte, no bit past registration 4.
    await expectRevert(d.settlement.commitEpoch(1n, p1.commit, "0x0400"), "InvalidExclusionSet", [2n]);
    await expectRevert(d.settlement.commitEpoch(1n, p1.commit, "0x24"), "InvalidExclusionSet", [5n]);
    await expectRevert(d.settlement.commitEpoch(1n, { ...p1.commit, payoutBatches: 1 }, p1.exclusionBitmap), "PayoutRowsOutOfRange", [
      BigInt(B),
      5n,
    ]);
    await expectRevert(d.settlement.commitEpoch(1n, { ...p1.commit, total: 0n }, p1.exclusionBitmap), "TotalOutOfRange", [0n]);
    await expectRevert(
      d.settlement.commitEpoch(1n, { ...p1.commit, commitExamples: FIELD_MODULUS }, p1.exclusionBitmap),
      "NonReducedFieldElement",
      [FIELD_MODULUS],
    );
    await commitEpoch(d.settlement, 1n, p1.commit, p1.exclusionBitmap);
    const state = await d.settlement.epochState(1n);
    assert.equal(state.status, EpochStatus.Committed);
    assert.equal(state.seed, p1.seed);
    assert.equal(state.registrants, 5n);
    await expectRevert(d.settlement.commitEpoch(1n, p1.commit, p1.exclusionBitmap), "NotCommittable", [1n]);
    await expectRevert(d.settlement.cancelEpoch(1n), "EpochNotCancellable", [1n]);
  });

  it("no batch and no reveal during the contest window; then batches in order only, each once, from the owner", async () => {
    const [b0] = p1.exampleBatches;
    await expectRevert(d.settlement.submitExampleBatch(...exampleBatchArgs(1n, b0!, p1.proofs.example[0]!)), "ContestWindowOpen");
    await expectRevert(d.settlement.revealValidation(1n, VALIDATION_SET, SALT), "ContestWindowOpen");
    await passContestWindow(1n);
    const outsider = d.settlement.connect(signers[9]!) as typeof d.settlement;
    await expectRevert(outsider.submitExampleBatch(...exampleBatchArgs(1n, b0!, p1.proofs.example[0]!)), "NotTheTrainer", [
      signers[9]!.address,
      signers[0]!.address,
    ]);
    if (p1.exampleBatches.length > 1) {
      await expectRevert(
        d.settlement.submitExampleBatch(...exampleBatchArgs(1n, p1.exampleBatches[1]!, p1.proofs.example[1]!)),
        "BatchOutOfOrder",
        [0n, 1n],
      );
    }
    // A proof of another batch, a non-reduced claim value, a claim the proof does not prove.
    const [epoch, index, claim, proof] = exampleBatchArgs(1n, b0!, p1.proofs.example[0]!);
    await expectRevert(
      d.settlement.submitExampleBatch(epoch, index, { ...claim, rlcSum: FIELD_MODULUS }, proof),
      "NonReducedFieldElement",
      [FIELD_MODULUS],
    );
    await expectRevert(
      d.settlement.submitExampleBatch(epoch, index, { ...claim, scoreSum: BigInt(claim.scoreSum) + 1n }, proof),
      "InvalidProof",
    );
    await expectRevert(d.settlement.submitExampleBatch(epoch, index, { ...claim, product: 1n }, proof), "InvalidProof");
    await expectRevert(
      d.settlement.submitExampleBatch(epoch, index, claim, exampleBatchArgs(1n, b0!, p1.proofs.registration[0]!)[3]),
      "InvalidProof",
    );
    await submitExampleBatch(d.settlement, 1n, b0!, p1.proofs.example[0]!);
    await expectRevert(d.settlement.submitExampleBatch(epoch, index, claim, proof), "BatchAlreadyVerified", [1n, 0n]);
    // Registration batches: the carried state is the contract's.
    const [rb0] = p1.registrationBatches;
    const [, ri, rclaim, rproof] = registrationBatchArgs(1n, rb0!, p1.proofs.registration[0]!);
    await expectRevert(d.settlement.submitRegistrationBatch(1n, ri, { ...rclaim, openOut: 2n }, rproof), "ClaimOutOfRange", [
      "openOut",
      2n,
    ]);
    await expectRevert(d.settlement.submitRegistrationBatch(1n, ri, { ...rclaim, rlcSum: 5n }, rproof), "InvalidProof");
    // Payout batches: words the proof does not cover.
    const [pe, pi, pclaim, words, pproof] = payoutBatchArgs(1n, p1.payoutBatches[0]!, p1.proofs.payout[0]!);
    const tampered = [...words];
    tampered[0] = tampered[0]! + 1n;
    await expectRevert(d.settlement.submitPayoutBatch(pe, pi, pclaim, tampered, pproof), "InvalidProof");
    await expectRevert(d.settlement.submitPayoutBatch(pe, pi, pclaim, words.slice(1), pproof), "WrongBatchLength", [
      BigInt(B),
      BigInt(B - 1),
    ]);
    tampered[0] = FIELD_MODULUS;
    await expectRevert(d.settlement.submitPayoutBatch(pe, pi, pclaim, tampered, pproof), "NonReducedFieldElement", [FIELD_MODULUS]);
  });

  it("pays nothing before finalize; finalize needs every batch and the reveal; release pays each batch once", async () => {
    await expectRevert(d.settlement.finalize(1n), "BatchesMissing");
    for (const [i, b] of p1.exampleBatches.entries()) if (i > 0) await submitExampleBatch(d.settlement, 1n, b, p1.proofs.example[i]!);
    for (const [i, b] of p1.registrationBatches.entries()) await submitRegistrationBatch(d.settlement, 1n, b, p1.proofs.registration[i]!);
    for (const [i, b] of p1.payoutBatches.entries()) await submitPayoutBatch(d.settlement, 1n, b, p1.proofs.payout[i]!);
    await expectRevert(d.settlement.release(1n, 0, [...p1.payoutBatches[0]!.words]), "EpochNotFinalized", [1n]);
    await expectRevert(d.settlement.finalize(1n), "ValidationNotRevealed", [1n]);
    await expectRevert(
      (d.settlement.connect(signers[9]!) as typeof d.settlement).revealValidation(1n, VALIDATION_SET, SALT),
      "NotTheTrainer",
      [signers[9]!.address, signers[0]!.address],
    );
    await revealValidation(d.settlement, 1n, { validationSetHash: VALIDATION_SET, salt: SALT });
    await (await (d.settlement.connect(signers[9]!) as typeof d.settlement).finalize(1n)).wait();
    const before = await Promise.all([1, 2, 3, 4, 5].map((k) => d.token.balanceOf(signers[k]!.address)));
    for (const b of p1.payoutBatches) await releaseBatch(d.settlement, 1n, b);
    await expectRevert(d.settlement.release(1n, 0, [...p1.payoutBatches[0]!.words]), "AlreadyReleased", [1n, 0n]);
    const rewardOf = new Map<bigint, bigint>();
    for (const row of t1.payoutTable.rows) rewardOf.set(row.address, (rewardOf.get(row.address) ?? 0n) + row.reward);
    for (const [i, k] of [1, 2, 3, 4, 5].entries()) {
      assert.equal((await d.token.balanceOf(signers[k]!.address)) - before[i]!, rewardOf.get(address(k)) ?? 0n, `signer ${k}`);
    }
    assert.equal(rewardOf.get(address(4)), 0n, "the registrant that never delivered is paid nothing");
    assert.equal(await d.token.balanceOf(d.addresses.settlement), t1.payoutTable.dust);
    assert.equal((await d.settlement.epochState(1n)).status, EpochStatus.Finalized);
  });

  it("a registration copied from the mempool to another address cannot be opened: the copier is excluded, the owner keeps its credit", async () => {
    // The copier sends the honest registrant's exact (C, n) first, from its own address.
    await openEpoch(d, {
      epoch: 2n,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: VALIDATION,
      pool: POOL,
      trainer: signers[0]!.address,
      follows: 0n,
    });
    const hashes = listOf("e2", 1);
    const honest = await registerExamples(d, signers[1]!, 2n, hashes, { mintFee: true, salt: 77n });
    // (Sent after in this test; the order the copier would win is what the registrations say.)
    const fee = await d.registry.registrationFee(2n, 3);
    await (await d.token.mint(signers[6]!.address, fee)).wait();
    await (await (d.token.connect(signers[6]!) as typeof d.token).approve(d.addresses.registry, fee)).wait();
    await (await (d.registry.connect(signers[6]!) as typeof d.registry).register(2n, honest.commitment, 3)).wait();
    await waitForRegistrationClose(d.registry, 2n);
    const registrations = await readRegistrations(d.registry, 2n);
    // Even if the copier delivers the honest list and salt, they re-hash to C only with the honest sender.
    const deliveries = new Map<number, Delivery>([
      [0, { salt: 77n, hashes: honest.hashes }],
      [1, { salt: 77n, hashes: honest.hashes }],
    ]);
    const r2: Registered = {
      epoch: 2n,
      registrations,
      deliveries,
      fold: await d.registry.registrationFold(2n),
      registrationDomain: await d.registry.registrationDomain(2n),
    };
    const scores = new Map(hashes.map((x, i) => [x, BigInt(i + 1) * 1_000_000n] as const));
    const t2 = policy(r2, scores);
    assert.deepEqual(
      t2.exclusion.map((x) => [x.order, x.reason]),
      [[1, "COMMITMENT_MISMATCH"]],
    );
    assert.equal(t2.payoutTable.rows[1]!.amount, 0n);
    const p2 = await proveAll(buildEpochBatches(t2, batchOptions(r2)));
    await commitAndSubmit(2n, p2);
    await finalizeEpoch(d.settlement, 2n);
  });

  it("the trainer excludes the earliest registrant to hand its examples to a later copier: its delivery receipt voids the commit", async () => {
    const shared = listOf("e3", 1);
    const r3 = await registerEpoch(3n, [
      { k: 1, hashes: shared },
      { k: 7, hashes: shared },
    ]);
    const scores = new Map(shared.map((x) => [x, 2_000_000n] as const));
    // The trainer acknowledged registrant 0's data when it arrived.
    const receipt = await signDeliveryReceipt(signers[0]!, d.settlement, 3n, 0, r3.registrations[0]!.commitment);
    // The dishonest witness: registrant 0 "never delivered", so the copier (order 1) is credited.
    const dishonest = policy({ ...r3, deliveries: new Map([[1, r3.deliveries.get(1)!]]) }, scores);
    assert.equal(dishonest.payoutTable.rows[1]!.reward, POOL, "without the contest the copier would take the pool");
    const pd = buildEpochBatches(dishonest, batchOptions(r3));
    await commitEpoch(d.settlement, 3n, pd.commit, pd.exclusionBitmap);
    // A receipt signed by anyone but the trainer does not count; the trainer's does.
    const forged = await signDeliveryReceipt(signers[1]!, d.settlement, 3n, 0, r3.registrations[0]!.commitment);
    await expectRevert(
      d.settlement.contestExclusion(3n, pd.exclusionBitmap, 0, r3.registrations[0]!.commitment, forged),
      "NotTheTrainersReceipt",
      [signers[1]!.address],
    );
    await expectRevert(d.settlement.contestExclusion(3n, "0x02", 0, r3.registrations[0]!.commitment, receipt), "ExclusionSetMismatch");
    await expectRevert(d.settlement.contestExclusion(3n, pd.exclusionBitmap, 1, r3.registrations[1]!.commitment, receipt), "NotExcluded", [
      3n,
      1n,
    ]);
    await (
      await (d.settlement.connect(signers[1]!) as typeof d.settlement).contestExclusion(
        3n,
        pd.exclusionBitmap,
        0,
        r3.registrations[0]!.commitment,
        receipt,
      )
    ).wait();
    assert.equal((await d.settlement.epochState(3n)).status, EpochStatus.Registration, "the commit is void");
    // The honest commit: the earliest registrant is credited, the copier gets nothing.
    const honest = policy(r3, scores);
    assert.equal(honest.payoutTable.rows[0]!.reward, POOL);
    assert.equal(honest.payoutTable.rows[1]!.reward, 0n);
    const p3 = await proveAll(buildEpochBatches(honest, batchOptions(r3)));
    await commitAndSubmit(3n, p3);
    await finalizeEpoch(d.settlement, 3n);
    const before = await d.token.balanceOf(signers[1]!.address);
    for (const b of p3.payoutBatches) await releaseBatch(d.settlement, 3n, b);
    assert.equal((await d.token.balanceOf(signers[1]!.address)) - before, POOL);
  });

  /** A fresh epoch of two registrants, for the lies below: each proves valid, finalize refuses it. */
  async function lieEpoch(epoch: bigint, lie: (t: EpochTables, r: Registered) => EpochTables, error: string): Promise<void> {
    const r = await registerEpoch(epoch, [
      { k: 1, hashes: listOf(`e${epoch}`, 1, ["dup"]) },
      { k: 2, hashes: listOf(`e${epoch}`, 2, ["dup"]) },
    ]);
    const scores = new Map(
      [...listOf(`e${epoch}`, 1, ["dup"]), ...listOf(`e${epoch}`, 2)].map((x, i) => [x, BigInt(i + 1) * 1_000_000n] as const),
    );
    const tables = lie(policy(r, scores), r);
    const p = await proveAll(buildEpochBatches(tables, batchOptions(r)));
    await commitAndSubmit(epoch, p);
    await expectRevert(d.settlement.finalize(epoch), error);
  }
  const resplit = (t: EpochTables, amounts: bigint[], addresses?: bigint[]) =>
    splitPool(
      t.payoutTable.rows.map((row, j) => ({ address: addresses?.[j] ?? row.address, amount: amounts[j]! })),
      POOL,
      config,
    );

  it("a duplicate credited to the later registrant (the earliest's claim dropped): ProductMismatch", async () => {
    await lieEpoch(
      10n,
      (t) => {
        const dupHash = t.duplicates[0]!.hash;
        const claimTable = t.claimTable
          .filter((c) => !(c.hash === dupHash && c.j === 0))
          .map((c) => (c.hash === dupHash ? { ...c, score: t.claimTable.find((x) => x.hash === dupHash)!.score } : c));
        const amounts = t.payoutTable.rows.map((row) => row.amount);
        const moved = t.claimTable.find((c) => c.hash === dupHash)!.score;
        amounts[0]! -= moved > 0n ? moved : 0n;
        amounts[1]! += moved > 0n ? moved : 0n;
        return { ...t, claimTable, payoutTable: resplit(t, amounts) };
      },
      "ProductMismatch",
    );
  });

  it("a dropped claim (an example left out of the claim table): ProductMismatch", async () => {
    await lieEpoch(
      16n,
      (t) => {
        const dropped = t.claimTable.find((c) => c.j === 1 && c.score > 0n && !t.duplicates.some((x) => x.hash === c.hash))!;
        const amounts = t.payoutTable.rows.map((row, j) => row.amount - (j === 1 ? dropped.score : 0n));
        return { ...t, claimTable: t.claimTable.filter((c) => c !== dropped), payoutTable: resplit(t, amounts) };
      },
      "ProductMismatch",
    );
  });

  it("a copied registration credited to the copier as if its own: the re-hashed lists end at another F, RegistrationsMismatch", async () => {
    await openEpoch(d, {
      epoch: 17n,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: VALIDATION,
      pool: POOL,
      trainer: signers[0]!.address,
      follows: 0n,
    });
    const honest = await registerExamples(d, signers[1]!, 17n, listOf("e17", 1), { mintFee: true });
    const fee = await d.registry.registrationFee(17n, 3);
    await (await d.token.mint(signers[6]!.address, fee)).wait();
    await (await (d.token.connect(signers[6]!) as typeof d.token).approve(d.addresses.registry, fee)).wait();
    await (await (d.registry.connect(signers[6]!) as typeof d.registry).register(17n, honest.commitment, 3)).wait();
    await waitForRegistrationClose(d.registry, 17n);
    const r: Registered = {
      epoch: 17n,
      registrations: await readRegistrations(d.registry, 17n),
      deliveries: new Map([[0, { salt: honest.salt, hashes: honest.hashes }]]),
      fold: await d.registry.registrationFold(17n),
      registrationDomain: await d.registry.registrationDomain(17n),
    };
    const t = policy(r, new Map(honest.hashes.map((x) => [x, 1_000_000n] as const)));
    // The trainer's sock puppet copied C; the trainer keeps it in, with the honest list, and pays it.
    const registrants = t.registrants.map((x, j) =>
      j === 1 ? { sender: signers[6]!.address, salt: honest.salt, hashes: honest.hashes, excluded: false } : x,
    );
    const claimTable = [...t.claimTable, ...honest.hashes.map((hash) => ({ hash, j: 1, score: 0n }))].sort((a, b) =>
      a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.j - b.j,
    );
    const p = await proveAll(buildEpochBatches({ ...t, registrants, claimTable, exclusion: [] }, batchOptions(r)));
    await commitAndSubmit(17n, p);
    await expectRevert(d.settlement.finalize(17n), "RegistrationsMismatch");
  });

  it("an owner who withholds the validation reveal: no finalize, no cancel, and after the deadline the pool is burned", async () => {
    const r = await registerEpoch(18n, [{ k: 1, hashes: listOf("e18", 1) }]);
    const t = policy(r, new Map(listOf("e18", 1).map((x) => [x, 1_000_000n] as const)));
    const p = await proveAll(buildEpochBatches(t, batchOptions(r)));
    await commitEpoch(d.settlement, 18n, p.commit, p.exclusionBitmap);
    await passContestWindow(18n);
    for (const [i, b] of p.exampleBatches.entries()) await submitExampleBatch(d.settlement, 18n, b, p.proofs.example[i]!);
    for (const [i, b] of p.registrationBatches.entries()) await submitRegistrationBatch(d.settlement, 18n, b, p.proofs.registration[i]!);
    for (const [i, b] of p.payoutBatches.entries()) await submitPayoutBatch(d.settlement, 18n, b, p.proofs.payout[i]!);
    await expectRevert(d.settlement.finalize(18n), "ValidationNotRevealed", [18n]);
    await expectRevert(d.settlement.cancelEpoch(18n), "EpochNotCancellable", [18n]);
    const [, settleBy] = await d.settlement.deadlines(18n);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, settleBy));
    await expectRevert(d.settlement.revealValidation(18n, VALIDATION_SET, SALT), "SettleDeadlinePassed", [18n, settleBy]);
    const ownerBefore = await d.token.balanceOf(signers[0]!.address);
    await (await (d.settlement.connect(signers[9]!) as typeof d.settlement).forfeit(18n)).wait();
    assert.equal(await d.token.balanceOf(signers[0]!.address), ownerBefore, "nothing returns to the owner");
    assert.equal((await d.settlement.epochState(18n)).status, EpochStatus.Forfeited);
  });

  it("an invented claim: ProductMismatch", async () => {
    await lieEpoch(
      11n,
      (t) => {
        const invented = { hash: 1n, j: 1, score: 3_000_000n };
        const amounts = t.payoutTable.rows.map((row, j) => row.amount + (j === 1 ? invented.score : 0n));
        return { ...t, claimTable: [invented, ...t.claimTable], payoutTable: resplit(t, amounts) };
      },
      "ProductMismatch",
    );
  });

  it("a T_j off by one (a unit moved between registrations, S unchanged): RlcMismatch", async () => {
    await lieEpoch(
      12n,
      (t) => {
        const amounts = t.payoutTable.rows.map((row) => row.amount);
        amounts[0]! -= 1n;
        amounts[1]! += 1n;
        return { ...t, payoutTable: resplit(t, amounts) };
      },
      "RlcMismatch",
    );
  });

  it("a payout row paying another address than the registrant's: RlcMismatch", async () => {
    await lieEpoch(
      13n,
      (t) => ({
        ...t,
        payoutTable: resplit(
          t,
          t.payoutTable.rows.map((row) => row.amount),
          [address(8), address(2)],
        ),
      }),
      "RlcMismatch",
    );
  });

  it("exclusion flags in the registration table other than the committed set: ExclusionMismatch", async () => {
    // The table excludes registrant 1 (so its claims vanish) while the commit's X is empty: the
    // flags must reproduce the committed exclusion chain (they are fixed before the seed).
    const r = await registerEpoch(15n, [
      { k: 1, hashes: listOf("e15", 1) },
      { k: 2, hashes: listOf("e15", 2) },
    ]);
    const scores = new Map([...listOf("e15", 1), ...listOf("e15", 2)].map((x) => [x, 1_000_000n] as const));
    const honest = policy(r, scores);
    const registrants = honest.registrants.map((x, j) => (j === 1 ? { ...x, excluded: true, hashes: [] } : x));
    const claimTable = honest.claimTable.filter((c) => c.j !== 1);
    const amounts = honest.payoutTable.rows.map((row, j) => (j === 1 ? 0n : row.amount));
    const lie = { ...honest, registrants, claimTable, payoutTable: resplit(honest, amounts), exclusion: [] };
    const p = await proveAll(buildEpochBatches(lie, batchOptions(r)));
    await commitAndSubmit(15n, p);
    await expectRevert(d.settlement.finalize(15n), "ExclusionMismatch");
  });

  it("no walk-away: cancel only while registration is open; after the settle deadline anyone burns an unfinished pool", async () => {
    await openEpoch(d, {
      epoch: 20n,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: VALIDATION,
      pool: POOL,
      trainer: signers[0]!.address,
      follows: 0n,
    });
    const ownerBefore = await d.token.balanceOf(signers[0]!.address);
    await (await d.settlement.cancelEpoch(20n)).wait();
    assert.equal((await d.token.balanceOf(signers[0]!.address)) - ownerBefore, POOL, "refunded before the deadline");
    assert.equal((await d.settlement.epochState(20n)).status, EpochStatus.Cancelled);

    // Found by review: cancelling any time before the deadline let the owner take R back after
    // acknowledging delivered data; and a cancelled epoch kept burning registration fees.
    await expectRevert((d.registry.connect(signers[1]!) as typeof d.registry).register(20n, 1n, 1), "RegistrationClosed");
    const r = await registerEpoch(21n, [{ k: 1, hashes: listOf("e21", 1) }]);
    await expectRevert(d.settlement.cancelEpoch(21n), "RegistrantsExist", [21n, 1n]);
    await openEpoch(d, {
      epoch: 22n,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: VALIDATION,
      pool: POOL,
      trainer: signers[0]!.address,
      follows: 0n,
    });
    await registerExamples(d, signers[2]!, 22n, listOf("e22", 2), { mintFee: true });
    await expectRevert(d.settlement.cancelEpoch(22n), "RegistrantsExist", [22n, 1n]);
    const [commitBy, settleBy] = await d.settlement.deadlines(21n);
    await expectRevert(d.settlement.forfeit(21n), "SettleDeadlineNotReached", [21n, settleBy]);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, commitBy));
    const t = policy(r, new Map(listOf("e21", 1).map((x) => [x, 1_000_000n] as const)));
    const late = buildEpochBatches(t, batchOptions(r));
    await expectRevert(d.settlement.commitEpoch(21n, late.commit, late.exclusionBitmap), "CommitDeadlinePassed", [21n, commitBy]);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, settleBy));
    const burn = await d.settlement.BURN_ADDRESS();
    const burnedBefore = await d.token.balanceOf(burn);
    await (await (d.settlement.connect(signers[9]!) as typeof d.settlement).forfeit(21n)).wait();
    assert.equal((await d.token.balanceOf(burn)) - burnedBefore, POOL, "burned, never refunded");
    assert.equal((await d.settlement.epochState(21n)).status, EpochStatus.Forfeited);
    await expectRevert(d.settlement.forfeit(21n), "EpochNotCancellable", [21n]);
  });

  it("a proven epoch cannot be burned: after the settle deadline forfeit refuses it and anyone finalizes", async () => {
    const r = await registerEpoch(23n, [{ k: 1, hashes: listOf("e23", 1) }]);
    const t = policy(r, new Map(listOf("e23", 1).map((x) => [x, 1_000_000n] as const)));
    const p = await proveAll(buildEpochBatches(t, batchOptions(r)));
    await commitAndSubmit(23n, p);
    const [, settleBy] = await d.settlement.deadlines(23n);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, settleBy));
    await expectRevert((d.settlement.connect(signers[9]!) as typeof d.settlement).forfeit(23n), "EpochFinalizable", [23n]);
    await (await (d.settlement.connect(signers[9]!) as typeof d.settlement).finalize(23n)).wait();
  });

  it("the trainer is fixed at opening: a new owner key neither commits nor voids the old key's receipts", async () => {
    const shared = listOf("e24", 1);
    const r = await registerEpoch(24n, [
      { k: 1, hashes: shared },
      { k: 7, hashes: shared },
    ]);
    const scores = new Map(shared.map((x) => [x, 2_000_000n] as const));
    const receipt = await signDeliveryReceipt(signers[0]!, d.settlement, 24n, 0, r.registrations[0]!.commitment);
    const dishonest = buildEpochBatches(policy({ ...r, deliveries: new Map([[1, r.deliveries.get(1)!]]) }, scores), batchOptions(r));
    await commitEpoch(d.settlement, 24n, dishonest.commit, dishonest.exclusionBitmap);
    // The owner hands the contract to a fresh key; the receipt signed by the epoch's trainer still counts.
    await (await d.settlement.transferOwnership(signers[8]!.address)).wait();
    const asNewOwner = d.settlement.connect(signers[8]!) as typeof d.settlement;
    await expectRevert(asNewOwner.commitEpoch(24n, dishonest.commit, dishonest.exclusionBitmap), "NotCommittable", [24n]);
    await (
      await (d.settlement.connect(signers[1]!) as typeof d.settlement).contestExclusion(
        24n,
        dishonest.exclusionBitmap,
        0,
        r.registrations[0]!.commitment,
        receipt,
      )
    ).wait();
    assert.equal((await d.settlement.epochState(24n)).status, EpochStatus.Registration, "the commit is void");
    await expectRevert(asNewOwner.commitEpoch(24n, dishonest.commit, dishonest.exclusionBitmap), "NotTheTrainer", [
      signers[8]!.address,
      signers[0]!.address,
    ]);
    await (await asNewOwner.transferOwnership(signers[0]!.address)).wait();
  });

  it("refuses verifiers of another circuit or size, and registry caps the batches cannot hold, at deployment", async () => {
    const verifiers = {
      exampleVerifier: keys.example.verifierArtifact,
      exampleBatchSize: E,
      registrationVerifier: keys.registration.verifierArtifact,
      registrationBatchSize: K,
      payoutVerifier: keys.payout.verifierArtifact,
      payoutBatchSize: B,
    };
    await assert.rejects(deploySettlement(signers[0]!, { ...verifiers, exampleVerifier: keys.payout.verifierArtifact }), {
      name: "RangeError",
    });
    await assert.rejects(
      deploySettlement(signers[0]!, { ...verifiers, registration: { ...config.registration, maxExamplesPerEpoch: 65_535 * E + 1 } }),
      { name: "RangeError", message: /maxExamplesPerEpoch/ },
    );
    // Registration rows too: one per registrant plus one per chunk of examples (found by review).
    await assert.rejects(
      deploySettlement(signers[0]!, { ...verifiers, registration: { ...config.registration, maxRegistrants: 65_535 * K } }),
      { name: "RangeError", message: /registration rows/ },
    );
    const artifact = await loadContractArtifact("PayoutSettlement");
    const windows = { commitWindow: 60, contestWindow: 60, proofWindow: 60 };
    const verifierSet = {
      example: d.addresses.exampleVerifier,
      exampleBatchSize: E,
      registration: d.addresses.registrationVerifier,
      registrationBatchSize: K,
      payout: d.addresses.payoutVerifier,
      payoutBatchSize: B,
    };
    await expectRevert(
      new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signers[0]!).deploy(
        d.addresses.token,
        d.addresses.registry,
        verifierSet,
        { ...windows, proofWindow: 0 },
      ),
      "InvalidWindows",
    );
    await expectRevert(
      new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signers[0]!).deploy(
        d.addresses.token,
        d.addresses.registry,
        { ...verifierSet, payoutBatchSize: 0 },
        windows,
      ),
      "InvalidBatchSize",
      [0n],
    );
    // A release pays a whole payout batch: more payees than one transaction's gas cap holds would strand a finalized pool.
    const tooMany = config.payoutBatch.maxPayeesPerRelease + 1;
    await expectRevert(
      new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signers[0]!).deploy(
        d.addresses.token,
        d.addresses.registry,
        { ...verifierSet, payoutBatchSize: tooMany },
        windows,
      ),
      "InvalidBatchSize",
      [BigInt(tooMany)],
    );
    assert.equal(getAddress(await d.registry.owner()), getAddress(d.addresses.settlement), "the settlement owns the registry");
  });

  const openArgs = async (epoch: bigint, follows: bigint) => ({
    epoch,
    closesAt: await earliestDeadline(d.registry),
    validationCommitment: VALIDATION,
    pool: POOL,
    trainer: signers[0]!.address,
    follows,
  });
  /** ModelLineage's arguments in a finalize receipt. */
  const lineageIn = (receipt: ContractTransactionReceipt) => [
    ...receipt.logs.map((log) => d.settlement.interface.parseLog(log)).find((e) => e?.name === "ModelLineage")!.args,
  ];

  it("openEpoch refuses a lineage it could never record: an epoch never opened here (or the epoch itself), cancelled or forfeited", async () => {
    await expectRevert(openEpoch(d, await openArgs(30n, 99n)), "LineageNotOpened", [99n]);
    await expectRevert(openEpoch(d, await openArgs(30n, 30n)), "LineageNotOpened", [30n]);
    // The wrapper's error names the call, the contract and the decoded error.
    await assert.rejects(openEpoch(d, await openArgs(30n, 99n)), (e: unknown) => {
      assert.ok(e instanceof ContractRevertError, String(e));
      assert.equal(e.code, "CONTRACT_REVERT");
      assert.equal(e.errorName, "LineageNotOpened");
      assert.deepEqual(e.args, { follows: 99n });
      assert.match(
        e.message,
        new RegExp(
          `^openEpoch\\(30, follows 99\\) on PayoutSettlement ${d.addresses.settlement} reverted with LineageNotOpened\\(follows=99\\)$`,
        ),
      );
      return true;
    });
    await openEpoch(d, await openArgs(30n, 0n));
    await (await d.settlement.cancelEpoch(30n)).wait();
    // Forfeited with a registrant (an epoch nobody registered for is never burned: the owner's to cancel).
    await registerEpoch(34n, [{ k: 1, hashes: listOf("e34", 1), deliver: false }]);
    const [, settleBy] = await d.settlement.deadlines(34n);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, settleBy));
    await (await d.settlement.forfeit(34n)).wait();
    await expectRevert(openEpoch(d, await openArgs(35n, 30n)), "LineageEnded", [30n]);
    await expectRevert(openEpoch(d, await openArgs(35n, 34n)), "LineageEnded", [34n]);
    assert.equal((await d.settlement.epochState(35n)).status, EpochStatus.None, "nothing opened");
  });

  it("lineage over overlapping epochs: 32 follows 31 and opens before 31 commits; it records 31's model once 31's commit is final, never a voided one", async () => {
    const r31 = await registerEpoch(31n, [
      { k: 1, hashes: listOf("e31", 1) },
      { k: 2, hashes: listOf("e31", 2) },
    ]);
    const r32 = await registerEpoch(32n, [{ k: 3, hashes: listOf("e32", 3) }], 31n);
    const [opened] = (await d.settlement.queryFilter(d.settlement.filters.EpochOpened!(32n))) as EventLog[];
    assert.equal(opened!.args.follows, 31n, "EpochOpened carries follows");
    assert.equal((await d.settlement.epochState(32n)).follows, 31n);
    const scores31 = new Map([...listOf("e31", 1), ...listOf("e31", 2)].map((x, i) => [x, BigInt(i + 1) * 1_000_000n] as const));
    const p32 = await proveAll(
      buildEpochBatches(policy(r32, new Map(listOf("e32", 3).map((x) => [x, 1_000_000n] as const))), batchOptions(r32, 32)),
    );
    const commit32 = () => d.settlement.commitEpoch(32n, p32.commit, p32.exclusionBitmap);
    await expectRevert(commit32(), "LineageNotCommitted", [31n]);

    // 31 commits model 310 excluding registrant 0, whose data the trainer acknowledged: while that
    // commit can be contested 32 cannot copy it, and once contested it is no model 31 committed.
    const receipt = await signDeliveryReceipt(signers[0]!, d.settlement, 31n, 0, r31.registrations[0]!.commitment);
    const voided = buildEpochBatches(
      policy({ ...r31, deliveries: new Map([[1, r31.deliveries.get(1)!]]) }, scores31),
      batchOptions(r31, 310),
    );
    await commitEpoch(d.settlement, 31n, voided.commit, voided.exclusionBitmap);
    const contestEnds = (await d.settlement.epochState(31n)).committedAt + (await d.settlement.contestWindow());
    await expectRevert(commit32(), "LineageContestable", [31n, contestEnds]);
    await (
      await (d.settlement.connect(signers[2]!) as typeof d.settlement).contestExclusion(
        31n,
        voided.exclusionBitmap,
        0,
        r31.registrations[0]!.commitment,
        receipt,
      )
    ).wait();
    await expectRevert(commit32(), "LineageNotCommitted", [31n]);

    // The honest recommit (model 31): final once its contest window is over.
    const p31 = await proveAll(buildEpochBatches(policy(r31, scores31), batchOptions(r31, 31)));
    await commitEpoch(d.settlement, 31n, p31.commit, p31.exclusionBitmap);
    await expectRevert(commit32(), "LineageContestable");
    await passContestWindow(31n);
    await commitEpoch(d.settlement, 32n, p32.commit, p32.exclusionBitmap);
    const state32 = await d.settlement.epochState(32n);
    assert.equal(state32.previousModelHash, MODEL(31));
    assert.notEqual(state32.previousModelHash, MODEL(310), "the voided commit's model is never recorded");
    assert.equal((await d.settlement.epochState(31n)).previousModelHash, ZeroHash);

    // 32 finalizes before 31: each ModelLineage carries its own epoch's recorded lineage.
    await passContestWindow(32n);
    await submitAll(32n, p32);
    assert.deepEqual(lineageIn(await finalizeEpoch(d.settlement, 32n)), [32n, MODEL(32), VALIDATION, MODEL(31), 31n]);
    await submitAll(31n, p31);
    assert.deepEqual(lineageIn(await finalizeEpoch(d.settlement, 31n)), [31n, MODEL(31), VALIDATION, ZeroHash, 0n]);

    // The skeptic reads the lineage back from the chain alone.
    const chain32 = await readChainEpoch(conn.ethers.provider, d.addresses.settlement, 32n);
    assert.equal(chain32.followed?.commit?.modelHash, MODEL(31));
    assert.equal(chain32.lineage?.previousModelHash, MODEL(31));
    assert.match(checkLineage(chain32), /follows epoch 31's committed model/);
    assert.match(checkLineage(await readChainEpoch(conn.ethers.provider, d.addresses.settlement, 31n)), /first of its lineage/);
  });

  /** A commit with made-up tables: enough for what the lineage checks (the batches are never proven). */
  const bareCommit = (model: string) => ({
    commitExamples: 1n,
    commitPayouts: 2n,
    commitExclusion: 0n,
    total: 10n,
    exampleBatches: 1,
    registrationBatches: 1,
    payoutBatches: 1,
    modelHash: model,
  });

  it("openEpoch refuses a follower whose registration closes within a contest window of the followed epoch's: the followed commit, however late, is final before the follower's commit deadline", async () => {
    await registerEpoch(40n, [{ k: 1, hashes: listOf("e40", 1) }]);
    const closes40 = (await d.registry.registration(40n)).closesAt;
    const earliest = closes40 + (await d.settlement.contestWindow()) + (await d.settlement.commitWindow()) / 2n;
    await expectRevert(openEpoch(d, { ...(await openArgs(41n, 40n)), closesAt: earliest - 1n }), "LineageTooEarly", [40n, earliest]);
    // At the earliest deadline: 40's trainer commits in the last second of its window, and 41 still has half a commit window.
    await openEpoch(d, { ...(await openArgs(41n, 40n)), closesAt: earliest });
    await registerExamples(d, signers[2]!, 41n, listOf("e41", 2), { mintFee: true });
    const [commitBy40] = await d.settlement.deadlines(40n);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, commitBy40 - 2n));
    await commitEpoch(d.settlement, 40n, bareCommit(MODEL(40)), "0x00");
    await passContestWindow(40n);
    const [commitBy41] = await d.settlement.deadlines(41n);
    assert.ok(BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp) < commitBy41, "41's commit window is still open");
    await commitEpoch(d.settlement, 41n, bareCommit(MODEL(41)), "0x00");
    assert.equal((await d.settlement.epochState(41n)).previousModelHash, MODEL(40));
  });

  it("a forfeit of the followed epoch after its final commit keeps its model for the follower (a watcher's forfeit cannot block it); one that ended without a model gives previous model 0", async () => {
    // 42 commits, its commit final, never proven; 43 follows it and closes after 42's settle deadline.
    await registerEpoch(42n, [{ k: 1, hashes: listOf("e42", 1) }]);
    await commitEpoch(d.settlement, 42n, bareCommit(MODEL(42)), "0x00");
    const [, settle42] = await d.settlement.deadlines(42n);
    await openEpoch(d, { ...(await openArgs(43n, 42n)), closesAt: settle42 + 100n });
    await registerExamples(d, signers[2]!, 43n, listOf("e43", 2), { mintFee: true });
    await waitForRegistrationClose(d.registry, 43n);
    await (await (d.settlement.connect(signers[9]!) as typeof d.settlement).forfeit(42n)).wait();
    await commitEpoch(d.settlement, 43n, bareCommit(MODEL(43)), "0x00");
    assert.equal(
      (await d.settlement.epochState(43n)).previousModelHash,
      MODEL(42),
      "the forfeited epoch's final commit is still its model",
    );

    // 44 never commits: once its commit deadline passed, 45 (which follows it) commits with previous model 0.
    await registerEpoch(44n, [{ k: 1, hashes: listOf("e44", 1) }]);
    await openEpoch(d, { ...(await openArgs(45n, 44n)), closesAt: await lineageDeadline(44n) });
    await registerExamples(d, signers[2]!, 45n, listOf("e45", 2), { mintFee: true });
    await waitForRegistrationClose(d.registry, 45n);
    await expectRevert(commitEpoch(d.settlement, 45n, bareCommit(MODEL(45)), "0x00"), "LineageNotCommitted", [44n]);
    const [commitBy44] = await d.settlement.deadlines(44n);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, commitBy44));
    await commitEpoch(d.settlement, 45n, bareCommit(MODEL(45)), "0x00");
    assert.equal((await d.settlement.epochState(45n)).previousModelHash, ZeroHash, "44 ended without a model: the lineage breaks visibly");
  });
});
