/**
 * The scores file: per-contributor influence totals, the demo's input to the reward policy.
 *
 * Format (CSV, UTF-8, LF or CRLF line ends):
 *   - Blank lines and lines whose first non-blank character is `#` are ignored everywhere.
 *   - The first other line is the header: the column names `address` and `score`, and optionally
 *     `label`, in any order, case-insensitive. No other columns.
 *   - Each further line is one contributor, with exactly as many fields as the header.
 *     Fields are trimmed; a field may be double-quoted (`"a, b"`, `""` for a quote) so a label
 *     can hold a comma. A line cannot continue onto the next.
 *   - address: `0x` + 40 hex digits, EIP-55 checksummed, all-lowercase or all-uppercase (the
 *     forms without a checksum); mixed case with a wrong checksum is an error. Not the zero
 *     address; each address once (compared case-insensitively).
 *   - score: the contributor's signed influence total as a decimal (see fixed-point.ts: exponents
 *     accepted, digits beyond config.fixedPoint.decimals truncated toward zero). |score| in fixed
 *     point must be below 2^config.widths.totalBits.
 *   - label: optional human name; empty means none.
 * The policy clips negative influence to 0: `amount` is the clipped value, `rawScore` the signed
 * one. The sum of the amounts must be below 2^totalBits and above 0.
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
import type { ProtocolConfig } from "../config/index.ts";
import { formatFixedPoint, toFixedPoint } from "./fixed-point.ts";
import type { ContributorTotal } from "./policy.ts";

export type ScoresErrorCode =
  | "SCORES_FILE_UNREADABLE"
  | "SCORES_EMPTY"
  | "SCORES_MALFORMED_ROW"
  | "SCORES_BAD_ADDRESS"
  | "SCORES_DUPLICATE_ADDRESS"
  | "SCORES_BAD_NUMBER"
  | "SCORES_OUT_OF_RANGE"
  | "SCORES_ZERO_TOTAL"
  | "SCORES_BAD_EXAMPLE";

/** The part of a line an error is about; "file" and "total" are about the file as a whole. */
export type ScoresField = "file" | "header" | "row" | "address" | "score" | "label" | "total" | "example";

/** A problem in a scores file, located by file, line and field. */
export class ScoresFileError extends Error {
  readonly code: ScoresErrorCode;
  readonly file: string;
  /** 1-based line number in the file; 0 when the error is about the file as a whole. */
  readonly row: number;
  readonly field: ScoresField;
  /** The message without its `<file>:<row>: <field>: ` prefix. */
  readonly problem: string;
  constructor(code: ScoresErrorCode, file: string, row: number, field: ScoresField, problem: string, cause?: unknown) {
    super(`${file}:${row}: ${field}: ${problem}`, cause === undefined ? undefined : { cause });
    this.name = "ScoresFileError";
    this.code = code;
    this.file = file;
    this.row = row;
    this.field = field;
    this.problem = problem;
  }
}

/** One contributor of a scores file. */
export interface ScoreRow extends ContributorTotal {
  /** The address in EIP-55 form. */
  readonly checksumAddress: string;
  /** The signed score in fixed point (before clipping); `amount` = max(rawScore, 0). */
  readonly rawScore: bigint;
  readonly label?: string;
  /** 1-based line number in the file. */
  readonly row: number;
}

/** The parameters the scores file depends on. */
export type ScoresConfig = Pick<ProtocolConfig, "fixedPoint" | "widths">;

const COLUMNS = ["address", "score", "label"] as const;
type Column = (typeof COLUMNS)[number];
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

function parseHeader(fields: string[], file: string, row: number): Column[] {
  const fail = (problem: string): never => {
    throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "header", problem);
  };
  const expected = "expected the header line address,score (optionally with a label column)";
  if (fields.length >= 1 && ADDRESS.test(fields[0]!)) fail(`the header line is missing (found an address); ${expected}`);
  const columns: Column[] = [];
  for (const raw of fields) {
    const name = raw.toLowerCase();
    if (!(COLUMNS as readonly string[]).includes(name)) fail(`unknown column ${JSON.stringify(raw)}; ${expected}`);
    if (columns.includes(name as Column)) fail(`column ${JSON.stringify(name)} appears twice; ${expected}`);
    columns.push(name as Column);
  }
  for (const required of ["address", "score"] as const) {
    if (!columns.includes(required)) fail(`no ${required} column; ${expected}`);
  }
  return columns;
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

function parseScore(text: string, file: string, row: number, config: ScoresConfig): bigint {
  const { decimals } = config.fixedPoint;
  const { totalBits } = config.widths;
  if (text === "") {
    throw new ScoresFileError("SCORES_BAD_NUMBER", file, row, "score", 'missing; expected a decimal such as "0.25"');
  }
  let raw: bigint;
  try {
    raw = toFixedPoint(text, decimals);
  } catch (error) {
    const code = error instanceof RangeError ? "SCORES_OUT_OF_RANGE" : "SCORES_BAD_NUMBER";
    throw new ScoresFileError(code, file, row, "score", (error as Error).message, error);
  }
  const limit = 1n << BigInt(totalBits);
  if (raw >= limit || -raw >= limit) {
    const max = formatFixedPoint(limit - 1n, decimals);
    throw new ScoresFileError(
      "SCORES_OUT_OF_RANGE", file, row, "score",
      `${text} does not fit in ${totalBits} bits at ${decimals} decimals; expected |score| <= ${max}`,
    );
  }
  return raw;
}

/**
 * Parses the text of a scores file named `file` (the name only appears in errors).
 * Returns the contributors in file order; throws the first ScoresFileError.
 */
export function parseScores(text: string, file: string, config: ScoresConfig): ScoreRow[] {
  if (typeof text !== "string") throw new TypeError(`text must be a string, got ${typeof text}`);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const limit = 1n << BigInt(config.widths.totalBits);
  let columns: Column[] | undefined;
  const seen = new Map<string, number>();
  const rows: ScoreRow[] = [];
  let total = 0n;
  for (const [index, line] of lines.entries()) {
    const row = index + 1;
    const content = line.trim();
    if (content === "" || content.startsWith("#")) continue;
    const fields = splitFields(line);
    if (typeof fields === "string") throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "row", fields);
    if (columns === undefined) {
      columns = parseHeader(fields, file, row);
      continue;
    }
    if (fields.length !== columns.length) {
      throw new ScoresFileError(
        "SCORES_MALFORMED_ROW", file, row, "row",
        `found ${fields.length} field(s); expected ${columns.length} (${columns.join(",")})`,
      );
    }
    const value = (column: Column): string => fields[columns!.indexOf(column)] ?? "";
    const checksumAddress = parseAddress(value("address"), file, row);
    const key = checksumAddress.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ScoresFileError(
        "SCORES_DUPLICATE_ADDRESS", file, row, "address",
        `${checksumAddress} already appears on line ${first}; expected each contributor once (add up its scores)`,
      );
    }
    seen.set(key, row);
    const rawScore = parseScore(value("score"), file, row, config);
    const amount = rawScore > 0n ? rawScore : 0n;
    total += amount;
    if (total >= limit) {
      throw new ScoresFileError(
        "SCORES_OUT_OF_RANGE", file, row, "total",
        `the sum of clipped scores reaches 2^${config.widths.totalBits} at this row; ` +
          `expected the sum of all clipped scores <= ${formatFixedPoint(limit - 1n, config.fixedPoint.decimals)}`,
      );
    }
    const label = columns.includes("label") ? value("label") : "";
    rows.push({ address: BigInt(checksumAddress), amount, rawScore, checksumAddress, row, ...(label ? { label } : {}) });
  }
  if (rows.length === 0) {
    const problem = columns === undefined ? "no header and no data rows" : "a header but no data rows";
    throw new ScoresFileError("SCORES_EMPTY", file, 0, "file", `${problem}; expected address,score[,label] then one row per contributor`);
  }
  if (total === 0n) {
    throw new ScoresFileError(
      "SCORES_ZERO_TOTAL", file, 0, "total",
      `every score is <= 0 after clipping (at ${config.fixedPoint.decimals} decimals), so there is nothing to split by; expected at least one positive score`,
    );
  }
  return rows;
}

/** The UTF-8 text of `path`; an unreadable file is a SCORES_FILE_UNREADABLE error. */
export function readUtf8(path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(path));
  } catch (error) {
    const reason = error instanceof TypeError ? "not valid UTF-8" : (error as Error).message;
    throw new ScoresFileError("SCORES_FILE_UNREADABLE", path, 0, "file", `cannot read (${reason}); expected a readable UTF-8 CSV file`, error);
  }
}

/** Reads and parses a scores file (UTF-8); an unreadable file is a SCORES_FILE_UNREADABLE error. */
export function readScoresFile(path: string, config: ScoresConfig): ScoreRow[] {
  return parseScores(readUtf8(path), path, config);
}
