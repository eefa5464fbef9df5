/**
 * One epoch end to end, as the demo runs it: example-level scores file -> registration on chain ->
 * reward policy (dedup by earliest registrant, clip, sum, floor split) -> both tables, their
 * commitments and r -> parallel Groth16 proofs of every ExampleBatch and PayoutBatch -> escrow,
 * verification, finalization and release on chain -> balances checked against the reference model.
 * The stages are trainer/witness.ts, trainer/prove.ts and settle.ts, which hand over through the
 * epoch directory (the command line runs each alone); this file only sequences them on one chain.
 */
import { config as defaultConfig } from "../config/index.ts";
import { createProverPool } from "../prover/index.ts";
import { connectChain } from "./chain.ts";
import { proveEpochDir } from "./trainer/prove.ts";
import { settleEpoch, type SettledEpoch } from "./settle.ts";
import { readEpochInputs, witnessEpoch, type WitnessEpochOptions } from "./trainer/witness.ts";

export { ContributorKeyError, EpochChainError, SettlementMismatchError } from "./errors.ts";
export type { CircuitSummary, ContributorResult, Transaction } from "./settle.ts";

export interface RunEpochOptions extends WitnessEpochOptions {
  /** JSON-RPC URL; undefined runs an in-process Hardhat chain. */
  readonly rpcUrl?: string;
  /** Prover workers (0 = one per core). Default: config. */
  readonly workers?: number;
}

export interface EpochResult extends SettledEpoch {
  readonly proveMs: number;
}

export async function runEpoch(options: RunEpochOptions): Promise<EpochResult> {
  const config = options.config ?? defaultConfig;
  const progress = options.progress ?? true;
  // Input first: a bad file or a contributor without a key fails before anything is deployed.
  const inputs = await readEpochInputs(options);
  const chain = await connectChain(options.rpcUrl);
  try {
    const { dir } = await witnessEpoch(chain, inputs, options);
    const prover = createProverPool(options.workers === undefined ? {} : { workers: options.workers }, config);
    let proveMs: number;
    try {
      proveMs = (await proveEpochDir(prover, dir, { progress })).ms;
    } finally {
      await prover.close();
    }
    const settled = await settleEpoch(chain, dir, { ...options, progress });
    return { ...settled, proveMs };
  } finally {
    await chain.close();
  }
}
