/**
 * The epoch directory takes one epoch only: a rerun of the same epoch may reuse it (its valid
 * proofs are kept), another epoch's record or unrelated files refuse it before anything is written.
 * A settled record is final: no stage takes its directory again (EPOCH_SETTLED).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { assertNotSettled, claimEpochDir, epochPaths, writeRecordFile } from "../protocol/epoch-dir.ts";
import { CodedError } from "../errors/index.ts";
import { exitCodeOf } from "../scripts/cli/exit-codes.ts";

const work = mkdtempSync(join(tmpdir(), "epoch-dir-"));
after(() => rmSync(work, { recursive: true, force: true }));
const identity = { domain: 123n, seed: 456n, exampleBatchSize: 8, registrationBatchSize: 2, payoutBatchSize: 4 };

test("an absent or empty directory, or one holding the same epoch not yet settled, may take the record", () => {
  claimEpochDir(epochPaths(join(work, "absent")), identity);
  mkdirSync(join(work, "empty"));
  claimEpochDir(epochPaths(join(work, "empty")), identity);
  const same = epochPaths(join(work, "same"));
  mkdirSync(same.dir);
  writeRecordFile(same.epochFile, { ...identity, status: "proving", total: 5n });
  claimEpochDir(same, identity);
  assertNotSettled(same);
  assertNotSettled(epochPaths(join(work, "absent")));
});

test("a settled record is final: claiming its directory again, even for the same epoch, is EPOCH_SETTLED (exit 2), nothing written", () => {
  const settled = epochPaths(join(work, "settled"));
  mkdirSync(settled.dir);
  writeRecordFile(settled.epochFile, { epoch: 7n, ...identity, status: "settled", total: 5n });
  writeRecordFile(settled.settlementFile, { transactions: [{ what: "release" }] });
  const before = readdirSync(settled.dir).map((f) => [f, readFileSync(join(settled.dir, f), "utf8")]);
  const refused = (e: unknown) => {
    assert.ok(e instanceof CodedError, String(e));
    assert.equal(e.code, "EPOCH_SETTLED");
    assert.equal(e.category, "conflict");
    assert.match(
      e.message,
      /settled\/epoch\.json: epoch 7 is settled: its record is final and no stage rewrites it \(verify and report read it as it is\); give another epoch directory/,
    );
    assert.equal(exitCodeOf("witness", e), 2);
    return true;
  };
  assert.throws(() => claimEpochDir(settled, identity), refused);
  assert.throws(() => claimEpochDir(settled, { ...identity, seed: 1n }), refused, "settled wins over another epoch");
  assert.throws(() => assertNotSettled(settled), refused);
  assert.deepEqual(
    readdirSync(settled.dir).map((f) => [f, readFileSync(join(settled.dir, f), "utf8")]),
    before,
  );
});

test("another epoch's record is refused naming the file and the field that differs; nothing is written", () => {
  const other = epochPaths(join(work, "other"));
  mkdirSync(other.dir);
  writeRecordFile(other.epochFile, { ...identity, payoutBatchSize: 31 });
  const before = readdirSync(other.dir);
  assert.throws(
    () => claimEpochDir(other, identity),
    (e: unknown) => {
      assert.ok(e instanceof CodedError, String(e));
      assert.equal(e.code, "EPOCH_DIR_IN_USE");
      assert.match(e.message, /epoch\.json payoutBatchSize: holds another epoch \(31, this one 4\)/);
      assert.equal(exitCodeOf("witness", e), 2);
      return true;
    },
  );
  writeRecordFile(other.epochFile, { ...identity, seed: 1n });
  assert.throws(() => claimEpochDir(other, identity), /seed: holds another epoch/);
  assert.deepEqual(readdirSync(other.dir), before);
});

test("a non-empty directory without epoch.json, or with an unreadable one, is refused", () => {
  const stray = epochPaths(join(work, "stray"));
  mkdirSync(stray.dir);
  writeFileSync(join(stray.dir, "notes.txt"), "mine");
  assert.throws(() => claimEpochDir(stray, identity), /holds no epoch\.json/);
  writeFileSync(stray.epochFile, "{ not json");
  assert.throws(() => claimEpochDir(stray, identity), /epoch\.json: unreadable/);
});
