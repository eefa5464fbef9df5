/**
 * What every scores file of the pipeline shares (witness/examples-file.ts is the format the
 * demo and attribution/ use): the CSV dialect, address parsing and the error type.
 *
 * CSV dialect (UTF-8, LF or CRLF line ends, an optional BOM):
 *   - Blank lines and lines whose first non-blank character is `#` are ignored everywhere.
 *   - The first other line is the header; each further line has exactly as many fields.
 *     Fields are trimmed; a field may be double-quoted (`"a, b"`, `""` for a quote). A line
 *     cannot continue onto the next.
 *   - address: `0x` + 40 hex digits, EIP-55 checksummed, all-lowercase or all-uppercase (the
 *     forms without a checksum); mixed case with a wrong checksum is an error; not the zero address.
 *
 * Errors: the FIRST problem found is thrown as a ScoresFileError with a code, the file, the
 * 1-based line (`row`, 0 for the file as a whole) and the field; the message reads
 * `<file>:<row>: <field>: <what is wrong>; <what is expected>`. Only the first, because later
 * problems are often consequences of an earlier one (a bad header misreads every row; a
 * duplicate is defined by an earlier row), and one typed error is what a CLI and a test can act
 * on exactly. Parsing writes nothing.
 */
import { readFileSync } from "node:fs";
import { getAddress } from "ethers";
import { CodedError } from "../errors/index.ts";

export type ScoresErrorCode =
  | "SCORES_FILE_UNREADABLE"
  | "SCORES_EMPTY"
  | "SCORES_MALFORMED_ROW"
  | "SCORES_BAD_ADDRESS"
  | "SCORES_BAD_NUMBER"
  | "SCORES_OUT_OF_RANGE"
  | "SCORES_ZERO_TOTAL"
  | "SCORES_BAD_EXAMPLE"
  | "SCORES_CONFLICT";

/** The part of a line an error is about; "file" and "total" are about the file as a whole. */
export type ScoresField = "file" | "header" | "row" | "address" | "score" | "total" | "example";

/** A problem in a scores file, located by file, line and field. */
export class ScoresFileError extends CodedError<ScoresErrorCode> {
  readonly file: string;
  /** 1-based line number in the file; 0 when the error is about the file as a whole. */
  readonly row: number;
  readonly field: ScoresField;
  /** The message without its `<file>:<row>: <field>: ` prefix. */
  readonly problem: string;
  constructor(code: ScoresErrorCode, file: string, row: number, field: ScoresField, problem: string, cause?: unknown) {
    super(code, "input", `${file}:${row}: ${field}: ${problem}`, cause === undefined ? undefined : { cause });
    this.file = file;
    this.row = row;
    this.field = field;
    this.problem = problem;
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Splits one CSV line into trimmed fields; returns a string describing the problem if malformed. */
export function splitFields(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    let value: string;
    if (line[i] === '"') {
      value = "";
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return `unterminated quoted field starting at column ${i}; expected a closing "`;
        value += line.slice(i, close);
        i = close + 1;
        if (line[i] !== '"') break;
        value += '"';
        i++;
      }
      while (line[i] === " " || line[i] === "\t") i++;
      if (i < line.length && line[i] !== ",") {
        return `text after a closing quote at column ${i + 1}; expected a comma or the end of the line`;
      }
    } else {
      const comma = line.indexOf(",", i);
      const end = comma < 0 ? line.length : comma;
      value = line.slice(i, end).trim();
      i = end;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

export function parseAddress(text: string, file: string, row: number): string {
  const bad = (problem: string, cause?: unknown): never => {
    throw new ScoresFileError("SCORES_BAD_ADDRESS", file, row, "address", problem, cause);
  };
  if (text === "") bad("missing; expected 0x followed by 40 hex digits");
  if (!ADDRESS.test(text)) bad(`${JSON.stringify(text)} is not an address; expected 0x followed by 40 hex digits`);
  let checksummed = "";
  try {
    checksummed = getAddress(text);
  } catch (error) {
    bad(`${text} has a bad EIP-55 checksum (a typo?); expected the checksummed form or all lowercase`, error);
  }
  if (BigInt(checksummed) === 0n) bad("the zero address cannot be paid; expected a contributor's address");
  return checksummed;
}

/** The UTF-8 text of `path`; an unreadable file is a SCORES_FILE_UNREADABLE error. */
export function readUtf8(path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(path));
  } catch (error) {
    const reason = error instanceof TypeError ? "not valid UTF-8" : (error as Error).message;
    throw new ScoresFileError(
      "SCORES_FILE_UNREADABLE",
      path,
      0,
      "file",
      `cannot read (${reason}); expected a readable UTF-8 CSV file`,
      error,
    );
  }
}
