/**
 * The report's sections about the epoch as a whole: summary, verification status, the defences
 * that ran, proof and gas statistics, the settlement transactions. Every value from the record is
 * interpolated through `html`, which escapes it.
 */
import { formatUnits } from "ethers";
import { config } from "../config/index.ts";
import { formatFixedPoint } from "../config/fixed-point.ts";
import { transactionKind, checksumAddress } from "./figures.ts";
import { html, type SafeHtml } from "./html-escape.ts";
import type { ExplorerLinks } from "./links.ts";
import type { ReportRecord } from "./record.ts";
import type { VerificationStatus } from "./verification.ts";

export const openAmount = (v: bigint) => `${formatUnits(v, config.token.decimals)} ${config.token.symbol}`;
const integer = (v: number | bigint) => v.toLocaleString("en-US");

export function summarySection(record: ReportRecord, links: ExplorerLinks): SafeHtml {
  const { core } = record;
  const c = core.contracts;
  const row = (name: string, value: unknown) => html`<tr><th>${name}</th><td>${value}</td></tr>`;
  return html`<section id="summary"><h2>Epoch</h2><table class="facts">
${row("epoch / status", `${core.epoch} / ${record.status}`)}
${row("chain id", core.chainId === 31337n ? `${core.chainId} (local development chain)` : String(core.chainId))}
${row("settlement contract", links.address(c.settlement))}
${row("token, registry", html`${links.address(c.token)}, ${links.address(c.registry)}`)}
${row("verifiers (example, payout)", html`${links.address(c.exampleVerifier)}, ${links.address(c.payoutVerifier)}`)}
${row("pool R", openAmount(core.pool))}
${row("paid, dust kept by the contract", `${openAmount(core.pool - core.dust)}, ${core.dust} base units`)}
${row("total clipped score S", formatFixedPoint(core.total, record.fixedPointDecimals))}
${row("examples in the table / contributors / registrations", `${integer(core.examples.length)} / ${integer(core.contributors.length)} / ${integer(core.registrations.length)}`)}
${row("model hash", record.model.modelHash === undefined ? "not recorded" : html`<code>${record.model.modelHash}</code>`)}
${row("lineage", record.lineage === undefined || record.lineage.follows === "0" ? "the first model of its lineage" : html`follows epoch ${record.lineage.follows}, whose model is <code>${record.lineage.previousModelHash}</code>`)}
${row("validation-set commitment", record.model.validationCommitment === undefined ? "not recorded" : html`<code>${record.model.validationCommitment}</code>`)}
</table></section>`;
}

export function verificationSection(status: VerificationStatus, dir: string): SafeHtml {
  const body =
    status.kind === "passed"
      ? html`<p class="pass">PASSED: every check below, from the record alone, in ${(status.report.ms / 1000).toFixed(1)} s.</p>
<table><tr><th>check</th><th>status</th><th>detail</th></tr>${status.report.checks.map((c) => html`<tr><td>${c.check}</td><td class="${c.status === "pass" ? "pass" : "skipped"}">${c.status}</td><td>${c.detail}</td></tr>`)}</table>`
      : status.kind === "failed"
        ? html`<p class="fail">FAILED: check ${status.error.check}, ${status.error.code}</p><p>${status.error.message}</p><pre>${JSON.stringify(status.error.where, null, 2)}</pre>`
        : html`<p class="not-run">Not run (the report was written without verification). Run <code>npm run verify -- ${dir}</code>.</p>`;
  return html`<section id="verification"><h2>Verification</h2>${body}</section>`;
}

/**
 * Which defences ran: epoch.json `defences` (one row per defence, with what it caught) when the
 * record has it; else what the attribution summary and the dedup evidence say.
 */
export function defencesSection(record: ReportRecord): SafeHtml {
  const a = record.attribution;
  const scoring =
    a === undefined
      ? html`<p>The scores were given as a file: the record has no <code>attribution</code> field, so no attribution-stage defence is recorded.</p>`
      : html`<p>Scores by ${a.method ?? "an unrecorded method"}${a.provider ? ` on ${a.provider}` : ""}${a.validationAccuracy === undefined ? "" : `, validation accuracy ${(a.validationAccuracy * 100).toFixed(1)} %`}. Attribution-stage defences that ran before scoring: <strong>${a.stages.length ? a.stages.join(", ") : "none"}</strong>.</p>`;
  const rows = record.defences ?? [
    {
      name: "exact-dedup",
      ran: true,
      count: record.core.duplicates.length,
      what: "an example hash claimed more than once is credited once, to its earliest registrant (proven)",
    },
    ...(a === undefined
      ? []
      : [
          {
            name: "near copies",
            ran: a.stages.includes("near-duplicates"),
            count: a.nearCopies.length,
            what: "flagged near copies score 0",
          },
          {
            name: "label consistency",
            ran: a.stages.includes("label-consistency"),
            count: a.mislabelled.length,
            what: "flagged improbable labels are paid 0 (score capped at 0)",
          },
        ]),
  ];
  return html`<section id="defences"><h2>Defences</h2>${scoring}
<table><tr><th>defence</th><th>ran</th><th>examples caught</th><th>what it does</th></tr>
${rows.map((d) => html`<tr><td>${d.name}</td><td class="${d.ran ? "pass" : "not-run"}">${d.ran ? "ran" : "did not run"}</td><td>${d.ran ? integer(d.count) : ""}</td><td>${d.what}</td></tr>`)}</table></section>`;
}

function gasByKind(record: ReportRecord) {
  const kinds = new Map<string, bigint[]>();
  for (const t of record.transactions) {
    const kind = transactionKind(t.what);
    kinds.set(kind, [...(kinds.get(kind) ?? []), t.gasUsed]);
  }
  return [...kinds].map(([kind, gas]) => {
    const sorted = [...gas].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // bigints: Math.min takes numbers
    return { kind, count: gas.length, total: gas.reduce((s, g) => s + g, 0n), min: sorted[0]!, max: sorted.at(-1)! };
  });
}

function provingTable(record: ReportRecord): SafeHtml {
  if (record.proving === undefined || record.proving.length === 0) {
    return html`<p>Proving time not recorded (no proving.json: the proofs were made through the queue or by an older version).</p>`;
  }
  const ms = (v: number) => (v < 10_000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`);
  return html`<table><tr><th>proving run</th><th>backend</th><th>workers</th><th>proved</th><th>skipped (already valid)</th><th>wall</th><th>per proof made: witness / prove / verify</th></tr>
${record.proving.map((run) => html`<tr><td>${run.date}</td><td>${run.backend}</td><td>${run.workers}</td><td>${run.proved}</td><td>${run.skipped}</td><td>${ms(run.ms)}</td><td>${run.circuits.map((c) => `${c.circuit}: ${ms(c.witnessMs)} / ${ms(c.proveMs)} / ${ms(c.verifyMs)}`).join("; ")}</td></tr>`)}</table>`;
}

export function proofsAndGasSection(record: ReportRecord): SafeHtml {
  const { core } = record;
  const circuit = (kind: "example" | "registration" | "payout") => {
    const c = core.circuits[kind];
    const constraints = record.constraints[kind];
    return html`<tr><td>${c.name}</td><td>${c.keySet}</td><td><code>${c.vkeyHash.slice(0, 16)}…</code></td><td>${constraints === undefined ? "?" : integer(constraints)}</td><td>${core.batchSizes[kind]}</td><td>${integer(core.proofs[kind].length)}</td><td>${integer(record.proofBytes[kind])}</td></tr>`;
  };
  const gas = gasByKind(record);
  const total = gas.reduce((s, g) => s + g.total, 0n);
  const contributors = BigInt(core.contributors.length);
  return html`<section id="proofs-gas"><h2>Proofs and gas</h2>
<table><tr><th>circuit</th><th>keys</th><th>vkey sha256</th><th>constraints</th><th>rows per proof</th><th>proofs</th><th>proof files (bytes)</th></tr>
${circuit("example")}
${circuit("registration")}
${circuit("payout")}</table>
${provingTable(record)}
<table><tr><th>transaction</th><th>count</th><th>gas, total</th><th>mean</th><th>min</th><th>max</th></tr>
${gas.map((g) => html`<tr><td>${g.kind}</td><td>${g.count}</td><td>${integer(g.total)}</td><td>${integer(g.total / BigInt(g.count))}</td><td>${integer(g.min)}</td><td>${integer(g.max)}</td></tr>`)}
<tr><th>all</th><td>${record.transactions.length}</td><td>${integer(total)}</td><td colspan="3">${contributors > 0n ? `${integer(total / contributors)} per registration` : ""}</td></tr></table>
<div class="chart wide"><canvas id="chart-gas" role="img" aria-label="gas per settlement transaction"></canvas></div></section>`;
}

export function transactionsSection(record: ReportRecord, links: ExplorerLinks): SafeHtml {
  const payments = record.core.paid;
  return html`<section id="transactions"><h2>Transactions</h2>
<details><summary>${record.transactions.length} settlement transactions${payments ? `, ${payments.size} payments by the releases` : ""}</summary>
<table><tr><th>what</th><th>transaction</th><th>gas</th></tr>
${record.transactions.map((t) => html`<tr><td>${t.what}</td><td>${links.tx(t.txHash)}</td><td>${integer(t.gasUsed)}</td></tr>`)}</table>
${payments ? html`<table><tr><th>address</th><th>paid by this epoch</th></tr>${[...payments].map(([a, b]) => html`<tr><td>${links.address(checksumAddress(a))}</td><td>${openAmount(b)}</td></tr>`)}</table>` : ""}
</details></section>`;
}
