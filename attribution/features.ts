/**
 * Per-example quantities derived from forward outputs, in float64: softmax probabilities, the
 * gradient of the log-likelihood log p_y with respect to the logits (y - p), and the last-layer
 * activations with a bias 1 appended. The last-layer gradient of log p_y is their outer product
 * [h; 1] (y - p)^T, so methods never materialise it for more than one example.
 */
import type { ForwardOutputs } from "./model.ts";

/** Softmax of row i of `logits` into `out` (length classes), float64, max-shifted. */
export function softmaxRow(logits: Float32Array, i: number, classes: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]!);
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp(logits[i * classes + c]! - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < classes; c++) out[c] = out[c]! / sum;
}

/** Per-example factors of last-layer gradients, rows from..to. */
export interface GradientFactors {
  readonly rows: number;
  /** [rows, classes]: y - p, the gradient of log p_y with respect to the logits. */
  readonly residual: Float64Array;
  /** [rows, classes]: softmax probabilities. */
  readonly probs: Float64Array;
  /** [rows, hidden + 1]: activations with 1 appended (the bias input). */
  readonly act: Float64Array;
}

export function gradientFactors(
  out: ForwardOutputs,
  labels: ArrayLike<number>,
  hidden: number,
  classes: number,
  from = 0,
  to = out.size,
): GradientFactors {
  const rows = to - from;
  const residual = new Float64Array(rows * classes);
  const probs = new Float64Array(rows * classes);
  const act = new Float64Array(rows * (hidden + 1));
  const p = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const i = from + r;
    softmaxRow(out.logits, i, classes, p);
    for (let c = 0; c < classes; c++) {
      probs[r * classes + c] = p[c]!;
      residual[r * classes + c] = (c === labels[i] ? 1 : 0) - p[c]!;
    }
    for (let k = 0; k < hidden; k++) act[r * (hidden + 1) + k] = out.features[i * hidden + k]!;
    act[r * (hidden + 1) + hidden] = 1;
  }
  return { rows, residual, probs, act };
}

/** Cross-entropy loss of every row. */
export function losses(out: ForwardOutputs, labels: ArrayLike<number>, classes: number): Float64Array {
  const result = new Float64Array(out.size);
  const p = new Float64Array(classes);
  for (let i = 0; i < out.size; i++) {
    softmaxRow(out.logits, i, classes, p);
    result[i] = -Math.log(Math.max(p[labels[i]!]!, 1e-300));
  }
  return result;
}
