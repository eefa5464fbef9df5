/**
 * npm run eval:attribution [-- --methods influence,tracin,trak,knn-shapley] [--trak-models 10,50,4x5]
 *   [--seed N] [--subsets N] [--train-size N] [--targets N] [--epochs N] [--weight-decay W] [--skip-throughput] [--out FILE]
 *
 * Measures the quality and cost of the attribution methods (sizes from config.attribution.eval):
 *  - LDS (linear datamodeling score): `subsets` models retrained on seeded 50 % subsets of a
 *    training set of `trainSize` digits (each with its own seed), target output log p_y of
 *    `targets` validation digits; Spearman per target between measured outputs and summed
 *    attributions, averaged. Printed next to dattri's published MNIST + MLP figures.
 *  - Mislabel detection: `mislabelFraction` of the labels of `mislabelTrainSize` digits changed;
 *    ROC AUC of three rankings, lowest first: the validation score (the method alone), the payout
 *    score (that score after the label-consistency stage caps flagged rows at 0, as the pipeline
 *    does), and highest self-influence first (tau(i, i), the literature's signal; bilinear methods).
 *  - TRAK variants: `--trak-models` lists M (M independent models, final weights) or MxC (M models,
 *    C checkpoints of each, evenly spaced and ending at the final weights); the configured default is always run.
 *  - `--seed` replaces attribution.seed: the validation split, the LDS subsets and every model seed.
 *  - Throughput: the configured method scoring `throughputSize` training rows on the CPU provider
 *    (9,000 pool digits plus repeats), examples per second; wall time of every stage.
 * Prints tables and writes JSON (bench-results/attribution.json by default). Benchmarks, not tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { config } from "../config/index.ts";
import type { AttributionConfig, AttributionMethod } from "../config/attribution.ts";
import { attributionMatrix, concat, DEFAULT_LABEL_CONSISTENCY, checkLabels, flaggedScore, selfScores, flipLabels, lds, prepareMethod, rocAuc, splitMnist, subset, train, validationScores, type Dataset } from "../attribution/index.ts";
import { losses } from "../attribution/features.ts";
import { derive, Rng } from "../attribution/prng.ts";
import { ensembleOf, mlpShape, providerOptions, runner, trainOptions } from "../attribution/session.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const e = config.attribution.eval;
const { values } = parseArgs({
  options: {
    methods: { type: "string", default: "influence,tracin,trak,knn-shapley" },
    "trak-models": { type: "string", default: "10,50" },
    seed: { type: "string", default: String(config.attribution.seed) },
    subsets: { type: "string", default: String(e.subsets) },
    "train-size": { type: "string", default: String(e.trainSize) },
    targets: { type: "string", default: String(e.targets) },
    "skip-throughput": { type: "boolean", default: false },
    epochs: { type: "string", default: String(config.attribution.training.epochs) },
    "weight-decay": { type: "string", default: String(config.attribution.training.weightDecay) },
    out: { type: "string", default: join(ROOT, "bench-results", "attribution.json") },
  },
});
const methods = values.methods.split(",") as AttributionMethod[];
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

interface Variant { readonly name: string; readonly method: AttributionMethod; readonly settings: AttributionConfig }
const variants: Variant[] = methods.flatMap((method): Variant[] =>
  method === "trak"
    ? trakVariants.map((t) => ({ name: t.name, method, settings: { ...base, method, trak: { ...base.trak, models: t.models, checkpoints: t.checkpoints } } }))
    : [{ name: method, method, settings: { ...base, method } }],
);

async function inputFor(data: Dataset, validation: Dataset, settings: AttributionConfig) {
  const model = await train(data, trainOptions(settings, providers));
  return { shape, train: data, validation, model, ensemble: ensembleOf(model, data, settings, providers), run, providers };
}

// ---- LDS
console.log(`LDS: ${subsets} subsets of 50 % of ${trainSize} digits, ${targets} validation targets`);
let t = performance.now();
const ldsTrain = subset(split.pool, Array.from({ length: trainSize }, (_, i) => i));
const ldsTargets = subset(split.validation, Array.from({ length: targets }, (_, i) => i));
const masks: Uint8Array[] = [];
const outputs: Float64Array[] = [];
for (let s = 0; s < subsets; s++) {
  const order = new Rng(derive(base.seed, "lds-subset", s)).permutation(trainSize);
  const members = Array.from(order.subarray(0, trainSize / 2)).sort((a, b) => a - b);
  const mask = new Uint8Array(trainSize);
  for (const i of members) mask[i] = 1;
  const seed = Number(BigInt.asUintN(32, derive(base.seed, "lds-seed", s)));
  const model = await train(subset(ldsTrain, members), trainOptions(base, providers, seed));
  masks.push(mask);
  outputs.push(losses(await run(model.params, ldsTargets), ldsTargets.labels, shape.classes).map((x) => -x));
}
const retrainSeconds = seconds(t);
const ldsRows: { method: string; lds: number; dattri: number | null; seconds: number }[] = [];
for (const v of variants) {
  t = performance.now();
  const input = await inputFor(ldsTrain, ldsTargets, v.settings);
  const attribution = await prepareMethod(v.method, input, v.settings);
  const tau = await attributionMatrix(attribution, trainSize, targets, base.batchSize, providers);
  ldsRows.push({ method: v.name, lds: lds(tau, trainSize, masks, outputs), dattri: DATTRI[v.name] ?? null, seconds: seconds(t) });
  console.log(`  ${v.name}: ${ldsRows.at(-1)!.lds.toFixed(3)} (${ldsRows.at(-1)!.seconds.toFixed(1)} s)`);
}

// ---- mislabel detection
const mislabelSize = e.mislabelTrainSize;
console.log(`Mislabel detection: ${e.mislabelFraction * 100} % of ${mislabelSize} labels changed`);
const noisy = subset(split.pool, Array.from({ length: mislabelSize }, (_, i) => split.pool.size - 1 - i));
const flipped = flipLabels(noisy, e.mislabelFraction, derive(base.seed, "eval-mislabel"));
const aucRows: { method: string; auc: number; payoutAuc: number; selfAuc: number | null; seconds: number }[] = [];
const lc = base.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY;
const isFlipped = [...flipped].map(Boolean);
for (const v of variants) {
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
  if (lc.enabled) for (const i of (await checkLabels(lc, v.settings, input.model, input.ensemble, run, noisy, shape.classes)).rows) payout[i] = flaggedScore(payout[i]!);
  aucRows.push({ method: v.name, auc: rocAuc(scores.map((s) => -s), isFlipped), payoutAuc: rocAuc(payout.map((s) => -s), isFlipped), selfAuc, seconds: seconds_ });
  const a = aucRows.at(-1)!;
  console.log(`  ${v.name}: AUC ${a.auc.toFixed(3)} (validation score), ${a.payoutAuc.toFixed(3)} (payout score), ${selfAuc === null ? "-" : selfAuc.toFixed(3)} (self-influence)`);
}

// ---- throughput of the configured method
let throughput: Record<string, number | string> | undefined;
if (!values["skip-throughput"]) {
  const n = e.throughputSize;
  const rows = Array.from({ length: n }, (_, i) => i % split.pool.size);
  const data = concat(subset(split.pool, rows));
  const settings = { ...base, method: config.attribution.method };
  const stages: Record<string, number> = {};
  t = performance.now();
  const model = await train(data, trainOptions(settings, providers));
  stages.train = seconds(t);
  const input = { shape, train: data, validation: split.validation, model, ensemble: ensembleOf(model, data, settings, providers), run, providers };
  t = performance.now();
  if (settings.method === "trak") await input.ensemble();
  stages.trainEnsemble = seconds(t);
  t = performance.now();
  const attribution = await prepareMethod(settings.method, input, settings);
  validationScores(attribution, n, split.validation.size, settings.batchSize);
  stages.score = seconds(t);
  throughput = { method: settings.method === "trak" ? defaultTrak : settings.method, examples: n, validation: split.validation.size, ...stages, examplesPerSecond: n / stages.score, examplesPerSecondWithEnsemble: n / (stages.score + stages.trainEnsemble) };
}

// ---- report
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "  -  " : x.toFixed(3));
console.log(`\nseed ${base.seed}; label consistency ${lc.enabled ? `p(label) < ${lc.threshold}, other >= ${lc.confidence}${lc.ensemble ? ` (TRAK, by its views: < ${lc.ensemble.threshold}, >= ${lc.ensemble.confidence})` : ""}` : "off"}`);
console.log("                      dattri  mislabel AUC  mislabel AUC    mislabel AUC");
console.log("method        LDS     LDS     (val. score)  (payout score)  (self-infl.)  LDS time (s)");
for (const r of ldsRows) {
  const a = aucRows.find((x) => x.method === r.method);
  console.log(`${r.method.padEnd(12)}  ${r.lds.toFixed(3)}   ${r.dattri === null ? "  -  " : r.dattri.toFixed(2).padStart(5)}   ${f3(a?.auc)}         ${f3(a?.payoutAuc)}           ${f3(a?.selfAuc)}         ${r.seconds.toFixed(1)}`);
}
console.log(`retraining ${subsets} subset models: ${retrainSeconds.toFixed(1)} s`);
if (throughput) {
  console.log(`\nthroughput (${throughput.method}, ${throughput.examples} examples, CPU, ${base.threads} thread(s)):`);
  console.log(`  train ${Number(throughput.train).toFixed(2)} s, ensemble ${Number(throughput.trainEnsemble).toFixed(2)} s, score ${Number(throughput.score).toFixed(2)} s`);
  console.log(`  ${Number(throughput.examplesPerSecond).toFixed(0)} examples/s scoring (${Number(throughput.examplesPerSecondWithEnsemble).toFixed(0)} with ensemble training)`);
}
const report = {
  settings: { subsets, trainSize, targets, seed: base.seed, hidden: base.hidden, training: base.training, threads: base.threads, mislabelFraction: e.mislabelFraction, mislabelTrainSize: mislabelSize, labelConsistency: lc, ldsTarget: "log p_y of each validation target; each subset model has its own seed" },
  lds: ldsRows, mislabel: aucRows, retrainSeconds, throughput,
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${values.out}`);
