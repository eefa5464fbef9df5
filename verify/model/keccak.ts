/**
 * The keccak transcripts of the settlement contract, spelled out for the skeptic: abi.encode of
 * static values is the concatenation of 32-byte big-endian words (addresses and uint64 left-padded
 * like any uint), abi.encodePacked of uintN values is their N/8-byte big-endian concatenation.
 * Only keccak256 itself comes from a library (ethers).
 */
import { keccak256 } from "ethers";
import { P } from "./field.ts";

/** `value` as `bytes` big-endian bytes in hex (no 0x); throws if it does not fit. */
export function bigEndian(value: bigint, bytes: number): string {
  if (typeof value !== "bigint" || value < 0n || value >= 1n << BigInt(8 * bytes)) {
    throw new RangeError(`value must be an unsigned ${8 * bytes}-bit integer, got ${String(value)}`);
  }
  return value.toString(16).padStart(2 * bytes, "0");
}

/** keccak256 of `hexBytes` (no 0x) as an integer. */
export function keccakInteger(hexBytes: string): bigint {
  return BigInt(keccak256(`0x${hexBytes}`));
}

/** keccak256(abi.encode(uint256 values...)) mod p. */
export function keccakToField(values: readonly bigint[]): bigint {
  return keccakInteger(values.map((v) => bigEndian(v, 32)).join("")) % P;
}

/** keccak256(abi.encodePacked(uint256[] words)) as 0x hex: what a verified payout batch stores for its release. */
export function packedWordsHash(words: readonly bigint[]): string {
  return `0x${keccakInteger(words.map((w) => bigEndian(w, 32)).join(""))
    .toString(16)
    .padStart(64, "0")}`;
}
