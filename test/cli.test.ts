/**
 * The attribution-prover command line (scripts/cli.ts), as a user runs it: a child process on
 * this Node. Help with examples on every command; bad flags, missing files and bad config values
 * are named and exit non-zero. The parties' commands run one epoch after another on a node in
 * test/live-protocol.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { config } from "../config/index.ts";
import { runCli } from "./helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "cli-"));

/** Runs the CLI; resolves with its exit code and output whatever the code. */
const cli = runCli;

const COMMANDS = [
  "setup", "setup keys", "setup ptau dev", "setup phase2 contribute", "setup ceremony demo",
  "deploy", "epoch open", "fund", "seal", "register", "collect",
  "score", "witness", "prove", "prove local", "prove enqueue", "prove worker", "prove status",
  "settle", "verify", "report", "demo",
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
    [["witness", "--epoch", "1", "--collected", join(work, "collected.json"), "--scores", join(missing, "scores.csv"), "--model", join(work, "model")], /SCORES_FILE_UNREADABLE.*nowhere\/scores\.csv/, 2],
    [["register", "--epoch", "1", "--data", join(missing, "data.jsonl"), "--out", join(work, "delivery")], /PATH_MISSING.*nowhere\/data\.jsonl/, 2],
    [["collect", missing, "--epoch", "1", "--out", join(work, "collected.json")], /DELIVERY_MISSING.*nowhere: not a folder/, 2],
    [["prove", "--jobs", join(missing, "jobs.json")], /JOBS_FILE_INVALID.*nowhere\/jobs\.json: missing/, 2],
    [["witness", "--epoch", "1", "--collected", join(work, "collected.json"), "--from-score", missing], /SCORE_OUTPUT_INVALID.*nowhere\/witness-inputs\.json: missing/, 2],
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
    [["deploy", "--config", file("size", { exampleBatchSize: 9 })], new RegExp(`size\\.json: exampleBatchSize: 9 is not allowed; allowed: ${config.exampleBatch.sizes.join(", ")}`)],
    [["deploy", "--config", file("registration", { registrationBatchSize: 3 })], new RegExp(`registration\\.json: registrationBatchSize: 3 is not allowed; allowed: ${config.registrationBatch.sizes.join(", ")}`)],
    [["deploy", "--config", file("payout", { payoutBatchSize: "four" })], /payout\.json: payoutBatchSize: expected an integer >= 1, got "four"/],
    [["deploy", "--config", file("keys", { keys: "production" })], /keys\.json: keys: "production" is not allowed; allowed: dev, ceremony/],
    [["demo", "--config", file("unknown", { pools: 5 })], /unknown\.json: pools: unknown field; allowed: examples, pool/],
    [["demo", "--config", file("pool", { pool: "lots" })], /pool\.json: pool: "lots" is not an amount of whole \$OPEN/],
    [["deploy", "--batch-size", "5"], new RegExp(`command line: --batch-size: "5" is not allowed; allowed: ${config.payoutBatch.sizes.join(", ")}`)],
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
