/**
 * The attribution-prover command line (scripts/cli.ts), as a user runs it: a child process on
 * this Node. Help with examples on every command; bad flags, missing files and bad config values
 * are named and exit non-zero; so is every bad input of issue 18's reliability findings (an
 * unreachable or malformed queue URL, a secret as a value, a pool out of range, a jobs file writing
 * outside its epoch), each with its error code and nothing written. The parties' commands run one
 * epoch after another on a node in test/live-protocol.test.ts (with the stray proof file, the
 * settled record and the report --out refusals).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatUnits } from "ethers";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config } from "../config/index.ts";
import { closedPort } from "./helpers/closed-port.ts";
import { runCli, runCliWithEnv } from "./helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "cli-"));

/** Runs the CLI; resolves with its exit code and output whatever the code. */
const cli = runCli;

const COMMANDS = [
  "setup",
  "setup keys",
  "setup ptau dev",
  "setup phase2 contribute",
  "setup ceremony demo",
  "deploy",
  "epoch open",
  "epoch cancel",
  "fund",
  "seal",
  "register",
  "collect",
  "score",
  "witness",
  "prove",
  "prove local",
  "prove enqueue",
  "prove worker",
  "prove status",
  "settle",
  "verify",
  "report",
  "demo",
];

test("every command's --help exits 0 and shows an example of itself; the top-level help lists the exit codes", async () => {
  const runs = await Promise.all(COMMANDS.map((c) => cli(...c.split(" "), "--help")));
  for (const [i, run] of runs.entries()) {
    const top = COMMANDS[i]!.split(" ")[0]!;
    assert.equal(run.code, 0, `${COMMANDS[i]}: ${run.stderr}`);
    assert.match(run.stdout, /Examples:\n/, COMMANDS[i]);
    assert.match(run.stdout, new RegExp(`\\$ (\\S+=\\S+ )*attribution-prover ${top}`), COMMANDS[i]);
  }
  const top = await cli("--help");
  assert.equal(top.code, 0);
  for (const line of [/^ {2}130 +prove: interrupted/m, /^ {2}3 +demo, settle: on-chain balances differ/m, /OPEN_DEPLOYER_KEY/])
    assert.match(top.stdout, line);
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
    [
      ["score", "--scores", join(missing, "scores.csv"), "--model", join(work, "model"), "--out", join(work, "scored")],
      /SCORES_FILE_UNREADABLE.*nowhere\/scores\.csv/,
      2,
    ],
    [
      ["register", "--epoch", "1", "--data", join(missing, "data.jsonl"), "--out", join(work, "delivery")],
      /PATH_MISSING.*nowhere\/data\.jsonl/,
      2,
    ],
    [["collect", missing, "--epoch", "1", "--out", join(work, "collected.json")], /DELIVERY_MISSING.*nowhere: not a folder/, 2],
    [["prove", "--jobs", join(missing, "jobs.json")], /JOBS_FILE_INVALID.*nowhere\/jobs\.json: missing/, 2],
    [
      ["witness", "--epoch", "1", "--collected", join(work, "collected.json"), "--from-score", missing],
      /SCORE_OUTPUT_INVALID.*nowhere\/witness-inputs\.json: missing/,
      2,
    ],
    [["demo", "--config", join(missing, "run.json")], /CONFIG_INVALID.*nowhere\/run\.json: \(file\): missing/, 2],
    [["settle", missing], /RECORD_UNREADABLE.*nowhere\/epoch\.json/, 2],
    // The set is read before the chain is asked for anything.
    [
      ["seal", "--deployment", join(missing, "deployment.json"), "--epoch", "1", "--validation", join(missing, "val.npz")],
      /PATH_MISSING.*nowhere\/val\.npz/,
      2,
    ],
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
    [
      ["deploy", "--config", file("size", { exampleBatchSize: 9 })],
      new RegExp(`size\\.json: exampleBatchSize: 9 is not allowed; allowed: ${config.exampleBatch.sizes.join(", ")}`),
    ],
    [
      ["deploy", "--config", file("registration", { registrationBatchSize: 3 })],
      new RegExp(`registration\\.json: registrationBatchSize: 3 is not allowed; allowed: ${config.registrationBatch.sizes.join(", ")}`),
    ],
    [
      ["deploy", "--config", file("payout", { payoutBatchSize: "four" })],
      /payout\.json: payoutBatchSize: expected an integer >= 1, got "four"/,
    ],
    [["deploy", "--config", file("keys", { keys: "production" })], /keys\.json: keys: "production" is not allowed; allowed: dev, ceremony/],
    [["demo", "--config", file("unknown", { pools: 5 })], /unknown\.json: pools: unknown field; allowed: examples, pool/],
    [["demo", "--config", file("pool", { pool: "lots" })], /pool\.json: pool: "lots" is not an amount of whole \$OPEN/],
    [
      ["deploy", "--example-batch-size", "8", "--max-examples-per-epoch", String(65_535 * 8 + 1)],
      /command line: --max-examples-per-epoch: registration\.maxExamplesPerEpoch must be an integer in \[maxExamplesPerRegistrant, 524280\] \(65,535 example batches of 8\)/,
    ],
    [
      ["deploy", "--config", file("cap", { maxExamplesPerEpoch: 1000 })],
      new RegExp(`cap\\.json: maxExamplesPerEpoch: expected an integer >= ${config.registration.maxExamplesPerEpoch}, got 1000`),
    ],
    [
      ["deploy", "--batch-size", "5"],
      new RegExp(`command line: --batch-size: "5" is not allowed; allowed: ${config.payoutBatch.sizes.join(", ")}`),
    ],
    [["score", "--method", "magic"], /command line: --method: "magic" is not allowed; allowed: influence, tracin, trak, knn-shapley/],
    [
      ["demo", "--config", file("secret", { deployerKey: "0x01" })],
      /SECRET_NOT_FROM_ENV.*secret\.json: deployerKey: private keys and RPC credentials come from the environment only/,
    ],
    [["settle", "x", "--private-key", "0x01"], /SECRET_NOT_FROM_ENV.*command line: --private-key/],
    [["settle", "x", "--rpc", "http://user:pw@127.0.0.1:8545"], /SECRET_NOT_FROM_ENV.*command line: --rpc/],
    [
      ["register", "--epoch", "1", "--data", "x", "--out", "y", "--rpc", "http://user:pw@127.0.0.1:8545"],
      /SECRET_NOT_FROM_ENV.*command line: --rpc/,
    ],
    [["collect", "x", "--epoch", "1", "--rpc=https://:token@node.example"], /SECRET_NOT_FROM_ENV.*command line: --rpc/],
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
    [["demo", "--config", file("keys", { keys: key })], /secret-value-keys\.json: keys: /],
    [["demo", "--config", file("rpc", { rpc: key.slice(2) })], /secret-value-rpc\.json: rpc: /],
    [["demo", "--config", file("pool", { pool: key })], /secret-value-pool\.json: pool: /],
    [["demo", "--config", file("examples", { examples: key })], /secret-value-examples\.json: examples: /],
    [["demo", "--config", file("epoch", { epoch: key })], /secret-value-epoch\.json: epoch: /],
    [["score", "--config", file("method", { method: mnemonic })], /secret-value-method\.json: method: /],
    [["demo", "--examples", "x.csv", "--pool", key], /command line: --pool: /],
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
  const run = await cli("demo", "--config", broken);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /error \[CONFIG_INVALID\]: .*secret-broken\.json: \(file\): cannot read JSON: /);
  assert.ok(!run.stderr.includes(key.slice(4, 18)), run.stderr);
});

test("OPEN_RPC_URL's credentials and API-key path are never printed: an unreachable node is named without them", async () => {
  const run = await runCliWithEnv(
    { OPEN_RPC_URL: `http://user:hunter2@127.0.0.1:${await closedPort()}/v3/apikey0123` },
    "seal",
    "--deployment",
    join(work, "nowhere.json"),
    "--settlement",
    `0x${"ab".repeat(20)}`,
    "--epoch",
    "1",
  );
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
    [
      ["demo", "--examples", examples, "--out", out, "--pool=-5"],
      /command line: --pool: "-5" is not a positive amount: the pool must be more than 0 \$OPEN/,
    ],
    [["demo", "--examples", examples, "--out", out, "--pool", "0"], /command line: --pool: "0" is not a positive amount/],
    [["demo", "--examples", examples, "--out", out, "--pool", "0.0"], /command line: --pool: "0\.0" is not a positive amount/],
    [
      ["demo", "--examples", examples, "--out", out, "--pool", "10000000000"],
      new RegExp(
        `command line: --pool: "10000000000" is above the contract's range: at most ${max.replace(".", "\\.")} \\$OPEN \\(2\\^${config.widths.poolBits} - 1 base units\\)`,
      ),
    ],
    [["demo", "--examples", examples, "--out", out, "--pool", "1e3"], /command line: --pool: "1e3" is not an amount of whole \$OPEN/],
    [
      ["demo", "--config", file("array", { examples, out, pool: [5] })],
      /pool-array\.json: pool: expected a decimal string or a number of \$OPEN, got an array/,
    ],
    [
      ["demo", "--config", file("bool", { examples, out, pool: true })],
      /pool-bool\.json: pool: expected a decimal string or a number of \$OPEN, got a boolean/,
    ],
    [
      ["demo", "--config", file("object", { examples, out, pool: { open: 5 } })],
      /pool-object\.json: pool: expected a decimal string or a number of \$OPEN, got an object/,
    ],
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
  writeFileSync(
    join(epoch, "jobs", "payout.json"),
    JSON.stringify({ keys, jobs: [job("../proofs/payout-000.json"), { ...job("../../escaped.json"), name: "batch-1" }] }),
  );
  const alone = join(work, "escape-alone");
  mkdirSync(alone, { recursive: true });
  writeFileSync(join(alone, "jobs.json"), JSON.stringify({ keys, jobs: [job("/tmp/escaped-absolute.json")] }));
  const cases: [string[], RegExp][] = [
    [
      ["prove", "--jobs", join(epoch, "jobs", "payout.json")],
      /error \[JOBS_OUT_PATH_OUTSIDE\]: jobs file .*escape-epoch\/jobs\/payout\.json: jobs\[1\]\.outPath "\.\.\/\.\.\/escaped\.json" is outside .*escape-epoch: a proof goes into the epoch directory of its jobs file/,
    ],
    [
      ["prove", "enqueue", "--jobs", join(epoch, "jobs", "payout.json"), "--queue", "redis://127.0.0.1:1"],
      /error \[JOBS_OUT_PATH_OUTSIDE\]: .*jobs\[1\]\.outPath/,
    ],
    [
      ["prove", "--jobs", join(alone, "jobs.json")],
      /error \[JOBS_OUT_PATH_OUTSIDE\]: .*jobs\[0\]\.outPath "\/tmp\/escaped-absolute\.json" is outside .*escape-alone/,
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 2, `${cases[i]![0].join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, cases[i]![1], cases[i]![0].join(" "));
  }
  assert.equal(existsSync(join(work, "escaped.json")), false);
  assert.equal(existsSync(join(epoch, "proofs")), false, "nothing proved");
});

test("the queue commands: no Redis at the URL is QUEUE_UNREACHABLE after a bounded attempt (credentials not shown), a malformed URL QUEUE_URL_INVALID", {
  // A hang fails here: the attempt is bounded by the command, not by this (generous) limit.
  timeout: 120_000,
}, async () => {
  const url = `redis://user:hunter2@127.0.0.1:${await closedPort()}`;
  const jobs = join(work, "queue-jobs.json");
  writeFileSync(jobs, JSON.stringify({ keys: { name: "payout", wasmPath: "p.wasm", zkeyPath: "p.zkey", vkeyPath: "p.json" }, jobs: [] }));
  const cases: [string[], RegExp, number][] = [
    [
      ["prove", "status", "--queue", url],
      /error \[QUEUE_UNREACHABLE\]: queue redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+: no Redis answered within 5000 ms \(connect ECONNREFUSED/,
      1,
    ],
    [
      ["prove", "enqueue", "--jobs", jobs, "--queue", url],
      /error \[QUEUE_UNREACHABLE\]: queue redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+: no Redis answered/,
      1,
    ],
    [
      ["prove", "status", "--queue", "notaurl"],
      /error \[QUEUE_URL_INVALID\]: --queue: must be a redis:\/\/HOST:PORT or rediss:\/\/HOST:PORT URL, got "notaurl"/,
      2,
    ],
    [["prove", "enqueue", "--jobs", jobs, "--queue", "http://127.0.0.1:6379"], /error \[QUEUE_URL_INVALID\]: --queue/, 2],
    [["prove", "worker", "--queue", "redis//127.0.0.1"], /error \[QUEUE_URL_INVALID\]: --queue/, 2],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, run] of runs.entries()) {
    const what = cases[i]![0].join(" ");
    assert.equal(run.code, cases[i]![2], `${what}: ${run.stderr}`);
    assert.match(run.stderr, cases[i]![1], what);
    assert.doesNotMatch(run.stderr, /hunter2/, what);
    assert.doesNotMatch(run.stderr, /^\s+at /m, `${what}: no stack trace`);
  }
});
