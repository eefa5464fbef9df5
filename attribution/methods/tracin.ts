/**
 * TracIn-CP (Pruthi et al. 2020): tau(i, j) = sum over checkpoints c of lr_c g_i^c . g_j^c, with
 * g the gradient of log p_y of the whole MLP at checkpoint c, randomly projected (see
 * projected-gradients.ts). Checkpoints: the last `checkpoints` epochs of the trained model, evenly
 * spaced. Features are the per-checkpoint projections concatenated (train side scaled by lr_c).
 * Cost: one forward pass of train and validation per checkpoint, then the projection per example.
 */
import { derive } from "../prng.ts";
import { gradientFactors, type GradientFactors } from "../features.ts";
import type { MlpParams } from "../graphs.ts";
import { makeProjection, projectedGradient, projectInputs, type Projection, type ProjectionRanks } from "./projected-gradients.ts";
import type { BilinearAttribution, ScoringInput } from "./types.ts";

export interface TracInSettings {
  readonly checkpoints: number;
  readonly ranks: ProjectionRanks;
  readonly seed: number;
}

interface CheckpointView {
  readonly params: MlpParams;
  readonly lr: number;
  readonly train: GradientFactors;
  readonly val: GradientFactors;
}

/** Indices of `count` checkpoints out of `total`, evenly spaced and ending at the last. */
export function pickCheckpoints(total: number, count: number): number[] {
  const k = Math.min(count, total);
  return Array.from({ length: k }, (_, t) => total - 1 - Math.floor(((k - 1 - t) * total) / k));
}

export async function tracin(input: ScoringInput, settings: TracInSettings): Promise<BilinearAttribution> {
  const { hidden, classes } = input.shape;
  const h1 = hidden + 1;
  const projection: Projection = makeProjection(input.shape, settings.ranks, derive(settings.seed, "tracin-projection"));
  const trainXp = await projectInputs(input.train, projection, input.providers);
  const valXp = await projectInputs(input.validation, projection, input.providers);
  const views: CheckpointView[] = [];
  for (const c of pickCheckpoints(input.model.checkpoints.length, settings.checkpoints)) {
    const cp = input.model.checkpoints[c]!;
    views.push({
      params: cp.params,
      lr: cp.learningRate,
      train: gradientFactors(await input.run(cp.params, input.train), input.train.labels, hidden, classes),
      val: gradientFactors(await input.run(cp.params, input.validation), input.validation.labels, hidden, classes),
    });
  }
  const k = projection.dim;
  const ri = projection.ranks.input;
  const features = (side: "train" | "val", from: number, to: number) => {
    const out = new Float64Array((to - from) * k * views.length);
    const xp = side === "train" ? trainXp : valXp;
    for (let i = from; i < to; i++) {
      views.forEach((v, c) => {
        const f = v[side];
        projectedGradient(
          input.shape, v.params, projection,
          f.residual.subarray(i * classes, (i + 1) * classes), f.act.subarray(i * h1, (i + 1) * h1), xp.subarray(i * ri, (i + 1) * ri),
          out, ((i - from) * views.length + c) * k, side === "train" ? v.lr : 1,
        );
      });
    }
    return out;
  };
  return {
    kind: "bilinear",
    dim: k * views.length,
    trainFeatures: (from, to) => features("train", from, to),
    valFeatures: (from, to) => features("val", from, to),
  };
}
