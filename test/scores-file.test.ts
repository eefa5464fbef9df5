import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import { config } from "../config/index.ts";
import {
  formatFixedPoint,
  parseScores,
  readScoresFile,
  ScoresFileError,
  splitPool,
  toFixedPoint,
  type ScoresConfig,
} from "../witness/index.ts";

const DEMO = fileURLToPath(new URL("../data/demo-scores.csv", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/scores/${name}`, import.meta.url));
const A1 = "0xB4ECC65fa9674FCeFe01Fd898cCfb63299D29BD7";
const A2 = "0xc6fC85E231266DAD06Ec135901e849fd6179b400";

/** mulberry32: a small seeded PRNG so the property tests are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `fn` throws a ScoresFileError with exactly these properties. */
function assertScoresError(
  fn: () => unknown,
  expected: { code: string; file: string; row: number; field: string; message?: string | RegExp },
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScoresFileError, `expected a ScoresFileError, got ${String(error)}`);
    assert.equal(error.code, expected.code);
    assert.equal(error.file, expected.file);
    assert.equal(error.row, expected.row);
    assert.equal(error.field, expected.field);
    assert.ok(error.message.startsWith(`${expected.file}:${expected.row}: ${expected.field}: `), error.message);
    if (typeof expected.message === "string") assert.equal(error.message, expected.message);
    else if (expected.message) assert.match(error.message, expected.message);
    return true;
  });
}

const parse = (text: string, cfg: ScoresConfig = config) => parseScores(text, "in.csv", cfg);

describe("toFixedPoint", () => {
  test("converts decimal text exactly, without floating point", () => {
    assert.equal(toFixedPoint("0.1", 6), 100000n);
    assert.equal(toFixedPoint("0.3", 6), 300000n); // 0.1 + 0.2 !== 0.3 in floats; here it is exact
    assert.equal(toFixedPoint("-0.0123", 6), -12300n);
    assert.equal(toFixedPoint("12", 6), 12000000n);
    assert.equal(toFixedPoint("+7", 0), 7n);
    assert.equal(toFixedPoint(".5", 6), 500000n);
    assert.equal(toFixedPoint("5.", 6), 5000000n);
    assert.equal(toFixedPoint("-0", 6), 0n);
    assert.equal(toFixedPoint("000123.4500", 2), 12345n);
    assert.equal(toFixedPoint("123456789012345678901234567890.123456789012345678", 18), 123456789012345678901234567890123456789012345678n);
  });

  test("accepts exponents and applies them to the digits exactly", () => {
    assert.equal(toFixedPoint("3.5e-3", 6), 3500n);
    assert.equal(toFixedPoint("1e-05", 6), 10n); // how Python prints 0.00001
    assert.equal(toFixedPoint("1E+2", 6), 100000000n);
    assert.equal(toFixedPoint("-2.5e1", 0), -25n);
    assert.equal(toFixedPoint("0e999999", 6), 0n);
    assert.equal(toFixedPoint("1e-1000", 6), 0n);
  });

  test("truncates digits beyond `decimals` toward zero, for both signs", () => {
    assert.equal(toFixedPoint("0.1234567", 6), 123456n);
    assert.equal(toFixedPoint("0.9999999999", 6), 999999n);
    assert.equal(toFixedPoint("-0.1234569", 6), -123456n);
    assert.equal(toFixedPoint("1e-7", 6), 0n);
    assert.equal(toFixedPoint("-1e-7", 6), 0n);
    assert.equal(toFixedPoint("1.23456789e2", 6), 123456789n);
    assert.equal(toFixedPoint("1.99", 0), 1n);
  });

  test('rejects extra digits with { extraDigits: "reject" }', () => {
    assert.equal(toFixedPoint("0.123456", 6, { extraDigits: "reject" }), 123456n);
    assert.equal(toFixedPoint("0.1234560000", 6, { extraDigits: "reject" }), 123456n);
    assert.throws(() => toFixedPoint("0.1234567", 6, { extraDigits: "reject" }), {
      name: "RangeError",
      message: '"0.1234567" has more than 6 decimal places; expected at most 6',
    });
  });

  test("rejects text that is not a decimal number with a SyntaxError", () => {
    for (const bad of ["", " 1", "1 ", ".", "-", "+-1", "1e", "e5", "1.2.3", "0x10", "1_000", "1,5", "NaN", "Infinity", "1e5.5", "١٢"]) {
      assert.throws(() => toFixedPoint(bad, 6), SyntaxError, JSON.stringify(bad));
    }
    assert.throws(() => toFixedPoint("abc", 6), {
      name: "SyntaxError",
      message: '"abc" is not a decimal number; expected e.g. "12", "-0.0123" or "3.5e-3"',
    });
  });

  test("bounds the exponent and validates its arguments", () => {
    assert.equal(toFixedPoint("1e1000", 0), 10n ** 1000n);
    assert.throws(() => toFixedPoint("1e1001", 0), { name: "RangeError", message: '"1e1001": exponent must be within +-1000' });
    assert.throws(() => toFixedPoint("1e-999999999999", 6), RangeError);
    assert.throws(() => toFixedPoint("1", -1), RangeError);
    assert.throws(() => toFixedPoint("1", 1.5), RangeError);
    assert.throws(() => toFixedPoint(1 as unknown as string, 6), TypeError);
  });
});

describe("formatFixedPoint", () => {
  test("prints the shortest exact decimal", () => {
    assert.equal(formatFixedPoint(100000n, 6), "0.1");
    assert.equal(formatFixedPoint(-12300n, 6), "-0.0123");
    assert.equal(formatFixedPoint(12000000n, 6), "12");
    assert.equal(formatFixedPoint(0n, 6), "0");
    assert.equal(formatFixedPoint(-1n, 6), "-0.000001");
    assert.equal(formatFixedPoint(42n, 0), "42");
    assert.throws(() => formatFixedPoint(1 as unknown as bigint, 6), TypeError);
  });

  test("property: toFixedPoint(formatFixedPoint(v)) === v and other spellings parse to v", () => {
    const random = prng(0x5eed);
    const randomDigits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
    for (let i = 0; i < 2000; i++) {
      const decimals = Math.floor(random() * 19);
      const magnitude = BigInt(randomDigits(1 + Math.floor(random() * 30)));
      const value = random() < 0.3 ? -magnitude : magnitude;
      const text = formatFixedPoint(value, decimals);
      assert.equal(toFixedPoint(text, decimals), value, `${text} at ${decimals}`);
      assert.equal(formatFixedPoint(toFixedPoint(text, decimals), decimals), text);

      // The same value spelled as integer digits times a power of ten: "<digits>e-<decimals>".
      const sign = value < 0n ? "-" : random() < 0.5 ? "+" : "";
      const scientific = `${sign}${"0".repeat(Math.floor(random() * 3))}${magnitude}e-${decimals}`;
      assert.equal(toFixedPoint(scientific, decimals), value, scientific);

      // Extra digits beyond `decimals` are truncated toward zero, whatever they are.
      const point = text.includes(".") ? text : `${text}.`;
      const padded = `${point}${"0".repeat(decimals - (point.length - point.indexOf(".") - 1))}`;
      const extended = `${padded}${randomDigits(1 + Math.floor(random() * 8))}`;
      assert.equal(toFixedPoint(extended, decimals), value, extended);
    }
  });
});

describe("the demo scores file", () => {
  const rows = readScoresFile(DEMO, config);

  test("has about 40 labelled contributors with deterministic checksummed addresses", () => {
    assert.equal(rows.length, 40);
    const labels = new Set(rows.map((r) => r.label));
    assert.equal(labels.size, 40);
    for (const row of rows) {
      assert.ok(row.label, `line ${row.row} has a label`);
      const derived = getAddress(`0x${keccak256(toUtf8Bytes(`attribution-prover/demo-contributor/${row.label}`)).slice(-40)}`);
      assert.equal(row.checksumAddress, derived, row.label);
      assert.equal(row.address, BigInt(derived));
    }
  });

  test("mixes qualities: mostly positive, a few negatives clipped to 0, a wide spread", () => {
    const negative = rows.filter((r) => r.rawScore < 0n);
    assert.ok(negative.length >= 3 && negative.length <= 8, `${negative.length} negative rows`);
    for (const row of negative) assert.equal(row.amount, 0n);
    for (const row of rows) assert.equal(row.amount, row.rawScore > 0n ? row.rawScore : 0n);
    const magnitudes = rows.map((r) => (r.rawScore < 0n ? -r.rawScore : r.rawScore));
    assert.equal(magnitudes.reduce((a, b) => (a < b ? a : b)), 1000n); // 0.001
    assert.ok(magnitudes.every((m) => m <= 50_000000n));
    assert.ok(magnitudes.some((m) => m >= 30_000000n));
    for (const kind of ["clean-large", "noisy-labels", "duplicated", "tiny", "adversarial"]) {
      assert.ok(rows.some((r) => r.label?.startsWith(kind)), kind);
    }
  });

  test("feeds the reward policy", () => {
    const table = splitPool(rows, 10n ** 24n, config);
    assert.equal(table.rows.length, 40);
    assert.equal(table.total, rows.reduce((sum, r) => sum + r.amount, 0n));
  });
});

describe("parseScores", () => {
  test("clips negative scores to 0 and keeps the raw value", () => {
    const rows = parse(`address,score\n${A1},-1.25\n${A2},2.5\n`);
    assert.deepEqual(
      rows.map((r) => [r.checksumAddress, r.rawScore, r.amount, r.row]),
      [[A1, -1250000n, 0n, 2], [A2, 2500000n, 2500000n, 3]],
    );
  });

  test("reads any column order, CRLF, a BOM, comments, quotes and the address forms without a checksum", () => {
    const text =
      `\uFEFF# comment\r\n  Label , SCORE,Address\r\n\r\n` +
      `"Acme, ""data"" team", 3.5e-3 ,${A1.toLowerCase()}\r\n` +
      `   # indented comment\r\n` +
      `,1,0x${A2.slice(2).toUpperCase()}\r\n`;
    const rows = parse(text);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.label, 'Acme, "data" team');
    assert.equal(rows[0]!.rawScore, 3500n);
    assert.equal(rows[0]!.checksumAddress, A1);
    assert.equal(rows[0]!.row, 4);
    assert.equal("label" in rows[1]!, false);
    assert.equal(rows[1]!.checksumAddress, A2);
  });

  test("malformed rows name the line and the field", () => {
    assertScoresError(() => readScoresFile(fixture("missing-field.csv"), config), {
      code: "SCORES_MALFORMED_ROW", file: fixture("missing-field.csv"), row: 3, field: "row",
      message: `${fixture("missing-field.csv")}:3: row: found 2 field(s); expected 3 (address,score,label)`,
    });
    assertScoresError(() => parse(`address,score,label\n${A1},1,"unterminated\n`), {
      code: "SCORES_MALFORMED_ROW", file: "in.csv", row: 2, field: "row", message: /unterminated quoted field/,
    });
    assertScoresError(() => parse(`address,score,weight\n${A1},1,2\n`), {
      code: "SCORES_MALFORMED_ROW", file: "in.csv", row: 1, field: "header",
      message: 'in.csv:1: header: unknown column "weight"; expected the header line address,score (optionally with a label column)',
    });
    assertScoresError(() => parse(`# no header\n${A1},1\n`), {
      code: "SCORES_MALFORMED_ROW", file: "in.csv", row: 2, field: "header", message: /the header line is missing/,
    });
    assertScoresError(() => parse(`address,label\n${A1},x\n`), {
      code: "SCORES_MALFORMED_ROW", file: "in.csv", row: 1, field: "header", message: /no score column/,
    });
    assertScoresError(() => parse(`address,score,Score\n`), {
      code: "SCORES_MALFORMED_ROW", file: "in.csv", row: 1, field: "header", message: /column "score" appears twice/,
    });
  });

  test("bad addresses: checksum, syntax, zero address, missing", () => {
    const file = fixture("bad-checksum.csv");
    assertScoresError(() => readScoresFile(file, config), {
      code: "SCORES_BAD_ADDRESS", file, row: 3, field: "address",
      message: `${file}:3: address: 0xB4ECC65fa9674FCeFe01Fd898cCfb63299D29Bd7 has a bad EIP-55 checksum (a typo?); expected the checksummed form or all lowercase`,
    });
    for (const bad of ["0x1234", "B4ECC65fa9674FCeFe01Fd898cCfb63299D29BD7", "0XB4ECC65FA9674FCEFE01FD898CCFB63299D29BD7", `${A1}00`, "0xZZECC65fa9674FCeFe01Fd898cCfb63299D29BD7"]) {
      assertScoresError(() => parse(`address,score\n${A2},1\n${bad},1\n`), {
        code: "SCORES_BAD_ADDRESS", file: "in.csv", row: 3, field: "address",
        message: `in.csv:3: address: ${JSON.stringify(bad)} is not an address; expected 0x followed by 40 hex digits`,
      });
    }
    assertScoresError(() => parse(`address,score\n0x${"0".repeat(40)},1\n`), {
      code: "SCORES_BAD_ADDRESS", file: "in.csv", row: 2, field: "address", message: /the zero address cannot be paid/,
    });
    assertScoresError(() => parse(`address,score\n,1\n`), {
      code: "SCORES_BAD_ADDRESS", file: "in.csv", row: 2, field: "address", message: "in.csv:2: address: missing; expected 0x followed by 40 hex digits",
    });
  });

  test("a duplicated address names both lines, whatever its case", () => {
    const file = fixture("duplicate-address.csv");
    assertScoresError(() => readScoresFile(file, config), {
      code: "SCORES_DUPLICATE_ADDRESS", file, row: 5, field: "address",
      message: `${file}:5: address: ${A1} already appears on line 3; expected each contributor once (add up its scores)`,
    });
  });

  test("bad numbers", () => {
    const file = fixture("bad-number.csv");
    assertScoresError(() => readScoresFile(file, config), {
      code: "SCORES_BAD_NUMBER", file, row: 3, field: "score",
      message: `${file}:3: score: "1.2.3" is not a decimal number; expected e.g. "12", "-0.0123" or "3.5e-3"`,
    });
    for (const bad of ["NaN", "0x10", "1_000", "abc", "Infinity"]) {
      assertScoresError(() => parse(`address,score\n${A1},${bad}\n`), { code: "SCORES_BAD_NUMBER", file: "in.csv", row: 2, field: "score" });
    }
    assertScoresError(() => parse(`address,score\n${A1},\n`), {
      code: "SCORES_BAD_NUMBER", file: "in.csv", row: 2, field: "score", message: 'in.csv:2: score: missing; expected a decimal such as "0.25"',
    });
  });

  test("scores and their sum must fit totalBits", () => {
    // 2^64 - 1 units of 10^-6 is the largest magnitude at the repository's config (64 bits, 6 decimals).
    assert.equal(config.widths.totalBits, 64);
    assert.equal(config.fixedPoint.decimals, 6);
    const max = "18446744073709.551615";
    assert.equal(parse(`address,score\n${A1},${max}\n`)[0]!.amount, (1n << 64n) - 1n);
    assert.equal(parse(`address,score\n${A1},-${max}\n${A2},1\n`)[0]!.rawScore, 1n - (1n << 64n));
    assertScoresError(() => parse(`address,score\n${A1},18446744073709.551616\n`), {
      code: "SCORES_OUT_OF_RANGE", file: "in.csv", row: 2, field: "score",
      message: "in.csv:2: score: 18446744073709.551616 does not fit in 64 bits at 6 decimals; expected |score| <= 18446744073709.551615",
    });
    assertScoresError(() => parse(`address,score\n${A1},-2e13\n`), { code: "SCORES_OUT_OF_RANGE", file: "in.csv", row: 2, field: "score" });
    assertScoresError(() => parse(`address,score\n${A1},1e1001\n`), { code: "SCORES_OUT_OF_RANGE", file: "in.csv", row: 2, field: "score" });
    assertScoresError(() => parse(`address,score\n${A1},1e13\n\n${A2},1e13\n`), {
      code: "SCORES_OUT_OF_RANGE", file: "in.csv", row: 4, field: "total", message: /the sum of clipped scores reaches 2\^64 at this row/,
    });
    const narrow: ScoresConfig = { widths: { ...config.widths, totalBits: 8 }, fixedPoint: { decimals: 0 } };
    assert.equal(parse(`address,score\n${A1},255\n`, narrow)[0]!.amount, 255n);
    assertScoresError(() => parse(`address,score\n${A1},256\n`, narrow), { code: "SCORES_OUT_OF_RANGE", file: "in.csv", row: 2, field: "score" });
  });

  test("empty files and a zero total are errors about the whole file", () => {
    const file = fixture("header-only.csv");
    assertScoresError(() => readScoresFile(file, config), {
      code: "SCORES_EMPTY", file, row: 0, field: "file",
      message: `${file}:0: file: a header but no data rows; expected address,score[,label] then one row per contributor`,
    });
    assertScoresError(() => parse(""), { code: "SCORES_EMPTY", file: "in.csv", row: 0, field: "file", message: /no header and no data rows/ });
    const negative = fixture("all-negative.csv");
    assertScoresError(() => readScoresFile(negative, config), {
      code: "SCORES_ZERO_TOTAL", file: negative, row: 0, field: "total", message: /every score is <= 0 after clipping/,
    });
    // 1e-7 truncates to 0 at 6 decimals, so this total is 0 as well.
    assertScoresError(() => parse(`address,score\n${A1},0.0000001\n`), { code: "SCORES_ZERO_TOTAL", file: "in.csv", row: 0, field: "total" });
  });

  test("unreadable files", () => {
    const dir = mkdtempSync(join(tmpdir(), "scores-"));
    try {
      const missing = join(dir, "missing.csv");
      assertScoresError(() => readScoresFile(missing, config), {
        code: "SCORES_FILE_UNREADABLE", file: missing, row: 0, field: "file", message: /cannot read \(ENOENT.*\); expected a readable UTF-8 CSV file$/,
      });
      assertScoresError(() => readScoresFile(dir, config), { code: "SCORES_FILE_UNREADABLE", file: dir, row: 0, field: "file", message: /EISDIR/ });
      const good = join(dir, "good.csv");
      writeFileSync(good, `address,score\n${A1},1\n`);
      assert.equal(readScoresFile(good, config).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const file = fixture("not-utf8.csv");
    assertScoresError(() => readScoresFile(file, config), {
      code: "SCORES_FILE_UNREADABLE", file, row: 0, field: "file", message: `${file}:0: file: cannot read (not valid UTF-8); expected a readable UTF-8 CSV file`,
    });
  });

  test("misuse is a TypeError", () => {
    assert.throws(() => parseScores(undefined as unknown as string, "in.csv", config), TypeError);
  });
});
