/**
 * The attack suite's scenarios (issue 11), shared by npm run eval:attacks (all of them, the
 * benchmark) and npm run demo (a small, fast subset written to the epoch record as attacks.json).
 * `honest` clean contributors of `size` digits and a victim register first, then the attacker.
 * Every scenario trains and scores with the attribution pipeline (its defences as configured),
 * then pays a pool under the real policy (attacks.ts payouts). Each returns one row: the
 * attacker's payout relative to honest behaviour (its data registered once, under one identity)
 * and pass/fail against the issue's target.
 */
import type { AttributionConfig, LabelConsistencyConfig } from "../../config/attribution.ts";
import type { AttributionResult } from "../../attribution/index.ts";
import { concat, splitMnist, subset } from "../../attribution/data.ts";
import { flipLabels, type Partition } from "../../attribution/partitions.ts";
import type { Dataset } from "../../dataset/index.ts";
import { derive, Rng } from "../../attribution/prng.ts";
import { party, rewardOf, rotatedCopy, runScenario, shiftedNoisyCopy } from "./attacks.ts";

/** One row of the table (bench-results/attacks.json rows, the epoch record's attacks.json). */
export interface AttackRow {
  /** G1..G6 or "stealing" (the issue's names). */
  readonly id: string;
  readonly attack: string;
  /** The measured figure: the attacker's payout ratio for G1, G2, G4; G3 the payout difference in base units; G5 the fraction paid zero; G6 the fraction flagged; stealing the thief's payout. */
  readonly figure: number;
  readonly display: string;
  readonly target: string;
  readonly pass: boolean;
  readonly note: string;
}

export interface SuiteOptions {
  readonly honest: number;
  readonly size: number;
  /** Attribution settings (validationSize sets the held-out split). */
  readonly settings: AttributionConfig;
  /** R in base units. */
  readonly pool: bigint;
  readonly log?: (message: string) => void;
}

type Scenario = Awaited<ReturnType<typeof runScenario>>;

/** The parties, the validation set and the honest baseline every scenario compares with. */
export interface Suite {
  readonly options: SuiteOptions;
  readonly seed: number;
  readonly honest: readonly Partition[];
  readonly victim: Partition;
  /** The attacker's own digits and its honest identity. */
  readonly mine: Dataset;
  readonly attacker: Partition;
  readonly validation: Dataset;
  readonly baseline: {
    readonly attacker: bigint;
    readonly victim: bigint;
    readonly result: AttributionResult;
    /** Honest rows flagged as near copies / label-zeroed in the baseline. */
    readonly honestFlagged: number;
    readonly honestLabelZeroed: number;
    readonly honestRows: number;
  };
  run(name: string, parts: readonly Partition[]): Promise<Scenario>;
}

const among = (rows: readonly { contributor: string }[], parts: readonly Partition[]) => {
  const addresses = new Set(parts.map((p) => p.address));
  return rows.filter((f) => addresses.has(f.contributor)).length;
};

/** Draws the parties from the seeded MNIST split and runs the honest baseline. */
export async function prepareSuite(options: SuiteOptions): Promise<Suite> {
  const { settings, size } = options;
  if (!Number.isInteger(options.honest) || options.honest < 1)
    throw new RangeError(`honest must be a positive integer, got ${options.honest}`);
  if (!Number.isInteger(size) || size < 10) throw new RangeError(`size must be an integer >= 10, got ${size}`);
  const log = options.log ?? (() => {});
  const seed = settings.seed;
  const split = splitMnist(seed, settings.validationSize);
  const order = new Rng(derive(seed, "attacks")).permutation(split.pool.size);
  let next = 0;
  const take = (n: number): Dataset => {
    const d = subset(split.pool, order.subarray(next, next + n));
    next += n;
    return d;
  };
  const honest = Array.from({ length: options.honest }, (_, i) => party(`honest-${String(i + 1).padStart(2, "0")}`, take(size)));
  const mine = take(size);
  const victim = party("victim", take(size));
  const attacker = party("attacker", mine);
  const run = async (name: string, parts: readonly Partition[]) => {
    const t = performance.now();
    const r = await runScenario(parts, split.validation, settings, options.pool);
    log(
      `  ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s, ${r.result.flagged.length} flagged, ${r.result.mislabelled.length} label-inconsistent`,
    );
    return r;
  };
  const base = await run("baseline", [...honest, victim, attacker]);
  const baseline = {
    attacker: rewardOf(base.pay, [attacker]),
    victim: rewardOf(base.pay, [victim]),
    result: base.result,
    honestFlagged: among(base.result.flagged, [...honest, victim]),
    honestLabelZeroed: among(base.result.mislabelled, [...honest, victim, attacker]),
    honestRows: (options.honest + 2) * size,
  };
  return { options, seed, honest, victim, mine, attacker, validation: split.validation, baseline, run };
}

/** Payout relative to the attacker's honest baseline. */
const ratioOf = (s: Suite, paid: bigint) => Number((paid * 1_000_000n) / s.baseline.attacker) / 1_000_000;

/** G1: k exact copies under k extra identities (one registration cannot list an example twice: DUPLICATE_HASH). */
export async function exactCopies(s: Suite, k: number): Promise<AttackRow> {
  const sybils = Array.from({ length: k }, (_, i) => party(`g1-sybil-${k}-${i}`, s.mine));
  const r = await s.run(`G1 k=${k}`, [...s.honest, s.victim, s.attacker, ...sybils]);
  const x = ratioOf(s, rewardOf(r.pay, [s.attacker, ...sybils]));
  return {
    id: "G1",
    attack: `G1 ${k} exact cop${k === 1 ? "y" : "ies"} (extra identities)`,
    target: "<= 1.00x",
    figure: x,
    display: `${x.toFixed(4)}x`,
    pass: x <= 1.0,
    note: "",
  };
}

/** G2: shifted (<= 2 px), intensity-rescaled, noisy copies: one in the attacker's identity, `copies - 1` under sybils. */
export async function nearCopies(s: Suite, copies = 5): Promise<AttackRow> {
  const size = s.options.size;
  const made = Array.from({ length: copies }, (_, c) => shiftedNoisyCopy(s.mine, derive(s.seed, "g2", c + 1), 0.05));
  const own = party("attacker", concat(s.mine, made[0]!));
  const sybils = made.slice(1).map((d, i) => party(`g2-sybil-${i}`, d));
  const r = await s.run("G2", [...s.honest, s.victim, own, ...sybils]);
  const x = ratioOf(s, rewardOf(r.pay, [own, ...sybils]));
  const rate = among(r.result.flagged, [...s.honest, s.victim]) / ((s.honest.length + 1) * size);
  const copyStart = (s.honest.length + 1) * size + size; // the own identity's copies follow its originals
  const caught = r.result.flagged.filter(
    (f) => sybils.some((p) => p.address === f.contributor) || (f.contributor === own.address && f.index >= copyStart),
  ).length;
  return {
    id: "G2",
    attack: `G2 ${copies} shifted+noisy copies (1 own, ${copies - 1} sybils)`,
    target: "<= 1.05x, <= 2 % honest flagged",
    figure: x,
    display: `${x.toFixed(4)}x, honest flagged ${(100 * rate).toFixed(2)} %`,
    pass: x <= 1.05 && rate <= 0.02,
    note: `${caught}/${copies * size} copies flagged; shift in [-2,2]^2, noise sigma 0.05, intensity x[0.8,1]`,
  };
}

/** G3: the same data under 1 vs 10 identities. */
export async function sybilSplit(s: Suite): Promise<AttackRow> {
  const size = s.options.size;
  const per = Math.ceil(size / 10);
  const ids = Array.from({ length: 10 }, (_, i) =>
    party(
      `g3-id-${i}`,
      subset(
        s.mine,
        Array.from({ length: Math.max(0, Math.min(per, size - i * per)) }, (_, k) => i * per + k),
      ),
    ),
  );
  const r = await s.run("G3", [...s.honest, s.victim, ...ids]);
  const paid = rewardOf(r.pay, ids);
  const t1 = s.baseline.result.contributors.find((c) => c.address === s.attacker.address)!.positiveTotal;
  const t10 = r.result.contributors.filter((c) => ids.some((p) => p.address === c.address)).reduce((sum, c) => sum + c.positiveTotal, 0n);
  const diff = s.baseline.attacker - paid;
  return {
    id: "G3",
    attack: "G3 one party, 1 vs 10 identities",
    target: "identical total",
    figure: Number(diff),
    display: `score totals ${t1 === t10 ? "identical" : "DIFFER"}, payout diff ${diff} base units`,
    pass: t1 === t10 && diff >= 0n && diff < 10n,
    note: "floor split: 10 identities can lose up to 9 base units of rounding dust, never gain",
  };
}

/** G4: copies rotated by 5..10 degrees, under `copies` sybils. */
export async function rotatedCopies(s: Suite, copies = 5): Promise<AttackRow> {
  const sybils = Array.from({ length: copies }, (_, c) => party(`g4-sybil-${c + 1}`, rotatedCopy(s.mine, derive(s.seed, "g4", c + 1), 10)));
  const r = await s.run("G4", [...s.honest, s.victim, s.attacker, ...sybils]);
  const x = ratioOf(s, rewardOf(r.pay, [s.attacker, ...sybils]));
  const caught = r.result.flagged.filter((f) => sybils.some((p) => p.address === f.contributor)).length;
  return {
    id: "G4",
    attack: `G4 ${copies} copies rotated 5-10 deg (sybils)`,
    target: "<= 2x (report)",
    figure: x,
    display: `${x.toFixed(4)}x`,
    pass: x <= 2,
    note: `${caught}/${copies * s.options.size} rotated copies flagged`,
  };
}

/** The label-consistency rule in words, for the G5 row's note. */
function labelRule(lc: LabelConsistencyConfig, method: AttributionConfig["method"]): string {
  const views = lc.ensemble && method === "trak" ? `; by TRAK's views: < ${lc.ensemble.threshold}, >= ${lc.ensemble.confidence}` : "";
  const c = lc.contributors;
  const contributors = c
    ? `; a contributor with >= ${c.minFlagged} flagged rows, >= ${100 * c.fraction} % of its rows: p(label) < ${c.threshold}`
    : "";
  return `p(label) < ${lc.threshold}, other class >= ${lc.confidence}${views}${contributors}`;
}

/** G5: planted mislabelled examples (every label of the attacker's data changed). */
export async function plantedMislabels(s: Suite): Promise<AttackRow> {
  const size = s.options.size;
  const bad = subset(
    s.mine,
    Array.from({ length: size }, (_, i) => i),
  );
  flipLabels(bad, 1, derive(s.seed, "g5"));
  const planter = party("attacker", bad);
  const r = await s.run("G5", [...s.honest, s.victim, planter]);
  const scores = r.result.rows.filter((x) => x.contributor === planter.address).map((x) => x.score);
  const zero = scores.filter((v) => v <= 0n).length / scores.length;
  const x = ratioOf(s, rewardOf(r.pay, [planter]));
  const caught = r.result.mislabelled.filter((m) => m.contributor === planter.address);
  const byContributor = caught.filter((m) => m.reason === "contributor").length;
  const hz = among(r.result.mislabelled, [...s.honest, s.victim]) / ((s.honest.length + 1) * size);
  const bz = s.baseline.honestLabelZeroed / s.baseline.honestRows;
  const lc = r.result.labelConsistency;
  return {
    id: "G5",
    attack: `G5 ${size} planted mislabelled examples`,
    target: ">= 95 % paid zero, <= 2 % honest zeroed",
    figure: zero,
    display: `${(100 * zero).toFixed(1)} % paid zero (payout ${x.toFixed(3)}x); honest label-zeroed ${(100 * hz).toFixed(2)} % (baseline ${(100 * bz).toFixed(2)} %)`,
    pass: zero >= 0.95 && hz <= 0.02 && bz <= 0.02,
    note: `paid zero = score <= 0 (clipped); label consistency ${lc ? `on (${labelRule(lc, s.options.settings.method)}): ${caught.length}/${size} flagged (${byContributor} by the contributor rule)` : "off"}`,
  };
}

/** G6: copies of validation examples, exact and shifted+noisy (`size` of each). */
export async function validationCopies(s: Suite): Promise<AttackRow> {
  const size = s.options.size;
  const exact = subset(
    s.validation,
    Array.from({ length: size }, (_, i) => i),
  );
  const near = shiftedNoisyCopy(
    subset(
      s.validation,
      Array.from({ length: size }, (_, i) => size + i),
    ),
    derive(s.seed, "g6"),
    0.05,
  );
  const copier = party("attacker", concat(exact, near));
  const r = await s.run("G6", [...s.honest, s.victim, copier]);
  const flagged = r.result.flagged.filter((f) => f.contributor === copier.address && f.reference.set === "validation").length;
  const paid = rewardOf(r.pay, [copier]);
  return {
    id: "G6",
    attack: "G6 copies of validation examples (exact + shifted/noisy)",
    target: "rejected",
    figure: flagged / (2 * size),
    display: `${flagged}/${2 * size} flagged, payout ${ratioOf(s, paid).toFixed(4)}x`,
    pass: flagged === 2 * size && paid === 0n,
    note: "",
  };
}

/** Stealing: registering the victim's examples later (exact, and shifted+noisy). */
export async function stealing(s: Suite): Promise<AttackRow> {
  const thiefExact = party("thief-exact", s.victim.data);
  const thiefNear = party("thief-near", shiftedNoisyCopy(s.victim.data, derive(s.seed, "steal"), 0.05));
  const r = await s.run("stealing", [...s.honest, s.victim, s.attacker, thiefExact, thiefNear]);
  const taken = rewardOf(r.pay, [thiefExact, thiefNear]);
  const v = rewardOf(r.pay, [s.victim]);
  return {
    id: "stealing",
    attack: "stealing: victim's examples registered later (exact + near)",
    target: "thief earns 0",
    figure: Number(taken),
    display: `thief ${taken} base units; victim ${(Number((v * 10000n) / s.baseline.victim) / 10000).toFixed(4)}x of its own baseline`,
    pass: taken === 0n,
    note: "",
  };
}
