/**
 * What a contributor registers on chain for its examples (ContributorRegistry.register):
 * keccak256(abi.encodePacked(uint128[] hashes)), the hashes sorted ascending so the commitment
 * does not depend on the order the contributor listed them in.
 */
import { bigEndian, keccakInteger } from "./keccak.ts";

/** The registration commitment of `hashes` (128-bit example hashes), as 0x + 64 hex digits. */
export function registrationCommitment(hashes: readonly bigint[]): string {
  const ascending = [...hashes].sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
  return `0x${keccakInteger(ascending.map((h) => bigEndian(h, 16)).join("")).toString(16).padStart(64, "0")}`;
}
