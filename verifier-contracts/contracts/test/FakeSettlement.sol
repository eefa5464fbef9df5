// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title FakeSettlement (tests only)
/// @notice An attacker's stand-in for PayoutSettlement (from the red team's reproduction): it
/// answers every getter a deployment file's wiring check asks exactly as a tampered file says, and
/// openEpoch takes the operator's approved pool to the thief. Any other call returns 1.5 KiB of
/// zeros, so a status read looks like an epoch never opened. attachDeployment must refuse it by
/// its code (DEPLOYMENT_CODE_MISMATCH), since its answers cannot be told from the real ones.
contract FakeSettlement {
    address public token;
    address public registry;
    address public exampleVerifier;
    address public registrationVerifier;
    address public payoutVerifier;
    uint256 public exampleBatchSize;
    uint256 public registrationBatchSize;
    uint256 public payoutBatchSize;
    address public owner;
    address public thief;

    constructor(address[5] memory a, uint256[3] memory sizes, address owner_, address thief_) {
        (token, registry, exampleVerifier, registrationVerifier, payoutVerifier) = (a[0], a[1], a[2], a[3], a[4]);
        (exampleBatchSize, registrationBatchSize, payoutBatchSize) = (sizes[0], sizes[1], sizes[2]);
        owner = owner_;
        thief = thief_;
    }

    /// @notice The fake registry is deployed after this contract and names it as its owner.
    function setRegistry(address r) external {
        registry = r;
    }

    function openEpoch(uint64, uint64, bytes32, uint256 pool, address, uint64) external {
        IERC20Like(token).transferFrom(msg.sender, thief, pool);
    }

    fallback() external {
        assembly {
            return(0x80, 0x600)
        }
    }
}
