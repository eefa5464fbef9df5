/**
 * npm run bench:epoch -- [--examples 100000] [--contributors 1000] [--mode pool|queue|both]
 *                        [--queue-workers 2] [--native PATH] [--dir DIR] [--out FILE]
 *
 * Proves one whole epoch of synthetic examples at the demo batch sizes, the way a trainer would
 * after a large run: the reward policy and the three tables from witness/ (every contributor
 * registers its list once and delivers it; 1 % of the examples claimed again by another registrant,
 * credited to the earlier of the two; scores signed), then every ExampleBatch, RegistrationBatch
 * and PayoutBatch proof
 *   pool:  on this machine's Piscina pool (one worker per core), resumable: rerun with the same
 *          --dir after a crash or Ctrl-C and only missing or invalid proofs are made;
 *   queue: through BullMQ on Redis (--queue or REDIS_URL) with --queue-workers `prover worker`
 *          processes sharing the cores, the way several machines would share an epoch.
 * Measured: wall time, examples proved per second, peak RSS (the proving process with all its
 * threads; for the queue, each worker process), and every proof file is read back and checked to
 * carry its batch's public signals. --native proves with a rapidsnark-compatible binary instead of
 * snarkjs (prover/NATIVE.md), on the pool and in the queue workers alike. From the pool's per-example cost it projects a 1,000,000-example
 * epoch on 1, 16 and 64 cores and prints the formula. Table on stdout, JSON to --out
 * (bench-results/bench-epoch.json by default; then docs/benchmarks.md is re-rendered from it).
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../circuits/index.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { loadCircuitKeys, type KeySetKeys } from "../circuits/ceremony/index.ts";
import { config } from "../config/index.ts";
import { createProverPool, enqueueProofJobs, proveBatches, readProofFile, waitForQueue, type ProofJob } from "../prover/index.ts";
import { clearQueue } from "../prover/queue.ts";
import { buildEpochWitness } from "../witness/index.ts";
import { epochDomain } from "../witness/domain.ts";
import { peakRssMiB, startQueueWorkerProcess } from "./lib/bench-queue.ts";
import { registerOffline } from "./lib/offline-registrations.ts";
import { formatTable } from "./lib/format-table.ts";
import { EPOCH_BENCH_JSON, writeBenchmarksPage } from "./lib/benchmarks-page.ts";
import type { EpochBenchResults, EpochRun } from "./lib/bench-results.ts";
import { startProgress } from "../protocol/progress.ts";

const { values } = parseArgs({
  options: {
    examples: { type: "string", default: "100000" },
    contributors: { type: "string", default: "1000" },
    mode: { type: "string", default: "both" },
    "queue-workers": { type: "string", default: "2" },
    queue: { type: "string" },
    native: { type: "string" },
    dir: { type: "string" },
    out: { type: "string" },
  },
  strict: true,
});
const positive = (name: string, v: string): number => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new RangeError(`--${name} must be a positive integer, got ${v}`);
  return Number(v);
};
const N = positive("examples", values.examples);
const C = positive("contributors", values.contributors);
// Round robin: every contributor gets an example to register (a registration lists at least one).
if (C > N) throw new RangeError(`--contributors ${C} exceeds --examples ${N}: every contributor registers at least one example`);
const queueWorkers = positive("queue-workers", values["queue-workers"]);
if (!["pool", "queue", "both"].includes(values.mode)) throw new RangeError(`--mode must be pool, queue or both, got ${values.mode}`);
const queueUrl = values.queue ?? process.env.REDIS_URL;
if (values.mode !== "pool" && queueUrl === undefined) throw new RangeError("--mode queue needs --queue redis://HOST:PORT (or REDIS_URL)");
const cores = availableParallelism();
const nativeBinary = values.native;
const backend = nativeBinary === undefined ? "snarkjs" : `native ${nativeBinary}`;
const E = config.exampleBatch.demoSize;
const K = config.registrationBatch.demoSize;
const B = config.payoutBatch.demoSize;
const dir = values.dir ?? join(PROJECT_ROOT, "build", `epoch-${N}`);
const out = values.out ?? EPOCH_BENCH_JSON;
const log = (m: string) => console.error(m);

// 1. The epoch: N examples of C contributors (round robin), 1 % of them claimed again by another
// registrant, signed scores; each contributor registers its claims in order and delivers them.
const sha = (s: string) => BigInt(`0x${createHash("sha256").update(s).digest("hex").slice(0, 32)}`);
const address = (i: number) => BigInt(`0x${createHash("sha256").update(`contributor ${i}`).digest("hex").slice(0, 40)}`);
const witnessStart = performance.now();
const lists = Array.from({ length: C }, (_, k) => ({ sender: address(k), hashes: [] as bigint[] }));
const scores = new Map<bigint, bigint>();
let claims = 0;
for (let i = 0; i < N; i++) {
  const hash = sha(`example ${i}`);
  scores.set(hash, BigInt(Number(sha(`score ${i}`) % 2_000_001n) - 500_000)); // fixed point, a quarter negative
  const claimants = i % 100 === 99 ? [i % C, ((i % C) + 1 + Math.floor(C / 2)) % C] : [i % C];
  // With one contributor both claimants are the same: a list names an example once.
  for (const k of new Set(claimants)) lists[k]!.hashes.push(hash);
  claims += new Set(claimants).size;
}
const domain = epochDomain(31337n, "0x000000000000000000000000000000000000bEEF", 1n);
const w = buildEpochWitness({
  ...registerOffline(lists),
  scores,
  pool: 10n ** 24n,
  domain,
  modelHash: `0x${"00".repeat(32)}`,
  exampleBatchSize: E,
  registrationBatchSize: K,
  payoutBatchSize: B,
  config,
});
const witnessMs = performance.now() - witnessStart;
log(
  `epoch: ${N} examples (${claims} claims, ${w.duplicates.length} duplicates), ${C} contributors -> ${w.exampleBatches.length} ExampleBatch(${E}) + ${w.registrationBatches.length} RegistrationBatch(${K}) + ${w.payoutBatches.length} PayoutBatch(${B}) proofs; witness ${(witnessMs / 1000).toFixed(1)} s`,
);

const exampleKeys = await loadCircuitKeys(exampleCircuitName(E), { log });
const registrationKeys = await loadCircuitKeys(registrationCircuitName(K), { log });
const payoutKeys = await loadCircuitKeys(payoutCircuitName(B), { log });
type Circuit = { readonly keys: KeySetKeys; readonly jobs: ProofJob[] };
const jobsOf = (
  proofsDir: string,
  kind: string,
  batches: readonly { index: number; input: ProofJob["input"]; publicSignals: readonly bigint[] }[],
) =>
  batches.map((b) => ({
    name: `${kind}-${b.index}`,
    input: b.input,
    expectedPublicSignals: b.publicSignals,
    outPath: join(proofsDir, `${kind}-${b.index}.json`),
  }));
const circuitsIn = (proofsDir: string): Circuit[] => [
  { keys: exampleKeys, jobs: jobsOf(proofsDir, "example", w.exampleBatches) },
  { keys: registrationKeys, jobs: jobsOf(proofsDir, "registration", w.registrationBatches) },
  { keys: payoutKeys, jobs: jobsOf(proofsDir, "payout", w.payoutBatches) },
];
const totalProofs = w.exampleBatches.length + w.registrationBatches.length + w.payoutBatches.length;

/** Every proof file is there and carries its batch's public signals (each was verified when written). */
function checkProofs(circuits: readonly Circuit[]): void {
  for (const { jobs } of circuits) {
    for (const job of jobs) {
      const file = readProofFile(job.outPath, job.name);
      if (file.publicSignals.join() !== job.expectedPublicSignals!.map(String).join())
        throw new Error(`${job.outPath}: public signals differ from the batch's`);
    }
  }
}

const rows: EpochRun[] = [];

// 2. The local pool.
async function provePool(): Promise<EpochRun> {
  const circuits = circuitsIn(join(dir, "pool"));
  mkdirSync(join(dir, "pool"), { recursive: true });
  const pool = createProverPool(nativeBinary === undefined ? {} : { nativeBinary });
  const bar = startProgress("pool", totalProofs, "proofs");
  let done = 0;
  let proved = 0;
  const start = performance.now();
  try {
    for (const { keys, jobs } of circuits) {
      const results = await proveBatches(pool, keys, jobs, { onProgress: (p) => bar.update(++done, `${p.job} ${p.status}`) });
      proved += results.filter((r) => r.status === "proved").length;
    }
  } finally {
    bar.stop();
    await pool.close();
  }
  const wallMs = performance.now() - start;
  checkProofs(circuits);
  return {
    mode: "pool",
    backend,
    workers: `1 process, ${pool.size} threads`,
    proofs: totalProofs,
    proved,
    wallMs,
    peakRssMiB: [process.resourceUsage().maxRSS / 1024],
  };
}

// 3. The queue: `prove worker` processes, each with its share of the cores.
async function proveQueue(url: string): Promise<EpochRun> {
  const circuits = circuitsIn(join(dir, "queue"));
  mkdirSync(join(dir, "queue"), { recursive: true });
  const queueName = `bench-epoch-${N}`;
  const threads = Math.max(1, Math.floor(cores / queueWorkers));
  const provedBy = new Map<string, number>();
  const countProved = (line: string) => {
    const proved = /^proved (\S+) /.exec(line);
    if (proved) provedBy.set(proved[1]!, (provedBy.get(proved[1]!) ?? 0) + 1);
  };
  const native = nativeBinary === undefined ? [] : ["--native", nativeBinary];
  const children = await Promise.all(
    Array.from({ length: queueWorkers }, () => startQueueWorkerProcess(url, queueName, threads, native, countProved)),
  );
  const bar = startProgress("queue", totalProofs, "proofs");
  const start = performance.now();
  try {
    for (const { keys, jobs } of circuits) await enqueueProofJobs(url, keys, jobs, { queueName });
    const counts = await waitForQueue(url, {
      queueName,
      intervalMs: 1000,
      onCounts: (c) => bar.update(c.completed + c.failed, `${c.active} active, ${c.failed} failed`),
    });
    if (counts.failed > 0) throw new Error(`${counts.failed} queue jobs failed`);
  } finally {
    bar.stop();
  }
  const wallMs = performance.now() - start;
  const peaks = children.map((c) => peakRssMiB(c.pid!));
  for (const c of children) c.kill("SIGTERM");
  await clearQueue(url, { queueName });
  checkProofs(circuits);
  // No proof made twice: each job name was proved by exactly one worker, once (a resumed run skips).
  const twice = [...provedBy].filter(([, n]) => n > 1);
  if (twice.length > 0) throw new Error(`proved more than once: ${twice.map(([j]) => j).join(", ")}`);
  const proved = provedBy.size; // jobs that found a valid proof already (a rerun) report "skipped"
  return {
    mode: "queue",
    backend,
    workers: `${queueWorkers} processes x ${threads} threads`,
    proofs: totalProofs,
    proved,
    wallMs,
    peakRssMiB: peaks,
  };
}

if (values.mode !== "queue") rows.push(await provePool());
if (values.mode !== "pool") rows.push(await proveQueue(queueUrl!));

// 4. Report and projection. The per-example cost is the pool's wall time times its cores over
// the examples (registration and payout proofs included, amortised): core-seconds per example.
const pool = rows.find((r) => r.mode === "pool" && r.proved > 0) ?? rows.find((r) => r.proved > 0);
const coreSecondsPerExample = pool ? ((pool.wallMs / 1000) * cores) / ((pool.proved / pool.proofs) * N) : undefined;
const projection =
  coreSecondsPerExample === undefined
    ? undefined
    : [1, 16, 64].map((k) => ({ cores: k, hours: (1_000_000 * coreSecondsPerExample) / k / 3600 }));
console.log(
  `\nEpoch of ${N} examples, ${C} contributors: ${w.exampleBatches.length} ExampleBatch(${E}) + ${w.registrationBatches.length} RegistrationBatch(${K}) + ${w.payoutBatches.length} PayoutBatch(${B}) proofs on ${cores} cores; witness (policy, tables, commit, seed, batches) ${(witnessMs / 1000).toFixed(1)} s`,
);
// Rates count the proofs made in this run: a resumed run skipped the valid ones already there.
console.log(
  formatTable(
    ["mode", "backend", "workers", "proofs", "proved now", "wall s", "ms/proof", "examples/s", "peak RSS MiB"],
    rows.map(
      (r) => [
        r.mode,
        r.backend,
        r.workers,
        r.proofs,
        r.proved,
        (r.wallMs / 1000).toFixed(0),
        (r.wallMs / r.proved).toFixed(0),
        (((r.proved / r.proofs) * N * 1000) / r.wallMs).toFixed(1),
        r.peakRssMiB.map((m) => m.toFixed(0)).join(" + "),
      ],
      2,
    ),
  ),
);
if (projection && coreSecondsPerExample !== undefined) {
  console.log(
    `\nProjection of a 1,000,000-example epoch: T(k) = 1,000,000 x c / k, c = ${coreSecondsPerExample.toFixed(4)} core-seconds per example measured above (${pool!.mode}, ${pool!.backend}: wall x ${cores} cores / examples proved; registration and payout proofs amortised; perfect scaling assumed, proofs are independent)`,
  );
  console.log(
    formatTable(
      ["cores", "hours"],
      projection.map((p) => [p.cores, p.hours.toFixed(2)]),
    ),
  );
}
const results: EpochBenchResults = {
  date: new Date().toISOString(),
  cores,
  examples: N,
  claims,
  duplicates: w.duplicates.length,
  contributors: C,
  exampleBatch: { size: E, proofs: w.exampleBatches.length, constraints: exampleKeys.constraints },
  registrationBatch: { size: K, proofs: w.registrationBatches.length, constraints: registrationKeys.constraints },
  payoutBatch: { size: B, proofs: w.payoutBatches.length, constraints: payoutKeys.constraints },
  witnessMs,
  runs: rows,
  ...(projection ? { coreSecondsPerExample, projection } : {}),
};
mkdirSync(join(out, ".."), { recursive: true });
writeFileAtomic(out, toJson(results));
console.log(`\nwrote ${out}`);
// The page shows the committed JSON: a run written elsewhere (--out) leaves it alone.
if (out === EPOCH_BENCH_JSON) console.log(`wrote ${writeBenchmarksPage()}`);
await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
