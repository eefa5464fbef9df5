/**
 * Domain errors of dataset/: one class, a `code` per failure a contributor can fix, and where it
 * is (file, JSONL line or example index, field), so a message points at the bad byte of the data
 * rather than at the code that read it.
 *
 * | code              | meaning                                                                 |
 * |-------------------|-------------------------------------------------------------------------|
 * | PATH_MISSING      | the path given does not exist                                           |
 * | PATH_OUTSIDE      | a path that leaves the folder the caller confined reading to (`within`) |
 * | NOT_REGULAR_FILE  | a data file that is a FIFO, a device, a socket or a folder (not read)   |
 * | TOO_LARGE         | more bytes than the limit, or than MAX_EXAMPLE_BYTES per example        |
 * | TOO_MANY_EXAMPLES | more examples than the limit (maxExamples)                              |
 * | FORM_UNKNOWN      | the form cannot be told from the path (not a folder, .jsonl or .bin)    |
 * | FORM_MISMATCH     | the form asked for does not fit the path (a folder read as a file ...)  |
 * | EMPTY             | no example at all: empty file, only blank lines, empty folder            |
 * | BIN_LENGTH        | a dataset file whose length is not a positive multiple of 785 bytes     |
 * | UTF8_INVALID      | a JSONL line that is not valid UTF-8                                    |
 * | JSON_SYNTAX       | a JSONL line that is not one JSON value                                 |
 * | JSON_DUPLICATE_KEY| an object with the same key twice (JCS has no answer for which wins)    |
 * | JSON_NUMBER       | a number that is not finite (1e400 parses to Infinity)                  |
 * | JSON_STRING       | a string with a lone surrogate (no UTF-8 form; RFC 8785 refuses it)     |
 * | JSON_DEPTH        | nesting deeper than MAX_JSON_DEPTH                                      |
 * | IMAGE_FIELDS      | an image record (it has `pixels`) with a missing or an extra field      |
 * | PIXELS_INVALID    | pixels are not 784 integers in [0, 255] (flat or rectangular nesting)   |
 * | LABEL_INVALID     | a label that is no class: [0, 9] for an image, [0, 2^31 - 1] for a row  |
 * | ENTRY_NOT_FILE    | a folder entry that is a subfolder or not a regular file (refused)      |
 * | EXAMPLE_EMPTY     | a file of a folder with no bytes                                        |
 * | HASH_ZERO         | an example whose 128-bit hash is 0, the claim table's empty-slot value  |
 * | NPY_INVALID       | an .npy that is not NumPy's format 1.0-3.0, C order, of the right length  |
 * | NPY_DTYPE         | an .npy whose dtype is not bool, an integer or float32/float64          |
 * | NPY_LABELS_MISSING| an inputs .npy given without its labels .npy                            |
 * | ZIP_INVALID       | an .npz that is not a readable zip (bad directory, CRC, method)         |
 * | NPZ_ARRAYS        | an .npz without arrays x and y (or inputs and labels)                   |
 * | ARRAY_SHAPE       | inputs not (N, ...) or labels not one per input row                     |
 */
import { CodedError } from "../errors/index.ts";

export type DatasetErrorCode =
  | "PATH_MISSING"
  | "PATH_OUTSIDE"
  | "NOT_REGULAR_FILE"
  | "TOO_LARGE"
  | "TOO_MANY_EXAMPLES"
  | "FORM_UNKNOWN"
  | "FORM_MISMATCH"
  | "EMPTY"
  | "BIN_LENGTH"
  | "UTF8_INVALID"
  | "JSON_SYNTAX"
  | "JSON_DUPLICATE_KEY"
  | "JSON_NUMBER"
  | "JSON_STRING"
  | "JSON_DEPTH"
  | "IMAGE_FIELDS"
  | "PIXELS_INVALID"
  | "LABEL_INVALID"
  | "ENTRY_NOT_FILE"
  | "EXAMPLE_EMPTY"
  | "HASH_ZERO"
  | "NPY_INVALID"
  | "NPY_DTYPE"
  | "NPY_LABELS_MISSING"
  | "ZIP_INVALID"
  | "NPZ_ARRAYS"
  | "ARRAY_SHAPE";

/** Where a failure is: each part is present when known. */
export interface DatasetLocation {
  /** The file (or folder) read, as the caller named it. */
  readonly file?: string;
  /** 1-based line of a JSONL file. */
  readonly line?: number;
  /** 0-based index of the example in the file or folder. */
  readonly entry?: number;
  /** The field, as a JSON path inside the record (`label`, `pixels[12]`, `a.b[0]`). */
  readonly field?: string;
}

function prefix(where: DatasetLocation): string {
  const parts = [
    where.file,
    where.line === undefined ? undefined : `line ${where.line}`,
    where.entry === undefined || where.line !== undefined ? undefined : `example ${where.entry}`,
    where.field === undefined ? undefined : `field ${where.field}`,
  ].filter((p) => p !== undefined);
  return parts.length === 0 ? "" : `${parts.join(": ")}: `;
}

/** A contributor's data that does not follow the canonical-bytes rule or a reader's form. */
export class DatasetError extends CodedError<DatasetErrorCode> {
  readonly where: DatasetLocation;
  /** The message without its location. */
  readonly detail: string;
  constructor(code: DatasetErrorCode, detail: string, where: DatasetLocation = {}, cause?: unknown) {
    super(code, "input", `${prefix(where)}${detail}`, cause === undefined ? undefined : { cause });
    this.where = where;
    this.detail = detail;
  }

  /** The same failure, placed: `where` fills in the parts this error does not know yet. */
  at(where: DatasetLocation): DatasetError {
    const w = this.where;
    return new DatasetError(this.code, this.detail, {
      file: w.file ?? where.file,
      line: w.line ?? where.line,
      entry: w.entry ?? where.entry,
      field: w.field ?? where.field,
    });
  }
}

/** Runs `f`, placing any DatasetError it throws at `where`; other errors pass unchanged. */
export function placed<T>(where: DatasetLocation, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof DatasetError) throw error.at(where);
    throw error;
  }
}
