/**
 * The `domain` of an epoch: binds every proof to one chain, one settlement contract and one epoch,
 * so a proof cannot be replayed elsewhere. PayoutSettlement.sol computes the same value.
 */
import { AbiCoder, getAddress, keccak256 } from "ethers";
import { FIELD_MODULUS } from "../config/index.ts";

/** keccak256(abi.encode(uint256 chainId, address contract, uint64 epoch)) mod p. */
export function epochDomain(chainId: bigint, contract: string, epoch: bigint): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint64"], [chainId, getAddress(contract), epoch]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}
