import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config } from "../config/index.ts";
import { runEpoch } from "../protocol/run-epoch.ts";
import { applyPolicy, readExamplesFile, readHashScores, validationCommitment } from "../witness/index.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { listsByFirstAppearance, registerOffline } from "../scripts/lib/offline-registrations.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";

const execFileAsync = promisify(execFile);
const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const sizes = { exampleBatchSize: E, registrationBatchSize: K, payoutBatchSize: B };
const POOL = 10n ** 24n + 12345n;
const work = mkdtempSync(join(tmpdir(), "e2e-"));
const demo = demoContributors();
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;

/**
 * A small examples file of the demo's first `n` contributors, 3 examples each, plus: one example
 * claimed by contributors 0 and 1 (credited to 0, the earlier registrant) and a last contributor
 * whose only examples have negative influence (clipped to 0).
 */
function smallExamplesFile(n: number): string {
  const lines = ["example,contributor,score"];
  for (let k = 0; k < n - 1; k++) {
    for (let j = 0; j < 3; j++) lines.push(`${hashOf(`e2e ${k} ${j}`)},${demo[k]!.address},${((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
  }
  lines.push(`${hashOf("e2e shared")},${demo[0]!.address},0.05`, `${hashOf("e2e shared")},${demo[1]!.address},0.05`);
  lines.push(`${hashOf("e2e harmful 0")},${demo[n - 1]!.address},-0.02`, `${hashOf("e2e harmful 1")},${demo[n - 1]!.address},-0.001`);
  const file = join(work, `examples-${n}.csv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

after(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

/**
 * The reference model's rewards by address: registration order is first appearance in the file,
 * every registrant delivers (so neither the chain's registration domain nor the salts matter).
 */
function expectedRewards(examplesFile: string): Map<string, bigint> {
  const claims = readExamplesFile(examplesFile, config);
  const { payoutTable } = applyPolicy({
    ...registerOffline(listsByFirstAppearance(claims)),
    scores: readHashScores(examplesFile, config).scores,
    pool: POOL,
    config,
  });
  const rewards = new Map<string, bigint>();
  for (const row of payoutTable.rows) {
    const address = getAddress(`0x${row.address.toString(16).padStart(40, "0")}`);
    rewards.set(address, (rewards.get(address) ?? 0n) + row.reward);
  }
  return rewards;
}

test("examples file to on-chain balances on the in-process chain: registered, deduplicated, clipped, proven, released", async () => {
  const examplesFile = smallExamplesFile(7);
  const outDir = join(work, "epoch-inprocess");
  const result = await runEpoch({ examplesFile, pool: POOL, ...sizes, outDir, workers: 2, progress: false });
  const expected = expectedRewards(examplesFile);
  assert.equal(result.contributors.length, 7, "one row per registration");
  assert.deepEqual(result.exclusion, []);
  assert.equal(result.examples, 6 * 3 + 2 + 2, "one claim row per (example, registrant)");
  assert.equal(result.duplicates, 1);
  assert.equal(result.exampleBatches, Math.ceil(22 / E));
  assert.equal(result.registrationBatches, Math.ceil(7 / K), "each list fits one row");
  assert.equal(result.payoutBatches, Math.ceil(7 / B));
  for (const c of result.contributors) assert.equal(c.paid, expected.get(c.address), c.address);
  assert.equal(
    result.pool - result.dust,
    [...expected.values()].reduce((a, b) => a + b, 0n),
  );
  assert.deepEqual(
    result.contributors.map((c) => c.j),
    [0, 1, 2, 3, 4, 5, 6],
  );
  const [first, second] = result.contributors;
  assert.deepEqual([first!.address, second!.address], [demo[0]!.address, demo[1]!.address]);
  assert.deepEqual([first!.credited, first!.claimed, second!.credited, second!.claimed], [4, 4, 3, 4]);
  const harmful = result.contributors.find((c) => c.address === demo[6]!.address)!;
  assert.ok(harmful.rawScore < 0n);
  assert.equal(harmful.paid, 0n);
  // Transactions: every batch of the three kinds, the validation reveal, finalize, every release.
  assert.equal(result.transactions.length, result.exampleBatches + result.registrationBatches + 2 * result.payoutBatches + 2);
  assert.deepEqual(
    result.transactions.slice(-2 - result.payoutBatches, -result.payoutBatches).map((t) => t.what),
    ["reveal validation", "finalize"],
  );
  // The public record: parameters, registrations, the tables, dedup evidence, every proof, the three keys.
  for (const f of [
    "epoch.json",
    "registrations.json",
    "examples.json",
    "duplicates.json",
    "contributors.json",
    "example_verification_key.json",
    "registration_verification_key.json",
    "payout_verification_key.json",
    "settlement.json",
    "validation.bin",
  ]) {
    assert.ok(existsSync(join(outDir, f)), f);
  }
  const proofs = (kind: string, n: number) => Array.from({ length: n }, (_, i) => `${kind}-${String(i).padStart(3, "0")}.json`);
  assert.deepEqual(readdirSync(join(outDir, "proofs")).sort(), [
    ...proofs("example", result.exampleBatches),
    ...proofs("payout", result.payoutBatches),
    ...proofs("registration", result.registrationBatches),
  ]);
  const epoch = JSON.parse(readFileSync(join(outDir, "epoch.json"), "utf8"));
  assert.equal(epoch.status, "settled");
  assert.equal(epoch.circuits.example.vkeyHash, result.circuits.example.vkeyHash);
  assert.equal(epoch.circuits.registration.vkeyHash, result.circuits.registration.vkeyHash);
  // The validation set, revealed after scoring: the file hashes to the revealed hash, which with the salt opens the commitment.
  assert.equal(
    `0x${createHash("sha256")
      .update(readFileSync(join(outDir, epoch.validation.file)))
      .digest("hex")}`,
    epoch.validation.validationSetHash,
  );
  assert.equal(validationCommitment(epoch.validation.validationSetHash, epoch.validation.salt), epoch.model.validationCommitment);
  // Scores from a file: only exact dedup ran (the attribution stages did not score these).
  assert.deepEqual(
    epoch.defences.map((d: { name: string; ran: boolean; count: number }) => [d.name, d.ran, d.count]),
    [
      ["exact-dedup", true, 1],
      ["near-duplicates", false, 0],
      ["validation-copies", false, 0],
      ["label-consistency", false, 0],
    ],
  );
  // The shared example is credited to registration 0 and also claimed by registration 1.
  const duplicates = JSON.parse(readFileSync(join(outDir, "duplicates.json"), "utf8"));
  assert.deepEqual(
    duplicates.map((x: { creditedOrder: number; alsoClaimedBy: number[] }) => [x.creditedOrder, x.alsoClaimedBy]),
    [[0, [1]]],
  );
});

let node: HardhatNode | undefined;
let rpcUrl = "";

before(async () => {
  node = await startHardhatNode();
  rpcUrl = node.url;
});

after(() => node?.stop());

test("the same epoch settles on a JSON-RPC node (hardhat node on 127.0.0.1) with --rpc", async () => {
  const examplesFile = smallExamplesFile(4);
  const result = await runEpoch({
    examplesFile,
    pool: POOL,
    ...sizes,
    rpcUrl,
    outDir: join(work, "epoch-rpc"),
    workers: 2,
    progress: false,
  });
  assert.equal(result.chain, rpcUrl);
  const expected = expectedRewards(examplesFile);
  for (const c of result.contributors) assert.equal(c.paid, expected.get(c.address), c.address);
});

test("a bad examples file stops the demo with the file, row and field, exit code 2, and nothing written", async () => {
  const bad = join(work, "bad.csv");
  writeFileSync(bad, `example,contributor,score\n${hashOf("a")},${demo[0]!.address},1.5\n${hashOf("b")},${demo[1]!.address},abc\n`);
  const outDir = join(work, "must-not-exist");
  const error = await execFileAsync(
    process.execPath,
    [join(PROJECT_ROOT, "scripts", "cli.ts"), "demo", "--examples", bad, "--out", outDir],
    { cwd: PROJECT_ROOT },
  ).then(
    () => assert.fail("the demo accepted a bad scores file"),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(error.code, 2);
  assert.match(error.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3: score: `));
  assert.equal(existsSync(outDir), false);
});

test("a contributor whose key the demo does not hold cannot register: exit code 2, nothing written", async () => {
  const file = join(work, "stranger.csv");
  const stranger = "0x00000000000000000000000000000000DeaDBeef";
  writeFileSync(file, `example,contributor,score\n${hashOf("s")},${stranger},1\n`);
  const outDir = join(work, "stranger-out");
  const error = await execFileAsync(
    process.execPath,
    [join(PROJECT_ROOT, "scripts", "cli.ts"), "demo", "--examples", file, "--out", outDir],
    { cwd: PROJECT_ROOT },
  ).then(
    () => assert.fail("the demo accepted a contributor without a key"),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(error.code, 2, error.stderr);
  assert.match(error.stderr, new RegExp(`${stranger}.*has no key`));
  assert.equal(existsSync(outDir), false);
});

test("an unknown flag and an unconfigured batch size are usage errors (exit code 2)", async () => {
  for (const args of [["--no-such-flag"], ["--batch-size", "5"], ["--example-batch-size", "5"]]) {
    const error = await execFileAsync(process.execPath, [join(PROJECT_ROOT, "scripts", "cli.ts"), "demo", ...args], {
      cwd: PROJECT_ROOT,
    }).then(
      () => assert.fail(`accepted ${args.join(" ")}`),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(error.code, 2, error.stderr);
  }
});
