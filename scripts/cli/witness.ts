/** `witness`: the trainer's tables, commit and epoch directory from the chain's registrations, the collected deliveries and the scores (protocol/trainer/witness.ts). */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Collected } from "../../protocol/trainer/collect.ts";
import { CodedError } from "../../errors/index.ts";
import { log, printResult, shown, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";

interface WitnessFlags extends PartyFlags {
  readonly epoch?: string;
  readonly collected?: string;
  readonly fromScore?: string;
  readonly out?: string;
}

export function registerWitness(program: Command): void {
  const command = program
    .command("witness")
    .description(
      "trainer (OPEN_TRAINER_KEY): read the epoch's registrations from the chain, apply the reward policy to the collected deliveries and the scores, commit the epoch (the seed) and write the epoch directory with the prover's jobs files; sends no registration",
    )
    .option("--epoch <n>", "epoch number")
    .option("--collected <file>", "collected.json (collect)")
    .option(
      "--from-score <dir>",
      "the score stage's output folder (score, or score --scores FILE --model FILE): the scores, the model and how they were made; not needed when nobody delivered (an empty commit)",
    )
    .option("--out <dir>", "the epoch directory (default epochs/<chain>-<settlement>-<epoch>-<seed>)");
  withExamples(addPartyOptions(command, true), [
    "OPEN_TRAINER_KEY=0x... attribution-prover witness --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --epoch 1 --collected work/e1/collected.json --from-score work/e1-scores --out epochs/e1",
    "attribution-prover prove epochs/e1   # next stage",
    "OPEN_TRAINER_KEY=0x... attribution-prover witness --deployment deployments/local/deployment.json --epoch 2 --collected work/e2/collected.json   # nobody delivered: the empty commit",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as WitnessFlags;
    const epoch = integerFlag("--epoch", flags.epoch);
    if (flags.collected === undefined) throw new CodedError("USAGE", "usage", "--collected FILE is required (collect writes it)");
    const [{ readHashScores }, { config }, { readCollected }, { witnessEpoch }] = await Promise.all([
      import("../../witness/index.ts"),
      import("../../config/index.ts"),
      import("../../protocol/trainer/collect.ts"),
      import("../../protocol/trainer/witness.ts"),
    ]);
    // Every input is read and checked before the chain is touched.
    const scored =
      flags.fromScore === undefined ? undefined : (await import("../../protocol/trainer/score.ts")).readScoreOutput(flags.fromScore);
    const collected = readCollected(flags.collected);
    if (collected.delivered.length === 0) return witnessEmptyEpoch(flags, epoch, collected);
    if (scored === undefined)
      throw new CodedError(
        "USAGE",
        "usage",
        "--from-score DIR is required: the folder score wrote (score, or score --scores FILE --model FILE)",
      );
    const { scores } = readHashScores(scored.examplesFile, config);
    const { chain, deployment } = await connectParty("trainer", flags);
    try {
      const { dir, paths, witness, committed } = await witnessEpoch({
        deployment,
        epoch,
        collected,
        scores,
        scoresFile: scored.examplesFile,
        modelHash: scored.modelHash,
        attribution: scored.attribution,
        log,
        ...(flags.out === undefined ? {} : { outDir: flags.out }),
      });
      copyFileSync(scored.modelFile, join(dir, "model.onnx"));
      const value = {
        dir,
        chainId: chain.chainId,
        claims: witness.claimTable.length,
        registrations: witness.payoutTable.rows.length,
        committed,
        excluded: witness.exclusionOrders,
        duplicates: witness.duplicates.length,
        seed: witness.seed,
        exampleBatches: witness.exampleBatches.length,
        registrationBatches: witness.registrationBatches.length,
        payoutBatches: witness.payoutBatches.length,
        jobsFiles: [paths.exampleJobsFile, paths.registrationJobsFile, paths.payoutJobsFile],
      };
      printResult(flags.json, value, () =>
        console.log(`epoch directory ${shown(dir)}: ${value.claims} claims, ${value.registrations} registrations (${value.excluded.length} excluded), ${committed ? "committed on chain" : "already committed"}; ${value.exampleBatches} claim, ${value.registrationBatches} registration and ${value.payoutBatches} payout batches to prove
next: attribution-prover prove ${shown(dir)}`),
      );
    } finally {
      await chain.close();
    }
  });
}

/**
 * Nobody delivered: the empty commit (protocol/trainer/witness.ts commitEmptyEpoch). It names no
 * model: trained on nobody's data, it enters no lineage (the contract records none for it).
 */
async function witnessEmptyEpoch(flags: WitnessFlags, epoch: bigint, collected: Collected): Promise<void> {
  const { commitEmptyEpoch } = await import("../../protocol/trainer/witness.ts");
  const { chain, deployment } = await connectParty("trainer", flags);
  try {
    const empty = await commitEmptyEpoch({ deployment, epoch, collected, log });
    const value = { epoch, empty: true, ...empty };
    printResult(flags.json, value, () =>
      console.log(`epoch ${epoch}: nobody delivered; empty commit ${empty.committed ? "sent" : "already on chain"}, nothing to prove
next (operator, after ${new Date(Number(empty.contestEndsAt) * 1000).toISOString()}): attribution-prover epoch cancel --epoch ${epoch}   # refunds the pool`),
    );
  } finally {
    await chain.close();
  }
}
