// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The Groth16 verifier that snarkjs generates for the PayoutBatch circuit
/// (circuits/payout_batch.circom). Public signals in snarkjs order: outputs, then public inputs:
/// [chainOut, digest, rho]. The generated verifier returns false (it does not revert) for a bad
/// proof and for any public signal >= the field modulus.
interface IPayoutVerifier {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[3] calldata _pubSignals
    ) external view returns (bool);
}
