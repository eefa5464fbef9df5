/**
 * Piscina worker: proves one job per task (snarkjs, or a native prover: prover/backend.ts), verifies the proof at once and writes the
 * proof file atomically. Loaded as `.ts` directly: Node 22.18+ strips types in worker threads too.
 *
 * Kept per worker (module level, keyed by path): the zkey bytes, the wasm bytes and the parsed
 * verification key, so a worker reads each file once however many batches it proves.
 *
 * Threads. snarkjs runs its curve arithmetic on the bn128 curve object cached in
 * `globalThis.curve_bn128`; building one compiles the curve's WebAssembly and, unless it is
 * single-threaded, starts os.cpus() threads. In snarkjs 0.7.6 the prover option `singleThread`
 * (groth16.prove's options -> zkey readHeader -> getCurveFromQ -> ffjavascript buildBn128) does
 * give a curve without threads, but builds a NEW one on every call (~150-350 ms here, as long as a
 * small proof) and never caches it; and groth16.verify takes no options at all, so it builds and
 * caches the threaded curve anyway. So in single-threaded mode the worker builds ONE
 * single-threaded curve and installs it as `globalThis.curve_bn128`: prove and verify both pick it
 * up (buildBn128 returns the cached curve whenever it is asked for a threaded one) and no thread is
 * ever started. A worker keeps the mode of its first task; the pool sends the same mode to all.
 * In threaded mode the curve's threads are children of this worker thread: Piscina's destroy()
 * terminates the worker, and Node stops a worker's child threads with it (checked: the process
 * exits by itself either way, and the thread count drops back). A terminated worker runs no more
 * JavaScript, so an in-worker `curve_bn128.terminate()` hook would never run anyway.
 */
import { existsSync, readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { backendFor } from "./backend.ts";
import type { ProverErrorCode } from "./errors.ts";
import { readProofFile, vkeyHashOf, type CircuitInput, type ProofFile } from "./proof-file.ts";

/** One job, as sent to a worker: paths and small JSON only. */
export interface ProveTask {
  /** Job name, for messages. */
  readonly job: string;
  readonly circuit: string;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
  /** The key hash the zkey and verification key must have (a pin); both are refused otherwise. */
  readonly pinnedVkeyHash?: string;
  readonly input: CircuitInput;
  /** sha256 of the canonical input JSON (proof-file.ts inputHash), computed by the caller. */
  readonly inputHash: string;
  /** Public signals as decimal strings; a proof with others is an error. */
  readonly expectedPublicSignals?: readonly string[];
  readonly outPath: string;
  readonly singleThread: boolean;
  /** A rapidsnark-compatible prover executable (prover/backend.ts); snarkjs in this thread when absent. */
  readonly nativeBinary?: string;
  /** Keep an existing proof file at outPath if it is for this circuit and input and verifies. */
  readonly resume: boolean;
}

/** Milliseconds spent on this task; loadMs is reading keys and building the curve (0 once cached). */
export interface ProveTimings {
  readonly loadMs: number;
  readonly witnessMs: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  readonly totalMs: number;
}

export type ProveTaskResult =
  | { readonly status: "skipped"; readonly publicSignals: string[]; readonly timings: ProveTimings }
  | {
      readonly status: "proved";
      readonly publicSignals: string[];
      readonly timings: ProveTimings;
      /** Why an existing file at outPath was not kept, when there was one. */
      readonly replaced?: string;
    }
  | { readonly status: "failed"; readonly code: ProverErrorCode; readonly message: string };

interface Vkey {
  readonly json: object;
  readonly hash: string;
}

type Curve = { terminate(): Promise<void> };
const global = globalThis as { curve_bn128?: Curve | null };

const bytes = new Map<string, Uint8Array>();
const vkeys = new Map<string, Vkey>();
/** zkey path -> the hash of the verification key it contains, checked once per worker. */
const zkeyHashes = new Map<string, string>();
let curveMode: "single" | "threaded" | undefined;

class TaskFailure extends Error {
  readonly code: ProverErrorCode;
  constructor(code: ProverErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function loadBytes(path: string): Uint8Array {
  let data = bytes.get(path);
  if (!data) {
    try {
      const buffer = readFileSync(path);
      // A plain Uint8Array view: fastfile reads it as { type: "mem", data } without copying.
      data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw new TaskFailure("KEYS_UNREADABLE", `cannot read ${path}: ${(error as Error).message}`);
    }
    bytes.set(path, data);
  }
  return data;
}

function loadVkey(path: string): Vkey {
  let vkey = vkeys.get(path);
  if (!vkey) {
    try {
      const text = readFileSync(path, "utf8");
      vkey = { json: JSON.parse(text) as object, hash: vkeyHashOf(text) };
    } catch (error) {
      throw new TaskFailure("KEYS_UNREADABLE", `cannot read verification key ${path}: ${(error as Error).message}`);
    }
    vkeys.set(path, vkey);
  }
  return vkey;
}

/** Refuses a verification key that is not the pinned one. */
function checkPinnedVkey(task: ProveTask, vkey: Vkey): void {
  if (task.pinnedVkeyHash !== undefined && vkey.hash !== task.pinnedVkeyHash) {
    throw new TaskFailure(
      "KEY_NOT_PINNED",
      `verification key ${task.vkeyPath} has hash ${vkey.hash}, the pinned key is ${task.pinnedVkeyHash}`,
    );
  }
}

/**
 * Refuses a zkey whose own verification key is not the verification key file's (and so, after
 * checkPinnedVkey, not the pinned one): a zkey of another ceremony would make proofs that fail on
 * chain. Computed once per zkey per worker (reads the key's header and one pairing, ~tens of ms).
 */
async function checkZkey(task: ProveTask, zkey: Uint8Array, vkey: Vkey): Promise<void> {
  let hash = zkeyHashes.get(task.zkeyPath);
  if (hash === undefined) {
    hash = vkeyHashOf(
      toJson(await step("KEYS_UNREADABLE", `cannot read zkey ${task.zkeyPath}`, () => snarkjs.zKey.exportVerificationKey(zkey))),
    );
    zkeyHashes.set(task.zkeyPath, hash);
  }
  if (hash !== vkey.hash) {
    throw new TaskFailure(
      "KEY_NOT_PINNED",
      `zkey ${task.zkeyPath} has key hash ${hash}, but ${task.pinnedVkeyHash === undefined ? `the verification key ${task.vkeyPath}` : "the pinned key"} is ${vkey.hash}: keys from another setup`,
    );
  }
}

async function ensureCurve(singleThread: boolean): Promise<void> {
  if (curveMode) return;
  if (singleThread && !global.curve_bn128) {
    global.curve_bn128 = await snarkjs.curves.getCurveFromName("bn128", { singleThread: true });
  }
  curveMode = singleThread ? "single" : "threaded";
}

/** The existing proof file at outPath if it can be kept, or why not. */
async function existingProof(task: ProveTask, vkey: Vkey): Promise<{ file: ProofFile } | { stale: string }> {
  let file: ProofFile;
  try {
    file = readProofFile(task.outPath, task.job);
  } catch (error) {
    return { stale: (error as Error).message };
  }
  if (file.circuit !== task.circuit) return { stale: `it is for circuit ${file.circuit}` };
  if (file.inputHash !== task.inputHash) return { stale: "it was made from another input" };
  if (task.expectedPublicSignals && !sameSignals(file.publicSignals, task.expectedPublicSignals)) {
    return { stale: "its public signals differ from the expected ones" };
  }
  const ok = await snarkjs.groth16.verify(vkey.json, file.publicSignals, file.proof);
  return ok ? { file } : { stale: "its proof does not verify" };
}

function sameSignals(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

async function step<T>(code: ProverErrorCode, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new TaskFailure(code, `${what}: ${(error as Error).message ?? String(error)}`);
  }
}

async function run(task: ProveTask): Promise<ProveTaskResult> {
  const start = performance.now();
  await ensureCurve(task.singleThread);
  const vkey = loadVkey(task.vkeyPath);
  checkPinnedVkey(task, vkey);
  let loadMs = performance.now() - start;
  let replaced: string | undefined;
  if (task.resume && existsSync(task.outPath)) {
    const before = performance.now();
    const existing = await existingProof(task, vkey);
    if ("file" in existing) {
      const verifyMs = performance.now() - before;
      const timings = { loadMs, witnessMs: 0, proveMs: 0, verifyMs, totalMs: performance.now() - start };
      return { status: "skipped", publicSignals: [...existing.file.publicSignals], timings };
    }
    replaced = existing.stale;
  }
  const beforeLoad = performance.now();
  const wasm = loadBytes(task.wasmPath);
  const zkey = loadBytes(task.zkeyPath);
  await checkZkey(task, zkey, vkey);
  const t0 = performance.now();
  loadMs += t0 - beforeLoad;
  // groth16.fullProve is exactly these two calls; made separately to tell a rejected input from a
  // proving failure and to time each.
  const witness: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await step("WITNESS_REJECTED", "witness calculation failed", () => snarkjs.wtns.calculate(task.input, wasm, witness));
  const t1 = performance.now();
  const backend = backendFor(task.nativeBinary);
  const { proof, publicSignals } = await step("PROVE_FAILED", `proving failed (${backend.name})`, () =>
    backend.prove({ path: task.zkeyPath, bytes: zkey }, witness.data!),
  );
  const t2 = performance.now();
  const ok = await step("PROOF_REJECTED", `the new proof (${backend.name}) cannot be checked`, () =>
    snarkjs.groth16.verify(vkey.json, publicSignals, proof),
  );
  const t3 = performance.now();
  if (!ok)
    throw new TaskFailure(
      "PROOF_REJECTED",
      `the new proof (${backend.name}) does not verify against ${task.vkeyPath}: a wrong backend output, or zkey and verification key disagree`,
    );
  if (task.expectedPublicSignals && !sameSignals(publicSignals, task.expectedPublicSignals)) {
    throw new TaskFailure(
      "PUBLIC_SIGNALS_MISMATCH",
      `public signals [${publicSignals.join(", ")}] differ from the expected [${task.expectedPublicSignals.join(", ")}]`,
    );
  }
  const file: ProofFile = {
    circuit: task.circuit,
    inputHash: task.inputHash,
    vkeyHash: vkey.hash,
    publicSignals,
    proof,
    provedAt: new Date().toISOString(),
    proveMs: Math.round(t2 - t0),
  };
  writeFileAtomic(task.outPath, toJson(file));
  const timings = { loadMs, witnessMs: t1 - t0, proveMs: t2 - t1, verifyMs: t3 - t2, totalMs: performance.now() - start };
  return { status: "proved", publicSignals, timings, ...(replaced === undefined ? {} : { replaced }) };
}

/** The Piscina task function. Domain failures come back as { status: "failed" } (a class does not cross threads). */
export default async function prove(task: ProveTask): Promise<ProveTaskResult> {
  try {
    return await run(task);
  } catch (error) {
    if (error instanceof TaskFailure) return { status: "failed", code: error.code, message: error.message };
    throw error;
  }
}
