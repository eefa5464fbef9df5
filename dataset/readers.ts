/**
 * A contributor's examples, read from one of three forms and turned into canonical bytes and
 * hashes by the one rule (canonical-bytes.ts), in the order the data holds them:
 *   bin     the project's dataset file (read-bin.ts), 785 bytes per image example;
 *   jsonl   one JSON record per line (read-jsonl.ts);
 *   folder  one example per file (read-folder.ts).
 * The form is the caller's `form` option, else the path's: a folder, a name ending in .jsonl or
 * .bin (case-insensitive). Duplicates within the data are kept: which copy counts is the reward
 * policy's decision, made on the hashes.
 */
import { statSync } from "node:fs";
import type { CanonicalExample } from "./canonical-bytes.ts";
import type { Dataset } from "./dataset-file.ts";
import { DatasetError, type DatasetLocation } from "./errors.ts";
import { readBinFile } from "./read-bin.ts";
import { readFolder } from "./read-folder.ts";
import { readJsonlFile } from "./read-jsonl.ts";

/** The three forms a contributor's data comes in. */
export type DataForm = "bin" | "jsonl" | "folder";
export const DATA_FORMS: readonly DataForm[] = ["bin", "jsonl", "folder"];

/** An example with where it was read: file, JSONL line, 0-based entry. */
export interface SourcedExample extends CanonicalExample {
  readonly where: DatasetLocation;
}

/** A contributor's data, read. */
export interface ContributorData {
  readonly form: DataForm;
  readonly path: string;
  /** Every example, in the data's order (file order, line order, name order). */
  readonly examples: readonly SourcedExample[];
  /**
   * The examples as images, in the same order, when every one is an image example (a .bin
   * always; a JSONL file whose every record is an image record); absent otherwise.
   */
  readonly images?: Dataset;
}

export interface ReadOptions {
  /** The form, when the path does not say it (e.g. a JSONL file named data.txt). */
  readonly form?: DataForm;
}

/** The form of `path`: `form` if given (checked against a folder or a file), else from the path. */
export function dataFormOf(path: string, form?: DataForm): DataForm {
  if (form !== undefined && !DATA_FORMS.includes(form)) throw new RangeError(`form must be one of ${DATA_FORMS.join(", ")}, got ${JSON.stringify(form)}`);
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DatasetError("PATH_MISSING", "no such file or folder", { file: path });
    throw error;
  }
  if (form !== undefined) {
    if ((form === "folder") !== isFolder) throw new DatasetError("FORM_MISMATCH", `read as ${form}, but it is ${isFolder ? "a folder" : "a file"}`, { file: path });
    return form;
  }
  if (isFolder) return "folder";
  const lower = path.toLowerCase();
  if (lower.endsWith(".jsonl")) return "jsonl";
  if (lower.endsWith(".bin")) return "bin";
  throw new DatasetError("FORM_UNKNOWN", "the form is not in the name: give a folder, a .jsonl or a .bin file, or name the form (bin, jsonl, folder)", { file: path });
}

/** Reads a contributor's examples from `path` (see the header); DatasetError naming file, line or entry, and field. */
export function readContributorData(path: string, options: ReadOptions = {}): ContributorData {
  switch (dataFormOf(path, options.form)) {
    case "bin":
      return readBinFile(path);
    case "jsonl":
      return readJsonlFile(path);
    case "folder":
      return readFolder(path);
  }
}
