/**
 * Stage "witness": example-level scores + the registry's registrations -> the epoch directory.
 * Registers the contributors on chain (register.ts), applies the reward policy (witness/
 * buildEpochWitness: dedup by earliest registrant, clip, sum, floor split), and writes the public
 * record so far (epoch.json with status "proving", both tables, registrations, dedup evidence, both
 * verification keys) and the prover's jobs files. The prove and settle stages read only this
 * directory (and the chain).
 */
import { resolve, join } from "node:path";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import { exampleCircuitName, payoutCircuitName, PROJECT_ROOT, type SetupLog } from "../../../circuits/index.ts";
import { loadCircuitKeys, type KeySetKeys, type KeySetName } from "../../../circuits/ceremony/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../../config/index.ts";
import { buildEpochWitness, readExamplesFile, type EpochWitness, type ExampleBatch, type PayoutBatch } from "../../../witness/index.ts";
import type { Dataset } from "../../../attribution/index.ts";
import type { ChainConnection } from "../chain.ts";
import { listDefences } from "../defences.ts";
import { demoContributors } from "../demo-contributors.ts";
import { claimEpochDir, epochPaths, initEpochDir, writeRecordFile, type EpochPaths } from "../epoch-record.ts";
import { writeJobsFile } from "../jobs-file.ts";
import { contributorKeysFor, deployAndRegister, type RegisterOptions } from "./register.ts";
import { heldOutValidationSet, sealValidationSet } from "../validation-reveal.ts";
import { loadValidationSecret } from "../validation-secret.ts";

export interface WitnessEpochOptions {
  /** Example-level scores: example,contributor,score (witness/examples-file.ts). */
  readonly examplesFile: string;
  /** R in token base units. */
  readonly pool: bigint;
  readonly epoch?: bigint;
  /** Defaults: config.exampleBatch.demoSize and config.payoutBatch.demoSize. */
  readonly exampleBatchSize?: number;
  readonly payoutBatchSize?: number;
  /** Private keys of the contributors, who register from their own address. Default: the demo's. */
  readonly contributorKeys?: readonly string[];
  /** bytes32: hash of the trained model (default keccak256("demo model")). */
  readonly modelHash?: string;
  /**
   * The held-out set the scores were computed against: committed when registration opens,
   * revealed after scoring (validation-reveal.ts). Default: the one the trainer's secret chooses.
   */
  readonly validationSet?: Dataset;
  /** The trainer's secret choosing the default validation set; default loadValidationSecret (written when absent). */
  readonly validationSecret?: Uint8Array;
  /**
   * Which keys: "dev" (this machine's development setup; the default) or "ceremony" (the keys of a
   * verified multi-party ceremony, pinned in config/pinned-keys.json; refused if they differ).
   */
  readonly keySet?: KeySetName;
  /**
   * Epoch directory; default epochs/<chainId>-<settlement>-<epoch>-<first 8 hex digits of
   * commitExamples>. One that holds another epoch is refused (EpochDirInUseError).
   */
  readonly outDir?: string;
  readonly log?: SetupLog;
  /** Show progress bars / lines (default true). */
  readonly progress?: boolean;
  /**
   * How the scores were made, recorded as is in epoch.json: method, provider, the defences that
   * ran (exact dedup, near-duplicate stage) and the flagged examples with their evidence.
   */
  readonly attribution?: Readonly<Record<string, unknown>>;
  readonly config?: ProtocolConfig;
}

/** What the witness stage needs before it touches a chain: read and checked first, so bad input deploys nothing. */
export interface EpochInputs
  extends Pick<RegisterOptions, "claims" | "contributorKeys" | "exampleKeys" | "payoutKeys" | "exampleBatchSize" | "payoutBatchSize"> {
  readonly examplesFile: string;
}

export interface WitnessedEpoch {
  readonly dir: string;
  readonly paths: EpochPaths;
  readonly witness: EpochWitness;
}

export async function readEpochInputs(options: WitnessEpochOptions): Promise<EpochInputs> {
  const config = options.config ?? defaultConfig;
  const examplesFile = resolve(options.examplesFile);
  const claims = readExamplesFile(examplesFile, config);
  const contributorKeys = contributorKeysFor(claims, options.examplesFile, options.contributorKeys);
  const exampleBatchSize = options.exampleBatchSize ?? config.exampleBatch.demoSize;
  const payoutBatchSize = options.payoutBatchSize ?? config.payoutBatch.demoSize;
  const keySet = options.keySet ?? "dev";
  const exampleKeys = await loadCircuitKeys(exampleCircuitName(exampleBatchSize), { keySet, ...(options.log ? { log: options.log } : {}) });
  const payoutKeys = await loadCircuitKeys(payoutCircuitName(payoutBatchSize), { keySet, ...(options.log ? { log: options.log } : {}) });
  return { examplesFile, claims, contributorKeys, exampleKeys, payoutKeys, exampleBatchSize, payoutBatchSize };
}

/** The summary of a key set's circuit that the record and the results carry. */
const circuitSummary = (k: KeySetKeys) => ({
  name: k.name, constraints: k.constraints, vkeyHash: k.pinnedVkeyHash, keySet: k.keySet,
  ...(k.transcript === undefined ? {} : { transcript: k.transcript }), ...(k.zkeySha256 === undefined ? {} : { zkeySha256: k.zkeySha256 }),
});

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const address = (v: bigint) => getAddress(hex(v, 40));

function proofJobs(batches: readonly (ExampleBatch | PayoutBatch)[], label: string, file: (i: number) => string) {
  return batches.map((b) => ({ name: `${label}-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: file(b.index) }));
}

export async function witnessEpoch(chain: ChainConnection, inputs: EpochInputs, options: WitnessEpochOptions): Promise<WitnessedEpoch> {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const epoch = options.epoch ?? 1n;
  const { claims, exampleKeys, payoutKeys, exampleBatchSize, payoutBatchSize } = inputs;
  const modelHash = options.modelHash ?? keccak256(toUtf8Bytes("demo model"));
  const validationCommitment = (await sealValidationSet(chain.signer, chain.chainId, epoch, options.validationSet ?? heldOutValidationSet(config, options.validationSecret ?? loadValidationSecret({ create: true }).secret))).commitment;
  log(`chain: ${chain.description} (chain id ${chain.chainId})`);
  const { deployment, registrations, domain } = await deployAndRegister(chain, {
    claims, contributorKeys: inputs.contributorKeys, exampleKeys, payoutKeys, exampleBatchSize, payoutBatchSize,
    pool: options.pool, epoch, validationCommitment, progress: options.progress ?? true, log,
  });
  const { addresses } = deployment;

  const w = buildEpochWitness({ examples: claims, registrations, pool: options.pool, domain, exampleBatchSize, payoutBatchSize, config });
  const table = w.contributorTable;
  // The default name carries the example commitment: a deterministic development chain gives every
  // run the same settlement address, and a run on other data must not land in an earlier run's folder.
  const commitPrefix = w.commitExamples.toString(16).padStart(64, "0").slice(0, 8);
  const dir = resolve(options.outDir ?? join(PROJECT_ROOT, "epochs", `${chain.chainId}-${addresses.settlement}-${epoch}-${commitPrefix}`));
  const paths = epochPaths(dir);
  claimEpochDir(paths, { domain, commitExamples: w.commitExamples, commitContributors: w.commitContributors, exampleBatchSize, payoutBatchSize });
  initEpochDir(paths, exampleKeys.vkeyPath, payoutKeys.vkeyPath);
  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c]));
  const record = {
    epoch, chainId: chain.chainId, contracts: addresses, domain,
    pool: table.pool, total: table.total, dust: table.dust,
    model: { modelHash, validationCommitment },
    commitExamples: w.commitExamples, commitContributors: w.commitContributors, r: w.r,
    exampleBatchSize, payoutBatchSize, exampleBatchCount: w.exampleBatches.length, payoutBatchCount: w.payoutBatches.length,
    circuits: { example: { ...circuitSummary(exampleKeys), sourceKey: exampleKeys.sourceKey }, payout: { ...circuitSummary(payoutKeys), sourceKey: payoutKeys.sourceKey } },
    parameters: { widths: config.widths, fixedPointDecimals: config.fixedPoint.decimals, chainAbsorbWidth: config.hash.chainAbsorbWidth },
    examplesFile: inputs.examplesFile,
    ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
    defences: listDefences(options.attribution, w.duplicates.length),
    exampleBatches: w.exampleBatches.map((b) => ({ index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, hashIn: b.hashIn, hashOut: b.hashOut, scoreSum: b.scoreSum, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest })),
    payoutBatches: w.payoutBatches.map((b) => ({ index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, amountSum: b.amountSum, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest })),
  };
  writeRecordFile(paths.epochFile, { ...record, status: "proving" });
  writeRecordFile(paths.registrationsFile, registrations.map((r) => ({ ...r, contributor: address(r.contributor) })));
  writeRecordFile(paths.examplesFile, w.exampleTable.map((e) => ({ hash: hex(e.hash, 32), contributor: e.contributor, score: e.score })));
  writeRecordFile(paths.duplicatesFile, w.duplicates.map((x) => ({
    hash: hex(x.hash, 32), creditedTo: address(x.creditedTo), creditedOrder: x.creditedOrder,
    alsoClaimedBy: x.alsoClaimedBy.map((o) => ({ contributor: address(o.contributor), order: o.order })),
  })));
  writeRecordFile(paths.contributorsFile, table.rows.map((r, index) => ({ index, ...r, address: address(r.address), label: demo.get(address(r.address).toLowerCase())?.label })));
  writeRecordFile(paths.settlementFile, { transactions: [] });
  writeJobsFile(paths.exampleJobsFile, { keys: exampleKeys, jobs: proofJobs(w.exampleBatches, "example", paths.exampleProofFile) });
  writeJobsFile(paths.payoutJobsFile, { keys: payoutKeys, jobs: proofJobs(w.payoutBatches, "payout", paths.payoutProofFile) });
  log(`epoch ${epoch} witnessed: pool ${table.pool}, S ${table.total}, ${w.exampleBatches.length} example batches of ${exampleBatchSize}, ${w.payoutBatches.length} payout batches of ${payoutBatchSize}; ${dir}`);
  return { dir, paths, witness: w };
}
