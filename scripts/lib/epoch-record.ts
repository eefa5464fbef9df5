/**
 * The epoch directory: the public record of one settled epoch (DESIGN.md). A skeptic needs only
 * this directory (plus data and model to recompute scores). Every file is written atomically;
 * proofs are written by the prover into proofs/ as they are made.
 *
 *   epoch.json          parameters, chain, contracts, domain, commitment, R, S, dust, key hashes
 *   contributors.json   the contributor table: address, label, raw score, T_c, reward, remainder
 *   verification_key.json  the key every proof of this epoch verifies under
 *   proofs/batch-NNN.json  one Groth16 proof per batch with its public signals
 *   settlement.json     per-batch transactions, gas and paid amounts; final balances
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toJson, writeFileAtomic } from "../../circuits/index.ts";

export interface EpochPaths {
  readonly dir: string;
  readonly epochFile: string;
  readonly contributorsFile: string;
  readonly verificationKeyFile: string;
  readonly proofsDir: string;
  readonly settlementFile: string;
  proofFile(batchIndex: number): string;
}

export function epochPaths(dir: string): EpochPaths {
  const proofsDir = join(dir, "proofs");
  return {
    dir,
    epochFile: join(dir, "epoch.json"),
    contributorsFile: join(dir, "contributors.json"),
    verificationKeyFile: join(dir, "verification_key.json"),
    proofsDir,
    settlementFile: join(dir, "settlement.json"),
    proofFile: (i) => join(proofsDir, `batch-${String(i).padStart(3, "0")}.json`),
  };
}

/** Creates the directory layout and copies the verification key in. */
export function initEpochDir(paths: EpochPaths, vkeyPath: string): void {
  mkdirSync(paths.proofsDir, { recursive: true });
  writeFileAtomic(paths.verificationKeyFile, readFileSync(vkeyPath));
}

/** Writes one JSON file of the record (bigints as decimal strings). */
export function writeRecordFile(file: string, value: unknown): void {
  writeFileAtomic(file, toJson(value));
}
