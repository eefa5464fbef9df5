/**
 * npm run eval:attacks [-- --honest N] [--size N] [--validation N] [--method M] [--epochs N] [--seed N]
 *                         [--label-consistency on|off] [--label-threshold P] [--label-confidence P]
 *                         [--label-ensemble off] [--label-contributors off] [--out FILE]
 *
 * The Sybil and manipulation attack suite on MNIST (issue 11): every scenario of
 * scripts/lib/attack-suite.ts (`honest` clean contributors of `size` digits register first, then
 * the attacker; defences as configured: exact copies trained once, near-duplicate stage, label
 * consistency; payouts under the real policy). Each row: the attacker's payout relative to honest
 * behaviour and pass/fail against the issue's target. `--seed` replaces attribution.seed (the
 * validation split, the parties' digits, the planted labels and every model seed), so a result
 * can be checked on seeds other than the one it was tuned on. Table on stdout, JSON in
 * bench-results/attacks.json. npm run demo runs a small subset (scripts/lib/demo-attacks.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { config } from "../config/index.ts";
import type { AttributionConfig } from "../config/attribution.ts";
import { DEFAULT_LABEL_CONSISTENCY } from "../attribution/label-consistency.ts";
import { DEFAULT_NEAR_DUPLICATES } from "../attribution/near-duplicates.ts";
import {
  exactCopies,
  nearCopies,
  plantedMislabels,
  prepareSuite,
  rotatedCopies,
  stealing,
  sybilSplit,
  validationCopies,
  type AttackRow,
} from "./lib/attack-suite.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    honest: { type: "string", default: "10" },
    size: { type: "string", default: "60" },
    validation: { type: "string", default: "500" },
    method: { type: "string", default: config.attribution.method },
    epochs: { type: "string", default: String(config.attribution.training.epochs) },
    seed: { type: "string", default: String(config.attribution.seed) },
    "label-consistency": { type: "string" },
    "label-threshold": { type: "string" },
    "label-confidence": { type: "string" },
    "label-ensemble": { type: "string" },
    "label-contributors": { type: "string" },
    out: { type: "string", default: join(ROOT, "bench-results", "attacks.json") },
  },
});
if (!/^\d+$/.test(values.seed)) throw new Error(`--seed: expected a non-negative integer, got ${JSON.stringify(values.seed)}`);
const HONEST = Number(values.honest),
  SIZE = Number(values.size);
const POOL = 10n ** 24n; // 1,000,000 $OPEN in base units
let settings: AttributionConfig = {
  ...config.attribution,
  providers: ["cpu"],
  strict: true,
  method: values.method as AttributionConfig["method"],
  seed: Number(values.seed),
  validationSize: Number(values.validation),
  training: { ...config.attribution.training, epochs: Number(values.epochs) },
};
const lc0 = settings.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY;
const lc = {
  enabled: values["label-consistency"] === undefined ? lc0.enabled : values["label-consistency"] === "on",
  threshold: values["label-threshold"] === undefined ? lc0.threshold : Number(values["label-threshold"]),
  confidence: values["label-confidence"] === undefined ? lc0.confidence : Number(values["label-confidence"]),
  ...(values["label-ensemble"] === "off" || lc0.ensemble === undefined ? {} : { ensemble: lc0.ensemble }),
  ...(values["label-contributors"] === "off" || lc0.contributors === undefined ? {} : { contributors: lc0.contributors }),
};
settings = { ...settings, labelConsistency: lc };
const nd = settings.nearDuplicates ?? DEFAULT_NEAR_DUPLICATES;

const t0 = performance.now();
const suite = await prepareSuite({ honest: HONEST, size: SIZE, settings, pool: POOL, log: (m) => console.error(m) });
const base = suite.baseline;
console.error(
  `  baseline: attacker ${base.attacker}, victim ${base.victim}, honest flagged ${base.honestFlagged}/${(HONEST + 1) * SIZE}, honest label-inconsistent ${base.honestLabelZeroed}/${base.honestRows}`,
);
const rows: AttackRow[] = [];
for (const k of [1, 5, 10]) rows.push(await exactCopies(suite, k));
for (const attack of [nearCopies, sybilSplit, rotatedCopies, plantedMislabels, validationCopies, stealing]) rows.push(await attack(suite));

const seconds = (performance.now() - t0) / 1000;
const w = Math.max(...rows.map((r) => r.attack.length));
const d = Math.max(...rows.map((r) => r.display.length));
console.log(
  `attack suite: ${settings.method}, seed ${settings.seed}, ${HONEST} honest x ${SIZE} digits, attacker ${SIZE}, validation ${settings.validationSize}; near-duplicates ${nd.enabled ? `on (threshold ${nd.threshold}, shifts +-${nd.maxShift}, rotations ${nd.rotations?.join("/") ?? "none"} deg)` : "off"}; label consistency ${lc.enabled ? `on (p(label) < ${lc.threshold}, other >= ${lc.confidence}${lc.ensemble && settings.method === "trak" ? `; by TRAK's views: p(label) < ${lc.ensemble.threshold}, other >= ${lc.ensemble.confidence}` : ""}${lc.contributors ? `; contributor rule: >= ${lc.contributors.minFlagged} rows and >= ${100 * lc.contributors.fraction} % flagged -> p(label) < ${lc.contributors.threshold}` : ""})` : "off"}; baseline honest flagged ${base.honestFlagged}/${(HONEST + 1) * SIZE}, label-zeroed ${base.honestLabelZeroed}/${base.honestRows}; ${seconds.toFixed(0)} s`,
);
console.log(`${"attack".padEnd(w)} | ${"result".padEnd(d)} | target                          | pass`);
for (const r of rows)
  console.log(
    `${r.attack.padEnd(w)} | ${r.display.padEnd(d)} | ${r.target.padEnd(31)} | ${r.pass ? "PASS" : "FAIL"}${r.note ? `  (${r.note})` : ""}`,
  );
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(
  values.out,
  `${JSON.stringify(
    {
      method: settings.method,
      seed: settings.seed,
      honest: HONEST,
      size: SIZE,
      validation: settings.validationSize,
      epochs: settings.training.epochs,
      pool: POOL.toString(),
      nearDuplicates: nd,
      labelConsistency: lc,
      baseline: {
        attacker: base.attacker.toString(),
        victim: base.victim.toString(),
        honestFlagged: base.honestFlagged,
        honestLabelZeroed: base.honestLabelZeroed,
        honestRows: base.honestRows,
      },
      seconds,
      rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${values.out}`);
