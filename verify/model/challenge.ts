/**
 * The epoch's Fiat-Shamir values as the contracts draw them (docs/soundness-ii.md, "Challenges"),
 * for the skeptic:
 *   domain    = keccak256(abi.encode(uint256 chainId, address settlement, uint64 epoch)) mod p
 *   regDomain = keccak256(abi.encode(uint256 chainId, address registry, uint64 epoch)) mod p
 *               (ContributorRegistry.registrationDomain: s_0 of every C_j of the epoch)
 *   seed      = keccak256(abi.encode(uint256 domain, Commit params, uint256 F, uint32 m,
 *               bytes32 keccak256(abi.encodePacked(uint32[] X)), uint256 pool)) mod p
 *               (PayoutSettlement.commitEpoch; Commit = (uint256 commitExamples, uint256
 *               commitPayouts, uint256 commitExclusion, uint256 total, uint32 exampleBatches,
 *               uint32 registrationBatches, uint32 payoutBatches, bytes32 modelHash), a static
 *               tuple encoded in place; commitExclusion = registration-table.ts exclusionChain(X))
 *   r = seed, gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2) (every circuit derives them so).
 * Every value abi.encode takes here is static, so the encoding is the concatenation of 32-byte
 * big-endian words; abi.encodePacked of a uint32[] pads each element to 32 bytes too.
 */
import { fieldPow, P, toField } from "./field.ts";
import { bigEndian, keccakInteger, keccakToField } from "./keccak.ts";
import { poseidonHash } from "./poseidon.ts";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function keccakDomain(chainId: bigint, contract: string, epoch: bigint, name: string): bigint {
  if (typeof contract !== "string" || !ADDRESS.test(contract))
    throw new TypeError(`${name} must be 0x + 40 hex digits, got ${String(contract)}`);
  if (epoch < 0n || epoch >= 1n << 64n) throw new RangeError(`epoch must be a uint64, got ${epoch}`);
  return keccakToField([chainId, BigInt(contract), epoch]);
}

/** The domain binding the claim and payout proofs to one chain, one settlement contract and one epoch. */
export function epochDomain(chainId: bigint, settlement: string, epoch: bigint): bigint {
  return keccakDomain(chainId, settlement, epoch, "settlement");
}

/** The registry's registrationDomain(epoch): the first element of every registration commitment of the epoch. */
export function registrationDomain(chainId: bigint, registry: string, epoch: bigint): bigint {
  return keccakDomain(chainId, registry, epoch, "registry");
}

/** What commitEpoch fixes (PayoutSettlement.Commit). */
export interface EpochCommit {
  /** The claim table's chain after its last batch. */
  readonly commitExamples: bigint;
  /** The payout table's chain after its last batch. */
  readonly commitPayouts: bigint;
  /** The exclusion chain over X (registration-table.ts exclusionChain): the registration table's flags, fixed before the seed. */
  readonly commitExclusion: bigint;
  /** S, the sum of every credited clipped score. */
  readonly total: bigint;
  readonly exampleBatches: number;
  readonly registrationBatches: number;
  readonly payoutBatches: number;
  /** bytes32 hex. */
  readonly modelHash: string;
}

const uint32 = (name: string, v: number): bigint => {
  if (!Number.isSafeInteger(v) || v < 0 || v >= 2 ** 32) throw new RangeError(`${name} must be a uint32, got ${v}`);
  return BigInt(v);
};

/** X as commitEpoch takes it: ceil(m / 8) bytes, registration j at bit j % 8 (least significant first) of byte j / 8; hex, no 0x. */
function exclusionBytes(exclusion: readonly number[], registrants: number): string {
  const bytes = new Array<number>(Math.ceil(uint32("registrants", registrants) === 0n ? 0 : registrants / 8)).fill(0);
  exclusion.forEach((j, i) => {
    if (!Number.isSafeInteger(j) || j < 0 || j >= registrants || (i > 0 && j <= exclusion[i - 1]!))
      throw new RangeError(`exclusion[${i}] = ${j}: orders must be strictly increasing and below ${registrants}`);
    bytes[j >> 3]! |= 1 << (j & 7);
  });
  return bytes.map((b) => bigEndian(BigInt(b), 1)).join("");
}

/** keccak256 of the exclusion bitmap as 0x + 64 hex digits: what commitEpoch stores and the seed covers. */
export function exclusionHash(exclusion: readonly number[], registrants: number): string {
  return `0x${keccakInteger(exclusionBytes(exclusion, registrants)).toString(16).padStart(64, "0")}`;
}

/** The excluded orders of a bitmap (0x hex) as EpochCommitted carries it, ascending. */
export function exclusionOrders(bitmap: string): number[] {
  const hex = bitmap.startsWith("0x") ? bitmap.slice(2) : bitmap;
  const orders: number[] = [];
  for (let i = 0; i < hex.length / 2; i++) {
    const byte = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    for (let b = 0; b < 8; b++) if ((byte >> b) & 1) orders.push(8 * i + b);
  }
  return orders;
}

/** The seed commitEpoch draws (see the header); `registrants` is m, `fold` the registry's F. */
export function epochSeed(input: {
  readonly domain: bigint;
  readonly commit: EpochCommit;
  readonly fold: bigint;
  readonly registrants: number;
  readonly exclusion: readonly number[];
  readonly pool: bigint;
}): bigint {
  const { domain, commit, fold, registrants, exclusion, pool } = input;
  if (typeof commit.modelHash !== "string" || !BYTES32.test(commit.modelHash))
    throw new TypeError(`modelHash must be 0x + 64 hex digits, got ${String(commit.modelHash)}`);
  if (typeof commit.commitExclusion !== "bigint" || commit.commitExclusion < 0n || commit.commitExclusion >= P) {
    throw new RangeError(`commitExclusion must be a reduced field element, got ${String(commit.commitExclusion)}`);
  }
  return keccakToField([
    domain,
    commit.commitExamples,
    commit.commitPayouts,
    commit.commitExclusion,
    commit.total,
    uint32("exampleBatches", commit.exampleBatches),
    uint32("registrationBatches", commit.registrationBatches),
    uint32("payoutBatches", commit.payoutBatches),
    BigInt(commit.modelHash),
    fold,
    uint32("registrants", registrants),
    BigInt(exclusionHash(exclusion, registrants)),
    pool,
  ]);
}

/** The three challenges every circuit derives from the seed. */
export interface Challenges {
  readonly seed: bigint;
  /** r = seed: the point of the one polynomial (identity 2). */
  readonly r: bigint;
  /** gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2): the multiset challenges (identity 1). */
  readonly gamma: bigint;
  readonly beta: bigint;
}

export function challengesOf(seed: bigint): Challenges {
  if (seed < 0n || seed >= P) throw new RangeError(`seed must be a reduced field element, got ${seed}`);
  return { seed, r: seed, gamma: poseidonHash([seed, 1n]), beta: poseidonHash([seed, 2n]) };
}

/** r^(2^bits) mod p: the shift of identity 2's exponent ranges (bits = indexBits, indexBits + 1). */
export function rangeShift(r: bigint, bits: number): bigint {
  return fieldPow(r, 1n << BigInt(bits));
}

/** sum over j in X of r^(j + 2^(indexBits+1)): what commitEpoch subtracts for the exclusion set (PayoutSettlement._exclusionSum). */
export function exclusionSum(r: bigint, exclusion: readonly number[], indexBits: number): bigint {
  const shift = rangeShift(r, indexBits + 1);
  return exclusion.reduce((sum, j) => toField(sum + shift * fieldPow(r, BigInt(j))), 0n);
}
