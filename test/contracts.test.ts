/**
 * PayoutSettlement on a real in-process Hardhat chain with real Groth16 proofs of
 * PayoutBatch(config.payoutBatch.testSize): the happy path pays exactly the reference model's
 * rewards, and every revert path is reached and named by its custom error. Each proof is made once.
 *
 * Which checks a *valid* proof can reach (the point of each contract check):
 *   - PoolExceeded and TotalMismatch: yes. The circuit takes the epoch's S as given; a trainer who
 *     opens the epoch with S smaller than the true sum gets valid proofs of inflated rewards
 *     (PoolExceeded) or of amounts that overshoot S before the last batch (TotalMismatch at once);
 *     with S larger, valid proofs whose amounts never reach S (TotalMismatch at the last batch).
 *     Only a batch whose amounts overshoot S can overspend the pool: the floor split of R over
 *     amounts summing to at most S pays at most R.
 *   - PaddingBeforeLastBatch: yes, when the epoch declares more batches than the table fills.
 *   - NonReducedFieldElement for a word or amountSum: yes; the digest reduces mod p, so a proof of
 *     the same witness at the challenge of the aliased value verifies (shown below).
 *   - NonReducedFieldElement for chainOut: no. chainOut is a public signal, and the generated
 *     verifier returns false for any signal >= p; the contract's own check only names the cause.
 *   - BatchAlreadySettled, EpochAlreadySettled, BatchOutOfOrder, WrongBatchLength, EpochNotOpen:
 *     yes, they are about which proof is submitted where, not about the proof.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContractFactory, getAddress, JsonRpcProvider, keccak256, NonceManager, toUtf8Bytes, Wallet, type InterfaceAbi } from "ethers";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config, FIELD_MODULUS } from "../config/index.ts";
import { payoutCircuitName, setupCircuit, type CircuitKeys } from "../circuits/index.ts";
import {
  buildPayoutBatches, digestChallenge, epochDomain, hornerDigest, splitPool,
  type ContributorTotal, type PayoutBatch, type PayoutTable,
} from "../witness/index.ts";
import {
  decodeRevert, deployBareTransfers, deploySettlement, loadContractArtifact, openEpoch, submitBatch, submitBatchArgs,
  toSolidityProof, type SettlementDeployment,
} from "../verifier-contracts/index.ts";

const B = config.payoutBatch.testSize;
const P = FIELD_MODULUS;
const OPEN = 10n ** 18n;
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat account #0

/** A deterministic 160-bit address per label. */
function addressOf(label: string): bigint {
  return BigInt(keccak256(toUtf8Bytes(label))) >> 96n;
}
const hex = (address: bigint) => getAddress(`0x${address.toString(16).padStart(40, "0")}`);
const contributors = (n: number, tag: string, amount: (i: number) => bigint): ContributorTotal[] =>
  Array.from({ length: n }, (_, i) => ({ address: addressOf(`${tag}-${i}`), amount: amount(i) }));

/** The floor split against a declared total that may differ from the true sum (a lying trainer). */
function splitWithDeclaredTotal(rows: readonly ContributorTotal[], pool: bigint, total: bigint): PayoutTable {
  const sorted = [...rows].sort((a, b) => (a.address < b.address ? -1 : 1));
  const out = sorted.map((r) => ({ ...r, reward: (pool * r.amount) / total, remainder: (pool * r.amount) % total }));
  return { pool, total, rows: out, dust: pool - out.reduce((s, r) => s + r.reward, 0n) };
}

let keys: CircuitKeys;
async function prove(input: PayoutBatch["input"]): Promise<{ proof: Groth16Proof; signals: bigint[] }> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, keys.wasmPath, keys.zkeyPath);
  return { proof, signals: publicSignals.map(BigInt) };
}
async function proveBatch(batch: PayoutBatch): Promise<Groth16Proof> {
  const { proof, signals } = await prove(batch.input);
  assert.deepEqual(signals, [...batch.publicSignals], "the circuit and the witness model disagree");
  return proof;
}

describe("PayoutSettlement with real PayoutBatch proofs", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let ownerAddress: string;
  let other: Awaited<ReturnType<typeof conn.ethers.getSigners>>[number];

  /** Awaits `call`, which must revert with the custom error `name` (and `args` when given). */
  async function expectRevert(call: Promise<unknown>, name: string, args?: unknown[]): Promise<void> {
    let error: unknown;
    try {
      await call;
    } catch (e) {
      error = e;
    }
    assert.ok(error !== undefined, `expected a revert with ${name}, but the call succeeded`);
    const decoded = decodeRevert(error, d.settlement.interface) ?? decodeRevert(error, d.token.interface);
    assert.equal(decoded?.name, name, `expected ${name}, got ${decoded?.name ?? (error as Error).message}`);
    if (args) assert.deepEqual([...decoded!.args], args);
  }
  const open = (epoch: bigint, table: PayoutTable, batchCount: number) =>
    openEpoch(d, { epoch, pool: table.pool, total: table.total, batchCount });
  const domainOf = (epoch: bigint) => epochDomain(d.chainId, d.addresses.settlement, epoch);

  // Epoch 1: six contributors at B = 4, so batch 1 has two padding rows; one has amount 0.
  const table1 = splitPool(contributors(6, "e1", (i) => (i === 3 ? 0n : 1_000_003n * BigInt(i + 1))), 1000n * OPEN + 7n, config);
  let batches1: PayoutBatch[];
  let proofs1: Groth16Proof[];
  const gas: bigint[] = [];

  before(async () => {
    keys = await setupCircuit(payoutCircuitName(B));
    conn = await network.create();
    const [owner, second] = await conn.ethers.getSigners();
    ownerAddress = owner!.address;
    other = second!;
    d = await deploySettlement(owner!, keys.verifierArtifact, B);
    await (await d.token.mint(ownerAddress, 1_000_000n * OPEN)).wait();
    batches1 = buildPayoutBatches(table1, domainOf(1n), B, config);
    proofs1 = [];
    for (const batch of batches1) proofs1.push(await proveBatch(batch));
  });

  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("computes the same epoch domain as the witness model", async () => {
    assert.equal(batches1.length, 2);
    assert.equal(await d.settlement.domain(1n), domainOf(1n));
    assert.equal(await d.settlement.domain(2n), domainOf(2n));
    assert.equal(await d.settlement.batchSize(), BigInt(B));
    assert.equal(await d.token.symbol(), config.token.symbol);
    assert.equal(await d.token.decimals(), BigInt(config.token.decimals));
  });

  it("rejects bad epoch parameters, a second opening and callers other than the owner", async () => {
    const s = d.settlement;
    await d.token.approve(d.addresses.settlement, 10n ** 30n);
    await expectRevert(s.openEpoch(50n, 1n << 93n, 10n, 1), "PoolOutOfRange", [1n << 93n]);
    await expectRevert(s.openEpoch(50n, 1n, 0n, 1), "TotalOutOfRange", [0n]);
    await expectRevert(s.openEpoch(50n, 1n, 1n << 64n, 1), "TotalOutOfRange", [1n << 64n]);
    await expectRevert(s.openEpoch(50n, 1n, 10n, 0), "BatchCountOutOfRange", [0n]);
    await expectRevert(s.openEpoch(50n, 1n, 10n, 65_536), "BatchCountOutOfRange", [65_536n]);
    await expectRevert((s.connect(other) as typeof s).openEpoch(50n, 1n, 10n, 1), "OwnableUnauthorizedAccount", [other.address]);
    await expectRevert((d.token.connect(other) as typeof d.token).mint(other.address, 1n), "OwnableUnauthorizedAccount", [other.address]);
    await d.token.approve(d.addresses.settlement, 0n);
    await expectRevert(s.openEpoch(50n, 5n, 10n, 1), "ERC20InsufficientAllowance", [d.addresses.settlement, 0n, 5n]);

    const receipt = await open(1n, table1, batches1.length);
    const opened = s.interface.parseLog(receipt.logs.find((l) => l.address === d.addresses.settlement)!)!;
    assert.equal(opened.name, "EpochOpened");
    assert.deepEqual([...opened.args], [1n, table1.pool, table1.total, 2n, domainOf(1n)]);
    assert.equal(await d.token.balanceOf(d.addresses.settlement), table1.pool);
    await expectRevert(s.openEpoch(1n, 1n, 10n, 1), "EpochAlreadyOpen", [1n]);
  });

  it("rejects a batch submitted out of order, of the wrong length or to an unopened epoch", async () => {
    const s = d.settlement;
    await expectRevert(s.submitBatch(...submitBatchArgs(1n, batches1[1]!, proofs1[1]!)), "BatchOutOfOrder", [0n, 1n]);
    await expectRevert(s.submitBatch(...submitBatchArgs(99n, batches1[0]!, proofs1[0]!)), "EpochNotOpen", [99n]);
    for (const length of [B - 1, B + 1]) {
      const args = submitBatchArgs(1n, batches1[0]!, proofs1[0]!);
      args[4] = length < B ? args[4].slice(0, length) : [...args[4], 0n];
      await expectRevert(s.submitBatch(...args), "WrongBatchLength", [BigInt(B), BigInt(length)]);
    }
  });

  it("rejects a proof that does not match the words, the sums or the batch", async () => {
    const s = d.settlement;
    const good = () => submitBatchArgs(1n, batches1[0]!, proofs1[0]!);
    // The proof of another batch.
    const otherProof = toSolidityProof(proofs1[1]!);
    const swapped = good();
    [swapped[5], swapped[6], swapped[7]] = [otherProof.a, otherProof.b, otherProof.c];
    await expectRevert(s.submitBatch(...swapped), "InvalidProof");
    // One more base unit of reward for the first payee.
    const flipped = good();
    flipped[4][0] = flipped[4][0]! + (1n << 160n);
    await expectRevert(s.submitBatch(...flipped), "InvalidProof");
    // Another payee for the same reward.
    const redirected = good();
    redirected[4][0] = redirected[4][0]! ^ 1n;
    await expectRevert(s.submitBatch(...redirected), "InvalidProof");
    const moreAmount = good();
    moreAmount[3] += 1n;
    await expectRevert(s.submitBatch(...moreAmount), "InvalidProof");
    const otherChain = good();
    otherChain[2] = batches1[1]!.chainOut;
    await expectRevert(s.submitBatch(...otherChain), "InvalidProof");
  });

  it("rejects non-reduced field elements, which would otherwise alias a valid proof", async () => {
    const s = d.settlement;
    const batch = batches1[0]!;
    const header = [batch.chainIn, domainOf(1n), table1.pool, table1.total, batch.addressIn];
    // word[0] + p: pays address(uint160(word + p)) a reward of (word + p) >> 160, not word's.
    const words = [batch.words[0]! + P, ...batch.words.slice(1)];
    const rhoWord = digestChallenge(batch.chainOut, [...header, batch.amountSum], words);
    // amountSum + p: would count p more towards S.
    const rhoSum = digestChallenge(batch.chainOut, [...header, batch.amountSum + P], batch.words);
    for (const [rho, argsOf] of [
      [rhoWord, (a: ReturnType<typeof submitBatchArgs>) => { a[4] = words; }],
      [rhoSum, (a: ReturnType<typeof submitBatchArgs>) => { a[3] = batch.amountSum + P; }],
    ] as const) {
      // The same witness proved at the challenge of the aliased values: the verifier accepts it.
      const { proof, signals } = await prove({ ...batch.input, rho: rho.toString() });
      assert.equal(signals[2], rho);
      assert.equal(signals[1], hornerDigest([...header, batch.amountSum, ...batch.words], rho));
      const { a, b, c } = toSolidityProof(proof);
      assert.equal(await d.verifier.verifyProof(a, b, c, [signals[0]!, signals[1]!, signals[2]!]), true);
      const args = submitBatchArgs(1n, batch, proof);
      argsOf(args);
      const value = args[3] >= P ? args[3] : args[4][0]!;
      await expectRevert(s.submitBatch(...args), "NonReducedFieldElement", [value]);
    }
    // chainOut + p: the verifier would return false too (it range-checks public signals).
    const args = submitBatchArgs(1n, batch, proofs1[0]!);
    args[2] += P;
    await expectRevert(s.submitBatch(...args), "NonReducedFieldElement", [batch.chainOut + P]);
  });

  it("pays exactly the reference model's rewards in two batches, keeps the dust, and refuses replays", async () => {
    const s = d.settlement;
    const r0 = await submitBatch(s, 1n, batches1[0]!, proofs1[0]!);
    gas.push(r0.gasUsed);
    const state = await s.epochState(1n);
    assert.equal(state.nextBatch, 1n);
    assert.equal(state.chain, batches1[0]!.chainOut);
    assert.equal(BigInt(state.lastAddress), table1.rows[B - 1]!.address);

    await expectRevert(s.submitBatch(...submitBatchArgs(1n, batches1[0]!, proofs1[0]!)), "BatchAlreadySettled", [1n, 0n]);
    // Batch 0's payees again, presented as batch 1: the stored chain and last address moved on.
    const again = submitBatchArgs(1n, batches1[0]!, proofs1[0]!);
    again[1] = 1;
    await expectRevert(s.submitBatch(...again), "InvalidProof");

    // Anyone may submit.
    const r1 = await submitBatch(s.connect(other) as typeof s, 1n, batches1[1]!, proofs1[1]!);
    gas.push(r1.gasUsed);
    const logs = r1.logs.filter((l) => l.address === d.addresses.settlement).map((l) => s.interface.parseLog(l)!);
    assert.deepEqual(logs.map((l) => l.name), ["BatchSettled", "EpochSettled"]);
    const paid = table1.pool - table1.dust;
    assert.deepEqual([...logs[1]!.args], [1n, paid, table1.dust]);

    for (const row of table1.rows) assert.equal(await d.token.balanceOf(hex(row.address)), row.reward);
    assert.ok(table1.dust > 0n, "the fixture should leave dust");
    assert.equal(await d.token.balanceOf(d.addresses.settlement), table1.dust);
    const settled = await s.epochState(1n);
    assert.equal(settled.settled, true);
    assert.equal(settled.paid, paid);
    assert.equal(settled.amountSum, table1.total);

    for (const i of [0, 1]) {
      await expectRevert(s.submitBatch(...submitBatchArgs(1n, batches1[i]!, proofs1[i]!)), "EpochAlreadySettled", [1n]);
    }
  });

  it("rejects epoch 1's proof in epoch 2: the domain binds the epoch", async () => {
    await open(2n, table1, batches1.length);
    await expectRevert(d.settlement.submitBatch(...submitBatchArgs(2n, batches1[0]!, proofs1[0]!)), "InvalidProof");
  });

  it("rejects a valid proof of a batch with padding that is not the epoch's last", async () => {
    // Three contributors fill one batch with a padding row; the epoch declares two batches.
    const table = splitPool(contributors(3, "e3", (i) => BigInt(10 + i)), 999n, config);
    const [batch] = buildPayoutBatches(table, domainOf(3n), B, config);
    await open(3n, table, 2);
    const proof = await proveBatch(batch!);
    await expectRevert(submitBatch(d.settlement, 3n, batch!, proof), "PaddingBeforeLastBatch", [3n, 0n]);
  });

  it("rejects valid proofs made against a total S larger than the sum of the amounts", async () => {
    const rows = contributors(3, "e4", (i) => BigInt(100 * (i + 1)));
    const table = splitWithDeclaredTotal(rows, 1000n, 605n); // true sum 600
    const [batch] = buildPayoutBatches(table, domainOf(4n), B, config);
    await open(4n, table, 1);
    const proof = await proveBatch(batch!);
    await expectRevert(submitBatch(d.settlement, 4n, batch!, proof), "TotalMismatch", [605n, 600n]);
  });

  it("rejects at once a batch whose amounts overshoot S, even before the last batch", async () => {
    // A full batch (no padding) of an epoch declaring two; R = 1 makes every reward 0, so only
    // the running sum of amounts (24 > S = 10) betrays the wrong S.
    const rows = contributors(B, "e6", () => 6n);
    const table = splitWithDeclaredTotal(rows, 1n, 10n);
    const [batch] = buildPayoutBatches(table, domainOf(6n), B, config);
    await open(6n, table, 2);
    const proof = await proveBatch(batch!);
    await expectRevert(submitBatch(d.settlement, 6n, batch!, proof), "TotalMismatch", [10n, 6n * BigInt(B)]);
  });

  it("never lets an epoch spend more than its own pool, whatever else the contract holds", async () => {
    // Declared S = 10 against a true sum of 18: each valid row claims 600 of a pool of 1000.
    const rows = contributors(3, "e5", () => 6n);
    const table = splitWithDeclaredTotal(rows, 1000n, 10n);
    const [batch] = buildPayoutBatches(table, domainOf(5n), B, config);
    await open(5n, table, 1);
    const proof = await proveBatch(batch!);
    assert.ok((await d.token.balanceOf(d.addresses.settlement)) > 1800n, "other epochs' escrow would cover it");
    await expectRevert(submitBatch(d.settlement, 5n, batch!, proof), "PoolExceeded", [1000n, 1800n]);
  });

  it("refuses a batch size of 0, or one that is not the verifier's, at deployment", async () => {
    const [signer] = await conn.ethers.getSigners();
    await assert.rejects(deploySettlement(signer!, keys.verifierArtifact, B + 1), {
      name: "RangeError",
      message: new RegExp(`batchSize ${B + 1} does not match the verifier ${keys.verifierArtifact.contractName}`),
    });
    const artifact = await loadContractArtifact("PayoutSettlement");
    const [owner] = await conn.ethers.getSigners();
    const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner);
    await expectRevert(factory.deploy(d.addresses.token, d.addresses.verifier, 0), "InvalidBatchSize", [0n]);
  });

  it("reports gas per batch and per paid contributor next to bare ERC-20 transfers", async (t) => {
    assert.equal(gas.length, 2);
    const paidRows = table1.rows.filter((r) => r.reward > 0n).length;
    const bare = await deployBareTransfers((await conn.ethers.getSigners())[0]!);
    const bareAddress = await bare.getAddress();
    await (await d.token.transfer(bareAddress, 10n * OPEN)).wait();
    const to = contributors(paidRows, "bare", () => 0n).map((c) => hex(c.address));
    const bareReceipt = await (await bare.distribute(d.addresses.token, to, to.map(() => OPEN))).wait();
    const total = gas[0]! + gas[1]!;
    t.diagnostic(`B=${B}: submitBatch gas ${gas.join(", ")}; ${paidRows} paid contributors: ${total / BigInt(paidRows)} gas each`);
    t.diagnostic(`bare SafeERC20 loop to ${paidRows} new holders: ${bareReceipt!.gasUsed / BigInt(paidRows)} gas each`);
    assert.ok(gas[1]! < 400_000n, `a ${B}-row batch should stay under 400k gas, used ${gas[1]}`);
  });

  it("deploys and settles over JSON-RPC with a plain ethers Wallet", async () => {
    const server = await network.createServer();
    const { address, port } = await server.listen();
    const provider = new JsonRpcProvider(`http://${address}:${port}`, undefined, { staticNetwork: true, pollingInterval: 50 });
    try {
      const wallet = new NonceManager(new Wallet(DEV_KEY, provider));
      const rpc = await deploySettlement(wallet, keys.verifierArtifact, B);
      assert.equal(await rpc.settlement.owner(), getAddress(await wallet.getAddress()));
      await (await rpc.token.mint(rpc.owner, table1.pool)).wait();
      const table = splitPool(contributors(2, "rpc", (i) => BigInt(i + 1)), 3n * OPEN, config);
      const [batch] = buildPayoutBatches(table, epochDomain(rpc.chainId, rpc.addresses.settlement, 7n), B, config);
      await openEpoch(rpc, { epoch: 7n, pool: table.pool, total: table.total, batchCount: 1 });
      const receipt = await submitBatch(rpc.settlement, 7n, batch!, await proveBatch(batch!));
      assert.equal(receipt.status, 1);
      for (const row of table.rows) assert.equal(await rpc.token.balanceOf(hex(row.address)), row.reward);
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
