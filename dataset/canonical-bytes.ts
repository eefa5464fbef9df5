/**
 * THE canonical-bytes rule: the bytes an example is, whatever container, dtype or shape it came
 * in, and its 128-bit hash. Registration commits to these hashes, collect checks deliveries
 * against them, scoring labels its rows with them, the reward policy deduplicates on them and the
 * skeptic recomputes them; one module, so the same example is the same hash for all of them and a
 * copy is seen as a copy in any form.
 *
 * An example given as numbers and a label (a labelled row) is its values and its label, nothing
 * else: not the dtype they were stored in, not the shape, not the field name or nesting of a JSON
 * record. Labelled rows are: a .bin example; a JSONL record { pixels, label } or { input, label }
 * whose input is a number or a rectangular nested array of numbers; a row of an .npz/.npy
 * (dataset/arrays.ts). Their canonical bytes:
 *
 *   image (784 values, each an integer in [0, 255], and a label in [0, 9]):
 *       the 785 bytes pixels || label: a dataset file's own layout, so every MNIST example hash
 *       made before this module existed is unchanged, and the digit hashes the same from a .bin,
 *       a JSONL record (flat or 28 x 28, `pixels` or `input`) and an .npz/.npy of any dtype
 *       (uint8, int64, float32 3.0 ...) and any shape with 784 elements ((784), (28, 28), (1, 784));
 *   any other labelled row (label an integer in [0, ROW_LABEL_MAX]):
 *       the RFC 8785 canonical JSON (jcs.ts) of { "input": [v0, v1, ...], "label": n }, the values
 *       flattened in row-major order, as UTF-8.
 *         dtype: every value is the IEEE double it equals (float32 and every integer up to 2^53
 *         convert exactly; .npy refuses larger integers, JSON parses to doubles) written as
 *         RFC 8785 writes a number, the shortest text that reads back as that double. So an
 *         integer and a float of equal value are one number (int64 3 and float64 3.0 are "3"),
 *         -0 is 0, and values that differ are different examples: float32 0.1 is the double
 *         0.100000001490116..., not JSON's 0.1.
 *         shape: not part of the example. A model is fed a row's values in row-major order in its
 *         own input shape (attribution/onnx-pipeline.ts reshapes every row to the model's input
 *         dims), so rows of one set that differ only in shape train and score as the same input;
 *         and a rule that kept the shape would let a copier make new hashes of another's rows by
 *         adding an axis of length 1. (A transposed or otherwise reordered row has other values
 *         in row-major order: another example.)
 *   any other JSONL record (text, tables, anything but a labelled row):
 *       its RFC 8785 canonical JSON as UTF-8: key order, whitespace and number spelling do not
 *       make a copy new;
 *   a file of a folder (one example per file):
 *       its raw bytes (at least one): nothing is decoded, so a PNG and the same digit in .bin are
 *       two examples (a file holding an example's canonical bytes is that example).
 *
 *   exampleHash(bytes) = first 16 bytes of sha256(bytes), big-endian, as a bigint in [1, 2^128).
 *   0 is the claim table's empty-slot value: a hash of 0 is refused (HASH_ZERO, odds 2^-128)
 *   rather than mapped to another value, which would give two different examples one hash.
 *
 * Two different examples never share canonical bytes: image bytes end in the label byte 0..9, a
 * byte no RFC 8785 text ends in (it ends in } ] " a digit or a letter; controls are escaped); a
 * labelled row's JSON has a flat array of numbers as input and a class label, so a record with
 * that text is that labelled row, and any record that is a labelled row is hashed as one.
 *
 * A JSONL record with a `pixels` key claims to be an image and must be one exactly: { pixels: 784
 * integers in [0, 255] (flat or nested, rectangular), label: integer in [0, 9] } (IMAGE_FIELDS,
 * PIXELS_INVALID, LABEL_INVALID otherwise): a near-image silently hashed as generic JSON would
 * never match its own .bin copy, and extra fields dropped silently would make two different
 * records one example. An { input, label } record that is not a labelled row (a string input, a
 * ragged array, a negative label) is an ordinary record: generic data is not refused.
 */
import { createHash } from "node:crypto";
import { CLASSES, EXAMPLE_BYTES, PIXELS, type Dataset } from "./dataset-file.ts";
import { DatasetError } from "./errors.ts";
import { canonicalJson } from "./jcs.ts";
import type { JsonValue } from "./json-parse.ts";

/** Which branch of the rule made an example's bytes: an image, another labelled row, another JSONL record, a folder's file. */
export type ExampleKind = "image" | "row" | "json" | "file";

/** An example's canonical bytes, the branch of the rule that made them, and their hash. */
export interface CanonicalExample {
  readonly kind: ExampleKind;
  readonly bytes: Uint8Array;
  readonly hash: bigint;
}

/** Canonical bytes of a labelled row or a JSONL record, before hashing. */
export interface ExampleBytes {
  readonly kind: ExampleKind;
  readonly bytes: Uint8Array;
}

/** Bits of an example hash: sha256 cut to its first 16 bytes. */
export const EXAMPLE_HASH_BITS = 128;

/** The largest label of a labelled row: classifiers take labels as int32. */
export const ROW_LABEL_MAX = 2 ** 31 - 1;

/** The hash of a sha256 digest: its first 16 bytes, big-endian; HASH_ZERO if they are all 0. */
export function truncatedHash(digest: Uint8Array): bigint {
  if (digest.length < EXAMPLE_HASH_BITS / 8)
    throw new RangeError(`truncatedHash: digest must hold at least 16 bytes, got ${digest.length}`);
  const hash = BigInt(`0x${Buffer.from(digest.subarray(0, EXAMPLE_HASH_BITS / 8)).toString("hex")}`);
  if (hash === 0n)
    throw new DatasetError("HASH_ZERO", "the example's hash is 0, the claim table's empty-slot value: change any byte of the example");
  return hash;
}

/** 128-bit example id: the first 16 bytes of sha256(canonical bytes), in [1, 2^128). */
export function exampleHash(bytes: Uint8Array): bigint {
  return truncatedHash(createHash("sha256").update(bytes).digest());
}

const isClass = (label: unknown): label is number => typeof label === "number" && Number.isInteger(label) && label >= 0 && label < CLASSES;
const isPixel = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255;

function checkLabel(label: unknown): number {
  if (!isClass(label))
    throw new DatasetError("LABEL_INVALID", `label ${JSON.stringify(label)} is not an integer class in [0, ${CLASSES - 1}]`, {
      field: "label",
    });
  return label;
}

/** The field naming value `k` of an array of `shape` given as `field`: pixels[3][5] for k = 89 of (28, 28). */
function elementField(field: string, shape: readonly number[], k: number): string {
  const index: number[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(k % shape[axis]!);
    k = Math.floor(k / shape[axis]!);
  }
  return `${field}${index.map((i) => `[${i}]`).join("")}`;
}

/** An image's 785 bytes from 784 values already checked to be pixels, or a Uint8Array. */
function imageBytes(pixels: ArrayLike<number>, label: number): Uint8Array {
  const out = new Uint8Array(EXAMPLE_BYTES);
  out.set(pixels);
  out[PIXELS] = label;
  return out;
}

/**
 * An image example's canonical bytes: its 784 pixels then its label (785 bytes). DatasetError
 * PIXELS_INVALID (naming `pixels[k]`, or the nested index in `shape`) unless there are 784
 * integers in [0, 255], LABEL_INVALID unless the label is an integer in [0, 9].
 */
export function imageExampleBytes(pixels: ArrayLike<unknown>, label: unknown, shape: readonly number[] = [pixels.length]): Uint8Array {
  if (pixels.length !== PIXELS)
    throw new DatasetError("PIXELS_INVALID", `an image has ${PIXELS} pixels, got ${pixels.length}`, { field: "pixels" });
  if (!(pixels instanceof Uint8Array)) {
    for (let k = 0; k < PIXELS; k++) {
      const v = pixels[k];
      if (!isPixel(v))
        throw new DatasetError("PIXELS_INVALID", `pixel ${JSON.stringify(v)} is not an integer in [0, 255]`, {
          field: elementField("pixels", shape, k),
        });
    }
  }
  return imageBytes(pixels as ArrayLike<number>, checkLabel(label));
}

/** Example `i` of `data` (a decoded dataset file, a training partition): its 785 canonical bytes. */
export function datasetExampleBytes(data: Dataset, i: number): Uint8Array {
  if (!Number.isInteger(i) || i < 0 || i >= data.size)
    throw new RangeError(`datasetExampleBytes: i must be an integer in [0, ${data.size - 1}], got ${i}`);
  try {
    return imageExampleBytes(data.images.subarray(i * PIXELS, (i + 1) * PIXELS), data.labels[i]);
  } catch (error) {
    if (error instanceof DatasetError) throw error.at({ entry: i });
    throw error;
  }
}

/** The hashes of every example of `data`, in order. */
export function datasetExampleHashes(data: Dataset): bigint[] {
  return Array.from({ length: data.size }, (_, i) => exampleHash(datasetExampleBytes(data, i)));
}

/** True when `values` with `label` are an image: 784 integers in [0, 255] and a class in [0, 9], whatever they were stored as. */
function isImageRow(values: ArrayLike<number>, label: number): boolean {
  if (values.length !== PIXELS || !isClass(label)) return false;
  for (let k = 0; k < PIXELS; k++) if (!isPixel(values[k])) return false;
  return true;
}

/**
 * A labelled row's canonical bytes (see the header): `values` in row-major order (any dtype, any
 * shape: neither is part of the example) with `label`. An image's 785 bytes when it is one, else
 * the RFC 8785 text of { "input": values, "label": label }. DatasetError LABEL_INVALID unless the
 * label is an integer in [0, ROW_LABEL_MAX], JSON_NUMBER for a value that is not finite (naming
 * input[k]).
 */
export function labelledRowBytes(values: ArrayLike<number>, label: number): ExampleBytes {
  if (!Number.isInteger(label) || label < 0 || label > ROW_LABEL_MAX) {
    throw new DatasetError("LABEL_INVALID", `label ${label} is not an integer class in [0, ${ROW_LABEL_MAX}]`, { field: "label" });
  }
  if (isImageRow(values, label)) return { kind: "image", bytes: imageBytes(values, label) };
  return { kind: "row", bytes: new TextEncoder().encode(canonicalJson({ input: Array.from(values), label })) };
}

/**
 * The leaves of `value` in row-major order and its shape, when it is a number (shape []) or a
 * non-empty rectangular nested array (every array at one depth of one length, leaves all at the
 * innermost depth, whatever they are); undefined otherwise.
 */
function rectangular(value: JsonValue): { readonly leaves: JsonValue[]; readonly shape: number[] } | undefined {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = (v as readonly JsonValue[])[0]!) {
    if (v.length === 0) return undefined;
    shape.push(v.length);
  }
  const leaves: JsonValue[] = [];
  const walk = (v: JsonValue, axis: number): boolean => {
    if (axis === shape.length) {
      if (Array.isArray(v)) return false;
      leaves.push(v);
      return true;
    }
    return Array.isArray(v) && v.length === shape[axis] && (v as readonly JsonValue[]).every((w) => walk(w, axis + 1));
  };
  return walk(value, 0) ? { leaves, shape } : undefined;
}

/** True when `record` claims to be an image example: an object (not an array) with a `pixels` key. */
export function isImageRecord(record: JsonValue): record is { readonly [key: string]: JsonValue } {
  return typeof record === "object" && record !== null && !Array.isArray(record) && Object.hasOwn(record, "pixels");
}

/** An image record's bytes (the header says what makes one); IMAGE_FIELDS, PIXELS_INVALID, LABEL_INVALID naming the field. */
function imageRecordBytes(record: { readonly [key: string]: JsonValue }): ExampleBytes & { readonly shape: readonly number[] } {
  const extra = Object.keys(record).filter((k) => k !== "pixels" && k !== "label");
  if (extra.length > 0)
    throw new DatasetError(
      "IMAGE_FIELDS",
      `an image record has exactly the fields pixels and label, this one also ${extra.map((k) => JSON.stringify(k)).join(", ")}`,
      { field: extra[0]! },
    );
  if (!Object.hasOwn(record, "label"))
    throw new DatasetError("IMAGE_FIELDS", "an image record (it has pixels) needs a label", { field: "label" });
  const pixels = Array.isArray(record.pixels) ? rectangular(record.pixels) : undefined;
  if (pixels === undefined) {
    const what = Array.isArray(record.pixels) ? "a ragged or empty array" : record.pixels === null ? "null" : typeof record.pixels;
    throw new DatasetError(
      "PIXELS_INVALID",
      `pixels must be an array of ${PIXELS} integers (flat, or nested as any rectangular shape such as 28 x 28), got ${what}`,
      { field: "pixels" },
    );
  }
  return { kind: "image", bytes: imageExampleBytes(pixels.leaves, record.label, pixels.shape), shape: pixels.shape };
}

/** The values, shape and label of a record that is exactly { input: numbers (a number or a rectangular array), label: integer in [0, ROW_LABEL_MAX] }; undefined for any other. */
function labelledRowOf(record: JsonValue): { readonly values: number[]; readonly shape: number[]; readonly label: number } | undefined {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return undefined;
  const keys = Object.keys(record);
  if (keys.length !== 2 || !Object.hasOwn(record, "input") || !Object.hasOwn(record, "label")) return undefined;
  const { input, label } = record as { readonly input: JsonValue; readonly label: JsonValue };
  if (typeof label !== "number" || !Number.isInteger(label) || label < 0 || label > ROW_LABEL_MAX) return undefined;
  const row = rectangular(input);
  if (row === undefined || !row.leaves.every((v) => typeof v === "number")) return undefined;
  return { values: row.leaves as number[], shape: row.shape, label };
}

/**
 * A JSONL record's canonical bytes (see the header): an image record's 785 bytes (IMAGE_FIELDS,
 * PIXELS_INVALID, LABEL_INVALID unless it is exactly an image), a labelled row's bytes (an image's
 * when its values are one), any other record's RFC 8785 text as UTF-8. `shape` is the shape a
 * labelled row's values were given in: not part of the example, but how a classifier whose input
 * does not say is fed them.
 */
export function jsonRecordBytes(record: JsonValue): ExampleBytes & { readonly shape?: readonly number[] } {
  if (isImageRecord(record)) return imageRecordBytes(record);
  const row = labelledRowOf(record);
  if (row !== undefined) return { ...labelledRowBytes(row.values, row.label), shape: row.shape };
  return { kind: "json", bytes: new TextEncoder().encode(canonicalJson(record)) };
}

/** A folder file's canonical bytes: the file's own bytes; EXAMPLE_EMPTY for an empty file. */
export function fileExampleBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new DatasetError("EXAMPLE_EMPTY", "an example file holds at least one byte");
  return bytes;
}

/**
 * The values and label of a labelled row from its canonical bytes (kind image or row), row-major;
 * undefined for the other kinds. The inverse of labelledRowBytes: the bytes are the example.
 */
export function labelledRowOfBytes(
  kind: ExampleKind,
  bytes: Uint8Array,
): { readonly values: ArrayLike<number>; readonly label: number } | undefined {
  if (kind === "image") return { values: bytes.subarray(0, PIXELS), label: bytes[PIXELS]! };
  if (kind !== "row") return undefined;
  const record = JSON.parse(new TextDecoder().decode(bytes)) as { readonly input: number[]; readonly label: number };
  return { values: record.input, label: record.label };
}

/** `bytes` made by the rule's `kind` branch, with its hash. */
export function canonicalExample(kind: ExampleKind, bytes: Uint8Array): CanonicalExample {
  return { kind, bytes, hash: exampleHash(bytes) };
}
