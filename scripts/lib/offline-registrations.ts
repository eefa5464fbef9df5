/**
 * Registrations made without a chain, for runs of the reference model outside an epoch (the attack
 * suite, the epoch benchmark, tests): each list registered in the given order under its C_j with a
 * salt, and delivered. When every registrant delivers, the tables do not depend on the registration
 * domain or the salts (those only decide whether a delivery opens its C_j), so a fixed registry
 * address stands in for the real one and salt j + 1 for a random one.
 */
import { config } from "../../config/index.ts";
import { registrationCommitment, type Delivery, type Registration } from "../../witness/index.ts";
import { registrationDomain, registryFold, senderWord } from "../../witness/registration-commitment.ts";

/** The registry address of the offline registration domain (chain 31337, epoch 1). */
export const OFFLINE_REGISTRY = "0x000000000000000000000000000000000000bEEF";

export interface OfflineRegistrations {
  readonly registrations: readonly Registration[];
  readonly deliveries: ReadonlyMap<number, Delivery>;
  readonly registrationDomain: bigint;
  /** The registry's F after every registration: what commitEpoch reads into the seed. */
  readonly fold: bigint;
}

/** One registrant's list: its address (the sender) and its example hashes, in any order, distinct. */
export interface RegistrantList {
  readonly sender: bigint;
  readonly hashes: readonly bigint[];
}

const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Registers `lists` in order j = 0, 1, ... and delivers each (its sorted hashes and salt j + 1). */
export function registerOffline(lists: readonly RegistrantList[]): OfflineRegistrations {
  const domain = registrationDomain(31337n, OFFLINE_REGISTRY, 1n);
  const deliveries = new Map<number, Delivery>();
  let fold = 0n;
  const registrations = lists.map(({ sender, hashes }, order): Registration => {
    const address = `0x${sender.toString(16).padStart(40, "0")}`;
    const sorted = [...hashes].sort(byValue);
    const salt = BigInt(order + 1);
    const commitment = registrationCommitment({ domain, sender: address, salt, hashes: sorted, chunk: config.registrationBatch.chunk });
    deliveries.set(order, { salt, hashes: sorted });
    fold = registryFold(fold, commitment, senderWord(address, sorted.length));
    return { order, contributor: sender, commitment, count: sorted.length };
  });
  return { registrations, deliveries, registrationDomain: domain, fold };
}

/** Each claimant's hashes, claimants in order of first appearance: the demo's registration order. */
export function listsByFirstAppearance(claims: readonly { readonly hash: bigint; readonly contributor: bigint }[]): RegistrantList[] {
  const lists = new Map<bigint, bigint[]>();
  for (const { hash, contributor } of claims) {
    const list = lists.get(contributor);
    if (list) list.push(hash);
    else lists.set(contributor, [hash]);
  }
  return [...lists].map(([sender, hashes]) => ({ sender, hashes }));
}
