/**
 * npm run eval:attribution [-- --model mlp|conv|mlp-onnx] [--methods influence,tracin,trak,knn-shapley] [--trak-models 10,50,4x5]
 *   [--seed N] [--subsets N] [--train-size N] [--targets N] [--epochs N] [--weight-decay W] [--skip-throughput] [--out FILE]
 *
 * Measures the quality and cost of the attribution methods (sizes from config.attribution.eval):
 *  - LDS (linear datamodeling score): `subsets` models retrained on seeded 50 % subsets of a
 *    training set of `trainSize` digits (each with its own seed), target output log p_y of
 *    `targets` validation digits; Spearman per target between measured outputs and summed
 *    attributions, averaged. Printed next to dattri's published MNIST + MLP figures.
 *  - `--model conv`: the same LDS protocol (subsets, seeds, targets) on the conv net of
 *    attribution/conv-net.ts (config attribution.eval.conv), trained here and scored through the
 *    generic ONNX path (scripts/lib/eval-onnx.ts); `--model mlp-onnx`: the MNIST MLP exported and
 *    scored through that path (last-layer gradients only), to tell the architecture's share of a
 *    difference from the path's. LDS and the model's accuracy only (tracin is refused by that
 *    path; no mislabel or throughput sections).
 *  - Mislabel detection: `mislabelFraction` of the labels of `mislabelTrainSize` digits changed;
 *    ROC AUC of three rankings, lowest first: the validation score (the method alone), the payout
 *    score (that score after the label-consistency stage caps flagged rows at 0, as the pipeline
 *    does), and highest self-influence first (tau(i, i), the literature's signal; bilinear methods).
 *  - TRAK variants: `--trak-models` lists M (M independent models, final weights) or MxC (M models,
 *    C checkpoints of each, evenly spaced and ending at the final weights); the configured default is always run.
 *  - `--seed` replaces attribution.seed: the validation split, the LDS subsets and every model seed.
 *  - Throughput: the configured method scoring `throughputSize` training rows on the CPU provider
 *    (9,000 pool digits plus repeats), examples per second; wall time of every stage.
 * Prints tables and writes JSON (bench-results/attribution.json by default, attribution-conv.json or
 *   attribution-mlp-onnx.json for the other models). Benchmarks, not tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { config } from "../config/index.ts";
import type { AttributionConfig, AttributionMethod } from "../config/attribution.ts";
import { concat, splitMnist, subset } from "../attribution/data.ts";
import { checkLabels, DEFAULT_LABEL_CONSISTENCY, flaggedScore } from "../attribution/label-consistency.ts";
import { prepareMethod } from "../attribution/methods/index.ts";
import { lds, rocAuc } from "../attribution/metrics.ts";
import { accuracy } from "../attribution/model.ts";
import { flipLabels } from "../attribution/partitions.ts";
import { attributionMatrix, selfScores, validationScores } from "../attribution/score.ts";
import { train } from "../attribution/train.ts";
import type { Dataset } from "../dataset/index.ts";
import { losses } from "../attribution/features.ts";
import { derive } from "../attribution/prng.ts";
import { ensembleOf, mlpShape, providerOptions, runner, trainOptions } from "../attribution/session.ts";
import { convTrainer, mlpTrainer, onnxLds, onnxRetrain } from "./lib/eval-onnx.ts";
import { retrainSubsets } from "./lib/lds-subsets.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const e = config.attribution.eval;
const { values } = parseArgs({
  options: {
    model: { type: "string", default: "mlp" },
    methods: { type: "string", default: "influence,tracin,trak,knn-shapley" },
    "trak-models": { type: "string", default: "10,50" },
    seed: { type: "string", default: String(config.attribution.seed) },
    subsets: { type: "string", default: String(e.subsets) },
    "train-size": { type: "string", default: String(e.trainSize) },
    targets: { type: "string", default: String(e.targets) },
    "skip-throughput": { type: "boolean", default: false },
    epochs: { type: "string", default: String(config.attribution.training.epochs) },
    "weight-decay": { type: "string", default: String(config.attribution.training.weightDecay) },
    out: { type: "string" },
  },
});
if (!["mlp", "conv", "mlp-onnx"].includes(values.model))
  throw new Error(`--model: mlp, conv or mlp-onnx, got ${JSON.stringify(values.model)}`);
const conv = values.model === "conv" ? e.conv : undefined;
if (values.model === "conv" && conv === undefined) throw new Error("--model conv needs attribution.eval.conv in config/protocol.json");
/** Scored through the generic ONNX path (conv, mlp-onnx) rather than the MNIST pipeline's methods. */
const generic = values.model !== "mlp";
const requested = values.methods.split(",") as AttributionMethod[];
// The generic ONNX path refuses tracin (no learning rates in an ONNX file).
const methods = generic ? requested.filter((m) => m !== "tracin") : requested;
if (methods.length < requested.length)
  console.log("tracin: skipped, the generic ONNX path refuses it (an ONNX file carries no learning rates)");
/** TRAK's name for M models x C checkpoints: trak-M when C = 1. */
const trakName = (models: number, checkpoints: number) => `trak-${models}${checkpoints === 1 ? "" : `x${checkpoints}`}`;
const defaultTrak = trakName(config.attribution.trak.models, config.attribution.trak.checkpoints ?? 1);
const trakVariants = [...new Set([...values["trak-models"].split(",").map((v) => `trak-${v}`), defaultTrak])].map((name) => {
  const m = /^trak-(\d+)(?:x(\d+))?$/.exec(name);
  if (!m) throw new Error(`--trak-models: expected M or MxC (models x checkpoints), got ${JSON.stringify(name.slice(5))}`);
  return { name, models: Number(m[1]), checkpoints: Number(m[2] ?? 1) };
});
const subsets = Number(values.subsets);
const trainSize = Number(values["train-size"]);
const targets = Number(values.targets);
if (subsets < 2 || trainSize < 20 || targets < 2) throw new Error("--subsets >= 2, --train-size >= 20, --targets >= 2");

/** dattri (Deng et al. 2024), MNIST-10 + MLP, LDS. */
const DATTRI: Record<string, number> = { tracin: 0.15, influence: 0.26, "trak-10": 0.33, "trak-50": 0.45 };

const base: AttributionConfig = {
  ...config.attribution,
  seed: Number(values.seed),
  providers: ["cpu"],
  strict: true,
  training: { ...config.attribution.training, epochs: Number(values.epochs), weightDecay: Number(values["weight-decay"]) },
};
const providers = providerOptions(base, () => {});
const shape = mlpShape(base);
const run = runner(shape, providers, base.batchSize);
const split = splitMnist(base.seed, base.validationSize);
const seconds = (t: number) => (performance.now() - t) / 1000;

interface Variant {
  readonly name: string;
  readonly method: AttributionMethod;
  readonly settings: AttributionConfig;
}
const variants: Variant[] = methods.flatMap((method): Variant[] =>
  method === "trak"
    ? trakVariants.map((t) => ({
        name: t.name,
        method,
        settings: { ...base, method, trak: { ...base.trak, models: t.models, checkpoints: t.checkpoints } },
      }))
    : [{ name: method, method, settings: { ...base, method } }],
);

async function inputFor(data: Dataset, validation: Dataset, settings: AttributionConfig) {
  const model = await train(data, trainOptions(settings, providers));
  return { shape, train: data, validation, model, ensemble: ensembleOf(model, data, settings, providers), run, providers };
}

// ---- LDS
console.log(`LDS (${values.model}): ${subsets} subsets of 50 % of ${trainSize} digits, ${targets} validation targets`);
let t = performance.now();
const ldsTrain = subset(
  split.pool,
  Array.from({ length: trainSize }, (_, i) => i),
);
const ldsTargets = subset(
  split.validation,
  Array.from({ length: targets }, (_, i) => i),
);
const onnxTrainer = conv ? convTrainer(conv, base, providers) : mlpTrainer(base, providers);
const retrained = await retrainSubsets(
  base.seed,
  subsets,
  trainSize,
  generic
    ? onnxRetrain(onnxTrainer, ldsTrain, ldsTargets, base, providers)
    : async (members, seed) => {
        const model = await train(subset(ldsTrain, members), trainOptions(base, providers, seed));
        return losses(await run(model.params, ldsTargets), ldsTargets.labels, shape.classes).map((x) => -x);
      },
);
const retrainSeconds = retrained.seconds;
const ldsRows: { method: string; lds: number; dattri: number | null; seconds: number }[] = [];
/** Validation accuracy (all validation digits) of the main model the methods score, trained on the LDS's training digits. */
let modelAccuracy = Number.NaN;
for (const v of variants) {
  let row: { lds: number; seconds: number };
  if (generic) {
    const r = await onnxLds(onnxTrainer, v.settings, ldsTrain, ldsTargets, split.validation, retrained, providers);
    modelAccuracy = r.accuracy;
    row = { lds: r.lds, seconds: r.seconds };
  } else {
    t = performance.now();
    const input = await inputFor(ldsTrain, ldsTargets, v.settings);
    const attribution = await prepareMethod(v.method, input, v.settings);
    const tau = await attributionMatrix(attribution, trainSize, targets, base.batchSize, providers);
    row = { lds: lds(tau, trainSize, retrained.masks, retrained.outputs), seconds: seconds(t) };
    modelAccuracy = accuracy(await run(input.model.params, split.validation), split.validation.labels, shape.classes);
  }
  ldsRows.push({ method: v.name, ...row, dattri: DATTRI[v.name] ?? null });
  console.log(`  ${v.name}: ${row.lds.toFixed(3)} (${row.seconds.toFixed(1)} s)`);
}

// ---- mislabel detection (the MNIST pipeline's; the generic path is measured by LDS only)
const mislabelSize = e.mislabelTrainSize;
const aucRows: { method: string; auc: number; payoutAuc: number; selfAuc: number | null; seconds: number }[] = [];
const lc = base.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY;
if (!generic) console.log(`Mislabel detection: ${e.mislabelFraction * 100} % of ${mislabelSize} labels changed`);
const noisy = subset(
  split.pool,
  Array.from({ length: mislabelSize }, (_, i) => split.pool.size - 1 - i),
);
const flipped = flipLabels(noisy, e.mislabelFraction, derive(base.seed, "eval-mislabel"));
const isFlipped = [...flipped].map(Boolean);
for (const v of generic ? [] : variants) {
  t = performance.now();
  const input = await inputFor(noisy, split.validation, v.settings);
  const scores = validationScores(await prepareMethod(v.method, input, v.settings), noisy.size, split.validation.size, base.batchSize);
  const seconds_ = seconds(t);
  let selfAuc: number | null = null;
  if (v.method !== "knn-shapley") {
    const own = await prepareMethod(v.method, { ...input, validation: noisy }, v.settings);
    if (own.kind === "bilinear") selfAuc = rocAuc(selfScores(own, noisy.size, base.batchSize), isFlipped);
  }
  // The payout score: the pipeline's label-consistency stage on the trained model's logits.
  const payout = scores.slice();
  if (lc.enabled)
    for (const i of (await checkLabels(lc, v.settings, input.model, input.ensemble, run, noisy, shape.classes)).rows)
      payout[i] = flaggedScore(payout[i]!);
  aucRows.push({
    method: v.name,
    auc: rocAuc(
      scores.map((s) => -s),
      isFlipped,
    ),
    payoutAuc: rocAuc(
      payout.map((s) => -s),
      isFlipped,
    ),
    selfAuc,
    seconds: seconds_,
  });
  const a = aucRows.at(-1)!;
  console.log(
    `  ${v.name}: AUC ${a.auc.toFixed(3)} (validation score), ${a.payoutAuc.toFixed(3)} (payout score), ${selfAuc === null ? "-" : selfAuc.toFixed(3)} (self-influence)`,
  );
}

// ---- throughput of the configured method
let throughput: Record<string, number | string> | undefined;
if (!values["skip-throughput"] && !generic) {
  const n = e.throughputSize;
  const rows = Array.from({ length: n }, (_, i) => i % split.pool.size);
  const data = concat(subset(split.pool, rows));
  const settings = { ...base, method: config.attribution.method };
  const stages: Record<string, number> = {};
  t = performance.now();
  const model = await train(data, trainOptions(settings, providers));
  stages.train = seconds(t);
  const input = {
    shape,
    train: data,
    validation: split.validation,
    model,
    ensemble: ensembleOf(model, data, settings, providers),
    run,
    providers,
  };
  t = performance.now();
  if (settings.method === "trak") await input.ensemble();
  stages.trainEnsemble = seconds(t);
  t = performance.now();
  const attribution = await prepareMethod(settings.method, input, settings);
  validationScores(attribution, n, split.validation.size, settings.batchSize);
  stages.score = seconds(t);
  throughput = {
    method: settings.method === "trak" ? defaultTrak : settings.method,
    examples: n,
    validation: split.validation.size,
    ...stages,
    examplesPerSecond: n / stages.score,
    examplesPerSecondWithEnsemble: n / (stages.score + stages.trainEnsemble),
  };
}

// ---- report
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "  -  " : x.toFixed(3));
console.log(
  `\n${conv ? `conv net (filters ${conv.filters}, kernel ${conv.kernel}, stride ${conv.stride}, hidden ${conv.hidden}), generic ONNX path; dattri figures are MNIST + MLP` : generic ? "MNIST MLP exported to ONNX, generic ONNX path (last layer only)" : "MNIST MLP"}; seed ${base.seed}; label consistency ${lc.enabled ? `p(label) < ${lc.threshold}, other >= ${lc.confidence}${lc.ensemble ? ` (TRAK, by its views: < ${lc.ensemble.threshold}, >= ${lc.ensemble.confidence})` : ""}` : "off"}`,
);
console.log("                      dattri  mislabel AUC  mislabel AUC    mislabel AUC");
console.log("method        LDS     LDS     (val. score)  (payout score)  (self-infl.)  LDS time (s)");
for (const r of ldsRows) {
  const a = aucRows.find((x) => x.method === r.method);
  console.log(
    `${r.method.padEnd(12)}  ${r.lds.toFixed(3)}   ${r.dattri === null ? "  -  " : r.dattri.toFixed(2).padStart(5)}   ${f3(a?.auc)}         ${f3(a?.payoutAuc)}           ${f3(a?.selfAuc)}         ${r.seconds.toFixed(1)}`,
  );
}
console.log(
  `retraining ${subsets} subset models: ${retrainSeconds.toFixed(1)} s; main model's validation accuracy ${modelAccuracy.toFixed(3)} (${split.validation.size} digits)`,
);
if (throughput) {
  console.log(`\nthroughput (${throughput.method}, ${throughput.examples} examples, CPU, ${base.threads} thread(s)):`);
  console.log(
    `  train ${Number(throughput.train).toFixed(2)} s, ensemble ${Number(throughput.trainEnsemble).toFixed(2)} s, score ${Number(throughput.score).toFixed(2)} s`,
  );
  console.log(
    `  ${Number(throughput.examplesPerSecond).toFixed(0)} examples/s scoring (${Number(throughput.examplesPerSecondWithEnsemble).toFixed(0)} with ensemble training)`,
  );
}
const report = {
  settings: {
    model: values.model,
    ...(conv ? { conv } : {}),
    subsets,
    trainSize,
    targets,
    seed: base.seed,
    hidden: base.hidden,
    training: base.training,
    threads: base.threads,
    mislabelFraction: e.mislabelFraction,
    mislabelTrainSize: mislabelSize,
    labelConsistency: lc,
    ldsTarget: "log p_y of each validation target; each subset model has its own seed",
  },
  lds: ldsRows,
  accuracy: modelAccuracy,
  mislabel: aucRows,
  retrainSeconds,
  throughput,
};
const out = values.out ?? join(ROOT, "bench-results", values.model === "mlp" ? "attribution.json" : `attribution-${values.model}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${out}`);
