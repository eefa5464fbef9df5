import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../circuits/index.ts";
import { config } from "../config/index.ts";
import { runEpoch } from "../scripts/lib/run-epoch.ts";
import { readScoresFile, splitPool } from "../witness/index.ts";

const execFileAsync = promisify(execFile);
const B = config.payoutBatch.testSize;
const POOL = 10n ** 24n + 12345n;
const work = mkdtempSync(join(tmpdir(), "e2e-"));

/**
 * A small epoch from the shipped demo file: its first `n - 1` contributors plus one whose
 * influence is negative (clipped to 0 by the policy).
 */
function smallScoresFile(n: number): string {
  const lines = readFileSync(join(PROJECT_ROOT, "data", "demo-scores.csv"), "utf8").split("\n");
  const header = lines.findIndex((l) => l.startsWith("address,"));
  const negative = lines.find((l) => /,-[0-9.]+,/.test(l));
  assert.ok(negative, "the demo file has a contributor with negative influence");
  const file = join(work, `scores-${n}.csv`);
  writeFileSync(file, [...lines.slice(header, header + n), negative, ""].join("\n"));
  return file;
}

after(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

function expectedRewards(scoresFile: string): Map<string, bigint> {
  const rows = readScoresFile(scoresFile, config);
  const table = splitPool(rows, POOL, config);
  return new Map(table.rows.map((r) => [rows.find((s) => s.address === r.address)!.checksumAddress, r.reward]));
}

test("scores file to on-chain balances on the in-process chain: every balance is the reference model's reward", async () => {
  const scoresFile = smallScoresFile(7);
  const outDir = join(work, "epoch-inprocess");
  const result = await runEpoch({ scoresFile, pool: POOL, batchSize: B, outDir, workers: 2, progress: false });
  const expected = expectedRewards(scoresFile);
  assert.equal(result.contributors.length, 7);
  assert.equal(result.batches.length, 2);
  for (const c of result.contributors) assert.equal(c.balance, expected.get(c.address), c.address);
  assert.equal(result.pool - result.dust, [...expected.values()].reduce((a, b) => a + b, 0n));
  const clipped = result.contributors.filter((c) => c.rawScore < 0n);
  assert.equal(clipped.length, 1);
  assert.equal(clipped[0]!.balance, 0n);
  // The public record: parameters, both tables, every proof, the key, the settlement.
  for (const f of ["epoch.json", "contributors.json", "verification_key.json", "settlement.json"]) assert.ok(existsSync(join(outDir, f)), f);
  assert.deepEqual(readdirSync(join(outDir, "proofs")).sort(), ["batch-000.json", "batch-001.json"]);
  const epoch = JSON.parse(readFileSync(join(outDir, "epoch.json"), "utf8"));
  assert.equal(epoch.status, "settled");
  assert.equal(epoch.circuit.vkeyHash, result.circuit.vkeyHash);
});

let node: ReturnType<typeof spawn> | undefined;
let rpcUrl = "";

before(async () => {
  // A standalone `hardhat node` on loopback, in its own process group so it can be stopped whole.
  const port = 18545 + (process.pid % 1000);
  node = spawn(process.execPath, [join(PROJECT_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  rpcUrl = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Started HTTP and WebSocket JSON-RPC server/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    node!.stdout!.on("data", onData);
    node!.stderr!.on("data", onData);
    node!.on("exit", (code) => reject(new Error(`hardhat node exited with ${code}:\n${output}`)));
  });
});

after(() => {
  if (node?.pid) process.kill(-node.pid, "SIGTERM");
});

test("the same epoch settles on a JSON-RPC node (hardhat node on 127.0.0.1) with --rpc", async () => {
  const scoresFile = smallScoresFile(5);
  const result = await runEpoch({ scoresFile, pool: POOL, batchSize: B, rpcUrl, outDir: join(work, "epoch-rpc"), workers: 2, progress: false });
  assert.equal(result.chain, rpcUrl);
  const expected = expectedRewards(scoresFile);
  for (const c of result.contributors) assert.equal(c.balance, expected.get(c.address), c.address);
});

test("a bad scores file stops the demo with the file, row and field, exit code 2, and nothing written", async () => {
  const bad = join(work, "bad.csv");
  writeFileSync(bad, "address,score\n0xB4ECC65fa9674FCeFe01Fd898cCfb63299D29BD7,1.5\n0xc6fC85E231266DAD06Ec135901e849fd6179b400,abc\n");
  const outDir = join(work, "must-not-exist");
  const error = await execFileAsync(process.execPath, [join(PROJECT_ROOT, "scripts", "demo.ts"), "--scores", bad, "--out", outDir], { cwd: PROJECT_ROOT }).then(
    () => assert.fail("the demo accepted a bad scores file"),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(error.code, 2);
  assert.match(error.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3: score: `));
  assert.equal(existsSync(outDir), false);
});

test("an unknown flag and an unconfigured batch size are usage errors (exit code 2)", async () => {
  for (const args of [["--no-such-flag"], ["--batch-size", "5"]]) {
    const error = await execFileAsync(process.execPath, [join(PROJECT_ROOT, "scripts", "demo.ts"), ...args], { cwd: PROJECT_ROOT }).then(
      () => assert.fail(`accepted ${args.join(" ")}`),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(error.code, 2, error.stderr);
  }
});
