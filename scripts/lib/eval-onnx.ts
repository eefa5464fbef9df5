/**
 * `eval:attribution --model conv | mlp-onnx`: the LDS of the generic ONNX path (what
 * `score --model` runs) on a model trained here: the small conv net of attribution/conv-net.ts,
 * trained layer by layer, or the MNIST MLP itself. Every model (the subsets' and the scored ones)
 * is exported to ONNX and read back as a trainer's file would be: its features found in the graph
 * (the conv net has only `logits` as output), forward passes by classifyModels, the method by
 * lastLayerAttribution (last-layer gradients only: the layers below are trained but not
 * differentiated through), tau(j, i) by attributionMatrix. TRAK-MxC scores M runs trained with
 * TRAK's ensemble seeds, C checkpoints of each (evenly spaced, ending at the final weights), given
 * to the generic path as the model (the first run's final weights) and its checkpoints.
 */
import type { AttributionConfig } from "../../config/attribution.ts";
import type { LabelledArrays, Dataset } from "../../dataset/index.ts";
import { convInferenceModel, trainConvNet, type ConvShape } from "../../attribution/conv-net.ts";
import { subset } from "../../attribution/data.ts";
import { lds } from "../../attribution/metrics.ts";
import { accuracy, exportModel } from "../../attribution/model.ts";
import { classifyArrays, classifyModels, lastLayerAttribution } from "../../attribution/onnx-attribution.ts";
import { loadClassifier } from "../../attribution/onnx-classifier.ts";
import type { ProviderOptions } from "../../attribution/providers.ts";
import { attributionMatrix } from "../../attribution/score.ts";
import { train } from "../../attribution/train.ts";
import { losses } from "../../attribution/features.ts";
import { pickCheckpoints } from "../../attribution/methods/tracin.ts";
import { ensembleSeed, mlpShape, trainOptions } from "../../attribution/session.ts";
import type { RetrainedSubsets } from "./lds-subsets.ts";

/** A training run, exported: one ONNX classifier per epoch's checkpoint (the last = the final weights). */
export interface OnnxRun {
  readonly epochs: number;
  onnx(epoch: number): Uint8Array;
}

/** Trains the model on `data` with `seed` (SGD settings from attribution.training). */
export type OnnxTrainer = (data: Dataset, seed: number) => Promise<OnnxRun>;

/** The conv net of `shape`, trained by conv-net.ts and exported with its Conv node. */
export function convTrainer(shape: ConvShape, settings: AttributionConfig, providers: ProviderOptions): OnnxTrainer {
  return async (data, seed) => {
    const run = await trainConvNet(data, shape, { ...settings.training, seed, providers });
    return { epochs: run.checkpoints.length, onnx: (e) => convInferenceModel(shape, run.checkpoints[e]!.params) };
  };
}

/** The MNIST MLP, trained as the pipeline trains it and exported as its model.onnx. */
export function mlpTrainer(settings: AttributionConfig, providers: ProviderOptions): OnnxTrainer {
  return async (data, seed) => {
    const model = await train(data, trainOptions(settings, providers, seed));
    return { epochs: model.checkpoints.length, onnx: (e) => exportModel(mlpShape(settings), model.checkpoints[e]!.params).bytes };
  };
}

/** Digits as the labelled arrays a trainer's .bin gives the generic path (bytes, fed as value / 255). */
export function imageArrays(d: Dataset): LabelledArrays {
  return {
    size: d.size,
    rowShape: [d.images.length / d.size],
    values: Float32Array.from(d.images),
    bytes: true,
    labels: Int32Array.from(d.labels),
  };
}

/** log p_y of every row of `arrays` under the ONNX classifier `model`: the LDS's measured output. */
async function onnxLogPy(model: Uint8Array, arrays: LabelledArrays, providers: ProviderOptions, batchSize: number): Promise<Float64Array> {
  const c = await loadClassifier(model, {}, providers);
  try {
    const out = await classifyArrays(c, arrays, batchSize);
    return losses(out, arrays.labels, out.classes).map((x) => -x);
  } finally {
    await c.session.release();
  }
}

/** The subsets' retraining for lds-subsets.ts: each model trained, exported, its targets' log p_y read through the generic path. */
export function onnxRetrain(
  trainer: OnnxTrainer,
  train: Dataset,
  targets: Dataset,
  settings: AttributionConfig,
  providers: ProviderOptions,
) {
  const targetArrays = imageArrays(targets);
  return async (members: readonly number[], seed: number) => {
    const run = await trainer(subset(train, members), seed);
    return onnxLogPy(run.onnx(run.epochs - 1), targetArrays, providers, settings.batchSize);
  };
}

/**
 * The LDS of `settings.method` (TRAK: `trak.models` runs x `trak.checkpoints`) on the retrained
 * subsets, its wall time (training, export, scoring) and its main model's accuracy on `validation`.
 */
export async function onnxLds(
  trainer: OnnxTrainer,
  settings: AttributionConfig,
  train: Dataset,
  targets: Dataset,
  validation: Dataset,
  retrained: RetrainedSubsets,
  providers: ProviderOptions,
): Promise<{ lds: number; seconds: number; accuracy: number }> {
  const t = performance.now();
  const trak = settings.method === "trak";
  const views: Uint8Array[] = [];
  for (let m = 0; m < (trak ? settings.trak.models : 1); m++) {
    const run = await trainer(train, m === 0 ? settings.seed : ensembleSeed(settings.seed, m));
    // The generic path's model is the first run's final weights; every other view is a "checkpoint".
    for (const e of pickCheckpoints(run.epochs, trak ? (settings.trak.checkpoints ?? 1) : 1).reverse()) views.push(run.onnx(e));
  }
  const trainArrays = imageArrays(train);
  const targetArrays = imageArrays(targets);
  const { outputs } = await classifyModels(
    views,
    {},
    trainArrays,
    Array.from({ length: train.size }, (_, i) => i),
    targetArrays,
    providers,
    settings.batchSize,
  );
  const attribution = await lastLayerAttribution(settings, outputs, trainArrays.labels, targetArrays.labels, providers);
  const tau = await attributionMatrix(attribution, train.size, targets.size, settings.batchSize, providers);
  const score = lds(tau, train.size, retrained.masks, retrained.outputs);
  const seconds = (performance.now() - t) / 1000;
  const c = await loadClassifier(views[0]!, {}, providers);
  try {
    const v = imageArrays(validation);
    const out = await classifyArrays(c, v, settings.batchSize);
    return { lds: score, seconds, accuracy: accuracy(out, v.labels, out.classes) };
  } finally {
    await c.session.release();
  }
}
