/**
 * The attribution step for a trainer's own ONNX classifier and data (score --model --data): no
 * training here, only forward passes of the trainer's model (and of the checkpoints it gives) in
 * onnxruntime, on attribution.providers. From the penultimate features and logits
 * (onnx-classifier.ts) every method works on last-layer gradients in closed form
 * (onnx-attribution.ts: influence, trak over the model and its checkpoints, knn-shapley; tracin
 * is refused).
 * Scores then go through the MNIST path's core: validationScores, normalisation, fixed point.
 *
 * Defences, in order, all before the scores are final (flagged rows score 0):
 *   exact-dedup              one score per example hash (each hash scored once; the witness
 *                            credits the earliest registrant);
 *   feature-near-duplicates  cosine of penultimate features (feature-duplicates.ts);
 *   near-duplicates          the image stage (near-duplicates.ts), when every example, training
 *                            and validation, is an image;
 *   label-consistency        the model's softmax (label-consistency.ts).
 * Rows are in the data's order: for the near-duplicate stages, earlier rows are the originals.
 * Image inputs (bytes) are fed as value / 255, as the MNIST path feeds its digits.
 */
import { createHash } from "node:crypto";
import type { AttributionConfig } from "../config/attribution.ts";
import type { Dataset, LabelledArrays } from "../dataset/index.ts";
import { AttributionError } from "./errors.ts";
import { DEFAULT_FEATURE_DUPLICATES, detectFeatureDuplicates } from "./feature-duplicates.ts";
import { normalizeScores, scoresToFixedPoint, type ScoreFormat } from "./fixed.ts";
import { DEFAULT_LABEL_CONSISTENCY, flaggedScore, labelInconsistent } from "./label-consistency.ts";
import { accuracy } from "./model.ts";
import { DEFAULT_NEAR_DUPLICATES, detectNearDuplicates } from "./near-duplicates.ts";
import { checkOnnxMethod, classifyModels, lastLayerAttribution } from "./onnx-attribution.ts";
import type { LastLayer, LayerNames } from "./onnx-classifier.ts";
import { validationScores } from "./score.ts";
import { providerOptions } from "./session.ts";

/** Why a row was flagged: a copy (scores 0) or an inconsistent label (paid 0, a negative score kept). */
const COPY_FLAG = 1;
const LABEL_FLAG = 2;

/** Examples to score or score against: the arrays fed to the model, each row's hash, the images when all are. */
export interface ScoredSet {
  readonly arrays: LabelledArrays;
  readonly hashes: readonly bigint[];
  readonly images?: Dataset;
}

export interface OnnxScoringInput {
  /** The trainer's model, as its file's bytes (their sha256 is the model hash). */
  readonly model: Uint8Array;
  /** Earlier checkpoints of the same training run (TRAK's ensemble besides the model). */
  readonly checkpoints: readonly Uint8Array[];
  readonly names?: LayerNames;
  readonly train: ScoredSet;
  /** The held-out set, with its hash (hex, dataset/ exampleSetHash: what seal commits), recorded as validationHash. */
  readonly validation: ScoredSet & { readonly hash: string };
}

/** A flagged row and why: a near duplicate (features or pixels) or an improbable label. */
export type OnnxFlag =
  | {
      readonly stage: "feature-near-duplicates" | "near-duplicates";
      readonly row: number;
      readonly example: bigint;
      readonly reference: { readonly set: "registered" | "validation"; readonly index: number };
      readonly similarity: number;
    }
  | {
      readonly stage: "label-consistency";
      readonly row: number;
      readonly example: bigint;
      readonly label: number;
      readonly pLabel: number;
      readonly predicted: number;
      readonly pPredicted: number;
    };

export interface OnnxAttributionResult {
  /** One signed fixed-point score per example hash, in the order of first appearance. */
  readonly scores: readonly { readonly example: bigint; readonly score: bigint }[];
  /** Raw float scores per row of the training data (0 where flagged). */
  readonly rawScores: Float64Array;
  readonly divisor: number;
  readonly method: AttributionConfig["method"];
  readonly provider: string;
  readonly modelHash: string;
  readonly layer: LastLayer & { readonly hidden: number; readonly classes: number };
  readonly checkpoints: number;
  readonly validationHash: string;
  readonly validationAccuracy: number;
  readonly defences: readonly string[];
  readonly flagged: readonly OnnxFlag[];
  readonly timings: Readonly<Record<string, number>>;
}

function checkLabels(labels: Int32Array, classes: number, what: string): void {
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0)
    throw new AttributionError("DATA_INVALID", `${what} row ${bad}: label ${labels[bad]} is not one of the model's ${classes} classes`);
}

/** Scores every training row of `input` on the validation set with `settings.method` (see the header). */
export async function scoreOnnxClassifier(
  input: OnnxScoringInput,
  settings: AttributionConfig,
  format: ScoreFormat,
  log?: (message: string) => void,
): Promise<OnnxAttributionResult> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[stage] = (now - t) / 1000;
    t = now;
  };
  checkOnnxMethod(settings.method);
  const providers = providerOptions(settings, log);
  const { train, validation } = input;
  // Exact dedup: each hash is scored once, at its first row.
  const firstAt = new Map<bigint, number>();
  const firstOf = train.hashes.map((h, i) => {
    if (!firstAt.has(h)) firstAt.set(h, i);
    return firstAt.get(h)!;
  });
  const unique = [...firstAt.values()];
  const uniqueLabels = Int32Array.from(unique, (r) => train.arrays.labels[r]!);
  const { outputs, layer, provider } = await classifyModels(
    [input.model, ...input.checkpoints],
    input.names ?? {},
    train.arrays,
    unique,
    validation.arrays,
    providers,
    settings.batchSize,
  );
  const main = outputs[0]!;
  const { hidden, classes } = main;
  checkLabels(train.arrays.labels, classes, "training data");
  checkLabels(validation.arrays.labels, classes, "validation data");
  lap("forward");

  /** Per row: 0, or the stage that flagged it (a copy: COPY_FLAG; a label: LABEL_FLAG). */
  const flagged = new Uint8Array(train.hashes.length);
  const flags: OnnxFlag[] = [];
  const defences = ["exact-dedup"];
  const fd = settings.featureDuplicates ?? DEFAULT_FEATURE_DUPLICATES;
  if (fd.enabled) {
    // Over the unique rows, each its own first occurrence.
    const found = await detectFeatureDuplicates(
      main.train.features,
      unique.length,
      main.val.features,
      main.val.size,
      hidden,
      unique.map((_, k) => k),
      fd,
      providers,
      settings.batchSize,
    );
    for (const e of found.evidence) {
      const row = unique[e.index]!;
      flagged[row] = COPY_FLAG;
      flags.push({
        stage: "feature-near-duplicates",
        row,
        example: train.hashes[row]!,
        reference: e.reference.set === "registered" ? { set: "registered", index: unique[e.reference.index]! } : e.reference,
        similarity: e.similarity,
      });
    }
    defences.push("feature-near-duplicates");
    lap("featureDuplicates");
  }
  const nd = settings.nearDuplicates ?? DEFAULT_NEAR_DUPLICATES;
  if (nd.enabled && train.images && validation.images) {
    const found = detectNearDuplicates(
      train.images,
      train.hashes.map(() => ""),
      validation.images,
      nd,
      settings.seed,
    );
    for (const e of found.evidence) {
      if (flagged[e.index]) continue;
      flagged[e.index] = COPY_FLAG;
      flags.push({
        stage: "near-duplicates",
        row: e.index,
        example: e.exampleHash,
        reference: { set: e.reference.set, index: e.reference.index },
        similarity: e.similarity,
      });
    }
    defences.push("near-duplicates");
    lap("nearDuplicates");
  }
  const lc = settings.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY;
  if (lc.enabled) {
    const check = labelInconsistent(main.train.logits, uniqueLabels, classes, lc);
    for (const k of check.rows) {
      const row = unique[k]!;
      if (flagged[row]) continue;
      flagged[row] = LABEL_FLAG;
      flags.push({
        stage: "label-consistency",
        row,
        example: train.hashes[row]!,
        label: uniqueLabels[k]!,
        pLabel: check.pLabel[k]!,
        predicted: check.predicted[k]!,
        pPredicted: check.pPredicted[k]!,
      });
    }
    defences.push("label-consistency");
    lap("labelConsistency");
  }

  const attribution = await lastLayerAttribution(settings, outputs, uniqueLabels, validation.arrays.labels, providers);
  const uniqueScores = validationScores(attribution, unique.length, validation.arrays.size, settings.batchSize);
  lap("score");
  const rawScores = new Float64Array(train.hashes.length);
  const at = new Map(unique.map((r, k) => [r, k]));
  for (let i = 0; i < rawScores.length; i++) {
    const first = firstOf[i]!;
    const score = uniqueScores[at.get(first)!]!;
    // A copy scores 0; a label-inconsistent row keeps a negative score (flaggedScore), as in the MNIST pipeline.
    rawScores[i] = flagged[first] === 0 ? score : flagged[first] === LABEL_FLAG ? flaggedScore(score) : 0;
  }
  const { normalized, divisor } = normalizeScores(Float64Array.from(unique, (r) => rawScores[r]!));
  const fixed = scoresToFixedPoint(normalized, format);
  return {
    scores: unique.map((r, k) => ({ example: train.hashes[r]!, score: fixed[k]! })),
    rawScores,
    divisor,
    method: settings.method,
    provider,
    modelHash: createHash("sha256").update(input.model).digest("hex"),
    layer: { ...layer, hidden, classes },
    checkpoints: input.checkpoints.length,
    validationHash: validation.hash,
    validationAccuracy: accuracy(main.val, validation.arrays.labels, classes),
    defences,
    flagged: flags,
    timings,
  };
}
