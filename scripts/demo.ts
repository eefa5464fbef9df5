/**
 * npm run demo [-- --rpc URL] [--examples FILE] [--pool OPEN] [--out DIR] [--epoch N] [--example-batch-size E] [--batch-size B] [--workers N] [--keys dev|ceremony]
 *
 * Trains the MNIST model with onnxruntime and scores every training example's influence (unless
 * --examples gives the scores), then settles one epoch end to end on an in-process Hardhat chain
 * (or any JSON-RPC node with --rpc), only through ExampleBatch and PayoutBatch proofs, and prints each contributor's examples,
 * score, reward and on-chain balance. Exit codes: 0 settled and every balance equals the
 * reference model; 2 bad input (examples file, config, arguments, a contributor without a key);
 * 3 on-chain balances differ from the reference model; 4 keys refused (not the pinned ones, a
 * circuit changed since its ceremony, a missing ceremony zkey); 1 anything else.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { dirname, join, relative } from "node:path";
import { formatUnits, parseUnits } from "ethers";
import { attributionSection, encodeTrainingData, runAttribution, scoreFormatOf, writeAttribution } from "../attribution/index.ts";
import { PROJECT_ROOT, writeFileAtomic } from "../circuits/index.ts";
import { ConfigError, config } from "../config/index.ts";
import { ScoresFileError, formatFixedPoint } from "../witness/index.ts";
import { ChainConfigError } from "./lib/chain.ts";
import { writeDemoAttacks } from "./lib/demo-attacks.ts";
import { KEY_SETS, TrustedSetupError, type KeySetName } from "../circuits/ceremony/index.ts";
import { ContributorKeyError, runEpoch, SettlementMismatchError, type EpochResult } from "./lib/run-epoch.ts";
import { writeEpochReport } from "../report/index.ts";

class UsageError extends Error {}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string" },
      examples: { type: "string" },
      pool: { type: "string", default: "1000000" },
      out: { type: "string" },
      epoch: { type: "string", default: "1" },
      "batch-size": { type: "string", default: String(config.payoutBatch.demoSize) },
      "example-batch-size": { type: "string", default: String(config.exampleBatch.demoSize) },
      workers: { type: "string" },
      keys: { type: "string", default: "dev" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(`usage: npm run demo -- [--rpc URL] [--examples FILE] [--pool OPEN] [--out DIR] [--epoch N] [--example-batch-size E] [--batch-size B] [--workers N] [--keys dev|ceremony]
  --rpc URL         settle on this JSON-RPC node instead of an in-process Hardhat chain
                    (deployer key from OPEN_DEPLOYER_KEY; Hardhat's test key on chain 31337)
  --examples FILE   settle these example-level scores (CSV example,contributor,score, e.g.
                    data/demo-examples.csv) instead of training and scoring the MNIST model;
                    contributors must be the demo's (they register with its development keys)
  --pool OPEN       reward pool R in whole $OPEN (default 1000000)
  --example-batch-size E  example batch size, one of ${config.exampleBatch.sizes.join(", ")} (default ${config.exampleBatch.demoSize})
  --batch-size B    payout batch size, one of ${config.payoutBatch.sizes.join(", ")} (default ${config.payoutBatch.demoSize})
  --keys SET        dev (this machine's development keys, default) or ceremony (the keys pinned in
                    config/pinned-keys.json by a verified ceremony: npm run setup -- ceremony demo)`);
    process.exit(0);
  }
  const batchSize = Number(values["batch-size"]);
  if (!config.payoutBatch.sizes.includes(batchSize)) {
    throw new UsageError(`--batch-size: ${values["batch-size"]} is not a configured batch size (${config.payoutBatch.sizes.join(", ")})`);
  }
  const exampleBatchSize = Number(values["example-batch-size"]);
  if (!config.exampleBatch.sizes.includes(exampleBatchSize)) {
    throw new UsageError(`--example-batch-size: ${values["example-batch-size"]} is not a configured example batch size (${config.exampleBatch.sizes.join(", ")})`);
  }
  const keySet = values.keys as KeySetName;
  if (!KEY_SETS.includes(keySet)) throw new UsageError(`--keys: ${values.keys} is not a key set (${KEY_SETS.join(", ")})`);
  let pool: bigint;
  try {
    pool = parseUnits(values.pool, config.token.decimals);
  } catch {
    throw new UsageError(`--pool: ${values.pool} is not an amount of $OPEN`);
  }
  if (!/^\d+$/.test(values.epoch)) throw new UsageError(`--epoch: ${values.epoch} is not a non-negative integer`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new UsageError(`--workers: ${values.workers} is not a non-negative integer`);
  return {
    ...(values.examples === undefined ? {} : { examplesFile: values.examples }),
    pool,
    epoch: BigInt(values.epoch),
    payoutBatchSize: batchSize,
    exampleBatchSize,
    keySet,
    ...(values.rpc === undefined ? {} : { rpcUrl: values.rpc }),
    ...(values.out === undefined ? {} : { outDir: values.out }),
    ...(workers === undefined ? {} : { workers }),
  };
}

function printResult(result: EpochResult): void {
  const open = (v: bigint) => formatUnits(v, config.token.decimals);
  const rows = result.contributors.map((c) => [
    c.label ?? "",
    c.address,
    `${c.credited}/${c.claimed}`,
    formatFixedPoint(c.rawScore, config.fixedPoint.decimals),
    formatFixedPoint(c.amount, config.fixedPoint.decimals),
    open(c.reward),
    open(c.balance),
    c.balance === c.reward ? "ok" : "MISMATCH",
  ]);
  const header = ["contributor", "address", "credited/claimed", "score", "clipped T_c", "reward (OPEN)", "on-chain balance", "check"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  const gas = result.transactions.reduce((s, t) => s + t.gasUsed, 0n);
  const n = BigInt(result.contributors.length);
  const { example, payout } = result.circuits;
  console.log(
    `\nepoch ${result.epoch} on ${result.chain} (chain ${result.chainId}), settlement ${result.addresses.settlement}
${result.examples} examples after dedup (${result.duplicates} claimed more than once, credited to the earliest registrant)
pool ${open(result.pool)} OPEN, paid ${open(result.pool - result.dust)}, dust left in the contract ${open(result.dust)} (${result.dust} base units)
circuits ${example.name} (${example.constraints} constraints) x ${result.exampleBatches}, ${payout.name} (${payout.constraints}) x ${result.payoutBatches}: proved in ${(result.proveMs / 1000).toFixed(1)} s
keys: ${payout.keySet} (pinned ${example.name} ${example.vkeyHash.slice(0, 16)}..., ${payout.name} ${payout.vkeyHash.slice(0, 16)}...)
gas: ${gas} for ${result.transactions.length} transactions (example batches, payout batches, finalize, releases), ${n > 0n ? gas / n : 0n} per contributor
epoch record: ${relative(process.cwd(), result.dir) || "."}`,
  );
}

/**
 * The attribution stage: trains the MNIST model of config.attribution with onnxruntime, scores every
 * training example's influence on the validation loss and writes build/attribution/ (examples.csv,
 * model.onnx, attribution.json). The epoch then records the model's and the validation set's hashes.
 */
async function attribute(log: (m: string) => void) {
  const format = scoreFormatOf(config);
  log(`attribution: training and scoring with ${config.attribution.method} (providers ${config.attribution.providers.join(", ")})...`);
  const result = await runAttribution(config.attribution, format, log);
  const paths = writeAttribution(join(PROJECT_ROOT, "build", "attribution"), result, format.decimals);
  log(`attribution: ${result.rows.length} examples scored on ${result.provider}, validation accuracy ${(result.validationAccuracy * 100).toFixed(1)} %, model sha256 ${result.model.hash.slice(0, 16)}...; ${relative(process.cwd(), paths.examples)}`);
  log(`attribution: defences ${result.defences.join(", ") || "none"}; ${result.flagged.length} examples flagged as near copies and ${result.mislabelled.length} as mislabelled (score 0), evidence in ${relative(process.cwd(), paths.summary)}`);
  // The contributors' examples as registered: with the model, what verify --data --model reruns the scoring from.
  const trainingData = join(dirname(paths.examples), "training-data.json");
  writeFileAtomic(trainingData, encodeTrainingData(result.partitions));
  log(`attribution: training data (to recompute the scores) in ${relative(process.cwd(), trainingData)}`);
  const attribution = attributionSection(result, config.attribution, format);
  return { examplesFile: paths.examples, modelHash: `0x${result.model.hash}`, validationSet: result.validation, attribution, modelFile: paths.model };
}

try {
  const log = (m: string) => console.error(m);
  const options = parseOptions();
  const scores = options.examplesFile === undefined ? await attribute(log) : { examplesFile: options.examplesFile };
  const result = await runEpoch({ ...options, ...scores, log });
  log(`attacks: ${(await writeDemoAttacks(result.dir, config, log)).map((r) => `${r.id} ${r.pass ? "pass" : "FAIL"}`).join(", ")} (attacks.json)`);
  // The model the epoch paid for joins its public record (its sha256 is the modelHash on chain).
  if ("modelFile" in scores) writeFileAtomic(join(result.dir, "model.onnx"), readFileSync(scores.modelFile));
  printResult(result);
  log("report: re-verifying the epoch from its record and drawing the charts...");
  console.log(`report: ${relative(process.cwd(), await writeEpochReport(result.dir))}`);
} catch (error) {
  const e = error as Error;
  console.error(`error${error instanceof TrustedSetupError ? ` [${error.code}]` : ""}: ${e.message}`);
  process.exitCode =
    error instanceof ScoresFileError || error instanceof ContributorKeyError || error instanceof ConfigError || error instanceof UsageError || error instanceof ChainConfigError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
      ? 2
      : error instanceof SettlementMismatchError
        ? 3
        : error instanceof TrustedSetupError
          ? 4
          : 1;
} finally {
  // snarkjs keeps curve worker threads alive in the thread that used it.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
