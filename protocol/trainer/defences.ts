/**
 * epoch.json `defences`: which of the Sybil and manipulation defences ran for this epoch and how
 * many examples each one caught (issue 11). Exact dedup always runs (the witness credits an
 * example to its earliest registrant; the ExampleBatch circuit proves every hash appears once).
 * The others are attribution stages: they ran only when the scores came from the attribution
 * pipeline, whose summary (attribution.json's defences, flagged and mislabelled) is the input.
 */

export type DefenceName = "exact-dedup" | "near-duplicates" | "validation-copies" | "label-consistency";

export interface Defence {
  readonly name: DefenceName;
  readonly ran: boolean;
  /** Examples it caught: duplicated hashes credited once; near copies, validation copies or labels flagged (score 0). */
  readonly count: number;
  readonly what: string;
}

/** The parts of the attribution summary (protocol/trainer/score.ts, attribution.json) that say what ran. */
interface AttributionSummary {
  readonly defences?: unknown;
  readonly flagged?: unknown;
  readonly mislabelled?: unknown;
}

const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const referenceSet = (f: unknown): unknown => (f as { reference?: { set?: unknown } } | null)?.reference?.set;

/** The defences of an epoch with `duplicates` duplicated example hashes, scored as `attribution` says (undefined: a given scores file). */
export function listDefences(attribution: AttributionSummary | undefined, duplicates: number): Defence[] {
  if (!Number.isSafeInteger(duplicates) || duplicates < 0)
    throw new RangeError(`duplicates must be a non-negative integer, got ${duplicates}`);
  const stages = list(attribution?.defences);
  const flagged = list(attribution?.flagged);
  // The ONNX path's feature-space stage flags near copies too (attribution/feature-duplicates.ts).
  const nearRan = stages.includes("near-duplicates") || stages.includes("feature-near-duplicates");
  return [
    {
      name: "exact-dedup",
      ran: true,
      count: duplicates,
      what: "an example hash claimed twice is credited once, to its earliest registrant (proven: strictly increasing hashes)",
    },
    {
      name: "near-duplicates",
      ran: nearRan,
      count: flagged.filter((f) => referenceSet(f) === "registered").length,
      what: "near copies (shift <= 2 px, noise, rescaling) of an earlier registered example score 0",
    },
    {
      name: "validation-copies",
      ran: nearRan,
      count: flagged.filter((f) => referenceSet(f) === "validation").length,
      what: "near or exact copies of the revealed validation set score 0 (rechecked by npm run verify)",
    },
    {
      name: "label-consistency",
      ran: stages.includes("label-consistency"),
      count: list(attribution?.mislabelled).length,
      what: "a label the trained model finds improbable (another class confident) is paid 0 (score capped at 0)",
    },
  ];
}
