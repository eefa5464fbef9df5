import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ScoreRangeError } from "../attribution/index.ts";
import { normalizeScores, scoresToFixedPoint, scoreToFixedPoint } from "../attribution/fixed.ts";

const named =
  (code: string, index = 0) =>
  (e: unknown) =>
    e instanceof ScoreRangeError && e.code === code && e.index === index;

describe("scores to fixed point", () => {
  test("NaN, infinities and values past the width are named errors", () => {
    const f = { decimals: 6, scoreBits: 48 };
    assert.throws(() => scoreToFixedPoint(Number.NaN, f), named("SCORE_NAN"));
    assert.throws(() => scoreToFixedPoint(Infinity, f), named("SCORE_INFINITE"));
    assert.throws(() => scoreToFixedPoint(-Infinity, f), named("SCORE_INFINITE"));
    assert.throws(() => scoresToFixedPoint([0.5, 1e300], f), named("SCORE_OUT_OF_RANGE", 1));
    assert.throws(() => scoresToFixedPoint([0, 0, Number.NaN], f), named("SCORE_NAN", 2));
  });

  test("the signed range is [-2^(b-1), 2^(b-1)) exactly", () => {
    const f = { decimals: 0, scoreBits: 8 };
    assert.equal(scoreToFixedPoint(127, f), 127n);
    assert.equal(scoreToFixedPoint(-128, f), -128n);
    assert.throws(() => scoreToFixedPoint(128, f), named("SCORE_OUT_OF_RANGE"));
    assert.throws(() => scoreToFixedPoint(-129, f), named("SCORE_OUT_OF_RANGE"));
    assert.equal(scoreToFixedPoint(127.99, f), 127n, "truncated toward zero before the check");
  });

  test("exact decimal conversion, truncated toward zero, sign-symmetric", () => {
    const f = { decimals: 6, scoreBits: 48 };
    assert.equal(scoreToFixedPoint(0.1234567, f), 123456n);
    assert.equal(scoreToFixedPoint(-0.1234567, f), -123456n);
    assert.equal(scoreToFixedPoint(1e-7, f), 0n);
    assert.equal(scoreToFixedPoint(1, f), 1000000n);
    assert.equal(scoreToFixedPoint(0.3, f), 300000n, "0.3 is printed as 0.3, not 0.29999...");
  });

  test("normalisation maps the largest magnitude to 1 and keeps zeros", () => {
    const { normalized, divisor } = normalizeScores(Float64Array.of(2, -4, 1));
    assert.equal(divisor, 4);
    assert.deepEqual([...normalized], [0.5, -1, 0.25]);
    assert.equal(normalizeScores(new Float64Array(3)).divisor, 1);
  });

  test("a bad width is a RangeError", () => {
    assert.throws(() => scoreToFixedPoint(1, { decimals: 6, scoreBits: 1 }), RangeError);
  });
});
