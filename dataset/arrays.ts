/**
 * Labelled arrays, the way trainers keep data: NumPy files (an .npz holding the inputs and the
 * labels, or an inputs .npy with a labels .npy beside it) and, from the other forms, JSONL
 * labelled rows ({ input, label } or image records) and .bin images. Each row is hashed by the
 * one rule (canonical-bytes.ts labelledRowBytes) from its values and its label alone, so the hash
 * a contributor registers from an .npz is the hash the trainer scores from the same rows in JSONL,
 * whatever the dtype and shape of either, and an MNIST digit in an .npz of uint8, int64 or float32
 * is the hash of its .bin form.
 *
 * An .npz names its arrays x and y, or inputs and labels (numpy.savez(f, x=..., y=...)). Inputs
 * are [N, ...] of a numeric dtype, labels [N] (or [N, 1]) of non-negative integers.
 */
import { canonicalExample, labelledRowBytes, labelledRowOfBytes, ROW_LABEL_MAX } from "./canonical-bytes.ts";
import { PIXELS, type Dataset } from "./dataset-file.ts";
import { DatasetError, placed } from "./errors.ts";
import { decodeNpy, type NpyArray } from "./npy.ts";
import { checkBytesPerExample, checkExampleCount, readRegularFile, type ReadLimits } from "./read-file.ts";
import type { ContributorData, LabelledArrays, SourcedExample } from "./contributor-data.ts";
import { readZip } from "./zip.ts";

const NPZ_NAMES = [
  ["x", "y"],
  ["inputs", "labels"],
] as const;

function labelsOf(array: NpyArray, size: number, file: string, field: string): Int32Array {
  const flat = array.shape.length === 1 || (array.shape.length === 2 && array.shape[1] === 1);
  if (!flat || array.shape[0] !== size) {
    throw new DatasetError("ARRAY_SHAPE", `labels are (${array.shape.join(", ")}); expected (${size},), one per input row`, {
      file,
      field,
    });
  }
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const v = array.values[i]!;
    if (!Number.isInteger(v) || v < 0 || v > ROW_LABEL_MAX)
      throw new DatasetError("LABEL_INVALID", `label ${v} is not a non-negative integer class`, { file, entry: i, field });
    labels[i] = v;
  }
  return labels;
}

/** The examples of `inputs` with `labels`: canonical bytes and hashes, the arrays, and the images when every row is one. */
function fromArrays(
  form: ContributorData["form"],
  path: string,
  inputs: NpyArray,
  labels: Int32Array,
  limits: ReadLimits,
): ContributorData {
  if (inputs.shape.length < 2 || inputs.shape[0]! < 1)
    throw new DatasetError("ARRAY_SHAPE", `inputs are (${inputs.shape.join(", ")}); expected (N, ...) with N >= 1 examples`, {
      file: path,
      field: "inputs",
    });
  const size = inputs.shape[0]!;
  checkExampleCount(path, size, limits.maxExamples);
  const rowShape = inputs.shape.slice(1);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const examples: SourcedExample[] = [];
  for (let i = 0; i < size; i++) {
    const where = { file: path, entry: i };
    const row = inputs.values.subarray(i * rowSize, (i + 1) * rowSize);
    examples.push(
      placed(where, () => {
        const { kind, bytes } = labelledRowBytes(row, labels[i]!);
        return { ...canonicalExample(kind, bytes), where };
      }),
    );
  }
  const images = imagesOf(examples);
  const arrays = { size, rowShape, values: Float32Array.from(inputs.values), bytes: inputs.bytes || images !== undefined, labels };
  return { form, path, examples, arrays, ...(images === undefined ? {} : { images }) };
}

/** The Dataset of `examples` when every one is an image example (785 bytes: pixels || label). */
export function imagesOf(examples: readonly SourcedExample[]): Dataset | undefined {
  if (!examples.every((e) => e.kind === "image")) return undefined;
  const images = new Uint8Array(examples.length * PIXELS);
  const labels = new Uint8Array(examples.length);
  examples.forEach((e, k) => {
    images.set(e.bytes.subarray(0, PIXELS), k * PIXELS);
    labels[k] = e.bytes[PIXELS]!;
  });
  return { images, labels, size: examples.length };
}

/** The array `name` of `file`; a failure names the file and the array's part (`x.shape`, `y.descr`). */
function npyOf(bytes: Uint8Array, file: string, name: string): NpyArray {
  try {
    return decodeNpy(bytes);
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    throw new DatasetError(error.code, error.detail, {
      file,
      field: error.where.field === undefined ? name : `${name}.${error.where.field}`,
    });
  }
}

/** Reads an .npz of inputs and labels within `limits`: ZIP_INVALID, NPY_INVALID, NPY_DTYPE, NPZ_ARRAYS, ARRAY_SHAPE, LABEL_INVALID ... naming the file and the array. */
export function readNpzFile(file: string, limits: ReadLimits): ContributorData {
  const bytes = readRegularFile(file, limits.maxBytes, limits.within);
  const members = placed({ file }, () => readZip(bytes, limits.maxBytes));
  const names = [...members.keys()];
  const pair = NPZ_NAMES.find(([x, y]) => members.has(`${x}.npy`) && members.has(`${y}.npy`));
  if (pair === undefined) {
    throw new DatasetError(
      "NPZ_ARRAYS",
      `holds ${names.join(", ") || "nothing"}; expected arrays x and y (or inputs and labels): numpy.savez(file, x=inputs, y=labels)`,
      { file },
    );
  }
  const inputs = npyOf(members.get(`${pair[0]}.npy`)!, file, pair[0]);
  const labels = labelsOf(npyOf(members.get(`${pair[1]}.npy`)!, file, pair[1]), inputs.shape[0] ?? 0, file, pair[1]);
  const data = fromArrays("npz", file, inputs, labels, limits);
  checkBytesPerExample(file, bytes.length, data.examples.length);
  return data;
}

/** Reads an inputs .npy with its labels .npy (`labelsFile`) within `limits`; errors name the file. */
export function readNpyFiles(file: string, labelsFile: string | undefined, limits: ReadLimits): ContributorData {
  if (labelsFile === undefined)
    throw new DatasetError("NPY_LABELS_MISSING", "an .npy holds the inputs only: give the labels .npy too (or an .npz with x and y)", {
      file,
    });
  const inputs = npyOf(readRegularFile(file, limits.maxBytes, limits.within), file, "inputs");
  const labels = labelsOf(
    npyOf(readRegularFile(labelsFile, limits.maxBytes, limits.within), labelsFile, "labels"),
    inputs.shape[0] ?? 0,
    labelsFile,
    "labels",
  );
  return fromArrays("npy", file, inputs, labels, limits);
}

/**
 * The shape to feed rows in: the one they were all given in, else (rows of one size given in
 * several shapes, which are the same examples: canonical-bytes.ts) flat; undefined when the rows
 * differ in size.
 */
function commonRowShape(shapes: readonly (readonly number[])[]): number[] | undefined {
  const first = shapes[0]!;
  if (shapes.every((s) => s.join() === first.join())) return [...first];
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return shapes.every((s) => size(s) === size(first)) ? [size(first)] : undefined;
}

/**
 * The labelled arrays of examples read from another form (.bin, JSONL), from their canonical
 * bytes: every example an image (fed as bytes), or every one a labelled row (an image or another
 * row, fed as its values) with one number of values; else undefined.
 */
export function arraysOfExamples(examples: readonly SourcedExample[]): LabelledArrays | undefined {
  const rows = examples.map((e) => labelledRowOfBytes(e.kind, e.bytes));
  if (rows.length === 0 || rows.some((r) => r === undefined)) return undefined;
  const rowShape = commonRowShape(examples.map((e, i) => e.shape ?? [rows[i]!.values.length]));
  if (rowShape === undefined) return undefined;
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(examples.length * rowSize);
  rows.forEach((r, i) => values.set(r!.values, i * rowSize));
  const labels = Int32Array.from(rows, (r) => r!.label);
  return { size: examples.length, rowShape, values, bytes: examples.every((e) => e.kind === "image"), labels };
}
