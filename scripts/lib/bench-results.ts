/**
 * The JSON the benchmarks write to bench-results/ and docs/benchmarks.md is rendered from: one
 * definition for the writers (scripts/bench.ts, scripts/bench-epoch.ts) and the renderer
 * (bench-docs.ts), and the check that a file read back has the fields the renderer uses.
 */
import type { BenchmarkRow } from "../../prover/benchmark.ts";
import type { BatchSizes, FlowGas } from "./bench-gas.ts";
import type { DerivedEpoch, MeasuredCosts } from "./bench-projection.ts";
import type { QueueBenchRow } from "./bench-queue.ts";

export type Circuit = "example" | "registration" | "payout";
export const CIRCUITS: readonly Circuit[] = ["example", "registration", "payout"];

/** One configured circuit instance: its rows per proof, constraints and the powers of tau it needs. */
export interface Instance {
  readonly circuit: Circuit;
  readonly batchSize: number;
  readonly constraints: number;
  readonly power: number;
}
/** Rows per proof of each circuit, named (test, demo, 2^P), and whether its flow was measured. */
export interface SizeSet {
  readonly name: string;
  readonly sizes: BatchSizes;
  readonly power: number;
  readonly measured: boolean;
}
/** PayoutBatch proving under each pool setting. */
export interface PoolResult {
  readonly batchSize: number;
  readonly constraints: number;
  readonly rows: readonly (BenchmarkRow & { readonly msPerProof: number })[];
  readonly speedup: number;
}
/** Claim proving per example with snarkjs and with a native (rapidsnark-compatible) binary on the same jobs. */
export interface NativeRow {
  readonly set: string;
  readonly batchSize: number;
  readonly snarkjsMsPerExample: number;
  readonly nativeMsPerExample: number;
  readonly speedup: number;
}
export interface MeasuredFlow {
  readonly set: string;
  readonly flow: FlowGas;
  readonly peakRssMiB: number;
}

/** bench-results/bench.json (npm run bench). */
export interface BenchResults {
  readonly date: string;
  readonly cores: number;
  /** --contributors: payees per measured flow, unless --max-proofs lowered it. */
  readonly contributors: number;
  readonly maxProofs: number;
  readonly circuits: {
    readonly shapes: Readonly<Record<Circuit, { readonly perRow: number; readonly header: number }>>;
    readonly instances: readonly Instance[];
  };
  readonly sizeSets: readonly SizeSet[];
  readonly proving: {
    readonly pool: readonly PoolResult[];
    readonly native: "skipped" | { readonly binary: string; readonly rows: readonly NativeRow[] };
    readonly queue: string | (QueueBenchRow & { readonly examplesPerSecond: number });
  };
  readonly flows: readonly MeasuredFlow[];
  /** Absent when fewer than two payout sizes were measured (nothing is derived then). */
  readonly costs?: MeasuredCosts;
  /** The derivation of each measured flow, index for index. */
  readonly derivedOfMeasured: readonly DerivedEpoch[];
  readonly derived: readonly { readonly set: string; readonly epoch: DerivedEpoch }[];
  readonly million: readonly { readonly set: string; readonly measured: boolean; readonly epoch: DerivedEpoch }[];
}

/** One proving run of bench:epoch: the pool or the queue, with its backend. */
export interface EpochRun {
  readonly mode: string;
  readonly backend: string;
  readonly workers: string;
  readonly proofs: number;
  /** Proofs made in this run (a resumed run skips the valid ones already written). */
  readonly proved: number;
  readonly wallMs: number;
  /** The proving process's, or each queue worker process's. */
  readonly peakRssMiB: readonly number[];
}

/** bench-results/bench-epoch.json (npm run bench:epoch). */
export interface EpochBenchResults {
  readonly date: string;
  readonly cores: number;
  readonly examples: number;
  readonly claims: number;
  readonly duplicates: number;
  readonly contributors: number;
  readonly exampleBatch: { readonly size: number; readonly proofs: number; readonly constraints: number };
  readonly registrationBatch: { readonly size: number; readonly proofs: number; readonly constraints: number };
  readonly payoutBatch: { readonly size: number; readonly proofs: number; readonly constraints: number };
  readonly witnessMs: number;
  readonly runs: readonly EpochRun[];
  readonly coreSecondsPerExample?: number;
  readonly projection?: readonly { readonly cores: number; readonly hours: number }[];
}

/** The transactions of a flow, by kind (bench-gas.ts FlowGas.tx). */
export const TX_KINDS = ["commit", "claim", "registration", "payout", "reveal", "finalize", "release"] as const;
export type TxKind = (typeof TX_KINDS)[number];

/** One flow's mean gas per transaction of each kind and per paid contributor, before and after. */
export interface FlowSaving {
  readonly set: string;
  readonly contributors: number;
  readonly examplesPerContributor: number;
  readonly before: { readonly perTx: Readonly<Record<TxKind, number>>; readonly perContributor: number; readonly ratio: number };
  readonly after: { readonly perTx: Readonly<Record<TxKind, number>>; readonly perContributor: number; readonly ratio: number };
}

export interface GasSaving {
  /** A short name: what the change saves (the page's row heading). */
  readonly name: string;
  /** The change, in a sentence (and its commit). */
  readonly change: string;
  readonly date: string;
  readonly flows: readonly FlowSaving[];
}

/** bench-results/gas-savings.json (npm run bench:compare, gas-savings.ts) */
export interface GasSavings {
  readonly savings: readonly GasSaving[];
}

/** Parses `text` (the file `file`), requiring the top-level fields the renderer reads; the error names the file and the field. */
function parseWith<T>(file: string, text: string, fields: readonly string[]): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null) throw new Error(`${file}: not a JSON object`);
  for (const field of fields)
    if (!(field in value)) throw new Error(`${file}: field "${field}" is missing (rerun the benchmark that writes it)`);
  return value as T;
}

export function parseBenchResults(file: string, text: string): BenchResults {
  return parseWith(file, text, [
    "date",
    "cores",
    "contributors",
    "maxProofs",
    "circuits",
    "sizeSets",
    "proving",
    "flows",
    "derivedOfMeasured",
    "derived",
    "million",
  ]);
}

export function parseGasSavings(file: string, text: string): GasSavings {
  return parseWith(file, text, ["savings"]);
}

export function parseEpochBenchResults(file: string, text: string): EpochBenchResults {
  return parseWith(file, text, [
    "date",
    "cores",
    "examples",
    "claims",
    "duplicates",
    "contributors",
    "exampleBatch",
    "registrationBatch",
    "payoutBatch",
    "witnessMs",
    "runs",
  ]);
}
