/**
 * A contributor's registration commitment C and the registry's fold F, natively (docs/soundness-ii.md,
 * "Registration"). RegistrationBatch (circuits/registration_batch.circom) recomputes both row by row;
 * ContributorRegistry folds F with poseidon-solidity's PoseidonT4, the same circomlib Poseidon(3).
 *
 *   regDomain = keccak256(abi.encode(uint256 chainId, address registry, uint64 epoch)) mod p
 *   senderN   = sender + n * 2^160
 *   s_0 = regDomain; s_{k+1} = Poseidon(s_k, k == 0 ? senderN : 0, k == 0 ? salt : 0, chunk_k...)
 *   C = s_last;  F' = Poseidon(F, C, senderN), F = 0 before an epoch's first registrant.
 */
import { AbiCoder, getAddress, keccak256 } from "ethers";
import * as poseidon from "poseidon-lite";
import { config, FIELD_MODULUS } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";

type Poseidon = (inputs: bigint[]) => bigint;
// Index = arity - 1. Only the arities a chunk of 1..13 hashes needs (chunk + 3 <= 16), and 3 for F.
const byArity: readonly Poseidon[] = [
  poseidon.poseidon1,
  poseidon.poseidon2,
  poseidon.poseidon3,
  poseidon.poseidon4,
  poseidon.poseidon5,
  poseidon.poseidon6,
  poseidon.poseidon7,
  poseidon.poseidon8,
  poseidon.poseidon9,
  poseidon.poseidon10,
  poseidon.poseidon11,
  poseidon.poseidon12,
  poseidon.poseidon13,
  poseidon.poseidon14,
  poseidon.poseidon15,
  poseidon.poseidon16,
] as unknown as Poseidon[];

/** circomlib Poseidon of 1..16 field elements. */
export function poseidonHash(inputs: readonly bigint[]): bigint {
  const hash = byArity[inputs.length - 1];
  if (!hash) throw new RangeError(`Poseidon takes 1 to 16 inputs, got ${inputs.length}`);
  return hash([...inputs]);
}

/** senderN = sender + n * 2^ADDRESS_BITS with n < 2^COUNT_BITS; hashes below 2^HASH_BITS (config.widths). */
export const ADDRESS_BITS = BigInt(config.widths.addressBits);
export const COUNT_BITS = BigInt(config.widths.countBits);
export const HASH_BITS = BigInt(config.widths.exampleHashBits);

export type RegistrationCommitmentErrorCode =
  | "NO_HASHES"
  | "TOO_MANY_HASHES"
  | "HASH_OUT_OF_RANGE"
  | "HASHES_NOT_SORTED"
  | "DUPLICATE_HASH"
  | "COUNT_OUT_OF_RANGE"
  | "NOT_A_FIELD_ELEMENT"
  | "BAD_SENDER"
  | "BAD_CHUNK"
  | "COUNT_MISMATCH"
  | "COMMITMENT_REQUIRED"
  | "COMMITMENT_MISMATCH";

/** A list, count, salt, sender or chunk size that has no registration commitment, or a registrant whose do not fit. */
export class RegistrationCommitmentError extends CodedError<RegistrationCommitmentErrorCode> {
  constructor(code: RegistrationCommitmentErrorCode, message: string) {
    super(code, "input", message);
  }
}

function requireField(name: string, v: bigint): void {
  if (typeof v !== "bigint" || v < 0n || v >= FIELD_MODULUS) {
    throw new RegistrationCommitmentError("NOT_A_FIELD_ELEMENT", `${name} must be a reduced field element, got ${v}`);
  }
}

/** The address as a 160-bit integer; throws BAD_SENDER for anything ethers does not accept as an address. */
export function senderAddress(sender: string): bigint {
  try {
    return BigInt(getAddress(sender));
  } catch {
    throw new RegistrationCommitmentError("BAD_SENDER", `sender must be a 20-byte hex address, got ${JSON.stringify(sender)}`);
  }
}

/** keccak256(abi.encode(uint256 chainId, address registry, uint64 epoch)) mod p: s_0 of every C of the epoch. */
export function registrationDomain(chainId: bigint, registry: string, epoch: bigint): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint64"], [chainId, getAddress(registry), epoch]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}

/** sender + count * 2^160, count in [1, 2^32): what the registry folds next to C (msg.sender + n * 2^160). */
export function senderWord(sender: string, count: number | bigint): bigint {
  const n = BigInt(count);
  if (n < 1n || n >= 1n << COUNT_BITS) {
    throw new RegistrationCommitmentError("COUNT_OUT_OF_RANGE", `count must be in [1, 2^${COUNT_BITS}), got ${count}`);
  }
  return senderAddress(sender) + (n << ADDRESS_BITS);
}

/** Throws unless `hashes` is a non-empty, strictly increasing list in [1, 2^128) shorter than 2^32. */
export function checkHashList(hashes: readonly bigint[]): void {
  if (hashes.length === 0) throw new RegistrationCommitmentError("NO_HASHES", "a registration lists at least one example hash");
  if (BigInt(hashes.length) >= 1n << COUNT_BITS) {
    throw new RegistrationCommitmentError(
      "TOO_MANY_HASHES",
      `a registration lists fewer than 2^${COUNT_BITS} hashes, got ${hashes.length}`,
    );
  }
  hashes.forEach((h, i) => {
    if (typeof h !== "bigint" || h < 1n || h >= 1n << HASH_BITS) {
      throw new RegistrationCommitmentError("HASH_OUT_OF_RANGE", `hashes[${i}] must be in [1, 2^${HASH_BITS}), got ${h}`);
    }
    const previous = hashes[i - 1];
    if (previous === h) throw new RegistrationCommitmentError("DUPLICATE_HASH", `hashes[${i}] repeats hashes[${i - 1}] (${h})`);
    if (previous !== undefined && previous > h) {
      throw new RegistrationCommitmentError(
        "HASHES_NOT_SORTED",
        `hashes must be sorted ascending: hashes[${i - 1}] = ${previous} > hashes[${i}] = ${h}`,
      );
    }
  });
}

/** Throws unless chunk is an integer in [1, 13]: chunk + 3 Poseidon inputs, at most 16. */
export function checkChunk(chunk: number): void {
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 13) {
    throw new RegistrationCommitmentError("BAD_CHUNK", `chunk must be an integer in [1, 13], got ${chunk}`);
  }
}

/** `hashes` in chunks of `chunk`, the last padded with zeros: one RegistrationBatch row each. */
export function hashChunks(hashes: readonly bigint[], chunk: number): bigint[][] {
  checkChunk(chunk);
  const chunks: bigint[][] = [];
  for (let start = 0; start < hashes.length; start += chunk) {
    const part = hashes.slice(start, start + chunk);
    chunks.push([...part, ...Array<bigint>(chunk - part.length).fill(0n)]);
  }
  return chunks;
}

/** One step of the list chain: Poseidon(s, senderN or 0, salt or 0, chunk...). */
export function listStep(state: bigint, senderN: bigint, salt: bigint, chunk: readonly bigint[]): bigint {
  return poseidonHash([state, senderN, salt, ...chunk]);
}

export interface RegistrationCommitmentInput {
  /** registrationDomain(chainId, registry, epoch). */
  readonly domain: bigint;
  /** The registering address (msg.sender of register). */
  readonly sender: string;
  /** A random field element chosen by the contributor: C reveals nothing about a guessable list. */
  readonly salt: bigint;
  /** Example hashes, sorted ascending, distinct, each in [1, 2^128). */
  readonly hashes: readonly bigint[];
  /** Hashes per chunk: config.registrationBatch.chunk. */
  readonly chunk: number;
}

/** C: the chain over the list's chunks from the domain, with senderN and salt in the first chunk only. */
export function registrationCommitment({ domain, sender, salt, hashes, chunk }: RegistrationCommitmentInput): bigint {
  requireField("domain", domain);
  requireField("salt", salt);
  checkHashList(hashes);
  const senderN = senderWord(sender, hashes.length);
  let s = domain;
  hashChunks(hashes, chunk).forEach((part, k) => {
    s = listStep(s, k === 0 ? senderN : 0n, k === 0 ? salt : 0n, part);
  });
  return s;
}

/** The registry's fold after one more registrant: Poseidon(F, C, senderN) (PoseidonT4 on chain). */
export function registryFold(fold: bigint, commitment: bigint, senderN: bigint): bigint {
  requireField("fold", fold);
  requireField("commitment", commitment);
  requireField("senderN", senderN);
  return poseidonHash([fold, commitment, senderN]);
}
