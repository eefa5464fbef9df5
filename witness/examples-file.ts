/**
 * The example-level scores file: one line per (example, contributor) claim, the demo's input to
 * the policy (attribution/ writes the same format).
 *
 * Format: CSV as in scores-file.ts (comments, blank lines, quoting, error style), header
 * `example,contributor,score` in any order, case-insensitive:
 *   - example: the example's 128-bit hash, `0x` + 32 hex digits, not zero;
 *   - contributor: the claiming contributor's address (EIP-55 or one case), not zero;
 *   - score: the example's signed influence (fixed point, digits beyond the scale truncated toward
 *     zero), |score| below 2^(scoreBits - 1) in fixed point.
 * The same example may appear on several lines with different contributors (a duplicate: the
 * witness builder credits the earliest registrant); the same (example, contributor) twice is an
 * error. Errors are ScoresFileErrors (the first problem found).
 */
import type { ProtocolConfig } from "../config/index.ts";
import { formatFixedPoint, toFixedPoint } from "./fixed-point.ts";
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
const HASH = /^0x[0-9a-fA-F]{32}$/;

/** Parses the text of an examples file named `file`; throws the first ScoresFileError. */
export function parseExamples(text: string, file: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): ExampleClaim[] {
  if (typeof text !== "string") throw new TypeError(`text must be a string, got ${typeof text}`);
  const limit = 1n << BigInt(config.widths.scoreBits - 1);
  let columns: string[] | undefined;
  const seen = new Map<string, number>();
  const claims: ExampleClaim[] = [];
  for (const [index, line] of text.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
    const row = index + 1;
    const content = line.trim();
    if (content === "" || content.startsWith("#")) continue;
    const fields = splitFields(line);
    if (typeof fields === "string") throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "row", fields);
    if (columns === undefined) {
      columns = fields.map((f) => f.toLowerCase());
      const sorted = [...columns].sort().join(",");
      if (sorted !== [...COLUMNS].sort().join(",")) {
        throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "header", `found ${fields.join(",")}; expected the header line example,contributor,score`);
      }
      continue;
    }
    if (fields.length !== columns.length) {
      throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "row", `found ${fields.length} field(s); expected ${columns.length} (${columns.join(",")})`);
    }
    const value = (c: (typeof COLUMNS)[number]) => fields[columns!.indexOf(c)]!;
    const exampleText = value("example");
    if (!HASH.test(exampleText) || BigInt(exampleText) === 0n) {
      throw new ScoresFileError("SCORES_BAD_EXAMPLE", file, row, "example", `${JSON.stringify(exampleText)} is not an example hash; expected 0x followed by 32 hex digits, not all zero`);
    }
    const hash = BigInt(exampleText);
    const checksumAddress = parseAddress(value("contributor"), file, row);
    const key = `${hash}:${checksumAddress.toLowerCase()}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ScoresFileError("SCORES_BAD_EXAMPLE", file, row, "example", `${exampleText} is already claimed by ${checksumAddress} on line ${first}; expected each claim once`);
    }
    seen.set(key, row);
    let score: bigint;
    try {
      score = toFixedPoint(value("score"), config.fixedPoint.decimals);
    } catch (error) {
      const code = error instanceof RangeError ? "SCORES_OUT_OF_RANGE" : "SCORES_BAD_NUMBER";
      throw new ScoresFileError(code, file, row, "score", (error as Error).message, error);
    }
    if (score >= limit || -score > limit) {
      throw new ScoresFileError("SCORES_OUT_OF_RANGE", file, row, "score", `${value("score")} does not fit in ${config.widths.scoreBits} signed bits; expected |score| < ${formatFixedPoint(limit, config.fixedPoint.decimals)}`);
    }
    claims.push({ hash, contributor: BigInt(checksumAddress), checksumAddress, score, row });
  }
  if (claims.length === 0) throw new ScoresFileError("SCORES_EMPTY", file, 0, "file", "no example rows; expected example,contributor,score then one row per claim");
  return claims;
}

/** Reads and parses an examples file (UTF-8). */
export function readExamplesFile(path: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): ExampleClaim[] {
  return parseExamples(readUtf8(path), path, config);
}
