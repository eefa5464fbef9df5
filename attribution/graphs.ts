/**
 * The two ONNX graphs of the attribution model, a one-hidden-layer MLP
 * (inputs -> hidden ReLU units -> classes):
 *
 * - the TRAINING STEP: forward pass, hand-built backward pass of the mean softmax cross-entropy,
 *   and the SGD update with L2 weight decay, all in one graph that onnxruntime runs per batch.
 *   Inputs x [B,D], y one-hot [B,C], the parameters, lr and wd (scalars); outputs the updated
 *   parameters and the batch loss (and, with `withGradients`, the raw gradients, for tests).
 * - the INFERENCE model: trained weights stored as initializers, outputs the penultimate features
 *   `features` (the ReLU activations) and `logits`, which is all the scoring methods need.
 *
 * Backward pass, with B the batch size, p = softmax(z2), mask = sign(h) (= relu'(z1), h >= 0):
 *   dz2 = (p - y) / B;  gW2 = h^T dz2;  gb2 = sum_rows dz2
 *   dz1 = (dz2 W2^T) * mask;  gW1 = x^T dz1;  gb1 = sum_rows dz1
 *   W <- W - lr (gW + wd W);  b <- b - lr gb
 */
import { encodeModel, ONNX_FLOAT, type NodeSpec } from "./onnx-proto.ts";

export interface MlpShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
}

/** Parameter names, in the order used everywhere (graph inputs, checkpoints, hashes). */
export const PARAM_NAMES = ["w1", "b1", "w2", "b2"] as const;

/** Dimensions of each parameter tensor. */
export function paramDims(s: MlpShape): Record<(typeof PARAM_NAMES)[number], number[]> {
  return { w1: [s.inputs, s.hidden], b1: [s.hidden], w2: [s.hidden, s.classes], b2: [s.classes] };
}

/** MLP parameters as float32 arrays (row-major, W is [in, out]). */
export interface MlpParams {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

/** The MLP's forward pass from `input` [B, inputs]: the ReLU `features`, then the `logits`. */
function headForward(input: string): NodeSpec[] {
  return [
    { op: "Gemm", inputs: [input, "w1", "b1"], outputs: ["z1"] },
    { op: "Relu", inputs: ["z1"], outputs: ["features"] },
    { op: "Gemm", inputs: ["features", "w2", "b2"], outputs: ["logits"] },
  ];
}

/** SGD updates `<name>_next` of `weights` (with L2 weight decay) and `biases` (without), from their gradients `g<name>`. */
export function sgdUpdates(weights: readonly string[], biases: readonly string[]): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  for (const name of weights) {
    nodes.push(
      { op: "Mul", inputs: ["wd", name], outputs: [`${name}_decay`] },
      { op: "Add", inputs: [`g${name}`, `${name}_decay`], outputs: [`${name}_step`] },
      { op: "Mul", inputs: ["lr", `${name}_step`], outputs: [`${name}_delta`] },
      { op: "Sub", inputs: [name, `${name}_delta`], outputs: [`${name}_next`] },
    );
  }
  for (const name of biases) {
    nodes.push(
      { op: "Mul", inputs: ["lr", `g${name}`], outputs: [`${name}_delta`] },
      { op: "Sub", inputs: [name, `${name}_delta`], outputs: [`${name}_next`] },
    );
  }
  return nodes;
}

/**
 * The MLP head's training step from `input` [B, inputs] (the pixels, or a conv layer's flattened
 * activations): forward, the batch `loss`, the backward pass of the header (`dz1` is left for a
 * layer below) and the updates `w1_next` ... `b2_next`. Needs the int64 initializer `axis0` = [0].
 */
export function headStepNodes(input: string): NodeSpec[] {
  return [
    ...headForward(input),
    { op: "LogSoftmax", inputs: ["logits"], outputs: ["logp"], attributes: [{ name: "axis", int: 1 }] },
    { op: "Exp", inputs: ["logp"], outputs: ["p"] },
    {
      op: "Shape",
      inputs: [input],
      outputs: ["bshape"],
      attributes: [
        { name: "start", int: 0 },
        { name: "end", int: 1 },
      ],
    },
    { op: "Cast", inputs: ["bshape"], outputs: ["bsize"], attributes: [{ name: "to", int: ONNX_FLOAT }] },
    { op: "Mul", inputs: ["y", "logp"], outputs: ["ylogp"] },
    { op: "ReduceSum", inputs: ["ylogp"], outputs: ["sumlogp"], attributes: [{ name: "keepdims", int: 0 }] },
    { op: "Neg", inputs: ["sumlogp"], outputs: ["nll"] },
    { op: "Div", inputs: ["nll", "bsize"], outputs: ["loss"] },
    { op: "Sub", inputs: ["p", "y"], outputs: ["err"] },
    { op: "Div", inputs: ["err", "bsize"], outputs: ["dz2"] },
    { op: "Gemm", inputs: ["features", "dz2"], outputs: ["gw2"], attributes: [{ name: "transA", int: 1 }] },
    { op: "ReduceSum", inputs: ["dz2", "axis0"], outputs: ["gb2"], attributes: [{ name: "keepdims", int: 0 }] },
    { op: "Gemm", inputs: ["dz2", "w2"], outputs: ["dh"], attributes: [{ name: "transB", int: 1 }] },
    { op: "Sign", inputs: ["features"], outputs: ["mask"] },
    { op: "Mul", inputs: ["dh", "mask"], outputs: ["dz1"] },
    { op: "Gemm", inputs: [input, "dz1"], outputs: ["gw1"], attributes: [{ name: "transA", int: 1 }] },
    { op: "ReduceSum", inputs: ["dz1", "axis0"], outputs: ["gb1"], attributes: [{ name: "keepdims", int: 0 }] },
    ...sgdUpdates(["w1", "w2"], ["b1", "b2"]),
  ];
}

/** The int64 [0] that headStepNodes' ReduceSums take as their axes. */
export const AXIS0 = { name: "axis0", dims: [1], data: BigInt64Array.of(0n) };

/** Serialised training-step model. */
export function trainingStepModel(s: MlpShape, withGradients = false): Uint8Array {
  const d = paramDims(s);
  const f = (name: string, shape: (number | string)[]) => ({ name, elemType: ONNX_FLOAT, shape });
  const outputs = [...PARAM_NAMES.map((p) => f(`${p}_next`, d[p])), f("loss", [1])];
  if (withGradients) outputs.push(...PARAM_NAMES.map((p) => f(`g${p}`, d[p])));
  return encodeModel({
    name: "mlp_sgd_step",
    nodes: headStepNodes("x"),
    initializers: [AXIS0],
    inputs: [f("x", ["batch", s.inputs]), f("y", ["batch", s.classes]), ...PARAM_NAMES.map((p) => f(p, d[p])), f("lr", []), f("wd", [])],
    outputs,
  });
}

/** Serialised inference model with the trained weights inside: x -> features, logits. */
export function inferenceModel(s: MlpShape, params: MlpParams): Uint8Array {
  const d = paramDims(s);
  return encodeModel({
    name: "mlp_inference",
    nodes: headForward("x"),
    initializers: PARAM_NAMES.map((p) => ({ name: p, dims: d[p], data: params[p] })),
    inputs: [{ name: "x", elemType: ONNX_FLOAT, shape: ["batch", s.inputs] }],
    outputs: [
      { name: "features", elemType: ONNX_FLOAT, shape: ["batch", s.hidden] },
      { name: "logits", elemType: ONNX_FLOAT, shape: ["batch", s.classes] },
    ],
  });
}
