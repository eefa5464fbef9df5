/**
 * Stage "witness": example-level scores + the registry's registrations -> the epoch directory.
 * Registers the contributors on chain (register.ts), applies the reward policy (witness/
 * applyPolicy: deliveries checked against their commitments, dedup by earliest registrant, clip,
 * sum per registration, floor split), commits the epoch on chain (commitEpoch draws the seed every
 * batch is built under), and writes the public record so far (epoch.json with status "proving",
 * the three tables, registrations with their salts, dedup evidence, the three verification keys)
 * and the prover's jobs files. The prove and settle stages read only this directory (and the chain).
 */
import { resolve, join } from "node:path";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import { exampleCircuitName, payoutCircuitName, PROJECT_ROOT, registrationCircuitName, type SetupLog } from "../../circuits/index.ts";
import { loadCircuitKeys, type KeySetKeys, type KeySetName } from "../../circuits/ceremony/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../config/index.ts";
import { commitEpoch } from "../../verifier-contracts/index.ts";
import {
  applyPolicy, buildEpochBatches, readExamplesFile, type EpochWitness, type ExampleBatch, type ExampleClaim, type PayoutBatch, type RegistrationBatch,
  type RegistrationCarry,
} from "../../witness/index.ts";
import type { Dataset } from "../../attribution/index.ts";
import type { ChainConnection } from "../chain.ts";
import { listDefences } from "./defences.ts";
import { demoContributors } from "../demo-contributors.ts";
import { claimEpochDir, epochPaths, initEpochDir, writeRecordFile, type EpochPaths } from "../epoch-dir.ts";
import { writeJobsFile } from "../jobs-file.ts";
import { contributorKeysFor, deployAndRegister, type BatchSizes, type EpochKeys, type RegisteredEpoch } from "../register.ts";
import { SettlementMismatchError } from "../errors.ts";
import { heldOutValidationSet, sealValidationSet } from "./validation-reveal.ts";
import { loadValidationSecret } from "./validation-secret.ts";

export interface WitnessEpochOptions {
  /** Example-level scores: example,contributor,score (witness/examples-file.ts). */
  readonly examplesFile: string;
  /** R in token base units. */
  readonly pool: bigint;
  readonly epoch?: bigint;
  /** Defaults: the demo sizes of config exampleBatch, registrationBatch and payoutBatch. */
  readonly exampleBatchSize?: number;
  readonly registrationBatchSize?: number;
  readonly payoutBatchSize?: number;
  /** Private keys of the contributors, who register from their own address. Default: the demo's. */
  readonly contributorKeys?: readonly string[];
  /**
   * Addresses that register their examples but never deliver them (list and salt) to the trainer:
   * the trainer excludes their registrations (one zero row each, in the committed exclusion set).
   * For tests and demos of an exclusion; default none.
   */
  readonly undelivered?: readonly string[];
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
   * Epoch directory; default epochs/<chainId>-<settlement>-<epoch>-<first 8 hex digits of the
   * seed>. One that holds another epoch is refused (EpochDirInUseError).
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
export interface EpochInputs {
  readonly examplesFile: string;
  readonly claims: readonly ExampleClaim[];
  /** Lower-case address -> private key of every registrant. */
  readonly contributorKeys: ReadonlyMap<string, string>;
  readonly keys: EpochKeys;
  readonly batchSizes: BatchSizes;
}

export interface WitnessedEpoch {
  readonly dir: string;
  readonly paths: EpochPaths;
  readonly witness: EpochWitness;
}

/** The three circuits' keys of `keySet` at `sizes`. */
export async function loadEpochKeys(sizes: BatchSizes, keySet: KeySetName, log?: SetupLog): Promise<EpochKeys> {
  const options = { keySet, ...(log ? { log } : {}) };
  return {
    example: await loadCircuitKeys(exampleCircuitName(sizes.example), options),
    registration: await loadCircuitKeys(registrationCircuitName(sizes.registration), options),
    payout: await loadCircuitKeys(payoutCircuitName(sizes.payout), options),
  };
}

export async function readEpochInputs(options: WitnessEpochOptions): Promise<EpochInputs> {
  const config = options.config ?? defaultConfig;
  const examplesFile = resolve(options.examplesFile);
  const claims = readExamplesFile(examplesFile, config);
  const contributorKeys = contributorKeysFor(claims, options.examplesFile, options.contributorKeys);
  const batchSizes = {
    example: options.exampleBatchSize ?? config.exampleBatch.demoSize,
    registration: options.registrationBatchSize ?? config.registrationBatch.demoSize,
    payout: options.payoutBatchSize ?? config.payoutBatch.demoSize,
  };
  const keys = await loadEpochKeys(batchSizes, options.keySet ?? "dev", options.log);
  return { examplesFile, claims, contributorKeys, keys, batchSizes };
}

/** The summary of a key set's circuit that the record and the results carry. */
export const circuitSummary = (k: KeySetKeys) => ({
  name: k.name, constraints: k.constraints, vkeyHash: k.pinnedVkeyHash, keySet: k.keySet, sourceKey: k.sourceKey,
  ...(k.transcript === undefined ? {} : { transcript: k.transcript }), ...(k.zkeySha256 === undefined ? {} : { zkeySha256: k.zkeySha256 }),
});

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const address = (v: bigint) => getAddress(hex(v, 40));

function proofJobs(batches: readonly (ExampleBatch | RegistrationBatch | PayoutBatch)[], label: string, file: (i: number) => string) {
  return batches.map((b) => ({ name: `${label}-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: file(b.index) }));
}

/** What the contract stores between registration batches (the prover's private list value left out). */
const carried = ({ fold, nextJ, open, state, count, senderN, excl }: RegistrationCarry) => ({ fold, nextJ, open, state, count, senderN, excl });

/** Every example's score, from the examples file: one score per hash, whoever claims it. */
export function scoresByHash(claims: readonly ExampleClaim[], examplesFile: string): Map<bigint, bigint> {
  const scores = new Map<bigint, bigint>();
  for (const c of claims) {
    const earlier = scores.get(c.hash);
    if (earlier !== undefined && earlier !== c.score) {
      throw new SettlementMismatchError(`${examplesFile} row ${c.row}: example ${hex(c.hash, 32)} is scored ${c.score}, an earlier row scored it ${earlier}: an example has one score`);
    }
    scores.set(c.hash, c.score);
  }
  return scores;
}

/** `registered` without the deliveries of `undelivered`'s registrations: what the trainer received. */
export function withoutDeliveries(registered: RegisteredEpoch, undelivered: readonly string[] | undefined): RegisteredEpoch {
  if (!undelivered?.length) return registered;
  const never = new Set(undelivered.map((a) => BigInt(a)));
  const deliveries = new Map([...registered.deliveries].filter(([order]) => !never.has(registered.registrations[order]!.contributor)));
  return { ...registered, deliveries };
}

/**
 * The policy and the protocol around it for a registered epoch: the tables, the commit, the seed
 * and every batch. The settle stage's replay calls it again and must get the same commit.
 */
export function epochWitness(registered: RegisteredEpoch, inputs: EpochInputs, pool: bigint, modelHash: string, config: ProtocolConfig): EpochWitness {
  const tables = applyPolicy({
    registrations: registered.registrations, deliveries: registered.deliveries, scores: scoresByHash(inputs.claims, inputs.examplesFile),
    pool, registrationDomain: registered.registrationDomain, config,
  });
  const batches = buildEpochBatches(tables, {
    domain: registered.domain, registrationDomain: registered.registrationDomain, fold: registered.fold, modelHash, pool,
    exampleBatchSize: inputs.batchSizes.example, registrationBatchSize: inputs.batchSizes.registration, payoutBatchSize: inputs.batchSizes.payout, config,
  });
  return { ...tables, ...batches };
}

/** Sends commitEpoch for `w` and checks the seed the contract drew is the witness's. */
export async function commitWitnessedEpoch(registered: RegisteredEpoch, epoch: bigint, w: EpochWitness): Promise<void> {
  const { settlement } = registered.deployment;
  await commitEpoch(settlement, epoch, w.commit, w.exclusionBitmap);
  const seed = (await settlement.epochState(epoch)).seed;
  if (seed !== w.seed) throw new SettlementMismatchError(`seed: the contract drew ${seed}, witness/ computes ${w.seed}`);
}

export async function witnessEpoch(chain: ChainConnection, inputs: EpochInputs, options: WitnessEpochOptions): Promise<WitnessedEpoch> {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const epoch = options.epoch ?? 1n;
  const { keys, batchSizes } = inputs;
  const modelHash = options.modelHash ?? keccak256(toUtf8Bytes("demo model"));
  const validationCommitment = (await sealValidationSet(chain.signer, chain.chainId, epoch, options.validationSet ?? heldOutValidationSet(config, options.validationSecret ?? loadValidationSecret({ create: true }).secret))).commitment;
  log(`chain: ${chain.description} (chain id ${chain.chainId})`);
  const registered = withoutDeliveries(await deployAndRegister(chain, {
    claims: inputs.claims, contributorKeys: inputs.contributorKeys, keys, batchSizes,
    pool: options.pool, epoch, validationCommitment, progress: options.progress ?? true, log,
  }), options.undelivered);
  const { addresses } = registered.deployment;
  const w = epochWitness(registered, inputs, options.pool, modelHash, config);
  await commitWitnessedEpoch(registered, epoch, w);
  const table = w.payoutTable;
  // The default name carries the seed: a deterministic development chain gives every run the same
  // settlement address, and a run on other data must not land in an earlier run's folder.
  const dir = resolve(options.outDir ?? join(PROJECT_ROOT, "epochs", `${chain.chainId}-${addresses.settlement}-${epoch}-${hex(w.seed, 64).slice(2, 10)}`));
  const paths = epochPaths(dir);
  claimEpochDir(paths, { domain: registered.domain, seed: w.seed, exampleBatchSize: batchSizes.example, registrationBatchSize: batchSizes.registration, payoutBatchSize: batchSizes.payout });
  initEpochDir(paths, { example: keys.example.vkeyPath, registration: keys.registration.vkeyPath, payout: keys.payout.vkeyPath });
  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c]));
  const record = {
    epoch, chainId: chain.chainId, contracts: addresses, domain: registered.domain, registrationDomain: registered.registrationDomain,
    pool: table.pool, total: table.total, dust: table.dust,
    model: { modelHash, validationCommitment },
    commit: w.commit, fold: registered.fold, registrants: registered.registrations.length, exclusion: w.exclusionOrders, seed: w.seed,
    exampleBatchSize: batchSizes.example, registrationBatchSize: batchSizes.registration, payoutBatchSize: batchSizes.payout,
    circuits: { example: circuitSummary(keys.example), registration: circuitSummary(keys.registration), payout: circuitSummary(keys.payout) },
    parameters: { widths: config.widths, fixedPointDecimals: config.fixedPoint.decimals, chainAbsorbWidth: config.hash.chainAbsorbWidth, registrationChunk: config.registrationBatch.chunk },
    examplesFile: inputs.examplesFile,
    ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
    defences: listDefences(options.attribution, w.duplicates.length),
    exampleBatches: w.exampleBatches.map((b) => ({
      index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, hashIn: b.hashIn, jIn: b.jIn, hashOut: b.hashOut, jOut: b.jOut,
      scoreSum: b.scoreSum, rlcSum: b.rlcSum, prod: b.prod, rho: b.rho, digest: b.digest,
    })),
    registrationBatches: w.registrationBatches.map((b) => ({ index: b.index, in: carried(b.carriedIn), out: carried(b.carriedOut), prod: b.prod, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest })),
    payoutBatches: w.payoutBatches.map((b) => ({ index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, amountSum: b.amountSum, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest })),
  };
  writeRecordFile(paths.epochFile, { ...record, status: "proving" });
  const excluded = new Map(w.exclusion.map((x) => [x.order, x]));
  writeRecordFile(paths.registrationsFile, registered.registrations.map((r) => {
    const exclusion = excluded.get(r.order);
    return {
      order: r.order, contributor: address(r.contributor), commitment: r.commitment, count: r.count, excluded: exclusion !== undefined,
      ...(exclusion ? { reason: exclusion.reason, detail: exclusion.detail } : { salt: registered.deliveries.get(r.order)!.salt }),
    };
  }));
  writeRecordFile(paths.examplesFile, w.claimTable.map((e) => ({ hash: hex(e.hash, 32), j: e.j, score: e.score })));
  writeRecordFile(paths.duplicatesFile, w.duplicates.map((x) => ({ hash: hex(x.hash, 32), creditedOrder: x.creditedOrder, alsoClaimedBy: x.alsoClaimedBy })));
  writeRecordFile(paths.contributorsFile, table.rows.map((r, j) => ({ j, ...r, address: address(r.address), label: demo.get(address(r.address).toLowerCase())?.label })));
  writeRecordFile(paths.settlementFile, { transactions: [] });
  writeJobsFile(paths.exampleJobsFile, { keys: keys.example, jobs: proofJobs(w.exampleBatches, "example", paths.exampleProofFile) });
  writeJobsFile(paths.registrationJobsFile, { keys: keys.registration, jobs: proofJobs(w.registrationBatches, "registration", paths.registrationProofFile) });
  writeJobsFile(paths.payoutJobsFile, { keys: keys.payout, jobs: proofJobs(w.payoutBatches, "payout", paths.payoutProofFile) });
  log(`epoch ${epoch} witnessed and committed: pool ${table.pool}, S ${table.total}, ${w.exclusion.length} excluded, ${w.exampleBatches.length} claim batches of ${batchSizes.example}, ${w.registrationBatches.length} registration batches of ${batchSizes.registration}, ${w.payoutBatches.length} payout batches of ${batchSizes.payout}; ${dir}`);
  return { dir, paths, witness: w };
}
