/**
 * Compares the record's claims (every credited example-table row plus the losing claims of the
 * dedup evidence) with an examples file of (example, contributor, score) claims, exactly on the
 * fixed-point scores: the file is what attribution/ writes (examples.csv) when a skeptic re-runs
 * the scoring with the data and model, or the trainer's published scores. Recomputing the scores
 * from data and model inside verify is not done: run attribution/ first, then compare its output.
 * A difference throws SCORES_MISMATCH with the first differing claim, the count and the largest
 * deviation (in fixed-point units) and its table row.
 */
import type { ProtocolConfig } from "../config/index.ts";
import { readExamplesFile } from "../witness/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { CheckResult } from "./epoch.ts";
import type { EpochRecord } from "./record.ts";

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const key = (hash: bigint, contributor: bigint) => `${hash}:${contributor}`;

/** Checks that the record's claims and scores are exactly those of the examples file `file`. */
export function compareScores(record: EpochRecord, file: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): CheckResult {
  let claims;
  try {
    claims = readExamplesFile(file, config);
  } catch (error) {
    throw new EpochVerifyError("RECORD_MALFORMED", "scores", `${file}: ${(error as Error).message}`, { file });
  }
  const recorded = new Map<string, { score: bigint; row: number }>();
  record.examples.forEach((e, row) => recorded.set(key(e.hash, record.contributors[e.contributor]?.address ?? -1n), { score: e.score, row }));
  const rowOfHash = new Map(record.examples.map((e, i) => [e.hash, i]));
  for (const d of record.duplicates) {
    const row = rowOfHash.get(d.hash);
    if (row === undefined) continue; // the policy check names this
    for (const o of d.alsoClaimedBy) recorded.set(key(d.hash, o.contributor), { score: record.examples[row]!.score, row });
  }
  const fail = (message: string, row?: number): never => {
    throw new EpochVerifyError("SCORES_MISMATCH", "scores", message, { file: "examples.json", ...(row === undefined ? {} : { row }), field: "score" });
  };
  let differing = 0;
  let worst: { deviation: bigint; row: number; line: number; hash: bigint } | undefined;
  const seen = new Set<string>();
  for (const c of claims) {
    const k = key(c.hash, c.contributor);
    seen.add(k);
    const r = recorded.get(k);
    if (r === undefined) fail(`${file} line ${c.row}: ${hex(c.hash, 32)} claimed by ${c.checksumAddress} is not in the record`);
    if (r!.score !== c.score) {
      differing++;
      const deviation = r!.score > c.score ? r!.score - c.score : c.score - r!.score;
      if (!worst || deviation > worst.deviation) worst = { deviation, row: r!.row, line: c.row, hash: c.hash };
    }
  }
  const missing = [...recorded.keys()].find((k) => !seen.has(k));
  if (missing !== undefined) fail(`${file} lacks the claim ${missing} (hash:contributor) of examples.json row ${recorded.get(missing)!.row}`, recorded.get(missing)!.row);
  if (worst) {
    fail(`${differing} scores differ from ${file}; largest deviation ${worst.deviation} (fixed point) at examples.json row ${worst.row} (${hex(worst.hash, 32)}, ${file} line ${worst.line})`, worst.row);
  }
  return { check: "scores", status: "pass", detail: `${claims.length} claims and scores equal ${file} exactly (fixed point); scores not recomputed from data and model here` };
}
