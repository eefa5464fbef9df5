/**
 * TracIn-CP (Pruthi et al. 2020): tau(i, j) = sum over checkpoints c of lr_c g_i^c . g_j^c, with
 * g the gradient of log p_y of the whole MLP at checkpoint c, randomly projected (see
 * projected-gradients.ts). Checkpoints: the last `checkpoints` epochs of the trained model, evenly
 * spaced. Features are the per-checkpoint projections concatenated (train side scaled by lr_c).
 * Cost: one forward pass of train and validation per checkpoint, then the projection per example.
 */
import { derive } from "../prng.ts";
import { gradientFactors } from "../features.ts";
import {
  makeProjection,
  projectParts,
  writeFeatures,
  type ProjectedParts,
  type Projection,
  type ProjectionRanks,
} from "./projected-gradients.ts";
import type { BilinearAttribution, ScoringInput } from "./types.ts";

export interface TracInSettings {
  readonly checkpoints: number;
  readonly ranks: ProjectionRanks;
  readonly seed: number;
}

interface CheckpointView {
  readonly lr: number;
  readonly train: ProjectedParts;
  readonly val: ProjectedParts;
}

/** Indices of `count` checkpoints out of `total`, evenly spaced and ending at the last. */
export function pickCheckpoints(total: number, count: number): number[] {
  const k = Math.min(count, total);
  return Array.from({ length: k }, (_, t) => total - 1 - Math.floor(((k - 1 - t) * total) / k));
}

export async function tracin(input: ScoringInput, settings: TracInSettings): Promise<BilinearAttribution> {
  const { hidden, classes } = input.shape;
  const projection: Projection = makeProjection(input.shape, settings.ranks, derive(settings.seed, "tracin-projection"));
  const views: CheckpointView[] = [];
  for (const c of pickCheckpoints(input.model.checkpoints.length, settings.checkpoints)) {
    const cp = input.model.checkpoints[c]!;
    const trainF = gradientFactors(await input.run(cp.params, input.train), input.train.labels, hidden, classes);
    const valF = gradientFactors(await input.run(cp.params, input.validation), input.validation.labels, hidden, classes);
    views.push({
      lr: cp.learningRate,
      train: await projectParts(input.shape, cp.params, projection, input.train, trainF, input.providers),
      val: await projectParts(input.shape, cp.params, projection, input.validation, valF, input.providers),
    });
  }
  const k = projection.dim;
  const features = (side: "train" | "val", from: number, to: number) => {
    const out = new Float64Array((to - from) * k * views.length);
    for (let i = from; i < to; i++) {
      views.forEach((v, c) =>
        writeFeatures(classes, projection, v[side], i, out, ((i - from) * views.length + c) * k, side === "train" ? v.lr : 1),
      );
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
