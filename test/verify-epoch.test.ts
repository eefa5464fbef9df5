import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import { config } from "../config/index.ts";
import { runEpoch } from "../scripts/lib/run-epoch.ts";
import { demoContributors } from "../scripts/lib/demo-contributors.ts";
import {
  BASE_FIELD_ORDER, contributorView, EpochVerifyError, readEpochRecord, SCALAR_FIELD_ORDER, verifyEpoch, type EpochVerifyErrorCode, type FailureLocation,
} from "../verify/index.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";
import { runCli } from "./helpers/cli.ts";

const E = config.exampleBatch.testSize;
const B = config.payoutBatch.testSize;
const work = mkdtempSync(join(tmpdir(), "verify-epoch-"));
const demo = demoContributors();
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;
const honest = join(work, "honest");

/**
 * 6 contributors, 3 examples each for the first 5; one example claimed by contributors 0 and 1
 * (credited to 0, the earlier registrant); the last one's examples have negative scores.
 */
function examplesFile(): string {
  const lines = ["example,contributor,score"];
  for (let k = 0; k < 5; k++) for (let j = 0; j < 3; j++) lines.push(`${hashOf(`verify ${k} ${j}`)},${demo[k]!.address},${((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
  lines.push(`${hashOf("verify shared")},${demo[0]!.address},0.05`, `${hashOf("verify shared")},${demo[1]!.address},0.05`);
  lines.push(`${hashOf("verify harmful")},${demo[5]!.address},-0.02`);
  const file = join(work, "examples.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

let node: HardhatNode | undefined;
let rpcUrl = "";

before(async () => {
  node = await startHardhatNode(19545);
  rpcUrl = node.url;
  await runEpoch({ examplesFile: examplesFile(), pool: 10n ** 24n + 7n, exampleBatchSize: E, payoutBatchSize: B, outDir: honest, rpcUrl, workers: 2, progress: false });
});

after(async () => {
  node?.stop();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

let copies = 0;
/** A copy of the honest epoch with `file` (JSON) edited by `edit`. */
function tampered(file: string, edit: (json: any) => void): string {
  const dir = join(work, `copy-${copies++}`);
  cpSync(honest, dir, { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, JSON.stringify(json, null, 2));
  return dir;
}

async function expectFailure(dir: string, code: EpochVerifyErrorCode, where: FailureLocation): Promise<EpochVerifyError> {
  const error = await verifyEpoch(dir).then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EpochVerifyError, String(error));
  assert.equal(error.code, code, error.message);
  for (const [k, v] of Object.entries(where)) assert.equal(error.where[k as keyof FailureLocation], v, `${k} of: ${error.message}`);
  return error;
}

const plus = (s: string, d: bigint) => (BigInt(s) + d).toString();

test("the honest epoch passes every check; scores and chain are reported as not done", async () => {
  const report = await verifyEpoch(honest);
  const status = Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
  assert.deepEqual(status, { vkeys: "pass", proofs: "pass", commitments: "pass", policy: "pass", payouts: "pass", validation: "pass", scores: "skipped", chain: "skipped" });
});

test("contributor view: the shared example is credited to the earlier registrant; negative scores count 0; the balance is the reward", () => {
  const record = readEpochRecord(honest);
  const [loser] = contributorView(record, demo[1]!.address, config).registrations;
  assert.equal(loser!.lostToEarlier!.length, 1);
  assert.equal(loser!.lostToEarlier![0]!.hash, hashOf("verify shared"));
  assert.equal(loser!.lostToEarlier![0]!.creditedTo.toLowerCase(), demo[0]!.address.toLowerCase());
  assert.equal(loser!.credited!.length, 3);
  const winner = contributorView(record, demo[0]!.address, config);
  assert.equal(winner.registrations[0]!.credited!.length, 4);
  assert.equal(winner.balance, winner.reward);
  const [harmful] = contributorView(record, demo[5]!.address, config).registrations;
  assert.deepEqual(harmful!.credited!.map((c) => c.counted), [0n]);
  assert.equal(harmful!.total, 0n);
  assert.equal(harmful!.reward, 0n);
});

test("a proof byte changed: the point is off the curve (noble refuses, decisive)", async () => {
  const dir = tampered("proofs/example-000.json", (p) => { p.proof.pi_c[0] = plus(p.proof.pi_c[0], 1n); });
  await expectFailure(dir, "PROOF_MALFORMED", { file: "proofs/example-000.json", field: "proof.pi_c", cause: "NOT_ON_CURVE" });
});

test("a proof point negated (on the curve, wrong proof): the pairing check fails for noble and snarkjs", async () => {
  const dir = tampered("proofs/payout-001.json", (p) => { p.proof.pi_a[1] = (BASE_FIELD_ORDER - BigInt(p.proof.pi_a[1])).toString(); });
  await expectFailure(dir, "PROOF_INVALID", { file: "proofs/payout-001.json" });
});

test("a public signal changed: the proof no longer verifies", async () => {
  const dir = tampered("proofs/payout-000.json", (p) => { p.publicSignals[1] = plus(p.publicSignals[1], 1n); });
  await expectFailure(dir, "PROOF_INVALID", { file: "proofs/payout-000.json" });
});

test("a non-reduced field element: a coordinate + q (snarkjs would accept it) and a signal + r", async () => {
  const q = tampered("proofs/example-001.json", (p) => { p.proof.pi_a[0] = plus(p.proof.pi_a[0], BASE_FIELD_ORDER); });
  await expectFailure(q, "PROOF_MALFORMED", { file: "proofs/example-001.json", field: "proof.pi_a[0]", cause: "COORDINATE_NOT_REDUCED" });
  const r = tampered("proofs/example-001.json", (p) => { p.publicSignals[2] = plus(p.publicSignals[2], SCALAR_FIELD_ORDER); });
  await expectFailure(r, "PROOF_MALFORMED", { file: "proofs/example-001.json", field: "publicSignals[2]", cause: "SIGNAL_NOT_REDUCED" });
});

test("a point not on the curve: pi_b moved off the twist", async () => {
  const dir = tampered("proofs/payout-000.json", (p) => { p.proof.pi_b[1][0] = plus(p.proof.pi_b[1][0], 1n); });
  await expectFailure(dir, "PROOF_MALFORMED", { file: "proofs/payout-000.json", field: "proof.pi_b", cause: "NOT_ON_CURVE" });
});

test("a score changed in the example table: its batch no longer hashes to its proof's chain value", async () => {
  const dir = tampered("examples.json", (rows) => { rows[9].score = plus(rows[9].score, 1n); });
  await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/example-001.json", field: "publicSignals[0]", row: 8 });
});

test("a contributor table row changed (a reward): the proof's digest differs and the row is named", async () => {
  const dir = tampered("contributors.json", (rows) => { rows[2].reward = plus(rows[2].reward, 1n); });
  await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/payout-000.json", field: "publicSignals[1]", row: 2 });
});

test("a verification key changed: its hash is not the record's", async () => {
  const dir = tampered("example_verification_key.json", (vk) => { vk.vk_alpha_1[0] = plus(vk.vk_alpha_1[0], 1n); });
  await expectFailure(dir, "VKEY_MISMATCH", { file: "example_verification_key.json", field: "vkeyHash" });
});

test("a paid amount changed: the balance is not the reward", async () => {
  const dir = tampered("settlement.json", (s) => { s.balances[3].balance = plus(s.balances[3].balance, 1n); });
  const record = readEpochRecord(honest);
  const row = record.contributors.findIndex((c) => c.address === BigInt(JSON.parse(readFileSync(join(dir, "settlement.json"), "utf8")).balances[3].address));
  await expectFailure(dir, "PAYOUT_MISMATCH", { file: "settlement.json", row, field: "balance" });
});

test("registration order swapped in registrations.json: the policy names the row (the chain's order is the registry's, check 8)", async () => {
  const dir = tampered("registrations.json", (regs) => { [regs[0].order, regs[1].order] = [regs[1].order, regs[0].order]; });
  await expectFailure(dir, "POLICY_MISMATCH", { file: "registrations.json", row: 0, field: "order" });
});

/** Runs the CLI's verify command; resolves with its exit code and output. */
const cli = (...args: string[]) => runCli("verify", ...args);

test("--scores: the examples file the epoch was settled from matches exactly; one score changed by one fixed-point unit is named", async () => {
  const file = join(work, "examples.csv");
  const report = await verifyEpoch(honest, { scoresFile: file, snarkjs: false });
  assert.equal(report.checks.find((c) => c.check === "scores")?.status, "pass");
  const lines = readFileSync(file, "utf8").split("\n");
  lines[4] = lines[4]!.replace(/,([0-9.]+)$/, (_, x: string) => `,${(Number(x) + 0.000001).toFixed(6)}`);
  const changed = join(work, "examples-changed.csv");
  writeFileSync(changed, lines.join("\n"));
  const error = await verifyEpoch(honest, { scoresFile: changed, snarkjs: false }).then(() => assert.fail("expected SCORES_MISMATCH"), (e: unknown) => e);
  assert.ok(error instanceof EpochVerifyError);
  assert.equal(error.code, "SCORES_MISMATCH");
  assert.match(error.message, /1 scores differ .* largest deviation 1 /);
});

test("--rpc: the deployed verifiers, events and payout transfers match the record; a verifier address swapped is caught", async () => {
  const report = await verifyEpoch(honest, { rpcUrl, snarkjs: false });
  assert.equal(report.checks.find((c) => c.check === "chain")?.status, "pass");
  const dir = tampered("epoch.json", (e) => { e.contracts.exampleVerifier = e.contracts.payoutVerifier; });
  const error = await verifyEpoch(dir, { rpcUrl, snarkjs: false }).then(() => assert.fail("expected CHAIN_MISMATCH"), (e: unknown) => e);
  assert.ok(error instanceof EpochVerifyError);
  assert.equal(error.code, "CHAIN_MISMATCH");
  assert.equal(error.where.file, "epoch.json");
  assert.equal(error.where.field, "contracts.exampleVerifier");
});

test("npm run verify: exit 0 with --json and the contributor view on the honest epoch; exit 7 and the failing file on a changed paid amount", async () => {
  const pass = await cli(honest, "--json", "--contributor", demo[1]!.address);
  assert.equal(pass.code, 0, pass.stdout);
  const report = JSON.parse(pass.stdout);
  assert.equal(report.ok, true);
  assert.equal(report.contributor.registrations[0].lostToEarlier[0].hash, hashOf("verify shared"));
  const dir = tampered("settlement.json", (s) => { s.settlementBalance = plus(s.settlementBalance, 1n); });
  const fail = await cli(dir, "--json", "--no-snarkjs");
  assert.equal(fail.code, 7, fail.stdout);
  assert.deepEqual({ ...JSON.parse(fail.stdout), message: undefined }, {
    ok: false, source: dir, code: "PAYOUT_MISMATCH", check: "payouts", message: undefined, where: { file: "settlement.json", field: "settlementBalance" },
  });
});
