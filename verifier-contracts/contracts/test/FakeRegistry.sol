// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FakeRegistry (tests only)
/// @notice An attacker's stand-in for ContributorRegistry (from the red team's reproduction): it
/// names the fake settlement as its owner and the file's token and Poseidon, as the wiring check
/// asks. Any other call returns 1.5 KiB of zeros.
contract FakeRegistry {
    address public owner;
    address public feeToken;
    address public poseidon;

    constructor(address owner_, address token_, address poseidon_) {
        owner = owner_;
        feeToken = token_;
        poseidon = poseidon_;
    }

    fallback() external {
        assembly {
            return(0x80, 0x600)
        }
    }
}
