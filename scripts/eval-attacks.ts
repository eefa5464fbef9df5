/**
 * npm run eval:attacks [-- --honest N] [--size N] [--validation N] [--method M] [--epochs N]
 *                         [--label-consistency on|off] [--label-threshold P] [--label-confidence P] [--out FILE]
 *
 * The Sybil and manipulation attack suite on MNIST (issue 11). `honest` clean contributors of
 * `size` digits each register first, then the attacker. Every scenario trains and scores with the
 * attribution pipeline (defences as configured: exact copies trained once, near-duplicate stage,
 * label consistency),
 * then pays a pool R under the real policy (witness/ buildEpochWitness). Each row: the attacker's
 * payout relative to honest behaviour (registering its data once, under one identity) and
 * pass/fail against the issue's target. Table on stdout, JSON in bench-results/attacks.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { config } from "../config/index.ts";
import type { AttributionConfig } from "../config/attribution.ts";
import { concat, flipLabels, splitMnist, subset, DEFAULT_LABEL_CONSISTENCY, DEFAULT_NEAR_DUPLICATES, type Dataset, type Partition } from "../attribution/index.ts";
import { derive, Rng } from "../attribution/prng.ts";
import { party, rewardOf, rotatedCopy, runScenario, shiftedNoisyCopy } from "./lib/attacks.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    honest: { type: "string", default: "10" },
    size: { type: "string", default: "60" },
    validation: { type: "string", default: "500" },
    method: { type: "string", default: config.attribution.method },
    epochs: { type: "string", default: String(config.attribution.training.epochs) },
    "label-consistency": { type: "string" },
    "label-threshold": { type: "string" },
    "label-confidence": { type: "string" },
    out: { type: "string", default: join(ROOT, "bench-results", "attacks.json") },
  },
});
const HONEST = Number(values.honest), SIZE = Number(values.size);
const POOL = 10n ** 24n; // 1,000,000 $OPEN in base units
let settings: AttributionConfig = {
  ...config.attribution,
  providers: ["cpu"],
  strict: true,
  method: values.method as AttributionConfig["method"],
  validationSize: Number(values.validation),
  training: { ...config.attribution.training, epochs: Number(values.epochs) },
};
const lc0 = settings.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY;
const lc = {
  enabled: values["label-consistency"] === undefined ? lc0.enabled : values["label-consistency"] === "on",
  threshold: values["label-threshold"] === undefined ? lc0.threshold : Number(values["label-threshold"]),
  confidence: values["label-confidence"] === undefined ? lc0.confidence : Number(values["label-confidence"]),
};
settings = { ...settings, labelConsistency: lc };
const nd = settings.nearDuplicates ?? DEFAULT_NEAR_DUPLICATES;
const seed = settings.seed;
const split = splitMnist(seed, settings.validationSize);
const order = new Rng(derive(seed, "attacks")).permutation(split.pool.size);
let next = 0;
const take = (n: number): Dataset => { const d = subset(split.pool, order.subarray(next, next + n)); next += n; return d; };
const honest: Partition[] = Array.from({ length: HONEST }, (_, i) => party(`honest-${String(i + 1).padStart(2, "0")}`, take(SIZE)));
const mine = take(SIZE);
const victim = party("victim", take(SIZE));
const val = split.validation;

interface Row { attack: string; target: string; figure: number; display: string; pass: boolean; note: string }
const rows: Row[] = [];
const t0 = performance.now();
const run = async (name: string, parts: Partition[]) => {
  const t = performance.now();
  const r = await runScenario(parts, val, settings, POOL);
  console.error(`  ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s, ${r.result.flagged.length} flagged, ${r.result.mislabelled.length} label-inconsistent`);
  return r;
};
const honestFlagged = (flagged: readonly { contributor: string }[], parts: readonly Partition[]) => {
  const addrs = new Set(parts.map((p) => p.address));
  return flagged.filter((f) => addrs.has(f.contributor)).length;
};

// Honest behaviour: the attacker registers its data once, under one identity, after the honest parties (and a victim).
const A = party("attacker", mine);
const base = await run("baseline", [...honest, victim, A]);
const P0 = rewardOf(base.pay, [A]);
const V0 = rewardOf(base.pay, [victim]);
const ratio = (p: bigint) => Number((p * 1_000_000n) / P0) / 1_000_000;
const baseHonestFlagged = honestFlagged(base.result.flagged, [...honest, victim]);
// Honest rows the label-consistency stage zeroes (and how many of them had a positive score otherwise is not known here).
const baseHonestMislabelled = honestFlagged(base.result.mislabelled, [...honest, victim, A]);
const honestRows = (HONEST + 2) * SIZE;
console.error(`  baseline: attacker ${P0}, victim ${V0}, honest flagged ${baseHonestFlagged}/${(HONEST + 1) * SIZE}, honest label-inconsistent ${baseHonestMislabelled}/${honestRows}`);

// G1: k exact copies under k extra identities (one identity cannot claim an example twice: DUPLICATE_CLAIM).
for (const k of [1, 5, 10]) {
  const sybils = Array.from({ length: k }, (_, i) => party(`g1-sybil-${k}-${i}`, mine));
  const r = await run(`G1 k=${k}`, [...honest, victim, A, ...sybils]);
  const x = ratio(rewardOf(r.pay, [A, ...sybils]));
  rows.push({ attack: `G1 ${k} exact cop${k === 1 ? "y" : "ies"} (extra identities)`, target: "<= 1.00x", figure: x, display: `${x.toFixed(4)}x`, pass: x <= 1.0, note: "" });
}
// G2: shifted (<= 2 px), intensity-rescaled, noisy copies: in the attacker's own identity and under sybils.
{
  const copies = [1, 2, 3, 4, 5].map((c) => shiftedNoisyCopy(mine, derive(seed, "g2", c), 0.05));
  const own = party("attacker", concat(mine, copies[0]!));
  const sybils = copies.slice(1).map((d, i) => party(`g2-sybil-${i}`, d));
  const r = await run("G2", [...honest, victim, own, ...sybils]);
  const x = ratio(rewardOf(r.pay, [own, ...sybils]));
  const hf = honestFlagged(r.result.flagged, [...honest, victim]);
  const rate = hf / ((HONEST + 1) * SIZE);
  const copyStart = (HONEST + 1) * SIZE + SIZE; // the own identity's copies follow its originals
  const caught = r.result.flagged.filter((f) => sybils.some((p) => p.address === f.contributor) || (f.contributor === own.address && f.index >= copyStart)).length;
  rows.push({
    attack: "G2 5 shifted+noisy copies (1 own, 4 sybils)", target: "<= 1.05x, <= 2 % honest flagged", figure: x,
    display: `${x.toFixed(4)}x, honest flagged ${(100 * rate).toFixed(2)} %`, pass: x <= 1.05 && rate <= 0.02,
    note: `${caught}/${5 * SIZE} copies flagged; shift in [-2,2]^2, noise sigma 0.05, intensity x[0.8,1]`,
  });
}
// G3: the same data under 1 vs 10 identities.
{
  const per = Math.ceil(SIZE / 10);
  const ids = Array.from({ length: 10 }, (_, i) => party(`g3-id-${i}`, subset(mine, Array.from({ length: Math.min(per, SIZE - i * per) }, (_, k) => i * per + k))));
  const r = await run("G3", [...honest, victim, ...ids]);
  const p10 = rewardOf(r.pay, ids);
  const t1 = base.result.contributors.find((c) => c.address === A.address)!.positiveTotal;
  const t10 = r.result.contributors.filter((c) => ids.some((p) => p.address === c.address)).reduce((s, c) => s + c.positiveTotal, 0n);
  const diff = P0 - p10;
  rows.push({
    attack: "G3 one party, 1 vs 10 identities", target: "identical total", figure: Number(diff), display: `score totals ${t1 === t10 ? "identical" : "DIFFER"}, payout diff ${diff} base units`,
    pass: t1 === t10 && diff >= 0n && diff < 10n, note: "floor split: 10 identities can lose up to 9 base units of rounding dust, never gain",
  });
}
// G4: copies rotated by 5..10 degrees, under 5 sybils.
{
  const sybils = [1, 2, 3, 4, 5].map((c) => party(`g4-sybil-${c}`, rotatedCopy(mine, derive(seed, "g4", c), 10)));
  const r = await run("G4", [...honest, victim, A, ...sybils]);
  const x = ratio(rewardOf(r.pay, [A, ...sybils]));
  const caught = r.result.flagged.filter((f) => sybils.some((p) => p.address === f.contributor)).length;
  rows.push({ attack: "G4 5 copies rotated 5-10 deg (sybils)", target: "<= 2x (report)", figure: x, display: `${x.toFixed(4)}x`, pass: x <= 2, note: `${caught}/${5 * SIZE} rotated copies flagged` });
}
// G5: planted mislabelled examples (every label of the attacker's data changed).
{
  const bad = subset(mine, Array.from({ length: SIZE }, (_, i) => i));
  flipLabels(bad, 1, derive(seed, "g5"));
  const B = party("attacker", bad);
  const r = await run("G5", [...honest, victim, B]);
  const scores = r.result.rows.filter((x) => x.contributor === B.address).map((x) => x.score);
  const zero = scores.filter((s) => s <= 0n).length / scores.length;
  const x = ratio(rewardOf(r.pay, [B]));
  const caught = r.result.mislabelled.filter((m) => m.contributor === B.address).length;
  const hz = honestFlagged(r.result.mislabelled, [...honest, victim]) / ((HONEST + 1) * SIZE);
  const bz = baseHonestMislabelled / honestRows;
  rows.push({
    attack: `G5 ${SIZE} planted mislabelled examples`, target: ">= 90 % paid zero, <= 2 % honest zeroed", figure: zero,
    display: `${(100 * zero).toFixed(1)} % paid zero (payout ${x.toFixed(3)}x); honest label-zeroed ${(100 * hz).toFixed(2)} % (baseline ${(100 * bz).toFixed(2)} %)`,
    pass: zero >= 0.9 && hz <= 0.02 && bz <= 0.02,
    note: `paid zero = score <= 0 (clipped); label consistency ${lc.enabled ? `on (p(label) < ${lc.threshold}, other class >= ${lc.confidence}): ${caught}/${SIZE} flagged` : "off"}`,
  });
}
// G6: copies of validation examples, exact and shifted+noisy.
{
  const exact = subset(val, Array.from({ length: SIZE }, (_, i) => i));
  const near = shiftedNoisyCopy(subset(val, Array.from({ length: SIZE }, (_, i) => SIZE + i)), derive(seed, "g6"), 0.05);
  const C = party("attacker", concat(exact, near));
  const r = await run("G6", [...honest, victim, C]);
  const flagged = r.result.flagged.filter((f) => f.contributor === C.address && f.reference.set === "validation").length;
  const p = rewardOf(r.pay, [C]);
  rows.push({ attack: "G6 copies of validation examples (exact + shifted/noisy)", target: "rejected", figure: flagged / (2 * SIZE), display: `${flagged}/${2 * SIZE} flagged, payout ${ratio(p).toFixed(4)}x`, pass: flagged === 2 * SIZE && p === 0n, note: "" });
}
// Stealing: registering the victim's examples later (exact, and shifted+noisy).
{
  const thiefExact = party("thief-exact", victim.data);
  const thiefNear = party("thief-near", shiftedNoisyCopy(victim.data, derive(seed, "steal"), 0.05));
  const r = await run("stealing", [...honest, victim, A, thiefExact, thiefNear]);
  const pt = rewardOf(r.pay, [thiefExact, thiefNear]);
  const v = rewardOf(r.pay, [victim]);
  rows.push({
    attack: "stealing: victim's examples registered later (exact + near)", target: "thief earns 0", figure: Number(pt),
    display: `thief ${pt} base units; victim ${(Number((v * 10000n) / V0) / 10000).toFixed(4)}x of its own baseline`, pass: pt === 0n, note: "",
  });
}

const seconds = (performance.now() - t0) / 1000;
const w = Math.max(...rows.map((r) => r.attack.length));
const d = Math.max(...rows.map((r) => r.display.length));
console.log(`attack suite: ${settings.method}, ${HONEST} honest x ${SIZE} digits, attacker ${SIZE}, validation ${settings.validationSize}; near-duplicates ${nd.enabled ? `on (threshold ${nd.threshold}, shifts +-${nd.maxShift})` : "off"}; label consistency ${lc.enabled ? `on (p(label) < ${lc.threshold}, other >= ${lc.confidence})` : "off"}; baseline honest flagged ${baseHonestFlagged}/${(HONEST + 1) * SIZE}, label-zeroed ${baseHonestMislabelled}/${honestRows}; ${seconds.toFixed(0)} s`);
console.log(`${"attack".padEnd(w)} | ${"result".padEnd(d)} | target                          | pass`);
for (const r of rows) console.log(`${r.attack.padEnd(w)} | ${r.display.padEnd(d)} | ${r.target.padEnd(31)} | ${r.pass ? "PASS" : "FAIL"}${r.note ? `  (${r.note})` : ""}`);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({
  method: settings.method, honest: HONEST, size: SIZE, validation: settings.validationSize, epochs: settings.training.epochs, pool: POOL.toString(),
  nearDuplicates: nd, labelConsistency: lc, baseline: { attacker: P0.toString(), victim: V0.toString(), honestFlagged: baseHonestFlagged, honestLabelZeroed: baseHonestMislabelled, honestRows }, seconds, rows,
}, null, 2)}\n`);
console.log(`wrote ${values.out}`);
