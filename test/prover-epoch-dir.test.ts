/**
 * The prove stage on an epoch directory (protocol/trainer/prove.ts), on PayoutBatch(testSize)
 * jobs: the atomic writer's stale temporary files (files/atomic-write.ts) are removed, and any
 * other file in proofs/ is refused by name before anything is proved (verify, report and settle
 * would refuse the record with it); a settled epoch is not proved again; a corrupt proving.json
 * (informational) is named and replaced, never a reason to stop proving.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { payoutCircuitName, setupCircuit, type CircuitKeys } from "../circuits/index.ts";
import { config } from "../config/index.ts";
import { epochPaths } from "../protocol/epoch-dir.ts";
import { writeJobsFile } from "../protocol/jobs-file.ts";
import { proveEpochDir } from "../protocol/trainer/prove.ts";
import { createProverPool, type ProverPool } from "../prover/index.ts";
import { exitCodeOf } from "../scripts/cli/exit-codes.ts";
import { payoutFixture } from "./helpers/payout-fixture.ts";

const B = config.payoutBatch.testSize;
const batches = payoutFixture("prover-epoch-dir", 2 * B, 12n);
const scratch = mkdtempSync(join(tmpdir(), "prover-epoch-dir-"));
let keys: CircuitKeys;
let pool: ProverPool;

before(async () => {
  keys = await setupCircuit(payoutCircuitName(B));
  pool = createProverPool({ workers: 1 });
});
after(async () => {
  await pool?.close();
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

/** An epoch directory whose only jobs are the fixture's payout batches (no claim or registration jobs). */
function epochDir(name: string) {
  const paths = epochPaths(join(scratch, name));
  mkdirSync(paths.proofsDir, { recursive: true });
  const proving = { name: keys.name, wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath, vkeyHash: keys.vkeyHash };
  writeJobsFile(paths.exampleJobsFile, { keys: proving, jobs: [] });
  writeJobsFile(paths.registrationJobsFile, { keys: proving, jobs: [] });
  writeJobsFile(paths.payoutJobsFile, {
    keys: proving,
    jobs: batches.map((b) => ({
      name: `payout-${b.index}`,
      input: b.input,
      expectedPublicSignals: b.publicSignals,
      outPath: paths.payoutProofFile(b.index),
    })),
  });
  return paths;
}

test("stale temporary files of the atomic writer in proofs/ are removed, and every proof is made", { timeout: 120_000 }, async () => {
  const paths = epochDir("stale");
  writeFileSync(`${paths.payoutProofFile(0)}.tmp-99999-abc`, "{ half a pro");
  writeFileSync(`${paths.payoutProofFile(1)}.tmp-1-x`, "");
  const summary = await proveEpochDir(pool, paths.dir, { progress: false });
  assert.deepEqual([summary.proved, summary.skipped], [2, 0]);
  assert.deepEqual(readdirSync(paths.proofsDir).sort(), ["payout-000.json", "payout-001.json"]);
});

test("a truncated or malformed proving.json (informational) is named in a warning and replaced; it never blocks proving", {
  timeout: 120_000,
}, async () => {
  const paths = epochDir("truncated");
  writeFileSync(paths.provingFile, '{ "runs": [ { "date": "2025-');
  const lines: string[] = [];
  const first = await proveEpochDir(pool, paths.dir, { progress: false, log: (l) => lines.push(l) });
  assert.equal(first.proved, 2);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0]!,
    /proving\.json: not JSON \(.*\); informational only \(verify does not read it\): its earlier runs are dropped, this run starts it again/,
  );
  const runs = JSON.parse(readFileSync(paths.provingFile, "utf8")).runs;
  assert.equal(runs.length, 1);
  assert.equal(runs[0].proved, 2);
  // A rerun appends to the repaired file, without a warning.
  await proveEpochDir(pool, paths.dir, { progress: false, log: (l) => lines.push(l) });
  assert.equal(lines.length, 1);
  assert.deepEqual(
    JSON.parse(readFileSync(paths.provingFile, "utf8")).runs.map((r: { proved: number; skipped: number }) => [r.proved, r.skipped]),
    [
      [2, 0],
      [0, 2],
    ],
  );
  // JSON of another shape is named the same way.
  writeFileSync(paths.provingFile, "[1, 2]");
  await proveEpochDir(pool, paths.dir, { progress: false, log: (l) => lines.push(l) });
  assert.match(lines[1]!, /proving\.json: expected an object with a "runs" array; informational only/);
});

test("a settled epoch is not proved again (EPOCH_SETTLED): proving.json and proofs/ stay as they are", async () => {
  const paths = epochDir("settled");
  writeFileSync(paths.epochFile, JSON.stringify({ epoch: "4", status: "settled" }));
  await assert.rejects(
    proveEpochDir(pool, paths.dir, { progress: false }),
    (e: unknown) => (e as { code?: string }).code === "EPOCH_SETTLED",
  );
  assert.deepEqual(readdirSync(paths.proofsDir), []);
  assert.equal(existsSync(paths.provingFile), false);
});

test("any other file in proofs/ is refused by name (STRAY_PROOF_FILE, exit 2) before anything is proved", { timeout: 60_000 }, async () => {
  const paths = epochDir("stray");
  writeFileSync(join(paths.proofsDir, "payout-000.tmp-1.json"), "{}");
  writeFileSync(join(paths.proofsDir, "notes.txt"), "mine");
  await assert.rejects(proveEpochDir(pool, paths.dir, { progress: false }), (e: unknown) => {
    assert.equal((e as Error).name, "StrayProofFileError");
    assert.equal((e as { code?: string }).code, "STRAY_PROOF_FILE");
    assert.match(
      (e as Error).message,
      /proofs: holds 2 files that are no proof of this epoch's jobs: notes\.txt, payout-000\.tmp-1\.json; move them out/,
    );
    assert.equal(exitCodeOf("prove", e), 2);
    return true;
  });
  assert.deepEqual(readdirSync(paths.proofsDir).sort(), ["notes.txt", "payout-000.tmp-1.json"], "nothing proved");
  assert.equal(existsSync(paths.provingFile), false);
});
