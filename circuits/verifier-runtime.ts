/**
 * The code of a Groth16 verifier generated from a verification key (verifierCodeFor): its runtime
 * code and its creation code, cached on disk. Every party's command compares the deployed
 * verifiers with them before acting (verifier-contracts/deployment-code.ts: the code at the
 * address; deployment-creation.ts: the input of the transaction that created it), and compiling
 * three verifiers with the solc package costs ~3 s per process (loading soljson is most of it),
 * ~0.1 s once cached.
 *
 * The cache key is sha256 of what fixes the bytecode: the verifier's Solidity source (the snarkjs
 * template rendered from the key, named), the solc package's version and VERIFIER_SOLC_SETTINGS;
 * so another key, template, compiler or setting is a miss, never a stale hit. The cache lives in
 * build/ beside Hardhat's artifacts, which the same comparison already takes as the truth.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { toJson, writeFileAtomic } from "../files/atomic-write.ts";
import { PROJECT_ROOT } from "./paths.ts";
import { VERIFIER_SOLC_SETTINGS, verifierCodeFor, verifierSource } from "./setup.ts";

const require = createRequire(import.meta.url);
const CACHE = join(PROJECT_ROOT, "build", "verifier-runtime");
const memo = new Map<string, VerifierCode>();

/** A verifier's code, 0x lowercase hex. */
export interface VerifierCode {
  /** What a deployment transaction carries as its input (the verifier has no constructor arguments). */
  readonly creation: string;
  /** What that deployment leaves on chain (eth_getCode). */
  readonly runtime: string;
}

const HEX = /^0x([0-9a-f]{2})+$/;

function readCached(file: string): VerifierCode | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const { creation, runtime } = JSON.parse(readFileSync(file, "utf8")) as Partial<VerifierCode>;
    return typeof creation === "string" && typeof runtime === "string" && HEX.test(creation) && HEX.test(runtime)
      ? { creation, runtime }
      : undefined;
  } catch {
    return undefined; // a torn or foreign file: compile again and overwrite it
  }
}

/**
 * The creation and runtime code of the verifier for `vkey`, named `contractName`. Throws if the
 * verifier has immutables: its runtime code would then depend on the deployment, and a byte
 * comparison would need them masked.
 */
export function cachedVerifierCode(vkey: Record<string, unknown>, contractName: string): VerifierCode {
  const source = verifierSource(vkey, contractName);
  const solc = (require("solc/package.json") as { version: string }).version;
  const key = createHash("sha256")
    .update(JSON.stringify({ source, solc, settings: VERIFIER_SOLC_SETTINGS }))
    .digest("hex");
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const file = join(CACHE, `${contractName}-${key}.json`);
  let code = readCached(file);
  if (code === undefined) {
    const compiled = verifierCodeFor(vkey, contractName);
    if (compiled.immutables > 0)
      throw new Error(`${contractName} has ${compiled.immutables} immutables: its runtime code depends on the deployment`);
    code = { creation: compiled.creation.toLowerCase(), runtime: compiled.runtime.toLowerCase() };
    writeFileAtomic(file, toJson(code));
  }
  memo.set(key, code);
  return code;
}

/** 0x hex of the runtime code a deployment of the verifier for `vkey` leaves on chain (cachedVerifierCode). */
export function cachedVerifierRuntime(vkey: Record<string, unknown>, contractName: string): string {
  return cachedVerifierCode(vkey, contractName).runtime;
}
