/**
 * From a method's attribution to numbers: the per-example score used for payouts (the mean of
 * tau(i, j) over the validation set: how much example i lowers the validation loss) and, for the
 * evaluation, the full matrix tau(j, i). Both stream rows in chunks of `chunk`, so memory is
 * O(chunk * dim) besides the outputs. Payout scores are float64 with a fixed order of operations.
 */
import { gemm } from "./algebra.ts";
import type { Attribution, BilinearAttribution } from "./methods/types.ts";
import type { ProviderOptions } from "./providers.ts";

/** score_i = mean over validation j of tau(i, j), for every training example i. */
export function validationScores(
  attribution: Attribution,
  trainSize: number,
  valSize: number,
  chunk: number,
  onRows?: (done: number, total: number) => void,
): Float64Array {
  const scores = new Float64Array(trainSize);
  if (attribution.kind === "pointwise") {
    for (let j = 0; j < valSize; j++) attribution.accumulate(j, 1 / valSize, scores);
    return scores;
  }
  const dim = attribution.dim;
  const mean = new Float64Array(dim);
  for (let from = 0; from < valSize; from += chunk) {
    const to = Math.min(valSize, from + chunk);
    const f = attribution.valFeatures(from, to);
    for (let r = 0; r < to - from; r++) for (let d = 0; d < dim; d++) mean[d]! += f[r * dim + d]!;
  }
  for (let d = 0; d < dim; d++) mean[d]! /= valSize;
  for (let from = 0; from < trainSize; from += chunk) {
    const to = Math.min(trainSize, from + chunk);
    const f = attribution.trainFeatures(from, to);
    for (let r = 0; r < to - from; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += f[r * dim + d]! * mean[d]!;
      scores[from + r] = s;
    }
    onRows?.(to, trainSize);
  }
  return scores;
}

/** tau(j, i) for validation rows 0..valCount-1 and every training row: [valCount, trainSize] float32. */
export async function attributionMatrix(
  attribution: Attribution,
  trainSize: number,
  valCount: number,
  chunk: number,
  providers: ProviderOptions,
): Promise<Float32Array> {
  const matrix = new Float32Array(valCount * trainSize);
  if (attribution.kind === "pointwise") {
    const row = new Float64Array(trainSize);
    for (let j = 0; j < valCount; j++) {
      row.fill(0);
      attribution.accumulate(j, 1, row);
      matrix.set(row, j * trainSize);
    }
    return matrix;
  }
  const b: BilinearAttribution = attribution;
  const val = Float32Array.from(b.valFeatures(0, valCount));
  for (let from = 0; from < trainSize; from += chunk) {
    const to = Math.min(trainSize, from + chunk);
    const block = await gemm(val, valCount, b.dim, Float32Array.from(b.trainFeatures(from, to)), to - from, b.dim, false, true, providers);
    for (let j = 0; j < valCount; j++) matrix.set(block.subarray(j * (to - from), (j + 1) * (to - from)), j * trainSize + from);
  }
  return matrix;
}

/**
 * Self-influence tau(i, i) of every row of an attribution prepared with the training set as its
 * own validation set (the usual mislabel-detection signal: a wrong label is hard to predict from
 * the other examples, so its own gradient explains its loss). Bilinear methods only.
 */
export function selfScores(attribution: BilinearAttribution, size: number, chunk: number): Float64Array {
  const out = new Float64Array(size);
  const dim = attribution.dim;
  for (let from = 0; from < size; from += chunk) {
    const to = Math.min(size, from + chunk);
    const a = attribution.trainFeatures(from, to);
    const b = attribution.valFeatures(from, to);
    for (let r = 0; r < to - from; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += a[r * dim + d]! * b[r * dim + d]!;
      out[from + r] = s;
    }
  }
  return out;
}
