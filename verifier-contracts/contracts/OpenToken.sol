// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title OpenToken ($OPEN)
/// @notice The reward token: a plain OpenZeppelin ERC-20 with 18 decimals whose supply only the
/// owner can mint. No hooks on transfer, so paying a contributor cannot call back into the payer.
contract OpenToken is ERC20, Ownable {
    constructor(address initialOwner) ERC20("OPEN", "OPEN") Ownable(initialOwner) {}

    /// @notice Mints `amount` base units to `to`. Owner only.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
