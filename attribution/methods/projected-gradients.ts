/**
 * Randomly projected per-example gradients of the WHOLE MLP, from forward outputs only.
 * For one example with residual r (d log-likelihood / d logits, or a rescaling of it):
 *   gradient of W2,b2 = [h; 1] r^T        gradient of W1,b1 = [x; 1] delta^T,  delta = (W2 r) * 1[h > 0]
 * Each block is an outer product, so a Kronecker-structured Gaussian projection P = Pu (x) Pv maps
 * it to (Pu u)(Pv v)^T without forming the gradient (the structure LoGra uses):
 *   features = [ vec((Px [x;1]) (Pd delta)^T) , vec((Pa [h;1]) r^T) ]     dim = ri*rd + ra*classes
 * Johnson-Lindenstrauss: inner products of features approximate inner products of gradients.
 * Cost per example: 785*ri (done as one Gemm for all rows) + hidden*(classes + rd) + (hidden+1)*ra.
 */
import { PIXELS, pixelsAsFloat, type Dataset } from "../data.ts";
import { gemm } from "../algebra.ts";
import type { MlpParams, MlpShape } from "../graphs.ts";
import type { GradientFactors } from "../features.ts";
import { Rng } from "../prng.ts";
import type { ProviderOptions } from "../providers.ts";

export interface ProjectionRanks {
  readonly input: number;
  readonly delta: number;
  readonly activation: number;
}

export interface Projection {
  readonly ranks: ProjectionRanks;
  /** [input, PIXELS + 1], [delta, hidden], [activation, hidden + 1], scaled by 1/sqrt(rank). */
  readonly px: Float32Array;
  readonly pd: Float64Array;
  readonly pa: Float64Array;
  readonly dim: number;
}

export function makeProjection(shape: MlpShape, ranks: ProjectionRanks, seed: bigint): Projection {
  const rng = new Rng(seed);
  const gauss = (rows: number, cols: number) => {
    const m = new Float64Array(rows * cols);
    for (let i = 0; i < m.length; i++) m[i] = rng.normal() / Math.sqrt(rows);
    return m;
  };
  return {
    ranks,
    px: Float32Array.from(gauss(ranks.input, PIXELS + 1)),
    pd: gauss(ranks.delta, shape.hidden),
    pa: gauss(ranks.activation, shape.hidden + 1),
    dim: ranks.input * ranks.delta + ranks.activation * shape.classes,
  };
}

/** Projected inputs Px [x; 1] for every row of `data`: [size, ranks.input], float64. */
export async function projectInputs(data: Dataset, p: Projection, providers: ProviderOptions, chunk = 2048): Promise<Float64Array> {
  const ri = p.ranks.input;
  const out = new Float64Array(data.size * ri);
  // Px without its bias column, transposed use: X [n,784] * Pw^T where Pw = Px[:, :784]
  const pw = new Float32Array(ri * PIXELS);
  for (let r = 0; r < ri; r++) pw.set(p.px.subarray(r * (PIXELS + 1), r * (PIXELS + 1) + PIXELS), r * PIXELS);
  for (let from = 0; from < data.size; from += chunk) {
    const to = Math.min(data.size, from + chunk);
    const xp = await gemm(pixelsAsFloat(data, from, to), to - from, PIXELS, pw, ri, PIXELS, false, true, providers);
    for (let i = 0; i < (to - from) * ri; i++) out[from * ri + i] = xp[i]! + p.px[(i % ri) * (PIXELS + 1) + PIXELS]!;
  }
  return out;
}

/** The projected factors of every row's gradient under one model: features are their outer products. */
export interface ProjectedParts {
  readonly rows: number;
  /** [rows, ranks.input]: Px [x; 1] */
  readonly xp: Float64Array;
  /** [rows, ranks.delta]: Pd delta, delta = (W2 r) * 1[h > 0] */
  readonly dp: Float64Array;
  /** [rows, ranks.activation]: Pa [h; 1] */
  readonly ap: Float64Array;
  /** [rows, classes]: r */
  readonly residual: Float64Array;
}

/**
 * Projects every row once (the costly part: hidden * (classes + ranks.delta) + (hidden + 1) *
 * ranks.activation per row, plus one Gemm for the inputs); features are then cheap outer products.
 */
export async function projectParts(
  shape: MlpShape,
  params: MlpParams,
  p: Projection,
  data: Dataset,
  factors: GradientFactors,
  providers: ProviderOptions,
): Promise<ProjectedParts> {
  const { hidden, classes } = shape;
  const h1 = hidden + 1;
  const { delta: rd, activation: ra } = p.ranks;
  const rows = factors.rows;
  const xp = await projectInputs(data, p, providers);
  const dp = new Float64Array(rows * rd);
  const ap = new Float64Array(rows * ra);
  for (let i = 0; i < rows; i++) {
    const act = factors.act.subarray(i * h1, (i + 1) * h1);
    const r = factors.residual.subarray(i * classes, (i + 1) * classes);
    for (let k = 0; k < hidden; k++) {
      if (!(act[k]! > 0)) continue;
      let delta = 0;
      for (let c = 0; c < classes; c++) delta += params.w2[k * classes + c]! * r[c]!;
      for (let t = 0; t < rd; t++) dp[i * rd + t]! += p.pd[t * hidden + k]! * delta;
    }
    for (let a = 0; a < ra; a++) {
      let s = 0;
      for (let k = 0; k < h1; k++) s += p.pa[a * h1 + k]! * act[k]!;
      ap[i * ra + a] = s;
    }
  }
  return { rows, xp, dp, ap, residual: factors.residual };
}

/**
 * Writes `scale` times the projected gradient of row i into `into` (length p.dim) at `offset`:
 * [vec(xp_i dp_i^T), vec(ap_i r_i^T)]. Scaling the residual scales both blocks, so a margin
 * gradient is the loss-residual parts times 1 / (1 - p_y).
 */
export function writeFeatures(
  classes: number,
  p: Projection,
  parts: ProjectedParts,
  i: number,
  into: Float64Array,
  offset: number,
  scale = 1,
): void {
  const { input: ri, delta: rd, activation: ra } = p.ranks;
  let at = offset;
  for (let a = 0; a < ri; a++) {
    const xa = parts.xp[i * ri + a]! * scale;
    for (let t = 0; t < rd; t++) into[at++] = xa * parts.dp[i * rd + t]!;
  }
  for (let a = 0; a < ra; a++) {
    const s = parts.ap[i * ra + a]! * scale;
    for (let c = 0; c < classes; c++) into[at++] = s * parts.residual[i * classes + c]!;
  }
}
