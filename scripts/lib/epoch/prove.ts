/**
 * Stage "prove": every proof of a jobs file on the local pool, with a progress bar. An epoch
 * directory has two jobs files (example batches, then payout batches); the same files can go to
 * the queue instead (prover/ enqueueProofJobs). Reruns keep every valid proof (prover/ resume).
 */
import { basename, dirname, join } from "node:path";
import { readdirSync, rmSync } from "node:fs";
import { proveBatches, type ProofJob, type ProofJobResult, type ProverPool } from "../../../prover/index.ts";
import { epochPaths } from "../epoch-record.ts";
import { readJobsFile } from "../jobs-file.ts";
import { startProgress } from "../progress.ts";

/** The jobs files of an epoch directory, in proving order. */
export function epochJobsFiles(dir: string): string[] {
  const paths = epochPaths(dir);
  return [paths.exampleJobsFile, paths.payoutJobsFile];
}

export interface ProveJobsOptions {
  /** Show a bar (TTY) or plain lines (default true). */
  readonly progress?: boolean;
  /** Called after each job, proved or skipped. */
  readonly onJobDone?: () => void;
}

/** Proves every job of `jobsFile` on `pool`. */
async function proveJobsFile(pool: ProverPool, jobsFile: string, options: ProveJobsOptions = {}): Promise<ProofJobResult[]> {
  const { keys, jobs } = readJobsFile(jobsFile);
  const bar = options.progress ?? true ? startProgress(`proving ${keys.name}`, jobs.length, "proofs") : undefined;
  try {
    return await proveBatches(pool, keys, jobs, {
      onProgress: (p) => {
        bar?.update(p.done, `${p.job} ${p.status} ${(p.ms / 1000).toFixed(1)} s`);
        options.onJobDone?.();
      },
    });
  } finally {
    bar?.stop();
  }
}

export interface ProveSummary {
  readonly proved: number;
  readonly skipped: number;
  readonly ms: number;
}

/** Proves every jobs file in order; the pool is the caller's (it closes it, also on SIGINT). */
export async function proveJobsFiles(pool: ProverPool, jobsFiles: readonly string[], options: ProveJobsOptions = {}): Promise<ProveSummary> {
  const start = performance.now();
  const results: ProofJobResult[] = [];
  for (const file of jobsFiles) results.push(...(await proveJobsFile(pool, file, options)));
  const proved = results.filter((r) => r.status === "proved").length;
  return { proved, skipped: results.length - proved, ms: performance.now() - start };
}

/** Removes temporary files an aborted atomic write may have left next to the jobs' proof files. */
export function removeTempProofFiles(jobs: readonly ProofJob[]): void {
  for (const dir of new Set(jobs.map((j) => dirname(j.outPath)))) {
    const prefixes = jobs.filter((j) => dirname(j.outPath) === dir).map((j) => `${basename(j.outPath)}.tmp-`);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (prefixes.some((p) => name.startsWith(p))) rmSync(join(dir, name), { force: true });
  }
}
