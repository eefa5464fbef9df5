/**
 * The attribution step for a trainer's own ONNX classifier and data (score --model --data): no
 * training here, only forward passes of the trainer's model (and of the checkpoints it gives) in
 * onnxruntime, on attribution.providers. From the penultimate features and logits
 * (onnx-classifier.ts) every method works on last-layer gradients in closed form:
 *   influence    lastLayerInfluence (EK-FAC damped, attribution.influence.damping), final model;
 *   trak         trakEnsemble over the model and its checkpoints, each a last-layer view projected
 *                to attribution.trak.ranks.activation rows (last-layer-gradients.ts);
 *   knn-shapley  in the final model's feature space.
 * tracin needs each checkpoint's learning rate, which an ONNX file does not carry: refused.
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
import { lastLayerInfluence, type LabelledOutputs } from "./methods/influence.ts";
import { knnShapleyOnFeatures } from "./methods/knn-shapley.ts";
import { lastLayerView } from "./methods/last-layer-gradients.ts";
import { trakEnsemble } from "./methods/trak.ts";
import type { Attribution } from "./methods/types.ts";
import { accuracy, type ForwardOutputs } from "./model.ts";
import { DEFAULT_NEAR_DUPLICATES, detectNearDuplicates } from "./near-duplicates.ts";
import { classify, loadClassifier, type LastLayer, type LayerNames } from "./onnx-classifier.ts";
import { derive } from "./prng.ts";
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
  | { readonly stage: "feature-near-duplicates" | "near-duplicates"; readonly row: number; readonly example: bigint; readonly reference: { readonly set: "registered" | "validation"; readonly index: number }; readonly similarity: number }
  | { readonly stage: "label-consistency"; readonly row: number; readonly example: bigint; readonly label: number; readonly pLabel: number; readonly predicted: number; readonly pPredicted: number };

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

/** The model's inputs for `arrays`: reshaped to the model's input dims when they are known and hold a row, bytes / 255. */
function modelInputs(arrays: LabelledArrays, layer: LastLayer, rows?: readonly number[]): { values: Float32Array; dims: number[]; size: number } {
  const rowSize = arrays.rowShape.reduce((a, b) => a * b, 1);
  const known = layer.inputDims.every((d) => d !== undefined) ? (layer.inputDims as number[]) : undefined;
  const dims = known && known.reduce((a, b) => a * b, 1) === rowSize ? known : [...arrays.rowShape];
  if (known && dims !== known) {
    throw new AttributionError("DATA_INVALID", `the model's input ${layer.input} takes rows of [${known.join(", ")}]; the data's rows are [${arrays.rowShape.join(", ")}] (${rowSize} values)`);
  }
  const take = rows ?? Array.from({ length: arrays.size }, (_, i) => i);
  const values = new Float32Array(take.length * rowSize);
  const scale = arrays.bytes ? 1 / 255 : 1;
  take.forEach((r, k) => {
    for (let t = 0; t < rowSize; t++) values[k * rowSize + t] = arrays.values[r * rowSize + t]! * scale;
  });
  return { values, dims, size: take.length };
}

function checkLabels(labels: Int32Array, classes: number, what: string): void {
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) throw new AttributionError("DATA_INVALID", `${what} row ${bad}: label ${labels[bad]} is not one of the model's ${classes} classes`);
}

/** Scores every training row of `input` on the validation set with `settings.method` (see the header). */
export async function scoreOnnxClassifier(input: OnnxScoringInput, settings: AttributionConfig, format: ScoreFormat, log?: (message: string) => void): Promise<OnnxAttributionResult> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => { const now = performance.now(); timings[stage] = (now - t) / 1000; t = now; };
  if (settings.method === "tracin") throw new AttributionError("METHOD_UNSUPPORTED", "tracin needs each checkpoint's learning rate, which an ONNX model does not carry: use trak (with --checkpoint FILE for an ensemble), influence or knn-shapley");
  const providers = providerOptions(settings, log);
  const { train, validation } = input;
  // Exact dedup: each hash is scored once, at its first row.
  const firstAt = new Map<bigint, number>();
  const firstOf = train.hashes.map((h, i) => { if (!firstAt.has(h)) firstAt.set(h, i); return firstAt.get(h)!; });
  const unique = [...firstAt.values()];
  const uniqueLabels = Int32Array.from(unique, (r) => train.arrays.labels[r]!);
  const models = [input.model, ...input.checkpoints];
  const outputs: { train: ForwardOutputs; val: ForwardOutputs; hidden: number; classes: number }[] = [];
  let provider = "";
  let layer: LastLayer | undefined;
  for (const [m, bytes] of models.entries()) {
    const c = await loadClassifier(bytes, input.names ?? {}, providers);
    try {
      const x = modelInputs(train.arrays, c.layer, unique);
      const v = modelInputs(validation.arrays, c.layer);
      const trainOut = await classify(c, x.values, x.size, x.dims, settings.batchSize);
      const valOut = await classify(c, v.values, v.size, v.dims, settings.batchSize);
      if (m > 0 && trainOut.classes !== outputs[0]!.classes) {
        throw new AttributionError("MODEL_UNSUPPORTED", `checkpoint ${m} has ${trainOut.classes} classes, the model ${outputs[0]!.classes}`);
      }
      outputs.push({ train: trainOut, val: valOut, hidden: trainOut.hidden, classes: trainOut.classes });
      if (m === 0) { provider = c.provider; layer = c.layer; }
    } finally {
      await c.session.release();
    }
  }
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
    const found = await detectFeatureDuplicates(main.train.features, unique.length, main.val.features, main.val.size, hidden, unique.map((_, k) => k), fd, providers, settings.batchSize);
    for (const e of found.evidence) {
      const row = unique[e.index]!;
      flagged[row] = COPY_FLAG;
      flags.push({ stage: "feature-near-duplicates", row, example: train.hashes[row]!, reference: e.reference.set === "registered" ? { set: "registered", index: unique[e.reference.index]! } : e.reference, similarity: e.similarity });
    }
    defences.push("feature-near-duplicates");
    lap("featureDuplicates");
  }
  const nd = settings.nearDuplicates ?? DEFAULT_NEAR_DUPLICATES;
  if (nd.enabled && train.images && validation.images) {
    const found = detectNearDuplicates(train.images, train.hashes.map(() => ""), validation.images, nd, settings.seed);
    for (const e of found.evidence) {
      if (flagged[e.index]) continue;
      flagged[e.index] = COPY_FLAG;
      flags.push({ stage: "near-duplicates", row: e.index, example: e.exampleHash, reference: { set: e.reference.set, index: e.reference.index }, similarity: e.similarity });
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
      flags.push({ stage: "label-consistency", row, example: train.hashes[row]!, label: uniqueLabels[k]!, pLabel: check.pLabel[k]!, predicted: check.predicted[k]!, pPredicted: check.pPredicted[k]! });
    }
    defences.push("label-consistency");
    lap("labelConsistency");
  }

  const labelled = (m: number): { train: LabelledOutputs; val: LabelledOutputs } => ({
    train: { outputs: outputs[m]!.train, labels: uniqueLabels },
    val: { outputs: outputs[m]!.val, labels: validation.arrays.labels },
  });
  let attribution: Attribution;
  if (settings.method === "influence") {
    const s = labelled(0);
    attribution = lastLayerInfluence(s.train, s.val, hidden, classes, { damping: settings.influence.damping, weightDecay: settings.training.weightDecay });
  } else if (settings.method === "knn-shapley") {
    const s = labelled(0);
    attribution = knnShapleyOnFeatures(s.train, s.val, hidden, { k: settings.knnShapley.k });
  } else {
    const rank = settings.trak.ranks.activation;
    attribution = await trakEnsemble(outputs.length, async (m) => {
      const s = labelled(m);
      const seed = derive(settings.seed, "trak-projection", m);
      return { train: lastLayerView(s.train, outputs[m]!.hidden, classes, rank, seed), val: lastLayerView(s.val, outputs[m]!.hidden, classes, rank, seed) };
    }, uniqueLabels, classes, { damping: settings.trak.damping, chunk: settings.batchSize }, providers);
  }
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
    rawScores, divisor, method: settings.method, provider, modelHash: createHash("sha256").update(input.model).digest("hex"),
    layer: { ...layer!, hidden, classes }, checkpoints: input.checkpoints.length,
    validationHash: validation.hash, validationAccuracy: accuracy(main.val, validation.arrays.labels, classes),
    defences, flagged: flags, timings,
  };
}
