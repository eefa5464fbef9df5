/**
 * Exact conversion between decimal strings and signed fixed-point integers (value * 10^decimals).
 * No floating point anywhere: the digits of the string are the digits of the integer.
 *
 * Accepted syntax (what CSV exporters such as numpy, pandas and JavaScript print):
 *   [+|-] digits [. digits] [(e|E) [+|-] digits]      e.g. "12", "-0.0123", "5.", ".5", "3.5e-3", "1E+2"
 * At least one mantissa digit is required. Rejected: empty text, whitespace, "NaN", "Infinity",
 * hex ("0x10"), digit separators ("1_000", "1,000"), a decimal comma ("0,5").
 * Exponents are accepted because float exporters switch to them for small magnitudes
 * (Python prints 0.00001 as "1e-05"); the exponent is applied to the decimal digits exactly.
 *
 * Rounding: digits beyond `decimals` places are TRUNCATED TOWARD ZERO ("0.1234567" -> 123456 at
 * 6 decimals, "-0.1234567" -> -123456). Why truncate rather than reject: scores are produced as
 * float64 and printed with up to 17 significant digits; rejecting would force every producer to
 * round in floating point first, which is the inexact step this module exists to avoid. Why toward
 * zero: it is a pure function of the text that anyone recomputes identically, it is sign-symmetric
 * (toFixedPoint(-x) = -toFixedPoint(x)), and it never increases |score|, so no contributor gains
 * a payout unit from rounding. Pass `{ extraDigits: "reject" }` where extra digits signal a
 * mistake (e.g. a file written for a finer scale than the config's).
 */

/** What to do with digits beyond `decimals` fractional places. */
export type ExtraDigits = "truncate" | "reject";

export interface FixedPointOptions {
  /** Default "truncate" (toward zero). "reject" throws a RangeError instead. */
  readonly extraDigits?: ExtraDigits;
}

/** Largest accepted exponent: bounds the size of the integer a short string can ask for. */
export const MAX_EXPONENT = 1000;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** 10^77 already exceeds the BN254 scalar field, so no useful scale is larger. */
function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new RangeError(`decimals must be an integer in [0, 77], got ${decimals}`);
  }
}

/**
 * Parses `decimal` into the integer `value * 10^decimals`, exactly.
 * Throws SyntaxError when the text is not a decimal number (see the header for the grammar),
 * RangeError when the exponent exceeds +-MAX_EXPONENT with a non-zero mantissa, or when digits
 * would be dropped and `options.extraDigits` is "reject".
 * Cost: linear in the length of the text (plus one power of ten of at most MAX_EXPONENT digits).
 */
export function toFixedPoint(decimal: string, decimals: number, options: FixedPointOptions = {}): bigint {
  if (typeof decimal !== "string") throw new TypeError(`decimal must be a string, got ${typeof decimal}`);
  assertDecimals(decimals);
  const match = DECIMAL.exec(decimal);
  const intDigits = match?.[2] ?? "";
  const fracDigits = match?.[3] ?? "";
  if (!match || intDigits.length + fracDigits.length === 0) {
    throw new SyntaxError(`${JSON.stringify(decimal)} is not a decimal number; expected e.g. "12", "-0.0123" or "3.5e-3"`);
  }
  const negative = match[1] === "-";
  const mantissa = BigInt(intDigits + fracDigits);
  if (mantissa === 0n) return 0n;
  const exponent = match[4] === undefined ? 0n : BigInt(match[4]);
  if (exponent > BigInt(MAX_EXPONENT) || exponent < -BigInt(MAX_EXPONENT)) {
    throw new RangeError(`${JSON.stringify(decimal)}: exponent must be within +-${MAX_EXPONENT}`);
  }
  // value * 10^decimals = mantissa * 10^shift
  const shift = Number(exponent) + decimals - fracDigits.length;
  let magnitude: bigint;
  if (shift >= 0) {
    magnitude = mantissa * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    magnitude = mantissa / divisor; // bigint division truncates toward zero
    if (options.extraDigits === "reject" && magnitude * divisor !== mantissa) {
      throw new RangeError(`${JSON.stringify(decimal)} has more than ${decimals} decimal places; expected at most ${decimals}`);
    }
  }
  return negative ? -magnitude : magnitude;
}

/**
 * Formats `value / 10^decimals` as the shortest exact decimal: no exponent, no trailing zeros in
 * the fraction, no decimal point for whole numbers, "-" only for negative values.
 * 100000n at 6 -> "0.1"; -12300n -> "-0.0123"; 12000000n -> "12"; 0n -> "0".
 * toFixedPoint(formatFixedPoint(v, d), d) === v for every bigint v.
 */
export function formatFixedPoint(value: bigint, decimals: number): string {
  if (typeof value !== "bigint") throw new TypeError(`value must be a bigint, got ${typeof value}`);
  assertDecimals(decimals);
  const sign = value < 0n ? "-" : "";
  const digits = (value < 0n ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}
