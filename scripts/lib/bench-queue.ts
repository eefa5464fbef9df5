/**
 * Bench rows for the queue: one `prove worker` process (scripts/cli.ts) proves a set of jobs
 * from Redis; measured are the wall time from enqueue to a drained queue (so examples proved per
 * second through the queue) and the worker process's peak RSS (VmHWM of /proc/<pid>/status, all
 * its pool threads included).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { enqueueProofJobs, waitForQueue, type ProofJob } from "../../prover/index.ts";
import type { ProvingKeys } from "../../prover/pool.ts";
import { clearQueue } from "../../prover/queue.ts";

export interface QueueBenchRow {
  readonly workers: number;
  readonly jobs: number;
  readonly wallMs: number;
  readonly peakRssMiB: number;
}

/** Peak RSS of a live process in MiB (VmHWM: all its threads). */
export function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
}

/**
 * Starts one `prove worker` process on `queueName` with a pool of `threads` (extra flags, e.g.
 * --native, appended); resolves once it says it is ready. `onLine` sees every stdout line (its
 * "proved <job> ..." lines tell which process made which proof).
 */
export function startQueueWorkerProcess(
  queueUrl: string,
  queueName: string,
  threads: number,
  extraArgs: readonly string[] = [],
  onLine?: (line: string) => void,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["scripts/cli.ts", "prove", "worker", "--queue", queueUrl, "--queue-name", queueName, "--workers", String(threads), ...extraArgs],
    {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let pending = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("worker ready")) resolve(child);
        onLine?.(line);
      }
    });
    child.once("exit", (code) => reject(new Error(`queue worker exited with ${code} before it was ready`)));
  });
}

/** Proves `jobs` (outPath under `dir`) through one worker process with a pool of `workers`. */
export async function benchQueueWorker(
  queueUrl: string,
  keys: ProvingKeys,
  jobs: readonly ProofJob[],
  dir: string,
  workers: number,
): Promise<QueueBenchRow> {
  const queueName = `bench-${process.pid}-${Date.now()}`;
  const child = await startQueueWorkerProcess(queueUrl, queueName, workers);
  try {
    const placed = jobs.map((j, i) => ({ ...j, outPath: join(dir, `queue-${i}.proof.json`) }));
    const start = performance.now();
    await enqueueProofJobs(queueUrl, keys, placed, { queueName });
    const counts = await waitForQueue(queueUrl, { queueName, intervalMs: 100 });
    const wallMs = performance.now() - start;
    if (counts.failed > 0) throw new Error(`${counts.failed} queue jobs failed`);
    return { workers, jobs: jobs.length, wallMs, peakRssMiB: peakRssMiB(child.pid!) };
  } finally {
    child.kill("SIGKILL");
    await clearQueue(queueUrl, { queueName });
  }
}
