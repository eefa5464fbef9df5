/**
 * npm run bench [-- --sets test,demo,2^16] [--contributors 1000] [--examples 1,10,100] [--max-proofs 200]
 *                  [--parts proving,gas] [--jobs N] [--native PATH] [--out FILE] [--derive-from FILE]
 *
 * Measures, in one run (figures are compared as ratios within it):
 * 1. constraints per row and per batch header of each circuit, at every configured batch size
 *    (config/protocol.json), and which powers of tau each instance needs;
 * 2. proof time per batch under each pool setting (1 worker, all cores, snarkjs's own threads)
 *    at the test and demo payout sizes; the queue with REDIS_URL;
 * 3. for each size set measured (`--sets`: test, demo, and 2^P = the largest configured sizes
 *    whose circuits fit 2^P constraints; default: test, demo and every 2^P whose development powers
 *    of tau is cached), the whole settlement flow of one epoch on the in-process chain
 *    (bench-gas.ts) at 1, 10 and 100 examples per contributor: gas per paid contributor with its
 *    breakdown against a bare ERC-20 transfer, registration gas per example, proving time per
 *    example on the pool and peak RSS; with a rapidsnark-compatible prover (--native PATH,
 *    RAPIDSNARK_PROVER or config prover.nativeBinary), claim proving per example with it next to
 *    snarkjs on the same jobs. `--contributors` (1,000) payees, fewer where a flow would
 *    need more than `--max-proofs` proofs (the table says how many);
 * 4. derived from the measured transaction costs (bench-projection.ts, marked "derived"): the
 *    size sets not measured, and the total gas and transactions of a 1,000,000-example epoch.
 * Prints tables and writes JSON (bench-results/bench.json by default; then docs/benchmarks.md is
 * re-rendered from it, scripts/lib/bench-docs.ts). `--derive-from FILE` measures nothing: it reports
 * the flows of an earlier run's JSON and derives from them anew.
 */
import { availableParallelism } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  compileCircuit,
  exampleCircuitName,
  payoutCircuitName,
  registrationCircuitName,
  setupCircuit,
  type CircuitKeys,
} from "../circuits/index.ts";
import { ptauPowerFor } from "../circuits/setup.ts";
import { CACHE_DIR } from "../circuits/paths.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { config } from "../config/index.ts";
import type { ProofJob } from "../prover/index.ts";
import { benchmarkProving, type BenchmarkRow } from "../prover/benchmark.ts";
import { buildExampleBatches } from "../witness/example-batches.ts";
import { buildPayoutBatches } from "../witness/payout-batches.ts";
import { splitPool } from "../witness/policy.ts";
import { measureFlowGas, type BatchSizes, type FlowShape } from "./lib/bench-gas.ts";
import { deriveEpoch, flowBatches, measuredCosts, type DerivedEpoch } from "./lib/bench-projection.ts";
import { benchQueueWorker, type QueueBenchRow } from "./lib/bench-queue.ts";
import { formatTable } from "./lib/format-table.ts";
import { BENCH_JSON, writeBenchmarksPage } from "./lib/benchmarks-page.ts";
import {
  CIRCUITS,
  parseBenchResults,
  type BenchResults,
  type Circuit,
  type Instance,
  type MeasuredFlow,
  type NativeRow,
  type PoolResult,
  type SizeSet,
} from "./lib/bench-results.ts";

const { values } = parseArgs({
  options: {
    sets: { type: "string" },
    contributors: { type: "string", default: "1000" },
    examples: { type: "string", default: "1,10,100" },
    "max-proofs": { type: "string", default: "200" },
    parts: { type: "string", default: "proving,gas" },
    "derive-from": { type: "string" },
    jobs: { type: "string" },
    out: { type: "string", default: BENCH_JSON },
    native: { type: "string" },
  },
});
const cores = availableParallelism();
const jobCount = values.jobs === undefined ? 2 * cores : Number(values.jobs);
const contributors = Number(values.contributors);
const examplesGrid = values.examples.split(",").map(Number);
const maxProofs = Number(values["max-proofs"]);
const log = (m: string) => console.error(m);
const chunk = config.registrationBatch.chunk;
/** An earlier run whose flows are reported and derived from, instead of measuring. */
const previous =
  values["derive-from"] === undefined ? undefined : parseBenchResults(values["derive-from"], readFileSync(values["derive-from"], "utf8"));
const parts = new Set(previous ? [] : values.parts.split(","));
const previousNative = previous && previous.proving.native !== "skipped" ? previous.proving.native : undefined;
const nativeBinary = previous
  ? previousNative?.binary
  : (values.native ?? process.env.RAPIDSNARK_PROVER ?? config.prover.nativeBinary ?? undefined);
for (const part of parts) if (part !== "proving" && part !== "gas") throw new Error(`--parts: ${part} is not one of proving, gas`);
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
/** The public signals of every circuit: seed and rho in, chainOut and the digest out. */
const PUBLIC_SIGNALS = 4;

// 1. Constraints of every configured instance.
const circuitName = { example: exampleCircuitName, registration: registrationCircuitName, payout: payoutCircuitName } as const;
const configuredSizes = {
  example: config.exampleBatch.sizes,
  registration: config.registrationBatch.sizes,
  payout: config.payoutBatch.sizes,
} as const;
const instances: Instance[] = [];
for (const circuit of CIRCUITS) {
  for (const batchSize of configuredSizes[circuit]) {
    log(`compiling ${circuitName[circuit](batchSize)}...`);
    const { constraints } = await compileCircuit(circuitName[circuit](batchSize));
    instances.push({ circuit, batchSize, constraints, power: ptauPowerFor(constraints, PUBLIC_SIGNALS) });
  }
}
/** Per row and per batch header, from the two smallest instances (rows cost the same at any size). */
function shapeOf(circuit: Circuit): { perRow: number; header: number } {
  const [a, b] = instances.filter((i) => i.circuit === circuit).sort((x, y) => x.batchSize - y.batchSize);
  const perRow = (b!.constraints - a!.constraints) / (b!.batchSize - a!.batchSize);
  return { perRow, header: a!.constraints - perRow * a!.batchSize };
}
const shapes = Object.fromEntries(CIRCUITS.map((c) => [c, shapeOf(c)])) as Record<Circuit, { perRow: number; header: number }>;

// 2. Size sets: test, demo, and the largest configured sizes within each power of tau above.
const powerOf = (circuit: Circuit, batchSize: number) => instances.find((i) => i.circuit === circuit && i.batchSize === batchSize)!.power;
const setOf = (name: string, sizes: BatchSizes): Omit<SizeSet, "measured"> => ({
  name,
  sizes,
  power: Math.max(...CIRCUITS.map((c) => powerOf(c, sizes[c]))),
});
const sizeSets: Omit<SizeSet, "measured">[] = [
  setOf("test", {
    example: config.exampleBatch.testSize,
    registration: config.registrationBatch.testSize,
    payout: config.payoutBatch.testSize,
  }),
  setOf("demo", {
    example: config.exampleBatch.demoSize,
    registration: config.registrationBatch.demoSize,
    payout: config.payoutBatch.demoSize,
  }),
];
for (const power of [...new Set(instances.map((i) => i.power))].sort((a, b) => a - b)) {
  if (power <= sizeSets[1]!.power) continue;
  const largest = (c: Circuit) => Math.max(...instances.filter((i) => i.circuit === c && i.power <= power).map((i) => i.batchSize));
  sizeSets.push(setOf(`2^${power}`, { example: largest("example"), registration: largest("registration"), payout: largest("payout") }));
}
const ptauCached = (power: number) => existsSync(join(CACHE_DIR, "ptau", `pot${power}_dev_final.ptau`));
const measuredNames = previous
  ? [...new Set(previous.flows.map((f) => f.set))]
  : (values.sets?.split(",") ?? sizeSets.filter((s) => s.name === "test" || s.name === "demo" || ptauCached(s.power)).map((s) => s.name));
for (const name of measuredNames)
  if (!sizeSets.some((s) => s.name === name)) throw new Error(`--sets: ${name} is not one of ${sizeSets.map((s) => s.name).join(", ")}`);

/** Proofs a flow of `shape` needs at `sizes` (as the witness batches it). */
function proofsOf(sizes: BatchSizes, shape: FlowShape): number {
  const { batches } = flowBatches(sizes, shape, chunk);
  return batches.claim + batches.registration + batches.payout;
}
/** `jobCount` claim batches of E rows; distinct increasing hashes, so every claim is its example's first and every row is credited. */
function claimJobs(E: number): ProofJob[] {
  const rows = Array.from({ length: E * jobCount }, (_, i) => ({
    hash: BigInt(i + 1) << 90n,
    j: i % 40,
    score: BigInt(((i * 7919) % 200_000) - 50_000),
  }));
  return buildExampleBatches(rows, 12345n, 777n, E, config).map((b) => ({
    name: `example-${b.index}`,
    input: b.input,
    expectedPublicSignals: b.publicSignals,
    outPath: "",
  }));
}

/** `--contributors`, or fewer (a multiple of the payout batch) when the flow would exceed `--max-proofs`. */
function contributorsFor(sizes: BatchSizes, m: number): number {
  let n = contributors;
  while (n > sizes.payout && proofsOf(sizes, { contributors: n, examplesPerContributor: m }) > maxProofs)
    n = Math.max(sizes.payout, Math.floor((n * 0.9) / sizes.payout) * sizes.payout);
  return n;
}

// 3. Proving under each pool setting (test and demo payout sizes), the native backend, the queue.
const poolResults: PoolResult[] = [];
const nativeProving: NativeRow[] = [...(previousNative?.rows ?? [])];
let queueProving: (QueueBenchRow & { examplesPerSecond: number }) | string = "skipped: --parts without proving";
const flows: MeasuredFlow[] = [...(previous?.flows ?? [])];
const scratch = mkdtempSync(join(tmpdir(), "bench-"));
try {
  for (const batchSize of parts.has("proving") ? [config.payoutBatch.testSize, config.payoutBatch.demoSize] : []) {
    const keys = await setupCircuit(payoutCircuitName(batchSize), log);
    const rows = Array.from({ length: batchSize * jobCount }, (_, i) => ({
      address: BigInt(i + 1) << 100n,
      amount: BigInt(1 + ((i * 7919) % 5000)),
    }));
    const jobs = buildPayoutBatches(splitPool(rows, 10n ** 24n, config), 12345n, 777n, batchSize, config).map((b) => ({
      name: `bench-${b.index}`,
      input: b.input,
      expectedPublicSignals: b.publicSignals,
      outPath: "",
    }));
    log(`proving ${jobs.length} payout batches of ${batchSize} rows under each pool setting...`);
    const measured = await benchmarkProving(keys, jobs, [
      { label: "1 worker, single-threaded", workers: 1, singleThread: true },
      { label: `${cores} workers, single-threaded`, workers: cores, singleThread: true },
      { label: `${cores} workers, snarkjs threads`, workers: cores, singleThread: false },
      { label: "main thread, snarkjs threads, sequential", mainThread: true },
    ]);
    const withRates = measured.map((r) => ({ ...r, msPerProof: r.warmMs / r.jobs }));
    poolResults.push({ batchSize, constraints: keys.constraints, rows: withRates, speedup: withRates[0]!.warmMs / withRates[1]!.warmMs });
  }
  const E = config.exampleBatch.demoSize;
  const exampleKeys = parts.has("proving") ? await setupCircuit(exampleCircuitName(E), log) : undefined;
  const exampleJobs = claimJobs(E);
  const queueUrl = process.env.REDIS_URL;
  if (exampleKeys && queueUrl) {
    log(`proving ${exampleJobs.length} claim batches through the queue at ${queueUrl} (one worker process, ${cores} workers)...`);
    const row = await benchQueueWorker(queueUrl, exampleKeys, exampleJobs, scratch, cores);
    queueProving = { ...row, examplesPerSecond: (row.jobs * E * 1000) / row.wallMs };
  } else if (exampleKeys) {
    queueProving = "skipped: set REDIS_URL=redis://HOST:PORT to measure a queue worker";
  }

  // 4. The settlement flow at each measured size set, smallest first (peak RSS only grows).
  for (const set of parts.has("gas") ? sizeSets.filter((s) => measuredNames.includes(s.name)) : []) {
    const keys = {} as Record<Circuit, CircuitKeys>;
    for (const c of CIRCUITS) keys[c] = await setupCircuit(circuitName[c](set.sizes[c]), log);
    if (nativeBinary !== undefined) {
      const E = set.sizes.example;
      log(`proving ${jobCount} claim batches of ${E} rows with snarkjs and with ${nativeBinary} on ${cores} workers...`);
      const [snark, native] = await benchmarkProving(keys.example, claimJobs(E), [
        { label: `${cores} workers, snarkjs`, workers: cores, singleThread: true },
        { label: `${cores} workers, native`, workers: cores, singleThread: true, nativeBinary },
      ]);
      const perExample = (r: BenchmarkRow) => r.warmMs / r.jobs / E;
      nativeProving.push({
        set: set.name,
        batchSize: E,
        snarkjsMsPerExample: perExample(snark!),
        nativeMsPerExample: perExample(native!),
        speedup: perExample(snark!) / perExample(native!),
      });
    }
    for (const m of examplesGrid) {
      const shape = { contributors: contributorsFor(set.sizes, m), examplesPerContributor: m };
      log(
        `gas, ${set.name} (${set.sizes.example}/${set.sizes.registration}/${set.sizes.payout} rows): ${shape.contributors} contributors x ${m} examples...`,
      );
      const flow = await measureFlowGas(keys, set.sizes, shape, scratch, config, log);
      flows.push({ set: set.name, flow, peakRssMiB: process.resourceUsage().maxRSS / 1024 });
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}

// 5. Derived: the size sets not measured, and a 1,000,000-example epoch.
const costs = measuredCosts(flows.map((f) => f.flow));
// The derivation checked against every flow measured: its batch counts must be the witness's, and its gas is shown next to the measured.
const derivedOfMeasured = costs ? flows.map(({ flow }) => deriveEpoch(costs, flow.sizes, flow.shape, chunk)) : [];
derivedOfMeasured.forEach((d, k) => {
  const f = flows[k]!.flow;
  if (
    d.batches.claim !== f.tx.claim.count ||
    d.batches.registration !== f.tx.registration.count ||
    d.batches.payout !== f.tx.payout.count
  ) {
    throw new Error(
      `bench-projection counts ${d.batches.claim}/${d.batches.registration}/${d.batches.payout} batches where the witness made ${f.tx.claim.count}/${f.tx.registration.count}/${f.tx.payout.count}`,
    );
  }
});
const derived: { set: string; epoch: DerivedEpoch }[] = [];
for (const set of costs ? sizeSets.filter((s) => !measuredNames.includes(s.name)) : []) {
  for (const m of examplesGrid)
    derived.push({ set: set.name, epoch: deriveEpoch(costs!, set.sizes, { contributors, examplesPerContributor: m }, chunk) });
}
// 50,000 contributors (config registration.maxRegistrants) of 20 examples each, 1 % duplicates on top.
const million = costs
  ? sizeSets
      .filter((s) => s.power > sizeSets[1]!.power)
      .map((set) => ({
        set: set.name,
        measured: measuredNames.includes(set.name),
        epoch: deriveEpoch(costs, set.sizes, { contributors: 50_000, examplesPerContributor: 20 }, chunk),
      }))
  : [];

// 6. Report.
console.log(
  `\nCircuits (circom2 --O2): constraints per row / per batch header: claim ${shapes.example.perRow.toFixed(1)} / ${fmt(shapes.example.header)}, registration ${shapes.registration.perRow.toFixed(1)} (rows of ${chunk} hashes, ${(shapes.registration.perRow / chunk).toFixed(1)} per example) / ${fmt(shapes.registration.header)}, payout ${shapes.payout.perRow.toFixed(1)} / ${fmt(shapes.payout.header)}`,
);
console.log(
  formatTable(
    ["instance", "rows", "constraints", "per row", "powers of tau"],
    instances.map((i) => [
      circuitName[i.circuit](i.batchSize),
      i.batchSize,
      fmt(i.constraints),
      (i.constraints / i.batchSize).toFixed(1),
      `2^${i.power}`,
    ]),
  ),
);
for (const p of poolResults) {
  console.log(
    `\nProving PayoutBatch(${p.batchSize}), ${fmt(p.constraints)} constraints, ${p.rows[0]!.jobs} batches, ${cores} cores (warm: workers started, keys loaded)`,
  );
  console.log(
    formatTable(
      ["setting", "ms/proof", "rows/s", "cold s"],
      p.rows.map((r) => [r.label, r.msPerProof.toFixed(0), ((p.batchSize * 1000) / r.msPerProof).toFixed(1), (r.coldMs / 1000).toFixed(2)]),
    ),
  );
  console.log(`speed-up all cores vs 1 worker: ${p.speedup.toFixed(2)}x (${(p.speedup / cores).toFixed(2)} x cores)`);
}
if (nativeBinary === undefined)
  console.log("Native backend: skipped (pass --native PATH, set RAPIDSNARK_PROVER or config prover.nativeBinary)");
console.log(
  typeof queueProving === "string"
    ? `Queue worker: ${queueProving}`
    : `Queue worker (one process, pool of ${queueProving.workers}, ${queueProving.jobs} ExampleBatch jobs): ${(queueProving.wallMs / 1000).toFixed(2)} s, ${queueProving.examplesPerSecond.toFixed(1)} examples proved per second, peak RSS ${queueProving.peakRssMiB.toFixed(0)} MiB`,
);

console.log(
  `\nSettlement flow, measured on the in-process chain: gas per paid contributor (commit, every claim, registration and payout batch proved and verified, reveal, finalize, releases; 1 % duplicate claims; all paid) and where it goes, against BareTransfers (the same rewards to as many fresh holders, batches of the payout size); register() per example apart (the contributor pays it). Proving on ${cores} workers (snarkjs).`,
);
console.log(
  formatTable(
    [
      "set",
      "rows E/K/B",
      "contributors",
      "examples",
      "claims",
      "proofs",
      "flow/contributor",
      "base",
      "calldata",
      "verification",
      "transfer",
      "storage+logic",
      "bare",
      "ratio",
      "register/example",
      "proving ms/example",
      "peak RSS MiB",
      "derived/measured",
    ],
    flows.map(({ set, flow: f, peakRssMiB }, k) => [
      set,
      `${f.sizes.example}/${f.sizes.registration}/${f.sizes.payout}`,
      f.shape.contributors,
      f.shape.examplesPerContributor,
      f.claims,
      f.proving.claim.proofs + f.proving.registration.proofs + f.proving.payout.proofs,
      fmt(f.perContributor),
      fmt(f.breakdown.base),
      fmt(f.breakdown.calldata),
      fmt(f.breakdown.verification),
      fmt(f.breakdown.transfer),
      fmt(f.breakdown.storageAndLogic),
      fmt(f.barePerContributor),
      `${f.ratio.toFixed(3)}x`,
      fmt(f.registration.perExample),
      f.proving.msPerExample.toFixed(1),
      peakRssMiB.toFixed(0),
      derivedOfMeasured[k] ? (derivedOfMeasured[k].total / f.total).toFixed(3) : "-",
    ]),
  ),
);
if (nativeProving.length > 0) {
  console.log(
    `\nProving claim batches, ms per example on ${cores} workers: snarkjs vs the native backend ${nativeBinary} (the same ${jobCount} jobs, warm; every proof verified)`,
  );
  console.log(
    formatTable(
      ["set", "rows", "snarkjs ms/example", "native ms/example", "speed-up"],
      nativeProving.map((r) => [
        r.set,
        r.batchSize,
        r.snarkjsMsPerExample.toFixed(2),
        r.nativeMsPerExample.toFixed(2),
        `${r.speedup.toFixed(2)}x`,
      ]),
    ),
  );
}
console.log(`\nPer transaction (mean gas; verification is one verifier call, the same for every proof of a circuit)`);
console.log(
  formatTable(
    [
      "set",
      "commit",
      "claim batch",
      "registration batch",
      "payout batch",
      "reveal",
      "finalize",
      "release",
      "largest tx",
      "verify claim/registration/payout",
    ],
    [...new Map(flows.map((x) => [x.set, x])).values()].map(({ set, flow: f }) => [
      set,
      fmt(f.tx.commit.gas),
      fmt(f.tx.claim.gas / f.tx.claim.count),
      fmt(f.tx.registration.gas / f.tx.registration.count),
      fmt(f.tx.payout.gas / f.tx.payout.count),
      fmt(f.tx.reveal.gas),
      fmt(f.tx.finalize.gas),
      fmt(f.tx.release.gas / f.tx.release.count),
      fmt(Math.max(...Object.values(f.tx).map((t) => t.max))),
      `${fmt(f.verificationPerProof.claim)} / ${fmt(f.verificationPerProof.registration)} / ${fmt(f.verificationPerProof.payout)}`,
    ]),
  ),
);
const derivedNote = `derived from the transaction costs measured above (bench-projection.ts): claim and registration batches cost what the largest measured one did, payout batches and releases are fitted linear in their rows`;
if (!costs) console.log(`\nDerived figures need flows at two payout batch sizes (--sets with two or more sets)`);
if (derived.length > 0) {
  console.log(
    `\nDerived, not measured: size sets whose keys were not set up in this run, ${fmt(contributors)} contributors; ${derivedNote}`,
  );
  console.log(
    formatTable(
      ["set", "rows E/K/B", "examples", "claims", "registration", "payout", "release", "epoch", "total/contributor", "bare", "ratio"],
      derived.map(({ set, epoch: d }) => [
        set,
        `${d.sizes.example}/${d.sizes.registration}/${d.sizes.payout}`,
        d.shape.examplesPerContributor,
        fmt(d.perContributor.claims),
        fmt(d.perContributor.registration),
        fmt(d.perContributor.payout),
        fmt(d.perContributor.release),
        fmt(d.perContributor.epoch),
        fmt(d.totalPerContributor),
        fmt(d.bareTransfer),
        `${d.ratio.toFixed(3)}x`,
      ]),
    ),
  );
}
if (million.length > 0)
  console.log(`\nA 1,000,000-example epoch: 50,000 contributors x 20 examples (+1 % duplicate claims), ${derivedNote}`);
if (million.length > 0)
  console.log(
    formatTable(
      ["set", "rows E/K/B", "claim / registration / payout batches", "transactions", "total gas", "gas/contributor", "ratio", "setup"],
      million.map(({ set, measured, epoch: d }) => [
        set,
        `${d.sizes.example}/${d.sizes.registration}/${d.sizes.payout}`,
        `${d.batches.claim} / ${d.batches.registration} / ${d.batches.payout}`,
        fmt(d.transactions),
        fmt(d.total),
        fmt(d.totalPerContributor),
        `${d.ratio.toFixed(3)}x`,
        measured ? "measured size" : "derived size",
      ]),
    ),
  );

const results: BenchResults = {
  date: new Date().toISOString(),
  cores,
  contributors,
  maxProofs,
  circuits: { shapes, instances },
  sizeSets: sizeSets.map((s) => ({ ...s, measured: measuredNames.includes(s.name) })),
  proving: {
    pool: poolResults,
    native: nativeBinary === undefined ? "skipped" : { binary: nativeBinary, rows: nativeProving },
    queue: queueProving,
  },
  flows,
  ...(costs ? { costs } : {}),
  derivedOfMeasured,
  derived,
  million,
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileAtomic(values.out, toJson(results));
log(`wrote ${values.out}`);
// The page shows the committed JSON: a run written elsewhere (--out) leaves it alone.
if (values.out === BENCH_JSON) log(`wrote ${writeBenchmarksPage()}`);
