/**
 * What reading a contributor's data gives (readers.ts and the readers of each form): the examples
 * with where each was read, and the arrays of labelled forms. Types only, apart from the list of
 * forms, so every reader can name them without importing another.
 */
import type { CanonicalExample } from "./canonical-bytes.ts";
import type { Dataset } from "./dataset-file.ts";
import type { DatasetLocation } from "./errors.ts";

/** The forms a contributor's data comes in. */
export type DataForm = "bin" | "jsonl" | "folder" | "npz" | "npy";
export const DATA_FORMS: readonly DataForm[] = ["bin", "jsonl", "folder", "npz", "npy"];

/** An example with where it was read: file, JSONL line, 0-based entry. */
export interface SourcedExample extends CanonicalExample {
  readonly where: DatasetLocation;
  /**
   * The shape a JSONL labelled row's values were given in (28 x 28 ...): not part of the example
   * (canonical-bytes.ts), only how a classifier whose input does not say is fed them.
   */
  readonly shape?: readonly number[];
}

/** Inputs and labels of examples, ready to feed a classifier. */
export interface LabelledArrays {
  readonly size: number;
  /** Dimensions of one example's input. */
  readonly rowShape: readonly number[];
  /** Every example's input values, row-major, as stored (bytes not rescaled). */
  readonly values: Float32Array;
  /**
   * True when a model is fed value / 255: the inputs are uint8 arrays, or every example is an
   * image (canonical-bytes.ts) whatever it was stored as, so a digit is fed alike in every form.
   */
  readonly bytes: boolean;
  readonly labels: Int32Array;
}

/** A contributor's data, read. */
export interface ContributorData {
  readonly form: DataForm;
  readonly path: string;
  /** Every example, in the data's order (file order, line order, name order). */
  readonly examples: readonly SourcedExample[];
  /**
   * The examples as images, in the same order, when every one is an image example (a .bin
   * always; JSONL records or .npz/.npy rows whose every one is an image by its values); absent
   * otherwise.
   */
  readonly images?: Dataset;
  /** The inputs and labels as arrays (npz, npy); for other forms see labelledArrays. */
  readonly arrays?: LabelledArrays;
}
