/**
 * The runtime code of a Groth16 verifier generated from a verification key (verifierRuntimeFor),
 * cached on disk: every party's command compares the deployed verifiers with it before acting
 * (verifier-contracts/deployment-code.ts), and compiling three verifiers with the solc package
 * costs ~3 s per process (loading soljson is most of it), ~0.1 s once cached.
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
import { writeFileAtomic } from "../files/atomic-write.ts";
import { PROJECT_ROOT } from "./paths.ts";
import { VERIFIER_SOLC_SETTINGS, verifierRuntimeFor, verifierSource } from "./setup.ts";

const require = createRequire(import.meta.url);
const CACHE = join(PROJECT_ROOT, "build", "verifier-runtime");
const memo = new Map<string, string>();

/**
 * 0x hex of the runtime code a deployment of the verifier for `vkey`, named `contractName`, leaves
 * on chain (what eth_getCode returns). Throws if the verifier has immutables: its runtime code
 * would then depend on the deployment, and a byte comparison would need them masked.
 */
export function cachedVerifierRuntime(vkey: Record<string, unknown>, contractName: string): string {
  const source = verifierSource(vkey, contractName);
  const solc = (require("solc/package.json") as { version: string }).version;
  const key = createHash("sha256").update(JSON.stringify({ source, solc, settings: VERIFIER_SOLC_SETTINGS })).digest("hex");
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const file = join(CACHE, `${contractName}-${key}.hex`);
  let runtime = existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  if (runtime === undefined || !/^0x([0-9a-f]{2})+$/.test(runtime)) {
    const compiled = verifierRuntimeFor(vkey, contractName);
    if (compiled.immutables > 0) throw new Error(`${contractName} has ${compiled.immutables} immutables: its runtime code depends on the deployment`);
    runtime = compiled.runtime.toLowerCase();
    writeFileAtomic(file, `${runtime}\n`);
  }
  memo.set(key, runtime);
  return runtime;
}
