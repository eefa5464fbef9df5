/**
 * A Delivery receipt's signature in any form ethers reads is contested in the one form the contract
 * takes. Red team 9: the trainer handed back receipts whose v was written as 0 or 1 (or in the
 * EIP-155 form, or the 64-byte compact form); every off-chain check accepted them, ethers reads
 * them alike, but PayoutSettlement's ECDSA.recover refused each (ECDSAInvalidSignature, or
 * ...Length), so the contributor's contest reverted and the owner cancelled the empty commit for
 * the whole pool. Now readDeliveryReceipt keeps the contract's form (contractSignature) and the
 * contest goes through; a high s, which no form makes acceptable, is refused before anything is sent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keccak256, Signature, toUtf8Bytes, type HDNodeWallet } from "ethers";
import { config } from "../config/index.ts";
import { contestWithReceipt } from "../protocol/contest.ts";
import { DELIVERY_RECEIPT_FILE, readDeliveryReceipt, writeDeliveryReceipt } from "../protocol/delivery-receipt.ts";
import { collectDeliveries } from "../protocol/trainer/collect.ts";
import { EpochStatus, openEpoch, type PayoutSettlementContract } from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { commitEpoch, contractSignature } from "../verifier-contracts/settle.ts";
import { validationCommitment } from "../witness/index.ts";
import { emptyCommit } from "../witness/empty-commit.ts";
import { deliveringContributor } from "./helpers/delivering-contributor.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const POOL = 1_000_000n * 10n ** 18n;
const EPOCH = 1n;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n; // secp256k1's group order
const work = mkdtempSync(join(tmpdir(), "receipt-forms-"));

/** The trainer's signature in the forms ethers reads alike and the contract refuses as they are. */
function otherForms(signature: string): Record<string, string> {
  const v = Number.parseInt(signature.slice(-2), 16);
  return {
    "v as 0/1": `${signature.slice(0, -2)}${(v - 27).toString(16).padStart(2, "0")}`,
    "v in the EIP-155 form": `${signature.slice(0, -2)}${(v - 27 + 35).toString(16)}`,
    "the 64-byte compact form": Signature.from(signature).compactSerialized,
  };
}

describe("a Delivery receipt's signature in another form ethers reads: contested in the contract's form (red team 9)", () => {
  let fx: SettlementFixture;
  let alice: HDNodeWallet;
  const receiptFile = join(work, "deliveries", "alice", DELIVERY_RECEIPT_FILE);

  before(async () => {
    fx = await settlementFixture(POOL);
    const trainer = fx.signers[0]!;
    await openEpoch(fx.d, {
      epoch: EPOCH,
      closesAt: await earliestDeadline(fx.d.registry),
      validationCommitment: validationCommitment(keccak256(toUtf8Bytes("forms v")), keccak256(toUtf8Bytes("forms salt"))),
      pool: POOL,
      trainer: trainer.address,
      follows: 0n,
    });
    alice = await deliveringContributor(fx, EPOCH, "forms", work, join(work, "deliveries", "alice"));
    await collectDeliveries({
      epoch: EPOCH,
      registry: fx.d.registry,
      settlement: fx.d.settlement,
      trainer,
      deliveries: [join(work, "deliveries")],
    });
  });
  after(async () => {
    await fx?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("each form reads back as the contract's; the contest of an empty commit with the v = 0/1 receipt voids it", async () => {
    const honest = readDeliveryReceipt(receiptFile);
    for (const [form, signature] of Object.entries(otherForms(honest.signature))) {
      writeDeliveryReceipt(receiptFile, { ...honest, signature });
      assert.equal(readDeliveryReceipt(receiptFile).signature, honest.signature, form);
    }
    writeDeliveryReceipt(receiptFile, { ...honest, signature: otherForms(honest.signature)["v as 0/1"]! });

    const empty = emptyCommit(1, config.payoutBatch.testSize, keccak256(toUtf8Bytes("forms model")));
    await commitEpoch(fx.d.settlement, EPOCH, empty.commit, empty.exclusionBitmap);
    await contestWithReceipt({
      settlement: fx.d.settlement.connect(alice) as PayoutSettlementContract,
      registry: fx.d.registry,
      epoch: EPOCH,
      receiptFile,
    });
    assert.equal((await fx.d.settlement.epochState(EPOCH)).status, EpochStatus.Registration, "the empty commit is void");
  });

  it("a high s has no form the contract takes: refused when the receipt is read", () => {
    const honest = readDeliveryReceipt(receiptFile);
    const sig = Signature.from(honest.signature);
    const high = `0x${sig.r.slice(2)}${(N - BigInt(sig.s)).toString(16).padStart(64, "0")}${sig.v === 27 ? "1c" : "1b"}`;
    assert.throws(() => contractSignature(high));
    writeDeliveryReceipt(receiptFile, { ...honest, signature: high });
    assert.throws(() => readDeliveryReceipt(receiptFile), /signature: .* is no signature the contract could take/);
  });
});
