/**
 * npm run prover -- <command> ...: thin commands over prover/.
 *
 *   prove   --jobs FILE [--workers N]                         prove locally on the pool (resumes; Ctrl-C stops cleanly, exit 130)
 *   enqueue --queue redis://HOST:PORT --jobs FILE [--wait]    put the jobs on the queue (--wait: report progress until done)
 *   worker  --queue redis://HOST:PORT [--concurrency N]       take jobs from the queue and prove them (any number, any machine)
 *   status  --queue redis://HOST:PORT                         the queue's job counts
 * Common: --queue-name NAME (default attribution-prover), --lock-ms N (worker: a dead worker's job
 * is retried after about this long, default 30000).
 *
 * A jobs file (JSON): { "keys": { name, wasmPath, zkeyPath, vkeyPath, vkeyHash?, pinnedVkeyHash? },
 * "jobs": [ { name, input, expectedPublicSignals?, outPath } ] }. Relative paths are resolved from
 * the jobs file's folder; queue workers must see the same paths (shared storage).
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  createProverPool,
  enqueueProofJobs,
  proveBatches,
  queueCounts,
  runQueueWorker,
  waitForQueue,
  type ProofJob,
  type ProvingKeys,
} from "../prover/index.ts";
import { startProgress } from "./lib/progress.ts";

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    queue: { type: "string" },
    "queue-name": { type: "string" },
    jobs: { type: "string" },
    workers: { type: "string" },
    concurrency: { type: "string" },
    "lock-ms": { type: "string" },
    wait: { type: "boolean", default: false },
  },
});
const queueName = values["queue-name"];
const queueOptions = queueName === undefined ? {} : { queueName };

function fail(message: string, code = 2): never {
  console.error(`prover ${command ?? ""}: ${message}`);
  process.exit(code);
}

function intFlag(name: "workers" | "concurrency" | "lock-ms"): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) fail(`--${name} must be a non-negative integer, got ${v}`);
  return Number(v);
}

function readJobsFile(): { keys: ProvingKeys; jobs: ProofJob[] } {
  if (values.jobs === undefined) fail("--jobs FILE is required");
  const file = resolve(values.jobs);
  let raw: { keys?: Record<string, string>; jobs?: ProofJob[] };
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    fail(`cannot read jobs file ${file}: ${(error as Error).message}`);
  }
  if (typeof raw.keys !== "object" || raw.keys === null || !Array.isArray(raw.jobs)) fail(`${file} must have "keys" and a "jobs" array`);
  const here = dirname(file);
  const keys = { ...raw.keys } as Record<string, string>;
  for (const k of ["wasmPath", "zkeyPath", "vkeyPath"]) if (typeof keys[k] === "string") keys[k] = resolve(here, keys[k]);
  const jobs = raw.jobs.map((j) => ({ ...j, outPath: typeof j.outPath === "string" ? resolve(here, j.outPath) : j.outPath }));
  return { keys: keys as unknown as ProvingKeys, jobs };
}

function queueUrl(): string {
  const url = values.queue ?? process.env.REDIS_URL;
  if (url === undefined) fail("--queue redis://HOST:PORT is required (or REDIS_URL)");
  return url;
}

/** Removes temporary files an aborted atomic write may have left next to the jobs' proof files. */
function removeTempFiles(jobs: readonly ProofJob[]): void {
  for (const dir of new Set(jobs.map((j) => dirname(j.outPath)))) {
    const prefixes = new Set(jobs.filter((j) => dirname(j.outPath) === dir).map((j) => `${basename(j.outPath)}.tmp-`));
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if ([...prefixes].some((p) => name.startsWith(p))) rmSync(resolve(dir, name), { force: true });
  }
}

async function prove(): Promise<void> {
  const { keys, jobs } = readJobsFile();
  const workers = intFlag("workers");
  const pool = createProverPool(workers === undefined ? {} : { workers });
  const bar = startProgress("proving", jobs.length, "proofs");
  let done = 0;
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    void pool.close().then(() => {
      removeTempFiles(jobs);
      bar.stop();
      console.error(`prover prove: interrupted after ${done} of ${jobs.length} proofs; run the same command again to resume`);
      process.exit(130);
    });
  });
  try {
    const results = await proveBatches(pool, keys, jobs, {
      onProgress: (p) => {
        done = p.done;
        bar.update(p.done, `${p.job} ${p.status}`);
      },
    });
    bar.stop();
    const proved = results.filter((r) => r.status === "proved").length;
    console.log(`${proved} proved, ${results.length - proved} already valid (skipped), ${results.length} in all`);
  } catch (error) {
    if (interrupted) return; // the SIGINT handler exits
    bar.stop();
    throw error;
  } finally {
    if (!interrupted) await pool.close();
  }
}

async function enqueue(): Promise<void> {
  const url = queueUrl();
  const { keys, jobs } = readJobsFile();
  const { added, total } = await enqueueProofJobs(url, keys, jobs, queueOptions);
  console.log(`${added} jobs added, ${total - added} already on the queue`);
  if (!values.wait) return;
  const bar = startProgress("queue", total, "jobs");
  const counts = await waitForQueue(url, { ...queueOptions, onCounts: (c) => bar.update(Math.min(total, c.completed + c.failed), `${c.active} active, ${c.failed} failed`) });
  bar.stop();
  console.log(`queue drained: ${counts.completed} completed, ${counts.failed} failed`);
  if (counts.failed > 0) process.exitCode = 1;
}

async function worker(): Promise<void> {
  const url = queueUrl();
  const workers = intFlag("workers");
  const concurrency = intFlag("concurrency");
  const lockDuration = intFlag("lock-ms");
  const pool = createProverPool(workers === undefined ? {} : { workers });
  const running = await runQueueWorker(url, {
    ...queueOptions,
    pool,
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(lockDuration === undefined ? {} : { lockDuration }),
    onJob: (e) => console.log(`${e.status} ${e.job} attempt ${e.attempt}${e.ms === undefined ? "" : ` ${Math.round(e.ms)} ms`}${e.error ? `: ${e.error}` : ""}`),
  });
  console.log(`worker ready on ${url} (pool of ${pool.size})`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`${signal}: finishing running jobs, then stopping`);
      void running.close().then(() => pool.close()).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}

async function status(): Promise<void> {
  console.log(JSON.stringify(await queueCounts(queueUrl(), queueOptions)));
}

const commands: Record<string, () => Promise<void>> = { prove, enqueue, worker, status };
const run = command === undefined ? undefined : commands[command];
if (!run) fail(`unknown command ${JSON.stringify(command ?? "")}; use prove, enqueue, worker or status`);
await run();
