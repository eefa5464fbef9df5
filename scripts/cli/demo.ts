/** `demo`: everything in one go: score (unless --examples), witness, prove, settle on one chain, then the report. */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { config } from "../../config/index.ts";
import { addRunOptions, log, printResult, runFlagsOf, shown, withExamples } from "./common.ts";
import { runParameters } from "./run-config.ts";

export function registerDemo(program: Command): void {
  const command = program
    .command("demo")
    .description(
      "train and score the MNIST model (unless --examples), then settle one epoch end to end on an in-process Hardhat chain (or --rpc), only through ExampleBatch (claims), RegistrationBatch and PayoutBatch proofs; prints each registration's examples, score, reward and on-chain balance; runs a fast attack suite (attacks.json) and writes the epoch report",
    );
  withExamples(addRunOptions(command, ["examples", "pool", "epoch", "sizes", "workers", "rpc", "keys", "out", "method"]), [
    "attribution-prover demo",
    "attribution-prover demo --examples data/demo-examples.csv --example-batch-size 8 --registration-batch-size 2 --batch-size 4",
    "attribution-prover demo --keys ceremony --example-batch-size 8 --registration-batch-size 2 --batch-size 4",
    "attribution-prover demo --config run.json --json",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = runFlagsOf(cmd);
    const p = await runParameters(flags);
    // A settled epoch's folder is final: refused before anything is trained, deployed or sent.
    if (p.outDir !== undefined) {
      const { assertNotSettled, epochPaths } = await import("../../protocol/epoch-dir.ts");
      assertNotSettled(epochPaths(p.outDir));
    }
    const [{ writeEpochReport }, { scoreTrainingData }, { runEpoch }, { writeDemoAttacks }, { printSettledEpoch }] = await Promise.all([
      import("../../report/index.ts"),
      import("../../protocol/trainer/score.ts"),
      import("../../protocol/run-epoch.ts"),
      import("../lib/demo-attacks.ts"),
      import("./epoch-table.ts"),
    ]);
    const scored = p.examplesFile === undefined ? await scoreTrainingData({ method: p.method, log }) : undefined;
    const result = await runEpoch({
      // The scored demo's contributors hand over their data: collect checks it against their registrations.
      ...(scored === undefined ? { examplesFile: p.examplesFile! } : { ...scored.scores, contributorData: scored.result.partitions }),
      pool: p.pool,
      epoch: p.epoch,
      exampleBatchSize: p.exampleBatchSize,
      registrationBatchSize: p.registrationBatchSize,
      payoutBatchSize: p.payoutBatchSize,
      keySet: p.keySet,
      log,
      ...(p.rpcUrl === undefined ? {} : { rpcUrl: p.rpcUrl }),
      ...(p.outDir === undefined ? {} : { outDir: p.outDir }),
      ...(p.workers === undefined ? {} : { workers: p.workers }),
    });
    const attacks = await writeDemoAttacks(result.dir, config, log);
    log(`attacks: ${attacks.map((r) => `${r.id} ${r.pass ? "pass" : "FAIL"}`).join(", ")} (attacks.json)`);
    // The model the epoch paid for joins its public record (its sha256 is the modelHash on chain).
    if (scored !== undefined) copyFileSync(scored.paths.model, join(result.dir, "model.onnx"));
    log("report: re-verifying the epoch from its record and drawing the charts...");
    const report = await writeEpochReport(result.dir);
    printResult(flags.json, { ...result, attacks, report }, () => {
      printSettledEpoch(result);
      console.log(`report: ${shown(report)}`);
    });
  });
}
