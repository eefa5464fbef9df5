/**
 * MNIST from the `mnist` package (10,000 digits, 1,000 per class), read from its raw per-digit
 * arrays: its helpers shuffle with an unseeded generator, so they are never called. Pixels are
 * stored as bytes (round(255 v)); an example's identity is the hash of those bytes and its label.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { AttributionError } from "./errors.ts";
import { Rng } from "./prng.ts";

export const PIXELS = 784;
export const CLASSES = 10;

/** A set of labelled images: image k is images[k*784 .. k*784+783]. */
export interface Dataset {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly size: number;
}

let cached: Dataset | undefined;

/** All 10,000 digits, ordered by class then by position in the package's file. */
export function loadMnist(): Dataset {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const parts: number[][] = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    const data = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) {
      throw new AttributionError("DATA_INVALID", `mnist digit ${digit}: ${data?.length} values is not a multiple of ${PIXELS}`);
    }
    parts.push(data);
  }
  const size = parts.reduce((n, d) => n + d.length / PIXELS, 0);
  const images = new Uint8Array(size * PIXELS);
  const labels = new Uint8Array(size);
  let k = 0;
  parts.forEach((data, digit) => {
    for (let i = 0; i < data.length; i++) images[k * PIXELS + i] = Math.round(data[i]! * 255);
    labels.fill(digit, k, k + data.length / PIXELS);
    k += data.length / PIXELS;
  });
  cached = { images, labels, size };
  return cached;
}

/** The examples at `indices`, copied, in that order. */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const images = new Uint8Array(indices.length * PIXELS);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(data.images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
    labels[k] = data.labels[i]!;
  }
  return { images, labels, size: indices.length };
}

/** Concatenation of datasets. */
export function concat(...sets: Dataset[]): Dataset {
  const size = sets.reduce((n, s) => n + s.size, 0);
  const images = new Uint8Array(size * PIXELS);
  const labels = new Uint8Array(size);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * PIXELS);
    labels.set(s.labels, at);
    at += s.size;
  }
  return { images, labels, size };
}

/** 128-bit example id: the first 16 bytes of sha256(784 pixel bytes || label byte), as a bigint. */
export function exampleHash(data: Dataset, i: number): bigint {
  const h = createHash("sha256");
  h.update(data.images.subarray(i * PIXELS, (i + 1) * PIXELS));
  h.update(Uint8Array.of(data.labels[i]!));
  return BigInt(`0x${h.digest("hex").slice(0, 32)}`);
}

/** Bytes per example in a dataset file: 784 pixel bytes, then the label byte. */
export const EXAMPLE_BYTES = PIXELS + 1;

/**
 * The dataset file (e.g. an epoch's revealed validation.bin): each example's 784 pixel bytes then
 * its label byte, in order, nothing else; its sha256 is datasetHash.
 */
export function encodeDataset(data: Dataset): Uint8Array {
  const out = new Uint8Array(data.size * EXAMPLE_BYTES);
  for (let i = 0; i < data.size; i++) {
    out.set(data.images.subarray(i * PIXELS, (i + 1) * PIXELS), i * EXAMPLE_BYTES);
    out[i * EXAMPLE_BYTES + PIXELS] = data.labels[i]!;
  }
  return out;
}

/** Reads encodeDataset's format back; RangeError for a length or a label it cannot have. */
export function decodeDataset(bytes: Uint8Array): Dataset {
  if (bytes.length === 0 || bytes.length % EXAMPLE_BYTES !== 0) throw new RangeError(`a dataset file holds a positive multiple of ${EXAMPLE_BYTES} bytes, got ${bytes.length}`);
  const size = bytes.length / EXAMPLE_BYTES;
  const images = new Uint8Array(size * PIXELS);
  const labels = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    images.set(bytes.subarray(i * EXAMPLE_BYTES, i * EXAMPLE_BYTES + PIXELS), i * PIXELS);
    labels[i] = bytes[i * EXAMPLE_BYTES + PIXELS]!;
    if (labels[i]! >= CLASSES) throw new RangeError(`dataset file example ${i}: label ${labels[i]} is not a class in [0, ${CLASSES - 1}]`);
  }
  return { images, labels, size };
}

/** sha256 (hex) of the dataset file: the commitment to a (validation) set. */
export function datasetHash(data: Dataset): string {
  return createHash("sha256").update(encodeDataset(data)).digest("hex");
}

/** The held-out validation set and the pool the contributors' data comes from. */
export interface Split {
  readonly validation: Dataset;
  readonly pool: Dataset;
  /** datasetHash(validation): committed before scores are computed. */
  readonly validationHash: string;
}

/** Seeded split of all digits into `validationSize` held-out examples and the rest. */
export function splitMnist(seed: number | bigint, validationSize: number): Split {
  const all = loadMnist();
  if (!Number.isInteger(validationSize) || validationSize < 1 || validationSize >= all.size) {
    throw new RangeError(`validationSize must be an integer in [1, ${all.size - 1}], got ${validationSize}`);
  }
  const order = new Rng(seed).permutation(all.size);
  const validation = subset(all, order.subarray(0, validationSize));
  const pool = subset(all, order.subarray(validationSize));
  return { validation, pool, validationHash: datasetHash(validation) };
}

/** Images `from..to` as float32 in [0, 1], row-major [to-from, 784]. */
export function pixelsAsFloat(data: Dataset, from = 0, to = data.size): Float32Array {
  const out = new Float32Array((to - from) * PIXELS);
  const src = data.images.subarray(from * PIXELS, to * PIXELS);
  for (let i = 0; i < out.length; i++) out[i] = src[i]! / 255;
  return out;
}

/** One-hot float32 labels of examples `from..to`, [to-from, 10]. */
export function oneHot(data: Dataset, from = 0, to = data.size): Float32Array {
  const out = new Float32Array((to - from) * CLASSES);
  for (let i = from; i < to; i++) out[(i - from) * CLASSES + data.labels[i]!] = 1;
  return out;
}
