/**
 * Decimal text to signed fixed point (value * 10^decimals), exactly, for the skeptic's reading of
 * an examples file. The convention the pipeline's files use: an optional sign, digits with an
 * optional fraction, an optional exponent ("0.25", "-1e-05", ".5"); digits beyond the scale are
 * truncated toward zero (so no rounding ever raises a score). No floating point anywhere.
 */

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
/** Exponents beyond this are refused rather than expanded into huge integers. */
const EXPONENT_LIMIT = 1000;

/** The fixed-point integer of `text` at `decimals` places; throws a SyntaxError or RangeError saying why not. */
export function decimalToFixed(text: string, decimals: number): bigint {
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 77)
    throw new RangeError(`decimals must be an integer in [0, 77], got ${decimals}`);
  const m = NUMBER.exec(text);
  if (m === null || (m[2] ?? "") + (m[3] ?? "") === "") throw new SyntaxError(`${JSON.stringify(text)} is not a decimal number`);
  const [, sign, whole = "", fraction = "", exponentText] = m;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const digits = BigInt(whole + fraction);
  if (digits === 0n) return 0n;
  if (Math.abs(exponent) > EXPONENT_LIMIT) throw new RangeError(`${JSON.stringify(text)}: exponent beyond +-${EXPONENT_LIMIT}`);
  // text = digits * 10^(exponent - fraction.length); scaled by 10^decimals.
  const scale = exponent - fraction.length + decimals;
  const magnitude = scale >= 0 ? digits * 10n ** BigInt(scale) : digits / 10n ** BigInt(-scale);
  return sign === "-" ? -magnitude : magnitude;
}
