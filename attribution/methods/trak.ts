/**
 * TRAK (Park et al. 2023) over an ensemble of views: `checkpoints` checkpoints of each of
 * `models` independently seeded runs (trakViews; the TRAK paper's checkpoint ensembles: views of
 * one run cost no training: on MNIST 4 runs x 5 checkpoints reach LDS 0.47 against TRAK-10's
 * 0.40 in less time, attribution/README.md). Per view m:
 *   phi_i = P grad(margin_i)  with margin = log(p_y / (1 - p_y)): residual (y - p) / (1 - p_y)
 *   K = sum_i phi_i phi_i^T + damping * trace(K)/k * I
 *   tau_m(i, j) = (P g_j)^T K^-1 phi_i (1 - p_y,i)  = (K^-1 P g_j)^T (P g_i)
 * where g = gradient of log p_y (residual y - p), so tau > 0 means i helps j. The ensemble
 * average is tau = mean_m tau_m, i.e. features concatenated over views (divided by their number on one side).
 * K^-1 is applied on the validation side (one Gemm of the validation rows), so training rows cost
 * only their projection. P is projected-gradients.ts (whole MLP, Kronecker Gaussian, seeded per model).
 * Cost per view: a forward pass of train and validation, n k^2 for K (one Gemm), k^3 / 3 to invert.
 */
import { gemm, spdInverse } from "../algebra.ts";
import { gradientFactors } from "../features.ts";
import { derive } from "../prng.ts";
import { makeProjection, projectParts, writeFeatures, type ProjectedParts, type Projection, type ProjectionRanks } from "./projected-gradients.ts";
import type { Checkpoint, TrainedModel } from "../train.ts";
import { pickCheckpoints } from "./tracin.ts";
import type { BilinearAttribution, ScoringInput } from "./types.ts";

export interface TrakSettings {
  readonly models: number;
  /** Checkpoints per run, evenly spaced over its epochs and ending at the final weights (1 = final weights only). */
  readonly checkpoints: number;
  readonly ranks: ProjectionRanks;
  readonly damping: number;
  readonly seed: number;
  /** Rows per chunk when building K. */
  readonly chunk: number;
}

interface ModelTerms {
  readonly projection: Projection;
  readonly train: ProjectedParts;
  /** K^-1 P g_j for every validation row, divided by the number of views: [m, k]. */
  readonly valSolved: Float64Array;
}

/** The weights TRAK scores with: `checkpoints` per run (pickCheckpoints: evenly spaced, ending at the final weights) of the first `models` runs. */
export function trakViews(ensemble: readonly TrainedModel[], models: number, checkpoints: number): Checkpoint[] {
  return ensemble.slice(0, models).flatMap((model) => pickCheckpoints(model.checkpoints.length, checkpoints).map((c) => model.checkpoints[c]!));
}

export async function trak(input: ScoringInput, settings: TrakSettings): Promise<BilinearAttribution> {
  const { hidden, classes } = input.shape;
  const views = trakViews(await input.ensemble(), settings.models, settings.checkpoints);
  const terms: ModelTerms[] = [];
  for (const [m, model] of views.entries()) {
    const projection = makeProjection(input.shape, settings.ranks, derive(settings.seed, "trak-projection", m));
    const k = projection.dim;
    const trainF = gradientFactors(await input.run(model.params, input.train), input.train.labels, hidden, classes);
    const valF = gradientFactors(await input.run(model.params, input.validation), input.validation.labels, hidden, classes);
    const train = await projectParts(input.shape, model.params, projection, input.train, trainF, input.providers);
    const val = await projectParts(input.shape, model.params, projection, input.validation, valF, input.providers);
    const kernel = new Float64Array(k * k);
    for (let from = 0; from < train.rows; from += settings.chunk) {
      const to = Math.min(train.rows, from + settings.chunk);
      const phi = new Float64Array((to - from) * k);
      for (let i = from; i < to; i++) {
        // margin gradient = loss-residual gradient / (1 - p_y); residual_y = 1 - p_y
        const oneMinusPy = train.residual[i * classes + input.train.labels[i]!]!;
        writeFeatures(classes, projection, train, i, phi, (i - from) * k, 1 / Math.max(oneMinusPy, 1e-12));
      }
      const phi32 = Float32Array.from(phi);
      const part = await gemm(phi32, to - from, k, phi32, to - from, k, true, false, input.providers);
      for (let t = 0; t < k * k; t++) kernel[t]! += part[t]!;
    }
    let trace = 0;
    for (let t = 0; t < k; t++) trace += kernel[t * k + t]!;
    for (let t = 0; t < k; t++) kernel[t * k + t]! += (settings.damping * trace) / k;
    const inverse = spdInverse(kernel, k);
    // K^-1 P g_j for every validation row, as one Gemm: [m, k] x [k, k] (K^-1 is symmetric).
    const valGrad = new Float64Array(val.rows * k);
    for (let j = 0; j < val.rows; j++) writeFeatures(classes, projection, val, j, valGrad, j * k);
    const solved = await gemm(Float32Array.from(valGrad), val.rows, k, Float32Array.from(inverse), k, k, false, false, input.providers);
    const valSolved = new Float64Array(val.rows * k);
    for (let t = 0; t < valSolved.length; t++) valSolved[t] = solved[t]! / views.length;
    terms.push({ projection, train, valSolved });
  }
  const k = terms[0]!.projection.dim;
  const dim = k * terms.length;
  return {
    kind: "bilinear",
    dim,
    trainFeatures: (from, to) => {
      const out = new Float64Array((to - from) * dim);
      for (let i = from; i < to; i++) terms.forEach((t, m) => writeFeatures(classes, t.projection, t.train, i, out, (i - from) * dim + m * k));
      return out;
    },
    valFeatures: (from, to) => {
      const out = new Float64Array((to - from) * dim);
      for (let j = from; j < to; j++) terms.forEach((t, m) => out.set(t.valSolved.subarray(j * k, (j + 1) * k), (j - from) * dim + m * k));
      return out;
    },
  };
}
