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
  getAddress,
  ZeroAddress,
  type AddressLike,
  type BaseContractMethod,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from "ethers";
import { network } from "hardhat";
import { config } from "../config/index.ts";
import type { EpochBatches, EpochTables, PayoutBatch } from "../witness/index.ts";
import { releaseBatch, type OpenTokenContract, type PayoutSettlementContract } from "../verifier-contracts/index.ts";
import { expectRevertWith } from "./helpers/expect-revert.ts";
import { tokenEpoch } from "./helpers/token-epoch.ts";

const B = config.payoutBatch.testSize;
const EPOCH = 1n;
const POOL = 1000n * 10n ** 18n + 3n;
const CONTRIBUTORS = [1, 2, 3, 4, 5, 6]; // signer indices, registering in this order: with B = 4, two payout batches

/** verifier-contracts/contracts/test/RevertingToken.sol: OpenToken's interface plus the blocklist. */
interface RevertingTokenContract extends OpenTokenContract {
  setBlocked: BaseContractMethod<[account: AddressLike, quiet: boolean], void, ContractTransactionResponse>;
}

const addressOf = (a: bigint) => getAddress(`0x${a.toString(16).padStart(40, "0")}`);

describe("PayoutSettlement pays the rest of a batch when the token refuses one payee, and lets that payee withdraw later", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let token: RevertingTokenContract;
  let settlement: PayoutSettlementContract;
  let tables: EpochTables;
  let w: EpochBatches;

  const as = (k: number) => settlement.connect(signers[k]!) as PayoutSettlementContract;
  const signerOf = (address: bigint) => signers.findIndex((s) => BigInt(s.address) === address);
  /** Batch `batch`'s rows of the payout table: row j pays registration j. */
  const rowsOf = (batch: PayoutBatch) => tables.payoutTable.rows.slice(batch.index * B, (batch.index + 1) * B);

  const expectRevert = expectRevertWith(() => [settlement.interface, token.interface]);
  function eventsOf(receipt: ContractTransactionReceipt, name: string): unknown[][] {
    return receipt.logs
      .map((l) => settlement.interface.parseLog(l))
      .filter((l) => l?.name === name)
      .map((l) => [...l!.args]);
  }

  before(async () => {
    conn = await network.create();
    signers = await conn.ethers.getSigners();
    ({ token, settlement, tables, w } = await tokenEpoch<RevertingTokenContract>({
      signers,
      provider: conn.ethers.provider,
      token: "RevertingToken",
      tag: "pull",
      epoch: EPOCH,
      pool: POOL,
      contributors: CONTRIBUTORS,
    }));
    assert.equal(w.payoutBatches.length, 2, "the fixture needs two payout batches");
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
