/**
 * NumPy's .npy format (numpy.lib.format, versions 1.0, 2.0 and 3.0), read strictly:
 *   magic "\x93NUMPY", major and minor version bytes, the header length (uint16 little-endian in
 *   1.0, uint32 in 2.0 and 3.0), then the header: a Python dict literal
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (N, 28, 28), } (latin-1 in 1.0 and 2.0,
 *   UTF-8 in 3.0), padded with spaces and ending in "\n"; then the data, row-major, exactly
 *   prod(shape) * itemsize bytes.
 * Numeric dtypes only: booleans, floats (f4, f8) and integers (i1..i8, u1..u8), either byte
 * order. Fortran order, object, structured and string dtypes are refused with what to do
 * (numpy.ascontiguousarray, a plain numeric array). Values come back as float64 (integers of
 * 8 bytes must be safe integers, so no value changes on the way).
 */
import { DatasetError } from "./errors.ts";

/** A decoded array: its dtype (as numpy spells it, e.g. "<f4"), shape and values in row-major order. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly values: Float64Array;
  /** True for integer and boolean dtypes: every value is an integer. */
  readonly integral: boolean;
  /** True for uint8 (image bytes). */
  readonly bytes: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const HEADER = /^\{\s*'descr'\s*:\s*'([^']*)'\s*,\s*'fortran_order'\s*:\s*(True|False)\s*,\s*'shape'\s*:\s*\(([^)]*)\)\s*,?\s*\}\s*$/;

const fail = (detail: string, field?: string) => new DatasetError("NPY_INVALID", detail, field === undefined ? {} : { field });

/** Item size and reader of a numeric dtype; NPY_DTYPE for any other. */
function dtypeReader(descr: string): { size: number; integral: boolean; read: (view: DataView, at: number) => number } {
  const m = /^([<>|=])([biuf])(\d+)$/.exec(descr);
  const little = m?.[1] !== ">";
  const size = Number(m?.[3]);
  const kinds: Record<string, Record<number, (v: DataView, at: number) => number>> = {
    b: { 1: (v, at) => (v.getUint8(at) === 0 ? 0 : 1) },
    u: {
      1: (v, at) => v.getUint8(at),
      2: (v, at) => v.getUint16(at, little),
      4: (v, at) => v.getUint32(at, little),
      8: (v, at) => safe(v.getBigUint64(at, little)),
    },
    i: {
      1: (v, at) => v.getInt8(at),
      2: (v, at) => v.getInt16(at, little),
      4: (v, at) => v.getInt32(at, little),
      8: (v, at) => safe(v.getBigInt64(at, little)),
    },
    f: { 4: (v, at) => v.getFloat32(at, little), 8: (v, at) => v.getFloat64(at, little) },
  };
  const read = m ? kinds[m[2]!]?.[size] : undefined;
  if (read === undefined) {
    throw new DatasetError(
      "NPY_DTYPE",
      `dtype ${JSON.stringify(descr)} is not a numeric dtype read here (bool, int8..int64, uint8..uint64, float32, float64); convert with numpy's astype`,
      { field: "descr" },
    );
  }
  return { size, integral: m![2] !== "f", read };
}

function safe(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
    throw fail(`value ${v} is not a safe integer (|v| < 2^53)`, "data");
  return Number(v);
}

/** Decodes one .npy file's bytes; DatasetError NPY_INVALID or NPY_DTYPE naming the part (file added by the caller). */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, k) => bytes[k] === b)) throw fail("not a .npy file: it does not start with \\x93NUMPY");
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw fail(`format version ${major}.${bytes[7]} is not 1.0, 2.0 or 3.0`, "version");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw fail("truncated before the header length", "header");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (start + headerLength > bytes.length) throw fail(`the header is ${headerLength} bytes, past the end of the file`, "header");
  const raw = bytes.subarray(start, start + headerLength);
  const header = major === 3 ? new TextDecoder("utf-8", { fatal: true }).decode(raw) : String.fromCharCode(...raw);
  const m = HEADER.exec(header);
  if (!m)
    throw fail(
      `header ${JSON.stringify(header.trim().slice(0, 200))} is not {'descr': ..., 'fortran_order': ..., 'shape': (...)}`,
      "header",
    );
  if (m[2] === "True") throw fail("the array is in Fortran order; save numpy.ascontiguousarray(a) instead", "fortran_order");
  const dims = m[3]!
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "");
  const shape = dims.map((d) => {
    if (!/^\d+$/.test(d)) throw fail(`shape entry ${JSON.stringify(d)} is not a non-negative integer`, "shape");
    return Number(d);
  });
  const { size, integral, read } = dtypeReader(m[1]!);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLength;
  if (bytes.length - dataStart !== count * size) {
    throw fail(
      `shape (${shape.join(", ")}) of ${m[1]} needs ${count * size} bytes of data, the file holds ${bytes.length - dataStart}`,
      "data",
    );
  }
  const values = new Float64Array(count);
  for (let k = 0; k < count; k++) values[k] = read(view, dataStart + k * size);
  return { dtype: m[1]!, shape, values, integral, bytes: integral && size === 1 && /^[|<>=]u1$/.test(m[1]!) };
}

/** An .npy file of `values` (for tests and for writing data): float32 '<f4', float64 '<f8', uint8 '|u1' or int64 '<i8', version 1.0. */
export function encodeNpy(values: Float32Array | Float64Array | Uint8Array | BigInt64Array, shape: readonly number[]): Uint8Array {
  const descr =
    values instanceof Float32Array ? "<f4" : values instanceof Float64Array ? "<f8" : values instanceof Uint8Array ? "|u1" : "<i8";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  // Data starts at a multiple of 64 bytes (numpy's alignment); the header ends in "\n".
  header += `${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + values.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 10 + header.length);
  return out;
}
