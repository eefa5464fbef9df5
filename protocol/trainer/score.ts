/**
 * Stage "score": trains the MNIST model of config.attribution with onnxruntime, scores every
 * training example's influence on the validation loss and writes `outDir` (examples.csv,
 * model.onnx, attribution.json, training-data.json: the registered examples, to recompute from;
 * witness-inputs.json: what a witness stage run on its own takes, `witness --from-score DIR`). The
 * witness stage takes examples.csv; the epoch records the model's hash and how the scores were
 * made (method, provider, defences, flagged examples).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { runAttribution, scoreFormatOf, writeAttribution } from "../../attribution/index.ts";
import { attributionSection } from "../../attribution/epoch-section.ts";
import { encodeTrainingData } from "../../attribution/training-data.ts";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { CodedError } from "../../errors/index.ts";
import { toJson, writeFileAtomic } from "../../files/index.ts";
import type { AttributionMethod } from "../../config/attribution.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../config/index.ts";
import { readHashScores } from "../../witness/index.ts";
import { startStagedProgress } from "../progress.ts";
import { loadValidationSecret } from "./validation-secret.ts";

export const DEFAULT_SCORES_DIR = join(PROJECT_ROOT, "build", "attribution");
/** In the score stage's output folder: the examples file, the model and the attribution section, for the witness stage. */
export const WITNESS_INPUTS_FILE = "witness-inputs.json";

export interface ScoreOptions {
  /** Default build/attribution. */
  readonly outDir?: string;
  /** Default config.attribution.method. */
  readonly method?: AttributionMethod;
  readonly log?: (message: string) => void;
  /** Bars (TTY) or plain lines for training and scoring (default true). */
  readonly progress?: boolean;
  readonly config?: ProtocolConfig;
  /** The trainer's secret choosing the validation set; default loadValidationSecret (written when absent). */
  readonly validationSecret?: Uint8Array;
}

export async function scoreTrainingData(options: ScoreOptions = {}) {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const settings = { ...config.attribution, method: options.method ?? config.attribution.method };
  const format = scoreFormatOf(config);
  log(`attribution: training and scoring with ${settings.method} (providers ${settings.providers.join(", ")})...`);
  const progress = (options.progress ?? true) ? startStagedProgress() : undefined;
  let result;
  try {
    const secret = options.validationSecret ?? loadValidationSecret({ create: true }).secret;
    result = await runAttribution(settings, format, log, progress?.update, secret);
  } finally {
    progress?.stop();
  }
  const paths = writeAttribution(options.outDir ?? DEFAULT_SCORES_DIR, result, format.decimals);
  log(
    `attribution: ${result.rows.length} examples scored on ${result.provider}, validation accuracy ${(result.validationAccuracy * 100).toFixed(1)} %, model sha256 ${result.model.hash.slice(0, 16)}...; ${paths.examples}`,
  );
  log(
    `attribution: defences ${result.defences.join(", ") || "none"}; ${result.flagged.length} examples flagged as near copies and ${result.mislabelled.length} as mislabelled (paid 0), evidence in ${paths.summary}`,
  );
  // The contributors' examples as registered: with the model, what verify --data --model reruns the scoring from.
  const trainingData = join(dirname(paths.examples), "training-data.json");
  writeFileAtomic(trainingData, encodeTrainingData(result.partitions));
  log(`attribution: training data (to recompute the scores) in ${trainingData}`);
  const attribution = attributionSection(result, settings, format);
  // What the witness stage takes from here (also as a file, for a witness stage run on its own); the result and paths are for printing.
  const scores = { examplesFile: paths.examples, modelHash: `0x${result.model.hash}`, validationSet: result.validation, attribution };
  const witnessInputs = join(dirname(paths.examples), WITNESS_INPUTS_FILE);
  writeFileAtomic(
    witnessInputs,
    toJson({ examplesFile: basename(paths.examples), modelFile: basename(paths.model), modelHash: scores.modelHash, attribution }),
  );
  return { scores, result, paths: { ...paths, trainingData, witnessInputs } };
}

/**
 * `score --scores FILE --model FILE`: scores computed elsewhere (the trainer's own pipeline, a GPU
 * machine), one per example hash (witness/hash-scores-file.ts: CSV example,score or JSONL), and
 * the model they are of. Checked here (every line, before anything goes on chain), then recorded in
 * `outDir` as the score stage records its own: witness-inputs.json (the scores file, the model, its
 * sha256 and how the scores were made: externally), which `witness --from-score DIR` reads.
 */
export function recordExternalScores(options: {
  readonly scoresFile: string;
  readonly modelFile: string;
  readonly outDir?: string;
  readonly config?: ProtocolConfig;
}) {
  const config = options.config ?? defaultConfig;
  const scoresFile = resolve(options.scoresFile);
  const modelFile = resolve(options.modelFile);
  const { scores } = readHashScores(scoresFile, config);
  let model: Buffer;
  try {
    model = readFileSync(modelFile);
  } catch (error) {
    throw invalidScoreOutput(
      modelFile,
      `the model cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected the trained model the scores are of`,
    );
  }
  const modelHash = `0x${createHash("sha256").update(model).digest("hex")}`;
  const outDir = resolve(options.outDir ?? DEFAULT_SCORES_DIR);
  const witnessInputs = join(outDir, WITNESS_INPUTS_FILE);
  const attribution = { method: "external", scoresFile, examples: scores.size };
  writeFileAtomic(witnessInputs, toJson({ examplesFile: scoresFile, modelFile, modelHash, attribution }));
  return { witnessInputs, examples: scores.size, modelHash };
}

/** The score stage's output folder is missing its witness-inputs.json or has a bad one (`file`: that file or the model it names). */
function invalidScoreOutput(file: string, problem: string): CodedError {
  return new CodedError("SCORE_OUTPUT_INVALID", "input", `${file}: ${problem} (write it with attribution-prover score --out DIR)`);
}

/**
 * What the witness stage takes from a score stage's output folder `dir`: the examples file, the
 * model (its hash goes on chain, the file into the epoch record) and how the scores were made.
 */
export function readScoreOutput(dir: string): {
  examplesFile: string;
  modelFile: string;
  modelHash: string;
  attribution: Readonly<Record<string, unknown>>;
} {
  const file = join(resolve(dir), WITNESS_INPUTS_FILE);
  let raw: { examplesFile?: unknown; modelFile?: unknown; modelHash?: unknown; attribution?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw invalidScoreOutput(
      file,
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : `cannot read: ${(error as Error).message}`,
    );
  }
  for (const field of ["examplesFile", "modelFile", "modelHash"] as const) {
    if (typeof raw[field] !== "string") throw invalidScoreOutput(file, `${field}: expected a string, got ${JSON.stringify(raw[field])}`);
  }
  if (!/^0x[0-9a-f]{64}$/.test(raw.modelHash as string))
    throw invalidScoreOutput(file, `modelHash: expected a 0x-prefixed sha256, got ${JSON.stringify(raw.modelHash)}`);
  if (typeof raw.attribution !== "object" || raw.attribution === null) throw invalidScoreOutput(file, "attribution: expected an object");
  const here = dirname(file);
  return {
    examplesFile: resolve(here, raw.examplesFile as string),
    modelFile: resolve(here, raw.modelFile as string),
    modelHash: raw.modelHash as string,
    attribution: raw.attribution as Record<string, unknown>,
  };
}
