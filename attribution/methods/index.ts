/** Selects a scoring method by its config name. */
import type { AttributionConfig, AttributionMethod } from "../../config/attribution.ts";
import { AttributionError } from "../errors.ts";
import { influence } from "./influence.ts";
import { knnShapley } from "./knn-shapley.ts";
import { tracin } from "./tracin.ts";
import { trak } from "./trak.ts";
import type { Attribution, ScoringInput } from "./types.ts";

export type { Attribution, BilinearAttribution, PointwiseAttribution, ScoringInput } from "./types.ts";

/** Prepares `method` on `input` with the settings of the attribution config. */
export function prepareMethod(method: AttributionMethod, input: ScoringInput, settings: AttributionConfig): Promise<Attribution> {
  switch (method) {
    case "influence":
      return influence(input, { damping: settings.influence.damping, weightDecay: settings.training.weightDecay });
    case "tracin":
      return tracin(input, { checkpoints: settings.tracin.checkpoints, ranks: settings.tracin.ranks, seed: settings.seed });
    case "trak":
      return trak(input, {
        models: settings.trak.models,
        checkpoints: settings.trak.checkpoints ?? 1,
        ranks: settings.trak.ranks,
        damping: settings.trak.damping,
        seed: settings.seed,
        chunk: settings.batchSize,
      });
    case "knn-shapley":
      return knnShapley(input, { k: settings.knnShapley.k });
    default:
      throw new AttributionError("METHOD_UNKNOWN", `unknown attribution method ${JSON.stringify(method)}`);
  }
}
