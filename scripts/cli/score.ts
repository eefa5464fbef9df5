/** `score`: the attribution stage alone (protocol/trainer/score.ts). */
import { dirname } from "node:path";
import type { Command } from "commander";
import { config } from "../../config/index.ts";
import { CodedError } from "../../errors/index.ts";
import { addRunOptions, log, printResult, runFlagsOf, shown, withExamples } from "./common.ts";
import { addPinOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";
import { runParameters } from "./run-config.ts";

/**
 * score --model --data with --deployment and --epoch: the trainer's connection and the check that
 * refuses a validation set other than the one sealed for the epoch (validation-reveal.ts
 * epochSealCheck); close() when scoring is done.
 */
async function sealedSetCheck(flags: PartyFlags & { readonly epoch?: string }) {
  const epoch = integerFlag("--epoch", flags.epoch);
  const { epochSealCheck } = await import("../../protocol/trainer/validation-reveal.ts");
  const { chain, deployment } = await connectParty("trainer", flags);
  try {
    return { check: await epochSealCheck(deployment, chain.signer, epoch), close: () => chain.close() };
  } catch (error) {
    await chain.close();
    throw error;
  }
}

export function registerScore(program: Command): void {
  const command = program
    .command("score")
    .description(
      `trainer: train the MNIST model of config/protocol.json with onnxruntime and score every training example's influence on the validation loss, or score the trainer's own ONNX classifier and data (--model FILE.onnx --data PATH --validation PATH), or take scores computed elsewhere (--scores FILE --model FILE); writes the folder witness --from-score reads (default build/attribution)`,
    )
    .option(
      "--scores <file>",
      "scores computed elsewhere (e.g. the trainer's GPU pipeline): CSV example,score or JSONL {example, score}, one per example hash; the contributor comes from the registrations",
    )
    .option(
      "--model <file>",
      "with --data: the trainer's ONNX classifier to score; with --scores: the trained model the scores are of (its sha256 is committed on chain)",
    )
    .option(
      "--data <path>",
      "with --model: the training data (.npz with x and y, .npy with --labels, JSONL {input, label} records, .bin); hashed as registration hashes it",
    )
    .option("--labels <file>", "the labels .npy of an inputs .npy given as --data")
    .option("--validation <path>", "with --data: the held-out validation data, in the same forms")
    .option("--validation-labels <file>", "the labels .npy of an inputs .npy given as --validation")
    .option(
      "--checkpoint <file>",
      "with --data: an earlier checkpoint of the same training run, ONNX (repeatable): TRAK's ensemble",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      "--features <name>",
      "with --data: the penultimate tensor, when the graph does not show it (default: the input of the final Gemm/MatMul)",
    )
    .option("--logits <name>", "with --data: the logits tensor (default: the output named logits, or the only output)")
    .option(
      "--deployment <file>",
      "with --epoch: score against that epoch's held-out set (the one seal committed to), not the default one; with --model --data, refuse a --validation set that is not the one seal --validation committed to (reads the registry: OPEN_TRAINER_KEY, --rpc, --settlement)",
    )
    .option("--epoch <n>", "with --deployment: the epoch");
  withExamples(addPinOptions(addRunOptions(command, ["out", "method", "rpc"])), [
    "attribution-prover score",
    "attribution-prover score --method tracin --out build/tracin --json",
    "attribution-prover score --scores my-scores.csv --model model.onnx --out work/e1-scores",
    "attribution-prover score --model model.onnx --data train.npz --validation val.npz --checkpoint epoch5.onnx --out work/e1-scores",
    "OPEN_TRAINER_KEY=0x... attribution-prover score --model model.onnx --data train.npz --validation val.npz --deployment deployments/local/deployment.json --epoch 1 --settlement 0x... --rpc http://127.0.0.1:8545",
    "attribution-prover score --deployment deployments/local/deployment.json --epoch 1 --out work/e1-scores",
    "attribution-prover witness --deployment deployments/local/deployment.json --epoch 1 --collected work/collected-1.json --from-score work/e1-scores   # next stage",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = runFlagsOf(cmd);
    const external = cmd.opts() as {
      scores?: string;
      model?: string;
      deployment?: string;
      epoch?: string;
      data?: string;
      labels?: string;
      validation?: string;
      validationLabels?: string;
      checkpoint: string[];
      features?: string;
      logits?: string;
      settlement?: string;
      operator?: string;
    };
    const p = await runParameters(flags);
    if ((external.deployment === undefined) !== (external.epoch === undefined))
      throw new CodedError(
        "USAGE",
        "usage",
        "--deployment FILE and --epoch N go together: the epoch whose held-out set the scores are against",
      );
    if (external.data !== undefined) {
      if (external.model === undefined || external.validation === undefined)
        throw new CodedError(
          "USAGE",
          "usage",
          "--data PATH goes with --model FILE.onnx (the trainer's classifier) and --validation PATH (the held-out data)",
        );
      if (external.scores !== undefined)
        throw new CodedError("USAGE", "usage", "--data scores the model here; --scores takes scores made elsewhere: give one of them");
      const { scoreOnnxModel } = await import("../../protocol/trainer/score-onnx.ts");
      const sealed =
        external.deployment === undefined
          ? undefined
          : await sealedSetCheck({ ...external, ...(p.rpcUrl === undefined ? {} : { rpc: p.rpcUrl }) });
      try {
        const { result, paths } = await scoreOnnxModel({
          modelFile: external.model,
          checkpointFiles: external.checkpoint,
          dataFile: external.data,
          validationFile: external.validation,
          method: p.method,
          log,
          ...(sealed === undefined ? {} : { checkSealed: sealed.check }),
          ...(external.labels === undefined ? {} : { labelsFile: external.labels }),
          ...(external.validationLabels === undefined ? {} : { validationLabelsFile: external.validationLabels }),
          ...(external.features === undefined ? {} : { features: external.features }),
          ...(external.logits === undefined ? {} : { logits: external.logits }),
          ...(p.outDir === undefined ? {} : { outDir: p.outDir }),
        });
        const value = {
          method: result.method,
          provider: result.provider,
          modelHash: `0x${result.modelHash}`,
          layer: result.layer,
          examples: result.scores.length,
          flagged: result.flagged.length,
          defences: result.defences,
          validationAccuracy: result.validationAccuracy,
          files: paths,
          timings: result.timings,
        };
        printResult(flags.json, value, () =>
          console.log(`${value.examples} example scores (${result.method} on ${result.provider}, features ${result.layer.features}), ${value.flagged} flagged; ${shown(paths.witnessInputs)}
next: attribution-prover witness --from-score ${shown(dirname(paths.witnessInputs))} ...`),
        );
      } finally {
        await sealed?.close();
      }
      return;
    }
    if ((external.scores === undefined) !== (external.model === undefined))
      throw new CodedError("USAGE", "usage", "--scores FILE and --model FILE go together: the scores and the model they are of");
    if (external.scores !== undefined) {
      const { recordExternalScores } = await import("../../protocol/trainer/score.ts");
      const recorded = recordExternalScores({
        scoresFile: external.scores,
        modelFile: external.model!,
        ...(p.outDir === undefined ? {} : { outDir: p.outDir }),
      });
      printResult(flags.json, recorded, () =>
        console.log(`${recorded.examples} example scores checked, model ${recorded.modelHash}; ${shown(recorded.witnessInputs)}
next: attribution-prover witness --from-score ${shown(dirname(recorded.witnessInputs))} ...`),
      );
      return;
    }
    const [{ formatFixedPoint }, { scoreTrainingData }] = await Promise.all([
      import("../../config/fixed-point.ts"),
      import("../../protocol/trainer/score.ts"),
    ]);
    let validationSecret: Uint8Array | undefined;
    if (external.deployment !== undefined) {
      const [{ readDeploymentFile }, { epochValidationSecret }, { loadValidationSecret }] = await Promise.all([
        import("../../verifier-contracts/index.ts"),
        import("../../protocol/trainer/validation-reveal.ts"),
        import("../../protocol/trainer/validation-secret.ts"),
      ]);
      const d = readDeploymentFile(external.deployment);
      if (!/^[1-9][0-9]*$/.test(external.epoch!))
        throw new CodedError("USAGE", "usage", `--epoch ${JSON.stringify(external.epoch)}: expected a positive integer`);
      validationSecret = epochValidationSecret(
        loadValidationSecret({ create: true }).secret,
        d.chainId,
        d.contracts.settlement,
        BigInt(external.epoch!),
      );
    }
    const {
      result,
      paths,
      scores: { modelHash },
    } = await scoreTrainingData({
      method: p.method,
      log,
      ...(p.outDir === undefined ? {} : { outDir: p.outDir }),
      ...(validationSecret === undefined ? {} : { validationSecret }),
    });
    const decimals = config.fixedPoint.decimals;
    const value = {
      method: result.method,
      provider: result.provider,
      validationAccuracy: result.validationAccuracy,
      modelHash,
      files: paths,
      contributors: result.contributors.map((c) => ({
        address: c.address,
        label: c.label,
        examples: c.examples,
        total: formatFixedPoint(c.total, decimals),
        positiveTotal: formatFixedPoint(c.positiveTotal, decimals),
      })),
      timings: result.timings,
    };
    printResult(flags.json, value, () => {
      console.log(
        `method ${result.method} on ${result.provider}; validation accuracy ${(result.validationAccuracy * 100).toFixed(1)} %; model ${modelHash}`,
      );
      for (const c of value.contributors)
        console.log(
          `  ${c.address}  ${c.label.padEnd(12)} ${String(c.examples).padStart(5)} examples  total ${c.total.padStart(14)}  positive ${c.positiveTotal.padStart(14)}`,
        );
      console.log(`wrote ${shown(paths.examples)}, ${shown(paths.model)}, ${shown(paths.summary)}`);
    });
  });
}
