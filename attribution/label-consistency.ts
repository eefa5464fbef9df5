/**
 * Label-consistency stage, run after training: an example whose registered label gets probability
 * below `threshold` under the trained model (softmax of the exported model's logits) while another
 * class gets at least `confidence` is flagged as mislabelled and scores 0. Its evidence (label,
 * p(label), predicted class and its probability) goes into the output.
 */
import type { LabelConsistencyConfig } from "../config/attribution.ts";

export type { LabelConsistencyConfig };

/**
 * Measured (npm run eval:attacks, seed 20261128, TRAK-10, 10 epochs, 720 training digits): of 60
 * planted mislabelled digits, p(label) < 0.1 with another class >= 0.3 flags the ones TRAK left
 * positive except 6 (54/60 paid zero with TRAK's negatives); it flags 1.2 % of honest digits
 * (8/660; 5 of them had a positive score). p(label) < 0.2 flagged 2.3 %; cross-fitted
 * probabilities (2 or 5 folds, each example scored by a model that did not see it) were worse:
 * the smaller models misclassify more honest digits.
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

/** Per row of `logits` ([n, classes]): the label's probability, the argmax and its probability. */
export function labelProbabilities(logits: Float32Array, labels: ArrayLike<number>, classes: number): { pLabel: Float64Array; predicted: Uint32Array; pPredicted: Float64Array } {
  const n = labels.length;
  const pLabel = new Float64Array(n), pPredicted = new Float64Array(n), predicted = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity, best = 0;
    for (let c = 0; c < classes; c++) { const v = logits[i * classes + c]!; if (v > max) { max = v; best = c; } }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i * classes + c]! - max);
    pLabel[i] = Math.exp(logits[i * classes + labels[i]!]! - max) / sum;
    pPredicted[i] = 1 / sum;
    predicted[i] = best;
  }
  return { pLabel, predicted, pPredicted };
}

/** Rows (indices into `labels`) whose label is inconsistent with the model: p(label) < threshold and p(predicted) >= confidence. */
export function labelInconsistent(logits: Float32Array, labels: ArrayLike<number>, classes: number, cfg: LabelConsistencyConfig): { rows: number[]; pLabel: Float64Array; predicted: Uint32Array; pPredicted: Float64Array } {
  const p = labelProbabilities(logits, labels, classes);
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (p.predicted[i] !== labels[i] && p.pLabel[i]! < cfg.threshold && p.pPredicted[i]! >= cfg.confidence) rows.push(i);
  }
  return { rows, ...p };
}
