/**
 * The Delivery receipt's whole way, on an in-process chain (red team 7's finding 4): two
 * contributors register and hand over their delivery folders; collect signs their receipts and
 * hands them back (delivery-receipt.json in each folder, and the --receipts folder); the trainer
 * then claims nobody delivered (an empty commit, whose pool cancelEpoch would refund to the
 * operator). The contributor's contest, from its own key with the file collect wrote, voids the
 * commit on chain, and the operator cannot cancel. A dishonest exclusion of one registrant is
 * voided the same way. Every refusal (a tampered receipt, nothing excluded, no live commit, the
 * window over) is named and sends nothing. A delivery folder that refuses the receipt (a folder
 * where the file goes) is logged and the receipt is still in the receipts folder; a symbolic link
 * left at the receipt's name is replaced, not followed.
 */
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keccak256, toUtf8Bytes, type EventLog, type HDNodeWallet } from "ethers";
import { config } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { contestWithReceipt } from "../protocol/contest.ts";
import { DELIVERY_RECEIPT_FILE, readDeliveryReceipt, writeDeliveryReceipt } from "../protocol/delivery-receipt.ts";
import { collectDeliveries, type Collected } from "../protocol/trainer/collect.ts";
import { EpochStatus, openEpoch, type PayoutSettlementContract } from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { advanceDevelopmentClock, commitEpoch } from "../verifier-contracts/settle.ts";
import { validationCommitment } from "../witness/index.ts";
import { exclusionBitmap } from "../witness/challenge.ts";
import { emptyCommit } from "../witness/empty-commit.ts";
import { expectRevertWith } from "./helpers/expect-revert.ts";
import { deliveringContributor } from "./helpers/delivering-contributor.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const POOL = 1_000_000n * 10n ** 18n;
const EPOCH = 1n;
const MODEL = keccak256(toUtf8Bytes("a model trained on alice's and bob's data"));
const work = mkdtempSync(join(tmpdir(), "contest-"));
/** Registered in this order: orders 0 to 3. carol's and dave's folders are crafted (see the header). */
const WHO = ["alice", "bob", "carol", "dave"] as const;
const VICTIM = "a file of the trainer's that a link in a delivery folder points at\n";

describe("contest: a contributor holding the trainer's Delivery receipt voids a commit that excludes it", () => {
  let fx: SettlementFixture;
  let collected: Collected;
  const logged: string[] = [];
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
    for (const who of WHO) wallets[who] = await deliveringContributor(fx, EPOCH, who, work, folder(who));
    mkdirSync(receiptOf("carol"));
    writeFileSync(join(work, "victim.txt"), VICTIM);
    symlinkSync(join(work, "victim.txt"), receiptOf("dave"));
    collected = await collectDeliveries({
      epoch: EPOCH,
      registry: fx.d.registry,
      settlement: fx.d.settlement,
      trainer: operator,
      deliveries: [join(work, "deliveries")],
      receipts: join(work, "receipts"),
      log: (m) => logged.push(m),
    });
  });
  after(async () => {
    await fx?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("collect hands each accepted delivery its signed receipt: in its delivery folder and in the receipts folder", async () => {
    assert.deepEqual(
      collected.delivered.map((d) => d.order),
      [0, 1, 2, 3],
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
    assert.equal(readdirSync(join(work, "receipts")).length, 4);
    // carol's folder refuses it: named in the log, and the receipts folder still has it.
    assert.ok(
      logged.some((m) => m.startsWith(`collect: ${folder("carol")}: could not write delivery-receipt.json`)),
      logged.join("\n"),
    );
    assert.equal(readDeliveryReceipt(join(work, "receipts", `delivery-receipt-2-${wallets.carol!.address}.json`)).order, 2);
    // dave's link is replaced by the receipt; what it pointed at is untouched.
    assert.ok(lstatSync(receiptOf("dave")).isFile());
    assert.equal(readDeliveryReceipt(receiptOf("dave")).order, 3);
    assert.equal(readFileSync(join(work, "victim.txt"), "utf8"), VICTIM);
  });

  it("an empty commit (the trainer says nobody delivered) is voided by alice's receipt; the operator cannot cancel", async () => {
    await refused("alice", "NO_LIVE_COMMIT");
    const empty = emptyCommit(WHO.length, config.payoutBatch.testSize, MODEL);
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
    await expectRevert(fx.d.settlement.cancelEpoch(EPOCH), "RegistrantsExist", [EPOCH, BigInt(WHO.length)]);
    // Bob's receipt finds nothing left to contest.
    const again = await refused("bob", "NO_LIVE_COMMIT");
    assert.match(again.message, /already voided by a contest/);
  });

  it("a trainer that commits again behind alice's contest, then ahead of it, still excluding her: contest reads the chain again and voids each (red team 10)", async () => {
    const empty = emptyCommit(WHO.length, config.payoutBatch.testSize, MODEL);
    const aliceOnly = { commit: { ...empty.commit, total: 1n }, bitmap: exclusionBitmap([0], WHO.length) };
    await commitEpoch(fx.d.settlement, EPOCH, empty.commit, empty.exclusionBitmap);
    const receipt = readDeliveryReceipt(receiptOf("alice"));
    const contestedBefore = (await fx.d.settlement.queryFilter(fx.d.settlement.filters.ExclusionContested!(EPOCH))).length;
    const alice = wallets.alice!;
    let sends = 0;
    // alice's key, with the trainer watching what it sends.
    const watched = new Proxy(alice, {
      get(target, prop) {
        if (prop === "sendTransaction")
          return async (tx: Parameters<HDNodeWallet["sendTransaction"]>[0]) => {
            sends++;
            if (sends === 2) {
              // Ahead of her second contest: the trainer's own contest (its receipt, public calldata) and a new commit.
              await (
                await fx.d.settlement.contestExclusion(EPOCH, aliceOnly.bitmap, receipt.order, receipt.commitment, receipt.signature)
              ).wait();
              await commitEpoch(fx.d.settlement, EPOCH, empty.commit, empty.exclusionBitmap);
            }
            const sent = await target.sendTransaction(tx);
            if (sends === 1) {
              // Behind her first contest: a new commit that still excludes her.
              await sent.wait();
              await commitEpoch(fx.d.settlement, EPOCH, aliceOnly.commit, aliceOnly.bitmap);
            }
            return sent;
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const result = await contestWithReceipt({
      settlement: fx.d.settlement.connect(watched) as PayoutSettlementContract,
      registry: fx.d.registry,
      epoch: EPOCH,
      receiptFile: receiptOf("alice"),
    });
    assert.equal(sends, 3, "contested, met a recommit, lost a race, contested again");
    assert.equal(await status(), EpochStatus.Registration, "no commit excluding alice is left");
    const contested = await fx.d.settlement.queryFilter(fx.d.settlement.filters.ExclusionContested!(EPOCH));
    assert.equal(contested.length - contestedBefore, 3, "alice's two contests and the trainer's own");
    assert.equal((contested.at(-1) as EventLog).transactionHash, result.transaction);
  });

  it("a dishonest exclusion of bob alone: alice has nothing to contest, bob's receipt voids it; once the window is over a contest is refused", async () => {
    const bobOnly = emptyCommit(WHO.length, config.payoutBatch.testSize, MODEL);
    await commitEpoch(fx.d.settlement, EPOCH, { ...bobOnly.commit, total: 1n }, exclusionBitmap([1], WHO.length));
    await refused("alice", "NOT_EXCLUDED");
    await contestAs("bob");
    assert.equal(await status(), EpochStatus.Registration);

    const empty = emptyCommit(WHO.length, config.payoutBatch.testSize, MODEL);
    await commitEpoch(fx.d.settlement, EPOCH, empty.commit, empty.exclusionBitmap);
    const state = await fx.d.settlement.epochState(EPOCH);
    assert.ok(await advanceDevelopmentClock(fx.conn.ethers.provider, state.committedAt + (await fx.d.settlement.contestWindow())));
    const late = await refused("bob", "CONTEST_WINDOW_CLOSED");
    assert.match(late.message, /closed at \d{4}-/);
  });
});
