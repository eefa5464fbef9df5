/**
 * The epoch's challenge r for the random linear combinations sum T_c r^c == sum s_e r^(c_e):
 * drawn by keccak only after both tables are committed, so neither table can be chosen knowing r.
 * PayoutSettlement.sol computes the same value when the epoch opens.
 */
import { AbiCoder, keccak256 } from "ethers";
import { FIELD_MODULUS } from "../config/index.ts";

/** r = keccak256(abi.encode(commitExamples, commitContributors, domain)) mod p. */
export function epochChallenge(commitExamples: bigint, commitContributors: bigint, domain: bigint): bigint {
  for (const [name, v] of [["commitExamples", commitExamples], ["commitContributors", commitContributors], ["domain", domain]] as const) {
    if (typeof v !== "bigint" || v < 0n || v >= FIELD_MODULUS) throw new RangeError(`${name} must be a reduced field element, got ${v}`);
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [commitExamples, commitContributors, domain]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}
