/**
 * Stage "settle": an epoch directory with every proof -> $OPEN released on chain. Opens the epoch
 * (escrows R, commits both chains), verifies every example and payout batch on chain, finalizes,
 * releases each payout batch, then checks every balance against the reference model's reward and
 * the contract's remainder against the dust, and records the transactions and balances.
 *
 * The contracts are the ones at the record's addresses. A new in-process chain has none: there
 * the register stage is replayed (the same deployer, nonces and order give the same addresses)
 * and must give exactly the recorded addresses and registrations, so the proofs made for them
 * verify. On any other chain without the contracts, settle refuses (EpochChainError).
 */
import { readFileSync } from "node:fs";
import { Contract, getAddress, type InterfaceAbi, type Signer } from "ethers";
import type { SetupLog } from "../../../circuits/index.ts";
import { loadCircuitKeys, type KeySetName } from "../../../circuits/ceremony/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../../config/index.ts";
import { readProofFile } from "../../../prover/index.ts";
import { readEpochRecord, type EpochRecord } from "../../../verify/index.ts";
import {
  finalizeEpoch, loadContractArtifact, openEpoch, releaseBatch, submitExampleBatch, submitPayoutBatch,
  type ContractName, type OpenTokenContract, type PayoutSettlementContract,
} from "../../../verifier-contracts/index.ts";
import { buildEpochBatches, readExamplesFile } from "../../../witness/index.ts";
import type { ChainConnection } from "../chain.ts";
import { demoContributors } from "../demo-contributors.ts";
import { epochPaths, writeRecordFile } from "../epoch-record.ts";
import { startProgress } from "../progress.ts";
import { EpochChainError, SettlementMismatchError } from "./errors.ts";
import { contributorKeysFor, deployAndRegister } from "./register.ts";
import type { Dataset } from "../../../attribution/index.ts";
import { heldOutValidationSet, revealEpochValidation, sealValidationSet } from "../validation-reveal.ts";
import { loadValidationSecret } from "../validation-secret.ts";

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

export interface ContributorResult {
  readonly address: string;
  readonly label?: string;
  /** Examples claimed / credited after dedup; sum of the signed scores of the credited ones. */
  readonly claimed: number;
  readonly credited: number;
  readonly rawScore: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
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
  readonly epoch: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  readonly dust: bigint;
  readonly examples: number;
  readonly duplicates: number;
  readonly circuits: { readonly example: CircuitSummary; readonly payout: CircuitSummary };
  readonly contributors: readonly ContributorResult[];
  /** Every settlement transaction after openEpoch: example and payout batches, finalize, releases. */
  readonly transactions: readonly Transaction[];
  readonly exampleBatches: number;
  readonly payoutBatches: number;
}

/** The parts of epoch.json the record reader leaves out: the model hash, the examples file, the circuits' summaries. */
interface EpochFileExtras {
  readonly model: { readonly modelHash: string; readonly validationCommitment: string };
  readonly examplesFile: string;
  readonly circuits: { readonly example: CircuitSummary; readonly payout: CircuitSummary };
}

async function attach<T>(name: ContractName, address: string, signer: Signer): Promise<T> {
  return new Contract(address, (await loadContractArtifact(name)).abi as InterfaceAbi, signer) as unknown as T;
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Replays deployment and registration on a new in-process chain; they must match the record. */
async function replayRegistration(chain: ChainConnection, record: EpochRecord, extras: EpochFileExtras, options: SettleEpochOptions): Promise<void> {
  const log = options.log ?? (() => {});
  log(`settle: no contracts at ${record.contracts.settlement} on the in-process chain; replaying deployment and registration`);
  const claims = readExamplesFile(extras.examplesFile, options.config ?? defaultConfig);
  const keySet = extras.circuits.example.keySet;
  const { deployment, registrations } = await deployAndRegister(chain, {
    claims, contributorKeys: contributorKeysFor(claims, extras.examplesFile, options.contributorKeys),
    exampleKeys: await loadCircuitKeys(extras.circuits.example.name, { keySet }), payoutKeys: await loadCircuitKeys(extras.circuits.payout.name, { keySet }),
    exampleBatchSize: record.exampleBatchSize, payoutBatchSize: record.payoutBatchSize,
    pool: record.pool, epoch: record.epoch, validationCommitment: extras.model.validationCommitment, progress: options.progress ?? true,
  });
  for (const [name, recorded] of Object.entries(record.contracts)) {
    const replayed = deployment.addresses[name as keyof typeof deployment.addresses];
    if (!sameAddress(replayed, recorded)) throw new EpochChainError(`replayed deployment put ${name} at ${replayed}, the record says ${recorded}: settle on the chain the witness stage used (--rpc)`);
  }
  const same = registrations.length === record.registrations.length &&
    registrations.every((r, i) => r.contributor === record.registrations[i]!.contributor && r.commitment === record.registrations[i]!.commitment && r.count === record.registrations[i]!.count);
  if (!same) throw new EpochChainError("replayed registrations differ from registrations.json: the examples file changed since the witness stage");
}

export async function settleEpoch(chain: ChainConnection, dir: string, options: SettleEpochOptions = {}): Promise<SettledEpoch> {
  const config = options.config ?? defaultConfig;
  const showProgress = options.progress ?? true;
  const record = readEpochRecord(dir);
  const paths = epochPaths(dir);
  const epochJson = JSON.parse(readFileSync(paths.epochFile, "utf8")) as Record<string, unknown>;
  const extras = epochJson as unknown as EpochFileExtras;
  if (record.chainId !== chain.chainId) throw new EpochChainError(`${paths.epochFile} is for chain ${record.chainId}, ${chain.description} is chain ${chain.chainId}`);

  // The batches again from the recorded tables: they must commit to the recorded values.
  const table = { pool: record.pool, total: record.total, dust: record.dust, rows: record.contributors };
  const w = buildEpochBatches(record.examples, table, record.domain, record.exampleBatchSize, record.payoutBatchSize, config);
  if (w.commitExamples !== record.commitExamples || w.commitContributors !== record.commitContributors || w.r !== record.r) {
    throw new SettlementMismatchError(`the tables of ${dir} do not commit to epoch.json's commitExamples, commitContributors and r`);
  }

  if ((await chain.provider.getCode(record.contracts.settlement)) === "0x") {
    if (!chain.inProcess) throw new EpochChainError(`no settlement contract at ${record.contracts.settlement} on ${chain.description}: settle on the node the witness stage registered on`);
    await replayRegistration(chain, record, extras, options);
  }
  const token = await attach<OpenTokenContract>("OpenToken", record.contracts.token, chain.signer);
  const settlement = await attach<PayoutSettlementContract>("PayoutSettlement", record.contracts.settlement, chain.signer);
  const epoch = record.epoch;
  await openEpoch({ token, settlement }, {
    epoch, pool: record.pool, total: record.total, exampleBatches: w.exampleBatches.length, payoutBatches: w.payoutBatches.length,
    commitExamples: record.commitExamples, commitContributors: record.commitContributors, modelHash: extras.model.modelHash,
  });
  options.log?.(`epoch ${epoch} opened on ${chain.description}: pool ${record.pool} escrowed`);

  const transactions: Transaction[] = [];
  const done = (what: string, receipt: { hash: string; gasUsed: bigint }) => {
    transactions.push({ what, txHash: receipt.hash, gasUsed: receipt.gasUsed });
    writeRecordFile(paths.settlementFile, { transactions });
  };
  const steps = w.exampleBatches.length + 2 * w.payoutBatches.length + 2;
  const settling = showProgress ? startProgress("settling", steps, "transactions") : undefined;
  for (const b of w.exampleBatches) {
    done(`example batch ${b.index}`, await submitExampleBatch(settlement, epoch, b, readProofFile(paths.exampleProofFile(b.index)).proof));
    settling?.update(transactions.length, `example batch ${b.index}`);
  }
  for (const b of w.payoutBatches) {
    done(`payout batch ${b.index}`, await submitPayoutBatch(settlement, epoch, b, readProofFile(paths.payoutProofFile(b.index)).proof));
    settling?.update(transactions.length, `payout batch ${b.index}`);
  }
  const sealed = await sealValidationSet(chain.signer, chain.chainId, epoch, options.validationSet ?? heldOutValidationSet(config, options.validationSecret ?? loadValidationSecret().secret));
  const validation = await revealEpochValidation(settlement, epoch, extras.model.validationCommitment, sealed, dir);
  done("reveal validation", validation.receipt);
  done("finalize", await finalizeEpoch(settlement, epoch));
  for (const b of w.payoutBatches) {
    done(`release ${b.index}`, await releaseBatch(settlement, epoch, b));
    settling?.update(transactions.length, `release ${b.index}`);
  }
  settling?.stop();

  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c.label]));
  const claimed = new Map(record.registrations.map((r) => [r.contributor, r.count]));
  const contributors: ContributorResult[] = [];
  for (const [index, row] of record.contributors.entries()) {
    const address = getAddress(`0x${row.address.toString(16).padStart(40, "0")}`);
    const credited = record.examples.filter((e) => e.contributor === index);
    const label = demo.get(address.toLowerCase());
    contributors.push({
      address, ...(label ? { label } : {}),
      claimed: claimed.get(row.address) ?? 0,
      credited: credited.length,
      rawScore: credited.reduce((s, e) => s + e.score, 0n),
      amount: row.amount, reward: row.reward, balance: await token.balanceOf(address),
    });
  }
  const wrong = contributors.filter((c) => c.balance !== c.reward);
  const contractBalance = await token.balanceOf(record.contracts.settlement);
  writeRecordFile(paths.settlementFile, { transactions, balances: contributors.map((c) => ({ address: c.address, balance: c.balance })), settlementBalance: contractBalance });
  if (wrong.length > 0) {
    throw new SettlementMismatchError(`${wrong.length} on-chain balances differ from the reference model, first ${wrong[0]!.address}: ${wrong[0]!.balance} != ${wrong[0]!.reward}`);
  }
  if (contractBalance !== record.dust) throw new SettlementMismatchError(`the settlement contract holds ${contractBalance}, the reference model's dust is ${record.dust}`);
  writeRecordFile(paths.epochFile, { ...epochJson, validation: validation.record, status: "settled" });
  const pick = (c: CircuitSummary): CircuitSummary => ({
    name: c.name, constraints: c.constraints, vkeyHash: c.vkeyHash, keySet: c.keySet,
    ...(c.transcript === undefined ? {} : { transcript: c.transcript }), ...(c.zkeySha256 === undefined ? {} : { zkeySha256: c.zkeySha256 }),
  });
  const { token: tokenAddress, registry, settlement: settlementAddress } = record.contracts;
  return {
    dir, chainId: chain.chainId, chain: chain.description,
    addresses: { token: tokenAddress, registry, settlement: settlementAddress },
    epoch, pool: record.pool, total: record.total, dust: record.dust,
    examples: record.examples.length, duplicates: record.duplicates.length,
    circuits: { example: pick(extras.circuits.example), payout: pick(extras.circuits.payout) },
    contributors, transactions,
    exampleBatches: w.exampleBatches.length, payoutBatches: w.payoutBatches.length,
  };
}
