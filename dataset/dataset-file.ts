/**
 * Image examples (28 x 28 grey digits with a class label) and the project's dataset file: each
 * example's 784 pixel bytes then its label byte, in order, nothing else (785 bytes per example;
 * e.g. an epoch's revealed validation.bin, or a contributor's .bin). It lives here rather than in
 * attribution/ because a contributor reads it before anything is trained, and the skeptic reads it
 * too: the format is part of the data, not of the scoring.
 */
import { DatasetError } from "./errors.ts";

/** Pixels per image (28 x 28), one byte each (round(255 v) of the grey value). */
export const PIXELS = 784;
/** Labels are the classes 0..9. */
export const CLASSES = 10;
/** Bytes per example in a dataset file: 784 pixel bytes, then the label byte. */
export const EXAMPLE_BYTES = PIXELS + 1;

/** A set of labelled images: image k is images[k*784 .. k*784+783], its label labels[k]. */
export interface Dataset {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly size: number;
}

/** The dataset file of `data`: per example, its 784 pixel bytes then its label byte. */
export function encodeDataset(data: Dataset): Uint8Array {
  const out = new Uint8Array(data.size * EXAMPLE_BYTES);
  for (let i = 0; i < data.size; i++) {
    out.set(data.images.subarray(i * PIXELS, (i + 1) * PIXELS), i * EXAMPLE_BYTES);
    out[i * EXAMPLE_BYTES + PIXELS] = data.labels[i]!;
  }
  return out;
}

/**
 * Reads encodeDataset's format back (copied: the result does not alias `bytes`). DatasetError
 * BIN_LENGTH for a length that is not a positive multiple of 785, LABEL_INVALID (with the
 * example's index) for a label byte that is not a class.
 */
export function decodeDataset(bytes: Uint8Array): Dataset {
  if (bytes.length === 0 || bytes.length % EXAMPLE_BYTES !== 0) {
    throw new DatasetError(
      "BIN_LENGTH",
      `a dataset file holds a positive multiple of ${EXAMPLE_BYTES} bytes (784 pixels and a label per example), got ${bytes.length}`,
    );
  }
  const size = bytes.length / EXAMPLE_BYTES;
  const images = new Uint8Array(size * PIXELS);
  const labels = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    images.set(bytes.subarray(i * EXAMPLE_BYTES, i * EXAMPLE_BYTES + PIXELS), i * PIXELS);
    labels[i] = bytes[i * EXAMPLE_BYTES + PIXELS]!;
    if (labels[i]! >= CLASSES)
      throw new DatasetError("LABEL_INVALID", `label ${labels[i]} is not a class in [0, ${CLASSES - 1}]`, { entry: i, field: "label" });
  }
  return { images, labels, size };
}
