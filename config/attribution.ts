/**
 * The `attribution` section of config/protocol.json: how the model is trained and scored
 * (attribution/). Validated by parseAttributionConfig, called from parseConfig.
 */
import { ConfigError } from "./config-error.ts";

export const ATTRIBUTION_METHODS = ["influence", "tracin", "trak", "knn-shapley"] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

export interface ProjectionRanksConfig {
  /** Rows of the projection of the input [x; 1]. */
  readonly input: number;
  /** Rows of the projection of the hidden-layer error. */
  readonly delta: number;
  /** Rows of the projection of the activations [h; 1]. */
  readonly activation: number;
}

/** One demo contributor: a slice of MNIST of some quality. */
export interface PartitionConfig {
  /** Unique; the contributor's development key and address derive from it (attribution/partitions.ts). */
  readonly label: string;
  /** clean: fresh examples; noisy: fresh examples with a fraction `noise` of labels changed;
   *  duplicate: copies of the first `size` examples of contributor `source`. */
  readonly kind: "clean" | "noisy" | "duplicate";
  readonly size: number;
  readonly noise?: number;
  readonly source?: number;
}

/** The near-duplicate stage's settings (attribution/near-duplicates.ts). */
export interface NearDuplicateConfig {
  readonly enabled: boolean;
  /** Flag when the max NCC over shifts is at least this. */
  readonly threshold: number;
  /** The same against validation examples (copies of them are the most damaging; default = threshold). */
  readonly validationThreshold?: number;
  /** Shifts tried: [-maxShift, maxShift]^2 pixels. */
  readonly maxShift: number;
  /** LSH tables and sign bits per table. */
  readonly tables: number;
  readonly bits: number;
  /** Descriptor cosine a candidate needs before the full NCC. */
  readonly gate: number;
  /** Rotations (degrees, besides 0) of each new example also compared, to catch rotated copies; absent: none. */
  readonly rotations?: readonly number[];
  /** The descriptor gate of the rotated views (default: gate). */
  readonly rotationGate?: number;
}

/** The label-consistency stage's settings (attribution/label-consistency.ts). */
export interface LabelConsistencyConfig {
  readonly enabled: boolean;
  /** Flag when the trained model gives the registered label a probability below this... */
  readonly threshold: number;
  /** ...and another class at least this. */
  readonly confidence: number;
  /** With method trak: judge by the mean probabilities of every model and checkpoint TRAK scores
   *  with, under these thresholds (averaged probabilities are less confident than one model's, so
   *  the rule needs its own). Absent, or another method: the final model, under the ones above. */
  readonly ensemble?: { readonly threshold: number; readonly confidence: number };
  /** A contributor whose rows fail the rule above at a rate no honest contributor reaches (at
   *  least `minFlagged` rows and a fraction `fraction` of its trained rows) has its other rows
   *  judged by p(label) < `threshold` alone: one registration of mostly wrong labels loses the
   *  rest of them too. Absent: rows are judged one by one. */
  readonly contributors?: { readonly fraction: number; readonly minFlagged: number; readonly threshold: number };
}

/** Near duplicates in a classifier's penultimate feature space (attribution/feature-duplicates.ts; the ONNX path). */
export interface FeatureDuplicateConfig {
  readonly enabled: boolean;
  /** Flag a row whose features have at least this cosine with an earlier row's... */
  readonly threshold: number;
  /** ...or at least this with a validation example's. */
  readonly validationThreshold: number;
}

export interface AttributionConfig {
  /** Execution providers in order of preference, e.g. ["cuda", "cpu"]. */
  readonly providers: readonly string[];
  /** Fail when the first provider does not load instead of falling back. */
  readonly strict: boolean;
  /** Intra-op threads of every session (fixed so results are reproducible). */
  readonly threads: number;
  readonly method: AttributionMethod;
  readonly seed: number;
  readonly validationSize: number;
  readonly hidden: number;
  readonly training: { readonly epochs: number; readonly batchSize: number; readonly learningRate: number; readonly weightDecay: number };
  /** Rows per forward batch and per feature chunk. */
  readonly batchSize: number;
  readonly influence: { readonly damping: number };
  readonly tracin: { readonly checkpoints: number; readonly ranks: ProjectionRanksConfig };
  /** TRAK: `models` independent runs, `checkpoints` of each (evenly spaced over the epochs, ending at the final weights; at most one per epoch; absent = 1, the final weights). */
  readonly trak: {
    readonly models: number;
    readonly checkpoints?: number;
    readonly damping: number;
    readonly ranks: ProjectionRanksConfig;
  };
  readonly knnShapley: { readonly k: number };
  readonly partitions: readonly PartitionConfig[];
  /** Near-duplicate stage before training (attribution/near-duplicates.ts). Optional: absent means
   *  on with DEFAULT_NEAR_DUPLICATES; enabled false trains on every row as registered (copies too). */
  readonly nearDuplicates?: NearDuplicateConfig;
  /** Label-consistency stage after training (attribution/label-consistency.ts). Optional: absent
   *  means DEFAULT_LABEL_CONSISTENCY; flagged rows (label improbable under the model) are paid 0 (score capped at 0). */
  readonly labelConsistency?: LabelConsistencyConfig;
  /** Feature-space near duplicates, for scoring a trainer's ONNX model (score --model --data). Optional:
   *  absent means DEFAULT_FEATURE_DUPLICATES. */
  readonly featureDuplicates?: FeatureDuplicateConfig;
  readonly eval: {
    readonly trainSize: number;
    readonly targets: number;
    readonly subsets: number;
    readonly mislabelFraction: number;
    readonly mislabelTrainSize: number;
    readonly throughputSize: number;
    /** The second model of the LDS evaluation (`eval:attribution --model conv`, attribution/conv-net.ts):
     *  Conv filters x kernel^2 with stride, no padding, ReLU, a hidden ReLU layer, the classes; trained
     *  as `training` says, scored by the generic ONNX path. Optional, so records made before it still verify. */
    readonly conv?: { readonly filters: number; readonly kernel: number; readonly stride: number; readonly hidden: number };
  };
}

function int(file: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(file, field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function real(file: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(file, field, `expected a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function ranks(file: string, field: string, r: ProjectionRanksConfig | undefined): void {
  int(file, `${field}.input`, r?.input, 1, 256);
  int(file, `${field}.delta`, r?.delta, 1, 256);
  int(file, `${field}.activation`, r?.activation, 1, 256);
}

/** Validates the attribution section; throws ConfigError naming the field. */
export function parseAttributionConfig(raw: unknown, file: string): AttributionConfig {
  const a = raw as AttributionConfig | undefined;
  if (typeof a !== "object" || a === null) throw new ConfigError(file, "attribution", "expected an object");
  if (!Array.isArray(a.providers) || a.providers.length === 0 || !a.providers.every((p) => typeof p === "string" && /^[a-z]+$/.test(p))) {
    throw new ConfigError(
      file,
      "attribution.providers",
      `expected a non-empty list of provider names such as ["cuda", "cpu"], got ${JSON.stringify(a.providers)}`,
    );
  }
  if (new Set(a.providers).size !== a.providers.length) throw new ConfigError(file, "attribution.providers", "a provider is listed twice");
  if (typeof a.strict !== "boolean") throw new ConfigError(file, "attribution.strict", "expected true or false");
  int(file, "attribution.threads", a.threads, 1, 256);
  if (!ATTRIBUTION_METHODS.includes(a.method)) {
    throw new ConfigError(file, "attribution.method", `expected one of ${ATTRIBUTION_METHODS.join(", ")}, got ${JSON.stringify(a.method)}`);
  }
  int(file, "attribution.seed", a.seed, 0, 2 ** 32 - 1);
  int(file, "attribution.validationSize", a.validationSize, 10, 5000);
  int(file, "attribution.hidden", a.hidden, 1, 4096);
  int(file, "attribution.training.epochs", a.training?.epochs, 1, 1000);
  int(file, "attribution.training.batchSize", a.training.batchSize, 1, 65536);
  real(file, "attribution.training.learningRate", a.training.learningRate, 1e-9, 10);
  real(file, "attribution.training.weightDecay", a.training.weightDecay, 0, 1);
  int(file, "attribution.batchSize", a.batchSize, 1, 65536);
  real(file, "attribution.influence.damping", a.influence?.damping, 1e-9, 1e3);
  int(file, "attribution.tracin.checkpoints", a.tracin?.checkpoints, 1, 1000);
  if (a.tracin.checkpoints > a.training.epochs)
    throw new ConfigError(file, "attribution.tracin.checkpoints", "cannot exceed training.epochs (one checkpoint per epoch)");
  ranks(file, "attribution.tracin.ranks", a.tracin.ranks);
  int(file, "attribution.trak.models", a.trak?.models, 1, 100);
  // More checkpoints than epochs means every epoch (pickCheckpoints clamps), so test-size configs
  // with a few epochs can keep the repository's TRAK settings.
  if (a.trak.checkpoints !== undefined) int(file, "attribution.trak.checkpoints", a.trak.checkpoints, 1, 1000);
  real(file, "attribution.trak.damping", a.trak.damping, 1e-9, 1e3);
  ranks(file, "attribution.trak.ranks", a.trak.ranks);
  int(file, "attribution.knnShapley.k", a.knnShapley?.k, 1, 1000);
  if (!Array.isArray(a.partitions) || a.partitions.length === 0)
    throw new ConfigError(file, "attribution.partitions", "expected a non-empty list");
  const labels = new Set<string>();
  a.partitions.forEach((p, i) => {
    const f = `attribution.partitions[${i}]`;
    if (typeof p?.label !== "string" || p.label === "") throw new ConfigError(file, `${f}.label`, "expected a non-empty string");
    if (labels.has(p.label))
      throw new ConfigError(file, `${f}.label`, `${JSON.stringify(p.label)} is used twice; the label names the contributor's key`);
    labels.add(p.label);
    if (!["clean", "noisy", "duplicate"].includes(p.kind))
      throw new ConfigError(file, `${f}.kind`, `expected clean, noisy or duplicate, got ${JSON.stringify(p.kind)}`);
    int(file, `${f}.size`, p.size, 1, 10000);
    if (p.kind === "noisy") real(file, `${f}.noise`, p.noise, 0, 1);
    if (p.kind === "duplicate") {
      int(file, `${f}.source`, p.source, 0, i - 1);
      if (a.partitions[p.source!]!.kind === "duplicate")
        throw new ConfigError(file, `${f}.source`, "must name a contributor with data of its own");
      if (p.size > a.partitions[p.source!]!.size) throw new ConfigError(file, `${f}.size`, "cannot exceed the source contributor's size");
    }
  });
  if (a.nearDuplicates !== undefined) {
    const n = a.nearDuplicates;
    if (typeof n !== "object" || n === null) throw new ConfigError(file, "attribution.nearDuplicates", "expected an object");
    if (typeof n.enabled !== "boolean") throw new ConfigError(file, "attribution.nearDuplicates.enabled", "expected true or false");
    real(file, "attribution.nearDuplicates.threshold", n.threshold, 0, 1);
    if (n.validationThreshold !== undefined) real(file, "attribution.nearDuplicates.validationThreshold", n.validationThreshold, 0, 1);
    int(file, "attribution.nearDuplicates.maxShift", n.maxShift, 0, 8);
    int(file, "attribution.nearDuplicates.tables", n.tables, 1, 256);
    int(file, "attribution.nearDuplicates.bits", n.bits, 1, 30);
    real(file, "attribution.nearDuplicates.gate", n.gate, -1, 1);
    if (n.rotations !== undefined) {
      if (!Array.isArray(n.rotations))
        throw new ConfigError(file, "attribution.nearDuplicates.rotations", "expected a list of angles in degrees");
      n.rotations.forEach((r, i) => real(file, `attribution.nearDuplicates.rotations[${i}]`, r, -45, 45));
    }
    if (n.rotationGate !== undefined) real(file, "attribution.nearDuplicates.rotationGate", n.rotationGate, -1, 1);
  }
  if (a.featureDuplicates !== undefined) {
    const f = a.featureDuplicates;
    if (typeof f !== "object" || f === null) throw new ConfigError(file, "attribution.featureDuplicates", "expected an object");
    if (typeof f.enabled !== "boolean") throw new ConfigError(file, "attribution.featureDuplicates.enabled", "expected true or false");
    real(file, "attribution.featureDuplicates.threshold", f.threshold, 0, 1);
    real(file, "attribution.featureDuplicates.validationThreshold", f.validationThreshold, 0, 1);
  }
  if (a.labelConsistency !== undefined) {
    const l = a.labelConsistency;
    if (typeof l !== "object" || l === null) throw new ConfigError(file, "attribution.labelConsistency", "expected an object");
    if (typeof l.enabled !== "boolean") throw new ConfigError(file, "attribution.labelConsistency.enabled", "expected true or false");
    real(file, "attribution.labelConsistency.threshold", l.threshold, 0, 1);
    real(file, "attribution.labelConsistency.confidence", l.confidence, 0, 1);
    if (l.ensemble !== undefined) {
      if (typeof l.ensemble !== "object" || l.ensemble === null)
        throw new ConfigError(file, "attribution.labelConsistency.ensemble", "expected { threshold, confidence }");
      real(file, "attribution.labelConsistency.ensemble.threshold", l.ensemble.threshold, 0, 1);
      real(file, "attribution.labelConsistency.ensemble.confidence", l.ensemble.confidence, 0, 1);
    }
    if (l.contributors !== undefined) {
      if (typeof l.contributors !== "object" || l.contributors === null)
        throw new ConfigError(file, "attribution.labelConsistency.contributors", "expected { fraction, minFlagged, threshold }");
      real(file, "attribution.labelConsistency.contributors.fraction", l.contributors.fraction, 0, 1);
      int(file, "attribution.labelConsistency.contributors.minFlagged", l.contributors.minFlagged, 1, 1_000_000);
      real(file, "attribution.labelConsistency.contributors.threshold", l.contributors.threshold, 0, 1);
    }
  }
  const e = a.eval;
  int(file, "attribution.eval.trainSize", e?.trainSize, 20, 9000);
  int(file, "attribution.eval.targets", e.targets, 2, a.validationSize);
  int(file, "attribution.eval.subsets", e.subsets, 2, 1000);
  real(file, "attribution.eval.mislabelFraction", e.mislabelFraction, 0.001, 0.5);
  int(file, "attribution.eval.mislabelTrainSize", e.mislabelTrainSize, 20, 9000);
  int(file, "attribution.eval.throughputSize", e.throughputSize, 1, 100000);
  if (e.conv !== undefined) {
    int(file, "attribution.eval.conv.filters", e.conv.filters, 1, 256);
    int(file, "attribution.eval.conv.kernel", e.conv.kernel, 1, 28);
    int(file, "attribution.eval.conv.stride", e.conv.stride, 1, 28);
    int(file, "attribution.eval.conv.hidden", e.conv.hidden, 1, 4096);
  }
  return a;
}
