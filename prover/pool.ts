/**
 * The parallel prover: one Piscina pool of worker threads (prover/worker.ts), each keeping its
 * zkeys in memory, and proveBatches() to prove many jobs of one circuit at once.
 *
 * Concurrency is the pool size alone when snarkjs is single-threaded (the default in
 * config/protocol.json); with `singleThread: false` each worker also runs os.cpus() curve threads,
 * which pays off for large circuits proved one at a time (see prover/benchmark.ts).
 *
 * Resume: a job whose outPath already holds a proof file for the same circuit and input hash, with
 * the expected public signals, that verifies, is skipped. Anything else there (another input, a
 * corrupted or truncated file, a proof that does not verify) is proved again and replaced.
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { CircuitKeys } from "../circuits/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../config/index.ts";
import { ProverError } from "./errors.ts";
import { inputHash, type CircuitInput } from "./proof-file.ts";
import type { ProveTask, ProveTaskResult, ProveTimings } from "./worker.ts";

export interface ProverPoolOptions {
  /** Worker threads; 0 means one per core (os.availableParallelism()). Default: config prover.workers. */
  readonly workers?: number;
  /** snarkjs without threads of its own inside each worker. Default: config prover.singleThread. */
  readonly singleThread?: boolean;
  /**
   * A rapidsnark-compatible `prover` executable to prove with instead of snarkjs (prover/backend.ts);
   * null for snarkjs. Default: config prover.nativeBinary. Its proofs are verified like any other.
   */
  readonly nativeBinary?: string | null;
}

export interface ProverPool {
  readonly size: number;
  readonly singleThread: boolean;
  /** The native prover executable every task uses, or null for snarkjs. */
  readonly nativeBinary: string | null;
  /** Runs one task on a worker (proveBatches is the usual entry point). */
  run(task: ProveTask): Promise<ProveTaskResult>;
  /** Stops every worker (and their curve threads); tasks still running are aborted. Idempotent. */
  close(): Promise<void>;
}

/**
 * The keys proveBatches needs; a CircuitKeys from circuits/ setupCircuit() has them. The pin is
 * `pinnedVkeyHash` (a key set's, circuits/ceremony loadCircuitKeys), else `vkeyHash` (the hash
 * the setup recorded): the workers refuse a verification key or a zkey with another key hash.
 */
export type ProvingKeys = Pick<CircuitKeys, "name" | "wasmPath" | "zkeyPath" | "vkeyPath"> & {
  readonly vkeyHash?: string;
  readonly pinnedVkeyHash?: string;
};

export interface ProofJob {
  /** Unique name, used in progress reports and errors (e.g. "batch-3"). */
  readonly name: string;
  readonly input: CircuitInput;
  /** The public signals the proof must have (outputs, then public inputs, in snarkjs order). */
  readonly expectedPublicSignals?: readonly (bigint | string)[];
  /** Where the proof file goes (written atomically). */
  readonly outPath: string;
}

export interface ProofJobResult {
  readonly name: string;
  readonly outPath: string;
  /** "skipped": a valid proof for the same input was already at outPath. */
  readonly status: "proved" | "skipped";
  readonly publicSignals: readonly string[];
  readonly timings: ProveTimings;
  /** Why a file already at outPath was replaced, when one was. */
  readonly replaced?: string;
}

export interface ProofProgress {
  /** Jobs finished so far (proved, skipped or failed), including this one. */
  readonly done: number;
  readonly total: number;
  readonly job: string;
  readonly status: "proved" | "skipped" | "failed";
  /** Worker time spent on this job in milliseconds (0 when the worker itself failed). */
  readonly ms: number;
  readonly error?: ProverError;
}

export interface ProveBatchesOptions {
  readonly onProgress?: (progress: ProofProgress) => void;
  /** Keep valid existing proof files (default true); false proves every job again. */
  readonly resume?: boolean;
}

/** Creates the worker pool. Piscina starts all workers at once; close() stops them. */
export function createProverPool(options: ProverPoolOptions = {}, config: ProtocolConfig = defaultConfig): ProverPool {
  const workers = options.workers ?? config.prover.workers;
  if (!Number.isInteger(workers) || workers < 0 || workers > 1024) {
    throw new RangeError(`workers must be an integer in [0, 1024] (0 = one per core), got ${workers}`);
  }
  const singleThread = options.singleThread ?? config.prover.singleThread;
  if (typeof singleThread !== "boolean") throw new TypeError(`singleThread must be a boolean, got ${String(singleThread)}`);
  const nativeBinary = options.nativeBinary === undefined ? config.prover.nativeBinary : options.nativeBinary;
  if (nativeBinary !== null && (typeof nativeBinary !== "string" || nativeBinary === "")) {
    throw new TypeError(`nativeBinary must be null or a non-empty path, got ${String(nativeBinary)}`);
  }
  const size = workers === 0 ? availableParallelism() : workers;
  const piscina = new Piscina<ProveTask, ProveTaskResult>({
    filename: new URL("./worker.ts", import.meta.url).href,
    minThreads: size,
    maxThreads: size,
    // Must be an object: snarkjs's threads come from the web-worker package, which reads
    // workerData.mod in any worker thread to tell its own threads from others (undefined throws).
    workerData: {},
  });
  let closed: Promise<void> | undefined;
  return {
    size,
    singleThread,
    nativeBinary,
    run: (task) => piscina.run(nativeBinary === null ? task : { ...task, nativeBinary }),
    close: () => (closed ??= piscina.destroy()),
  };
}

function signalString(value: bigint | string, where: string): string {
  if (typeof value === "bigint" && value >= 0n) return value.toString();
  if (typeof value === "string" && /^(?:0|[1-9][0-9]*)$/.test(value)) return value;
  throw new TypeError(`${where} must be a non-negative bigint or canonical decimal string, got ${String(value)}`);
}

/**
 * The worker tasks for `jobs` of one circuit, validated (the same tasks whether they run on a local
 * pool or go through the queue, prover/queue.ts). Throws TypeError/RangeError naming the bad field.
 */
export function proveTasks(circuit: ProvingKeys, jobs: readonly ProofJob[], singleThread: boolean, resume: boolean): ProveTask[] {
  if (!Array.isArray(jobs)) throw new TypeError("jobs must be an array");
  for (const key of ["name", "wasmPath", "zkeyPath", "vkeyPath"] as const) {
    if (typeof circuit?.[key] !== "string" || circuit[key] === "") throw new TypeError(`circuit.${key} must be a non-empty string`);
  }
  const pin = circuit.pinnedVkeyHash ?? circuit.vkeyHash;
  if (pin !== undefined && !/^[0-9a-f]{64}$/.test(pin))
    throw new TypeError(`circuit.pinnedVkeyHash must be a sha256 (64 hex digits), got ${String(pin)}`);
  const names = new Set<string>();
  const outPaths = new Set<string>();
  return jobs.map((job: ProofJob, i: number): ProveTask => {
    const where = `jobs[${i}]`;
    if (typeof job?.name !== "string" || job.name === "") throw new TypeError(`${where}.name must be a non-empty string`);
    if (names.has(job.name)) throw new RangeError(`${where}.name ${JSON.stringify(job.name)} is used by an earlier job`);
    if (typeof job.outPath !== "string" || job.outPath === "") throw new TypeError(`${where}.outPath must be a non-empty string`);
    if (outPaths.has(job.outPath)) throw new RangeError(`${where}.outPath ${job.outPath} is used by an earlier job`);
    names.add(job.name);
    outPaths.add(job.outPath);
    let hash: string;
    try {
      hash = inputHash(job.input);
    } catch (error) {
      throw new TypeError(`${where} (${job.name}): ${(error as Error).message}`, { cause: error });
    }
    const expected = job.expectedPublicSignals?.map((s, k) => signalString(s, `${where}.expectedPublicSignals[${k}]`));
    return {
      job: job.name,
      circuit: circuit.name,
      wasmPath: circuit.wasmPath,
      zkeyPath: circuit.zkeyPath,
      vkeyPath: circuit.vkeyPath,
      ...(pin === undefined ? {} : { pinnedVkeyHash: pin }),
      input: job.input,
      inputHash: hash,
      ...(expected ? { expectedPublicSignals: expected } : {}),
      outPath: job.outPath,
      singleThread,
      resume,
    };
  });
}

/**
 * Proves every job on the pool, all submitted at once (Piscina queues what the workers cannot take
 * yet). Each proof is verified in its worker before it is written. Resolves with one result per
 * job, in job order, once all are done. If any job failed, the others still finish (their proofs
 * are written, so a rerun resumes) and then the first failed job's ProverError is thrown; every
 * failure is also reported through onProgress. Throws TypeError/RangeError before any work when
 * the arguments are malformed.
 */
export async function proveBatches(
  pool: ProverPool,
  circuit: ProvingKeys,
  jobs: readonly ProofJob[],
  options: ProveBatchesOptions = {},
): Promise<ProofJobResult[]> {
  const tasks = proveTasks(circuit, jobs, pool.singleThread, options.resume ?? true);
  let done = 0;
  const report = (progress: Omit<ProofProgress, "done" | "total">): void =>
    options.onProgress?.({ done: ++done, total: tasks.length, ...progress });
  const settled = await Promise.all(
    tasks.map(async (task): Promise<ProofJobResult | ProverError> => {
      let result: ProveTaskResult;
      try {
        result = await pool.run(task);
      } catch (cause) {
        const error = new ProverError("WORKER_FAILED", task.job, `worker failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
        report({ job: task.job, status: "failed", ms: 0, error });
        return error;
      }
      if (result.status === "failed") {
        const error = new ProverError(result.code, task.job, result.message);
        report({ job: task.job, status: "failed", ms: 0, error });
        return error;
      }
      report({ job: task.job, status: result.status, ms: result.timings.totalMs });
      const { status, publicSignals, timings } = result;
      const replaced = result.status === "proved" ? result.replaced : undefined;
      return { name: task.job, outPath: task.outPath, status, publicSignals, timings, ...(replaced === undefined ? {} : { replaced }) };
    }),
  );
  const failures = settled.filter((r): r is ProverError => r instanceof ProverError);
  const first = failures[0];
  if (first) {
    if (failures.length === 1) throw first;
    const others = failures.slice(1).map((f) => f.job);
    throw new ProverError(first.code, first.job, `${first.problem} (${others.length} more failed: ${others.join(", ")})`, {
      cause: first,
    });
  }
  return settled as ProofJobResult[];
}
