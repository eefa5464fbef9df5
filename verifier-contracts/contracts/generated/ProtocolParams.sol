// SPDX-License-Identifier: MIT
// Generated from config/protocol.json by `npm run generate`. Do not edit.
pragma solidity ^0.8.24;

/// @notice Protocol widths shared with the circuits and the witness builder.
library ProtocolParams {
    /// Order of the BN254 scalar field: public inputs and payout words must be below it.
    uint256 internal constant FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// The low ADDRESS_BITS bits of a payout word are the payee.
    uint256 internal constant ADDRESS_BITS = 160;
    /// Width of each contributor total T_c and of their sum S.
    uint256 internal constant TOTAL_BITS = 64;
    /// Width of the reward pool R and of each reward.
    uint256 internal constant POOL_BITS = 93;
    /// Width of an example hash: hashOut of an example batch is below 2^EXAMPLE_HASH_BITS.
    uint256 internal constant EXAMPLE_HASH_BITS = 128;
    /// Width of a batch index: each table has at most 2^BATCH_INDEX_BITS - 1 batches.
    uint256 internal constant BATCH_INDEX_BITS = 16;
    /// Width of a contributor index: an epoch has fewer than 2^CONTRIBUTOR_INDEX_BITS registrants.
    uint256 internal constant CONTRIBUTOR_INDEX_BITS = 20;
    /// The most payees one release pays (a payout batch's rows): EIP-7825 caps a transaction at 2^24 gas.
    uint256 internal constant MAX_PAYEES_PER_RELEASE = 600;
    /// Hashes per registration row: a registrant of n examples takes ceil(n / REGISTRATION_CHUNK) rows.
    uint256 internal constant REGISTRATION_CHUNK = 12;
}
