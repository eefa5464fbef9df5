/**
 * The trainer's first check in collect, witness and settle: the epoch names this key as its
 * trainer. Only that key commits, proves and reveals, and a Delivery receipt counts only under its
 * signature; a key that is not the epoch's would sign receipts for someone else's epoch, or send
 * transactions the contract refuses.
 */
import { ZeroAddress, type Signer } from "ethers";
import { CodedError } from "../../errors/index.ts";
import type { PayoutSettlementContract } from "../../verifier-contracts/index.ts";

/**
 * Refuses, before anything is signed or sent, a `signer` that is not `epoch`'s trainer on
 * `settlement`: EPOCH_NOT_OPEN when the epoch has no trainer yet, NOT_THE_TRAINER naming both
 * addresses otherwise.
 */
export async function assertEpochTrainer(settlement: PayoutSettlementContract, epoch: bigint, signer: Signer): Promise<void> {
  const [state, address] = await Promise.all([settlement.epochState(epoch), signer.getAddress()]);
  const where = `epoch ${epoch} of settlement ${await settlement.getAddress()}`;
  if (state.trainer === ZeroAddress)
    throw new CodedError(
      "EPOCH_NOT_OPEN",
      "input",
      `${where} is not open (no trainer): the operator opens it first (epoch open); nothing was sent`,
    );
  if (state.trainer.toLowerCase() !== address.toLowerCase()) {
    throw new CodedError(
      "NOT_THE_TRAINER",
      "input",
      `${where} names ${state.trainer} as its trainer, this key is ${address}: use the epoch's trainer key (OPEN_TRAINER_KEY); nothing was signed or sent`,
    );
  }
}
