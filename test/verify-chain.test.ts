/**
 * The skeptic's two record sources on one small epoch settled the demo's way (attribution/ scores
 * -> run-epoch on a standalone `hardhat node`): from its directory with the scores recomputed from
 * the data and the model, and from the chain alone after the trainer's process is gone. Tamper
 * cases for the checks those add: model, data, settings, the deployed verifier's bytecode, an
 * amount, a parameter or the exclusion set on chain. A fifth registration (the first) registers
 * two examples and never delivers them: it is excluded, and `--contributor` shows it so from the
 * directory and from the chain.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { JsonRpcProvider, keccak256, toUtf8Bytes } from "ethers";
import { runAttribution, scoreFormatOf, writeAttribution } from "../attribution/index.ts";
import { attributionSection } from "../attribution/epoch-section.ts";
import { decodeTrainingData, encodeTrainingData } from "../attribution/training-data.ts";
import type { AttributionConfig } from "../config/attribution.ts";
import { config } from "../config/index.ts";
import { runEpoch } from "../protocol/run-epoch.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { EpochVerifyError, verifyEpoch, verifyGroth16, type ChainSource } from "../verify/index.ts";
import { readChainEpoch } from "../verify/chain-read.ts";
import { compareWithChain } from "../verify/chain.ts";
import type { EpochVerifyErrorCode, FailureLocation } from "../verify/epoch-errors.ts";
import { readEpochRecord } from "../verify/record.ts";
import { chainProofs } from "../verify/chain-record.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";
import { runCli } from "./helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "verify-chain-"));
const dir = join(work, "epoch");
const dataFile = join(work, "training-data.json");
const modelFile = join(dir, "model.onnx");
const format = scoreFormatOf(config);
/** A registrant (registration 0) that registers two examples and never delivers them: excluded. */
const silent = demoContributors().find((c) => c.label === "harmful-01")!;
const SILENT = 0;

/** The repository's attribution settings at test sizes; demo labels, so the demo keys register. */
const settings: AttributionConfig = {
  ...config.attribution,
  providers: ["cpu"],
  validationSize: 40,
  hidden: 16,
  training: { ...config.attribution.training, epochs: 2 },
  batchSize: 64,
  tracin: { checkpoints: 2, ranks: { input: 4, delta: 4, activation: 8 } },
  trak: { ...config.attribution.trak, models: 2, ranks: { input: 4, delta: 4, activation: 8 } },
  eval: { ...config.attribution.eval, targets: 20 },
  partitions: [
    { label: "clean-01", kind: "clean", size: 24 },
    { label: "noisy-01", kind: "noisy", size: 12, noise: 0.5 },
    { label: "copier-01", kind: "duplicate", size: 6, source: 0 },
    { label: "clean-02", kind: "clean", size: 4 },
  ],
};

let node: HardhatNode | undefined;
let chain: ChainSource;

before(async () => {
  node = await startHardhatNode();
  const result = await runAttribution(settings, format, () => {});
  const paths = writeAttribution(join(work, "attribution"), result, format.decimals);
  writeFileSync(dataFile, encodeTrainingData(result.partitions));
  // The silent registrant registers first (two examples, scored in the file) and never delivers:
  // its data is in neither the training data nor the tables.
  const [header, ...rows] = readFileSync(paths.examples, "utf8").trimEnd().split("\n");
  const silentRows = [0, 1].map((i) => `0x${keccak256(toUtf8Bytes(`silent ${i}`)).slice(2, 34)},${silent.address},0.9`);
  writeFileSync(paths.examples, `${[header, ...silentRows, ...rows].join("\n")}\n`);
  const epoch = await runEpoch({
    examplesFile: paths.examples,
    pool: 10n ** 24n,
    exampleBatchSize: config.exampleBatch.testSize,
    registrationBatchSize: config.registrationBatch.testSize,
    payoutBatchSize: config.payoutBatch.testSize,
    undelivered: [silent.address],
    modelHash: `0x${result.model.hash}`,
    validationSet: result.validation,
    attribution: attributionSection(result, settings, format),
    outDir: dir,
    rpcUrl: node.url,
    workers: 2,
    progress: false,
  });
  cpSync(paths.model, modelFile); // as the demo does: the model joins the record
  chain = { rpcUrl: node.url, settlement: epoch.addresses.settlement, epoch: epoch.epoch };
  // From here on the trainer's process is gone: only the node and the files remain.
});

after(async () => {
  node?.stop();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

async function expectFailure(run: Promise<unknown>, code: EpochVerifyErrorCode, where: FailureLocation = {}): Promise<EpochVerifyError> {
  const error = await run.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EpochVerifyError, String(error));
  assert.equal(error.code, code, error.message);
  for (const [k, v] of Object.entries(where)) assert.equal(error.where[k as keyof FailureLocation], v, `${k} of: ${error.message}`);
  return error;
}

const statuses = (report: { checks: readonly { check: string; status: string }[] }) =>
  Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
let copies = 0;
function copyOf(edit: (copy: string) => void): string {
  const copy = join(work, `copy-${copies++}`);
  cpSync(dir, copy, { recursive: true });
  edit(copy);
  return copy;
}

test("from its directory: every check passes, the scores recomputed on CPU from the data and the model equal the table", async () => {
  const start = performance.now();
  const report = await verifyEpoch(dir, { rpcUrl: chain.rpcUrl, recompute: { dataFile, modelFile }, contributor: silent.address });
  console.log(`verify from the directory (with --rpc and the scores recomputed): ${((performance.now() - start) / 1000).toFixed(1)} s`);
  assert.deepEqual(statuses(report), {
    vkeys: "pass",
    proofs: "pass",
    commitments: "pass",
    policy: "pass",
    payouts: "pass",
    validation: "pass",
    scores: "pass",
    chain: "pass",
  });
  assert.match(report.checks.find((c) => c.check === "scores")!.detail, /recomputed on CPU/);
  assert.deepEqual(readEpochRecord(dir).exclusion, [SILENT]);
  // The registration that never delivered: excluded by the chain's live commit (the chain was read), the trainer's reason from the record, no claims, nothing paid.
  const [r] = report.contributor!.registrations;
  assert.deepEqual(
    {
      order: r!.order,
      count: r!.count,
      excluded: r!.excluded,
      exclusionSource: r!.exclusionSource,
      credited: r!.credited,
      total: r!.total,
      reward: r!.reward,
    },
    { order: SILENT, count: 2, excluded: true, exclusionSource: "chain", credited: [], total: 0n, reward: 0n },
  );
  assert.match(r!.reason ?? "", /\S/);
});

test("from the chain alone: proofs, signals and payout words rebuilt from calldata pass the same checks; the tables' checks are partial", async () => {
  const start = performance.now();
  const report = await verifyEpoch(chain, { contributor: silent.address });
  console.log(`verify from the chain alone: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  const [r] = report.contributor!.registrations;
  assert.deepEqual(
    { order: r!.order, count: r!.count, excluded: r!.excluded, exclusionSource: r!.exclusionSource, reward: r!.reward },
    { order: SILENT, count: 2, excluded: true, exclusionSource: "chain", reward: 0n },
  );
  assert.equal(r!.credited, undefined, "the chain holds no claim table");
  assert.deepEqual(statuses(report), {
    vkeys: "pass",
    proofs: "pass",
    commitments: "partial",
    policy: "partial",
    payouts: "skipped",
    validation: "skipped",
    scores: "skipped",
    chain: "pass",
  });
  const record = readEpochRecord(dir);
  assert.equal(report.epoch, record.epoch);
  assert.match(
    report.checks.find((c) => c.check === "proofs")!.detail,
    new RegExp(
      `^${record.proofs.example.length + record.proofs.registration.length + record.proofs.payout.length} proofs verified by noble and snarkjs`,
    ),
  );
});

test("a model file that is not the epoch's model: MODEL_MISMATCH naming both hashes", async () => {
  const wrong = join(work, "wrong-model.onnx");
  const bytes = readFileSync(modelFile);
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(wrong, bytes);
  const error = await expectFailure(verifyEpoch(dir, { snarkjs: false, recompute: { dataFile, modelFile: wrong } }), "MODEL_MISMATCH", {
    file: wrong,
    field: "modelHash",
  });
  assert.match(error.message, /the epoch paid for model 0x[0-9a-f]{64}/);
});

test("scores that another model made (the recorded seed trains a different one): SCORES_MISMATCH with the largest deviation and its rows", async () => {
  const copy = copyOf((c) => {
    const epoch = JSON.parse(readFileSync(join(c, "epoch.json"), "utf8"));
    epoch.attribution.settings.seed += 1;
    writeFileSync(join(c, "epoch.json"), JSON.stringify(epoch, null, 2));
  });
  const error = await expectFailure(
    verifyEpoch(copy, { snarkjs: false, recompute: { dataFile, modelFile: join(copy, "model.onnx") } }),
    "SCORES_MISMATCH",
    { file: "examples.json", field: "score" },
  );
  assert.match(
    error.message,
    /\d+ scores differ from the scores recomputed from .*; largest deviation \d+ \(fixed point\) at examples\.json row \d+ \(0x[0-9a-f]{32}, .* row \d+\)/,
  );
  assert.equal(typeof error.where.row, "number");
});

test("training data that is not what was registered (one label changed): DATA_MISMATCH naming the contributor", async () => {
  const partitions = decodeTrainingData(readFileSync(dataFile, "utf8"));
  partitions[1]!.data.labels[0] = (partitions[1]!.data.labels[0]! + 1) % 10;
  const changed = join(work, "training-data-changed.json");
  writeFileSync(changed, encodeTrainingData(partitions));
  await expectFailure(verifyEpoch(dir, { snarkjs: false, recompute: { dataFile: changed, modelFile } }), "DATA_MISMATCH", {
    file: changed,
    row: 1,
    field: "examples",
  });
});

test("a deployed verifier whose code differs from the one compiled from the record's key: BYTECODE_MISMATCH, before any proof is trusted", async () => {
  const record = readEpochRecord(dir);
  const provider = new JsonRpcProvider(chain.rpcUrl);
  const original = await provider.getCode(record.contracts.exampleVerifier);
  try {
    // The payout verifier's code at the example verifier's address.
    await provider.send("hardhat_setCode", [record.contracts.exampleVerifier, await provider.getCode(record.contracts.payoutVerifier)]);
    const error = await expectFailure(verifyEpoch(dir, { snarkjs: false, rpcUrl: chain.rpcUrl }), "BYTECODE_MISMATCH", {
      file: "example_verification_key.json",
      field: "exampleVerifier",
    });
    assert.equal(error.check, "vkeys");
    assert.match(error.message, /is not the ExampleBatch\d+Verifier compiled from example_verification_key\.json/);
  } finally {
    await provider.send("hardhat_setCode", [record.contracts.exampleVerifier, original]);
    provider.destroy();
  }
});

test("from the chain with another verification key (--keys DIR): BYTECODE_MISMATCH, the deployed verifier is not that key's", async () => {
  const keys = copyOf((c) => {
    const file = join(c, "payout_verification_key.json");
    const vk = JSON.parse(readFileSync(file, "utf8"));
    vk.IC[0][0] = (BigInt(vk.IC[0][0]) + 1n).toString();
    writeFileSync(file, JSON.stringify(vk, null, 1));
  });
  await expectFailure(verifyEpoch({ ...chain, keys: { dir: keys } }, { snarkjs: false }), "BYTECODE_MISMATCH", { field: "payoutVerifier" });
});

type ChainEpochRead = Awaited<ReturnType<typeof readChainEpoch>>;
type Payment = ChainEpochRead["releases"][number]["payments"][number];
/** `onChain` with every release's payments passed through `edit` (its batch index, its payments). */
const withPayments = (onChain: ChainEpochRead, edit: (batchIndex: number, payments: readonly Payment[]) => Payment[]): ChainEpochRead => ({
  ...onChain,
  releases: onChain.releases.map((r) => ({ ...r, payments: edit(r.batchIndex, r.payments) })),
});
const payoutMismatch = (batch: number, field: string) => (e: unknown) =>
  e instanceof EpochVerifyError && e.code === "PAYOUT_MISMATCH" && e.where.row === batch && e.where.field === field;

test("an amount or a parameter that differs on chain: PAYOUT_MISMATCH naming the release's batch for a transfer, CHAIN_MISMATCH for EpochOpened and for an exclusion set that is not the live commit's", async () => {
  const record = readEpochRecord(dir);
  const onChain = await readChainEpoch(chain.rpcUrl, chain.settlement, chain.epoch);
  assert.equal(compareWithChain(record, onChain, config).status, "pass");
  assert.equal(onChain.releases.length, onChain.payoutBatches.length);
  const payee = record.contributors.find((c) => c.reward > 0n)!.address;
  const batch = onChain.releases.find((r) => r.payments.some((p) => p.payee === payee))!.batchIndex;
  const less = withPayments(onChain, (_, ps) => ps.map((p) => (p.payee === payee ? { ...p, amount: p.amount - 1n } : p)));
  assert.throws(() => compareWithChain(record, less, config), payoutMismatch(batch, `release[${batch}].payments`));
  assert.throws(
    () => compareWithChain(record, { ...onChain, opened: { ...onChain.opened, pool: onChain.opened.pool + 1n } }, config),
    (e: unknown) => e instanceof EpochVerifyError && e.code === "CHAIN_MISMATCH" && e.where.field === "EpochOpened.pool",
  );
  // A record whose exclusion set is not the live commit's (the silent registration kept).
  assert.throws(
    () => compareWithChain({ ...record, exclusion: [] }, onChain, config),
    (e: unknown) =>
      e instanceof EpochVerifyError &&
      e.code === "CHAIN_MISMATCH" &&
      e.where.field === "EpochCommitted.exclusion" &&
      /is \[0\] on chain, the record has \[\]/.test(e.message),
  );
});

test("a release whose payments are not its batch's words (the pool to one payee, an outsider paid, a payee unpaid, a wrong BatchReleased paid): PAYOUT_MISMATCH naming the batch; the proofs hold over the submitted words", async () => {
  const record = readEpochRecord(dir);
  const onChain = await readChainEpoch(chain.rpcUrl, chain.settlement, chain.epoch);
  const vk = JSON.parse(record.keyTexts.payout);
  const honest = chainProofs(onChain, config).proofs.payout[0]!.json;
  assert.equal(verifyGroth16(vk, honest.proof, honest.publicSignals), true);
  const k = onChain.releases[0]!.batchIndex;
  const field = `release[${k}].payments`;
  const only = (edit: (ps: readonly Payment[]) => Payment[]) => withPayments(onChain, (b, ps) => (b === k ? edit(ps) : [...ps]));
  const pool = only((ps) => ps.map((p, i) => (i === 0 ? { ...p, amount: record.pool } : p)));
  assert.throws(() => compareWithChain(record, pool, config), payoutMismatch(k, field));
  const outsider = only((ps) => [...ps, { ...ps[0]!, payee: 0xdeadn, amount: 1n }]);
  assert.throws(
    () => compareWithChain(record, outsider, config),
    (e: unknown) => payoutMismatch(k, field)(e) && /0x0{36}dead .*whom its words do not pay/.test((e as Error).message),
  );
  const unpaid = only((ps) => ps.slice(1));
  assert.throws(
    () => compareWithChain(record, unpaid, config),
    (e: unknown) => payoutMismatch(k, field)(e) && /paid nothing to/.test((e as Error).message),
  );
  const paid = { ...onChain, releases: onChain.releases.map((r) => (r.batchIndex === k ? { ...r, paid: r.paid + 1n } : r)) };
  assert.throws(() => compareWithChain(record, paid, config), payoutMismatch(k, `release[${k}].paid`));
});

test("payments: a PayoutDeferred credit (the pull fallback) counts as the payee's payment; a transfer and a credit both is a double payment", async () => {
  const record = readEpochRecord(dir);
  const onChain = await readChainEpoch(chain.rpcUrl, chain.settlement, chain.epoch);
  const k = onChain.releases.find((r) => r.payments.some((p) => p.kind === "Transfer"))!.batchIndex;
  const first = onChain.releases.find((r) => r.batchIndex === k)!.payments.find((p) => p.kind === "Transfer")!;
  const deferred = withPayments(onChain, (_, ps) => ps.map((p) => (p === first ? { ...p, kind: "PayoutDeferred" as const } : p)));
  assert.equal(compareWithChain(record, deferred, config).status, "pass");
  const twice = withPayments(onChain, (b, ps) => (b === k ? [...ps, { ...first, kind: "PayoutDeferred" as const }] : [...ps]));
  assert.throws(
    () => compareWithChain(record, twice, config),
    (e: unknown) => payoutMismatch(k, `release[${k}].payments`)(e) && /twice/.test((e as Error).message),
  );
});

/** Runs the CLI's verify command; resolves with its exit code and output. */
const cli = (...args: string[]) => runCli("verify", ...args);

test("npm run verify -- --rpc URL --contract ADDR --epoch N: exit 0 and the report; exit 1 for a directory and --contract together", async () => {
  const pass = await cli("--rpc", chain.rpcUrl, "--contract", chain.settlement, "--epoch", String(chain.epoch), "--json", "--no-snarkjs");
  assert.equal(pass.code, 0, pass.stdout);
  const report = JSON.parse(pass.stdout);
  assert.equal(report.ok, true);
  assert.match(report.source, /^chain 31337 /);
  const view = await cli(
    "--rpc",
    chain.rpcUrl,
    "--contract",
    chain.settlement,
    "--epoch",
    String(chain.epoch),
    "--no-snarkjs",
    "--contributor",
    silent.address,
  );
  assert.equal(view.code, 0, view.stdout);
  assert.match(
    view.stdout,
    new RegExp(`registration ${SILENT}: 2 examples registered, C_j \\d+, EXCLUDED \\(the chain's live commit exclusion set\\)`),
  );
  assert.match(view.stdout, new RegExp(`payout row ${SILENT} \\(proofs/payout-000\\.json\\): reward 0`));
  const usage = await cli(dir, "--contract", chain.settlement);
  assert.equal(usage.code, 1);
});

test("keys with 3 public signals (the pre-Soundness-I statement): refused, RECORD_MALFORMED naming the reason, from the chain (--keys DIR) and from a directory", async () => {
  const legacy = copyOf((c) => {
    const file = join(c, "payout_verification_key.json");
    const vk = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...vk, nPublic: 3, IC: vk.IC.slice(0, 4) }, null, 1));
  });
  const reason =
    /payout_verification_key\.json: nPublic 3 is the pre-Soundness-I statement .* binds neither r nor the batch index: its proofs say nothing about the payouts; re-prove the epoch/;
  const fromChain = await cli(
    "--rpc",
    chain.rpcUrl,
    "--contract",
    chain.settlement,
    "--epoch",
    String(chain.epoch),
    "--keys",
    legacy,
    "--json",
    "--no-snarkjs",
  );
  assert.equal(fromChain.code, 2, fromChain.stdout);
  const failure = JSON.parse(fromChain.stdout);
  assert.equal(failure.code, "RECORD_MALFORMED");
  assert.equal(failure.where.field, "nPublic");
  assert.match(failure.message, reason);
  const error = await expectFailure(verifyEpoch(legacy, { snarkjs: false }), "RECORD_MALFORMED", {
    file: "payout_verification_key.json",
    field: "nPublic",
    got: "3",
  });
  assert.match(error.message, reason);
});
