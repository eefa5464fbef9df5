/** Runs the command line (scripts/cli.ts) as a user would, on this Node; a non-zero exit is a result, not a throw. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../circuits/paths.ts";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const execFileAsync = promisify(execFile);

export async function runCli(...args: string[]): Promise<CliRun> {
  return runCliWithEnv({}, ...args);
}

/** runCli with `env` added to this process's environment. */
export async function runCliWithEnv(env: Readonly<Record<string, string>>, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(PROJECT_ROOT, "scripts", "cli.ts"), ...args], {
      cwd: PROJECT_ROOT,
      maxBuffer: 1 << 26,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
