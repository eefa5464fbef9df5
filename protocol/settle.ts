/**
 * Stage "settle": an epoch directory with every proof -> $OPEN released on chain, resumable from
 * the chain's state. Each step is read from the contract before it is sent: batches verified so
 * far (nextExample, nextRegistration, nextPayout), the validation reveal, the status, and how far
 * each payout batch is released (its cursor; payoutWordsHash is cleared once every row is paid): a
 * batch too costly for one transaction is released in row ranges (release-batch.ts). A rerun after a crash at any
 * point continues where the chain is; a transaction of this key still pending is waited for first,
 * so nothing is sent twice; a step another settler made first (a revert naming it:
 * BatchAlreadyVerified, BatchOutOfOrder, EpochNotCommitted, AlreadyReleased, ...) is re-read and
 * skipped with a line saying so.
 *
 * The contracts are the deployment's, attached through its file by the caller (the same checks as
 * every party's command), never the addresses epoch.json names: a record naming another
 * deployment, even a genuine one, is refused (EPOCH_OTHER_DEPLOYMENT) before anything is sent.
 *
 * Batches and the reveal are the trainer's (the contract refuses any other key, and settle refuses
 * it first: NOT_THE_TRAINER while the epoch is committed); finalize and release are anyone's. After the last release, every payment of this epoch's releases (token
 * Transfers from the settlement and PayoutDeferred credits) is checked against the reference
 * model's rewards and recorded in settlement.json with the transactions.
 */
import { existsSync, readFileSync } from "node:fs";
import { getAddress, type Interface } from "ethers";
import type { SetupLog } from "../circuits/setup.ts";
import { config as defaultConfig, type ProtocolConfig } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { readProofFile } from "../prover/index.ts";
import {
  EpochStatus,
  finalizeEpoch,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
  type OpenTokenContract,
  type PayoutSettlementContract,
} from "../verifier-contracts/index.ts";
import { revertName } from "../verifier-contracts/revert-reason.ts";
import { advanceDevelopmentClock } from "../verifier-contracts/settle.ts";
import { applyPolicy, buildEpochBatches, type EpochBatches, type EpochTables } from "../witness/index.ts";
import type { Dataset } from "../dataset/index.ts";
import type { ChainConnection } from "./chain.ts";
import { demoContributors } from "./demo-contributors.ts";
import { connectDeployment, type DeployedName, type ProtocolDeployment } from "./deployment.ts";
import { assertNotSettled, epochPaths, writeRecordFile } from "./epoch-dir.ts";
import { startProgress } from "./progress.ts";
import { readStageRecord, type CircuitSummary, type StageRecord } from "./record-read.ts";
import { releasePayoutBatch } from "./release-batch.ts";
import { assertEpochTrainer } from "./trainer/epoch-trainer.ts";
import { statusName } from "./trainer/witness.ts";
import {
  epochValidationSecret,
  heldOutValidationSet,
  revealEpochValidation,
  revealTransaction,
  sealValidationSet,
  writeRevealedValidation,
  type RevealedValidationRecord,
} from "./trainer/validation-reveal.ts";
import type { ValidationSetFiles } from "./trainer/validation-file.ts";
import { loadValidationSecret } from "./trainer/validation-secret.ts";

export interface SettleEpochOptions {
  readonly log?: SetupLog;
  readonly progress?: boolean;
  readonly config?: ProtocolConfig;
  /**
   * The held-out set the epoch was sealed with, revealed before finalize: a split, or a file's set
   * (trainer/validation-file.ts readValidationFile); default: the one the trainer's secret chooses.
   */
  readonly validationSet?: Dataset | ValidationSetFiles;
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
  /** What this epoch's releases paid the address (the sum of all its rows' rewards). */
  readonly paid: bigint;
}

export interface Transaction {
  readonly what: string;
  readonly txHash: string;
  readonly gasUsed: bigint;
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

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Refuses a record whose contracts are not `deployment`'s (EPOCH_OTHER_DEPLOYMENT), naming the field. */
function assertRecordOf(deployment: ProtocolDeployment, record: StageRecord, epochFile: string): void {
  for (const name of Object.keys(deployment.addresses) as DeployedName[]) {
    const recorded = String((record.contracts as Partial<Record<DeployedName, unknown>> | undefined)?.[name]);
    if (!sameAddress(recorded, deployment.addresses[name])) {
      throw new CodedError(
        "EPOCH_OTHER_DEPLOYMENT",
        "input",
        `${epochFile}: contracts.${name} is ${recorded}, the deployment's is ${deployment.addresses[name]}: this record is of another deployment; settle it with that deployment's file and pin, or witness again; nothing was sent`,
      );
    }
  }
}
const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;

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
  const tables = applyPolicy({
    registrations: record.registrations,
    deliveries: record.deliveries,
    scores,
    pool: record.pool,
    registrationDomain: record.registrationDomain,
    config,
  });
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ===
    JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  if (!same(tables.claimTable, record.claims))
    throw new CodedError(
      "SETTLEMENT_MISMATCH",
      "mismatch",
      `${record.examplesFile}: the claim table does not follow from the recorded registrations and scores`,
    );
  if (
    !same(
      tables.payoutTable.rows.map(({ address, amount, reward, remainder }) => ({ address, amount, reward, remainder })),
      record.payouts.map(({ address, amount, reward, remainder }) => ({ address, amount, reward, remainder })),
    )
  ) {
    throw new CodedError("SETTLEMENT_MISMATCH", "mismatch", "contributors.json: the payout table does not follow from the claim table");
  }
  const batches = buildEpochBatches(tables, {
    domain: record.domain,
    registrationDomain: record.registrationDomain,
    fold: record.fold,
    modelHash: record.model.modelHash,
    pool: record.pool,
    exampleBatchSize: record.batchSizes.example,
    registrationBatchSize: record.batchSizes.registration,
    payoutBatchSize: record.batchSizes.payout,
    config,
  });
  if (batches.seed !== record.seed)
    throw new CodedError("SETTLEMENT_MISMATCH", "mismatch", "the recorded tables do not give epoch.json's seed");
  return { ...tables, ...batches };
}

/** Waits until the contest window of the epoch's commit is over: batches are refused before. */
async function waitOutContestWindow(
  chain: ChainConnection,
  settlement: PayoutSettlementContract,
  epoch: bigint,
  log: (m: string) => void,
): Promise<void> {
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

/**
 * Sends one settlement step unless `done()` says the chain already has it; a revert whose name is
 * in `raced` means another settler made the step first: re-read, say so, go on.
 */
async function step(
  what: string,
  done: () => Promise<boolean>,
  send: () => Promise<{ hash: string; gasUsed: bigint }>,
  raced: readonly string[],
  settlement: PayoutSettlementContract,
  record: (what: string, receipt: { hash: string; gasUsed: bigint }) => void,
  log: (m: string) => void,
): Promise<void> {
  if (await done()) return;
  try {
    record(what, await send());
  } catch (error) {
    const name = revertName(error, settlement.interface as unknown as Interface);
    if (name !== undefined && raced.includes(name) && (await done())) {
      log(`settle: ${what}: already made by another settler (${name}); continuing`);
      return;
    }
    throw error;
  }
}

/** Waits until no transaction of `signer` is pending: a rerun after a crash must not send a step whose transaction is still in flight. */
async function waitForPending(chain: ChainConnection, log: (m: string) => void): Promise<void> {
  const address = await chain.signer.getAddress();
  for (let said = false; ; said = true) {
    const [latest, pending] = await Promise.all([
      chain.provider.getTransactionCount(address, "latest"),
      chain.provider.getTransactionCount(address, "pending"),
    ]);
    if (pending <= latest) return;
    if (!said)
      log(`settle: ${pending - latest} transaction(s) of ${address} still pending; waiting for them before reading the epoch's state`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * What this epoch's releases paid each address. A release pays its rows (a token Transfer from
 * the settlement, or a PayoutDeferred credit) and then logs BatchReleased (the batch complete) or
 * BatchRowsReleased (a range of it), with no settlement event in between; so in each transaction
 * that released rows of this epoch, the payments are those logged since the settlement's previous
 * event, taken when either event of this epoch comes.
 * Anything else one transaction may carry (another epoch's release, a forfeit, a withdraw, whose
 * Transfer follows its Withdrawn) is not this epoch's (a review found a forwarder bundling a
 * forfeit with a release made settle count the burn as a payment).
 */
async function paidByReleases(
  chain: ChainConnection,
  token: OpenTokenContract,
  settlement: PayoutSettlementContract,
  epoch: bigint,
  settlementAddress: string,
): Promise<Map<string, bigint>> {
  const paid = new Map<string, bigint>();
  const tokenAddress = await token.getAddress();
  const releases = [
    ...(await settlement.queryFilter(settlement.filters.BatchReleased!(epoch))),
    ...(await settlement.queryFilter(settlement.filters.BatchRowsReleased!(epoch))),
  ];
  for (const txHash of new Set(releases.map((e) => e.transactionHash))) {
    const receipt = await chain.provider.getTransactionReceipt(txHash);
    let pending: [string, bigint][] = [];
    let afterWithdrawn = false;
    for (const log of receipt?.logs ?? []) {
      if (sameAddress(log.address, tokenAddress)) {
        const parsed = token.interface.parseLog(log);
        if (parsed?.name !== "Transfer" || !sameAddress(parsed.args[0] as string, settlementAddress)) continue;
        if (afterWithdrawn) afterWithdrawn = false;
        else pending.push([getAddress(parsed.args[1] as string), parsed.args[2] as bigint]);
      } else if (sameAddress(log.address, settlementAddress)) {
        const parsed = settlement.interface.parseLog(log);
        if (parsed?.name === "PayoutDeferred" && parsed.args[0] === epoch) {
          pending.push([getAddress(parsed.args[1] as string), parsed.args[2] as bigint]);
          continue;
        }
        const released = parsed?.name === "BatchReleased" || parsed?.name === "BatchRowsReleased";
        if (released && parsed.args[0] === epoch) for (const [to, amount] of pending) paid.set(to, (paid.get(to) ?? 0n) + amount);
        pending = [];
        afterWithdrawn = parsed?.name === "Withdrawn";
      }
    }
  }
  return paid;
}

/** Settles the epoch directory `dir` on `deployment` (attached: loadDeployment, or the demo's own) from `chain.signer` (see the header). */
export async function settleEpoch(
  chain: ChainConnection,
  deployment: ProtocolDeployment,
  dir: string,
  options: SettleEpochOptions = {},
): Promise<SettledEpoch> {
  const config = options.config ?? defaultConfig;
  const showProgress = options.progress ?? true;
  const log = options.log ?? (() => {});
  const paths = epochPaths(dir);
  assertNotSettled(paths); // settled: final, nothing is sent again
  const record = readStageRecord(dir);
  if (record.chainId !== chain.chainId)
    throw new CodedError(
      "EPOCH_CHAIN_MISMATCH",
      "conflict",
      `${paths.epochFile} is for chain ${record.chainId}, ${chain.description} is chain ${chain.chainId}`,
    );
  assertRecordOf(deployment, record, paths.epochFile);
  const w = rebuild(record, config);
  const { token, settlement } = await connectDeployment(deployment, chain.signer);
  const settlementAddress = deployment.addresses.settlement;
  const epoch = record.epoch;
  await waitForPending(chain, log);
  const state = () => settlement.epochState(epoch);
  const first = await state();
  if (first.seed !== record.seed)
    throw new CodedError(
      "EPOCH_CHAIN_MISMATCH",
      "conflict",
      `epoch ${epoch} on ${chain.description} is not committed with epoch.json's seed`,
    );
  if (first.status !== EpochStatus.Committed && first.status !== EpochStatus.Finalized) {
    throw new CodedError(
      "EPOCH_CHAIN_MISMATCH",
      "conflict",
      `epoch ${epoch} is ${statusName(first.status)} on ${chain.description}: nothing can be settled`,
    );
  }
  if (first.status === EpochStatus.Committed) {
    // Batches and the reveal are left: the trainer's. Once finalized, releases are anyone's.
    await assertEpochTrainer(settlement, epoch, chain.signer);
    await waitOutContestWindow(chain, settlement, epoch, log);
  }

  const earlier = existsSync(paths.settlementFile)
    ? ((JSON.parse(readFileSync(paths.settlementFile, "utf8")) as { transactions?: { what: string; txHash: string; gasUsed: string }[] })
        .transactions ?? [])
    : [];
  const transactions: Transaction[] = earlier.map((t) => ({ what: t.what, txHash: t.txHash, gasUsed: BigInt(t.gasUsed) }));
  const done = (what: string, receipt: { hash: string; gasUsed: bigint }) => {
    transactions.push({ what, txHash: receipt.hash, gasUsed: receipt.gasUsed });
    writeRecordFile(paths.settlementFile, { transactions });
  };
  const steps = w.exampleBatches.length + w.registrationBatches.length + 2 * w.payoutBatches.length + 2;
  const settling = showProgress ? startProgress("settling", steps, "steps") : undefined;
  let stepsDone = 0;
  const tick = (what: string) => settling?.update(++stepsDone, what);
  const committed = async () => (await state()).status !== EpochStatus.Committed;
  /** Batch `index` of a kind is done: verified (the next to verify is past it), or the epoch is past committing. */
  const verified = (next: "nextExample" | "nextRegistration" | "nextPayout", index: number) => async () => {
    const s = await state();
    return s.status !== EpochStatus.Committed || Number(s[next]) > index;
  };
  const raced = ["BatchAlreadyVerified", "BatchOutOfOrder", "EpochNotCommitted"];
  for (const b of w.exampleBatches) {
    await step(
      `claim batch ${b.index}`,
      verified("nextExample", b.index),
      () => submitExampleBatch(settlement, epoch, b, readProofFile(paths.exampleProofFile(b.index)).proof),
      raced,
      settlement,
      done,
      log,
    );
    tick(`claim batch ${b.index}`);
  }
  for (const b of w.registrationBatches) {
    await step(
      `registration batch ${b.index}`,
      verified("nextRegistration", b.index),
      () => submitRegistrationBatch(settlement, epoch, b, readProofFile(paths.registrationProofFile(b.index)).proof),
      raced,
      settlement,
      done,
      log,
    );
    tick(`registration batch ${b.index}`);
  }
  for (const b of w.payoutBatches) {
    await step(
      `payout batch ${b.index}`,
      verified("nextPayout", b.index),
      () => submitPayoutBatch(settlement, epoch, b, readProofFile(paths.payoutProofFile(b.index)).proof),
      raced,
      settlement,
      done,
      log,
    );
    tick(`payout batch ${b.index}`);
  }
  let validation = record.epochJson.validation as RevealedValidationRecord | undefined;
  if (!(await state()).validationRevealed || validation === undefined) {
    const sealed = await sealValidationSet(
      chain.signer,
      chain.chainId,
      settlementAddress,
      epoch,
      options.validationSet ??
        heldOutValidationSet(
          config,
          epochValidationSecret(options.validationSecret ?? loadValidationSecret().secret, chain.chainId, settlementAddress, epoch),
        ),
    );
    if ((await state()).validationRevealed) {
      validation = writeRevealedValidation(sealed, record.model.validationCommitment, dir, await revealTransaction(settlement, epoch));
    } else {
      const revealed = await revealEpochValidation(settlement, epoch, record.model.validationCommitment, sealed, dir);
      done("reveal validation", revealed.receipt);
      validation = revealed.record;
    }
  }
  tick("reveal validation");
  await step("finalize", committed, () => finalizeEpoch(settlement, epoch), ["EpochNotCommitted"], settlement, done, log);
  tick("finalize");
  const gasBound = BigInt(config.payoutBatch.releaseGasBound);
  for (const b of w.payoutBatches) {
    await releasePayoutBatch(settlement, epoch, b, { gasBound, sent: done, log });
    tick(`release ${b.index}`);
  }
  settling?.stop();

  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c.label]));
  const excluded = new Set(record.exclusion);
  const expected = new Map<string, bigint>();
  for (const row of w.payoutTable.rows) {
    const address = getAddress(hex(row.address, 40));
    expected.set(address, (expected.get(address) ?? 0n) + row.reward);
  }
  const paid = await paidByReleases(chain, token, settlement, epoch, settlementAddress);
  const contributors: ContributorResult[] = w.payoutTable.rows.map((row, j) => {
    const address = getAddress(hex(row.address, 40));
    const credited = w.claimTable.filter((c, i) => c.j === j && (i === 0 || w.claimTable[i - 1]!.hash !== c.hash));
    const label = demo.get(address.toLowerCase());
    return {
      j,
      address,
      ...(label ? { label } : {}),
      excluded: excluded.has(j),
      claimed: record.registrations[j]!.count,
      credited: credited.length,
      rawScore: credited.reduce((s, c) => s + c.score, 0n),
      amount: row.amount,
      reward: row.reward,
      paid: paid.get(address) ?? 0n,
    };
  });
  const wrong = [...expected].filter(([address, reward]) => (paid.get(address) ?? 0n) !== reward);
  const strangers = [...paid.keys()].filter((a) => !expected.has(a));
  const kept = record.pool - [...paid.values()].reduce((s, v) => s + v, 0n);
  writeRecordFile(paths.settlementFile, {
    transactions,
    paid: [...expected.keys()].map((address) => ({ address, amount: paid.get(address) ?? 0n })),
    kept,
  });
  if (wrong.length > 0) {
    throw new CodedError(
      "SETTLEMENT_MISMATCH",
      "mismatch",
      `${wrong.length} payments of epoch ${epoch} differ from the reference model, first ${wrong[0]![0]}: paid ${paid.get(wrong[0]![0]) ?? 0n}, reward ${wrong[0]![1]}`,
    );
  }
  if (strangers.length > 0)
    throw new CodedError("SETTLEMENT_MISMATCH", "mismatch", `epoch ${epoch}'s releases paid ${strangers[0]}, which has no payout row`);
  if (kept !== record.dust)
    throw new CodedError(
      "SETTLEMENT_MISMATCH",
      "mismatch",
      `epoch ${epoch} kept ${kept} of its pool, the reference model's dust is ${record.dust}`,
    );
  if (record.epochJson.status !== "settled") writeRecordFile(paths.epochFile, { ...record.epochJson, validation, status: "settled" });
  const { token: tokenAddress, registry } = deployment.addresses;
  return {
    dir,
    chainId: chain.chainId,
    chain: chain.description,
    addresses: { token: tokenAddress, registry, settlement: settlementAddress },
    exclusion: record.exclusion,
    epoch,
    pool: record.pool,
    total: record.total,
    dust: record.dust,
    examples: w.claimTable.length,
    duplicates: w.duplicates.length,
    circuits: record.circuits,
    contributors,
    transactions,
    exampleBatches: w.exampleBatches.length,
    registrationBatches: w.registrationBatches.length,
    payoutBatches: w.payoutBatches.length,
  };
}
