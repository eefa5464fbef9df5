/**
 * The epoch's seed: every challenge of the statement comes from it (r = seed; the circuits derive
 * gamma = Poseidon(seed, 1) and beta = Poseidon(seed, 2)). PayoutSettlement.commitEpoch draws it
 * by keccak over everything the commit fixes, so no table, count, sum or exclusion can be chosen
 * knowing it (docs/soundness-ii.md).
 */
import { AbiCoder, hexlify, keccak256 } from "ethers";
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

/**
 * X as commitEpoch takes it: a bitmap over the m registrations, ceil(m / 8) bytes, registration j
 * at bit j % 8 (from the least significant) of byte j / 8; 0x-prefixed hex.
 */
export function exclusionBitmap(exclusion: readonly number[], registrants: number): string {
  if (!Number.isSafeInteger(registrants) || registrants < 0)
    throw new RangeError(`registrants must be a non-negative integer, got ${registrants}`);
  const bytes = new Uint8Array(Math.ceil(registrants / 8));
  for (const [i, j] of exclusion.entries()) {
    if (!Number.isSafeInteger(j) || j < 0 || j >= registrants || (i > 0 && j <= exclusion[i - 1]!)) {
      throw new RangeError(`exclusion orders must be strictly increasing integers below ${registrants}, got ${j} at ${i}`);
    }
    bytes[j >> 3]! |= 1 << (j & 7);
  }
  return hexlify(bytes);
}

/** keccak256 of the exclusion bitmap: what commitEpoch stores and the seed covers. */
export function exclusionHash(exclusion: readonly number[], registrants: number): string {
  return keccak256(exclusionBitmap(exclusion, registrants));
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
  for (const [name, v] of [
    ["domain", domain],
    ["commitExamples", commit.commitExamples],
    ["commitPayouts", commit.commitPayouts],
    ["commitExclusion", commit.commitExclusion],
    ["fold", fold],
  ] as const) {
    if (typeof v !== "bigint" || v < 0n || v >= FIELD_MODULUS) throw new RangeError(`${name} must be a reduced field element, got ${v}`);
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "tuple(uint256,uint256,uint256,uint256,uint32,uint32,uint32,bytes32)", "uint256", "uint32", "bytes32", "uint256"],
    [
      domain,
      [
        commit.commitExamples,
        commit.commitPayouts,
        commit.commitExclusion,
        commit.total,
        commit.exampleBatches,
        commit.registrationBatches,
        commit.payoutBatches,
        commit.modelHash,
      ],
      fold,
      registrants,
      exclusionHash(exclusion, registrants),
      pool,
    ],
  );
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}
