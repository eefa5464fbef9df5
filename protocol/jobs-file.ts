/**
 * The prover's jobs file (docs/proving-at-scale.md): the keys and the proofs to make,
 *   { "keys": { name, wasmPath, zkeyPath, vkeyPath, vkeyHash?, pinnedVkeyHash? },
 *     "jobs": [ { name, input, expectedPublicSignals?, outPath } ] }
 * Relative paths resolve from the file's folder, so an epoch directory on shared storage carries
 * its own jobs files (bigints are written as decimal strings, which snarkjs reads as they are).
 * Every outPath stays inside the jobs file's epoch directory (jobsFileRoot).
 */
import { readFileSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import { CodedError } from "../errors/index.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { pathInside } from "../files/inside.ts";
import type { ProofJob } from "../prover/index.ts";
import type { ProvingKeys } from "../prover/pool.ts";

export interface JobsFile {
  readonly keys: ProvingKeys;
  readonly jobs: readonly ProofJob[];
}

/**
 * A jobs file that is missing, not JSON, or without "keys" and a "jobs" array (JOBS_FILE_INVALID),
 * or one with a proof path outside its epoch directory (JOBS_OUT_PATH_OUTSIDE).
 */
export class JobsFileError extends CodedError<"JOBS_FILE_INVALID" | "JOBS_OUT_PATH_OUTSIDE"> {
  readonly file: string;
  constructor(file: string, problem: string, code: JobsFileError["code"] = "JOBS_FILE_INVALID") {
    super(code, "input", `jobs file ${file}: ${problem}`);
    this.file = file;
  }
}

/**
 * The folder a jobs file's proofs must stay in: the epoch directory when the file is in its jobs/
 * folder (<epoch>/jobs/payout.json writes <epoch>/proofs/...), else the file's own folder. A jobs
 * file travels with shared storage and the queue; an outPath such as "../../x" or "/etc/x" would
 * have a prover write outside the record.
 */
export function jobsFileRoot(file: string): string {
  const here = dirname(resolve(file));
  return basename(here) === "jobs" ? dirname(here) : here;
}

/** Throws JOBS_OUT_PATH_OUTSIDE for the first job whose outPath (absolute) is not inside jobsFileRoot(file). */
function confineOutPaths(file: string, jobs: readonly { readonly outPath?: unknown }[], shown: (i: number) => unknown): void {
  const root = jobsFileRoot(file);
  jobs.forEach((j, i) => {
    if (typeof j.outPath !== "string") return; // the prover names a missing outPath
    const inside = pathInside(root, j.outPath);
    if (inside === undefined || inside === "") {
      throw new JobsFileError(
        file,
        `jobs[${i}].outPath ${JSON.stringify(shown(i))} is outside ${root}: a proof goes into the epoch directory of its jobs file (or the jobs file's folder)`,
        "JOBS_OUT_PATH_OUTSIDE",
      );
    }
  });
}

const KEY_PATHS = ["wasmPath", "zkeyPath", "vkeyPath"] as const;

export function readJobsFile(path: string): JobsFile {
  const file = resolve(path);
  let raw: { keys?: unknown; jobs?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new JobsFileError(
      file,
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : `cannot read: ${(error as Error).message}`,
    );
  }
  if (typeof raw.keys !== "object" || raw.keys === null || !Array.isArray(raw.jobs))
    throw new JobsFileError(file, `must have "keys" and a "jobs" array`);
  const here = dirname(file);
  const keys = { ...raw.keys } as Record<string, unknown>;
  for (const k of KEY_PATHS) if (typeof keys[k] === "string") keys[k] = resolve(here, keys[k]);
  const jobs = (raw.jobs as ProofJob[]).map((j) => ({
    ...j,
    outPath: typeof j.outPath === "string" ? resolve(here, j.outPath) : j.outPath,
  }));
  confineOutPaths(file, jobs, (i) => (raw.jobs as ProofJob[])[i]?.outPath);
  return { keys: keys as unknown as ProvingKeys, jobs };
}

/** Writes a jobs file with its proof paths relative to its folder (keys stay absolute: they are this machine's build). */
export function writeJobsFile(path: string, { keys, jobs }: JobsFile): void {
  const here = dirname(path);
  confineOutPaths(
    resolve(path),
    jobs.map((j) => ({ outPath: resolve(here, j.outPath) })),
    (i) => jobs[i]!.outPath,
  );
  const { name, wasmPath, zkeyPath, vkeyPath, vkeyHash, pinnedVkeyHash } = keys;
  writeFileAtomic(
    path,
    toJson({
      keys: {
        name,
        wasmPath,
        zkeyPath,
        vkeyPath,
        ...(vkeyHash === undefined ? {} : { vkeyHash }),
        ...(pinnedVkeyHash === undefined ? {} : { pinnedVkeyHash }),
      },
      jobs: jobs.map((j) => ({ ...j, outPath: relative(here, j.outPath) })),
    }),
  );
}
