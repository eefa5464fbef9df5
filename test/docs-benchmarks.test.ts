import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderBenchmarksPage } from "../scripts/lib/bench-docs.ts";
import { parseBenchResults, parseEpochBenchResults, type BenchResults, type EpochBenchResults } from "../scripts/lib/bench-results.ts";
import { BENCH_JSON, BENCHMARKS_PAGE, renderBenchmarksPageFromFiles } from "../scripts/lib/benchmarks-page.ts";
import { compareFlows, withSaving } from "../scripts/lib/gas-savings.ts";

const committed = (): BenchResults => parseBenchResults(BENCH_JSON, readFileSync(BENCH_JSON, "utf8"));

test("docs/benchmarks.md is exactly what the committed bench-results/*.json render to (else run npm run docs)", () => {
  assert.equal(
    readFileSync(BENCHMARKS_PAGE, "utf8"),
    renderBenchmarksPageFromFiles(),
    "docs/benchmarks.md differs from bench-results/: run npm run docs",
  );
});

test("a figure changed in the JSON changes the page: the flow's gas per contributor and its ratio", () => {
  const bench = committed();
  const [first, ...rest] = bench.flows;
  const flow = { ...first!.flow, perContributor: 123_456_789, ratio: 42.4242 };
  const page = renderBenchmarksPage({ ...bench, flows: [{ ...first!, flow }, ...rest] }, undefined);
  assert.match(page, /\| 123,456,789 \|/);
  assert.match(page, /\| 42\.42x \|/);
  assert.notEqual(page, renderBenchmarksPage(bench, undefined));
});

test("the page marks derived size sets as derived and names the run's date and cores", () => {
  const bench = committed();
  const page = renderBenchmarksPage(bench, undefined);
  assert.ok(page.includes(`${bench.date.slice(0, 10)}, ${bench.cores} cores`));
  for (const set of bench.sizeSets.filter((s) => !s.measured)) {
    assert.match(
      page,
      new RegExp(`\\| ${set.name.replace("^", "\\^")} \\([0-9/]+\\) \\| 2\\^\\d+ \\| [0-9.]+x \\(derived\\) \\|`),
      `${set.name} is derived`,
    );
  }
});

test("the whole-epoch section says how to get it until bench-epoch.json exists, then shows its runs", () => {
  const bench = committed();
  assert.match(renderBenchmarksPage(bench, undefined), /appear here once `npm run bench:epoch` has been run/);
  const epoch: EpochBenchResults = {
    date: "2027-01-02T03:04:05.000Z",
    cores: 2,
    examples: 100_000,
    claims: 101_000,
    duplicates: 1_000,
    contributors: 1_000,
    exampleBatch: { size: 48, proofs: 2_105, constraints: 15_917 },
    registrationBatch: { size: 12, proofs: 750, constraints: 15_070 },
    payoutBatch: { size: 31, proofs: 33, constraints: 15_863 },
    witnessMs: 18_500,
    runs: [
      {
        mode: "queue",
        backend: "native /home/someone/rapidsnark/prover",
        workers: "2 processes x 1 threads",
        proofs: 2_888,
        proved: 2_888,
        wallMs: 428_000,
        peakRssMiB: [213, 216],
      },
    ],
    coreSecondsPerExample: 0.0086,
    projection: [
      { cores: 1, hours: 2.39 },
      { cores: 64, hours: 0.0373 },
    ],
  };
  const page = renderBenchmarksPage(bench, epoch);
  assert.doesNotMatch(page, /appear here once/);
  assert.match(page, /\| queue \| native prover \| 2 processes x 1 threads \| 2888 of 2888 \| 428 \| 148 \| 233\.6 \| 213 \+ 216 \|/);
  assert.match(page, /2\.4 h on 1 core, 2 min on 64 cores/);
  assert.doesNotMatch(page, /\/home\/someone/, "no machine's path on the page");
});

test("a benchmark JSON without a field the page needs is refused, naming the file and the field", () => {
  const { flows: _flows, ...withoutFlows } = committed();
  assert.throws(() => parseBenchResults("bench-results/bench.json", JSON.stringify(withoutFlows)), {
    message: 'bench-results/bench.json: field "flows" is missing (rerun the benchmark that writes it)',
  });
  assert.throws(() => parseEpochBenchResults("bench-results/bench-epoch.json", "{"), /^Error: bench-results\/bench-epoch\.json: not JSON/);
});

test("a gas saving is measured flow by flow: the shared flows of two runs, per transaction and per contributor; a re-measurement replaces its entry", () => {
  const before = committed();
  const [first, ...rest] = before.flows;
  const claim = first!.flow.tx.claim;
  const cheaper = {
    ...first!.flow,
    tx: { ...first!.flow.tx, claim: { ...claim, gas: claim.gas - 1_000 * claim.count } },
    perContributor: first!.flow.perContributor - 10,
  };
  const after: BenchResults = { ...before, flows: [{ ...first!, flow: cheaper }, ...rest] };
  const saving = compareFlows("cheaper claims", "a change", before, after);
  assert.equal(saving.flows.length, before.flows.length);
  const page = renderBenchmarksPage(before, undefined, withSaving({ savings: [] }, saving));
  assert.match(
    page,
    new RegExp(
      `\\| cheaper claims \\| ${first!.set.replace("^", "\\^")}, [0-9,]+ x ${first!.flow.shape.examplesPerContributor} \\| claim -1,000 \\|`,
    ),
  );
  assert.equal(withSaving(withSaving({ savings: [] }, saving), { ...saving, change: "again" }).savings.length, 1);
  assert.throws(() => compareFlows("none", "x", before, { ...before, flows: [] }), /share no flow/);
});
