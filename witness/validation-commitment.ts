/**
 * The commitment to an epoch's held-out validation set. The trainer opens registration with it
 * (ContributorRegistry.openRegistration) and reveals (validationSetHash, salt) after scoring
 * (PayoutSettlement.revealValidation, which recomputes it the same way). The salt keeps a
 * low-entropy set, such as a seeded subset of public MNIST, hidden until the reveal: without it,
 * anyone could try candidate subsets against the commitment.
 */
import { AbiCoder, hexlify, isHexString, keccak256, randomBytes } from "ethers";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function bytes32(name: string, value: string): void {
  if (typeof value !== "string" || !isHexString(value) || !BYTES32.test(value))
    throw new TypeError(`${name} must be a 0x-prefixed bytes32, got ${String(value)}`);
}

/** keccak256(abi.encode(bytes32 validationSetHash, bytes32 salt)). */
export function validationCommitment(validationSetHash: string, salt: string): string {
  bytes32("validationSetHash", validationSetHash);
  bytes32("salt", salt);
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [validationSetHash, salt]));
}

/** A fresh random 32-byte salt (0x hex). */
export function validationSalt(): string {
  return hexlify(randomBytes(32));
}
