/**
 * Releases one payout batch of a finalized epoch in transactions that each fit a gas bound
 * (config payoutBatch.releaseGasBound, under EIP-7825's 2^24 per transaction). A batch of $OPEN
 * payees fits one release; a pool token whose transfers cost more (ERC20Votes checkpoints, hooks)
 * can make a whole batch too costly for any transaction, and its payees' funds would be stuck.
 *
 * So each transaction is sized by its gas estimate: the whole batch (release) when the estimate
 * fits; else releaseRows of half as many rows, halved again until the estimate fits (an estimate
 * that fails without a revert of ours, for want of gas, counts as too costly; one that reverts with
 * ours is sent as it is, for the send to report); the next range
 * starts from the cursor with at most as many rows as fitted last. Every range starts at the
 * on-chain cursor (releaseCursor), so a rerun after a crash, or another caller's releases in
 * between, continue where the chain is; the contract pays each row once whatever is sent. A range
 * is sent as releaseRows with its row count (never "the rest"), so a cursor another caller moved
 * meanwhile cannot make the transaction pay more rows than were estimated; after a range the
 * cursor must have moved (else SETTLEMENT_MISMATCH, never a loop). A whole batch's release, once
 * its transaction succeeded, is done, as before ranges.
 */
import type { ContractTransactionReceipt, Interface } from "ethers";
import { releaseBatch, releaseBatchRows, releaseProgress, type PayoutSettlementContract } from "../verifier-contracts/index.ts";
import { revertName } from "../verifier-contracts/revert-reason.ts";
import type { PayoutBatch } from "../witness/index.ts";
import { CodedError } from "../errors/index.ts";

export interface ReleaseBatchOptions {
  /** The most gas one release transaction may be estimated at (config payoutBatch.releaseGasBound). */
  readonly gasBound: bigint;
  /** Each transaction sent, named "release K" (the whole batch) or "release K rows A-B" (rows A to B, both included). */
  readonly sent: (what: string, receipt: ContractTransactionReceipt) => void;
  readonly log: (message: string) => void;
}

/**
 * The gas estimate of a release call; "out of gas" when it fails without a revert of ours (it does
 * not fit a transaction); "reverts" when it reverts with one of ours: no question of gas, so it
 * is sent as planned and the send reports it (or finds another settler's race in it).
 */
async function estimate(settlement: PayoutSettlementContract, call: () => Promise<bigint>): Promise<bigint | "out of gas" | "reverts"> {
  try {
    return await call();
  } catch (error) {
    return revertName(error, settlement.interface as unknown as Interface) === undefined ? "out of gas" : "reverts";
  }
}

/** Releases every row of `batch` still unpaid on chain (see the header); returns once the batch is complete. */
export async function releasePayoutBatch(
  settlement: PayoutSettlementContract,
  epoch: bigint,
  batch: PayoutBatch,
  options: ReleaseBatchOptions,
): Promise<void> {
  const size = batch.words.length;
  const words = [...batch.words];
  let limit = size;
  let sentFrom: number | undefined;
  for (;;) {
    const { rows: from, complete } = await releaseProgress(settlement, epoch, batch.index);
    if (complete) return;
    // Without this a range the chain did not take (a signer that routes it elsewhere) would be sent forever.
    if (sentFrom !== undefined && from <= sentFrom)
      throw new CodedError(
        "SETTLEMENT_MISMATCH",
        "mismatch",
        `payout batch ${batch.index} of epoch ${epoch}: a release of its rows from ${sentFrom} was sent, but its cursor is still at row ${from}`,
      );
    const whole = from === 0;
    let rows = Math.min(limit, size - from);
    for (;;) {
      const gas = await estimate(settlement, () =>
        whole && rows === size
          ? settlement.release.estimateGas(epoch, batch.index, words)
          : settlement.releaseRows.estimateGas(epoch, batch.index, words, rows),
      );
      if (gas === "reverts" || (gas !== "out of gas" && gas <= options.gasBound)) break;
      if (rows === 1)
        throw new CodedError(
          "RELEASE_TOO_COSTLY",
          "external",
          `payout batch ${batch.index} of epoch ${epoch}, row ${from}: paying this one row is estimated at ${gas === "out of gas" ? "more gas than a transaction may use (the estimate ran out of gas)" : `${gas} gas`}, over payoutBatch.releaseGasBound = ${options.gasBound} (config/protocol.json, at most 2^24): no transaction under the bound can pay it`,
        );
      rows = Math.ceil(rows / 2);
    }
    if (rows < limit) options.log(`release ${batch.index}: ${rows} rows per transaction fit ${options.gasBound} gas`);
    limit = rows;
    const what = whole && rows === size ? `release ${batch.index}` : `release ${batch.index} rows ${from}-${from + rows - 1}`;
    try {
      if (whole && rows === size) {
        // One transaction for the whole batch, as before ranges: sent, it is done.
        options.sent(what, await releaseBatch(settlement, epoch, batch));
        return;
      }
      options.sent(what, await releaseBatchRows(settlement, epoch, batch, rows));
      sentFrom = from;
    } catch (error) {
      // Another settler completed the batch first: the next read finds it complete.
      if (revertName(error, settlement.interface as unknown as Interface) !== "AlreadyReleased") throw error;
      options.log(`settle: ${what}: already made by another settler (AlreadyReleased); continuing`);
    }
  }
}
