/**
 * Small, fast versions of the attack suite (npm run eval:attacks is the benchmark): the
 * near-duplicate stage and the payouts under the real policy (witness/ buildEpochWitness).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { config } from "../config/index.ts";
import type { AttributionConfig } from "../config/attribution.ts";
import { writeAttribution } from "../attribution/index.ts";
import { concat, splitMnist, subset } from "../attribution/data.ts";
import { DEFAULT_LABEL_CONSISTENCY, flaggedScore, labelInconsistent } from "../attribution/label-consistency.ts";
import { DEFAULT_NEAR_DUPLICATES, detectNearDuplicates, similarity } from "../attribution/near-duplicates.ts";
import { flipLabels } from "../attribution/partitions.ts";
import type { Dataset } from "../dataset/index.ts";
import { derive } from "../attribution/prng.ts";
import { party, rewardOf, rotatedCopy, runScenario, shiftedNoisyCopy } from "../scripts/lib/attacks.ts";
import { writeDemoAttacks } from "../scripts/lib/demo-attacks.ts";

const split = splitMnist(7, 40);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const digits = (from: number, n: number): Dataset => subset(split.pool, range(from, n));
const POOL = 10n ** 24n;
const settings: AttributionConfig = {
  ...config.attribution,
  providers: ["cpu"],
  strict: true,
  method: "influence",
  validationSize: 40,
  hidden: 16,
  training: { ...config.attribution.training, epochs: 2 },
  batchSize: 64,
};

describe("attacks", () => {
  test("near-duplicate stage: 2-px shifted, rescaled, noisy copies are flagged with their source; distinct digits are not", () => {
    const originals = digits(0, 120);
    const copies = shiftedNoisyCopy(digits(0, 30), derive(1, "t"), 0.05);
    const data = concat(originals, copies);
    const owners = [...Array(120).fill("honest"), ...Array(30).fill("attacker")];
    const r = detectNearDuplicates(data, owners, split.validation, DEFAULT_NEAR_DUPLICATES);
    const flaggedCopies = r.evidence.filter((e) => e.index >= 120);
    assert.equal(flaggedCopies.length, 30);
    for (const e of flaggedCopies) {
      assert.equal(e.reference.set, "registered");
      assert.equal(e.reference.index, e.index - 120, "evidence names the earlier example it copies");
      assert.ok(e.similarity >= DEFAULT_NEAR_DUPLICATES.threshold);
    }
    assert.ok(r.evidence.filter((e) => e.index < 120).length <= 2, "at most 2 % of distinct digits flagged");
    assert.ok(similarity(originals, 0, originals, 1) < DEFAULT_NEAR_DUPLICATES.threshold);
  });

  test("near-duplicate stage: copies rotated by 5-10 degrees are flagged with the angle that matched; without the rotation search most escape", () => {
    const originals = digits(400, 60);
    const rotated = rotatedCopy(originals, derive(6, "t"), 10);
    const data = concat(originals, rotated);
    const owners = [...Array(60).fill("honest"), ...Array(60).fill("rotator")];
    const caught = detectNearDuplicates(data, owners, split.validation, DEFAULT_NEAR_DUPLICATES).evidence.filter((e) => e.index >= 60);
    assert.ok(caught.length >= 45, `${caught.length}/60 rotated copies flagged`); // 49 measured
    assert.ok(caught.every((e) => e.reference.set === "registered" && e.reference.index === e.index - 60));
    assert.ok(caught.filter((e) => e.rotation !== 0).length > caught.length / 2, "most matched through a rotated view");
    const plain = detectNearDuplicates(data, owners, split.validation, { ...DEFAULT_NEAR_DUPLICATES, rotations: [] }).evidence.filter(
      (e) => e.index >= 60,
    );
    assert.ok(plain.length <= 30, `${plain.length}/60 flagged without rotations`); // 0 measured
  });

  test("copies of validation examples are flagged against the validation set", () => {
    const exact = subset(split.validation, range(0, 10));
    const near = shiftedNoisyCopy(subset(split.validation, range(10, 10)), derive(2, "t"), 0.05);
    const r = detectNearDuplicates(concat(exact, near), Array(20).fill("a"), split.validation, DEFAULT_NEAR_DUPLICATES);
    assert.equal(r.evidence.length, 20);
    assert.ok(r.evidence.every((e) => e.reference.set === "validation"));
  });

  test("an exact copy shares its first occurrence's verdict and is not trained twice", () => {
    const d = digits(200, 10);
    const r = detectNearDuplicates(concat(d, d), Array(20).fill("a"), split.validation, DEFAULT_NEAR_DUPLICATES);
    assert.deepEqual([...r.keep.subarray(10)], Array(10).fill(0));
    assert.deepEqual([...r.firstOf.subarray(10)], range(0, 10));
  });

  const honest = [0, 1, 2, 3].map((i) => party(`honest-${i}`, digits(300 + 50 * i, 50)));
  const mine = digits(600, 40);
  const A = party("attacker", mine);

  test("G1, stealing: exact copies under other identities earn nothing more; a later registrant of someone's examples earns 0", async () => {
    const base = await runScenario([...honest, A], split.validation, settings, POOL);
    const P0 = rewardOf(base.pay, [A]);
    assert.ok(P0 > 0n);
    const sybils = [0, 1, 2].map((i) => party(`sybil-${i}`, mine));
    const r = await runScenario([...honest, A, ...sybils], split.validation, settings, POOL);
    assert.equal(rewardOf(r.pay, [A, ...sybils]), P0, "k exact copies: exactly 1.00x");
    assert.equal(rewardOf(r.pay, sybils), 0n);
    const thief = party("thief", honest[0]!.data);
    const s = await runScenario([...honest, A, thief], split.validation, settings, POOL);
    assert.equal(rewardOf(s.pay, [thief]), 0n);
    assert.equal(rewardOf(s.pay, [honest[0]!]), rewardOf(base.pay, [honest[0]!]));
  });

  test("G2, G6: shifted + noisy copies and validation copies score 0 and are listed in attribution.json", async () => {
    const copies = party("copier", shiftedNoisyCopy(mine, derive(3, "t"), 0.05));
    const val = party("val-copier", subset(split.validation, range(0, 10)));
    const r = await runScenario([...honest, A, copies, val], split.validation, settings, POOL);
    assert.equal(rewardOf(r.pay, [copies, val]), 0n);
    const flaggedRows = new Set(r.result.flagged.map((f) => f.index));
    r.result.rows.forEach((row, i) => {
      if (flaggedRows.has(i)) assert.equal(row.score, 0n);
    });
    assert.deepEqual(r.result.defences, ["exact-dedup", "near-duplicates", "label-consistency"]);
    const dir = mkdtempSync(join(tmpdir(), "attacks-"));
    try {
      const summary = JSON.parse(readFileSync(writeAttribution(dir, r.result, 6).summary, "utf8"));
      assert.deepEqual(summary.defences, ["exact-dedup", "near-duplicates", "label-consistency"]);
      assert.ok(summary.flagged.length >= 40 + 10);
      assert.ok(summary.flagged.some((f: { reference: { set: string } }) => f.reference.set === "validation"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("G3: one party under 1 vs 10 identities: identical score totals, payouts equal up to floor dust (< 10 base units, never more)", async () => {
    const base = await runScenario([...honest, A], split.validation, settings, POOL);
    const ids = range(0, 10).map((i) => party(`id-${i}`, subset(mine, range(4 * i, 4))));
    const r = await runScenario([...honest, ...ids], split.validation, settings, POOL);
    const t1 = base.result.contributors.find((c) => c.address === A.address)!.positiveTotal;
    const t10 = r.result.contributors.filter((c) => ids.some((p) => p.address === c.address)).reduce((s, c) => s + c.positiveTotal, 0n);
    assert.equal(t10, t1);
    const diff = rewardOf(base.pay, [A]) - rewardOf(r.pay, ids);
    assert.ok(diff >= 0n && diff < 10n, `diff ${diff}`);
  });

  test("G4: rotated copies are scored, and far below a second full share", async () => {
    const base = await runScenario([...honest, A], split.validation, settings, POOL);
    const rot = party("rotator", rotatedCopy(mine, derive(4, "t"), 10));
    const r = await runScenario([...honest, A, rot], split.validation, settings, POOL);
    const x = Number((rewardOf(r.pay, [A, rot]) * 1000n) / rewardOf(base.pay, [A])) / 1000;
    assert.ok(x <= 2, `${x}x`);
  });

  test("the demo's suite: every attack once with a cheaper model, each within its target, written as attacks.json rows { id, attack, figure, display, target, pass, note }", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-attacks-"));
    try {
      const rows = await writeDemoAttacks(dir, config);
      assert.deepEqual(
        rows.map((r) => r.id),
        ["G1", "G2", "G3", "G4", "G5", "G6", "stealing"],
      );
      assert.deepEqual(JSON.parse(readFileSync(join(dir, "attacks.json"), "utf8")), rows);
      for (const r of rows) {
        assert.deepEqual(Object.keys(r).sort(), ["attack", "display", "figure", "id", "note", "pass", "target"]);
        assert.ok(Number.isFinite(r.figure) && typeof r.pass === "boolean");
      }
      for (const r of rows) assert.ok(r.pass, `${r.id}: ${r.display}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("label consistency: a label the model finds improbable (another class confident) is flagged; a consistent or merely uncertain one is not", () => {
    const cfg = DEFAULT_LABEL_CONSISTENCY;
    const logits = new Float32Array(30);
    logits[3] = 6; // row 0: class 3 confident, registered 7 -> flagged
    logits[10 + 7] = 6; // row 1: class 7 confident, registered 7 -> consistent
    for (let c = 0; c < 10; c++) logits[20 + c] = 0; // row 2: uniform (p = 0.1 each) -> not confident
    const r = labelInconsistent(logits, Uint8Array.from([7, 7, 5]), 10, cfg);
    assert.deepEqual(r.rows, [0]);
    assert.ok(r.pLabel[0]! < cfg.threshold && r.pPredicted[0]! >= cfg.confidence);
  });

  test("label consistency over an ensemble: the mean of the models' probabilities judges, so one model memorising a wrong label does not clear it", () => {
    const cfg = DEFAULT_LABEL_CONSISTENCY;
    const memorised = new Float32Array(10);
    memorised[7] = 6; // this model learnt the registered label 7
    const others = new Float32Array(10);
    others[3] = 6; // these find class 3
    const labels = Uint8Array.of(7);
    assert.deepEqual(labelInconsistent(memorised, labels, 10, cfg).rows, []);
    const r = labelInconsistent(
      [memorised, others, others, others, others, others, others, others, others, others, others, others],
      labels,
      10,
      cfg,
    );
    assert.deepEqual(r.rows, [0]);
    assert.equal(r.predicted[0], 3);
    // mean p(7) = (p7(memorised) + 11 * p7(others)) / 12, the softmax of each computed independently
    const p = (logit: number) => Math.exp(logit) / (Math.exp(logit) + 9);
    assert.ok(Math.abs(r.pLabel[0]! - (p(6) + (11 * (1 - p(6))) / 9) / 12) < 1e-6, `pLabel ${r.pLabel[0]}`);
    assert.throws(() => labelInconsistent([], labels, 10, cfg), RangeError);
  });

  test("label consistency by contributor: a contributor with many confidently wrong labels loses its other improbable ones; one with few does not", () => {
    const cfg = { ...DEFAULT_LABEL_CONSISTENCY, contributors: { fraction: 0.2, minFlagged: 3, threshold: 0.5 } };
    // Row kinds: "wrong" (class 3 confident, label 7), "unsure" (p(7) about 0.38, no class confident), "right" (7 confident).
    const kinds = { wrong: [3, 6], unsure: [7, 2], right: [7, 6] } as const;
    const rows: (keyof typeof kinds)[] = [];
    const owners: string[] = [];
    const add = (owner: string, kind: keyof typeof kinds, n: number) => {
      for (let k = 0; k < n; k++) {
        rows.push(kind);
        owners.push(owner);
      }
    };
    add("planter", "wrong", 4); // rows 0-3
    add("planter", "unsure", 3); // rows 4-6: flagged through the contributor
    add("planter", "right", 3); // rows 7-9: kept (p(label) >= 0.5)
    add("few", "wrong", 2); // rows 10-11: flagged, but 2 < minFlagged
    add("few", "unsure", 3); // rows 12-14: kept
    add("diluted", "wrong", 3); // rows 15-17: flagged, 3 of 20 < 20 %
    add("diluted", "unsure", 1); // row 18: kept
    add("diluted", "right", 16);
    const logits = new Float32Array(rows.length * 10);
    rows.forEach((kind, i) => {
      logits[i * 10 + kinds[kind][0]] = kinds[kind][1];
    });
    const labels = new Uint8Array(rows.length).fill(7);
    const byRow = labelInconsistent(logits, labels, 10, cfg);
    assert.deepEqual(byRow.rows, [0, 1, 2, 3, 10, 11, 15, 16, 17], "without owners: row by row");
    assert.equal(byRow.byContributor.size, 0);
    const r = labelInconsistent(logits, labels, 10, cfg, owners);
    assert.deepEqual(r.rows, [0, 1, 2, 3, 4, 5, 6, 10, 11, 15, 16, 17]);
    assert.deepEqual([...r.byContributor], [4, 5, 6]);
    assert.ok(r.pLabel[4]! > DEFAULT_LABEL_CONSISTENCY.threshold && r.pLabel[4]! < 0.5, `p(label) ${r.pLabel[4]}`);
    assert.deepEqual(
      labelInconsistent(logits, labels, 10, DEFAULT_LABEL_CONSISTENCY, owners).rows,
      byRow.rows,
      "no contributors rule: row by row",
    );
    assert.throws(() => labelInconsistent(logits, labels, 10, cfg, owners.slice(1)), RangeError);
  });

  test("a flagged example is paid nothing but keeps a negative score: flaggedScore caps at 0", () => {
    assert.equal(flaggedScore(0.3), 0);
    assert.equal(flaggedScore(-0.3), -0.3);
    assert.equal(flaggedScore(0), 0);
  });

  test("G5: planted mislabelled examples are flagged by label consistency and paid nothing (score <= 0); clean ones are not", async () => {
    const lcSettings: AttributionConfig = { ...settings, hidden: 64, training: { ...config.attribution.training, epochs: 5 } };
    const bad = digits(700, 20);
    flipLabels(bad, 1, derive(5, "t"));
    const planter = party("planter", bad);
    const r = await runScenario([...honest, planter], split.validation, lcSettings, POOL);
    assert.ok(r.result.defences.includes("label-consistency"));
    const caught = r.result.mislabelled.filter((m) => m.contributor === planter.address);
    assert.ok(caught.length >= 10, `${caught.length}/20 planted mislabelled examples flagged`);
    const rule = config.attribution.labelConsistency?.contributors;
    for (const m of r.result.mislabelled) {
      assert.ok(r.result.rows[m.index]!.score <= 0n, `row ${m.index} scores ${r.result.rows[m.index]!.score}`);
      if (m.reason === "label") assert.notEqual(m.predicted, m.label);
      else {
        assert.ok(rule && m.pLabel < rule.threshold, `row ${m.index}: p(label) ${m.pLabel}`);
        assert.equal(m.contributor, planter.address, "only the planter's rate escalates");
      }
    }
    const clean = r.result.mislabelled.filter((m) => m.contributor !== planter.address).length;
    assert.ok(clean <= 4, `${clean}/200 clean examples flagged`);
    const dir = mkdtempSync(join(tmpdir(), "attacks-"));
    try {
      const summary = JSON.parse(readFileSync(writeAttribution(dir, r.result, 6).summary, "utf8"));
      assert.equal(summary.mislabelled.length, r.result.mislabelled.length);
      assert.deepEqual(
        summary.mislabelled.map((m: { reason: string }) => m.reason),
        r.result.mislabelled.map((m) => m.reason),
      );
      assert.deepEqual(summary.labelConsistency, config.attribution.labelConsistency ?? DEFAULT_LABEL_CONSISTENCY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
