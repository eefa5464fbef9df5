/**
 * Proving backends: what turns (zkey, witness) into a Groth16 proof inside a pool worker. The
 * worker verifies every proof, from any backend, against the verification key before it writes it,
 * so a backend is trusted for speed only, never for soundness.
 *
 * - snarkjs (default): groth16.prove in the worker thread, on the zkey bytes kept in memory.
 * - native: a rapidsnark-compatible `prover` executable given by path (config prover.nativeBinary
 *   or the pool option), run as `prover <zkey> <wtns> <proof.json> <public.json>`; the witness is
 *   written to a temporary .wtns file next to nothing else and removed afterwards. rapidsnark's
 *   own `prover` has this command line; so does `snarkjs groth16 prove`, which the tests use as a
 *   stand-in when no native binary is present.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";

export interface BackendProof {
  readonly proof: Groth16Proof;
  readonly publicSignals: string[];
}

export interface ProverBackend {
  /** "snarkjs" or "native:<path>". */
  readonly name: string;
  /** Proves with the zkey (its bytes, and its path for backends that read files) and a witness in .wtns form. */
  prove(zkey: { readonly path: string; readonly bytes: Uint8Array }, wtns: Uint8Array): Promise<BackendProof>;
}

export const snarkjsBackend: ProverBackend = {
  name: "snarkjs",
  async prove(zkey, wtns) {
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey.bytes, { type: "mem", data: wtns } as never);
    return { proof, publicSignals: (publicSignals as unknown[]).map(String) };
  },
};

const run = promisify(execFile);

/** A backend running a rapidsnark-compatible prover executable at `binary`. */
export function nativeBackend(binary: string): ProverBackend {
  if (typeof binary !== "string" || binary === "") throw new TypeError(`nativeBinary must be a non-empty path, got ${String(binary)}`);
  return {
    name: `native:${binary}`,
    async prove(zkey, wtns) {
      const dir = mkdtempSync(join(tmpdir(), "native-prover-"));
      try {
        const wtnsPath = join(dir, "witness.wtns");
        const proofPath = join(dir, "proof.json");
        const publicPath = join(dir, "public.json");
        writeFileSync(wtnsPath, wtns);
        try {
          await run(binary, [zkey.path, wtnsPath, proofPath, publicPath], { maxBuffer: 16 * 1024 * 1024 });
        } catch (error) {
          const e = error as Error & { stderr?: string; code?: unknown };
          throw new Error(`${binary} failed (${String(e.code)}): ${(e.stderr ?? e.message).trim().slice(0, 500)}`);
        }
        // rapidsnark may leave out "curve"; the proof file format names both.
        const proof = {
          ...(JSON.parse(readFileSync(proofPath, "utf8")) as Groth16Proof),
          protocol: "groth16",
          curve: "bn128",
        } as Groth16Proof;
        const publicSignals = (JSON.parse(readFileSync(publicPath, "utf8")) as unknown[]).map(String);
        return { proof, publicSignals };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The backend for a task: native when a binary path is given, snarkjs otherwise. */
export function backendFor(nativeBinary: string | null | undefined): ProverBackend {
  return nativeBinary ? nativeBackend(nativeBinary) : snarkjsBackend;
}
