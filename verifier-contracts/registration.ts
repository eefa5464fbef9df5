/**
 * A contributor's registration (paying the fee per example) and the end of the registration
 * window. ContributorRegistry has no early close: an epoch can open only once the deadline has
 * passed, so a development chain moves its clock past it (Hardhat's evm_increaseTime + evm_mine,
 * on the in-process chain and on `hardhat node`) and any other chain is waited for.
 */
import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { registrationCommitment } from "../witness/index.ts";
import type { ContributorRegistryContract, OpenTokenContract } from "./contract-types.ts";

const UINT64_MAX = (1n << 64n) - 1n;
const latestTimestamp = async (provider: Provider) => BigInt((await provider.getBlock("latest"))!.timestamp);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function checkEpoch(epoch: bigint): void {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > UINT64_MAX) throw new RangeError(`epoch must be a uint64 bigint, got ${epoch}`);
}

export interface RegisterExamplesOptions {
  /**
   * Development only: the token's owner (the signer `token` is connected to) mints the registrant
   * whatever it lacks of the fee first, as the demo does for its contributors.
   */
  readonly mintFee?: boolean;
}

/**
 * Registers `hashes` for `epoch` from `registrant`: approves the registry for the fee
 * (feePerExample * count, burned by the registry) when its allowance is short, then registers.
 * With a zero fee nothing is approved. Returns the register transaction's receipt.
 */
export async function registerExamples(
  contracts: { readonly token: OpenTokenContract; readonly registry: ContributorRegistryContract },
  registrant: Signer,
  epoch: bigint,
  hashes: readonly bigint[],
  options: RegisterExamplesOptions = {},
): Promise<ContractTransactionReceipt> {
  checkEpoch(epoch);
  if (hashes.length === 0) throw new RangeError("hashes must not be empty");
  const { token, registry } = contracts;
  const address = await registrant.getAddress();
  const registryAddress = await registry.getAddress();
  const fee = (await registry.feePerExample()) * BigInt(hashes.length);
  if (fee > 0n) {
    if (options.mintFee) {
      const balance = await token.balanceOf(address);
      if (balance < fee) await (await token.mint(address, fee - balance)).wait();
    }
    if ((await token.allowance(address, registryAddress)) < fee) {
      await (await (token.connect(registrant) as OpenTokenContract).approve(registryAddress, fee)).wait();
    }
  }
  const receipt = await (await (registry.connect(registrant) as ContributorRegistryContract).register(epoch, registrationCommitment(hashes), hashes.length)).wait();
  if (!receipt) throw new Error(`register(${epoch}): the transaction has no receipt`);
  return receipt;
}

/** Seconds added to the minimum window: the next block's timestamp may run ahead of the latest one. */
export const DEADLINE_MARGIN = 30n;

/**
 * A deadline to open registration with now: the latest block's time plus the registry's
 * minRegistrationWindow, or `atLeast` seconds when longer (the time the caller's registrations
 * need: sequential transactions on a loaded machine or a slow chain), plus DEADLINE_MARGIN.
 */
export async function earliestDeadline(registry: ContributorRegistryContract, atLeast = 0n): Promise<bigint> {
  const provider = registry.runner?.provider;
  if (!provider) throw new TypeError("registry must be connected to a provider");
  if (typeof atLeast !== "bigint" || atLeast < 0n) throw new RangeError(`atLeast must be a non-negative bigint of seconds, got ${atLeast}`);
  const window = await registry.minRegistrationWindow();
  return (await latestTimestamp(provider)) + (window > atLeast ? window : atLeast) + DEADLINE_MARGIN;
}

/** Seconds of registration window the stages allow per registrant (funding, fee approval, register). */
export const SECONDS_PER_REGISTRANT = 30n;

export interface WaitForCloseOptions {
  /** Progress lines while waiting on a chain whose clock cannot be moved. */
  readonly log?: (message: string) => void;
  /** Milliseconds between checks while waiting (default 5000). */
  readonly pollMs?: number;
}

/**
 * Returns once registration of `epoch` has closed (its deadline passed). On a chain that accepts
 * evm_increaseTime (Hardhat, in-process or `hardhat node`) the clock is moved past the deadline
 * and a block mined; elsewhere this waits for the deadline, logging the time left.
 */
export async function waitForRegistrationClose(registry: ContributorRegistryContract, epoch: bigint, options: WaitForCloseOptions = {}): Promise<void> {
  checkEpoch(epoch);
  const provider = registry.runner?.provider;
  if (!provider) throw new TypeError("registry must be connected to a provider");
  const { closesAt } = await registry.registration(epoch);
  if (closesAt === 0n) throw new RangeError(`registration of epoch ${epoch} was never opened`);
  if (await registry.registrationClosed(epoch)) return;
  const ahead = closesAt - (await latestTimestamp(provider));
  const send = (provider as Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
  let moved = false;
  if (typeof send === "function" && ahead > 0n) {
    try {
      await send.call(provider, "evm_increaseTime", [Number(ahead)]);
      await send.call(provider, "evm_mine", []);
      moved = true;
    } catch {
      // Not a development chain: its clock only moves with real time.
    }
  }
  if (!moved) options.log?.(`registration of epoch ${epoch} closes at ${new Date(Number(closesAt) * 1000).toISOString()}: waiting ${ahead > 0n ? ahead : 0n} s`);
  while (!(await registry.registrationClosed(epoch))) {
    if (moved) {
      await send!.call(provider, "evm_mine", []);
      continue;
    }
    await sleep(options.pollMs ?? 5000);
    const left = closesAt - (await latestTimestamp(provider));
    options.log?.(`registration of epoch ${epoch}: ${left > 0n ? `${left} s left` : "deadline passed, waiting for a block past it"}`);
  }
}
