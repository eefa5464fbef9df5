/**
 * The Delivery receipt's whole way, on an in-process chain (red team 7's finding 4): two
 * contributors register and hand over their delivery folders; collect signs their receipts and
 * hands them back (delivery-receipt.json in each folder, and the --receipts folder); the trainer
 * then claims nobody delivered (an empty commit, whose pool cancelEpoch would refund to the
 * operator). The contributor's contest, from its own key with the file collect wrote, voids the
 * commit on chain, and the operator cannot cancel. A dishonest exclusion of one registrant is
 * voided the same way. Every refusal (a tampered receipt, nothing excluded, no live commit, the
 * window over) is named and sends nothing.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keccak256, parseEther, toUtf8Bytes, Wallet, type EventLog, type HDNodeWallet } from "ethers";
import { config } from "../config/index.ts";
import { readContributorData } from "../dataset/index.ts";
import { CodedError } from "../errors/index.ts";
import { contestWithReceipt } from "../protocol/contest.ts";
import { registerData, writeDelivery } from "../protocol/contributor.ts";
import { DELIVERY_RECEIPT_FILE, readDeliveryReceipt, writeDeliveryReceipt } from "../protocol/delivery-receipt.ts";
import { collectDeliveries, type Collected } from "../protocol/trainer/collect.ts";
import { EpochStatus, openEpoch, type PayoutSettlementContract } from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { advanceDevelopmentClock, commitEpoch } from "../verifier-contracts/settle.ts";
import { validationCommitment } from "../witness/index.ts";
import { exclusionBitmap } from "../witness/challenge.ts";
import { emptyCommit } from "../witness/empty-commit.ts";
import { expectRevertWith } from "./helpers/expect-revert.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const POOL = 1_000_000n * 10n ** 18n;
const EPOCH = 1n;
const MODEL = keccak256(toUtf8Bytes("a model trained on alice's and bob's data"));
const work = mkdtempSync(join(tmpdir(), "contest-"));

describe("contest: a contributor holding the trainer's Delivery receipt voids a commit that excludes it", () => {
  let fx: SettlementFixture;
  let collected: Collected;
  const wallets: Record<string, HDNodeWallet> = {};
  const folder = (who: string) => join(work, "deliveries", who);
  const receiptOf = (who: string) => join(folder(who), DELIVERY_RECEIPT_FILE);
  const contestAs = (who: string, file = receiptOf(who)) =>
    contestWithReceipt({
      settlement: fx.d.settlement.connect(wallets[who]!) as PayoutSettlementContract,
      registry: fx.d.registry,
      epoch: EPOCH,
      receiptFile: file,
    });
  /** `who` contests and is refused with `code`, having sent nothing. */
  async function refused(who: string, code: string, file?: string): Promise<CodedError> {
    const nonce = await fx.conn.ethers.provider.getTransactionCount(wallets[who]!.address);
    const error = await contestAs(who, file).then(
      () => assert.fail(`expected ${code}`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CodedError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, /nothing was sent|signature/);
    assert.equal(await fx.conn.ethers.provider.getTransactionCount(wallets[who]!.address), nonce, "nothing was sent");
    return error;
  }
  const expectRevert = expectRevertWith(() => [fx.d.settlement.interface, fx.d.registry.interface]);
  const status = async () => (await fx.d.settlement.epochState(EPOCH)).status;

  before(async () => {
    fx = await settlementFixture(POOL);
    const operator = fx.signers[0]!; // owner and trainer
    await openEpoch(fx.d, {
      epoch: EPOCH,
      closesAt: await earliestDeadline(fx.d.registry),
      validationCommitment: validationCommitment(keccak256(toUtf8Bytes("contest validation")), keccak256(toUtf8Bytes("salt"))),
      pool: POOL,
      trainer: operator.address,
      follows: 0n,
    });
    for (const who of ["alice", "bob"]) {
      const wallet = Wallet.createRandom().connect(fx.conn.ethers.provider);
      wallets[who] = wallet;
      await (await operator.sendTransaction({ to: wallet.address, value: parseEther("1") })).wait();
      const data = join(work, `${who}.jsonl`);
      mkdirSync(work, { recursive: true });
      writeFileSync(data, [0, 1].map((i) => `${JSON.stringify({ text: `${who} example ${i}` })}\n`).join(""));
      const receipt = await registerData(fx.d, wallet as unknown as Wallet, {
        epoch: EPOCH,
        settlement: fx.d.addresses.settlement,
        hashes: readContributorData(data).examples.map((e) => e.hash),
        data: { path: data, form: "jsonl" },
        mintFee: true,
      });
      writeDelivery(folder(who), data, receipt);
    }
    collected = await collectDeliveries({
      epoch: EPOCH,
      registry: fx.d.registry,
      settlement: fx.d.settlement,
      trainer: operator,
      deliveries: [join(work, "deliveries")],
      receipts: join(work, "receipts"),
    });
  });
  after(async () => {
    await fx?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("collect hands each accepted delivery its signed receipt: in its delivery folder and in the receipts folder", async () => {
    assert.deepEqual(
      collected.delivered.map((d) => d.order),
      [0, 1],
    );
    const trainer = fx.signers[0]!.address;
    for (const [who, order] of [
      ["alice", 0],
      ["bob", 1],
    ] as const) {
      const r = readDeliveryReceipt(receiptOf(who));
      const delivered = collected.delivered[order]!;
      assert.deepEqual(r, {
        chainId: 31337n,
        settlement: fx.d.addresses.settlement,
        epoch: EPOCH,
        order,
        commitment: delivered.commitment,
        contributor: wallets[who]!.address,
        trainer,
        signature: delivered.signature.toLowerCase(),
      });
      assert.deepEqual(readDeliveryReceipt(join(work, "receipts", `delivery-receipt-${order}-${wallets[who]!.address}.json`)), r);
    }
    assert.equal(readdirSync(join(work, "receipts")).length, 2);
  });

  it("an empty commit (the trainer says nobody delivered) is voided by alice's receipt; the operator cannot cancel", async () => {
    await refused("alice", "NO_LIVE_COMMIT");
    const empty = emptyCommit(2, config.payoutBatch.testSize, MODEL);
    await commitEpoch(fx.d.settlement, EPOCH, empty.commit, empty.exclusionBitmap);

    // A tampered receipt, and alice's receipt sent as bob's, are refused before anything is sent.
    const r = readDeliveryReceipt(receiptOf("bob"));
    const tampered = join(work, "tampered.json");
    writeDeliveryReceipt(tampered, { ...r, signature: `${r.signature.slice(0, -4)}${r.signature.endsWith("00") ? "01" : "00"}1b` });
    const bad = await refused("bob", "DELIVERY_RECEIPT_SIGNATURE", tampered);
    assert.ok(bad.message.startsWith(`${tampered}: signature: `), bad.message);
    const other = join(work, "other-commitment.json");
    writeDeliveryReceipt(other, { ...r, commitment: r.commitment + 1n });
    await refused("bob", "DELIVERY_RECEIPT_SIGNATURE", other);

    const result = await contestAs("alice");
    assert.equal(result.order, 0);
    assert.equal(result.trainer, fx.signers[0]!.address);
    const events = await fx.d.settlement.queryFilter(fx.d.settlement.filters.ExclusionContested!(EPOCH));
    assert.deepEqual(
      (events as EventLog[]).map((e) => [e.transactionHash, Number(e.args.order)]),
      [[result.transaction, 0]],
    );
    assert.equal(await status(), EpochStatus.Registration, "the commit is void: the trainer must commit again");
    // Back to registration with registrants: the registry refuses to cancel it.
    await expectRevert(fx.d.settlement.cancelEpoch(EPOCH), "RegistrantsExist", [EPOCH, 2n]);
    // Bob's receipt finds nothing left to contest.
    const again = await refused("bob", "NO_LIVE_COMMIT");
    assert.match(again.message, /already voided by a contest/);
  });

  it("a dishonest exclusion of bob alone: alice has nothing to contest, bob's receipt voids it; once the window is over a contest is refused", async () => {
    const bobOnly = emptyCommit(2, config.payoutBatch.testSize, MODEL);
    await commitEpoch(fx.d.settlement, EPOCH, { ...bobOnly.commit, total: 1n }, exclusionBitmap([1], 2));
    await refused("alice", "NOT_EXCLUDED");
    await contestAs("bob");
    assert.equal(await status(), EpochStatus.Registration);

    const empty = emptyCommit(2, config.payoutBatch.testSize, MODEL);
    await commitEpoch(fx.d.settlement, EPOCH, empty.commit, empty.exclusionBitmap);
    const state = await fx.d.settlement.epochState(EPOCH);
    assert.ok(await advanceDevelopmentClock(fx.conn.ethers.provider, state.committedAt + (await fx.d.settlement.contestWindow())));
    const late = await refused("bob", "CONTEST_WINDOW_CLOSED");
    assert.match(late.message, /closed at \d{4}-/);
  });
});
