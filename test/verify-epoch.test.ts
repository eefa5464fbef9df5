import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import { config } from "../config/index.ts";
import { runEpoch } from "../protocol/run-epoch.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { EpochVerifyError, verifyEpoch } from "../verify/index.ts";
import { contributorView } from "../verify/contributor.ts";
import type { EpochVerifyErrorCode, FailureLocation } from "../verify/epoch-errors.ts";
import { BASE_FIELD_ORDER, SCALAR_FIELD_ORDER } from "../verify/parse.ts";
import { readEpochRecord } from "../verify/record.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";
import { runCli } from "./helpers/cli.ts";

const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const work = mkdtempSync(join(tmpdir(), "verify-epoch-"));
const demo = demoContributors();
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;
const honest = join(work, "honest");

/** Registers two examples (scored high in the file) and never delivers them: excluded, registration 2. */
const silent = demo[6]!;
const SILENT = 2;

/**
 * 7 registrations in order of first appearance: contributors 0 and 1, the silent one (registration
 * 2, never delivers), then 2, 3, 4 and 5. 3 examples each for contributors 0-4; one example
 * claimed by contributors 0 and 1 (credited to 0, the earlier registrant); the last one's example
 * has a negative score.
 */
function examplesFile(): string {
  const lines = ["example,contributor,score"];
  const own = (k: number) =>
    [0, 1, 2].map((j) => `${hashOf(`verify ${k} ${j}`)},${demo[k]!.address},${((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
  lines.push(...own(0), ...own(1));
  lines.push(`${hashOf("verify silent 0")},${silent.address},0.5`, `${hashOf("verify silent 1")},${silent.address},0.5`);
  lines.push(...own(2), ...own(3), ...own(4));
  lines.push(`${hashOf("verify shared")},${demo[0]!.address},0.05`, `${hashOf("verify shared")},${demo[1]!.address},0.05`);
  lines.push(`${hashOf("verify harmful")},${demo[5]!.address},-0.02`);
  const file = join(work, "examples.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

let node: HardhatNode | undefined;
let rpcUrl = "";

before(async () => {
  node = await startHardhatNode();
  rpcUrl = node.url;
  await runEpoch({
    examplesFile: examplesFile(),
    pool: 10n ** 24n + 7n,
    exampleBatchSize: E,
    registrationBatchSize: K,
    payoutBatchSize: B,
    undelivered: [silent.address],
    outDir: honest,
    rpcUrl,
    workers: 2,
    progress: false,
  });
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
  assert.deepEqual(status, {
    vkeys: "pass",
    proofs: "pass",
    commitments: "pass",
    policy: "pass",
    payouts: "pass",
    validation: "pass",
    scores: "skipped",
    chain: "skipped",
  });
  const record = readEpochRecord(honest);
  assert.deepEqual(record.exclusion, [SILENT], "the registration that never delivered is the exclusion set");
  assert.equal(record.registrations.length, 7);
  assert.equal(
    record.proofs.registration.length,
    4,
    "7 registration rows (one per list of at most 12, one for the excluded) in batches of 2",
  );
});

test("contributor view: the registration that never delivered is excluded (epoch.json's set, the trainer's reason), has no claims, T_j and reward 0", () => {
  const record = readEpochRecord(honest);
  const view = contributorView(record, silent.address, config);
  assert.equal(view.registrations.length, 1);
  const [r] = view.registrations;
  assert.equal(r!.order, SILENT);
  assert.equal(r!.count, 2);
  assert.equal(r!.excluded, true);
  assert.equal(r!.exclusionSource, "epoch.json");
  assert.match(r!.reason ?? "", /\S/, "the trainer states a reason");
  assert.deepEqual(r!.credited, []);
  assert.deepEqual(r!.lostToEarlier, []);
  assert.equal(r!.total, 0n);
  assert.equal(r!.reward, 0n);
  assert.equal(view.reward, 0n);
  assert.equal(view.paid, 0n);
  assert.equal(contributorView(record, demo[2]!.address, config).registrations[0]!.excluded, false);
});

test("contributor view: the shared example is credited to the earlier registrant; negative scores count 0; the paid amount is the reward", () => {
  const record = readEpochRecord(honest);
  const [loser] = contributorView(record, demo[1]!.address, config).registrations;
  assert.equal(loser!.lostToEarlier!.length, 1);
  assert.equal(loser!.lostToEarlier![0]!.hash, hashOf("verify shared"));
  assert.equal(loser!.lostToEarlier![0]!.creditedTo.toLowerCase(), demo[0]!.address.toLowerCase());
  assert.equal(loser!.credited!.length, 3);
  const winner = contributorView(record, demo[0]!.address, config);
  assert.equal(winner.registrations[0]!.credited!.length, 4);
  assert.equal(winner.paid, winner.reward);
  const [harmful] = contributorView(record, demo[5]!.address, config).registrations;
  assert.deepEqual(
    harmful!.credited!.map((c) => c.counted),
    [0n],
  );
  assert.equal(harmful!.total, 0n);
  assert.equal(harmful!.reward, 0n);
});

test("a proof byte changed: the point is off the curve (noble refuses, decisive)", async () => {
  const dir = tampered("proofs/example-000.json", (p) => {
    p.proof.pi_c[0] = plus(p.proof.pi_c[0], 1n);
  });
  await expectFailure(dir, "PROOF_MALFORMED", { file: "proofs/example-000.json", field: "proof.pi_c", cause: "NOT_ON_CURVE" });
});

test("a proof point negated (on the curve, wrong proof): the pairing check fails for noble and snarkjs", async () => {
  const dir = tampered("proofs/payout-001.json", (p) => {
    p.proof.pi_a[1] = (BASE_FIELD_ORDER - BigInt(p.proof.pi_a[1])).toString();
  });
  await expectFailure(dir, "PROOF_INVALID", { file: "proofs/payout-001.json" });
});

test("a public signal changed: the proof no longer verifies", async () => {
  const dir = tampered("proofs/payout-000.json", (p) => {
    p.publicSignals[1] = plus(p.publicSignals[1], 1n);
  });
  await expectFailure(dir, "PROOF_INVALID", { file: "proofs/payout-000.json" });
});

test("a non-reduced field element: a coordinate + q (snarkjs would accept it) and a signal + r", async () => {
  const q = tampered("proofs/example-001.json", (p) => {
    p.proof.pi_a[0] = plus(p.proof.pi_a[0], BASE_FIELD_ORDER);
  });
  await expectFailure(q, "PROOF_MALFORMED", { file: "proofs/example-001.json", field: "proof.pi_a[0]", cause: "COORDINATE_NOT_REDUCED" });
  const r = tampered("proofs/example-001.json", (p) => {
    p.publicSignals[2] = plus(p.publicSignals[2], SCALAR_FIELD_ORDER);
  });
  await expectFailure(r, "PROOF_MALFORMED", { file: "proofs/example-001.json", field: "publicSignals[2]", cause: "SIGNAL_NOT_REDUCED" });
});

test("a point not on the curve: pi_b moved off the twist", async () => {
  const dir = tampered("proofs/payout-000.json", (p) => {
    p.proof.pi_b[1][0] = plus(p.proof.pi_b[1][0], 1n);
  });
  await expectFailure(dir, "PROOF_MALFORMED", { file: "proofs/payout-000.json", field: "proof.pi_b", cause: "NOT_ON_CURVE" });
});

test("a score changed in the example table: its batch no longer hashes to its proof's chain value", async () => {
  const dir = tampered("examples.json", (rows) => {
    rows[9].score = plus(rows[9].score, 1n);
  });
  await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/example-001.json", field: "publicSignals[0]", row: 8 });
});

test("a contributor table row changed (a reward): the proof's digest differs and the row is named", async () => {
  const dir = tampered("contributors.json", (rows) => {
    rows[3].reward = plus(rows[3].reward, 1n);
  });
  await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/payout-000.json", field: "publicSignals[1]", row: 3 });
});

test("the excluded registration paid (its row given an amount and a reward): named by the payout proof and the row", async () => {
  const dir = tampered("contributors.json", (rows) => {
    rows[SILENT].amount = "1";
    rows[SILENT].reward = "1";
  });
  await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/payout-000.json", field: "publicSignals[1]", row: SILENT });
});

test("a registration's salt changed in registrations.json: the rebuilt registration table does not fold to its batch's proof; the registration is named", async () => {
  const dir = tampered("registrations.json", (regs) => {
    regs[3].salt = plus(regs[3].salt, 1n);
  });
  const error = await expectFailure(dir, "COMMITMENT_MISMATCH", {
    file: "proofs/registration-001.json",
    field: "publicSignals[0]",
    row: 3,
  });
  assert.match(error.message, /\(foldOut\).*registration 3's 3 claimed hashes, sender and salt do not re-hash to its C_j/);
});

test("a kept registration marked excluded in registrations.json (its fold is unchanged: C_j is the registry's either way): not the committed exclusion set, the row is named", async () => {
  const dir = tampered("registrations.json", (regs) => {
    regs[3].excluded = true;
    regs[3].reason = "NOT_DELIVERED";
    delete regs[3].salt;
  });
  await expectFailure(dir, "COMMITMENT_MISMATCH", {
    file: "registrations.json",
    row: 3,
    field: "excluded",
    expected: "false",
    got: "true",
  });
  const unmarked = tampered("registrations.json", (regs) => {
    regs[SILENT].excluded = false;
    regs[SILENT].salt = "1";
  });
  await expectFailure(unmarked, "COMMITMENT_MISMATCH", {
    file: "registrations.json",
    row: SILENT,
    field: "excluded",
    expected: "true",
    got: "false",
  });
});

test("the exclusion set emptied in epoch.json: the seed is not the one drawn from the commit and that set", async () => {
  const dir = tampered("epoch.json", (e) => {
    e.exclusion = [];
  });
  const error = await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "epoch.json", field: "seed" });
  assert.match(error.message, /is not the seed commitEpoch draws from the commit, F, m, the exclusion set and the pool/);
});

test("a registration proof's foldOut changed: the proof no longer verifies", async () => {
  const dir = tampered("proofs/registration-002.json", (p) => {
    p.publicSignals[0] = plus(p.publicSignals[0], 1n);
  });
  await expectFailure(dir, "PROOF_INVALID", { file: "proofs/registration-002.json" });
});

test("a verification key changed: its hash is not the record's", async () => {
  const dir = tampered("example_verification_key.json", (vk) => {
    vk.vk_alpha_1[0] = plus(vk.vk_alpha_1[0], 1n);
  });
  await expectFailure(dir, "VKEY_MISMATCH", { file: "example_verification_key.json", field: "vkeyHash" });
});

test("a paid amount changed: it is not the reward", async () => {
  const dir = tampered("settlement.json", (s) => {
    s.paid[3].amount = plus(s.paid[3].amount, 1n);
  });
  const record = readEpochRecord(honest);
  const row = record.contributors.findIndex(
    (c) => c.address === BigInt(JSON.parse(readFileSync(join(dir, "settlement.json"), "utf8")).paid[3].address),
  );
  await expectFailure(dir, "PAYOUT_MISMATCH", { file: "settlement.json", row, field: "paid" });
});

test("registration order swapped in registrations.json: the policy names the row (the chain's order is the registry's, check 8)", async () => {
  const dir = tampered("registrations.json", (regs) => {
    [regs[0].order, regs[1].order] = [regs[1].order, regs[0].order];
  });
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
  const error = await verifyEpoch(honest, { scoresFile: changed, snarkjs: false }).then(
    () => assert.fail("expected SCORES_MISMATCH"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EpochVerifyError);
  assert.equal(error.code, "SCORES_MISMATCH");
  assert.match(error.message, /1 scores differ .* largest deviation 1 /);
});

test("--rpc: the deployed verifiers, events and payout transfers match the record; a verifier address swapped is caught", async () => {
  const report = await verifyEpoch(honest, { rpcUrl, snarkjs: false });
  assert.equal(report.checks.find((c) => c.check === "chain")?.status, "pass");
  const dir = tampered("epoch.json", (e) => {
    e.contracts.exampleVerifier = e.contracts.payoutVerifier;
  });
  const error = await verifyEpoch(dir, { rpcUrl, snarkjs: false }).then(
    () => assert.fail("expected CHAIN_MISMATCH"),
    (e: unknown) => e,
  );
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
  const excluded = await cli(honest, "--no-snarkjs", "--contributor", silent.address);
  assert.equal(excluded.code, 0, excluded.stdout);
  assert.match(
    excluded.stdout,
    new RegExp(
      `registration ${SILENT}: 2 examples registered, C_j \\d+, EXCLUDED \\(the epoch\\.json exclusion set; the trainer says: [^)]+\\)`,
    ),
  );
  assert.match(excluded.stdout, new RegExp(`payout row ${SILENT} \\(proofs/payout-000\\.json\\): total 0, reward 0`));
  const dir = tampered("settlement.json", (s) => {
    s.kept = plus(s.kept, 1n);
  });
  const fail = await cli(dir, "--json", "--no-snarkjs");
  assert.equal(fail.code, 7, fail.stdout);
  assert.deepEqual(
    { ...JSON.parse(fail.stdout), message: undefined },
    {
      ok: false,
      source: dir,
      code: "PAYOUT_MISMATCH",
      check: "payouts",
      message: undefined,
      where: { file: "settlement.json", field: "kept" },
    },
  );
});
