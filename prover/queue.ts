/**
 * Proving across machines: the pool's one task (prover/worker.ts) carried by a BullMQ queue on
 * Redis. `enqueueProofJobs` puts an epoch's jobs on the queue; `runQueueWorker` (any number, on any
 * machine that sees the same files) takes them and runs each on a local Piscina pool, which
 * verifies the proof and writes it atomically to the job's outPath (shared storage).
 *
 * No proof is duplicated in the record: a job's id is a hash of (circuit, outPath, inputHash), so
 * enqueueing the same epoch twice adds nothing, and a job that runs again (a retry after a worker
 * died, a stalled lock) finds the valid proof already at outPath and skips it (the pool's resume
 * check); the write itself is a rename, so a reader never sees half a file.
 *
 * Worker death: a worker holds a lock on its job and renews it every lockDuration/2; when a
 * process dies (kill -9) the lock lapses and another worker's stalled-job check puts the job back
 * (up to `maxStalledCount` times); a job that fails with an error is retried `attempts` times.
 */
import { createHash } from "node:crypto";
import { Queue, Worker, type Job } from "bullmq";
import { ProverError, QueueError } from "./errors.ts";
import { createProverPool, proveTasks, type ProofJob, type ProverPool, type ProvingKeys } from "./pool.ts";
import type { ProveTask, ProveTaskResult } from "./worker.ts";

/** Default queue name (BullMQ keys are `bull:<name>:...`). */
export const DEFAULT_QUEUE_NAME = "attribution-prover";

export interface QueueOptions {
  /** Queue name; default DEFAULT_QUEUE_NAME. Must not contain ":". */
  readonly queueName?: string;
  /**
   * enqueue, counts, clear and waitForQueue: how long to try to reach Redis, in ms, before failing
   * with QueueError QUEUE_UNREACHABLE (default DEFAULT_CONNECT_TIMEOUT_MS). A worker waits as long
   * as it takes instead.
   */
  readonly connectTimeoutMs?: number;
}

export interface EnqueueOptions extends QueueOptions {
  /** Tries per job when the task throws or fails (default 3). */
  readonly attempts?: number;
}

export interface QueueWorkerOptions extends QueueOptions {
  /** Jobs run at once; default the pool's size. */
  readonly concurrency?: number;
  /** The pool to prove on; default a new one from config (closed with the worker). */
  readonly pool?: ProverPool;
  /** Lock time in ms; a dead worker's job is taken back after about this long (default 30,000). */
  readonly lockDuration?: number;
  /** How often this worker looks for stalled jobs, in ms (default lockDuration). */
  readonly stalledInterval?: number;
  /** How many times a job may stall (its worker died) before it fails (default 3). */
  readonly maxStalledCount?: number;
  /** Called when a job starts, and when it ends with its status. */
  readonly onJob?: (event: QueueJobEvent) => void;
  /**
   * Where the worker's own lines go (Redis not answering, said once per outage; other queue
   * errors), default stderr. A URL in them never shows its credentials.
   */
  readonly log?: (line: string) => void;
}

export interface QueueJobEvent {
  readonly job: string;
  readonly status: "started" | "proved" | "skipped" | "failed";
  readonly attempt: number;
  readonly ms?: number;
  readonly error?: string;
}

export interface QueueWorker {
  /**
   * Stops taking jobs, waits for running ones (unless Redis is not answering: then at once),
   * closes the pool if the worker made it.
   */
  close(): Promise<void>;
}

export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
}

/** How long enqueue, counts and clear try to reach Redis before failing with QUEUE_UNREACHABLE. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * A queue URL as messages show it: user and password replaced by "***" (a URL may carry Redis
 * credentials; a log or an error message must not). A string that is no URL is shown with anything
 * between "//" and "@" replaced alike.
 */
export function shownQueueUrl(queueUrl: string): string {
  try {
    const url = new URL(queueUrl);
    if (url.username) url.username = "***";
    if (url.password) url.password = "***";
    return url.href.replace(/\/$/, "");
  } catch {
    return queueUrl.replace(/\/\/[^/]*@/, "//***@");
  }
}

/** Parses a queue URL; throws TypeError (naming the URL without credentials) unless it is redis:// or rediss://. */
export function parseQueueUrl(queueUrl: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(queueUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "") {
    throw new TypeError(
      `queueUrl must be a redis://HOST:PORT or rediss://HOST:PORT URL, got ${JSON.stringify(shownQueueUrl(String(queueUrl)))}`,
    );
  }
  return url;
}

/** The worker's connection: it blocks on Redis and waits for it as long as it takes (BullMQ requires maxRetriesPerRequest null). */
function workerConnection(queueUrl: string): { url: string; maxRetriesPerRequest: null } {
  parseQueueUrl(queueUrl);
  return { url: queueUrl, maxRetriesPerRequest: null };
}

/**
 * Opens a queue for a short command (enqueue, counts, clear): reconnect attempts stop at the
 * deadline, so an unreachable Redis is a QueueError QUEUE_UNREACHABLE after `connectTimeoutMs`,
 * never a process that retries forever. Later connection errors reject the command that meets them;
 * the listener keeps BullMQ from printing each one as a stack trace.
 */
async function openQueue<T>(queueUrl: string, options: QueueOptions): Promise<Queue<T>> {
  parseQueueUrl(queueUrl);
  const name = queueNameOf(options);
  const timeoutMs = positiveInt(options.connectTimeoutMs, "connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS);
  const deadline = Date.now() + timeoutMs;
  const queue = new Queue<T>(name, {
    connection: {
      url: queueUrl,
      connectTimeout: timeoutMs,
      retryStrategy: (times: number) => (Date.now() >= deadline ? null : Math.min(100 * times, 500)),
    },
  });
  let lastError: Error | undefined;
  queue.on("error", (error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), timeoutMs + 100);
      }),
    ]);
    return queue;
  } catch (error) {
    await queue.disconnect().catch(() => undefined);
    const why = lastError?.message ?? (error as Error).message;
    throw new QueueError(
      "QUEUE_UNREACHABLE",
      shownQueueUrl(queueUrl),
      `no Redis answered within ${timeoutMs} ms (${why}); start Redis there or give another --queue`,
      { cause: lastError ?? error },
    );
  } finally {
    clearTimeout(timer);
  }
}

function queueNameOf(options: QueueOptions): string {
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  if (typeof name !== "string" || name === "" || name.includes(":")) {
    throw new TypeError(`queueName must be a non-empty string without ":", got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The job id: the same proof (circuit, place, input) is one job however often it is enqueued. */
export function queueJobId(task: Pick<ProveTask, "circuit" | "outPath" | "inputHash">): string {
  return createHash("sha256").update(`${task.circuit}\n${task.outPath}\n${task.inputHash}`).digest("hex");
}

/**
 * Puts one job per proof on the queue (validated exactly as proveBatches does). The keys are
 * referenced by path, so every worker must see the same wasm, zkey and verification key files (and
 * the pin, when given, is checked by every worker). Resolves with the number of jobs added; jobs
 * already on the queue (same id, kept until removed) are not added again.
 */
export async function enqueueProofJobs(
  queueUrl: string,
  circuitKeysRef: ProvingKeys,
  jobs: readonly ProofJob[],
  options: EnqueueOptions = {},
): Promise<{ added: number; total: number }> {
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100)
    throw new RangeError(`attempts must be an integer in [1, 100], got ${attempts}`);
  // singleThread is the worker's choice; the queue carries the job only.
  const tasks = proveTasks(circuitKeysRef, jobs, true, true);
  const queue = await openQueue<ProveTask>(queueUrl, options);
  try {
    const ids = tasks.map(queueJobId);
    const existing = await Promise.all(ids.map((id) => queue.getJob(id)));
    await queue.addBulk(
      tasks.map((task, i) => ({
        name: task.job,
        data: task,
        opts: { jobId: ids[i]!, attempts, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    return { added: existing.filter((j) => j === undefined || j === null).length, total: tasks.length };
  } finally {
    await queue.close();
  }
}

/** The queue's job counts (progress of an epoch on the queue). */
export async function queueCounts(queueUrl: string, options: QueueOptions = {}): Promise<QueueCounts> {
  const queue = await openQueue(queueUrl, options);
  try {
    const c = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized", "waiting-children");
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c["waiting-children"] ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  } finally {
    await queue.close();
  }
}

/** Removes every job of the queue (tests, or starting an epoch over). */
export async function clearQueue(queueUrl: string, options: QueueOptions = {}): Promise<void> {
  const queue = await openQueue(queueUrl, options);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}

/**
 * Polls the queue until no job is waiting, active or delayed; calls onCounts on each poll.
 * Resolves with the last counts (check `failed`).
 */
export async function waitForQueue(
  queueUrl: string,
  options: QueueOptions & { readonly intervalMs?: number; readonly onCounts?: (counts: QueueCounts) => void } = {},
): Promise<QueueCounts> {
  for (;;) {
    const counts = await queueCounts(queueUrl, options);
    options.onCounts?.(counts);
    if (counts.waiting + counts.active + counts.delayed === 0) return counts;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

function positiveInt(value: number | undefined, name: string, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** An error of the connection to Redis (refused, reset, timed out, closed), not of a job. */
function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code))
    return true;
  return /Connection is closed|connect ETIMEDOUT|Stream isn't writeable/i.test(error.message);
}

/**
 * Takes jobs from the queue and proves each on a local pool (the same task as proveBatches). A
 * job whose task fails is failed with the ProverError's message (and retried per its attempts).
 * Resolves once Redis answered: with none at the URL it waits (saying so once through `log`).
 */
export async function runQueueWorker(queueUrl: string, options: QueueWorkerOptions = {}): Promise<QueueWorker> {
  const conn = workerConnection(queueUrl);
  const name = queueNameOf(options);
  const say = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pool = options.pool ?? createProverPool();
  const concurrency = positiveInt(options.concurrency, "concurrency", pool.size);
  const lockDuration = positiveInt(options.lockDuration, "lockDuration", 30_000);
  const stalledInterval = positiveInt(options.stalledInterval, "stalledInterval", lockDuration);
  const maxStalledCount = positiveInt(options.maxStalledCount, "maxStalledCount", 3);
  const processor = async (job: Job<ProveTask>): Promise<Extract<ProveTaskResult, { status: "proved" | "skipped" }>> => {
    const attempt = job.attemptsMade + 1;
    options.onJob?.({ job: job.data.job, status: "started", attempt });
    let result: ProveTaskResult;
    try {
      result = await pool.run({ ...job.data, singleThread: pool.singleThread, resume: true });
    } catch (cause) {
      const error = new ProverError("WORKER_FAILED", job.data.job, `worker failed: ${(cause as Error)?.message ?? String(cause)}`, {
        cause,
      });
      options.onJob?.({ job: job.data.job, status: "failed", attempt, error: error.message });
      throw error;
    }
    if (result.status === "failed") {
      const error = new ProverError(result.code, job.data.job, result.message);
      options.onJob?.({ job: job.data.job, status: "failed", attempt, error: error.message });
      throw error;
    }
    options.onJob?.({ job: job.data.job, status: result.status, attempt, ms: result.timings.totalMs });
    return result;
  };
  const worker = new Worker<ProveTask>(name, processor, { connection: conn, concurrency, lockDuration, stalledInterval, maxStalledCount });
  // ioredis retries a lost connection for ever (a worker may wait for Redis); each attempt is an
  // error event. Say once that the worker is waiting, and again only after Redis answered.
  let waiting = false;
  const answered = () => {
    if (waiting) say(`queue worker: Redis at ${shownQueueUrl(queueUrl)} answered`);
    waiting = false;
  };
  worker.on("error", (error) => {
    if (!isConnectionError(error)) {
      say(`queue worker: ${error.message}`);
      return;
    }
    if (waiting) return;
    waiting = true;
    say(`queue worker: waiting for Redis at ${shownQueueUrl(queueUrl)} (${error.message}); retrying until it answers`);
  });
  // Redis answered: one of the worker's connections (main or blocking) is ready again, or it took a job.
  worker.getBackend().on("ready", answered);
  worker.on("active", answered);
  await worker.waitUntilReady();
  let closed: Promise<void> | undefined;
  return {
    close: () =>
      (closed ??= (async () => {
        // Waiting for Redis, a graceful close would wait for it too: give the running jobs up
        // instead (their locks lapse and another worker retries them).
        await worker.close(waiting);
        if (!options.pool) await pool.close();
      })()),
  };
}
