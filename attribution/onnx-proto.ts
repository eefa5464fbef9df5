/**
 * A minimal protobuf writer for the ONNX messages this project builds (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto). Field numbers are those of onnx.proto3
 * (onnx/onnx, IR version 8). Only writing is supported: onnxruntime parses and validates the
 * result, so a wrong field shows up as a load error in the tests. No dependency, and the output
 * is a pure function of the input (fields written in a fixed order), so model hashes are stable.
 */

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;

/** Growable byte buffer with protobuf wire-format helpers. */
class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;
  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  varint(value: bigint | number): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  int(field: number, value: bigint | number): void {
    this.tag(field, 0);
    this.varint(value);
  }
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
  }
  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }
  float(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }
  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** A node attribute: an integer, a float, a list of integers or a tensor. */
export type Attribute =
  | { readonly name: string; readonly int: number }
  | { readonly name: string; readonly float: number }
  | { readonly name: string; readonly ints: readonly number[] };

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly Attribute[];
}

/** A named constant tensor stored in the graph (float32, float64 or int64 data). */
export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array;
}

/**
 * A graph input or output: element type and shape; a string dimension is symbolic (e.g. "batch");
 * no shape: rank unknown (onnxruntime infers it).
 */
export interface ValueSpec {
  readonly name: string;
  readonly elemType: number;
  readonly shape?: readonly (number | string)[];
}

export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
}

function writeAttribute(w: Writer, a: Attribute): void {
  w.string(1, a.name);
  if ("int" in a) {
    w.int(3, a.int);
    w.int(20, 2); // AttributeProto.INT
  } else if ("float" in a) {
    w.float(2, a.float);
    w.int(20, 1); // FLOAT
  } else {
    for (const i of a.ints) w.int(8, i);
    w.int(20, 7); // INTS
  }
}

function writeTensor(w: Writer, t: TensorSpec): void {
  for (const d of t.dims) w.int(1, d);
  const type = t.data instanceof Float32Array ? ONNX_FLOAT : t.data instanceof Float64Array ? ONNX_DOUBLE : ONNX_INT64;
  w.int(2, type);
  w.string(8, t.name);
  // raw_data is little-endian; typed arrays on x64/arm64 are little-endian too.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValue(w: Writer, v: ValueSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      if (v.shape === undefined) return;
      tensor.message(2, (shape) => {
        for (const d of v.shape!) {
          shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

/** A ValueInfoProto as field `field` of its message (GraphProto: 11 input, 12 output), tag included. */
export function encodeValueInfo(field: number, v: ValueSpec): Uint8Array {
  const w = new Writer();
  w.message(field, (value) => writeValue(value, v));
  return w.finish();
}

/** Serialises a graph as an ONNX ModelProto (IR version 8, default opset 17). */
export function encodeModel(graph: GraphSpec, opset = 17, producer = "attribution-prover"): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, producer);
  w.message(7, (g) => {
    graph.nodes.forEach((n, index) =>
      g.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        node.string(3, `${n.op}_${index}`);
        node.string(4, n.op);
        for (const a of n.attributes ?? []) node.message(5, (attr) => writeAttribute(attr, a));
      }),
    );
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (tensor) => writeTensor(tensor, t));
    for (const v of graph.inputs) g.message(11, (value) => writeValue(value, v));
    for (const v of graph.outputs) g.message(12, (value) => writeValue(value, v));
  });
  w.message(8, (op) => {
    op.string(1, "");
    op.int(2, opset);
  });
  return w.finish();
}
