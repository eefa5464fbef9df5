/**
 * A contributor's examples, read from one of five forms and turned into canonical bytes and
 * hashes by the one rule (canonical-bytes.ts), in the order the data holds them:
 *   bin     the project's dataset file (read-bin.ts), 785 bytes per image example;
 *   jsonl   one JSON record per line (read-jsonl.ts);
 *   folder  one example per file (read-folder.ts);
 *   npz     NumPy arrays x and y (inputs and labels) in one .npz (arrays.ts);
 *   npy     an inputs .npy with its labels .npy (`labels` option; arrays.ts).
 * The form is the caller's `form` option, else the path's: a folder, a name ending in .jsonl,
 * .bin, .npz or .npy (case-insensitive). Duplicates within the data are kept: which copy counts is the reward
 * policy's decision, made on the hashes.
 *
 * Every form is read within limits (read-file.ts): only regular files (symbolic links followed),
 * at most `maxExamples` examples and MAX_EXAMPLE_BYTES per example (checked on the size before
 * reading, and on the average after), and only inside `within` when given.
 */
import { realpathSync } from "node:fs";
import { config } from "../config/index.ts";
import { DatasetError } from "./errors.ts";
import { readBinFile } from "./read-bin.ts";
import { MAX_EXAMPLE_BYTES, statData, type ReadLimits } from "./read-file.ts";
import { readFolder } from "./read-folder.ts";
import { readJsonlFile } from "./read-jsonl.ts";
import { arraysOfExamples, readNpyFiles, readNpzFile } from "./arrays.ts";
import { DATA_FORMS, type ContributorData, type DataForm, type LabelledArrays } from "./contributor-data.ts";

export interface ReadOptions {
  /** The form, when the path does not say it (e.g. a JSONL file named data.txt). */
  readonly form?: DataForm;
  /**
   * The most examples read (TOO_MANY_EXAMPLES beyond); the data may then hold at most
   * maxExamples * MAX_EXAMPLE_BYTES bytes (TOO_LARGE, before it is read). Default: the most one
   * registration may declare (config registration.maxExamplesPerRegistrant).
   */
  readonly maxExamples?: number;
  /** A folder the data must be inside, symbolic links resolved (PATH_OUTSIDE): the trainer's delivery folder. */
  readonly within?: string;
  /** The labels .npy of an inputs .npy (form npy). */
  readonly labels?: string;
}

/** The limits of `options`, checked: RangeError naming maxExamples, DatasetError PATH_MISSING for `within`. */
function limitsOf(options: ReadOptions): ReadLimits {
  const maxExamples = options.maxExamples ?? config.registration.maxExamplesPerRegistrant;
  if (!Number.isSafeInteger(maxExamples) || maxExamples < 1 || maxExamples > config.registration.maxExamplesPerRegistrant) {
    throw new RangeError(`maxExamples must be an integer in [1, ${config.registration.maxExamplesPerRegistrant}], got ${maxExamples}`);
  }
  if (options.within !== undefined) statData(options.within);
  return {
    maxExamples,
    maxBytes: maxExamples * MAX_EXAMPLE_BYTES,
    ...(options.within === undefined ? {} : { within: realpathSync(options.within) }),
  };
}

/** The form of `path`: `form` if given (checked against a folder or a file), else from the path. */
export function dataFormOf(path: string, form?: DataForm): DataForm {
  if (form !== undefined && !DATA_FORMS.includes(form))
    throw new RangeError(`form must be one of ${DATA_FORMS.join(", ")}, got ${JSON.stringify(form)}`);
  const isFolder = statData(path).isDirectory();
  if (form !== undefined) {
    if ((form === "folder") !== isFolder)
      throw new DatasetError("FORM_MISMATCH", `read as ${form}, but it is ${isFolder ? "a folder" : "a file"}`, { file: path });
    return form;
  }
  if (isFolder) return "folder";
  const lower = path.toLowerCase();
  if (lower.endsWith(".jsonl")) return "jsonl";
  if (lower.endsWith(".bin")) return "bin";
  if (lower.endsWith(".npz")) return "npz";
  if (lower.endsWith(".npy")) return "npy";
  throw new DatasetError(
    "FORM_UNKNOWN",
    `the form is not in the name: give a folder, a .jsonl, .bin, .npz or .npy file, or name the form (${DATA_FORMS.join(", ")})`,
    { file: path },
  );
}

/** Reads a contributor's examples from `path` (see the header); DatasetError naming file, line or entry, and field. */
export function readContributorData(path: string, options: ReadOptions = {}): ContributorData {
  const limits = limitsOf(options);
  switch (dataFormOf(path, options.form)) {
    case "bin":
      return readBinFile(path, limits);
    case "jsonl":
      return readJsonlFile(path, limits);
    case "folder":
      return readFolder(path, limits);
    case "npz":
      return readNpzFile(path, limits);
    case "npy":
      return readNpyFiles(path, options.labels, limits);
  }
}

/**
 * The inputs and labels of `data` as arrays, to feed a classifier: an .npz's or .npy's own, the
 * images of a .bin or of image records, or JSONL records that are all { input, label } with
 * inputs of one shape; undefined otherwise (a folder, other records).
 */
export function labelledArrays(data: ContributorData): LabelledArrays | undefined {
  return data.arrays ?? (data.form === "folder" ? undefined : arraysOfExamples(data.examples));
}
