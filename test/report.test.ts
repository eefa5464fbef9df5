import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, cpSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import { chromium, type Browser } from "playwright-core";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config } from "../config/index.ts";
import { ReportInputError, writeEpochReport } from "../report/index.ts";
import { transactionKind } from "../report/figures.ts";
import { runEpoch } from "../protocol/run-epoch.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";

const E = config.exampleBatch.testSize;
const B = config.payoutBatch.testSize;
const work = mkdtempSync(join(tmpdir(), "report-"));
const epochDir = join(work, "epoch");
const artifacts = join(PROJECT_ROOT, "test-results");
const demo = demoContributors();
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;
const HOSTILE_LABEL = `</script><img src=x onerror="window.__xss=1">clean-00`;
const BINS = 40;

/** Debian's chromium (CHROMIUM_PATH overrides); absent: the Chromium tests fail on CI, skip elsewhere. */
const chromiumPath = process.env.CHROMIUM_PATH ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const browserSkip =
  chromiumPath === undefined && !process.env.CI ? "chromium not installed (apt-get install -y chromium; .ci/run installs it)" : false;

/**
 * 4 contributors, 3 examples each, two of them negative (clipped); one example claimed by
 * contributors 0 and 1 (credited to 0); one near copy (contributor 2) and one mislabelled example
 * (contributor 1), both scored 0 (a flagged example scores at most 0).
 */
function examplesFile(): string {
  const lines = ["example,contributor,score"];
  for (let k = 0; k < 4; k++) {
    for (let j = 0; j < 3; j++) {
      const negative = (k === 3 && j === 0) || (k === 2 && j === 0);
      lines.push(`${hashOf(`report ${k} ${j}`)},${demo[k]!.address},${negative ? "-0.004" : ((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
    }
  }
  lines.push(`${hashOf("report shared")},${demo[0]!.address},0.05`, `${hashOf("report shared")},${demo[1]!.address},0.05`);
  lines.push(`${hashOf("report near")},${demo[2]!.address},0`, `${hashOf("report mislabelled")},${demo[1]!.address},0`);
  const file = join(work, "examples.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** What the attribution stage records in epoch.json (bigints become decimal strings there). */
const attribution = {
  method: "trak",
  provider: "cpu",
  validationAccuracy: 0.9,
  defences: ["exact-dedup", "near-duplicates", "label-consistency"],
  flagged: [
    {
      index: 14,
      exampleHash: BigInt(hashOf("report near")),
      contributor: demo[2]!.address,
      reference: { set: "validation", index: 7 },
      similarity: 0.981,
      shift: [1, 0],
    },
  ],
  mislabelled: [
    {
      index: 15,
      exampleHash: BigInt(hashOf("report mislabelled")),
      contributor: demo[1]!.address,
      label: 3,
      pLabel: 0.02,
      predicted: 8,
      pPredicted: 0.9,
    },
  ],
};

const attacks = [
  { id: "G1", attack: "G1 exact copies", target: "<= 1.00x", payoutRatio: 1, display: "1.0000x", pass: true },
  { id: "G4", attack: "G4 rotated <copies>", target: "<= 2x", figure: 1.79, display: "1.79x", pass: true, note: "177/300 flagged" },
  { id: "G9", attack: "G9 a failing row", target: "<= 1x", figure: 3, display: "3x", pass: false },
];

let browser: Browser | undefined;

before(async () => {
  await runEpoch({
    examplesFile: examplesFile(),
    pool: 10n ** 24n + 7n,
    exampleBatchSize: E,
    payoutBatchSize: B,
    outDir: epochDir,
    workers: 2,
    progress: false,
    attribution,
  });
  // Contributor labels come from users: the report must show this one as text.
  const contributorsFile = join(epochDir, "contributors.json");
  const contributors = JSON.parse(readFileSync(contributorsFile, "utf8"));
  contributors[0].label = HOSTILE_LABEL;
  writeFileSync(contributorsFile, JSON.stringify(contributors, null, 2));
  writeFileSync(join(epochDir, "attacks.json"), JSON.stringify(attacks, null, 2));
  if (chromiumPath !== undefined) browser = await chromium.launch({ executablePath: chromiumPath });
});

after(async () => {
  await browser?.close();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

interface Rendered {
  /** Per chart id: per dataset, the number of drawn elements (bars). */
  readonly marks: Record<string, number[]>;
  /** Per chart id: per dataset, its data (to sum the histogram). */
  readonly data: Record<string, (number | null)[][]>;
  readonly text: string;
  /** Every table cell's text, collapsed sections included. */
  readonly cells: string[];
  readonly errors: string[];
  readonly requests: string[];
  readonly ms: number;
}

/** Opens `file` in Chromium, waits for the charts, collects console errors, page errors and requests. */
async function render(file: string, screenshot?: string): Promise<Rendered> {
  if (browser === undefined)
    assert.fail(`CI is set but chromium is not installed (looked for CHROMIUM_PATH, /usr/bin/chromium): .ci/run must install it`);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (!r.url().startsWith("file://")) requests.push(r.url());
  });
  const start = performance.now();
  await page.goto(`file://${file}`);
  await page.waitForSelector("body[data-charts-ready]", { timeout: 15_000 });
  const ms = performance.now() - start;
  const charts = await page.evaluate(() => {
    type Chart = { data: { datasets: { data: (number | null)[] }[] }; getDatasetMeta(i: number): { data: unknown[] } };
    const all = (window as unknown as { reportCharts: Record<string, Chart>; __xss?: number }).reportCharts;
    return {
      marks: Object.fromEntries(Object.entries(all).map(([id, c]) => [id, c.data.datasets.map((_, i) => c.getDatasetMeta(i).data.length)])),
      data: Object.fromEntries(Object.entries(all).map(([id, c]) => [id, c.data.datasets.map((d) => d.data)])),
      xss: (window as unknown as { __xss?: number }).__xss,
    };
  });
  assert.equal(charts.xss, undefined, "a label ran as code");
  // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it (layout-aware), which textContent is not
  const text = await page.innerText("body");
  const cells = await page.$$eval("td", (tds) => tds.map((td) => td.textContent ?? ""));
  if (screenshot !== undefined) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  await page.close();
  return { marks: charts.marks, data: charts.data, text, cells, errors, requests, ms };
}

test("the report renders every chart with one mark per contributor, bin, transaction and attack, with no console errors and no network", {
  skip: browserSkip,
}, async () => {
  const out = await writeEpochReport(epochDir, { out: join(work, "report.html"), explorerUrl: "https://explorer.test/" });
  const html = readFileSync(out, "utf8");
  const settlement = JSON.parse(readFileSync(join(epochDir, "settlement.json"), "utf8"));
  const examples = JSON.parse(readFileSync(join(epochDir, "examples.json"), "utf8")) as { score: string }[];
  const contributors = 4;

  const r = await render(out, join(artifacts, "report.png"));
  writeFileSync(join(artifacts, "report.html"), html);
  console.log(
    `report: ${statSync(out).size} bytes, charts ready ${r.ms.toFixed(0)} ms after navigation; screenshot test-results/report.png`,
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.requests, []);
  assert.deepEqual(r.marks.payouts, [contributors]);
  assert.deepEqual(r.marks.scores, [BINS, BINS, BINS, BINS, BINS]);
  assert.deepEqual(r.marks.topExamples, [contributors, contributors, contributors]);
  assert.deepEqual(r.marks.gas, [settlement.transactions.length]);
  assert.deepEqual(r.marks.attacks, [attacks.length]);

  // Histogram classes, in SCORE_CLASSES order: paid, clipped, claimed more than once, near copy, label inconsistent.
  const perClass = r.data.scores!.map((counts) => counts.reduce<number>((s, c) => s + (c ?? 0), 0));
  // 15 examples; the claim table also holds the later claim of the one duplicated example.
  assert.equal(examples.length, 16);
  assert.deepEqual(perClass, [10, 2, 1, 1, 1]);

  assert.match(r.text, /PASSED/);
  assert.match(r.text, /defences that ran before scoring: exact-dedup, near-duplicates, label-consistency/);
  // epoch.json defences: one row per defence, whether it ran and what it caught (1 duplicated hash).
  const defences = JSON.parse(readFileSync(join(epochDir, "epoch.json"), "utf8")).defences as { name: string }[];
  for (const d of defences) assert.ok(r.cells.includes(d.name), `defence ${d.name} listed`);
  assert.match(r.text, /exact-dedup\s+ran\s+1\s/);
  assert.ok(r.cells.includes(HOSTILE_LABEL), "the hostile label is shown as text");
  assert.ok(r.cells.includes("G4 rotated <copies>"));
  assert.match(r.text, /2 of 3 attacks within their target/);
  // proving.json (the prove stage): the run that made every proof, with its per-proof times.
  const proving = JSON.parse(readFileSync(join(epochDir, "proving.json"), "utf8")) as { runs: { proved: number; backend: string }[] };
  assert.equal(proving.runs.length, 1);
  assert.equal(proving.runs[0]!.proved, readdirSync(join(epochDir, "proofs")).length);
  assert.ok(r.cells.includes("snarkjs"), "the proving run's backend is shown");
  assert.ok(html.includes(`href="https://explorer.test/tx/${settlement.transactions[0].txHash}"`), "transactions link to the explorer");
  assert.ok(!html.includes("<img src=x"), "no record string is inserted as markup");
});

test("without attacks.json and without verification the report says both were not run", { skip: browserSkip }, async () => {
  const dir = join(work, "no-attacks");
  cpSync(epochDir, dir, { recursive: true, filter: (src) => !src.endsWith("attacks.json") });
  const out = await writeEpochReport(dir, { verify: false });
  assert.equal(out, join(dir, "report.html"));
  const html = readFileSync(out, "utf8");
  assert.ok(!/href="http/.test(html), "no explorer: plain hashes");
  const r = await render(out);
  assert.deepEqual(r.errors, []);
  assert.equal(r.marks.attacks, undefined);
  assert.match(r.text, /Attack suite\s+Not run/);
  assert.match(r.text, /Verification\s+Not run/);
});

/** A copy of the epoch with `file` (JSON) edited by `edit`. */
function tampered(name: string, file: string, edit: (json: any) => void): string {
  const dir = join(work, name);
  cpSync(epochDir, dir, { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
  return dir;
}

async function expectInputError(dir: string, file: string, field: string, row?: number): Promise<void> {
  await assert.rejects(writeEpochReport(dir, { verify: false }), (e: unknown) => {
    assert.ok(e instanceof ReportInputError, String(e));
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.equal(e.row, row);
    return true;
  });
}

test("a missing directory or a malformed field is an error naming the file and field", async () => {
  await expectInputError(join(work, "nowhere"), join(work, "nowhere"), "(directory)");
  await expectInputError(
    tampered("bad-gas", "settlement.json", (s) => {
      s.transactions[1].gasUsed = "lots";
    }),
    "settlement.json transactions",
    "gasUsed",
    1,
  );
  await expectInputError(
    tampered("bad-label", "contributors.json", (c) => {
      c[2].label = 7;
    }),
    "contributors.json",
    "label",
    2,
  );
  await expectInputError(
    tampered("bad-flag", "epoch.json", (e) => {
      delete e.attribution.flagged[0].exampleHash;
    }),
    "epoch.json attribution.flagged",
    "exampleHash",
    0,
  );
  await expectInputError(
    tampered("bad-attack", "attacks.json", (a) => {
      delete a[1].pass;
    }),
    "attacks.json",
    "pass",
    1,
  );
  // The core record is read by verify/, whose error names the file and field too.
  await assert.rejects(
    writeEpochReport(
      tampered("bad-score", "examples.json", (x) => {
        x[0].score = 1.5;
      }),
      { verify: false },
    ),
    /examples\.json row 0 score/,
  );
});

test("the report command exits 2 naming the missing directory, and prints the report's path", async () => {
  const run = promisify(execFile);
  const script = join(PROJECT_ROOT, "scripts", "cli.ts");
  const missing = await run(process.execPath, [script, "report", join(work, "nowhere")]).then(
    () => assert.fail("expected exit 2"),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nowhere \(directory\): not an epoch directory/);
  const out = join(work, "cli", "epoch.html");
  const { stdout } = await run(process.execPath, [script, "report", epochDir, "--out", out, "--no-verify"]);
  assert.equal(stdout.trim(), out);
  assert.ok(statSync(out).size > 0);
});

test("an --out that is a file of the record, inside its folders, or not .html is refused (REPORT_OUT_REFUSED) before anything is read or written", async () => {
  const epochJson = readFileSync(join(epochDir, "epoch.json"));
  const cases: [string, RegExp][] = [
    [join(epochDir, "epoch.json"), /epoch\.json: is a file of the epoch's record/],
    [join(epochDir, "proofs", "example-000.html"), /proofs\/example-000\.html: is inside the epoch's record folders/],
    [join(epochDir, "jobs", "report.html"), /jobs\/report\.html: is inside the epoch's record folders/],
    [join(work, "report.txt"), /report\.txt: the report is an HTML file: give an --out ending in \.html/],
    [join(work, "report.json"), /report\.json: the report is an HTML file/],
  ];
  for (const [out, message] of cases) {
    await assert.rejects(
      writeEpochReport(epochDir, { out, verify: false }),
      (e: unknown) => {
        assert.equal((e as Error).name, "ReportOutputError");
        assert.equal((e as { code?: string }).code, "REPORT_OUT_REFUSED");
        assert.match((e as Error).message, message);
        return true;
      },
      out,
    );
  }
  assert.deepEqual(readFileSync(join(epochDir, "epoch.json")), epochJson, "epoch.json untouched");
  assert.equal(existsSync(join(work, "report.txt")), false);
  assert.equal(existsSync(join(epochDir, "jobs", "report.html")), false);
  const run = promisify(execFile);
  const cli = await run(process.execPath, [
    join(PROJECT_ROOT, "scripts", "cli.ts"),
    "report",
    epochDir,
    "--out",
    join(epochDir, "epoch.json"),
    "--no-verify",
  ]).then(
    () => assert.fail("expected a refusal"),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(cli.code, 1, cli.stderr);
  assert.match(cli.stderr, /error \[REPORT_OUT_REFUSED\]: .*epoch\.json: is a file of the epoch's record/);
  assert.deepEqual(readFileSync(join(epochDir, "epoch.json")), epochJson, "epoch.json untouched");
});

test("a record that fails verification is still reported, as FAILED with the check and code", async () => {
  const dir = tampered("bad-balance", "settlement.json", (s) => {
    s.paid[0].amount = "1";
  });
  const html = readFileSync(await writeEpochReport(dir, { snarkjs: false }), "utf8");
  assert.match(html, /FAILED: check payouts, PAYOUT_MISMATCH/);
  assert.match(html, /from the epoch folder bad-balance\./, "the header names the folder");
  assert.ok(!html.includes(dir), "and not this machine's absolute path");
});

test("a transaction's kind drops its batch number and rows: a batch released in row ranges counts as releases", () => {
  assert.equal(transactionKind("example batch 3"), "example batch");
  assert.equal(transactionKind("release 2"), "release");
  assert.equal(transactionKind("release 2 rows 0-262"), "release");
  assert.equal(transactionKind("reveal validation"), "reveal validation");
});
