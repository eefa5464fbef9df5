/**
 * npm run bench [-- --sizes 4,31] [--jobs N] [--gas-batches N] [--examples-per-contributor M] [--native PATH] [--out FILE]
 *
 * Measures, in one run: constraints per claim row, per registration row and per payout row, proof
 * time per batch with 1 worker and with all cores (and snarkjs one proof after another with its
 * own threads), proving time per 1,000 examples, and gas per contributor of the whole flow (the
 * commit, claim, registration and payout batches, reveal, finalize, releases; registration and the
 * escrow apart) next to a bare loop of ERC-20 transfers; with a
 * rapidsnark-compatible prover (--native, RAPIDSNARK_PROVER or config prover.nativeBinary), its time
 * per ExampleBatch proof next to snarkjs on the same pool. Prints tables and
 * writes JSON (bench-results/bench.json by default). Figures are compared as ratios within this run.
 */
import { availableParallelism } from "node:os";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { compileCircuit, exampleCircuitName, payoutCircuitName, PROJECT_ROOT, registrationCircuitName, setupCircuit } from "../circuits/index.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { config } from "../config/index.ts";
import { benchmarkProving, type BenchmarkRow } from "../prover/index.ts";
import { buildExampleBatches, buildPayoutBatches, splitPool } from "../witness/index.ts";
import { measureGas, type GasResult } from "./lib/bench-gas.ts";
import { projectTo2pow18, TARGET_CONSTRAINTS, WORD_GAS } from "./lib/bench-projection.ts";
import { benchQueueWorker, type QueueBenchRow } from "./lib/bench-queue.ts";
import { formatTable } from "./lib/format-table.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: config.payoutBatch.sizes.join(",") },
    jobs: { type: "string" },
    "gas-batches": { type: "string", default: "2" },
    "examples-per-contributor": { type: "string", default: "10" },
    out: { type: "string", default: join(PROJECT_ROOT, "bench-results", "bench.json") },
    native: { type: "string" },
  },
});
const sizes = values.sizes.split(",").map(Number);
for (const s of sizes) if (!config.payoutBatch.sizes.includes(s)) throw new Error(`--sizes: ${s} is not a configured batch size`);
const cores = availableParallelism();
const jobCount = values.jobs === undefined ? 2 * cores : Number(values.jobs);
const log = (m: string) => console.error(m);
const nativeBinary = values.native ?? process.env.RAPIDSNARK_PROVER ?? config.prover.nativeBinary ?? undefined;

// 1. Constraints: per row from the difference between two instance sizes (the header is shared).
interface CompiledSize { readonly batchSize: number; readonly constraints: number }
function perRowOf(compiled: CompiledSize[]): { perRow: number; header: number } {
  compiled.sort((a, b) => a.batchSize - b.batchSize);
  const smallest = compiled[0]!;
  const largest = compiled.at(-1)!;
  const perRow = largest.batchSize > smallest.batchSize ? (largest.constraints - smallest.constraints) / (largest.batchSize - smallest.batchSize) : largest.constraints / largest.batchSize;
  return { perRow, header: largest.constraints - perRow * largest.batchSize };
}
const compiled: CompiledSize[] = await Promise.all(config.payoutBatch.sizes.map(async (b) => ({ batchSize: b, constraints: (await compileCircuit(payoutCircuitName(b))).constraints })));
const { perRow, header } = perRowOf(compiled);
const exampleCompiled: CompiledSize[] = await Promise.all(config.exampleBatch.sizes.map(async (e) => ({ batchSize: e, constraints: (await compileCircuit(exampleCircuitName(e))).constraints })));
const { perRow: examplePerRow, header: exampleHeader } = perRowOf(exampleCompiled);
const registrationCompiled: CompiledSize[] = await Promise.all(config.registrationBatch.sizes.map(async (k) => ({ batchSize: k, constraints: (await compileCircuit(registrationCircuitName(k))).constraints })));
const { perRow: registrationPerRow, header: registrationHeader } = perRowOf(registrationCompiled);
const chunk = config.registrationBatch.chunk;

// 2. Proving: the same batches under each pool setting.
interface ProvingResult {
  readonly batchSize: number;
  readonly constraints: number;
  readonly rows: readonly (BenchmarkRow & { msPerProof: number; proofsPerSecond: number })[];
  readonly speedup: number;
}
const proving: ProvingResult[] = [];
const gas: GasResult[] = [];
let exampleProving:
  | { batchSize: number; constraints: number; msPerProof: number; msPer1000Examples: number; examplesPerSecond: number; peakRssMiB: number; label: string }
  | undefined;
let queueProving: (QueueBenchRow & { examplesPerSecond: number }) | string | undefined;
let nativeProving: { snarkjsMsPerProof: number; nativeMsPerProof: number; speedup: number; binary: string } | string | undefined;
const scratch = mkdtempSync(join(tmpdir(), "bench-"));
try {
  for (const batchSize of sizes) {
    const keys = await setupCircuit(payoutCircuitName(batchSize), log);
    const contributors = Array.from({ length: batchSize * jobCount }, (_, i) => ({ address: BigInt(i + 1) << 100n, amount: BigInt(1 + ((i * 7919) % 5000)) }));
    const batches = buildPayoutBatches(splitPool(contributors, 10n ** 24n, config), 12345n, 777n, batchSize, config);
    const jobs = batches.map((b) => ({ name: `bench-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: "" }));
    log(`proving ${jobs.length} batches of ${batchSize} rows under each setting...`);
    const rows = await benchmarkProving(keys, jobs, [
      { label: "1 worker, single-threaded", workers: 1, singleThread: true },
      { label: `${cores} workers, single-threaded`, workers: cores, singleThread: true },
      { label: `${cores} workers, snarkjs threads`, workers: cores, singleThread: false },
      { label: "main thread, snarkjs threads, sequential", mainThread: true },
    ]);
    const withRates = rows.map((r) => ({ ...r, msPerProof: r.warmMs / r.jobs, proofsPerSecond: (r.jobs * 1000) / r.warmMs }));
    proving.push({ batchSize, constraints: keys.constraints, rows: withRates, speedup: withRates[0]!.warmMs / withRates[1]!.warmMs });
  }

  // Proving time per 1,000 examples: full ExampleBatch(E) proofs at the demo size, all cores.
  const E = config.exampleBatch.demoSize;
  const exampleKeys = await setupCircuit(exampleCircuitName(E), log);
  // Distinct increasing hashes: every claim is its example's first, so every row is credited.
  const exampleRows = Array.from({ length: E * jobCount }, (_, i) => ({ hash: BigInt(i + 1) << 90n, j: i % 40, score: BigInt(((i * 7919) % 200_000) - 50_000) }));
  const exampleJobs = buildExampleBatches(exampleRows, 12345n, 777n, E, config).map((b) => ({ name: `example-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: "" }));
  log(`proving ${exampleJobs.length} example batches of ${E} rows...`);
  const [exampleRow] = await benchmarkProving(exampleKeys, exampleJobs, [{ label: `${cores} workers, single-threaded`, workers: cores, singleThread: true }]);
  const msPerProof = exampleRow!.warmMs / exampleRow!.jobs;
  // Peak RSS of this process so far: the pools (all worker threads) of every setting above, and the main thread.
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  if (nativeBinary) {
    log(`proving the same ${exampleJobs.length} example batches with ${nativeBinary}...`);
    const [nativeRow] = await benchmarkProving(exampleKeys, exampleJobs, [{ label: `${cores} workers, native`, workers: cores, singleThread: true, nativeBinary }]);
    const nativeMsPerProof = nativeRow!.warmMs / nativeRow!.jobs;
    nativeProving = { snarkjsMsPerProof: msPerProof, nativeMsPerProof, speedup: msPerProof / nativeMsPerProof, binary: nativeBinary };
  } else {
    nativeProving = "skipped: no native prover (pass --native PATH, set RAPIDSNARK_PROVER or config prover.nativeBinary)";
  }
  exampleProving = { batchSize: E, constraints: exampleKeys.constraints, msPerProof, msPer1000Examples: (msPerProof / E) * 1000, examplesPerSecond: (E * 1000) / msPerProof, peakRssMiB, label: exampleRow!.label };
  // The same example batches through the queue: one worker process with a pool of all cores.
  const queueUrl = process.env.REDIS_URL;
  if (queueUrl) {
    log(`proving ${exampleJobs.length} example batches through the queue at ${queueUrl} (one worker process, ${cores} workers)...`);
    const row = await benchQueueWorker(queueUrl, exampleKeys, exampleJobs, scratch, cores);
    queueProving = { ...row, examplesPerSecond: (row.jobs * E * 1000) / row.wallMs };
  } else {
    queueProving = "skipped: set REDIS_URL=redis://HOST:PORT to measure a queue worker";
  }

  const K = config.registrationBatch.demoSize;
  const B = config.payoutBatch.demoSize;
  const registrationKeys = await setupCircuit(registrationCircuitName(K), log);
  const payoutKeys = await setupCircuit(payoutCircuitName(B), log);
  log(`gas: whole flow with ${values["gas-batches"]} payout batches of ${B} contributors, ${values["examples-per-contributor"]} examples each, and the bare transfer loop...`);
  gas.push(await measureGas({ example: exampleKeys, registration: registrationKeys, payout: payoutKeys }, {
    exampleBatchSize: E, registrationBatchSize: K, payoutBatchSize: B, payoutBatches: Number(values["gas-batches"]), examplesPerContributor: Number(values["examples-per-contributor"]),
  }, scratch, config));
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}

// 3. Report.
console.log(`\nCircuits (circom2 --O2): ${examplePerRow.toFixed(1)} constraints per claim row (budget 400), ${exampleHeader.toFixed(0)} per claim batch header; ${registrationPerRow.toFixed(1)} per registration row of ${chunk} hashes (${(registrationPerRow / chunk).toFixed(1)} per registered example), ${registrationHeader.toFixed(0)} per registration batch header; ${perRow.toFixed(1)} per payout row (budget 800), ${header.toFixed(0)} per payout batch header`);
console.log(formatTable(["instance", "rows", "constraints", "per row"], [
  ...exampleCompiled.map((c) => [exampleCircuitName(c.batchSize), c.batchSize, c.constraints, (c.constraints / c.batchSize).toFixed(1)]),
  ...registrationCompiled.map((c) => [registrationCircuitName(c.batchSize), c.batchSize, c.constraints, (c.constraints / c.batchSize).toFixed(1)]),
  ...compiled.map((c) => [payoutCircuitName(c.batchSize), c.batchSize, c.constraints, (c.constraints / c.batchSize).toFixed(1)]),
]));
for (const p of proving) {
  console.log(`\nProving PayoutBatch(${p.batchSize}), ${p.constraints} constraints, ${p.rows[0]!.jobs} batches, ${cores} cores (warm: workers started, keys loaded)`);
  console.log(formatTable(["setting", "ms/proof", "proofs/s", "rows/s", "cold s"], p.rows.map((r) => [r.label, r.msPerProof.toFixed(0), r.proofsPerSecond.toFixed(2), (r.proofsPerSecond * p.batchSize).toFixed(1), (r.coldMs / 1000).toFixed(2)])));
  console.log(`speed-up all cores vs 1 worker: ${p.speedup.toFixed(2)}x (${(p.speedup / cores).toFixed(2)} x cores)`);
}
if (exampleProving) {
  console.log(`\nProving ExampleBatch(${exampleProving.batchSize}), ${exampleProving.constraints} constraints, ${exampleProving.label}: ${exampleProving.msPerProof.toFixed(0)} ms per proof, ${(exampleProving.msPer1000Examples / 1000).toFixed(1)} s per 1,000 examples, ${exampleProving.examplesPerSecond.toFixed(1)} examples proved per second; peak RSS of the proving process ${exampleProving.peakRssMiB.toFixed(0)} MiB`);
}
if (typeof nativeProving === "string") console.log(`Native backend: ${nativeProving}`);
else if (nativeProving) {
  console.log(`Native backend ${nativeProving.binary}: ${nativeProving.nativeMsPerProof.toFixed(0)} ms per ExampleBatch(${config.exampleBatch.demoSize}) proof vs snarkjs ${nativeProving.snarkjsMsPerProof.toFixed(0)} ms on the same pool = ${nativeProving.speedup.toFixed(2)}x (both verified before acceptance)`);
}
if (typeof queueProving === "string") console.log(`Queue worker: ${queueProving}`);
else if (queueProving) {
  console.log(`Queue worker (one process, pool of ${queueProving.workers}, ${queueProving.jobs} ExampleBatch jobs, enqueue to drained): ${(queueProving.wallMs / 1000).toFixed(2)} s, ${queueProving.examplesPerSecond.toFixed(1)} examples proved per second, peak RSS ${queueProving.peakRssMiB.toFixed(0)} MiB`);
}
console.log(`\nGas per contributor, whole flow: commit, claim, registration and payout batches, reveal, finalize, releases (fresh holders, whole transactions, proof verification included; register() with its Poseidon fold is paid by each contributor and openEpoch's escrow once by the trainer: both shown apart)`);
console.log(formatTable(["E", "K", "B", "contributors", "examples", "commit", "claim batch", "registration batch", "payout batch", "reveal", "finalize", "release", "flow/contributor", "bare transfer", "ratio", "open", "registration", "registration/example"], gas.map((g) => [
  g.exampleBatchSize, g.registrationBatchSize, g.payoutBatchSize, g.contributors, g.examples, g.commit, g.perExampleBatch.toFixed(0), g.perRegistrationBatch.toFixed(0), g.perPayoutBatch.toFixed(0),
  g.reveal, g.finalize, g.perRelease.toFixed(0), g.settlementGasPerContributor.toFixed(0), g.bareTransferGasPerContributor.toFixed(0), g.ratio.toFixed(2),
  g.open, g.perRegistration.toFixed(0), g.perRegisteredExample.toFixed(0),
])));

// 4. Projected to 2^18-constraint circuits from the parts measured above (bench-projection.ts).
const measured = gas[0]!;
const parts = {
  claim: { perRow: examplePerRow, header: exampleHeader },
  registration: { perRow: registrationPerRow, header: registrationHeader },
  payout: { perRow, header },
  chunk,
  claimBatchGas: measured.perExampleBatch,
  registrationBatchGas: measured.perRegistrationBatch,
  payoutBatchGas: measured.perPayoutBatch,
  payoutBatchSize: measured.payoutBatchSize,
  releaseGas: measured.perRelease,
  epochGas: measured.commit + measured.reveal + measured.finalize,
  bareTransferGas: measured.bareTransferGasPerContributor,
};
const projections = [1, 10, 100].map((c) => projectTo2pow18(parts, c, 1000));
console.log(`\nProjected to circuits of 2^${Math.log2(TARGET_CONSTRAINTS)} constraints, 1,000 contributors (derived from the parts measured above: verification gas does not depend on circuit size; a payout word estimated at ${WORD_GAS} gas; releases at the measured cost per payee)`);
console.log(formatTable(["claims/contributor", "claim rows/proof", "registration rows/proof", "payout rows/proof", "claims", "registration", "payout", "release", "epoch", "total/contributor", "beyond the transfer", "ratio"], projections.map((p) => [
  p.claimsPerContributor, p.rowsPerProof.claim, p.rowsPerProof.registration, p.rowsPerProof.payout, p.claims.toFixed(0), p.registration.toFixed(0), p.payout.toFixed(0),
  p.release.toFixed(0), p.epoch.toFixed(0), p.total.toFixed(0), p.beyondTransfer.toFixed(0), p.ratio.toFixed(2),
])));
const claimSeconds = exampleProving ? exampleProving.msPerProof / exampleProving.batchSize / 1000 : undefined;
if (claimSeconds !== undefined) console.log(`proving time per claim: ${(claimSeconds * 1000).toFixed(1)} ms (ExampleBatch(${exampleProving!.batchSize}), ${cores} workers); per registered example ~${((claimSeconds * registrationPerRow) / examplePerRow / chunk * 1000).toFixed(1)} ms (scaled by constraints per example)`);

mkdirSync(dirname(values.out), { recursive: true });
writeFileAtomic(values.out, toJson({
  date: new Date().toISOString(), cores,
  circuits: {
    example: { perRow: examplePerRow, header: exampleHeader, instances: exampleCompiled },
    registration: { perRow: registrationPerRow, perExample: registrationPerRow / chunk, header: registrationHeader, instances: registrationCompiled },
    payout: { perRow, header, instances: compiled },
  },
  proving, exampleProving, nativeProving, queueProving, gas, projection: { parts, projections },
}));
console.log(`\nwrote ${values.out}`);
