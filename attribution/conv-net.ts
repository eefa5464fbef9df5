/**
 * A small convolutional classifier trained here end to end, the second architecture of the
 * attribution evaluation (the generic ONNX path scores it as it would a trainer's model):
 *   x [B, 1, 28, 28] -> Conv filters x kernel^2, stride, no padding -> ReLU -> Flatten
 *     -> Gemm hidden -> ReLU (penultimate features) -> Gemm classes (logits)
 *
 * Training: every layer, by minibatch SGD (train.ts sgd), one onnxruntime run of a step graph per
 * batch. ONNX has no gradient of Conv, so the step graph computes the convolution as patches times
 * weights: a Gather with constant indices [kernel^2, positions] turns x [B, 784] into patches
 * [B, kernel^2, positions], and z = Wc patches + bc is [B, filters, positions], the same numbers
 * (and, flattened, the same order) as Conv's [B, filters, side, side]. Its backward pass is then
 * two products: gWc = sum_b dz_b patches_b^T, gbc = sum over batch and positions of dz, with
 * dz = (dflat reshaped) * relu'(z) and dflat = dz1 W1^T from the MLP head (graphs.ts). The export
 * (inference model) uses a real Conv node with the trained weights, and only the logits as output:
 * the generic path must find the features by reading the graph.
 */
import { CLASSES, PIXELS, type Dataset } from "./data.ts";
import { AXIS0, headStepNodes, sgdUpdates } from "./graphs.ts";
import { encodeModel, ONNX_FLOAT, type NodeSpec } from "./onnx-proto.ts";
import { derive, Rng } from "./prng.ts";
import { heNormal, sgd, stepSession, type SgdOptions, type SgdRun, type StepGraph } from "./train.ts";

const SIDE = 28;

export interface ConvShape {
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly hidden: number;
}

export interface ConvParams {
  /** [filters, kernel^2]: filter f's weight at (ky, kx) is wc[f, ky * kernel + kx] (ONNX Conv's [filters, 1, kernel, kernel]). */
  readonly wc: Float32Array;
  readonly bc: Float32Array;
  /** [filters * positions, hidden], rows in Flatten's order (filter-major). */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

/** Output side of the convolution (ONNX Conv without padding) and the number of positions. */
export function convGeometry(s: ConvShape): { side: number; positions: number } {
  if (!Number.isInteger(s.kernel) || s.kernel < 1 || s.kernel > SIDE)
    throw new RangeError(`kernel must be an integer in [1, ${SIDE}], got ${s.kernel}`);
  if (!Number.isInteger(s.stride) || s.stride < 1) throw new RangeError(`stride must be a positive integer, got ${s.stride}`);
  const side = Math.floor((SIDE - s.kernel) / s.stride) + 1;
  return { side, positions: side * side };
}

function convDims(s: ConvShape): Record<keyof ConvParams, number[]> {
  const flat = s.filters * convGeometry(s).positions;
  return {
    wc: [s.filters, s.kernel * s.kernel],
    bc: [s.filters],
    w1: [flat, s.hidden],
    b1: [s.hidden],
    w2: [s.hidden, CLASSES],
    b2: [CLASSES],
  };
}

/** Pixel index of patch entry (ky * kernel + kx) at position (py * side + px): the Gather that makes patches. */
function patchIndices(s: ConvShape): BigInt64Array {
  const { side, positions } = convGeometry(s);
  const out = new BigInt64Array(s.kernel * s.kernel * positions);
  for (let ky = 0; ky < s.kernel; ky++)
    for (let kx = 0; kx < s.kernel; kx++) {
      for (let py = 0; py < side; py++)
        for (let px = 0; px < side; px++) {
          out[(ky * s.kernel + kx) * positions + py * side + px] = BigInt((py * s.stride + ky) * SIDE + px * s.stride + kx);
        }
    }
  return out;
}

/** Serialised training step (see the header): x [B, 784], y, the parameters, lr, wd -> `<name>_next`, loss. */
export function convStepModel(s: ConvShape): Uint8Array {
  const { positions } = convGeometry(s);
  const d = convDims(s);
  const f = (name: string, shape: (number | string)[]) => ({ name, elemType: ONNX_FLOAT, shape });
  const nodes: NodeSpec[] = [
    { op: "Gather", inputs: ["x", "patch_index"], outputs: ["patches"], attributes: [{ name: "axis", int: 1 }] },
    { op: "MatMul", inputs: ["wc", "patches"], outputs: ["zc"] },
    { op: "Unsqueeze", inputs: ["bc", "axis1"], outputs: ["bc_column"] },
    { op: "Add", inputs: ["zc", "bc_column"], outputs: ["zcb"] },
    { op: "Relu", inputs: ["zcb"], outputs: ["conv"] },
    { op: "Reshape", inputs: ["conv", "flat_shape"], outputs: ["flat"] },
    ...headStepNodes("flat"),
    { op: "Gemm", inputs: ["dz1", "w1"], outputs: ["dflat"], attributes: [{ name: "transB", int: 1 }] },
    { op: "Reshape", inputs: ["dflat", "conv_shape"], outputs: ["dconv"] },
    { op: "Sign", inputs: ["conv"], outputs: ["conv_mask"] },
    { op: "Mul", inputs: ["dconv", "conv_mask"], outputs: ["dzc"] },
    { op: "Transpose", inputs: ["patches"], outputs: ["patches_t"], attributes: [{ name: "perm", ints: [0, 2, 1] }] },
    { op: "MatMul", inputs: ["dzc", "patches_t"], outputs: ["gwc_rows"] },
    { op: "ReduceSum", inputs: ["gwc_rows", "axis0"], outputs: ["gwc"], attributes: [{ name: "keepdims", int: 0 }] },
    { op: "ReduceSum", inputs: ["dzc", "axes02"], outputs: ["gbc"], attributes: [{ name: "keepdims", int: 0 }] },
    ...sgdUpdates(["wc"], ["bc"]),
  ];
  const names = Object.keys(d) as (keyof ConvParams)[];
  return encodeModel({
    name: "conv_sgd_step",
    nodes,
    initializers: [
      AXIS0,
      { name: "axis1", dims: [1], data: BigInt64Array.of(1n) },
      { name: "axes02", dims: [2], data: BigInt64Array.of(0n, 2n) },
      { name: "patch_index", dims: [s.kernel * s.kernel, positions], data: patchIndices(s) },
      { name: "flat_shape", dims: [2], data: BigInt64Array.of(0n, -1n) },
      { name: "conv_shape", dims: [3], data: BigInt64Array.of(0n, BigInt(s.filters), BigInt(positions)) },
    ],
    inputs: [f("x", ["batch", PIXELS]), f("y", ["batch", CLASSES]), ...names.map((p) => f(p, d[p])), f("lr", []), f("wd", [])],
    outputs: [...names.map((p) => f(`${p}_next`, d[p])), f("loss", [1])],
  });
}

/** He-normal weights (fan-in kernel^2, filters * positions, hidden), zero biases, from `seed`. */
export function convInitialParams(s: ConvShape, seed: number): ConvParams {
  const rng = new Rng(derive(seed, "conv-init"));
  const d = convDims(s);
  return {
    wc: heNormal(rng, d.wc[1]!, d.wc[0]! * d.wc[1]!),
    bc: new Float32Array(s.filters),
    w1: heNormal(rng, d.w1[0]!, d.w1[0]! * s.hidden),
    b1: new Float32Array(s.hidden),
    w2: heNormal(rng, s.hidden, s.hidden * CLASSES),
    b2: new Float32Array(CLASSES),
  };
}

/** Trains every layer of the conv net on `data` (SGD as the MLP: same options, step graph above). */
export async function trainConvNet(data: Dataset, shape: ConvShape, options: SgdOptions): Promise<SgdRun<ConvParams>> {
  const graph: StepGraph = { key: JSON.stringify(["conv", shape]), bytes: () => convStepModel(shape), dims: convDims(shape) };
  return sgd(data, await stepSession(graph, options.providers), graph.dims, convInitialParams(shape, options.seed), options);
}

/** The trained net as an ONNX classifier: x [batch, 1, 28, 28] -> Conv -> ... -> `logits` (the only output). */
export function convInferenceModel(s: ConvShape, p: ConvParams): Uint8Array {
  const d = convDims(s);
  return encodeModel({
    name: "conv_classifier",
    nodes: [
      {
        op: "Conv",
        inputs: ["x", "wc", "bc"],
        outputs: ["c"],
        attributes: [
          { name: "kernel_shape", ints: [s.kernel, s.kernel] },
          { name: "strides", ints: [s.stride, s.stride] },
        ],
      },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "Flatten", inputs: ["r"], outputs: ["flat"], attributes: [{ name: "axis", int: 1 }] },
      { op: "Gemm", inputs: ["flat", "w1", "b1"], outputs: ["z1"] },
      { op: "Relu", inputs: ["z1"], outputs: ["h"] },
      { op: "Gemm", inputs: ["h", "w2", "b2"], outputs: ["logits"] },
    ],
    initializers: [
      { name: "wc", dims: [s.filters, 1, s.kernel, s.kernel], data: p.wc },
      { name: "bc", dims: d.bc, data: p.bc },
      { name: "w1", dims: d.w1, data: p.w1 },
      { name: "b1", dims: d.b1, data: p.b1 },
      { name: "w2", dims: d.w2, data: p.w2 },
      { name: "b2", dims: d.b2, data: p.b2 },
    ],
    inputs: [{ name: "x", elemType: ONNX_FLOAT, shape: ["batch", 1, SIDE, SIDE] }],
    outputs: [{ name: "logits", elemType: ONNX_FLOAT, shape: ["batch", CLASSES] }],
  });
}
