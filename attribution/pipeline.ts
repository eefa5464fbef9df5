/**
 * The attribution step of an epoch: train on the contributors' data (all partitions together,
 * duplicates included, as registered), export the inference model, score every training example
 * on the held-out validation loss with the configured method, normalise and convert the scores to
 * fixed point, and return one row per (example, contributor) plus per-contributor sums.
 */
import type { AttributionConfig } from "../config/attribution.ts";
import { concat, exampleHash, splitMnist, type Dataset } from "./data.ts";
import { secretValidationSplit } from "./secret-split.ts";
import { normalizeScores, scoresToFixedPoint, type ScoreFormat } from "./fixed.ts";
import { accuracy, exportModel, type ExportedModel } from "./model.ts";
import { prepareMethod } from "./methods/index.ts";
import { buildPartitions, type Partition } from "./partitions.ts";
import { DEFAULT_NEAR_DUPLICATES, detectNearDuplicates, type NearDuplicateConfig, type NearDuplicateEvidence } from "./near-duplicates.ts";
import { subset } from "./data.ts";
import {
  DEFAULT_LABEL_CONSISTENCY,
  checkLabels,
  flaggedScore,
  type LabelConsistencyConfig,
  type LabelEvidence,
} from "./label-consistency.ts";
import { validationScores } from "./score.ts";
import { ensembleOf, mlpShape, providerOptions, runner, trainOptions } from "./session.ts";
import { train, type AttributionProgress } from "./train.ts";

/** One training example as claimed by one contributor. */
export interface ExampleScoreRow {
  /** 128-bit id: first 16 bytes of sha256(pixels || label). */
  readonly exampleHash: bigint;
  /** EIP-55 address of the contributor. */
  readonly contributor: string;
  /** Signed fixed-point score (config.fixedPoint.decimals), normalised to [-1, 1] before scaling. */
  readonly score: bigint;
}

export interface ContributorScore {
  readonly address: string;
  readonly label: string;
  readonly kind: Partition["kind"];
  readonly examples: number;
  /** Sum of the signed scores of the contributor's rows. */
  readonly total: bigint;
  /** Sum of the scores clipped at 0 (what the policy pays on, before deduplication). */
  readonly positiveTotal: bigint;
}

export interface AttributionResult {
  readonly rows: readonly ExampleScoreRow[];
  readonly contributors: readonly ContributorScore[];
  readonly method: AttributionConfig["method"];
  /** Execution provider that trained and scored. */
  readonly provider: string;
  readonly model: ExportedModel;
  readonly validationHash: string;
  readonly validationAccuracy: number;
  /** Raw float scores were divided by this before fixed-point conversion. */
  readonly divisor: number;
  /** Raw float64 scores, in row order. */
  readonly rawScores: Float64Array;
  /** Defences that ran before scoring, in order (e.g. ["exact-dedup", "near-duplicates"]). */
  readonly defences: readonly string[];
  /** Near-duplicate settings used (undefined when the stage is off). */
  readonly nearDuplicates?: NearDuplicateConfig;
  /** Examples flagged as near copies (score 0, not trained on), with evidence. */
  readonly flagged: readonly NearDuplicateEvidence[];
  /** Label-consistency settings used (undefined when the stage is off). */
  readonly labelConsistency?: LabelConsistencyConfig;
  /** Examples whose registered label is improbable under the trained model (score capped at 0), with evidence. */
  readonly mislabelled: readonly LabelEvidence[];
  /** Seconds per stage. */
  readonly timings: Readonly<Record<string, number>>;
}

/** Scores `partitions` against `validation`. */
export async function scoreContributors(
  partitions: readonly Partition[],
  validation: Dataset,
  validationHash: string,
  settings: AttributionConfig,
  format: ScoreFormat,
  log?: (message: string) => void,
  progress?: AttributionProgress,
): Promise<AttributionResult> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[stage] = (now - t) / 1000;
    t = now;
  };
  const providers = providerOptions(settings, log);
  const shape = mlpShape(settings);
  const all = concat(...partitions.map((p) => p.data));
  const owners = partitions.flatMap((p) => Array.from({ length: p.data.size }, () => p.address));
  // Defences: exact copies are trained on once and near copies (of earlier registered or of
  // validation examples) not at all; flagged rows score 0. Off: every row as registered.
  const nd = settings.nearDuplicates ?? DEFAULT_NEAR_DUPLICATES;
  const detection = nd.enabled ? detectNearDuplicates(all, owners, validation, nd, settings.seed) : undefined;
  const kept = detection ? Array.from(detection.keep.keys()).filter((i) => detection.keep[i] === 1) : undefined;
  const data = kept ? subset(all, kept) : all;
  if (detection) lap("nearDuplicates");
  const model = await train(data, {
    ...trainOptions(settings, providers),
    onStep: (done, total) => progress?.("training", done, total, "steps"),
  });
  lap("train");
  const exported = exportModel(shape, model.params);
  const run = runner(shape, providers, settings.batchSize);
  const validationAccuracy = accuracy(await run(model.params, validation), validation.labels, shape.classes);
  lap("export");
  const ensemble = ensembleOf(model, data, settings, providers, progress);
  if (settings.method === "trak") {
    await ensemble();
    lap("trainEnsemble");
  }
  const attribution = await prepareMethod(settings.method, { shape, train: data, validation, model, ensemble, run, providers }, settings);
  const trainedScores = validationScores(attribution, data.size, validation.size, settings.batchSize, (done, total) =>
    progress?.("scoring", done, total, "examples"),
  );
  let rawScores = trainedScores;
  if (detection && kept) {
    // Every row: its hash's first occurrence's score, 0 when flagged.
    const at = new Int32Array(all.size).fill(-1);
    kept.forEach((row, k) => {
      at[row] = k;
    });
    rawScores = new Float64Array(all.size);
    for (let i = 0; i < all.size; i++) {
      const k = at[detection.firstOf[i]!]!;
      rawScores[i] = detection.flagged[i] || k < 0 ? 0 : trainedScores[k]!;
    }
  }
  lap("score");
  // Label consistency: rows whose registered label the trained model finds improbable are paid
  // nothing (every row sharing the hash too: an example hash has one score).
  const lc = settings.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY;
  const mislabelled: LabelEvidence[] = [];
  if (lc.enabled) {
    const trainedRow = kept ?? Array.from({ length: all.size }, (_, i) => i);
    // A trained row is its hash's first occurrence: its contributor is the earliest registrant.
    const trainedOwners = trainedRow.map((row) => owners[row]!);
    const check = await checkLabels(lc, settings, model, ensemble, run, data, shape.classes, trainedOwners);
    const bad = new Set(check.rows.map((k) => trainedRow[k]!));
    if (rawScores === trainedScores) rawScores = trainedScores.slice();
    const at = new Map<number, number>();
    trainedRow.forEach((row, k) => at.set(row, k));
    for (let i = 0; i < all.size; i++) {
      const first = detection ? detection.firstOf[i]! : i;
      if (!bad.has(first)) continue;
      rawScores[i] = flaggedScore(rawScores[i]!);
      const k = at.get(first)!;
      mislabelled.push({
        index: i,
        exampleHash: exampleHash(all, i),
        contributor: owners[i]!,
        label: all.labels[i]!,
        pLabel: check.pLabel[k]!,
        predicted: check.predicted[k]!,
        pPredicted: check.pPredicted[k]!,
        reason: check.byContributor.has(k) ? "contributor" : "label",
      });
    }
    lap("labelConsistency");
  }
  const { normalized, divisor } = normalizeScores(rawScores);
  const fixed = scoresToFixedPoint(normalized, format);
  const rows: ExampleScoreRow[] = [];
  const contributors: ContributorScore[] = [];
  let at = 0;
  for (const p of partitions) {
    let total = 0n;
    let positiveTotal = 0n;
    for (let i = 0; i < p.data.size; i++, at++) {
      const score = fixed[at]!;
      rows.push({ exampleHash: exampleHash(p.data, i), contributor: p.address, score });
      total += score;
      if (score > 0n) positiveTotal += score;
    }
    contributors.push({ address: p.address, label: p.label, kind: p.kind, examples: p.data.size, total, positiveTotal });
  }
  lap("fixedPoint");
  return {
    rows,
    contributors,
    method: settings.method,
    provider: model.provider,
    model: exported,
    validationHash,
    validationAccuracy,
    divisor,
    rawScores,
    timings,
    defences: [...(detection ? ["exact-dedup", "near-duplicates"] : []), ...(lc.enabled ? ["label-consistency"] : [])],
    ...(detection ? { nearDuplicates: nd } : {}),
    flagged: detection?.evidence ?? [],
    ...(lc.enabled ? { labelConsistency: lc } : {}),
    mislabelled,
  };
}

/**
 * The whole step from config: seeded MNIST split, demo partitions, scores (and the held-out set
 * they were scored against). With `validationSecret` (what an epoch's score stage always gives)
 * the held-out set is the one the trainer's secret chooses (secret-split.ts); without it, the
 * seed's public split, derivable by anyone: for tests and evaluations only.
 */
export async function runAttribution(
  settings: AttributionConfig,
  format: ScoreFormat,
  log?: (message: string) => void,
  progress?: AttributionProgress,
  validationSecret?: Uint8Array,
): Promise<AttributionResult & { readonly partitions: readonly Partition[]; readonly validation: Dataset }> {
  const split =
    validationSecret === undefined ? splitMnist(settings.seed, settings.validationSize) : secretValidationSplit(settings, validationSecret);
  const partitions = buildPartitions(split.pool, settings.partitions, settings.seed);
  const result = await scoreContributors(partitions, split.validation, split.validationHash, settings, format, log, progress);
  return { ...result, partitions, validation: split.validation };
}
