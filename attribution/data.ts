/**
 * MNIST from the `mnist` package (10,000 digits, 1,000 per class), read from its raw per-digit
 * arrays: its helpers shuffle with an unseeded generator, so they are never called. Pixels are
 * stored as bytes (round(255 v)); an example's identity is the hash of those bytes and its label,
 * by dataset/'s canonical-bytes rule. The Dataset type and the dataset file format live in
 * dataset/ (a contributor reads them before anything is trained) and are re-exported here.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { exampleHash as canonicalHash, type Dataset } from "../dataset/index.ts";
import { datasetExampleBytes } from "../dataset/canonical-bytes.ts";
import { CLASSES, encodeDataset, PIXELS } from "../dataset/dataset-file.ts";
import { AttributionError } from "./errors.ts";
import { Rng } from "./prng.ts";

export type { Dataset } from "../dataset/index.ts";
export { CLASSES, decodeDataset, encodeDataset, EXAMPLE_BYTES, PIXELS } from "../dataset/dataset-file.ts";

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

/**
 * 128-bit example id of example `i`: dataset/'s exampleHash of its canonical bytes, which for an
 * image are pixels || label, i.e. the first 16 bytes of sha256(784 pixel bytes || label byte).
 */
export function exampleHash(data: Dataset, i: number): bigint {
  return canonicalHash(datasetExampleBytes(data, i));
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
