/**
 * SIGINT on a local prove run (scripts/cli.ts prove, a child process): it stops cleanly with
 * exit code 130 (pool closed, no half or temporary files, every proof file present is valid), and
 * the same command run again keeps those proofs and proves only the rest. The interrupt message
 * counts the proofs made in this run apart from those skipped as already valid.
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
import { readProofFile } from "../prover/index.ts";
import { inputHash } from "../prover/proof-file.ts";
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
      jobs: batches.map((b, i) => ({
        name: `batch-${b.index}`,
        input: b.input,
        expectedPublicSignals: b.publicSignals,
        outPath: join(dir, names[i]!),
      })),
    }),
  );
  const first = startProverCli(["prove", "--jobs", jobsFile, "--workers", "1"]);
  await first.waitFor(/^proving [a-z0-9_]+: [1-9][0-9]*\/10 proofs/);
  first.process.kill("SIGINT");
  assert.equal(await first.exited, 130, first.lines.join("\n"));
  const left = readdirSync(dir);
  assert.deepEqual(
    left.filter((n) => !names.includes(n)),
    [],
    "no temporary or half files",
  );
  assert.ok(left.length >= 1 && left.length < 10, `some but not all proofs were made before the interrupt: ${left.length}`);
  const counts = (c: typeof first) => {
    const line = c.lines.find((l) => /^prove: interrupted: /.test(l));
    const m = line?.match(
      /^prove: interrupted: (\d+) proofs made in this run, (\d+) already valid \(skipped\), (\d+) of 10 not yet proved; run the same command again to resume$/,
    );
    assert.ok(m, c.lines.join("\n"));
    return { made: Number(m[1]), skipped: Number(m[2]), rest: Number(m[3]) };
  };
  const one = counts(first);
  assert.equal(one.skipped, 0);
  // A proof whose worker was stopped between writing it and reporting it is on disk, not counted.
  assert.ok(one.made >= 1 && one.made <= left.length, `${one.made} made, ${left.length} on disk`);
  assert.equal(one.rest, 10 - one.made);

  // Interrupted again once it has made a new proof: the proofs kept from the first run are
  // skipped (one worker takes the jobs in order), not counted as made.
  const second = startProverCli(["prove", "--jobs", jobsFile, "--workers", "1"]);
  // A new proof on disk, not a progress line: plain progress lines come every 5 s at most, and a
  // fast machine proves the other jobs before the next one (the SIGINT then came after the end).
  const onDisk = () => readdirSync(dir).filter((n) => names.includes(n)).length;
  while (onDisk() <= left.length && second.process.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 25));
  second.process.kill("SIGINT");
  assert.equal(await second.exited, 130, second.lines.join("\n"));
  const two = counts(second);
  const kept = readdirSync(dir).filter((n) => names.includes(n)).length;
  assert.equal(two.skipped, left.length, second.lines.join("\n"));
  assert.ok(two.made >= 1 && left.length + two.made <= kept, `${two.made} made, ${kept} on disk, ${left.length} before`);
  assert.equal(two.rest, 10 - two.made - two.skipped);
  left.splice(0, left.length, ...readdirSync(dir));
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
