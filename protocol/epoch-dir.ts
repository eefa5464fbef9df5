/**
 * The epoch directory: the public record of one settled epoch (docs/soundness-ii.md). A skeptic
 * needs only this directory (plus data and model to recompute scores). Every file is written
 * atomically; proofs are written by the prover into proofs/ as they are made.
 *
 *   epoch.json          epoch, chainId, contracts {token, poseidon, registry, exampleVerifier,
 *                       registrationVerifier, payoutVerifier, settlement}, domain (the settlement's),
 *                       registrationDomain (the registry's), pool, total (S), dust, model
 *                       {modelHash, validationCommitment}, commit {commitExamples, commitPayouts,
 *                       total, exampleBatches, registrationBatches, payoutBatches, modelHash} (what
 *                       commitEpoch fixed), fold (the registry's F), registrants (m), exclusion (the
 *                       excluded orders, ascending), seed, exampleBatchSize, registrationBatchSize,
 *                       payoutBatchSize, circuits {example, registration, payout}, parameters
 *                       {widths, fixedPointDecimals, chainAbsorbWidth, registrationChunk}, the
 *                       public values of every batch (exampleBatches: index, chainIn, chainOut,
 *                       hashIn, jIn, hashOut, jOut, scoreSum, rlcSum, prod, rho, digest;
 *                       registrationBatches: index and every carried value in and out, prod,
 *                       rlcSum, rho, digest; payoutBatches: index, chainIn, chainOut, amountSum,
 *                       rlcSum, rho, digest), status, and once revealed `validation`
 *   registrations.json  one entry per registration in order j: order, contributor, commitment (C_j),
 *                       count, excluded, and for a kept one its salt (its hashes are its claims in
 *                       examples.json), for an excluded one the reason
 *   examples.json       the claim table: hash, j, signed score, sorted by (hash, j); the first claim
 *                       of each hash (its earliest registrant) carries the example's score, later
 *                       claims 0
 *   duplicates.json     the dedup evidence: each example claimed more than once, the credited
 *                       order and the other orders
 *   contributors.json   the payout table, one row per registration in order j: j, address, label,
 *                       amount (T_j), reward, remainder
 *   example_verification_key.json, registration_verification_key.json,
 *   payout_verification_key.json   the keys the proofs verify under
 *   proofs/example-NNN.json, proofs/registration-NNN.json, proofs/payout-NNN.json
 *   settlement.json     per-transaction gas; final balances
 *   validation.bin      the held-out validation set, revealed on chain after scoring
 *                       (validation-reveal.ts): per example 784 pixel bytes then the label byte;
 *                       its sha256 is epoch.json validation.validationSetHash. A set the trainer
 *                       brought as a file is its file byte for byte instead, in its form:
 *                       validation.npz, .jsonl, .bin, or .npy with validation-labels.npy
 *                       (trainer/validation-file.ts); its dataset/ exampleSetHash is the hash
 *   attacks.json        the demo's attack suite (demo-attacks.ts; npm run eval:attacks is the full
 *                       one): an array of rows { id: "G1".."G6" | "stealing", attack, figure
 *                       (number: payout ratio for G1/G2/G4, payout difference in base units for
 *                       G3, fraction paid zero for G5, fraction flagged for G6, thief's payout for
 *                       stealing), display (the figure in words), target, pass (boolean), note }
 *   proving.json        how the proofs were made, one entry per local proving run (trainer/prove.ts):
 *                       { runs: [{ date, backend, workers, proved, skipped, ms, circuits: [{ circuit,
 *                       proved, witnessMs, proveMs, verifyMs }] }] } (means per proof made);
 *                       informational, not checked by verify (a corrupt one is named in a warning
 *                       and replaced by the next prove run)
 *   jobs/example.json, jobs/registration.json, jobs/payout.json  the prover's jobs files
 *                       (protocol/jobs-file.ts): what the prove stage, a local pool or the
 *                       queue's workers, proves
 *
 * epoch.json also states which defences ran (defences.ts): `defences`, an array of { name
 * (exact-dedup, near-duplicates, validation-copies, label-consistency), ran, count, what }, and,
 * once revealed, `validation`: { file, labels (an .npy set's labels file), examples, validationSetHash,
 * salt, commitment, revealTx }.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CodedError } from "../errors/index.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";

export interface EpochPaths {
  readonly dir: string;
  readonly epochFile: string;
  readonly contributorsFile: string;
  readonly examplesFile: string;
  readonly duplicatesFile: string;
  readonly registrationsFile: string;
  readonly exampleKeyFile: string;
  readonly registrationKeyFile: string;
  readonly payoutKeyFile: string;
  readonly proofsDir: string;
  readonly settlementFile: string;
  readonly attacksFile: string;
  readonly provingFile: string;
  readonly exampleJobsFile: string;
  readonly registrationJobsFile: string;
  readonly payoutJobsFile: string;
  exampleProofFile(batchIndex: number): string;
  registrationProofFile(batchIndex: number): string;
  payoutProofFile(batchIndex: number): string;
}

export function epochPaths(dir: string): EpochPaths {
  const proofsDir = join(dir, "proofs");
  return {
    dir,
    epochFile: join(dir, "epoch.json"),
    contributorsFile: join(dir, "contributors.json"),
    examplesFile: join(dir, "examples.json"),
    duplicatesFile: join(dir, "duplicates.json"),
    registrationsFile: join(dir, "registrations.json"),
    exampleKeyFile: join(dir, "example_verification_key.json"),
    registrationKeyFile: join(dir, "registration_verification_key.json"),
    payoutKeyFile: join(dir, "payout_verification_key.json"),
    proofsDir,
    settlementFile: join(dir, "settlement.json"),
    attacksFile: join(dir, "attacks.json"),
    provingFile: join(dir, "proving.json"),
    exampleJobsFile: join(dir, "jobs", "example.json"),
    registrationJobsFile: join(dir, "jobs", "registration.json"),
    payoutJobsFile: join(dir, "jobs", "payout.json"),
    exampleProofFile: (i) => join(proofsDir, `example-${String(i).padStart(3, "0")}.json`),
    registrationProofFile: (i) => join(proofsDir, `registration-${String(i).padStart(3, "0")}.json`),
    payoutProofFile: (i) => join(proofsDir, `payout-${String(i).padStart(3, "0")}.json`),
  };
}

/** What makes two records the same epoch: the domain (chain, contract, epoch), the seed (it covers the whole commit), the batch sizes. */
export interface EpochIdentity {
  readonly domain: bigint;
  readonly seed: bigint;
  readonly exampleBatchSize: number;
  readonly registrationBatchSize: number;
  readonly payoutBatchSize: number;
}

/** epoch.json's fields, or undefined when the file is absent; throws `unreadable` (the read error's message) otherwise. */
function readEpochJson(paths: EpochPaths, unreadable: (message: string) => Error): Record<string, unknown> | undefined {
  if (!existsSync(paths.epochFile)) return undefined;
  let recorded: unknown;
  try {
    recorded = JSON.parse(readFileSync(paths.epochFile, "utf8"));
  } catch (error) {
    throw unreadable((error as Error).message);
  }
  if (typeof recorded !== "object" || recorded === null || Array.isArray(recorded)) throw unreadable("not a JSON object");
  return recorded as Record<string, unknown>;
}

function settledError(paths: EpochPaths, recorded: Record<string, unknown>): CodedError {
  return new CodedError(
    "EPOCH_SETTLED",
    "conflict",
    `${paths.epochFile}: epoch ${String(recorded.epoch)} is settled: its record is final and no stage rewrites it (verify and report read it as it is); give another epoch directory (--out)`,
  );
}

/**
 * Throws EPOCH_SETTLED when the epoch directory holds a settled epoch (epoch.json status
 * "settled"): every stage that writes into an existing epoch directory (witness, prove, settle)
 * calls it before it sends or writes anything. An absent epoch.json passes; an unreadable one is
 * the caller's to report (RECORD_UNREADABLE, EPOCH_DIR_IN_USE).
 */
export function assertNotSettled(paths: EpochPaths): void {
  let recorded: Record<string, unknown> | undefined;
  try {
    recorded = readEpochJson(paths, (message) => new Error(message));
  } catch {
    return;
  }
  if (recorded?.status === "settled") throw settledError(paths, recorded);
}

/**
 * Checks that `paths.dir` may take this epoch's record: it is absent or empty, or its epoch.json is
 * the same epoch not yet settled (a rerun, which keeps its valid proofs). Throws EPOCH_SETTLED
 * for a settled epoch (whichever it is), EPOCH_DIR_IN_USE otherwise, before anything is written.
 */
export function claimEpochDir(paths: EpochPaths, epoch: EpochIdentity): void {
  if (!existsSync(paths.dir) || readdirSync(paths.dir).length === 0) return;
  const recorded = readEpochJson(
    paths,
    (message) => new CodedError("EPOCH_DIR_IN_USE", "conflict", `${paths.epochFile}: unreadable (${message}); give another --out`),
  );
  if (recorded === undefined)
    throw new CodedError("EPOCH_DIR_IN_USE", "conflict", `${paths.dir} is not empty and holds no epoch.json: give another --out`);
  if (recorded.status === "settled") throw settledError(paths, recorded);
  for (const [field, value] of Object.entries(epoch)) {
    if (String(recorded[field]) !== String(value)) {
      throw new CodedError(
        "EPOCH_DIR_IN_USE",
        "conflict",
        `${paths.epochFile} ${field}: holds another epoch (${String(recorded[field])}, this one ${String(value)}); give another --out or remove the directory`,
      );
    }
  }
}

/** Creates the directory layout and copies the three verification keys in. */
export function initEpochDir(
  paths: EpochPaths,
  vkeyPaths: { readonly example: string; readonly registration: string; readonly payout: string },
): void {
  mkdirSync(paths.proofsDir, { recursive: true });
  mkdirSync(dirname(paths.exampleJobsFile), { recursive: true });
  writeFileAtomic(paths.exampleKeyFile, readFileSync(vkeyPaths.example));
  writeFileAtomic(paths.registrationKeyFile, readFileSync(vkeyPaths.registration));
  writeFileAtomic(paths.payoutKeyFile, readFileSync(vkeyPaths.payout));
}

/** Writes one JSON file of the record (bigints as decimal strings). */
export function writeRecordFile(file: string, value: unknown): void {
  writeFileAtomic(file, toJson(value));
}
