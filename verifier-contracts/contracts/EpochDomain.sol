// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ProtocolParams} from "./generated/ProtocolParams.sol";

/// The domain separator of `epoch`'s tables in the contract at `owner` on this chain, as a field
/// element: the registry's (registration lists) and the settlement's (claim and payout tables).
/// One definition for both, so the settlement computes the registry's domain itself instead of
/// calling it on every registration batch.
function epochDomain(address owner, uint64 epoch) view returns (uint256) {
    return uint256(keccak256(abi.encode(block.chainid, owner, epoch))) % ProtocolParams.FIELD_MODULUS;
}
