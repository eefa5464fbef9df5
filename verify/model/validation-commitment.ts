/**
 * The commitment to an epoch's held-out validation set, as ContributorRegistry.openRegistration
 * stores it and PayoutSettlement.revealValidation recomputes it:
 * keccak256(abi.encode(bytes32 validationSetHash, bytes32 salt)).
 */
import { bigEndian, keccakInteger } from "./keccak.ts";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** The validation commitment of (validationSetHash, salt), both 0x + 64 hex digits; lower-case 0x hex. */
export function validationCommitment(validationSetHash: string, salt: string): string {
  for (const [name, v] of [
    ["validationSetHash", validationSetHash],
    ["salt", salt],
  ] as const) {
    if (typeof v !== "string" || !BYTES32.test(v)) throw new TypeError(`${name} must be 0x + 64 hex digits, got ${String(v)}`);
  }
  const encoded = bigEndian(BigInt(validationSetHash), 32) + bigEndian(BigInt(salt), 32);
  return `0x${keccakInteger(encoded).toString(16).padStart(64, "0")}`;
}
