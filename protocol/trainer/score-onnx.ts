/**
 * Stage "score" for a trainer's own ONNX classifier and data (`score --model FILE.onnx --data
 * PATH`): reads the data in any form dataset/ reads (.npz, .npy with its labels .npy, JSONL
 * records {input, label} or image records, .bin), hashing every example by the canonical-bytes
 * rule registration uses, scores it with attribution/onnx-pipeline.ts against the validation
 * data (read and hashed as seal --validation reads and hashes it: validation-file.ts; with
 * `checkSealed`, refused unless it is the epoch's sealed set, before anything is scored), and
 * writes `outDir` as the other score paths do, for `witness --from-score DIR`:
 *   scores.csv          example,score: one signed fixed-point score per example hash
 *   model.onnx          the trainer's model, byte for byte (its sha256 is the model hash)
 *   attribution.json    how the scores were made: method, provider, the layer read, checkpoints,
 *                       the defences that ran and every flagged row with its evidence, timings
 *   witness-inputs.json what the witness stage takes (WITNESS_INPUTS_FILE)
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { AttributionError, scoreFormatOf, scoreOnnxClassifier, type OnnxAttributionResult } from "../../attribution/index.ts";
import type { ScoredSet } from "../../attribution/onnx-pipeline.ts";
import type { AttributionMethod } from "../../config/attribution.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../config/index.ts";
import { formatFixedPoint } from "../../config/fixed-point.ts";
import type { ContributorData, LabelledArrays } from "../../dataset/index.ts";
import { toJson, writeFileAtomic } from "../../files/index.ts";
import { DEFAULT_SCORES_DIR, WITNESS_INPUTS_FILE } from "./score.ts";
import { readLabelledData, readValidationFile, type ValidationSetFiles } from "./validation-file.ts";

export interface OnnxScoreOptions {
  readonly modelFile: string;
  /** Earlier checkpoints of the same run (TRAK's ensemble). */
  readonly checkpointFiles?: readonly string[];
  /** The training data, and its labels .npy when the data is an inputs .npy. */
  readonly dataFile: string;
  readonly labelsFile?: string;
  /** The held-out validation data (and labels .npy). */
  readonly validationFile: string;
  readonly validationLabelsFile?: string;
  /**
   * Refuses a validation set that is not the epoch's sealed one (score --deployment --epoch:
   * validation-reveal.ts assertSealedSet against the registry's commitment), before any scoring.
   */
  readonly checkSealed?: (set: ValidationSetFiles) => Promise<unknown>;
  /** Names of the penultimate features and logits tensors, when the graph does not say. */
  readonly features?: string;
  readonly logits?: string;
  /** Default build/attribution. */
  readonly outDir?: string;
  /** Default config.attribution.method. */
  readonly method?: AttributionMethod;
  readonly config?: ProtocolConfig;
  readonly log?: (message: string) => void;
}

const hex128 = (v: bigint) => `0x${v.toString(16).padStart(32, "0")}`;

/** A data file as the scorer needs it: arrays, each row's hash, the images when all are. */
function scoredSet({ data, arrays }: { data: ContributorData; arrays: LabelledArrays }): ScoredSet {
  return { arrays, hashes: data.examples.map((e) => e.hash), ...(data.images === undefined ? {} : { images: data.images }) };
}

function readModel(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new AttributionError(
      "MODEL_INVALID",
      `${file}: the model cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** The attribution section of the record (attribution.json, witness-inputs.json, then epoch.json). */
export function onnxAttributionSection(
  result: OnnxAttributionResult,
  settings: ProtocolConfig["attribution"],
  format: ReturnType<typeof scoreFormatOf>,
) {
  const near = result.flagged.filter((f) => f.stage !== "label-consistency");
  const labels = result.flagged.filter((f) => f.stage === "label-consistency");
  return {
    method: result.method,
    model: "onnx",
    provider: result.provider,
    modelHash: `0x${result.modelHash}`,
    layer: result.layer,
    checkpoints: result.checkpoints,
    validationHash: result.validationHash,
    validationAccuracy: result.validationAccuracy,
    defences: result.defences,
    flagged: near.map((f) => ({ ...f, example: hex128(f.example), similarity: Number(f.similarity.toFixed(6)) })),
    mislabelled: labels.map((f) => ({
      ...f,
      example: hex128(f.example),
      pLabel: Number(f.pLabel.toFixed(6)),
      pPredicted: Number(f.pPredicted.toFixed(6)),
    })),
    // The method's parameters (the MNIST pipeline's `settings` would make verify rerun the MNIST model).
    parameters: {
      seed: settings.seed,
      batchSize: settings.batchSize,
      influence: settings.influence,
      trak: { damping: settings.trak.damping, rank: settings.trak.ranks.activation },
      knnShapley: settings.knnShapley,
      featureDuplicates: settings.featureDuplicates ?? null,
      nearDuplicates: settings.nearDuplicates ?? null,
      labelConsistency: settings.labelConsistency ?? null,
    },
    scoreFormat: format,
    divisor: result.divisor,
    timings: result.timings,
  };
}

export async function scoreOnnxModel(options: OnnxScoreOptions) {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const settings = { ...config.attribution, method: options.method ?? config.attribution.method };
  const format = scoreFormatOf(config);
  const modelFile = resolve(options.modelFile);
  const model = readModel(modelFile);
  const checkpoints = (options.checkpointFiles ?? []).map((f) => readModel(resolve(f)));
  const train = scoredSet(readLabelledData(options.dataFile, options.labelsFile, "training data"));
  const read = readValidationFile(options.validationFile, options.validationLabelsFile);
  await options.checkSealed?.(read.set);
  const validation = { ...scoredSet(read), hash: read.set.hash.slice(2) };
  log(
    `attribution: scoring ${train.hashes.length} rows of ${options.dataFile} on ${validation.hashes.length} validation rows with ${settings.method}, model ${modelFile}${checkpoints.length ? ` and ${checkpoints.length} checkpoints` : ""}...`,
  );
  const names = {
    ...(options.features === undefined ? {} : { features: options.features }),
    ...(options.logits === undefined ? {} : { logits: options.logits }),
  };
  const result = await scoreOnnxClassifier({ model, checkpoints, names, train, validation }, settings, format, log);
  const outDir = resolve(options.outDir ?? DEFAULT_SCORES_DIR);
  mkdirSync(outDir, { recursive: true });
  const paths = {
    examples: join(outDir, "scores.csv"),
    model: join(outDir, "model.onnx"),
    summary: join(outDir, "attribution.json"),
    witnessInputs: join(outDir, WITNESS_INPUTS_FILE),
  };
  writeFileAtomic(
    paths.examples,
    `example,score\n${result.scores.map((s) => `${hex128(s.example)},${formatFixedPoint(s.score, format.decimals)}`).join("\n")}\n`,
  );
  if (resolve(paths.model) !== modelFile) copyFileSync(modelFile, paths.model);
  const attribution = onnxAttributionSection(result, settings, format);
  writeFileAtomic(paths.summary, toJson(attribution));
  writeFileAtomic(
    paths.witnessInputs,
    toJson({ examplesFile: "scores.csv", modelFile: "model.onnx", modelHash: `0x${result.modelHash}`, attribution }),
  );
  log(
    `attribution: ${result.scores.length} example hashes scored on ${result.provider} (features ${result.layer.features}: ${result.layer.hidden}, ${result.layer.classes} classes), validation accuracy ${(result.validationAccuracy * 100).toFixed(1)} %; defences ${result.defences.join(", ")}: ${result.flagged.length} rows flagged (score 0); ${paths.examples}`,
  );
  return { result, paths, attribution };
}
