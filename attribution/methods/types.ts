/** What every scoring method receives, and the two shapes of result they produce. */
import type { Dataset } from "../data.ts";
import type { MlpParams, MlpShape } from "../graphs.ts";
import type { ForwardOutputs } from "../model.ts";
import type { ProviderOptions } from "../providers.ts";
import type { TrainedModel } from "../train.ts";

export interface ScoringInput {
  readonly shape: MlpShape;
  readonly train: Dataset;
  readonly validation: Dataset;
  /** The model whose data is scored, with its per-epoch checkpoints. */
  readonly model: TrainedModel;
  /** Independently seeded models on the same data (TRAK's ensemble; the first is `model`). */
  readonly ensemble: () => Promise<readonly TrainedModel[]>;
  /** Forward pass of the exported inference model with `params` over `data`. */
  readonly run: (params: MlpParams, data: Dataset) => Promise<ForwardOutputs>;
  readonly providers: ProviderOptions;
}

/**
 * A method whose attribution is bilinear: tau(train i, validation j) = trainFeatures_i . valFeatures_j,
 * where tau > 0 means training on i raises log p_y of j (lowers its loss). Features are produced
 * in row ranges so callers stream them in bounded chunks.
 */
export interface BilinearAttribution {
  readonly kind: "bilinear";
  readonly dim: number;
  trainFeatures(from: number, to: number): Float64Array;
  valFeatures(from: number, to: number): Float64Array;
}

/** A method that gives tau for one validation example at a time (KNN-Shapley). */
export interface PointwiseAttribution {
  readonly kind: "pointwise";
  /** tau(., j) for all training examples, added into `into` times `weight`. */
  accumulate(j: number, weight: number, into: Float64Array): void;
}

export type Attribution = BilinearAttribution | PointwiseAttribution;
