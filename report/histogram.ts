/**
 * The score distribution of the example table, aggregated into bins so that a record of 10,000 or
 * 1,000,000 examples makes a chart of the same size. Every example falls in exactly one class, the
 * first that applies: flagged as a near copy (scored 0 by the attribution stage), flagged as
 * mislabelled (score capped at 0: paid nothing), claimed by more than one contributor (credited to the earliest registrant),
 * clipped (negative score, paid as 0), paid.
 */
import type { EpochRecord } from "../verify/record.ts";
import type { AttributionSummary } from "./record.ts";

export const SCORE_CLASSES = [
  "paid",
  "clipped (negative, paid 0)",
  "claimed more than once (credited to the earliest)",
  "near copy (scored 0)",
  "label inconsistent (paid 0)",
] as const;
export type ScoreClass = (typeof SCORE_CLASSES)[number];

export interface ScoreHistogram {
  /** Bin i covers [edges[i], edges[i+1]) (the last bin includes its upper edge), in score units. */
  readonly edges: readonly number[];
  /** Per class (in SCORE_CLASSES order): examples per bin. */
  readonly counts: Readonly<Record<ScoreClass, readonly number[]>>;
}

/**
 * One row per example: the claim table's credited rows (the first claim of each hash); a later
 * claim of the same example carries no score of its own and would count the example twice.
 */
function examplesOf(record: EpochRecord): EpochRecord["examples"] {
  return record.examples.filter((e, i, all) => i === 0 || all[i - 1]!.hash !== e.hash);
}

/** The class of every example (credited claim row), in table order. */
export function classifyExamples(record: EpochRecord, attribution: AttributionSummary | undefined): ScoreClass[] {
  const nearCopies = new Set(attribution?.nearCopies.map((f) => f.hash));
  const mislabelled = new Set(attribution?.mislabelled.map((f) => f.hash));
  const duplicated = new Set(record.duplicates.map((d) => d.hash));
  return examplesOf(record).map((e) =>
    nearCopies.has(e.hash)
      ? "near copy (scored 0)"
      : mislabelled.has(e.hash)
        ? "label inconsistent (paid 0)"
        : duplicated.has(e.hash)
          ? "claimed more than once (credited to the earliest)"
          : e.score < 0n
            ? "clipped (negative, paid 0)"
            : "paid",
  );
}

/** `bins` equal-width bins from the lowest to the highest score (fixed point with `decimals`). */
export function scoreHistogram(record: EpochRecord, classes: readonly ScoreClass[], decimals: number, bins: number): ScoreHistogram {
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > 1000) throw new RangeError(`bins: expected an integer in [1, 1000], got ${bins}`);
  const scale = 10 ** decimals;
  const values = examplesOf(record).map((e) => Number(e.score) / scale);
  // A loop, not Math.min(...values): a spread of a million arguments overflows the stack.
  let low = values.reduce((m, v) => Math.min(m, v), 0);
  let high = values.reduce((m, v) => Math.max(m, v), 0);
  if (low === high) {
    low -= 1;
    high += 1;
  }
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
  const counts = Object.fromEntries(SCORE_CLASSES.map((c) => [c, new Array<number>(bins).fill(0)])) as Record<ScoreClass, number[]>;
  values.forEach((v, i) => {
    counts[classes[i]!][Math.min(bins - 1, Math.floor((v - low) / width))]! += 1;
  });
  return { edges, counts };
}
