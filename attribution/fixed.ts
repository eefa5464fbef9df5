/**
 * Scores (float64) to the signed fixed-point integers of the example table. The conversion goes
 * through the shortest round-trip decimal of the float (String(x)) and witness's exact decimal
 * parser (digits beyond the scale truncated toward zero), so it is exact and a pure function of
 * the float. Bad values are ScoreRangeErrors: SCORE_NAN, SCORE_INFINITE, SCORE_OUT_OF_RANGE
 * (outside [-2^(scoreBits-1), 2^(scoreBits-1)) in fixed point, the circuit's signed range).
 */
import { toFixedPoint } from "../config/fixed-point.ts";
import { ScoreRangeError } from "./errors.ts";

/** The fixed-point format of a score: decimals of the scale and signed bit width. */
export interface ScoreFormat {
  readonly decimals: number;
  readonly scoreBits: number;
}

function assertFormat(format: ScoreFormat): void {
  if (!Number.isInteger(format.scoreBits) || format.scoreBits < 2 || format.scoreBits > 252) {
    throw new RangeError(`scoreBits must be an integer in [2, 252], got ${format.scoreBits}`);
  }
}

/** One score to fixed point; `index` names it in errors. */
export function scoreToFixedPoint(value: number, format: ScoreFormat, index = 0): bigint {
  assertFormat(format);
  if (typeof value !== "number") throw new TypeError(`score ${index} must be a number, got ${typeof value}`);
  if (Number.isNaN(value)) throw new ScoreRangeError("SCORE_NAN", index, `score ${index} is NaN; the scoring method produced no number`);
  if (!Number.isFinite(value)) throw new ScoreRangeError("SCORE_INFINITE", index, `score ${index} is ${value}; expected a finite number`);
  const fixed = toFixedPoint(String(value), format.decimals);
  const limit = 1n << BigInt(format.scoreBits - 1);
  if (fixed < -limit || fixed >= limit) {
    throw new ScoreRangeError(
      "SCORE_OUT_OF_RANGE",
      index,
      `score ${index} = ${value} is ${fixed} in fixed point (${format.decimals} decimals); expected within [-2^${format.scoreBits - 1}, 2^${format.scoreBits - 1})`,
    );
  }
  return fixed;
}

/** Every score to fixed point (the first bad one throws). */
export function scoresToFixedPoint(values: ArrayLike<number>, format: ScoreFormat): bigint[] {
  return Array.from({ length: values.length }, (_, i) => scoreToFixedPoint(values[i]!, format, i));
}

/**
 * Divides scores by their largest magnitude so they lie in [-1, 1] (payouts depend on ratios only;
 * this uses the fixed-point resolution fully whatever the method's units). Returns the divisor (1
 * when every score is 0). NaN or infinite inputs are left for scoreToFixedPoint to report.
 */
export function normalizeScores(values: Float64Array): { normalized: Float64Array; divisor: number } {
  let max = 0;
  for (const v of values) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  const divisor = max > 0 ? max : 1;
  return { normalized: values.map((v) => v / divisor), divisor };
}

/**
 * The score format of a protocol config: fixedPoint.decimals and widths.scoreBits (the example
 * circuit's signed score width). Throws a RangeError naming the field when the width is missing.
 */
export function scoreFormatOf(config: { readonly fixedPoint: { readonly decimals: number }; readonly widths: object }): ScoreFormat {
  const scoreBits = (config.widths as { readonly scoreBits?: unknown }).scoreBits;
  if (typeof scoreBits !== "number")
    throw new RangeError("widths.scoreBits is missing from the protocol config; the example circuit's score width is required");
  const format = { decimals: config.fixedPoint.decimals, scoreBits };
  assertFormat(format);
  return format;
}
