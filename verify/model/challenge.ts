/**
 * The epoch's Fiat-Shamir values as PayoutSettlement.sol draws them, for the skeptic:
 *   domain = keccak256(abi.encode(uint256 chainId, address settlement, uint64 epoch)) mod p
 *   r      = keccak256(abi.encode(commitExamples, commitContributors, domain)) mod p
 * r is drawn after both tables are committed, so neither table can be chosen knowing it.
 */
import { P } from "./field.ts";
import { keccakToField } from "./keccak.ts";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The domain binding proofs to one chain, one settlement contract and one epoch. */
export function epochDomain(chainId: bigint, settlement: string, epoch: bigint): bigint {
  if (typeof settlement !== "string" || !ADDRESS.test(settlement)) throw new TypeError(`settlement must be 0x + 40 hex digits, got ${String(settlement)}`);
  if (epoch < 0n || epoch >= 1n << 64n) throw new RangeError(`epoch must be a uint64, got ${epoch}`);
  return keccakToField([chainId, BigInt(settlement), epoch]);
}

/** The epoch challenge r from both table commitments and the domain. */
export function epochChallenge(commitExamples: bigint, commitContributors: bigint, domain: bigint): bigint {
  for (const [name, v] of [["commitExamples", commitExamples], ["commitContributors", commitContributors], ["domain", domain]] as const) {
    if (v < 0n || v >= P) throw new RangeError(`${name} must be a reduced field element, got ${v}`);
  }
  return keccakToField([commitExamples, commitContributors, domain]);
}
