// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title RevertingToken (tests only)
/// @notice An ERC-20 that refuses one chosen recipient, as a blocklisting token (USDC, USDT) does:
/// anything sent to `blocked` reverts with Blocked, or, with `quiet` set, `transfer` to it returns
/// false and moves nothing (the other way tokens refuse). Otherwise OpenToken's interface: the
/// owner mints, and chooses the blocked address (address(0): nobody).
contract RevertingToken is ERC20, Ownable {
    address public blocked;
    bool public quiet;

    error Blocked(address account);

    constructor(address initialOwner) ERC20("Reverting", "REV") Ownable(initialOwner) {}

    /// @notice Mints `amount` base units to `to`. Owner only.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Refuses `account` from now on (only it): by reverting, or with `quiet_` by returning false.
    function setBlocked(address account, bool quiet_) external onlyOwner {
        blocked = account;
        quiet = quiet_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (quiet && to == blocked && to != address(0)) return false;
        return super.transfer(to, value);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (to == blocked && to != address(0)) revert Blocked(to);
        super._update(from, to, value);
    }
}
