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
import type { ProviderOptions } from "../providers.ts";
import { makeProjection, projectParts, writeFeatures, type ProjectedParts, type ProjectionRanks } from "./projected-gradients.ts";
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

/** One model's projected per-row gradients of log p_y over a set of rows. */
export interface GradientView {
  readonly rows: number;
  /** Length of one row's projected gradient. */
  readonly dim: number;
  /** [rows, classes]: y - p (its label entry is 1 - p_y). */
  readonly residual: Float64Array;
  /** Writes `scale` times row i's projected gradient into `into` at `offset`. */
  write(i: number, into: Float64Array, offset: number, scale?: number): void;
}

/** The training and validation views of ensemble model m. */
export type EnsembleViews = (m: number) => Promise<{ readonly train: GradientView; readonly val: GradientView }>;

interface ModelTerms {
  readonly train: GradientView;
  /** K^-1 P g_j for every validation row, divided by the number of views: [m, k]. */
  readonly valSolved: Float64Array;
}

/** The weights TRAK scores with: `checkpoints` per run (pickCheckpoints: evenly spaced, ending at the final weights) of the first `models` runs. */
export function trakViews(ensemble: readonly TrainedModel[], models: number, checkpoints: number): Checkpoint[] {
  return ensemble
    .slice(0, models)
    .flatMap((model) => pickCheckpoints(model.checkpoints.length, checkpoints).map((c) => model.checkpoints[c]!));
}

/** TRAK of the whole MNIST MLP over the views (checkpoints of the runs) the input's ensemble trains. */
export async function trak(input: ScoringInput, settings: TrakSettings): Promise<BilinearAttribution> {
  const { hidden, classes } = input.shape;
  const checkpoints = trakViews(await input.ensemble(), settings.models, settings.checkpoints);
  const views: EnsembleViews = async (m) => {
    const model = checkpoints[m]!;
    const projection = makeProjection(input.shape, settings.ranks, derive(settings.seed, "trak-projection", m));
    const trainF = gradientFactors(await input.run(model.params, input.train), input.train.labels, hidden, classes);
    const valF = gradientFactors(await input.run(model.params, input.validation), input.validation.labels, hidden, classes);
    const view = (parts: ProjectedParts): GradientView => ({
      rows: parts.rows,
      dim: projection.dim,
      residual: parts.residual,
      write: (i, into, offset, scale) => writeFeatures(classes, projection, parts, i, into, offset, scale),
    });
    return {
      train: view(await projectParts(input.shape, model.params, projection, input.train, trainF, input.providers)),
      val: view(await projectParts(input.shape, model.params, projection, input.validation, valF, input.providers)),
    };
  };
  return trakEnsemble(checkpoints.length, views, input.train.labels, classes, settings, input.providers);
}

/**
 * The TRAK estimator over `models` ensemble members whose projected gradients `views` gives: the
 * kernel, its damped inverse applied to the validation side, the features concatenated over models.
 */
export async function trakEnsemble(
  models: number,
  views: EnsembleViews,
  trainLabels: ArrayLike<number>,
  classes: number,
  settings: Pick<TrakSettings, "damping" | "chunk">,
  providers: ProviderOptions,
): Promise<BilinearAttribution> {
  const terms: ModelTerms[] = [];
  for (let m = 0; m < models; m++) {
    const { train, val } = await views(m);
    const k = train.dim;
    const kernel = new Float64Array(k * k);
    for (let from = 0; from < train.rows; from += settings.chunk) {
      const to = Math.min(train.rows, from + settings.chunk);
      const phi = new Float64Array((to - from) * k);
      for (let i = from; i < to; i++) {
        // margin gradient = loss-residual gradient / (1 - p_y); residual_y = 1 - p_y
        const oneMinusPy = train.residual[i * classes + trainLabels[i]!]!;
        train.write(i, phi, (i - from) * k, 1 / Math.max(oneMinusPy, 1e-12));
      }
      const phi32 = Float32Array.from(phi);
      const part = await gemm(phi32, to - from, k, phi32, to - from, k, true, false, providers);
      for (let t = 0; t < k * k; t++) kernel[t]! += part[t]!;
    }
    let trace = 0;
    for (let t = 0; t < k; t++) trace += kernel[t * k + t]!;
    for (let t = 0; t < k; t++) kernel[t * k + t]! += (settings.damping * trace) / k;
    const inverse = spdInverse(kernel, k);
    // K^-1 P g_j for every validation row, as one Gemm: [m, k] x [k, k] (K^-1 is symmetric).
    const valGrad = new Float64Array(val.rows * k);
    for (let j = 0; j < val.rows; j++) val.write(j, valGrad, j * k);
    const solved = await gemm(Float32Array.from(valGrad), val.rows, k, Float32Array.from(inverse), k, k, false, false, providers);
    const valSolved = new Float64Array(val.rows * k);
    for (let t = 0; t < valSolved.length; t++) valSolved[t] = solved[t]! / models;
    terms.push({ train, valSolved });
  }
  const k = terms[0]!.train.dim;
  const dim = k * terms.length;
  return {
    kind: "bilinear",
    dim,
    trainFeatures: (from, to) => {
      const out = new Float64Array((to - from) * dim);
      for (let i = from; i < to; i++) terms.forEach((t, m) => t.train.write(i, out, (i - from) * dim + m * k));
      return out;
    },
    valFeatures: (from, to) => {
      const out = new Float64Array((to - from) * dim);
      for (let j = from; j < to; j++) terms.forEach((t, m) => out.set(t.valSolved.subarray(j * k, (j + 1) * k), (j - from) * dim + m * k));
      return out;
    },
  };
}
