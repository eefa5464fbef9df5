/**
 * Last-layer influence functions (Koh & Liang 2017) with a damped Gauss-Newton Hessian of the
 * last layer (W2, b2) of the final model:
 *   tau(i, j) = (1/n) g_j^T (H + lambda I)^-1 g_i,   g = [h; 1] (y - p)^T (gradient of log p_y)
 * H is approximated in the Kronecker-factored eigenbasis with eigenvalue correction (EK-FAC,
 * George et al. 2018): Q_A from A = mean [h;1][h;1]^T, Q_G from G = mean (diag p - p p^T), and
 * Lambda_kl = mean_i (q_Gk^T M_i q_Gk) (q_Al^T a_i)^2 the exact GGN curvature along each
 * eigenvector pair. lambda = damping * mean(Lambda) + weight decay.
 * Cost: n (hidden+1)^2 for A and Lambda, a Jacobi eigen-decomposition of (hidden+1) rows, then
 * (hidden+1)^2 + classes^2 + (hidden+1) classes per example for features.
 */
import { symmetricEigen } from "../algebra.ts";
import { gradientFactors, type GradientFactors } from "../features.ts";
import type { ForwardOutputs } from "../model.ts";
import type { BilinearAttribution, ScoringInput } from "./types.ts";

export interface InfluenceSettings {
  readonly damping: number;
  readonly weightDecay: number;
}

/** Influence of the MNIST MLP's training rows on its validation rows, from the final model's forward passes. */
export async function influence(input: ScoringInput, settings: InfluenceSettings): Promise<BilinearAttribution> {
  const params = input.model.params;
  return lastLayerInfluence(
    { outputs: await input.run(params, input.train), labels: input.train.labels },
    { outputs: await input.run(params, input.validation), labels: input.validation.labels },
    input.shape.hidden,
    input.shape.classes,
    settings,
  );
}

/** Forward outputs of a model over a set of rows, with the rows' labels. */
export interface LabelledOutputs {
  readonly outputs: ForwardOutputs;
  readonly labels: ArrayLike<number>;
}

/** Influence of any classifier's training rows on validation rows, from the penultimate features and logits alone. */
export function lastLayerInfluence(
  train: LabelledOutputs,
  validation: LabelledOutputs,
  hidden: number,
  classes: number,
  settings: InfluenceSettings,
): BilinearAttribution {
  const h1 = hidden + 1;
  const trainF = gradientFactors(train.outputs, train.labels, hidden, classes);
  const valF = gradientFactors(validation.outputs, validation.labels, hidden, classes);
  const n = trainF.rows;
  const a = new Float64Array(h1 * h1);
  const g = new Float64Array(classes * classes);
  for (let i = 0; i < n; i++) {
    const act = trainF.act.subarray(i * h1, (i + 1) * h1);
    const p = trainF.probs.subarray(i * classes, (i + 1) * classes);
    for (let r = 0; r < h1; r++) {
      const ar = act[r]!;
      if (ar === 0) continue;
      for (let c = 0; c < h1; c++) a[r * h1 + c]! += ar * act[c]!;
    }
    for (let r = 0; r < classes; r++) {
      g[r * classes + r]! += p[r]!;
      for (let c = 0; c < classes; c++) g[r * classes + c]! -= p[r]! * p[c]!;
    }
  }
  for (let k = 0; k < a.length; k++) a[k]! /= n;
  for (let k = 0; k < g.length; k++) g[k]! /= n;
  const qa = symmetricEigen(a, h1).vectors;
  const qg = symmetricEigen(g, classes).vectors;
  // Rotate into the eigenbasis: e~ = Q_G^T r, a~ = Q_A^T a.
  const rotate = (f: GradientFactors, i: number, e: Float64Array, at: Float64Array, curvature?: Float64Array) => {
    for (let k = 0; k < classes; k++) {
      let s = 0;
      for (let c = 0; c < classes; c++) s += qg[c * classes + k]! * f.residual[i * classes + c]!;
      e[k] = s;
      if (curvature) {
        let pq2 = 0;
        let pq = 0;
        for (let c = 0; c < classes; c++) {
          const q = qg[c * classes + k]!;
          const pc = f.probs[i * classes + c]!;
          pq2 += pc * q * q;
          pq += pc * q;
        }
        curvature[k] = pq2 - pq * pq;
      }
    }
    for (let l = 0; l < h1; l++) {
      let s = 0;
      for (let c = 0; c < h1; c++) s += qa[c * h1 + l]! * f.act[i * h1 + c]!;
      at[l] = s;
    }
  };
  const lambda = new Float64Array(classes * h1);
  const e = new Float64Array(classes);
  const at = new Float64Array(h1);
  const curv = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    rotate(trainF, i, e, at, curv);
    for (let k = 0; k < classes; k++) for (let l = 0; l < h1; l++) lambda[k * h1 + l]! += curv[k]! * at[l]! * at[l]!;
  }
  let mean = 0;
  for (let k = 0; k < lambda.length; k++) mean += lambda[k]! /= n;
  mean /= lambda.length;
  const inv = new Float64Array(lambda.length);
  for (let k = 0; k < lambda.length; k++) inv[k] = 1 / n / (lambda[k]! + settings.damping * mean + settings.weightDecay);
  const features = (f: GradientFactors, from: number, to: number, weights?: Float64Array) => {
    const out = new Float64Array((to - from) * classes * h1);
    for (let i = from; i < to; i++) {
      rotate(f, i, e, at);
      const base = (i - from) * classes * h1;
      for (let k = 0; k < classes; k++)
        for (let l = 0; l < h1; l++) {
          out[base + k * h1 + l] = e[k]! * at[l]! * (weights ? weights[k * h1 + l]! : 1);
        }
    }
    return out;
  };
  return {
    kind: "bilinear",
    dim: classes * h1,
    trainFeatures: (from, to) => features(trainF, from, to, inv),
    valFeatures: (from, to) => features(valF, from, to),
  };
}
