/**
 * One epoch end to end as the demo runs it: the parties' own calls, in order, on one chain (the
 * in-process Hardhat chain by default, where each party is a development account):
 *
 *   operator     deploy (or an existing deployment), open the epoch (escrow R, trainer, deadline)
 *   trainer      seal the held-out validation set (its commitment opens registration)
 *   contributors register their examples from their own keys (the demo's development keys)
 *   trainer      collect the deliveries (sign a receipt for each), witness (commit), prove
 *   trainer      settle (verify every batch, reveal, finalize, release), resumable
 *
 * Nothing is replayed: a later call (settle, verify) reads the same chain.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { keccak256, parseEther, toUtf8Bytes, Wallet, type Signer } from "ethers";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import type { SetupLog } from "../circuits/setup.ts";
import { datasetExampleHashes } from "../dataset/canonical-bytes.ts";
import { encodeDataset } from "../dataset/dataset-file.ts";
import { CodedError } from "../errors/index.ts";
import { writeFileAtomic } from "../files/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../config/index.ts";
import type { KeySetName } from "../circuits/ceremony/index.ts";
import type { Dataset } from "../dataset/index.ts";
import { createProverPool } from "../prover/index.ts";
import { earliestDeadline, SECONDS_PER_REGISTRANT } from "../verifier-contracts/registration.ts";
import { readExamplesFile, readHashScores, type ExampleClaim } from "../witness/index.ts";
import { connectChain, type ChainConnection } from "./chain.ts";
import { DELIVERY_RECEIPT, registerData, writeDelivery } from "./contributor.ts";
import { demoContributors } from "./demo-contributors.ts";
import { connectDeployment, type ProtocolDeployment } from "./deployment.ts";
import { deployProtocol, openDeploymentEpoch } from "./operator.ts";
import { startProgress } from "./progress.ts";
import { readReceipt } from "./receipt.ts";
import { settleEpoch, type SettledEpoch } from "./settle.ts";
import { acceptDeliveries, type ReceivedDelivery } from "./trainer/collect.ts";
import { proveEpochDir } from "./trainer/prove.ts";
import type { ValidationSetFiles } from "./trainer/validation-file.ts";
import { epochValidationSecret, heldOutValidationSet, sealValidationSet } from "./trainer/validation-reveal.ts";
import { loadValidationSecret } from "./trainer/validation-secret.ts";
import { loadEpochKeys, witnessEpoch } from "./trainer/witness.ts";

export type { ContributorResult, Transaction } from "./settle.ts";
export type { CircuitSummary } from "./record-read.ts";

export interface RunEpochOptions {
  /** Example-level scores: example,contributor,score (witness/examples-file.ts); its contributors register. */
  readonly examplesFile: string;
  /** R in token base units. */
  readonly pool: bigint;
  readonly epoch?: bigint;
  /** The epoch whose model this one continues (0: none). */
  readonly follows?: bigint;
  /** Defaults: the demo sizes of config exampleBatch, registrationBatch and payoutBatch. */
  readonly exampleBatchSize?: number;
  readonly registrationBatchSize?: number;
  readonly payoutBatchSize?: number;
  /** Private keys of the contributors, who register from their own address. Default: the demo's. */
  readonly contributorKeys?: readonly string[];
  /** Addresses that register but never deliver: the trainer excludes them (a zero row each). */
  readonly undelivered?: readonly string[];
  /**
   * The contributors' data (the demo's partitions), by address: such a contributor registers the
   * data's hashes, hands over a delivery folder (the data as a dataset file and its receipt) and
   * the trainer's collect checks the data against the registration. Without it a contributor's
   * delivery is its receipt (its hash list and salt): the examples-file path.
   */
  readonly contributorData?: readonly { readonly address: string; readonly data: Dataset }[];
  /** Where the delivery folders go; default build/demo/epoch-<epoch>/deliveries. */
  readonly deliveriesDir?: string;
  /** bytes32: hash of the trained model (default keccak256("demo model")). */
  readonly modelHash?: string;
  /** The held-out set the scores were computed against: a split or a file's set (default: the one the trainer's secret chooses). */
  readonly validationSet?: Dataset | ValidationSetFiles;
  readonly validationSecret?: Uint8Array;
  readonly keySet?: KeySetName;
  readonly outDir?: string;
  readonly attribution?: Readonly<Record<string, unknown>>;
  /** JSON-RPC URL; undefined runs an in-process Hardhat chain. */
  readonly rpcUrl?: string;
  /** An open chain and a deployment on it to run this epoch on (epoch after epoch); default: a new chain and deployment. */
  readonly on?: { readonly chain: ChainConnection; readonly deployment: ProtocolDeployment };
  /** Prover workers (0 = one per core). Default: config. */
  readonly workers?: number;
  readonly progress?: boolean;
  readonly log?: SetupLog;
  readonly config?: ProtocolConfig;
}

export interface EpochResult extends SettledEpoch {
  readonly proveMs: number;
  /** The deployment it ran on (for the next epoch: `on`). */
  readonly deployment: ProtocolDeployment;
}

/** Every registrant's key, from `keys` (default: the demo's); checked before anything is sent. */
export function contributorKeysFor(claims: readonly ExampleClaim[], examplesFile: string, keys?: readonly string[]): Map<string, string> {
  const byAddress = new Map((keys ?? demoContributors().map((c) => c.key)).map((k) => [new Wallet(k).address.toLowerCase(), k]));
  const missing = [...new Set(claims.map((c) => c.checksumAddress))].find((a) => !byAddress.has(a.toLowerCase()));
  if (missing)
    throw new CodedError(
      "CONTRIBUTOR_KEY_MISSING",
      "input",
      `${missing} (${examplesFile}) has no key: it cannot register; give contributorKeys`,
    );
  return byAddress;
}

/** What prepareEpoch leaves for the prove and settle stages. */
export interface PreparedEpoch {
  readonly dir: string;
  readonly deployment: ProtocolDeployment;
  /** The trainer's signer: it commits, proves, reveals. */
  readonly trainer: Signer;
  readonly validationSet: Dataset | ValidationSetFiles;
}

/**
 * The epoch up to its proofs on `chain`: deploy (unless `options.on`), seal, open, register each
 * contributor from its own key, collect, witness (commit). Input is checked before anything is sent.
 */
export async function prepareEpoch(chain: ChainConnection, options: RunEpochOptions): Promise<PreparedEpoch> {
  const config = options.config ?? defaultConfig;
  const progress = options.progress ?? true;
  const log = options.log ?? (() => {});
  const epoch = options.epoch ?? 1n;
  const claims = readExamplesFile(options.examplesFile, config);
  // One score per example hash, whoever claims it (a conflict is SCORE_CONFLICT with both lines).
  const { scores } = readHashScores(options.examplesFile, config);
  const contributorKeys = contributorKeysFor(claims, options.examplesFile, options.contributorKeys);
  const sizes = options.on?.deployment.batchSizes ?? {
    example: options.exampleBatchSize ?? config.exampleBatch.demoSize,
    registration: options.registrationBatchSize ?? config.registrationBatch.demoSize,
    payout: options.payoutBatchSize ?? config.payoutBatch.demoSize,
  };
  const keySet = options.on?.deployment.keySet ?? options.keySet ?? "dev";
  await loadEpochKeys(sizes, keySet, options.log);
  log(`chain: ${chain.description} (chain id ${chain.chainId})`);
  // On a node the demo's one key plays operator and trainer; in process each is its own account.
  const trainer = chain.inProcess ? chain.signerOf("trainer") : chain.signer;
  const deployment = options.on?.deployment ?? (await deployProtocol(chain.signer, sizes, keySet, { log }));

  // Trainer: seal the held-out set; operator: open the epoch with it.
  const set =
    options.validationSet ??
    heldOutValidationSet(
      config,
      epochValidationSecret(
        options.validationSecret ?? loadValidationSecret({ create: true }).secret,
        chain.chainId,
        deployment.addresses.settlement,
        epoch,
      ),
    );
  const sealed = await sealValidationSet(trainer, chain.chainId, deployment.addresses.settlement, epoch, set);
  const registrants = [...new Set(claims.map((c) => c.checksumAddress))];
  const closesAt = await earliestDeadline(deployment.registry, BigInt(registrants.length) * SECONDS_PER_REGISTRANT);
  await openDeploymentEpoch(deployment, {
    epoch,
    pool: options.pool,
    trainer: await trainer.getAddress(),
    validationCommitment: sealed.commitment,
    closesAt,
    mintPool: true,
    follows: options.follows ?? 0n,
  });

  // Contributors: each registers its examples from its own key; one with data writes its delivery folder.
  const dataOf = new Map((options.contributorData ?? []).map((c) => [c.address.toLowerCase(), c.data]));
  const deliveriesDir = resolve(options.deliveriesDir ?? join(PROJECT_ROOT, "build", "demo", `epoch-${epoch}`, "deliveries"));
  const registering = progress ? startProgress("registering", registrants.length, "contributors") : undefined;
  const received: ReceivedDelivery[] = [];
  for (const [i, address] of registrants.entries()) {
    await (await chain.signer.sendTransaction({ to: address, value: parseEther("0.01") })).wait();
    const wallet = new Wallet(contributorKeys.get(address.toLowerCase())!, chain.provider);
    const data = dataOf.get(address.toLowerCase());
    // A contributor with data writes it into its delivery folder, then its receipt beside it.
    const folder = join(deliveriesDir, address);
    const dataFile = data === undefined ? undefined : join(folder, "data.bin");
    if (data !== undefined) {
      mkdirSync(folder, { recursive: true });
      writeFileAtomic(dataFile!, encodeDataset(data));
    }
    const hashes = data === undefined ? claims.filter((c) => c.checksumAddress === address).map((c) => c.hash) : datasetExampleHashes(data);
    const receipt = await registerData({ token: deployment.token, registry: deployment.registry }, wallet, {
      epoch,
      settlement: deployment.addresses.settlement,
      hashes,
      data: dataFile === undefined ? { path: options.examplesFile, form: "examples-file" } : { path: dataFile, form: "bin" },
      mintFee: true,
    });
    if (dataFile === undefined) {
      received.push({ receipt, name: `${address} (order ${receipt.order})` });
    } else {
      writeDelivery(folder, dataFile, receipt);
      received.push({ receipt: readReceipt(join(folder, DELIVERY_RECEIPT)), folder, name: folder });
    }
    registering?.update(i + 1, address);
  }
  registering?.stop();

  // Trainer: collect what was delivered (the undelivered never hand over their list and salt), witness.
  const asTrainer = await connectDeployment(deployment, trainer);
  const never = new Set((options.undelivered ?? []).map((a) => a.toLowerCase()));
  const collected = await acceptDeliveries({
    epoch,
    registry: asTrainer.registry,
    settlement: asTrainer.settlement,
    trainer,
    log,
    received: received.filter((r) => !never.has(r.receipt.contributor.toLowerCase())),
  });
  const { dir } = await witnessEpoch({
    deployment: asTrainer,
    epoch,
    collected,
    scores,
    scoresFile: options.examplesFile,
    modelHash: options.modelHash ?? keccak256(toUtf8Bytes("demo model")),
    log,
    config,
    ...(options.outDir === undefined ? {} : { outDir: options.outDir }),
    ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
  });
  return { dir, deployment, trainer, validationSet: set };
}

/** prepareEpoch, then every proof on a local pool, then settle, on one chain (a new one unless `options.on` or `rpcUrl`). */
export async function runEpoch(options: RunEpochOptions): Promise<EpochResult> {
  const config = options.config ?? defaultConfig;
  const progress = options.progress ?? true;
  // Input first: a bad file or a contributor without a key fails before a chain is started.
  contributorKeysFor(readExamplesFile(options.examplesFile, config), options.examplesFile, options.contributorKeys);
  const chain = options.on?.chain ?? (await connectChain(options.rpcUrl));
  try {
    const prepared = await prepareEpoch(chain, options);
    const prover = createProverPool(options.workers === undefined ? {} : { workers: options.workers }, config);
    let proveMs: number;
    try {
      proveMs = (await proveEpochDir(prover, prepared.dir, { progress })).ms;
    } finally {
      await prover.close();
    }
    const settled = await settleEpoch({ ...chain, signer: prepared.trainer }, prepared.deployment, prepared.dir, {
      progress,
      log: options.log ?? (() => {}),
      config,
      validationSet: prepared.validationSet,
    });
    return { ...settled, proveMs, deployment: prepared.deployment };
  } finally {
    if (options.on === undefined) await chain.close();
  }
}
