// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title CostlyToken (tests only)
/// @notice An ERC-20 whose transfers cost as much gas as its owner sets, as a token with
/// ERC20Votes checkpoints or transfer hooks costs more than a bare transfer: every balance change
/// appends `writesPerTransfer` words to a history that only grows (a fresh storage slot each,
/// ~22k gas). Otherwise OpenToken's interface: the owner mints.
contract CostlyToken is ERC20, Ownable {
    uint256 public writesPerTransfer;
    uint256[] private _history;

    constructor(address initialOwner) ERC20("Costly", "CST") Ownable(initialOwner) {}

    /// @notice Mints `amount` base units to `to`. Owner only.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Every balance change from now on writes `writes` fresh slots. Owner only.
    function setWritesPerTransfer(uint256 writes) external onlyOwner {
        writesPerTransfer = writes;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        uint256 writes = writesPerTransfer;
        for (uint256 i = 0; i < writes; i++) {
            _history.push(block.number); // non-zero: a fresh slot set from zero costs the full 20k
        }
    }
}
