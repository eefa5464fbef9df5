/**
 * The exported inference model: trained weights inside an ONNX graph whose outputs are the
 * penultimate features and the logits. Its sha256 is the model hash of the epoch. Scoring runs
 * it in batches of `batchSize` rows, so the ONNX side holds one batch at a time; the outputs
 * kept are n * (hidden + classes) floats.
 */
import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { PIXELS, pixelsAsFloat, type Dataset } from "./data.ts";
import { inferenceModel, type MlpParams, type MlpShape } from "./graphs.ts";
import { createSession, type LoadedSession, type ProviderOptions } from "./providers.ts";

/** Serialised inference model and its sha256 (hex). */
export interface ExportedModel {
  readonly shape: MlpShape;
  readonly params: MlpParams;
  readonly bytes: Uint8Array;
  readonly hash: string;
}

export function exportModel(shape: MlpShape, params: MlpParams): ExportedModel {
  const bytes = inferenceModel(shape, params);
  return { shape, params, bytes, hash: createHash("sha256").update(bytes).digest("hex") };
}

/** Outputs of the inference model for a dataset, row-major. */
export interface ForwardOutputs {
  readonly size: number;
  /** [size, hidden] ReLU activations. */
  readonly features: Float32Array;
  /** [size, classes] */
  readonly logits: Float32Array;
}

/** Loads the model on the configured providers. */
export function loadModel(model: ExportedModel, providers: ProviderOptions): Promise<LoadedSession> {
  return createSession(model.bytes, providers);
}

/** Runs the model over `data` in batches of `batchSize`. */
export async function forward(session: ort.InferenceSession, shape: MlpShape, data: Dataset, batchSize: number): Promise<ForwardOutputs> {
  const features = new Float32Array(data.size * shape.hidden);
  const logits = new Float32Array(data.size * shape.classes);
  for (let from = 0; from < data.size; from += batchSize) {
    const to = Math.min(data.size, from + batchSize);
    const x = new ort.Tensor("float32", pixelsAsFloat(data, from, to), [to - from, PIXELS]);
    const out = await session.run({ x });
    features.set(out.features!.data as Float32Array, from * shape.hidden);
    logits.set(out.logits!.data as Float32Array, from * shape.classes);
  }
  return { size: data.size, features, logits };
}

/** Fraction of rows whose largest logit is the label. */
export function accuracy(out: ForwardOutputs, labels: ArrayLike<number>, classes: number): number {
  let right = 0;
  for (let i = 0; i < out.size; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (out.logits[i * classes + c]! > out.logits[i * classes + best]!) best = c;
    if (best === labels[i]) right++;
  }
  return right / out.size;
}
