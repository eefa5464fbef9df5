/**
 * The chain's side of an epoch before any proof: deploys $OPEN, the registry, both generated
 * verifiers (refused unless they are the pinned keys' ones) and the settlement contract, mints R to
 * the owner, opens registration for the registry's minimum window (longer for many registrants:
 * SECONDS_PER_REGISTRANT each) and registers each contributor
 * from its own key, in order of first appearance in the examples file (the owner mints each its
 * registration fee, development keys only), then lets the window end: a development chain's clock
 * is moved past the deadline, another chain is waited for. The registrations are read back from
 * the registry's events.
 *
 * Deterministic on a fresh development chain (same deployer, same nonces, same order): the settle
 * stage relies on that to replay it on a new in-process chain (settle.ts).
 */
import { NonceManager, parseEther, Wallet } from "ethers";
import type { KeySetKeys } from "../../../circuits/ceremony/index.ts";
import {
  deploySettlement, earliestDeadline, openRegistration, readRegistrations, registerExamples, SECONDS_PER_REGISTRANT, waitForRegistrationClose,
  type SettlementDeployment,
} from "../../../verifier-contracts/index.ts";
import { epochDomain, type ExampleClaim, type Registration } from "../../../witness/index.ts";
import type { ChainConnection } from "../chain.ts";
import { demoContributors } from "../demo-contributors.ts";
import { startProgress } from "../progress.ts";
import { ContributorKeyError, SettlementMismatchError } from "./errors.ts";

export interface RegisterOptions {
  readonly claims: readonly ExampleClaim[];
  /** Lower-case address -> private key of every registrant (contributorKeysFor). */
  readonly contributorKeys: ReadonlyMap<string, string>;
  readonly exampleKeys: KeySetKeys;
  readonly payoutKeys: KeySetKeys;
  readonly exampleBatchSize: number;
  readonly payoutBatchSize: number;
  readonly pool: bigint;
  readonly epoch: bigint;
  /** bytes32: commitment to the held-out validation set, made when registration opens. */
  readonly validationCommitment: string;
  readonly progress: boolean;
  /** Lines while waiting for the registration deadline on a chain whose clock cannot be moved. */
  readonly log?: (message: string) => void;
}

export interface RegisteredEpoch {
  readonly deployment: SettlementDeployment;
  readonly registrations: readonly Registration[];
  readonly domain: bigint;
}

/** Registrants in registration order: first appearance in the examples file. */
function registrantsOf(claims: readonly ExampleClaim[]): string[] {
  return [...new Set(claims.map((c) => c.checksumAddress))];
}

/**
 * Every registrant's key, from `keys` (default: the demo's development keys). Checked before
 * anything is deployed: a contributor without a key could not register.
 */
export function contributorKeysFor(claims: readonly ExampleClaim[], examplesFile: string, keys?: readonly string[]): Map<string, string> {
  const byAddress = new Map((keys ?? demoContributors().map((c) => c.key)).map((k) => [new Wallet(k).address.toLowerCase(), k]));
  const missing = registrantsOf(claims).find((a) => !byAddress.has(a.toLowerCase()));
  if (missing) throw new ContributorKeyError(`${missing} (${examplesFile}) has no key: it cannot register; give contributorKeys`);
  return byAddress;
}

const pinOf = (k: KeySetKeys) => ({ circuit: k.name, vkey: k.vkey, vkeyHash: k.pinnedVkeyHash });

export async function deployAndRegister(chain: ChainConnection, options: RegisterOptions): Promise<RegisteredEpoch> {
  const { claims, exampleKeys, payoutKeys, epoch, exampleBatchSize, payoutBatchSize } = options;
  const deployment = await deploySettlement(chain.signer, {
    exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize,
    pins: { example: pinOf(exampleKeys), payout: pinOf(payoutKeys) },
  });
  const { token, registry, settlement, addresses } = deployment;
  await (await token.mint(deployment.owner, options.pool)).wait();
  const domain = epochDomain(chain.chainId, addresses.settlement, epoch);
  const onChainDomain = await settlement.domain(epoch);
  if (onChainDomain !== domain) throw new SettlementMismatchError(`domain: the contract computes ${onChainDomain}, witness/ computes ${domain}`);

  // Each contributor registers its example hashes from its own address.
  // The window: the registry's minimum, or longer when this many registrations need more time.
  const registrants = registrantsOf(claims);
  await openRegistration(registry, epoch, await earliestDeadline(registry, BigInt(registrants.length) * SECONDS_PER_REGISTRANT), options.validationCommitment);
  const registering = options.progress ? startProgress("registering", registrants.length, "contributors") : undefined;
  for (const [i, address] of registrants.entries()) {
    await (await chain.signer.sendTransaction({ to: address, value: parseEther("0.01") })).wait();
    const wallet = new NonceManager(new Wallet(options.contributorKeys.get(address.toLowerCase())!, chain.provider));
    const hashes = claims.filter((c) => c.checksumAddress === address).map((c) => c.hash);
    await registerExamples(deployment, wallet, epoch, hashes, { mintFee: true });
    registering?.update(i + 1, address);
  }
  registering?.stop();
  await waitForRegistrationClose(registry, epoch, { log: options.log });
  return { deployment, registrations: await readRegistrations(registry, epoch), domain };
}
