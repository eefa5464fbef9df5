/**
 * Compares the record's claims (every row of the claim table, a later claim of an example with the
 * score of its credited one) with (example, contributor, score) claims, exactly on the fixed-point scores:
 * an examples file (attribution/'s examples.csv, or the trainer's published scores; --scores) or
 * the scores recompute.ts gets from the data and model. A difference throws SCORES_MISMATCH with
 * the first missing claim, or the count of differing scores and the largest deviation (in
 * fixed-point units) with its table row and its row of the other side. The claims of an address
 * whose every registration was excluded are in no table and are skipped.
 */
import { readFileSync } from "node:fs";
import type { ProtocolConfig } from "../config/index.ts";
import { parseExamplesText, type FileClaim } from "./model/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { CheckResult } from "./check-result.ts";
import type { EpochRecord } from "./record.ts";

/** A claim to compare: `row` numbers it in `source` (a file line, a recomputed row). */
export type ComparedClaim = Pick<FileClaim, "hash" | "contributor" | "score" | "checksumAddress" | "row">;

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const key = (hash: bigint, contributor: bigint) => `${hash}:${contributor}`;

/** Checks that the record's claims and scores are exactly those of the examples file `file`. */
export function compareScores(record: EpochRecord, file: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): CheckResult {
  let claims;
  try {
    claims = parseExamplesText(new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(file)), file, config);
  } catch (error) {
    throw new EpochVerifyError("RECORD_MALFORMED", "scores", `${file}: ${(error as Error).message}`, { file });
  }
  compareClaims(record, claims, file, "line");
  return { check: "scores", status: "pass", detail: `${claims.length} claims and scores equal ${file} exactly (fixed point)` };
}

/**
 * Throws SCORES_MISMATCH unless `claims` (from `source`, whose rows are called `rowName`) are
 * exactly the record's claims with exactly its scores.
 */
export function compareClaims(record: EpochRecord, claims: readonly ComparedClaim[], source: string, rowName: string): void {
  // Every claim (hash, registrant's address) of the claim table, with its example's score: a later
  // claim of a hash scores 0 in the table and is compared with the score of the credited one.
  const recorded = new Map<string, { score: bigint; row: number }>();
  let credited: { hash: bigint; score: bigint } | undefined;
  record.examples.forEach((e, row) => {
    if (credited?.hash !== e.hash) credited = { hash: e.hash, score: e.score };
    const k = key(e.hash, record.registrations[e.j]?.contributor ?? -1n);
    if (!recorded.has(k)) recorded.set(k, { score: credited.score, row });
  });
  // The claims of a registrant whose every registration was excluded are in no table.
  const kept = new Set(record.registrations.filter((r) => !r.excluded).map((r) => r.contributor));
  const excluded = new Set(record.registrations.filter((r) => r.excluded && !kept.has(r.contributor)).map((r) => r.contributor));
  const fail = (message: string, row?: number, values?: { expected: string; got: string }): never => {
    throw new EpochVerifyError("SCORES_MISMATCH", "scores", message, {
      file: "examples.json",
      ...(row === undefined ? {} : { row }),
      field: "score",
      ...values,
    });
  };
  let differing = 0;
  let worst: { deviation: bigint; row: number; line: number; hash: bigint; theirs: bigint; ours: bigint } | undefined;
  const seen = new Set<string>();
  for (const c of claims) {
    if (excluded.has(c.contributor)) continue;
    const k = key(c.hash, c.contributor);
    seen.add(k);
    const r = recorded.get(k);
    if (r === undefined) fail(`${source} ${rowName} ${c.row}: ${hex(c.hash, 32)} claimed by ${c.checksumAddress} is not in the record`);
    if (r!.score !== c.score) {
      differing++;
      const deviation = r!.score > c.score ? r!.score - c.score : c.score - r!.score;
      if (!worst || deviation > worst.deviation)
        worst = { deviation, row: r!.row, line: c.row, hash: c.hash, theirs: c.score, ours: r!.score };
    }
  }
  const missing = [...recorded.keys()].find((k) => !seen.has(k));
  if (missing !== undefined)
    fail(
      `${source} lacks the claim ${missing} (hash:contributor) of examples.json row ${recorded.get(missing)!.row}`,
      recorded.get(missing)!.row,
    );
  if (worst) {
    fail(
      `${differing} scores differ from ${source}; largest deviation ${worst.deviation} (fixed point) at examples.json row ${worst.row} (${hex(worst.hash, 32)}, ${source} ${rowName} ${worst.line})`,
      worst.row,
      { expected: String(worst.theirs), got: String(worst.ours) },
    );
  }
}
