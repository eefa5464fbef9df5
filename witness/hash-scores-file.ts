/**
 * A scores file as the trainer brings it from its own pipeline (`score --scores FILE`): one score
 * per example hash, no contributor. Who is paid comes from the registrations on chain, never from
 * this file. Two forms, chosen by the file's extension:
 *   - CSV (scores-file.ts's dialect): header `example,score` in any order; a `contributor` column
 *     (the score stage's examples.csv) is accepted and ignored;
 *   - JSONL (`.jsonl`): one object per line, `{"example": "0x<32 hex>", "score": "0.25"}` (score a
 *     decimal string or a JSON number); blank lines skipped.
 * The same hash twice with the same score is one example; with another score it is SCORES_CONFLICT,
 * naming both lines. Scores are fixed point at config.fixedPoint.decimals, |score| < 2^(scoreBits-1).
 */
import type { ProtocolConfig } from "../config/index.ts";
import { formatFixedPoint, toFixedPoint } from "../config/fixed-point.ts";
import { readUtf8, ScoresFileError, splitFields } from "./scores-file.ts";

const HASH = /^0x[0-9a-fA-F]{32}$/;

/** Example hash -> signed fixed-point score, with the line each came from. */
export interface HashScores {
  readonly scores: ReadonlyMap<bigint, bigint>;
  readonly lines: ReadonlyMap<bigint, number>;
}

type Config = Pick<ProtocolConfig, "fixedPoint" | "widths">;

function parseHash(text: string, file: string, row: number): bigint {
  if (!HASH.test(text) || BigInt(text) === 0n) {
    throw new ScoresFileError(
      "SCORES_BAD_EXAMPLE",
      file,
      row,
      "example",
      `${JSON.stringify(text)} is not an example hash; expected 0x followed by 32 hex digits, not all zero`,
    );
  }
  return BigInt(text);
}

function parseScore(text: string, file: string, row: number, config: Config): bigint {
  if (text === "") throw new ScoresFileError("SCORES_BAD_NUMBER", file, row, "score", 'missing; expected a decimal such as "0.25"');
  let score: bigint;
  try {
    score = toFixedPoint(text, config.fixedPoint.decimals);
  } catch (error) {
    throw new ScoresFileError(
      error instanceof RangeError ? "SCORES_OUT_OF_RANGE" : "SCORES_BAD_NUMBER",
      file,
      row,
      "score",
      (error as Error).message,
      error,
    );
  }
  const limit = 1n << BigInt(config.widths.scoreBits - 1);
  if (score >= limit || -score > limit) {
    throw new ScoresFileError(
      "SCORES_OUT_OF_RANGE",
      file,
      row,
      "score",
      `${text} does not fit in ${config.widths.scoreBits} signed bits; expected |score| <= ${formatFixedPoint(limit - 1n, config.fixedPoint.decimals)}`,
    );
  }
  return score;
}

/** Parses `text` of `file` (CSV, or JSONL when `jsonl`); throws the first ScoresFileError. */
export function parseHashScores(text: string, file: string, config: Config, jsonl = file.endsWith(".jsonl")): HashScores {
  const scores = new Map<bigint, bigint>();
  const lines = new Map<bigint, number>();
  const add = (hash: bigint, score: bigint, row: number) => {
    const earlier = scores.get(hash);
    if (earlier !== undefined && earlier !== score) {
      throw new ScoresFileError(
        "SCORES_CONFLICT",
        file,
        row,
        "score",
        `example 0x${hash.toString(16).padStart(32, "0")} is scored ${formatFixedPoint(score, config.fixedPoint.decimals)} here and ${formatFixedPoint(earlier, config.fixedPoint.decimals)} on line ${lines.get(hash)}; expected one score per example`,
      );
    }
    if (earlier === undefined) lines.set(hash, row);
    scores.set(hash, score);
  };
  let columns: string[] | undefined;
  for (const [index, line] of text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .entries()) {
    const row = index + 1;
    const content = line.trim();
    if (content === "" || (!jsonl && content.startsWith("#"))) continue;
    if (jsonl) {
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (error) {
        throw new ScoresFileError(
          "SCORES_MALFORMED_ROW",
          file,
          row,
          "row",
          `not JSON (${(error as Error).message}); expected {"example": "0x...", "score": "0.25"}`,
          error,
        );
      }
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "row", 'expected an object {"example": "0x...", "score": "0.25"}');
      const { example, score } = value as Record<string, unknown>;
      if (typeof example !== "string")
        throw new ScoresFileError(
          "SCORES_BAD_EXAMPLE",
          file,
          row,
          "example",
          "missing or not a string; expected 0x followed by 32 hex digits",
        );
      if (typeof score !== "string" && typeof score !== "number")
        throw new ScoresFileError("SCORES_BAD_NUMBER", file, row, "score", "missing or not a number or decimal string");
      add(parseHash(example, file, row), parseScore(String(score), file, row, config), row);
      continue;
    }
    const fields = splitFields(line);
    if (typeof fields === "string") throw new ScoresFileError("SCORES_MALFORMED_ROW", file, row, "row", fields);
    if (columns === undefined) {
      columns = fields.map((f) => f.toLowerCase());
      const unknown = columns.find((c) => c !== "example" && c !== "score" && c !== "contributor");
      if (unknown !== undefined || !columns.includes("example") || !columns.includes("score") || new Set(columns).size !== columns.length) {
        throw new ScoresFileError(
          "SCORES_MALFORMED_ROW",
          file,
          row,
          "header",
          `expected the header line example,score (a contributor column is ignored), got ${JSON.stringify(line.trim())}`,
        );
      }
      continue;
    }
    if (fields.length !== columns.length)
      throw new ScoresFileError(
        "SCORES_MALFORMED_ROW",
        file,
        row,
        "row",
        `found ${fields.length} field(s); expected ${columns.length} (${columns.join(",")})`,
      );
    const value = (c: string) => fields[columns!.indexOf(c)]!;
    add(parseHash(value("example"), file, row), parseScore(value("score"), file, row, config), row);
  }
  if (scores.size === 0)
    throw new ScoresFileError("SCORES_EMPTY", file, 0, "file", "no scores; expected one example hash and score per line");
  return { scores, lines };
}

/** Reads and parses a scores file (UTF-8). */
export function readHashScores(path: string, config: Config): HashScores {
  return parseHashScores(readUtf8(path), path, config);
}
