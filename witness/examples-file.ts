/**
 * The example-level scores file: one line per (example, contributor) claim, the demo's input to
 * the policy (attribution/ writes the same format).
 *
 * Format: the CSV dialect of scores-file.ts (comments, blank lines, quoting, BOM, CRLF, error
 * style), header `example,contributor,score` in any order, case-insensitive, no other columns:
 *   - example: the example's 128-bit hash, `0x` + 32 hex digits, not zero;
 *   - contributor: the claiming contributor's address (EIP-55 or one case), not zero;
 *   - score: the example's signed influence (fixed point, digits beyond the scale truncated toward
 *     zero), |score| below 2^(scoreBits - 1) in fixed point.
 * The same example may appear on several lines with different contributors (a duplicate: the
 * witness builder credits the earliest registrant); the same (example, contributor) twice is an
 * error. At least one score must be positive (else there is nothing to split by). Errors are
 * ScoresFileErrors (the first problem found).
 */
import type { ProtocolConfig } from "../config/index.ts";
import { formatFixedPoint, toFixedPoint } from "../config/fixed-point.ts";
import { parseAddress, readUtf8, ScoresFileError, splitFields } from "./scores-file.ts";

/** One line of an examples file. */
export interface ExampleClaim {
  readonly hash: bigint;
  readonly contributor: bigint;
  /** The contributor address in EIP-55 form. */
  readonly checksumAddress: string;
  /** Signed fixed-point score. */
  readonly score: bigint;
  /** 1-based line number. */
  readonly row: number;
}

const COLUMNS = ["example", "contributor", "score"] as const;
type Column = (typeof COLUMNS)[number];
const HASH = /^0x[0-9a-fA-F]{32}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function parseHeader(fields: string[], file: string, row: number): Column[] {
  const fail = (problem: string): never => {
    throw new ScoresFileError(
      "SCORES_MALFORMED_ROW",
      file,
      row,
      "header",
      `${problem}; expected the header line example,contributor,score`,
    );
  };
  if (fields.some((f) => HASH.test(f) || ADDRESS.test(f))) fail("the header line is missing (found a hash or an address)");
  const columns: Column[] = [];
  for (const raw of fields) {
    const name = raw.toLowerCase();
    if (!(COLUMNS as readonly string[]).includes(name)) fail(`unknown column ${JSON.stringify(raw)}`);
    if (columns.includes(name as Column)) fail(`column ${JSON.stringify(name)} appears twice`);
    columns.push(name as Column);
  }
  for (const required of COLUMNS) if (!columns.includes(required)) fail(`no ${required} column`);
  return columns;
}

/** Parses the text of an examples file named `file`; throws the first ScoresFileError. */
export function parseExamples(text: string, file: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): ExampleClaim[] {
  if (typeof text !== "string") throw new TypeError(`text must be a string, got ${typeof text}`);
  const limit = 1n << BigInt(config.widths.scoreBits - 1);
  let columns: Column[] | undefined;
  const seen = new Map<string, number>();
  const claims: ExampleClaim[] = [];
  for (const [index, line] of text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .entries()) {
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
        "SCORES_MALFORMED_ROW",
        file,
        row,
        "row",
        `found ${fields.length} field(s); expected ${columns.length} (${columns.join(",")})`,
      );
    }
    const value = (c: Column) => fields[columns!.indexOf(c)]!;
    const exampleText = value("example");
    if (!HASH.test(exampleText) || BigInt(exampleText) === 0n) {
      throw new ScoresFileError(
        "SCORES_BAD_EXAMPLE",
        file,
        row,
        "example",
        `${JSON.stringify(exampleText)} is not an example hash; expected 0x followed by 32 hex digits, not all zero`,
      );
    }
    const hash = BigInt(exampleText);
    const checksumAddress = parseAddress(value("contributor"), file, row);
    const key = `${hash}:${checksumAddress.toLowerCase()}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ScoresFileError(
        "SCORES_BAD_EXAMPLE",
        file,
        row,
        "example",
        `${exampleText} is already claimed by ${checksumAddress} on line ${first}; expected each claim once`,
      );
    }
    seen.set(key, row);
    let score: bigint;
    if (value("score") === "")
      throw new ScoresFileError("SCORES_BAD_NUMBER", file, row, "score", 'missing; expected a decimal such as "0.25"');
    try {
      score = toFixedPoint(value("score"), config.fixedPoint.decimals);
    } catch (error) {
      const code = error instanceof RangeError ? "SCORES_OUT_OF_RANGE" : "SCORES_BAD_NUMBER";
      throw new ScoresFileError(code, file, row, "score", (error as Error).message, error);
    }
    if (score >= limit || -score > limit) {
      throw new ScoresFileError(
        "SCORES_OUT_OF_RANGE",
        file,
        row,
        "score",
        `${value("score")} does not fit in ${config.widths.scoreBits} signed bits at ${config.fixedPoint.decimals} decimals; expected ${formatFixedPoint(-limit, config.fixedPoint.decimals)} <= score <= ${formatFixedPoint(limit - 1n, config.fixedPoint.decimals)}`,
      );
    }
    claims.push({ hash, contributor: BigInt(checksumAddress), checksumAddress, score, row });
  }
  if (claims.length === 0) {
    const problem = columns === undefined ? "no header and no data rows" : "a header but no data rows";
    throw new ScoresFileError("SCORES_EMPTY", file, 0, "file", `${problem}; expected example,contributor,score then one row per claim`);
  }
  if (!claims.some((c) => c.score > 0n)) {
    throw new ScoresFileError(
      "SCORES_ZERO_TOTAL",
      file,
      0,
      "total",
      `every score is <= 0 after clipping (at ${config.fixedPoint.decimals} decimals), so there is nothing to split by; expected at least one positive score`,
    );
  }
  return claims;
}

/** Reads and parses an examples file (UTF-8). */
export function readExamplesFile(path: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): ExampleClaim[] {
  return parseExamples(readUtf8(path), path, config);
}
