/**
 * The chain's side of an epoch before any proof: deploys $OPEN, Poseidon, the registry, the three
 * generated verifiers (refused unless they are the pinned keys' ones) and the settlement contract,
 * mints R to the owner, opens the epoch (escrows R and opens registration for the registry's
 * minimum window, longer for many registrants: SECONDS_PER_REGISTRANT each), and registers each
 * contributor from its own key, in order of first appearance in the examples file (the owner mints
 * each its registration fee, development keys only), then lets the window end: a development
 * chain's clock is moved past the deadline, another chain is waited for. The registrations are
 * read back from the registry's events; each contributor's delivery (its sorted hashes and salt)
 * is what the demo's contributors hand the trainer.
 *
 * Deterministic on a fresh development chain (same deployer, same nonces, same order, salts derived
 * from each contributor's key and the epoch): the settle stage relies on that to replay it on a
 * new in-process chain (settle.ts).
 */
import { AbiCoder, keccak256, NonceManager, parseEther, Wallet } from "ethers";
import type { KeySetKeys } from "../circuits/ceremony/index.ts";
import { FIELD_MODULUS } from "../config/index.ts";
import {
  deploySettlement, earliestDeadline, openEpoch, readRegistrations, registerExamples, SECONDS_PER_REGISTRANT, waitForRegistrationClose,
  type SettlementDeployment,
} from "../verifier-contracts/index.ts";
import { epochDomain, type Delivery, type ExampleClaim, type Registration } from "../witness/index.ts";
import type { ChainConnection } from "./chain.ts";
import { demoContributors } from "./demo-contributors.ts";
import { startProgress } from "./progress.ts";
import { ContributorKeyError, SettlementMismatchError } from "./errors.ts";

/** The three circuits' keys, as the stages load them. */
export interface EpochKeys {
  readonly example: KeySetKeys;
  readonly registration: KeySetKeys;
  readonly payout: KeySetKeys;
}

/** Rows per batch of the three circuits. */
export interface BatchSizes {
  readonly example: number;
  readonly registration: number;
  readonly payout: number;
}

export interface RegisterOptions {
  readonly claims: readonly ExampleClaim[];
  /** Lower-case address -> private key of every registrant (contributorKeysFor). */
  readonly contributorKeys: ReadonlyMap<string, string>;
  readonly keys: EpochKeys;
  readonly batchSizes: BatchSizes;
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
  /** What each registration handed the trainer, by order. */
  readonly deliveries: ReadonlyMap<number, Delivery>;
  /** The settlement's domain of the epoch. */
  readonly domain: bigint;
  /** The registry's registration domain of the epoch (the first element of every C_j). */
  readonly registrationDomain: bigint;
  /** The registry's running hash F at the deadline. */
  readonly fold: bigint;
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

/**
 * A contributor's salt for an epoch, derived from its own key: only it can compute it, and a
 * replay of the registration (settle.ts) registers the same commitment.
 */
export function contributorSalt(privateKey: string, registry: string, epoch: bigint): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "uint64", "string"], [privateKey, registry, epoch, "registration salt"]))) % FIELD_MODULUS;
}

const pinOf = (k: KeySetKeys) => ({ circuit: k.name, vkey: k.vkey, vkeyHash: k.pinnedVkeyHash });

export async function deployAndRegister(chain: ChainConnection, options: RegisterOptions): Promise<RegisteredEpoch> {
  const { claims, keys, batchSizes, epoch } = options;
  const deployment = await deploySettlement(chain.signer, {
    exampleVerifier: keys.example.verifierArtifact, exampleBatchSize: batchSizes.example,
    registrationVerifier: keys.registration.verifierArtifact, registrationBatchSize: batchSizes.registration,
    payoutVerifier: keys.payout.verifierArtifact, payoutBatchSize: batchSizes.payout,
    pins: { example: pinOf(keys.example), registration: pinOf(keys.registration), payout: pinOf(keys.payout) },
  });
  const { token, registry, settlement, addresses } = deployment;
  await (await token.mint(deployment.owner, options.pool)).wait();
  const domain = epochDomain(chain.chainId, addresses.settlement, epoch);
  const onChainDomain = await settlement.domain(epoch);
  if (onChainDomain !== domain) throw new SettlementMismatchError(`domain: the contract computes ${onChainDomain}, witness/ computes ${domain}`);

  // The pool is escrowed as registration opens: from then on only a proven settlement pays it,
  // and a trainer that does not finish loses it (forfeit), whatever it saw.
  // The window: the registry's minimum, or longer when this many registrations need more time.
  const registrants = registrantsOf(claims);
  const closesAt = await earliestDeadline(registry, BigInt(registrants.length) * SECONDS_PER_REGISTRANT);
  // The deployer trains too in this one-process pipeline: it commits, proves and signs receipts.
  await openEpoch({ token, settlement }, { epoch, closesAt, validationCommitment: options.validationCommitment, pool: options.pool, trainer: deployment.owner, follows: 0n });
  const registering = options.progress ? startProgress("registering", registrants.length, "contributors") : undefined;
  const deliveries = new Map<number, Delivery>();
  for (const [i, address] of registrants.entries()) {
    await (await chain.signer.sendTransaction({ to: address, value: parseEther("0.01") })).wait();
    const key = options.contributorKeys.get(address.toLowerCase())!;
    const wallet = new NonceManager(new Wallet(key, chain.provider));
    const hashes = claims.filter((c) => c.checksumAddress === address).map((c) => c.hash);
    const registered = await registerExamples(deployment, wallet, epoch, hashes, { mintFee: true, salt: contributorSalt(key, addresses.registry, epoch) });
    deliveries.set(registered.order, { salt: registered.salt, hashes: registered.hashes });
    registering?.update(i + 1, address);
  }
  registering?.stop();
  await waitForRegistrationClose(registry, epoch, { log: options.log });
  return {
    deployment, registrations: await readRegistrations(registry, epoch), deliveries, domain,
    registrationDomain: await registry.registrationDomain(epoch), fold: await registry.registrationFold(epoch),
  };
}
