/**
 * A contributor's registration (paying the fee per example) and the end of the registration
 * window. ContributorRegistry has no early close: an epoch can open only once the deadline has
 * passed, so a development chain moves its clock past it (Hardhat's evm_increaseTime + evm_mine,
 * on the in-process chain and on `hardhat node`) and any other chain is waited for. A revert is
 * thrown as a ContractRevertError naming its custom error (revert-reason.ts).
 */
import { randomBytes } from "node:crypto";
import type { ContractTransactionReceipt, Provider, Signer } from "ethers";
import { config } from "../config/index.ts";
import { registrationCommitment, registrationDomain } from "../witness/registration-commitment.ts";
import type { ContributorRegistryContract, OpenTokenContract } from "./contract-types.ts";
import { transact } from "./revert-reason.ts";

const UINT64_MAX = (1n << 64n) - 1n;
const latestTimestamp = async (provider: Provider) => BigInt((await provider.getBlock("latest"))!.timestamp);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function checkEpoch(epoch: bigint): void {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > UINT64_MAX) throw new RangeError(`epoch must be a uint64 bigint, got ${epoch}`);
}

export interface RegisterExamplesOptions {
  /** The salt of the commitment (a field element); default: 31 random bytes. */
  readonly salt?: bigint;
  /**
   * Development only: the token's owner (the signer `token` is connected to) mints the registrant
   * whatever it lacks of the fee first, as the demo does for its contributors.
   */
  readonly mintFee?: boolean;
}

/** What a registrant keeps: everything it needs to deliver its data and check its payout later. */
export interface RegistrationReceipt {
  readonly receipt: ContractTransactionReceipt;
  /** Its registration order j (from the Registered event). */
  readonly order: number;
  readonly commitment: bigint;
  readonly salt: bigint;
  /** The hashes, sorted ascending: the list the commitment is over. */
  readonly hashes: readonly bigint[];
}

/**
 * Registers `hashes` for `epoch` from `registrant`: computes its commitment C (bound to the epoch,
 * the registrant's address, the count and a salt), approves the registry for the fee
 * (the epoch's registrationFee for the count, fixed from its pool and burned by the registry) when
 * its allowance is short, then registers.
 * With a zero fee nothing is approved.
 */
export async function registerExamples(
  contracts: { readonly token: OpenTokenContract; readonly registry: ContributorRegistryContract },
  registrant: Signer,
  epoch: bigint,
  hashes: readonly bigint[],
  options: RegisterExamplesOptions = {},
): Promise<RegistrationReceipt> {
  checkEpoch(epoch);
  if (hashes.length === 0) throw new RangeError("hashes must not be empty");
  const sorted = [...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const { token, registry } = contracts;
  const address = await registrant.getAddress();
  const registryAddress = await registry.getAddress();
  const fee = await registry.registrationFee(epoch, hashes.length);
  if (fee > 0n) {
    if (options.mintFee) {
      const balance = await token.balanceOf(address);
      if (balance < fee)
        await transact({ contract: "OpenToken", call: `mint(${address}, ${fee - balance})`, target: token }, () =>
          token.mint(address, fee - balance),
        );
    }
    if ((await token.allowance(address, registryAddress)) < fee) {
      const payer = token.connect(registrant) as OpenTokenContract;
      await transact({ contract: "OpenToken", call: `approve(registry, ${fee}) from ${address}`, target: payer }, () =>
        payer.approve(registryAddress, fee),
      );
    }
  }
  const chainId = (await registrant.provider!.getNetwork()).chainId;
  const salt = options.salt ?? BigInt(`0x${randomBytes(31).toString("hex")}`);
  const domain = registrationDomain(chainId, registryAddress, epoch);
  const commitment = registrationCommitment({ domain, sender: address, salt, hashes: sorted, chunk: config.registrationBatch.chunk });
  const asRegistrant = registry.connect(registrant) as ContributorRegistryContract;
  const receipt = await transact<ContractTransactionReceipt>(
    { contract: "ContributorRegistry", call: `register(${epoch}, ${sorted.length} examples) from ${address}`, target: asRegistrant },
    () => asRegistrant.register(epoch, commitment, sorted.length),
  );
  const event = receipt.logs.map((log) => registry.interface.parseLog(log)).find((parsed) => parsed?.name === "Registered");
  if (!event) throw new Error(`register(${epoch}): no Registered event in the receipt`);
  return { receipt, order: Number(event.args.order), commitment, salt, hashes: sorted };
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
export async function waitForRegistrationClose(
  registry: ContributorRegistryContract,
  epoch: bigint,
  options: WaitForCloseOptions = {},
): Promise<void> {
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
  if (!moved)
    options.log?.(
      `registration of epoch ${epoch} closes at ${new Date(Number(closesAt) * 1000).toISOString()}: waiting ${ahead > 0n ? ahead : 0n} s`,
    );
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
