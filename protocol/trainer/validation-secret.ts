/**
 * The trainer's validation secret: what chooses the held-out validation set (attribution/
 * secret-split.ts), so the set cannot be derived from the repository. From the environment only,
 * never a flag: TRAINER_VALIDATION_SECRET (the secret itself, at least 32 characters), else the
 * file TRAINER_VALIDATION_SECRET_FILE names, else build/trainer/validation-secret. The score and
 * witness stages (and the demo) write that file when it is absent: 32 random bytes in hex, mode
 * 0600, created exclusively so concurrent runs share one secret; the settle stage only reads it
 * (a new secret there could not open the commitment). Keep the file for as long as the epoch is
 * unsettled: the reveal needs the same set.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { CodedError } from "../../errors/index.ts";

export const VALIDATION_SECRET_ENV = "TRAINER_VALIDATION_SECRET";
export const VALIDATION_SECRET_FILE_ENV = "TRAINER_VALIDATION_SECRET_FILE";
export const DEFAULT_VALIDATION_SECRET_FILE = join(PROJECT_ROOT, "build", "trainer", "validation-secret");
const MIN_CHARS = 32;

export interface ValidationSecret {
  readonly secret: Uint8Array;
  /** Where it came from, for messages: the variable's name or the file's path (never the value). */
  readonly source: string;
}

export interface LoadSecretOptions {
  /** Write a new secret file when there is none (score, witness, demo); default false. */
  readonly create?: boolean;
  /** Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

function checked(text: string, source: string): ValidationSecret {
  const value = text.trim();
  if (value.length < MIN_CHARS)
    throw new CodedError(
      "VALIDATION_SECRET",
      "input",
      `${source}: the validation secret has ${value.length} characters, at least ${MIN_CHARS} are needed (e.g. openssl rand -hex 32)`,
    );
  return { secret: new TextEncoder().encode(value), source };
}

/** Creates `file` with a new secret, mode 0600, unless another process created it first. */
function createSecretFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(temp, 0o600); // the umask may have narrowed it, never widened; make it exact
  try {
    linkSync(temp, file); // atomic and exclusive: a secret already there is kept
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** The trainer's validation secret (see the header for where it is looked for). */
export function loadValidationSecret(options: LoadSecretOptions = {}): ValidationSecret {
  const env = options.env ?? process.env;
  const inline = env[VALIDATION_SECRET_ENV];
  if (inline !== undefined && inline !== "") return checked(inline, VALIDATION_SECRET_ENV);
  const file = resolve(env[VALIDATION_SECRET_FILE_ENV] || DEFAULT_VALIDATION_SECRET_FILE);
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (!options.create) {
      throw new CodedError(
        "VALIDATION_SECRET",
        "input",
        `no validation secret: ${file} does not exist and ${VALIDATION_SECRET_ENV} is unset; use the secret the witness stage committed with (the file it wrote, or the same variable)`,
      );
    }
    createSecretFile(file);
    mode = statSync(file).mode;
  }
  if ((mode & 0o077) !== 0)
    throw new CodedError(
      "VALIDATION_SECRET",
      "input",
      `${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${file}`,
    );
  return checked(readFileSync(file, "utf8"), file);
}
