/**
 * Stage "prove": every proof of a jobs file on the local pool, with a progress bar. An epoch
 * directory has three jobs files (claim batches, registration batches, payout batches); the same files can go to
 * the queue instead (prover/ enqueueProofJobs). Reruns keep every valid proof (prover/ resume).
 */
import { basename, dirname, join } from "node:path";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { proveBatches, type ProofJob, type ProofJobResult, type ProverPool } from "../../prover/index.ts";
import { epochPaths, writeRecordFile } from "../epoch-dir.ts";
import { readJobsFile } from "../jobs-file.ts";
import { startProgress } from "../progress.ts";

/** The jobs files of an epoch directory, in proving order. */
export function epochJobsFiles(dir: string): string[] {
  const paths = epochPaths(dir);
  return [paths.exampleJobsFile, paths.registrationJobsFile, paths.payoutJobsFile];
}

export interface ProveJobsOptions {
  /** Show a bar (TTY) or plain lines (default true). */
  readonly progress?: boolean;
  /** Called after each job, proved or skipped. */
  readonly onJobDone?: () => void;
}

/** Proves every job of `jobsFile` on `pool`. */
async function proveJobsFile(pool: ProverPool, jobsFile: string, options: ProveJobsOptions = {}): Promise<(ProofJobResult & { circuit: string })[]> {
  const { keys, jobs } = readJobsFile(jobsFile);
  const bar = options.progress ?? true ? startProgress(`proving ${keys.name}`, jobs.length, "proofs") : undefined;
  try {
    const results = await proveBatches(pool, keys, jobs, {
      onProgress: (p) => {
        bar?.update(p.done, `${p.job} ${p.status} ${(p.ms / 1000).toFixed(1)} s`);
        options.onJobDone?.();
      },
    });
    return results.map((r) => ({ ...r, circuit: keys.name }));
  } finally {
    bar?.stop();
  }
}

/** Mean worker times per proof made (skipped proofs excluded), per circuit. */
export interface CircuitProvingTimes {
  readonly circuit: string;
  readonly proved: number;
  readonly witnessMs: number;
  readonly proveMs: number;
  readonly verifyMs: number;
}

export interface ProveSummary {
  readonly proved: number;
  readonly skipped: number;
  readonly ms: number;
  readonly circuits: readonly CircuitProvingTimes[];
}

/** Proves every jobs file in order; the pool is the caller's (it closes it, also on SIGINT). */
export async function proveJobsFiles(pool: ProverPool, jobsFiles: readonly string[], options: ProveJobsOptions = {}): Promise<ProveSummary> {
  const start = performance.now();
  const results: (ProofJobResult & { circuit: string })[] = [];
  for (const file of jobsFiles) results.push(...(await proveJobsFile(pool, file, options)));
  const made = results.filter((r) => r.status === "proved");
  const mean = (rs: typeof made, key: "witnessMs" | "proveMs" | "verifyMs") => rs.reduce((s, r) => s + r.timings[key], 0) / rs.length;
  const circuits = [...new Set(made.map((r) => r.circuit))].map((circuit) => {
    const rs = made.filter((r) => r.circuit === circuit);
    return { circuit, proved: rs.length, witnessMs: mean(rs, "witnessMs"), proveMs: mean(rs, "proveMs"), verifyMs: mean(rs, "verifyMs") };
  });
  return { proved: made.length, skipped: results.length - made.length, ms: performance.now() - start, circuits };
}

/**
 * Proves an epoch directory's jobs files and appends the run to its proving.json (a rerun that
 * resumes adds a run with what it made), so the report can show how long proving took and on what.
 */
export async function proveEpochDir(pool: ProverPool, dir: string, options: ProveJobsOptions = {}): Promise<ProveSummary> {
  const summary = await proveJobsFiles(pool, epochJobsFiles(dir), options);
  const file = epochPaths(dir).provingFile;
  const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { runs?: unknown[] }).runs ?? [] : [];
  const backend = pool.nativeBinary === null ? "snarkjs" : `native ${basename(pool.nativeBinary)}`;
  writeRecordFile(file, { runs: [...earlier, { date: new Date().toISOString(), backend, workers: pool.size, ...summary }] });
  return summary;
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
