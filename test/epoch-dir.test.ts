/**
 * The epoch directory takes one epoch only: a rerun of the same epoch may reuse it (its valid
 * proofs are kept), another epoch's record or unrelated files refuse it before anything is written.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { claimEpochDir, epochPaths, writeRecordFile } from "../protocol/epoch-dir.ts";
import { EpochDirInUseError } from "../protocol/errors.ts";
import { exitCodeOf } from "../scripts/cli/exit-codes.ts";

const work = mkdtempSync(join(tmpdir(), "epoch-dir-"));
after(() => rmSync(work, { recursive: true, force: true }));
const identity = { domain: 123n, seed: 456n, exampleBatchSize: 8, registrationBatchSize: 2, payoutBatchSize: 4 };

test("an absent or empty directory, or one holding the same epoch, may take the record", () => {
  claimEpochDir(epochPaths(join(work, "absent")), identity);
  mkdirSync(join(work, "empty"));
  claimEpochDir(epochPaths(join(work, "empty")), identity);
  const same = epochPaths(join(work, "same"));
  mkdirSync(same.dir);
  writeRecordFile(same.epochFile, { ...identity, status: "settled", total: 5n });
  claimEpochDir(same, identity);
});

test("another epoch's record is refused naming the file and the field that differs; nothing is written", () => {
  const other = epochPaths(join(work, "other"));
  mkdirSync(other.dir);
  writeRecordFile(other.epochFile, { ...identity, payoutBatchSize: 31 });
  const before = readdirSync(other.dir);
  assert.throws(() => claimEpochDir(other, identity), (e: unknown) => {
    assert.ok(e instanceof EpochDirInUseError);
    assert.equal(e.code, "EPOCH_DIR_IN_USE");
    assert.match(e.message, /epoch\.json payoutBatchSize: holds another epoch \(31, this one 4\)/);
    assert.equal(exitCodeOf("witness", e), 2);
    return true;
  });
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
