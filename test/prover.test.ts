/**
 * The parallel prover on PayoutBatch(testSize): a payout table of 10 registrations in 3 batches, proved by
 * a pool of 2 workers. Proofs are checked independently in this thread (snarkjs verify against the
 * verification key, public signals against witness/'s reference values); reruns resume; corrupted
 * files are proved again; a bad input fails with a ProverError naming its batch and leaves no file.
 * The file must also end by itself: no worker or curve thread may outlive the pool.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as snarkjs from "snarkjs";
import { payoutCircuitName, setupCircuit } from "../circuits/index.ts";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { createProverPool, proveBatches, ProverError, readProofFile, type ProofJob } from "../prover/index.ts";
import type { ProofProgress } from "../prover/pool.ts";
import { inputHash, parseProofFile } from "../prover/proof-file.ts";
import type { PayoutBatch } from "../witness/index.ts";
import { payoutFixture } from "./helpers/payout-fixture.ts";

const B = config.payoutBatch.testSize;
const POOL = 10n ** 24n + 987_654_321n; // 1e6 OPEN plus change, so remainders are not 0

const keys = await setupCircuit(payoutCircuitName(B));
const batches = payoutFixture("prover", 10, 3n, POOL);
const scratch = mkdtempSync(join(tmpdir(), "prover-test-"));
const pool = createProverPool({ workers: 2 });

after(async () => {
  await pool.close();
  rmSync(scratch, { recursive: true, force: true });
  // This thread's own snarkjs curve (the independent verify calls below) has threads too.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

function jobsFor(dir: string, list: readonly PayoutBatch[] = batches, expected = true): ProofJob[] {
  return list.map((b) => ({
    name: `batch-${b.index}`,
    input: b.input,
    ...(expected ? { expectedPublicSignals: b.publicSignals } : {}),
    outPath: join(dir, `batch-${b.index}.proof.json`),
  }));
}

/** Checks a proof file independently of the prover: shape, binding, snarkjs verify, reference signals. */
async function assertValidProof(path: string, batch: PayoutBatch): Promise<void> {
  const file = readProofFile(path);
  assert.equal(file.circuit, keys.name);
  assert.equal(file.inputHash, inputHash(batch.input));
  assert.equal(file.vkeyHash, keys.vkeyHash);
  assert.deepEqual(file.publicSignals, batch.publicSignals.map(String));
  assert.equal(await snarkjs.groth16.verify(keys.vkey, file.publicSignals, file.proof), true, `${path} verifies`);
}

const proved = join(scratch, "epoch");

test("the test table makes 3 batches of B = config.payoutBatch.testSize", () => {
  assert.equal(B, 4);
  assert.equal(batches.length, 3);
  assert.equal(pool.size, 2);
  assert.equal(pool.singleThread, config.prover.singleThread);
});

test("proves every batch in parallel; each proof verifies and carries the batch's public signals", async () => {
  const progress: ProofProgress[] = [];
  const results = await proveBatches(pool, keys, jobsFor(proved), { onProgress: (p) => progress.push(p) });
  assert.deepEqual(
    results.map((r) => [r.name, r.status]),
    batches.map((b) => [`batch-${b.index}`, "proved"]),
  );
  assert.deepEqual(
    progress.map((p) => [p.done, p.total, p.status]),
    [
      [1, 3, "proved"],
      [2, 3, "proved"],
      [3, 3, "proved"],
    ],
  );
  for (const p of progress) assert.ok(p.ms > 0);
  for (const [i, batch] of batches.entries()) {
    assert.deepEqual(results[i]!.publicSignals, batch.publicSignals.map(String));
    await assertValidProof(join(proved, `batch-${i}.proof.json`), batch);
  }
  assert.deepEqual(
    readdirSync(proved).sort(),
    batches.map((b) => `batch-${b.index}.proof.json`),
  );
});

test("a second run skips every batch whose proof is in place and leaves the files untouched", async () => {
  const before = batches.map((b) => readFileSync(join(proved, `batch-${b.index}.proof.json`), "utf8"));
  const results = await proveBatches(pool, keys, jobsFor(proved));
  assert.deepEqual(
    results.map((r) => r.status),
    ["skipped", "skipped", "skipped"],
  );
  assert.deepEqual(
    results.map((r) => r.publicSignals),
    batches.map((b) => b.publicSignals.map(String)),
  );
  assert.deepEqual(
    batches.map((b) => readFileSync(join(proved, `batch-${b.index}.proof.json`), "utf8")),
    before,
  );
});

test("corrupted proof files are detected and proved again", async () => {
  const path = (i: number) => join(proved, `batch-${i}.proof.json`);
  const edit = (i: number, change: (file: { publicSignals: string[]; proof: { pi_a: string[] } }) => void) => {
    const file = JSON.parse(readFileSync(path(i), "utf8"));
    change(file);
    writeFileSync(path(i), JSON.stringify(file));
  };
  // batch-0: one digit of the proof's A point changed. batch-1: a public signal changed (still a
  // field element, so only the pairing check can catch it). batch-2: the file cut in half.
  edit(0, (f) => {
    const x = f.proof.pi_a[0]!;
    f.proof.pi_a[0] = x.slice(0, -1) + String((Number(x.at(-1)) + 1) % 10);
  });
  edit(1, (f) => {
    f.publicSignals[1] = ((BigInt(f.publicSignals[1]!) + 1n) % P).toString();
  });
  const text = readFileSync(path(2), "utf8");
  writeFileSync(path(2), text.slice(0, text.length / 2));
  // Without expectedPublicSignals, the signal edit must be caught by verification itself.
  const results = await proveBatches(pool, keys, jobsFor(proved, batches, false));
  assert.deepEqual(
    results.map((r) => r.status),
    ["proved", "proved", "proved"],
  );
  assert.match(results[0]!.replaced!, /its proof does not verify/);
  assert.match(results[1]!.replaced!, /its proof does not verify/);
  assert.match(results[2]!.replaced!, /not JSON/);
  for (const [i, batch] of batches.entries()) await assertValidProof(path(i), batch);
  // With the expected signals, an edited signal is caught before any pairing.
  edit(1, (f) => {
    f.publicSignals[0] = "1";
  });
  const again = await proveBatches(pool, keys, jobsFor(proved));
  assert.deepEqual(
    again.map((r) => r.status),
    ["skipped", "proved", "skipped"],
  );
  assert.match(again[1]!.replaced!, /public signals differ/);
  await assertValidProof(path(1), batches[1]!);
});

test("an input that violates the circuit fails with a ProverError naming its batch; no file is written, other jobs finish", async () => {
  const dir = join(scratch, "bad-input");
  const bad = batches[0]!;
  const input = { ...bad.input, reward: bad.input.reward.map((r, i) => (i === 0 ? (BigInt(r) + 1n).toString() : r)) };
  const jobs: ProofJob[] = [
    { name: "batch-0-reward-plus-one", input, expectedPublicSignals: bad.publicSignals, outPath: join(dir, "batch-0.proof.json") },
    ...jobsFor(dir, [batches[1]!]),
  ];
  const failed: ProofProgress[] = [];
  await assert.rejects(proveBatches(pool, keys, jobs, { onProgress: (p) => p.status === "failed" && failed.push(p) }), (error: unknown) => {
    assert.ok(error instanceof ProverError, String(error));
    assert.equal(error.code, "WITNESS_REJECTED");
    assert.equal(error.job, "batch-0-reward-plus-one");
    assert.match(error.message, /^batch-0-reward-plus-one: witness calculation failed: .*Assert Failed/s);
    return true;
  });
  assert.deepEqual(
    failed.map((p) => [p.job, p.error?.code]),
    [["batch-0-reward-plus-one", "WITNESS_REJECTED"]],
  );
  assert.deepEqual(readdirSync(dir), ["batch-1.proof.json"], "no proof and no temporary file for the bad batch");
  await assertValidProof(join(dir, "batch-1.proof.json"), batches[1]!);
});

test("a proof whose public signals differ from the expected ones is an error, not a file", async () => {
  const dir = join(scratch, "wrong-expectation");
  const [job] = jobsFor(dir, [batches[2]!]);
  const wrong = [...batches[2]!.publicSignals.slice(0, 2), 12345n];
  await assert.rejects(proveBatches(pool, keys, [{ ...job!, expectedPublicSignals: wrong }]), (error: unknown) => {
    assert.ok(error instanceof ProverError);
    assert.equal(error.code, "PUBLIC_SIGNALS_MISMATCH");
    assert.equal(error.job, "batch-2");
    assert.match(error.message, /differ from the expected \[.*, 12345\]$/);
    return true;
  });
  assert.equal(existsSync(dir), false);
});

test("with snarkjs's own threads in the worker the proofs are the same and the pool still shuts down", async () => {
  const dir = join(scratch, "threaded");
  const threaded = createProverPool({ workers: 1, singleThread: false });
  try {
    assert.equal(threaded.singleThread, false);
    const [result] = await proveBatches(threaded, keys, jobsFor(dir, [batches[2]!]));
    assert.equal(result!.status, "proved");
    await assertValidProof(join(dir, "batch-2.proof.json"), batches[2]!);
  } finally {
    await threaded.close();
  }
});

test("misuse is rejected before any work, naming the argument", async () => {
  assert.throws(() => createProverPool({ workers: -1 }), {
    name: "RangeError",
    message: /workers must be an integer in \[0, 1024\].*got -1/,
  });
  assert.throws(() => createProverPool({ workers: 1.5 }), RangeError);
  const [job] = jobsFor(join(scratch, "unused"), [batches[0]!]);
  await assert.rejects(proveBatches(pool, keys, [job!, { ...job!, outPath: "/elsewhere.json" }]), {
    name: "RangeError",
    message: 'jobs[1].name "batch-0" is used by an earlier job',
  });
  await assert.rejects(proveBatches(pool, keys, [job!, { ...job!, name: "other" }]), {
    name: "RangeError",
    message: /jobs\[1\]\.outPath .* is used by an earlier job/,
  });
  const input = { ...job!.input, amount: ["1", "2.5", "3", "4"] };
  await assert.rejects(proveBatches(pool, keys, [{ ...job!, input }]), {
    name: "TypeError",
    message: /^jobs\[0\] \(batch-0\): input\.amount\[1\] must be an integer/,
  });
  await assert.rejects(proveBatches(pool, { ...keys, zkeyPath: "" }, [job!]), {
    name: "TypeError",
    message: "circuit.zkeyPath must be a non-empty string",
  });
  assert.equal(existsSync(join(scratch, "unused")), false);
});

test("missing keys are a KEYS_UNREADABLE ProverError naming the batch", async () => {
  const [job] = jobsFor(join(scratch, "no-keys"), [batches[0]!]);
  await assert.rejects(proveBatches(pool, { ...keys, zkeyPath: join(scratch, "missing.zkey") }, [job!]), {
    name: "ProverError",
    code: "KEYS_UNREADABLE",
    job: "batch-0",
    message: /^batch-0: cannot read .*missing\.zkey/,
  });
});

test("inputHash is the hash of the field elements the input denotes", () => {
  const a = inputHash({ x: 5n, y: ["1", "0x02", 3] });
  assert.equal(inputHash({ y: [1n, 2n, "3"], x: "5" }), a, "key order and number spelling do not matter");
  assert.equal(inputHash({ x: P + 5n, y: [1, 2, 3n - P] }), a, "values are reduced mod p");
  assert.notEqual(inputHash({ x: 6n, y: ["1", "0x02", 3] }), a);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.throws(() => inputHash({ x: "" }), {
    name: "TypeError",
    message: 'input.x must be an integer (bigint, safe integer, decimal or 0x string), got ""',
  });
  assert.throws(() => inputHash({ x: [1, 2 ** 53] }), { name: "TypeError", message: /^input\.x\[1\] must be an integer/ });
  assert.throws(() => inputHash({}), TypeError);
});

test("proof files are shape-checked, with errors naming the job and the file", () => {
  const good = readFileSync(join(proved, "batch-0.proof.json"), "utf8");
  assert.equal(parseProofFile(good, "batch-0").circuit, keys.name);
  const file = JSON.parse(good);
  const variant = (change: (f: typeof file) => void): string => {
    const copy = structuredClone(file);
    change(copy);
    return JSON.stringify(copy);
  };
  const invalid = (text: string, message: string | RegExp) =>
    assert.throws(() => parseProofFile(text, "batch-0", "epoch/batch-0.proof.json"), {
      name: "ProverError",
      code: "PROOF_FILE_INVALID",
      message,
    });
  invalid("{", /^batch-0: epoch\/batch-0\.proof\.json: not JSON: /);
  invalid(
    variant((f) => delete f.inputHash),
    "batch-0: epoch/batch-0.proof.json: inputHash must be 64 lowercase hex digits",
  );
  invalid(
    variant((f) => (f.publicSignals[2] = P.toString())),
    "batch-0: epoch/batch-0.proof.json: publicSignals[2] must be a canonical decimal string below the BN254 scalar field modulus",
  );
  // A coordinate may exceed the scalar field (it lives in the larger base field), but not the base field.
  assert.doesNotThrow(() =>
    parseProofFile(
      variant((f) => (f.proof.pi_a[0] = P.toString())),
      "batch-0",
    ),
  );
  invalid(
    variant((f) => (f.proof.pi_b[1][0] = "21888242871839275222246405745257275088696311157297823662689037894645226208583")),
    /proof\.pi_b\[1\]\[0\] must be a canonical decimal string below the BN254 base field modulus$/,
  );
  const dir = join(scratch, "read");
  mkdirSync(dir);
  assert.throws(() => readProofFile(join(dir, "none.json"), "batch-9"), {
    code: "PROOF_FILE_INVALID",
    job: "batch-9",
    message: /none\.json: cannot read: ENOENT/,
  });
});
