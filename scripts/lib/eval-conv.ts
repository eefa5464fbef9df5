/**
 * `eval:attribution --model conv`: the LDS of the generic ONNX path (what `score --model` runs) on
 * a second model, the small conv net of attribution/conv-net.ts, trained here layer by layer.
 * Every model (the subsets' and the scored ones) is exported to ONNX and read back as a trainer's
 * file would be: its features found in the graph, forward passes by classifyModels, the method by
 * lastLayerAttribution (last-layer gradients only: the conv and hidden layers are trained but not
 * differentiated through), tau(j, i) by attributionMatrix. TRAK-MxC scores M conv nets trained with
 * TRAK's ensemble seeds, C checkpoints of each (evenly spaced, ending at the final weights), given
 * to the generic path as the model (the first run's final weights) and its checkpoints.
 */
import type { AttributionConfig } from "../../config/attribution.ts";
import type { LabelledArrays } from "../../dataset/index.ts";
import {
  accuracy, attributionMatrix, classifyArrays, classifyModels, convInferenceModel, lastLayerAttribution, lds, loadClassifier, subset, trainConvNet,
  type ConvShape, type Dataset, type ProviderOptions,
} from "../../attribution/index.ts";
import { losses } from "../../attribution/features.ts";
import { pickCheckpoints } from "../../attribution/methods/tracin.ts";
import { ensembleSeed } from "../../attribution/session.ts";
import type { RetrainedSubsets } from "./lds-subsets.ts";

/** Digits as the labelled arrays a trainer's .bin gives the generic path (bytes, fed as value / 255). */
export function imageArrays(d: Dataset): LabelledArrays {
  return { size: d.size, rowShape: [d.images.length / d.size], values: Float32Array.from(d.images), bytes: true, labels: Int32Array.from(d.labels) };
}

/** log p_y of every row of `arrays` under the ONNX classifier `model`: the LDS's measured output. */
export async function onnxLogPy(model: Uint8Array, arrays: LabelledArrays, providers: ProviderOptions, batchSize: number): Promise<Float64Array> {
  const c = await loadClassifier(model, {}, providers);
  try {
    const out = await classifyArrays(c, arrays, batchSize);
    return losses(out, arrays.labels, out.classes).map((x) => -x);
  } finally {
    await c.session.release();
  }
}

/** The conv net trained on `data` with `seed` (SGD settings from attribution.training). */
export function trainConv(data: Dataset, shape: ConvShape, settings: AttributionConfig, providers: ProviderOptions, seed: number) {
  return trainConvNet(data, shape, { ...settings.training, seed, providers });
}

/**
 * The LDS of `settings.method` (TRAK: `trak.models` runs x `trak.checkpoints`) on the retrained
 * subsets, its wall time (training, export, scoring) and its main model's accuracy on `validation`.
 */
export async function convLds(
  settings: AttributionConfig, shape: ConvShape, train: Dataset, targets: Dataset, validation: Dataset, retrained: RetrainedSubsets, providers: ProviderOptions,
): Promise<{ lds: number; seconds: number; accuracy: number }> {
  const t = performance.now();
  const trak = settings.method === "trak";
  const views: Uint8Array[] = [];
  for (let m = 0; m < (trak ? settings.trak.models : 1); m++) {
    const run = await trainConv(train, shape, settings, providers, m === 0 ? settings.seed : ensembleSeed(settings.seed, m));
    // The generic path's model is the first run's final weights; every other view is a "checkpoint".
    const picked = pickCheckpoints(run.checkpoints.length, trak ? settings.trak.checkpoints ?? 1 : 1).reverse();
    for (const c of picked) views.push(convInferenceModel(shape, run.checkpoints[c]!.params));
  }
  const trainArrays = imageArrays(train);
  const targetArrays = imageArrays(targets);
  const { outputs } = await classifyModels(views, {}, trainArrays, Array.from({ length: train.size }, (_, i) => i), targetArrays, providers, settings.batchSize);
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

/** The conv net's subsets: each retrained, exported and its targets' log p_y read through the generic path. */
export function convRetrain(shape: ConvShape, train: Dataset, targets: Dataset, settings: AttributionConfig, providers: ProviderOptions) {
  const targetArrays = imageArrays(targets);
  return async (members: readonly number[], seed: number) => {
    const run = await trainConv(subset(train, members), shape, settings, providers, seed);
    return onnxLogPy(convInferenceModel(shape, run.params), targetArrays, providers, settings.batchSize);
  };
}
