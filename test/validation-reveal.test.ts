/**
 * The validation set's commit-reveal off chain (the contract side is in contracts.test.ts): the
 * seal a trainer makes before registration, the record a skeptic checks after the reveal
 * (verify/validation.ts: the file is the revealed set, the salt opens the commitment, no paid
 * example copies it), epoch.json's list of the defences that ran, and the set itself chosen from
 * the trainer's secret (environment or a 0600 file), not from the repository, or brought by the
 * trainer as a file (sealed by its set hash, revealed in its own form).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { exampleHash, splitMnist, subset } from "../attribution/data.ts";
import { buildPartitions } from "../attribution/partitions.ts";
import { secretValidationSplit } from "../attribution/secret-split.ts";
import { decodeDataset } from "../dataset/dataset-file.ts";
import type { Dataset } from "../dataset/index.ts";
import { config } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { derive } from "../attribution/prng.ts";
import { listDefences } from "../protocol/trainer/defences.ts";
import { shiftedNoisyCopy } from "../scripts/lib/attacks.ts";
import { encodeNpy } from "../dataset/npy.ts";
import { readValidationFile } from "../protocol/trainer/validation-file.ts";
import {
  assertSealedSet,
  epochValidationSecret,
  heldOutValidationSet,
  sealValidationSet,
  writeRevealedValidation,
} from "../protocol/trainer/validation-reveal.ts";
import { loadValidationSecret } from "../protocol/trainer/validation-secret.ts";
import { EpochVerifyError } from "../verify/index.ts";
import type { EpochRecord } from "../verify/record.ts";
import { checkValidation } from "../verify/validation.ts";
import { validationCommitment } from "../witness/index.ts";

const split = splitMnist(11, 60);
const trainer = new Wallet(keccak256(toUtf8Bytes("validation reveal test trainer")));
const SETTLEMENT = "0x0165878A594ca255338adfa4d48449f69242Eb8F";
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** An epoch directory holding only what the check reads: validation.bin and the record's fields. */
async function recordOf(
  examples: { hash: bigint; score: bigint }[],
  change: (v: Record<string, unknown>) => Record<string, unknown> = (v) => v,
): Promise<EpochRecord> {
  const dir = mkdtempSync(join(tmpdir(), "validation-"));
  const sealed = await sealValidationSet(trainer, 31337n, SETTLEMENT, 1n, split.validation);
  writeFileSync(join(dir, "validation.bin"), sealed.files[0]!.bytes);
  const { validationSetHash, salt, commitment, examples: count } = sealed;
  const validation = change({
    file: "validation.bin",
    examples: count,
    validationSetHash,
    salt,
    commitment,
    revealTx: `0x${"0".repeat(64)}`,
  });
  return { dir, epoch: 1n, examples: examples.map((e) => ({ ...e, contributor: 0 })), validation } as unknown as EpochRecord;
}

async function rejects(record: EpochRecord, message: RegExp, options: Parameters<typeof checkValidation>[1] = {}): Promise<void> {
  await assert.rejects(
    checkValidation(record, options),
    (e: unknown) =>
      e instanceof EpochVerifyError && e.code === "VALIDATION_MISMATCH" && e.check === "validation" && message.test(e.message),
  );
}

describe("validation set: sealed before registration, revealed after scoring, rechecked by the skeptic", () => {
  test("each epoch of each deployment has its own held-out set: an epoch's reveal says nothing of the next one's", () => {
    const secret = new TextEncoder().encode("a trainer's validation secret of 32 characters or more");
    const hashOf = (epoch: bigint, settlement = SETTLEMENT) =>
      createHash("sha256")
        .update(heldOutValidationSet(config, epochValidationSecret(secret, 31337n, settlement, epoch)).images)
        .digest("hex");
    assert.equal(hashOf(1n), hashOf(1n), "seal, score and settle derive the same set");
    assert.notEqual(hashOf(2n), hashOf(1n), "another epoch, another set");
    assert.notEqual(hashOf(1n, "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"), hashOf(1n), "another deployment, another set");
  });

  test("the seal: a file whose sha256 is the set's hash, a salt the trainer's key derives again, the commitment the contract recomputes", async () => {
    const a = await sealValidationSet(trainer, 31337n, SETTLEMENT, 1n, split.validation);
    const b = await sealValidationSet(trainer, 31337n, SETTLEMENT, 1n, split.validation);
    assert.equal(a.salt, b.salt, "the witness and settle stages derive the same salt");
    assert.notEqual(
      (await sealValidationSet(trainer, 31337n, SETTLEMENT, 2n, split.validation)).salt,
      a.salt,
      "another epoch, another salt",
    );
    const otherDeployment = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707";
    assert.notEqual(
      (await sealValidationSet(trainer, 31337n, otherDeployment, 1n, split.validation)).commitment,
      a.commitment,
      "another deployment, another commitment",
    );
    assert.equal(`0x${createHash("sha256").update(a.files[0]!.bytes).digest("hex")}`, a.validationSetHash);
    assert.equal(a.commitment, validationCommitment(a.validationSetHash, a.salt));
    const back: Dataset = decodeDataset(a.files[0]!.bytes);
    assert.deepEqual([back.size, back.labels, back.images], [60, split.validation.labels, split.validation.images]);
    assert.throws(() => decodeDataset(a.files[0]!.bytes.subarray(1)), {
      name: "DatasetError",
      code: "BIN_LENGTH",
      message: /multiple of 785/,
    });
  });

  test("a record without copies passes; a paid exact copy of a validation example is named by its row", async () => {
    const honest = subset(split.pool, range(0, 5));
    const rows = range(0, 5).map((i) => ({ hash: exampleHash(honest, i), score: 1000n }));
    const pass = await checkValidation(await recordOf(rows));
    assert.equal(pass.status, "pass");
    assert.match(pass.detail, /0 exact copies/);
    const copy = exampleHash(split.validation, 7);
    assert.equal(
      (await checkValidation(await recordOf([...rows, { hash: copy, score: 0n }]))).status,
      "pass",
      "a copy that scores 0 is what the defence does",
    );
    await rejects(await recordOf([...rows, { hash: copy, score: 5n }]), /row 5 .* is validation example 7 and scores 5 > 0/);
  });

  test("a near copy (2-px shift, noise) with a positive score fails once the contributors' data is given", async () => {
    const honest = subset(split.pool, range(0, 20));
    const near = shiftedNoisyCopy(subset(split.validation, [3]), derive(5, "t"), 0.05);
    const rows = [...range(0, 20).map((i) => ({ hash: exampleHash(honest, i), score: 1000n })), { hash: exampleHash(near, 0), score: 9n }];
    const training = [
      { address: "0x0000000000000000000000000000000000000001", data: honest },
      { address: "0x0000000000000000000000000000000000000002", data: near },
    ];
    assert.match((await checkValidation(await recordOf(rows))).detail, /near copies not checked/);
    await rejects(await recordOf(rows), /row 20 .* near copy of validation example 3/, { training });
    rows[20]!.score = 0n;
    assert.match(
      (await checkValidation(await recordOf(rows), { training })).detail,
      /1 near copies among 21 registered examples, none paid/,
    );
  });

  test("a wrong salt or a file other than the revealed set fails; an old record without a reveal is skipped", async () => {
    await rejects(await recordOf([], (v) => ({ ...v, salt: keccak256(toUtf8Bytes("another salt")) })), /not the recorded commitment/);
    await rejects(
      await recordOf([], (v) => ({
        ...v,
        validationSetHash: keccak256(toUtf8Bytes("another set")),
        commitment: validationCommitment(keccak256(toUtf8Bytes("another set")), v.salt as string),
      })),
      /validation.bin has set hash/,
    );
    const old = await recordOf([]);
    assert.equal((await checkValidation({ ...old, validation: undefined } as unknown as EpochRecord)).status, "skipped");
    await assert.rejects(checkValidation(await recordOf([], (v) => ({ ...v, file: "../validation.bin" }))), { code: "RECORD_MALFORMED" });
  });

  test("a set the trainer brings as files (.npy with its labels .npy): sealed by its set hash, revealed byte for byte in its form, rechecked; another set is refused naming its file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "validation-file-"));
    const rows = (name: string, values: number[], labels: bigint[]) => {
      writeFileSync(join(dir, `${name}-x.npy`), encodeNpy(Float32Array.from(values), [labels.length, 2]));
      writeFileSync(join(dir, `${name}-y.npy`), encodeNpy(BigInt64Array.from(labels), [labels.length]));
      return readValidationFile(join(dir, `${name}-x.npy`), join(dir, `${name}-y.npy`)).set;
    };
    const set = rows("val", [0.5, 1, -2, 3, 7, 0.25], [0n, 1n, 2n]);
    const sealed = await sealValidationSet(trainer, 31337n, SETTLEMENT, 1n, set);
    assert.equal(sealed.validationSetHash, set.hash);
    assert.equal(sealed.commitment, validationCommitment(set.hash, sealed.salt));
    const epochDir = mkdtempSync(join(tmpdir(), "validation-file-epoch-"));
    const section = writeRevealedValidation(sealed, sealed.commitment, epochDir, `0x${"0".repeat(64)}`);
    assert.deepEqual([section.file, section.labels, section.examples], ["validation.npy", "validation-labels.npy", 3]);
    assert.deepEqual(
      readFileSync(join(epochDir, "validation.npy")),
      readFileSync(join(dir, "val-x.npy")),
      "the trainer's file, byte for byte",
    );
    const record = { dir: epochDir, epoch: 1n, examples: [], validation: section } as unknown as EpochRecord;
    assert.match(
      (await checkValidation(record)).detail,
      /validation.npy \(3 examples\) is the revealed set: set hash = validationSetHash.*the set is not images/,
    );

    const other = rows("other", [0.5, 1, -2, 3, 7, 0.5], [0n, 1n, 2n]);
    await assert.rejects(
      assertSealedSet(trainer, 31337n, SETTLEMENT, 1n, other, sealed.commitment),
      (e: unknown) =>
        e instanceof CodedError &&
        e.code === "VALIDATION_NOT_COMMITTED" &&
        e.category === "input" &&
        e.message.includes(join(dir, "other-x.npy")) &&
        /epoch 1 opened registration with/.test(e.message),
    );
    assert.equal(
      (await assertSealedSet(trainer, 31337n, SETTLEMENT, 1n, set, sealed.commitment)).salt,
      sealed.salt,
      "the sealed set passes",
    );
    const scoredAgainst = (hash: string) => ({ ...record, attribution: { validationHash: hash.slice(2) } }) as unknown as EpochRecord;
    assert.equal((await checkValidation(scoredAgainst(set.hash))).status, "pass", "the scores were made against the revealed set");
    await rejects(scoredAgainst(other.hash), /attribution.validationHash says the scores were made against set/);
    writeFileSync(join(epochDir, "validation.npy"), readFileSync(join(dir, "other-x.npy")));
    await rejects(record, /validation.npy has set hash/);
  });

  test("epoch.json defences: what ran and how many examples each caught", () => {
    const attribution = {
      defences: ["exact-dedup", "near-duplicates", "label-consistency"],
      flagged: [{ reference: { set: "registered" } }, { reference: { set: "validation" } }, { reference: { set: "registered" } }],
      mislabelled: [{}],
    };
    assert.deepEqual(
      listDefences(attribution, 4).map((d) => [d.name, d.ran, d.count]),
      [
        ["exact-dedup", true, 4],
        ["near-duplicates", true, 2],
        ["validation-copies", true, 1],
        ["label-consistency", true, 1],
      ],
    );
    assert.deepEqual(
      listDefences(undefined, 0).map((d) => d.ran),
      [true, false, false, false],
    );
    assert.throws(() => listDefences(undefined, -1), { name: "RangeError", message: /duplicates/ });
  });
});

describe("validation set: chosen from the trainer's secret, not from the repository", () => {
  const settings = config.attribution;
  const secret = (s: string) => new TextEncoder().encode(s.padEnd(32, "."));

  test("two secrets give two sets; the public seed's split is neither; no contributor's example is in either", () => {
    const a = secretValidationSplit(settings, secret("trainer secret a"));
    const b = secretValidationSplit(settings, secret("trainer secret b"));
    const publicSplit = splitMnist(settings.seed, settings.validationSize);
    assert.equal(a.validation.size, settings.validationSize);
    assert.equal(
      secretValidationSplit(settings, secret("trainer secret a")).validationHash,
      a.validationHash,
      "the same secret, the same set",
    );
    assert.notEqual(a.validationHash, b.validationHash, "another secret, another set");
    assert.notEqual(a.validationHash, publicSplit.validationHash, "the config alone does not give it");
    assert.deepEqual(
      [a.pool.images, a.pool.labels],
      [publicSplit.pool.images, publicSplit.pool.labels],
      "the contributors' pool does not depend on the secret",
    );
    const images = (d: Dataset) =>
      new Set(
        Array.from({ length: d.size }, (_, i) =>
          createHash("sha256")
            .update(d.images.subarray(i * 784, (i + 1) * 784))
            .digest("hex"),
        ),
      );
    const contributed = new Set(buildPartitions(publicSplit.pool, settings.partitions, settings.seed).flatMap((p) => [...images(p.data)]));
    for (const set of [a.validation, b.validation])
      assert.ok(![...images(set)].some((x) => contributed.has(x)), "no contributed image is held out");
    assert.throws(() => secretValidationSplit(settings, new Uint8Array(8)), { name: "RangeError", message: /at least 16 bytes/ });
  });

  test("the secret comes from the environment or a 0600 file the first stage writes, never from a flag", () => {
    const dir = mkdtempSync(join(tmpdir(), "validation-secret-"));
    const file = join(dir, "trainer", "secret");
    const env = { TRAINER_VALIDATION_SECRET_FILE: file };
    assert.throws(() => loadValidationSecret({ env }), { code: "VALIDATION_SECRET", message: /does not exist/ });
    const written = loadValidationSecret({ env, create: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(written.source, file);
    assert.deepEqual(loadValidationSecret({ env, create: true }).secret, written.secret, "an existing secret is kept");
    assert.deepEqual(loadValidationSecret({ env }).secret, written.secret);
    chmodSync(file, 0o644);
    assert.throws(() => loadValidationSecret({ env }), { code: "VALIDATION_SECRET", message: /chmod 600/ });
    const inline = loadValidationSecret({ env: { ...env, TRAINER_VALIDATION_SECRET: "x".repeat(40) } });
    assert.equal(inline.source, "TRAINER_VALIDATION_SECRET");
    assert.throws(() => loadValidationSecret({ env: { TRAINER_VALIDATION_SECRET: "short" } }), {
      code: "VALIDATION_SECRET",
      message: /at least 32/,
    });
  });
});
