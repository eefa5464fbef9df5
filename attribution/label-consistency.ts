/**
 * Label-consistency stage, run after training: an example whose registered label gets probability
 * below `threshold` under the trained model (softmax of the exported model's logits) while another
 * class gets at least `confidence` is flagged as mislabelled and paid nothing (its score capped at
 * 0, flaggedScore). Its evidence (label, p(label), predicted class and its probability) goes into
 * the output.
 */
import type { AttributionConfig, LabelConsistencyConfig } from "../config/attribution.ts";
import { softmaxRow } from "./features.ts";
import type { Dataset } from "./data.ts";
import type { MlpParams } from "./graphs.ts";
import type { ForwardOutputs } from "./model.ts";
import { trakViews } from "./methods/trak.ts";
import type { TrainedModel } from "./train.ts";

export type { LabelConsistencyConfig };

/**
 * Measured (npm run eval:attacks, seed 20261128, 10 epochs, 720 training digits, 60 planted
 * mislabels). The final model alone: p(label) < 0.1 with another class >= 0.3 flags 37 of the 60
 * and 1.36 % of honest digits (1.67 % in the all-honest baseline). TRAK's 20 views (4 runs x 5
 * checkpoints) averaged: p(label) < 0.3 with another class >= 0.425 flags more of the planted
 * labels at 1.36 % honest (2.22 % in the baseline, over G5's 2 %: not the default); see
 * attribution/README.md for the trade-off.
 * Four of the 60 planted labels are the class the ensemble itself predicts: no label rule catches them.
 */
export const DEFAULT_LABEL_CONSISTENCY: LabelConsistencyConfig = { enabled: true, threshold: 0.1, confidence: 0.3 };

export interface LabelEvidence {
  /** Row index (registration order) of the flagged example. */
  readonly index: number;
  readonly exampleHash: bigint;
  readonly contributor: string;
  /** The registered label and its probability under the trained model. */
  readonly label: number;
  readonly pLabel: number;
  /** The most probable class and its probability. */
  readonly predicted: number;
  readonly pPredicted: number;
}

/**
 * The score of a flagged row: capped at 0, so it is paid nothing (the witness clips negatives),
 * while a negative score, the method's own evidence that the example hurts, stays in the record:
 * the signed scores then rank flagged examples below honest ones that score slightly negative
 * (the payout score's mislabel AUC; zeroing them lifted the most harmful above those).
 */
export function flaggedScore(score: number): number {
  return Math.min(score, 0);
}

/**
 * Per row: the label's probability, the most probable class and its probability, under the mean
 * of the softmax of each of `logits` ([n, classes] per model; one model: its own softmax).
 */
export function labelProbabilities(
  logits: Float32Array | readonly Float32Array[],
  labels: ArrayLike<number>,
  classes: number,
): { pLabel: Float64Array; predicted: Uint32Array; pPredicted: Float64Array } {
  const models = logits instanceof Float32Array ? [logits] : logits;
  if (models.length === 0) throw new RangeError("labelProbabilities needs the logits of at least one model");
  const n = labels.length;
  const mean = new Float64Array(n * classes);
  const p = new Float64Array(classes);
  for (const l of models) {
    for (let i = 0; i < n; i++) {
      softmaxRow(l, i, classes, p);
      for (let c = 0; c < classes; c++) mean[i * classes + c]! += p[c]! / models.length;
    }
  }
  const pLabel = new Float64Array(n),
    pPredicted = new Float64Array(n),
    predicted = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (mean[i * classes + c]! > mean[i * classes + best]!) best = c;
    pLabel[i] = mean[i * classes + labels[i]!]!;
    pPredicted[i] = mean[i * classes + best]!;
    predicted[i] = best;
  }
  return { pLabel, predicted, pPredicted };
}

/** The stage's verdict: flagged rows and, for every row, the probabilities that judged it. */
export interface LabelCheck {
  readonly rows: number[];
  readonly pLabel: Float64Array;
  readonly predicted: Uint32Array;
  readonly pPredicted: Float64Array;
}

/** Rows (indices into `labels`) whose label is inconsistent with the model(s): p(label) < threshold and p(predicted) >= confidence. */
export function labelInconsistent(
  logits: Float32Array | readonly Float32Array[],
  labels: ArrayLike<number>,
  classes: number,
  cfg: LabelConsistencyConfig,
): LabelCheck {
  const p = labelProbabilities(logits, labels, classes);
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (p.predicted[i] !== labels[i] && p.pLabel[i]! < cfg.threshold && p.pPredicted[i]! >= cfg.confidence) rows.push(i);
  }
  return { rows, ...p };
}

/**
 * The stage on `data`: with `cfg.ensemble` and TRAK, labels judged by the mean probabilities of
 * every model and checkpoint TRAK scores with (trakViews; a forward pass each, cheap next to
 * scoring) under the ensemble's thresholds; otherwise by the final model's, under cfg's.
 */
export async function checkLabels(
  cfg: LabelConsistencyConfig,
  settings: AttributionConfig,
  model: TrainedModel,
  ensemble: () => Promise<readonly TrainedModel[]>,
  run: (params: MlpParams, data: Dataset) => Promise<ForwardOutputs>,
  data: Dataset,
  classes: number,
): Promise<LabelCheck> {
  const byViews = cfg.ensemble !== undefined && settings.method === "trak";
  const judges = byViews
    ? trakViews(await ensemble(), settings.trak.models, settings.trak.checkpoints ?? 1).map((c) => c.params)
    : [model.params];
  const logits: Float32Array[] = [];
  for (const params of judges) logits.push((await run(params, data)).logits);
  return labelInconsistent(logits, data.labels, classes, byViews ? { ...cfg, ...cfg.ensemble } : cfg);
}
