/**
 * Label-consistency stage, run after training: an example whose registered label gets probability
 * below `threshold` under the trained model (softmax of the exported model's logits) while another
 * class gets at least `confidence` is flagged as mislabelled and paid nothing (its score capped at
 * 0, flaggedScore). Its evidence (label, p(label), predicted class and its probability) goes into
 * the output.
 */
import type { AttributionConfig, LabelConsistencyConfig } from "../config/attribution.ts";
import { softmaxRow } from "./features.ts";
import type { Dataset } from "./data.ts";
import type { MlpParams } from "./graphs.ts";
import type { ForwardOutputs } from "./model.ts";
import { trakViews } from "./methods/trak.ts";
import type { TrainedModel } from "./train.ts";

export type { LabelConsistencyConfig };

/**
 * The stage when config/protocol.json has no labelConsistency section: the final model judges,
 * row by row. The repository's config sets its measured default (attribution/README.md): TRAK's 20
 * views judge (p(label) < 0.25, another class >= 0.425) and a contributor with >= 3 flagged rows
 * making up >= 20 % of its rows loses its other rows with p(label) < 0.5: G5 (npm run
 * eval:attacks, 60 planted mislabels) 100 % paid zero on three fresh seeds with <= 1.53 % of honest
 * digits zeroed, where row-by-row rules paid zero 76-92 % (mean 85 %) on the tuning seeds at <= 2 %
 * honest (some planted labels are what the ensemble itself half believes). An attacker who mixes wrong labels among enough right ones to stay
 * under 20 % meets the row-by-row rule only.
 */
export const DEFAULT_LABEL_CONSISTENCY: LabelConsistencyConfig = { enabled: true, threshold: 0.1, confidence: 0.3 };

export interface LabelEvidence {
  /** Row index (registration order) of the flagged example. */
  readonly index: number;
  readonly exampleHash: bigint;
  readonly contributor: string;
  /** The registered label and its probability under the trained model. */
  readonly label: number;
  readonly pLabel: number;
  /** The most probable class and its probability. */
  readonly predicted: number;
  readonly pPredicted: number;
  /** "label": the row's own probabilities failed the rule; "contributor": its contributor's rate did (cfg.contributors). */
  readonly reason: "label" | "contributor";
}

/**
 * The score of a flagged row: capped at 0, so it is paid nothing (the witness clips negatives),
 * while a negative score, the method's own evidence that the example hurts, stays in the record:
 * the signed scores then rank flagged examples below honest ones that score slightly negative
 * (the payout score's mislabel AUC; zeroing them lifted the most harmful above those).
 */
export function flaggedScore(score: number): number {
  return Math.min(score, 0);
}

/**
 * Per row: the label's probability, the most probable class and its probability, under the mean
 * of the softmax of each of `logits` ([n, classes] per model; one model: its own softmax).
 */
export function labelProbabilities(
  logits: Float32Array | readonly Float32Array[],
  labels: ArrayLike<number>,
  classes: number,
): { pLabel: Float64Array; predicted: Uint32Array; pPredicted: Float64Array } {
  const models = logits instanceof Float32Array ? [logits] : logits;
  if (models.length === 0) throw new RangeError("labelProbabilities needs the logits of at least one model");
  const n = labels.length;
  const mean = new Float64Array(n * classes);
  const p = new Float64Array(classes);
  for (const l of models) {
    for (let i = 0; i < n; i++) {
      softmaxRow(l, i, classes, p);
      for (let c = 0; c < classes; c++) mean[i * classes + c]! += p[c]! / models.length;
    }
  }
  const pLabel = new Float64Array(n),
    pPredicted = new Float64Array(n),
    predicted = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (mean[i * classes + c]! > mean[i * classes + best]!) best = c;
    pLabel[i] = mean[i * classes + labels[i]!]!;
    pPredicted[i] = mean[i * classes + best]!;
    predicted[i] = best;
  }
  return { pLabel, predicted, pPredicted };
}

/** The stage's verdict: flagged rows and, for every row, the probabilities that judged it. */
export interface LabelCheck {
  readonly rows: number[];
  /** The subset of `rows` flagged only by their contributor's rate (cfg.contributors). */
  readonly byContributor: ReadonlySet<number>;
  readonly pLabel: Float64Array;
  readonly predicted: Uint32Array;
  readonly pPredicted: Float64Array;
}

/**
 * Rows (indices into `labels`) whose label is inconsistent with the model(s): p(label) < threshold
 * and p(predicted) >= confidence. With `cfg.contributors` and `owners` (the contributor of each
 * row), a contributor with at least `minFlagged` such rows making up at least `fraction` of its
 * rows also loses every other row with p(label) < contributors.threshold.
 */
export function labelInconsistent(
  logits: Float32Array | readonly Float32Array[],
  labels: ArrayLike<number>,
  classes: number,
  cfg: LabelConsistencyConfig,
  owners?: readonly string[],
): LabelCheck {
  const p = labelProbabilities(logits, labels, classes);
  const flagged = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (p.predicted[i] !== labels[i] && p.pLabel[i]! < cfg.threshold && p.pPredicted[i]! >= cfg.confidence) flagged[i] = 1;
  }
  const byContributor = new Set<number>();
  const rule = cfg.contributors;
  if (rule && owners) {
    if (owners.length !== labels.length) throw new RangeError(`labelInconsistent: ${owners.length} owners for ${labels.length} rows`);
    const counts = new Map<string, { rows: number; flagged: number }>();
    owners.forEach((owner, i) => {
      const c = counts.get(owner) ?? { rows: 0, flagged: 0 };
      c.rows++;
      c.flagged += flagged[i]!;
      counts.set(owner, c);
    });
    owners.forEach((owner, i) => {
      const c = counts.get(owner)!;
      if (!flagged[i] && c.flagged >= rule.minFlagged && c.flagged >= rule.fraction * c.rows && p.pLabel[i]! < rule.threshold)
        byContributor.add(i);
    });
  }
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (flagged[i] || byContributor.has(i)) rows.push(i);
  return { rows, byContributor, ...p };
}

/**
 * The stage on `data` (`owners`: each row's contributor, for cfg.contributors): with `cfg.ensemble` and TRAK, labels judged by the mean probabilities of
 * every model and checkpoint TRAK scores with (trakViews; a forward pass each, cheap next to
 * scoring) under the ensemble's thresholds; otherwise by the final model's, under cfg's.
 */
export async function checkLabels(
  cfg: LabelConsistencyConfig,
  settings: AttributionConfig,
  model: TrainedModel,
  ensemble: () => Promise<readonly TrainedModel[]>,
  run: (params: MlpParams, data: Dataset) => Promise<ForwardOutputs>,
  data: Dataset,
  classes: number,
  owners?: readonly string[],
): Promise<LabelCheck> {
  const byViews = cfg.ensemble !== undefined && settings.method === "trak";
  const judges = byViews
    ? trakViews(await ensemble(), settings.trak.models, settings.trak.checkpoints ?? 1).map((c) => c.params)
    : [model.params];
  const logits: Float32Array[] = [];
  for (const params of judges) logits.push((await run(params, data)).logits);
  return labelInconsistent(logits, data.labels, classes, byViews ? { ...cfg, ...cfg.ensemble } : cfg, owners);
}
