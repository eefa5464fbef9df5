/**
 * The two ways an epoch's pool used to be lost, found by red team 6, and what replaced them:
 *  - One undelivered registration, made in the last block before the registration deadline for
 *    ceil(pool / maxRegistrants), blocked cancelEpoch (RegistrantsExist); with its data never
 *    delivered the trainer had to exclude it, S was 0, commitEpoch refused S = 0, and after the
 *    settle deadline anyone burned the whole pool. Now the trainer makes an empty commit (S = 0,
 *    every registrant excluded): contestable with a Delivery receipt like any commit, then
 *    cancelEpoch refunds the pool to the owner; it can be neither finalized nor forfeited.
 *  - A fee-on-transfer pool token left the settlement holding less than the pools it counted, so
 *    one epoch's refund or payouts came out of another's escrow. Now openEpoch refuses a pool
 *    that does not arrive whole (PoolNotReceived), and nothing can be opened or cancelled while a
 *    pool arrives (PoolArriving: red team 8 nested opens from a token's sender hook, so the check
 *    counted the nested pools twice).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type BaseContract,
  ContractFactory,
  concat,
  getAddress,
  type InterfaceAbi,
  keccak256,
  toUtf8Bytes,
  ZeroHash,
  type Signer,
} from "ethers";
import { network } from "hardhat";
import { config, FIELD_MODULUS } from "../config/index.ts";
import { EpochStatus, openEpoch, type OpenTokenContract } from "../verifier-contracts/index.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { advanceDevelopmentClock, commitEpoch, signDeliveryReceipt } from "../verifier-contracts/settle.ts";
import { validationCommitment } from "../witness/index.ts";
import { emptyCommit } from "../witness/empty-commit.ts";
import { exclusionBitmap } from "../witness/challenge.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";
import { expectRevertWith } from "./helpers/expect-revert.ts";
import { deployOverToken } from "./helpers/token-epoch.ts";

const POOL = 1_000_000n * 10n ** 18n; // the CLI's default pool
const VALIDATION = validationCommitment(keccak256(toUtf8Bytes("empty epoch validation")), keccak256(toUtf8Bytes("empty epoch salt")));
const MODEL = keccak256(toUtf8Bytes("empty epoch model"));

/** verifier-contracts/contracts/test/NestingOperator.sol: a settlement owner that opens epochs from the token's sender hook. */
type NestingOperator = BaseContract & {
  open(epoch: bigint, closesAt: bigint, validation: string, pool: bigint, trainer: string): Promise<{ wait(): Promise<unknown> }>;
};

describe("an epoch whose registrants never delivered: an empty commit, then the owner's refund", () => {
  let fx: SettlementFixture;
  const expectRevert = expectRevertWith(() => [fx.d.settlement.interface, fx.d.registry.interface, fx.d.token.interface]);
  before(async () => {
    fx = await settlementFixture(4n * POOL);
  });
  after(async () => {
    await fx?.close();
  });

  const open = async (epoch: bigint, follows = 0n, closesAt?: bigint) =>
    openEpoch(fx.d, {
      epoch,
      closesAt: closesAt ?? (await earliestDeadline(fx.d.registry)),
      validationCommitment: VALIDATION,
      pool: POOL,
      trainer: fx.signers[0]!.address,
      follows,
    });
  /** One example registered from `who` for the epoch's fee (minted), never delivered, in the block after `at`; its commitment. */
  const squat = async (epoch: bigint, who: Signer, tag: string, at = 0n) => {
    const { d } = fx;
    const fee = await d.registry.registrationFee(epoch, 1);
    await (await d.token.mint(await who.getAddress(), fee)).wait();
    await (await (d.token.connect(who) as typeof d.token).approve(d.addresses.registry, fee)).wait();
    const commitment = BigInt(keccak256(toUtf8Bytes(tag))) % FIELD_MODULUS;
    assert.ok(await advanceDevelopmentClock(fx.conn.ethers.provider, at));
    await (await (d.registry.connect(who) as typeof d.registry).register(epoch, commitment, 1)).wait();
    return { fee, commitment };
  };
  const clockTo = async (timestamp: bigint) => assert.ok(await advanceDevelopmentClock(fx.conn.ethers.provider, timestamp));
  const contestEnds = async (epoch: bigint) =>
    (await fx.d.settlement.epochState(epoch)).committedAt + (await fx.d.settlement.contestWindow());
  const B = config.payoutBatch.testSize;

  it("the last-block squat: the owner gets its pool back after an empty commit's contest window; it is never burned", async () => {
    const { d, signers } = fx;
    const [owner, watcher] = [signers[0]!, signers[5]!];
    const epoch = 7n;
    await open(epoch);
    const [closesAt] = await d.registry.registration(epoch);
    // The last block before the deadline: no time left for the owner to register data of its own.
    const { fee } = await squat(epoch, watcher, "never delivered", closesAt - 2n);
    assert.equal(fee, POOL / BigInt(config.registration.maxRegistrants), "20 $OPEN at the default pool");
    await expectRevert(d.settlement.cancelEpoch(epoch), "RegistrantsExist", [epoch, 1n]);
    await clockTo(closesAt);

    // S = 0 is an empty commit only with every registrant excluded.
    const empty = emptyCommit(1, B, MODEL);
    await expectRevert(d.settlement.commitEpoch(epoch, empty.commit, "0x00"), "TotalOutOfRange", [0n]);
    await commitEpoch(d.settlement, epoch, empty.commit, empty.exclusionBitmap);
    const ends = await contestEnds(epoch);
    await expectRevert(d.settlement.cancelEpoch(epoch), "ContestWindowOpen", [epoch, ends]);
    await expectRevert((d.settlement.connect(watcher) as typeof d.settlement).cancelEpoch(epoch), "OwnableUnauthorizedAccount", [
      watcher.address,
    ]);
    await clockTo(ends);
    await expectRevert(d.settlement.finalize(epoch), "EmptyCommit", [epoch]);
    // Past the settle deadline nobody can burn it either: it is the owner's to cancel.
    const [, settleBy] = await d.settlement.deadlines(epoch);
    await clockTo(settleBy);
    await expectRevert((d.settlement.connect(watcher) as typeof d.settlement).forfeit(epoch), "EmptyCommit", [epoch]);

    const before = await d.token.balanceOf(owner.address);
    await (await d.settlement.cancelEpoch(epoch)).wait();
    assert.equal((await d.token.balanceOf(owner.address)) - before, POOL, "the whole pool is refunded");
    assert.equal((await d.settlement.epochState(epoch)).status, EpochStatus.Cancelled);
    await expectRevert(d.settlement.cancelEpoch(epoch), "EpochNotCancellable", [epoch]);
    await expectRevert(d.settlement.forfeit(epoch), "EpochNotCancellable", [epoch]);
  });

  it("an empty commit over a registrant the trainer acknowledged is voided by its receipt; the pool stays the contributors'", async () => {
    const { d, signers } = fx;
    const epoch = 8n;
    await open(epoch);
    await squat(epoch, signers[5]!, "undelivered 8");
    const delivered = await squat(epoch, signers[6]!, "delivered 8");
    const [closesAt] = await d.registry.registration(epoch);
    await clockTo(closesAt);
    // Excluding only the one that never delivered leaves S = 0 with a registrant kept: refused.
    await expectRevert(d.settlement.commitEpoch(epoch, emptyCommit(2, B, MODEL).commit, exclusionBitmap([0], 2)), "TotalOutOfRange", [0n]);
    // The trainer signed a receipt for registration 1's data, then claims nobody delivered.
    const receipt = await signDeliveryReceipt(signers[0]!, d.settlement, epoch, 1, delivered.commitment);
    const empty = emptyCommit(2, B, MODEL);
    await commitEpoch(d.settlement, epoch, empty.commit, empty.exclusionBitmap);
    await (
      await (d.settlement.connect(signers[6]!) as typeof d.settlement).contestExclusion(
        epoch,
        empty.exclusionBitmap,
        1,
        delivered.commitment,
        receipt,
      )
    ).wait();
    assert.equal((await d.settlement.epochState(epoch)).status, EpochStatus.Registration, "the empty commit is void");
    await expectRevert(d.settlement.cancelEpoch(epoch), "RegistrantsExist", [epoch, 2n]);
  });

  it("an empty commit names no model for the lineage: the epoch that follows records none (red team 7: any model hash, for free)", async () => {
    const { d, signers } = fx;
    await open(9n);
    await squat(9n, signers[5]!, "undelivered 9");
    const [closes9] = await d.registry.registration(9n);
    const windows = config.settlement;
    const follower = closes9 + BigInt(windows.contestWindowSeconds) + BigInt(windows.commitWindowSeconds);
    await open(10n, 9n, follower);
    await squat(10n, signers[6]!, "undelivered 10");
    await clockTo(closes9);
    const empty9 = emptyCommit(1, B, MODEL);
    await commitEpoch(d.settlement, 9n, empty9.commit, empty9.exclusionBitmap);
    await clockTo(follower);
    const empty10 = emptyCommit(1, B, keccak256(toUtf8Bytes("epoch 10 model")));
    await commitEpoch(d.settlement, 10n, empty10.commit, empty10.exclusionBitmap);
    assert.equal((await d.settlement.epochState(10n)).previousModelHash, ZeroHash, "epoch 9's empty commit is no model");
    await (await d.settlement.cancelEpoch(9n)).wait();
  });

  it("the trainer is a key: a contract named at opening is refused, and code placed at its address later cannot commit (red team 10: no receipt would ever count)", async () => {
    const { d, signers } = fx;
    // A forwarder's runtime code: calls the address in the calldata's first 20 bytes with the rest.
    const forwarder = "0x6014360380601460003760006000826000600060003560601c5af16028573d600060003e3d6000fd5b00";
    const at = "0x00000000000000000000000000000000000f0a1d";
    await fx.conn.ethers.provider.send("hardhat_setCode", [at, forwarder]);
    const args = { epoch: 12n, closesAt: await earliestDeadline(d.registry), validationCommitment: VALIDATION, pool: POOL, follows: 0n };
    await expectRevert(openEpoch(d, { ...args, trainer: at }), "TrainerNotAKey", [getAddress(at)]);
    // Opened for a keyless address, the code arrives afterwards (as CREATE2 would place it).
    const later = "0x00000000000000000000000000000000000f0a1e";
    await openEpoch(d, { ...args, trainer: later });
    await squat(12n, signers[5]!, "undelivered 12");
    const [closesAt] = await d.registry.registration(12n);
    await clockTo(closesAt);
    await fx.conn.ethers.provider.send("hardhat_setCode", [later, forwarder]);
    const empty = emptyCommit(1, B, MODEL);
    const call = d.settlement.interface.encodeFunctionData("commitEpoch", [12n, empty.commit, empty.exclusionBitmap]);
    await expectRevert(signers[0]!.sendTransaction({ to: later, data: concat([d.addresses.settlement, call]) }), "TrainerNotAKey", [
      getAddress(later),
    ]);
    assert.equal((await d.settlement.epochState(12n)).status, EpochStatus.Registration, "not committed");
    // An account that delegated its code (EIP-7702) still holds its key: it may train (red team 11).
    const delegated = signers[7]!.address;
    await fx.conn.ethers.provider.send("hardhat_setCode", [delegated, `0xef0100${at.slice(2)}`]);
    await openEpoch(d, { ...args, epoch: 13n, closesAt: await earliestDeadline(d.registry), trainer: delegated });
    assert.equal((await d.settlement.epochState(13n)).trainer, delegated);
    await (await d.settlement.cancelEpoch(13n)).wait(); // nobody registered: the pool back for the next tests
    // 23 bytes of other code are a contract's.
    await fx.conn.ethers.provider.send("hardhat_setCode", [delegated, `0x${"00".repeat(23)}`]);
    await expectRevert(
      openEpoch(d, { ...args, epoch: 14n, closesAt: await earliestDeadline(d.registry), trainer: delegated }),
      "TrainerNotAKey",
      [delegated],
    );
  });

  it("an epoch nobody registered for is the owner's: the trainer cannot commit it, nobody can burn it, the owner cancels it even after the settle deadline", async () => {
    const { d, signers } = fx;
    await open(11n);
    const [closesAt] = await d.registry.registration(11n);
    await clockTo(closesAt);
    await expectRevert(d.settlement.commitEpoch(11n, emptyCommit(1, B, MODEL).commit, "0x"), "NobodyRegistered", [11n]);
    const [, settleBy] = await d.settlement.deadlines(11n);
    await clockTo(settleBy);
    await expectRevert((d.settlement.connect(signers[5]!) as typeof d.settlement).forfeit(11n), "NobodyRegistered", [11n]);
    const before = await d.token.balanceOf(signers[0]!.address);
    await (await d.settlement.cancelEpoch(11n)).wait();
    assert.equal((await d.token.balanceOf(signers[0]!.address)) - before, POOL);
  });
});

describe("a fee-on-transfer pool token is refused at openEpoch", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  before(async () => {
    conn = await network.create();
  });
  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("a pool that arrives 1 % short reverts PoolNotReceived and nothing is escrowed", async () => {
    const [owner] = await conn.ethers.getSigners();
    const { token, settlement, registry } = await deployOverToken<OpenTokenContract>(owner!, "TaxedToken");
    const expectRevert = expectRevertWith(() => [settlement.interface, registry.interface, token.interface]);
    await (await token.mint(owner!.address, POOL)).wait();
    await (await token.approve(await settlement.getAddress(), POOL)).wait();
    await expectRevert(
      settlement.openEpoch(1n, await earliestDeadline(registry), VALIDATION, POOL, owner!.address, 0n),
      "PoolNotReceived",
      [POOL, (POOL * 99n) / 100n],
    );
    assert.equal(await token.balanceOf(owner!.address), POOL, "the owner keeps its pool");
    assert.equal((await settlement.epochState(1n)).status, EpochStatus.None, "no epoch was opened");
  });

  it("a token that calls its sender back cannot have the owner open (or cancel) an epoch inside the pool's transfer (red team 8)", async () => {
    const [owner] = await conn.ethers.getSigners();
    const { token, settlement, registry } = await deployOverToken<OpenTokenContract>(owner!, "HookedTaxedToken");
    const expectRevert = expectRevertWith(() => [settlement.interface, registry.interface, token.interface]);
    // An owner contract that, from the token's sender hook, opens a further epoch whose pool is the
    // fee the outer pool loses: counted by both balance checks, the shortfall would pass.
    const artifact = await loadContractArtifact("NestingOperator");
    const nesting = (await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner!).deploy(
      await token.getAddress(),
      await settlement.getAddress(),
    )) as BaseContract as NestingOperator;
    await nesting.waitForDeployment();
    await (await token.mint(await nesting.getAddress(), 2n * POOL)).wait();
    await (await settlement.transferOwnership(await nesting.getAddress())).wait();
    await expectRevert(nesting.open(1n, await earliestDeadline(registry), VALIDATION, POOL, owner!.address), "PoolArriving");
    assert.equal((await settlement.epochState(1n)).status, EpochStatus.None, "nothing opened");
    assert.equal((await settlement.epochState(2n)).status, EpochStatus.None, "nothing nested");
  });
});
