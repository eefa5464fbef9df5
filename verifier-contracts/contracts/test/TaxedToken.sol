// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title TaxedToken (tests only, red team 6)
/// @notice An ERC-20 that burns 1 % of every transfer (a fee-on-transfer token, as several deployed
/// ones are or may become): the recipient gets 99 % of what the sender sent. Otherwise OpenToken's
/// interface: the owner mints (untaxed).
contract TaxedToken is ERC20, Ownable {
    constructor(address initialOwner) ERC20("Taxed", "TAX") Ownable(initialOwner) {}

    /// @notice Mints `amount` base units to `to`. Owner only.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 tax = value / 100;
        super._update(from, address(0), tax);
        super._update(from, to, value - tax);
    }
}
