/**
 * Proving backends. The native backend runs any rapidsnark-compatible `prover <zkey> <wtns>
 * <proof.json> <public.json>` executable: tested with the snarkjs CLI behind that command line (a
 * stand-in, always present), with a "prover" that lies (its proof is refused before any file is
 * written), and with a real rapidsnark binary only when RAPIDSNARK_PROVER or config
 * prover.nativeBinary names one (skipped with a message otherwise).
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as snarkjs from "snarkjs";
import { payoutCircuitName, setupCircuit } from "../circuits/index.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config } from "../config/index.ts";
import { createProverPool, proveBatches, ProverError, readProofFile, type ProofJob } from "../prover/index.ts";
import { payoutFixture } from "./helpers/payout-fixture.ts";

const B = config.payoutBatch.testSize;
const batches = payoutFixture("prover-backend", 2 * B, 10n);
const scratch = mkdtempSync(join(tmpdir(), "prover-backend-"));
const keys = await setupCircuit(payoutCircuitName(B));
const snarkjsCli = join(PROJECT_ROOT, "node_modules", "snarkjs", "build", "cli.cjs");
const realBinary = process.env.RAPIDSNARK_PROVER ?? config.prover.nativeBinary;

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

function shim(name: string, body: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function jobs(dir: string): ProofJob[] {
  return batches.map((b) => ({
    name: `batch-${b.index}`,
    input: b.input,
    expectedPublicSignals: b.publicSignals,
    outPath: join(dir, `batch-${b.index}.proof.json`),
  }));
}

async function proveWith(binary: string, dir: string) {
  const pool = createProverPool({ workers: 2, nativeBinary: binary });
  try {
    assert.equal(pool.nativeBinary, binary);
    return await proveBatches(pool, keys, jobs(dir));
  } finally {
    await pool.close();
  }
}

async function assertValid(dir: string): Promise<void> {
  for (const b of batches) {
    const file = readProofFile(join(dir, `batch-${b.index}.proof.json`));
    assert.deepEqual(file.publicSignals, b.publicSignals.map(String));
    assert.equal(await snarkjs.groth16.verify(keys.vkey, file.publicSignals, file.proof), true);
  }
}

test("the native backend proves through a rapidsnark-style command line (snarkjs CLI stand-in); proofs verify", {
  timeout: 120_000,
}, async () => {
  const binary = shim("prover", `exec "${process.execPath}" "${snarkjsCli}" groth16 prove "$1" "$2" "$3" "$4"`);
  const dir = join(scratch, "stand-in");
  const results = await proveWith(binary, dir);
  assert.deepEqual(
    results.map((r) => r.status),
    batches.map(() => "proved"),
  );
  await assertValid(dir);
});

test("a native prover whose proof does not verify is refused (PROOF_REJECTED) and no proof file is written", {
  timeout: 120_000,
}, async () => {
  // Proves honestly, then changes the first public signal: only verification can tell.
  const edit = `const fs=require("fs");const p=process.argv[1];const s=JSON.parse(fs.readFileSync(p,"utf8"));s[0]=(BigInt(s[0])+1n).toString();fs.writeFileSync(p,JSON.stringify(s))`;
  const binary = shim(
    "lying-prover",
    `"${process.execPath}" "${snarkjsCli}" groth16 prove "$1" "$2" "$3" "$4"\n"${process.execPath}" -e '${edit}' "$4"`,
  );
  const dir = join(scratch, "lying");
  await assert.rejects(proveWith(binary, dir), (error: unknown) => {
    assert.ok(error instanceof ProverError);
    assert.equal(error.code, "PROOF_REJECTED");
    assert.match(error.problem, /^the new proof \(native:.*lying-prover\) does not verify/);
    return true;
  });
  for (const b of batches) assert.equal(existsSync(join(dir, `batch-${b.index}.proof.json`)), false);
});

test("a real rapidsnark prover binary proves the same batches", {
  timeout: 120_000,
  skip: realBinary
    ? false
    : "no native prover binary: set RAPIDSNARK_PROVER=/path/to/rapidsnark/prover (or config prover.nativeBinary) to test the native backend with a real one; the stand-in tests above cover its command line",
}, async () => {
  const dir = join(scratch, "rapidsnark");
  const results = await proveWith(realBinary!, dir);
  assert.deepEqual(
    results.map((r) => r.status),
    batches.map(() => "proved"),
  );
  await assertValid(dir);
});
