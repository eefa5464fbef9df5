/**
 * The attribution-prover command line (scripts/cli.ts), as a user runs it: a child process on
 * this Node. Help with examples on every command; bad flags, missing files and bad config values
 * are named and exit non-zero; so is every bad input of issue 18's reliability findings (an
 * unreachable or malformed queue URL, a secret as a value, a pool out of range, a jobs file writing
 * outside its epoch, a stray proof file, a settled record, a report --out over the record), each
 * with its error code and nothing written. One small epoch goes through witness -> prove -> settle
 * -> verify -> report, each stage a separate process handing over through the epoch directory.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatUnits, keccak256, toUtf8Bytes } from "ethers";
import { PROJECT_ROOT } from "../circuits/index.ts";
import { config } from "../config/index.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { clearQueue } from "../prover/index.ts";
import { runCli, runCliWithEnv } from "./helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "cli-"));

/** Runs the CLI; resolves with its exit code and output whatever the code. */
const cli = runCli;

/** Every file under `dir` with its content, to show that a refused command wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(dir, { recursive: true }) as string[]).sort().filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  );
}

const COMMANDS = [
  "setup", "setup keys", "setup ptau dev", "setup phase2 contribute", "setup ceremony demo",
  "score", "witness", "prove", "prove local", "prove enqueue", "prove worker", "prove status",
  "settle", "verify", "report", "demo",
];

test("every command's --help exits 0 and shows an example of itself; the top-level help lists the exit codes", async () => {
  const runs = await Promise.all(COMMANDS.map((c) => cli(...c.split(" "), "--help")));
  for (const [i, run] of runs.entries()) {
    const top = COMMANDS[i]!.split(" ")[0]!;
    assert.equal(run.code, 0, `${COMMANDS[i]}: ${run.stderr}`);
    assert.match(run.stdout, /Examples:\n/, COMMANDS[i]);
    assert.match(run.stdout, new RegExp(`\\$ attribution-prover ${top}`), COMMANDS[i]);
  }
  const top = await cli("--help");
  assert.equal(top.code, 0);
  for (const line of [/^ {2}130 +prove: interrupted/m, /^ {2}3 +demo, settle: on-chain balances differ/m, /OPEN_DEPLOYER_KEY/]) assert.match(top.stdout, line);
});

test("an unknown flag or command exits 2 and names it (verify: 1, as before)", async () => {
  const flag = await cli("demo", "--bogus");
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option '--bogus'/);
  const command = await cli("sttle");
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command 'sttle'/);
  const verify = await cli("verify", "some-dir", "--bogus");
  assert.equal(verify.code, 1);
  assert.match(verify.stderr, /unknown option '--bogus'/);
  const neither = await cli("prove", "enqueue", "--queue", "redis://127.0.0.1:1");
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /give an epoch directory or --jobs FILE/);
});

test("a missing file is named: examples, jobs file, score output, config file, epoch directory", async () => {
  const missing = join(work, "nowhere");
  const cases: [string[], RegExp, number][] = [
    [["witness", "--examples", join(missing, "examples.csv")], /SCORES_FILE_UNREADABLE.*nowhere\/examples\.csv/, 2],
    [["prove", "--jobs", join(missing, "jobs.json")], /JOBS_FILE_INVALID.*nowhere\/jobs\.json: missing/, 2],
    [["witness", "--from-score", missing], /SCORE_OUTPUT_INVALID.*nowhere\/witness-inputs\.json: missing/, 2],
    [["demo", "--config", join(missing, "run.json")], /CONFIG_INVALID.*nowhere\/run\.json: \(file\): missing/, 2],
    [["settle", missing], /RECORD_UNREADABLE.*nowhere\/epoch\.json/, 2],
    [["verify", missing], /epoch\.json \(file\): missing/, 2],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, cases[i]![2], `${cases[i]![0].join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, cases[i]![1], cases[i]![0].join(" "));
  }
});

test("bad config values name the file, the field and the allowed values; secrets in a flag or a config file are refused", async () => {
  const file = (name: string, value: unknown) => {
    const path = join(work, `${name}.json`);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const cases: [string[], RegExp][] = [
    [["witness", "--config", file("size", { exampleBatchSize: 9 })], new RegExp(`size\\.json: exampleBatchSize: 9 is not allowed; allowed: ${config.exampleBatch.sizes.join(", ")}`)],
    [["witness", "--config", file("registration", { registrationBatchSize: 3 })], new RegExp(`registration\\.json: registrationBatchSize: 3 is not allowed; allowed: ${config.registrationBatch.sizes.join(", ")}`)],
    [["witness", "--config", file("payout", { payoutBatchSize: "four" })], /payout\.json: payoutBatchSize: expected an integer >= 1, got "four"/],
    [["witness", "--config", file("keys", { keys: "production" })], /keys\.json: keys: "production" is not allowed; allowed: dev, ceremony/],
    [["demo", "--config", file("unknown", { pools: 5 })], /unknown\.json: pools: unknown field; allowed: examples, pool/],
    [["demo", "--config", file("pool", { pool: "lots" })], /pool\.json: pool: "lots" is not an amount of whole \$OPEN/],
    [["witness", "--batch-size", "5"], new RegExp(`command line: --batch-size: "5" is not allowed; allowed: ${config.payoutBatch.sizes.join(", ")}`)],
    [["score", "--method", "magic"], /command line: --method: "magic" is not allowed; allowed: influence, tracin, trak, knn-shapley/],
    [["demo", "--config", file("secret", { deployerKey: "0x01" })], /SECRET_NOT_FROM_ENV.*secret\.json: deployerKey: private keys and RPC credentials come from the environment only/],
    [["settle", "x", "--private-key", "0x01"], /SECRET_NOT_FROM_ENV.*command line: --private-key/],
    [["settle", "x", "--rpc", "http://user:pw@127.0.0.1:8545"], /SECRET_NOT_FROM_ENV.*command line: --rpc/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 2, `${cases[i]![0].join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, cases[i]![1], cases[i]![0].join(" "));
  }
});

test("a private key or a mnemonic given as a config value or a flag value is refused naming the field only, never printed", async () => {
  const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
  const mnemonic = "test test test test test test test test test test test junk";
  const file = (name: string, value: unknown) => {
    const path = join(work, `secret-value-${name}.json`);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const cases: [string[], RegExp][] = [
    [["witness", "--config", file("keys", { keys: key })], /secret-value-keys\.json: keys: /],
    [["witness", "--config", file("rpc", { rpc: key.slice(2) })], /secret-value-rpc\.json: rpc: /],
    [["witness", "--config", file("pool", { pool: key })], /secret-value-pool\.json: pool: /],
    [["witness", "--config", file("examples", { examples: key })], /secret-value-examples\.json: examples: /],
    [["witness", "--config", file("epoch", { epoch: key })], /secret-value-epoch\.json: epoch: /],
    [["score", "--config", file("method", { method: mnemonic })], /secret-value-method\.json: method: /],
    [["witness", "--examples", "x.csv", "--pool", key], /command line: --pool: /],
    [["demo", "--out", key], /command line: --out: /],
    [["prove", "--jobs", "x.json", "--workers", key], /command line: --workers: /],
    [["prove", "status", "--queue-name", key, "--queue", "redis://127.0.0.1:1"], /command line: --queue-name: /],
    [["settle", `--rpc=${key}`], /command line: --rpc: /],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    const what = cases[i]![0].join(" ");
    assert.equal(run.code, 2, `${what}: ${run.stderr}`);
    assert.match(run.stderr, /error \[SECRET_NOT_FROM_ENV\]: /, what);
    assert.match(run.stderr, cases[i]![1], what);
    assert.ok(!run.stderr.includes(key.slice(2, 18)) && !run.stderr.includes("test junk"), `${what} printed the secret: ${run.stderr}`);
  }
  // A config file that is not JSON: the parser's quote of the text around the bad token is cut out.
  const broken = join(work, "secret-broken.json");
  writeFileSync(broken, `{"pool": dead${key.slice(2, 40)}}`);
  const run = await cli("witness", "--config", broken);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /error \[CONFIG_INVALID\]: .*secret-broken\.json: \(file\): cannot read JSON: /);
  assert.ok(!run.stderr.includes(key.slice(4, 18)), run.stderr);
});

test("OPEN_RPC_URL's credentials and API-key path are never printed: an unreachable node is named without them", async () => {
  const run = await runCliWithEnv({ OPEN_RPC_URL: `http://user:hunter2@127.0.0.1:${await closedPort()}/v3/apikey0123` }, "settle", join(work, "nowhere"));
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /error \[CHAIN_CONFIG\]: cannot reach the JSON-RPC node at http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/\*\*\*: /);
  assert.doesNotMatch(run.stderr, /hunter2|apikey0123/);
});

test("a pool that is not a positive amount below the contract's 2^poolBits is refused at argument parsing: nothing deployed, sent or written", async () => {
  const file = (name: string, value: unknown) => {
    const path = join(work, `pool-${name}.json`);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const examples = join(PROJECT_ROOT, "data", "demo-examples.csv");
  const out = join(work, "pool-never");
  const max = formatUnits((1n << BigInt(config.widths.poolBits)) - 1n, config.token.decimals);
  const cases: [string[], RegExp][] = [
    [["witness", "--examples", examples, "--out", out, "--pool=-5"], /command line: --pool: "-5" is not a positive amount: the pool must be more than 0 \$OPEN/],
    [["witness", "--examples", examples, "--out", out, "--pool", "0"], /command line: --pool: "0" is not a positive amount/],
    [["demo", "--examples", examples, "--out", out, "--pool", "0.0"], /command line: --pool: "0\.0" is not a positive amount/],
    [["witness", "--examples", examples, "--out", out, "--pool", "10000000000"], new RegExp(`command line: --pool: "10000000000" is above the contract's range: at most ${max.replace(".", "\\.")} \\$OPEN \\(2\\^${config.widths.poolBits} - 1 base units\\)`)],
    [["witness", "--examples", examples, "--out", out, "--pool", "1e3"], /command line: --pool: "1e3" is not an amount of whole \$OPEN/],
    [["witness", "--config", file("array", { examples, out, pool: [5] })], /pool-array\.json: pool: expected a decimal string or a number of \$OPEN, got an array/],
    [["witness", "--config", file("bool", { examples, out, pool: true })], /pool-bool\.json: pool: expected a decimal string or a number of \$OPEN, got a boolean/],
    [["demo", "--config", file("object", { examples, out, pool: { open: 5 } })], /pool-object\.json: pool: expected a decimal string or a number of \$OPEN, got an object/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    const what = cases[i]![0].join(" ");
    assert.equal(run.code, 2, `${what}: ${run.stderr}`);
    assert.match(run.stderr, /error \[CONFIG_INVALID\]: /, what);
    assert.match(run.stderr, cases[i]![1], what);
    assert.doesNotMatch(run.stderr, /registering|chain:|deploy/, `${what}: refused before any chain work`);
  }
  assert.equal(existsSync(out), false, "nothing written");
});

test("a jobs file's outPath outside its epoch directory (or its own folder) is refused (JOBS_OUT_PATH_OUTSIDE), before anything is proved or queued", async () => {
  const keys = { name: "payout", wasmPath: "p.wasm", zkeyPath: "p.zkey", vkeyPath: "p.json" };
  const job = (outPath: string) => ({ name: "batch-0", input: { a: "1" }, outPath });
  const epoch = join(work, "escape-epoch");
  mkdirSync(join(epoch, "jobs"), { recursive: true });
  writeFileSync(join(epoch, "jobs", "payout.json"), JSON.stringify({ keys, jobs: [job("../proofs/payout-000.json"), { ...job("../../escaped.json"), name: "batch-1" }] }));
  const alone = join(work, "escape-alone");
  mkdirSync(alone, { recursive: true });
  writeFileSync(join(alone, "jobs.json"), JSON.stringify({ keys, jobs: [job("/tmp/escaped-absolute.json")] }));
  const cases: [string[], RegExp][] = [
    [["prove", "--jobs", join(epoch, "jobs", "payout.json")], /error \[JOBS_OUT_PATH_OUTSIDE\]: jobs file .*escape-epoch\/jobs\/payout\.json: jobs\[1\]\.outPath "\.\.\/\.\.\/escaped\.json" is outside .*escape-epoch: a proof goes into the epoch directory of its jobs file/],
    [["prove", "enqueue", "--jobs", join(epoch, "jobs", "payout.json"), "--queue", "redis://127.0.0.1:1"], /error \[JOBS_OUT_PATH_OUTSIDE\]: .*jobs\[1\]\.outPath/],
    [["prove", "--jobs", join(alone, "jobs.json")], /error \[JOBS_OUT_PATH_OUTSIDE\]: .*jobs\[0\]\.outPath "\/tmp\/escaped-absolute\.json" is outside .*escape-alone/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 2, `${cases[i]![0].join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, cases[i]![1], cases[i]![0].join(" "));
  }
  assert.equal(existsSync(join(work, "escaped.json")), false);
  assert.equal(existsSync(join(epoch, "proofs")), false, "nothing proved");
});

/** A loopback port nobody listens on (bound, then closed): connecting there is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("the queue commands: no Redis at the URL is QUEUE_UNREACHABLE after a bounded attempt (credentials not shown), a malformed URL QUEUE_URL_INVALID", { timeout: 60_000 }, async () => {
  const url = `redis://user:hunter2@127.0.0.1:${await closedPort()}`;
  const jobs = join(work, "queue-jobs.json");
  writeFileSync(jobs, JSON.stringify({ keys: { name: "payout", wasmPath: "p.wasm", zkeyPath: "p.zkey", vkeyPath: "p.json" }, jobs: [] }));
  const cases: [string[], RegExp, number][] = [
    [["prove", "status", "--queue", url], /error \[QUEUE_UNREACHABLE\]: queue redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+: no Redis answered within 5000 ms \(connect ECONNREFUSED/, 1],
    [["prove", "enqueue", "--jobs", jobs, "--queue", url], /error \[QUEUE_UNREACHABLE\]: queue redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+: no Redis answered/, 1],
    [["prove", "status", "--queue", "notaurl"], /error \[QUEUE_URL_INVALID\]: --queue: must be a redis:\/\/HOST:PORT or rediss:\/\/HOST:PORT URL, got "notaurl"/, 2],
    [["prove", "enqueue", "--jobs", jobs, "--queue", "http://127.0.0.1:6379"], /error \[QUEUE_URL_INVALID\]: --queue/, 2],
    [["prove", "worker", "--queue", "redis//127.0.0.1"], /error \[QUEUE_URL_INVALID\]: --queue/, 2],
  ];
  const start = performance.now();
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    const what = cases[i]![0].join(" ");
    assert.equal(run.code, cases[i]![2], `${what}: ${run.stderr}`);
    assert.match(run.stderr, cases[i]![1], what);
    assert.doesNotMatch(run.stderr, /hunter2/, what);
    assert.doesNotMatch(run.stderr, /^\s+at /m, `${what}: no stack trace`);
  }
  assert.ok(performance.now() - start < 30_000, "bounded");
});

test("a small epoch through the CLI, one process per stage: witness (config file) -> prove -> settle -> verify -> report", async () => {
  const demo = demoContributors();
  const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;
  const lines = ["example,contributor,score"];
  for (let k = 0; k < 5; k++) for (let j = 0; j < 3; j++) lines.push(`${hashOf(`cli ${k} ${j}`)},${demo[k]!.address},${((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
  lines.push(`${hashOf("cli shared")},${demo[0]!.address},0.05`, `${hashOf("cli shared")},${demo[1]!.address},0.05`, `${hashOf("cli harmful")},${demo[5]!.address},-0.02`);
  writeFileSync(join(work, "examples.csv"), `${lines.join("\n")}\n`);
  const E = config.exampleBatch.testSize;
  const K = config.registrationBatch.testSize;
  const B = config.payoutBatch.testSize;
  // Paths in the config file are relative to it.
  const runConfig = join(work, "run.json");
  writeFileSync(runConfig, JSON.stringify({ examples: "examples.csv", out: "epoch", pool: "1000", exampleBatchSize: E, registrationBatchSize: K, payoutBatchSize: B, epoch: 3 }));

  const witness = await cli("witness", "--config", runConfig, "--json");
  assert.equal(witness.code, 0, witness.stderr);
  const w = JSON.parse(witness.stdout);
  const dir = join(work, "epoch");
  assert.equal(w.dir, dir);
  // 18 claims (the shared example twice), 6 registrations of one row each, nobody excluded.
  assert.deepEqual(
    [w.claims, w.registrations, w.excluded, w.duplicates, w.exampleBatches, w.registrationBatches, w.payoutBatches],
    [18, 6, [], 1, Math.ceil(18 / E), Math.ceil(6 / K), Math.ceil(6 / B)],
  );
  assert.match(witness.stderr, /registering: 6\/6 contributors/);
  const proofs = w.exampleBatches + w.registrationBatches + w.payoutBatches;

  const prove = await cli("prove", dir, "--workers", "2", "--json");
  assert.equal(prove.code, 0, prove.stderr);
  assert.deepEqual([JSON.parse(prove.stdout).proved, JSON.parse(prove.stdout).skipped], [proofs, 0]);
  assert.match(prove.stderr, new RegExp(`proving example_batch_${E}: ${w.exampleBatches}/${w.exampleBatches} proofs`));
  const again = await cli("prove", dir, "--json");
  assert.equal(JSON.parse(again.stdout).skipped, proofs, "a rerun keeps every valid proof");

  // A stray copy in proofs/ is named by prove (refused before proving), verify and report; the
  // atomic writer's stale temporary file is prove's own, removed. A truncated proving.json is named
  // in a warning and replaced.
  const strayCopy = join(dir, "proofs", "example-000.tmp-1.json");
  const staleTemp = join(dir, "proofs", "payout-000.json.tmp-4242-zz");
  writeFileSync(strayCopy, readFileSync(join(dir, "proofs", "example-000.json")));
  writeFileSync(staleTemp, "{ half");
  const strayRuns = await Promise.all([cli("prove", dir), cli("verify", dir, "--no-snarkjs"), cli("report", dir, "--no-verify")]);
  const [strayProve, strayVerify, strayReport] = strayRuns;
  assert.equal(strayProve!.code, 2, strayProve!.stderr);
  assert.match(strayProve!.stderr, /error \[STRAY_PROOF_FILE\]: .*proofs: holds 1 file that is no proof of this epoch's jobs: example-000\.tmp-1\.json; move it out of proofs\//);
  for (const run of [strayVerify!, strayReport!]) {
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /RECORD_MALFORMED|commit\.exampleBatches/);
    assert.match(run.stdout + run.stderr, /not the record's proofs\/example-000\.tmp-1\.json \(move it out of proofs\/\)/);
  }
  assert.equal(existsSync(staleTemp), false, "prove removed its own stale temporary file");
  rmSync(strayCopy);
  writeFileSync(join(dir, "proving.json"), '{ "runs": [ { "da');
  const repaired = await cli("prove", dir, "--json");
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stderr, /proving\.json: not JSON \(.*\); informational only \(verify does not read it\): its earlier runs are dropped/);
  assert.equal(JSON.parse(readFileSync(join(dir, "proving.json"), "utf8")).runs.length, 1);
  if (process.env.REDIS_URL) {
    // The same epoch directory onto the queue: the three jobs files, every batch once, twice adds nothing.
    const queue = ["--queue", process.env.REDIS_URL, "--queue-name", `cli-${process.pid}`];
    try {
      const enqueued = await cli("prove", "enqueue", dir, ...queue, "--json");
      assert.equal(enqueued.code, 0, enqueued.stderr);
      assert.deepEqual(JSON.parse(enqueued.stdout), { added: proofs, total: proofs });
      const twice = await cli("prove", "enqueue", dir, ...queue, "--json");
      assert.equal(JSON.parse(twice.stdout).added, 0);
      const status = await cli("prove", "status", ...queue);
      assert.equal(JSON.parse(status.stdout).waiting, proofs);
    } finally {
      await clearQueue(process.env.REDIS_URL, { queueName: `cli-${process.pid}` });
    }
  }

  // A new in-process chain: settle replays deployment and registration, then pays.
  const settle = await cli("settle", dir, "--json");
  assert.equal(settle.code, 0, settle.stderr);
  const s = JSON.parse(settle.stdout);
  assert.equal(s.epoch, "3");
  assert.equal(s.contributors.length, 6, "one row per registration");
  // Each address registered once: its balance is its row's reward.
  for (const c of s.contributors) assert.equal(c.balance, c.reward, c.address);
  assert.equal(BigInt(s.pool), 1000n * 10n ** BigInt(config.token.decimals));
  assert.match(settle.stderr, /settling: \d+\/\d+ transactions/);

  const verify = await cli("verify", dir, "--json", "--no-snarkjs");
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(JSON.parse(verify.stdout).ok, true);

  const report = await cli("report", dir, "--no-verify", "--json");
  assert.equal(report.code, 0, report.stderr);
  assert.ok(existsSync(JSON.parse(report.stdout).report));

  // The settled record is final: every stage refuses its directory before it writes or sends
  // anything, and the report will not write over a file of the record.
  const before = snapshot(dir);
  const refusals: [string[], RegExp, number][] = [
    [["witness", "--config", runConfig], /error \[EPOCH_SETTLED\]: .*epoch\.json: epoch 3 is settled/, 2],
    [["prove", dir], /error \[EPOCH_SETTLED\]/, 2],
    [["prove", "enqueue", dir, "--queue", "redis://127.0.0.1:1"], /error \[EPOCH_SETTLED\]/, 2],
    [["settle", dir], /error \[EPOCH_SETTLED\]/, 2],
    [["demo", "--config", runConfig], /error \[EPOCH_SETTLED\]/, 2],
    [["report", dir, "--out", join(dir, "epoch.json"), "--no-verify"], /error \[REPORT_OUT_REFUSED\]: --out .*epoch\.json: is a file of the epoch's record/, 1],
    [["report", dir, "--out", join(dir, "proofs", "x.html"), "--no-verify"], /error \[REPORT_OUT_REFUSED\]: --out .*x\.html: is inside the epoch's record folders/, 1],
  ];
  const refused = await Promise.all(refusals.map(([args]) => cli(...args)));
  for (const [i, run] of refused.entries()) {
    assert.equal(run.code, refusals[i]![2], `${refusals[i]![0].join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, refusals[i]![1], refusals[i]![0].join(" "));
  }
  assert.deepEqual(snapshot(dir), before, "nothing in the settled record changed");
});
