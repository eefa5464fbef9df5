/**
 * A minimal protobuf reader for the parts of an ONNX ModelProto that finding a classifier's last
 * layer needs: the graph's nodes (inputs, outputs, op type, integer attributes), the names and
 * dims of its initializers, and its inputs and outputs (name, element type, shape). Field numbers
 * are onnx.proto3's, as in onnx-proto.ts (the writer). Tensor data is never decoded or copied, so
 * a model of hundreds of megabytes is walked in place. Anything malformed is an AttributionError
 * MODEL_INVALID naming the message and field.
 *
 * appendGraphOutputs rewrites a model with extra graph outputs (every other byte kept as is), so
 * one forward pass in onnxruntime returns an intermediate tensor beside the logits.
 */
import { AttributionError } from "./errors.ts";
import { encodeValueInfo, type ValueSpec } from "./onnx-proto.ts";

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integer attributes (e.g. Gemm's transA), by name. */
  readonly ints: ReadonlyMap<string, bigint>;
}

export interface OnnxValue {
  readonly name: string;
  /** TensorProto.DataType; 0 when the model does not say. */
  readonly elemType: number;
  /** Dimensions: a number, a symbolic name, or undefined when unknown; undefined shape: unknown rank. */
  readonly shape?: readonly (number | string | undefined)[];
}

export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  /** Initializer name -> dims. */
  readonly initializers: ReadonlyMap<string, readonly number[]>;
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
}

const invalid = (where: string, problem: string) => new AttributionError("MODEL_INVALID", `ONNX model: ${where}: ${problem}`);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** One field of a message: number, wire type, its varint value, and where its tag and value are. */
interface Field {
  readonly field: number;
  readonly wire: number;
  readonly varint: bigint;
  /** Offset of the field's tag. */
  readonly at: number;
  /** A length-delimited value's bytes: [from, to). */
  readonly from: number;
  readonly to: number;
}

/** The fields of the message in bytes[from, to), in order. */
function* fields(bytes: Uint8Array, from: number, to: number, where: string): Generator<Field> {
  let at = from;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= to) throw invalid(where, "truncated varint");
      const b = bytes[at++]!;
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
    throw invalid(where, "varint longer than 10 bytes");
  };
  while (at < to) {
    const tagAt = at;
    const tag = varint();
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let value = 0n;
    let start = at;
    if (wire === 0) value = varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (length > BigInt(to - at)) throw invalid(where, `field ${field} is ${length} bytes long, past the end of its message`);
      start = at;
      at += Number(length);
    } else throw invalid(where, `field ${field} has wire type ${wire}, not one protobuf writes today`);
    if (at > to) throw invalid(where, `field ${field} runs past the end of its message`);
    yield { field, wire, varint: value, at: tagAt, from: start, to: at };
  }
}

/** The fields of a length-delimited field's value (an embedded message). */
function inner(bytes: Uint8Array, f: Field, where: string): Generator<Field> {
  if (f.wire !== 2) throw invalid(where, `field ${f.field}: expected a message, got wire type ${f.wire}`);
  return fields(bytes, f.from, f.to, where);
}

function text(bytes: Uint8Array, f: Field, where: string): string {
  if (f.wire !== 2) throw invalid(where, `field ${f.field}: expected a string, got wire type ${f.wire}`);
  try {
    return utf8.decode(bytes.subarray(f.from, f.to));
  } catch {
    throw invalid(where, `field ${f.field} is not UTF-8 text`);
  }
}

/** Unsigned varints packed back to back in a length-delimited field. */
function packed(bytes: Uint8Array, f: Field): number[] {
  const out: number[] = [];
  let at = f.from;
  while (at < f.to) {
    let value = 0;
    for (let shift = 0; at < f.to; shift += 7) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    out.push(value);
  }
  return out;
}

function readNode(bytes: Uint8Array, f: Field, where: string): OnnxNode {
  const inputs: string[] = [],
    outputs: string[] = [],
    ints = new Map<string, bigint>();
  let op = "";
  for (const g of inner(bytes, f, where)) {
    if (g.field === 1) inputs.push(text(bytes, g, `${where}.input`));
    else if (g.field === 2) outputs.push(text(bytes, g, `${where}.output`));
    else if (g.field === 4) op = text(bytes, g, `${where}.op_type`);
    else if (g.field === 5) {
      let name = "";
      let value: bigint | undefined;
      for (const a of inner(bytes, g, `${where}.attribute`)) {
        if (a.field === 1) name = text(bytes, a, `${where}.attribute.name`);
        else if (a.field === 3 && a.wire === 0) value = BigInt.asIntN(64, a.varint);
      }
      if (value !== undefined) ints.set(name, value);
    }
  }
  return { op, inputs, outputs, ints };
}

function readValue(bytes: Uint8Array, f: Field, where: string): OnnxValue {
  let name = "";
  let elemType = 0;
  let shape: (number | string | undefined)[] | undefined;
  for (const g of inner(bytes, f, where)) {
    if (g.field === 1) name = text(bytes, g, `${where}.name`);
    if (g.field !== 2) continue;
    for (const t of inner(bytes, g, `${where}.type`)) {
      if (t.field !== 1) continue; // tensor_type; sequences and maps are not classifier outputs
      for (const u of inner(bytes, t, `${where}.type.tensor_type`)) {
        if (u.field === 1 && u.wire === 0) elemType = Number(u.varint);
        if (u.field !== 2) continue;
        shape = [];
        for (const d of inner(bytes, u, `${where}.shape`)) {
          if (d.field !== 1) continue;
          let size: number | string | undefined;
          for (const v of inner(bytes, d, `${where}.shape.dim`)) {
            if (v.field === 1 && v.wire === 0) size = Number(BigInt.asIntN(64, v.varint));
            else if (v.field === 2) size = text(bytes, v, `${where}.shape.dim.dim_param`);
          }
          shape.push(size);
        }
      }
    }
  }
  return { name, elemType, ...(shape === undefined ? {} : { shape }) };
}

function readInitializer(bytes: Uint8Array, f: Field, where: string): { name: string; dims: number[] } {
  const dims: number[] = [];
  let name = "";
  for (const g of inner(bytes, f, where)) {
    if (g.field === 1 && g.wire === 0) dims.push(Number(g.varint));
    else if (g.field === 1 && g.wire === 2) dims.push(...packed(bytes, g));
    else if (g.field === 8) name = text(bytes, g, `${where}.name`);
  }
  return { name, dims };
}

/** The graph field (ModelProto field 7) of `model`. */
function graphField(model: Uint8Array): Field {
  let graph: Field | undefined;
  for (const f of fields(model, 0, model.length, "ModelProto")) if (f.field === 7 && f.wire === 2) graph = f;
  if (graph === undefined) throw invalid("ModelProto", "no graph (field 7): is this an ONNX model file?");
  return graph;
}

/** Reads the graph of an ONNX model (see the header for what is read). */
export function readOnnxGraph(model: Uint8Array): OnnxGraph {
  const nodes: OnnxNode[] = [],
    inputs: OnnxValue[] = [],
    outputs: OnnxValue[] = [];
  const initializers = new Map<string, number[]>();
  for (const f of inner(model, graphField(model), "GraphProto")) {
    if (f.field === 1) nodes.push(readNode(model, f, `GraphProto.node[${nodes.length}]`));
    else if (f.field === 11) inputs.push(readValue(model, f, `GraphProto.input[${inputs.length}]`));
    else if (f.field === 12) outputs.push(readValue(model, f, `GraphProto.output[${outputs.length}]`));
    else if (f.field === 5) {
      const t = readInitializer(model, f, `GraphProto.initializer[${initializers.size}]`);
      initializers.set(t.name, t.dims);
    }
  }
  if (nodes.length === 0) throw invalid("GraphProto", "the graph has no node");
  return { nodes, initializers, inputs, outputs };
}

/** `model` with `outputs` appended to its graph's outputs; every other byte kept as is. */
export function appendGraphOutputs(model: Uint8Array, outputs: readonly ValueSpec[]): Uint8Array {
  const graph = graphField(model);
  const body = concatBytes([model.subarray(graph.from, graph.to), ...outputs.map((o) => encodeValueInfo(12, o))]);
  return concatBytes([model.subarray(0, graph.at), lengthDelimited(7, body), model.subarray(graph.to)]);
}

/** Tag (wire type 2), length varint and `body`. */
function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  const head: number[] = [(field << 3) | 2];
  let length = body.length;
  while (length >= 0x80) {
    head.push((length & 0x7f) | 0x80);
    length = Math.floor(length / 128);
  }
  head.push(length);
  return concatBytes([Uint8Array.from(head), body]);
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
