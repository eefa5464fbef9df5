/**
 * Development trusted setup: powers of tau, Groth16 zkey, verification key and the Solidity
 * verifier of a circuit instance. A local setup is for development only: whoever ran it can forge
 * proofs. Production keys come from a public powers of tau and a multi-party phase 2.
 *
 * Caching: the powers of tau (slow: minutes at 2^14) lives outside git under CACHE_DIR, keyed by
 * its size; the keys live beside the compiled circuit (build/circuits/<name>-<sourceKey>/), so a
 * change to the circuit sources or the config makes new keys. Every artifact is written
 * atomically and built under a lock, so concurrent processes share one setup.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as snarkjs from "snarkjs";
import { mainThreadCurve } from "./curve.ts";
import { compileCircuit, type CompiledCircuit } from "./compile.ts";
import { toJson, writeFileAtomic } from "../files/atomic-write.ts";
import { withFileLock } from "../files/file-lock.ts";
import { CACHE_DIR } from "./paths.ts";

const require = createRequire(import.meta.url);

export interface VerifierArtifact {
  readonly contractName: string;
  readonly abi: unknown[];
  readonly bytecode: string;
  /** vkeyHash of the verification key the verifier was generated from (absent in older builds). */
  readonly vkeyHash?: string;
}

export interface CircuitKeys extends CompiledCircuit {
  readonly zkeyPath: string;
  readonly vkeyPath: string;
  readonly vkey: Record<string, unknown>;
  /** sha256 of the verification key JSON: pins the keys a proof or a verifier belongs to. */
  readonly vkeyHash: string;
  readonly verifierSolPath: string;
  readonly verifierArtifact: VerifierArtifact;
}

export type SetupLog = (message: string) => void;

/** Smallest power of two whose domain holds the circuit (constraints + public signals + 1). */
export function ptauPowerFor(constraints: number, publicSignals: number): number {
  return Math.max(8, Math.ceil(Math.log2(constraints + publicSignals + 1)));
}

async function timed<T>(log: SetupLog, what: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  log(`${what}...`);
  const result = await work();
  log(`${what}: done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

/** A development powers of tau of size 2^power, generated once and cached outside git. */
export async function ensureDevPtau(power: number, log: SetupLog = () => {}): Promise<string> {
  const dir = join(CACHE_DIR, "ptau");
  const file = join(dir, `pot${power}_dev_final.ptau`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  return withFileLock(`${file}.lock`, async () => {
    if (existsSync(file)) return file;
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await timed(log, `powers of tau 2^${power}: new accumulator and one contribution`, async () => {
        const curve = await mainThreadCurve();
        await snarkjs.powersOfTau.newAccumulator(curve, power, `${tmp}.0`);
        await snarkjs.powersOfTau.contribute(`${tmp}.0`, `${tmp}.1`, "dev", randomBytes(32).toString("hex"));
      });
      await timed(log, `powers of tau 2^${power}: phase 2 preparation (the slow part)`, () =>
        snarkjs.powersOfTau.preparePhase2(`${tmp}.1`, tmp),
      );
      writeFileAtomic(file, readFileSync(tmp));
      return file;
    } finally {
      for (const f of [tmp, `${tmp}.0`, `${tmp}.1`]) rmSync(f, { force: true });
    }
  });
}

/** A compiled verifier: its artifact, and the runtime code a deployment leaves on chain. */
interface CompiledVerifier {
  readonly artifact: VerifierArtifact;
  /** 0x hex of solc's deployedBytecode, CBOR metadata included. */
  readonly runtime: string;
  /** Immutable references of the runtime code (none in the snarkjs template: constants only). */
  readonly immutables: number;
}

/**
 * The solc settings every Groth16 verifier is compiled with (outputs aside): part of what fixes its
 * bytecode, so verifier-runtime.ts keys its cache on them.
 */
export const VERIFIER_SOLC_SETTINGS = { optimizer: { enabled: true, runs: 1000 }, evmVersion: "cancun" } as const;

/** Compiles the snarkjs Groth16 verifier with the solc package (no compiler download). */
function compileVerifier(source: string, contractName: string): CompiledVerifier {
  const solc = require("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { [`${contractName}.sol`]: { content: source } },
    settings: {
      ...VERIFIER_SOLC_SETTINGS,
      outputSelection: {
        "*": { [contractName]: ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<
      string,
      Record<
        string,
        {
          abi: unknown[];
          evm: { bytecode: { object: string }; deployedBytecode: { object: string; immutableReferences?: Record<string, unknown[]> } };
        }
      >
    >;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`verifier ${contractName} does not compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const compiled = output.contracts[`${contractName}.sol`]![contractName]!;
  return {
    artifact: { contractName, abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` },
    runtime: `0x${compiled.evm.deployedBytecode.object}`,
    immutables: Object.keys(compiled.evm.deployedBytecode.immutableReferences ?? {}).length,
  };
}

/** The verifier contract of a circuit instance: payout_batch_4 -> PayoutBatch4Verifier. */
export function verifierContractName(circuitName: string): string {
  return `${circuitName
    .split("_")
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("")}Verifier`;
}

/** sha256 (hex) of a verification key file's text: the key hash that pins are made of. */
export function vkeyHashOfText(vkeyText: string): string {
  return createHash("sha256").update(vkeyText).digest("hex");
}

/**
 * The key hash of a zkey: the hash of the verification key file that writeKeyArtifacts() would
 * write for it (toJson of snarkjs's exported key), so a zkey and a vkey file compare directly.
 */
export async function zkeyVkeyHash(zkey: string | Uint8Array): Promise<string> {
  return vkeyHashOfText(toJson(await snarkjs.zKey.exportVerificationKey(zkey)));
}

/** The Solidity source of the snarkjs Groth16 verifier for `vkey`, named `contractName`. */
export function verifierSource(vkey: Record<string, unknown>, contractName: string): string {
  // Neither the template nor ejs is in snarkjs's package exports: locate them from its main file.
  const snarkjsMain = require.resolve("snarkjs");
  const template = readFileSync(join(dirname(snarkjsMain), "..", "templates", "verifier_groth16.sol.ejs"), "utf8");
  const ejs = createRequire(snarkjsMain)("ejs") as { render(template: string, data: object): string };
  // zKey.exportSolidityVerifier is exactly this render over the exported key.
  return ejs.render(template, vkey).replace("contract Groth16Verifier", `contract ${contractName}`);
}

/** The compiled verifier for `vkey`: deterministic (same key, solc and settings, same bytecode). */
export function verifierArtifactFor(vkey: Record<string, unknown>, contractName: string, vkeyHash: string): VerifierArtifact {
  return { ...compileVerifier(verifierSource(vkey, contractName), contractName).artifact, vkeyHash };
}

/**
 * The runtime code a deployment of the verifier for `vkey` leaves on chain (what eth_getCode
 * returns), from the same source, compiler and settings as verifierArtifactFor, and its count
 * of immutable references (slots a constructor fills in at deployment, which a byte comparison
 * would have to mask; the snarkjs template has none).
 */
export function verifierRuntimeFor(
  vkey: Record<string, unknown>,
  contractName: string,
): { readonly runtime: string; readonly immutables: number } {
  const { runtime, immutables } = verifierCodeFor(vkey, contractName);
  return { runtime, immutables };
}

/**
 * verifierRuntimeFor and the creation code too (verifierArtifactFor's bytecode: what a deployment
 * transaction of the verifier carries as its input, the verifier having no constructor arguments),
 * from one compilation.
 */
export function verifierCodeFor(
  vkey: Record<string, unknown>,
  contractName: string,
): { readonly creation: string; readonly runtime: string; readonly immutables: number } {
  const { artifact, runtime, immutables } = compileVerifier(verifierSource(vkey, contractName), contractName);
  return { creation: artifact.bytecode, runtime, immutables };
}

/**
 * Writes, into `outDir`, what a zkey gives the rest of the project: verification_key.json, the
 * Solidity verifier <Contract>.sol and its compiled verifier-artifact.json (written last: its
 * presence means the set is complete). Used by the development setup and the ceremony's finalize.
 */
export async function writeKeyArtifacts(
  name: string,
  zkeyPath: string,
  outDir: string,
  log: SetupLog = () => {},
): Promise<{ vkeyHash: string }> {
  const vkey = await snarkjs.zKey.exportVerificationKey(zkeyPath);
  const vkeyText = toJson(vkey);
  const vkeyHash = vkeyHashOfText(vkeyText);
  writeFileAtomic(join(outDir, "verification_key.json"), vkeyText);
  const contractName = verifierContractName(name);
  writeFileAtomic(join(outDir, `${contractName}.sol`), verifierSource(vkey, contractName));
  const artifact = await timed(log, `${name}: compiling ${contractName}`, async () => verifierArtifactFor(vkey, contractName, vkeyHash));
  writeFileAtomic(join(outDir, "verifier-artifact.json"), toJson(artifact));
  return { vkeyHash };
}

/** The keys in `keysDir` (verification key, verifier) with the zkey at `zkeyPath`, for `circuit`. */
export function keysFromFiles(circuit: CompiledCircuit, keysDir: string, zkeyPath: string): CircuitKeys {
  const vkeyPath = join(keysDir, "verification_key.json");
  const vkeyText = readFileSync(vkeyPath, "utf8");
  const contractName = verifierContractName(circuit.name);
  return {
    ...circuit,
    zkeyPath,
    vkeyPath,
    vkey: JSON.parse(vkeyText) as Record<string, unknown>,
    vkeyHash: vkeyHashOfText(vkeyText),
    verifierSolPath: join(keysDir, `${contractName}.sol`),
    verifierArtifact: JSON.parse(readFileSync(join(keysDir, "verifier-artifact.json"), "utf8")) as VerifierArtifact,
  };
}

function keysOf(circuit: CompiledCircuit): CircuitKeys {
  return keysFromFiles(circuit, circuit.dir, join(circuit.dir, `${circuit.name}_final.zkey`));
}

/**
 * Compiles the circuit `name` and gives it development keys: zkey, verification key and a
 * compiled Solidity verifier, all cached. The verifier artifact is the last file written, so its
 * presence means the setup is complete.
 */
export async function setupCircuit(name: string, log: SetupLog = () => {}): Promise<CircuitKeys> {
  const circuit = await compileCircuit(name);
  const artifactPath = join(circuit.dir, "verifier-artifact.json");
  if (existsSync(artifactPath)) return keysOf(circuit);
  await mainThreadCurve();
  const info = await snarkjs.r1cs.info(circuit.r1csPath);
  const ptau = await ensureDevPtau(ptauPowerFor(info.nConstraints, info.nPubInputs + info.nOutputs), log);
  await withFileLock(join(circuit.dir, "setup.lock"), async () => {
    if (existsSync(artifactPath)) return;
    const zkeyPath = join(circuit.dir, `${name}_final.zkey`);
    const zkey0 = `${zkeyPath}.0-${process.pid}`;
    const zkeyTmp = `${zkeyPath}.tmp-${process.pid}`;
    try {
      await timed(log, `${name}: Groth16 phase 2 (development, one contribution)`, async () => {
        await snarkjs.zKey.newZKey(circuit.r1csPath, ptau, zkey0);
        await snarkjs.zKey.contribute(zkey0, zkeyTmp, "dev", randomBytes(32).toString("hex"));
      });
      writeFileAtomic(zkeyPath, readFileSync(zkeyTmp));
    } finally {
      rmSync(zkey0, { force: true });
      rmSync(zkeyTmp, { force: true });
    }
    await writeKeyArtifacts(name, zkeyPath, circuit.dir, log);
  });
  return keysOf(circuit);
}
