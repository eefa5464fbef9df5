/**
 * Compiles circuit instances with circom2 (the circom 2 compiler built to WASM) and caches the
 * result under build/circuits/<name>-<key>/, where the key hashes every circuit source, the
 * protocol config and the compiler and gadget versions: a change to any of them rebuilds, and a
 * stale artifact is never picked up. Compilation writes to a temporary folder renamed into place,
 * so a killed build leaves nothing half-written behind.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { withFileLock } from "../files/file-lock.ts";
import { PROJECT_ROOT } from "./paths.ts";

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);

export interface CompiledCircuit {
  /** Instance name, carrying its parameters: payout_batch_31. */
  readonly name: string;
  readonly dir: string;
  readonly r1csPath: string;
  readonly wasmPath: string;
  readonly constraints: number;
  /** Hash of the circom sources (generated main files included) + toolchain that this build was made from. */
  readonly sourceKey: string;
}

const CIRCUITS_DIR = join(PROJECT_ROOT, "circuits");
/** circom2 flags; part of the cache key. --sym lets tests name witness wires. */
const COMPILER_FLAGS = ["--r1cs", "--wasm", "--sym", "--O2"] as const;

function circomSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? circomSources(join(dir, e.name)) : e.name.endsWith(".circom") ? [join(dir, e.name)] : []))
    .sort();
}

/** Hash of everything a compiled circuit depends on. */
export function circuitSourceKey(): string {
  const hash = createHash("sha256");
  for (const file of circomSources(CIRCUITS_DIR)) {
    hash.update(relative(PROJECT_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  // Not config/protocol.json itself: the circuits see it only through the generated main files
  // (hashed above; test/generated-files.test.ts keeps them in step), so a prover setting such as
  // prover.nativeBinary does not rebuild the circuits and their development keys.
  hash.update(require("circom2/package.json").version).update(require("circomlib/package.json").version);
  hash.update(COMPILER_FLAGS.join(" "));
  return hash.digest("hex").slice(0, 16);
}

/** Name of the PayoutBatch instance with `batchSize` rows. */
export function payoutCircuitName(batchSize: number): string {
  return `payout_batch_${batchSize}`;
}

/** Name of the ExampleBatch instance with `batchSize` rows. */
export function exampleCircuitName(batchSize: number): string {
  return `example_batch_${batchSize}`;
}

/** Name of the RegistrationBatch instance with `batchSize` rows. */
export function registrationCircuitName(batchSize: number): string {
  return `registration_batch_${batchSize}`;
}

/** Compiles `circuits/main/<name>.circom` unless a build for the same sources is cached. */
export async function compileCircuit(name: string): Promise<CompiledCircuit> {
  const mainFile = join(CIRCUITS_DIR, "main", `${name}.circom`);
  if (!existsSync(mainFile)) throw new Error(`no circuit main file ${relative(PROJECT_ROOT, mainFile)}: run npm run generate`);
  const sourceKey = circuitSourceKey();
  const dir = join(PROJECT_ROOT, "build", "circuits", `${name}-${sourceKey}`);
  const metaFile = join(dir, "circuit.json");
  if (!existsSync(metaFile)) {
    mkdirSync(dirname(dir), { recursive: true });
    await withFileLock(`${dir}.lock`, () => build(name, mainFile, dir, sourceKey));
  }
  const meta = JSON.parse(readFileSync(metaFile, "utf8")) as { constraints: number };
  return {
    name,
    dir,
    r1csPath: join(dir, `${name}.r1cs`),
    wasmPath: join(dir, `${name}_js`, `${name}.wasm`),
    constraints: meta.constraints,
    sourceKey,
  };
}

/** Compiles into a temporary folder renamed into place; a no-op when another process just did. */
async function build(name: string, mainFile: string, dir: string, sourceKey: string): Promise<void> {
  if (existsSync(join(dir, "circuit.json"))) return;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      [require.resolve("circom2/cli.js"), mainFile, ...COMPILER_FLAGS, "-l", join(PROJECT_ROOT, "node_modules"), "-o", tmp],
      { maxBuffer: 64 << 20 },
    );
    const match = /non-linear constraints: (\d+)/.exec(stdout);
    const linear = /(?<!non-)linear constraints: (\d+)/.exec(stdout);
    if (!match) throw new Error(`circom2 printed no constraint count for ${name}:\n${stdout}`);
    // circom's witness calculator is CommonJS; this project is ESM.
    writeFileSync(join(tmp, `${name}_js`, "package.json"), '{"type":"commonjs"}\n');
    const constraints = Number(match[1]) + Number(linear?.[1] ?? 0);
    writeFileSync(join(tmp, "circuit.json"), `${JSON.stringify({ name, constraints, sourceKey }, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
