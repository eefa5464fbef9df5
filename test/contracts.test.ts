/**
 * ContributorRegistry + PayoutSettlement on a real in-process Hardhat chain with real Groth16
 * proofs of ExampleBatch(config.exampleBatch.testSize) and PayoutBatch(config.payoutBatch.testSize):
 * the happy path escrows, verifies every batch, finalizes and releases exactly the reference
 * model's rewards; every revert path is reached and named by its custom error.
 *
 * Which checks a *valid* proof can reach (the point of each contract check): a trainer who lies
 * in the tables or in the epoch's parameters still gets valid proofs of its lies, batch by batch.
 *   - RlcMismatch: a contributor table whose T_c are not the sums of their examples (here, one
 *     unit moved between two contributors, so S still matches on both sides);
 *   - ScoreSumMismatch / TotalMismatch: the example side or the payout side does not add up to S;
 *   - PoolExceeded: rewards computed against a smaller S;
 *   - CommitmentMismatch: batches proved under an r drawn from other commitments than the tables';
 *   - PaddingBeforeLastBatch: an epoch that declares more payout batches than the table fills;
 *   - PayeeNotRegistered / RegistrantCountMismatch: a contributor table with an address that did
 *     not register, or without one that did (even when every sum and the RLC still agree).
 * InvalidProof is what a wrong r, a batch of another epoch or a replayed batch meets: the contract
 * puts its own r, domain, chain and order key into the digest.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContractFactory, getAddress, JsonRpcProvider, keccak256, NonceManager, toUtf8Bytes, Wallet, type InterfaceAbi } from "ethers";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config, FIELD_MODULUS } from "../config/index.ts";
import { exampleCircuitName, payoutCircuitName, setupCircuit, type CircuitKeys } from "../circuits/index.ts";
import {
  buildEpochBatches, buildEpochWitness, buildExampleBatches, buildPayoutBatches, epochChallenge, epochDomain, registrationCommitment, splitPool, validationCommitment,
  type EpochBatches, type ExampleBatch, type ExampleScore, type PayoutBatch, type PayoutTable,
} from "../witness/index.ts";
import {
  decodeRevert, deployBareTransfers, deploySettlement, EpochStatus, exampleBatchArgs, finalizeEpoch, loadContractArtifact,
  earliestDeadline, openEpoch, openRegistration, payoutBatchArgs, readRegistrations, registerExamples, releaseBatch, revealValidation,
  submitExampleBatch, submitPayoutBatch, toSolidityProof, waitForRegistrationClose, type ContributorRegistryContract, type SettlementDeployment,
} from "../verifier-contracts/index.ts";

const E = config.exampleBatch.testSize;
const B = config.payoutBatch.testSize;
const P = FIELD_MODULUS;
const OPEN = 10n ** 18n;
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat account #0
const MODEL = (n: number) => keccak256(toUtf8Bytes(`model ${n}`));
const VALIDATION_SET = keccak256(toUtf8Bytes("validation set"));
const SALT = keccak256(toUtf8Bytes("salt"));
const VALIDATION = validationCommitment(VALIDATION_SET, SALT);

let exampleKeys: CircuitKeys;
let payoutKeys: CircuitKeys;
async function prove(keys: CircuitKeys, batch: ExampleBatch | PayoutBatch): Promise<Groth16Proof> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath);
  assert.deepEqual(publicSignals.map(BigInt), [...batch.publicSignals], "the circuit and the witness model disagree");
  return proof;
}
interface Proven extends EpochBatches {
  readonly exampleProofs: Groth16Proof[];
  readonly payoutProofs: Groth16Proof[];
}
async function proveAll(batches: EpochBatches): Promise<Proven> {
  const exampleProofs = [];
  for (const b of batches.exampleBatches) exampleProofs.push(await prove(exampleKeys, b));
  const payoutProofs = [];
  for (const b of batches.payoutBatches) payoutProofs.push(await prove(payoutKeys, b));
  return { ...batches, exampleProofs, payoutProofs };
}

/** 128-bit example hashes by label. */
const h = (label: string) => BigInt(keccak256(toUtf8Bytes(label))) >> 128n;

describe("ContributorRegistry and PayoutSettlement with real ExampleBatch and PayoutBatch proofs", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let other: (typeof signers)[number];

  async function expectRevert(call: Promise<unknown>, name: string, args?: unknown[]): Promise<void> {
    let error: unknown;
    try {
      await call;
    } catch (e) {
      error = e;
    }
    assert.ok(error !== undefined, `expected a revert with ${name}, but the call succeeded`);
    const decoded = decodeRevert(error, d.settlement.interface) ?? decodeRevert(error, d.registry.interface) ?? decodeRevert(error, d.token.interface);
    assert.equal(decoded?.name, name, `expected ${name}, got ${decoded?.name ?? (error as Error).message}`);
    if (args) assert.deepEqual([...decoded!.args], args);
  }
  const domainOf = (epoch: bigint) => epochDomain(d.chainId, d.addresses.settlement, epoch);
  const now = async () => BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp);

  /** Contributor k's claims: signers 1..6; examples shared between 1 and 3, negative scores. */
  function claimsOf(tag: string): ExampleScore[] {
    const c = (k: number) => BigInt(signers[k]!.address);
    const rows: ExampleScore[] = [];
    for (let k = 1; k <= 6; k++) {
      // Contributor 6's own examples all hurt the model: with its duplicate credited to 2, T_6 = 0.
      const score = (j: number) => (k === 6 ? -BigInt(j + 1) * 1000n : BigInt(((k * 7 + j * 13) % 19) - 4) * 1_000_003n);
      for (let j = 0; j < 3; j++) rows.push({ hash: h(`${tag}-${k}-${j}`), contributor: c(k), score: score(j) });
    }
    // Duplicates: two examples claimed by contributors 1 and 3, one by 2, 5 and 6.
    for (const [label, score] of [["dup-a", 5_000_000n], ["dup-b", -2_000_000n]] as const) {
      rows.push({ hash: h(`${tag}-${label}`), contributor: c(1), score }, { hash: h(`${tag}-${label}`), contributor: c(3), score });
    }
    for (const k of [2, 5, 6]) rows.push({ hash: h(`${tag}-dup-c`), contributor: c(k), score: 3_000_000n });
    return rows;
  }

  /**
   * Opens registration, registers signers in the order 3, 1, 2, 4, 5, 6 (each minted and paying its
   * fee), moves the clock past the deadline; returns the witness.
   */
  async function registerEpoch(epoch: bigint, claims: ExampleScore[], pool: bigint) {
    await openRegistration(d.registry, epoch, await earliestDeadline(d.registry), VALIDATION);
    for (const k of [3, 1, 2, 4, 5, 6]) {
      const address = BigInt(signers[k]!.address);
      const hashes = claims.filter((c) => c.contributor === address).map((c) => c.hash);
      await registerExamples(d, signers[k]!, epoch, hashes, { mintFee: true });
    }
    await waitForRegistrationClose(d.registry, epoch);
    const registrations = await readRegistrations(d.registry, epoch);
    return buildEpochWitness({ examples: claims, registrations, pool, domain: domainOf(epoch), exampleBatchSize: E, payoutBatchSize: B, config });
  }
  const open = (epoch: bigint, batches: EpochBatches, total: bigint, pool: bigint, model = 1) =>
    openEpoch(d, {
      epoch, pool, total, exampleBatches: batches.exampleBatches.length, payoutBatches: batches.payoutBatches.length,
      commitExamples: batches.commitExamples, commitContributors: batches.commitContributors, modelHash: MODEL(model),
    });
  async function submitAll(epoch: bigint, p: Proven): Promise<void> {
    for (const [i, b] of p.exampleBatches.entries()) await submitExampleBatch(d.settlement, epoch, b, p.exampleProofs[i]!);
    for (const [i, b] of p.payoutBatches.entries()) await submitPayoutBatch(d.settlement, epoch, b, p.payoutProofs[i]!);
  }

  const POOL1 = 1000n * OPEN + 7n;
  let w1: Awaited<ReturnType<typeof registerEpoch>>;
  let p1: Proven;
  const gas: bigint[] = [];

  before(async () => {
    [exampleKeys, payoutKeys] = [await setupCircuit(exampleCircuitName(E)), await setupCircuit(payoutCircuitName(B))];
    conn = await network.create();
    signers = await conn.ethers.getSigners();
    other = signers[9]!;
    d = await deploySettlement(signers[0]!, {
      exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize: E, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize: B,
    });
    await (await d.token.mint(signers[0]!.address, 1_000_000n * OPEN)).wait();
  });

  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("registration: once per contributor, only while open; an epoch opens only after it closed", async () => {
    const r = d.registry;
    const as = (k: number) => r.connect(signers[k]!) as typeof r;
    await expectRevert(as(1).register(1n, VALIDATION, 3), "RegistrationNotOpened", [1n]);
    await expectRevert(as(1).openRegistration(1n, (await now()) + 100n, VALIDATION), "OwnableUnauthorizedAccount", [signers[1]!.address]);
    await expectRevert(r.openRegistration(1n, await now(), VALIDATION), "DeadlineInThePast");
    w1 = await registerEpoch(1n, claimsOf("e1"), POOL1);
    await expectRevert(as(7).register(1n, VALIDATION, 3), "RegistrationClosed");
    await expectRevert(r.openRegistration(1n, (await now()) + 100n, VALIDATION), "RegistrationAlreadyOpened", [1n]);
    assert.equal(r.interface.getFunction("closeRegistration"), null, "no early close");

    await openRegistration(r, 2n, (await now()) + 3600n, VALIDATION);
    await registerExamples(d, signers[1]!, 2n, [h("e2-1")], { mintFee: true });
    await expectRevert(as(1).register(2n, VALIDATION, 1), "AlreadyRegistered", [2n, signers[1]!.address]);
    await expectRevert(as(2).register(2n, VALIDATION, 0), "NoExamples");
    await expectRevert(open(2n, w1, w1.contributorTable.total, POOL1), "RegistrationStillOpen", [2n]);

    const regs = await readRegistrations(r, 1n);
    assert.deepEqual(regs.map((x) => getAddress(`0x${x.contributor.toString(16).padStart(40, "0")}`)), [3, 1, 2, 4, 5, 6].map((k) => signers[k]!.address));
    assert.equal(await r.validationCommitment(1n), VALIDATION);
  });

  it("registration rules: a minimum window and no early close, caps on registrants and examples, a fee burned per example", async () => {
    const artifact = await loadContractArtifact("ContributorRegistry");
    const deployRegistry = async (fee: bigint, window: number, maxRegistrants: number, maxExamples: number, maxPerEpoch = 4) => {
      const c = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signers[0]!).deploy(d.addresses.token, fee, window, maxRegistrants, maxExamples, maxPerEpoch);
      await c.waitForDeployment();
      return c as unknown as ContributorRegistryContract;
    };
    const FEE = 3n * 10n ** 15n;
    const r = await deployRegistry(FEE, 600, 2, 3);
    // Signers 11 and up: none of them is a payee of the epochs below.
    const as = (k: number) => r.connect(signers[k]!) as typeof r;
    const burn = await (r as unknown as { BURN_ADDRESS(): Promise<string> }).BURN_ADDRESS();
    assert.equal(burn, "0x000000000000000000000000000000000000dEaD");
    // The window: a deadline closer than minRegistrationWindow is refused, and nothing closes it early.
    const t0 = await now();
    await expectRevert(r.openRegistration(1n, t0 + 100n, VALIDATION), "RegistrationWindowTooShort");
    await openRegistration(r, 1n, t0 + 700n, VALIDATION);
    assert.equal(await r.registrationClosed(1n), false);
    // Caps: examples per registrant, then registrants per epoch.
    await expectRevert(as(11).register(1n, VALIDATION, 4), "TooManyExamples", [4n, 3n]);
    // The fee: refused without allowance, then moved from the registrant to the burn address.
    await (await d.token.mint(signers[11]!.address, 3n * FEE)).wait();
    await expectRevert(as(11).register(1n, VALIDATION, 3), "FeeNotApproved", [signers[11]!.address, 3n * FEE, 0n]);
    const [ownerBefore, burnBefore] = [await d.token.balanceOf(signers[0]!.address), await d.token.balanceOf(burn)];
    await registerExamples({ token: d.token, registry: r }, signers[11]!, 1n, [h("fee-1"), h("fee-2"), h("fee-3")]);
    assert.equal(await d.token.balanceOf(signers[11]!.address), 0n, "the registrant paid 3 x fee");
    assert.equal((await d.token.balanceOf(burn)) - burnBefore, 3n * FEE, "burned");
    assert.equal(await d.token.balanceOf(signers[0]!.address), ownerBefore, "nothing to the owner");
    await registerExamples({ token: d.token, registry: r }, signers[12]!, 1n, [h("fee-4")], { mintFee: true });
    await (await d.token.mint(signers[14]!.address, FEE)).wait();
    await (await (d.token.connect(signers[14]!) as typeof d.token).approve(await r.getAddress(), FEE)).wait();
    await expectRevert(as(14).register(1n, VALIDATION, 1), "TooManyRegistrants", [1n, 2n]);
    await waitForRegistrationClose(r, 1n);
    assert.equal(await r.registrationClosed(1n), true);
    await expectRevert(as(14).register(1n, VALIDATION, 1), "RegistrationClosed");

    // Fee 0: no approval needed, nothing moves.
    const free = await deployRegistry(0n, 60, 5, 5, 7);
    await openRegistration(free, 1n, await earliestDeadline(free), VALIDATION);
    const balance = await d.token.balanceOf(signers[15]!.address);
    await (await (free.connect(signers[15]!) as typeof free).register(1n, VALIDATION, 5)).wait();
    assert.equal(await d.token.balanceOf(signers[15]!.address), balance);
    // The epoch's cap on declared examples (found by review: Sybils under the per-registrant cap
    // could otherwise declare more examples than 65,535 batches hold and make the epoch unopenable).
    await expectRevert((free.connect(signers[16]!) as typeof free).register(1n, VALIDATION, 3), "TooManyExamplesInEpoch", [1n, 7n]);
    await (await (free.connect(signers[16]!) as typeof free).register(1n, VALIDATION, 2)).wait();

    // The registrant cap stays below the circuits' contributor index width, at deployment.
    const tooMany = 2 ** config.widths.contributorIndexBits;
    await expectRevert(deployRegistry(0n, 60, tooMany, 5), "InvalidRegistrationParams", ["maxRegistrants"]);
    await expectRevert(deployRegistry(0n, 0, 5, 5), "InvalidRegistrationParams", ["minRegistrationWindow"]);
    await expectRevert(deployRegistry(0n, 60, 5, 5, 4), "InvalidRegistrationParams", ["maxExamplesPerEpoch"]);
    const verifiers = { exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize: E, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize: B };
    await assert.rejects(deploySettlement(signers[0]!, { ...verifiers, registration: { ...config.registration, maxRegistrants: tooMany } }), { name: "RangeError", message: /maxRegistrants/ });
    // Both caps must fit the 65,535 batches per table an epoch takes: the TypeScript check, then
    // the settlement's constructor itself (for a deployment made by other means).
    await assert.rejects(deploySettlement(signers[0]!, { ...verifiers, registration: { ...config.registration, maxExamplesPerEpoch: 65_535 * E + 1 } }), { name: "RangeError", message: /maxExamplesPerEpoch/ });
    await assert.rejects(deploySettlement(signers[0]!, { ...verifiers, registration: { ...config.registration, maxRegistrants: 65_535 * B + 1 } }), { name: "RangeError", message: /maxRegistrants/ });
    const wide = await deployRegistry(0n, 60, 5, 5, 65_535 * E + 1);
    const settlementArtifact = await loadContractArtifact("PayoutSettlement");
    await expectRevert(
      new ContractFactory(settlementArtifact.abi as InterfaceAbi, settlementArtifact.bytecode, signers[0]!).deploy(d.addresses.token, await wide.getAddress(), d.addresses.exampleVerifier, E, d.addresses.payoutVerifier, B),
      "RegistryCapsExceedBatches", [BigInt(65_535 * E + 1), 5n],
    );
  });

  it("the witness credits each duplicate to its earliest registrant and clips negative scores", () => {
    const [c1, c2, c3] = [1, 2, 3].map((k) => BigInt(signers[k]!.address));
    assert.equal(w1.duplicates.length, 3);
    for (const dup of w1.duplicates) {
      if (dup.alsoClaimedBy.length === 1) {
        assert.equal(dup.creditedTo, c3, "3 registered before 1");
        assert.equal(dup.alsoClaimedBy[0]!.contributor, c1);
      } else {
        assert.equal(dup.creditedTo, c2, "2 registered before 5 and 6");
      }
    }
    assert.equal(w1.exampleTable.length, 6 * 3 + 3);
    assert.equal(w1.contributorTable.total, w1.exampleTable.reduce((s, e) => s + (e.score > 0n ? e.score : 0n), 0n));
    assert.ok(w1.exampleTable.some((e) => e.score < 0n));
    assert.equal(w1.exampleBatches.length, Math.ceil(21 / E));
    assert.equal(w1.payoutBatches.length, 2);
  });

  it("opens epoch 1: escrows R, draws r from both commitments, records the model lineage", async () => {
    const s = d.settlement;
    p1 = await proveAll(w1);
    const params = {
      pool: POOL1, total: w1.contributorTable.total, exampleBatches: 3, payoutBatches: 2,
      commitExamples: w1.commitExamples, commitContributors: w1.commitContributors, modelHash: MODEL(1),
    };
    await expectRevert(s.openEpoch(1n, { ...params, total: 0n }), "TotalOutOfRange", [0n]);
    await expectRevert(s.openEpoch(1n, { ...params, pool: 1n << 93n }), "PoolOutOfRange", [1n << 93n]);
    await expectRevert(s.openEpoch(1n, { ...params, payoutBatches: 0 }), "BatchCountOutOfRange", [0n]);
    await expectRevert(s.openEpoch(1n, { ...params, commitExamples: P }), "NonReducedFieldElement", [P]);
    await expectRevert((s.connect(other) as typeof s).openEpoch(1n, params), "OwnableUnauthorizedAccount", [other.address]);
    await expectRevert((s.connect(other) as typeof s).finalize(1n), "EpochNotOpen", [1n]);
    // Before the tables (every score) are committed, the validation set stays hidden.
    await expectRevert(revealValidation(s, 1n, { validationSetHash: VALIDATION_SET, salt: SALT }), "EpochNotOpen", [1n]);
    const receipt = await open(1n, w1, w1.contributorTable.total, POOL1);
    const logs = receipt.logs.filter((l) => l.address === d.addresses.settlement).map((l) => s.interface.parseLog(l)!);
    assert.deepEqual(logs.map((l) => l.name), ["EpochOpened", "ModelLineage"]);
    assert.equal(logs[0]!.args.r, w1.r);
    assert.equal(await s.challenge(1n, w1.commitExamples, w1.commitContributors), epochChallenge(w1.commitExamples, w1.commitContributors, domainOf(1n)));
    assert.deepEqual([...logs[1]!.args], [1n, MODEL(1), VALIDATION, `0x${"0".repeat(64)}`]);
    assert.equal(await s.latestModelHash(), MODEL(1));
    assert.equal(await d.token.balanceOf(d.addresses.settlement), POOL1);
    await expectRevert(open(1n, w1, w1.contributorTable.total, POOL1), "EpochAlreadyOpen", [1n]);
  });

  it("the validation set is revealed by the owner only, against the registry's commitment", async () => {
    const s = d.settlement;
    const wrongSalt = keccak256(toUtf8Bytes("another salt"));
    const wrongSet = keccak256(toUtf8Bytes("another validation set"));
    await expectRevert(revealValidation(s, 1n, { validationSetHash: VALIDATION_SET, salt: wrongSalt }), "ValidationRevealMismatch", [VALIDATION, validationCommitment(VALIDATION_SET, wrongSalt)]);
    await expectRevert(revealValidation(s, 1n, { validationSetHash: wrongSet, salt: SALT }), "ValidationRevealMismatch", [VALIDATION, validationCommitment(wrongSet, SALT)]);
    await expectRevert(revealValidation(s.connect(other) as typeof s, 1n, { validationSetHash: VALIDATION_SET, salt: SALT }), "OwnableUnauthorizedAccount", [other.address]);
    assert.equal((await s.epochState(1n)).validationRevealed, false);
    await assert.rejects(revealValidation(s, 1n, { validationSetHash: VALIDATION_SET, salt: "0x12" }), { name: "TypeError", message: /salt/ });
  });

  it("rejects batches out of order, of the wrong length, under a wrong r, or from another epoch", async () => {
    const s = d.settlement;
    await expectRevert(s.submitExampleBatch(...exampleBatchArgs(1n, p1.exampleBatches[1]!, p1.exampleProofs[1]!)), "BatchOutOfOrder", [0n, 1n]);
    await expectRevert(s.submitPayoutBatch(...payoutBatchArgs(1n, p1.payoutBatches[1]!, p1.payoutProofs[1]!)), "BatchOutOfOrder", [0n, 1n]);
    const beyond = exampleBatchArgs(1n, p1.exampleBatches[0]!, p1.exampleProofs[0]!);
    beyond[1] = 9;
    await expectRevert(s.submitExampleBatch(...beyond), "BatchIndexOutOfRange", [9n]);
    const short = payoutBatchArgs(1n, p1.payoutBatches[0]!, p1.payoutProofs[0]!);
    short[3] = short[3].slice(0, B - 1);
    await expectRevert(s.submitPayoutBatch(...short), "WrongBatchLength", [BigInt(B), BigInt(B - 1)]);
    // The same tables proved under another r: valid proofs, but the contract puts the epoch's r in V.
    const [first] = buildExampleBatches(w1.exampleTable, domainOf(1n), w1.r + 1n, E, config);
    await expectRevert(submitExampleBatch(s, 1n, first!, await prove(exampleKeys, first!)), "InvalidProof");
    // A claim that is not the proof's.
    const bumped = exampleBatchArgs(1n, p1.exampleBatches[0]!, p1.exampleProofs[0]!);
    bumped[2] = { ...bumped[2], scoreSum: BigInt(bumped[2].scoreSum) - 1n };
    await expectRevert(s.submitExampleBatch(...bumped), "InvalidProof");
    const outOfRange = exampleBatchArgs(1n, p1.exampleBatches[0]!, p1.exampleProofs[0]!);
    outOfRange[2] = { ...outOfRange[2], hashOut: 1n << 128n };
    await expectRevert(s.submitExampleBatch(...outOfRange), "HashOutOfRange", [1n << 128n]);
    const aliased = payoutBatchArgs(1n, p1.payoutBatches[0]!, p1.payoutProofs[0]!);
    aliased[3] = [aliased[3][0]! + P, ...aliased[3].slice(1)];
    await expectRevert(s.submitPayoutBatch(...aliased), "NonReducedFieldElement", [p1.payoutBatches[0]!.words[0]! + P]);
    const proof = toSolidityProof(p1.payoutProofs[1]!);
    const swapped = payoutBatchArgs(1n, p1.payoutBatches[0]!, p1.payoutProofs[0]!);
    swapped[4] = { a: proof.a, b: proof.b, c: proof.c };
    await expectRevert(s.submitPayoutBatch(...swapped), "InvalidProof");
  });

  it("pays nothing until every batch is verified and the epoch is finalized; then releases each batch once", async () => {
    const s = d.settlement;
    const rows = w1.contributorTable.rows;
    await expectRevert(s.finalize(1n), "BatchesMissing", [0n, BigInt(p1.exampleBatches.length), 0n, 2n]);
    await expectRevert(releaseBatch(s, 1n, p1.payoutBatches[0]!), "EpochNotFinalized", [1n]);
    // Only the owner, who committed the tables, submits batches (anyone may finalize and release).
    await expectRevert(submitPayoutBatch(s.connect(other) as typeof s, 1n, p1.payoutBatches[0]!, p1.payoutProofs[0]!), "OwnableUnauthorizedAccount", [other.address]);
    await expectRevert(submitExampleBatch(s.connect(other) as typeof s, 1n, p1.exampleBatches[0]!, p1.exampleProofs[0]!), "OwnableUnauthorizedAccount", [other.address]);
    // All payout batches and all but the last example batch: still nothing can be paid.
    for (const [i, b] of p1.payoutBatches.entries()) gas.push((await submitPayoutBatch(s, 1n, b, p1.payoutProofs[i]!)).gasUsed);
    const last = p1.exampleBatches.length - 1;
    for (const [i, b] of p1.exampleBatches.entries()) if (i < last) gas.push((await submitExampleBatch(s, 1n, b, p1.exampleProofs[i]!)).gasUsed);
    await expectRevert(s.finalize(1n), "BatchesMissing", [BigInt(last), BigInt(last + 1), 2n, 2n]);
    await expectRevert(releaseBatch(s, 1n, p1.payoutBatches[0]!), "EpochNotFinalized", [1n]);
    for (const row of rows) assert.equal(await d.token.balanceOf(getAddress(`0x${row.address.toString(16).padStart(40, "0")}`)), 0n);
    await expectRevert(submitPayoutBatch(s, 1n, p1.payoutBatches[0]!, p1.payoutProofs[0]!), "BatchAlreadyVerified", [1n, 0n]);
    gas.push((await submitExampleBatch(s, 1n, p1.exampleBatches[last]!, p1.exampleProofs[last]!)).gasUsed);

    // Complete and consistent, but the validation set is still hidden: not paid, still cancellable.
    await expectRevert(s.finalize(1n), "ValidationNotRevealed", [1n]);
    const reveal = await revealValidation(s, 1n, { validationSetHash: VALIDATION_SET, salt: SALT });
    gas.push(reveal.gasUsed);
    const revealed = reveal.logs.map((l) => s.interface.parseLog(l)).filter((l) => l?.name === "ValidationRevealed");
    assert.deepEqual(revealed.map((l) => [...l!.args]), [[1n, VALIDATION_SET, SALT]]);
    await expectRevert(revealValidation(s, 1n, { validationSetHash: VALIDATION_SET, salt: SALT }), "ValidationAlreadyRevealed", [1n]);

    const state = await s.epochState(1n);
    assert.equal(state.rlcDiff, 0n);
    assert.equal(state.validationRevealed, true);
    // Complete, consistent and revealed: the owner can no longer take the pool back; anyone may finalize.
    await expectRevert(s.cancelEpoch(1n), "EpochFinalizable", [1n]);
    assert.equal(state.scoreSum, w1.contributorTable.total);
    const fin = await finalizeEpoch(s.connect(other) as typeof s, 1n);
    gas.push(fin.gasUsed);
    assert.equal((await s.epochState(1n)).status, EpochStatus.Finalized);
    await expectRevert(s.cancelEpoch(1n), "EpochNotCancellable", [1n]);
    await expectRevert(s.finalize(1n), "EpochNotOpen", [1n]);
    await expectRevert(s.release(1n, 0, [...p1.payoutBatches[1]!.words]), "WordsMismatch");
    for (const b of p1.payoutBatches) gas.push((await releaseBatch(s.connect(other) as typeof s, 1n, b)).gasUsed);
    await expectRevert(releaseBatch(s, 1n, p1.payoutBatches[0]!), "AlreadyReleased", [1n, 0n]);
    await expectRevert(s.release(1n, 2, []), "BatchIndexOutOfRange", [2n]);
    for (const row of rows) assert.equal(await d.token.balanceOf(getAddress(`0x${row.address.toString(16).padStart(40, "0")}`)), row.reward);
    assert.ok(rows.some((row) => row.amount === 0n), "a contributor whose only examples went to an earlier registrant or were negative");
    assert.equal(await d.token.balanceOf(d.addresses.settlement), w1.contributorTable.dust);
    assert.equal((await s.epochState(1n)).released, 2n);
  });

  it("epoch 1's proofs do not verify in another epoch: the domain binds it", async () => {
    const w = await registerEpoch(3n, claimsOf("e1"), POOL1);
    await open(3n, w, w.contributorTable.total, POOL1, 3);
    await expectRevert(submitExampleBatch(d.settlement, 3n, p1.exampleBatches[0]!, p1.exampleProofs[0]!), "InvalidProof");
    await expectRevert(submitPayoutBatch(d.settlement, 3n, p1.payoutBatches[0]!, p1.payoutProofs[0]!), "InvalidProof");
    // The way out for an epoch that cannot be completed: the owner cancels before finalization.
    await expectRevert((d.settlement.connect(other) as typeof d.settlement).cancelEpoch(3n), "OwnableUnauthorizedAccount", [other.address]);
    const before = await d.token.balanceOf(signers[0]!.address);
    await (await d.settlement.cancelEpoch(3n)).wait();
    assert.equal(await d.token.balanceOf(signers[0]!.address), before + POOL1);
    await expectRevert(d.settlement.cancelEpoch(3n), "EpochNotCancellable", [3n]);
    await expectRevert(submitExampleBatch(d.settlement, 3n, p1.exampleBatches[0]!, p1.exampleProofs[0]!), "EpochNotOpen", [3n]);
  });

  /** A lying trainer: proves its own tables honestly, batch by batch; returns the proven batches. */
  async function lyingEpoch(epoch: bigint, mutate: (exampleTable: typeof w1.exampleTable, table: PayoutTable) => [typeof w1.exampleTable, PayoutTable]) {
    const w = await registerEpoch(epoch, claimsOf(`e${epoch}`), POOL1);
    const [examples, table] = mutate(w.exampleTable, w.contributorTable);
    return { w, p: await proveAll(buildEpochBatches(examples, table, domainOf(epoch), E, B, config)) };
  }

  it("a T_c off by one (one unit moved between contributors, S unchanged): RlcMismatch at finalize", async () => {
    const { w, p } = await lyingEpoch(4n, (examples, table) => {
      const moved = table.rows.map((row, i) => ({ address: row.address, amount: row.amount + (i === 0 ? 1n : 0n) - (i === 1 ? 1n : 0n) }));
      assert.ok(table.rows[1]!.amount > 0n, "the fixture needs a positive T_1");
      return [examples, splitPool(moved, POOL1, config)];
    });
    await open(4n, p, w.contributorTable.total, POOL1);
    await submitAll(4n, p);
    const diff = (await d.settlement.epochState(4n)).rlcDiff;
    assert.notEqual(diff, 0n);
    await expectRevert(d.settlement.finalize(4n), "RlcMismatch", [diff]);
  });

  it("S different on the two sides: ScoreSumMismatch (examples) and TotalMismatch (payouts)", async () => {
    // Payout side sums to S + 1 (one contributor + 1): the example side proves S.
    const { w, p } = await lyingEpoch(5n, (examples, table) => {
      const more = table.rows.map((row, i) => ({ address: row.address, amount: row.amount + (i === 0 ? 1n : 0n) }));
      return [examples, splitPool(more, POOL1, config)];
    });
    await open(5n, p, w.contributorTable.total + 1n, POOL1);
    await submitAll(5n, p);
    await expectRevert(d.settlement.finalize(5n), "ScoreSumMismatch", [w.contributorTable.total + 1n, w.contributorTable.total]);
    // Payouts proved against the epoch's S but with amounts summing to S + 1: the running sum
    // overshoots at the last batch. R = 1 makes every reward 0, so only S can object.
    const { w: w6, p: p6 } = await lyingEpoch(6n, (examples, table) => {
      const rows = table.rows.map((row, i) => {
        const amount = row.amount + (i === 0 ? 1n : 0n);
        return { address: row.address, amount, reward: amount / table.total, remainder: amount % table.total };
      });
      return [examples, { pool: 1n, total: table.total, rows, dust: 1n }];
    });
    await open(6n, p6, w6.contributorTable.total, 1n);
    for (const [i, b] of p6.exampleBatches.entries()) await submitExampleBatch(d.settlement, 6n, b, p6.exampleProofs[i]!);
    await submitPayoutBatch(d.settlement, 6n, p6.payoutBatches[0]!, p6.payoutProofs[0]!);
    await expectRevert(submitPayoutBatch(d.settlement, 6n, p6.payoutBatches[1]!, p6.payoutProofs[1]!), "TotalMismatch", [w6.contributorTable.total, w6.contributorTable.total + 1n]);
  });

  it("rewards computed against a smaller S: PoolExceeded, whatever else the contract holds", async () => {
    const { w, p } = await lyingEpoch(7n, (examples, table) => {
      const small = table.total / 2n;
      const rows = table.rows.map((r) => ({ ...r, reward: (table.pool * r.amount) / small, remainder: (table.pool * r.amount) % small }));
      return [examples, { ...table, total: small, rows }];
    });
    await open(7n, p, w.contributorTable.total / 2n, POOL1);
    let error: unknown;
    try {
      for (const [i, b] of p.payoutBatches.entries()) await submitPayoutBatch(d.settlement, 7n, b, p.payoutProofs[i]!);
    } catch (e) {
      error = e;
    }
    assert.equal(decodeRevert(error, d.settlement.interface)?.name, "PoolExceeded");
  });

  it("a payout to an address that did not register: PayeeNotRegistered", async () => {
    const stranger = 0x1234n; // below every signer's address: row 0 of batch 0
    const { p } = await lyingEpoch(10n, (examples, table) => [
      examples, splitPool([{ address: stranger, amount: 0n }, ...table.rows.map((r) => ({ address: r.address, amount: r.amount }))], POOL1, config),
    ]);
    await open(10n, p, p.payoutBatches.reduce((s, b) => s + b.amountSum, 0n), POOL1);
    await expectRevert(submitPayoutBatch(d.settlement, 10n, p.payoutBatches[0]!, p.payoutProofs[0]!), "PayeeNotRegistered", [10n, getAddress("0x0000000000000000000000000000000000001234")]);
  });

  it("a contributor table that leaves a registrant out (sums and RLC still consistent): RegistrantCountMismatch", async () => {
    const { w, p } = await lyingEpoch(11n, (examples, table) => {
      const dropped = table.rows.findIndex((r) => r.amount === 0n);
      assert.ok(dropped >= 0);
      const kept = table.rows.filter((_, i) => i !== dropped);
      const newIndex = (old: number) => (old < dropped ? old : old === dropped ? 0 : old - 1);
      // The dropped contributor's examples all clip to 0, so moving them to row 0 changes no sum.
      assert.ok(examples.every((e) => e.contributor !== dropped || e.score <= 0n));
      return [examples.map((e) => ({ ...e, contributor: newIndex(e.contributor) })), splitPool(kept.map((r) => ({ address: r.address, amount: r.amount })), POOL1, config)];
    });
    await open(11n, p, w.contributorTable.total, POOL1);
    for (const [i, b] of p.exampleBatches.entries()) await submitExampleBatch(d.settlement, 11n, b, p.exampleProofs[i]!);
    await submitPayoutBatch(d.settlement, 11n, p.payoutBatches[0]!, p.payoutProofs[0]!);
    await expectRevert(submitPayoutBatch(d.settlement, 11n, p.payoutBatches[1]!, p.payoutProofs[1]!), "RegistrantCountMismatch", [6n, 5n]);
  });

  it("batches proved under an r drawn from other commitments: CommitmentMismatch at finalize", async () => {
    const w = await registerEpoch(8n, claimsOf("e8"), POOL1);
    const fakeCommit = w.commitExamples + 1n;
    const r = epochChallenge(fakeCommit, w.commitContributors, domainOf(8n));
    const batches: EpochBatches = {
      commitExamples: fakeCommit, commitContributors: w.commitContributors, r,
      exampleBatches: buildExampleBatches(w.exampleTable, domainOf(8n), r, E, config),
      payoutBatches: buildPayoutBatches(w.contributorTable, domainOf(8n), r, B, config),
    };
    const p = await proveAll(batches);
    await open(8n, p, w.contributorTable.total, POOL1);
    await submitAll(8n, p);
    await expectRevert(d.settlement.finalize(8n), "CommitmentMismatch", [r, w.r]);
  });

  it("a valid payout batch with padding that is not the epoch's last: PaddingBeforeLastBatch", async () => {
    const w = await registerEpoch(9n, claimsOf("e9"), POOL1);
    await openEpoch(d, {
      epoch: 9n, pool: POOL1, total: w.contributorTable.total, exampleBatches: w.exampleBatches.length, payoutBatches: 3,
      commitExamples: w.commitExamples, commitContributors: w.commitContributors, modelHash: MODEL(9),
    });
    const proofs = [];
    for (const b of w.payoutBatches) proofs.push(await prove(payoutKeys, b));
    await submitPayoutBatch(d.settlement, 9n, w.payoutBatches[0]!, proofs[0]!);
    await expectRevert(submitPayoutBatch(d.settlement, 9n, w.payoutBatches[1]!, proofs[1]!), "PaddingBeforeLastBatch", [9n, 1n]);
  });

  it("refuses verifiers of another circuit or size at deployment", async () => {
    const verifiers = { exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize: E, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize: B };
    await assert.rejects(deploySettlement(signers[0]!, { ...verifiers, payoutBatchSize: B + 1 }), { name: "RangeError", message: /does not match the verifier/ });
    await assert.rejects(deploySettlement(signers[0]!, { ...verifiers, exampleVerifier: payoutKeys.verifierArtifact }), { name: "RangeError" });
    const artifact = await loadContractArtifact("PayoutSettlement");
    const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signers[0]!);
    const a = d.addresses;
    await expectRevert(factory.deploy(a.token, a.registry, a.exampleVerifier, 0, a.payoutVerifier, B), "InvalidBatchSize", [0n]);
  });

  it("reports gas of the full flow per contributor next to bare ERC-20 transfers", async (t) => {
    const rows = w1.contributorTable.rows.length;
    const paid = w1.contributorTable.rows.filter((r) => r.reward > 0n).length;
    const bare = await deployBareTransfers(signers[0]!);
    await (await d.token.transfer(await bare.getAddress(), 10n * OPEN)).wait();
    const to = Array.from({ length: paid }, (_, i) => getAddress(`0x${(BigInt(keccak256(toUtf8Bytes(`bare-${i}`))) >> 96n).toString(16).padStart(40, "0")}`));
    const bareReceipt = await (await bare.distribute(d.addresses.token, to, to.map(() => OPEN))).wait();
    const total = gas.reduce((a, b) => a + b, 0n);
    t.diagnostic(`E=${E}, B=${B}: ${p1.exampleBatches.length} example + ${p1.payoutBatches.length} payout batches, validation reveal, finalize, 2 releases: ${total} gas, ${total / BigInt(rows)} per contributor`);
    t.diagnostic(`bare SafeERC20 loop to ${paid} new holders: ${bareReceipt!.gasUsed / BigInt(paid)} gas each`);
    assert.ok(gas.every((g) => g < 450_000n), `every transaction under 450k gas: ${gas.join(", ")}`);
  });

  it("deploys and settles over JSON-RPC with a plain ethers Wallet", async () => {
    const server = await network.createServer();
    const { address, port } = await server.listen();
    const provider = new JsonRpcProvider(`http://${address}:${port}`, undefined, { staticNetwork: true, pollingInterval: 50 });
    try {
      const wallet = new NonceManager(new Wallet(DEV_KEY, provider));
      const rpc = await deploySettlement(wallet, {
        exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize: E, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize: B,
      });
      assert.equal(await rpc.settlement.owner(), getAddress(await wallet.getAddress()));
      assert.equal(await rpc.registry.owner(), getAddress(await wallet.getAddress()));
    } finally {
      provider.destroy();
      await server.close();
    }
  });
});

describe("toSolidityProof", () => {
  it("swaps each G2 coordinate pair and rejects coordinates outside the base field", () => {
    const proof = { pi_a: ["1", "2", "1"], pi_b: [["3", "4"], ["5", "6"], ["1", "0"]], pi_c: ["7", "8", "1"] };
    assert.deepEqual(toSolidityProof(proof), { a: [1n, 2n], b: [[4n, 3n], [6n, 5n]], c: [7n, 8n] });
    const big = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
    assert.throws(() => toSolidityProof({ ...proof, pi_c: [big, "1", "1"] }), { name: "RangeError", message: /pi_c\[0\]/ });
    assert.throws(() => toSolidityProof({ ...proof, pi_a: ["1", "2", "3"] }), { name: "RangeError", message: /pi_a\[2\]/ });
    assert.throws(() => toSolidityProof({ ...proof, pi_b: [["x", "4"], ["5", "6"]] }), { name: "TypeError", message: /pi_b\[0\]\[0\]/ });
  });
});
