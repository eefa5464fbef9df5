/**
 * Training with onnxruntime itself: each SGD step is one run of the training-step graph
 * (graphs.ts). The result is a pure function of the data, the options and the seed on one
 * machine: initialisation and batch order come from seeded streams, the thread count is fixed.
 * Cost: epochs * size / batchSize session runs of about 6 * batch * (784*hidden) flops.
 */
import * as ort from "onnxruntime-node";
import { CLASSES, oneHot, PIXELS, pixelsAsFloat, type Dataset } from "./data.ts";
import { AttributionError } from "./errors.ts";
import { paramDims, trainingStepModel, type MlpParams, type MlpShape } from "./graphs.ts";
import { derive, Rng } from "./prng.ts";
import { createSession, type LoadedSession, type ProviderOptions } from "./providers.ts";

/**
 * Progress of the attribution stage's long loops (training runs, scoring): `stage` names the loop,
 * so a caller can show one bar per loop; `unit` is what `done` and `total` count.
 */
export type AttributionProgress = (stage: string, done: number, total: number, unit: string) => void;

/** How a network is trained: minibatch SGD with L2 weight decay on the weights, seeded order. */
export interface SgdOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** Seed of the batch order (and, by default, of the initial weights). */
  readonly seed: number;
  readonly providers: ProviderOptions;
  /** Called after each SGD step with the steps done and the total (a progress bar). */
  readonly onStep?: (done: number, total: number) => void;
}

export interface TrainOptions extends SgdOptions {
  readonly hidden: number;
  /** Seed of the initial weights; defaults to `seed`. */
  readonly initSeed?: number;
}

/** A network's parameters by name (an interface such as MlpParams), float32, in the layout its graphs take. */
export type NamedParams<P> = Readonly<Record<keyof P, Float32Array>>;

/** Parameters saved at the end of an epoch, with the learning rate used in it (TracIn). */
export interface Checkpoint<P extends NamedParams<P> = MlpParams> {
  readonly epoch: number;
  readonly learningRate: number;
  readonly params: P;
}

/** What SGD gives: the final parameters, one checkpoint per epoch (the last equals `params`), the mean loss per epoch. */
export interface SgdRun<P extends NamedParams<P>> {
  readonly params: P;
  readonly checkpoints: readonly Checkpoint<P>[];
  readonly epochLosses: readonly number[];
  /** Execution provider that ran the training steps. */
  readonly provider: string;
}

export interface TrainedModel extends SgdRun<MlpParams> {
  readonly shape: MlpShape;
}

/**
 * A training-step graph (graphs.ts headStepNodes and the layers below it): inputs x [B, 784],
 * y one-hot [B, 10], each parameter by name, lr and wd; outputs `<name>_next` and `loss`.
 */
export interface StepGraph {
  /** Cache key of the graph (its architecture and shape). */
  readonly key: string;
  readonly bytes: () => Uint8Array;
  /** Parameter names and the dimensions the graph takes them in. */
  readonly dims: Readonly<Record<string, readonly number[]>>;
}

const sessions = new Map<string, Promise<LoadedSession>>();

/** The session of a training-step graph (cached per process). */
export function stepSession(graph: StepGraph, providers: ProviderOptions): Promise<LoadedSession> {
  const key = JSON.stringify([graph.key, providers.providers, providers.strict, providers.threads]);
  let s = sessions.get(key);
  if (!s) {
    s = createSession(graph.bytes(), providers);
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

/** The training-step session for a shape (cached per process). */
export function trainingSession(shape: MlpShape, providers: ProviderOptions, withGradients = false): Promise<LoadedSession> {
  return stepSession(
    { key: JSON.stringify(["mlp", shape, withGradients]), bytes: () => trainingStepModel(shape, withGradients), dims: paramDims(shape) },
    providers,
  );
}

/** He-normal weights, zero biases, from `seed`. */
export function initialParams(shape: MlpShape, seed: number): MlpParams {
  const rng = new Rng(derive(seed, "init"));
  return {
    w1: heNormal(rng, shape.inputs, shape.inputs * shape.hidden),
    b1: new Float32Array(shape.hidden),
    w2: heNormal(rng, shape.hidden, shape.hidden * shape.classes),
    b2: new Float32Array(shape.classes),
  };
}

/** `n` weights drawn N(0, 2 / fanIn) from `rng` (He initialisation for ReLU layers). */
export function heNormal(rng: Rng, fanIn: number, n: number): Float32Array {
  const w = new Float32Array(n);
  const scale = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * scale;
  return w;
}

function copyParams<P extends NamedParams<P>>(p: P): P {
  return Object.fromEntries(Object.entries<Float32Array>(p).map(([name, v]) => [name, v.slice()])) as unknown as P;
}

/** Trains the MLP on `data` with minibatch SGD run by onnxruntime. */
export async function train(data: Dataset, options: TrainOptions): Promise<TrainedModel> {
  const shape: MlpShape = { inputs: PIXELS, hidden: options.hidden, classes: CLASSES };
  const run = await sgd(
    data,
    await trainingSession(shape, options.providers),
    paramDims(shape),
    initialParams(shape, options.initSeed ?? options.seed),
    options,
  );
  return { shape, ...run };
}

/**
 * Minibatch SGD on `data` from `init`: one run of the step graph's `session` per batch, in a
 * seeded order per epoch (`options.seed`); parameters named by `dims` are fed and read back.
 */
export async function sgd<P extends NamedParams<P>>(
  data: Dataset,
  step: LoadedSession,
  dims: StepGraph["dims"],
  init: P,
  options: SgdOptions,
): Promise<SgdRun<P>> {
  const { session, provider } = step;
  const names = Object.keys(dims) as (keyof P & string)[];
  const x = pixelsAsFloat(data);
  const y = oneHot(data);
  let params = init;
  const lr = new ort.Tensor("float32", Float32Array.of(options.learningRate), []);
  const wd = new ort.Tensor("float32", Float32Array.of(options.weightDecay), []);
  const checkpoints: Checkpoint<P>[] = [];
  const epochLosses: number[] = [];
  const maxBatch = Math.min(options.batchSize, data.size);
  const xb = new Float32Array(maxBatch * PIXELS);
  const yb = new Float32Array(maxBatch * CLASSES);
  const steps = options.epochs * Math.ceil(data.size / maxBatch);
  let done = 0;
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
      for (const p of names) feeds[p] = new ort.Tensor("float32", params[p], dims[p]);
      const out = await session.run(feeds);
      const loss = (out.loss!.data as Float32Array)[0]!;
      if (!Number.isFinite(loss)) {
        throw new AttributionError(
          "TRAINING_DIVERGED",
          `training loss became ${loss} in epoch ${epoch}; lower attribution.training.learningRate`,
        );
      }
      lossSum += loss * n;
      params = Object.fromEntries(names.map((p) => [p, out[`${p}_next`]!.data as Float32Array])) as unknown as P;
      options.onStep?.(++done, steps);
    }
    epochLosses.push(lossSum / data.size);
    checkpoints.push({ epoch, learningRate: options.learningRate, params: copyParams(params) });
  }
  return { params, checkpoints, epochLosses, provider };
}
