/**
 * Scores files: exact fixed-point conversion, the demo's example-level file, and the examples
 * file parser (witness/examples-file.ts over the CSV dialect of witness/scores-file.ts), with
 * every error located by file, line and field.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { config } from "../config/index.ts";
import { applyPolicy, readExamplesFile, ScoresFileError } from "../witness/index.ts";
import { formatFixedPoint, toFixedPoint } from "../config/fixed-point.ts";
import { parseExamples } from "../witness/examples-file.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { listsByFirstAppearance, registerOffline } from "../scripts/lib/offline-registrations.ts";

const DEMO = fileURLToPath(new URL("../data/demo-examples.csv", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/scores/${name}`, import.meta.url));
const A1 = "0xB4ECC65fa9674FCeFe01Fd898cCfb63299D29BD7";
const A2 = "0xc6fC85E231266DAD06Ec135901e849fd6179b400";
const H1 = "0x000000000000000000000000000000a1";
const H2 = "0x000000000000000000000000000000b2";

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

describe("the demo examples file", () => {
  const claims = readExamplesFile(DEMO, config);
  const contributors = demoContributors();

  test("has a few thousand claims by the 40 demo contributors, whose keys the demo holds", () => {
    assert.ok(claims.length >= 2000 && claims.length <= 5000, `${claims.length} claims`);
    const addresses = new Set(claims.map((c) => c.checksumAddress));
    assert.equal(addresses.size, 40);
    for (const c of contributors) assert.ok(addresses.has(c.address), c.label);
  });

  test("has duplicates across contributors (same score) and negative scores", () => {
    const byHash = new Map<bigint, typeof claims>();
    for (const c of claims) byHash.set(c.hash, [...(byHash.get(c.hash) ?? []), c]);
    const duplicated = [...byHash.values()].filter((list) => list.length > 1);
    assert.ok(duplicated.length >= 50, `${duplicated.length} duplicated examples`);
    for (const list of duplicated) assert.equal(new Set(list.map((c) => c.score)).size, 1);
    assert.ok(claims.filter((c) => c.score < 0n).length >= 200);
  });

  test("feeds the reward policy: registration order is first appearance, one row per registration, copier-01 keeps what it copied", () => {
    const lists = listsByFirstAppearance(claims);
    const scores = new Map(claims.map((c) => [c.hash, c.score] as const));
    const t = applyPolicy({ ...registerOffline(lists), scores, pool: 10n ** 24n, config });
    assert.deepEqual(t.exclusion, []);
    assert.deepEqual(
      t.payoutTable.rows.map((r) => r.address),
      lists.map((l) => l.sender),
    );
    const copier = lists.findIndex((l) => l.sender === BigInt(contributors.find((c) => c.label === "copier-01")!.address));
    assert.ok(t.duplicates.some((d) => d.creditedOrder === copier));
    assert.ok(t.duplicates.every((d) => d.alsoClaimedBy.every((j) => j > d.creditedOrder)));
  });
});

const parse = (text: string, cfg = config) => parseExamples(text, "in.csv", cfg);

describe("parseExamples", () => {
  test("reads signed scores in fixed point, one claim per line", () => {
    const rows = parse(`example,contributor,score\n${H1},${A1},-1.25\n${H2},${A2},2.5\n${H2},${A1},2.5\n`);
    assert.deepEqual(
      rows.map((r) => [r.hash, r.checksumAddress, r.score, r.row]),
      [
        [0xa1n, A1, -1250000n, 2],
        [0xb2n, A2, 2500000n, 3],
        [0xb2n, A1, 2500000n, 4],
      ],
    );
  });

  test("reads any column order, CRLF, a BOM, comments, quotes and the address forms without a checksum", () => {
    const text =
      `\uFEFF# comment\r\n  Score , EXAMPLE,Contributor\r\n\r\n` +
      ` 3.5e-3 ,"${H1}",${A1.toLowerCase()}\r\n` +
      `   # indented comment\r\n` +
      `1,${H2},0x${A2.slice(2).toUpperCase()}\r\n`;
    const rows = parse(text);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.score, 3500n);
    assert.equal(rows[0]!.checksumAddress, A1);
    assert.equal(rows[0]!.row, 4);
    assert.equal(rows[1]!.checksumAddress, A2);
  });

  test("malformed rows name the line and the field", () => {
    assertScoresError(() => readExamplesFile(fixture("missing-field.csv"), config), {
      code: "SCORES_MALFORMED_ROW",
      file: fixture("missing-field.csv"),
      row: 3,
      field: "row",
      message: `${fixture("missing-field.csv")}:3: row: found 2 field(s); expected 3 (example,contributor,score)`,
    });
    assertScoresError(() => parse(`example,contributor,score\n"${H1},${A1},1\n`), {
      code: "SCORES_MALFORMED_ROW",
      file: "in.csv",
      row: 2,
      field: "row",
      message: /unterminated quoted field/,
    });
    assertScoresError(() => parse(`example,contributor,score,weight\n${H1},${A1},1,2\n`), {
      code: "SCORES_MALFORMED_ROW",
      file: "in.csv",
      row: 1,
      field: "header",
      message: 'in.csv:1: header: unknown column "weight"; expected the header line example,contributor,score',
    });
    assertScoresError(() => parse(`# no header\n${H1},${A1},1\n`), {
      code: "SCORES_MALFORMED_ROW",
      file: "in.csv",
      row: 2,
      field: "header",
      message: /the header line is missing/,
    });
    assertScoresError(() => parse(`example,contributor\n${H1},${A1}\n`), {
      code: "SCORES_MALFORMED_ROW",
      file: "in.csv",
      row: 1,
      field: "header",
      message: /no score column/,
    });
    assertScoresError(() => parse(`example,score,Score\n`), {
      code: "SCORES_MALFORMED_ROW",
      file: "in.csv",
      row: 1,
      field: "header",
      message: /column "score" appears twice/,
    });
  });

  test("bad example hashes: length, syntax, zero", () => {
    for (const bad of ["0x05", "a1", `${H1}00`, `0x${"z".repeat(32)}`, `0x${"0".repeat(32)}`, ""]) {
      assertScoresError(() => parse(`example,contributor,score\n${H2},${A2},1\n${bad},${A1},1\n`), {
        code: "SCORES_BAD_EXAMPLE",
        file: "in.csv",
        row: 3,
        field: "example",
        message: `in.csv:3: example: ${JSON.stringify(bad)} is not an example hash; expected 0x followed by 32 hex digits, not all zero`,
      });
    }
  });

  test("bad addresses: checksum, syntax, zero address, missing", () => {
    const file = fixture("bad-checksum.csv");
    assertScoresError(() => readExamplesFile(file, config), {
      code: "SCORES_BAD_ADDRESS",
      file,
      row: 3,
      field: "address",
      message: `${file}:3: address: 0xB4ECC65fa9674FCeFe01Fd898cCfb63299D29Bd7 has a bad EIP-55 checksum (a typo?); expected the checksummed form or all lowercase`,
    });
    for (const bad of [
      "0x1234",
      "B4ECC65fa9674FCeFe01Fd898cCfb63299D29BD7",
      "0XB4ECC65FA9674FCEFE01FD898CCFB63299D29BD7",
      `${A1}00`,
      "0xZZECC65fa9674FCeFe01Fd898cCfb63299D29BD7",
    ]) {
      assertScoresError(() => parse(`example,contributor,score\n${H2},${A2},1\n${H1},${bad},1\n`), {
        code: "SCORES_BAD_ADDRESS",
        file: "in.csv",
        row: 3,
        field: "address",
        message: `in.csv:3: address: ${JSON.stringify(bad)} is not an address; expected 0x followed by 40 hex digits`,
      });
    }
    assertScoresError(() => parse(`example,contributor,score\n${H1},0x${"0".repeat(40)},1\n`), {
      code: "SCORES_BAD_ADDRESS",
      file: "in.csv",
      row: 2,
      field: "address",
      message: /the zero address cannot be paid/,
    });
    assertScoresError(() => parse(`example,contributor,score\n${H1},,1\n`), {
      code: "SCORES_BAD_ADDRESS",
      file: "in.csv",
      row: 2,
      field: "address",
      message: "in.csv:2: address: missing; expected 0x followed by 40 hex digits",
    });
  });

  test("the same claim twice names both lines, whatever the address case", () => {
    const file = fixture("duplicate-claim.csv");
    assertScoresError(() => readExamplesFile(file, config), {
      code: "SCORES_BAD_EXAMPLE",
      file,
      row: 5,
      field: "example",
      message: `${file}:5: example: ${H1} is already claimed by ${A1} on line 3; expected each claim once`,
    });
  });

  test("bad numbers", () => {
    const file = fixture("bad-number.csv");
    assertScoresError(() => readExamplesFile(file, config), {
      code: "SCORES_BAD_NUMBER",
      file,
      row: 3,
      field: "score",
      message: `${file}:3: score: "1.2.3" is not a decimal number; expected e.g. "12", "-0.0123" or "3.5e-3"`,
    });
    for (const bad of ["NaN", "0x10", "1_000", "abc", "Infinity"]) {
      assertScoresError(() => parse(`example,contributor,score\n${H1},${A1},${bad}\n`), {
        code: "SCORES_BAD_NUMBER",
        file: "in.csv",
        row: 2,
        field: "score",
      });
    }
    assertScoresError(() => parse(`example,contributor,score\n${H1},${A1},\n`), {
      code: "SCORES_BAD_NUMBER",
      file: "in.csv",
      row: 2,
      field: "score",
      message: 'in.csv:2: score: missing; expected a decimal such as "0.25"',
    });
  });

  test("scores must fit scoreBits signed bits", () => {
    // 2^47 units of 10^-6 at the repository's config (48 signed bits, 6 decimals).
    assert.equal(config.widths.scoreBits, 48);
    assert.equal(config.fixedPoint.decimals, 6);
    const max = "140737488.355327";
    assert.equal(parse(`example,contributor,score\n${H1},${A1},${max}\n`)[0]!.score, (1n << 47n) - 1n);
    assert.equal(parse(`example,contributor,score\n${H1},${A1},-140737488.355328\n${H2},${A1},1\n`)[0]!.score, -(1n << 47n));
    assertScoresError(() => parse(`example,contributor,score\n${H1},${A1},140737488.355328\n`), {
      code: "SCORES_OUT_OF_RANGE",
      file: "in.csv",
      row: 2,
      field: "score",
      message:
        "in.csv:2: score: 140737488.355328 does not fit in 48 signed bits at 6 decimals; expected -140737488.355328 <= score <= 140737488.355327",
    });
    assertScoresError(() => parse(`example,contributor,score\n${H1},${A1},-2e8\n`), {
      code: "SCORES_OUT_OF_RANGE",
      file: "in.csv",
      row: 2,
      field: "score",
    });
    assertScoresError(() => parse(`example,contributor,score\n${H1},${A1},1e1001\n`), {
      code: "SCORES_OUT_OF_RANGE",
      file: "in.csv",
      row: 2,
      field: "score",
    });
  });

  test("empty files and a file without a positive score are errors about the whole file", () => {
    const file = fixture("header-only.csv");
    assertScoresError(() => readExamplesFile(file, config), {
      code: "SCORES_EMPTY",
      file,
      row: 0,
      field: "file",
      message: `${file}:0: file: a header but no data rows; expected example,contributor,score then one row per claim`,
    });
    assertScoresError(() => parse(""), {
      code: "SCORES_EMPTY",
      file: "in.csv",
      row: 0,
      field: "file",
      message: /no header and no data rows/,
    });
    const negative = fixture("all-negative.csv");
    assertScoresError(() => readExamplesFile(negative, config), {
      code: "SCORES_ZERO_TOTAL",
      file: negative,
      row: 0,
      field: "total",
      message: /every score is <= 0 after clipping/,
    });
    // 1e-7 truncates to 0 at 6 decimals, so nothing is positive.
    assertScoresError(() => parse(`example,contributor,score\n${H1},${A1},0.0000001\n`), {
      code: "SCORES_ZERO_TOTAL",
      file: "in.csv",
      row: 0,
      field: "total",
    });
  });

  test("unreadable files", () => {
    const dir = mkdtempSync(join(tmpdir(), "scores-"));
    try {
      const missing = join(dir, "missing.csv");
      assertScoresError(() => readExamplesFile(missing, config), {
        code: "SCORES_FILE_UNREADABLE",
        file: missing,
        row: 0,
        field: "file",
        message: /cannot read \(ENOENT.*\); expected a readable UTF-8 CSV file$/,
      });
      assertScoresError(() => readExamplesFile(dir, config), {
        code: "SCORES_FILE_UNREADABLE",
        file: dir,
        row: 0,
        field: "file",
        message: /EISDIR/,
      });
      const good = join(dir, "good.csv");
      writeFileSync(good, `example,contributor,score\n${H1},${A1},1\n`);
      assert.equal(readExamplesFile(good, config).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const file = fixture("not-utf8.csv");
    assertScoresError(() => readExamplesFile(file, config), {
      code: "SCORES_FILE_UNREADABLE",
      file,
      row: 0,
      field: "file",
      message: `${file}:0: file: cannot read (not valid UTF-8); expected a readable UTF-8 CSV file`,
    });
  });

  test("misuse is a TypeError", () => {
    assert.throws(() => parseExamples(undefined as unknown as string, "in.csv", config), TypeError);
  });
});
