/** `witness`: register the contributors and write the epoch directory (scripts/lib/epoch/witness.ts). */
import type { Command } from "commander";
import { addRunOptions, log, printResult, runFlagsOf, shown, withExamples } from "./common.ts";
import { UsageError } from "./errors.ts";
import { runParameters } from "./run-config.ts";

export function registerWitness(program: Command): void {
  const command = program.command("witness")
    .description("deploy the contracts, register every contributor of an examples file on chain, apply the reward policy and write the epoch directory (both tables, commitments, registrations, dedup evidence, verification keys, the prover's jobs files)");
  withExamples(addRunOptions(command, ["examples", "pool", "epoch", "sizes", "keys", "out", "rpc"]), [
    "attribution-prover witness --examples data/demo-examples.csv --out epochs/demo",
    "attribution-prover witness --config run.json --rpc http://127.0.0.1:8545 --json",
    "attribution-prover prove epochs/demo   # next stage",
  ]).addHelpText("after", "\nOn the in-process chain (no --rpc) the chain ends with the command; settle replays the deployment and registration\non a new one and checks that the addresses and registrations are the recorded ones.\n")
    .action(async (_: unknown, cmd: Command) => {
      const flags = runFlagsOf(cmd);
      const p = await runParameters(flags);
      if (p.examplesFile === undefined) throw new UsageError("witness needs --examples FILE (or \"examples\" in --config FILE)");
      const options = {
        examplesFile: p.examplesFile, pool: p.pool, epoch: p.epoch, exampleBatchSize: p.exampleBatchSize, payoutBatchSize: p.payoutBatchSize,
        keySet: p.keySet, log, ...(p.outDir === undefined ? {} : { outDir: p.outDir }),
      };
      const [{ connectChain }, { readEpochInputs, witnessEpoch }] = await Promise.all([import("../lib/chain.ts"), import("../lib/epoch/witness.ts")]);
      const inputs = await readEpochInputs(options);
      const chain = await connectChain(p.rpcUrl);
      try {
        const { dir, paths, witness } = await witnessEpoch(chain, inputs, options);
        const value = {
          dir, chainId: chain.chainId, chain: chain.description, examples: witness.exampleTable.length, contributors: witness.contributorTable.rows.length,
          duplicates: witness.duplicates.length, exampleBatches: witness.exampleBatches.length, payoutBatches: witness.payoutBatches.length,
          jobsFiles: [paths.exampleJobsFile, paths.payoutJobsFile],
        };
        printResult(flags.json, value, () => console.log(`epoch directory ${shown(dir)}: ${value.examples} examples, ${value.contributors} contributors, ${value.exampleBatches} example and ${value.payoutBatches} payout batches to prove
next: attribution-prover prove ${shown(dir)}`));
      } finally {
        await chain.close();
      }
    });
}
