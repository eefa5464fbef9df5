/**
 * Measures the prover settings against each other on the same jobs, to choose workers x threads by
 * circuit size (TOOLCHAIN.md: small circuits favour single-threaded workers, large ones snarkjs's
 * own threads). Every setting proves and verifies every job twice: "cold" includes starting the
 * workers, reading the keys and building the curve; "warm" is a second round on the same workers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { createProverPool, proveBatches, type ProofJob, type ProvingKeys } from "./pool.ts";

export type BenchmarkSetting =
  | { readonly label: string; readonly workers: number; readonly singleThread: boolean; readonly nativeBinary?: string }
  /** groth16.fullProve + verify one job after another in the calling thread, with snarkjs's own threads. */
  | { readonly label: string; readonly mainThread: true };

export interface BenchmarkRow {
  readonly label: string;
  readonly jobs: number;
  readonly coldMs: number;
  readonly warmMs: number;
}

type Curve = { terminate(): Promise<void> };
const global = globalThis as { curve_bn128?: Curve | null };

async function timeIt(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function mainThreadRound(circuit: ProvingKeys & { vkey: object }, jobs: readonly ProofJob[]): Promise<void> {
  for (const job of jobs) {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(job.input, circuit.wasmPath, circuit.zkeyPath);
    if (!(await snarkjs.groth16.verify(circuit.vkey, publicSignals, proof))) throw new Error(`${job.name}: proof does not verify`);
  }
}

/**
 * Runs every setting on `jobs` (their outPath is ignored: proofs go to a temporary folder, removed
 * after). A main-thread setting builds snarkjs's threaded curve in this thread; it is terminated
 * afterwards unless it existed before.
 */
export async function benchmarkProving(
  circuit: ProvingKeys & { vkey: object },
  jobs: readonly ProofJob[],
  settings: readonly BenchmarkSetting[],
): Promise<BenchmarkRow[]> {
  const rows: BenchmarkRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), "prover-bench-"));
  try {
    for (const [s, setting] of settings.entries()) {
      const scratch = jobs.map((job, i) => ({ ...job, outPath: join(dir, `${s}-${i}.json`) }));
      if ("mainThread" in setting) {
        const hadCurve = Boolean(global.curve_bn128);
        const coldMs = await timeIt(() => mainThreadRound(circuit, jobs));
        const warmMs = await timeIt(() => mainThreadRound(circuit, jobs));
        if (!hadCurve) await global.curve_bn128?.terminate();
        rows.push({ label: setting.label, jobs: jobs.length, coldMs, warmMs });
        continue;
      }
      let pool: ReturnType<typeof createProverPool> | undefined;
      try {
        const coldMs = await timeIt(async () => {
          pool = createProverPool({
            workers: setting.workers,
            singleThread: setting.singleThread,
            nativeBinary: setting.nativeBinary ?? null,
          });
          await proveBatches(pool, circuit, scratch, { resume: false });
        });
        const warmMs = await timeIt(() => proveBatches(pool!, circuit, scratch, { resume: false }));
        rows.push({ label: setting.label, jobs: jobs.length, coldMs, warmMs });
      } finally {
        await pool?.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
