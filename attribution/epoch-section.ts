/**
 * epoch.json's `attribution` section: how the epoch's scores were made, recorded with the epoch.
 * What a reader sees (method, provider, accuracy, the defences that ran and the examples they
 * flagged with their evidence), and what a skeptic needs to rerun the scoring from the data and
 * the model (verify --data FILE --model FILE, verify/recompute.ts): the full attribution settings
 * (method parameters, seeds, model shape, training, defence settings) and the fixed-point format.
 */
import type { AttributionConfig } from "../config/attribution.ts";
import type { ScoreFormat } from "./fixed.ts";
import type { AttributionResult } from "./pipeline.ts";

/** The section for `result`, made with `settings` and `format`. */
export function attributionSection(
  result: AttributionResult,
  settings: AttributionConfig,
  format: ScoreFormat,
): Readonly<Record<string, unknown>> {
  return {
    method: result.method,
    provider: result.provider,
    validationAccuracy: result.validationAccuracy,
    defences: result.defences,
    ...(result.nearDuplicates === undefined ? {} : { nearDuplicates: result.nearDuplicates }),
    flagged: result.flagged,
    mislabelled: result.mislabelled,
    settings,
    scoreFormat: format,
  };
}
