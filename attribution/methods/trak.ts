/**
 * TRAK (Park et al. 2023) over an ensemble of independently seeded models. Per model m:
 *   phi_i = P grad(margin_i)  with margin = log(p_y / (1 - p_y)): residual (y - p) / (1 - p_y)
 *   K = sum_i phi_i phi_i^T + damping * trace(K)/k * I
 *   tau_m(i, j) = (P g_j)^T K^-1 phi_i (1 - p_y,i)  = (K^-1 P g_j)^T (P g_i)
 * where g = gradient of log p_y (residual y - p), so tau > 0 means i helps j. The ensemble
 * average is tau = mean_m tau_m, i.e. features concatenated over models (divided by M on one side).
 * K^-1 is applied on the validation side (one Gemm of the validation rows), so training rows cost
 * only their projection. P is projected-gradients.ts (whole MLP, Kronecker Gaussian, seeded per model).
 * Cost per model: a forward pass of train and validation, n k^2 for K (one Gemm), k^3 / 3 to invert.
 */
import { gemm, spdInverse } from "../algebra.ts";
import { gradientFactors } from "../features.ts";
import { derive } from "../prng.ts";
import { makeProjection, projectParts, writeFeatures, type ProjectedParts, type Projection, type ProjectionRanks } from "./projected-gradients.ts";
import type { BilinearAttribution, ScoringInput } from "./types.ts";

export interface TrakSettings {
  readonly models: number;
  readonly ranks: ProjectionRanks;
  readonly damping: number;
  readonly seed: number;
  /** Rows per chunk when building K. */
  readonly chunk: number;
}

interface ModelTerms {
  readonly projection: Projection;
  readonly train: ProjectedParts;
  /** K^-1 P g_j for every validation row, divided by the number of models: [m, k]. */
  readonly valSolved: Float64Array;
}

export async function trak(input: ScoringInput, settings: TrakSettings): Promise<BilinearAttribution> {
  const { hidden, classes } = input.shape;
  const models = (await input.ensemble()).slice(0, settings.models);
  const terms: ModelTerms[] = [];
  for (const [m, model] of models.entries()) {
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
    for (let t = 0; t < valSolved.length; t++) valSolved[t] = solved[t]! / models.length;
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
