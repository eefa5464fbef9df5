/**
 * The report's chart sections: payout per contributor, the score distribution with the flagged
 * examples, the top examples per contributor, the attack suite. Each holds a canvas that
 * browser/charts.js fills from the page's JSON, and the exact values in a table beside it.
 */
import { formatFixedPoint } from "../config/fixed-point.ts";
import { checksumAddress, creditedClaims, exampleHashHex, rowsByReward, topExamplesOf } from "./figures.ts";
import { html, type SafeHtml } from "./html-escape.ts";
import type { ExplorerLinks } from "./links.ts";
import type { ReportRecord } from "./record.ts";
import { openAmount } from "./sections-epoch.ts";

/** At most this many flagged examples are listed one by one (all are counted in the chart). */
const FLAGGED_LISTED = 200;

const canvas = (id: string, label: string, wide = false) =>
  html`<div class="chart${wide ? " wide" : ""}"><canvas id="chart-${id}" role="img" aria-label="${label}"></canvas></div>`;

export function payoutsSection(record: ReportRecord, links: ExplorerLinks): SafeHtml {
  const { core } = record;
  const credited = core.contributors.map(() => 0);
  for (const i of creditedClaims(record)) credited[core.examples[i]!.j]! += 1;
  const score = (v: bigint) => formatFixedPoint(v, record.fixedPointDecimals);
  return html`<section id="payouts"><h2>Payout per contributor</h2>
${canvas("payouts", "reward per contributor, highest first", true)}
<details><summary>${core.contributors.length} contributors (table)</summary>
<table><tr><th>label</th><th>address</th><th>examples credited</th><th>clipped total T_c</th><th>reward</th></tr>
${rowsByReward(record).map((row) => {
  const c = core.contributors[row]!;
  return html`<tr><td>${record.labels[row] ?? ""}</td><td>${links.address(checksumAddress(c.address))}</td><td>${credited[row]}</td><td>${score(c.amount)}</td><td>${openAmount(c.reward)}</td></tr>`;
})}</table></details></section>`;
}

export function scoresSection(record: ReportRecord): SafeHtml {
  const d = record.attribution;
  const flagged = [
    ...(d?.nearCopies.map((f) => ({ kind: "near copy", ...f })) ?? []),
    ...(d?.mislabelled.map((f) => ({ kind: "label inconsistent", ...f })) ?? []),
  ];
  const clipped = record.core.examples.filter((e) => e.score < 0n).length;
  return html`<section id="scores"><h2>Score distribution</h2>
<p>${record.core.examples.length.toLocaleString("en-US")} examples in the table; ${clipped.toLocaleString("en-US")} with a negative score, clipped to 0 by the policy; ${record.core.duplicates.length.toLocaleString("en-US")} claimed more than once; ${flagged.length.toLocaleString("en-US")} flagged by the attribution stage's defences.</p>
${canvas("scores", "examples per score bin, by class", true)}
${
  flagged.length === 0
    ? ""
    : html`<details><summary>flagged examples${flagged.length > FLAGGED_LISTED ? ` (first ${FLAGGED_LISTED} of ${flagged.length})` : ""}</summary>
<table><tr><th>flag</th><th>example</th><th>contributor</th><th>evidence</th></tr>
${flagged.slice(0, FLAGGED_LISTED).map((f) => html`<tr><td>${f.kind}</td><td><code>${exampleHashHex(f.hash)}</code></td><td><code>${f.contributor}</code></td><td>${f.why}</td></tr>`)}</table></details>`
}
</section>`;
}

export function topExamplesSection(record: ReportRecord, k: number): SafeHtml {
  const { core } = record;
  const top = topExamplesOf(record, k);
  return html`<section id="top-examples"><h2>Top examples per contributor</h2>
<p>The ${k} highest-scored credited examples of each contributor (same order as the payout chart).</p>
${canvas("topExamples", `the ${k} best example scores of each contributor`, true)}
<details><summary>table</summary><table><tr><th>contributor</th><th>rank</th><th>example</th><th>score</th></tr>
${rowsByReward(record).map((row) => top[row]!.map((i, rank) => html`<tr><td>${record.labels[row] ?? checksumAddress(core.contributors[row]!.address)}</td><td>${rank + 1}</td><td><code>${exampleHashHex(core.examples[i]!.hash)}</code></td><td>${formatFixedPoint(core.examples[i]!.score, record.fixedPointDecimals)}</td></tr>`))}
</table></details></section>`;
}

export function attacksSection(record: ReportRecord): SafeHtml {
  const rows = record.attacks;
  if (rows === undefined) {
    return html`<section id="attacks"><h2>Attack suite</h2><p class="not-run">Not run: the epoch directory has no attacks.json (<code>npm run eval:attacks</code> measures the suite).</p></section>`;
  }
  const passed = rows.filter((r) => r.pass).length;
  return html`<section id="attacks"><h2>Attack suite</h2>
<p class="${passed === rows.length ? "pass" : "fail"}">${passed} of ${rows.length} attacks within their target.</p>
<p>Each bar is the row's figure in its own unit (an attacker's payout ratio, a fraction, base units: the table says which); green within target, red not.</p>
${canvas("attacks", "attack figures, green within target, red not")}
<table><tr><th>attack</th><th>figure</th><th>target</th><th>result</th><th>note</th></tr>
${rows.map((r) => html`<tr><td>${r.attack}</td><td>${r.display}</td><td>${r.target}</td><td class="${r.pass ? "pass" : "fail"}">${r.pass ? "PASS" : "FAIL"}</td><td>${r.note}</td></tr>`)}</table></section>`;
}
