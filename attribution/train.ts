/**
 * Training with onnxruntime itself: each SGD step is one run of the training-step graph
 * (graphs.ts). The result is a pure function of the data, the options and the seed on one
 * machine: initialisation and batch order come from seeded streams, the thread count is fixed.
 * Cost: epochs * size / batchSize session runs of about 6 * batch * (784*hidden) flops.
 */
import * as ort from "onnxruntime-node";
import { CLASSES, oneHot, PIXELS, pixelsAsFloat, type Dataset } from "./data.ts";
import { AttributionError } from "./errors.ts";
import { paramDims, PARAM_NAMES, trainingStepModel, type MlpParams, type MlpShape } from "./graphs.ts";
import { derive, Rng } from "./prng.ts";
import { createSession, type LoadedSession, type ProviderOptions } from "./providers.ts";

/**
 * Progress of the attribution stage's long loops (training runs, scoring): `stage` names the loop,
 * so a caller can show one bar per loop; `unit` is what `done` and `total` count.
 */
export type AttributionProgress = (stage: string, done: number, total: number, unit: string) => void;

export interface TrainOptions {
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly seed: number;
  /** Seed of the initial weights; defaults to `seed`. */
  readonly initSeed?: number;
  readonly providers: ProviderOptions;
  /** Called after each SGD step with the steps done and the total (a progress bar). */
  readonly onStep?: (done: number, total: number) => void;
}

/** Parameters saved at the end of an epoch, with the learning rate used in it (TracIn). */
export interface Checkpoint {
  readonly epoch: number;
  readonly learningRate: number;
  readonly params: MlpParams;
}

export interface TrainedModel {
  readonly shape: MlpShape;
  readonly params: MlpParams;
  /** One per epoch; the last equals `params`. */
  readonly checkpoints: readonly Checkpoint[];
  /** Mean training loss per epoch. */
  readonly epochLosses: readonly number[];
  /** Execution provider that ran the training steps. */
  readonly provider: string;
}

const sessions = new Map<string, Promise<LoadedSession>>();

/** The training-step session for a shape (cached per process). */
export function trainingSession(shape: MlpShape, providers: ProviderOptions, withGradients = false): Promise<LoadedSession> {
  const key = JSON.stringify([shape, providers.providers, providers.strict, providers.threads, withGradients]);
  let s = sessions.get(key);
  if (!s) {
    s = createSession(trainingStepModel(shape, withGradients), providers);
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

/** He-normal weights, zero biases, from `seed`. */
export function initialParams(shape: MlpShape, seed: number): MlpParams {
  const rng = new Rng(derive(seed, "init"));
  const weights = (fanIn: number, n: number) => {
    const w = new Float32Array(n);
    const scale = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) w[i] = rng.normal() * scale;
    return w;
  };
  return {
    w1: weights(shape.inputs, shape.inputs * shape.hidden),
    b1: new Float32Array(shape.hidden),
    w2: weights(shape.hidden, shape.hidden * shape.classes),
    b2: new Float32Array(shape.classes),
  };
}

function copyParams(p: MlpParams): MlpParams {
  return { w1: p.w1.slice(), b1: p.b1.slice(), w2: p.w2.slice(), b2: p.b2.slice() };
}

/** Trains the MLP on `data` with minibatch SGD run by onnxruntime. */
export async function train(data: Dataset, options: TrainOptions): Promise<TrainedModel> {
  const shape: MlpShape = { inputs: PIXELS, hidden: options.hidden, classes: CLASSES };
  const { session, provider } = await trainingSession(shape, options.providers);
  const dims = paramDims(shape);
  const x = pixelsAsFloat(data);
  const y = oneHot(data);
  let params = initialParams(shape, options.initSeed ?? options.seed);
  const lr = new ort.Tensor("float32", Float32Array.of(options.learningRate), []);
  const wd = new ort.Tensor("float32", Float32Array.of(options.weightDecay), []);
  const checkpoints: Checkpoint[] = [];
  const epochLosses: number[] = [];
  const maxBatch = Math.min(options.batchSize, data.size);
  const xb = new Float32Array(maxBatch * PIXELS);
  const yb = new Float32Array(maxBatch * CLASSES);
  const steps = options.epochs * Math.ceil(data.size / maxBatch);
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = new Rng(derive(options.seed, "order", epoch)).permutation(data.size);
    let lossSum = 0;
    for (let from = 0; from < data.size; from += maxBatch) {
      const n = Math.min(maxBatch, data.size - from);
      for (let k = 0; k < n; k++) {
        const i = order[from + k]!;
        xb.set(x.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
        yb.set(y.subarray(i * CLASSES, (i + 1) * CLASSES), k * CLASSES);
      }
      const feeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor("float32", xb.subarray(0, n * PIXELS), [n, PIXELS]),
        y: new ort.Tensor("float32", yb.subarray(0, n * CLASSES), [n, CLASSES]),
        lr,
        wd,
      };
      for (const p of PARAM_NAMES) feeds[p] = new ort.Tensor("float32", params[p], dims[p]);
      const out = await session.run(feeds);
      const loss = (out.loss!.data as Float32Array)[0]!;
      if (!Number.isFinite(loss)) {
        throw new AttributionError("TRAINING_DIVERGED", `training loss became ${loss} in epoch ${epoch}; lower attribution.training.learningRate`);
      }
      lossSum += loss * n;
      params = {
        w1: out.w1_next!.data as Float32Array,
        b1: out.b1_next!.data as Float32Array,
        w2: out.w2_next!.data as Float32Array,
        b2: out.b2_next!.data as Float32Array,
      };
      options.onStep?.(++step, steps);
    }
    epochLosses.push(lossSum / data.size);
    checkpoints.push({ epoch, learningRate: options.learningRate, params: copyParams(params) });
  }
  return { shape, params, checkpoints, epochLosses, provider };
}
