/**
 * THE canonical-bytes rule: the bytes an example is, whatever container it came in, and its
 * 128-bit hash. Registration commits to these hashes, scoring labels its rows with them, the
 * reward policy deduplicates on them and the skeptic recomputes them; one module, so the same
 * example is the same hash for all four and a copy is seen as a copy in any form.
 *
 *   image example (784 pixel bytes 0..255, label 0..9; from a .bin dataset file, or a JSONL
 *     record with exactly the fields `pixels` and `label`):
 *       the 785 bytes pixels || label: a dataset file's own layout, so every MNIST example hash
 *       made before this module existed is unchanged, and a digit in JSONL hashes as in .bin;
 *   any other JSONL record:
 *       its RFC 8785 canonical JSON (jcs.ts) as UTF-8: key order, whitespace and number spelling
 *       do not make a copy new;
 *   a row of labelled arrays (.npz, .npy with a labels .npy; dataset/arrays.ts):
 *       an image when it is 784 uint8 values (any shape) with a label in 0..9: its 785 bytes, so
 *       MNIST kept as NumPy arrays hashes as in .bin; any other row: the canonical JSON of the
 *       record { input: the row as nested arrays of its shape, label }, so the same record in
 *       JSONL (e.g. numpy's tolist() through json.dumps) hashes the same;
 *   a file of a folder (one example per file):
 *       its raw bytes (at least one): nothing is decoded, so a PNG and the same digit in .bin are
 *       two examples.
 *
 *   exampleHash(bytes) = first 16 bytes of sha256(bytes), big-endian, as a bigint in [1, 2^128).
 *   0 is the claim table's empty-slot value: a hash of 0 is refused (HASH_ZERO, odds 2^-128)
 *   rather than mapped to another value, which would give two different examples one hash.
 *
 * A JSONL record is an image record when it is an object with a `pixels` key; it must then be
 * exactly { pixels: 784 integers in [0, 255], label: integer in [0, 9] } (IMAGE_FIELDS,
 * PIXELS_INVALID, LABEL_INVALID otherwise): a near-image silently hashed as generic JSON would
 * never match its own .bin copy, and extra fields dropped silently would make two different
 * records one example.
 */
import { createHash } from "node:crypto";
import { CLASSES, EXAMPLE_BYTES, PIXELS, type Dataset } from "./dataset-file.ts";
import { DatasetError } from "./errors.ts";
import { canonicalJson } from "./jcs.ts";
import type { JsonValue } from "./json-parse.ts";

/** Which branch of the rule made an example's bytes. */
export type ExampleKind = "image" | "json" | "file";

/** An example's canonical bytes, the branch of the rule that made them, and their hash. */
export interface CanonicalExample {
  readonly kind: ExampleKind;
  readonly bytes: Uint8Array;
  readonly hash: bigint;
}

/** Bits of an example hash: sha256 cut to its first 16 bytes. */
export const EXAMPLE_HASH_BITS = 128;

/** The hash of a sha256 digest: its first 16 bytes, big-endian; HASH_ZERO if they are all 0. */
export function truncatedHash(digest: Uint8Array): bigint {
  if (digest.length < EXAMPLE_HASH_BITS / 8) throw new RangeError(`truncatedHash: digest must hold at least 16 bytes, got ${digest.length}`);
  const hash = BigInt(`0x${Buffer.from(digest.subarray(0, EXAMPLE_HASH_BITS / 8)).toString("hex")}`);
  if (hash === 0n) throw new DatasetError("HASH_ZERO", "the example's hash is 0, the claim table's empty-slot value: change any byte of the example");
  return hash;
}

/** 128-bit example id: the first 16 bytes of sha256(canonical bytes), in [1, 2^128). */
export function exampleHash(bytes: Uint8Array): bigint {
  return truncatedHash(createHash("sha256").update(bytes).digest());
}

function checkLabel(label: unknown): number {
  if (typeof label !== "number" || !Number.isInteger(label) || label < 0 || label >= CLASSES) {
    throw new DatasetError("LABEL_INVALID", `label ${JSON.stringify(label)} is not an integer class in [0, ${CLASSES - 1}]`, { field: "label" });
  }
  return label;
}

/**
 * An image example's canonical bytes: its 784 pixels then its label (785 bytes). DatasetError
 * PIXELS_INVALID (naming `pixels[k]`) unless there are 784 integers in [0, 255], LABEL_INVALID
 * unless the label is an integer in [0, 9].
 */
export function imageExampleBytes(pixels: ArrayLike<unknown>, label: unknown): Uint8Array {
  if (pixels.length !== PIXELS) throw new DatasetError("PIXELS_INVALID", `an image has ${PIXELS} pixels, got ${pixels.length}`, { field: "pixels" });
  const out = new Uint8Array(EXAMPLE_BYTES);
  if (pixels instanceof Uint8Array) out.set(pixels);
  else {
    for (let k = 0; k < PIXELS; k++) {
      const v = pixels[k];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new DatasetError("PIXELS_INVALID", `pixel ${JSON.stringify(v)} is not an integer in [0, 255]`, { field: `pixels[${k}]` });
      }
      out[k] = v;
    }
  }
  out[PIXELS] = checkLabel(label);
  return out;
}

/** Example `i` of `data` (a decoded dataset file, a training partition): its 785 canonical bytes. */
export function datasetExampleBytes(data: Dataset, i: number): Uint8Array {
  if (!Number.isInteger(i) || i < 0 || i >= data.size) throw new RangeError(`datasetExampleBytes: i must be an integer in [0, ${data.size - 1}], got ${i}`);
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

/** True when `record` claims to be an image example: an object (not an array) with a `pixels` key. */
export function isImageRecord(record: JsonValue): record is { readonly [key: string]: JsonValue } {
  return typeof record === "object" && record !== null && !Array.isArray(record) && Object.hasOwn(record, "pixels");
}

/**
 * A JSONL record's canonical bytes: an image record's 785 bytes (see the header for what makes
 * one, IMAGE_FIELDS if it has other fields than `pixels` and `label`), any other record's
 * RFC 8785 text as UTF-8.
 */
export function jsonRecordBytes(record: JsonValue): { readonly kind: "image" | "json"; readonly bytes: Uint8Array } {
  if (!isImageRecord(record)) return { kind: "json", bytes: new TextEncoder().encode(canonicalJson(record)) };
  const extra = Object.keys(record).filter((k) => k !== "pixels" && k !== "label");
  if (extra.length > 0) throw new DatasetError("IMAGE_FIELDS", `an image record has exactly the fields pixels and label, this one also ${extra.map((k) => JSON.stringify(k)).join(", ")}`, { field: extra[0]! });
  if (!Object.hasOwn(record, "label")) throw new DatasetError("IMAGE_FIELDS", "an image record (it has pixels) needs a label", { field: "label" });
  const pixels = record.pixels;
  if (!Array.isArray(pixels)) throw new DatasetError("PIXELS_INVALID", `pixels must be an array of ${PIXELS} integers, got ${pixels === null ? "null" : typeof pixels}`, { field: "pixels" });
  return { kind: "image", bytes: imageExampleBytes(pixels, record.label) };
}

/**
 * A labelled array row's canonical bytes (see the header): `values` row-major in `shape`, `bytes`
 * when the array's dtype is uint8. DatasetError JSON_NUMBER for a non-finite value (naming
 * input[...]), LABEL_INVALID unless the label is a non-negative safe integer.
 */
export function arrayExampleBytes(values: ArrayLike<number>, shape: readonly number[], bytes: boolean, label: number): { readonly kind: "image" | "json"; readonly bytes: Uint8Array } {
  if (!Number.isSafeInteger(label) || label < 0) throw new DatasetError("LABEL_INVALID", `label ${label} is not a non-negative integer class`, { field: "label" });
  if (bytes && values.length === PIXELS && label < CLASSES) return { kind: "image", bytes: imageExampleBytes(Uint8Array.from(values), label) };
  let at = 0;
  const nest = (axis: number): JsonValue => (axis === shape.length ? values[at++]! : Array.from({ length: shape[axis]! }, () => nest(axis + 1)));
  const record = { input: nest(0), label };
  return { kind: "json", bytes: new TextEncoder().encode(canonicalJson(record)) };
}

/** A folder file's canonical bytes: the file's own bytes; EXAMPLE_EMPTY for an empty file. */
export function fileExampleBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new DatasetError("EXAMPLE_EMPTY", "an example file holds at least one byte");
  return bytes;
}

/** `bytes` made by the rule's `kind` branch, with its hash. */
export function canonicalExample(kind: ExampleKind, bytes: Uint8Array): CanonicalExample {
  return { kind, bytes, hash: exampleHash(bytes) };
}
