/**
 * The scoring core of the generic ONNX path, without its defences and output: forward passes of a
 * classifier (and its checkpoints) over labelled arrays, and a method's attribution from their
 * last-layer outputs. scoreOnnxClassifier (onnx-pipeline.ts, `score --model`) and the evaluation
 * (`eval:attribution --model conv`, which needs tau(j, i) per validation row, not only the payout
 * score) both score through these, so what is measured is what is paid.
 *   influence    lastLayerInfluence (EK-FAC damped, attribution.influence.damping), final model;
 *   trak         trakEnsemble over the model and its checkpoints, each a last-layer view projected
 *                to attribution.trak.ranks.activation rows (last-layer-gradients.ts);
 *   knn-shapley  in the final model's feature space;
 *   tracin       refused: it needs each checkpoint's learning rate, which an ONNX file does not carry.
 */
import type { AttributionConfig, AttributionMethod } from "../config/attribution.ts";
import type { LabelledArrays } from "../dataset/index.ts";
import { AttributionError } from "./errors.ts";
import { lastLayerInfluence, type LabelledOutputs } from "./methods/influence.ts";
import { knnShapleyOnFeatures } from "./methods/knn-shapley.ts";
import { lastLayerView } from "./methods/last-layer-gradients.ts";
import { trakEnsemble } from "./methods/trak.ts";
import type { Attribution } from "./methods/types.ts";
import type { ForwardOutputs } from "./model.ts";
import { classify, loadClassifier, type LastLayer, type LayerNames, type OnnxClassifier } from "./onnx-classifier.ts";
import { derive } from "./prng.ts";
import type { ProviderOptions } from "./providers.ts";

/** One model's outputs over the training rows scored and the validation rows. */
export interface ModelOutputs {
  readonly train: ForwardOutputs;
  readonly val: ForwardOutputs;
  readonly hidden: number;
  readonly classes: number;
}

/** Throws METHOD_UNSUPPORTED for a method the generic path cannot run (before any forward pass). */
export function checkOnnxMethod(method: AttributionMethod): void {
  if (method === "tracin")
    throw new AttributionError(
      "METHOD_UNSUPPORTED",
      "tracin needs each checkpoint's learning rate, which an ONNX model does not carry: use trak (with --checkpoint FILE for an ensemble), influence or knn-shapley",
    );
}

/** The model's inputs for `arrays`: reshaped to the model's input dims when they are known and hold a row, bytes / 255. */
function modelInputs(
  arrays: LabelledArrays,
  layer: LastLayer,
  rows?: readonly number[],
): { values: Float32Array; dims: number[]; size: number } {
  const rowSize = arrays.rowShape.reduce((a, b) => a * b, 1);
  const known = layer.inputDims.every((d) => d !== undefined) ? (layer.inputDims as number[]) : undefined;
  const dims = known && known.reduce((a, b) => a * b, 1) === rowSize ? known : [...arrays.rowShape];
  if (known && dims !== known) {
    throw new AttributionError(
      "DATA_INVALID",
      `the model's input ${layer.input} takes rows of [${known.join(", ")}]; the data's rows are [${arrays.rowShape.join(", ")}] (${rowSize} values)`,
    );
  }
  const take = rows ?? Array.from({ length: arrays.size }, (_, i) => i);
  const values = new Float32Array(take.length * rowSize);
  const scale = arrays.bytes ? 1 / 255 : 1;
  take.forEach((r, k) => {
    for (let t = 0; t < rowSize; t++) values[k * rowSize + t] = arrays.values[r * rowSize + t]! * scale;
  });
  return { values, dims, size: take.length };
}

/** Features and logits of `rows` of `arrays` (default all), fed as the model takes them. */
export function classifyArrays(c: OnnxClassifier, arrays: LabelledArrays, batchSize: number, rows?: readonly number[]) {
  const x = modelInputs(arrays, c.layer, rows);
  return classify(c, x.values, x.size, x.dims, batchSize);
}

/**
 * Each model's (the first, then its checkpoints) outputs over the training rows `rows` and every
 * validation row; the first model's layer and provider. Checkpoints must have the model's classes.
 */
export async function classifyModels(
  models: readonly Uint8Array[],
  names: LayerNames,
  train: LabelledArrays,
  rows: readonly number[],
  validation: LabelledArrays,
  providers: ProviderOptions,
  batchSize: number,
): Promise<{ outputs: ModelOutputs[]; layer: LastLayer; provider: string }> {
  const outputs: ModelOutputs[] = [];
  let provider = "";
  let layer: LastLayer | undefined;
  for (const [m, bytes] of models.entries()) {
    const c = await loadClassifier(bytes, names, providers);
    try {
      const trainOut = await classifyArrays(c, train, batchSize, rows);
      const valOut = await classifyArrays(c, validation, batchSize);
      if (m > 0 && trainOut.classes !== outputs[0]!.classes) {
        throw new AttributionError(
          "MODEL_UNSUPPORTED",
          `checkpoint ${m} has ${trainOut.classes} classes, the model ${outputs[0]!.classes}`,
        );
      }
      outputs.push({ train: trainOut, val: valOut, hidden: trainOut.hidden, classes: trainOut.classes });
      if (m === 0) {
        provider = c.provider;
        layer = c.layer;
      }
    } finally {
      await c.session.release();
    }
  }
  return { outputs, layer: layer!, provider };
}

/** `settings.method`'s attribution of the training rows on the validation rows, from the models' last-layer outputs (see the header). */
export async function lastLayerAttribution(
  settings: AttributionConfig,
  outputs: readonly ModelOutputs[],
  trainLabels: Int32Array,
  valLabels: Int32Array,
  providers: ProviderOptions,
): Promise<Attribution> {
  checkOnnxMethod(settings.method);
  const { hidden, classes } = outputs[0]!;
  const labelled = (m: number): { train: LabelledOutputs; val: LabelledOutputs } => ({
    train: { outputs: outputs[m]!.train, labels: trainLabels },
    val: { outputs: outputs[m]!.val, labels: valLabels },
  });
  if (settings.method === "influence") {
    const s = labelled(0);
    return lastLayerInfluence(s.train, s.val, hidden, classes, {
      damping: settings.influence.damping,
      weightDecay: settings.training.weightDecay,
    });
  }
  if (settings.method === "knn-shapley") {
    const s = labelled(0);
    return knnShapleyOnFeatures(s.train, s.val, hidden, { k: settings.knnShapley.k });
  }
  const rank = settings.trak.ranks.activation;
  return trakEnsemble(
    outputs.length,
    async (m) => {
      const s = labelled(m);
      const seed = derive(settings.seed, "trak-projection", m);
      return {
        train: lastLayerView(s.train, outputs[m]!.hidden, classes, rank, seed),
        val: lastLayerView(s.val, outputs[m]!.hidden, classes, rank, seed),
      };
    },
    trainLabels,
    classes,
    { damping: settings.trak.damping, chunk: settings.batchSize },
    providers,
  );
}
