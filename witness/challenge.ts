/**
 * The epoch's seed: every challenge of the statement comes from it (r = seed; the circuits derive
 * gamma = Poseidon(seed, 1) and beta = Poseidon(seed, 2)). PayoutSettlement.commitEpoch draws it
 * by keccak over everything the commit fixes, so no table, count, sum or exclusion can be chosen
 * knowing it (docs/soundness-ii.md).
 */
import { AbiCoder, concat, keccak256, toBeHex, zeroPadValue } from "ethers";
import { FIELD_MODULUS } from "../config/index.ts";

/** What commitEpoch fixes (PayoutSettlement.Commit), plus what it reads from the registry. */
export interface EpochCommit {
  /** The claim table's chain after its last batch. */
  readonly commitExamples: bigint;
  /** The payout table's chain after its last batch. */
  readonly commitPayouts: bigint;
  /** The Poseidon chain over the excluded orders (exclusionChain): the registration table's flags, fixed before the seed. */
  readonly commitExclusion: bigint;
  /** S: the sum of every credited clipped score. */
  readonly total: bigint;
  readonly exampleBatches: number;
  readonly registrationBatches: number;
  readonly payoutBatches: number;
  /** bytes32 hex: the hash of the trained model. */
  readonly modelHash: string;
}

/** keccak256(abi.encodePacked(uint32[] exclusion)): each order padded to 32 bytes, as Solidity packs arrays. */
export function exclusionHash(exclusion: readonly number[]): string {
  return keccak256(concat(exclusion.map((j) => zeroPadValue(toBeHex(j), 32))));
}

/**
 * seed = keccak256(abi.encode(domain, commit, fold, registrants, exclusionHash, pool)) mod p, as
 * commitEpoch computes it: domain = epochDomain (witness/domain.ts), fold and registrants = the
 * registry's running hash F and count m at the deadline.
 */
export function epochSeed(input: {
  readonly domain: bigint;
  readonly commit: EpochCommit;
  readonly fold: bigint;
  readonly registrants: number;
  readonly exclusion: readonly number[];
  readonly pool: bigint;
}): bigint {
  const { domain, commit, fold, registrants, exclusion, pool } = input;
  for (const [name, v] of [["domain", domain], ["commitExamples", commit.commitExamples], ["commitPayouts", commit.commitPayouts], ["commitExclusion", commit.commitExclusion], ["fold", fold]] as const) {
    if (typeof v !== "bigint" || v < 0n || v >= FIELD_MODULUS) throw new RangeError(`${name} must be a reduced field element, got ${v}`);
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "tuple(uint256,uint256,uint256,uint256,uint32,uint32,uint32,bytes32)", "uint256", "uint32", "bytes32", "uint256"],
    [
      domain,
      [commit.commitExamples, commit.commitPayouts, commit.commitExclusion, commit.total, commit.exampleBatches, commit.registrationBatches, commit.payoutBatches, commit.modelHash],
      fold,
      registrants,
      exclusionHash(exclusion),
      pool,
    ],
  );
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}
