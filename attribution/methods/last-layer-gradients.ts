/**
 * Per-row gradients of log p_y with respect to a classifier's last linear layer (W, b), from its
 * penultimate features h and logits alone: [h; 1] (y - p)^T (features.ts), randomly projected on
 * the feature side, P = Pa (x) I with Pa Gaussian [rank, hidden + 1] / sqrt(rank), so a row's
 * projected gradient is vec((Pa [h; 1]) (y - p)^T), rank * classes numbers (the last block of
 * projected-gradients.ts). When hidden + 1 <= rank the gradient is kept exact (Pa = I).
 * Cost per row: (hidden + 1) * rank once, then rank * classes per use.
 */
import { gradientFactors } from "../features.ts";
import { Rng } from "../prng.ts";
import type { LabelledOutputs } from "./influence.ts";
import type { GradientView } from "./trak.ts";

export function lastLayerView(set: LabelledOutputs, hidden: number, classes: number, rank: number, seed: bigint): GradientView {
  const f = gradientFactors(set.outputs, set.labels, hidden, classes);
  const h1 = hidden + 1;
  const exact = h1 <= rank;
  const ra = exact ? h1 : rank;
  let ap = f.act;
  if (!exact) {
    const rng = new Rng(seed);
    const pa = new Float64Array(ra * h1);
    for (let k = 0; k < pa.length; k++) pa[k] = rng.normal() / Math.sqrt(ra);
    ap = new Float64Array(f.rows * ra);
    for (let i = 0; i < f.rows; i++) {
      for (let a = 0; a < ra; a++) {
        let s = 0;
        for (let k = 0; k < h1; k++) s += pa[a * h1 + k]! * f.act[i * h1 + k]!;
        ap[i * ra + a] = s;
      }
    }
  }
  return {
    rows: f.rows,
    dim: ra * classes,
    residual: f.residual,
    write(i, into, offset, scale = 1) {
      let at = offset;
      for (let a = 0; a < ra; a++) {
        const s = ap[i * ra + a]! * scale;
        for (let c = 0; c < classes; c++) into[at++] = s * f.residual[i * classes + c]!;
      }
    },
  };
}
