/**
 * Bench rows for the queue: one `prove worker` process (scripts/cli.ts) proves a set of jobs
 * from Redis; measured are the wall time from enqueue to a drained queue (so examples proved per
 * second through the queue) and the worker process's peak RSS (VmHWM of /proc/<pid>/status, all
 * its pool threads included).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../circuits/index.ts";
import { clearQueue, enqueueProofJobs, waitForQueue, type ProofJob, type ProvingKeys } from "../../prover/index.ts";

export interface QueueBenchRow {
  readonly workers: number;
  readonly jobs: number;
  readonly wallMs: number;
  readonly peakRssMiB: number;
}

function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
}

/** Proves `jobs` (outPath under `dir`) through one worker process with a pool of `workers`. */
export async function benchQueueWorker(queueUrl: string, keys: ProvingKeys, jobs: readonly ProofJob[], dir: string, workers: number): Promise<QueueBenchRow> {
  const queueName = `bench-${process.pid}-${Date.now()}`;
  const child = spawn(process.execPath, ["scripts/cli.ts", "prove", "worker", "--queue", queueUrl, "--queue-name", queueName, "--workers", String(workers)], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let text = "";
      child.stdout!.on("data", (c: Buffer) => {
        text += c.toString();
        if (text.includes("worker ready")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`queue worker exited with ${code} before it was ready`)));
    });
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
