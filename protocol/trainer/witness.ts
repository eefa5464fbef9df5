/**
 * The trainer's stage "witness": the registrations (the registry's Registered events; nothing is
 * registered here), the deliveries collect accepted and the scores by hash -> the epoch directory.
 * Applies the reward policy (witness/
 * applyPolicy: deliveries checked against their commitments, dedup by earliest registrant, clip,
 * sum per registration, floor split), commits the epoch on chain (commitEpoch draws the seed every
 * batch is built under), and writes the public record so far (epoch.json with status "proving",
 * the three tables, registrations with their salts, dedup evidence, the three verification keys)
 * and the prover's jobs files. The prove and settle stages read only this directory (and the chain).
 */
import { existsSync } from "node:fs";
import { resolve, join } from "node:path";
import { getAddress, ZeroHash, type Signer } from "ethers";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../../circuits/index.ts";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import type { SetupLog } from "../../circuits/setup.ts";
import { loadCircuitKeys, type KeySetKeys, type KeySetName } from "../../circuits/ceremony/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../config/index.ts";
import { CodedError } from "../../errors/index.ts";
import { commitEpoch, EpochStatus, readRegistrations } from "../../verifier-contracts/index.ts";
import {
  applyPolicy,
  buildEpochBatches,
  type EpochWitness,
  type ExampleBatch,
  type PayoutBatch,
  type RegistrationBatch,
} from "../../witness/index.ts";
import { emptyCommit } from "../../witness/empty-commit.ts";
import type { RegistrationCarry } from "../../witness/registration-batches.ts";
import { demoContributors } from "../demo-contributors.ts";
import type { BatchSizes, ProtocolDeployment } from "../deployment.ts";
import { assertNotSettled, claimEpochDir, epochPaths, initEpochDir, writeRecordFile, type EpochPaths } from "../epoch-dir.ts";
import { writeJobsFile } from "../jobs-file.ts";
import type { Collected } from "./collect.ts";
import { listDefences } from "./defences.ts";
import { assertEpochTrainer } from "./epoch-trainer.ts";

/** The three circuits' keys, as the stages load them. */
export interface EpochKeys {
  readonly example: KeySetKeys;
  readonly registration: KeySetKeys;
  readonly payout: KeySetKeys;
}

export interface WitnessEpochOptions {
  /** The deployment, connected to the trainer's signer (it commits). */
  readonly deployment: ProtocolDeployment;
  readonly epoch: bigint;
  /** What collect recorded: who delivered (hashes and salt), who is excluded. */
  readonly collected: Collected;
  /** Every delivered example's signed fixed-point score, by hash (the contributor comes from the registrations). */
  readonly scores: ReadonlyMap<bigint, bigint>;
  /** Where the scores came from: named in errors and recorded. */
  readonly scoresFile: string;
  /** bytes32: hash of the trained model. */
  readonly modelHash: string;
  /**
   * Epoch directory; default epochs/<chainId>-<settlement>-<epoch>-<first 8 hex digits of the
   * seed>. One that holds another epoch is refused (EPOCH_DIR_IN_USE).
   */
  readonly outDir?: string;
  readonly log?: SetupLog;
  /**
   * How the scores were made, recorded as is in epoch.json: method, provider, the defences that
   * ran (exact dedup, near-duplicate stage) and the flagged examples with their evidence.
   */
  readonly attribution?: Readonly<Record<string, unknown>>;
  readonly config?: ProtocolConfig;
}

export interface WitnessedEpoch {
  readonly dir: string;
  readonly paths: EpochPaths;
  readonly witness: EpochWitness;
  /** False when the epoch was already committed with this witness's seed (a rerun). */
  readonly committed: boolean;
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

/** The summary of a key set's circuit that the record and the results carry. */
export const circuitSummary = (k: KeySetKeys) => ({
  name: k.name,
  constraints: k.constraints,
  vkeyHash: k.pinnedVkeyHash,
  keySet: k.keySet,
  sourceKey: k.sourceKey,
  ...(k.transcript === undefined ? {} : { transcript: k.transcript }),
  ...(k.zkeySha256 === undefined ? {} : { zkeySha256: k.zkeySha256 }),
});

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const address = (v: bigint) => getAddress(hex(v, 40));

function proofJobs(batches: readonly (ExampleBatch | RegistrationBatch | PayoutBatch)[], label: string, file: (i: number) => string) {
  return batches.map((b) => ({
    name: `${label}-${b.index}`,
    input: b.input,
    expectedPublicSignals: b.publicSignals,
    outPath: file(b.index),
  }));
}

/** What the contract stores between registration batches (the prover's private list value left out). */
const carried = ({ fold, nextJ, open, state, count, senderN, excl }: RegistrationCarry) => ({
  fold,
  nextJ,
  open,
  state,
  count,
  senderN,
  excl,
});

const sortHashes = (hashes: readonly bigint[]) => [...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The on-chain side of an epoch the witness needs: registrations (events), domains, fold, pool.
 * The deployment's signer must be the epoch's trainer (NOT_THE_TRAINER): it commits.
 */
async function readEpochChain(deployment: ProtocolDeployment, epoch: bigint) {
  const { registry, settlement } = deployment;
  await assertEpochTrainer(settlement, epoch, settlement.runner as Signer);
  const state = await settlement.epochState(epoch);
  if (state.status !== EpochStatus.Registration && state.status !== EpochStatus.Committed) {
    throw new CodedError(
      "EPOCH_NOT_COMMITTABLE",
      "input",
      `epoch ${epoch} of settlement ${deployment.addresses.settlement} is ${statusName(state.status)}: only an open or committed epoch is witnessed`,
    );
  }
  if (!(await registry.registrationClosed(epoch)))
    throw new CodedError(
      "REGISTRATION_OPEN",
      "input",
      `registration of epoch ${epoch} is still open: run collect first (it waits for the deadline)`,
    );
  return {
    state,
    registrations: await readRegistrations(registry, epoch),
    domain: await settlement.domain(epoch),
    registrationDomain: await registry.registrationDomain(epoch),
    fold: await registry.registrationFold(epoch),
    validationCommitment: await registry.validationCommitment(epoch),
  };
}

/**
 * The default epoch directory: `base`, or when `base` holds a settled record (a deterministic
 * development chain gives a rerun of the demo the same settlement and seed), the first of
 * base-2, base-3, ... that does not: a settled record is never written again.
 */
function defaultEpochDir(base: string): string {
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      assertNotSettled(epochPaths(dir));
      return dir;
    } catch {
      // settled: try the next
    }
  }
}

export const statusName = (status: bigint) => Object.entries(EpochStatus).find(([, v]) => v === status)?.[0] ?? `status ${status}`;

/** Every hash of a delivered registration must have a score: the policy pays on them. */
function checkScores(collected: Collected, scores: ReadonlyMap<bigint, bigint>, scoresFile: string): void {
  for (const d of collected.delivered) {
    const missing = d.hashes.find((h) => !scores.has(h));
    if (missing !== undefined) {
      throw new CodedError(
        "SCORE_MISSING",
        "input",
        `${scoresFile}: no score for example ${hex(missing, 32)} of registration ${d.order} (${d.contributor}); every delivered example needs one`,
      );
    }
  }
}

/** collected.json must be this epoch's, of this deployment. */
function checkCollected(collected: Collected, deployment: ProtocolDeployment, epoch: bigint): void {
  if (
    collected.chainId !== deployment.chainId ||
    collected.settlement.toLowerCase() !== deployment.addresses.settlement.toLowerCase() ||
    collected.epoch !== epoch
  ) {
    throw new CodedError(
      "COLLECTED_OTHER_EPOCH",
      "input",
      `collected.json is for epoch ${collected.epoch} of ${collected.settlement} on chain ${collected.chainId}, not epoch ${epoch} of ${deployment.addresses.settlement} on chain ${deployment.chainId}`,
    );
  }
}

export interface EmptyEpochOptions {
  /** The deployment, connected to the trainer's signer (it commits). */
  readonly deployment: ProtocolDeployment;
  readonly epoch: bigint;
  /** What collect recorded: nobody delivered. */
  readonly collected: Collected;
  readonly log?: SetupLog;
}

export interface EmptyEpoch {
  readonly registrants: number;
  /** False when the epoch already holds this empty commit (a rerun). */
  readonly committed: boolean;
  /** When the contest window ends: from then on the operator can cancel the epoch (its pool refunded). */
  readonly contestEndsAt: bigint;
}

/**
 * The witness stage of an epoch nobody delivered to: every registration is excluded and S = 0,
 * committed as PayoutSettlement's empty commit. Nothing is proven or paid: a registrant holding the
 * trainer's Delivery receipt can void it during the contest window; after it the operator's
 * `epoch cancel` refunds the pool.
 */
export async function commitEmptyEpoch(options: EmptyEpochOptions): Promise<EmptyEpoch> {
  const log = options.log ?? (() => {});
  const { deployment, epoch, collected } = options;
  checkCollected(collected, deployment, epoch);
  if (collected.delivered.length !== 0)
    throw new RangeError(`an empty commit is for an epoch nobody delivered to; ${collected.delivered.length} delivered`);
  const chain = await readEpochChain(deployment, epoch);
  const registrants = chain.registrations.length;
  if (registrants === 0)
    throw new CodedError(
      "NOBODY_REGISTERED",
      "input",
      `nobody registered for epoch ${epoch}: there is nothing to commit; the operator cancels it (epoch cancel --epoch ${epoch})`,
    );
  const { settlement } = deployment;
  let committed = false;
  if (chain.state.status === EpochStatus.Committed) {
    if (chain.state.total !== 0n)
      throw new CodedError(
        "EPOCH_COMMITTED_OTHER",
        "input",
        `epoch ${epoch} is already committed with S = ${chain.state.total}, but collected.json has no delivery: another collect than the committed one`,
      );
    log(`epoch ${epoch}: the empty commit is already on chain (a rerun): nothing sent`);
  } else {
    // No model: trained on nobody's data, and the contract records none for an empty commit.
    const empty = emptyCommit(registrants, deployment.batchSizes.payout, ZeroHash);
    await commitEpoch(settlement, epoch, empty.commit, empty.exclusionBitmap);
    committed = true;
  }
  const contestEndsAt = (await settlement.epochState(epoch)).committedAt + (await settlement.contestWindow());
  log(
    `epoch ${epoch}: none of its ${registrants} registration(s) delivered: empty commit${committed ? " sent" : ""}; open to contests until ${new Date(Number(contestEndsAt) * 1000).toISOString()}, then the operator cancels it and the pool is refunded`,
  );
  return { registrants, committed, contestEndsAt };
}

/**
 * The trainer's witness stage: the registrations from the chain's events, the deliveries collect
 * accepted, the scores by hash -> the policy's tables, the commit (sent from the trainer's key
 * unless a rerun finds it made with this seed), every batch, and the epoch directory.
 */
export async function witnessEpoch(options: WitnessEpochOptions): Promise<WitnessedEpoch> {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const { deployment, epoch, collected } = options;
  checkCollected(collected, deployment, epoch);
  checkScores(collected, options.scores, options.scoresFile);
  // A settled epoch's folder is final: refused before anything is read from the chain or sent.
  if (options.outDir !== undefined) assertNotSettled(epochPaths(resolve(options.outDir)));
  const keys = await loadEpochKeys(deployment.batchSizes, deployment.keySet, options.log);
  const chain = await readEpochChain(deployment, epoch);
  const deliveries = new Map(collected.delivered.map((d) => [d.order, { salt: d.salt, hashes: sortHashes(d.hashes) }]));
  const pool = chain.state.pool;
  const tables = applyPolicy({
    registrations: chain.registrations,
    deliveries,
    scores: options.scores,
    pool,
    registrationDomain: chain.registrationDomain,
    config,
  });
  const batchSizes = deployment.batchSizes;
  const batches = buildEpochBatches(tables, {
    domain: chain.domain,
    registrationDomain: chain.registrationDomain,
    fold: chain.fold,
    modelHash: options.modelHash,
    pool,
    exampleBatchSize: batchSizes.example,
    registrationBatchSize: batchSizes.registration,
    payoutBatchSize: batchSizes.payout,
    config,
  });
  const w: EpochWitness = { ...tables, ...batches };
  const dir = resolve(
    options.outDir ??
      defaultEpochDir(
        join(PROJECT_ROOT, "epochs", `${deployment.chainId}-${deployment.addresses.settlement}-${epoch}-${hex(w.seed, 64).slice(2, 10)}`),
      ),
  );
  const paths = epochPaths(dir);
  claimEpochDir(paths, {
    domain: chain.domain,
    seed: w.seed,
    exampleBatchSize: batchSizes.example,
    registrationBatchSize: batchSizes.registration,
    payoutBatchSize: batchSizes.payout,
  });

  let committed = false;
  if (chain.state.status === EpochStatus.Committed) {
    if (chain.state.seed !== w.seed)
      throw new CodedError(
        "EPOCH_COMMITTED_OTHER",
        "input",
        `epoch ${epoch} is already committed with seed ${chain.state.seed}, this witness gives ${w.seed}: other deliveries, scores or model than the committed ones`,
      );
    log(`epoch ${epoch}: already committed with this seed (a rerun): nothing sent`);
  } else {
    await commitEpoch(deployment.settlement, epoch, w.commit, w.exclusionBitmap);
    const seed = (await deployment.settlement.epochState(epoch)).seed;
    if (seed !== w.seed)
      throw new CodedError("SETTLEMENT_MISMATCH", "mismatch", `seed: the contract drew ${seed}, witness/ computes ${w.seed}`);
    committed = true;
  }

  // The lineage the contract fixed at the commit: the followed epoch and its model hash.
  const committedState = await deployment.settlement.epochState(epoch);
  initEpochDir(paths, { example: keys.example.vkeyPath, registration: keys.registration.vkeyPath, payout: keys.payout.vkeyPath });
  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c]));
  const table = w.payoutTable;
  const record = {
    epoch,
    chainId: deployment.chainId,
    contracts: deployment.addresses,
    domain: chain.domain,
    registrationDomain: chain.registrationDomain,
    pool: table.pool,
    total: table.total,
    dust: table.dust,
    trainer: getAddress(chain.state.trainer),
    model: { modelHash: options.modelHash, validationCommitment: chain.validationCommitment },
    lineage: { follows: committedState.follows, previousModelHash: committedState.previousModelHash },
    commit: w.commit,
    fold: chain.fold,
    registrants: chain.registrations.length,
    exclusion: w.exclusionOrders,
    seed: w.seed,
    exampleBatchSize: batchSizes.example,
    registrationBatchSize: batchSizes.registration,
    payoutBatchSize: batchSizes.payout,
    circuits: {
      example: circuitSummary(keys.example),
      registration: circuitSummary(keys.registration),
      payout: circuitSummary(keys.payout),
    },
    parameters: {
      widths: config.widths,
      fixedPointDecimals: config.fixedPoint.decimals,
      chainAbsorbWidth: config.hash.chainAbsorbWidth,
      registrationChunk: config.registrationBatch.chunk,
    },
    examplesFile: options.scoresFile,
    ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
    defences: listDefences(options.attribution, w.duplicates.length),
    exampleBatches: w.exampleBatches.map((b) => ({
      index: b.index,
      chainIn: b.chainIn,
      chainOut: b.chainOut,
      hashIn: b.hashIn,
      jIn: b.jIn,
      hashOut: b.hashOut,
      jOut: b.jOut,
      scoreSum: b.scoreSum,
      rlcSum: b.rlcSum,
      prod: b.prod,
      rho: b.rho,
      digest: b.digest,
    })),
    registrationBatches: w.registrationBatches.map((b) => ({
      index: b.index,
      in: carried(b.carriedIn),
      out: carried(b.carriedOut),
      prod: b.prod,
      rlcSum: b.rlcSum,
      rho: b.rho,
      digest: b.digest,
    })),
    payoutBatches: w.payoutBatches.map((b) => ({
      index: b.index,
      chainIn: b.chainIn,
      chainOut: b.chainOut,
      amountSum: b.amountSum,
      rlcSum: b.rlcSum,
      rho: b.rho,
      digest: b.digest,
    })),
  };
  writeRecordFile(paths.epochFile, { ...record, status: "proving" });
  const excluded = new Map(w.exclusion.map((x) => [x.order, x]));
  writeRecordFile(
    paths.registrationsFile,
    chain.registrations.map((r) => {
      const exclusion = excluded.get(r.order);
      return {
        order: r.order,
        contributor: address(r.contributor),
        commitment: r.commitment,
        count: r.count,
        excluded: exclusion !== undefined,
        ...(exclusion ? { reason: exclusion.reason, detail: exclusion.detail } : { salt: deliveries.get(r.order)!.salt }),
      };
    }),
  );
  writeRecordFile(
    paths.examplesFile,
    w.claimTable.map((e) => ({ hash: hex(e.hash, 32), j: e.j, score: e.score })),
  );
  writeRecordFile(
    paths.duplicatesFile,
    w.duplicates.map((x) => ({ hash: hex(x.hash, 32), creditedOrder: x.creditedOrder, alsoClaimedBy: x.alsoClaimedBy })),
  );
  writeRecordFile(
    paths.contributorsFile,
    table.rows.map((r, j) => ({ j, ...r, address: address(r.address), label: demo.get(address(r.address).toLowerCase())?.label })),
  );
  if (!existsSync(paths.settlementFile)) writeRecordFile(paths.settlementFile, { transactions: [] });
  writeJobsFile(paths.exampleJobsFile, { keys: keys.example, jobs: proofJobs(w.exampleBatches, "example", paths.exampleProofFile) });
  writeJobsFile(paths.registrationJobsFile, {
    keys: keys.registration,
    jobs: proofJobs(w.registrationBatches, "registration", paths.registrationProofFile),
  });
  writeJobsFile(paths.payoutJobsFile, { keys: keys.payout, jobs: proofJobs(w.payoutBatches, "payout", paths.payoutProofFile) });
  log(
    `epoch ${epoch} witnessed${committed ? " and committed" : ""}: pool ${table.pool}, S ${table.total}, ${w.exclusion.length} excluded, ${w.exampleBatches.length} claim batches of ${batchSizes.example}, ${w.registrationBatches.length} registration batches of ${batchSizes.registration}, ${w.payoutBatches.length} payout batches of ${batchSizes.payout}; ${dir}`,
  );
  return { dir, paths, witness: w, committed };
}
