/**
 * The trainer's collect (protocol/trainer/collect.ts) against crafted delivery folders: "a bad
 * delivery is named and never blocks the epoch". A security review found that a registrant with a
 * genuine receipt could hang collect forever (its data.jsonl a FIFO: a synchronous read waits for a
 * writer), exhaust its memory (x.bin a link to /dev/zero) or point it at another contributor's
 * data (receipt data.path "../", or a link out of the folder). Each is registered honestly on an
 * in-process chain, delivered beside good deliveries, and must come back as a named bad delivery
 * with its code while the good ones are accepted and signed.
 *
 * Each FIFO has a safety writer (helpers/fifo.ts): on a regression the read ends after 30 s and
 * the assertions fail. (A regression of both the path check and the readers' device check would
 * read /dev/zero without end: that is the bug.)
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseEther, Wallet, ZeroHash } from "ethers";
import { MAX_EXAMPLE_BYTES, readContributorData } from "../dataset/index.ts";
import { encodeNpy } from "../dataset/npy.ts";
import { encodeZip } from "../dataset/zip.ts";
import { registerData } from "../protocol/contributor.ts";
import { readReceipt, writeReceipt, type RegistrationReceipt } from "../protocol/receipt.ts";
import { acceptDeliveries, collectDeliveries, type Collected } from "../protocol/trainer/collect.ts";
import { openEpoch } from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { closeFifos, makeFifo } from "./helpers/fifo.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const work = mkdtempSync(join(tmpdir(), "collect-deliveries-"));
const deliveries = join(work, "deliveries");

/** JSONL text records named for `who`: distinct examples per contributor. */
const records = (who: string, n = 2) =>
  Array.from({ length: n }, (_, i) => `${JSON.stringify({ text: `${who} example ${i}` })}\n`).join("");
const hashesOf = (path: string, form?: "jsonl" | "bin" | "folder" | "npz") =>
  readContributorData(path, form === undefined ? {} : { form }).examples.map((e) => e.hash);

let f: SettlementFixture;
let collected: Collected;
/** Delivery folder name -> its registration order. */
const orders = new Map<string, number>();

/** Registers `hashes` from a fresh funded key; the receipt. */
async function register(hashes: readonly bigint[]): Promise<RegistrationReceipt> {
  const wallet = Wallet.createRandom().connect(f.conn.ethers.provider);
  await (await f.signers[0]!.sendTransaction({ to: wallet.address, value: parseEther("1") })).wait();
  return registerData(f.d, wallet as unknown as Wallet, {
    epoch: 1n,
    settlement: f.d.addresses.settlement,
    hashes,
    data: { path: "data", form: "jsonl" },
    mintFee: true,
  });
}

/** A delivery folder `name`: `make` writes its data in it; registered with `hashes`, its receipt naming `data`. */
async function deliver(
  name: string,
  hashes: readonly bigint[],
  data: { path: string; form: string },
  make: (folder: string) => void,
): Promise<string> {
  const folder = join(deliveries, name);
  mkdirSync(folder, { recursive: true });
  const receipt = await register(hashes);
  orders.set(name, receipt.order);
  make(folder);
  writeReceipt(join(folder, "receipt.json"), { ...receipt, data });
  return folder;
}

const source = (name: string, content: string | Uint8Array) => {
  const path = join(work, "sources", name);
  mkdirSync(join(work, "sources"), { recursive: true });
  writeFileSync(path, content);
  return path;
};

describe("collect: crafted deliveries are named bad deliveries, good ones still accepted", () => {
  before(async () => {
    f = await settlementFixture(10n ** 24n);
    await openEpoch(f.d, {
      epoch: 1n,
      closesAt: await earliestDeadline(f.d.registry),
      validationCommitment: ZeroHash,
      pool: 10n ** 20n,
      trainer: f.signers[0]!.address,
      follows: 0n,
    });

    // Good: JSONL; JSONL named .txt (the receipt's form, not the name, says how to read it); a folder.
    const good = source("good.jsonl", records("good"));
    await deliver("good-jsonl", hashesOf(good), { path: "data.jsonl", form: "jsonl" }, (d) =>
      writeFileSync(join(d, "data.jsonl"), records("good")),
    );
    const txt = source("txt.jsonl", records("txt"));
    await deliver("good-txt", hashesOf(txt), { path: "data.txt", form: "jsonl" }, (d) =>
      writeFileSync(join(d, "data.txt"), records("txt")),
    );
    const folderSource = join(work, "sources", "folder");
    mkdirSync(folderSource, { recursive: true });
    writeFileSync(join(folderSource, "a.txt"), "folder a");
    writeFileSync(join(folderSource, "b.txt"), "folder b");
    await deliver("good-folder", hashesOf(folderSource), { path: "examples", form: "folder" }, (d) => {
      mkdirSync(join(d, "examples"));
      writeFileSync(join(d, "examples", "a.txt"), "folder a");
      writeFileSync(join(d, "examples", "b.txt"), "folder b");
    });

    // Good: registered from JSONL rows ({input, label}, a digit nested 28 x 28 and a row of integers),
    // delivered as the same values in a float32 .npz of shape (N, 1, 784): one example is one hash
    // whatever its dtype and shape (dataset/canonical-bytes.ts), so collect accepts it.
    const digit = Array.from({ length: 784 }, (_, k) => (k * 13) % 256);
    const jsonlRows = `${JSON.stringify({ input: Array.from({ length: 28 }, (_, r) => digit.slice(r * 28, (r + 1) * 28)), label: 7 })}\n${JSON.stringify({ input: [...Array(783).fill(1), 2], label: 12 })}\n`;
    const rowsSource = source("rows.jsonl", jsonlRows);
    const asNpz = encodeZip(
      new Map([
        ["x.npy", encodeNpy(Float32Array.from([...digit, ...Array(783).fill(1), 2]), [2, 1, 784])],
        ["y.npy", encodeNpy(Float32Array.of(7, 12), [2])],
      ]),
    );
    await deliver("good-npz", hashesOf(rowsSource), { path: "data.npz", form: "npz" }, (d) => writeFileSync(join(d, "data.npz"), asNpz));

    // Bad, each with a genuine registration.
    const fifoData = source("fifo.jsonl", records("fifo"));
    await deliver("fifo", hashesOf(fifoData), { path: "data.jsonl", form: "jsonl" }, (d) => makeFifo(join(d, "data.jsonl")));
    await deliver("dev-zero", [1n, 2n], { path: "x.bin", form: "bin" }, (d) => symlinkSync("/dev/zero", join(d, "x.bin")));
    // A copier of good-jsonl's examples pointing at its delivered file, by ../ and by a link.
    await deliver("dot-dot", hashesOf(good), { path: "../good-jsonl/data.jsonl", form: "jsonl" }, () => {});
    await deliver("link-out", hashesOf(good), { path: "data.jsonl", form: "jsonl" }, (d) =>
      symlinkSync(join(deliveries, "good-jsonl", "data.jsonl"), join(d, "data.jsonl")),
    );
    await deliver("absolute", hashesOf(good), { path: join(deliveries, "good-jsonl", "data.jsonl"), form: "jsonl" }, () => {});
    await deliver("folder-link-out", hashesOf(good, "jsonl"), { path: "examples", form: "folder" }, (d) => {
      mkdirSync(join(d, "examples"));
      symlinkSync(join(deliveries, "good-jsonl", "data.jsonl"), join(d, "examples", "a"));
    });
    const formData = source("form.jsonl", records("form"));
    await deliver("form-unknown", hashesOf(formData), { path: "data.jsonl", form: "csv" }, (d) =>
      writeFileSync(join(d, "data.jsonl"), records("form")),
    );
    await deliver("form-wrong", hashesOf(formData), { path: "data.jsonl", form: "bin" }, (d) =>
      writeFileSync(join(d, "data.jsonl"), records("form")),
    );
    const one = source("one.jsonl", records("large", 1));
    await deliver("too-large", hashesOf(one), { path: "data.jsonl", form: "jsonl" }, (d) =>
      writeFileSync(join(d, "data.jsonl"), records("large", 1) + "\n".repeat(MAX_EXAMPLE_BYTES)),
    );
    // A receipt that is a FIFO (no registration needed: it is never read).
    mkdirSync(join(deliveries, "receipt-fifo"));
    makeFifo(join(deliveries, "receipt-fifo", "receipt.json"));

    collected = await collectDeliveries({
      epoch: 1n,
      registry: f.d.registry,
      settlement: f.d.settlement,
      trainer: f.signers[0]!,
      deliveries: [deliveries],
    });
  });

  after(async () => {
    closeFifos();
    await f?.close();
  });

  const badOf = (name: string) => {
    const bad = collected.bad.find((b) => b.delivery === join(deliveries, name));
    assert.ok(bad, `${name} is not among the bad deliveries: ${JSON.stringify(collected.bad.map((b) => b.delivery))}`);
    return bad;
  };

  test("the good deliveries are accepted and signed, the bad ones' registrations excluded", () => {
    const good = ["good-jsonl", "good-txt", "good-folder", "good-npz"].map((n) => orders.get(n)!).sort((a, b) => a - b);
    assert.deepEqual(
      collected.delivered.map((d) => d.order),
      good,
    );
    assert.ok(collected.delivered.every((d) => /^0x[0-9a-f]{130}$/.test(d.signature)));
    assert.deepEqual(collected.delivered.map((d) => d.form).sort(), ["folder", "jsonl", "jsonl", "npz"]);
    assert.equal(collected.delivered.find((d) => d.order === orders.get("good-txt"))!.data, join(deliveries, "good-txt", "data.txt"));
    assert.equal(collected.excluded.length, orders.size - good.length);
    assert.equal(collected.bad.length, orders.size - good.length + 1);
  });

  test("a FIFO as the data: NOT_REGULAR_FILE naming the file, never read", () => {
    const bad = badOf("fifo");
    assert.equal(bad.code, "NOT_REGULAR_FILE", bad.message);
    assert.match(bad.message, /fifo\/data\.jsonl: a FIFO \(named pipe\): only a regular file is read/);
  });

  test("a link to /dev/zero: DELIVERY_PATH_OUTSIDE, never read (the readers refuse a device anyway: dataset-readers.test.ts)", () => {
    const bad = badOf("dev-zero");
    assert.equal(bad.code, "DELIVERY_PATH_OUTSIDE", bad.message);
    assert.match(bad.message, /"x\.bin" resolves \(symbolic links followed\) to \/dev\/zero, not inside /);
  });

  test("a data path out of the delivery folder (../, a link out, absolute): DELIVERY_PATH_OUTSIDE", () => {
    for (const name of ["dot-dot", "link-out", "absolute"]) {
      const bad = badOf(name);
      assert.equal(bad.code, "DELIVERY_PATH_OUTSIDE", `${name}: ${bad.message}`);
      assert.match(bad.message, new RegExp(`not inside the delivery folder ${join(deliveries, name)}$`));
    }
    assert.match(badOf("link-out").message, /resolves \(symbolic links followed\) to .*good-jsonl\/data\.jsonl/);
  });

  test("a folder entry linking out of the delivery folder: PATH_OUTSIDE naming the entry", () => {
    const bad = badOf("folder-link-out");
    assert.equal(bad.code, "PATH_OUTSIDE", bad.message);
    assert.match(bad.message, /folder-link-out\/examples\/a: example 0: resolves .*good-jsonl\/data\.jsonl, which is not inside /);
  });

  test("the receipt's form is how the data is read: an unknown one is DELIVERY_FORM_UNKNOWN, a wrong one fails its reader", () => {
    const unknown = badOf("form-unknown");
    assert.equal(unknown.code, "DELIVERY_FORM_UNKNOWN", unknown.message);
    assert.match(unknown.message, /"csv" is not one the trainer reads \(bin, jsonl, folder, npz, npy\)/);
    const wrong = badOf("form-wrong");
    assert.equal(wrong.code, "BIN_LENGTH", wrong.message);
    assert.match(wrong.message, /form-wrong\/data\.jsonl: /);
  });

  test("more bytes than MAX_EXAMPLE_BYTES per registered example: TOO_LARGE before a byte is read", () => {
    const bad = badOf("too-large");
    assert.equal(bad.code, "TOO_LARGE", bad.message);
    assert.match(
      bad.message,
      new RegExp(
        `too-large/data\\.jsonl: ${MAX_EXAMPLE_BYTES + records("large", 1).length} bytes, more than the ${MAX_EXAMPLE_BYTES} read at most`,
      ),
    );
  });

  test("a receipt.json that is a FIFO: RECEIPT_UNREADABLE, never read", () => {
    const bad = badOf("receipt-fifo");
    assert.equal(bad.code, "RECEIPT_UNREADABLE", bad.message);
    assert.match(bad.message, /a FIFO \(named pipe\)/);
  });

  test("whatever one delivery throws (even a non-Error) stays that delivery's: the others are accepted", async () => {
    // A receipt whose every field throws null: `(error).code` on it was a TypeError out of the catch.
    const throwing = new Proxy(
      {},
      {
        get: () => {
          throw null;
        },
      },
    ) as RegistrationReceipt;
    const good = readReceipt(join(deliveries, "good-jsonl", "receipt.json"));
    const again = await acceptDeliveries({
      epoch: 1n,
      registry: f.d.registry,
      settlement: f.d.settlement,
      trainer: f.signers[0]!,
      received: [
        { receipt: throwing, name: "throws null" },
        { receipt: good, folder: join(deliveries, "good-jsonl"), name: "good" },
      ],
    });
    assert.deepEqual(again.bad, [{ delivery: "throws null", code: "DELIVERY_UNREADABLE", message: "threw null" }]);
    assert.deepEqual(
      again.delivered.map((d) => d.order),
      [orders.get("good-jsonl")],
    );
  });
});
