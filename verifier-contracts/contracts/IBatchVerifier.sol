// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The Groth16 verifier that snarkjs generates for a batch circuit: ExampleBatch,
/// RegistrationBatch and PayoutBatch (circuits/*.circom) all have four public signals in snarkjs
/// order, outputs then public inputs: [chainOut, digest, seed, rho]. The
/// generated verifier returns false (it does not revert) for a bad proof and for any public signal
/// >= the field modulus.
interface IBatchVerifier {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[4] calldata _pubSignals
    ) external view returns (bool);
}
