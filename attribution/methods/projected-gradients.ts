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
import type { ForwardOutputs } from "../model.ts";
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

/**
 * Writes the projected gradient of one example into `into` (length p.dim) at `offset`.
 * residual: [classes] (e.g. y - p); act: [hidden + 1]; xp: [ranks.input] projected input.
 */
export function projectedGradient(
  shape: MlpShape, params: MlpParams, p: Projection,
  residual: ArrayLike<number>, act: ArrayLike<number>, xp: ArrayLike<number>,
  into: Float64Array, offset: number, scale = 1,
): void {
  const { hidden, classes } = shape;
  const { input: ri, delta: rd, activation: ra } = p.ranks;
  const dp = new Float64Array(rd);
  for (let k = 0; k < hidden; k++) {
    if (!(act[k]! > 0)) continue;
    let delta = 0;
    for (let c = 0; c < classes; c++) delta += params.w2[k * classes + c]! * residual[c]!;
    for (let t = 0; t < rd; t++) dp[t]! += p.pd[t * hidden + k]! * delta;
  }
  let at = offset;
  for (let a = 0; a < ri; a++) {
    const xa = xp[a]! * scale;
    for (let t = 0; t < rd; t++) into[at++] = xa * dp[t]!;
  }
  for (let a = 0; a < ra; a++) {
    let s = 0;
    for (let k = 0; k <= hidden; k++) s += p.pa[a * (hidden + 1) + k]! * act[k]!;
    s *= scale;
    for (let c = 0; c < classes; c++) into[at++] = s * residual[c]!;
  }
}

/** Everything a gradient-based method needs about one model on one dataset. */
export interface ModelView {
  readonly params: MlpParams;
  readonly out: ForwardOutputs;
  readonly xp: Float64Array;
}
