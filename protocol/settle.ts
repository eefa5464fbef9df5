/**
 * Stage "settle": an epoch directory with every proof -> $OPEN released on chain. The witness
 * stage opened (escrowed R) and committed the epoch; this stage waits out the contest window,
 * verifies every claim, registration and payout batch on chain, reveals the validation set,
 * finalizes, releases each payout batch, then checks every balance against the reference model's
 * rewards and the contract's remainder against the dust, and records the transactions and balances.
 *
 * The contracts are the ones at the record's addresses. A new in-process chain has none: there
 * the register stage and the commit are replayed (the same deployer, nonces, order and salts give
 * the same addresses and the same seed) and must give exactly the recorded addresses and seed, so
 * the proofs made for them verify. On any other chain without the contracts, settle refuses
 * (EpochChainError).
 */
import { Contract, getAddress, type InterfaceAbi, type Signer } from "ethers";
import type { SetupLog } from "../circuits/index.ts";
import type { KeySetName } from "../circuits/ceremony/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../config/index.ts";
import { readProofFile } from "../prover/index.ts";
import {
  advanceDevelopmentClock, finalizeEpoch, loadContractArtifact, releaseBatch, submitExampleBatch, submitPayoutBatch, submitRegistrationBatch,
  type ContractName, type OpenTokenContract, type PayoutSettlementContract,
} from "../verifier-contracts/index.ts";
import { applyPolicy, buildEpochBatches, readExamplesFile, type EpochBatches, type EpochTables } from "../witness/index.ts";
import type { ChainConnection } from "./chain.ts";
import { demoContributors } from "./demo-contributors.ts";
import { epochPaths, writeRecordFile } from "./epoch-dir.ts";
import { startProgress } from "./progress.ts";
import { EpochChainError, SettlementMismatchError } from "./errors.ts";
import { readStageRecord, type StageRecord } from "./record-read.ts";
import { contributorKeysFor, deployAndRegister } from "./register.ts";
import { commitWitnessedEpoch, epochWitness, loadEpochKeys } from "./trainer/witness.ts";
import type { Dataset } from "../attribution/index.ts";
import { heldOutValidationSet, revealEpochValidation, sealValidationSet } from "./trainer/validation-reveal.ts";
import { loadValidationSecret } from "./trainer/validation-secret.ts";

export interface SettleEpochOptions {
  /** Contributor keys, only for replaying registration on a new in-process chain. Default: the demo's. */
  readonly contributorKeys?: readonly string[];
  readonly log?: SetupLog;
  readonly progress?: boolean;
  readonly config?: ProtocolConfig;
  /** The held-out set the witness stage committed to (default: the one the trainer's secret chooses), revealed before finalize. */
  readonly validationSet?: Dataset;
  /** The trainer's secret the witness stage chose the validation set with; default loadValidationSecret (must exist). */
  readonly validationSecret?: Uint8Array;
}

/** One registration's outcome (an address that registered twice has two). */
export interface ContributorResult {
  readonly j: number;
  readonly address: string;
  readonly label?: string;
  /** Excluded by the trainer: its data never arrived (a zero row). */
  readonly excluded: boolean;
  /** Examples claimed / credited after dedup; sum of the signed scores of the credited ones. */
  readonly claimed: number;
  readonly credited: number;
  readonly rawScore: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  /** The address's balance after every release (the sum of all its rows' rewards on a fresh chain). */
  readonly balance: bigint;
}

export interface Transaction {
  readonly what: string;
  readonly txHash: string;
  readonly gasUsed: bigint;
}

export interface CircuitSummary {
  readonly name: string;
  readonly constraints: number;
  /** The pinned key hash of the key set used (prover and deployment refused any other). */
  readonly vkeyHash: string;
  readonly keySet: KeySetName;
  /** Ceremony keys: the transcript (repository-relative) and the final zkey's sha256. */
  readonly transcript?: string;
  readonly zkeySha256?: string;
}

export interface SettledEpoch {
  readonly dir: string;
  readonly chainId: bigint;
  readonly chain: string;
  readonly addresses: { readonly token: string; readonly registry: string; readonly settlement: string };
  /** Registrations excluded by the trainer (orders). */
  readonly exclusion: readonly number[];
  readonly epoch: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  readonly dust: bigint;
  readonly examples: number;
  readonly duplicates: number;
  readonly circuits: { readonly example: CircuitSummary; readonly registration: CircuitSummary; readonly payout: CircuitSummary };
  readonly contributors: readonly ContributorResult[];
  /** Every settlement transaction after the commit: the three kinds of batches, reveal, finalize, releases. */
  readonly transactions: readonly Transaction[];
  readonly exampleBatches: number;
  readonly registrationBatches: number;
  readonly payoutBatches: number;
}

async function attach<T>(name: ContractName, address: string, signer: Signer): Promise<T> {
  return new Contract(address, (await loadContractArtifact(name)).abi as InterfaceAbi, signer) as unknown as T;
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;

/** Replays deployment, registration and the commit on a new in-process chain; they must match the record. */
async function replayEpoch(chain: ChainConnection, record: StageRecord, options: SettleEpochOptions): Promise<void> {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  log(`settle: no contracts at ${record.contracts.settlement} on the in-process chain; replaying deployment, registration and the commit`);
  const claims = readExamplesFile(record.examplesFile, config);
  const keySet = record.circuits.example.keySet;
  const keys = await loadEpochKeys(record.batchSizes, keySet);
  const contributorKeys = contributorKeysFor(claims, record.examplesFile, options.contributorKeys);
  const replayed = await deployAndRegister(chain, {
    claims, contributorKeys, keys, batchSizes: record.batchSizes,
    pool: record.pool, epoch: record.epoch, validationCommitment: record.model.validationCommitment, progress: options.progress ?? true,
  });
  // What the trainer received: nothing from the registrations it excluded (they never delivered).
  const excluded = new Set(record.exclusion);
  const registered = { ...replayed, deliveries: new Map([...replayed.deliveries].filter(([order]) => !excluded.has(order))) };
  for (const [name, recorded] of Object.entries(record.contracts)) {
    const replayed = registered.deployment.addresses[name as keyof typeof registered.deployment.addresses];
    if (!sameAddress(replayed, recorded)) throw new EpochChainError(`replayed deployment put ${name} at ${replayed}, the record says ${recorded}: settle on the chain the witness stage used (--rpc)`);
  }
  const w = epochWitness(registered, { examplesFile: record.examplesFile, claims, contributorKeys, keys, batchSizes: record.batchSizes }, record.pool, record.model.modelHash, config);
  if (w.seed !== record.seed) throw new EpochChainError("the replayed registrations give another seed than epoch.json's: the examples file changed since the witness stage");
  await commitWitnessedEpoch(registered, record.epoch, w);
}

/**
 * The tables again from the record's registrations, deliveries and scores, and every batch from
 * them: they must be the recorded tables and give the recorded seed, or the proofs are for
 * something else.
 */
function rebuild(record: StageRecord, config: ProtocolConfig): EpochTables & EpochBatches {
  // Each example's score is on its first claim (the credited one).
  const scores = new Map<bigint, bigint>();
  record.claims.forEach((c, i) => {
    if (i === 0 || record.claims[i - 1]!.hash !== c.hash) scores.set(c.hash, c.score);
  });
  const tables = applyPolicy({ registrations: record.registrations, deliveries: record.deliveries, scores, pool: record.pool, registrationDomain: record.registrationDomain, config });
  const same = (a: unknown, b: unknown) => JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) === JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  if (!same(tables.claimTable, record.claims)) throw new SettlementMismatchError(`${record.examplesFile}: the claim table does not follow from the recorded registrations and scores`);
  if (!same(tables.payoutTable.rows.map(({ address, amount, reward, remainder }) => ({ address, amount, reward, remainder })), record.payouts.map(({ address, amount, reward, remainder }) => ({ address, amount, reward, remainder })))) {
    throw new SettlementMismatchError("contributors.json: the payout table does not follow from the claim table");
  }
  const batches = buildEpochBatches(tables, {
    domain: record.domain, registrationDomain: record.registrationDomain, fold: record.fold, modelHash: record.model.modelHash, pool: record.pool,
    exampleBatchSize: record.batchSizes.example, registrationBatchSize: record.batchSizes.registration, payoutBatchSize: record.batchSizes.payout, config,
  });
  if (batches.seed !== record.seed) throw new SettlementMismatchError("the recorded tables do not give epoch.json's seed");
  return { ...tables, ...batches };
}

/** Waits until the contest window of the epoch's commit is over: batches are refused before. */
async function waitOutContestWindow(chain: ChainConnection, settlement: PayoutSettlementContract, epoch: bigint, log: (m: string) => void): Promise<void> {
  const state = await settlement.epochState(epoch);
  const endsAt = state.committedAt + (await settlement.contestWindow());
  if (await advanceDevelopmentClock(chain.provider, endsAt)) return;
  for (;;) {
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    if (now >= endsAt) return;
    log(`epoch ${epoch}: the contest window ends in ${endsAt - now} s`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

export async function settleEpoch(chain: ChainConnection, dir: string, options: SettleEpochOptions = {}): Promise<SettledEpoch> {
  const config = options.config ?? defaultConfig;
  const showProgress = options.progress ?? true;
  const log = options.log ?? (() => {});
  const record = readStageRecord(dir);
  const paths = epochPaths(dir);
  if (record.chainId !== chain.chainId) throw new EpochChainError(`${paths.epochFile} is for chain ${record.chainId}, ${chain.description} is chain ${chain.chainId}`);
  const w = rebuild(record, config);

  if ((await chain.provider.getCode(record.contracts.settlement)) === "0x") {
    if (!chain.inProcess) throw new EpochChainError(`no settlement contract at ${record.contracts.settlement} on ${chain.description}: settle on the node the witness stage registered on`);
    await replayEpoch(chain, record, options);
  }
  const token = await attach<OpenTokenContract>("OpenToken", record.contracts.token, chain.signer);
  const settlement = await attach<PayoutSettlementContract>("PayoutSettlement", record.contracts.settlement, chain.signer);
  const epoch = record.epoch;
  if ((await settlement.epochState(epoch)).seed !== record.seed) throw new EpochChainError(`epoch ${epoch} on ${chain.description} is not committed with epoch.json's seed`);
  await waitOutContestWindow(chain, settlement, epoch, log);

  const transactions: Transaction[] = [];
  const done = (what: string, receipt: { hash: string; gasUsed: bigint }) => {
    transactions.push({ what, txHash: receipt.hash, gasUsed: receipt.gasUsed });
    writeRecordFile(paths.settlementFile, { transactions });
  };
  const steps = w.exampleBatches.length + w.registrationBatches.length + 2 * w.payoutBatches.length + 2;
  const settling = showProgress ? startProgress("settling", steps, "transactions") : undefined;
  for (const b of w.exampleBatches) {
    done(`claim batch ${b.index}`, await submitExampleBatch(settlement, epoch, b, readProofFile(paths.exampleProofFile(b.index)).proof));
    settling?.update(transactions.length, `claim batch ${b.index}`);
  }
  for (const b of w.registrationBatches) {
    done(`registration batch ${b.index}`, await submitRegistrationBatch(settlement, epoch, b, readProofFile(paths.registrationProofFile(b.index)).proof));
    settling?.update(transactions.length, `registration batch ${b.index}`);
  }
  for (const b of w.payoutBatches) {
    done(`payout batch ${b.index}`, await submitPayoutBatch(settlement, epoch, b, readProofFile(paths.payoutProofFile(b.index)).proof));
    settling?.update(transactions.length, `payout batch ${b.index}`);
  }
  const sealed = await sealValidationSet(chain.signer, chain.chainId, epoch, options.validationSet ?? heldOutValidationSet(config, options.validationSecret ?? loadValidationSecret().secret));
  const validation = await revealEpochValidation(settlement, epoch, record.model.validationCommitment, sealed, dir);
  done("reveal validation", validation.receipt);
  done("finalize", await finalizeEpoch(settlement, epoch));
  for (const b of w.payoutBatches) {
    done(`release ${b.index}`, await releaseBatch(settlement, epoch, b));
    settling?.update(transactions.length, `release ${b.index}`);
  }
  settling?.stop();

  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c.label]));
  const excluded = new Set(record.exclusion);
  const expected = new Map<string, bigint>();
  for (const row of w.payoutTable.rows) {
    const address = getAddress(hex(row.address, 40));
    expected.set(address, (expected.get(address) ?? 0n) + row.reward);
  }
  const balances = new Map<string, bigint>();
  for (const address of expected.keys()) balances.set(address, await token.balanceOf(address));
  const contributors: ContributorResult[] = w.payoutTable.rows.map((row, j) => {
    const address = getAddress(hex(row.address, 40));
    const credited = w.claimTable.filter((c, i) => c.j === j && (i === 0 || w.claimTable[i - 1]!.hash !== c.hash));
    const label = demo.get(address.toLowerCase());
    return {
      j, address, ...(label ? { label } : {}), excluded: excluded.has(j),
      claimed: record.registrations[j]!.count, credited: credited.length, rawScore: credited.reduce((s, c) => s + c.score, 0n),
      amount: row.amount, reward: row.reward, balance: balances.get(address)!,
    };
  });
  const wrong = [...expected].filter(([address, reward]) => balances.get(address) !== reward);
  const contractBalance = await token.balanceOf(record.contracts.settlement);
  writeRecordFile(paths.settlementFile, { transactions, balances: [...balances].map(([address, balance]) => ({ address, balance })), settlementBalance: contractBalance });
  if (wrong.length > 0) {
    throw new SettlementMismatchError(`${wrong.length} on-chain balances differ from the reference model, first ${wrong[0]![0]}: ${balances.get(wrong[0]![0])} != ${wrong[0]![1]}`);
  }
  if (contractBalance !== record.dust) throw new SettlementMismatchError(`the settlement contract holds ${contractBalance}, the reference model's dust is ${record.dust}`);
  writeRecordFile(paths.epochFile, { ...record.epochJson, validation: validation.record, status: "settled" });
  const { token: tokenAddress, registry, settlement: settlementAddress } = record.contracts;
  return {
    dir, chainId: chain.chainId, chain: chain.description,
    addresses: { token: tokenAddress, registry, settlement: settlementAddress }, exclusion: record.exclusion,
    epoch, pool: record.pool, total: record.total, dust: record.dust,
    examples: w.claimTable.length, duplicates: w.duplicates.length,
    circuits: record.circuits,
    contributors, transactions,
    exampleBatches: w.exampleBatches.length, registrationBatches: w.registrationBatches.length, payoutBatches: w.payoutBatches.length,
  };
}
