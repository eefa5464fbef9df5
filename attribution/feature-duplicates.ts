/**
 * Near duplicates for any data, in the model's own penultimate feature space: a row whose features
 * have cosine similarity >= `threshold` with those of an EARLIER row (another example hash, itself
 * not flagged), or >= `validationThreshold` with a validation example's, is flagged and scores 0.
 * What the model cannot tell apart it learned from once; the first row keeps the score. Exact
 * copies (same hash) are not flagged here: they share their first occurrence's verdict, and the
 * witness credits the earliest registrant (proven).
 *
 * Cost: the Gram matrix of the unit feature vectors against earlier rows and the validation set,
 * as float32 Gemms on the provider in chunks of `chunk` rows (n^2 / 2 + n m dot products of
 * `hidden` numbers), then one pass in row order.
 */
import type { FeatureDuplicateConfig } from "../config/attribution.ts";
import { gemm } from "./algebra.ts";
import type { ProviderOptions } from "./providers.ts";

export type { FeatureDuplicateConfig };

/**
 * Measured on the MNIST MLP's 128 ReLU features (see attribution/README.md): honest digits reach
 * cosine 0.99 with other digits of their class, so the threshold sits above that.
 */
export const DEFAULT_FEATURE_DUPLICATES: FeatureDuplicateConfig = { enabled: true, threshold: 0.999, validationThreshold: 0.999 };

export interface FeatureDuplicateEvidence {
  /** The flagged row. */
  readonly index: number;
  /** The row it duplicates: an earlier row of the data, or a validation example. */
  readonly reference: { readonly set: "registered" | "validation"; readonly index: number };
  readonly similarity: number;
}

/** Rows scaled to unit length (a zero row stays zero: it matches nothing). */
function unitRows(features: Float32Array, rows: number, hidden: number): Float32Array {
  const out = new Float32Array(rows * hidden);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let d = 0; d < hidden; d++) s += features[i * hidden + d]! ** 2;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < hidden; d++) out[i * hidden + d] = features[i * hidden + d]! * scale;
  }
  return out;
}

/**
 * Flags rows of `train` (features [rows, hidden], in priority order) that duplicate an earlier row
 * or a `validation` row. `firstOf[i]` is the first row with row i's hash: rows that are not their
 * own first occurrence are skipped and never references.
 */
export async function detectFeatureDuplicates(
  train: Float32Array,
  rows: number,
  validation: Float32Array,
  valRows: number,
  hidden: number,
  firstOf: ArrayLike<number>,
  settings: FeatureDuplicateConfig,
  providers: ProviderOptions,
  chunk: number,
): Promise<{ readonly flagged: Uint8Array; readonly evidence: FeatureDuplicateEvidence[] }> {
  const x = unitRows(train, rows, hidden);
  const v = unitRows(validation, valRows, hidden);
  const flagged = new Uint8Array(rows);
  const evidence: FeatureDuplicateEvidence[] = [];
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk);
    const block = x.subarray(from * hidden, to * hidden);
    const earlier = await gemm(block, to - from, hidden, x.subarray(0, to * hidden), to, hidden, false, true, providers);
    const held = valRows === 0 ? new Float32Array(0) : await gemm(block, to - from, hidden, v, valRows, hidden, false, true, providers);
    for (let i = from; i < to; i++) {
      if (firstOf[i] !== i) continue;
      let best = -Infinity,
        at = -1;
      for (let j = 0; j < i; j++) {
        if (firstOf[j] !== j || flagged[j]) continue;
        const c = earlier[(i - from) * to + j]!;
        if (c > best) {
          best = c;
          at = j;
        }
      }
      let bestVal = -Infinity,
        atVal = -1;
      for (let j = 0; j < valRows; j++) {
        const c = held[(i - from) * valRows + j]!;
        if (c > bestVal) {
          bestVal = c;
          atVal = j;
        }
      }
      if (bestVal >= settings.validationThreshold) {
        flagged[i] = 1;
        evidence.push({ index: i, reference: { set: "validation", index: atVal }, similarity: bestVal });
      } else if (best >= settings.threshold) {
        flagged[i] = 1;
        evidence.push({ index: i, reference: { set: "registered", index: at }, similarity: best });
      }
    }
  }
  return { flagged, evidence };
}
