/**
 * The prover's jobs file (README "Proving at scale"): the keys and the proofs to make,
 *   { "keys": { name, wasmPath, zkeyPath, vkeyPath, vkeyHash?, pinnedVkeyHash? },
 *     "jobs": [ { name, input, expectedPublicSignals?, outPath } ] }
 * Relative paths resolve from the file's folder, so an epoch directory on shared storage carries
 * its own jobs files (bigints are written as decimal strings, which snarkjs reads as they are).
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { toJson, writeFileAtomic } from "../files/index.ts";
import type { ProofJob, ProvingKeys } from "../prover/index.ts";

export interface JobsFile {
  readonly keys: ProvingKeys;
  readonly jobs: readonly ProofJob[];
}

/** A jobs file that is missing, not JSON, or without "keys" and a "jobs" array. */
export class JobsFileError extends Error {
  readonly code = "JOBS_FILE_INVALID";
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`jobs file ${file}: ${problem}`);
    this.name = "JobsFileError";
    this.file = file;
  }
}

const KEY_PATHS = ["wasmPath", "zkeyPath", "vkeyPath"] as const;

export function readJobsFile(path: string): JobsFile {
  const file = resolve(path);
  let raw: { keys?: unknown; jobs?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new JobsFileError(file, (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : `cannot read: ${(error as Error).message}`);
  }
  if (typeof raw.keys !== "object" || raw.keys === null || !Array.isArray(raw.jobs)) throw new JobsFileError(file, `must have "keys" and a "jobs" array`);
  const here = dirname(file);
  const keys = { ...raw.keys } as Record<string, unknown>;
  for (const k of KEY_PATHS) if (typeof keys[k] === "string") keys[k] = resolve(here, keys[k]);
  const jobs = (raw.jobs as ProofJob[]).map((j) => ({ ...j, outPath: typeof j.outPath === "string" ? resolve(here, j.outPath) : j.outPath }));
  return { keys: keys as unknown as ProvingKeys, jobs };
}

/** Writes a jobs file with its proof paths relative to its folder (keys stay absolute: they are this machine's build). */
export function writeJobsFile(path: string, { keys, jobs }: JobsFile): void {
  const here = dirname(path);
  const { name, wasmPath, zkeyPath, vkeyPath, vkeyHash, pinnedVkeyHash } = keys;
  writeFileAtomic(path, toJson({
    keys: { name, wasmPath, zkeyPath, vkeyPath, ...(vkeyHash === undefined ? {} : { vkeyHash }), ...(pinnedVkeyHash === undefined ? {} : { pinnedVkeyHash }) },
    jobs: jobs.map((j) => ({ ...j, outPath: relative(here, j.outPath) })),
  }));
}
