/**
 * The report page: one HTML file with everything inlined (styles, Chart.js, the chart code, the
 * chart data), and a Content-Security-Policy that forbids any network request, so the file opens
 * the same from a laptop, an e-mail attachment or a CI artifact.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChartData } from "./figures.ts";
import { html, jsonForScript, trustedScript, type SafeHtml } from "./html-escape.ts";

/** Chart.js's UMD bundle (the package exports only its module builds, so it is found beside them). */
function chartJsSource(): string {
  const entry = createRequire(import.meta.url).resolve("chart.js");
  return readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8");
}

const CHARTS_SOURCE = join(import.meta.dirname, "browser", "charts.js");

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; } th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
table.facts th { background: #f6f6f6; font-weight: 600; }
code { font: 12px ui-monospace, monospace; word-break: break-all; }
.chart { position: relative; height: 320px; max-width: 700px; } .chart.wide { max-width: none; }
.pass { color: #2e7d32; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
.skipped, .not-run { color: #8d6e00; } summary { cursor: pointer; margin: 0.4em 0; }
nav a { margin-right: 1em; }
`;

export interface PageParts {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly SafeHtml[];
  readonly charts: ChartData;
}

export function renderPage(parts: PageParts): string {
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title}</title><style>${{ safeHtml: STYLE }}</style></head>
<body><h1>${parts.title}</h1><p>${parts.subtitle}</p>
<nav><a href="#verification">verification</a><a href="#defences">defences</a><a href="#payouts">payouts</a><a href="#scores">scores</a><a href="#top-examples">top examples</a><a href="#attacks">attacks</a><a href="#proofs-gas">proofs and gas</a><a href="#transactions">transactions</a></nav>
${parts.sections}
<script type="application/json" id="report-data">${jsonForScript(parts.charts)}</script>
<script>${trustedScript(chartJsSource())}</script>
<script>${trustedScript(readFileSync(CHARTS_SOURCE, "utf8"))}</script>
</body></html>
`;
  return page.safeHtml;
}
