/**
 * Any ONNX classifier, run for attribution: its logits and its penultimate features (the input of
 * the last linear layer) from one forward pass. The last layer's per-example gradient of log p_y
 * is then [h; 1] (y - p)^T in closed form (features.ts), so onnxruntime only ever runs forward.
 *
 * Finding the two tensors:
 *   logits    the output named by the caller, else an output named "logits", else the model's only
 *             output; when that output is a Softmax or LogSoftmax, its input (the logits);
 *   features  the tensor named by the caller, else an output named "features", else read from the
 *             graph: the first input of the final Gemm (transA = 0) producing the logits, or of the
 *             MatMul (weights as its second input, an initializer) producing them directly or
 *             through an Add of a bias; Identity nodes are looked through.
 * A tensor that is not a graph output already is added as one to a rewritten copy of the model
 * (onnx-read.ts appendGraphOutputs); the trainer's own file, and so the model hash, is unchanged.
 * Features must be [batch, hidden] (a Gemm input always is; a MatMul over a sequence is refused:
 * its gradient is a sum over positions, not one outer product).
 */
import * as ort from "onnxruntime-node";
import { AttributionError } from "./errors.ts";
import type { ForwardOutputs } from "./model.ts";
import { ONNX_FLOAT } from "./onnx-proto.ts";
import { appendGraphOutputs, readOnnxGraph, type OnnxGraph, type OnnxNode } from "./onnx-read.ts";
import { createSession, type ProviderOptions } from "./providers.ts";

/** Names of the logits and features tensors, when the caller knows them. */
export interface LayerNames {
  readonly features?: string;
  readonly logits?: string;
}

/** Where the classifier's input, penultimate features and logits are. */
export interface LastLayer {
  readonly input: string;
  /** The input's dimensions after the batch (undefined where symbolic or unknown). */
  readonly inputDims: readonly (number | undefined)[];
  readonly features: string;
  readonly logits: string;
  /** How the features were found: "named" (by the caller or an output name) or the op read ("Gemm", "MatMul"). */
  readonly found: string;
}

const unsupported = (problem: string) => new AttributionError("MODEL_UNSUPPORTED", `ONNX model: ${problem}`);

/** Finds the input, logits and penultimate features of `graph` (see the header). */
export function findLastLayer(graph: OnnxGraph, names: LayerNames = {}): LastLayer {
  const inputs = graph.inputs.filter((v) => !graph.initializers.has(v.name));
  if (inputs.length !== 1)
    throw unsupported(`a classifier has one input, this model has ${inputs.length} (${inputs.map((v) => v.name).join(", ")})`);
  const input = inputs[0]!;
  if (input.elemType !== ONNX_FLOAT)
    throw unsupported(`input ${input.name} has element type ${input.elemType}; only float32 inputs (type 1) are fed`);
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const outputNames = graph.outputs.map((o) => o.name);
  const tensorExists = (name: string) => producer.has(name) || outputNames.includes(name);
  let logits = names.logits ?? (outputNames.includes("logits") ? "logits" : outputNames.length === 1 ? outputNames[0]! : undefined);
  if (logits === undefined) throw unsupported(`outputs ${outputNames.join(", ")}: which are the logits? give their name (--logits NAME)`);
  if (!tensorExists(logits)) throw unsupported(`no tensor named ${JSON.stringify(logits)} (outputs: ${outputNames.join(", ")})`);
  const through = (name: string) => {
    let node = producer.get(name);
    while (node?.op === "Identity") node = producer.get(node.inputs[0]!);
    return node;
  };
  const last = through(logits);
  if (names.logits === undefined && (last?.op === "Softmax" || last?.op === "LogSoftmax")) logits = last.inputs[0]!;
  let features = names.features ?? (outputNames.includes("features") ? "features" : undefined);
  let found = "named";
  if (features === undefined) {
    let node = through(logits);
    if (node?.op === "Add") {
      const [a, b] = node.inputs;
      const other = graph.initializers.has(a!) ? b! : graph.initializers.has(b!) ? a! : undefined;
      node = other === undefined ? undefined : through(other);
      if (node?.op !== "MatMul") node = undefined;
    }
    if (node?.op === "Gemm" && (node.ints.get("transA") ?? 0n) === 0n) features = node.inputs[0]!;
    else if (node?.op === "MatMul" && graph.initializers.has(node.inputs[1]!) && !graph.initializers.has(node.inputs[0]!))
      features = node.inputs[0]!;
    if (features === undefined) {
      throw unsupported(
        `the logits ${JSON.stringify(logits)} do not come from a final Gemm or MatMul with its weights as an initializer (they come from ${last?.op ?? "nowhere"}); give the penultimate tensor's name (--features NAME)`,
      );
    }
    found = node!.op;
  }
  if (!tensorExists(features)) throw unsupported(`no tensor named ${JSON.stringify(features)}`);
  const inputDims = (input.shape ?? []).slice(1).map((d) => (typeof d === "number" && d > 0 ? d : undefined));
  return { input: input.name, inputDims, features, logits, found };
}

/** A classifier loaded on the configured providers, with its last layer located. */
export interface OnnxClassifier {
  readonly layer: LastLayer;
  readonly provider: string;
  readonly session: ort.InferenceSession;
}

/** Loads `model` (ONNX bytes), adding the features and logits as outputs when they are not. */
export async function loadClassifier(model: Uint8Array, names: LayerNames, providers: ProviderOptions): Promise<OnnxClassifier> {
  const graph = readOnnxGraph(model);
  const layer = findLastLayer(graph, names);
  const present = new Set(graph.outputs.map((o) => o.name));
  const extra = [layer.features, layer.logits].filter((n, k, all) => !present.has(n) && all.indexOf(n) === k);
  const bytes =
    extra.length === 0
      ? model
      : appendGraphOutputs(
          model,
          extra.map((name) => ({ name, elemType: ONNX_FLOAT })),
        );
  const { session, provider } = await createSession(bytes, providers);
  return { layer, provider, session };
}

/**
 * Forward passes over `rows` examples of `rowDims` float32 values each (row-major), `batchSize`
 * at a time: the features [rows, hidden] and logits [rows, classes] of every row.
 */
export async function classify(
  c: OnnxClassifier,
  inputs: Float32Array,
  rows: number,
  rowDims: readonly number[],
  batchSize: number,
): Promise<ForwardOutputs & { readonly hidden: number; readonly classes: number }> {
  const rowSize = rowDims.reduce((a, b) => a * b, 1);
  if (inputs.length !== rows * rowSize) throw new RangeError(`inputs must hold ${rows} x ${rowSize} values, got ${inputs.length}`);
  let features = new Float32Array(0);
  let logits = new Float32Array(0);
  let hidden = 0;
  let classes = 0;
  for (let from = 0; from < rows; from += batchSize) {
    const to = Math.min(rows, from + batchSize);
    const x = new ort.Tensor("float32", inputs.subarray(from * rowSize, to * rowSize), [to - from, ...rowDims]);
    const out = await c.session.run({ [c.layer.input]: x });
    const f = out[c.layer.features]!;
    const z = out[c.layer.logits]!;
    if (from === 0) {
      if (f.dims.length !== 2 || z.dims.length !== 2) {
        throw unsupported(
          `features ${c.layer.features} are [${f.dims.join(", ")}] and logits ${c.layer.logits} [${z.dims.join(", ")}]; expected [batch, hidden] and [batch, classes]`,
        );
      }
      hidden = f.dims[1]!;
      classes = z.dims[1]!;
      features = new Float32Array(rows * hidden);
      logits = new Float32Array(rows * classes);
    }
    // Every batch, not only the first: a graph may drop or add rows (a Slice over the batch), and
    // the rows it did not return would otherwise be scored from zeros (found by red-team review).
    const want = [to - from, hidden, to - from, classes];
    const got = [...f.dims, ...z.dims];
    if (got.length !== 4 || got.some((d, k) => d !== want[k])) {
      throw unsupported(
        `rows ${from}..${to - 1}: features ${c.layer.features} are [${f.dims.join(", ")}] and logits ${c.layer.logits} [${z.dims.join(", ")}]; expected [${to - from}, ${hidden}] and [${to - from}, ${classes}], one row per input row`,
      );
    }
    features.set(f.data as Float32Array, from * hidden);
    logits.set(z.data as Float32Array, from * classes);
  }
  return { size: rows, features, logits, hidden, classes };
}
