/**
 * A contributor's defence against an exclusion: the trainer's commit names, in its exclusion
 * bitmap, the registrations whose data "never arrived"; a registration the trainer signed a
 * Delivery receipt for (collect hands it back, delivery-receipt.ts) voids that commit with
 * PayoutSettlement.contestExclusion, within the contest window. Anyone may send it.
 *
 * Everything the contract would refuse is refused here first, and nothing is sent then:
 *   - the receipt is of this chain, this settlement and this epoch (DELIVERY_RECEIPT_OTHER_EPOCH);
 *   - the epoch's trainer on chain (epochState(epoch).trainer) signed it (delivery-receipt.ts);
 *   - it names a registration of the epoch, with its commitment (DELIVERY_RECEIPT_MISMATCH);
 *   - there is a live commit: the last EpochCommitted with no ExclusionContested after it
 *     (verify/chain-read.ts reads them; NO_LIVE_COMMIT);
 *   - it excludes the registration (NOT_EXCLUDED) and its contest window is open
 *     (CONTEST_WINDOW_CLOSED).
 * After each contest the live commit is read again: a trainer that commits again, still excluding
 * the registration, is contested again (at most MAX_ROUNDS times, then STILL_EXCLUDED), and a
 * contest that lost a race to another transaction reads the chain again.
 * The chain refusals are of the conflict category: the file is fine, the epoch's state refuses it.
 * The bitmap sent is the live commit's as its event carried it: the contract checks its hash.
 */
import { getAddress, ZeroAddress, type Provider } from "ethers";
import { CodedError } from "../errors/index.ts";
import {
  EpochStatus,
  readRegistrations,
  type ContributorRegistryContract,
  type PayoutSettlementContract,
} from "../verifier-contracts/index.ts";
import { ContractRevertError } from "../verifier-contracts/revert-reason.ts";
import { contestExclusion } from "../verifier-contracts/settle.ts";
import { readEpochCommits } from "../verify/chain-read.ts";
import { checkTrainersSignature, readDeliveryReceipt } from "./delivery-receipt.ts";

export interface ContestOptions {
  /** The settlement, connected to the sender's signer. */
  readonly settlement: PayoutSettlementContract;
  readonly registry: ContributorRegistryContract;
  readonly epoch: bigint;
  /** The trainer's signed Delivery receipt (delivery-receipt.json). */
  readonly receiptFile: string;
}

export interface ContestResult {
  readonly epoch: bigint;
  readonly order: number;
  readonly commitment: bigint;
  readonly contributor: string;
  readonly trainer: string;
  /**
   * The last commit this contest voided (its EpochCommitted's transaction), with the contest's
   * transaction and block; absent when another's contest voided it first (a race).
   */
  readonly voided?: string;
  readonly transaction?: string;
  readonly block?: number;
}

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/** Checks the receipt in `options.receiptFile` against the chain and voids the live commit that excludes it (see the header). */
export async function contestWithReceipt(options: ContestOptions): Promise<ContestResult> {
  const { settlement, registry, epoch, receiptFile: file } = options;
  const r = readDeliveryReceipt(file);
  const provider = settlement.runner!.provider as Provider;
  const chainId = (await provider.getNetwork()).chainId;
  const address = await settlement.getAddress();
  const where = `epoch ${epoch} of settlement ${address} on chain ${chainId}`;
  for (const [field, theirs, ours] of [
    ["chainId", r.chainId, chainId],
    ["settlement", r.settlement.toLowerCase(), address.toLowerCase()],
    ["epoch", r.epoch, epoch],
  ] as const) {
    if (theirs !== ours)
      throw new CodedError(
        "DELIVERY_RECEIPT_OTHER_EPOCH",
        "input",
        `${file}: ${field}: a receipt of epoch ${r.epoch} of settlement ${r.settlement} on chain ${r.chainId}, not of ${where}; nothing was sent`,
      );
  }
  const state = await settlement.epochState(epoch);
  if (state.trainer === ZeroAddress)
    throw new CodedError("EPOCH_NOT_OPEN", "input", `${where} was never opened (no trainer); nothing was sent`);
  checkTrainersSignature(file, r, state.trainer);
  const registration = (await readRegistrations(registry, epoch))[r.order];
  if (!registration || registration.commitment !== r.commitment || registration.contributor !== BigInt(r.contributor))
    throw new CodedError(
      "DELIVERY_RECEIPT_MISMATCH",
      "input",
      `${file}: order: registration ${r.order} of ${where} is ${registration ? `${getAddress(`0x${registration.contributor.toString(16).padStart(40, "0")}`)}'s with commitment ${registration.commitment}` : "not there"}, the receipt says ${r.contributor}'s with commitment ${r.commitment}; nothing was sent`,
    );

  // Rounds against a trainer that commits again behind (or ahead of) the contest, still excluding
  // the registration (red team 10): each round costs it a commit, which it can make only until its
  // commit deadline; its last one stays contestable, so a contributor who keeps contesting wins.
  let last: { voided: string; transaction: string; block: number } | undefined;
  for (let round = 0; ; round++) {
    let commit: Awaited<ReturnType<typeof excludingCommit>>;
    try {
      commit = await excludingCommit({ settlement, provider, address, epoch, where, order: r.order });
    } catch (error) {
      // After a round, no commit that excludes the registration is left: that is the goal.
      if (round > 0 && error instanceof CodedError && (error.code === "NO_LIVE_COMMIT" || error.code === "NOT_EXCLUDED")) break;
      throw error;
    }
    if (round === MAX_ROUNDS)
      throw new CodedError(
        "STILL_EXCLUDED",
        "conflict",
        `${where}: after ${round} contests the trainer's newest commit (transaction ${commit.txHash}) excludes registration ${r.order} again: run contest again (each commit of the trainer stays contestable)`,
      );
    try {
      const sent = await contestExclusion(settlement, epoch, commit.exclusionBitmap, r);
      last = { voided: commit.txHash, transaction: sent.hash, block: sent.blockNumber };
    } catch (error) {
      // The commit changed under the transaction (a contest, or a contest and a recommit, mined
      // first): read the chain again.
      if (error instanceof ContractRevertError && (error.errorName === "ExclusionSetMismatch" || error.errorName === "EpochNotCommitted"))
        continue;
      throw error;
    }
  }
  return { epoch, order: r.order, commitment: r.commitment, contributor: r.contributor, trainer: state.trainer, ...last };
}

/** Contest rounds before contest gives up and says to run it again (STILL_EXCLUDED). */
const MAX_ROUNDS = 8;

/**
 * The live commit that excludes registration `order`, inside its contest window: else
 * NO_LIVE_COMMIT, NOT_EXCLUDED or CONTEST_WINDOW_CLOSED, with nothing sent.
 */
async function excludingCommit(c: {
  readonly settlement: PayoutSettlementContract;
  readonly provider: Provider;
  readonly address: string;
  readonly epoch: bigint;
  readonly where: string;
  readonly order: number;
}) {
  const { settlement, provider, address, epoch, where, order } = c;
  const state = await settlement.epochState(epoch);
  let read = await readEpochCommits(provider, address, epoch);
  // A JSON-RPC provider's logs can lag the contract's state by a block (its cached block number):
  // read them again until they name the commit the contract holds (its seed).
  for (let tries = 0; state.status === EpochStatus.Committed && read.commit?.seed !== state.seed && tries < 40; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    read = await readEpochCommits(provider, address, epoch);
  }
  const { commits, contests, commit } = read;
  if (state.status === EpochStatus.Registration || !commit)
    throw new CodedError(
      "NO_LIVE_COMMIT",
      "conflict",
      commits.length === 0
        ? `${where} has no commit yet: nothing to contest (run contest again once the trainer has committed, within its contest window); nothing was sent`
        : `${where}: its last commit (transaction ${commits.at(-1)!.txHash}) was already voided by a contest${contests.length === 0 ? "" : ` (transaction ${contests.at(-1)!.txHash})`}; nothing to contest until the trainer commits again; nothing was sent`,
    );
  if (state.status === EpochStatus.Committed && commit.seed !== state.seed)
    throw new Error(`${where}: the node's logs do not show the commit the contract holds (seed ${state.seed}); try again`);
  if (!commit.exclusion.includes(order))
    throw new CodedError(
      "NOT_EXCLUDED",
      "conflict",
      `${where}: the live commit (transaction ${commit.txHash}) does not exclude registration ${order}: nothing to contest; nothing was sent`,
    );
  const ends = state.committedAt + (await settlement.contestWindow());
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  if (state.status !== EpochStatus.Committed || now >= ends)
    throw new CodedError(
      "CONTEST_WINDOW_CLOSED",
      "conflict",
      `${where}: the contest window of its commit (transaction ${commit.txHash}) ${state.status === EpochStatus.Committed ? `closed at ${iso(ends)}` : "is over (the epoch has ended)"}: registration ${order} stays excluded; nothing was sent`,
    );
  return commit;
}
