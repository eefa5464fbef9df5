/**
 * The Delivery receipt file (protocol/delivery-receipt.ts): written and read back field for field,
 * a malformed field named with its file, and the trainer's signature checked: signed here with the
 * EIP-712 domain and type written out independently (PayoutSettlement's constructor and
 * DELIVERY_TYPEHASH), so the check is shown to accept what the contract accepts, and to refuse a
 * changed signature, a changed signed field and another key. The skeptic's own check of the same
 * file against a record (verify/delivery-receipt.ts; its signature check needs a chain: see
 * test/live-protocol.test.ts) names the field that is not the contributor's registration.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { CodedError } from "../errors/index.ts";
import {
  checkTrainersSignature,
  DELIVERY_RECEIPT_KIND,
  readDeliveryReceipt,
  writeDeliveryReceipt,
  type DeliveryReceipt,
} from "../protocol/delivery-receipt.ts";
import { deliveryReceiptSigner } from "../verifier-contracts/settle.ts";
import { checkDeliveryReceipt } from "../verify/delivery-receipt.ts";
import { EpochVerifyError } from "../verify/epoch-errors.ts";
import type { PublicRecord } from "../verify/record.ts";

const work = mkdtempSync(join(tmpdir(), "delivery-receipt-"));
after(() => rmSync(work, { recursive: true, force: true }));

const trainer = new Wallet(keccak256(toUtf8Bytes("delivery-receipt test trainer")));
const stranger = new Wallet(keccak256(toUtf8Bytes("delivery-receipt test stranger")));
const contributor = new Wallet(keccak256(toUtf8Bytes("delivery-receipt test contributor"))).address;
const SETTLEMENT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A receipt of registration 3 of epoch 7, signed by `key`. */
async function signed(key: Wallet, fields: Partial<DeliveryReceipt> = {}): Promise<DeliveryReceipt> {
  const base = { chainId: 31337n, settlement: SETTLEMENT, epoch: 7n, order: 3, commitment: 12345678901234567890n, ...fields };
  const signature = await key.signTypedData(
    { name: "AttributionSettlement", version: "1", chainId: base.chainId, verifyingContract: base.settlement },
    {
      Delivery: [
        { name: "epoch", type: "uint64" },
        { name: "order", type: "uint32" },
        { name: "commitment", type: "uint256" },
      ],
    },
    { epoch: base.epoch, order: base.order, commitment: base.commitment },
  );
  return { ...base, contributor, trainer: key.address, signature: signature.toLowerCase() };
}

/** The CodedError `run` throws, checked for its code and that its message names `file` and `field`. */
function refused(run: () => unknown, code: string, file: string, field: string): CodedError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CodedError, String(error));
    assert.equal(error.code, code, error.message);
    assert.ok(error.message.startsWith(`${file}: ${field}: `), error.message);
    return error;
  }
  return assert.fail(`expected ${code}`);
}

describe("the Delivery receipt file", () => {
  it("is written atomically as JSON of its kind and read back field for field", async () => {
    const r = await signed(trainer);
    const dir = join(work, "written");
    const file = join(dir, "delivery-receipt.json");
    writeDeliveryReceipt(file, r);
    assert.deepEqual(readdirSync(dir), ["delivery-receipt.json"], "no temporary file left");
    const raw = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(raw.kind, DELIVERY_RECEIPT_KIND);
    assert.equal(raw.commitment, "12345678901234567890", "bigints as decimal strings");
    assert.deepEqual(readDeliveryReceipt(file), r);
  });

  it("the trainer's own signature passes; the signer recovered is the trainer", async () => {
    const r = await signed(trainer);
    assert.equal(deliveryReceiptSigner(r), trainer.address);
    checkTrainersSignature("r.json", r, trainer.address);
  });

  it("a changed signature, a changed signed field or another key's signature is refused, naming the file and field", async () => {
    const r = await signed(trainer);
    const flipped = `${r.signature.slice(0, 10)}${r.signature[10] === "0" ? "1" : "0"}${r.signature.slice(11)}`;
    refused(
      () => checkTrainersSignature("t.json", { ...r, signature: flipped }, trainer.address),
      "DELIVERY_RECEIPT_SIGNATURE",
      "t.json",
      "signature",
    );
    for (const edit of [{ order: 4 }, { commitment: r.commitment + 1n }, { epoch: 8n }, { chainId: 1n }]) {
      const error = refused(
        () => checkTrainersSignature("e.json", { ...r, ...edit }, trainer.address),
        "DELIVERY_RECEIPT_SIGNATURE",
        "e.json",
        "signature",
      );
      assert.match(error.message, /not by epoch \d+'s trainer/);
    }
    // Another key's signature, claiming to be the trainer's, and naming itself.
    const forged = await signed(stranger);
    const error = refused(
      () => checkTrainersSignature("f.json", { ...forged, trainer: trainer.address }, trainer.address),
      "DELIVERY_RECEIPT_SIGNATURE",
      "f.json",
      "signature",
    );
    assert.match(error.message, new RegExp(`made by ${stranger.address}`));
    refused(() => checkTrainersSignature("g.json", forged, trainer.address), "DELIVERY_RECEIPT_OTHER_TRAINER", "g.json", "trainer");
    // r = 0: no key could have made it.
    const none = `0x${"00".repeat(64)}1b`;
    assert.equal(deliveryReceiptSigner({ ...r, signature: none }), undefined);
    refused(
      () => checkTrainersSignature("n.json", { ...r, signature: none }, trainer.address),
      "DELIVERY_RECEIPT_SIGNATURE",
      "n.json",
      "signature",
    );
  });

  it("the reader names the file and the first malformed field; a file that is no receipt is unreadable, not read whole", async () => {
    const r = await signed(trainer);
    const base = { kind: DELIVERY_RECEIPT_KIND, version: 1, ...r, chainId: "31337", epoch: "7", commitment: String(r.commitment) };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, kind: "attribution-prover/registration-receipt" }, "kind"],
      [{ ...base, version: 2 }, "version"],
      [{ ...base, signature: r.signature.slice(0, -4) }, "signature"],
      [{ ...base, signature: undefined }, "signature"],
      [{ ...base, chainId: "-1" }, "chainId"],
      [{ ...base, settlement: "0x1234" }, "settlement"],
      [{ ...base, order: 2 ** 32 }, "order"],
      [{ ...base, epoch: (1n << 64n).toString() }, "epoch"],
      [{ ...base, commitment: "0x12" }, "commitment"],
      [{ ...base, contributor: 7 }, "contributor"],
      [{ ...base, trainer: trainer.address.toLowerCase().replace("0x", "0X") }, "trainer"],
    ];
    mkdirSync(join(work, "bad"));
    for (const [i, [value, field]] of cases.entries()) {
      const file = join(work, "bad", `${i}.json`);
      writeFileSync(file, JSON.stringify(value));
      refused(() => readDeliveryReceipt(file), "DELIVERY_RECEIPT_MALFORMED", file, field);
    }
    const notJson = join(work, "bad", "not.json");
    writeFileSync(notJson, "{");
    assert.throws(
      () => readDeliveryReceipt(notJson),
      (e: CodedError) => e.code === "DELIVERY_RECEIPT_UNREADABLE" && e.message.startsWith(notJson),
    );
    const big = join(work, "bad", "big.json");
    writeFileSync(big, JSON.stringify({ ...base, padding: "x".repeat(70_000) }));
    assert.throws(
      () => readDeliveryReceipt(big),
      (e: CodedError) => e.code === "DELIVERY_RECEIPT_UNREADABLE" && e.message.startsWith(big),
    );
    assert.throws(
      () => readDeliveryReceipt(work),
      (e: CodedError) => e.code === "DELIVERY_RECEIPT_UNREADABLE",
      "a folder is no receipt",
    );
  });
});

describe("the skeptic's check of a Delivery receipt against the record (no chain)", () => {
  // What checkDeliveryReceipt reads of a record: its epoch's identity and registration 3.
  const record = {
    chainId: 31337n,
    settlement: SETTLEMENT,
    epoch: 7n,
    registrations: Object.assign([], {
      3: { order: 3, contributor: BigInt(contributor), commitment: 12345678901234567890n, count: 2, excluded: false, fold: 0n },
    }),
  } as unknown as PublicRecord;

  it("passes one of the record's epoch naming the contributor's registration, and says the signature is unchecked", async () => {
    const file = join(work, "skeptic-good.json");
    writeDeliveryReceipt(file, await signed(trainer));
    assert.deepEqual(await checkDeliveryReceipt(record, file, contributor, 3), { file, order: 3 });
  });

  it("the trainer's rewrites of what it did not sign: verify accepts exactly what contest's reader reads (red team 10)", async () => {
    const r = await signed(trainer);
    const file = join(work, "skeptic-rewrite.json");
    writeDeliveryReceipt(file, r);
    const honest = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    // One letter's case flipped: the same address, a wrong EIP-55 checksum.
    const flip = (a: string) => {
      const k = [...a].findIndex((c, n) => n > 1 && /[a-fA-F]/.test(c));
      const c = a[k]!;
      return a.slice(0, k) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + a.slice(k + 1);
    };
    const rewrites: [string, string, boolean][] = [
      ["an address with a wrong EIP-55 checksum", JSON.stringify({ ...honest, settlement: flip(String(honest.settlement)) }), true],
      ["padded past 4 KiB", JSON.stringify(honest, null, 2) + " ".repeat(5000), true],
      ["a byte-order mark", `\uFEFF${JSON.stringify(honest)}`, true],
      ["version 2", JSON.stringify({ ...honest, version: 2 }), false],
      ["the signature inside an array", JSON.stringify({ ...honest, signature: [honest.signature] }), false],
      ["no signature", JSON.stringify({ ...honest, signature: undefined }), false],
      ["padded past 64 KiB", JSON.stringify(honest) + " ".repeat(70_000), false],
    ];
    for (const [what, text, readable] of rewrites) {
      writeFileSync(file, text);
      const contest = (() => {
        try {
          return readDeliveryReceipt(file).signature === r.signature.toLowerCase();
        } catch {
          return false;
        }
      })();
      const skeptic = await checkDeliveryReceipt(record, file, contributor, 3).then(
        () => true,
        () => false,
      );
      assert.deepEqual([contest, skeptic], [readable, readable], what);
    }
  });

  it("names the field of another epoch, another contributor, another registration or commitment (RECEIPT_MISMATCH)", async () => {
    const r = await signed(trainer);
    const cases: [Partial<DeliveryReceipt>, string, number?][] = [
      [{ epoch: 8n }, "epoch"],
      [{ settlement: trainer.address }, "epoch"],
      [{ contributor: stranger.address }, "contributor"],
      [{}, "order", 2],
      [{ commitment: r.commitment + 1n }, "commitment"],
    ];
    for (const [i, [edit, field, order]] of cases.entries()) {
      const file = join(work, `skeptic-${i}.json`);
      writeDeliveryReceipt(file, { ...r, ...edit });
      await assert.rejects(
        checkDeliveryReceipt(record, file, contributor, order ?? 3),
        (e: unknown) => e instanceof EpochVerifyError && e.code === "RECEIPT_MISMATCH" && e.where.file === file && e.where.field === field,
        field,
      );
    }
  });
});
