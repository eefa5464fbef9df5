/**
 * SIGINT on a local prove run (scripts/cli.ts prove, a child process): it stops cleanly with
 * exit code 130 (pool closed, no half or temporary files, every proof file present is valid), and
 * the same command run again keeps those proofs and proves only the rest.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as snarkjs from "snarkjs";
import { payoutCircuitName, setupCircuit } from "../circuits/index.ts";
import { toJson } from "../files/index.ts";
import { config } from "../config/index.ts";
import { inputHash, readProofFile } from "../prover/index.ts";
import { payoutFixture } from "./helpers/payout-fixture.ts";
import { startProverCli } from "./helpers/children.ts";

const B = config.payoutBatch.testSize;
const batches = payoutFixture("prover-interrupt", 10 * B, 9n);
const scratch = mkdtempSync(join(tmpdir(), "prover-interrupt-"));

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

test("SIGINT stops a local prove run with exit code 130 and no half files; the rerun resumes", { timeout: 240_000 }, async () => {
  const keys = await setupCircuit(payoutCircuitName(B));
  const dir = join(scratch, "proofs");
  const jobsFile = join(scratch, "jobs.json");
  const names = batches.map((b) => `batch-${b.index}.proof.json`);
  writeFileSync(
    jobsFile,
    toJson({
      keys: { name: keys.name, wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath, vkeyHash: keys.vkeyHash },
      jobs: batches.map((b, i) => ({ name: `batch-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: join(dir, names[i]!) })),
    }),
  );
  const first = startProverCli(["prove", "--jobs", jobsFile, "--workers", "1"]);
  await first.waitFor(/^proving [a-z0-9_]+: [1-9][0-9]*\/10 proofs/);
  first.process.kill("SIGINT");
  assert.equal(await first.exited, 130, first.lines.join("\n"));
  assert.ok(first.lines.some((l) => /interrupted after \d+ of 10 proofs; run the same command again to resume/.test(l)), first.lines.join("\n"));
  const left = readdirSync(dir);
  assert.deepEqual(left.filter((n) => !names.includes(n)), [], "no temporary or half files");
  assert.ok(left.length >= 1 && left.length < 10, `some but not all proofs were made before the interrupt: ${left.length}`);
  for (const [i, b] of batches.entries()) {
    if (!existsSync(join(dir, names[i]!))) continue;
    const file = readProofFile(join(dir, names[i]!));
    assert.equal(file.inputHash, inputHash(b.input));
    assert.equal(await snarkjs.groth16.verify(keys.vkey, file.publicSignals, file.proof), true);
  }

  const rerun = startProverCli(["prove", "--jobs", jobsFile, "--workers", "2"]);
  assert.equal(await rerun.exited, 0, rerun.lines.join("\n"));
  const summary = rerun.lines.find((l) => /proved, \d+ already valid/.test(l));
  assert.equal(summary, `${10 - left.length} proved, ${left.length} already valid (skipped), 10 in all`);
  assert.deepEqual(readdirSync(dir).sort(), [...names].sort());
});
