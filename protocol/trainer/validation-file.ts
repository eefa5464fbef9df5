/**
 * A held-out validation set the trainer brings as a file (seal --validation, score --model
 * --validation, settle --validation): read by dataset/ in any form score --model reads (.npz, an
 * inputs .npy with its labels .npy, JSONL labelled rows or image records, .bin), required to be
 * labelled arrays (what the scorer can feed a classifier), hashed by dataset/ exampleSetHash (the
 * canonical bytes of its examples in order: why there, see dataset/set-hash.ts), and published at
 * the reveal as the trainer's own file(s) byte for byte, under names that keep the form so the
 * skeptic reads them with the same reader:
 *   validation.npz | validation.jsonl | validation.bin | validation.npy with validation-labels.npy
 * (validation.bin is also the MNIST path's name for its set, in the same format.)
 */
import { AttributionError } from "../../attribution/index.ts";
import {
  exampleSetHash,
  labelledArrays,
  MAX_DATA_BYTES,
  readContributorData,
  type ContributorData,
  type DataForm,
  type LabelledArrays,
} from "../../dataset/index.ts";
import { readRegularFile } from "../../dataset/read-file.ts";

/** A file of the epoch record a reveal writes. */
export interface RevealFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A validation set as seal commits to it and the reveal publishes it. */
export interface ValidationSetFiles {
  /** 0x + dataset/ exampleSetHash of its examples: the hash the commitment is of. */
  readonly hash: string;
  readonly examples: number;
  /** The data file first, then (npy) its labels file. */
  readonly files: readonly RevealFile[];
  /** Where it was read, for messages (the trainer's path). */
  readonly source: string;
}

/** Names of the revealed files by form (the labels .npy of an inputs .npy second). */
export const REVEALED_NAMES: Readonly<Record<Exclude<DataForm, "folder">, readonly string[]>> = {
  npz: ["validation.npz"],
  jsonl: ["validation.jsonl"],
  bin: ["validation.bin"],
  npy: ["validation.npy", "validation-labels.npy"],
};

/**
 * `file` (with `labels`, the labels .npy of an inputs .npy) as labelled arrays; AttributionError
 * DATA_INVALID naming the file and `what` it is for when the data cannot feed a classifier.
 */
export function readLabelledData(
  file: string,
  labels: string | undefined,
  what: string,
): { data: ContributorData; arrays: LabelledArrays } {
  const data = readContributorData(file, labels === undefined ? {} : { labels });
  const arrays = labelledArrays(data);
  if (arrays === undefined) {
    throw new AttributionError(
      "DATA_INVALID",
      `${file} (${what}): not labelled arrays; give an .npz (x, y), an .npy with its labels .npy, a .bin, or JSONL records that are all {"input": [...], "label": n} (or image records)`,
    );
  }
  return { data, arrays };
}

/** Reads the validation set in `file` (and its `labels` .npy): the data, its arrays and the set as sealed and revealed. */
export function readValidationFile(
  file: string,
  labels?: string,
): { data: ContributorData; arrays: LabelledArrays; set: ValidationSetFiles } {
  const { data, arrays } = readLabelledData(file, labels, "validation data");
  const names = REVEALED_NAMES[data.form as Exclude<DataForm, "folder">];
  // The bytes the reader just accepted, read again within its limit (the trainer does not edit its
  // set meanwhile; if it did, the revealed file would not rehash to the revealed hash, and verify says so).
  const sources = data.form === "npy" ? [file, labels!] : [file];
  const files = sources.map((path, i) => ({ name: names[i]!, bytes: readRegularFile(path, MAX_DATA_BYTES) }));
  const source = labels === undefined ? file : `${file} (labels ${labels})`;
  return { data, arrays, set: { hash: `0x${exampleSetHash(data.examples)}`, examples: data.examples.length, files, source } };
}
