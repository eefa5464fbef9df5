/** `witness`: register the contributors and write the epoch directory (protocol/trainer/witness.ts). */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { addRunOptions, log, printResult, runFlagsOf, shown, withExamples } from "./common.ts";
import { UsageError } from "./errors.ts";
import { runParameters } from "./run-config.ts";

export function registerWitness(program: Command): void {
  const command = program.command("witness")
    .description("deploy the contracts, register every contributor of an examples file on chain, apply the reward policy and write the epoch directory (both tables, commitments, registrations, dedup evidence, verification keys, the prover's jobs files)");
  command.option("--from-score <dir>", "a score stage's output folder: its examples file, and the model's hash and file and how the scores were made go into the record");
  withExamples(addRunOptions(command, ["examples", "pool", "epoch", "sizes", "keys", "out", "rpc"]), [
    "attribution-prover witness --examples data/demo-examples.csv --out epochs/demo",
    "attribution-prover score --out build/attribution && attribution-prover witness --from-score build/attribution",
    "attribution-prover witness --config run.json --rpc http://127.0.0.1:8545 --json",
    "attribution-prover prove epochs/demo   # next stage",
  ]).addHelpText("after", "\nOn the in-process chain (no --rpc) the chain ends with the command; settle replays the deployment and registration\non a new one and checks that the addresses and registrations are the recorded ones.\n")
    .action(async (_: unknown, cmd: Command) => {
      const flags = runFlagsOf(cmd);
      const fromScore = (cmd.opts() as { fromScore?: string }).fromScore;
      const p = await runParameters(flags);
      if ((p.examplesFile === undefined) === (fromScore === undefined)) throw new UsageError("witness needs --examples FILE (or \"examples\" in --config FILE) or --from-score DIR, one of them");
      const scored = fromScore === undefined ? undefined : (await import("../../protocol/trainer/score.ts")).readScoreOutput(fromScore);
      const options = {
        ...(scored === undefined ? { examplesFile: p.examplesFile! } : { examplesFile: scored.examplesFile, modelHash: scored.modelHash, attribution: scored.attribution }), pool: p.pool, epoch: p.epoch, exampleBatchSize: p.exampleBatchSize, registrationBatchSize: p.registrationBatchSize, payoutBatchSize: p.payoutBatchSize,
        keySet: p.keySet, log, ...(p.outDir === undefined ? {} : { outDir: p.outDir }),
      };
      const [{ connectChain }, { readEpochInputs, witnessEpoch }, { assertNotSettled, epochPaths }] = await Promise.all([
        import("../../protocol/chain.ts"), import("../../protocol/trainer/witness.ts"), import("../../protocol/epoch-dir.ts"),
      ]);
      // A settled epoch's folder is final: refused before anything is deployed or sent.
      if (p.outDir !== undefined) assertNotSettled(epochPaths(p.outDir));
      const inputs = await readEpochInputs(options);
      const chain = await connectChain(p.rpcUrl);
      try {
        const { dir, paths, witness } = await witnessEpoch(chain, inputs, options);
        // The model the epoch pays for joins its public record (its sha256 is the modelHash on chain).
        if (scored !== undefined) copyFileSync(scored.modelFile, join(dir, "model.onnx"));
        const value = {
          dir, chainId: chain.chainId, chain: chain.description, claims: witness.claimTable.length, registrations: witness.payoutTable.rows.length,
          excluded: witness.exclusionOrders, duplicates: witness.duplicates.length, seed: witness.seed,
          exampleBatches: witness.exampleBatches.length, registrationBatches: witness.registrationBatches.length, payoutBatches: witness.payoutBatches.length,
          jobsFiles: [paths.exampleJobsFile, paths.registrationJobsFile, paths.payoutJobsFile],
        };
        printResult(flags.json, value, () => console.log(`epoch directory ${shown(dir)}: ${value.claims} claims, ${value.registrations} registrations (${value.excluded.length} excluded), committed on chain; ${value.exampleBatches} claim, ${value.registrationBatches} registration and ${value.payoutBatches} payout batches to prove
next: attribution-prover prove ${shown(dir)}`));
      } finally {
        await chain.close();
      }
    });
}
