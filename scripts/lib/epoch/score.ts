/**
 * Stage "score": trains the MNIST model of config.attribution with onnxruntime, scores every
 * training example's influence on the validation loss and writes `outDir` (examples.csv,
 * model.onnx, attribution.json, training-data.json: the registered examples, to recompute from). The witness stage then takes examples.csv; the epoch records the
 * model's hash and how the scores were made (method, provider, defences, flagged examples).
 */
import { dirname, join } from "node:path";
import { attributionSection, encodeTrainingData, runAttribution, scoreFormatOf, writeAttribution } from "../../../attribution/index.ts";
import { PROJECT_ROOT, writeFileAtomic } from "../../../circuits/index.ts";
import type { AttributionMethod } from "../../../config/attribution.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../../config/index.ts";
import { startStagedProgress } from "../progress.ts";

export const DEFAULT_SCORES_DIR = join(PROJECT_ROOT, "build", "attribution");

export interface ScoreOptions {
  /** Default build/attribution. */
  readonly outDir?: string;
  /** Default config.attribution.method. */
  readonly method?: AttributionMethod;
  readonly log?: (message: string) => void;
  /** Bars (TTY) or plain lines for training and scoring (default true). */
  readonly progress?: boolean;
  readonly config?: ProtocolConfig;
}

export async function scoreTrainingData(options: ScoreOptions = {}) {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const settings = { ...config.attribution, method: options.method ?? config.attribution.method };
  const format = scoreFormatOf(config);
  log(`attribution: training and scoring with ${settings.method} (providers ${settings.providers.join(", ")})...`);
  const progress = options.progress ?? true ? startStagedProgress() : undefined;
  let result;
  try {
    result = await runAttribution(settings, format, log, progress?.update);
  } finally {
    progress?.stop();
  }
  const paths = writeAttribution(options.outDir ?? DEFAULT_SCORES_DIR, result, format.decimals);
  log(`attribution: ${result.rows.length} examples scored on ${result.provider}, validation accuracy ${(result.validationAccuracy * 100).toFixed(1)} %, model sha256 ${result.model.hash.slice(0, 16)}...; ${paths.examples}`);
  log(`attribution: defences ${result.defences.join(", ") || "none"}; ${result.flagged.length} examples flagged as near copies and ${result.mislabelled.length} as mislabelled (score 0), evidence in ${paths.summary}`);
  // The contributors' examples as registered: with the model, what verify --data --model reruns the scoring from.
  const trainingData = join(dirname(paths.examples), "training-data.json");
  writeFileAtomic(trainingData, encodeTrainingData(result.partitions));
  log(`attribution: training data (to recompute the scores) in ${trainingData}`);
  const attribution = attributionSection(result, settings, format);
  // What the witness stage takes from here; the result and paths are for printing.
  const scores = { examplesFile: paths.examples, modelHash: `0x${result.model.hash}`, validationSet: result.validation, attribution };
  return { scores, result, paths: { ...paths, trainingData } };
}
