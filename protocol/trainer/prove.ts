/**
 * Stage "prove": every proof of a jobs file on the local pool, with a progress bar. An epoch
 * directory has three jobs files (claim batches, registration batches, payout batches); the same files can go to
 * the queue instead (prover/ enqueueProofJobs). Reruns keep every valid proof (prover/ resume).
 */
import { basename, dirname, join, resolve } from "node:path";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { isAtomicTempOf } from "../../files/atomic-write.ts";
import { proveBatches, type ProofJob, type ProofJobResult, type ProverPool } from "../../prover/index.ts";
import { assertNotSettled, epochPaths, writeRecordFile } from "../epoch-dir.ts";
import { StrayProofFileError } from "../errors.ts";
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
  /**
   * Called after each job with how it ended: "proved" (made in this run), "skipped" (a valid proof
   * was already there) or "failed" (including the jobs a closed pool aborts on SIGINT).
   */
  readonly onJobDone?: (status: "proved" | "skipped" | "failed") => void;
  /** Where a warning goes (a corrupt proving.json); default stderr. */
  readonly log?: (line: string) => void;
}

/** Proves every job of `jobsFile` on `pool`. */
async function proveJobsFile(
  pool: ProverPool,
  jobsFile: string,
  options: ProveJobsOptions = {},
): Promise<(ProofJobResult & { circuit: string })[]> {
  const { keys, jobs } = readJobsFile(jobsFile);
  const bar = (options.progress ?? true) ? startProgress(`proving ${keys.name}`, jobs.length, "proofs") : undefined;
  try {
    const results = await proveBatches(pool, keys, jobs, {
      onProgress: (p) => {
        bar?.update(p.done, `${p.job} ${p.status} ${(p.ms / 1000).toFixed(1)} s`);
        options.onJobDone?.(p.status);
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

/**
 * Proves every jobs file in order; the pool is the caller's (it closes it, also on SIGINT). The
 * atomic writer's temporary files next to the jobs' proofs (left by a run killed mid-write) are
 * removed before and after.
 */
export async function proveJobsFiles(
  pool: ProverPool,
  jobsFiles: readonly string[],
  options: ProveJobsOptions = {},
): Promise<ProveSummary> {
  const start = performance.now();
  const jobs = jobsFiles.flatMap((f) => readJobsFile(f).jobs);
  removeTempProofFiles(jobs);
  const results: (ProofJobResult & { circuit: string })[] = [];
  try {
    for (const file of jobsFiles) results.push(...(await proveJobsFile(pool, file, options)));
  } finally {
    removeTempProofFiles(jobs);
  }
  const made = results.filter((r) => r.status === "proved");
  const mean = (rs: typeof made, key: "witnessMs" | "proveMs" | "verifyMs") => rs.reduce((s, r) => s + r.timings[key], 0) / rs.length;
  const circuits = [...new Set(made.map((r) => r.circuit))].map((circuit) => {
    const rs = made.filter((r) => r.circuit === circuit);
    return { circuit, proved: rs.length, witnessMs: mean(rs, "witnessMs"), proveMs: mean(rs, "proveMs"), verifyMs: mean(rs, "verifyMs") };
  });
  return { proved: made.length, skipped: results.length - made.length, ms: performance.now() - start, circuits };
}

/**
 * Refuses an epoch directory whose proofs/ holds anything but its jobs' proof files (after their
 * stale temporary files are removed): verify, report and settle count every proof file there, so a
 * stray one would make the record unreadable after proving. Throws StrayProofFileError naming them.
 */
export function refuseStrayProofFiles(dir: string, jobs: readonly ProofJob[]): void {
  const { proofsDir } = epochPaths(dir);
  if (!existsSync(proofsDir)) return;
  removeTempProofFiles(jobs);
  const ours = new Set(jobs.map((j) => resolve(j.outPath)));
  const stray = readdirSync(proofsDir)
    .filter((name) => !ours.has(resolve(proofsDir, name)))
    .sort();
  if (stray.length > 0) throw new StrayProofFileError(proofsDir, stray);
}

/**
 * The runs proving.json holds so far. It is informational (verify does not read it), so a file that
 * is not JSON or not { runs: [...] } (a write cut short by a full disk, a hand edit) must not stop
 * proving on every rerun: it is named in one warning and its runs are dropped; the run being
 * proved writes it again.
 */
function earlierRuns(file: string, log: (line: string) => void): unknown[] {
  if (!existsSync(file)) return [];
  let problem: string;
  try {
    const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
    const runs = (raw as { runs?: unknown } | null)?.runs;
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && Array.isArray(runs)) return runs;
    problem = 'expected an object with a "runs" array';
  } catch (error) {
    problem = `not JSON (${(error as Error).message})`;
  }
  log(`${file}: ${problem}; informational only (verify does not read it): its earlier runs are dropped, this run starts it again`);
  return [];
}

/**
 * Proves an epoch directory's jobs files and appends the run to its proving.json (a rerun that
 * resumes adds a run with what it made), so the report can show how long proving took and on what.
 * A settled epoch (EPOCH_SETTLED) or a stray file in proofs/ (StrayProofFileError) is refused
 * before anything is proved; a corrupt proving.json is named and replaced (earlierRuns).
 */
export async function proveEpochDir(pool: ProverPool, dir: string, options: ProveJobsOptions = {}): Promise<ProveSummary> {
  assertNotSettled(epochPaths(dir));
  refuseStrayProofFiles(
    dir,
    epochJobsFiles(dir).flatMap((f) => readJobsFile(f).jobs),
  );
  const file = epochPaths(dir).provingFile;
  const earlier = earlierRuns(file, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
  const summary = await proveJobsFiles(pool, epochJobsFiles(dir), options);
  const backend = pool.nativeBinary === null ? "snarkjs" : `native ${basename(pool.nativeBinary)}`;
  writeRecordFile(file, { runs: [...earlier, { date: new Date().toISOString(), backend, workers: pool.size, ...summary }] });
  return summary;
}

/** Removes the temporary files an aborted atomic write (files/atomic-write.ts) may have left next to the jobs' proof files. */
export function removeTempProofFiles(jobs: readonly ProofJob[]): void {
  for (const dir of new Set(jobs.map((j) => dirname(j.outPath)))) {
    const outPaths = jobs.filter((j) => dirname(j.outPath) === dir).map((j) => j.outPath);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (outPaths.some((p) => isAtomicTempOf(name, p))) rmSync(join(dir, name), { force: true });
  }
}
